/* SPDX-License-Identifier: MIT */
/*
 * The report model and renderers: lines that are not messages are skipped and counted; the
 * latest periodic snapshot wins and a snapshot split over messages is merged; DriftAlert items
 * merge by (Kind, Module, Setting); alerts keep the most recent REPORT_ALERTS_MAX; the posture
 * score; HTML escaping of hostile strings (no element, no attribute can be injected), the
 * page's shape (CSP, no script, no src/href); text without control characters; long strings
 * cut on a UTF-8 boundary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "report/report-int.h"

static void add(struct report_model *m, const char *line)
{
	assert_true(report_model_add_line(m, line, strlen(line)) >= 0);
}

/* One message with one event. */
static void add_event(struct report_model *m, const char *name, const char *ts, const char *payload)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(
		&b,
		"{\"AgentVersion\":\"0.1.0\",\"AgentId\":\"11111111-2222-4333-8444-555555555555\","
		"\"MessageSchemaVersion\":\"1.0\",\"Events\":[{\"Name\":\"%s\",\"TimestampUTC\":"
		"\"%s\",\"Payload\":%s}]}",
		name, ts, payload);
	assert_int_equal(report_model_add_line(m, b.data, b.len), 1);
	buf_done(&b);
}

static char *render(const struct report_model *m, bool html)
{
	struct report_options o = { .source = "<test>", .generated_ns = 1 };
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(html ? report_render_html(m, &o, &b) : report_render_text(m, &o, &b), 0);
	return buf_steal(&b, NULL);
}

static void test_skipped_lines(void **state)
{
	struct report_model *m;

	(void)state;
	assert_int_equal(report_model_new(&m), 0);
	assert_int_equal(report_model_add_line(m, "", 0), 0);
	assert_int_equal(report_model_add_line(m, "not json", 8), 0);
	assert_int_equal(report_model_add_line(m, "[1,2]", 5), 0);
	assert_int_equal(report_model_add_line(m, "{\"Events\":{}}", 13), 0);
	report_model_skip_line(m);
	assert_int_equal(report_model_messages(m), 0);
	assert_int_equal(m->skipped, 4); /* the blank line is not counted */
	assert_int_equal(m->lines, 5);
	/* Events that are not objects or lack a Name are ignored, the message still counts. */
	add(m, "{\"Events\":[1,{\"Payload\":[]},{\"Name\":5}]}");
	assert_int_equal(report_model_messages(m), 1);
	assert_int_equal(m->events, 0);
	report_model_free(m);
}

static void test_latest_snapshot(void **state)
{
	struct report_model *m;

	(void)state;
	assert_int_equal(report_model_new(&m), 0);
	add_event(m, "LocalUsers", "2026-01-01T00:00:00Z",
		  "[{\"UserName\":\"a\",\"UserId\":\"0\"},{\"UserName\":\"b\",\"UserId\":\"1\"}]");
	add_event(m, "LocalUsers", "2026-01-01T01:00:00.500Z",
		  "[{\"UserName\":\"c\",\"UserId\":2}]");
	/* the same snapshot split over two messages: appended */
	add_event(m, "LocalUsers", "2026-01-01T01:00:00.500Z", "[{\"UserName\":\"d\"}]");
	/* an older snapshot arriving late: ignored */
	add_event(m, "LocalUsers", "2025-12-31T23:00:00Z", "[{\"UserName\":\"old\"}]");
	assert_int_equal(m->t[REPORT_USERS].n, 2);
	assert_string_equal(report_table_row(&m->t[REPORT_USERS], 0)->f[US_NAME], "c");
	assert_string_equal(report_table_row(&m->t[REPORT_USERS], 0)->f[US_ID], "2");
	assert_string_equal(report_table_row(&m->t[REPORT_USERS], 1)->f[US_ID], "");
	assert_int_equal(m->first_ns, (1767225600ull - 3600) * 1000000000ull);
	assert_int_equal(m->last_ns, (1767225600ull + 3600) * 1000000000ull + 500000000ull);
	/* An empty periodic event empties the table. */
	add_event(m, "LocalUsers", "2026-01-02T00:00:00+01:00", "[]");
	assert_int_equal(m->t[REPORT_USERS].n, 0);
	assert_true(m->t[REPORT_USERS].seen);
	report_model_free(m);
}

static void test_findings_and_posture(void **state)
{
	struct report_model *m;
	struct report_posture p;

	(void)state;
	assert_int_equal(report_model_new(&m), 0);
	report_posture_compute(m, &p);
	assert_int_equal(p.score, -1);
	add_event(m, "OSBaseline", "2026-01-01T00:00:00Z",
		  "[{\"Severity\":\"Critical\",\"Result\":\"Fail\",\"ExtraDetails\":{\"CheckId\":"
		  "\"x\","
		  "\"Score\":\"70\"}}]");
	report_posture_compute(m, &p);
	assert_int_equal(p.baseline, 70);
	assert_int_equal(p.containers, -1);
	assert_int_equal(p.score, 70);
	add_event(m, "Recommendation", "2026-01-01T00:00:00Z",
		  "[{\"RuleId\":\"EDGE001\",\"Severity\":\"Critical\"},"
		  "{\"RuleId\":\"EDGE005\",\"Severity\":\"medium\"}]");
	add_event(m, "DriftAlert", "2026-01-01T00:01:00Z",
		  "[{\"Kind\":\"Capability\",\"Module\":\"m\",\"Setting\":\"SYS_ADMIN\","
		  "\"Severity\":\"High\"}]");
	add_event(m, "DriftAlert", "2026-01-01T00:02:00Z",
		  "[{\"Kind\":\"Capability\",\"Module\":\"m\",\"Setting\":\"SYS_ADMIN\","
		  "\"Severity\":\"High\"},{\"Kind\":\"Capability\",\"Module\":\"n\","
		  "\"Setting\":\"SYS_ADMIN\",\"Severity\":\"Low\"}]");
	assert_int_equal(m->t[REPORT_DRIFT].n, 2);
	assert_int_equal(m->t[REPORT_DRIFT].rows[0].count, 2);
	report_posture_compute(m, &p);
	assert_int_equal(p.containers, 100 - 25 - 4 - 10 - 1);
	assert_int_equal(p.score, (70 + 60) / 2);
	/* A baseline without a Score (an older agent) is unknown; an empty one is 100. */
	add_event(m, "OSBaseline", "2026-01-02T00:00:00Z", "[{\"Severity\":\"Warning\"}]");
	assert_int_equal(report_baseline_score(m), -1);
	add_event(m, "OSBaseline", "2026-01-03T00:00:00Z", "[]");
	assert_int_equal(report_baseline_score(m), 100);
	/* Many findings: the container part stops at 0. */
	for (int i = 0; i < 10; i++) {
		char p2[128];

		snprintf(p2, sizeof(p2),
			 "[{\"Kind\":\"Device\",\"Module\":\"m%d\",\"Setting\":\"x\","
			 "\"Severity\":\"Critical\"}]",
			 i);
		add_event(m, "DriftAlert", "2026-01-03T00:00:00Z", p2);
	}
	report_posture_compute(m, &p);
	assert_int_equal(p.containers, 0);
	assert_int_equal(p.score, 50);
	report_model_free(m);
}

/* Host posture items live until Resolved; container Recommendations are replaced per module and
 * dropped when a newer ContainerInventory shows they are no longer current. */
static void test_recommendation_states(void **state)
{
	struct report_model *m;
	struct report_posture p;
	const struct report_table *h, *c;

	(void)state;
	assert_int_equal(report_model_new(&m), 0);
	h = &m->t[REPORT_HOST];
	c = &m->t[REPORT_RECOMMENDATIONS];
	add_event(m, "Recommendation", "2026-01-01T00:00:00Z",
		  "[{\"RuleId\":\"HOST001\",\"Severity\":\"Medium\",\"Module\":\"host\","
		  "\"Path\":\"/ports/tcp/"
		  "22\",\"Message\":\"a\",\"ExtraDetails\":{\"Status\":\"New\"}},"
		  "{\"RuleId\":\"HOST005\",\"Severity\":\"Medium\",\"Module\":\"host\","
		  "\"Path\":\"/baseline\",\"ExtraDetails\":{\"Status\":\"New\"}},"
		  "{\"RuleId\":\"HOST002\",\"Severity\":\"High\",\"Module\":\"host\","
		  "\"Path\":\"/firewall/policy/input\",\"ExtraDetails\":{\"Status\":\"New\"}}]");
	assert_int_equal(h->n, 3);
	assert_false(c->seen); /* host items are not container data */
	add_event(m, "Recommendation", "2026-01-01T00:10:00Z",
		  "[{\"RuleId\":\"HOST001\",\"Severity\":\"Medium\",\"Module\":\"host\","
		  "\"Path\":\"/ports/tcp/"
		  "22\",\"Message\":\"b\",\"ExtraDetails\":{\"Status\":\"Changed\"}},"
		  "{\"RuleId\":\"HOST002\",\"Module\":\"host\",\"Path\":\"/firewall/policy/input\","
		  "\"ExtraDetails\":{\"Status\":\"Resolved\"}}]");
	assert_int_equal(h->n, 2);
	assert_string_equal(report_table_row(h, 1)->f[HO_MESSAGE], "b");
	report_posture_compute(m, &p);
	assert_int_equal(p.host, 96); /* HOST001 Medium; HOST005 is the baseline part */
	assert_int_equal(p.containers, -1);
	assert_int_equal(p.score, 96);

	/* A full analysis, then one container re-judged, then a snapshot without findings. */
	add_event(m, "Recommendation", "2026-01-01T01:00:00Z",
		  "[{\"RuleId\":\"EDGE001\",\"Severity\":\"Critical\",\"Module\":\"a\"},"
		  "{\"RuleId\":\"EDGE005\",\"Severity\":\"High\",\"Module\":\"a\"},"
		  "{\"RuleId\":\"EDGE023\",\"Severity\":\"Low\",\"Module\":\"b\"}]");
	assert_int_equal(c->n, 3);
	add_event(m, "Recommendation", "2026-01-01T01:05:00Z",
		  "[{\"RuleId\":\"EDGE023\",\"Severity\":\"Low\",\"Module\":\"a\"}]");
	assert_int_equal(c->n, 2); /* a's two replaced by one; b kept */
	report_posture_compute(m, &p);
	assert_int_equal(p.containers, 98);
	add_event(m, "ContainerInventory", "2026-01-01T02:00:00Z",
		  "[{\"ContainerName\":\"a\"},{\"ContainerName\":\"b\"}]");
	assert_int_equal(c->n, 0);
	report_posture_compute(m, &p);
	assert_int_equal(p.containers, 100);
	/* The same snapshot's Recommendation after its inventory is kept. */
	add_event(m, "Recommendation", "2026-01-01T02:00:00Z",
		  "[{\"RuleId\":\"EDGE001\",\"Severity\":\"Critical\",\"Module\":\"b\"}]");
	add_event(m, "ContainerInventory", "2026-01-01T02:00:00Z", "[{\"ContainerName\":\"b\"}]");
	assert_int_equal(c->n, 1);
	report_model_free(m);
}

static void test_alert_ring(void **state)
{
	struct report_model *m;
	const struct report_table *t;
	char payload[96];

	(void)state;
	assert_int_equal(report_model_new(&m), 0);
	for (unsigned i = 0; i < REPORT_ALERTS_MAX + 5; i++) {
		snprintf(payload, sizeof(payload), "[{\"RuleId\":\"R%u\",\"Severity\":\"High\"}]",
			 i);
		add_event(m, "Alert", "2026-01-01T00:00:00Z", payload);
	}
	t = &m->t[REPORT_ALERTS];
	assert_int_equal(t->n, REPORT_ALERTS_MAX);
	assert_int_equal(t->dropped, 5);
	assert_string_equal(report_table_row(t, 0)->f[AL_RULE_ID], "R5");
	snprintf(payload, sizeof(payload), "R%u", REPORT_ALERTS_MAX + 4);
	assert_string_equal(report_table_row(t, REPORT_ALERTS_MAX - 1)->f[AL_RULE_ID], payload);
	assert_null(report_table_row(t, REPORT_ALERTS_MAX));
	report_model_free(m);
}

static void test_html_escaping(void **state)
{
	static const char *const injected[] = { "<script",	   "<img",
						"<b>bold",	   "onerror=\"",
						"</title><script", "<svg onload" };
	struct report_model *m;
	char *html, *text;

	(void)state;
	assert_int_equal(report_model_new(&m), 0);
	add_event(m, "SystemInformation", "2026-01-01T00:00:00Z",
		  "[{\"HostName\":\"h</title><script>alert(1)</script>\",\"OSVersion\":"
		  "\"<svg onload=alert(1)>\"}]");
	add_event(
		m, "Alert", "2026-01-01T00:00:01Z",
		"[{\"RuleId\":\"R\\u0007\",\"RuleName\":\"<b>bold</b>\",\"Severity\":\"Critical\","
		"\"Evidence\":{\"cmd\":\"sh -c '<script>x</script>'\"},\"ContainerName\":"
		"\"<img src=x onerror=\\\"alert(1)\\\">\",\"Description\":\"a & b \\u001b[31m\"}]");
	add_event(
		m, "Recommendation", "2026-01-01T00:00:00Z",
		"[{\"RuleId\":\"E\",\"Severity\":\"High\",\"Module\":\"\\\" onmouseover=\\\"x\"}]");
	html = render(m, true);
	for (size_t i = 0; i < ARRAY_SIZE(injected); i++)
		if (strstr(html, injected[i]))
			fail_msg("'%s' reached the page", injected[i]);
	assert_non_null(strstr(html, "h&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
	assert_non_null(strstr(html, "&quot; onmouseover=&quot;x"));
	assert_non_null(strstr(html, "a &amp; b \xef\xbf\xbd[31m"));
	/* JSON evidence is shown as compact JSON text. */
	assert_non_null(strstr(html, "{&quot;cmd&quot;:&quot;sh -c &#39;&lt;script&gt;"));
	assert_non_null(strstr(html, "default-src 'none'"));
	/* Outside text ('<' never appears in escaped text), no src/href/on... attribute. */
	for (const char *lt = strchr(html, '<'); lt; lt = strchr(lt + 1, '<')) {
		const char *gt = strchr(lt, '>');
		char tag[1024];

		assert_non_null(gt);
		snprintf(tag, sizeof(tag), "%.*s", (int)(gt - lt + 1), lt);
		if (strstr(tag, " src=") || strstr(tag, " href=") || strstr(tag, " on"))
			fail_msg("tag with an external or active attribute: %s", tag);
	}
	assert_null(strstr(html, "\x1b"));
	text = render(m, false);
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n')
			fail_msg("control character 0x%02x in the text", *c);
	assert_non_null(strstr(text, "<img src=x onerror=\"alert(1)\">"));
	es_free(text);
	es_free(html);
	report_model_free(m);
}

static void test_long_strings(void **state)
{
	struct report_model *m;
	struct buf b;
	const char *f;

	(void)state;
	assert_int_equal(report_model_new(&m), 0);
	buf_init(&b, 0);
	buf_puts(&b, "[{\"RuleId\":\"");
	for (int i = 0; i < REPORT_STRING_MAX; i++)
		buf_puts(&b, i == REPORT_STRING_MAX - 1 ? "\xc3\xa9" : "a"); /* é across the cap */
	buf_puts(&b, "\"}]");
	add_event(m, "Alert", "2026-01-01T00:00:00Z", b.data);
	f = report_table_row(&m->t[REPORT_ALERTS], 0)->f[AL_RULE_ID];
	assert_int_equal(strlen(f), REPORT_STRING_MAX - 1 + 3);
	assert_memory_equal(f + REPORT_STRING_MAX - 1, "\xe2\x80\xa6", 4);
	buf_done(&b);
	/* A malformed timestamp: the event counts, its time is unknown. */
	add_event(m, "Alert", "yesterday", "[{\"RuleId\":\"x\"}]");
	add_event(m, "Alert", "2026-13-01T00:00:00Z", "[{\"RuleId\":\"y\"}]");
	assert_int_equal(report_table_row(&m->t[REPORT_ALERTS], 1)->time_ns, 0);
	assert_int_equal(report_table_row(&m->t[REPORT_ALERTS], 2)->time_ns, 0);
	report_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skipped_lines),
		cmocka_unit_test(test_latest_snapshot),
		cmocka_unit_test(test_findings_and_posture),
		cmocka_unit_test(test_alert_ring),
		cmocka_unit_test(test_recommendation_states),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_long_strings),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
