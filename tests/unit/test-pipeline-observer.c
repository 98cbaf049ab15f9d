/* SPDX-License-Identifier: MIT */
/*
 * Pipeline observers (the rules engine's seat): they see every submitted event, including
 * types set to Off and events that aggregation absorbs, and may submit events of their own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/pipeline.h"

#define AGENT_ID "0b6f4d5e-1c2a-4b3c-8d9e-0f1a2b3c4d5e"

struct counting_observer {
	struct event_observer base;
	unsigned seen[_EVENT_TYPE_MAX];
	struct pipeline *pl;
	struct event_builder b;
	bool answer; /* submit a Diagnostic for every ProcessCreate */
};

static void observe(struct event_observer *o, const struct event *e, uint64_t now)
{
	struct counting_observer *co = (struct counting_observer *)o;
	struct event *d;

	co->seen[event_get_type(e)]++;
	if (!co->answer || event_get_type(e) != EVENT_PROCESS_CREATE)
		return;
	event_builder_begin(&co->b, EVENT_DIAGNOSTIC, now);
	event_builder_item(&co->b);
	event_add_cstr(&co->b, DIAG_SEVERITY, "Information");
	event_add_cstr(&co->b, DIAG_MESSAGE, "seen");
	event_add_int(&co->b, DIAG_PROCESS_ID, 1);
	event_add_int(&co->b, DIAG_THREAD_ID, 1);
	assert_int_equal(event_builder_finish(&co->b, &d), 0);
	event_sink_submit(pipeline_sink(co->pl), d);
}

static unsigned published;

static int publish(void *userdata, const struct message *m)
{
	(void)userdata;
	(void)m;
	published++;
	return 0;
}

static void settings_init(struct pipeline_settings *s)
{
	memset(s, 0, sizeof(*s));
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		s->priority[t] = EVENT_PRIORITY_LOW;
	s->cache_budget_bytes = 1 << 20;
	s->max_message_bytes = 200 * 1024;
	s->aggregation_max_entries = 1024;
	s->aggregation_max_bytes = 1 << 20;
}

static void submit_exec(struct pipeline *pl, struct event_builder *b)
{
	struct event *e;

	event_builder_begin(b, EVENT_PROCESS_CREATE, 1000);
	event_builder_item(b);
	event_add_cstr(b, PC_EXECUTABLE, "/bin/true");
	event_add_int(b, PC_PROCESS_ID, 42);
	event_add_int(b, PC_PARENT_PROCESS_ID, 1);
	event_add_cstr(b, PC_USER_ID, "0");
	event_add_cstr(b, PC_COMMAND_LINE, "true");
	assert_int_equal(event_builder_finish(b, &e), 0);
	event_sink_submit(pipeline_sink(pl), e);
}

static void test_off_and_aggregated_events_are_observed(void **state)
{
	struct pipeline_settings s;
	struct counting_observer co = { .base.observe = observe };
	struct event_builder b;
	struct pipeline_stats st;
	struct pipeline *pl;

	(void)state;
	settings_init(&s);
	s.aggregation_enabled[EVENT_PROCESS_CREATE] = true;
	s.aggregation_interval_ms[EVENT_PROCESS_CREATE] = 3600 * 1000;
	s.priority[EVENT_CONNECTION_CREATE] = EVENT_PRIORITY_OFF;
	pl = pipeline_new(AGENT_ID, "0", &s, publish, NULL);
	assert_non_null(pl);
	assert_int_equal(pipeline_add_observer(pl, &co.base), 0);
	event_builder_init(&b);

	for (int i = 0; i < 5; i++)
		submit_exec(pl, &b); /* identical: aggregation absorbs four */
	{
		struct event *e;

		event_builder_begin(&b, EVENT_CONNECTION_CREATE, 1000);
		event_builder_item(&b);
		event_add_cstr(&b, CC_REMOTE_ADDRESS, "127.0.0.1");
		event_add_cstr(&b, CC_REMOTE_PORT, "22");
		event_add_cstr(&b, CC_LOCAL_ADDRESS, "127.0.0.1");
		event_add_cstr(&b, CC_LOCAL_PORT, "40000");
		event_add_cstr(&b, CC_DIRECTION, "Out");
		event_add_cstr(&b, CC_PROTOCOL, "tcp");
		event_add_int(&b, CC_PROCESS_ID, 42);
		event_add_cstr(&b, CC_EXECUTABLE, "/usr/bin/ssh");
		assert_int_equal(event_builder_finish(&b, &e), 0);
		event_sink_submit(pipeline_sink(pl), e);
	}
	assert_int_equal(co.seen[EVENT_PROCESS_CREATE], 5);
	assert_int_equal(co.seen[EVENT_CONNECTION_CREATE], 1);
	pipeline_get_stats(pl, &st);
	assert_int_equal(st.filtered, 1);
	assert_true(st.aggregation.absorbed >= 4);

	event_builder_done(&b);
	pipeline_free(pl);
}

static void test_observer_may_submit(void **state)
{
	struct pipeline_settings s;
	struct counting_observer co = { .base.observe = observe, .answer = true };
	struct event_builder b;
	struct pipeline_stats st;
	struct pipeline *pl;

	(void)state;
	settings_init(&s);
	pl = pipeline_new(AGENT_ID, "0", &s, publish, NULL);
	assert_non_null(pl);
	co.pl = pl;
	event_builder_init(&co.b);
	event_builder_init(&b);
	assert_int_equal(pipeline_add_observer(pl, &co.base), 0);

	submit_exec(pl, &b);
	/* the Diagnostic it answered with was observed and queued too */
	assert_int_equal(co.seen[EVENT_DIAGNOSTIC], 1);
	pipeline_get_stats(pl, &st);
	assert_int_equal(st.submitted, 2);
	assert_int_equal(st.low_events, 2);

	event_builder_done(&b);
	event_builder_done(&co.b);
	pipeline_free(pl);
}

static void test_observer_limit(void **state)
{
	struct pipeline_settings s;
	struct counting_observer co[PIPELINE_OBSERVERS_MAX + 1];
	struct pipeline *pl;

	(void)state;
	settings_init(&s);
	pl = pipeline_new(AGENT_ID, "0", &s, publish, NULL);
	assert_non_null(pl);
	for (int i = 0; i < PIPELINE_OBSERVERS_MAX; i++) {
		co[i] = (struct counting_observer){ .base.observe = observe };
		assert_int_equal(pipeline_add_observer(pl, &co[i].base), 0);
	}
	co[PIPELINE_OBSERVERS_MAX] = (struct counting_observer){ .base.observe = observe };
	assert_int_equal(pipeline_add_observer(pl, &co[PIPELINE_OBSERVERS_MAX].base), -ENOSPC);
	pipeline_free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_and_aggregated_events_are_observed),
		cmocka_unit_test(test_observer_may_submit),
		cmocka_unit_test(test_observer_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
