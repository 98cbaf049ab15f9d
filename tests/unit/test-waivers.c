/* SPDX-License-Identifier: MIT */
/*
 * The waivers file and "did you mean": valid files, every rejection with its JSON pointer,
 * dates (real calendar days, the whole expiry day applies), matching (case-insensitive ids,
 * module precedence, active over expired, use counts); edit distances and the closeness limit
 * of suggestions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_read.h"
#include "common/suggest.h"
#include "common/waivers.h"

static struct waivers *parse_ok(const char *json, unsigned flags)
{
	struct waivers *w = NULL;
	struct json_error err;

	if (waivers_parse(json, strlen(json), flags, &w, &err) < 0)
		fail_msg("%s: %s at %s", json, err.message, err.pointer);
	return w;
}

static void expect_error(const char *json, unsigned flags, const char *pointer, const char *msg)
{
	struct waivers *w = NULL;
	struct json_error err;

	assert_int_equal(waivers_parse(json, strlen(json), flags, &w, &err), -EINVAL);
	assert_null(w);
	if (strcmp(err.pointer, pointer) != 0 || !strstr(err.message, msg))
		fail_msg("%s: got '%s' at '%s', expected '%s' at '%s'", json, err.message,
			 err.pointer, msg, pointer);
}

static void test_parse(void **state)
{
	struct waivers *w;
	const struct waiver *v;

	(void)state;
	w = parse_ok("{\"version\":1,\"description\":\"site x\",\"waivers\":["
		     "{\"id\":\"ip-forwarding-disabled\",\"reason\":\"router\","
		     "\"expires\":\"2030-02-28\"},"
		     "{\"id\":\"EDGE010\",\"module\":\"monitor\",\"reason\":\"stats\"}]}",
		     WAIVERS_ALLOW_MODULE);
	assert_int_equal(waivers_count(w), 2);
	v = waivers_get(w, 0);
	assert_string_equal(v->id, "ip-forwarding-disabled");
	assert_string_equal(v->reason, "router");
	assert_string_equal(v->expires, "2030-02-28");
	assert_null(v->module);
	assert_int_equal(v->expires_at, 1898467200 + 86400); /* 2030-02-28T00:00Z + 1 day */
	v = waivers_get(w, 1);
	assert_string_equal(v->module, "monitor");
	assert_string_equal(v->expires, "");
	assert_int_equal(v->expires_at, 0);
	assert_null(waivers_get(w, 2));
	waivers_free(w);

	w = parse_ok("{\"waivers\":[]}", 0);
	assert_int_equal(waivers_count(w), 0);
	waivers_free(w);
	assert_null(waivers_free(NULL));
}

static void test_parse_errors(void **state)
{
	char big[WAIVERS_FILE_MAX + 2];

	(void)state;
	expect_error("", 0, "", "");
	expect_error("[]", 0, "", "is a JSON object");
	expect_error("{}", 0, "/waivers", "the key is missing");
	expect_error("{\"waivers\":{}}", 0, "/waivers", "must be an array");
	expect_error("{\"waivers\":[],\"version\":2}", 0, "/version", "must be 1");
	expect_error("{\"waivers\":[],\"ignore\":[]}", 0, "/ignore", "not a top-level key");
	expect_error("{\"waivers\":[1]}", 0, "/waivers/0", "must be an object");
	expect_error("{\"waivers\":[{\"id\":\"x\"}]}", 0, "/waivers/0/reason", "must be a string");
	expect_error("{\"waivers\":[{\"reason\":\"r\"}]}", 0, "/waivers/0/id", "must be a string");
	expect_error("{\"waivers\":[{\"id\":\"\",\"reason\":\"r\"}]}", 0, "/waivers/0/id",
		     "1-64 characters");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"\"}]}", 0, "/waivers/0/reason",
		     "1-512");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"a\\u001b[31mb\"}]}", 0,
		     "/waivers/0/reason", "control characters");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"r\",\"rule\":\"y\"}]}", 0,
		     "/waivers/0/rule", "not a key of a waiver");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"r\",\"module\":\"m\"}]}", 0,
		     "/waivers/0/module", "baseline waivers have no module");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"r\",\"module\":\"\"}]}",
		     WAIVERS_ALLOW_MODULE, "/waivers/0/module", "1-256");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"r\",\"expires\":\"2025-13-01\"}]}",
		     0, "/waivers/0/expires", "YYYY-MM-DD");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"r\",\"expires\":20250101}]}", 0,
		     "/waivers/0/expires", "YYYY-MM-DD");
	expect_error("{\"waivers\":[{\"id\":\"x\",\"reason\":\"r\"},{\"id\":\"y\"}]}", 0,
		     "/waivers/1/reason", "must be a string");
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 1] = '\0';
	expect_error(big, 0, "", "larger than");
}

static void test_dates(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(waiver_date_parse("1970-01-01", &t), 0);
	assert_int_equal(t, 86400);
	assert_int_equal(waiver_date_parse("2024-02-29", &t), 0); /* leap year */
	assert_int_equal(t, 1709164800 + 86400);
	assert_int_equal(waiver_date_parse("2000-02-29", &t), 0); /* divisible by 400 */
	assert_int_equal(waiver_date_parse("2100-02-29", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("2023-02-29", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("2023-04-31", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("2023-00-10", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("2023-01-00", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("1969-12-31", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("2023-1-01", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("2023/01/01", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("2023-01-01T00", &t), -EINVAL);
	assert_int_equal(waiver_date_parse("+023-01-01", &t), -EINVAL);
}

static void test_match(void **state)
{
	struct waivers *w;
	const struct waiver *v = NULL;
	/* 2030-01-01 ends at 1893542400; 2020-01-01 ends at 1577923200 */
	const int64_t before = 1893542399, after = 1893542400;

	(void)state;
	w = parse_ok("{\"waivers\":["
		     "{\"id\":\"EDGE001\",\"reason\":\"all modules\",\"expires\":\"2030-01-01\"},"
		     "{\"id\":\"edge001\",\"module\":\"sensor\",\"reason\":\"sensor only\"},"
		     "{\"id\":\"EDGE002\",\"reason\":\"old\",\"expires\":\"2020-01-01\"},"
		     "{\"id\":\"EDGE002\",\"reason\":\"renewed\",\"expires\":\"2030-01-01\"},"
		     "{\"id\":\"EDGE003\",\"module\":\"a\",\"reason\":\"a only\"}]}",
		     WAIVERS_ALLOW_MODULE);
	/* The expiry day itself still applies; the next second does not. */
	assert_int_equal(waivers_match(w, "EDGE001", "other", before, &v), WAIVER_STATE_ACTIVE);
	assert_string_equal(v->reason, "all modules");
	assert_int_equal(waivers_match(w, "EDGE001", "other", after, &v), WAIVER_STATE_EXPIRED);
	assert_string_equal(v->expires, "2030-01-01");
	/* A waiver for the module wins, ids compare without case. */
	assert_int_equal(waivers_match(w, "Edge001", "sensor", after, &v), WAIVER_STATE_ACTIVE);
	assert_string_equal(v->reason, "sensor only");
	/* Active over expired, whatever the order in the file. */
	assert_int_equal(waivers_match(w, "EDGE002", NULL, before, &v), WAIVER_STATE_ACTIVE);
	assert_string_equal(v->reason, "renewed");
	assert_int_equal(waivers_match(w, "EDGE002", NULL, after, &v), WAIVER_STATE_EXPIRED);
	/* A module-specific waiver never covers another module, nor a finding without one. */
	assert_int_equal(waivers_match(w, "EDGE003", "b", before, NULL), WAIVER_STATE_NONE);
	assert_int_equal(waivers_match(w, "EDGE003", NULL, before, NULL), WAIVER_STATE_NONE);
	assert_int_equal(waivers_match(w, "EDGE003", "a", before, NULL), WAIVER_STATE_ACTIVE);
	assert_int_equal(waivers_match(w, "EDGE0", "a", before, NULL), WAIVER_STATE_NONE);
	assert_int_equal(waivers_match(NULL, "EDGE003", "a", before, NULL), WAIVER_STATE_NONE);
	/* Uses are counted on the waiver that matched. */
	assert_int_equal(waivers_get(w, 0)->uses, 2);
	assert_int_equal(waivers_get(w, 1)->uses, 1);
	assert_int_equal(waivers_get(w, 4)->uses, 1);
	waivers_free(w);
}

static void test_suggest(void **state)
{
	static const char *const opts[] = { "format", "fails-only",  "root",  "waivers",
					    "checks", "checks-hash", "color", NULL };
	struct suggest s;

	(void)state;
	assert_int_equal(suggest_distance("", ""), 0);
	assert_int_equal(suggest_distance("abc", ""), 3);
	assert_int_equal(suggest_distance("format", "fromat"), 1); /* swap */
	assert_int_equal(suggest_distance("Format", "format"), 0); /* case */
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);

#define SUGGEST(word, want)                                                                        \
	do {                                                                                       \
		suggest_init(&s, word);                                                            \
		for (int i = 0; opts[i]; i++)                                                      \
			suggest_add(&s, opts[i]);                                                  \
		if ((want) == NULL)                                                                \
			assert_null(suggest_result(&s));                                           \
		else                                                                               \
			assert_string_equal(suggest_result(&s), (want));                           \
	} while (0)

	SUGGEST("fromat", "format");
	SUGGEST("fails-onyl", "fails-only");
	SUGGEST("colour", "color");
	SUGGEST("waiver", "waivers");
	SUGGEST("rot", "root");
	SUGGEST("xyz", NULL);
	SUGGEST("verbose", NULL);
	SUGGEST("format", NULL); /* an exact match is not a suggestion */
	SUGGEST("checks-h", "checks-hash");
	SUGGEST("chec", NULL); /* a prefix of two candidates */
	SUGGEST("", NULL);
	/* Words beyond the table are not compared. */
	suggest_init(&s,
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	suggest_add(&s,
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab");
	assert_null(suggest_result(&s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_dates),	cmocka_unit_test(test_match),
		cmocka_unit_test(test_suggest),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
