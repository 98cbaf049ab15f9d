/* SPDX-License-Identifier: MIT */
/*
 * The detection engine, driven by replayed events (JSON lines through the replay reader):
 * thresholds and their windows, ordered and unordered sequences, new values and their
 * baseline, dedup with repeat summaries, the per-rule rate, state caps and evictions, rules
 * disabled or changed by overrides (the twin's detectionRules), state kept across reloads,
 * bad rules files (file, rule id and member named; the other files still load), and the
 * engine as a pipeline observer (types set to Off are seen and counted as collected).
 */
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
#include "common/timeutil.h"
#include "detect/detect-int.h"
#include "detect/detect.h"
#include "pipeline/pipeline.h"
#include "replay/replay.h"

#include "alert-capture.h"

#define T0 (1767225600ull * NSEC_PER_SEC)

static long long repeat_count(const struct event *e)
{
	char v[32];

	assert_true(alert_field(e, AL_REPEAT_COUNT, v, sizeof(v)));
	return strtoll(v, NULL, 10);
}

static struct detect_ruleset *load(const char *doc, const char *overrides,
				   struct detect_report *rep)
{
	struct detect_source src = { .name = "test.json", .data = doc, .len = strlen(doc) };
	struct detect_report local = { 0 };
	struct detect_ruleset *rs = NULL;

	if (!rep)
		rep = &local;
	assert_int_equal(detect_ruleset_load(&src, 1, overrides, &rs, rep), 0);
	if (rep == &local && local.n_errors) {
		char line[1024];

		detect_issue_format(&local.errors[0], line, sizeof(line));
		fail_msg("rules do not compile: %s", line);
	}
	return rs;
}

struct rig {
	struct capture cap;
	struct detect_engine *de;
	struct event_builder b;
};

static void rig_init(struct rig *r, const char *rules, const char *overrides,
		     const struct detect_settings *s)
{
	struct detect_settings d = { .trust_event_time = true };

	memset(r, 0, sizeof(*r));
	r->cap.sink.submit = capture_submit;
	assert_int_equal(detect_engine_new(s ? s : &d, &r->cap.sink, &r->de), 0);
	detect_engine_set_rules(r->de, load(rules, overrides, NULL));
	event_builder_init(&r->b);
}

static void rig_done(struct rig *r)
{
	capture_done(&r->cap);
	detect_engine_free(r->de);
	event_builder_done(&r->b);
}

/* One event from a JSON object, at T0 + sec. */
static void feed(struct rig *r, double sec, const char *json)
{
	struct replay_line in = { 0 };
	struct replay_error err = { { 0 } };
	uint64_t t = T0 + (uint64_t)(sec * 1e9);

	if (replay_parse_line(json, strlen(json), t, &r->b, &in, &err) != 1)
		fail_msg("bad test event %s: %s", json, err.message);
	detect_engine_observe(r->de, in.events[0], t);
	replay_line_done(&in);
}

#define LOGIN(result, addr)                                                                        \
	"{\"Name\":\"Login\",\"Payload\":{\"ProcessId\":1,\"UserName\":\"pi\",\"Operation\":"      \
	"\"x\","                                                                                   \
	"\"Executable\":\"/usr/sbin/sshd\",\"RemoteAddress\":\"" addr "\",\"Result\":\"" result    \
	"\"}}"
#define EXEC(exe, cmd)                                                                             \
	"{\"Name\":\"ProcessCreate\",\"Payload\":{\"Executable\":\"" exe "\",\"ProcessId\":5,"     \
	"\"ParentProcessId\":1,\"UserId\":\"0\",\"CommandLine\":\"" cmd "\"}}"

static const char threshold_rules[] =
	"{\"rules\":[{\"id\":\"bf\",\"name\":\"n\",\"severity\":\"High\",\"description\":\"d\","
	"\"remediation\":\"r\",\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"equals\":"
	"\"Fail\"},\"threshold\":{\"count\":3,\"window\":\"PT60S\",\"by\":[\"RemoteAddress\"]}}]}";

static void test_threshold_window_and_key(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, threshold_rules, NULL, NULL);
	feed(&r, 0, LOGIN("Fail", "10.0.0.1"));
	feed(&r, 10, LOGIN("Fail", "10.0.0.2")); /* another key */
	feed(&r, 20, LOGIN("Fail", "10.0.0.1"));
	feed(&r, 70, LOGIN("Fail", "10.0.0.1")); /* the first one is out of the window */
	assert_int_equal(r.cap.n, 0);
	feed(&r, 75, LOGIN("Fail", "10.0.0.1")); /* 20, 70, 75: three within 60 s */
	assert_int_equal(r.cap.n, 1);
	assert_int_equal(repeat_count(r.cap.alerts[0]), 0);
	{
		char key[256], ev[8192];
		cJSON *j;

		assert_true(alert_field(r.cap.alerts[0], AL_ALERT_KEY, key, sizeof(key)));
		assert_string_equal(key, "RemoteAddress=10.0.0.1");
		/* evidence: the first of the window (with the count), then the last */
		assert_true(alert_field(r.cap.alerts[0], AL_EVIDENCE, ev, sizeof(ev)));
		j = cJSON_Parse(ev);
		assert_int_equal(cJSON_GetArraySize(j), 2);
		assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "Count")->valueint,
				 3);
		cJSON_Delete(j);
	}
	feed(&r, 76, LOGIN("Success", "10.0.0.1")); /* not matched */
	assert_int_equal(r.cap.n, 1);
	rig_done(&r);
}

static void test_dedup_repeats_and_summary(void **state)
{
	struct detect_settings s = { .trust_event_time = true, .dedup_window_ms = 60000 };
	struct rig r;

	(void)state;
	rig_init(&r, threshold_rules, "{\"bf\":{\"threshold\":2}}", &s);
	for (int i = 0; i < 20; i++) /* 10 firings of the same key within the dedup window */
		feed(&r, i, LOGIN("Fail", "10.0.0.1"));
	assert_int_equal(r.cap.n, 1); /* one alert, the rest counted */
	detect_engine_tick(r.de, T0 + 30 * NSEC_PER_SEC);
	assert_int_equal(r.cap.n, 1); /* window not over */
	assert_true(detect_engine_next_deadline(r.de) > T0);
	detect_engine_tick(r.de, T0 + 61 * NSEC_PER_SEC);
	assert_int_equal(r.cap.n, 2);
	assert_int_equal(repeat_count(r.cap.alerts[1]), 9);
	{
		char first_id[64], v[64];

		assert_true(alert_field(r.cap.alerts[1], AL_FIRST_ALERT_ID, first_id,
					sizeof(first_id)));
		assert_true(alert_field(r.cap.alerts[1], AL_FIRST_SEEN, v, sizeof(v)));
		assert_true(alert_field(r.cap.alerts[1], AL_LAST_SEEN, v, sizeof(v)));
		assert_string_equal(v, "2026-01-01T00:00:19.000Z");
	}
	/* after the window a new occurrence is a new alert */
	feed(&r, 100, LOGIN("Fail", "10.0.0.1"));
	feed(&r, 101, LOGIN("Fail", "10.0.0.1"));
	assert_int_equal(r.cap.n, 3);
	assert_int_equal(repeat_count(r.cap.alerts[2]), 0);
	rig_done(&r);
}

static void test_rate_suppression(void **state)
{
	struct detect_settings s = { .trust_event_time = true, .alerts_per_minute = 5 };
	static const char rules[] =
		"{\"rules\":[{\"id\":\"x\",\"name\":\"n\",\"severity\":\"Low\",\"description\":"
		"\"d\","
		"\"remediation\":\"r\",\"events\":[\"ProcessCreate\"],\"match\":{\"field\":"
		"\"Executable\",\"prefix\":\"/tmp/\"}}]}";
	struct rig r;
	char json[256];

	(void)state;
	rig_init(&r, rules, NULL, &s);
	for (int i = 0; i < 100; i++) { /* a flood of distinct keys */
		snprintf(json, sizeof(json), EXEC("/tmp/x%d", "x"), i);
		feed(&r, i * 0.01, json);
	}
	assert_int_equal(r.cap.n, 5);
	detect_engine_tick(r.de, T0 + 61 * NSEC_PER_SEC);
	assert_int_equal(r.cap.n, 6);
	assert_int_equal(repeat_count(r.cap.alerts[5]), 95);
	{
		char key[16];

		assert_true(alert_field(r.cap.alerts[5], AL_ALERT_KEY, key, sizeof(key)));
		assert_string_equal(key, "*");
	}
	rig_done(&r);
}

static const char sequence_rules[] =
	"{\"rules\":[{\"id\":\"seq\",\"name\":\"n\",\"severity\":\"High\",\"description\":\"d\","
	"\"remediation\":\"r\",\"sequence\":{\"window\":\"PT5M\",\"by\":[\"RemoteAddress\"],"
	"\"steps\":[{\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"equals\":\"Fail\"},"
	"\"count\":3},{\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"equals\":"
	"\"Success\"}}]}}]}";

static void test_sequence_order_and_window(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, sequence_rules, NULL, NULL);
	/* success first: not the sequence */
	feed(&r, 0, LOGIN("Success", "10.0.0.1"));
	for (int i = 1; i <= 3; i++)
		feed(&r, i, LOGIN("Fail", "10.0.0.1"));
	assert_int_equal(r.cap.n, 0);
	/* too late: the failures are out of the window */
	feed(&r, 400, LOGIN("Success", "10.0.0.1"));
	assert_int_equal(r.cap.n, 0);
	/* in order and in time */
	for (int i = 0; i < 3; i++)
		feed(&r, 500 + i, LOGIN("Fail", "10.0.0.2"));
	feed(&r, 510, LOGIN("Success", "10.0.0.3")); /* another address */
	assert_int_equal(r.cap.n, 0);
	feed(&r, 511, LOGIN("Success", "10.0.0.2"));
	assert_int_equal(r.cap.n, 1);
	{
		char ev[16384];
		cJSON *j;

		assert_true(alert_field(r.cap.alerts[0], AL_EVIDENCE, ev, sizeof(ev)));
		j = cJSON_Parse(ev);
		/* first failure (Count 3), last failure, the success */
		assert_int_equal(cJSON_GetArraySize(j), 3);
		cJSON_Delete(j);
	}
	rig_done(&r);
}

static void test_sequence_unordered_and_capture_key(void **state)
{
	static const char rules[] =
		"{\"rules\":[{\"id\":\"dl\",\"name\":\"n\",\"severity\":\"High\",\"description\":"
		"\"d\",\"remediation\":\"r\",\"sequence\":{\"window\":\"PT1M\",\"steps\":["
		"{\"events\":[\"ProcessCreate\"],\"match\":{\"field\":\"Executable\",\"transform\":"
		"\"basename\",\"equals\":\"curl\"},\"by\":[{\"argAfter\":[\"-o\",\"--output\"],"
		"\"transform\":\"abspath\"}]},{\"events\":[\"ProcessCreate\"],\"by\":[{\"field\":"
		"\"Executable\",\"transform\":\"abspath\"}]}]}}]}";
	struct rig r;

	(void)state;
	rig_init(&r, rules, NULL, NULL);
	feed(&r, 0,
	     "{\"Name\":\"ProcessCreate\",\"Payload\":{\"Executable\":\"/usr/bin/curl\","
	     "\"ProcessId\":5,\"ParentProcessId\":1,\"UserId\":\"0\",\"CommandLine\":\"curl "
	     "--output=../x http://h/x\",\"ExtraDetails\":{\"Cwd\":\"/tmp/a\"}}}");
	feed(&r, 1, EXEC("/tmp/y", "y"));
	assert_int_equal(r.cap.n, 0);
	feed(&r, 2, EXEC("/tmp/./x", "./x"));
	assert_int_equal(r.cap.n, 1);
	rig_done(&r);
}

/* A key from a regex capture group; a regex condition with nocase. */
static void test_regex_key_and_condition(void **state)
{
	static const char rules[] =
		"{\"rules\":[{\"id\":\"rx\",\"name\":\"n\",\"severity\":\"Low\",\"description\":"
		"\"d\",\"remediation\":\"r\",\"events\":[\"ProcessCreate\"],\"match\":{\"field\":"
		"\"CommandLine\",\"regex\":\"--host[= ]\\\\S+\",\"nocase\":true},\"threshold\":{"
		"\"count\":2,\"window\":\"PT1M\",\"by\":[{\"label\":\"Host\",\"field\":"
		"\"CommandLine\",\"regex\":\"--host[= ]([a-z.]+)\",\"group\":1}]}}]}";
	struct rig r;
	char key[128];

	(void)state;
	rig_init(&r, rules, NULL, NULL);
	feed(&r, 0,
	     EXEC("/bin/x",
		  "x --HOST=a.example")); /* matches (nocase), key from lowercase only: none */
	feed(&r, 1, EXEC("/bin/x", "x --host=b.example"));
	feed(&r, 2, EXEC("/bin/y", "y --host b.example -v"));
	assert_int_equal(r.cap.n, 1);
	assert_true(alert_field(r.cap.alerts[0], AL_ALERT_KEY, key, sizeof(key)));
	assert_string_equal(key, "Host=b.example");
	rig_done(&r);
}

static void test_new_value_baseline(void **state)
{
	static const char rules[] =
		"{\"rules\":[{\"id\":\"port\",\"name\":\"n\",\"severity\":\"Medium\","
		"\"description\":"
		"\"d\",\"remediation\":\"r\",\"events\":[\"ListeningPorts\"],\"newValue\":{\"by\":["
		"\"Protocol\",\"LocalPort\"]}}]}";
	static const char snap1[] = "{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":"
				    "\"22\",\"Protocol\":\"tcp\"},"
				    "{\"LocalPort\":\"53\",\"Protocol\":\"udp\"}]}";
	static const char snap2[] =
		"{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"22\",\"Protocol\":"
		"\"tcp\"},"
		"{\"LocalPort\":\"8888\",\"Protocol\":\"tcp\"},{\"LocalPort\":\"53\",\"Protocol\":"
		"\"tcp\"}]}";
	struct rig r;
	char key[64];

	(void)state;
	rig_init(&r, rules, NULL, NULL);
	feed(&r, 0, snap1); /* the baseline: no alert */
	assert_int_equal(r.cap.n, 0);
	feed(&r, 60, snap2); /* 8888/tcp and 53/tcp are new */
	assert_int_equal(r.cap.n, 2);
	assert_true(alert_field(r.cap.alerts[0], AL_ALERT_KEY, key, sizeof(key)));
	assert_string_equal(key, "Protocol=tcp, LocalPort=8888");
	feed(&r, 120, snap2); /* seen now */
	assert_int_equal(r.cap.n, 2);
	rig_done(&r);
}

#define LISTENER(addr, port, pid, extra)                                                           \
	"{\"Name\":\"ListenerCreate\",\"Payload\":{\"LocalAddress\":\"" addr                       \
	"\",\"LocalPort\":\"" port "\",\"Protocol\":\"tcp\",\"ProcessId\":" pid                    \
	",\"Executable\":\"/tmp/x\"" extra "}}"
#define PORTS(addr, port)                                                                          \
	"{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalAddress\":\"127.0.0.1\",\"LocalPort\":" \
	"\"22\",\"Protocol\":\"tcp\"},{\"LocalAddress\":\"" addr "\",\"LocalPort\":\"" port        \
	"\",\"Protocol\":\"tcp\"}]}"

/*
 * A new-value rule over a snapshot and a live type (listening-port-new): the baseline is the
 * first snapshot, a live listener before it joins the baseline silently, one after it alerts
 * once (not again when the snapshot lists it), and another network namespace counts apart.
 */
static void test_new_value_live_and_snapshot(void **state)
{
	static const char rules[] =
		"{\"rules\":[{\"id\":\"port\",\"name\":\"n\",\"severity\":\"Medium\","
		"\"description\":\"d\",\"remediation\":\"r\","
		"\"events\":[\"ListeningPorts\",\"ListenerCreate\"],\"newValue\":{\"by\":["
		"\"Protocol\",\"LocalAddress\",\"LocalPort\",{\"label\":\"Namespace\","
		"\"optional\":true,\"firstOf\":[{\"field\":\"ExtraDetails.ContainerName\",\"when\":"
		"{\"field\":\"ExtraDetails.NetworkNamespace\",\"exists\":true}},"
		"{\"field\":\"ExtraDetails.NetworkNamespace\"}]}]}}]}";
	struct rig r;
	char key[128];

	(void)state;
	rig_init(&r, rules, NULL, NULL);
	/* before any snapshot: part of the baseline, and not the whole of it */
	feed(&r, 0, LISTENER("0.0.0.0", "80", "10", ""));
	assert_int_equal(r.cap.n, 0);
	feed(&r, 1, PORTS("0.0.0.0", "80")); /* the baseline: 22 and 80 */
	assert_int_equal(r.cap.n, 0);
	/* a listener that lives between two snapshots */
	feed(&r, 5, LISTENER("0.0.0.0", "4444", "11", ""));
	assert_int_equal(r.cap.n, 1);
	assert_true(alert_field(r.cap.alerts[0], AL_ALERT_KEY, key, sizeof(key)));
	assert_string_equal(key, "Protocol=tcp, LocalAddress=0.0.0.0, LocalPort=4444");
	assert_true(alert_field(r.cap.alerts[0], AL_PROCESS_ID, key, sizeof(key)));
	assert_string_equal(key, "11");
	/* the next snapshot lists it: no second alert; the port seen at baseline: none */
	feed(&r, 60, PORTS("0.0.0.0", "4444"));
	feed(&r, 61, LISTENER("0.0.0.0", "80", "12", ""));
	assert_int_equal(r.cap.n, 1);
	/* the same port in a container's network namespace is another listener */
	feed(&r, 62,
	     LISTENER("0.0.0.0", "80", "13",
		      ",\"ExtraDetails\":{\"NetworkNamespace\":\"net:[4026532001]\","
		      "\"ContainerName\":\"edgeHub\"}"));
	assert_int_equal(r.cap.n, 2);
	assert_true(alert_field(r.cap.alerts[1], AL_ALERT_KEY, key, sizeof(key)));
	assert_string_equal(key,
			    "Protocol=tcp, LocalAddress=0.0.0.0, LocalPort=80, Namespace=edgeHub");
	/* ... named by the container, so a restarted container (new namespace) is not new */
	feed(&r, 63,
	     LISTENER("0.0.0.0", "80", "14",
		      ",\"ExtraDetails\":{\"NetworkNamespace\":\"net:[4026532999]\","
		      "\"ContainerName\":\"edgeHub\"}"));
	feed(&r, 64,
	     LISTENER("0.0.0.0", "80", "15", ",\"ExtraDetails\":{\"ContainerName\":\"x\"}"));
	assert_int_equal(r.cap.n, 2);
	rig_done(&r);
}

static void test_state_caps_and_eviction(void **state)
{
	struct detect_settings s = { .trust_event_time = true, .max_state_entries = 100 };
	struct detect_stats st;
	struct rig r;
	char json[512];

	(void)state;
	rig_init(&r, threshold_rules, NULL, &s);
	for (int i = 0; i < 5000; i++) { /* a flood of distinct keys */
		snprintf(json, sizeof(json), LOGIN("Fail", "10.1.%d.%d"), i / 250, i % 250);
		feed(&r, i * 0.001, json);
	}
	detect_engine_get_stats(r.de, &st);
	assert_true(st.state_entries <= 100);
	assert_true(st.state_evicted >= 4900);
	assert_int_equal(r.cap.n, 0);
	/* a key that is still held keeps counting */
	feed(&r, 6, LOGIN("Fail", "10.9.9.9"));
	feed(&r, 7, LOGIN("Fail", "10.9.9.9"));
	feed(&r, 8, LOGIN("Fail", "10.9.9.9"));
	assert_int_equal(r.cap.n, 1);
	rig_done(&r);
}

static void test_overrides_and_disable(void **state)
{
	struct detect_ruleset *rs;
	struct detect_report rep = { 0 };
	struct detect_rule_info ri;
	struct rig r;

	(void)state;
	rs = load(threshold_rules,
		  "{\"bf\":{\"threshold\":7,\"window\":\"PT2M\",\"severity\":\"Critical\"},"
		  "\"nope\":{\"enabled\":false}}",
		  &rep);
	assert_int_equal(rep.n_errors, 0);
	assert_int_equal(rep.n_warnings, 1); /* no rule 'nope' */
	assert_string_equal(rep.warnings[0].file, "detectionRules");
	assert_int_equal(detect_ruleset_get(rs, 0, &ri), 0);
	assert_int_equal(ri.count, 7);
	assert_int_equal(ri.window_ms, 120000);
	assert_int_equal(ri.severity, DETECT_SEVERITY_CRITICAL);
	detect_ruleset_free(rs);

	rig_init(&r, threshold_rules, "{\"bf\":{\"enabled\":false}}", NULL);
	assert_false(detect_engine_wants(r.de, EVENT_LOGIN));
	for (int i = 0; i < 10; i++)
		feed(&r, i, LOGIN("Fail", "10.0.0.1"));
	assert_int_equal(r.cap.n, 0);
	rig_done(&r);
}

static void test_reload_keeps_state_of_unchanged_rules(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, threshold_rules, NULL, NULL);
	feed(&r, 0, LOGIN("Fail", "10.0.0.1"));
	feed(&r, 1, LOGIN("Fail", "10.0.0.1"));
	detect_engine_set_rules(r.de, load(threshold_rules, NULL, NULL)); /* same rule */
	feed(&r, 2, LOGIN("Fail", "10.0.0.1"));
	assert_int_equal(r.cap.n, 1);
	feed(&r, 10, LOGIN("Fail", "10.0.0.2"));
	feed(&r, 11, LOGIN("Fail", "10.0.0.2"));
	/* a changed threshold: the rule's state starts again */
	detect_engine_set_rules(r.de, load(threshold_rules, "{\"bf\":{\"threshold\":4}}", NULL));
	feed(&r, 12, LOGIN("Fail", "10.0.0.2"));
	feed(&r, 13, LOGIN("Fail", "10.0.0.2"));
	feed(&r, 14, LOGIN("Fail", "10.0.0.2"));
	assert_int_equal(r.cap.n, 1);
	feed(&r, 15, LOGIN("Fail", "10.0.0.2"));
	assert_int_equal(r.cap.n, 2);
	rig_done(&r);
}

/* A bad file is reported with its file, rule id and member, and skipped; the others load. */
static void test_bad_file_is_skipped_whole(void **state)
{
	static const char good[] =
		"{\"lists\":{\"names\":[\"a\",\"b\"]},\"rules\":[{\"id\":\"good\",\"name\":\"n\","
		"\"severity\":\"Low\",\"description\":\"d\",\"remediation\":\"r\",\"events\":["
		"\"ProcessCreate\"],\"match\":{\"field\":\"Executable\",\"transform\":\"basename\","
		"\"in\":\"@names\"}}]}";
	static const char bad[] =
		"{\"appendLists\":{\"names\":[\"c\"]},\"rules\":[{\"id\":\"ok-but-in-bad-file\","
		"\"name\":\"n\",\"severity\":\"Low\",\"description\":\"d\",\"remediation\":\"r\","
		"\"events\":[\"ProcessCreate\"],\"match\":{\"field\":\"Executable\",\"equals\":"
		"\"x\"}},"
		"{\"id\":\"broken\",\"name\":\"n\",\"severity\":\"Low\",\"description\":\"d\","
		"\"remediation\":\"r\",\"events\":[\"ProcessCreate\"],\"match\":{\"all\":[{"
		"\"field\":"
		"\"Exectuable\",\"equals\":\"x\"}]}}]}";
	static const char syntax[] = "{\"rules\": [\n  {\"id\": \"x\",,}\n]}";
	struct detect_source srcs[3] = {
		{ .name = "a.json", .data = good, .len = sizeof(good) - 1 },
		{ .name = "b.json", .data = bad, .len = sizeof(bad) - 1 },
		{ .name = "c.json", .data = syntax, .len = sizeof(syntax) - 1 },
	};
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	struct detect_rule_info ri;
	struct rig r;

	(void)state;
	assert_int_equal(detect_ruleset_load(srcs, 3, NULL, &rs, &rep), 0);
	assert_int_equal(rep.n_errors, 2);
	assert_int_equal(rep.files_loaded, 1);
	assert_int_equal(rep.files_skipped, 2);
	assert_string_equal(rep.errors[0].file, "c.json");
	assert_int_equal(rep.errors[0].line, 2);
	assert_string_equal(rep.errors[1].file, "b.json");
	assert_string_equal(rep.errors[1].rule_id, "broken");
	assert_string_equal(rep.errors[1].pointer, "/rules/1/match/all/0/field");
	assert_non_null(strstr(rep.errors[1].message, "Exectuable"));
	assert_int_equal(detect_ruleset_count(rs), 1);
	assert_int_equal(detect_ruleset_get(rs, 0, &ri), 0);
	assert_string_equal(ri.id, "good");

	/* the list is as a.json made it: b.json's append went with b.json */
	memset(&r, 0, sizeof(r));
	r.cap.sink.submit = capture_submit;
	assert_int_equal(detect_engine_new(&(struct detect_settings){ .trust_event_time = true },
					   &r.cap.sink, &r.de),
			 0);
	detect_engine_set_rules(r.de, rs);
	event_builder_init(&r.b);
	feed(&r, 0, EXEC("/bin/c", "c"));
	assert_int_equal(r.cap.n, 0);
	feed(&r, 1, EXEC("/bin/b", "b"));
	assert_int_equal(r.cap.n, 1);
	rig_done(&r);
}

static void expect_error(const char *doc, const char *pointer, const char *words)
{
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = load(doc, NULL, &rep);

	if (rep.n_errors != 1 || strcmp(rep.errors[0].pointer, pointer) != 0 ||
	    !strstr(rep.errors[0].message, words))
		fail_msg("%s: got %u errors, first at '%s': %s", doc, rep.n_errors,
			 rep.n_errors ? rep.errors[0].pointer : "",
			 rep.n_errors ? rep.errors[0].message : "");
	assert_int_equal(detect_ruleset_count(rs), 0);
	detect_ruleset_free(rs);
}

#define RULE(rest)                                                                                 \
	"{\"rules\":[{\"id\":\"r\",\"name\":\"n\",\"severity\":\"Low\",\"description\":\"d\","     \
	"\"remediation\":\"r\"," rest "}]}"

static void test_rule_errors(void **state)
{
	(void)state;
	expect_error(RULE("\"events\":[\"Nope\"],\"match\":{\"field\":\"Executable\",\"equals\":"
			  "\"x\"}"),
		     "/rules/0/events/0", "not an event name");
	expect_error(RULE("\"events\":[\"Alert\"]"), "/rules/0/events/0", "not an event name");
	expect_error(RULE("\"events\":[\"Login\"],\"match\":{\"field\":\"Executable\","
			  "\"equals\":\"x\",\"prefix\":\"y\"}"),
		     "/rules/0/match/prefix", "one operator");
	expect_error(RULE("\"events\":[\"Login\"],\"match\":{\"field\":\"Args\",\"equals\":\"x\"}"),
		     "/rules/0/match/field", "not a field of any event type");
	expect_error(RULE("\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"in\":\"@no\"}"),
		     "/rules/0/match/in", "no list named");
	expect_error(RULE("\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"glob\":"
			  "\"*a*b*c*d*e*f*g*h*i*\"}"),
		     "/rules/0/match/glob", "at most");
	expect_error(RULE("\"events\":[\"Login\"],\"threshold\":{\"count\":1,\"window\":\"PT1M\","
			  "\"by\":[\"RemoteAddress\"]}"),
		     "/rules/0/threshold/count", "integer from 2");
	expect_error(RULE("\"events\":[\"Login\"],\"threshold\":{\"count\":3,\"window\":\"1 min\","
			  "\"by\":[\"RemoteAddress\"]}"),
		     "/rules/0/threshold/window", "ISO-8601");
	expect_error(RULE("\"events\":[\"Login\"],\"techinque\":\"T1\""), "/rules/0/techinque",
		     "unknown member");
	expect_error(RULE("\"events\":[\"Login\"],\"technique\":\"1059\""), "/rules/0/technique",
		     "ATT&CK");
	expect_error("{\"rules\":[{\"id\":\"bad id!\"}]}", "/rules/0/id", "required");
	expect_error("{\"edgesecRules\":2,\"rules\":[]}", "/edgesecRules", "format 1");
	expect_error(RULE("\"sequence\":{\"window\":\"PT1M\",\"steps\":[{\"events\":[\"Login\"]},"
			  "{\"events\":[\"Login\"]}]}"),
		     "/rules/0/sequence", "needs \"by\"");
	expect_error(RULE("\"events\":[\"ProcessCreate\"],\"match\":{\"field\":\"Executable\","
			  "\"regex\":\"(a\"}"),
		     "/rules/0/match/regex", "offset");
	expect_error(RULE("\"events\":[\"ProcessCreate\"],\"match\":{\"field\":\"Executable\","
			  "\"regex\":\"((((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))"
			  ")))))))))\"}"),
		     "/rules/0/match/regex", "");
}

/* Nesting beyond the limit is an error, not a stack overflow. */
static void test_deep_nesting(void **state)
{
	struct buf b;
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b,
		 "{\"rules\":[{\"id\":\"r\",\"name\":\"n\",\"severity\":\"Low\",\"description\":"
		 "\"d\",\"remediation\":\"r\",\"events\":[\"Login\"],\"match\":");
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "{\"not\":");
	buf_puts(&b, "{\"field\":\"Result\",\"equals\":\"x\"}");
	for (int i = 0; i < 200; i++)
		buf_putc(&b, '}');
	buf_puts(&b, "}]}");
	rs = load(b.data, NULL, &rep);
	assert_int_equal(rep.n_errors, 1);
	assert_non_null(strstr(rep.errors[0].message, "nested deeper"));
	detect_ruleset_free(rs);
	buf_done(&b);
}

/* A user rule with a shipped rule's id replaces it; overrides in a file apply. */
static void test_user_file_overrides_shipped(void **state)
{
	static const char user[] =
		"{\"overrides\":{\"netcat-listener\":{\"enabled\":false}},\"appendLists\":{"
		"\"attack-tools\":[\"mytool\"]},\"rules\":[{\"id\":\"exec-temp-dir\",\"name\":"
		"\"mine\","
		"\"severity\":\"Low\",\"description\":\"d\",\"remediation\":\"r\",\"events\":["
		"\"ProcessCreate\"],\"match\":{\"field\":\"Executable\",\"equals\":\"/x\"}}]}";
	struct detect_source srcs[32];
	unsigned n = detect_builtin_count();
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	struct detect_rule_info ri;
	unsigned found = 0, shipped;

	(void)state;
	for (unsigned i = 0; i < n; i++)
		srcs[i] = *detect_builtin(i);
	assert_int_equal(detect_ruleset_load(srcs, n, NULL, &rs, &rep), 0);
	shipped = detect_ruleset_count(rs);
	detect_ruleset_free(rs);
	srcs[n] = (struct detect_source){ .name = "user.json", .data = user, .len = strlen(user) };
	assert_int_equal(detect_ruleset_load(srcs, n + 1, NULL, &rs, &rep), 0);
	assert_int_equal(rep.n_errors, 0);
	assert_int_equal(detect_ruleset_count(rs), shipped);
	for (unsigned i = 0; detect_ruleset_get(rs, i, &ri) == 0; i++) {
		if (strcmp(ri.id, "exec-temp-dir") == 0) {
			assert_string_equal(ri.name, "mine");
			assert_string_equal(ri.source, "user.json");
			found++;
		}
		if (strcmp(ri.id, "netcat-listener") == 0) {
			assert_false(ri.enabled);
			found++;
		}
	}
	assert_int_equal(found, 2);
	detect_ruleset_free(rs);
}

static int publish(void *userdata, const struct message *m)
{
	(void)userdata;
	(void)m;
	return 0;
}

/* In the pipeline: a type set to Off still reaches the rules, and counts as collected. */
static void test_pipeline_off_type_is_consumed(void **state)
{
	struct pipeline_settings s = { 0 };
	struct pipeline *pl;
	struct detect_engine *de;
	struct pipeline_stats st;
	struct detect_stats ds;
	struct replay_line in = { 0 };
	struct replay_error err;
	struct event_builder b;

	(void)state;
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		s.priority[t] = EVENT_PRIORITY_LOW;
	s.priority[EVENT_LOGIN] = EVENT_PRIORITY_OFF;
	s.priority[EVENT_ALERT] = EVENT_PRIORITY_HIGH;
	s.cache_budget_bytes = 1 << 22;
	s.max_message_bytes = 200000;
	s.aggregation_max_entries = 16;
	s.aggregation_max_bytes = 65536;
	pl = pipeline_new("0b6f4d5e-1c2a-4b3c-8d9e-0f1a2b3c4d5e", "0", &s, publish, NULL);
	assert_int_equal(detect_engine_new(&(struct detect_settings){ 0 }, pipeline_sink(pl), &de),
			 0);
	detect_engine_set_rules(de, load(threshold_rules, NULL, NULL));
	assert_int_equal(pipeline_add_observer(pl, detect_engine_observer(de)), 0);
	event_builder_init(&b);
	for (int i = 0; i < 3; i++)
		assert_int_equal(replay_parse_line(LOGIN("Fail", "10.0.0.1"),
						   strlen(LOGIN("Fail", "10.0.0.1")),
						   time_now_realtime_ns(), &b, &in, &err),
				 1);
	for (unsigned i = 0; i < in.n; i++) {
		event_sink_submit(pipeline_sink(pl), in.events[i]);
		in.events[i] = NULL;
	}
	pipeline_get_stats(pl, &st);
	assert_int_equal(st.consumed, 3);
	assert_int_equal(st.filtered, 0);
	assert_int_equal(st.high_events, 1); /* the Alert, queued High */
	detect_engine_get_stats(de, &ds);
	assert_int_equal(ds.alerts, 1);
	replay_line_done(&in);
	event_builder_done(&b);
	pipeline_free(pl);
	detect_engine_free(de);
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(detect_glob_match("*.sh", 4, "/tmp/a.sh", 9, false));
	assert_false(detect_glob_match("*.sh", 4, "/tmp/a.shx", 10, false));
	assert_true(detect_glob_match("-[!-]*l*", 8, "-vlp", 4, false));
	assert_false(detect_glob_match("-[!-]*l*", 8, "--ssl", 5, false));
	assert_true(detect_glob_match("[[]?*]", 6, "[kworker/0:1]", 13, false));
	assert_false(detect_glob_match("[[]?*]", 6, "[", 1, false));
	assert_true(detect_glob_match("*XMRIG*", 7, "img/xmrig:1", 11, true));
	assert_true(detect_glob_match("a\\*b", 4, "a*b", 3, false));
	assert_false(detect_glob_match("a\\*b", 4, "axb", 3, false));
	/* no explosion: a long subject against many stars is O(n·m) */
	{
		static char s[100001];

		memset(s, 'a', sizeof(s) - 1);
		assert_false(detect_glob_match("*a*a*a*a*a*a*a*b", 16, s, sizeof(s) - 1, false));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_window_and_key),
		cmocka_unit_test(test_dedup_repeats_and_summary),
		cmocka_unit_test(test_rate_suppression),
		cmocka_unit_test(test_sequence_order_and_window),
		cmocka_unit_test(test_sequence_unordered_and_capture_key),
		cmocka_unit_test(test_regex_key_and_condition),
		cmocka_unit_test(test_new_value_baseline),
		cmocka_unit_test(test_new_value_live_and_snapshot),
		cmocka_unit_test(test_state_caps_and_eviction),
		cmocka_unit_test(test_overrides_and_disable),
		cmocka_unit_test(test_reload_keeps_state_of_unchanged_rules),
		cmocka_unit_test(test_bad_file_is_skipped_whole),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_user_file_overrides_shipped),
		cmocka_unit_test(test_pipeline_off_type_is_consumed),
		cmocka_unit_test(test_glob),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
