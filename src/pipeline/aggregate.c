/* SPDX-License-Identifier: MIT */
/*
 * Open-addressing hash table (linear probing, power-of-two size, at most half full) of
 * entries; each holds the first event seen with that identity.  The table is rebuilt on
 * flush, so there are no tombstones.
 */
#include "aggregate.h"

#include <string.h>

#include "common/alloc.h"
#include "common/timeutil.h"
#include "event-int.h"

struct entry {
	struct event *first;
	uint64_t hash;
	uint64_t count;
	uint64_t first_ns, last_ns;
	int64_t last_pid;
};

struct window {
	bool enabled;
	uint64_t interval_ns;
	uint64_t start_ns; /* realtime when the current window began; 0 = none open */
};

struct aggregator {
	struct entry *slots;
	size_t n_slots; /* power of two */
	size_t n_entries;
	size_t bytes;
	size_t max_entries, max_bytes;
	struct window win[_EVENT_TYPE_MAX];
	struct aggregator_stats stats;
};

bool aggregator_supports(enum event_type t)
{
	return t == EVENT_PROCESS_CREATE || t == EVENT_CONNECTION_CREATE ||
	       t == EVENT_PROCESS_TERMINATE;
}

static size_t slots_for(size_t max_entries)
{
	size_t n = 16;

	while (n < max_entries * 2 && n < ((size_t)1 << 30))
		n *= 2;
	return n;
}

struct aggregator *aggregator_new(size_t max_entries, size_t max_bytes)
{
	struct aggregator *a = es_calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->max_entries = max_entries ? max_entries : 1;
	a->max_bytes = max_bytes;
	a->n_slots = 16; /* grows with use up to slots_for(max_entries) */
	a->slots = es_calloc(a->n_slots, sizeof(*a->slots));
	if (!a->slots) {
		es_free(a);
		return NULL;
	}
	return a;
}

struct aggregator *aggregator_free(struct aggregator *a)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->n_slots; i++)
		event_free(a->slots[i].first);
	es_free(a->slots);
	es_free(a);
	return NULL;
}

/* ---- identity ---- */

static bool direction_in(const struct event *e)
{
	struct event_cursor c;
	struct event_value v;

	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1)
		if (v.kind == EVENT_VALUE_FIELD && v.field == CC_DIRECTION)
			return v.len == 2 && memcmp(v.s, "In", 2) == 0;
	return false;
}

/* Fields left out of the identity (and rewritten in the aggregated event). */
static bool ignored(enum event_type t, unsigned field, bool in)
{
	switch (t) {
	case EVENT_PROCESS_CREATE:
		return field == PC_PROCESS_ID || field == PC_PARENT_PROCESS_ID;
	case EVENT_PROCESS_TERMINATE:
		return field == PT_PROCESS_ID;
	case EVENT_CONNECTION_CREATE:
		return field == CC_PROCESS_ID || field == (in ? CC_REMOTE_PORT : CC_LOCAL_PORT);
	default:
		return false;
	}
}

static bool next_relevant(struct event_cursor *c, struct event_value *v, enum event_type t, bool in)
{
	while (event_cursor_next(c, v) == 1)
		if (!(v->kind == EVENT_VALUE_FIELD && ignored(t, v->field, in)))
			return true;
	return false;
}

/* Hash of a byte string, eight bytes per step (multiply-xorshift; not cryptographic). */
static uint64_t load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Mixes n bytes into h, 8 at a time.  The 1-7 byte tail is read with at most two loads that
 * may overlap (no byte-by-byte loop, never past the end); its length is mixed in too, so
 * "a" and "a\0" differ.
 */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	if (n >= 4)
		w = load32(s) | load32(s + n - 4) << 32;
	else if (n > 0)
		w = (uint64_t)s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16;
	else
		w = 0;
	w ^= (uint64_t)n << 56;
	h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 31);
}

static unsigned pid_field(enum event_type t)
{
	return t == EVENT_PROCESS_CREATE ? PC_PROCESS_ID
	       : t == EVENT_PROCESS_TERMINATE ? PT_PROCESS_ID
					      : CC_PROCESS_ID;
}

static uint64_t hash_value(uint64_t h, const struct event_value *v)
{
	/* The value's kind, field and integer, then its key and string (with their lengths). */
	h = (h ^ ((uint64_t)v->kind << 32 | v->field)) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (uint64_t)v->i) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	if (v->key_len)
		h = mix(h, v->key, v->key_len);
	if (v->len)
		h = mix(h, v->s, v->len);
	return h;
}

struct identity {
	uint64_t hash;
	int64_t pid;
	bool in; /* ConnectionCreate Direction "In" */
};

/*
 * One pass over the event: the identity hash, the process id and the direction.  The port
 * left out depends on Direction, which comes after the ports, so each port is hashed apart
 * and the one that counts is mixed in at the end.
 */
static void identity_scan(const struct event *e, struct identity *ret)
{
	enum event_type t = (enum event_type)e->type;
	uint64_t h = 0xcbf29ce484222325ull ^ e->type, h_remote = 0, h_local = 0;
	bool cc = t == EVENT_CONNECTION_CREATE;
	struct event_cursor c;
	struct event_value v;

	ret->pid = 0;
	ret->in = false;
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1) {
		if (v.kind == EVENT_VALUE_FIELD) {
			if (cc && v.field == CC_DIRECTION)
				ret->in = v.len == 2 && memcmp(v.s, "In", 2) == 0;
			if (cc && v.field == CC_REMOTE_PORT) {
				h_remote = hash_value(1, &v);
				continue;
			}
			if (cc && v.field == CC_LOCAL_PORT) {
				h_local = hash_value(2, &v);
				continue;
			}
			if (ignored(t, v.field, false)) {
				if (v.field == pid_field(t))
					ret->pid = v.i;
				continue;
			}
		}
		h = hash_value(h, &v);
	}
	if (cc)
		h = mix(h, ret->in ? &h_local : &h_remote, sizeof(h));
	ret->hash = h ? h : 1;
}

static bool same_value(const struct event_value *a, const struct event_value *b)
{
	/* s and key are NULL for values that have none: memcmp must not see them (UB). */
	return a->kind == b->kind && a->field == b->field && a->i == b->i && a->len == b->len &&
	       a->key_len == b->key_len && (!a->len || memcmp(a->s, b->s, a->len) == 0) &&
	       (!a->key_len || memcmp(a->key, b->key, a->key_len) == 0);
}

static bool identity_equal(const struct event *a, const struct event *b, bool in)
{
	enum event_type t = (enum event_type)a->type;
	struct event_cursor ca, cb;
	struct event_value va, vb;

	if (a->type != b->type)
		return false;
	event_cursor_init(&ca, a);
	event_cursor_init(&cb, b);
	for (;;) {
		bool ha = next_relevant(&ca, &va, t, in), hb = next_relevant(&cb, &vb, t, in);

		if (!ha || !hb)
			return ha == hb;
		if (!same_value(&va, &vb))
			return false;
	}
}

static int64_t pid_of(const struct event *e)
{
	unsigned field = e->type == EVENT_PROCESS_CREATE	? PC_PROCESS_ID
			 : e->type == EVENT_PROCESS_TERMINATE ? PT_PROCESS_ID
							      : CC_PROCESS_ID;
	struct event_cursor c;
	struct event_value v;

	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1)
		if (v.kind == EVENT_VALUE_FIELD && v.field == field)
			return v.i;
	return 0;
}

/* ---- emission ---- */

static void add_time_extras(struct event_builder *b, const char *local_key, const char *utc_key,
			    uint64_t ns)
{
	char ts[TIMESTAMP_STR_MAX];

	event_add_extra(b, local_key, ts, time_format_local(ns, ts));
	event_add_extra(b, utc_key, ts, time_format_utc(ns, ts));
}

/* The aggregated form of an entry seen more than once. */
static struct event *build_aggregated(struct event_builder *b, const struct entry *en,
				      uint64_t now_ns)
{
	const struct event *e = en->first;
	enum event_type t = (enum event_type)e->type;
	bool in = t == EVENT_CONNECTION_CREATE && direction_in(e);
	struct event_cursor c;
	struct event_value v;
	struct event *out;

	event_builder_begin(b, t, now_ns);
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1) {
		if (v.kind == EVENT_VALUE_FIELD && ignored(t, v.field, in)) {
			if (v.type == FIELD_INT)
				event_add_int(b, v.field, 0);
			else if (v.field == CC_REMOTE_PORT)
				event_add_str(b, v.field, "*", 1); /* required by the schema */
			continue;
		}
		event_add_value(b, &v);
	}
	event_add_extra_u64(b, "HitCount", en->count);
	add_time_extras(b, "StartTimeLocal", "StartTimeUtc", en->first_ns);
	add_time_extras(b, "EndTimeLocal", "EndTimeUtc", en->last_ns);
	event_add_extra_u64(b, "FirstProcessId", (uint64_t)pid_of(e));
	event_add_extra_u64(b, "LastProcessId", (uint64_t)en->last_pid);
	if (event_builder_finish(b, &out) < 0)
		return NULL;
	out->flags |= EVENT_F_AGGREGATED | (e->flags & EVENT_F_TRUNCATED);
	return out;
}

static void emit_entry(struct aggregator *a, struct entry *en, uint64_t now_ns,
		       struct event_builder *b, struct event_sink *out)
{
	struct event *e = en->first;

	a->bytes -= e->size;
	a->n_entries--;
	a->stats.entries_emitted++;
	if (en->count > 1) {
		struct event *agg = build_aggregated(b, en, now_ns);

		/* Without memory for the rewrite, the first event still goes out (count lost). */
		if (agg) {
			event_free(e);
			e = agg;
		}
	}
	memset(en, 0, sizeof(*en));
	event_sink_submit(out, e);
}

/*
 * Rebuilds the table with n slots from the entries it holds: after a flush (emptied slots
 * would break probing) and to grow.  On allocation failure the old table stays; after a flush
 * that only means some later duplicates get an entry of their own (nothing is lost).
 */
static int rehash(struct aggregator *a, size_t n)
{
	struct entry *old = a->slots;
	struct entry *fresh = es_calloc(n, sizeof(*fresh));

	if (!fresh)
		return -1;
	for (size_t i = 0; i < a->n_slots; i++) {
		size_t j;

		if (!old[i].first)
			continue;
		for (j = old[i].hash & (n - 1); fresh[j].first; j = (j + 1) & (n - 1))
			;
		fresh[j] = old[i];
	}
	es_free(old);
	a->slots = fresh;
	a->n_slots = n;
	return 0;
}

void aggregator_flush(struct aggregator *a, uint64_t now_ns, bool all, struct event_sink *out)
{
	bool due[_EVENT_TYPE_MAX] = { false }, any = false;
	struct event_builder b;

	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		struct window *w = &a->win[t];

		if (!w->start_ns)
			continue;
		if (all || !w->enabled || now_ns >= w->start_ns + w->interval_ns ||
		    now_ns < w->start_ns /* clock stepped back */) {
			due[t] = true;
			any = true;
			w->start_ns = 0;
		}
	}
	if (!any)
		return;
	event_builder_init(&b);
	for (size_t i = 0; i < a->n_slots; i++)
		if (a->slots[i].first && due[a->slots[i].first->type])
			emit_entry(a, &a->slots[i], now_ns, &b, out);
	event_builder_done(&b);
	/* Rebuilt at the size what is left needs, not the size of the last burst: a table that
	 * grew to 8,192 slots in an exec storm would otherwise keep 384 KiB resident for good. */
	(void)rehash(a, slots_for(a->n_entries));
}

void aggregator_configure(struct aggregator *a, enum event_type t, bool enabled,
			  uint64_t interval_ms, struct event_sink *out)
{
	struct window *w;

	if (!aggregator_supports(t))
		return;
	w = &a->win[t];
	w->enabled = enabled;
	w->interval_ns = interval_ms * NSEC_PER_MSEC;
	if (!enabled && w->start_ns && out)
		aggregator_flush(a, time_now_realtime_ns(), false, out);
}

void aggregator_set_limits(struct aggregator *a, size_t max_entries, size_t max_bytes)
{
	a->max_entries = max_entries ? max_entries : 1;
	a->max_bytes = max_bytes;
}

bool aggregator_offer(struct aggregator *a, struct event *e, uint64_t now_ns)
{
	struct window *w;
	struct identity id;
	uint64_t h;
	size_t i;

	if (e->type >= _EVENT_TYPE_MAX || !aggregator_supports((enum event_type)e->type) ||
	    e->n_items != 1)
		return false;
	w = &a->win[e->type];
	if (!w->enabled || !w->interval_ns)
		return false;
	if (a->n_entries + 1 > a->n_slots / 2 && a->n_slots < slots_for(a->max_entries))
		(void)rehash(a, a->n_slots * 2);
	identity_scan(e, &id);
	h = id.hash;
	for (i = h & (a->n_slots - 1); a->slots[i].first; i = (i + 1) & (a->n_slots - 1)) {
		struct entry *en = &a->slots[i];

		if (en->hash == h && identity_equal(en->first, e, id.in)) {
			en->count++;
			en->last_ns = e->time_ns;
			en->last_pid = id.pid;
			a->stats.absorbed++;
			event_free(e);
			return true;
		}
	}
	if (a->n_entries >= a->max_entries || a->n_entries + 1 > a->n_slots / 2 ||
	    a->bytes + e->size > a->max_bytes) {
		a->stats.bypassed++;
		return false;
	}
	a->slots[i] = (struct entry){
		.first = e,
		.hash = h,
		.count = 1,
		.first_ns = e->time_ns,
		.last_ns = e->time_ns,
		.last_pid = id.pid,
	};
	a->n_entries++;
	a->bytes += e->size;
	if (!w->start_ns)
		w->start_ns = now_ns ? now_ns : 1;
	return true;
}

size_t aggregator_entries(const struct aggregator *a)
{
	return a->n_entries;
}

size_t aggregator_bytes(const struct aggregator *a)
{
	return a->bytes;
}

void aggregator_get_stats(const struct aggregator *a, struct aggregator_stats *ret)
{
	*ret = a->stats;
}

uint64_t aggregator_next_deadline(const struct aggregator *a)
{
	uint64_t best = 0;

	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		const struct window *w = &a->win[t];
		uint64_t d;

		if (!w->start_ns)
			continue;
		d = w->enabled ? w->start_ns + w->interval_ns : w->start_ns;
		if (!best || d < best)
			best = d;
	}
	return best;
}
