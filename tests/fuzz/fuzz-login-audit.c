/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness for the PAM user-record parser and verdict (collectors/login/
 * login-audit-parse.c).  Input: records, one per line, "TYPE TEXT" with TYPE the netlink
 * message type in decimal (1100 = USER_AUTH, 1105 = USER_START, 1112 = USER_LOGIN, ...) and
 * TEXT the record as the kernel multicasts it.  The corpus holds records captured from a real
 * sshd, sudo and su on this kernel plus hostile edge cases.  Each record is handed over as an
 * exact-size copy (ASan sees any read past it) and all records share one dedup table.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/login/login-audit-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t size)
{
	if (strnlen(s, size) >= size)
		abort(); /* every string stays NUL-terminated inside its buffer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct login_audit_record rec;
	static struct login_dedup dedup;
	const char *p = (const char *)data, *end = p + size;
	uint64_t now = 0;

	memset(&dedup, 0, sizeof(dedup));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p), i = 0;
		unsigned type = 0;
		char *copy;

		while (i < len && i < 5 && p[i] >= '0' && p[i] <= '9')
			type = type * 10 + (unsigned)(p[i++] - '0');
		if (i < len && p[i] == ' ')
			i++;
		copy = malloc(len - i ? len - i : 1);
		if (!copy)
			return 0;
		memcpy(copy, p + i, len - i);
		(void)login_audit_type_wanted(type);
		(void)login_audit_type_name(type);
		if (login_audit_parse(type, copy, len - i, &rec) == 0) {
			struct login_verdict v;

			check_str(rec.op, sizeof(rec.op));
			check_str(rec.acct, sizeof(rec.acct));
			check_str(rec.exe, sizeof(rec.exe));
			check_str(rec.hostname, sizeof(rec.hostname));
			check_str(rec.addr, sizeof(rec.addr));
			check_str(rec.terminal, sizeof(rec.terminal));
			v = login_audit_verdict(&rec, &dedup, now);
			if (v.kind != LOGIN_VERDICT_NONE && v.kind != LOGIN_VERDICT_LOGIN &&
			    v.kind != LOGIN_VERDICT_PRIVILEGE)
				abort();
			if (v.kind != LOGIN_VERDICT_NONE && rec.res == LOGIN_AUDIT_RES_UNKNOWN)
				abort(); /* no verdict without a result */
		}
		free(copy);
		now += 1000;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}
