/* SPDX-License-Identifier: MIT */
/*
 * RFC 3339 timestamps (common/timeutil.c): the one parser that recordings (`run --replay`) and
 * reports read back.  Every accepted form, every field out of range, what may not follow, and
 * round trips through the formatters.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/array.h"
#include "common/timeutil.h"

#define T0 1764930000ull /* 2025-12-05T10:20:00Z */

static uint64_t ok(const char *s)
{
	uint64_t ns = 0;

	if (time_parse_rfc3339(s, &ns) != 0)
		fail_msg("\"%s\" refused", s);
	return ns;
}

static void test_forms(void **state)
{
	(void)state;
	assert_true(ok("2025-12-05T10:20:00Z") == T0 * NSEC_PER_SEC);
	assert_true(ok("2025-12-05t10:20:00z") == T0 * NSEC_PER_SEC);
	assert_true(ok("2025-12-05 10:20:00Z") == T0 * NSEC_PER_SEC);
	assert_true(ok("2025-12-05T10:20:00.5Z") == T0 * NSEC_PER_SEC + 500000000ull);
	assert_true(ok("2025-12-05T10:20:00.123456789Z") == T0 * NSEC_PER_SEC + 123456789ull);
	/* beyond nanoseconds: cut, not rounded */
	assert_true(ok("2025-12-05T10:20:00.1234567899Z") == T0 * NSEC_PER_SEC + 123456789ull);
	assert_true(ok("2025-12-05T10:20:00.Z") == T0 * NSEC_PER_SEC);
	assert_true(ok("2025-12-05T11:20:00+01:00") == T0 * NSEC_PER_SEC);
	assert_true(ok("2025-12-05T05:50:00-04:30") == T0 * NSEC_PER_SEC);
	assert_true(ok("2025-12-05T10:20:00.250+00:00") == T0 * NSEC_PER_SEC + 250000000ull);
	assert_true(ok("1970-01-01T00:00:00Z") == 0);
	assert_true(ok("2016-12-31T23:59:60Z") == 1483228800ull * NSEC_PER_SEC); /* leap second */
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"2025-12-05",
		"2025-12-05T10:20:00",	    /* no zone */
		"2025-12-05T10:20:00Zjunk", /* something after it */
		"2025-12-05T10:20:00 Z",
		"2025-12-05T10:20:00+0100",  /* offset without ':' */
		"2025-12-05T10:20:00+01:0x", /* offset digits */
		"2025-12-05T10:20:00+1:00",
		"2025-13-05T10:20:00Z",
		"2025-00-05T10:20:00Z",
		"2025-12-00T10:20:00Z",
		"2025-12-32T10:20:00Z",
		"2025-12-05T24:20:00Z",
		"2025-12-05T10:60:00Z",
		"2025-12-05T10:20:61Z",
		"1969-12-31T23:59:59Z",
		"1970-01-01T00:30:00+01:00", /* before the epoch once the offset is taken */
		"2025/12/05T10:20:00Z",
		"2025-12-05X10:20:00Z",
		"+025-12-05T10:20:00Z",
		" 2025-12-05T10:20:00Z",
		"2025-12-05T10:20:00.1a2Z",
		"2025-1-05T10:20:00Z",
	};
	uint64_t ns = 42;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (time_parse_rfc3339(bad[i], &ns) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_true(ns == 42);
}

static void test_round_trip(void **state)
{
	char s[TIMESTAMP_STR_MAX];
	uint64_t ns = T0 * NSEC_PER_SEC + 987000000ull;

	(void)state;
	time_format_utc(ns, s);
	assert_true(ok(s) == ns);
	time_format_local(ns, s);
	assert_true(ok(s) == ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
