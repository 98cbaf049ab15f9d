/* SPDX-License-Identifier: MIT */
/*
 * json_locator (analyze/json-locate.h): over one document, finding many pointers in any order
 * (backwards, jumping between siblings, into arrays, missing ones) gives the same line and
 * column as a fresh json_locate() of each; and members are found after the last sibling
 * without rescanning from the object's start.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/json-locate.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"

static const char doc[] = "{\n"
			  "  \"a\": {\"x\": 1, \"y\": [10, {\"z\": \"é\\\"}\"}, 30]},\n"
			  "  \"b~/c\": \"v\",\n"
			  "  \"mods\": {\n"
			  "    \"m0\": {\"k\": true},\n"
			  "    \"m1\": {\"k\": false, \"l\": null},\n"
			  "    \"m2\": {\"k\": [1, 2, 3]}\n"
			  "  }\n"
			  "}\n";

static const char *const pointers[] = {
	"",	    "/a",	  "/a/x",	"/a/y",		"/a/y/0",     "/a/y/1",
	"/a/y/1/z", "/a/y/2",	  "/b~0~1c",	"/mods",	"/mods/m0",   "/mods/m0/k",
	"/mods/m1", "/mods/m1/k", "/mods/m1/l", "/mods/m2",	"/mods/m2/k", "/mods/m2/k/2",
	"/nope",    "/a/y/9",	  "/mods/m3",	"/mods/m1/k/x",
};

static void test_any_order(void **state)
{
	const size_t n = ARRAY_SIZE(pointers);
	struct json_locator *l = es_malloc(sizeof(*l));
	unsigned seed = 1;

	(void)state;
	assert_non_null(l);
	for (int round = 0; round < 200; round++) {
		json_locator_init(l, doc, strlen(doc));
		for (size_t k = 0; k < 3 * n; k++) {
			const char *p = pointers[(seed = seed * 1103515245 + 12345) % n];
			unsigned l1 = 0, c1 = 0, l2 = 0, c2 = 0;
			int r1 = json_locate(doc, strlen(doc), p, &l1, &c1);
			int r2 = json_locator_find(l, p, &l2, &c2);

			if (r1 != r2 || (r1 == 0 && (l1 != l2 || c1 != c2)))
				fail_msg("%s: fresh %d %u:%u, locator %d %u:%u", p, r1, l1, c1, r2,
					 l2, c2);
		}
	}
	es_free(l);
}

/* The same over the document on one line (minified JSON): columns counted back on a line. */
static void test_any_order_one_line(void **state)
{
	const size_t n = ARRAY_SIZE(pointers);
	struct json_locator *l = es_malloc(sizeof(*l));
	char one[sizeof(doc)];
	unsigned seed = 7;

	(void)state;
	memcpy(one, doc, sizeof(doc));
	for (char *c = one; *c; c++)
		if (*c == '\n')
			*c = ' ';
	for (int round = 0; round < 200; round++) {
		json_locator_init(l, one, strlen(one));
		for (size_t k = 0; k < 3 * n; k++) {
			const char *p = pointers[(seed = seed * 1103515245 + 12345) % n];
			unsigned l1 = 0, c1 = 0, l2 = 0, c2 = 0;
			int r1 = json_locate(one, strlen(one), p, &l1, &c1);
			int r2 = json_locator_find(l, p, &l2, &c2);

			if (r1 != r2 || (r1 == 0 && (l1 != l2 || c1 != c2)))
				fail_msg("%s: fresh %d %u:%u, locator %d %u:%u", p, r1, l1, c1, r2,
					 l2, c2);
		}
	}
	es_free(l);
}

/*
 * docker inspect output of many containers, minified: the findings of element i come in rule
 * order (back and forth inside it), then element i + 1.  Each lookup resumes from the previous
 * element and counts columns back on the line instead of from its start (it was quadratic:
 * 35 s for 32 MiB).
 */
static void test_one_line_array(void **state)
{
	struct json_locator *l = es_malloc(sizeof(*l));
	struct buf b;
	size_t at = 0;

	(void)state;
	buf_init(&b, 0);
	buf_putc(&b, '[');
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, "%s{\"a\":%d,\"b\":[1,2]}", i ? "," : "", i);
	buf_putc(&b, ']');
	json_locator_init(l, b.data, b.len);
	for (int i = 0; i < 20000; i++) {
		char p[32];
		unsigned line, col;

		at = (size_t)(strstr(b.data + at, "{\"a\"") - b.data);
		snprintf(p, sizeof(p), "/%d/b/1", i);
		assert_int_equal(json_locator_find(l, p, &line, &col), 0);
		snprintf(p, sizeof(p), "/%d/a", i);
		assert_int_equal(json_locator_find(l, p, &line, &col), 0);
		assert_int_equal(line, 1);
		assert_int_equal(col, at + 6); /* the value after {"a": */
		at++;
	}
	buf_done(&b);
	es_free(l);
}

static void test_positions(void **state)
{
	unsigned line, col;

	(void)state;
	assert_int_equal(json_locate(doc, strlen(doc), "/a/y/1/z", &line, &col), 0);
	assert_int_equal(line, 2);
	assert_int_equal(col, 33);
	assert_int_equal(json_locate(doc, strlen(doc), "/mods/m2/k/2", &line, &col), 0);
	assert_int_equal(line, 7);
	assert_int_equal(col, 24);
	assert_int_equal(json_locate(doc, strlen(doc), "/b~0~1c", &line, &col), 0);
	assert_int_equal(line, 3);
	assert_int_equal(json_locate(doc, strlen(doc), "/mods/m3", &line, &col), -ENOENT);
}

/* Many siblings found in order: each lookup resumes after the previous one. */
static void test_many_siblings(void **state)
{
	struct json_locator *l = es_malloc(sizeof(*l));
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "{\"m\": {");
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, "%s\n\"k%d\": {\"v\": %d}", i ? "," : "", i, i);
	buf_puts(&b, "}}");
	json_locator_init(l, b.data, b.len);
	for (int i = 0; i < 20000; i++) {
		char p[32];
		unsigned line, col;

		snprintf(p, sizeof(p), "/m/k%d/v", i);
		assert_int_equal(json_locator_find(l, p, &line, &col), 0);
		assert_int_equal(line, (unsigned)i + 2);
		/* backwards within the same member: line counting goes back, not from the top */
		snprintf(p, sizeof(p), "/m/k%d", i);
		assert_int_equal(json_locator_find(l, p, &line, &col), 0);
		assert_int_equal(line, (unsigned)i + 2);
	}
	buf_done(&b);
	es_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_order),      cmocka_unit_test(test_any_order_one_line),
		cmocka_unit_test(test_one_line_array), cmocka_unit_test(test_positions),
		cmocka_unit_test(test_many_siblings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
