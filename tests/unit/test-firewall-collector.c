/* SPDX-License-Identifier: MIT */
/*
 * The firewall collector end to end on this machine's ruleset (read only): built with
 * libnftables and run as root it sends one FirewallConfiguration event whose items all have
 * Enabled and an ASC Action, and describe() names the backends read (nftables and legacy
 * x_tables); built without it, the snapshot fails with a clear reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/firewall/firewall.h"

struct sink {
	struct event_sink base;
	struct event *events[4];
	unsigned n;
};

static void sink_submit(struct event_sink *base, struct event *e)
{
	struct sink *s = (struct sink *)base;

	if (s->n < 4)
		s->events[s->n++] = e;
	else
		event_free(e);
}

static void check_items(const struct event *e)
{
	struct event_cursor cur;
	struct event_value v;
	unsigned items = 0, enabled = 0, actions = 0;

	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v)) {
		if (v.kind == EVENT_VALUE_ITEM)
			items++;
		else if (v.kind == EVENT_VALUE_FIELD && v.field == FW_ENABLED)
			enabled += v.i == 1;
		else if (v.kind == EVENT_VALUE_FIELD && v.field == FW_ACTION)
			actions += (v.len == 5 && !memcmp(v.s, "Allow", 5)) ||
				   (v.len == 4 && !memcmp(v.s, "Deny", 4)) ||
				   (v.len == 5 && !memcmp(v.s, "Other", 5));
	}
	assert_int_equal(items, event_get_n_items(e));
	assert_int_equal(enabled, items);
	assert_int_equal(actions, items);
}

static void test_snapshot(void **state)
{
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = "/" };
	struct collector *c;
	int r;

	(void)state;
	assert_int_equal(collector_new(&firewall_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	assert_true(collector_is_periodic(c));
	r = collector_snapshot(c, 1000);
	if (r == -EOPNOTSUPP) {
		assert_non_null(strstr(c->last_error, "libnftables"));
		assert_int_equal(sink.n, 0);
		collector_free(c);
		skip();
	}
	if (geteuid() != 0 && r < 0) {
		assert_non_null(strstr(c->last_error, "nftables"));
		collector_free(c);
		skip();
	}
	assert_int_equal(r, 0);
	/* Heartbeat's description names both backends and what was read. */
	assert_non_null(collector_describe(c));
	assert_non_null(strstr(collector_describe(c), "nftables"));
	assert_non_null(strstr(collector_describe(c), "iptables-legacy"));
	assert_int_equal(sink.n, 1);
	assert_int_equal(event_get_type(sink.events[0]), EVENT_FIREWALL_CONFIGURATION);
	check_items(sink.events[0]);
	event_free(sink.events[0]);
	collector_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
