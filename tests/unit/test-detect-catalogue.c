/* SPDX-License-Identifier: MIT */
/*
 * The shipped catalogue against its cases (tests/detect/catalogue-cases.json): every rule
 * fires on each of its "fires" scenarios and stays quiet on each of its near-miss "quiet"
 * scenarios.  Each scenario runs on a fresh engine with the shipped rules, its events going
 * through the replay reader (as `edgesec run --replay` does).  Every shipped rule must have
 * both kinds of cases, so a rule added without a test fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/json_read.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "replay/replay.h"

#include "alert-capture.h"

#define BASE_NS (1767225600ull * NSEC_PER_SEC) /* 2026-01-01T00:00:00Z */

static struct detect_ruleset *shipped(void)
{
	struct detect_source srcs[32];
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	unsigned n = detect_builtin_count();

	assert_true(n > 0 && n <= 32);
	for (unsigned i = 0; i < n; i++)
		srcs[i] = *detect_builtin(i);
	assert_int_equal(detect_ruleset_load(srcs, n, NULL, &rs, &rep), 0);
	if (rep.n_errors) {
		char line[1024];

		detect_issue_format(&rep.errors[0], line, sizeof(line));
		fail_msg("the shipped rules do not compile: %s", line);
	}
	assert_int_equal(rep.n_warnings, 0);
	return rs;
}

/* One case event → one JSON line the replay reader takes ("t" becomes TimestampUTC). */
static char *event_line(const cJSON *ev)
{
	cJSON *copy = cJSON_Duplicate(ev, true);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(copy, "t");
	char ts[TIMESTAMP_STR_MAX];
	char *line;

	assert_non_null(copy);
	time_format_utc(BASE_NS + (uint64_t)(cJSON_IsNumber(t) ? t->valuedouble : 0) * NSEC_PER_SEC,
			ts);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "t");
	cJSON_AddStringToObject(copy, "TimestampUTC", ts);
	line = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	return line;
}

/* Runs one scenario; returns how many alerts of rule_id it raised (alerts stay in c). */
static unsigned run_scenario(const cJSON *scenario, const char *rule_id, struct capture *c)
{
	struct detect_settings s = { .trust_event_time = true };
	struct detect_engine *de;
	struct event_builder b;
	const cJSON *ev;
	uint64_t last = BASE_NS;
	unsigned hits = 0;

	assert_int_equal(detect_engine_new(&s, &c->sink, &de), 0);
	detect_engine_set_rules(de, shipped());
	event_builder_init(&b);
	cJSON_ArrayForEach(ev, scenario) {
		struct replay_line in = { 0 };
		struct replay_error err = { { 0 } };
		char *line = event_line(ev);

		if (replay_parse_line(line, strlen(line), 0, &b, &in, &err) != 1)
			fail_msg("%s: bad case event %s: %s", rule_id, line, err.message);
		last = event_get_time(in.events[0]);
		detect_engine_observe(de, in.events[0], last);
		replay_line_done(&in);
		es_free(line);
	}
	detect_engine_flush(de, last + 3600 * NSEC_PER_SEC);
	for (unsigned i = 0; i < c->n; i++) {
		char id[80];

		assert_true(alert_field(c->alerts[i], AL_RULE_ID, id, sizeof(id)));
		hits += strcmp(id, rule_id) == 0;
	}
	event_builder_done(&b);
	detect_engine_free(de);
	return hits;
}

static cJSON *load_cases(void)
{
	struct json_error err;
	char *data = NULL;
	size_t len = 0;
	cJSON *doc;

	assert_int_equal(read_file_capped(TEST_SOURCE_DIR "/tests/detect/catalogue-cases.json",
					  1 << 22, &data, &len),
			 0);
	doc = json_parse(data, len, &err);
	es_free(data);
	if (!doc)
		fail_msg("catalogue-cases.json: %s", err.message);
	return doc;
}

static void test_every_rule_fires_and_stays_quiet_on_near_misses(void **state)
{
	cJSON *doc = load_cases();
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases"), *cs;
	struct capture c = { .sink.submit = capture_submit };
	unsigned scenarios = 0;

	(void)state;
	cJSON_ArrayForEach(cs, cases) {
		const cJSON *sc;
		unsigned i = 0;

		cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(cs, "fires")) {
			if (run_scenario(sc, cs->string, &c) == 0)
				fail_msg("%s: no alert on its case 'fires' #%u", cs->string, i);
			capture_done(&c);
			i++;
			scenarios++;
		}
		i = 0;
		cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(cs, "quiet")) {
			if (run_scenario(sc, cs->string, &c) != 0)
				fail_msg("%s: an alert on its near-miss case 'quiet' #%u",
					 cs->string, i);
			capture_done(&c);
			i++;
			scenarios++;
		}
	}
	assert_true(scenarios > 100);
	cJSON_Delete(doc);
}

static void test_every_shipped_rule_has_cases(void **state)
{
	cJSON *doc = load_cases();
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
	struct detect_ruleset *rs = shipped();
	struct detect_rule_info ri;

	(void)state;
	for (unsigned i = 0; detect_ruleset_get(rs, i, &ri) == 0; i++) {
		const cJSON *cs = cJSON_GetObjectItemCaseSensitive(cases, ri.id);

		if (!cs || cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "fires")) < 1 ||
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "quiet")) < 1)
			fail_msg("shipped rule %s has no 'fires' and 'quiet' cases in "
				 "tests/detect/catalogue-cases.json",
				 ri.id);
		/* What docs/detection.md promises for every shipped rule. */
		assert_non_null(ri.technique);
		assert_non_null(ri.tactic);
		assert_non_null(ri.false_positives);
	}
	detect_ruleset_free(rs);
	cJSON_Delete(doc);
}

/* The alert of a reverse shell carries what an operator needs without looking elsewhere. */
static void test_alert_fields(void **state)
{
	static const char scenario[] =
		"[{\"Name\":\"ProcessCreate\",\"t\":1,\"Payload\":[{\"Executable\":\"/bin/bash\","
		"\"ProcessId\":77,\"ParentProcessId\":76,\"UserId\":\"33\",\"UserName\":\"www-"
		"data\","
		"\"CommandLine\":\"bash -i\",\"ExtraDetails\":{\"Stdin\":\"socket\",\"Stdout\":"
		"\"socket\",\"StdioRemote\":\"203.0.113.9:4444\",\"ContainerId\":\"" /* */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		"\"ContainerName\":\"web\",\"IotEdgeModule\":\"web\"}}]}]";
	struct capture c = { .sink.submit = capture_submit };
	cJSON *sc = cJSON_Parse(scenario);
	char v[4096];
	cJSON *ev;

	(void)state;
	assert_int_equal(run_scenario(sc, "reverse-shell-socket-stdio", &c), 1);
	assert_true(alert_field(c.alerts[0], AL_SEVERITY, v, sizeof(v)));
	assert_string_equal(v, "Critical");
	assert_true(alert_field(c.alerts[0], AL_TECHNIQUE, v, sizeof(v)));
	assert_string_equal(v, "T1059.004");
	assert_true(alert_field(c.alerts[0], AL_REMOTE_ADDRESS, v, sizeof(v)));
	assert_string_equal(v, "203.0.113.9");
	assert_true(alert_field(c.alerts[0], AL_MODULE, v, sizeof(v)));
	assert_string_equal(v, "web");
	assert_true(alert_field(c.alerts[0], AL_USER_NAME, v, sizeof(v)));
	assert_string_equal(v, "www-data");
	assert_true(alert_field(c.alerts[0], AL_CONTAINER_NAME, v, sizeof(v)));
	assert_true(alert_field(c.alerts[0], AL_FORGEABLE_EVIDENCE, v, sizeof(v)));
	assert_true(alert_field(c.alerts[0], AL_EVIDENCE, v, sizeof(v)));
	ev = cJSON_Parse(v);
	assert_non_null(ev);
	assert_int_equal(cJSON_GetArraySize(ev), 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "Name")->valuestring,
			    "ProcessCreate");
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "Fields"),
				    "ExtraDetails.StdioRemote")
			->valuestring,
		"203.0.113.9:4444");
	cJSON_Delete(ev);
	capture_done(&c);
	cJSON_Delete(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_shipped_rule_has_cases),
		cmocka_unit_test(test_every_rule_fires_and_stays_quiet_on_near_misses),
		cmocka_unit_test(test_alert_fields),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
