/* SPDX-License-Identifier: MIT */
/*
 * The new-value rules' seen sets kept across restarts (src/detect/detect-persist.c), through
 * a real store file (common/persist.h) and a new engine per "start", wired as the agent does
 * (the store before the rules): a port that began listening while the agent was stopped is
 * new at the first snapshot after the start; nothing changed, nothing new; a rule whose
 * definition changed, a record that does not parse or a store that could not be read give a
 * fresh baseline; a disabled rule's set is removed; a set over its rule's cap keeps the most
 * recent values; an engine without a store (replay) takes its baseline as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/json_read.h"
#include "common/persist.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "pipeline/pipeline.h"
#include "replay/replay.h"

#include "alert-capture.h"

#include "scratch-dir.h"

#define T0 (1767225600ull * NSEC_PER_SEC)
#define KEY "newValue.port"

static const char rules[] =
	"{\"rules\":[{\"id\":\"port\",\"name\":\"n\",\"severity\":\"Medium\",\"description\":"
	"\"d\",\"remediation\":\"r\",\"events\":[\"ListeningPorts\"],\"newValue\":{\"by\":["
	"\"Protocol\",\"LocalPort\"]}}]}";
/* the same rule keyed differently: another definition */
static const char rules_changed[] =
	"{\"rules\":[{\"id\":\"port\",\"name\":\"n\",\"severity\":\"Medium\",\"description\":"
	"\"d\",\"remediation\":\"r\",\"events\":[\"ListeningPorts\"],\"newValue\":{\"by\":["
	"\"LocalPort\"]}}]}";
static const char snap1[] = "{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"22\","
			    "\"Protocol\":\"tcp\"},{\"LocalPort\":\"53\",\"Protocol\":\"udp\"}]}";
static const char snap2[] =
	"{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"22\",\"Protocol\":\"tcp\"},"
	"{\"LocalPort\":\"4444\",\"Protocol\":\"tcp\"},{\"LocalPort\":\"53\",\"Protocol\":\"udp\"}]"
	"}";

static char dir[64];
static int dfd = -1;

struct run {
	struct capture cap;
	struct detect_engine *de;
	struct persist *p;
	struct event_builder b;
	int load_result;
};

static int setup(void **state)
{
	(void)state;
	dfd = scratch_dir_open(dir, sizeof(dir), "dpersist");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_dir_close(dfd, dir);
	return 0;
}

static struct detect_ruleset *load(const char *doc, const char *overrides)
{
	struct detect_source src = { .name = "test.json", .data = doc, .len = strlen(doc) };
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;

	assert_int_equal(detect_ruleset_load(&src, 1, overrides, &rs, &rep), 0);
	assert_int_equal(rep.n_errors, 0);
	return rs;
}

/* One start of the agent: the store loaded from the file, given to the engine, then rules. */
static void start(struct run *r, const char *doc, const char *overrides,
		  const struct detect_settings *s)
{
	struct detect_settings d = { .trust_event_time = true };

	memset(r, 0, sizeof(*r));
	r->cap.sink.submit = capture_submit;
	assert_int_equal(persist_new(dfd, PERSIST_FILE, geteuid(), &r->p), 0);
	r->load_result = persist_load(r->p, &(struct persist_error){ { 0 } });
	assert_int_equal(detect_engine_new(s ? s : &d, &r->cap.sink, &r->de), 0);
	detect_engine_set_persist(r->de, r->p);
	detect_engine_set_rules(r->de, load(doc, overrides));
	event_builder_init(&r->b);
}

/* The agent's shutdown: save, write, free. */
static void stop(struct run *r)
{
	(void)detect_engine_save(r->de);
	assert_int_equal(persist_flush(r->p), 0);
	capture_done(&r->cap);
	detect_engine_free(r->de);
	persist_free(r->p);
	event_builder_done(&r->b);
}

static void feed(struct run *r, double sec, const char *json)
{
	struct replay_line in = { 0 };
	struct replay_error err = { { 0 } };
	uint64_t t = T0 + (uint64_t)(sec * 1e9);

	if (replay_parse_line(json, strlen(json), t, &r->b, &in, &err) != 1)
		fail_msg("bad test event %s: %s", json, err.message);
	detect_engine_observe(r->de, in.events[0], t);
	replay_line_done(&in);
}

static void assert_alert_key(const struct run *r, unsigned i, const char *want)
{
	char key[128];

	assert_true(i < r->cap.n);
	assert_true(alert_field(r->cap.alerts[i], AL_ALERT_KEY, key, sizeof(key)));
	assert_string_equal(key, want);
}

static bool have_record(const struct run *r)
{
	const void *d;
	size_t len;

	return persist_get(r->p, KEY, &d, &len) == 0;
}

static void test_new_while_stopped(void **state)
{
	struct run r;

	(void)state;
	start(&r, rules, NULL, NULL);
	assert_int_equal(r.load_result, -ENOENT);
	feed(&r, 0, snap1); /* first start ever: the baseline */
	assert_int_equal(r.cap.n, 0);
	stop(&r);

	/* 4444/tcp began listening while the agent was stopped */
	start(&r, rules, NULL, NULL);
	assert_int_equal(r.load_result, 0);
	feed(&r, 100, snap2);
	assert_int_equal(r.cap.n, 1);
	assert_alert_key(&r, 0, "Protocol=tcp, LocalPort=4444");
	stop(&r);

	/* nothing changed: nothing new, at the first snapshot or later */
	start(&r, rules, NULL, NULL);
	feed(&r, 200, snap2);
	feed(&r, 300, snap2);
	assert_int_equal(r.cap.n, 0);
	/* and a value new in this run is still new */
	feed(&r, 400,
	     "{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"8080\","
	     "\"Protocol\":\"tcp\"}]}");
	assert_int_equal(r.cap.n, 1);
	stop(&r);
}

static void test_fresh_baseline_cases(void **state)
{
	struct run r;
	struct persist *p;

	(void)state;
	start(&r, rules, NULL, NULL);
	feed(&r, 0, snap1);
	stop(&r);

	/* the rule's definition changed: its saved set is not used (nor kept) */
	start(&r, rules_changed, NULL, NULL);
	assert_false(have_record(&r));
	feed(&r, 100, snap2); /* the baseline again */
	assert_int_equal(r.cap.n, 0);
	stop(&r);

	/* a record that does not parse: dropped, fresh baseline */
	assert_int_equal(persist_new(dfd, PERSIST_FILE, geteuid(), &p), 0);
	assert_int_equal(persist_load(p, &(struct persist_error){ { 0 } }), 0);
	assert_int_equal(persist_put(p, KEY, "N1garbage", 9), 0);
	assert_int_equal(persist_flush(p), 0);
	persist_free(p);
	start(&r, rules, NULL, NULL);
	assert_false(have_record(&r));
	feed(&r, 200, snap2);
	assert_int_equal(r.cap.n, 0);
	stop(&r);

	/* the whole file corrupt: the store is empty, fresh baseline */
	assert_int_equal(unlinkat(dfd, PERSIST_FILE, 0), 0);
	assert_int_equal(mkdirat(dfd, PERSIST_FILE, 0700), 0);
	start(&r, rules, NULL, NULL);
	assert_int_equal(r.load_result, -EPERM);
	feed(&r, 300, snap2);
	assert_int_equal(r.cap.n, 0);
	(void)detect_engine_save(r.de);
	assert_true(persist_flush(r.p) < 0); /* cannot replace a directory: counted */
	assert_int_equal(unlinkat(dfd, PERSIST_FILE, AT_REMOVEDIR), 0);
	assert_int_equal(persist_flush(r.p), 0);
	stop(&r);

	/* a disabled rule: its set is removed */
	start(&r, rules, "{\"port\":{\"enabled\":false}}", NULL);
	assert_false(have_record(&r));
	stop(&r);
	start(&r, rules, NULL, NULL);
	feed(&r, 400, snap2); /* the baseline again */
	assert_int_equal(r.cap.n, 0);
	stop(&r);
}

static void test_cap_keeps_most_recent(void **state)
{
	struct detect_settings s = { .trust_event_time = true, .max_state_entries = 100 };
	struct run r;
	char json[256];

	(void)state;
	start(&r, rules, NULL, &s);
	feed(&r, 0, snap1);
	for (int i = 0; i < 200; i++) { /* 200 new ports: the rule holds 64 (a quarter, min 64) */
		snprintf(json, sizeof(json),
			 "{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"%d\","
			 "\"Protocol\":\"tcp\"}]}",
			 10000 + i);
		feed(&r, 1 + i * 3, json); /* under the alert rate (30 a minute) */
	}
	assert_int_equal(r.cap.n, 200);
	stop(&r);
	start(&r, rules, NULL, &s);
	feed(&r, 1000,
	     "{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"10199\","
	     "\"Protocol\":\"tcp\"}]}"); /* recent: kept */
	assert_int_equal(r.cap.n, 0);
	feed(&r, 1001,
	     "{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"10000\","
	     "\"Protocol\":\"tcp\"}]}"); /* evicted long ago: new again */
	assert_int_equal(r.cap.n, 1);
	stop(&r);
}

static void test_no_store_is_the_old_behaviour(void **state)
{
	struct detect_settings d = { .trust_event_time = true };
	struct capture cap = { 0 };
	struct detect_engine *de;
	struct event_builder b;
	struct replay_line in = { 0 };
	struct replay_error err = { { 0 } };

	(void)state;
	cap.sink.submit = capture_submit;
	event_builder_init(&b);
	assert_int_equal(detect_engine_new(&d, &cap.sink, &de), 0);
	detect_engine_set_rules(de, load(rules, NULL));
	assert_int_equal(detect_engine_save(de), 0); /* no store: nothing */
	assert_int_equal(replay_parse_line(snap2, strlen(snap2), T0, &b, &in, &err), 1);
	detect_engine_observe(de, in.events[0], T0);
	replay_line_done(&in);
	assert_int_equal(cap.n, 0); /* the first snapshot is the baseline */
	assert_int_equal(detect_engine_save(de), 0);
	capture_done(&cap);
	detect_engine_free(de);
	event_builder_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_while_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_baseline_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_keeps_most_recent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_store_is_the_old_behaviour, setup,
						teardown),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
