/* SPDX-License-Identifier: MIT */
/*
 * Threshold and sequence windows kept across restarts (src/detect/detect-windows.c): the
 * record "window.<rule id>" read at start.
 *
 * Input: one selector byte, then the record.  'T' / 'S': the record of the threshold rule
 * "bf" (5 failures by RemoteAddress, PT5M) / the sequence rule "bs" (2 failures then a
 * success, PT15M), with the rule's signature, kind, steps and window put in place so the
 * parser gets past the header; 't' / 's': the same rules, the record as it is.  The engine
 * restores it at the record's own save time (so its windows are live).  Then:
 *   - a record refused leaves no entry of the rule and is removed from the store, and one
 *     issue is noted; a record of another definition is removed, no issue;
 *   - a record restored saves back to one that restores to as many entries;
 *   - a failure (and a success) from 192.0.2.7 then runs the rules over the restored
 *     progress: every Alert's Evidence must be valid JSON (restored evidence goes into it).
 * Nothing allocated may stay allocated.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/alloc.h"
#include "common/json_read.h"
#include "common/persist.h"
#include "detect/detect-engine.h"
#include "detect/detect.h"
#include "replay/replay.h"

static const char rules[] =
	"{\"rules\":[{\"id\":\"bf\",\"name\":\"n\",\"severity\":\"Medium\",\"description\":\"d\","
	"\"remediation\":\"r\",\"events\":[\"Login\"],\"match\":{\"field\":\"Result\","
	"\"equals\":\"Fail\"},\"threshold\":{\"count\":5,\"window\":\"PT5M\",\"by\":["
	"\"RemoteAddress\"]}},"
	"{\"id\":\"bs\",\"name\":\"n\",\"severity\":\"High\",\"description\":\"d\","
	"\"remediation\":\"r\",\"sequence\":{\"window\":\"PT15M\",\"by\":[\"RemoteAddress\"],"
	"\"steps\":[{\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"equals\":\"Fail\"},"
	"\"count\":2},{\"events\":[\"Login\"],\"match\":{\"field\":\"Result\",\"equals\":"
	"\"Success\"}}]}}]}";

static void check_alert(struct event_sink *s, struct event *e)
{
	struct event_cursor c;
	struct event_value v;

	(void)s;
	event_cursor_init(&c, e);
	while (event_get_type(e) == EVENT_ALERT && event_cursor_next(&c, &v) == 1)
		if (v.kind == EVENT_VALUE_FIELD && v.field == AL_EVIDENCE) {
			cJSON *j = cJSON_ParseWithLength(v.s, v.len);

			if (!j || !cJSON_IsArray(j))
				abort();
			cJSON_Delete(j);
		}
	event_free(e);
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct engine {
	struct event_sink sink;
	struct detect_engine *de;
	struct persist *p;
};

static struct detect_ruleset *load(void)
{
	struct detect_source src = { .name = "f.json", .data = rules, .len = strlen(rules) };
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;

	if (detect_ruleset_load(&src, 1, NULL, &rs, &rep) < 0 || !rs || rep.n_errors)
		abort();
	return rs;
}

static void engine_start(struct engine *g, const char *key, const void *v, size_t len, uint64_t now)
{
	struct detect_settings s = { .trust_event_time = true };

	g->sink.submit = check_alert;
	if (persist_new(-1, PERSIST_FILE, 0, &g->p) < 0 || persist_put(g->p, key, v, len) < 0 ||
	    detect_engine_new(&s, &g->sink, &g->de) < 0)
		abort();
	detect_engine_set_persist_at(g->de, g->p, now);
	detect_engine_set_rules(g->de, load());
}

static void engine_stop(struct engine *g)
{
	detect_engine_free(g->de);
	persist_free(g->p);
}

static void login(struct engine *g, uint64_t t, const char *result)
{
	struct event_builder b;
	struct replay_line in = { 0 };
	struct replay_error err = { { 0 } };
	char json[256];
	int n = snprintf(json, sizeof(json),
			 "{\"Name\":\"Login\",\"Payload\":{\"ProcessId\":1,\"UserName\":\"pi\","
			 "\"Operation\":\"x\",\"Executable\":\"/usr/sbin/sshd\",\"RemoteAddress\":"
			 "\"192.0.2.7\",\"Result\":\"%s\"}}",
			 result);

	event_builder_init(&b);
	if (replay_parse_line(json, (size_t)n, t, &b, &in, &err) != 1)
		abort();
	detect_engine_observe(g->de, in.events[0], t);
	replay_line_done(&in);
	event_builder_done(&b);
}

static void run(const uint8_t *rec, size_t len, const char *key, uint64_t now)
{
	struct detect_persist_issue is[DETECT_PERSIST_ISSUES_MAX];
	struct detect_stats st, st2;
	struct engine g, g2;
	const void *back;
	size_t back_len;
	unsigned n_issues;

	engine_start(&g, key, rec, len, now);
	detect_engine_get_stats(g.de, &st);
	n_issues = detect_engine_take_persist_issues(g.de, is, DETECT_PERSIST_ISSUES_MAX);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "restored %llu expired %llu stale %llu refused %llu %s\n",
			(unsigned long long)st.persist_restored,
			(unsigned long long)st.persist_expired,
			(unsigned long long)st.persist_stale,
			(unsigned long long)st.persist_refused, n_issues ? is[0].message : "");
	if (st.persist_refused != n_issues || n_issues > 1)
		abort();
	if (st.persist_refused || st.persist_stale) {
		if (st.state_entries || persist_get(g.p, key, &back, &back_len) == 0)
			abort();
	} else if (st.persist_restored && !st.state_evicted) {
		/* restored: saved again (the same latest time), restores the same */
		detect_engine_tick(g.de, now);
		(void)detect_engine_save(g.de);
		if (persist_get(g.p, key, &back, &back_len) < 0)
			abort();
		engine_start(&g2, key, back, back_len, now);
		detect_engine_get_stats(g2.de, &st2);
		if (st2.persist_refused || st2.persist_restored != st.state_entries)
			abort();
		engine_stop(&g2);
	}
	login(&g, now ? now : 1, "Fail");
	login(&g, now ? now : 1, "Success");
	engine_stop(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t before;
	uint8_t *rec;
	uint64_t sig = 0, now = 1;
	bool threshold, fix;
	struct detect_ruleset *rs;

	if (size < 1)
		return 0;
	json_read_init();
	before = es_alloc_in_use();
	threshold = data[0] == 'T' || data[0] == 't';
	fix = data[0] == 'T' || data[0] == 'S';
	rec = es_malloc(size);
	if (!rec)
		abort();
	memcpy(rec, data + 1, size - 1);
	rs = load();
	sig = rs->rules[threshold ? 0 : 1]->signature;
	if (fix && size - 1 >= 20) {
		put_le(rec + 2, sig, 8);
		rec[10] = threshold ? 1 : 2;
		rec[11] = threshold ? 1 : 2;
		put_le(rec + 12, threshold ? 5 * 60 * 1000 : 15 * 60 * 1000, 8);
	}
	if (size - 1 >= 28)
		now = get_le(rec + 20, 8);
	detect_ruleset_free(rs);
	run(rec, size - 1, threshold ? "window.bf" : "window.bs", now);
	es_free(rec);
	if (es_alloc_in_use() != before)
		abort();
	return 0;
}
