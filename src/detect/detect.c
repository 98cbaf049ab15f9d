/* SPDX-License-Identifier: MIT */
/*
 * The detection engine (docs/detection.md).
 *
 * Where it sits: a pipeline observer, so it sees every event submitted to the sink before the
 * priority filter and aggregation (a type set to Off and the repeats aggregation absorbs are
 * seen too).  Per event: one pass over each payload item fills a field view (detect-match.c);
 * the rules indexed under the event's type are evaluated on it; nothing is allocated unless a
 * rule matches.
 *
 * Kinds: single (one item), threshold (count per key within a window), sequence (steps in
 * order, or in any order, per key within a window), new value (a key not seen since the
 * first event, which is the baseline; the first snapshot when the rule reads a periodic
 * type).  A firing rule goes through deduplication (the same
 * rule and key within dedupWindow only increments a repeat count, sent as one summary when
 * the window ends) and a rate (settings.alerts_per_minute new alerts per rule per minute,
 * config detectionAlertsPerMinute; beyond it one "suppressed" summary), so a flood of behaviour is
 * never a flood of alerts.
 *
 * Time: windows run on event time (the time the behaviour was captured), never backwards:
 * the engine's clock is the latest event or tick time.  Live, an event time more than a second
 * ahead of the wall clock is not believed (replay trusts recorded times).
 *
 * Alerts raised while the engine is busy (inside observe or a sweep) wait in a short pending
 * list and go to the sink when it returns, so a nested event never sees half-updated state.
 */
#include "detect-engine.h"

#include <errno.h>
#include <string.h>

#include "common/alloc.h"
#include "common/timeutil.h"

#define PENDING_MAX 1024u
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static void flush_pending(struct detect_engine *de)
{
	unsigned n = de->n_pending;

	for (unsigned i = 0; i < n; i++)
		event_sink_submit(de->out, de->pending[i]);
	de->n_pending = 0;
	if (n && de->on_alert)
		de->on_alert(de->on_alert_userdata);
}

void detect_submit(struct detect_engine *de, struct event *e)
{
	if (de->busy && de->n_pending < PENDING_MAX) {
		de->pending[de->n_pending++] = e;
		return;
	}
	event_sink_submit(de->out, e);
	if (de->on_alert)
		de->on_alert(de->on_alert_userdata);
}

static void keep_deadline(struct detect_engine *de, uint64_t t)
{
	if (t && (!de->next_deadline_ns || t < de->next_deadline_ns))
		de->next_deadline_ns = t;
}

/* ---- firing ---- */

static void dedup_key(struct detect_engine *de, const struct detect_rule *r, struct detect_view *v,
		      const char *state_key, size_t state_len, const struct detect_key *state_spec,
		      char *out, size_t *ret_len, const struct detect_key **ret_spec)
{
	const struct detect_key *spec = &de->rules->default_key[v->type];

	if (r->dedup.n)
		spec = &r->dedup;
	else if (state_key) {
		memcpy(out, state_key, state_len);
		*ret_len = state_len;
		*ret_spec = state_spec;
		return;
	}
	if (!detect_key_build(spec, v, out, ret_len))
		*ret_len = 0;
	*ret_spec = spec;
}

/* Past its rate: counted, and said once per minute by a suppressed summary (sweep). */
static bool over_rate(struct detect_engine *de, struct detect_rule_rt *rt)
{
	uint64_t now = de->now_ns;

	if (now >= rt->rate_start_ns + 60 * NSEC_PER_SEC) {
		if (rt->suppressed) {
			struct event *s;

			if (detect_alert_suppressed(de, rt->rule, rt->suppressed,
						    rt->suppressed_first_ns, rt->suppressed_last_ns,
						    now, &s) == 0) {
				de->stats.summaries++;
				detect_submit(de, s);
			}
			rt->suppressed = 0;
		}
		rt->rate_start_ns = now;
		rt->rate_count = 0;
	}
	if (rt->rate_count < de->settings.alerts_per_minute) {
		rt->rate_count++;
		return false;
	}
	if (!rt->suppressed++)
		rt->suppressed_first_ns = now;
	rt->suppressed_last_ns = now;
	de->stats.suppressed++;
	keep_deadline(de, rt->rate_start_ns + 60 * NSEC_PER_SEC);
	return true;
}

static void remember_alert(struct detect_engine *de, struct detect_rule_rt *rt, const char *key,
			   size_t len, struct event *copy)
{
	const struct detect_rule *r = rt->rule;
	uint64_t window = r->dedup_window_ms ? r->dedup_window_ms : de->settings.dedup_window_ms;
	struct detect_entry *d;
	bool created;

	d = detect_state_get(de, rt, DETECT_STATE_DEDUP, key, len, &created);
	if (!d || !created) {
		event_free(copy);
		return;
	}
	d->u.dedup.first = copy;
	d->u.dedup.first_ns = d->u.dedup.last_ns = de->now_ns;
	d->u.dedup.window_end_ns = de->now_ns + window * 1000000ull;
	d->u.dedup.last_pid = -1;
	detect_state_charge(de, d, (ssize_t)event_get_size(copy));
	keep_deadline(de, d->u.dedup.window_end_ns);
}

static void count_repeat(struct detect_engine *de, struct detect_entry *d, struct detect_view *v)
{
	struct detect_val pid;

	d->u.dedup.repeats++;
	d->u.dedup.last_ns = de->now_ns;
	event_get_id(v->e, d->u.dedup.last_id);
	d->u.dedup.have_last = true;
	d->u.dedup.last_pid = -1;
	if (detect_ref_get(v, &de->rules->ctx[DETECT_CTX_PROCESS_ID], &pid) && pid.is_int)
		d->u.dedup.last_pid = pid.i;
	detect_state_touch(de, d);
	de->stats.repeats++;
}

/*
 * A rule fired on the item in v.  `prior` holds evidence elements of earlier events (comma
 * separated, no brackets) or is NULL; the item itself is the last element.
 */
static void fire(struct detect_engine *de, struct detect_rule *r, struct detect_view *v,
		 const struct buf *prior, const char *state_key, size_t state_len,
		 const struct detect_key *state_spec)
{
	struct detect_rule_rt *rt = r->rt;
	const struct detect_key *spec = NULL;
	char key[DETECT_KEY_MAX];
	size_t len = 0;
	struct detect_entry *d;
	struct event *a, *copy;
	uint8_t id[16];

	de->stats.matches++;
	dedup_key(de, r, v, state_key, state_len, state_spec, key, &len, &spec);
	d = detect_state_find(de, rt, DETECT_STATE_DEDUP, key, len);
	if (d && de->now_ns < d->u.dedup.window_end_ns) {
		count_repeat(de, d, v);
		return;
	}
	if (d)
		detect_state_drop(de, d, true);
	if (over_rate(de, rt))
		return;
	buf_reset(&de->evidence);
	buf_putc(&de->evidence, '[');
	if (prior && prior->len) {
		buf_append(&de->evidence, prior->data, prior->len);
		buf_putc(&de->evidence, ',');
	}
	if (detect_snippet_build(v, 1, &de->snippet) == 0)
		buf_append(&de->evidence, de->snippet.data, de->snippet.len);
	buf_putc(&de->evidence, ']');
	buf_reset(&de->key_text);
	if (spec && spec->n)
		detect_key_describe(spec, key, len, &de->key_text);
	if (de->evidence.failed || de->key_text.failed ||
	    detect_alert_build(de, r, v, &de->evidence, &de->key_text, de->now_ns, &a) < 0) {
		de->stats.eval_errors++;
		return;
	}
	if (event_builder_finish(&de->builder, &copy) == 0) {
		event_get_id(a, id);
		event_set_id(copy, id);
		remember_alert(de, rt, key, len, copy);
	}
	rt->alerts++;
	de->stats.alerts++;
	detect_submit(de, a);
}

/* ---- kinds ---- */

bool detect_match_init(struct detect_engine *de, struct detect_entry *e,
		       const struct detect_rule *r)
{
	size_t bytes = r->n_steps * sizeof(struct detect_step_state);

	e->u.match.steps = es_calloc(r->n_steps, sizeof(struct detect_step_state));
	if (!e->u.match.steps)
		return false;
	e->u.match.n_steps = r->n_steps;
	for (unsigned i = 0; i < r->n_steps; i++) {
		struct detect_step_state *ss = &e->u.match.steps[i];

		ss->cap = r->steps[i].count;
		ss->times = es_calloc(ss->cap, sizeof(uint64_t));
		if (!ss->times)
			return false;
		bytes += ss->cap * sizeof(uint64_t);
	}
	detect_state_charge(de, e, (ssize_t)bytes);
	return true;
}

/* Drops the times older than the window; returns how many remain. */
static uint32_t step_prune(struct detect_step_state *ss, uint64_t now, uint64_t window_ns)
{
	while (ss->n && now > window_ns && ss->times[ss->head] < now - window_ns) {
		ss->head = (ss->head + 1) % ss->cap;
		ss->n--;
	}
	return ss->n;
}

static void set_snippet(struct detect_engine *de, struct detect_entry *e, char **slot,
			const struct buf *b)
{
	size_t old = *slot ? strlen(*slot) : 0;
	char *s = es_strndup(b->data ? b->data : "", b->len);

	es_free(*slot);
	*slot = s;
	detect_state_charge(de, e, (ssize_t)(s ? b->len : 0) - (ssize_t)old);
}

/* Records the item in step i: its time, and its evidence as the step's first or latest. */
static void step_record(struct detect_engine *de, struct detect_entry *e, unsigned i,
			struct detect_view *v, uint64_t window_ns, bool with_evidence)
{
	struct detect_step_state *ss = &e->u.match.steps[i];

	if (!step_prune(ss, de->now_ns, window_ns)) {
		set_snippet(de, e, &ss->first, &(struct buf){ 0 });
		set_snippet(de, e, &ss->last, &(struct buf){ 0 });
	}
	if (ss->n < ss->cap) {
		ss->times[(ss->head + ss->n) % ss->cap] = de->now_ns;
		ss->n++;
	} else {
		ss->times[ss->head] = de->now_ns;
		ss->head = (ss->head + 1) % ss->cap;
	}
	if (!with_evidence || detect_snippet_build(v, 1, &de->snippet) < 0)
		return;
	set_snippet(de, e, (ss->first && *ss->first) ? &ss->last : &ss->first, &de->snippet);
}

/* Evidence of steps [0, n): each step's first event (with its count) and latest. */
static void step_evidence(const struct detect_entry *e, unsigned n, struct buf *out)
{
	buf_reset(out);
	for (unsigned i = 0; i < n; i++) {
		struct detect_step_state *ss = &e->u.match.steps[i];

		if (ss->first && *ss->first) {
			if (out->len)
				buf_putc(out, ',');
			buf_puts(out, ss->first);
			if (ss->n > 1 && out->len > 1 && out->data[out->len - 1] == '}') {
				/* the step's count, inside its first element */
				buf_truncate(out, out->len - 1);
				buf_printf(out, ",\"Count\":%u}", ss->n);
			}
		}
		if (ss->last && *ss->last) {
			buf_putc(out, ',');
			buf_puts(out, ss->last);
		}
	}
}

static void run_threshold(struct detect_engine *de, struct detect_rule *r, struct detect_view *v)
{
	const struct detect_step *st = &r->steps[0];
	uint64_t window_ns = r->window_ms * 1000000ull;
	char key[DETECT_KEY_MAX];
	struct detect_entry *e;
	struct buf prior;
	size_t len;
	bool created;

	if (!detect_key_build(&st->key, v, key, &len))
		return;
	e = detect_state_get(de, r->rt, DETECT_STATE_MATCH, key, len, &created);
	if (!e)
		return;
	if (created && !detect_match_init(de, e, r)) {
		detect_state_drop(de, e, false);
		return;
	}
	if (step_prune(&e->u.match.steps[0], de->now_ns, window_ns) + 1 < st->count) {
		step_record(de, e, 0, v, window_ns, !e->u.match.steps[0].n);
		keep_deadline(de, de->now_ns + window_ns);
		return;
	}
	/* count reached: evidence is the first event of the window (with the count) and this */
	step_record(de, e, 0, v, window_ns, false);
	buf_init(&prior, 64 * 1024);
	step_evidence(e, 1, &prior);
	fire(de, r, v, &prior, key, len, &st->key);
	buf_done(&prior);
	if ((e = detect_state_find(de, r->rt, DETECT_STATE_MATCH, key, len)))
		detect_state_drop(de, e, false);
}

static bool steps_satisfied(struct detect_entry *e, const struct detect_rule *r, unsigned n,
			    uint64_t now, uint64_t window_ns)
{
	for (unsigned i = 0; i < n; i++)
		if (step_prune(&e->u.match.steps[i], now, window_ns) < r->steps[i].count)
			return false;
	return true;
}

/* One step of a sequence took the item: record it, fire when every step is satisfied. */
static void sequence_step(struct detect_engine *de, struct detect_rule *r, struct detect_view *v,
			  unsigned s, const char *key, size_t len)
{
	uint64_t window_ns = r->window_ms * 1000000ull;
	struct detect_entry *e;
	struct buf prior;
	bool created;

	e = detect_state_get(de, r->rt, DETECT_STATE_MATCH, key, len, &created);
	if (!e)
		return;
	if (created && !detect_match_init(de, e, r)) {
		detect_state_drop(de, e, false);
		return;
	}
	step_record(de, e, s, v, window_ns, true);
	keep_deadline(de, de->now_ns + window_ns);
	if (!steps_satisfied(e, r, r->n_steps, de->now_ns, window_ns))
		return;
	/* the last element is this item: it is the latest of step s, so leave it out there */
	set_snippet(de, e, &e->u.match.steps[s].last, &(struct buf){ 0 });
	if (e->u.match.steps[s].n <= 1)
		set_snippet(de, e, &e->u.match.steps[s].first, &(struct buf){ 0 });
	buf_init(&prior, 64 * 1024);
	step_evidence(e, r->n_steps, &prior);
	fire(de, r, v, &prior, key, len, &r->steps[r->n_steps - 1].key);
	buf_done(&prior);
	if ((e = detect_state_find(de, r->rt, DETECT_STATE_MATCH, key, len)))
		detect_state_drop(de, e, false);
}

static void run_sequence(struct detect_engine *de, struct detect_rule *r, struct detect_view *v)
{
	uint64_t window_ns = r->window_ms * 1000000ull;

	for (unsigned k = 0; k < r->n_steps; k++) {
		/* ordered: the latest step that takes it; unordered: the first */
		unsigned s = r->unordered ? k : r->n_steps - 1 - k;
		const struct detect_step *st = &r->steps[s];
		char key[DETECT_KEY_MAX];
		size_t len;

		/* a later step of an ordered sequence needs progress of this rule: none, no work */
		if (!r->unordered && s > 0 && !r->rt->n_entries)
			continue;
		if (!(st->types & (1u << v->type)) || !detect_node_eval(st->match, v) ||
		    !detect_key_build(&st->key, v, key, &len))
			continue;
		r->rt->matches++;
		if (!r->unordered && s > 0) {
			struct detect_entry *e;

			e = detect_state_find(de, r->rt, DETECT_STATE_MATCH, key, len);

			if (!e || !steps_satisfied(e, r, s, de->now_ns, window_ns))
				continue;
		}
		sequence_step(de, r, v, s, key, len);
		return;
	}
}

static bool type_is_periodic(int t)
{
	const struct event_type_info *info = event_type_info((enum event_type)t);

	return info && info->category == EVENT_CATEGORY_PERIODIC;
}

/*
 * Whether an event of type t can be a new-value rule's baseline: a snapshot (a periodic type)
 * when the rule reads one, since only a snapshot holds every value there is.  A rule that
 * reads a snapshot and a live type (listening-port-new: ListeningPorts and ListenerCreate)
 * must not take one live listener as its whole baseline, or the first snapshot would report
 * every port as new; the live values seen before it join the baseline silently.
 */
static bool baseline_can_take(const struct detect_rule *r, enum event_type t)
{
	bool any_periodic = false;

	for (int i = 0; i < _EVENT_TYPE_MAX && !any_periodic; i++)
		any_periodic = (r->types & (1u << i)) && type_is_periodic(i);
	return !any_periodic || type_is_periodic(t);
}

static void run_new_value(struct detect_engine *de, struct detect_rule *r, struct detect_view *v)
{
	struct detect_rule_rt *rt = r->rt;
	char key[DETECT_KEY_MAX];
	struct detect_entry *e;
	size_t len;
	bool created;

	if (!detect_key_build(&r->steps[0].key, v, key, &len))
		return;
	if (!rt->baseline_done && !rt->baseline_seq && !baseline_can_take(r, v->type)) {
		/* a live event before the first snapshot: joins the baseline, no alert */
		(void)detect_state_get(de, rt, DETECT_STATE_SEEN, key, len, &created);
		return;
	}
	if (!rt->baseline_done) {
		if (!rt->baseline_seq)
			rt->baseline_seq = de->seq;
		if (rt->baseline_seq == de->seq) {
			(void)detect_state_get(de, rt, DETECT_STATE_SEEN, key, len, &created);
			rt->persist_dirty |= created;
			return;
		}
		rt->baseline_done = true;
	}
	e = detect_state_get(de, rt, DETECT_STATE_SEEN, key, len, &created);
	rt->persist_dirty |= created;
	if (e && created)
		fire(de, r, v, NULL, key, len, &r->steps[0].key);
}

static void run_rule(struct detect_engine *de, struct detect_rule *r, struct detect_view *v)
{
	if (r->kind == DETECT_KIND_SEQUENCE) {
		run_sequence(de, r, v);
		return;
	}
	if (!detect_node_eval(r->steps[0].match, v))
		return;
	r->rt->matches++;
	switch (r->kind) {
	case DETECT_KIND_SINGLE:
		fire(de, r, v, NULL, NULL, 0, NULL);
		break;
	case DETECT_KIND_THRESHOLD:
		run_threshold(de, r, v);
		break;
	case DETECT_KIND_NEW_VALUE:
		run_new_value(de, r, v);
		break;
	default:
		break;
	}
}

struct run_ctx {
	struct detect_engine *de;
	struct detect_view *v;
};

static void run_indexed(struct detect_rule *r, void *ud)
{
	struct run_ctx *rc = ud;

	run_rule(rc->de, r, rc->v);
}

/* ---- the engine ---- */

void detect_engine_observe(struct detect_engine *de, const struct event *e, uint64_t now_ns)
{
	enum event_type t = event_get_type(e);
	const struct detect_ruleset *rs = de->rules;
	struct detect_view *v = de->view;
	struct event_cursor c;
	uint64_t et;

	if (!rs || (unsigned)t >= _EVENT_TYPE_MAX || !rs->n_by_type[t])
		return;
	if (de->busy) { /* cannot happen (see above); the view is in use */
		de->stats.eval_errors++;
		return;
	}
	et = event_get_time(e);
	if (!et || (!de->settings.trust_event_time && et > now_ns + NSEC_PER_SEC))
		et = now_ns;
	if (et > de->now_ns)
		de->now_ns = et;
	de->busy++;
	de->seq++;
	de->stats.events++;
	de->stats.consumed_by_type[t]++;
	detect_view_begin(v, e);
	event_cursor_init(&c, e);
	while (detect_view_next_item(v, rs, &c) == 0) {
		struct run_ctx rc = { de, v };

		de->stats.items++;
		if (rs->index[t].built)
			detect_index_each(rs, v, ++de->items_seq, run_indexed, &rc);
		else
			for (unsigned i = 0; i < rs->n_by_type[t]; i++)
				run_rule(de, rs->by_type[t][i], v);
	}
	de->busy--;
	if (!de->busy && de->n_pending)
		flush_pending(de);
}

static void observe_cb(struct event_observer *o, const struct event *e, uint64_t now_ns)
{
	detect_engine_observe(container_of(o, struct detect_engine, observer), e, now_ns);
}

static bool consumes_cb(const struct event_observer *o, enum event_type t)
{
	return detect_engine_wants(container_of(o, struct detect_engine, observer), t);
}

static void settings_fix(struct detect_settings *s)
{
	if (!s->dedup_window_ms)
		s->dedup_window_ms = 10 * 60 * 1000;
	if (!s->max_state_entries)
		s->max_state_entries = 20000;
	if (!s->max_state_bytes)
		s->max_state_bytes = DETECT_STATE_BYTES_MAX;
	if (!s->alerts_per_minute)
		s->alerts_per_minute = DETECT_ALERTS_PER_MINUTE;
}

int detect_engine_new(const struct detect_settings *s, struct event_sink *out,
		      struct detect_engine **ret)
{
	struct detect_engine *de = es_calloc(1, sizeof(*de));

	if (!de)
		return -ENOMEM;
	de->pending = es_calloc(PENDING_MAX, sizeof(*de->pending));
	de->view = es_malloc(sizeof(*de->view));
	if (!de->pending || !de->view) {
		es_free(de->pending);
		es_free(de->view);
		es_free(de);
		return -ENOMEM;
	}
	de->observer.observe = observe_cb;
	de->observer.consumes = consumes_cb;
	de->settings = *s;
	settings_fix(&de->settings);
	de->out = out;
	event_builder_init(&de->builder);
	buf_init(&de->evidence, 256 * 1024);
	buf_init(&de->snippet, 2 * DETECT_SNIPPET_MAX);
	buf_init(&de->key_text, 8 * 1024);
	*ret = de;
	return 0;
}

struct detect_engine *detect_engine_free(struct detect_engine *de)
{
	struct detect_rule_rt *rt, *next;

	if (!de)
		return NULL;
	de->on_alert = NULL;
	de->busy++; /* summaries of the entries dropped now are not sent */
	for (rt = de->rts; rt; rt = rt->next)
		while (rt->head) {
			if (rt->head->kind == DETECT_STATE_DEDUP)
				rt->head->u.dedup.repeats = 0;
			detect_state_drop(de, rt->head, false);
		}
	for (unsigned i = 0; i < de->n_pending; i++)
		event_free(de->pending[i]);
	for (rt = de->rts; rt; rt = next) {
		next = rt->next;
		es_free(rt);
	}
	es_free(de->pending);
	es_free(de->view);
	es_free(de->buckets);
	detect_ruleset_free(de->rules);
	event_builder_done(&de->builder);
	buf_done(&de->evidence);
	buf_done(&de->snippet);
	buf_done(&de->key_text);
	es_free(de);
	return NULL;
}

void detect_engine_configure(struct detect_engine *de, const struct detect_settings *s)
{
	de->settings = *s;
	settings_fix(&de->settings);
	de->busy++;
	while (de->lru_head && (de->n_entries > de->settings.max_state_entries ||
				de->bytes > de->settings.max_state_bytes)) {
		de->stats.state_evicted++;
		detect_state_drop(de, de->lru_head, false);
	}
	de->busy--;
	if (!de->busy)
		flush_pending(de);
}

static struct detect_rule_rt *rt_take(struct detect_engine *de, const struct detect_rule *r)
{
	for (struct detect_rule_rt *rt = de->rts; rt; rt = rt->next)
		if (!rt->rule && strcmp(rt->id, r->id) == 0 && rt->signature == r->signature)
			return rt;
	return NULL;
}

void detect_engine_set_rules(struct detect_engine *de, struct detect_ruleset *rs)
{
	struct detect_rule_rt **pp, *rt;

	de->busy++;
	for (rt = de->rts; rt; rt = rt->next)
		rt->rule = NULL;
	for (unsigned i = 0; rs && i < rs->n; i++) {
		struct detect_rule *r = rs->rules[i];

		rt = rt_take(de, r);
		if (!rt && (rt = es_calloc(1, sizeof(*rt)))) {
			memcpy(rt->id, r->id, sizeof(rt->id));
			rt->signature = r->signature;
			rt->next = de->rts;
			de->rts = rt;
		}
		if (!rt)
			continue; /* without memory the rule cannot keep state: left unindexed */
		rt->rule = r;
		r->rt = rt;
		if (!r->enabled) {
			detect_state_drop_rt(de, rt);
			detect_persist_forget(de, rt->id);
			rt->restore_tried = false;
		}
	}
	for (pp = &de->rts; (rt = *pp);) {
		if (rt->rule) {
			pp = &rt->next;
			continue;
		}
		detect_state_drop_rt(de, rt);
		detect_persist_forget(de, rt->id);
		*pp = rt->next;
		es_free(rt);
	}
	detect_ruleset_free(de->rules);
	de->rules = rs;
	/* A rule without its runtime (no memory) must not run. */
	for (int t = 0; rs && t < _EVENT_TYPE_MAX; t++) {
		unsigned k = 0;

		for (unsigned i = 0; i < rs->n_by_type[t]; i++)
			if (rs->by_type[t][i]->rt)
				rs->by_type[t][k++] = rs->by_type[t][i];
		rs->n_by_type[t] = k;
	}
	if (rs && detect_index_build(rs) < 0) {
		/* without the index every rule is evaluated: slower, same results */
		for (int t = 0; t < _EVENT_TYPE_MAX; t++)
			detect_index_free(&rs->index[t]);
		de->stats.eval_errors++;
	}
	detect_persist_restore(de);
	de->busy--;
	if (!de->busy)
		flush_pending(de);
}

const struct detect_ruleset *detect_engine_rules(const struct detect_engine *de)
{
	return de->rules;
}

struct event_observer *detect_engine_observer(struct detect_engine *de)
{
	return &de->observer;
}

bool detect_engine_wants(const struct detect_engine *de, enum event_type t)
{
	return de && de->rules && (unsigned)t < _EVENT_TYPE_MAX && de->rules->n_by_type[t] > 0;
}

void detect_engine_tick(struct detect_engine *de, uint64_t now_ns)
{
	de->busy++;
	detect_state_sweep(de, now_ns, false);
	de->busy--;
	if (!de->busy)
		flush_pending(de);
}

void detect_engine_flush(struct detect_engine *de, uint64_t now_ns)
{
	de->busy++;
	detect_state_sweep(de, now_ns, true);
	de->busy--;
	if (!de->busy)
		flush_pending(de);
}

uint64_t detect_engine_next_deadline(const struct detect_engine *de)
{
	return de->next_deadline_ns;
}

void detect_engine_on_alert(struct detect_engine *de, void (*fn)(void *userdata), void *userdata)
{
	de->on_alert = fn;
	de->on_alert_userdata = userdata;
}

void detect_engine_get_stats(const struct detect_engine *de, struct detect_stats *ret)
{
	*ret = de->stats;
	ret->state_entries = de->n_entries;
	ret->state_bytes = de->bytes;
	ret->rules = de->rules ? de->rules->n : 0;
	ret->rules_enabled = 0;
	for (unsigned i = 0; de->rules && i < de->rules->n; i++)
		ret->rules_enabled += de->rules->rules[i]->enabled;
}
