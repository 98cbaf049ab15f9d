/* SPDX-License-Identifier: MIT */
/*
 * The engine's keyed state: one hash table of entries (threshold/sequence progress, values
 * seen by new-value rules, alerts sent and their repeats), each on two LRU lists (the
 * engine's and its rule's).
 *
 * Bounds: settings.max_state_entries entries and settings.max_state_bytes bytes in all; a
 * rule holds at most a quarter of the entries (at least 64), so one noisy rule cannot push
 * out the others' state.  Beyond a bound the least recently used entry goes first
 * (stats.state_evicted); a dedup entry that goes sends its repeat summary first, so no count
 * is lost.  Progress older than its rule's window expires (stats.state_expired).
 */
#include "detect-engine.h"

#include <errno.h>
#include <string.h>

#include "common/alloc.h"
#include "common/timeutil.h"

#define RULE_SHARE_DIV 4
#define RULE_ENTRIES_MIN 64
#define BUCKETS_MIN 256

static uint64_t entry_hash(const struct detect_rule_rt *rt, enum detect_state_kind kind,
			   const char *key, size_t len)
{
	uint64_t h = detect_hash(&rt, sizeof(rt), DETECT_HASH_SEED);

	h = detect_hash(&kind, sizeof(kind), h);
	return detect_hash(key, len, h);
}

static void grow(struct detect_engine *de)
{
	size_t n = de->n_buckets ? de->n_buckets * 2 : BUCKETS_MIN;
	struct detect_entry **b = es_calloc(n, sizeof(*b));

	if (!b)
		return; /* keep the old table: chains get longer, nothing breaks */
	for (size_t i = 0; i < de->n_buckets; i++) {
		struct detect_entry *e = de->buckets[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	es_free(de->buckets);
	de->buckets = b;
	de->n_buckets = n;
}

struct detect_entry *detect_state_find(struct detect_engine *de, struct detect_rule_rt *rt,
				       enum detect_state_kind kind, const char *key, size_t len)
{
	uint64_t h;

	if (!de->n_buckets)
		return NULL;
	h = entry_hash(rt, kind, key, len);
	for (struct detect_entry *e = de->buckets[h & (de->n_buckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->rt == rt && e->kind == kind && e->key_len == len &&
		    memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

static void lru_unlink(struct detect_engine *de, struct detect_entry *e)
{
	if (e->gprev)
		e->gprev->gnext = e->gnext;
	else
		de->lru_head = e->gnext;
	if (e->gnext)
		e->gnext->gprev = e->gprev;
	else
		de->lru_tail = e->gprev;
	if (e->rprev)
		e->rprev->rnext = e->rnext;
	else
		e->rt->head = e->rnext;
	if (e->rnext)
		e->rnext->rprev = e->rprev;
	else
		e->rt->tail = e->rprev;
	e->gprev = e->gnext = e->rprev = e->rnext = NULL;
}

static void lru_append(struct detect_engine *de, struct detect_entry *e)
{
	e->gprev = de->lru_tail;
	if (de->lru_tail)
		de->lru_tail->gnext = e;
	else
		de->lru_head = e;
	de->lru_tail = e;
	e->rprev = e->rt->tail;
	if (e->rt->tail)
		e->rt->tail->rnext = e;
	else
		e->rt->head = e;
	e->rt->tail = e;
}

void detect_state_touch(struct detect_engine *de, struct detect_entry *e)
{
	e->last_ns = de->now_ns;
	if (de->lru_tail == e)
		return;
	lru_unlink(de, e);
	lru_append(de, e);
}

void detect_state_charge(struct detect_engine *de, struct detect_entry *e, ssize_t delta)
{
	e->bytes = (size_t)((ssize_t)e->bytes + delta);
	de->bytes = (size_t)((ssize_t)de->bytes + delta);
}

static void free_payload(struct detect_entry *e)
{
	if (e->kind == DETECT_STATE_MATCH) {
		for (unsigned i = 0; i < e->u.match.n_steps; i++) {
			es_free(e->u.match.steps[i].times);
			es_free(e->u.match.steps[i].first);
			es_free(e->u.match.steps[i].last);
		}
		es_free(e->u.match.steps);
	} else if (e->kind == DETECT_STATE_DEDUP) {
		event_free(e->u.dedup.first);
	}
}

static void emit_summary(struct detect_engine *de, struct detect_entry *e)
{
	struct event *s;

	if (!e->u.dedup.repeats || !e->u.dedup.first)
		return;
	if (detect_alert_summary(de, e->u.dedup.first, e->u.dedup.repeats, e->u.dedup.first_ns,
				 e->u.dedup.last_ns,
				 e->u.dedup.have_last ? e->u.dedup.last_id : NULL,
				 e->u.dedup.last_pid, de->now_ns, &s) == 0) {
		de->stats.summaries++;
		detect_submit(de, s);
	} else {
		de->stats.eval_errors++;
	}
}

void detect_state_drop(struct detect_engine *de, struct detect_entry *e, bool expired)
{
	struct detect_entry **pp;

	if (e->kind == DETECT_STATE_DEDUP)
		emit_summary(de, e);
	else if (e->kind == DETECT_STATE_SEEN)
		e->rt->persist_dirty = true; /* the saved set changes too */
	pp = &de->buckets[e->hash & (de->n_buckets - 1)];
	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(de, e);
	de->n_entries--;
	e->rt->n_entries--;
	de->bytes -= e->bytes;
	if (expired)
		de->stats.state_expired++;
	free_payload(e);
	es_free(e);
}

static size_t rule_share(const struct detect_engine *de)
{
	size_t n = de->settings.max_state_entries / RULE_SHARE_DIV;

	return n < RULE_ENTRIES_MIN ? RULE_ENTRIES_MIN : n;
}

/* Room for one more entry of rt (and `bytes` more bytes): evict the least recently used. */
static void make_room(struct detect_engine *de, struct detect_rule_rt *rt, size_t bytes)
{
	while (rt->head && rt->n_entries >= rule_share(de)) {
		de->stats.state_evicted++;
		detect_state_drop(de, rt->head, false);
	}
	while (de->lru_head && (de->n_entries >= de->settings.max_state_entries ||
				de->bytes + bytes > de->settings.max_state_bytes)) {
		de->stats.state_evicted++;
		detect_state_drop(de, de->lru_head, false);
	}
}

struct detect_entry *detect_state_get(struct detect_engine *de, struct detect_rule_rt *rt,
				      enum detect_state_kind kind, const char *key, size_t len,
				      bool *ret_created)
{
	struct detect_entry *e = detect_state_find(de, rt, kind, key, len);
	size_t size = sizeof(*e) + len;

	*ret_created = false;
	if (e) {
		detect_state_touch(de, e);
		return e;
	}
	if (len > UINT16_MAX) {
		de->stats.key_too_long++;
		return NULL;
	}
	make_room(de, rt, size);
	if (de->n_entries + 1 > de->n_buckets)
		grow(de);
	if (!de->n_buckets || !(e = es_calloc(1, size))) {
		de->stats.eval_errors++;
		return NULL;
	}
	e->rt = rt;
	e->kind = kind;
	e->hash = entry_hash(rt, kind, key, len);
	e->key_len = (uint16_t)len;
	memcpy(e->key, key, len);
	e->last_ns = de->now_ns;
	e->bytes = size;
	e->hnext = de->buckets[e->hash & (de->n_buckets - 1)];
	de->buckets[e->hash & (de->n_buckets - 1)] = e;
	lru_append(de, e);
	de->n_entries++;
	rt->n_entries++;
	de->bytes += size;
	*ret_created = true;
	return e;
}

void detect_state_drop_rt(struct detect_engine *de, struct detect_rule_rt *rt)
{
	while (rt->head)
		detect_state_drop(de, rt->head, false);
}

static void keep_min(uint64_t *deadline, uint64_t t)
{
	if (t && (!*deadline || t < *deadline))
		*deadline = t;
}

static void sweep_rates(struct detect_engine *de, uint64_t now_ns, bool all, uint64_t *deadline)
{
	for (struct detect_rule_rt *rt = de->rts; rt; rt = rt->next) {
		uint64_t end = rt->rate_start_ns + 60 * NSEC_PER_SEC;
		struct event *s;

		if (!rt->suppressed || !rt->rule) {
			continue;
		}
		if (!all && now_ns < end) {
			keep_min(deadline, end);
			continue;
		}
		if (detect_alert_suppressed(de, rt->rule, rt->suppressed, rt->suppressed_first_ns,
					    rt->suppressed_last_ns, now_ns, &s) == 0) {
			de->stats.summaries++;
			detect_submit(de, s);
		}
		rt->suppressed = 0;
	}
}

void detect_state_sweep(struct detect_engine *de, uint64_t now_ns, bool all)
{
	struct detect_entry *e = de->lru_head, *next;
	uint64_t deadline = 0;

	if (now_ns > de->now_ns)
		de->now_ns = now_ns;
	for (; e; e = next) {
		next = e->gnext;
		if (e->kind == DETECT_STATE_DEDUP) {
			if (all || de->now_ns >= e->u.dedup.window_end_ns)
				detect_state_drop(de, e, true);
			else
				keep_min(&deadline, e->u.dedup.window_end_ns);
		} else if (e->kind == DETECT_STATE_MATCH && e->rt->rule) {
			uint64_t end = e->last_ns + e->rt->rule->window_ms * 1000000ull;

			if (de->now_ns > end)
				detect_state_drop(de, e, true);
			else
				keep_min(&deadline, end);
		}
	}
	sweep_rates(de, de->now_ns, all, &deadline);
	de->next_deadline_ns = deadline;
}
