/* SPDX-License-Identifier: MIT */
/*
 * Formatting a timestamp is on the hot path (two per event), so the calendar part of the last
 * second formatted is cached for each of UTC and local time; only milliseconds change within it.
 */
#include "timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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
