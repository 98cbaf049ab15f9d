/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <string.h>

#include "common/guid.h"
#include "common/timeutil.h"
#include "event-int.h"

static const char *const category_names[_EVENT_CATEGORY_MAX] = {
	[EVENT_CATEGORY_PERIODIC] = "Periodic",
	[EVENT_CATEGORY_TRIGGERED] = "Triggered",
};

const char *event_schema_message_version(enum event_schema s)
{
	return s == EVENT_SCHEMA_ASC ? ASC_MESSAGE_SCHEMA_VERSION : EDGESEC_MESSAGE_SCHEMA_VERSION;
}

/*
 * Serialization is the hot path of the pipeline, so an event is written straight into the
 * buffer: keys come from a table of pre-quoted tokens (",\"Executable\":", the comma skipped
 * for an item's first field), built once, everything before the Id from one token per type,
 * and each item is read in one pass (its ExtraDetails are remembered and written after the
 * fields).  The JSON writer is used only for escaping.
 */
#define KEY_TOKEN_MAX 72
#define EXTRAS_INLINE 64

struct key_token {
	uint8_t len;
	char s[KEY_TOKEN_MAX];
};

static struct key_token key_tokens[_EVENT_TYPE_MAX][64];

static const struct key_token *key_token(enum event_type t, unsigned field)
{
	struct key_token *k = &key_tokens[t][field & 63];

	if (!k->len) {
		const char *name = event_type_info(t)->fields[field].name;
		size_t n = strlen(name);

		if (n > KEY_TOKEN_MAX - 4)
			n = KEY_TOKEN_MAX - 4;
		k->s[0] = ',';
		k->s[1] = '"';
		memcpy(k->s + 2, name, n);
		k->s[n + 2] = '"';
		k->s[n + 3] = ':';
		k->len = (uint8_t)(n + 4);
	}
	return k;
}

/* buf_append, inlined for the short pieces written many times per event. */
static inline void put_lit(struct buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* A signed integer, written in place. */
static inline void put_i64(struct buf *b, int64_t v)
{
	char *o;
	size_t n = 0;

	if (!buf_reserve(b, 21))
		return;
	o = b->data + b->len;
	if (v < 0) {
		o[n++] = '-';
		n += fmt_u64(o + 1, (uint64_t)0 - (uint64_t)v);
	} else {
		n += fmt_u64(o, (uint64_t)v);
	}
	b->len += n;
	b->data[b->len] = '\0';
}

#define PUT(b, lit) put_lit((b), (lit), sizeof(lit) - 1)

/* A field's key and value; the key token starts with the comma, skipped for the first. */
static void write_field(struct buf *b, enum event_type t, const struct event_value *v, bool first)
{
	const struct key_token *k = key_token(t, v->field);
	size_t klen = k->len - first;

	/* A string: one reservation for its key and the worst case of its escaped value. */
	if (v->type == FIELD_STRING && v->len <= EVENT_DATA_MAX &&
	    (!b->max || b->len + klen + JSON_ESCAPE_MAX(v->len) <= b->max) &&
	    buf_reserve(b, klen + JSON_ESCAPE_MAX(v->len))) {
		memcpy(b->data + b->len, k->s + first, klen);
		b->len += klen;
		b->len += json_escape_to(b->data + b->len, v->s, v->len);
		b->data[b->len] = '\0';
		return;
	}
	put_lit(b, k->s + first, klen);
	switch (v->type) {
	case FIELD_INT:
		put_i64(b, v->i);
		break;
	case FIELD_BOOL:
		if (v->i)
			PUT(b, "true");
		else
			PUT(b, "false");
		break;
	case FIELD_JSON:
		put_lit(b, v->s, v->len);
		break;
	default:
		json_escape(b, v->s, v->len);
		break;
	}
}

static bool same_key(const struct event_value *a, const struct event_value *b)
{
	return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static void write_extra(struct buf *b, const struct event_value *v, bool first)
{
	size_t need;

	/* One reservation for the comma, the key and the value (worst case escaped). */
	if (v->key_len <= EVENT_DATA_MAX && v->len <= EVENT_DATA_MAX) {
		need = 2 + JSON_ESCAPE_MAX(v->key_len) + JSON_ESCAPE_MAX(v->len);
		if ((!b->max || b->len + need <= b->max) && buf_reserve(b, need)) {
			if (!first)
				b->data[b->len++] = ',';
			b->len += json_escape_to(b->data + b->len, v->key, v->key_len);
			b->data[b->len++] = ':';
			b->len += json_escape_to(b->data + b->len, v->s, v->len);
			b->data[b->len] = '\0';
			return;
		}
	}
	if (!first)
		buf_putc(b, ',');
	json_escape(b, v->key, v->key_len);
	buf_putc(b, ':');
	json_escape(b, v->s, v->len);
}

/* More ExtraDetails than EXTRAS_INLINE: rescan the item (rare; O(n^2) duplicate check). */
static void write_extras_rescan(struct buf *b, struct event_cursor start, const unsigned char *end)
{
	struct event_cursor scan = start;
	struct event_value v;
	bool first = true;

	while (scan.p < end && event_cursor_step(&scan, &v) == 1) {
		struct event_cursor prev = start;
		struct event_value o;
		bool dup = false;

		if (v.kind != EVENT_VALUE_EXTRA)
			continue;
		while (prev.p < (const unsigned char *)v.key && event_cursor_step(&prev, &o) == 1)
			if (o.kind == EVENT_VALUE_EXTRA && o.key != v.key && same_key(&o, &v)) {
				dup = true;
				break;
			}
		if (!dup) {
			write_extra(b, &v, first);
			first = false;
		}
	}
}

/* Writes one item starting at *c (just after its ITEM tag); leaves *c at the next item. */
static void write_item(struct buf *b, enum event_type t, struct event_cursor *c)
{
	struct event_value v, extras[EXTRAS_INLINE];
	struct event_cursor start = *c;
	unsigned n_extras = 0;
	bool first = true, overflow = false;

	buf_putc(b, '{');
	for (;;) {
		struct event_cursor here = *c;

		if (event_cursor_step(c, &v) != 1)
			break;
		if (v.kind == EVENT_VALUE_ITEM) {
			*c = here;
			break;
		}
		if (v.kind == EVENT_VALUE_EXTRA) {
			if (n_extras < EXTRAS_INLINE)
				extras[n_extras++] = v;
			else
				overflow = true;
			continue;
		}
		write_field(b, t, &v, first);
		first = false;
	}
	if (n_extras) {
		if (!first)
			buf_putc(b, ',');
		PUT(b, "\"ExtraDetails\":{");
		if (overflow) {
			write_extras_rescan(b, start, c->p);
		} else {
			bool first_extra = true;

			/* Keys stay unique: a repeated key keeps its first value. */
			for (unsigned i = 0; i < n_extras; i++) {
				bool dup = false;

				for (unsigned k = 0; k < i && !dup; k++)
					dup = same_key(&extras[k], &extras[i]);
				if (dup)
					continue;
				write_extra(b, &extras[i], first_extra);
				first_extra = false;
			}
		}
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}

static const char *const class_tokens[_EVENT_CLASS_MAX] = {
	[EVENT_CLASS_SECURITY] = "{\"EventType\":\"Security\",\"Category\":\"",
	[EVENT_CLASS_OPERATIONAL] = "{\"EventType\":\"Operational\",\"Category\":\"",
	[EVENT_CLASS_DIAGNOSTIC] = "{\"EventType\":\"Diagnostic\",\"Category\":\"",
};

/*
 * Everything of an event before its Id depends only on its type and on whether it has
 * items: built once per (type, empty) and copied.
 */
#define HEADER_TOKEN_MAX 192

struct header_token {
	uint8_t len;
	char s[HEADER_TOKEN_MAX];
};

static struct header_token header_tokens[_EVENT_TYPE_MAX][2];

static const struct header_token *header_token(enum event_type t, bool empty)
{
	struct header_token *h = &header_tokens[t][empty];

	if (!h->len) {
		const struct event_type_info *ti = event_type_info(t);
		struct buf b;

		buf_init(&b, HEADER_TOKEN_MAX - 1);
		buf_puts(&b, class_tokens[ti->class_]);
		buf_puts(&b, category_names[ti->category]);
		PUT(&b, "\",\"Name\":\"");
		buf_puts(&b, ti->name); /* our own constant names: no escaping needed */
		if (empty)
			PUT(&b,
			    "\",\"IsEmpty\":true,\"PayloadSchemaVersion\":\"" PAYLOAD_SCHEMA_VERSION
			    "\",\"Id\":\"");
		else
			PUT(&b, "\",\"IsEmpty\":false,\"PayloadSchemaVersion\":"
				"\"" PAYLOAD_SCHEMA_VERSION "\",\"Id\":\"");
		if (b.failed || !b.len) {
			buf_done(&b);
			return NULL;
		}
		memcpy(h->s, b.data, b.len);
		h->len = (uint8_t)b.len;
		buf_done(&b);
	}
	return h;
}

/*
 * `","TimestampLocal":"…","TimestampUTC":"…","Payload":[` of the last millisecond formatted:
 * events come in bursts, and at high rates many share a millisecond (the resolution of both
 * timestamps).
 */
struct timestamps {
	uint64_t ms; /* UINT64_MAX: none yet */
	size_t len;
	char s[2 * TIMESTAMP_STR_MAX + 64];
};

static struct timestamps times = { .ms = UINT64_MAX };

static size_t timestamps_for(struct timestamps *t, uint64_t ns)
{
	static const char local_key[] = "\",\"TimestampLocal\":\"";
	static const char utc_key[] = "\",\"TimestampUTC\":\"";
	static const char payload_key[] = "\",\"Payload\":[";
	size_t n = 0;

	if (t->ms == ns / NSEC_PER_MSEC)
		return t->len;
	memcpy(t->s, local_key, sizeof(local_key) - 1);
	n = sizeof(local_key) - 1;
	n += time_format_local(ns, t->s + n);
	memcpy(t->s + n, utc_key, sizeof(utc_key) - 1);
	n += sizeof(utc_key) - 1;
	n += time_format_utc(ns, t->s + n);
	memcpy(t->s + n, payload_key, sizeof(payload_key) - 1);
	n += sizeof(payload_key) - 1;
	t->ms = ns / NSEC_PER_MSEC;
	t->len = n;
	return n;
}

void event_format(const struct event *e, struct jw *w)
{
	enum event_type t = (enum event_type)e->type;
	const struct header_token *h = header_token(t, e->n_items == 0);
	struct buf *b = jw_value_begin(w);
	char id[GUID_STR_LEN + 1];
	struct event_cursor c;
	struct event_value v;
	bool first = true;

	if (!h) { /* cannot happen: the names are short constants */
		b->failed = true;
		return;
	}
	put_lit(b, h->s, h->len);
	guid_format(e->id, id);
	put_lit(b, id, GUID_STR_LEN);
	put_lit(b, times.s, timestamps_for(&times, e->time_ns));
	event_cursor_init(&c, e);
	while (event_cursor_step(&c, &v) == 1) {
		if (v.kind != EVENT_VALUE_ITEM)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		write_item(b, t, &c);
	}
	PUT(b, "]}");
}
