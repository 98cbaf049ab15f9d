/* SPDX-License-Identifier: MIT */
/*
 * es_regex from arbitrary bytes.  Input: one control byte (bit 0: ES_REGEX_ICASE, bits 1-4:
 * groups asked for), the pattern up to the first NUL byte, then the subject.  A compile either
 * fails with -EINVAL/-E2BIG and a message whose offset lies in the pattern, or gives a regex
 * whose searches agree: the same verdict with and without groups and from the DFA alone, group
 * 0 set exactly on a match, every group inside the subject and inside group 0.  Nothing may
 * stay allocated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/regex-int.h" /* rx_dfa_search */
#include "common/regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_groups(const struct es_regex_match *g, unsigned n, int r, size_t len)
{
	if ((r == 1) != (n > 0 ? g[0].matched : r == 1))
		abort();
	for (unsigned i = 0; i < n; i++) {
		if (!g[i].matched)
			continue;
		if (r != 1 || g[i].start > g[i].end || g[i].end > len)
			abort();
		if (g[i].start < g[0].start || g[i].end > g[0].end)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct es_regex_match g[ES_REGEX_GROUPS_MAX + 2];
	size_t in_use = es_alloc_in_use(), plen;
	const char *pattern, *subject, *nul;
	struct es_regex *re = NULL;
	struct es_regex_error err;
	unsigned flags, want;
	int r, r0;

	if (size < 1 || size > 256 * 1024)
		return 0;
	flags = data[0] & 1 ? ES_REGEX_ICASE : 0;
	want = (data[0] >> 1) & 0xf; /* up to 15: more than ES_REGEX_GROUPS_MAX is allowed */
	if (want > ES_REGEX_GROUPS_MAX + 2)
		want = ES_REGEX_GROUPS_MAX + 2;
	pattern = (const char *)data + 1;
	nul = memchr(pattern, '\0', size - 1);
	plen = nul ? (size_t)(nul - pattern) : size - 1;
	subject = nul ? nul + 1 : pattern + plen;

	r = es_regex_compile(pattern, plen, flags, &re, &err);
	if (r < 0) {
		if ((r != -EINVAL && r != -E2BIG) || re || !err.message[0] ||
		    !memchr(err.message, '\0', sizeof(err.message)))
			abort();
		if (err.offset > plen && err.offset != ES_REGEX_PATTERN_MAX)
			abort();
		goto out;
	}
	if (es_regex_n_groups(re) < 1 || es_regex_n_groups(re) > ES_REGEX_GROUPS_MAX)
		abort();
	{
		size_t len = size - (size_t)(subject - (const char *)data);

		r0 = es_regex_search(re, subject, len, NULL, 0);
		r = es_regex_search(re, subject, len, g, want);
		if (r0 < 0 || r != r0)
			abort();
		/* the DFA alone (its cache may be full: -E2BIG) says the same */
		r = rx_dfa_search(re, (const unsigned char *)subject, len);
		if (r != r0 && r != -E2BIG)
			abort();
		r = r0;
		check_groups(g, want < ES_REGEX_GROUPS_MAX ? want : ES_REGEX_GROUPS_MAX, r, len);
		for (unsigned i = es_regex_n_groups(re); i < want; i++)
			if (g[i].matched)
				abort();
	}
out:
	es_regex_free(re);
	if (es_alloc_in_use() != in_use)
		abort();
	return 0;
}
