/* SPDX-License-Identifier: MIT */
#pragma once

/* Clocks and RFC 3339 timestamps (with milliseconds; local time carries its real offset). */

#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_STR_MAX 40
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_SEC 1000000000ull

uint64_t time_now_realtime_ns(void);
uint64_t time_now_monotonic_ns(void);
/* "2026-11-29T10:01:51.123Z" */
size_t time_format_utc(uint64_t realtime_ns, char out[TIMESTAMP_STR_MAX]);
/* "2026-11-29T11:01:51.123+01:00" */
size_t time_format_local(uint64_t realtime_ns, char out[TIMESTAMP_STR_MAX]);

/*
 * RFC 3339, the one parser of timestamps read back (recordings, reports):
 * "YYYY-MM-DD" 'T' (or 't' or ' ') "hh:mm:ss" [ '.' digits ] ( 'Z' | 'z' | ('+'|'-') "hh:mm" ),
 * nothing after it; year 1970 or later, fields in range (a leap second 60 is accepted), the
 * fraction cut to nanoseconds.  0 with ns since the epoch (UTC), or -EINVAL.
 */
int time_parse_rfc3339(const char *s, uint64_t *ret_ns);
