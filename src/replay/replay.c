/* SPDX-License-Identifier: MIT */
/*
 * Replay reader: JSON → events (see replay.h).  Every value goes through the event builder,
 * so a replayed event is exactly what a collector would have made of the same values.
 */
#include "replay.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/guid.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/str.h"
#include "common/timeutil.h"

static int fail(struct replay_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct replay_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* JSON text is UTF-8: a string that is not is refused (it would not read back the same). */
static bool utf8_ok(const char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0, n; i < len; i += n)
		if (!(n = utf8_seq_len((const unsigned char *)s + i, len - i)))
			return false;
	return true;
}

static int add_extras(struct event_builder *b, const cJSON *x, struct replay_error *err)
{
	if (!cJSON_IsObject(x))
		return fail(err, "ExtraDetails: expected an object of strings");
	for (const cJSON *m = x->child; m; m = m->next) {
		if (strlen(m->string) > 256)
			return fail(err, "ExtraDetails: a key longer than 256 bytes");
		if (!utf8_ok(m->string) || (cJSON_IsString(m) && !utf8_ok(m->valuestring)))
			return fail(err, "ExtraDetails.%.60s: not valid UTF-8", m->string);
		if (cJSON_IsString(m)) {
			event_add_extra(b, m->string, m->valuestring, strlen(m->valuestring));
		} else if (cJSON_IsNumber(m) || cJSON_IsBool(m)) {
			char *text = cJSON_PrintUnformatted(m);

			if (!text)
				return -ENOMEM;
			event_add_extra(b, m->string, text, strlen(text));
			es_free(text);
		} else {
			return fail(err, "ExtraDetails.%.60s: expected a string", m->string);
		}
	}
	return 0;
}

static int add_field(struct event_builder *b, const struct event_field_info *fi, unsigned f,
		     const cJSON *v, struct replay_error *err)
{
	char *text;

	if (cJSON_IsString(v) && !utf8_ok(v->valuestring))
		return fail(err, "%s: not valid UTF-8", fi->name);
	switch (fi->type) {
	case FIELD_STRING:
		if (cJSON_IsString(v)) {
			event_add_str(b, f, v->valuestring, strlen(v->valuestring));
			return 0;
		}
		if (!cJSON_IsNumber(v))
			break;
		/* a number for a string field (RemotePort 22): its text */
		__attribute__((fallthrough));
	case FIELD_JSON:
		text = cJSON_PrintUnformatted(v);
		if (!text)
			return -ENOMEM;
		if (fi->type == FIELD_JSON)
			event_add_json(b, f, text, strlen(text));
		else
			event_add_str(b, f, text, strlen(text));
		es_free(text);
		return 0;
	case FIELD_INT:
		/* range first: casting a double outside int64_t is undefined */
		if (cJSON_IsNumber(v) && v->valuedouble >= -9.2e18 && v->valuedouble <= 9.2e18 &&
		    (double)(int64_t)v->valuedouble == v->valuedouble) {
			event_add_int(b, f, (int64_t)v->valuedouble);
			return 0;
		}
		break;
	case FIELD_BOOL:
		if (cJSON_IsBool(v)) {
			event_add_bool(b, f, cJSON_IsTrue(v));
			return 0;
		}
		break;
	default:
		break;
	}
	return fail(err, "%s: expected %s, got %s", fi->name,
		    fi->type == FIELD_INT    ? "an integer"
		    : fi->type == FIELD_BOOL ? "true or false"
					     : "a string",
		    json_type_name(v));
}

static int add_item(struct event_builder *b, const struct event_type_info *ti, const cJSON *item,
		    struct replay_error *err)
{
	uint64_t seen = 0;

	if (!cJSON_IsObject(item))
		return fail(err, "a Payload item must be an object");
	event_builder_item(b);
	for (const cJSON *m = item->child; m; m = m->next) {
		int f, r;

		if (strcmp(m->string, "ExtraDetails") == 0) {
			if ((r = add_extras(b, m, err)) < 0)
				return r;
			continue;
		}
		for (f = 0; f < (int)ti->n_fields; f++)
			if (strcmp(ti->fields[f].name, m->string) == 0)
				break;
		if (f == (int)ti->n_fields)
			return fail(err, "%.60s is not a field of %s", m->string, ti->name);
		if (seen & (1ull << f))
			return fail(err, "%s appears twice", m->string);
		seen |= 1ull << f;
		if ((r = add_field(b, &ti->fields[f], (unsigned)f, m, err)) < 0)
			return r;
	}
	for (unsigned f = 0; f < ti->n_fields; f++)
		if ((ti->fields[f].flags & FIELD_F_REQUIRED) && !(seen & (1ull << f)))
			return fail(err, "%s lacks the required field %s", ti->name,
				    ti->fields[f].name);
	return 0;
}

static int push(struct replay_line *out, struct event *e)
{
	if (out->n == out->cap) {
		unsigned nc = out->cap ? out->cap * 2 : 16;
		struct event **ne = es_realloc(out->events, nc * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		out->events = ne;
		out->cap = nc;
	}
	out->events[out->n++] = e;
	return 0;
}

/* Envelope members of an event we know and do not need. */
static bool ignored_member(const char *s)
{
	static const char *const names[] = { "EventType", "Category", "IsEmpty",
					     "PayloadSchemaVersion", "TimestampLocal" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

static int check_members(const cJSON *ev, struct replay_error *err)
{
	for (const cJSON *m = ev->child; m; m = m->next)
		if (!ignored_member(m->string) && strcmp(m->string, "Name") != 0 &&
		    strcmp(m->string, "Id") != 0 && strcmp(m->string, "TimestampUTC") != 0 &&
		    strcmp(m->string, "Payload") != 0)
			return fail(err, "unknown member \"%.60s\" of an event", m->string);
	return 0;
}

static int parse_event(const cJSON *ev, uint64_t default_time, struct event_builder *b,
		       struct replay_line *out, struct replay_error *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(ev, "Name");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "TimestampUTC");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "Id");
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(ev, "Payload"), *it;
	const struct event_type_info *ti;
	enum event_type t;
	uint64_t time_ns = default_time;
	uint8_t raw[16];
	struct event *e;
	int r;

	if (!cJSON_IsObject(ev))
		return fail(err, "an event must be an object");
	if ((r = check_members(ev, err)) < 0)
		return r;
	t = cJSON_IsString(name) ? event_type_from_string(name->valuestring) : _EVENT_TYPE_INVALID;
	if (t < 0)
		return fail(err, "Name: not an event name edgesec knows");
	if (t == EVENT_ALERT) {
		out->skipped_alerts++;
		return 0;
	}
	ti = event_type_info(t);
	if (ts && (!cJSON_IsString(ts) || time_parse_rfc3339(ts->valuestring, &time_ns) < 0))
		return fail(err, "TimestampUTC: not an RFC 3339 time");
	if (id && (!cJSON_IsString(id) || !guid_parse(id->valuestring, raw)))
		return fail(err, "Id: not a GUID");
	event_builder_begin(b, t, time_ns);
	if (cJSON_IsObject(payload)) {
		if ((r = add_item(b, ti, payload, err)) < 0)
			return r;
	} else if (cJSON_IsArray(payload)) {
		cJSON_ArrayForEach(it, payload)
			if ((r = add_item(b, ti, it, err)) < 0)
				return r;
	} else if (payload) {
		return fail(err, "Payload: expected an array of items");
	}
	r = event_builder_finish(b, &e);
	if (r == -EINVAL)
		return fail(err,
			    "%s: a value does not fit its field, or a triggered event has no "
			    "item",
			    ti->name);
	if (r < 0)
		return r == -E2BIG ? fail(err, "%s: too large", ti->name) : r;
	if (id)
		event_set_id(e, raw);
	if ((r = push(out, e)) < 0) {
		event_free(e);
		return r;
	}
	return 1;
}

int replay_parse_line(const char *line, size_t len, uint64_t default_time_ns,
		      struct event_builder *b, struct replay_line *out, struct replay_error *err)
{
	struct json_error jerr;
	unsigned before = out->n;
	const cJSON *events, *it, *agent;
	cJSON *doc;
	int r = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return 0;
	if (len > REPLAY_LINE_MAX)
		return fail(err, "a line longer than %u bytes", REPLAY_LINE_MAX);
	doc = json_parse(line, len, &jerr);
	if (!doc)
		return fail(err, "%s", jerr.message);
	events = cJSON_GetObjectItemCaseSensitive(doc, "Events");
	if (!cJSON_IsObject(doc)) {
		r = fail(err, "expected a message or an event object");
	} else if (events) {
		agent = cJSON_GetObjectItemCaseSensitive(doc, "AgentId");
		if (cJSON_IsString(agent) && strlen(agent->valuestring) < sizeof(out->agent_id))
			str_copy(out->agent_id, sizeof(out->agent_id), agent->valuestring);
		if (!cJSON_IsArray(events) ||
		    cJSON_GetArraySize(events) > (int)REPLAY_EVENTS_PER_LINE_MAX)
			r = fail(err, "Events: expected an array of at most %u events",
				 REPLAY_EVENTS_PER_LINE_MAX);
		else
			cJSON_ArrayForEach(it, events)
				if ((r = parse_event(it, default_time_ns, b, out, err)) < 0)
					break;
	} else {
		r = parse_event(doc, default_time_ns, b, out, err);
	}
	cJSON_Delete(doc);
	if (r < 0) {
		while (out->n > before)
			event_free(out->events[--out->n]);
		return r;
	}
	return (int)(out->n - before);
}

void replay_line_done(struct replay_line *out)
{
	for (unsigned i = 0; i < out->n; i++)
		event_free(out->events[i]);
	es_free(out->events);
	memset(out, 0, sizeof(*out));
}
