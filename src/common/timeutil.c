/* SPDX-License-Identifier: MIT */
/*
 * Formatting a timestamp is on the hot path (two per event), so the calendar part of the last
 * second formatted is cached for each of UTC and local time; only milliseconds change within it.
 */
#include "timeutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "num.h"

uint64_t time_now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t time_now_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct second_cache {
	time_t sec;
	int valid;
	char date[24]; /* "YYYY-MM-DDTHH:MM:SS" */
	size_t date_len;
	char zone[8]; /* "Z" or "+hh:mm" */
	size_t zone_len;
};

static struct second_cache utc_cache, local_cache;

static void fill(struct second_cache *c, time_t sec, int local)
{
	struct tm tm;

	if (local)
		localtime_r(&sec, &tm);
	else
		gmtime_r(&sec, &tm);
	c->date_len = strftime(c->date, sizeof(c->date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (!local) {
		memcpy(c->zone, "Z", 2);
		c->zone_len = 1;
	} else {
		long off = tm.tm_gmtoff;
		char sign = off < 0 ? '-' : '+';

		if (off < 0)
			off = -off;
		c->zone_len = (size_t)snprintf(c->zone, sizeof(c->zone), "%c%02ld:%02ld", sign,
					       off / 3600 % 100, off % 3600 / 60);
	}
	c->sec = sec;
	c->valid = 1;
}

static size_t format(struct second_cache *c, uint64_t ns, char *out, int local)
{
	time_t sec = (time_t)(ns / NSEC_PER_SEC);
	unsigned ms = (unsigned)(ns % NSEC_PER_SEC / NSEC_PER_MSEC);
	size_t n;

	if (!c->valid || c->sec != sec)
		fill(c, sec, local);
	memcpy(out, c->date, c->date_len);
	n = c->date_len;
	out[n++] = '.';
	out[n++] = (char)('0' + ms / 100);
	out[n++] = (char)('0' + ms / 10 % 10);
	out[n++] = (char)('0' + ms % 10);
	memcpy(out + n, c->zone, c->zone_len);
	n += c->zone_len;
	out[n] = '\0';
	return n;
}

size_t time_format_utc(uint64_t realtime_ns, char out[TIMESTAMP_STR_MAX])
{
	return format(&utc_cache, realtime_ns, out, 0);
}

size_t time_format_local(uint64_t realtime_ns, char out[TIMESTAMP_STR_MAX])
{
	return format(&local_cache, realtime_ns, out, 1);
}

/* n decimal digits at s, into an int in [0, max]. */
static bool digits(const char *s, size_t n, unsigned max, int *ret)
{
	uint64_t v;

	if (num_parse_u64(s, n, 10, max, &v) < 0)
		return false;
	*ret = (int)v;
	return true;
}

int time_parse_rfc3339(const char *s, uint64_t *ret_ns)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, se, oh = 0, om = 0;
	uint64_t frac = 0;
	size_t n = strlen(s), i = 19, nd;
	int64_t sec, off = 0;

	if (n < 20 || !digits(s, 4, 9999, &y) || s[4] != '-' || !digits(s + 5, 2, 12, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, 31, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, 23, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, 59, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, 60, &se))
		return -EINVAL;
	if (s[i] == '.') {
		nd = strspn(s + i + 1, "0123456789");
		if (nd && num_parse_frac(s + i + 1, nd, 9, &frac) < 0)
			return -EINVAL;
		i += 1 + nd;
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
		/* UTC */
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2, 99, &oh) &&
		   s[i + 3] == ':' && digits(s + i + 4, 2, 99, &om)) {
		off = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
	} else {
		return -EINVAL;
	}
	if (y < 1970 || mo < 1 || d < 1)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	sec = (int64_t)timegm(&tm) - off;
	if (sec < 0)
		return -EINVAL;
	*ret_ns = (uint64_t)sec * NSEC_PER_SEC + frac;
	return 0;
}
