/* SPDX-License-Identifier: MIT */
/*
 * The integer parser (common/num.c): every base the agent uses, the exact bounds (max, max + 1,
 * 2^64 and beyond, INT64_MIN/MAX), what is not a number (empty, blanks, signs, prefixes, bytes
 * past the digits, NUL), the length being what counts (no read past it), scanning, fractions,
 * and agreement with strtoull on every number it accepts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/array.h"
#include "common/num.h"

static int u64(const char *s, unsigned base, uint64_t max, uint64_t *ret)
{
	return num_parse_u64(s, strlen(s), base, max, ret);
}

static void test_u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(u64("0", 10, UINT64_MAX, &v), 0);
	assert_true(v == 0);
	assert_int_equal(u64("000123", 10, UINT64_MAX, &v), 0);
	assert_true(v == 123);
	assert_int_equal(u64("18446744073709551615", 10, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(u64("18446744073709551616", 10, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(u64("99999999999999999999999", 10, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(u64("ffffffffffffffff", 16, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(u64("10000000000000000", 16, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(u64("C000003e", 16, UINT64_MAX, &v), 0);
	assert_true(v == 0xc000003eull);
	assert_int_equal(u64("755", 8, 07777, &v), 0);
	assert_true(v == 0755);
	assert_int_equal(u64("8", 8, 07777, &v), -EINVAL);
	assert_int_equal(u64("10000", 8, 07777, &v), -ERANGE);
	assert_int_equal(u64("101", 2, 7, &v), 0);
	assert_true(v == 5);
	/* max is inclusive, and checked before each step. */
	assert_int_equal(u64("65535", 10, 65535, &v), 0);
	assert_int_equal(u64("65536", 10, 65535, &v), -ERANGE);
	assert_int_equal(u64("9", 10, 8, &v), -ERANGE);
	assert_int_equal(u64("0", 10, 0, &v), 0);
	assert_int_equal(u64("1", 10, 0, &v), -ERANGE);
	/* Not numbers: v keeps its value. */
	v = 42;
	static const char *const bad[] = { "",	 " 1",	"1 ",	 "+1",	"-1", "0x10", "1a",
					   "a1", "1.0", "1,000", "1e3", "١",  "\t1",  "1\n" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(u64(bad[i], 10, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(u64("g", 16, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(num_parse_u64(NULL, 0, 10, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(num_parse_u64("1", 1, 1, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(num_parse_u64("1", 1, 17, UINT64_MAX, &v), -EINVAL);
	assert_true(v == 42);
	/* Only len bytes count: digits after it are not read, a NUL inside is not a digit. */
	assert_int_equal(num_parse_u64("12345", 2, 10, UINT64_MAX, &v), 0);
	assert_true(v == 12);
	assert_int_equal(num_parse_u64("1\0002", 3, 10, UINT64_MAX, &v), -EINVAL);
}

static void test_u32(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(num_parse_u32("4294967295", 10, 10, &v), 0);
	assert_true(v == UINT32_MAX);
	assert_int_equal(num_parse_u32("4294967296", 10, 10, &v), -ERANGE);
	assert_int_equal(num_parse_u32("ffffffff", 8, 16, &v), 0);
	assert_true(v == UINT32_MAX);
	assert_int_equal(num_parse_u32("", 0, 10, &v), -EINVAL);
}

static int i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	return num_parse_i64(s, strlen(s), min, max, ret);
}

static void test_i64(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v), -ERANGE);
	assert_int_equal(i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), -ERANGE);
	assert_int_equal(i64("-115", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == -115);
	assert_int_equal(i64("-0", 0, 10, &v), 0);
	assert_true(v == 0);
	assert_int_equal(i64("-1", 0, 10, &v), -ERANGE);
	assert_int_equal(i64("11", 0, 10, &v), -ERANGE);
	assert_int_equal(i64("-11", -10, -1, &v), -ERANGE);
	assert_int_equal(i64("-10", -10, -1, &v), 0);
	assert_true(v == -10);
	assert_int_equal(i64("0", -10, -1, &v), -ERANGE);
	assert_int_equal(i64("5", 10, 0, &v), -EINVAL); /* min > max */
	static const char *const bad[] = { "", "-", "+1", "--1", "- 1", "1-", "0x1", " -1" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(i64(bad[i], INT64_MIN, INT64_MAX, &v), -EINVAL);
	assert_int_equal(num_parse_i64(NULL, 0, INT64_MIN, INT64_MAX, &v), -EINVAL);
}

static void test_scan(void **state)
{
	uint64_t v = 0;
	size_t used = 0;

	(void)state;
	assert_int_equal(num_scan_u64("1700000000.123", 14, 10, UINT64_MAX, &v, &used), 0);
	assert_true(v == 1700000000);
	assert_int_equal(used, 10);
	assert_int_equal(num_scan_u64("42", 2, 10, UINT64_MAX, &v, &used), 0);
	assert_int_equal(used, 2);
	assert_int_equal(num_scan_u64("x42", 3, 10, UINT64_MAX, &v, &used), -EINVAL);
	assert_int_equal(num_scan_u64("", 0, 10, UINT64_MAX, &v, &used), -EINVAL);
	assert_int_equal(num_scan_u64("256s", 4, 10, 255, &v, &used), -ERANGE);
	assert_int_equal(num_scan_u64("1fz", 3, 16, UINT64_MAX, &v, &used), 0);
	assert_true(v == 0x1f);
	assert_int_equal(used, 2);
}

static void test_frac(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(num_parse_frac("5", 1, 3, &v), 0);
	assert_true(v == 500);
	assert_int_equal(num_parse_frac("1239", 4, 3, &v), 0);
	assert_true(v == 123);
	assert_int_equal(num_parse_frac("000000001", 9, 9, &v), 0);
	assert_true(v == 1);
	assert_int_equal(num_parse_frac("999999999999999999999999", 24, 18, &v), 0);
	assert_true(v == 999999999999999999ull);
	assert_int_equal(num_parse_frac("5", 1, 0, &v), 0);
	assert_true(v == 0);
	assert_int_equal(num_parse_frac("", 0, 3, &v), -EINVAL);
	assert_int_equal(num_parse_frac("1a", 2, 3, &v), -EINVAL);
	assert_int_equal(num_parse_frac("1", 1, 19, &v), -EINVAL);
}

/* Whatever it accepts, strtoull reads the same way; what it refuses is not a plain number. */
static void test_agrees_with_strtoull(void **state)
{
	char s[32];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		unsigned base = (unsigned[]){ 8, 10, 16 }[i % 3];
		uint64_t v = 0, max = (i & 1) ? UINT64_MAX : x >> (i % 64);
		int n, r;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = snprintf(s, sizeof(s),
			     base == 8	  ? "%llo"
			     : base == 10 ? "%llu"
					  : "%llx",
			     (unsigned long long)(x >> (i % 61)));
		r = num_parse_u64(s, (size_t)n, base, max, &v);
		if ((x >> (i % 61)) <= max) {
			assert_int_equal(r, 0);
			assert_true(v == strtoull(s, NULL, (int)base));
		} else {
			assert_int_equal(r, -ERANGE);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),  cmocka_unit_test(test_u32),
		cmocka_unit_test(test_i64),  cmocka_unit_test(test_scan),
		cmocka_unit_test(test_frac), cmocka_unit_test(test_agrees_with_strtoull),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
