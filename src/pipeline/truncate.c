/* SPDX-License-Identifier: MIT */
#include "truncate.h"

#include <errno.h>
#include <string.h>

#include "common/alloc.h"
#include "common/json_write.h"
#include "event-int.h"

#define EXTRA_BIT 63

int event_split(const struct event *e, struct event **ret_first, struct event **ret_second)
{
	struct event_cursor c;
	struct event_value v;
	unsigned half = e->n_items / 2, seen = 0;
	const unsigned char *cut = NULL;
	struct event *a, *b;

	if (e->n_items < 2)
		return -EINVAL;
	event_cursor_init(&c, e);
	for (;;) {
		const unsigned char *here = c.p;

		if (event_cursor_next(&c, &v) != 1)
			break;
		if (v.kind == EVENT_VALUE_ITEM && seen++ == half) {
			cut = here;
			break;
		}
	}
	if (!cut)
		return -EINVAL;
	a = event_new_raw((enum event_type)e->type, e->time_ns, half, e->data,
			  (size_t)(cut - e->data));
	b = event_new_raw((enum event_type)e->type, e->time_ns, e->n_items - half, cut,
			  e->data_len - (size_t)(cut - e->data));
	if (!a || !b) {
		event_free(a);
		event_free(b);
		return -ENOMEM;
	}
	a->flags = b->flags = e->flags;
	*ret_first = a;
	*ret_second = b;
	return 0;
}

size_t json_string_body_len(const char *s, size_t len)
{
	return json_escaped_len(s, len) - 2;
}

static bool shortenable(const struct event_type_info *ti, const struct event_value *v)
{
	if (v->kind == EVENT_VALUE_EXTRA)
		return true;
	return v->kind == EVENT_VALUE_FIELD && v->type == FIELD_STRING &&
	       (ti->fields[v->field].flags & FIELD_F_LONG);
}

static bool ends_with_marker(const struct event_value *v)
{
	return v->len >= TRUNCATION_MARKER_LEN &&
	       memcmp(v->s + v->len - TRUNCATION_MARKER_LEN, TRUNCATION_MARKER,
		      TRUNCATION_MARKER_LEN) == 0;
}

/* Raw prefix length of s whose escaped form is at most `budget` bytes (UTF-8 safe). */
static size_t prefix_within(const char *s, size_t len, size_t budget)
{
	size_t i = 0, used = 0;

	while (i < len) {
		size_t n = utf8_seq_len((const unsigned char *)s + i, len - i);
		size_t cost = json_string_body_len(s + i, n ? n : 1);

		if (used + cost > budget)
			break;
		used += cost;
		i += n ? n : 1;
	}
	return i;
}

static bool is_truncated_fields_extra(const struct event_value *v)
{
	return v->kind == EVENT_VALUE_EXTRA && v->key_len == 15 &&
	       memcmp(v->key, "TruncatedFields", 15) == 0;
}

int event_shrink(const struct event *e, size_t excess, struct event **ret_event)
{
	const struct event_type_info *ti = event_type_info((enum event_type)e->type);
	struct event_cursor c;
	struct event_value v;
	const char *victim = NULL;
	size_t victim_cost = 0;
	struct event_builder b;
	struct event *out;
	int r;

	/* Pick the value with the longest serialized form. */
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1) {
		size_t cost;

		if (!shortenable(ti, &v) || is_truncated_fields_extra(&v))
			continue;
		cost = json_string_body_len(v.s, v.len);
		if (cost > victim_cost) {
			victim = v.s;
			victim_cost = cost;
		}
	}
	if (!victim || victim_cost <= TRUNCATION_MARKER_LEN)
		return -ENOSPC;

	event_builder_init(&b);
	event_builder_begin(&b, (enum event_type)e->type, e->time_ns);
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1) {
		unsigned bit = v.kind == EVENT_VALUE_EXTRA ? EXTRA_BIT : v.field;

		if (is_truncated_fields_extra(&v))
			continue; /* rebuilt by the builder from the marks below */
		if (v.s == victim) {
			size_t target = victim_cost > excess + TRUNCATION_MARKER_LEN
						? victim_cost - excess - TRUNCATION_MARKER_LEN
						: 0;
			size_t keep = prefix_within(v.s, v.len, target);
			char *tmp = NULL;
			struct event_value cut = v;

			/* Build "prefix + marker" in the builder's value path. */
			tmp = es_malloc(keep + TRUNCATION_MARKER_LEN);
			if (!tmp) {
				event_builder_done(&b);
				return -ENOMEM;
			}
			memcpy(tmp, v.s, keep);
			memcpy(tmp + keep, TRUNCATION_MARKER, TRUNCATION_MARKER_LEN);
			cut.s = tmp;
			cut.len = keep + TRUNCATION_MARKER_LEN;
			event_add_value(&b, &cut);
			es_free(tmp);
			b.item_truncated |= 1ull << bit;
			continue;
		}
		event_add_value(&b, &v);
		if (v.kind != EVENT_VALUE_ITEM && v.type == FIELD_STRING && ends_with_marker(&v))
			b.item_truncated |= 1ull << bit;
	}
	r = event_builder_finish(&b, &out);
	event_builder_done(&b);
	if (r < 0)
		return r;
	out->flags = e->flags | EVENT_F_TRUNCATED;
	memcpy(out->id, e->id, sizeof(out->id));
	*ret_event = out;
	return 0;
}
