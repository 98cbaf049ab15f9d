/* SPDX-License-Identifier: MIT */
/*
 * The values seen by new-value rules, kept across restarts in the agent's store of baselines
 * (common/persist.h), so that a value that appeared while the agent was not running (a port
 * that began listening) is new at the next start instead of being part of a new baseline.
 *
 * One record per rule, key "newValue.<rule id>":
 *   "N1", the rule's state signature (u64), the number of values (u32), then per value its
 *   length (u16) and bytes; little-endian; the rule's values in least-recently-used order.
 * A record whose signature differs from the rule's (its definition changed) or that does not
 * parse is dropped: that rule takes a fresh baseline.  Values restored go through the same
 * state table and caps as live ones (detect-state.c); a rule with a restored set has no
 * baseline to take.  The record of a rule removed or disabled is removed too.
 * Threshold and sequence windows are kept by detect-windows.c (records "window.<rule id>");
 * dedup state is not kept.
 */
#include "detect-engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/persist.h"
#include "common/timeutil.h"

#define SET_MAGIC "N1"
#define SET_HEADER_LEN (2 + 8 + 4)

static void record_key(const char *rule_id, char out[PERSIST_KEY_MAX + 1])
{
	snprintf(out, PERSIST_KEY_MAX + 1, "newValue.%s", rule_id);
}

void detect_persist_forget(struct detect_engine *de, const char *rule_id)
{
	char key[PERSIST_KEY_MAX + 1];

	if (!de->persist)
		return;
	record_key(rule_id, key);
	persist_remove(de->persist, key);
	detect_windows_forget(de, rule_id);
}

/* The values of a saved set into the rule's state; false if the record is not usable. */
static bool restore_set(struct detect_engine *de, struct detect_rule_rt *rt, const uint8_t *d,
			size_t len)
{
	size_t off = SET_HEADER_LEN;
	uint32_t n;
	bool created;

	if (len < SET_HEADER_LEN || memcmp(d, SET_MAGIC, 2) != 0 ||
	    le_get(d + 2, 8) != rt->signature)
		return false;
	n = (uint32_t)le_get(d + 10, 4);
	/* check the whole record first: a bad one restores nothing */
	for (uint32_t i = 0; i < n; i++) {
		size_t kl;

		if (len - off < 2 || (kl = le_get(d + off, 2)) > DETECT_KEY_MAX ||
		    len - off - 2 < kl)
			return false;
		off += 2 + kl;
	}
	if (off != len)
		return false;
	off = SET_HEADER_LEN;
	for (uint32_t i = 0; i < n; i++) {
		size_t kl = le_get(d + off, 2);

		(void)detect_state_get(de, rt, DETECT_STATE_SEEN, (const char *)d + off + 2, kl,
				       &created);
		off += 2 + kl;
	}
	return true;
}

void detect_persist_restore(struct detect_engine *de)
{
	char key[PERSIST_KEY_MAX + 1];
	const void *data;
	size_t len;

	if (!de->persist)
		return;
	for (struct detect_rule_rt *rt = de->rts; rt; rt = rt->next) {
		const struct detect_rule *r = rt->rule;

		if (r && r->enabled && detect_windows_kind(r) && !rt->restore_tried) {
			rt->restore_tried = true;
			if (!rt->n_entries) /* live progress (a reload) is newer than the file */
				detect_windows_restore(de, rt);
			continue;
		}
		if (!r || !r->enabled || r->kind != DETECT_KIND_NEW_VALUE || rt->restore_tried ||
		    rt->baseline_done || rt->baseline_seq)
			continue;
		rt->restore_tried = true;
		record_key(rt->id, key);
		if (persist_get(de->persist, key, &data, &len) < 0)
			continue;
		if (restore_set(de, rt, data, len)) {
			rt->baseline_done = true;
			rt->persist_dirty = false;
		} else {
			detect_state_drop_rt(de, rt);
			persist_remove(de->persist, key);
		}
	}
}

void detect_engine_set_persist_at(struct detect_engine *de, struct persist *p, uint64_t now_ns)
{
	de->persist = p;
	de->persist_now_ns = now_ns;
	detect_persist_restore(de);
}

void detect_engine_set_persist(struct detect_engine *de, struct persist *p)
{
	detect_engine_set_persist_at(de, p, time_now_realtime_ns());
}

unsigned detect_engine_take_persist_issues(struct detect_engine *de,
					   struct detect_persist_issue *out, unsigned max)
{
	unsigned n = de->n_issues < max ? de->n_issues : max;

	memcpy(out, de->issues, n * sizeof(*out));
	de->n_issues = 0;
	return n;
}

/* Saves one rule's set: its most recently seen values that fit in a record. */
static int save_set(struct detect_engine *de, struct detect_rule_rt *rt)
{
	char key[PERSIST_KEY_MAX + 1];
	size_t len = SET_HEADER_LEN, off = SET_HEADER_LEN;
	struct detect_entry *first = NULL;
	uint32_t n = 0, left_out = 0;
	uint8_t *d;
	int r;

	for (struct detect_entry *e = rt->tail; e; e = e->rprev) {
		if (e->kind != DETECT_STATE_SEEN)
			continue;
		if (len + 2 + e->key_len > PERSIST_RECORD_MAX) {
			left_out++;
			continue;
		}
		if (!left_out) {
			len += 2 + e->key_len;
			n++;
			first = e;
		} else {
			left_out++;
		}
	}
	record_key(rt->id, key);
	d = es_malloc(len);
	if (!d)
		return -ENOMEM;
	memcpy(d, SET_MAGIC, 2);
	le_put(d + 2, rt->signature, 8);
	le_put(d + 10, n, 4);
	for (struct detect_entry *e = first; e; e = e->rnext) {
		if (e->kind != DETECT_STATE_SEEN)
			continue;
		le_put(d + off, e->key_len, 2);
		memcpy(d + off + 2, e->key, e->key_len);
		off += 2 + e->key_len;
	}
	r = persist_put(de->persist, key, d, len);
	es_free(d);
	if (left_out)
		persist_note_omitted(de->persist, left_out);
	return r;
}

int detect_engine_save(struct detect_engine *de)
{
	int saved = 0, r2;

	if (!de->persist)
		return 0;
	for (struct detect_rule_rt *rt = de->rts; rt; rt = rt->next) {
		const struct detect_rule *r = rt->rule;

		if (!rt->persist_dirty || !r || !r->enabled || r->kind != DETECT_KIND_NEW_VALUE)
			continue;
		if (!rt->baseline_done && !rt->baseline_seq)
			continue; /* nothing seen yet: no baseline to keep */
		rt->persist_dirty = false;
		r2 = save_set(de, rt);
		if (r2 == -ENOMEM)
			rt->persist_dirty = true; /* try again next time */
		else if (r2 == 0)
			saved++;
	}
	return saved + detect_windows_save(de);
}
