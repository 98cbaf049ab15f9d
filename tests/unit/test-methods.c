/* SPDX-License-Identifier: MIT */
/*
 * Direct methods against a recording transport: each method's status and JSON body, the
 * $rid echoed on the response topic, unknown and invalid names, bad and oversized payloads,
 * handler failures, and calls that cannot be answered.
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

#include "common/alloc.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "control/methods.h"

struct fixture {
	struct methods *m;
	char topic[1200];
	char *body;
	size_t len;
	unsigned n_sent;
	unsigned snapshots, scans;
	int fail_with;	       /* handlers return this when non-zero */
	size_t status_padding; /* get-status writes a string this long */
	cJSON *last_args;      /* a copy of the last args seen */
	struct methods_result res;
};

static int rec_subscribe(void *userdata, const char *pattern)
{
	(void)userdata;
	(void)pattern;
	return 0;
}

static int rec_publish(void *userdata, const char *topic, const void *payload, size_t len)
{
	struct fixture *f = userdata;

	snprintf(f->topic, sizeof(f->topic), "%s", topic);
	es_free(f->body);
	f->body = es_malloc(len + 1);
	assert_non_null(f->body);
	memcpy(f->body, payload, len);
	f->body[len] = '\0';
	f->len = len;
	f->n_sent++;
	return 0;
}

static int on_snapshot(void *userdata, const cJSON *args, struct jw *w)
{
	struct fixture *f = userdata;

	f->snapshots++;
	cJSON_Delete(f->last_args);
	f->last_args = args ? cJSON_Duplicate(args, true) : NULL;
	if (f->fail_with)
		return f->fail_with;
	jw_key_lit(w, "collectors");
	jw_uint(w, 4);
	return 0;
}

static int on_get_status(void *userdata, struct jw *w)
{
	struct fixture *f = userdata;

	if (f->fail_with)
		return f->fail_with;
	jw_obj_begin(w);
	jw_key_lit(w, "UptimeSeconds");
	jw_uint(w, 42);
	if (f->status_padding) {
		char *pad = es_malloc(f->status_padding);

		assert_non_null(pad);
		memset(pad, 'x', f->status_padding);
		jw_key_lit(w, "Padding");
		jw_str(w, pad, f->status_padding);
		es_free(pad);
	}
	jw_obj_end(w);
	return 0;
}

static int on_scan(void *userdata, const cJSON *args, struct jw *w)
{
	struct fixture *f = userdata;

	(void)args;
	f->scans++;
	jw_key_lit(w, "findings");
	jw_uint(w, 0);
	return 0;
}

static int setup_with(void **state, bool with_scan)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct control_io io = { rec_subscribe, rec_publish, f };
	struct methods_handlers h = { on_snapshot, on_get_status, with_scan ? on_scan : NULL, f };

	json_read_init();
	assert_non_null(f);
	assert_int_equal(methods_new(&io, &h, &f->m), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, false);
}

static int setup_scan(void **state)
{
	return setup_with(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	methods_free(f->m);
	es_free(f->body);
	cJSON_Delete(f->last_args);
	free(f);
	return 0;
}

static int call(struct fixture *f, const char *topic, const char *payload, size_t len)
{
	return methods_handle_message(f->m, topic, payload, len, &f->res);
}

static int call_s(struct fixture *f, const char *topic, const char *payload)
{
	return call(f, topic, payload, strlen(payload));
}

/* The response body parses as JSON; the caller deletes it. */
static cJSON *body_json(struct fixture *f)
{
	cJSON *doc = cJSON_ParseWithLength(f->body, f->len);

	if (!doc)
		fail_msg("response body is not JSON: %s", f->body);
	return doc;
}

static const char *member(const cJSON *doc, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_snapshot(void **state)
{
	struct fixture *f = *state;
	cJSON *doc;

	assert_int_equal(call_s(f, "$iothub/methods/POST/snapshot/?$rid=7", ""), 0);
	assert_int_equal(f->snapshots, 1);
	assert_null(f->last_args);
	assert_string_equal(f->topic, "$iothub/methods/res/200/?$rid=7");
	assert_true(f->res.responded);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.name, "snapshot");
	assert_string_equal(f->res.rid, "7");
	assert_int_equal(f->res.error, 0);
	doc = body_json(f);
	assert_string_equal(member(doc, "result"), "snapshot taken");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "collectors")->valueint, 4);
	cJSON_Delete(doc);
	/* A JSON body reaches the handler. */
	assert_int_equal(call_s(f, "$iothub/methods/POST/snapshot/?$rid=8", "{\"why\":\"test\"}"),
			 0);
	assert_non_null(f->last_args);
	assert_string_equal(member(f->last_args, "why"), "test");
	assert_int_equal(f->res.status, 200);
}

static void test_get_status(void **state)
{
	struct fixture *f = *state;
	cJSON *doc;

	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/?$rid=abc", "null"), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/200/?$rid=abc");
	assert_string_equal(f->body, "{\"UptimeSeconds\":42}");
	doc = body_json(f);
	cJSON_Delete(doc);
}

static void test_scan(void **state)
{
	struct fixture *f = *state;
	cJSON *doc;

	assert_int_equal(call_s(f, "$iothub/methods/POST/scan/?$rid=1", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/501/?$rid=1");
	doc = body_json(f);
	assert_string_equal(member(doc, "error"), "not implemented");
	assert_string_equal(member(doc, "method"), "scan");
	cJSON_Delete(doc);
}

static void test_scan_with_handler(void **state)
{
	struct fixture *f = *state;
	cJSON *doc;

	assert_int_equal(call_s(f, "$iothub/methods/POST/scan/?$rid=1", "{}"), 0);
	assert_int_equal(f->scans, 1);
	assert_string_equal(f->topic, "$iothub/methods/res/200/?$rid=1");
	doc = body_json(f);
	assert_string_equal(member(doc, "result"), "scan done");
	cJSON_Delete(doc);
}

static void test_unknown_method(void **state)
{
	struct fixture *f = *state;
	struct methods_stats st;
	cJSON *doc;

	assert_int_equal(call_s(f, "$iothub/methods/POST/reboot/?$rid=42", "{}"), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/404/?$rid=42");
	assert_int_equal(f->res.status, 404);
	doc = body_json(f);
	assert_string_equal(member(doc, "error"), "unknown method");
	assert_string_equal(member(doc, "method"), "reboot");
	cJSON_Delete(doc);
	/* Quotes and backslashes in a name come back escaped, as the same string. */
	assert_int_equal(call_s(f, "$iothub/methods/POST/a\"b\\c{}/?$rid=43", ""), 0);
	assert_int_equal(f->res.status, 404);
	doc = body_json(f);
	assert_string_equal(member(doc, "method"), "a\"b\\c{}");
	cJSON_Delete(doc);
	methods_get_stats(f->m, &st);
	assert_int_equal(st.unknown, 2);
	assert_int_equal(st.calls, 2);
}

static void test_invalid_names(void **state)
{
	struct fixture *f = *state;
	char topic[400], name[200];
	cJSON *doc;

	/* Not printable ASCII: 400, the name is not echoed. */
	assert_int_equal(call_s(f, "$iothub/methods/POST/bad\x7fname/?$rid=1", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/400/?$rid=1");
	assert_null(strstr(f->body, "bad"));
	doc = body_json(f);
	assert_string_equal(member(doc, "error"), "invalid method name");
	cJSON_Delete(doc);
	assert_string_equal(f->res.name, "");
	assert_int_equal(call_s(f, "$iothub/methods/POST/caf\xc3\xa9/?$rid=2", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/400/?$rid=2");
	/* 65 characters: too long for us; 150: too long for the topic parser as well. */
	memset(name, 'n', sizeof(name));
	for (int n = 65; n <= 150; n += 85) {
		snprintf(topic, sizeof(topic), "$iothub/methods/POST/%.*s/?$rid=%d", n, name, n);
		assert_int_equal(call_s(f, topic, ""), 0);
		snprintf(topic, sizeof(topic), "$iothub/methods/res/400/?$rid=%d", n);
		assert_string_equal(f->topic, topic);
		assert_null(strstr(f->body, "nnnn"));
	}
	/* 64 is fine (an unknown method). */
	snprintf(topic, sizeof(topic), "$iothub/methods/POST/%.*s/?$rid=9", 64, name);
	assert_int_equal(call_s(f, topic, ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/404/?$rid=9");
}

static void test_rid_echo(void **state)
{
	struct fixture *f = *state;
	struct methods_stats st;
	unsigned n;

	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/?$rid=ff01", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/200/?$rid=ff01");
	/* Other properties in the bag, rid not first. */
	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/?x=1&$rid=r-2", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/200/?$rid=r-2");
	/* A decoded rid is encoded again. */
	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/?$rid=a%20b%26", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/200/?$rid=a%20b%26");
	assert_string_equal(f->res.rid, "a b&");
	/* No usable rid: nothing can be answered. */
	n = f->n_sent;
	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/", ""), 0);
	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/?$rid=", ""), 0);
	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/?$rid=%01", ""), 0);
	assert_int_equal(f->n_sent, n);
	assert_false(f->res.responded);
	assert_int_equal(f->res.error, -EBADMSG);
	methods_get_stats(f->m, &st);
	assert_int_equal(st.unanswerable, 3);
}

static void test_bad_payloads(void **state)
{
	struct fixture *f = *state;
	size_t big = METHODS_PAYLOAD_MAX + 1;
	char *payload;
	cJSON *doc;

	assert_int_equal(call_s(f, "$iothub/methods/POST/snapshot/?$rid=1", "{not json"), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/400/?$rid=1");
	assert_int_equal(f->snapshots, 0);
	doc = body_json(f);
	assert_string_equal(member(doc, "error"), "invalid JSON payload");
	cJSON_Delete(doc);

	payload = es_malloc(big);
	assert_non_null(payload);
	memset(payload, ' ', big);
	assert_int_equal(call(f, "$iothub/methods/POST/snapshot/?$rid=2", payload, big), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/413/?$rid=2");
	assert_int_equal(f->snapshots, 0);
	doc = body_json(f);
	assert_string_equal(member(doc, "error"), "payload too large");
	cJSON_Delete(doc);
	es_free(payload);
}

static void test_handler_failure_and_big_response(void **state)
{
	struct fixture *f = *state;
	cJSON *doc;

	f->fail_with = -EIO;
	assert_int_equal(call_s(f, "$iothub/methods/POST/snapshot/?$rid=1", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/500/?$rid=1");
	assert_int_equal(f->res.error, -EIO);
	doc = body_json(f);
	assert_string_equal(member(doc, "error"), "method failed");
	assert_string_equal(member(doc, "method"), "snapshot");
	assert_non_null(member(doc, "reason"));
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "result"));
	cJSON_Delete(doc);

	f->fail_with = 0;
	f->status_padding = METHODS_RESPONSE_MAX;
	assert_int_equal(call_s(f, "$iothub/methods/POST/get-status/?$rid=2", ""), 0);
	assert_string_equal(f->topic, "$iothub/methods/res/500/?$rid=2");
	doc = body_json(f);
	assert_string_equal(member(doc, "error"), "response too large");
	cJSON_Delete(doc);
}

static void test_not_method_topics(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(call_s(f, "$iothub/twin/res/200/?$rid=1", "{}"), -ENOENT);
	assert_int_equal(call_s(f, "$iothub/methods/res/200/?$rid=1", "{}"), -ENOENT);
	assert_int_equal(f->n_sent, 0);
	assert_string_equal(methods_kind_to_string(METHODS_GET_STATUS), "get-status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_with_handler, setup_scan, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rid_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_failure_and_big_response, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_method_topics, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
