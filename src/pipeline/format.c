/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <string.h>

#include "common/guid.h"
#include "common/timeutil.h"
#include "event-int.h"

static const char *const class_names[_EVENT_CLASS_MAX] = {
	[EVENT_CLASS_SECURITY] = "Security",
	[EVENT_CLASS_OPERATIONAL] = "Operational",
	[EVENT_CLASS_DIAGNOSTIC] = "Diagnostic",
};

static const char *const category_names[_EVENT_CATEGORY_MAX] = {
	[EVENT_CATEGORY_PERIODIC] = "Periodic",
	[EVENT_CATEGORY_TRIGGERED] = "Triggered",
};

const char *event_schema_message_version(enum event_schema s)
{
	return s == EVENT_SCHEMA_ASC ? ASC_MESSAGE_SCHEMA_VERSION : EDGESEC_MESSAGE_SCHEMA_VERSION;
}

/* Lengths of the field names, measured once (serialization is the hot path). */
static uint8_t name_len[_EVENT_TYPE_MAX][64];

static size_t field_name_len(const struct event_type_info *ti, unsigned field)
{
	size_t t = (size_t)(ti - event_type_info(0));
	uint8_t *n = &name_len[t][field & 63];

	if (!*n)
		*n = (uint8_t)strlen(ti->fields[field].name);
	return *n;
}

static void write_field(struct jw *w, const struct event_type_info *ti, const struct event_value *v)
{
	jw_key_trusted(w, ti->fields[v->field].name, field_name_len(ti, v->field));
	switch (v->type) {
	case FIELD_INT:
		jw_int(w, v->i);
		break;
	case FIELD_BOOL:
		jw_bool(w, v->i != 0);
		break;
	case FIELD_JSON:
		jw_raw(w, v->s, v->len);
		break;
	default:
		jw_str(w, v->s, v->len);
		break;
	}
}

/* ExtraDetails keys seen earlier in the same item are skipped, so keys stay unique. */
static bool extra_seen_before(struct event_cursor from, const struct event_value *v)
{
	struct event_value o;

	while (from.p < (const unsigned char *)v->key - 5 && event_cursor_next(&from, &o) == 1) {
		if (o.kind == EVENT_VALUE_ITEM)
			break;
		if (o.kind == EVENT_VALUE_EXTRA && o.key_len == v->key_len &&
		    memcmp(o.key, v->key, v->key_len) == 0)
			return true;
	}
	return false;
}

/* Writes one item starting at *c (just after its ITEM tag); leaves *c at the next item. */
static void write_item(struct jw *w, const struct event_type_info *ti, struct event_cursor *c)
{
	struct event_cursor start = *c, scan;
	struct event_value v;
	bool any_extra = false;

	jw_obj_begin(w);
	for (scan = start; scan.p < scan.end;) {
		struct event_cursor here = scan;

		if (event_cursor_next(&scan, &v) != 1)
			break;
		if (v.kind == EVENT_VALUE_ITEM) {
			scan = here;
			break;
		}
		if (v.kind == EVENT_VALUE_FIELD)
			write_field(w, ti, &v);
		else
			any_extra = true;
	}
	*c = scan;
	if (any_extra) {
		jw_key_lit(w, "ExtraDetails");
		jw_obj_begin(w);
		for (scan = start; scan.p < c->p;) {
			if (event_cursor_next(&scan, &v) != 1 || v.kind == EVENT_VALUE_ITEM)
				break;
			if (v.kind == EVENT_VALUE_EXTRA && !extra_seen_before(start, &v)) {
				jw_key_n(w, v.key, v.key_len);
				jw_str(w, v.s, v.len);
			}
		}
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

void event_format(const struct event *e, struct jw *w)
{
	const struct event_type_info *ti = event_type_info((enum event_type)e->type);
	char id[GUID_STR_LEN + 1], ts[TIMESTAMP_STR_MAX];
	struct event_cursor c;
	struct event_value v;
	size_t n;

	jw_obj_begin(w);
	jw_key_lit(w, "EventType");
	jw_cstr(w, class_names[ti->class_]);
	jw_key_lit(w, "Category");
	jw_cstr(w, category_names[ti->category]);
	jw_key_lit(w, "Name");
	jw_cstr(w, ti->name);
	jw_key_lit(w, "IsEmpty");
	jw_bool(w, e->n_items == 0);
	jw_key_lit(w, "PayloadSchemaVersion");
	jw_cstr(w, PAYLOAD_SCHEMA_VERSION);
	guid_format(e->id, id);
	jw_key_lit(w, "Id");
	jw_str(w, id, GUID_STR_LEN);
	n = time_format_local(e->time_ns, ts);
	jw_key_lit(w, "TimestampLocal");
	jw_str(w, ts, n);
	n = time_format_utc(e->time_ns, ts);
	jw_key_lit(w, "TimestampUTC");
	jw_str(w, ts, n);
	jw_key_lit(w, "Payload");
	jw_arr_begin(w);
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1)
		if (v.kind == EVENT_VALUE_ITEM)
			write_item(w, ti, &c);
	jw_arr_end(w);
	jw_obj_end(w);
}
