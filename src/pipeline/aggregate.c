/* SPDX-License-Identifier: MIT */
/*
 * Open-addressing hash table (linear probing, power-of-two size, at most half full) of
 * entries; each holds the first event seen with that identity.  The table is rebuilt on
 * flush, so there are no tombstones.
 *
 * An identity is never decoded: it is the event's encoded data minus the byte ranges of the
 * values left out (at most two per event; an entry records where they start, 8 bytes).  One
 * pass over the new event's value headers finds those ranges; the hash streams over the
 * rest, and equality compares the same bytes of both events with memcmp (the hash only
 * picks candidates).
 */
#include "aggregate.h"

#include <string.h>

#include "common/alloc.h"
#include "common/timeutil.h"
#include "event-int.h"

/* Byte ranges of the first event's data left out of its identity (see identity_scan). */
#define IDENTITY_SKIPS_MAX 2

/*
 * Where the values left out start, in data order; 0 = unused (offset 0 always holds the
 * item tag).  Their sizes are read from the data (event_value_size).
 */
struct skips {
	uint32_t off[IDENTITY_SKIPS_MAX];
};

struct entry {
	struct event *first;
	uint64_t hash;
	uint64_t count;
	uint64_t last_ns; /* first seen: first->time_ns */
	int64_t last_pid;
	struct skips skips;
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

/*
 * Hash of a byte string given in pieces (the identity spans), the same however it is cut:
 * eight bytes per step (multiply-xorshift; not cryptographic), bytes carried over between
 * pieces, the length mixed in at the end so "a" and "a\0" differ.
 */
struct hasher {
	uint64_t h;
	unsigned char carry[8]; /* bytes of a word not complete yet, in stream order */
	unsigned n_carry;
};

static inline uint64_t hash_round(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

/* Words are read the same way (memcpy) whether they come whole or carried over. */
static void hasher_feed(struct hasher *x, const unsigned char *p, size_t n)
{
	uint64_t w;

	if (x->n_carry) {
		size_t k = 8 - x->n_carry < n ? 8 - x->n_carry : n;

		memcpy(x->carry + x->n_carry, p, k);
		x->n_carry += (unsigned)k;
		p += k;
		n -= k;
		if (x->n_carry < 8)
			return;
		memcpy(&w, x->carry, 8);
		x->h = hash_round(x->h, w);
		x->n_carry = 0;
	}
	while (n >= 16) {
		uint64_t w2;

		memcpy(&w, p, 8);
		memcpy(&w2, p + 8, 8);
		x->h = hash_round(hash_round(x->h, w), w2);
		p += 16;
		n -= 16;
	}
	if (n >= 8) {
		memcpy(&w, p, 8);
		x->h = hash_round(x->h, w);
		p += 8;
		n -= 8;
	}
	memcpy(x->carry, p, n);
	x->n_carry = (unsigned)n;
}

static uint64_t hasher_end(const struct hasher *x, size_t total)
{
	uint64_t w = 0, h;

	memcpy(&w, x->carry, x->n_carry);
	h = (x->h ^ w ^ (uint64_t)total << 56) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 31);
}

static unsigned pid_field(enum event_type t)
{
	return t == EVENT_PROCESS_CREATE      ? PC_PROCESS_ID
	       : t == EVENT_PROCESS_TERMINATE ? PT_PROCESS_ID
					      : CC_PROCESS_ID;
}

/* The identity bytes of an event: its data without the skipped ranges, as up to 3 spans. */
struct spans {
	const unsigned char *p[IDENTITY_SKIPS_MAX + 1];
	size_t n[IDENTITY_SKIPS_MAX + 1];
	unsigned count;
	size_t total;
};

struct identity {
	uint64_t hash;
	int64_t pid;
	struct skips skips;
	struct spans spans; /* of the event scanned, from skips */
	bool in;	    /* ConnectionCreate Direction "In" */
};

static bool add_skip(struct skips *k, const unsigned char *base, const unsigned char *p)
{
	uint32_t off = (uint32_t)(p - base);
	unsigned i;

	for (i = 0; i < IDENTITY_SKIPS_MAX && k->off[i]; i++)
		;
	if (i == IDENTITY_SKIPS_MAX || !off)
		return false;
	/* Kept in data order: the port left out is only known after Direction. */
	for (; i > 0 && k->off[i - 1] > off; i--)
		k->off[i] = k->off[i - 1];
	k->off[i] = off;
	return true;
}

static void identity_spans(const struct event *e, const struct skips *k, struct spans *ret)
{
	const struct event_type_info *ti = event_type_info((enum event_type)e->type);
	size_t at = 0;

	ret->count = 0;
	ret->total = 0;
	for (unsigned i = 0; i <= IDENTITY_SKIPS_MAX; i++) {
		size_t stop = i < IDENTITY_SKIPS_MAX && k->off[i] ? k->off[i] : e->data_len;

		if (stop > at) {
			ret->p[ret->count] = e->data + at;
			ret->n[ret->count++] = stop - at;
			ret->total += stop - at;
		}
		if (i == IDENTITY_SKIPS_MAX || !k->off[i])
			break;
		at = (size_t)k->off[i] + event_value_size(ti, e->data + k->off[i]);
	}
}

/*
 * One pass over the encoded data finds the process id, the direction, and the byte ranges
 * of the values left out of the identity.  The identity is the sequence of the other
 * encoded values (tag, length and bytes: self-delimiting), so two events of a type have the
 * same identity exactly when those bytes, concatenated, are equal: the hash is taken over
 * them and equality compares them (identity_equal).  The port left out depends on
 * Direction, which comes after the ports, so both are remembered until the end.  False if
 * the event has more ignored values than an entry records (the builder never makes one:
 * one item, each field at most once).
 */
static bool identity_scan(const struct event *e, struct identity *ret)
{
	enum event_type t = (enum event_type)e->type;
	const struct event_type_info *ti = event_type_info(t);
	const unsigned char *base = e->data, *p = base, *end = base + e->data_len;
	const unsigned char *remote = NULL, *local = NULL;
	unsigned pidf = pid_field(t);
	bool cc = t == EVENT_CONNECTION_CREATE, pc = t == EVENT_PROCESS_CREATE;
	struct hasher x = { .h = 0xcbf29ce484222325ull ^ e->type };
	struct spans *sp = &ret->spans;

	memset(ret, 0, sizeof(*ret));
	while (p < end) {
		size_t n = event_value_size(ti, p);
		unsigned tag = *p;

		if (tag == pidf) {
			memcpy(&ret->pid, p + 1, sizeof(ret->pid));
			if (!add_skip(&ret->skips, base, p))
				return false;
		} else if (pc && tag == PC_PARENT_PROCESS_ID) {
			if (!add_skip(&ret->skips, base, p))
				return false;
		} else if (cc && tag == CC_REMOTE_PORT) {
			remote = p;
		} else if (cc && tag == CC_LOCAL_PORT) {
			local = p;
		} else if (cc && tag == CC_DIRECTION) {
			ret->in = n == 1 + 4 + 2 && memcmp(p + 5, "In", 2) == 0;
		}
		p += n;
	}
	if (cc) {
		/* "In": the remote (ephemeral) port is left out; "Out": the local one. */
		const unsigned char *left_out = ret->in ? remote : local;

		if (left_out && !add_skip(&ret->skips, base, left_out))
			return false;
	}
	identity_spans(e, &ret->skips, sp);
	for (unsigned i = 0; i < sp->count; i++)
		hasher_feed(&x, sp->p[i], sp->n[i]);
	ret->hash = hasher_end(&x, sp->total);
	if (!ret->hash)
		ret->hash = 1;
	return true;
}

/* Exact comparison of two identities (the hash only picks the candidates). */
static bool identity_equal(const struct event *a, const struct skips *ka, const struct event *b,
			   const struct spans *spans_b)
{
	struct spans sa;
	const struct spans sb = *spans_b;
	const unsigned char *pa, *pb;
	size_t ra, rb;
	unsigned ia = 0, ib = 0;

	if (a->type != b->type)
		return false;
	identity_spans(a, ka, &sa);
	if (sa.total != sb.total)
		return false;
	if (!sa.total)
		return true;
	pa = sa.p[0];
	ra = sa.n[0];
	pb = sb.p[0];
	rb = sb.n[0];
	for (;;) {
		size_t k = ra < rb ? ra : rb;

		if (memcmp(pa, pb, k) != 0)
			return false;
		pa += k;
		pb += k;
		ra -= k;
		rb -= k;
		if (!ra) {
			if (++ia == sa.count)
				return true; /* equal totals: b ends here too */
			pa = sa.p[ia];
			ra = sa.n[ia];
		}
		if (!rb) {
			pb = sb.p[++ib];
			rb = sb.n[ib];
		}
	}
}

static int64_t pid_of(const struct event *e)
{
	unsigned field = e->type == EVENT_PROCESS_CREATE      ? PC_PROCESS_ID
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
	add_time_extras(b, "StartTimeLocal", "StartTimeUtc", e->time_ns);
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

/* owned: e itself when the caller owns it, NULL when e is lent. */
static bool offer(struct aggregator *a, const struct event *e, struct event *owned, uint64_t now_ns)
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
	if (!identity_scan(e, &id))
		return false;
	h = id.hash;
	for (i = h & (a->n_slots - 1); a->slots[i].first; i = (i + 1) & (a->n_slots - 1)) {
		struct entry *en = &a->slots[i];

		if (en->hash == h && identity_equal(en->first, &en->skips, e, &id.spans)) {
			en->count++;
			en->last_ns = e->time_ns;
			en->last_pid = id.pid;
			a->stats.absorbed++;
			event_free(owned);
			return true;
		}
	}
	if (a->n_entries >= a->max_entries || a->n_entries + 1 > a->n_slots / 2 ||
	    a->bytes + e->size > a->max_bytes) {
		a->stats.bypassed++;
		return false;
	}
	if (!owned && !(owned = event_copy(e)))
		return false;
	a->slots[i] = (struct entry){
		.first = owned,
		.hash = h,
		.count = 1,
		.last_ns = e->time_ns,
		.last_pid = id.pid,
		.skips = id.skips,
	};
	a->n_entries++;
	a->bytes += e->size;
	if (!w->start_ns)
		w->start_ns = now_ns ? now_ns : 1;
	return true;
}

bool aggregator_offer(struct aggregator *a, struct event *e, uint64_t now_ns)
{
	return offer(a, e, e, now_ns);
}

bool aggregator_offer_lent(struct aggregator *a, const struct event *e, uint64_t now_ns)
{
	return offer(a, e, NULL, now_ns);
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
