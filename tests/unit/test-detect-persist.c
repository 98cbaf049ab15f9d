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

/* One start of the agent at T0 + sec (wall clock): the store loaded from the file, given to
 * the engine, then rules. */
static void start_at(struct run *r, double sec, const char *doc, const char *overrides,
		     const struct detect_settings *s)
{
	struct detect_settings d = { .trust_event_time = true };

	memset(r, 0, sizeof(*r));
	r->cap.sink.submit = capture_submit;
	assert_int_equal(persist_new(dfd, PERSIST_FILE, geteuid(), &r->p), 0);
	r->load_result = persist_load(r->p, &(struct persist_error){ { 0 } });
	assert_int_equal(detect_engine_new(s ? s : &d, &r->cap.sink, &r->de), 0);
	detect_engine_set_persist_at(r->de, r->p, T0 + (uint64_t)(sec * 1e9));
	detect_engine_set_rules(r->de, load(doc, overrides));
	event_builder_init(&r->b);
}

static void start(struct run *r, const char *doc, const char *overrides,
		  const struct detect_settings *s)
{
	start_at(r, 0, doc, overrides, s);
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

/* ---- threshold and sequence windows (detect-windows.c) ---- */

#define WKEY "window.bf"
static const char wrules[] =
	"{\"rules\":[{\"id\":\"bf\",\"name\":\"n\",\"severity\":\"Medium\",\"description\":\"d\","
	"\"remediation\":\"r\",\"events\":[\"Login\"],\"match\":{\"field\":\"Result\","
	"\"equals\":\"Fail\"},\"threshold\":{\"count\":5,\"window\":\"PT5M\",\"by\":["
	"\"RemoteAddress\"]}}]}";
/* with a sequence: 2 failures then a success from one address */
static const char srules[] =
	"{\"rules\":[{\"id\":\"bs\",\"name\":\"n\",\"severity\":\"High\",\"description\":\"d\","
	"\"remediation\":\"r\",\"sequence\":{\"window\":\"PT15M\",\"by\":[\"RemoteAddress\"],"
	"\"steps\":[{\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"equals\":\"Fail\"},"
	"\"count\":2},{\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"equals\":"
	"\"Success\"}}]}}]}";

static void login(struct run *r, double sec, const char *result, const char *addr)
{
	char json[512];

	snprintf(json, sizeof(json),
		 "{\"Name\":\"Login\",\"Payload\":{\"ProcessId\":1,\"UserName\":\"pi\","
		 "\"Operation\":\"x\",\"Executable\":\"/usr/sbin/sshd\",\"RemoteAddress\":\"%s\","
		 "\"Result\":\"%s\"}}",
		 addr, result);
	feed(r, sec, json);
}

static unsigned alerts_of(const struct run *r, const char *rule)
{
	unsigned n = 0;
	char id[64];

	for (unsigned i = 0; i < r->cap.n; i++)
		n += alert_field(r->cap.alerts[i], AL_RULE_ID, id, sizeof(id)) &&
		     strcmp(id, rule) == 0;
	return n;
}

static struct detect_stats stats(const struct run *r)
{
	struct detect_stats st;

	detect_engine_get_stats(r->de, &st);
	return st;
}

/* 4 failures, a restart (and another one with nothing seen), 1 more: 5 within PT5M. */
static void test_threshold_across_restart(void **state)
{
	char ev[4096];
	struct run r;

	(void)state;
	start_at(&r, 0, wrules, NULL, NULL);
	for (int i = 0; i < 4; i++)
		login(&r, 1 + i, "Fail", "192.0.2.7");
	login(&r, 5, "Fail", "192.0.2.8");
	assert_int_equal(r.cap.n, 0);
	(void)detect_engine_save(r.de);
	assert_int_equal(persist_flush(r.p), 0);
	/* time passes, nothing happens: the same bytes, no write (Heartbeats save every time) */
	detect_engine_tick(r.de, T0 + 30 * NSEC_PER_SEC);
	(void)detect_engine_save(r.de);
	assert_false(persist_dirty(r.p));
	stop(&r);
	start_at(&r, 30, wrules, NULL, NULL); /* nothing happens in this run: kept as it was */
	assert_int_equal(stats(&r).persist_restored, 2);
	stop(&r);
	start_at(&r, 60, wrules, NULL, NULL);
	assert_int_equal(stats(&r).persist_restored, 2);
	assert_int_equal(stats(&r).persist_refused, 0);
	login(&r, 61, "Fail", "192.0.2.7");
	assert_int_equal(alerts_of(&r, "bf"), 1);
	assert_alert_key(&r, 0, "RemoteAddress=192.0.2.7");
	/* the evidence: the first failure of the previous run, counted, and this one */
	assert_true(alert_field(r.cap.alerts[0], AL_EVIDENCE, ev, sizeof(ev)));
	assert_non_null(strstr(ev, "\"Count\":5"));
	assert_non_null(strstr(ev, "2026-01-01T00:00:01"));
	login(&r, 62, "Fail", "192.0.2.8"); /* the other address: 2 of 5 */
	assert_int_equal(alerts_of(&r, "bf"), 1);
	stop(&r);
}

/* Step 1 of a sequence before the restart, step 2 after. */
static void test_sequence_across_restart(void **state)
{
	struct run r;

	(void)state;
	start_at(&r, 0, srules, NULL, NULL);
	login(&r, 10, "Fail", "192.0.2.9");
	login(&r, 11, "Fail", "192.0.2.9");
	stop(&r);
	start_at(&r, 120, srules, NULL, NULL);
	login(&r, 130, "Success", "192.0.2.9");
	assert_int_equal(alerts_of(&r, "bs"), 1);
	login(&r, 131, "Success", "192.0.2.10"); /* no failures from there */
	assert_int_equal(alerts_of(&r, "bs"), 1);
	stop(&r);
}

/* A window that ended while the agent was stopped is dropped at load (wall clock at start);
 * so is progress with times ahead of that clock (the clock stepped back). */
static void test_expired_while_stopped(void **state)
{
	struct run r;

	(void)state;
	start_at(&r, 0, wrules, NULL, NULL);
	for (int i = 0; i < 4; i++)
		login(&r, 1 + i, "Fail", "192.0.2.7");
	stop(&r);
	start_at(&r, 4 + 301, wrules, NULL, NULL); /* PT5M after the last failure */
	assert_int_equal(stats(&r).persist_restored, 0);
	assert_int_equal(stats(&r).persist_expired, 1);
	login(&r, 306, "Fail", "192.0.2.7");
	assert_int_equal(r.cap.n, 0);
	stop(&r);

	start_at(&r, 400, wrules, NULL, NULL);
	for (int i = 0; i < 4; i++)
		login(&r, 400 + i, "Fail", "192.0.2.70");
	stop(&r);
	start_at(&r, 100, wrules, NULL, NULL); /* the clock went back 5 minutes */
	assert_int_equal(stats(&r).persist_restored, 0);
	assert_int_equal(stats(&r).persist_expired, 2); /* (192.0.2.7 at 306 s too) */
	stop(&r);
}

/* A rule whose definition changed (here its count, by the detectionRules override) gets no
 * old progress, and its record goes. */
static void test_changed_rule_drops_windows(void **state)
{
	struct run r;

	(void)state;
	start_at(&r, 0, wrules, NULL, NULL);
	for (int i = 0; i < 4; i++)
		login(&r, 1 + i, "Fail", "192.0.2.7");
	stop(&r);
	start_at(&r, 10, wrules, "{\"bf\":{\"threshold\":6}}", NULL);
	assert_int_equal(stats(&r).persist_stale, 1);
	assert_int_equal(stats(&r).persist_restored, 0);
	login(&r, 11, "Fail", "192.0.2.7");
	login(&r, 12, "Fail", "192.0.2.7");
	assert_int_equal(r.cap.n, 0); /* 2 of 6, not 6 of 6 */
	stop(&r);
	/* a disabled rule's record is removed */
	start_at(&r, 20, wrules, "{\"bf\":{\"enabled\":false}}", NULL);
	assert_int_equal(persist_get(r.p, WKEY, &(const void *){ 0 }, &(size_t){ 0 }), -ENOENT);
	stop(&r);
}

/* The record of rule bf after 4 failures from 192.0.2.7 (one entry, key 9 bytes). */
static uint8_t *valid_record(size_t *ret_len)
{
	struct run r;
	const void *d;
	uint8_t *copy;

	start_at(&r, 0, wrules, NULL, NULL);
	for (int i = 0; i < 4; i++)
		login(&r, 1 + i, "Fail", "192.0.2.7");
	(void)detect_engine_save(r.de);
	assert_int_equal(persist_get(r.p, WKEY, &d, ret_len), 0);
	copy = es_memdup(d, *ret_len);
	assert_non_null(copy);
	stop(&r);
	return copy;
}

static void put_record(const void *d, size_t len)
{
	struct persist *p;

	assert_int_equal(persist_new(dfd, PERSIST_FILE, geteuid(), &p), 0);
	(void)persist_load(p, &(struct persist_error){ { 0 } });
	assert_int_equal(persist_put(p, WKEY, d, len), 0);
	assert_int_equal(persist_flush(p), 0);
	persist_free(p);
}

#define OFF_KEYLEN 32 /* after the header */
#define OFF_ENTRIES 28
#define OFF_LAST (OFF_KEYLEN + 2 + 9)
#define OFF_N (OFF_LAST + 8)
#define OFF_TIMES (OFF_N + 4)
#define OFF_FIRST_LEN (OFF_TIMES + 4 * 8)

/* Hostile or corrupt records: refused whole with a reason, the rule starts empty and works. */
static void test_hostile_records(void **state)
{
	size_t len;
	uint8_t *good = valid_record(&len), *bad = es_malloc(2 * len + 8);
	struct detect_persist_issue is[DETECT_PERSIST_ISSUES_MAX];
	struct {
		const char *what;
		size_t off, len; /* byte to set (SIZE_MAX: none), length of the record */
		uint8_t val;
	} cases[] = {
		{ "truncated", SIZE_MAX, len - 1, 0 },
		{ "a byte after", SIZE_MAX, len + 1, 0 },
		{ "magic", 0, len, 'X' },
		{ "no save time", 20, len,
		  0 }, /* (the clock is 8 bytes: this zeroes one of them) */
		{ "more entries", OFF_ENTRIES, len, 2 },
		{ "key too long", OFF_KEYLEN + 1, len, 0x40 },
		{ "last after save", OFF_LAST + 7, len, 0x7f },
		{ "more times than count", OFF_N, len, 6 },
		{ "times out of order", OFF_TIMES + 8 + 4, len, 0 },
		{ "evidence not JSON", OFF_FIRST_LEN + 2, len, '[' },
		{ "evidence length", OFF_FIRST_LEN + 1, len, 0xff },
	};
	struct run r;

	(void)state;
	assert_non_null(bad);
	/* the saved clock is at 4 s: a byte of it zeroed may still leave a time; set all */
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		memset(bad, 0, 2 * len + 8);
		memcpy(bad, good, len);
		if (c == 3)
			memset(bad + 20, 0, 8);
		else if (cases[c].off != SIZE_MAX)
			bad[cases[c].off] = cases[c].val;
		put_record(bad, cases[c].len);
		start_at(&r, 10, wrules, NULL, NULL);
		if (stats(&r).persist_refused != 1)
			fail_msg("case %s: not refused", cases[c].what);
		assert_int_equal(detect_engine_take_persist_issues(r.de, is, 8), 1);
		assert_string_equal(is[0].rule_id, "bf");
		assert_true(is[0].message[0] != 0);
		assert_int_equal(stats(&r).state_entries, 0);
		assert_int_equal(persist_get(r.p, WKEY, &(const void *){ 0 }, &(size_t){ 0 }),
				 -ENOENT);
		for (int i = 0; i < 5; i++) /* the rule works, from zero */
			login(&r, 11 + i, "Fail", "192.0.2.7");
		assert_int_equal(alerts_of(&r, "bf"), 1);
		stop(&r);
		assert_int_equal(unlinkat(dfd, PERSIST_FILE, 0), 0);
	}
	/* the same key twice: refused when made, nothing of it kept */
	memcpy(bad, good, len);
	memcpy(bad + len, good + OFF_KEYLEN, len - OFF_KEYLEN);
	bad[OFF_ENTRIES] = 2;
	put_record(bad, len + len - OFF_KEYLEN);
	start_at(&r, 10, wrules, NULL, NULL);
	assert_int_equal(stats(&r).persist_refused, 1);
	assert_int_equal(stats(&r).state_entries, 0);
	stop(&r);
	/* and the valid one restores */
	put_record(good, len);
	start_at(&r, 10, wrules, NULL, NULL);
	assert_int_equal(stats(&r).persist_refused, 0);
	assert_int_equal(stats(&r).persist_restored, 1);
	stop(&r);
	es_free(bad);
	es_free(good);
}

/* Caps: the rule's share of the entries at load; the saved bytes keep the most recent. */
static void test_window_caps(void **state)
{
	struct detect_settings s = { .trust_event_time = true, .max_state_entries = 100 };
	struct detect_settings big = { .trust_event_time = true,
				       .max_state_entries = 40000,
				       .max_state_bytes = 256u << 20 };
	char addr[256];
	struct run r;

	(void)state;
	start_at(&r, 0, wrules, NULL, &big);
	for (int i = 0; i < 200; i++) {
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 256, i % 256);
		login(&r, 1 + i * 0.001, "Fail", addr);
	}
	stop(&r);
	start_at(&r, 10, wrules, NULL, &s); /* a rule holds 64 of 100: the most recent 64 */
	assert_int_equal(stats(&r).persist_restored, 200);
	assert_int_equal(stats(&r).state_entries, 64);
	stop(&r);
	assert_int_equal(unlinkat(dfd, PERSIST_FILE, 0), 0);

	/* 10,000 keys of 230 bytes: more than the 2 MiB the windows may take */
	start_at(&r, 0, wrules, NULL, &big);
	memset(addr, 'a', 230);
	for (int i = 0; i < 10000; i++) {
		snprintf(addr + 220, sizeof(addr) - 220, "%010d", i);
		login(&r, 1 + i * 0.001, "Fail", addr);
	}
	(void)detect_engine_save(r.de);
	assert_true(stats(&r).persist_omitted > 0);
	stop(&r);
	start_at(&r, 20, wrules, NULL, &big);
	assert_true(stats(&r).persist_restored > 5000);
	assert_true(stats(&r).persist_restored < 10000);
	/* the most recent key is kept: 4 more failures make 5 */
	snprintf(addr + 220, sizeof(addr) - 220, "%010d", 9999);
	for (int i = 0; i < 4; i++)
		login(&r, 21 + i, "Fail", addr);
	assert_int_equal(alerts_of(&r, "bf"), 1);
	stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_while_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_baseline_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_keeps_most_recent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_store_is_the_old_behaviour, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threshold_across_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence_across_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_while_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_rule_drops_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_caps, setup, teardown),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
