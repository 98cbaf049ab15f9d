/* SPDX-License-Identifier: MIT */
/*
 * Threshold and sequence progress kept across restarts, in the agent's store of baselines
 * (common/persist.h), so that restarting the agent (or waiting for a module update or a
 * reboot) does not reset a brute force count or a half-done sequence: 4 failed logins, a
 * restart, 1 more is 5 within the window.
 *
 * One record per rule with live progress, key "window.<rule id>", little-endian:
 *   "W1", the rule's state signature (u64), kind (u8: 1 threshold, 2 sequence), steps (u8),
 *   window in ms (u64), the latest event of its entries (u64, event time), entries (u32);
 *   per entry, least recently used first: key length (u16, at most DETECT_KEY_MAX), key,
 *   last touched (u64), then per step: times held (u32, at most the step's count), the times
 *   (u64 each, oldest first, never decreasing, none after "last touched", which is never
 *   after the record's latest), then the step's first and latest evidence elements (u16 length and
 * a JSON object each, at most SNIPPET_SAVED_MAX bytes; 0: none).
 *
 * Times are event times (the engine's clock; live, event times are wall-clock times, never
 * believed more than a second ahead).  At load the engine has seen no event yet, so an entry
 * is judged against the wall clock at start (detect_engine_set_persist_at): an entry whose
 * window ended while the agent was stopped is dropped (stats.persist_expired), and so is one
 * with a time more than a second ahead of that clock (the clock stepped back, or a forged
 * record).  A record of another definition of the rule (signature, kind, steps, counts or
 * window differ) is dropped (stats.persist_stale); a record that does not parse, in any part,
 * is refused whole (stats.persist_refused, one issue for the caller to log) and the rule
 * starts empty.  Restored entries go through the state table and its caps like live ones.
 *
 * Saving: every rule's entries still inside its window; the rules share WINDOWS_SAVED_MAX
 * bytes (and what the store has room for) in equal parts, a rule's unused part going to the
 * next.  Within a rule the most recent entries go first: every entry's times before any
 * evidence, then evidence for the most recent ones while the part lasts; entries beyond it
 * are left out (stats.persist_omitted and persist_note_omitted).  Dedup entries are not kept
 * (an alert repeated after a restart is a new alert: louder, never quieter).
 */
#include "detect-engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/persist.h"
#include "common/timeutil.h"

#define WIN_MAGIC "W1"
#define WIN_HEADER_LEN (2 + 8 + 1 + 1 + 8 + 8 + 4)
#define WINDOWS_SAVED_MAX (2u << 20)
#define SNIPPET_SAVED_MAX (2u * DETECT_SNIPPET_MAX)
#define CLOCK_SLACK_NS NSEC_PER_SEC

static void window_key(const char *rule_id, char out[PERSIST_KEY_MAX + 1])
{
	snprintf(out, PERSIST_KEY_MAX + 1, "window.%s", rule_id);
}

bool detect_windows_kind(const struct detect_rule *r)
{
	return r && (r->kind == DETECT_KIND_THRESHOLD || r->kind == DETECT_KIND_SEQUENCE);
}

void detect_windows_forget(struct detect_engine *de, const char *rule_id)
{
	char key[PERSIST_KEY_MAX + 1];

	if (!de->persist)
		return;
	window_key(rule_id, key);
	persist_remove(de->persist, key);
}

static void note_issue(struct detect_engine *de, const char *rule_id, const char *msg,
		       size_t offset)
{
	struct detect_persist_issue *is;

	de->stats.persist_refused++;
	if (de->n_issues >= DETECT_PERSIST_ISSUES_MAX)
		return;
	is = &de->issues[de->n_issues++];
	snprintf(is->rule_id, sizeof(is->rule_id), "%s", rule_id);
	snprintf(is->message, sizeof(is->message), "%s", msg);
	is->offset = offset;
}

/* ---- reading ---- */

struct win_reader {
	const uint8_t *d;
	size_t len, off;
	const char *error;
};

static bool rd(struct win_reader *r, unsigned n, uint64_t *ret, const char *what)
{
	if (r->error)
		return false;
	if (r->len - r->off < n) {
		r->error = what;
		return false;
	}
	*ret = le_get(r->d + r->off, n);
	r->off += n;
	return true;
}

static bool rd_bytes(struct win_reader *r, size_t n, const uint8_t **ret, const char *what)
{
	if (r->error)
		return false;
	if (r->len - r->off < n) {
		r->error = what;
		return false;
	}
	*ret = r->d + r->off;
	r->off += n;
	return true;
}

static bool fail(struct win_reader *r, const char *why)
{
	if (!r->error)
		r->error = why;
	return false;
}

/* An evidence element: empty, or one JSON object without NUL bytes. */
static bool snippet_ok(const uint8_t *s, size_t len)
{
	struct json_error err;
	cJSON *j;
	bool ok;

	if (!len)
		return true;
	if (memchr(s, 0, len) || s[0] != '{')
		return false;
	j = json_parse((const char *)s, len, &err);
	ok = j && cJSON_IsObject(j);
	cJSON_Delete(j);
	return ok;
}

/* One step of an entry: checked, and applied to ss when ss is not NULL. */
static bool step_read(struct detect_engine *de, struct detect_entry *e,
		      struct detect_step_state *ss, struct win_reader *r, uint32_t cap,
		      uint64_t last_ns)
{
	uint64_t n, t, prev = 1, flen, llen;
	const uint8_t *first, *last;

	if (!rd(r, 4, &n, "truncated step") || n > cap)
		return fail(r, "more times than the step's count");
	for (uint64_t i = 0; i < n; i++) {
		if (!rd(r, 8, &t, "truncated times"))
			return false;
		if (t < prev || t > last_ns)
			return fail(r, "times out of order or after the entry's last event");
		prev = t;
		if (ss)
			ss->times[(ss->head + ss->n++) % ss->cap] = t;
	}
	if (!rd(r, 2, &flen, "truncated evidence") || flen > SNIPPET_SAVED_MAX ||
	    !rd_bytes(r, flen, &first, "truncated evidence") || !snippet_ok(first, flen) ||
	    !rd(r, 2, &llen, "truncated evidence") || llen > SNIPPET_SAVED_MAX ||
	    !rd_bytes(r, llen, &last, "truncated evidence") || !snippet_ok(last, llen))
		return fail(r, "evidence that is not one JSON object");
	if (!ss)
		return true;
	if (flen && (ss->first = es_strndup((const char *)first, flen)))
		detect_state_charge(de, e, (ssize_t)flen);
	if (llen && (ss->last = es_strndup((const char *)last, llen)))
		detect_state_charge(de, e, (ssize_t)llen);
	return true;
}

/*
 * The entries of a record, after its header: checked (apply false) or made (apply true).
 * An entry that expired, or with a time ahead of the clock, is read but not made.
 */
static bool entries_read(struct detect_engine *de, struct detect_rule_rt *rt, struct win_reader *r,
			 uint32_t n, uint64_t saved_ns, uint64_t now_ns, bool apply)
{
	const struct detect_rule *rule = rt->rule;
	uint64_t window_ns = rule->window_ms * 1000000ull, restored = 0, expired = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t kl, last_ns;
		const uint8_t *key;
		struct detect_entry *e = NULL;
		bool created, keep;

		if (!rd(r, 2, &kl, "truncated entry") || kl > DETECT_KEY_MAX)
			return fail(r, "a key longer than DETECT_KEY_MAX");
		if (!rd_bytes(r, kl, &key, "truncated key") ||
		    !rd(r, 8, &last_ns, "truncated entry"))
			return false;
		if (!last_ns || last_ns > saved_ns)
			return fail(r, "an entry later than the record's latest time");
		keep = last_ns + window_ns >= now_ns && last_ns <= now_ns + CLOCK_SLACK_NS;
		if (apply && !keep)
			expired++;
		if (apply && keep) {
			if (detect_state_find(de, rt, DETECT_STATE_MATCH, (const char *)key, kl))
				return fail(r, "a key twice");
			e = detect_state_get(de, rt, DETECT_STATE_MATCH, (const char *)key, kl,
					     &created);
			if (e && !detect_match_init(de, e, rule)) {
				detect_state_drop(de, e, false);
				e = NULL;
			}
			if (e) {
				e->last_ns = last_ns;
				restored++;
			}
		}
		for (unsigned s = 0; s < rule->n_steps; s++)
			if (!step_read(de, e, e ? &e->u.match.steps[s] : NULL, r,
				       rule->steps[s].count, last_ns))
				return false;
		if (e && (!de->next_deadline_ns || last_ns + window_ns < de->next_deadline_ns))
			de->next_deadline_ns = last_ns + window_ns;
	}
	if (r->off != r->len)
		return fail(r, "bytes after the last entry");
	de->stats.persist_restored += restored;
	de->stats.persist_expired += expired;
	return true;
}

/* -1: not this rule's (another definition); 0: refused (r->error); 1: entries follow. */
static int header_read(const struct detect_rule *rule, uint64_t signature, struct win_reader *r,
		       uint32_t *ret_n, uint64_t *ret_saved)
{
	const char *short_header = "shorter than its header";
	uint64_t sig, kind, steps, window, saved, n;
	const uint8_t *magic;

	if (!rd_bytes(r, 2, &magic, short_header) || !rd(r, 8, &sig, short_header) ||
	    !rd(r, 1, &kind, short_header) || !rd(r, 1, &steps, short_header) ||
	    !rd(r, 8, &window, short_header) || !rd(r, 8, &saved, short_header) ||
	    !rd(r, 4, &n, short_header))
		return 0;
	if (memcmp(magic, WIN_MAGIC, 2) != 0) {
		fail(r, "not a windows record (magic)");
		return 0;
	}
	if (sig != signature || kind != (rule->kind == DETECT_KIND_THRESHOLD ? 1u : 2u) ||
	    steps != rule->n_steps || window != rule->window_ms)
		return -1;
	if (!saved) {
		fail(r, "no latest time");
		return 0;
	}
	*ret_n = (uint32_t)n;
	*ret_saved = saved;
	return 1;
}

void detect_windows_restore(struct detect_engine *de, struct detect_rule_rt *rt)
{
	char key[PERSIST_KEY_MAX + 1];
	struct win_reader r = { 0 };
	uint64_t now = de->persist_now_ns > de->now_ns ? de->persist_now_ns : de->now_ns;
	uint64_t saved = 0;
	const void *data;
	uint32_t n = 0;
	int h;

	window_key(rt->id, key);
	if (persist_get(de->persist, key, &data, &r.len) < 0)
		return;
	r.d = data;
	h = header_read(rt->rule, rt->signature, &r, &n, &saved);
	if (h < 0) {
		de->stats.persist_stale++;
		persist_remove(de->persist, key);
		return;
	}
	/* the whole record is checked before anything is made from it */
	if (h == 0 || !entries_read(de, rt, &r, n, saved, now, false)) {
		note_issue(de, rt->id, r.error ? r.error : "unreadable", r.off);
		persist_remove(de->persist, key);
		return;
	}
	r.off = WIN_HEADER_LEN;
	r.error = NULL;
	if (!entries_read(de, rt, &r, n, saved, now, true)) {
		note_issue(de, rt->id, r.error ? r.error : "unreadable", r.off);
		detect_state_drop_rt(de, rt);
		persist_remove(de->persist, key);
	}
}

/* ---- saving ---- */

static size_t snippet_len(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > SNIPPET_SAVED_MAX ? 0 : n;
}

static size_t entry_size(const struct detect_entry *e, bool evidence)
{
	size_t n = 2 + e->key_len + 8;

	for (unsigned s = 0; s < e->u.match.n_steps; s++) {
		const struct detect_step_state *ss = &e->u.match.steps[s];

		n += 4 + (size_t)ss->n * 8 + 2 + 2;
		if (evidence)
			n += snippet_len(ss->first) + snippet_len(ss->last);
	}
	return n;
}

static bool entry_live(const struct detect_engine *de, const struct detect_entry *e)
{
	return e->kind == DETECT_STATE_MATCH && e->last_ns &&
	       e->last_ns + e->rt->rule->window_ms * 1000000ull >= de->now_ns;
}

static size_t entry_write(uint8_t *d, const struct detect_entry *e, bool evidence)
{
	size_t off = 0;

	le_put(d, e->key_len, 2);
	memcpy(d + 2, e->key, e->key_len);
	le_put(d + 2 + e->key_len, e->last_ns, 8);
	off = 2 + e->key_len + 8;
	for (unsigned s = 0; s < e->u.match.n_steps; s++) {
		const struct detect_step_state *ss = &e->u.match.steps[s];
		const char *sn[2] = { ss->first, ss->last };

		le_put(d + off, ss->n, 4);
		off += 4;
		for (uint32_t i = 0; i < ss->n; i++, off += 8)
			le_put(d + off, ss->times[(ss->head + i) % ss->cap], 8);
		for (int k = 0; k < 2; k++) {
			size_t l = evidence ? snippet_len(sn[k]) : 0;

			le_put(d + off, l, 2);
			if (l)
				memcpy(d + off + 2, sn[k], l);
			off += 2 + l;
		}
	}
	return off;
}

/*
 * The rule's record within `part` bytes: the most recent entries (times first, then
 * evidence while the part lasts).  *ret_len 0: nothing live.  -ENOMEM.
 */
static int record_build(struct detect_engine *de, struct detect_rule_rt *rt, size_t part,
			uint8_t **ret, size_t *ret_len, uint64_t *ret_left_out)
{
	size_t len = WIN_HEADER_LEN, off = WIN_HEADER_LEN, n = 0, i;
	struct detect_entry *e, *first = NULL;
	uint8_t *d, *ev = es_calloc(rt->n_entries ? rt->n_entries : 1, 1);
	uint64_t left_out = 0, latest = 0;

	if (!ev)
		return -ENOMEM;
	for (e = rt->tail; e; e = e->rprev) { /* most recent first: times */
		if (!entry_live(de, e))
			continue;
		if (left_out || len + entry_size(e, false) > part) {
			left_out++;
			continue;
		}
		len += entry_size(e, false);
		first = e;
		latest = e->last_ns > latest ? e->last_ns : latest;
		n++;
	}
	for (e = rt->tail, i = 0; e && i < n; e = e->rprev) { /* then evidence */
		size_t more;

		if (!entry_live(de, e))
			continue;
		more = entry_size(e, true) - entry_size(e, false);
		if (len + more <= part) {
			ev[i] = 1;
			len += more;
		}
		i++;
	}
	*ret_len = 0;
	*ret_left_out = left_out;
	if (!n) {
		es_free(ev);
		return 0;
	}
	if (!(d = es_malloc(len))) {
		es_free(ev);
		return -ENOMEM;
	}
	memcpy(d, WIN_MAGIC, 2);
	le_put(d + 2, rt->signature, 8);
	le_put(d + 10, rt->rule->kind == DETECT_KIND_THRESHOLD ? 1 : 2, 1);
	le_put(d + 11, rt->rule->n_steps, 1);
	le_put(d + 12, rt->rule->window_ms, 8);
	le_put(d + 20, latest, 8); /* not the clock: unchanged progress is unchanged bytes */
	le_put(d + 28, n, 4);
	for (e = first, i = n; e; e = e->rnext) /* least recently used first */
		if (entry_live(de, e))
			off += entry_write(d + off, e, ev[--i]);
	es_free(ev);
	*ret = d;
	*ret_len = off;
	return 0;
}

static size_t windows_room(struct detect_engine *de)
{
	struct persist_stats st;
	size_t ours = 0, room;
	char key[PERSIST_KEY_MAX + 1];
	const void *d;
	size_t len;

	for (struct detect_rule_rt *rt = de->rts; rt; rt = rt->next) {
		window_key(rt->id, key);
		if (persist_get(de->persist, key, &d, &len) == 0)
			ours += len;
	}
	persist_get_stats(de->persist, &st);
	room = PERSIST_TOTAL_MAX - (st.bytes - ours);
	return room < WINDOWS_SAVED_MAX ? room : WINDOWS_SAVED_MAX;
}

int detect_windows_save(struct detect_engine *de)
{
	size_t budget, rules = 0, part, len;
	char key[PERSIST_KEY_MAX + 1];
	int saved = 0;
	uint64_t left_out;
	uint8_t *d;

	if (!de->persist || !de->now_ns)
		return 0; /* no event seen: nothing new to keep, what was restored stays */
	budget = windows_room(de);
	for (struct detect_rule_rt *rt = de->rts; rt; rt = rt->next)
		rules += rt->rule && rt->rule->enabled && detect_windows_kind(rt->rule);
	for (struct detect_rule_rt *rt = de->rts; rt; rt = rt->next) {
		if (!rt->rule || !rt->rule->enabled || !detect_windows_kind(rt->rule))
			continue;
		part = budget / rules--;
		if (part > PERSIST_RECORD_MAX)
			part = PERSIST_RECORD_MAX;
		window_key(rt->id, key);
		if (record_build(de, rt, part, &d, &len, &left_out) < 0)
			continue; /* the previous record stays: tried again next time */
		if (left_out) {
			de->stats.persist_omitted += left_out;
			persist_note_omitted(de->persist, left_out);
		}
		if (!len) {
			persist_remove(de->persist, key);
			continue;
		}
		if (persist_put(de->persist, key, d, len) == 0) {
			saved++;
			budget -= len;
		}
		es_free(d);
	}
	return saved;
}
