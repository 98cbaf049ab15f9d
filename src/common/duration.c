/* SPDX-License-Identifier: MIT */
#include "duration.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "buf.h"
#include "num.h"

#define MS_SECOND 1000ull
#define MS_MINUTE (60 * MS_SECOND)
#define MS_HOUR (60 * MS_MINUTE)
#define MS_DAY (24 * MS_HOUR)

struct unit {
	char designator;
	bool time_part;
	uint64_t ms;
};

/* In the order they must appear. */
static const struct unit units[] = {
	{ 'Y', false, 365 * MS_DAY }, { 'M', false, 30 * MS_DAY }, { 'W', false, 7 * MS_DAY },
	{ 'D', false, MS_DAY },	      { 'H', true, MS_HOUR },	   { 'M', true, MS_MINUTE },
	{ 'S', true, MS_SECOND },
};

#define N_UNITS ARRAY_SIZE(units)

static int fail(const char **ret_why, const char *why)
{
	if (ret_why)
		*ret_why = why;
	return -EINVAL;
}

/* Reads digits[.digits]; value scaled by 1e6 (micro-units) to keep fractions exact enough. */
static int read_number(const char **p, uint64_t *ret_int, uint64_t *ret_frac_micro,
		       bool *ret_has_frac)
{
	const char *s = *p;
	uint64_t v, frac = 0;
	size_t used;
	int r = num_scan_u64(s, strlen(s), 10, UINT64_MAX, &v, &used);

	if (r < 0)
		return r;
	s += used;
	*ret_has_frac = false;
	if (*s == '.' || *s == ',') {
		s++;
		used = strspn(s, "0123456789");
		if (num_parse_frac(s, used, 6, &frac) < 0)
			return -EINVAL;
		s += used;
		*ret_has_frac = true;
	}
	*ret_int = v;
	*ret_frac_micro = frac;
	*p = s;
	return 0;
}

int duration_parse(const char *s, uint64_t *ret_ms, const char **ret_why)
{
	uint64_t total = 0;
	size_t next_unit = 0;
	bool in_time = false, any = false, frac_seen = false, time_any = false;

	if (!s || *s != 'P')
		return fail(ret_why, "must start with 'P'");
	s++;
	while (*s) {
		uint64_t v, frac, add;
		bool has_frac;
		size_t u;
		int r;

		if (*s == 'T') {
			if (in_time)
				return fail(ret_why, "'T' appears twice");
			in_time = true;
			s++;
			if (!*s)
				return fail(ret_why,
					    "'T' must be followed by hours, minutes or seconds");
			continue;
		}
		if (frac_seen)
			return fail(ret_why, "only the last component may have a fraction");
		r = read_number(&s, &v, &frac, &has_frac);
		if (r == -ERANGE)
			return fail(ret_why, "number too large");
		if (r < 0)
			return fail(ret_why, "expected a number");
		for (u = next_unit; u < N_UNITS; u++)
			if (units[u].designator == *s && units[u].time_part == in_time)
				break;
		if (u == N_UNITS)
			return fail(ret_why,
				    in_time ? "expected H, M or S after a number in the time part"
					    : "expected Y, M, W or D after a number (or 'T')");
		s++;
		if (v > UINT64_MAX / units[u].ms)
			return fail(ret_why, "duration too long");
		add = v * units[u].ms + (frac * units[u].ms) / 1000000;
		if (total > UINT64_MAX - add)
			return fail(ret_why, "duration too long");
		total += add;
		next_unit = u + 1;
		frac_seen = has_frac;
		any = true;
		if (in_time)
			time_any = true;
	}
	if (!any)
		return fail(ret_why, "no components (e.g. \"PT5M\")");
	if (in_time && !time_any)
		return fail(ret_why, "'T' must be followed by hours, minutes or seconds");
	if (total > INT64_MAX) /* ~292 million years, as documented in duration.h */
		return fail(ret_why, "duration too long");
	*ret_ms = total;
	return 0;
}

size_t duration_format(uint64_t ms, char out[DURATION_STR_MAX])
{
	uint64_t d = ms / MS_DAY, h = ms % MS_DAY / MS_HOUR, m = ms % MS_HOUR / MS_MINUTE;
	uint64_t sec = ms % MS_MINUTE / MS_SECOND, frac = ms % MS_SECOND;
	size_t n = 0;
	char num[20];

	out[n++] = 'P';
	if (d) {
		n += fmt_u64(out + n, d);
		out[n++] = 'D';
	}
	if (h || m || sec || frac || !d) {
		out[n++] = 'T';
		if (h) {
			n += fmt_u64(out + n, h);
			out[n++] = 'H';
		}
		if (m) {
			n += fmt_u64(out + n, m);
			out[n++] = 'M';
		}
		if (sec || frac || (!h && !m)) {
			n += fmt_u64(out + n, sec);
			if (frac) {
				size_t k;

				out[n++] = '.';
				num[0] = (char)('0' + frac / 100);
				num[1] = (char)('0' + frac / 10 % 10);
				num[2] = (char)('0' + frac % 10);
				k = 3;
				while (num[k - 1] == '0')
					k--;
				memcpy(out + n, num, k);
				n += k;
			}
			out[n++] = 'S';
		}
	}
	out[n] = '\0';
	return n;
}
