/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the integer parser (common/num.c).  The first byte picks the base and the bound; the
 * rest is the text, handed over as an exact-size copy (ASan sees any read past it).  Checks:
 * an accepted number is within its bound and is what strtoull/strtoll read from the same digits;
 * a refusal leaves *ret alone; scanning agrees with parsing the digits it used; a fraction never
 * exceeds its scale.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_u64(const char *s, size_t len, unsigned base, uint64_t max)
{
	uint64_t v = 12345, again;
	size_t used;
	char *z;
	int r = num_parse_u64(s, len, base, max, &v);

	if (r != 0 && r != -EINVAL && r != -ERANGE)
		abort();
	if (r != 0 && v != 12345)
		abort(); /* written only on success */
	if (r == 0) {
		if (v > max)
			abort();
		z = strndup(s, len);
		if (!z || strtoull(z, NULL, (int)base) != v)
			abort();
		free(z);
	}
	r = num_scan_u64(s, len, base, max, &v, &used);
	if (r == 0 && (used == 0 || used > len || num_parse_u64(s, used, base, max, &again) != 0 ||
		       again != v))
		abort();
}

static void check_i64(const char *s, size_t len, int64_t min, int64_t max)
{
	int64_t v;
	char *z;
	int r = num_parse_i64(s, len, min, max, &v);

	if (r == 0) {
		if (v < min || v > max)
			abort();
		z = strndup(s, len);
		if (!z || strtoll(z, NULL, 10) != v)
			abort();
		free(z);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned bases[] = { 2, 8, 10, 16 };
	static const uint64_t maxes[] = { UINT64_MAX, UINT32_MAX, 65535, 999, 0 };
	uint64_t frac;
	char *s;
	size_t len;

	if (size == 0 || size > 4096)
		return 0;
	len = size - 1;
	s = malloc(len ? len : 1);
	if (!s)
		abort();
	memcpy(s, data + 1, len);
	check_u64(s, len, bases[data[0] % 4], maxes[(data[0] >> 2) % 5]);
	check_i64(s, len, (data[0] & 0x80) ? INT64_MIN : -1000,
		  (data[0] & 0x40) ? INT64_MAX : 1000);
	if (num_parse_frac(s, len, data[0] % 19, &frac) == 0) {
		uint64_t unit = 1;

		for (unsigned i = 0; i < data[0] % 19u; i++)
			unit *= 10;
		if (frac >= unit && unit > 1)
			abort();
	}
	free(s);
	return 0;
}
