/* SPDX-License-Identifier: MIT */
/*
 * passwd + group parsers and group lists.  The input is "<passwd>\0<group>" (no NUL: all
 * passwd, no group file).  Every user's lists are formatted; ids and names must pair up.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "enrich/users-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const struct buf *b, char c)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == c;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nul = memchr(p, '\0', size);
	size_t plen = nul ? (size_t)(nul - p) : size;
	const char *g = nul ? nul + 1 : NULL;
	size_t glen = nul ? size - plen - 1 : 0;
	struct users_db db;
	struct buf ids, names;

	if (users_db_parse(&db, p, plen, g, glen) < 0)
		return 0;
	buf_init(&ids, 1 << 20);
	buf_init(&names, 1 << 20);
	for (size_t i = 0; i < db.n_users; i++) {
		int n;

		buf_reset(&ids);
		buf_reset(&names);
		n = users_db_format_groups(&db, &db.users[i], &ids, &names, NULL);
		if (n < 1 || (!ids.failed && count(&ids, ';') != (size_t)n - 1) ||
		    (!names.failed && count(&names, ';') != (size_t)n - 1))
			__builtin_trap();
	}
	buf_done(&ids);
	buf_done(&names);
	users_db_done(&db);
	return 0;
}
