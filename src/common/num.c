/* SPDX-License-Identifier: MIT */
/*
 * The integer parser; see num.h.  Every function is a loop over at most len bytes, with the
 * bound checked before each multiply-add, so no input overflows and none is read past len.
 */
#include "num.h"

#include <errno.h>
#include <stdbool.h>

#include "hex.h"

static int digit_of(char c, unsigned base)
{
	int d = hex_digit_value(c);

	return d >= 0 && (unsigned)d < base ? d : -1;
}

int num_scan_u64(const char *s, size_t len, unsigned base, uint64_t max, uint64_t *ret,
		 size_t *ret_used)
{
	uint64_t v = 0;
	size_t i = 0;
	int d;

	if (!s || base < 2 || base > 16)
		return -EINVAL;
	for (; i < len && (d = digit_of(s[i], base)) >= 0; i++) {
		if (v > (max - (uint64_t)d) / base || (uint64_t)d > max)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	if (i == 0)
		return -EINVAL;
	*ret = v;
	*ret_used = i;
	return 0;
}

int num_parse_u64(const char *s, size_t len, unsigned base, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	size_t used;
	int r = num_scan_u64(s, len, base, max, &v, &used);

	if (r < 0)
		return r;
	if (used != len)
		return -EINVAL;
	*ret = v;
	return 0;
}

int num_parse_u32(const char *s, size_t len, unsigned base, uint32_t *ret)
{
	uint64_t v;
	int r = num_parse_u64(s, len, base, UINT32_MAX, &v);

	if (r == 0)
		*ret = (uint32_t)v;
	return r;
}

int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret)
{
	bool neg = s && len && s[0] == '-';
	uint64_t mag, limit;
	int64_t v;
	int r;

	if (min > max)
		return -EINVAL;
	/* The magnitude bound on the side of the sign: |min| for '-', max otherwise. */
	if (neg)
		limit = min >= 0 ? 0 : (uint64_t)(-(min + 1)) + 1;
	else
		limit = max < 0 ? 0 : (uint64_t)max;
	r = num_parse_u64(s ? s + neg : s, len - neg, 10, limit, &mag);
	if (r < 0)
		return r;
	if (neg)
		v = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
	else
		v = (int64_t)mag;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int num_parse_frac(const char *s, size_t len, unsigned scale, uint64_t *ret)
{
	uint64_t v = 0, unit = 1;

	if (!s || len == 0 || scale > 18)
		return -EINVAL;
	for (unsigned i = 0; i < scale; i++)
		unit *= 10;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (unit > 1) {
			unit /= 10;
			v += (uint64_t)(s[i] - '0') * unit;
		}
	}
	*ret = v;
	return 0;
}
