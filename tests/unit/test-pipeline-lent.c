/* SPDX-License-Identifier: MIT */
/*
 * event_builder_submit(): the pipeline reads the event where its builder built it.  Observers
 * see every lent event (readable with a cursor), aggregation absorbs duplicates without a
 * single allocation, an event that is kept is a copy that survives the builder's next event,
 * and sinks without submit_lent get an allocated event.
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
#include "pipeline/pipeline.h"

#define AGENT_ID "0b6f4d5e-1c2a-4b3c-8d9e-0f1a2b3c4d5e"

/* Every message body published, concatenated (bounded). */
struct published {
	char text[1 << 16];
	size_t len;
	unsigned messages, events;
};

static int publish(void *userdata, const struct message *m)
{
	struct published *p = userdata;

	p->messages++;
	p->events += m->n_events;
	if (p->len + m->len < sizeof(p->text)) {
		memcpy(p->text + p->len, m->body, m->len);
		p->len += m->len;
		p->text[p->len] = '\0';
	}
	return 0;
}

static void settings_init(struct pipeline_settings *s, bool aggregate)
{
	memset(s, 0, sizeof(*s));
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		s->priority[t] = EVENT_PRIORITY_LOW;
	s->cache_budget_bytes = 1 << 20;
	s->max_message_bytes = 200 * 1024;
	s->aggregation_max_entries = 1024;
	s->aggregation_max_bytes = 1 << 20;
	s->aggregation_enabled[EVENT_PROCESS_CREATE] = aggregate;
	s->aggregation_interval_ms[EVENT_PROCESS_CREATE] = 3600 * 1000;
}

static void build_exec(struct event_builder *b, int64_t pid, const char *cmd)
{
	event_builder_begin(b, EVENT_PROCESS_CREATE, 1000 + (uint64_t)pid);
	event_builder_item(b);
	event_add_cstr(b, PC_EXECUTABLE, "/bin/true");
	event_add_int(b, PC_PROCESS_ID, pid);
	event_add_int(b, PC_PARENT_PROCESS_ID, 1);
	event_add_cstr(b, PC_USER_ID, "0");
	event_add_cstr(b, PC_COMMAND_LINE, cmd);
	event_add_extra_cstr(b, "Cwd", "/");
}

/* An observer that reads every value of every event it is shown. */
struct reader {
	struct event_observer base;
	unsigned seen[_EVENT_TYPE_MAX];
	unsigned values;
	int64_t last_pid;
	char last_cmd[64];
	struct pipeline *pl;
	struct event_builder b;
	bool answer; /* submit a Diagnostic (through its own builder) for each ProcessCreate */
};

static void reader_observe(struct event_observer *o, const struct event *e, uint64_t now)
{
	struct reader *r = (struct reader *)o;
	struct event_cursor c;
	struct event_value v;

	r->seen[event_get_type(e)]++;
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1) {
		r->values++;
		if (event_get_type(e) != EVENT_PROCESS_CREATE || v.kind != EVENT_VALUE_FIELD)
			continue;
		if (v.field == PC_PROCESS_ID)
			r->last_pid = v.i;
		if (v.field == PC_COMMAND_LINE)
			snprintf(r->last_cmd, sizeof(r->last_cmd), "%.*s", (int)v.len, v.s);
	}
	if (!r->answer || event_get_type(e) != EVENT_PROCESS_CREATE)
		return;
	event_builder_begin(&r->b, EVENT_DIAGNOSTIC, now);
	event_builder_item(&r->b);
	event_add_cstr(&r->b, DIAG_SEVERITY, "Information");
	event_add_cstr(&r->b, DIAG_MESSAGE, r->last_cmd);
	event_add_int(&r->b, DIAG_PROCESS_ID, r->last_pid);
	event_add_int(&r->b, DIAG_THREAD_ID, 1);
	assert_int_equal(event_builder_submit(&r->b, pipeline_sink(r->pl)), 0);
}

static void test_observers_read_lent_events(void **state)
{
	struct pipeline_settings s;
	struct reader r = { .base.observe = reader_observe, .answer = true };
	struct published out = { .len = 0 };
	struct event_builder b;
	struct pipeline_stats st;
	struct pipeline *pl;
	char cmd[32];

	(void)state;
	settings_init(&s, true);
	s.priority[EVENT_CONNECTION_CREATE] = EVENT_PRIORITY_OFF;
	pl = pipeline_new(AGENT_ID, "0", &s, publish, &out);
	assert_non_null(pl);
	r.pl = pl;
	event_builder_init(&r.b);
	event_builder_init(&b);
	assert_int_equal(pipeline_add_observer(pl, &r.base), 0);

	for (int i = 0; i < 10; i++) {
		snprintf(cmd, sizeof(cmd), "true %d", i % 2); /* two identities, 8 absorbed */
		build_exec(&b, 100 + i, cmd);
		assert_int_equal(event_builder_submit(&b, pipeline_sink(pl)), 0);
		assert_int_equal(r.last_pid, 100 + i);
		assert_string_equal(r.last_cmd, cmd);
	}
	/* A type set to Off: observed all the same. */
	event_builder_begin(&b, EVENT_CONNECTION_CREATE, 1000);
	event_builder_item(&b);
	event_add_cstr(&b, CC_REMOTE_ADDRESS, "127.0.0.1");
	event_add_cstr(&b, CC_REMOTE_PORT, "22");
	event_add_cstr(&b, CC_DIRECTION, "Out");
	event_add_cstr(&b, CC_PROTOCOL, "tcp");
	event_add_int(&b, CC_PROCESS_ID, 42);
	event_add_cstr(&b, CC_EXECUTABLE, "/usr/bin/ssh");
	assert_int_equal(event_builder_submit(&b, pipeline_sink(pl)), 0);

	assert_int_equal(r.seen[EVENT_PROCESS_CREATE], 10);
	assert_int_equal(r.seen[EVENT_CONNECTION_CREATE], 1);
	assert_int_equal(r.seen[EVENT_DIAGNOSTIC], 10); /* its own answers, observed too */
	assert_int_equal(r.values, 10 * 7 + 7 + 10 * 5);
	pipeline_get_stats(pl, &st);
	assert_int_equal(st.submitted, 21);
	assert_int_equal(st.filtered, 1);
	assert_int_equal(st.aggregation.absorbed, 8);

	pipeline_flush_all(pl);
	/* 2 aggregates (HitCount 5 each) and the 10 Diagnostics */
	assert_int_equal(out.events, 12);
	assert_non_null(strstr(out.text, "\"HitCount\":\"5\""));
	assert_non_null(strstr(out.text, "\"CommandLine\":\"true 0\""));
	assert_non_null(strstr(out.text, "\"CommandLine\":\"true 1\""));

	event_builder_done(&b);
	event_builder_done(&r.b);
	pipeline_free(pl);
}

/* Duplicates of a held entry cost no allocation at all: with the heap frozen, none fails. */
static void test_absorbed_events_are_not_allocated(void **state)
{
	struct pipeline_settings s;
	struct published out = { .len = 0 };
	struct event_builder b;
	struct pipeline_stats st;
	struct pipeline *pl;
	uint64_t refused;

	(void)state;
	settings_init(&s, true);
	pl = pipeline_new(AGENT_ID, "0", &s, publish, &out);
	assert_non_null(pl);
	event_builder_init(&b);
	build_exec(&b, 1, "sleep 1");
	assert_int_equal(event_builder_submit(&b, pipeline_sink(pl)), 0); /* held: copied */

	refused = es_alloc_refused();
	es_alloc_set_limit(es_alloc_in_use()); /* not one byte more */
	for (int i = 0; i < 1000; i++) {
		build_exec(&b, 2 + i, "sleep 1");
		assert_int_equal(event_builder_submit(&b, pipeline_sink(pl)), 0);
	}
	es_alloc_set_limit(0);
	assert_int_equal(es_alloc_refused(), refused);
	pipeline_get_stats(pl, &st);
	assert_int_equal(st.aggregation.absorbed, 1000);
	assert_int_equal(st.low.dropped, 0);

	pipeline_flush_all(pl);
	assert_int_equal(out.events, 1);
	assert_non_null(strstr(out.text, "\"HitCount\":\"1001\""));
	assert_non_null(strstr(out.text, "\"LastProcessId\":\"1001\""));

	event_builder_done(&b);
	pipeline_free(pl);
}

/* A queued event is a copy: the builder's next events do not change it. */
static void test_kept_events_are_copies(void **state)
{
	struct pipeline_settings s;
	struct published out = { .len = 0 };
	struct event_builder b;
	struct pipeline *pl;
	char cmd[32];

	(void)state;
	settings_init(&s, false);
	pl = pipeline_new(AGENT_ID, "0", &s, publish, &out);
	assert_non_null(pl);
	event_builder_init(&b);
	for (int i = 0; i < 50; i++) {
		snprintf(cmd, sizeof(cmd), "cmd-%02d", i);
		build_exec(&b, 500 + i, cmd);
		assert_int_equal(event_builder_submit(&b, pipeline_sink(pl)), 0);
	}
	pipeline_flush_all(pl);
	assert_int_equal(out.events, 50);
	for (int i = 0; i < 50; i++) {
		char want[64];

		snprintf(want, sizeof(want), "\"ProcessId\":%d,", 500 + i);
		assert_non_null(strstr(out.text, want));
		snprintf(want, sizeof(want), "\"CommandLine\":\"cmd-%02d\"", i);
		assert_non_null(strstr(out.text, want));
	}
	event_builder_done(&b);
	pipeline_free(pl);
}

/* A sink without submit_lent owns what it gets; an invalid event is not submitted. */
struct owning_sink {
	struct event_sink base;
	unsigned got;
	size_t size;
};

static void owning_submit(struct event_sink *sink, struct event *e)
{
	struct owning_sink *o = (struct owning_sink *)sink;

	o->got++;
	o->size = event_get_size(e);
	event_free(e);
}

static void test_plain_sink_gets_a_copy(void **state)
{
	struct owning_sink o = { .base.submit = owning_submit };
	struct event_builder b;
	struct event *e;

	(void)state;
	event_builder_init(&b);
	build_exec(&b, 7, "x");
	assert_int_equal(event_builder_submit(&b, &o.base), 0);
	assert_int_equal(o.got, 1);

	/* finish and submit make the same event */
	build_exec(&b, 7, "x");
	assert_int_equal(event_builder_finish(&b, &e), 0);
	assert_int_equal(event_get_size(e), o.size);
	assert_int_equal(event_get_type(e), EVENT_PROCESS_CREATE);
	assert_int_equal(event_get_time(e), 1007);
	event_free(e);

	/* a required field missing: -EINVAL, nothing submitted */
	event_builder_begin(&b, EVENT_PROCESS_CREATE, 1);
	event_builder_item(&b);
	event_add_cstr(&b, PC_EXECUTABLE, "/bin/true");
	assert_int_equal(event_builder_submit(&b, &o.base), -EINVAL);
	assert_int_equal(o.got, 1);
	event_builder_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observers_read_lent_events),
		cmocka_unit_test(test_absorbed_events_are_not_allocated),
		cmocka_unit_test(test_kept_events_are_copies),
		cmocka_unit_test(test_plain_sink_gets_a_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
