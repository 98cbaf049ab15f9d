/* SPDX-License-Identifier: MIT */
/*
 * Aggregation of identical triggered events: the identity of the ASC reference (section 5) as
 * documented in pipeline/aggregate.h, the schema-valid aggregated form, untouched singletons,
 * and the bounds (a full table passes events through, nothing is lost).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/json_write.h"
#include "common/timeutil.h"
#include "pipeline/aggregate.h"
#include "pipeline/event.h"
#include "pipeline/format.h"

#define T0 (1700000000ull * NSEC_PER_SEC)
#define WINDOW_MS 60000ull
#define WINDOW_NS (WINDOW_MS * NSEC_PER_MSEC)

struct collect {
	struct event_sink sink;
	struct event *ev[256];
	size_t n;
};

static void collect_submit(struct event_sink *sink, struct event *e)
{
	struct collect *c = (struct collect *)sink;

	assert_true(c->n < 256);
	c->ev[c->n++] = e;
}

static void collect_init(struct collect *c)
{
	memset(c, 0, sizeof(*c));
	c->sink.submit = collect_submit;
}

static void collect_done(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		event_free(c->ev[i]);
	c->n = 0;
}

struct pc {
	int64_t pid, ppid;
	const char *exe, *cmd, *uid, *extra;
};

static struct event *make_pc(const struct pc *p, uint64_t t)
{
	struct event_builder b;
	struct event *e = NULL;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_PROCESS_CREATE, t);
	event_builder_item(&b);
	event_add_cstr(&b, PC_EXECUTABLE, p->exe ? p->exe : "/usr/bin/curl");
	event_add_int(&b, PC_PROCESS_ID, p->pid);
	event_add_int(&b, PC_PARENT_PROCESS_ID, p->ppid);
	event_add_cstr(&b, PC_USER_ID, p->uid ? p->uid : "1000");
	event_add_cstr(&b, PC_USER_NAME, "alice");
	event_add_cstr(&b, PC_COMMAND_LINE, p->cmd ? p->cmd : "curl https://example.com");
	if (p->extra)
		event_add_extra_cstr(&b, "Container", p->extra);
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	return e;
}

struct cc {
	const char *dir, *raddr, *rport, *laddr, *lport;
	int64_t pid;
};

static struct event *make_cc(const struct cc *c, uint64_t t)
{
	struct event_builder b;
	struct event *e = NULL;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_CONNECTION_CREATE, t);
	event_builder_item(&b);
	event_add_cstr(&b, CC_REMOTE_ADDRESS, c->raddr ? c->raddr : "192.0.2.7");
	event_add_cstr(&b, CC_REMOTE_PORT, c->rport);
	event_add_cstr(&b, CC_LOCAL_ADDRESS, c->laddr ? c->laddr : "10.0.0.2");
	event_add_cstr(&b, CC_LOCAL_PORT, c->lport);
	event_add_cstr(&b, CC_DIRECTION, c->dir);
	event_add_cstr(&b, CC_PROTOCOL, "tcp");
	event_add_int(&b, CC_PROCESS_ID, c->pid);
	event_add_cstr(&b, CC_USER_ID, "0");
	event_add_cstr(&b, CC_EXECUTABLE, "/usr/sbin/sshd");
	event_add_cstr(&b, CC_COMMAND_LINE, "sshd -D");
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	return e;
}

/* The event as its JSON object in a message (caller deletes). */
static cJSON *to_json(const struct event *e)
{
	struct buf b;
	struct jw w;
	cJSON *v;

	buf_init(&b, 0);
	jw_init(&w, &b);
	event_format(e, &w);
	assert_false(b.failed);
	v = cJSON_ParseWithLength(b.data, b.len);
	assert_non_null(v);
	buf_done(&b);
	return v;
}

static char *to_text(const struct event *e)
{
	struct buf b;
	struct jw w;

	buf_init(&b, 0);
	jw_init(&w, &b);
	event_format(e, &w);
	return buf_steal(&b, NULL);
}

static const cJSON *item0(const cJSON *ev)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ev, "Payload"), 0);
}

static const char *extra(const cJSON *ev, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(item0(ev), "ExtraDetails"), key);

	if (!x)
		return NULL;
	/* ExtraDetails is a map of string to string in the ASC schema. */
	assert_true(cJSON_IsString(x));
	return x->valuestring;
}

static struct aggregator *new_agg(size_t max_entries)
{
	struct aggregator *a = aggregator_new(max_entries, 1 << 20);

	assert_non_null(a);
	aggregator_configure(a, EVENT_PROCESS_CREATE, true, WINDOW_MS, NULL);
	aggregator_configure(a, EVENT_CONNECTION_CREATE, true, WINDOW_MS, NULL);
	return a;
}

static void test_process_create_merged(void **state)
{
	struct aggregator *a = new_agg(100);
	struct collect out;
	struct aggregator_stats st;
	cJSON *ev;
	char ts[TIMESTAMP_STR_MAX];

	(void)state;
	collect_init(&out);
	/* Same executable, command line and user; different pids. */
	for (int i = 0; i < 3; i++) {
		struct pc p = { .pid = 100 + i, .ppid = 50 + i };

		assert_true(aggregator_offer(a, make_pc(&p, T0 + (uint64_t)i * NSEC_PER_SEC), T0));
	}
	assert_int_equal(aggregator_entries(a), 1);
	/* Not due yet. */
	aggregator_flush(a, T0 + WINDOW_NS - 1, false, &out.sink);
	assert_int_equal(out.n, 0);
	assert_int_equal(aggregator_next_deadline(a), T0 + WINDOW_NS);
	aggregator_flush(a, T0 + WINDOW_NS, false, &out.sink);
	assert_int_equal(out.n, 1);
	assert_int_equal(aggregator_entries(a), 0);
	assert_int_equal(aggregator_bytes(a), 0);

	ev = to_json(out.ev[0]);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ev, "Name")->valuestring,
			    "ProcessCreate");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ev, "Category")->valuestring,
			    "Triggered");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "IsEmpty")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ev, "Payload")), 1);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(item0(ev), "ProcessId")->valuedouble, 0);
	assert_int_equal(
		cJSON_GetObjectItemCaseSensitive(item0(ev), "ParentProcessId")->valuedouble, 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(item0(ev), "CommandLine")->valuestring,
			    "curl https://example.com");
	assert_string_equal(extra(ev, "HitCount"), "3");
	assert_string_equal(extra(ev, "FirstProcessId"), "100");
	assert_string_equal(extra(ev, "LastProcessId"), "102");
	time_format_utc(T0, ts);
	assert_string_equal(extra(ev, "StartTimeUtc"), ts);
	time_format_local(T0, ts);
	assert_string_equal(extra(ev, "StartTimeLocal"), ts);
	time_format_utc(T0 + 2 * NSEC_PER_SEC, ts);
	assert_string_equal(extra(ev, "EndTimeUtc"), ts);
	time_format_local(T0 + 2 * NSEC_PER_SEC, ts);
	assert_string_equal(extra(ev, "EndTimeLocal"), ts);
	cJSON_Delete(ev);

	aggregator_get_stats(a, &st);
	assert_int_equal(st.absorbed, 2);
	assert_int_equal(st.entries_emitted, 1);
	assert_int_equal(st.bypassed, 0);
	collect_done(&out);
	aggregator_free(a);
}

/* Only the documented fields are left out of the identity. */
static void test_process_create_identity(void **state)
{
	static const struct pc variants[] = {
		{ .pid = 1, .ppid = 1 },
		{ .pid = 1, .ppid = 1, .cmd = "curl https://example.org" },
		{ .pid = 1, .ppid = 1, .exe = "/usr/bin/wget" },
		{ .pid = 1, .ppid = 1, .uid = "0" },
		{ .pid = 1, .ppid = 1, .extra = "web" },
		{ .pid = 1, .ppid = 1, .extra = "db" },
	};
	struct aggregator *a = new_agg(100);
	struct collect out;
	size_t n = ARRAY_SIZE(variants);

	(void)state;
	collect_init(&out);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < n; i++) {
			struct pc p = variants[i];

			p.pid = 1000 + round * 100 + (int64_t)i; /* never part of the identity */
			p.ppid = 7 + round;
			assert_true(aggregator_offer(a, make_pc(&p, T0), T0));
		}
	assert_int_equal(aggregator_entries(a), n);
	aggregator_flush(a, T0, true, &out.sink);
	assert_int_equal(out.n, n);
	for (size_t i = 0; i < out.n; i++) {
		cJSON *ev = to_json(out.ev[i]);

		assert_string_equal(extra(ev, "HitCount"), "2");
		cJSON_Delete(ev);
	}
	collect_done(&out);
	aggregator_free(a);
}

static void test_connection_create_identity(void **state)
{
	struct aggregator *a = new_agg(100);
	struct collect out;
	struct cc in1 = { "In", NULL, "50001", NULL, "22", 10 };
	struct cc in2 = { "In", NULL, "50002", NULL, "22", 11 };   /* other ephemeral port: same */
	struct cc in3 = { "In", NULL, "50003", NULL, "2222", 12 }; /* other service port */
	struct cc out1 = { "Out", NULL, "443", NULL, "40001", 20 };
	struct cc out2 = { "Out", NULL, "443", NULL, "40002", 21 };  /* other ephemeral: same */
	struct cc out3 = { "Out", NULL, "8443", NULL, "40003", 22 }; /* other service port */
	struct cc out4 = { "Out", "198.51.100.1", "443", NULL, "40004", 23 }; /* other peer */
	size_t n_in = 0, n_out = 0;

	(void)state;
	collect_init(&out);
	assert_true(aggregator_offer(a, make_cc(&in1, T0), T0));
	assert_true(aggregator_offer(a, make_cc(&in2, T0 + 1), T0));
	assert_true(aggregator_offer(a, make_cc(&in3, T0 + 2), T0));
	assert_true(aggregator_offer(a, make_cc(&out1, T0 + 3), T0));
	assert_true(aggregator_offer(a, make_cc(&out2, T0 + 4), T0));
	assert_true(aggregator_offer(a, make_cc(&out3, T0 + 5), T0));
	assert_true(aggregator_offer(a, make_cc(&out4, T0 + 6), T0));
	assert_int_equal(aggregator_entries(a), 5);
	aggregator_flush(a, T0 + WINDOW_NS, false, &out.sink);
	assert_int_equal(out.n, 5);
	for (size_t i = 0; i < out.n; i++) {
		cJSON *ev = to_json(out.ev[i]);
		const cJSON *it = item0(ev);
		const char *dir = cJSON_GetObjectItemCaseSensitive(it, "Direction")->valuestring;
		const char *hits = extra(ev, "HitCount");

		assert_string_equal(cJSON_GetObjectItemCaseSensitive(ev, "Category")->valuestring,
				    "Triggered");
		if (!hits) {
			/* singletons keep their ports and pid */
			assert_true(cJSON_GetObjectItemCaseSensitive(it, "ProcessId")->valuedouble >
				    0);
			cJSON_Delete(ev);
			continue;
		}
		assert_string_equal(hits, "2");
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(it, "ProcessId")->valuedouble, 0);
		if (strcmp(dir, "In") == 0) {
			/* the remote (ephemeral) port is "*"; the service port stays */
			assert_string_equal(
				cJSON_GetObjectItemCaseSensitive(it, "RemotePort")->valuestring,
				"*");
			assert_string_equal(
				cJSON_GetObjectItemCaseSensitive(it, "LocalPort")->valuestring,
				"22");
			assert_string_equal(extra(ev, "FirstProcessId"), "10");
			assert_string_equal(extra(ev, "LastProcessId"), "11");
			n_in++;
		} else {
			assert_null(cJSON_GetObjectItemCaseSensitive(it, "LocalPort"));
			assert_string_equal(
				cJSON_GetObjectItemCaseSensitive(it, "RemotePort")->valuestring,
				"443");
			n_out++;
		}
		cJSON_Delete(ev);
	}
	assert_int_equal(n_in, 1);
	assert_int_equal(n_out, 1);
	collect_done(&out);
	aggregator_free(a);
}

/* An entry seen once is emitted as the very event that came in. */
static void test_singleton_unchanged(void **state)
{
	struct aggregator *a = new_agg(100);
	struct collect out;
	struct pc p = { .pid = 4242, .ppid = 1, .extra = "c1" };
	struct event *e = make_pc(&p, T0 + 5);
	char *before = to_text(e), *after;

	(void)state;
	collect_init(&out);
	assert_true(aggregator_offer(a, e, T0));
	aggregator_flush(a, T0 + WINDOW_NS, false, &out.sink);
	assert_int_equal(out.n, 1);
	after = to_text(out.ev[0]);
	assert_string_equal(before, after);
	es_free(before);
	es_free(after);
	collect_done(&out);
	aggregator_free(a);
}

static void test_not_aggregated(void **state)
{
	struct aggregator *a = aggregator_new(100, 1 << 20);
	struct pc p = { .pid = 1, .ppid = 1 };
	struct cc c = { "In", NULL, "1", NULL, "22", 1 };
	struct event *e1 = make_pc(&p, T0), *e2 = make_cc(&c, T0);

	(void)state;
	/* Not configured (disabled by default). */
	assert_false(aggregator_offer(a, e1, T0));
	aggregator_configure(a, EVENT_PROCESS_CREATE, true, WINDOW_MS, NULL);
	aggregator_configure(a, EVENT_CONNECTION_CREATE, false, WINDOW_MS, NULL);
	assert_false(aggregator_offer(a, e2, T0));
	assert_true(aggregator_offer(a, e1, T0));
	assert_false(aggregator_supports(EVENT_LISTENING_PORTS));
	assert_true(aggregator_supports(EVENT_PROCESS_TERMINATE));
	event_free(e2);
	aggregator_free(a);
}

/* Disabling a type flushes what it holds at once. */
static void test_disable_flushes(void **state)
{
	struct aggregator *a = new_agg(100);
	struct collect out;
	struct pc p = { .pid = 1, .ppid = 1 };

	(void)state;
	collect_init(&out);
	assert_true(aggregator_offer(a, make_pc(&p, T0), time_now_realtime_ns()));
	assert_true(aggregator_offer(a, make_pc(&p, T0), time_now_realtime_ns()));
	aggregator_configure(a, EVENT_PROCESS_CREATE, false, WINDOW_MS, &out.sink);
	assert_int_equal(out.n, 1);
	assert_int_equal(aggregator_entries(a), 0);
	collect_done(&out);
	aggregator_free(a);
}

/* A full table: distinct events bypass (the caller keeps them), duplicates still merge. */
static void test_bounded(void **state)
{
	struct aggregator *a = new_agg(4);
	struct collect out;
	struct aggregator_stats st;
	uint64_t in = 0, passed = 0, hits = 0;
	char cmd[32];

	(void)state;
	collect_init(&out);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 10; i++) {
			struct pc p = { .pid = 100 + i, .ppid = 1, .cmd = cmd };
			struct event *e;

			snprintf(cmd, sizeof(cmd), "job %d", i);
			e = make_pc(&p, T0);
			in++;
			if (!aggregator_offer(a, e, T0)) {
				passed++;
				event_free(e);
			}
			assert_true(aggregator_entries(a) <= 4);
		}
	aggregator_get_stats(a, &st);
	assert_int_equal(st.bypassed, passed);
	assert_int_equal(passed, 18); /* jobs 4..9, three times */
	aggregator_flush(a, T0, true, &out.sink);
	assert_int_equal(out.n, 4);
	for (size_t i = 0; i < out.n; i++) {
		cJSON *ev = to_json(out.ev[i]);

		hits += strtoull(extra(ev, "HitCount"), NULL, 10);
		cJSON_Delete(ev);
	}
	aggregator_get_stats(a, &st);
	/* Nothing lost: in = passed through + emitted + absorbed, and hits cover the rest. */
	assert_int_equal(in, passed + st.entries_emitted + st.absorbed);
	assert_int_equal(hits, in - passed);
	collect_done(&out);

	/* A byte limit bounds it too. */
	aggregator_set_limits(a, 1000, 1);
	{
		struct pc p = { .pid = 1, .ppid = 1 };
		struct event *e = make_pc(&p, T0);

		assert_false(aggregator_offer(a, e, T0));
		event_free(e);
	}
	aggregator_free(a);
}

/* A sink that only counts events and the hits they stand for. */
struct counter {
	struct event_sink sink;
	uint64_t events, hits;
};

static void counter_submit(struct event_sink *sink, struct event *e)
{
	struct counter *c = (struct counter *)sink;
	cJSON *ev = to_json(e);
	const char *h = extra(ev, "HitCount");

	c->events++;
	c->hits += h ? strtoull(h, NULL, 10) : 1;
	cJSON_Delete(ev);
	event_free(e);
}

/* Many distinct and repeated events through table growth and several windows. */
static void test_many(void **state)
{
	struct aggregator *a = new_agg(5000);
	struct counter out = { .sink.submit = counter_submit };
	struct aggregator_stats st;
	uint64_t in = 0;
	char cmd[32];

	(void)state;
	for (int w = 0; w < 3; w++) {
		uint64_t now = T0 + (uint64_t)w * WINDOW_NS;

		for (int i = 0; i < 3000; i++) {
			struct pc p = { .pid = i, .ppid = 1, .cmd = cmd };

			snprintf(cmd, sizeof(cmd), "task %d", (i * 7 + w) % 1000);
			assert_true(aggregator_offer(a, make_pc(&p, now), now));
			in++;
		}
		assert_int_equal(aggregator_entries(a), 1000);
		aggregator_flush(a, now + WINDOW_NS, false, &out.sink);
		assert_int_equal(aggregator_entries(a), 0);
		assert_int_equal(out.events, 1000 * (uint64_t)(w + 1));
	}
	aggregator_get_stats(a, &st);
	assert_int_equal(out.hits, in);
	assert_int_equal(st.absorbed + st.entries_emitted, in);
	assert_int_equal(st.bypassed, 0);
	aggregator_free(a);
}

/* After a burst is flushed, the table shrinks back: its memory is not kept for the next one. */
static void test_table_shrinks_after_flush(void **state)
{
	struct aggregator *a = new_agg(5000);
	struct counter out = { .sink.submit = counter_submit };
	size_t before = es_alloc_in_use(), burst;
	char cmd[32];

	(void)state;
	for (int i = 0; i < 3000; i++) {
		struct pc p = { .pid = i, .ppid = 1, .cmd = cmd };

		snprintf(cmd, sizeof(cmd), "burst %d", i);
		assert_true(aggregator_offer(a, make_pc(&p, T0), T0));
	}
	burst = es_alloc_in_use() - before;
	/* 8,192 slots of 48 bytes, plus the 3,000 events. */
	assert_true(burst > 8192 * 40);
	aggregator_flush(a, T0 + WINDOW_NS, false, &out.sink);
	assert_int_equal(out.events, 3000);
	assert_int_equal(aggregator_entries(a), 0);
	/* Back to the 16 slots of a new aggregator. */
	assert_true(es_alloc_in_use() - before < 16 * 64);

	/* And it still works: a new window grows it again and merges. */
	for (int i = 0; i < 3; i++) {
		struct pc p = { .pid = 100 + i, .ppid = 1, .cmd = "again" };

		assert_true(
			aggregator_offer(a, make_pc(&p, T0 + 2 * WINDOW_NS), T0 + 2 * WINDOW_NS));
	}
	assert_int_equal(aggregator_entries(a), 1);
	aggregator_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_create_merged),
		cmocka_unit_test(test_process_create_identity),
		cmocka_unit_test(test_connection_create_identity),
		cmocka_unit_test(test_singleton_unchanged),
		cmocka_unit_test(test_not_aggregated),
		cmocka_unit_test(test_disable_flushes),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_table_shrinks_after_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
