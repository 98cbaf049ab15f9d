/* SPDX-License-Identifier: MIT */
/*
 * Bounded string copies (common/str.c) and ARRAY_SIZE (common/array.h): fits, cut by one, empty,
 * NULL, size 0 and 1, fixed fields with and without a NUL, nothing written past size and
 * nothing read past len (exact-size heap copies under ASan), and element counts.
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
#include "common/str.h"

static void test_copy(void **state)
{
	char out[6];

	(void)state;
	memset(out, 'x', sizeof(out));
	assert_false(str_copy(out, sizeof(out), "abc"));
	assert_string_equal(out, "abc");
	assert_false(str_copy(out, sizeof(out), "abcde")); /* exactly fits */
	assert_string_equal(out, "abcde");
	assert_true(str_copy(out, sizeof(out), "abcdef")); /* one too many */
	assert_string_equal(out, "abcde");
	assert_true(str_copy(out, sizeof(out), "a much longer string"));
	assert_string_equal(out, "a muc");
	assert_false(str_copy(out, sizeof(out), ""));
	assert_string_equal(out, "");
	assert_false(str_copy(out, sizeof(out), NULL));
	assert_string_equal(out, "");
	assert_true(str_copy(out, 1, "a"));
	assert_string_equal(out, "");
	assert_false(str_copy(out, 1, ""));
	/* size 0: nothing written */
	out[0] = 'q';
	assert_true(str_copy(out, 0, "a"));
	assert_false(str_copy(out, 0, ""));
	assert_false(str_copy(out, 0, NULL));
	assert_int_equal(out[0], 'q');
}

static void test_copy_bounds(void **state)
{
	/* dst and src of exact sizes on the heap: ASan catches a byte too far either way */
	char *dst = malloc(4), *src = malloc(3);

	(void)state;
	assert_non_null(dst);
	assert_non_null(src);
	memcpy(src, "xyz", 3); /* not NUL-terminated */
	assert_false(str_copy_n(dst, 4, src, 3));
	assert_string_equal(dst, "xyz");
	assert_true(str_copy_n(dst, 3, src, 3));
	assert_string_equal(dst, "xy");
	assert_false(str_copy_n(dst, 4, src, 0));
	assert_string_equal(dst, "");
	free(src);
	src = malloc(100);
	assert_non_null(src);
	memset(src, 'a', 100); /* no NUL in reach: str_copy reads only what it needs */
	assert_true(str_copy(dst, 4, src));
	assert_string_equal(dst, "aaa");
	free(src);
	free(dst);
}

static void test_copy_n_field(void **state)
{
	char out[8];
	static const char field[4] = { 'r', 'o', 0, 't' };

	(void)state;
	assert_false(str_copy_n(out, sizeof(out), field, sizeof(field)));
	assert_string_equal(out, "ro"); /* stops at the NUL inside the field */
	assert_false(str_copy_n(out, sizeof(out), "pts/0", 5));
	assert_string_equal(out, "pts/0");
	assert_true(str_copy_n(out, 3, "pts/0", 5));
	assert_string_equal(out, "pt");
	assert_false(str_copy_n(out, sizeof(out), NULL, 5));
	assert_string_equal(out, "");
	assert_true(str_copy_n(out, 0, "a", 1));
}

struct pair {
	int a, b;
};

static void test_array_size(void **state)
{
	static const char *const names[] = { "a", "b", "c" };
	static const struct pair pairs[7];
	char buf[32];
	uint8_t bytes[1];

	(void)state;
	(void)pairs;
	assert_int_equal(ARRAY_SIZE(names), 3);
	assert_int_equal(ARRAY_SIZE(pairs), 7);
	assert_int_equal(ARRAY_SIZE(buf), 32);
	assert_int_equal(ARRAY_SIZE(bytes), 1);
	/* a constant expression: usable in a static assertion */
	_Static_assert(ARRAY_SIZE(names) == 3, "ARRAY_SIZE is a constant");
	/* (ARRAY_SIZE of a pointer does not compile: see common/array.h) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_copy_bounds),
		cmocka_unit_test(test_copy_n_field),
		cmocka_unit_test(test_array_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
