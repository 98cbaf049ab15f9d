/* SPDX-License-Identifier: MIT */
/*
 * struct utmp by offsets (glibc, x86_64 / aarch64, little endian, __WORDSIZE_TIME64_COMPAT32):
 *     0 short ut_type (+2 padding)     4 int32 ut_pid          8 char ut_line[32]
 *    40 char ut_id[4]                 44 char ut_user[32]     76 char ut_host[256]
 *   332 short e_termination, e_exit  336 int32 ut_session    340 int32 tv_sec, tv_usec
 *   348 int32 ut_addr_v6[4]          364 reserved[20]        = 384
 * Checks: exact size, a known type, 0 <= tv_usec < 1000000, pid >= 0.  Strings are cut at
 * their first NUL (they need not have one); bytes are kept as they are (the JSON writer
 * escapes them).  Time is unsigned 32-bit seconds (glibc stores the low 32 bits).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/str.h"
#include "utmp-parse.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int utmp_parse_record(const void *rec, size_t len, struct utmp_entry *e)
{
	const unsigned char *p = rec;
	uint32_t usec, a0, a1, a2, a3;

	if (len != UTMP_RECORD_SIZE)
		return -EBADMSG;
	memset(e, 0, sizeof(*e));
	e->type = (int16_t)((uint16_t)p[0] | (uint16_t)p[1] << 8);
	if (e->type < UTMP_TYPE_EMPTY || e->type > UTMP_TYPE_DEAD_PROCESS + 1)
		return -EBADMSG; /* 9 is ACCOUNTING */
	e->pid = (int32_t)le32(p + 4);
	if (e->pid < 0)
		return -EBADMSG;
	str_copy_n(e->line, sizeof(e->line), (const char *)p + 8, UTMP_LINE_MAX);
	str_copy_n(e->user, sizeof(e->user), (const char *)p + 44, UTMP_USER_MAX);
	str_copy_n(e->host, sizeof(e->host), (const char *)p + 76, UTMP_HOST_MAX);
	usec = le32(p + 344);
	if (usec >= 1000000)
		return -EBADMSG;
	e->time_ns = (uint64_t)le32(p + 340) * 1000000000ull + (uint64_t)usec * 1000ull;
	a0 = le32(p + 348);
	a1 = le32(p + 352);
	a2 = le32(p + 356);
	a3 = le32(p + 360);
	if (a0 | a1 | a2 | a3) {
		memcpy(e->addr, p + 348, 16);
		e->addr_family = (a1 | a2 | a3) ? AF_INET6 : AF_INET;
	}
	return 0;
}
