/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness for the wtmp/btmp record parser (collectors/login/utmp-parse.c).  The input is
 * a file's bytes: cut into 384-byte records (the tail too, so wrong sizes are tried), each
 * handed over as an exact-size copy.  The corpus holds records written by a real sshd
 * (btmp) and handmade ones (wtmp USER_PROCESS with IPv4/IPv6 addresses, bad types, times).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/login/utmp-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct utmp_entry e;

	for (size_t off = 0; off < size || off == 0; off += UTMP_RECORD_SIZE) {
		size_t len = size - off < UTMP_RECORD_SIZE ? size - off : UTMP_RECORD_SIZE;
		unsigned char *copy = malloc(len ? len : 1);

		if (!copy)
			return 0;
		memcpy(copy, data + off, len);
		if (utmp_parse_record(copy, len, &e) == 0) {
			if (len != UTMP_RECORD_SIZE ||
			    strnlen(e.user, sizeof(e.user)) >= sizeof(e.user) ||
			    strnlen(e.line, sizeof(e.line)) >= sizeof(e.line) ||
			    strnlen(e.host, sizeof(e.host)) >= sizeof(e.host) || e.pid < 0)
				abort();
		}
		free(copy);
		if (size == 0)
			break;
	}
	return 0;
}
