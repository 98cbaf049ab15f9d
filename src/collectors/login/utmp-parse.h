/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * wtmp / btmp records (glibc struct utmp, 384 bytes on x86_64 and aarch64), parsed by
 * offset from raw bytes: never through <utmp.h>'s struct, so a file from a 32-bit or
 * foreign layout is rejected by size checks instead of being misread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTMP_RECORD_SIZE 384
#define UTMP_LINE_MAX 32
#define UTMP_USER_MAX 32
#define UTMP_HOST_MAX 256

enum {
	UTMP_TYPE_EMPTY = 0,
	UTMP_TYPE_RUN_LVL = 1,
	UTMP_TYPE_BOOT_TIME = 2,
	UTMP_TYPE_INIT_PROCESS = 5,
	UTMP_TYPE_LOGIN_PROCESS = 6,
	UTMP_TYPE_USER_PROCESS = 7,
	UTMP_TYPE_DEAD_PROCESS = 8,
};

/* Strings NUL-terminated (the file's fields need not be). */
struct utmp_entry {
	int16_t type;
	int32_t pid;
	char line[UTMP_LINE_MAX + 1];
	char user[UTMP_USER_MAX + 1];
	char host[UTMP_HOST_MAX + 1];
	uint64_t time_ns;
	/* ut_addr_v6: family 0 when all zero, else AF_INET (only the first word) or AF_INET6. */
	int addr_family;
	uint8_t addr[16];
};

/* One record of exactly UTMP_RECORD_SIZE bytes: 0 or -EBADMSG (bad type, time, pid). */
int utmp_parse_record(const void *rec, size_t len, struct utmp_entry *ret);
