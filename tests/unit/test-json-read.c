/* SPDX-License-Identifier: MIT */
/*
 * The bounded JSON reading of untrusted documents (common/json_read.h): the tree cost counted
 * without allocating matches what cJSON really allocates, a tree over its budget is refused
 * (at the budget it is read), the array reader parses element by element with errors placed in
 * the whole document, and \u0000 inside strings is found and named.
 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/json_read.h"

/*
 * What glibc malloc really holds at the peak of parsing text (usable sizes + the chunk
 * header): some cJSON builds allocate a number's text for a moment, so the peak of live
 * bytes, not their sum, is the tree's cost.
 */
static size_t live, real_cost;

static size_t held(void *p)
{
	return malloc_usable_size(p) + 8;
}

static void *counting_malloc(size_t n)
{
	void *p = malloc(n);

	if (p) {
		live += held(p);
		if (live > real_cost)
			real_cost = live;
	}
	return p;
}

static void counting_free(void *p)
{
	if (p)
		live -= held(p);
	free(p);
}

static size_t measured_cost(const char *text)
{
	cJSON_Hooks hooks = { .malloc_fn = counting_malloc, .free_fn = counting_free };
	cJSON *doc;

	live = real_cost = 0;
	cJSON_InitHooks(&hooks);
	doc = cJSON_Parse(text);
	assert_non_null(doc);
	cJSON_Delete(doc);
	json_read_init();
	return real_cost;
}

static void test_tree_cost_matches_cjson(void **state)
{
	static const char *const docs[] = {
		"[0,0,0,0,0,0,0,0]",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"some text\"}}",
		"{\"k\\\"ey\":\"va\\\\lue\\u00e9\",\"n\":-1.5e3,\"s\":\"\"}",
		"  [ {} , [ ] , \"x\" ]  ",
		"{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":{\"modules\":{\"m\":"
		"{\"settings\":{\"image\":\"a:1\",\"createOptions\":\"{\\\"HostConfig\\\":{}}\"}}}}"
		"}}}",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		size_t est = json_tree_cost(docs[i], strlen(docs[i])),
		       real = measured_cost(docs[i]);

		/* The estimate may be a little high (escapes; sanitizer allocators round less),
		 * never lower than the tree by more than one passing number buffer. */
		if (est + 64 < real || est > real + real / 4 + 64)
			fail_msg("%s: estimated %zu bytes, cJSON took %zu", docs[i], est, real);
	}
}

static void test_capped_at_and_over_budget(void **state)
{
	const char *doc = "[0,1,2,3,4,5,6,7,8,9]";
	size_t cost = json_tree_cost(doc, strlen(doc));
	struct json_error err;
	cJSON *t;

	(void)state;
	t = json_parse_capped(doc, strlen(doc), cost, &err);
	assert_non_null(t);
	cJSON_Delete(t);
	assert_null(json_parse_capped(doc, strlen(doc), cost - 1, &err));
	assert_non_null(strstr(err.message, "too many parts for its size"));
	/* The budget: a real document passes, "[0,0,...]" beyond the floor does not. */
	assert_int_equal(json_tree_budget(1000),
			 1000 * JSON_TREE_BUDGET_FACTOR + JSON_TREE_BUDGET_MIN);
}

static void test_zeros_refused_before_allocating(void **state)
{
	size_t n = 1u << 20, before;
	char *s = es_malloc(n + 2);
	struct json_error err;

	(void)state;
	s[0] = '[';
	for (size_t i = 1; i < n; i += 2) {
		s[i] = '0';
		s[i + 1] = i + 2 < n ? ',' : ']';
	}
	before = es_alloc_peak();
	assert_null(json_parse_capped(s, n, json_tree_budget(n), &err));
	assert_int_equal(es_alloc_peak(), before); /* nothing was allocated for the tree */
	es_free(s);
}

static int next(struct json_array_reader *r, cJSON **item, struct json_error *err)
{
	return json_array_reader_next(r, 0, item, err);
}

static void test_array_reader(void **state)
{
	const char *doc = " [ {\"a\":\"]}\\\"[{\"} ,[1,[2]] ,\n\"x\" , 7 ] \n";
	struct json_array_reader r;
	struct json_error err;
	cJSON *it;

	(void)state;
	assert_int_equal(json_array_reader_init(&r, doc, strlen(doc)), 1);
	assert_int_equal(next(&r, &it, &err), 1);
	assert_string_equal(cJSON_GetObjectItem(it, "a")->valuestring, "]}\"[{");
	cJSON_Delete(it);
	assert_int_equal(next(&r, &it, &err), 1);
	assert_true(cJSON_IsArray(it));
	cJSON_Delete(it);
	assert_int_equal(json_array_reader_skip(&r, &err), 1);
	assert_int_equal(next(&r, &it, &err), 1);
	assert_int_equal(it->valueint, 7);
	cJSON_Delete(it);
	assert_int_equal(next(&r, &it, &err), 0);
	assert_int_equal(r.index, 4);

	assert_int_equal(json_array_reader_init(&r, "[]", 2), 1);
	assert_int_equal(next(&r, &it, &err), 0);
	assert_int_equal(json_array_reader_init(&r, "{\"a\":[]}", 8), 0);
}

static void expect_reader_error(const char *doc, unsigned line, unsigned column)
{
	struct json_array_reader r;
	struct json_error err;
	cJSON *it;
	int e;

	assert_int_equal(json_array_reader_init(&r, doc, strlen(doc)), 1);
	while ((e = next(&r, &it, &err)) > 0)
		cJSON_Delete(it);
	if (e != -EINVAL || err.line != line || err.column != column)
		fail_msg("%s: %d at %u:%u (%s), expected an error at %u:%u", doc, e, err.line,
			 err.column, err.message, line, column);
}

static void test_array_reader_errors(void **state)
{
	(void)state;
	expect_reader_error("[{}, {\"a\" 1}]", 1, 11); /* in an element: whole-document place */
	expect_reader_error("[{},\n {} {}]", 2, 5);    /* missing comma */
	expect_reader_error("[{},]", 1, 5);	       /* trailing comma */
	expect_reader_error("[{}, {}", 1, 8);	       /* no end */
	expect_reader_error("[{}] x", 1, 6);	       /* data after the array */
	expect_reader_error("[,{}]", 1, 2);	       /* missing element */
	expect_reader_error("[{}}]", 1, 4);
}

static void test_nul_escape_named(void **state)
{
	struct json_error err;
	const char *ok = "{\"a\":\"\\\\u0000\",\"b\":\"x\\\"\\\\\\\\u0000\"}";
	const char *bad = "{\"a\":[\"x\",{\"k/e~y\":\"v\\u0000w\"}]}";
	const char *key = "{\"a\":{\"b\\u0000c\":1}}";

	(void)state;
	assert_int_equal(json_check_no_nul(ok, strlen(ok), &err), 0);
	assert_int_equal(json_check_no_nul(bad, strlen(bad), &err), -EINVAL);
	assert_string_equal(err.pointer, "/a/1/k~1e~0y");
	assert_int_equal(json_check_no_nul(key, strlen(key), &err), -EINVAL);
	assert_string_equal(err.pointer, "/a/b\\u0000c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_cost_matches_cjson),
		cmocka_unit_test(test_capped_at_and_over_budget),
		cmocka_unit_test(test_zeros_refused_before_allocating),
		cmocka_unit_test(test_array_reader),
		cmocka_unit_test(test_array_reader_errors),
		cmocka_unit_test(test_nul_escape_named),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
