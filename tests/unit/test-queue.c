/* SPDX-License-Identifier: MIT */
/*
 * The High and Low queues: one shared byte budget, the documented drop order (Low oldest
 * first; High evicts High only when Low is empty; Low never evicts High; an event larger than
 * the budget is refused) and the counters DroppedEventsStatistics reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "pipeline/event.h"
#include "pipeline/queue.h"

/* A ProcessCreate whose ProcessId tags it; `pad` bytes of command line set its size. */
static struct event *make_event(int64_t tag, size_t pad)
{
	static char cmd[4096];
	struct event_builder b;
	struct event *e = NULL;

	assert_true(pad <= sizeof(cmd));
	memset(cmd, 'x', sizeof(cmd));
	event_builder_init(&b);
	event_builder_begin(&b, EVENT_PROCESS_CREATE, 1000);
	event_builder_item(&b);
	event_add_cstr(&b, PC_EXECUTABLE, "/bin/true");
	event_add_int(&b, PC_PROCESS_ID, tag);
	event_add_int(&b, PC_PARENT_PROCESS_ID, 1);
	event_add_cstr(&b, PC_USER_ID, "0");
	event_add_str(&b, PC_COMMAND_LINE, cmd, pad);
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	return e;
}

static int64_t tag_of(const struct event *e)
{
	struct event_cursor c;
	struct event_value v;

	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1)
		if (v.kind == EVENT_VALUE_FIELD && v.field == PC_PROCESS_ID)
			return v.i;
	fail_msg("event without ProcessId");
	return -1;
}

/* Pops everything from one queue and checks the tags come out in this order. */
static void expect_queue(struct queue_set *qs, enum event_priority p, const int64_t *tags, size_t n)
{
	struct event *e;
	size_t i = 0;

	while ((e = queue_pop(qs, p))) {
		assert_true(i < n);
		assert_int_equal(tag_of(e), tags[i]);
		i++;
		event_free(e);
	}
	assert_int_equal(i, n);
	assert_int_equal(queue_count(qs, p), 0);
	assert_int_equal(queue_bytes(qs, p), 0);
}

static size_t one_size(void)
{
	struct event *e = make_event(0, 100);
	size_t s = event_get_size(e);

	event_free(e);
	return s;
}

static void test_fifo_and_accounting(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(100 * sz);
	static const int64_t high[] = { 1, 3 }, low[] = { 2, 4, 5 };

	(void)state;
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_HIGH, make_event(1, 100)), 0);
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_LOW, make_event(2, 100)), 0);
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_HIGH, make_event(3, 100)), 0);
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_LOW, make_event(4, 100)), 0);
	/* Anything but High goes to Low. */
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_OFF, make_event(5, 100)), 0);
	assert_int_equal(queue_count(qs, EVENT_PRIORITY_HIGH), 2);
	assert_int_equal(queue_count(qs, EVENT_PRIORITY_LOW), 3);
	assert_int_equal(queue_bytes(qs, EVENT_PRIORITY_HIGH), 2 * sz);
	assert_int_equal(queue_bytes(qs, EVENT_PRIORITY_LOW), 3 * sz);
	assert_int_equal(queue_total_bytes(qs), 5 * sz);
	assert_null(queue_pop(qs, EVENT_PRIORITY_OFF));
	expect_queue(qs, EVENT_PRIORITY_HIGH, high, 2);
	expect_queue(qs, EVENT_PRIORITY_LOW, low, 3);
	assert_int_equal(queue_total_bytes(qs), 0);
	queue_set_free(qs);
}

/* Budget of 4 events: Low events are evicted oldest first, whichever queue the new one is for. */
static void test_low_evicted_oldest_first(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(4 * sz);
	static const int64_t high[] = { 1, 6 }, low[] = { 4, 5 };
	struct queue_counters c;

	(void)state;
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(1, 100));
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(2, 100));
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(3, 100));
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(4, 100));
	assert_int_equal(queue_total_bytes(qs), 4 * sz);
	/* A Low push evicts the oldest Low (2). */
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_LOW, make_event(5, 100)), 1);
	/* A High push evicts the oldest Low too (3), not a High. */
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_HIGH, make_event(6, 100)), 1);
	assert_true(queue_total_bytes(qs) <= queue_set_budget(qs));
	queue_get_totals(qs, EVENT_PRIORITY_LOW, &c);
	assert_int_equal(c.collected, 4);
	assert_int_equal(c.dropped, 2);
	queue_get_totals(qs, EVENT_PRIORITY_HIGH, &c);
	assert_int_equal(c.collected, 2);
	assert_int_equal(c.dropped, 0);
	assert_int_equal(queue_dropped_by_type(qs, EVENT_PROCESS_CREATE), 2);
	expect_queue(qs, EVENT_PRIORITY_HIGH, high, 2);
	expect_queue(qs, EVENT_PRIORITY_LOW, low, 2);
	queue_set_free(qs);
}

static void test_high_evicts_high_only_when_low_empty(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(3 * sz);
	static const int64_t high[] = { 2, 3, 4 };
	struct queue_counters c;

	(void)state;
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(1, 100));
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(2, 100));
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(10, 100));
	/* Full: the Low one goes first ... */
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_HIGH, make_event(3, 100)), 1);
	assert_int_equal(queue_count(qs, EVENT_PRIORITY_LOW), 0);
	assert_int_equal(queue_count(qs, EVENT_PRIORITY_HIGH), 3);
	/* ... then the oldest High. */
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_HIGH, make_event(4, 100)), 1);
	queue_get_totals(qs, EVENT_PRIORITY_HIGH, &c);
	assert_int_equal(c.collected, 4);
	assert_int_equal(c.dropped, 1);
	expect_queue(qs, EVENT_PRIORITY_HIGH, high, 3);
	queue_set_free(qs);
}

static void test_low_never_evicts_high(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(2 * sz);
	static const int64_t high[] = { 1, 2 };
	struct queue_counters c;

	(void)state;
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(1, 100));
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(2, 100));
	/* The new Low event is the one dropped. */
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_LOW, make_event(3, 100)), 1);
	assert_int_equal(queue_count(qs, EVENT_PRIORITY_LOW), 0);
	queue_get_totals(qs, EVENT_PRIORITY_LOW, &c);
	assert_int_equal(c.collected, 1);
	assert_int_equal(c.dropped, 1);
	queue_get_totals(qs, EVENT_PRIORITY_HIGH, &c);
	assert_int_equal(c.dropped, 0);
	expect_queue(qs, EVENT_PRIORITY_HIGH, high, 2);
	queue_set_free(qs);
}

/* An event larger than the whole budget is refused and evicts nothing. */
static void test_oversize_event_dropped(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(3 * sz);
	static const int64_t high[] = { 1 }, low[] = { 2 };
	struct event *big = make_event(9, 4096);
	struct queue_counters c;

	(void)state;
	assert_true(event_get_size(big) > 3 * sz);
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(1, 100));
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(2, 100));
	assert_int_equal(queue_push(qs, EVENT_PRIORITY_HIGH, big), 1);
	queue_get_totals(qs, EVENT_PRIORITY_HIGH, &c);
	assert_int_equal(c.collected, 2);
	assert_int_equal(c.dropped, 1);
	expect_queue(qs, EVENT_PRIORITY_HIGH, high, 1);
	expect_queue(qs, EVENT_PRIORITY_LOW, low, 1);
	queue_set_free(qs);
}

/* The interval counters restart on read; the totals do not. */
static void test_interval_counters(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(2 * sz);
	struct queue_counters c;

	(void)state;
	for (int i = 0; i < 5; i++)
		queue_push(qs, EVENT_PRIORITY_LOW, make_event(i, 100));
	queue_take_interval(qs, EVENT_PRIORITY_LOW, &c);
	assert_int_equal(c.collected, 5);
	assert_int_equal(c.dropped, 3);
	queue_take_interval(qs, EVENT_PRIORITY_LOW, &c);
	assert_int_equal(c.collected, 0);
	assert_int_equal(c.dropped, 0);
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(6, 100));
	queue_count_lost(qs, EVENT_PRIORITY_LOW, EVENT_CONNECTION_CREATE, 7);
	queue_take_interval(qs, EVENT_PRIORITY_LOW, &c);
	assert_int_equal(c.collected, 8);
	assert_int_equal(c.dropped, 8);
	queue_get_totals(qs, EVENT_PRIORITY_LOW, &c);
	assert_int_equal(c.collected, 13);
	assert_int_equal(c.dropped, 11);
	assert_int_equal(queue_dropped_by_type(qs, EVENT_CONNECTION_CREATE), 7);
	assert_int_equal(queue_dropped_by_type(qs, EVENT_PROCESS_CREATE), 4);
	/* High is counted separately. */
	queue_take_interval(qs, EVENT_PRIORITY_HIGH, &c);
	assert_int_equal(c.collected, 0);
	queue_set_free(qs);
}

static void test_lower_budget_evicts(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(10 * sz);
	static const int64_t high[] = { 2, 3 }, low[] = { 0 };
	struct queue_counters c;

	(void)state;
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(1, 100));
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(2, 100));
	queue_push(qs, EVENT_PRIORITY_HIGH, make_event(3, 100));
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(4, 100));
	queue_push(qs, EVENT_PRIORITY_LOW, make_event(5, 100));
	/* Room for 2: both Low go first, then the oldest High. */
	queue_set_set_budget(qs, 2 * sz);
	assert_int_equal(queue_set_budget(qs), 2 * sz);
	assert_true(queue_total_bytes(qs) <= 2 * sz);
	queue_get_totals(qs, EVENT_PRIORITY_LOW, &c);
	assert_int_equal(c.dropped, 2);
	queue_get_totals(qs, EVENT_PRIORITY_HIGH, &c);
	assert_int_equal(c.dropped, 1);
	expect_queue(qs, EVENT_PRIORITY_HIGH, high, 2);
	expect_queue(qs, EVENT_PRIORITY_LOW, low, 0);
	queue_set_free(qs);
}

/* Random traffic: the budget always holds, and every event is either queued or dropped. */
static void test_random_invariants(void **state)
{
	size_t sz = one_size();
	struct queue_set *qs = queue_set_new(50 * sz);
	uint64_t x = 88172645463325252ull, popped = 0;
	struct queue_counters h, l;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		enum event_priority p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = (x & 1) ? EVENT_PRIORITY_HIGH : EVENT_PRIORITY_LOW;
		if (x % 7 == 0) {
			struct event *e = queue_pop(qs, p);

			popped += e != NULL;
			event_free(e);
		} else {
			queue_push(qs, p, make_event(i, (size_t)(x >> 20) % 2000));
		}
		if (x % 1000 == 3)
			queue_set_set_budget(qs, (size_t)((x >> 8) % (80 * sz)));
		assert_true(queue_total_bytes(qs) <= queue_set_budget(qs));
		assert_int_equal(queue_total_bytes(qs),
				 queue_bytes(qs, EVENT_PRIORITY_HIGH) +
					 queue_bytes(qs, EVENT_PRIORITY_LOW));
	}
	queue_get_totals(qs, EVENT_PRIORITY_HIGH, &h);
	queue_get_totals(qs, EVENT_PRIORITY_LOW, &l);
	assert_int_equal(h.collected + l.collected, h.dropped + l.dropped + popped +
							    queue_count(qs, EVENT_PRIORITY_HIGH) +
							    queue_count(qs, EVENT_PRIORITY_LOW));
	queue_set_free(qs);
}

static void test_no_leak(void **state)
{
	size_t before = es_alloc_in_use();
	struct queue_set *qs = queue_set_new(1 << 20);

	(void)state;
	for (int i = 0; i < 100; i++)
		queue_push(qs, i % 2 ? EVENT_PRIORITY_HIGH : EVENT_PRIORITY_LOW, make_event(i, 50));
	assert_null(queue_set_free(qs));
	assert_null(queue_set_free(NULL));
	assert_int_equal(es_alloc_in_use(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_and_accounting),
		cmocka_unit_test(test_low_evicted_oldest_first),
		cmocka_unit_test(test_high_evicts_high_only_when_low_empty),
		cmocka_unit_test(test_low_never_evicts_high),
		cmocka_unit_test(test_oversize_event_dropped),
		cmocka_unit_test(test_interval_counters),
		cmocka_unit_test(test_lower_budget_evicts),
		cmocka_unit_test(test_random_invariants),
		cmocka_unit_test(test_no_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
