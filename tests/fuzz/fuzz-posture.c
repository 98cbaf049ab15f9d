/* SPDX-License-Identifier: MIT */
/*
 * Host posture (analyze/posture.c and the firewall field parsers in posture-fw-parse.c):
 * any field text in any input event must yield Recommendation events that serialize to
 * valid JSON, with every item's Path in JSON-pointer form, and never crash or hang.
 *
 * Input: lines; the first byte says what the rest ('|'-separated fields) is:
 *   F family|table|chain|hook|action|verdict|proto|saddr|daddr|sport|dport|unmapped|policy
 *   P address|port|protocol|process|exe|uid
 *   B checkid|result|severity
 *   M sent|under4k
 *   A allowed-ports setting
 *   E evaluate (the rest: '4' IPv4 forwarding, '6' IPv6 forwarding, 'x' no IPv6)
 * Consecutive F (P, B) lines form one FirewallConfiguration (ListeningPorts, OSBaseline)
 * event; a different line ends it.  Everything is evaluated once more at the end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analyze/posture.h"
#include "common/json_write.h"
#include "pipeline/format.h"

#define FIELDS_MAX 13
#define FIELD_LEN 600

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_submit(struct event_sink *sink, struct event *e)
{
	struct event_cursor c;
	struct event_value v;
	struct buf out;
	struct jw w;
	cJSON *json;

	(void)sink;
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v))
		if (v.kind == EVENT_VALUE_FIELD && v.field == REC_PATH && v.len && v.s[0] != '/')
			abort();
	buf_init(&out, 64u << 20);
	jw_init(&w, &out);
	event_format(e, &w);
	if (out.failed)
		abort();
	json = cJSON_ParseWithLength(out.data, out.len);
	if (!json)
		abort();
	cJSON_Delete(json);
	buf_done(&out);
	event_free(e);
}

struct line {
	char kind;
	unsigned n;
	char f[FIELDS_MAX][FIELD_LEN];
};

static void split(const char *s, size_t len, struct line *l)
{
	memset(l, 0, sizeof(*l));
	l->kind = len ? s[0] : 0;
	l->n = 1;
	for (size_t i = 1, o = 0; i < len; i++) {
		if (s[i] == '|' && l->n < FIELDS_MAX) {
			l->n++;
			o = 0;
		} else if (o + 1 < FIELD_LEN) {
			l->f[l->n - 1][o++] = s[i];
		}
	}
}

static void add_line(struct event_builder *b, const struct line *l)
{
	event_builder_item(b);
	switch (l->kind) {
	case 'F':
		event_add_int(b, FW_PRIORITY, 0);
		event_add_cstr(b, FW_CHAIN_NAME, l->f[2]);
		event_add_bool(b, FW_ENABLED, true);
		event_add_cstr(b, FW_ACTION, l->f[4][0] ? l->f[4] : "Other");
		event_add_cstr(b, FW_PROTOCOL, l->f[6]);
		event_add_cstr(b, FW_SOURCE_ADDRESS, l->f[7]);
		event_add_cstr(b, FW_DESTINATION_ADDRESS, l->f[8]);
		event_add_cstr(b, FW_SOURCE_PORT, l->f[9]);
		event_add_cstr(b, FW_DESTINATION_PORT, l->f[10]);
		event_add_extra_cstr(b, "Family", l->f[0]);
		event_add_extra_cstr(b, "Table", l->f[1]);
		event_add_extra_cstr(b, "Hook", l->f[3]);
		event_add_extra_cstr(b, "Verdict", l->f[5]);
		event_add_extra_cstr(b, "Unmapped", l->f[11]);
		event_add_extra_cstr(b, "Policy", l->f[12]);
		break;
	case 'P':
		event_add_cstr(b, LP_LOCAL_ADDRESS, l->f[0]);
		event_add_cstr(b, LP_LOCAL_PORT, l->f[1]);
		event_add_cstr(b, LP_PROTOCOL, l->f[2]);
		event_add_extra_cstr(b, "ProcessName", l->f[3]);
		event_add_extra_cstr(b, "Executable", l->f[4]);
		event_add_extra_cstr(b, "UserId", l->f[5]);
		break;
	default:
		event_add_cstr(b, OSB_DESCRIPTION, "d");
		event_add_cstr(b, OSB_CCE_ID, "");
		event_add_cstr(b, OSB_RESULT, l->f[1]);
		event_add_cstr(b, OSB_ERROR, "");
		event_add_cstr(b, OSB_SEVERITY, l->f[2]);
		event_add_extra_cstr(b, "CheckId", l->f[0]);
		break;
	}
}

static void end_event(struct posture *p, struct event_builder *b, char *open)
{
	struct event *e;

	if (*open && event_builder_finish(b, &e) == 0) {
		posture_observe(p, e);
		event_free(e);
	}
	*open = 0;
}

static void control_line(struct posture *p, const struct line *l, uint64_t *t)
{
	struct posture_settings s = { .allowed_ports = l->f[0], .hub_output = true };
	struct posture_host h = { .known = true };
	struct event_builder b;
	struct event *e;

	*t += 3600ull * 1000000000ull;
	if (l->kind == 'A') {
		for (int r = 0; r < _POSTURE_RULE_MAX; r++)
			s.enabled[r] = true;
		(void)posture_configure(p, &s, NULL, 0);
	} else if (l->kind == 'M') {
		event_builder_init(&b);
		event_builder_begin(&b, EVENT_MESSAGE_STATISTICS, *t);
		event_builder_item(&b);
		event_add_int(&b, MS_MESSAGES_SENT, strtoll(l->f[0], NULL, 10));
		event_add_int(&b, MS_MESSAGES_UNDER_4KB, strtoll(l->f[1], NULL, 10));
		event_add_int(&b, MS_TOTAL_FAILED, 0);
		if (event_builder_finish(&b, &e) == 0) {
			posture_observe(p, e);
			event_free(e);
		}
		event_builder_done(&b);
	} else if (l->kind == 'E') {
		h.ipv4_forwarding = strchr(l->f[0], '4') != NULL;
		h.ipv6_forwarding = strchr(l->f[0], '6') != NULL;
		h.ipv6_disabled = strchr(l->f[0], 'x') != NULL;
		posture_evaluate(p, *t, &h);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum event_type types[] = { ['F'] = EVENT_FIREWALL_CONFIGURATION,
						 ['P'] = EVENT_LISTENING_PORTS,
						 ['B'] = EVENT_OS_BASELINE };
	struct event_sink sink = { .submit = check_submit };
	struct posture *p = posture_new(&sink);
	struct posture_settings s = { .hub_output = true };
	struct event_builder b;
	struct line *l = malloc(sizeof(*l));
	const char *d = (const char *)data, *end = d + size;
	uint64_t t = 0;
	char open = 0;

	if (!p || !l)
		abort();
	for (int r = 0; r < _POSTURE_RULE_MAX; r++)
		s.enabled[r] = true;
	(void)posture_configure(p, &s, NULL, 0);
	event_builder_init(&b);
	while (d < end) {
		const char *nl = memchr(d, '\n', (size_t)(end - d));
		size_t len = nl ? (size_t)(nl - d) : (size_t)(end - d);

		split(d, len, l);
		d += len + (nl != NULL);
		if (l->kind != open)
			end_event(p, &b, &open);
		if (l->kind == 'F' || l->kind == 'P' || l->kind == 'B') {
			if (!open) {
				event_builder_begin(&b, types[(unsigned char)l->kind], 1);
				open = l->kind;
			}
			add_line(&b, l);
		} else {
			control_line(p, l, &t);
		}
	}
	end_event(p, &b, &open);
	posture_evaluate(p, t + 1, NULL);
	event_builder_done(&b);
	posture_free(p);
	free(l);
	return 0;
}
