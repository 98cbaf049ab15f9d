/* SPDX-License-Identifier: MIT */
/*
 * The module twin controller against a recording transport: subscribe-then-GET on connect,
 * a full twin applied on top of the base, partial patches, all-or-nothing rejection with a
 * report, null back to the base value, $version gaps leading to a GET, reported properties
 * equal to the configuration in force, response statuses, timeouts and size limits.
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
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "config/config.h"
#include "control/twin.h"

#define ASC "\"" ASC_CONFIG_OBJECT "\""
#define SENT_MAX 32

struct sent {
	char topic[256];
	char *payload;
	size_t len;
};

struct fixture {
	struct twin *twin;
	struct config base, cfg;
	char subs[8][64];
	unsigned n_subs;
	struct sent sent[SENT_MAX];
	unsigned n_sent;
	int fail_publish; /* errno to fail publishes with, 0 = succeed */
	uint64_t now;
	struct twin_result res;
};

static int rec_subscribe(void *userdata, const char *pattern)
{
	struct fixture *f = userdata;

	assert_true(f->n_subs < 8);
	snprintf(f->subs[f->n_subs++], sizeof(f->subs[0]), "%s", pattern);
	return 0;
}

static int rec_publish(void *userdata, const char *topic, const void *payload, size_t len)
{
	struct fixture *f = userdata;
	struct sent *s;

	if (f->fail_publish)
		return -f->fail_publish;
	assert_true(f->n_sent < SENT_MAX);
	s = &f->sent[f->n_sent++];
	snprintf(s->topic, sizeof(s->topic), "%s", topic);
	s->payload = es_malloc(len + 1);
	assert_non_null(s->payload);
	memcpy(s->payload, payload, len);
	s->payload[len] = '\0';
	s->len = len;
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct control_io io = { rec_subscribe, rec_publish, f };

	json_read_init();
	assert_non_null(f);
	config_init_defaults(&f->base);
	/* As if the local file set it: null in a twin patch must come back to this. */
	f->base.snapshot_frequency_ms = 2 * 3600 * 1000;
	assert_int_equal(config_copy(&f->cfg, &f->base), 0);
	assert_int_equal(twin_new(&io, &f->twin), 0);
	f->now = 1000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < f->n_sent; i++)
		es_free(f->sent[i].payload);
	twin_free(f->twin);
	config_done(&f->cfg);
	config_done(&f->base);
	free(f);
	return 0;
}

static const struct sent *last_sent(struct fixture *f)
{
	assert_true(f->n_sent > 0);
	return &f->sent[f->n_sent - 1];
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The $rid of a sent request. */
static const char *rid_of(const struct sent *s)
{
	const char *p = strstr(s->topic, "?$rid=");

	assert_non_null(p);
	return p + 6;
}

/* The reported form, straight from config_format_reported() (not through the controller). */
static char *reported_of(const struct config *c)
{
	struct buf b;
	struct jw w;

	buf_init(&b, 0);
	jw_init(&w, &b);
	config_format_reported(c, &w);
	assert_false(b.failed);
	return buf_steal(&b, NULL);
}

static int deliver(struct fixture *f, const char *topic, const char *body)
{
	return twin_handle_message(f->twin, topic, body, strlen(body), f->now, &f->cfg, &f->base,
				   &f->res);
}

static void respond(struct fixture *f, const struct sent *req, int status, const char *body)
{
	char topic[128];

	snprintf(topic, sizeof(topic), "$iothub/twin/res/%d/?$rid=%s", status, rid_of(req));
	assert_int_equal(deliver(f, topic, body), 0);
}

static void patch(struct fixture *f, int version, const char *body)
{
	char topic[128];

	snprintf(topic, sizeof(topic), "$iothub/twin/PATCH/properties/desired/?$version=%d",
		 version);
	assert_int_equal(deliver(f, topic, body), 0);
}

/* The last message sent is a reported PATCH holding exactly the configuration in force. */
static void assert_reported_in_force(struct fixture *f)
{
	const struct sent *s = last_sent(f);
	char *want = reported_of(&f->cfg);
	cJSON *doc;

	assert_true(starts_with(s->topic, "$iothub/twin/PATCH/properties/reported/?$rid="));
	assert_string_equal(s->payload, want);
	doc = cJSON_Parse(s->payload);
	assert_non_null(doc);
	assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, ASC_CONFIG_OBJECT)));
	assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "edgesec")));
	cJSON_Delete(doc);
	es_free(want);
}

/* Connect and answer the GET with desired $version 5. */
static void connect_with_twin(struct fixture *f, const char *desired_body)
{
	char body[2048];

	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	snprintf(body, sizeof(body),
		 "{\"desired\":{%s%s\"$version\":5},\"reported\":{\"$version\":3}}", desired_body,
		 desired_body[0] ? "," : "");
	respond(f, last_sent(f), 200, body);
	assert_int_equal(f->res.error, 0);
	assert_false(f->res.rejected);
}

static void test_connect_subscribes_then_gets(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	assert_int_equal(f->n_subs, 3);
	assert_string_equal(f->subs[0], "$iothub/twin/res/#");
	assert_string_equal(f->subs[1], "$iothub/twin/PATCH/properties/desired/#");
	assert_string_equal(f->subs[2], "$iothub/methods/POST/#");
	assert_int_equal(f->n_sent, 1);
	assert_string_equal(f->sent[0].topic, "$iothub/twin/GET/?$rid=1");
	assert_int_equal(f->sent[0].len, 0);
	/* A reconnect subscribes and GETs again, with a new $rid. */
	twin_handle_disconnected(f->twin);
	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	assert_int_equal(f->n_subs, 6);
	assert_string_equal(last_sent(f)->topic, "$iothub/twin/GET/?$rid=2");
}

static void test_full_twin_applies(void **state)
{
	struct fixture *f = *state;
	struct twin_stats st;
	char *host_root;

	/* Something in force that the twin does not name: it goes back to the base. */
	f->cfg.max_message_size = 8192;
	connect_with_twin(f, "\"$metadata\":{\"x\":1}," ASC ":{\"snapshotFrequency\":{\"value\":"
			     "\"PT1H\"},\"eventPriorityLogin\":{\"value\":\"Off\"}},"
			     "\"edgesec\":{\"logLevel\":{\"value\":\"debug\"}}");
	assert_int_equal(f->res.update, TWIN_UPDATE_FULL);
	assert_true(f->res.changed);
	assert_int_equal(f->cfg.snapshot_frequency_ms, 3600 * 1000);
	assert_int_equal(f->cfg.event_priority[EVENT_LOGIN], EVENT_PRIORITY_OFF);
	assert_int_equal(f->cfg.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(f->cfg.max_message_size, f->base.max_message_size);
	assert_reported_in_force(f);
	twin_get_stats(f->twin, &st);
	assert_int_equal(st.desired_version, 5);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.reported, 1);

	/* The same twin again: accepted, not changed (in_force untouched), reported again. */
	es_free(f->cfg.host_root);
	f->cfg.host_root = es_strdup("/host");
	assert_non_null(f->cfg.host_root);
	es_free(f->base.host_root);
	f->base.host_root = es_strdup("/host");
	assert_non_null(f->base.host_root);
	host_root = f->cfg.host_root;
	twin_handle_disconnected(f->twin);
	connect_with_twin(f, ASC ":{\"snapshotFrequency\":{\"value\":\"PT1H\"},"
				 "\"eventPriorityLogin\":{\"value\":\"Off\"}},"
				 "\"edgesec\":{\"logLevel\":{\"value\":\"debug\"}}");
	assert_false(f->res.changed);
	assert_ptr_equal(f->cfg.host_root, host_root);
	assert_reported_in_force(f);
}

static void test_full_twin_with_properties_wrapper(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	respond(f, last_sent(f), 200,
		"{\"properties\":{\"desired\":{" ASC
		":{\"maxMessageSizeInBytes\":{\"value\":16384}},"
		"\"$version\":2}}}");
	assert_true(f->res.changed);
	assert_int_equal(f->cfg.max_message_size, 16384);
}

static void test_partial_patch_changes_one_key(void **state)
{
	struct fixture *f = *state;
	struct config want;
	char *want_rep, *have_rep;

	connect_with_twin(f, ASC ":{\"snapshotFrequency\":{\"value\":\"PT1H\"}}");
	assert_int_equal(config_copy(&want, &f->cfg), 0);
	want.low_priority_message_frequency_ms = 26 * 3600 * 1000ull;
	patch(f, 6,
	      "{" ASC ":{\"lowPriorityMessageFrequency\":{\"value\":\"P1DT2H\"}},"
	      "\"$version\":6}");
	assert_int_equal(f->res.update, TWIN_UPDATE_PATCH);
	assert_true(f->res.changed);
	assert_false(f->res.rejected);
	assert_int_equal(f->res.report.n_errors, 0);
	want_rep = reported_of(&want);
	have_rep = reported_of(&f->cfg);
	assert_string_equal(have_rep, want_rep);
	/* The earlier twin value stays: a patch does not reset the other keys. */
	assert_int_equal(f->cfg.snapshot_frequency_ms, 3600 * 1000);
	assert_reported_in_force(f);
	es_free(want_rep);
	es_free(have_rep);
	config_done(&want);
}

static void test_invalid_patch_rejected_whole(void **state)
{
	struct fixture *f = *state;
	char *before, *after;
	unsigned sent_before;
	struct twin_stats st;

	connect_with_twin(f, "");
	before = reported_of(&f->cfg);
	sent_before = f->n_sent;
	patch(f, 6,
	      "{" ASC ":{\"snapshotFrequency\":{\"value\":\"PT3H\"},"
	      "\"maxMessageSizeInBytes\":{\"value\":\"big\"}},"
	      "\"edgesec\":{\"logLevel\":{\"value\":\"debug\"}}}");
	assert_int_equal(f->res.update, TWIN_UPDATE_PATCH);
	assert_true(f->res.rejected);
	assert_false(f->res.changed);
	assert_true(f->res.report.n_errors >= 1);
	assert_string_equal(f->res.report.errors[0].name, "maxMessageSizeInBytes");
	/* The pointer is into the patch body. */
	assert_string_equal(f->res.report.errors[0].pointer,
			    "/" ASC_CONFIG_OBJECT "/maxMessageSizeInBytes/value");
	assert_int_equal(f->res.report.errors[0].type, CONFIG_ERROR_TYPE_MISMATCH);
	after = reported_of(&f->cfg);
	assert_string_equal(before, after);
	assert_int_equal(f->cfg.snapshot_frequency_ms, f->base.snapshot_frequency_ms);
	/* Reported properties are written anyway, with the configuration in force. */
	assert_int_equal(f->n_sent, sent_before + 1);
	assert_string_equal(last_sent(f)->payload, before);
	twin_get_stats(f->twin, &st);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.desired_version, 6);
	es_free(before);
	es_free(after);
}

/* "\u0000" would cut the string short in cJSON: the update is rejected, naming the key. */
static void test_nul_in_value_rejected(void **state)
{
	struct fixture *f = *state;
	char *before;

	connect_with_twin(f, "");
	before = reported_of(&f->cfg);
	patch(f, 6, "{\"edgesec\":{\"hostRoot\":{\"value\":\"/ho\\u0000st\"}}}");
	assert_true(f->res.rejected);
	assert_int_equal(f->res.report.n_errors, 1);
	assert_string_equal(f->res.report.errors[0].name, "hostRoot");
	assert_string_equal(f->res.report.errors[0].pointer, "/edgesec/hostRoot/value");
	assert_non_null(strstr(f->res.report.errors[0].message, "\\u0000"));
	assert_string_equal(f->cfg.host_root, "/");
	assert_string_equal(last_sent(f)->payload, before);
	patch(f, 7, "{\"edgesec\":{\"hostRoot\":\"/ho\\u0000st\"}}");
	assert_true(f->res.rejected);
	assert_string_equal(f->res.report.errors[0].name, "hostRoot");
	/* An escaped backslash before "u0000" is no NUL. */
	patch(f, 8, "{\"edgesec\":{\"hostRoot\":\"/ho\\\\u0000st\"}}");
	assert_false(f->res.rejected);
	assert_string_equal(f->cfg.host_root, "/ho\\u0000st");
	es_free(before);
}

/* A full twin: a \u0000 counts only in its desired properties (tags and reported are not
 * ours to apply, and must not block the configuration). */
static void test_nul_in_full_twin(void **state)
{
	struct fixture *f = *state;

	/* A full twin: only its desired properties count (tags and reported are not ours). */
	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	respond(f, last_sent(f), 200,
		"{\"tags\":{\"t\":\"a\\u0000b\"},\"desired\":{\"edgesec\":{\"hostRoot\":\"/h\"},"
		"\"$version\":9},\"reported\":{\"x\":\"\\u0000\",\"$version\":3}}");
	assert_false(f->res.rejected);
	assert_string_equal(f->cfg.host_root, "/h");
	twin_handle_disconnected(f->twin);
	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	respond(f, last_sent(f), 200,
		"{\"desired\":{\"edgesec\":{\"hostRoot\":\"/x\\u0000y\"},\"$version\":10},"
		"\"reported\":{\"$version\":3}}");
	assert_true(f->res.rejected);
	assert_string_equal(f->res.report.errors[0].name, "hostRoot");
	assert_string_equal(f->cfg.host_root, "/h");
}

static void test_null_restores_base(void **state)
{
	struct fixture *f = *state;

	connect_with_twin(f, ASC ":{\"snapshotFrequency\":{\"value\":\"PT1H\"}},"
				 "\"edgesec\":{\"logLevel\":{\"value\":\"debug\"}}");
	assert_int_equal(f->cfg.snapshot_frequency_ms, 3600 * 1000);
	patch(f, 6, "{" ASC ":{\"snapshotFrequency\":null},\"$version\":6}");
	assert_true(f->res.changed);
	assert_int_equal(f->cfg.snapshot_frequency_ms, f->base.snapshot_frequency_ms);
	assert_int_equal(f->cfg.log_level, LOG_LEVEL_DEBUG);
	/* A removed object: every key of its group back to base. */
	patch(f, 7, "{\"edgesec\":null,\"$version\":7}");
	assert_true(f->res.changed);
	assert_int_equal(f->cfg.log_level, f->base.log_level);
	assert_reported_in_force(f);
}

static void test_version_gap_gets(void **state)
{
	struct fixture *f = *state;
	unsigned sent_before;
	struct twin_stats st;

	connect_with_twin(f, "");
	sent_before = f->n_sent;
	patch(f, 7, "{" ASC ":{\"snapshotFrequency\":{\"value\":\"PT3H\"}},\"$version\":7}");
	assert_int_equal(f->res.update, TWIN_UPDATE_NONE);
	assert_false(f->res.changed);
	assert_int_equal(f->res.error, 0);
	assert_non_null(strstr(f->res.message, "$version 7 after 5"));
	assert_int_equal(f->cfg.snapshot_frequency_ms, f->base.snapshot_frequency_ms);
	assert_int_equal(f->n_sent, sent_before + 1);
	assert_true(starts_with(last_sent(f)->topic, "$iothub/twin/GET/?$rid="));
	/* The GET's answer brings the state of version 7. */
	respond(f, last_sent(f), 200,
		"{\"desired\":{" ASC ":{\"snapshotFrequency\":{\"value\":\"PT3H\"}},"
		"\"$version\":7},\"reported\":{}}");
	assert_true(f->res.changed);
	assert_int_equal(f->cfg.snapshot_frequency_ms, 3 * 3600 * 1000);
	twin_get_stats(f->twin, &st);
	assert_int_equal(st.version_gaps, 1);
	assert_int_equal(st.desired_version, 7);
	/* An old or repeated version is a gap too. */
	patch(f, 7, "{\"$version\":7}");
	assert_true(starts_with(last_sent(f)->topic, "$iothub/twin/GET/?$rid="));
	/* Only one GET at a time: a refresh while one is out sends nothing. */
	sent_before = f->n_sent;
	assert_int_equal(twin_refresh(f->twin, f->now), 0);
	assert_int_equal(f->n_sent, sent_before);
	respond(f, last_sent(f), 200, "{\"desired\":{\"$version\":7}}");
	assert_int_equal(twin_refresh(f->twin, f->now), 0);
	assert_true(starts_with(last_sent(f)->topic, "$iothub/twin/GET/?$rid="));
}

static void test_patch_without_version_gets(void **state)
{
	struct fixture *f = *state;

	connect_with_twin(f, "");
	assert_int_equal(deliver(f, "$iothub/twin/PATCH/properties/desired/",
				 "{" ASC ":{\"snapshotFrequency\":{\"value\":\"PT3H\"}}}"),
			 0);
	assert_int_equal(f->res.update, TWIN_UPDATE_NONE);
	assert_true(starts_with(last_sent(f)->topic, "$iothub/twin/GET/?$rid="));
	/* The version in the body counts when the topic has none. */
	respond(f, last_sent(f), 200, "{\"desired\":{\"$version\":8}}");
	assert_int_equal(deliver(f, "$iothub/twin/PATCH/properties/desired/",
				 "{" ASC ":{\"snapshotFrequency\":{\"value\":\"PT3H\"}},"
				 "\"$version\":9}"),
			 0);
	assert_int_equal(f->res.update, TWIN_UPDATE_PATCH);
	assert_int_equal(f->cfg.snapshot_frequency_ms, 3 * 3600 * 1000);
}

static void test_patch_during_get(void **state)
{
	struct fixture *f = *state;
	const struct sent *get;
	unsigned n;

	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	get = last_sent(f);
	n = f->n_sent;
	/* Not applied while the GET is out. */
	patch(f, 6, "{" ASC ":{\"snapshotFrequency\":{\"value\":\"PT3H\"}},\"$version\":6}");
	assert_int_equal(f->res.update, TWIN_UPDATE_NONE);
	assert_int_equal(f->n_sent, n);
	/* The GET answers with version 5: older than the patch → applied, then GET again. */
	respond(f, get, 200, "{\"desired\":{\"$version\":5}}");
	assert_int_equal(f->res.update, TWIN_UPDATE_FULL);
	assert_true(starts_with(f->sent[n].topic, "$iothub/twin/GET/?$rid="));
	assert_true(starts_with(f->sent[n + 1].topic, "$iothub/twin/PATCH/properties/reported/"));
	respond(f, &f->sent[n], 200,
		"{\"desired\":{" ASC ":{\"snapshotFrequency\":{\"value\":\"PT3H\"}},"
		"\"$version\":6}}");
	assert_int_equal(f->cfg.snapshot_frequency_ms, 3 * 3600 * 1000);
}

static void test_oversized_and_malformed(void **state)
{
	struct fixture *f = *state;
	size_t big = TWIN_DOCUMENT_MAX + 10;
	char *body = es_malloc(big + 1);
	char *before;
	struct twin_stats st;

	connect_with_twin(f, "");
	before = reported_of(&f->cfg);
	assert_non_null(body);
	memset(body, ' ', big);
	memcpy(body, "{\"$version\":6}", 14);
	body[big] = '\0';
	patch(f, 6, body);
	assert_true(f->res.rejected);
	assert_int_equal(f->res.report.n_errors, 1);
	assert_string_equal(f->res.report.errors[0].name, "TwinConfiguration");
	assert_non_null(strstr(f->res.report.errors[0].message, "larger than"));
	assert_string_equal(last_sent(f)->payload, before);
	twin_get_stats(f->twin, &st);
	assert_int_equal(st.oversized, 1);

	patch(f, 7, "{\"a\":");
	assert_true(f->res.rejected);
	assert_non_null(strstr(f->res.report.errors[0].message, "not valid JSON"));
	patch(f, 8, "[1,2]");
	assert_true(f->res.rejected);
	patch(f, 9, "{" ASC ":[]}");
	assert_true(f->res.rejected);
	assert_string_equal(last_sent(f)->payload, before);

	/* A GET answer without "desired" is rejected too. */
	twin_handle_disconnected(f->twin);
	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	respond(f, last_sent(f), 200, "{\"reported\":{}}");
	assert_true(f->res.rejected);
	assert_int_equal(f->res.update, TWIN_UPDATE_FULL);
	es_free(body);
	es_free(before);
}

static void test_statuses(void **state)
{
	struct fixture *f = *state;
	const struct sent *get;
	struct twin_stats st;
	unsigned n;

	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	get = last_sent(f);
	n = f->n_sent;
	respond(f, get, 429, "");
	assert_int_equal(f->res.error, -EPROTO);
	assert_non_null(strstr(f->res.message, "429"));
	assert_int_equal(f->n_sent, n);
	/* Retried by the tick after TWIN_RETRY_MS, not before. */
	assert_int_equal(twin_tick(f->twin, f->now + 1, &f->cfg, &f->res), 0);
	assert_int_equal(f->n_sent, n);
	f->now += TWIN_RETRY_MS;
	assert_int_equal(twin_tick(f->twin, f->now, &f->cfg, &f->res), 0);
	assert_int_equal(f->n_sent, n + 1);
	assert_true(starts_with(last_sent(f)->topic, "$iothub/twin/GET/?$rid="));
	respond(f, last_sent(f), 200, "{\"desired\":{\"$version\":1}}");
	assert_int_equal(f->res.error, 0);
	/* The reported PATCH: 204 is fine (with or without $version). */
	respond(f, last_sent(f), 204, "");
	assert_int_equal(f->res.error, 0);
	assert_int_equal(f->res.update, TWIN_UPDATE_NONE);
	/* An unknown $rid (e.g. answered twice). */
	respond(f, last_sent(f), 204, "");
	assert_int_equal(f->res.error, -ESTALE);
	/* A reported PATCH answered 500 is sent again later. */
	patch(f, 2, "{\"$version\":2}");
	n = f->n_sent;
	respond(f, last_sent(f), 500, "");
	assert_int_equal(f->res.error, -EPROTO);
	f->now += TWIN_RETRY_MS;
	assert_int_equal(twin_tick(f->twin, f->now, &f->cfg, &f->res), 0);
	assert_int_equal(f->n_sent, n + 1);
	assert_reported_in_force(f);
	twin_get_stats(f->twin, &st);
	assert_int_equal(st.get_errors, 1);
	assert_int_equal(st.report_errors, 1);
	assert_int_equal(st.unexpected, 1);
}

static void test_timeouts_and_disconnect(void **state)
{
	struct fixture *f = *state;
	struct twin_stats st;
	unsigned n;

	/* Disconnected: nothing is sent. */
	patch(f, 1, "{\"$version\":1}");
	assert_int_equal(f->n_sent, 0);
	f->fail_publish = ENOTCONN;
	assert_int_equal(twin_handle_connected(f->twin, f->now), -ENOTCONN);
	f->fail_publish = 0;
	f->now += TWIN_RETRY_MS;
	assert_int_equal(twin_tick(f->twin, f->now, &f->cfg, &f->res), 0);
	assert_int_equal(f->n_sent, 1);
	n = f->n_sent;
	/* Unanswered: forgotten and asked again. */
	f->now += TWIN_REQUEST_TIMEOUT_MS;
	assert_int_equal(twin_tick(f->twin, f->now, &f->cfg, &f->res), -ETIMEDOUT);
	assert_int_equal(f->n_sent, n + 1);
	assert_true(starts_with(last_sent(f)->topic, "$iothub/twin/GET/?$rid="));
	twin_get_stats(f->twin, &st);
	assert_int_equal(st.timeouts, 1);
	/* The answer to the forgotten request is ignored. */
	respond(f, &f->sent[n - 1], 200, "{\"desired\":{\"$version\":1}}");
	assert_int_equal(f->res.error, -ESTALE);
	assert_int_equal(f->res.update, TWIN_UPDATE_NONE);
}

static void test_request_table_bounded(void **state)
{
	struct fixture *f = *state;
	const struct sent *first;
	char body[256];
	unsigned n;

	/* The hub answers no reported PATCH: the table fills up at TWIN_REQUESTS_MAX. */
	connect_with_twin(f, "");
	first = last_sent(f);
	for (int v = 6; v < 6 + (int)TWIN_REQUESTS_MAX - 1; v++) {
		snprintf(body, sizeof(body),
			 "{\"edgesec\":{\"heartbeatInterval\":"
			 "{\"value\":\"PT%dM\"}}}",
			 v);
		patch(f, v, body);
		assert_true(starts_with(last_sent(f)->topic,
					"$iothub/twin/PATCH/properties/reported/"));
	}
	n = f->n_sent;
	patch(f, 6 + TWIN_REQUESTS_MAX - 1,
	      "{\"edgesec\":{\"heartbeatInterval\":"
	      "{\"value\":\"PT1M\"}}}");
	assert_true(f->res.changed);
	assert_int_equal(f->n_sent, n); /* no free slot: the report waits */
	assert_int_equal(f->cfg.heartbeat_interval_ms, 60 * 1000);
	/* One answer frees a slot; the waiting report goes out with the configuration in force. */
	respond(f, first, 204, "");
	assert_int_equal(f->res.error, 0);
	assert_int_equal(f->n_sent, n + 1);
	assert_reported_in_force(f);
}

static void test_not_twin_topics(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(deliver(f, "$iothub/methods/POST/snapshot/?$rid=1", "{}"), -ENOENT);
	assert_int_equal(deliver(f, "devices/d/modules/m/inputs/x/", "{}"), -ENOENT);
	assert_int_equal(deliver(f, "$iothub/twin/bogus", "{}"), 0);
	assert_int_equal(f->res.error, -EBADMSG);
	assert_int_equal(deliver(f, "$iothub/twin/res/abc/?$rid=1", "{}"), 0);
	assert_true(f->res.error < 0);
}

static void test_conflicts_reported_as_warnings(void **state)
{
	struct fixture *f = *state;
	bool conflict = false;

	connect_with_twin(f, ASC ":{\"maxLocalCacheSizeInBytes\":{\"value\":8192},"
				 "\"maxMessageSizeInBytes\":{\"value\":16384},\"unknownKey\":1}");
	assert_true(f->res.changed);
	assert_int_equal(f->res.report.n_errors, 0);
	for (unsigned i = 0; i < f->res.report.n_warnings; i++)
		conflict |= f->res.report.warnings[i].type == CONFIG_ERROR_CONFLICT;
	assert_true(conflict);
	/* In a full twin the pointer is into the GET answer. */
	twin_handle_disconnected(f->twin);
	assert_int_equal(twin_handle_connected(f->twin, f->now), 0);
	respond(f, last_sent(f), 200, "{\"desired\":{" ASC ":{\"snapshotFrequency\":7}}}");
	assert_true(f->res.rejected);
	assert_string_equal(f->res.report.errors[0].pointer,
			    "/desired/" ASC_CONFIG_OBJECT "/snapshotFrequency");
}

static unsigned count_warnings(const struct config_report *r, const char *name, const char *pointer)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->n_warnings; i++)
		if (strcmp(r->warnings[i].name, name) == 0 &&
		    strcmp(r->warnings[i].pointer, pointer) == 0 &&
		    strstr(r->warnings[i].message, "(ignored)"))
			n++;
	return n;
}

/*
 * Unknown keys in a desired patch are never silently ignored: each becomes one warning (once
 * per key and place per patch, even when the JSON repeats it) naming the key and where it is;
 * so do members next to "value"; the rest of the patch applies.  Past CONFIG_ISSUES_MAX the
 * surplus is counted, not lost.
 */
static void test_unknown_keys_warned_once(void **state)
{
	struct fixture *f = *state;
	char body[4096];
	size_t o;

	connect_with_twin(f, "");
	patch(f, 6,
	      "{" ASC ":{\"futureKey\":1,\"futureKey\":2,"
	      "\"snapshotFrequency\":{\"value\":\"PT3H\",\"comment\":\"x\"}},"
	      "\"otherModuleSetting\":true,\"otherModuleSetting\":false,"
	      "\"edgesec\":{\"futureKey\":\"y\"},\"$version\":6}");
	assert_int_equal(f->res.update, TWIN_UPDATE_PATCH);
	assert_false(f->res.rejected);
	assert_true(f->res.changed);
	assert_int_equal(f->cfg.snapshot_frequency_ms, 3 * 3600 * 1000);
	assert_int_equal(f->res.report.n_errors, 0);
	assert_int_equal(
		count_warnings(&f->res.report, "futureKey", "/" ASC_CONFIG_OBJECT "/futureKey"), 1);
	assert_int_equal(count_warnings(&f->res.report, "futureKey", "/edgesec/futureKey"), 1);
	assert_int_equal(
		count_warnings(&f->res.report, "otherModuleSetting", "/otherModuleSetting"), 1);
	assert_int_equal(count_warnings(&f->res.report, "snapshotFrequency",
					"/" ASC_CONFIG_OBJECT "/snapshotFrequency/comment"),
			 1);
	assert_int_equal(f->res.report.n_warnings, 4);
	assert_int_equal(f->res.report.n_dropped, 0);
	assert_reported_in_force(f);

	/* The next patch warns again: once per patch, not once per process. */
	patch(f, 7, "{\"otherModuleSetting\":1,\"$version\":7}");
	assert_int_equal(
		count_warnings(&f->res.report, "otherModuleSetting", "/otherModuleSetting"), 1);

	/* 40 distinct unknown keys: CONFIG_ISSUES_MAX listed, the rest counted. */
	o = (size_t)snprintf(body, sizeof(body), "{");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "\"unknown%d\":%d,", i, i);
	snprintf(body + o, sizeof(body) - o, "\"$version\":8}");
	patch(f, 8, body);
	assert_false(f->res.rejected);
	assert_int_equal(f->res.report.n_warnings, CONFIG_ISSUES_MAX);
	assert_int_equal(f->res.report.n_dropped, 40 - CONFIG_ISSUES_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_subscribes_then_gets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_twin_applies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_twin_with_properties_wrapper, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_partial_patch_changes_one_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_patch_rejected_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_in_value_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_in_full_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_restores_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_gap_gets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patch_without_version_gets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patch_during_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts_and_disconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_table_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_twin_topics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts_reported_as_warnings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keys_warned_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
