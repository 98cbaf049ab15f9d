/* SPDX-License-Identifier: MIT */
/*
 * Alert events and their evidence.  Runs only when a rule fired, never on the no-match path.
 *
 * Evidence: a JSON array; each element describes one triggering payload item:
 *   {"Name":"ProcessCreate","Id":"<event id>","Time":"<UTC>","Item":2,"Count":5,
 *    "Fields":{"Executable":"/dev/shm/x","ExtraDetails.Cwd":"/root",...}}
 * (Item only for events with several items; Count for a step that counted several events.)
 * Every value is cut at DETECT_EVIDENCE_VALUE_MAX bytes and one element at
 * DETECT_SNIPPET_MAX; JSON values (SecuritySettings) are left out.
 */
#include "detect-engine.h"

#include <errno.h>
#include <string.h>

#include "common/alloc.h"
#include "common/guid.h"
#include "common/json_write.h"
#include "common/timeutil.h"

static void put_value(struct jw *w, const char *s, size_t len)
{
	if (len > DETECT_EVIDENCE_VALUE_MAX) {
		struct buf tmp;

		buf_init(&tmp, 0);
		buf_append(&tmp, s, utf8_prefix_len(s, len, DETECT_EVIDENCE_VALUE_MAX));
		buf_puts(&tmp, "…");
		jw_str(w, tmp.data ? tmp.data : "", tmp.len);
		buf_done(&tmp);
		return;
	}
	jw_str(w, s, len);
}

int detect_snippet_build(const struct detect_view *v, uint32_t count, struct buf *out)
{
	const struct event_type_info *ti = event_type_info(v->type);
	struct event_cursor c = v->item_start;
	struct event_value val;
	char id[GUID_STR_LEN + 1], ts[TIMESTAMP_STR_MAX];
	uint8_t raw[16];
	struct jw w;

	buf_reset(out);
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_key_lit(&w, "Name");
	jw_cstr(&w, ti->name);
	event_get_id(v->e, raw);
	guid_format(raw, id);
	jw_key_lit(&w, "Id");
	jw_str(&w, id, GUID_STR_LEN);
	jw_key_lit(&w, "Time");
	jw_str(&w, ts, time_format_utc(event_get_time(v->e), ts));
	if (event_get_n_items(v->e) > 1) {
		jw_key_lit(&w, "Item");
		jw_uint(&w, v->item);
	}
	if (count > 1) {
		jw_key_lit(&w, "Count");
		jw_uint(&w, count);
	}
	jw_key_lit(&w, "Fields");
	jw_obj_begin(&w);
	while (event_cursor_next(&c, &val) == 1 && val.kind != EVENT_VALUE_ITEM) {
		if (out->len > DETECT_SNIPPET_MAX)
			break;
		if (val.kind == EVENT_VALUE_EXTRA) {
			char key[280];

			if (val.key_len > 256)
				continue;
			memcpy(key, "ExtraDetails.", 13);
			memcpy(key + 13, val.key, val.key_len);
			jw_key_n(&w, key, 13 + val.key_len);
			put_value(&w, val.s, val.len);
			continue;
		}
		if (val.type == FIELD_JSON)
			continue;
		jw_key(&w, ti->fields[val.field].name);
		if (val.type == FIELD_INT)
			jw_int(&w, val.i);
		else if (val.type == FIELD_BOOL)
			jw_bool(&w, val.i != 0);
		else
			put_value(&w, val.s, val.len);
	}
	jw_obj_end(&w);
	jw_obj_end(&w);
	return out->failed ? -ENOMEM : 0;
}

/* The context fields of the alert, from the triggering item. */
static void add_context(struct event_builder *b, const struct detect_engine *de,
			struct detect_view *v)
{
	const struct detect_ruleset *rs = de->rules;
	struct detect_val val;

	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_CONTAINER_ID], &val) ||
	    detect_ref_get(v, &rs->ctx[DETECT_CTX_CONTAINER_ID_FIELD], &val))
		if (val.len && !val.is_int)
			event_add_str(b, AL_CONTAINER_ID, val.s, val.len);
	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_CONTAINER_NAME], &val) ||
	    detect_ref_get(v, &rs->ctx[DETECT_CTX_CONTAINER_NAME_FIELD], &val))
		if (val.len && !val.is_int)
			event_add_str(b, AL_CONTAINER_NAME, val.s, val.len);
	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_MODULE], &val) ||
	    detect_ref_get(v, &rs->ctx[DETECT_CTX_MODULE_FIELD], &val))
		if (val.len && !val.is_int)
			event_add_str(b, AL_MODULE, val.s, val.len);
	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_PROCESS_ID], &val) && val.is_int)
		event_add_int(b, AL_PROCESS_ID, val.i);
	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_EXECUTABLE], &val) && !val.is_int)
		event_add_str(b, AL_EXECUTABLE, val.s, val.len);
	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_COMMAND_LINE], &val) && !val.is_int)
		event_add_str(b, AL_COMMAND_LINE, val.s, val.len);
	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_USER_NAME], &val) && !val.is_int)
		event_add_str(b, AL_USER_NAME, val.s, val.len);
	if (detect_ref_get(v, &rs->ctx[DETECT_CTX_REMOTE_ADDRESS], &val) && !val.is_int &&
	    val.len) {
		event_add_str(b, AL_REMOTE_ADDRESS, val.s, val.len);
	} else if (detect_ref_get(v, &rs->ctx[DETECT_CTX_STDIO_REMOTE], &val) && val.len) {
		/* "ip:port" or "[v6]:port" → the address */
		const char *s = val.s, *colon = memrchr(s, ':', val.len);
		size_t n = colon ? (size_t)(colon - s) : val.len;

		if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
			s++;
			n -= 2;
		}
		if (n)
			event_add_str(b, AL_REMOTE_ADDRESS, s, n);
	}
}

static void add_rule_fields(struct event_builder *b, const struct detect_rule *r)
{
	event_add_cstr(b, AL_RULE_ID, r->id);
	event_add_cstr(b, AL_RULE_NAME, r->name);
	event_add_cstr(b, AL_SEVERITY, detect_severity_to_string(r->severity));
	event_add_cstr(b, AL_TECHNIQUE, r->technique);
	event_add_cstr(b, AL_TACTIC, r->tactic);
	event_add_cstr(b, AL_DESCRIPTION, r->description);
	event_add_cstr(b, AL_REMEDIATION, r->remediation);
	event_add_cstr(b, AL_FALSE_POSITIVES, r->false_positives);
	event_add_cstr(b, AL_FORGEABLE_EVIDENCE, r->forgeable);
}

int detect_alert_build(struct detect_engine *de, const struct detect_rule *r, struct detect_view *v,
		       const struct buf *evidence, const struct buf *key, uint64_t now_ns,
		       struct event **ret)
{
	struct event_builder *b = &de->builder;
	char ts[TIMESTAMP_STR_MAX];
	size_t n = time_format_utc(now_ns, ts);

	event_builder_begin(b, EVENT_ALERT, now_ns);
	event_builder_item(b);
	add_rule_fields(b, r);
	event_add_json(b, AL_EVIDENCE, evidence->data ? evidence->data : "[]",
		       evidence->data ? evidence->len : 2);
	if (key->len)
		event_add_str(b, AL_ALERT_KEY, key->data, key->len);
	event_add_int(b, AL_REPEAT_COUNT, 0);
	event_add_str(b, AL_FIRST_SEEN, ts, n);
	event_add_str(b, AL_LAST_SEEN, ts, n);
	if (v)
		add_context(b, de, v);
	return event_builder_finish(b, ret);
}

/*
 * The summary of an alert's repeats: the first alert (kept in the dedup entry) with
 * RepeatCount, LastSeen, FirstAlertId and what the last repeat was.
 */
int detect_alert_summary(struct detect_engine *de, const struct event *first, uint64_t repeats,
			 uint64_t first_ns, uint64_t last_ns, const uint8_t last_id[16],
			 int64_t last_pid, uint64_t now_ns, struct event **ret)
{
	struct event_builder *b = &de->builder;
	struct event_cursor c;
	struct event_value val;
	char ts[TIMESTAMP_STR_MAX], id[GUID_STR_LEN + 1];
	uint8_t raw[16];

	event_builder_begin(b, EVENT_ALERT, now_ns);
	event_cursor_init(&c, first);
	while (event_cursor_next(&c, &val) == 1) {
		if (val.kind == EVENT_VALUE_FIELD &&
		    (val.field == AL_REPEAT_COUNT || val.field == AL_FIRST_SEEN ||
		     val.field == AL_LAST_SEEN || val.field == AL_FIRST_ALERT_ID))
			continue;
		event_add_value(b, &val);
	}
	event_add_int(b, AL_REPEAT_COUNT, (int64_t)repeats);
	event_add_str(b, AL_FIRST_SEEN, ts, time_format_utc(first_ns, ts));
	event_add_str(b, AL_LAST_SEEN, ts, time_format_utc(last_ns, ts));
	event_get_id(first, raw);
	guid_format(raw, id);
	event_add_str(b, AL_FIRST_ALERT_ID, id, GUID_STR_LEN);
	if (last_id) {
		guid_format(last_id, id);
		event_add_extra(b, "LastEventId", id, GUID_STR_LEN);
	}
	if (last_pid >= 0)
		event_add_extra_u64(b, "LastProcessId", (uint64_t)last_pid);
	return event_builder_finish(b, ret);
}

/* A rule's alerts beyond its rate: one line saying how many were not sent. */
int detect_alert_suppressed(struct detect_engine *de, const struct detect_rule *r, uint64_t n,
			    uint64_t first_ns, uint64_t last_ns, uint64_t now_ns,
			    struct event **ret)
{
	struct event_builder *b = &de->builder;
	char ts[TIMESTAMP_STR_MAX];

	event_builder_begin(b, EVENT_ALERT, now_ns);
	event_builder_item(b);
	add_rule_fields(b, r);
	event_add_json(b, AL_EVIDENCE, "[]", 2);
	event_add_cstr(b, AL_ALERT_KEY, "*");
	event_add_int(b, AL_REPEAT_COUNT, (int64_t)n);
	event_add_str(b, AL_FIRST_SEEN, ts, time_format_utc(first_ns, ts));
	event_add_str(b, AL_LAST_SEEN, ts, time_format_utc(last_ns, ts));
	event_add_extra_cstr(b, "Suppressed", "true");
	event_add_extra_u64(b, "AlertsPerMinute", de->settings.alerts_per_minute);
	return event_builder_finish(b, ret);
}
