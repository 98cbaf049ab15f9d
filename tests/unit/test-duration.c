/* SPDX-License-Identifier: MIT */
/*
 * ISO-8601 durations as the module twin writes them: every unit, fractions, the errors a user
 * can make, and format/parse round trips (the reported properties show what was applied).
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
#include "common/duration.h"

#define SEC 1000ull
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static uint64_t parse_ok(const char *s)
{
	uint64_t ms = UINT64_MAX;
	const char *why = NULL;
	int r = duration_parse(s, &ms, &why);

	if (r != 0)
		fail_msg("\"%s\" rejected: %s", s, why ? why : "(no reason)");
	return ms;
}

static void test_units(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("PT5S"), 5 * SEC);
	assert_int_equal(parse_ok("PT7M"), 7 * MIN);
	assert_int_equal(parse_ok("PT5H"), 5 * HOUR);
	assert_int_equal(parse_ok("PT13H"), 13 * HOUR);
	assert_int_equal(parse_ok("P1D"), DAY);
	assert_int_equal(parse_ok("P1W"), 7 * DAY);
	assert_int_equal(parse_ok("P1Y"), 365 * DAY);
	assert_int_equal(parse_ok("P1M"), 30 * DAY);
	assert_int_equal(parse_ok("PT1M30S"), MIN + 30 * SEC);
	assert_int_equal(parse_ok("P1DT2H"), DAY + 2 * HOUR);
	assert_int_equal(parse_ok("P1Y2M3W4DT5H6M7S"),
			 365 * DAY + 60 * DAY + 21 * DAY + 4 * DAY + 5 * HOUR + 6 * MIN + 7 * SEC);
	assert_int_equal(parse_ok("PT0S"), 0);
	/* "M" is months before T and minutes after it. */
	assert_int_equal(parse_ok("P2M"), 60 * DAY);
	assert_int_equal(parse_ok("PT2M"), 2 * MIN);
	assert_int_equal(parse_ok("P1MT1M"), 30 * DAY + MIN);
}

static void test_fractions(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("PT0.5S"), 500);
	assert_int_equal(parse_ok("PT0,5S"), 500); /* ISO-8601 allows the comma */
	assert_int_equal(parse_ok("PT1.25S"), 1250);
	assert_int_equal(parse_ok("PT0.001S"), 1);
	assert_int_equal(parse_ok("PT0.5M"), 30 * SEC);
	assert_int_equal(parse_ok("PT1.5H"), HOUR + 30 * MIN);
	assert_int_equal(parse_ok("P0.5D"), 12 * HOUR);
	assert_int_equal(parse_ok("PT1M0.5S"), MIN + 500);
	/* Digits beyond the millisecond are dropped, not rounded into garbage. */
	assert_int_equal(parse_ok("PT0.1234567S"), 123);
}

static void parse_fails(const char *s)
{
	uint64_t ms = 12345;
	const char *why = NULL;
	int r = duration_parse(s, &ms, &why);

	if (r != -EINVAL)
		fail_msg("\"%s\" accepted (%d, %llu ms)", s, r, (unsigned long long)ms);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
	assert_int_equal(ms, 12345); /* output untouched on failure */
}

static void test_errors(void **state)
{
	(void)state;
	parse_fails("");
	parse_fails("P");
	parse_fails("PT");
	parse_fails("5M");
	parse_fails("T5M");
	parse_fails("PT5");
	parse_fails("P5H");  /* hours need T */
	parse_fails("PT5D"); /* days are not in the time part */
	parse_fails("PT5Y");
	parse_fails("P1DT");   /* T with nothing after it */
	parse_fails("PT5M3H"); /* units out of order */
	parse_fails("P1D1D");  /* unit twice */
	parse_fails("PT1S1S");
	parse_fails("P1DTT1H");
	parse_fails("PT0.5M30S"); /* fraction not on the last component */
	parse_fails("P0.5DT1H");
	parse_fails("PT.5S");
	parse_fails("PT5.S");
	parse_fails("PT-5S");
	parse_fails("PT+5S");
	parse_fails("pt5s"); /* designators are upper case */
	parse_fails("PT5 S");
	parse_fails(" PT5S");
	parse_fails("PT5S ");
	parse_fails("PT5SX");
	parse_fails("P1X");
	/* Overflow: the number itself, the unit multiplication and the sum. */
	parse_fails("PT99999999999999999999999S");
	parse_fails("P18446744073709551615D");
	parse_fails("P999999999999Y");
	parse_fails("P500000000YT1S");
}

/* The documented limit: up to INT64_MAX ms (~292 million years), nothing above. */
static void test_limit(void **state)
{
	char out[DURATION_STR_MAX];
	uint64_t ms = 0;

	(void)state;
	duration_format((uint64_t)INT64_MAX, out);
	assert_int_equal(duration_parse(out, &ms, NULL), 0);
	assert_int_equal(ms, (uint64_t)INT64_MAX);
	duration_format((uint64_t)INT64_MAX + 1, out);
	assert_int_equal(duration_parse(out, &ms, NULL), -EINVAL);
	/* 1000 years is well within it. */
	assert_int_equal(parse_ok("P1000Y"), 1000 * 365 * DAY);
}

static void test_null(void **state)
{
	uint64_t ms = 7;
	const char *why = NULL;

	(void)state;
	assert_int_equal(duration_parse(NULL, &ms, &why), -EINVAL);
	assert_int_equal(ms, 7);
	/* ret_why is optional. */
	assert_int_equal(duration_parse("P", &ms, NULL), -EINVAL);
}

static void test_format(void **state)
{
	static const struct {
		uint64_t ms;
		const char *s;
	} cases[] = {
		{ 0, "PT0S" },
		{ 500, "PT0.5S" },
		{ 1, "PT0.001S" },
		{ 10, "PT0.01S" },
		{ 250, "PT0.25S" },
		{ 5 * SEC, "PT5S" },
		{ 7 * MIN, "PT7M" },
		{ 5 * HOUR, "PT5H" },
		{ MIN + 30 * SEC, "PT1M30S" },
		{ DAY, "P1D" },
		{ 7 * DAY, "P7D" },
		{ 365 * DAY, "P365D" },
		{ DAY + 2 * HOUR, "P1DT2H" },
		{ DAY + 1, "P1DT0.001S" },
		{ HOUR + 1500, "PT1H1.5S" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char out[DURATION_STR_MAX];
		size_t n = duration_format(cases[i].ms, out);

		assert_string_equal(out, cases[i].s);
		assert_int_equal(n, strlen(cases[i].s));
	}
}

/* format(parse(x)) == x for canonical strings. */
static void test_round_trip_strings(void **state)
{
	/* clang-format off */ /* its tab alignment would pass 100 columns */
	static const char *const canonical[] = {
		"PT5S", "PT7M", "PT5H", "P1D", "PT1M30S", "PT0.5S", "P1DT2H", "PT13H", "PT1H",
		"P3DT4H5M6.789S", "PT59M59.999S", "P10000D", "PT0S",
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(canonical); i++) {
		char out[DURATION_STR_MAX];

		duration_format(parse_ok(canonical[i]), out);
		assert_string_equal(out, canonical[i]);
	}
}

/* parse(format(ms)) == ms, over a wide spread of values including the largest ones. */
static void test_round_trip_values(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (unsigned i = 0; i < 200000; i++) {
		char out[DURATION_STR_MAX];
		uint64_t ms, back = 0;
		const char *why = NULL;
		size_t n;

		/* xorshift; mix small, medium and huge values */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (i % 4) {
		case 0:
			ms = x % 1000;
			break;
		case 1:
			ms = x % (10 * DAY);
			break;
		case 2:
			ms = x % (1000 * 365 * DAY);
			break;
		default:
			ms = i < 64 ? (1ull << i) - 1 : x % ((uint64_t)INT64_MAX + 1);
			break;
		}
		n = duration_format(ms, out);
		assert_true(n < DURATION_STR_MAX);
		if (duration_parse(out, &back, &why) != 0)
			fail_msg("format(%llu) = \"%s\" does not parse: %s", (unsigned long long)ms,
				 out, why);
		if (back != ms)
			fail_msg("parse(format(%llu)) = %llu via \"%s\"", (unsigned long long)ms,
				 (unsigned long long)back, out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip_strings),
		cmocka_unit_test(test_round_trip_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
