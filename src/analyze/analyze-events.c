/* SPDX-License-Identifier: MIT */
/*
 * Recommendation and DriftAlert events from findings and drift (analyze-events.h).  One
 * builder per call; the events own copies of every string.
 */
#include "analyze-events.h"

#include <errno.h>
#include <string.h>

#include "common/alloc.h"

static void add_nonempty(struct event_builder *b, unsigned field, const char *s)
{
	if (s && s[0])
		event_add_cstr(b, field, s);
}

static int finish(struct event_builder *b, struct event **ret_event)
{
	int r = event_builder_finish(b, ret_event);

	event_builder_done(b);
	return r;
}

int recommendation_event_new(const struct finding_list *l, struct inspected_container *const *cs,
			     size_t n, uint64_t time_ns, struct event **ret_event,
			     size_t *ret_dropped)
{
	struct event_builder b;
	size_t items = l->n < EVENT_ITEMS_MAX ? l->n : EVENT_ITEMS_MAX;

	*ret_event = NULL;
	if (ret_dropped)
		*ret_dropped = l->n - items + l->dropped;
	if (!items)
		return 0;
	event_builder_init(&b);
	event_builder_begin(&b, EVENT_RECOMMENDATION, time_ns);
	for (size_t i = 0; i < items; i++) {
		const struct finding *f = &l->items[i];
		const struct inspected_container *c = inspect_find(cs, n, f->module);

		event_builder_item(&b);
		event_add_cstr(&b, REC_RULE_ID, f->rule->id);
		add_nonempty(&b, REC_RECOMMENDATION_TYPE, f->rule->asc_type);
		event_add_cstr(&b, REC_SEVERITY, severity_to_title(f->rule->severity));
		event_add_cstr(&b, REC_TITLE, f->rule->title);
		event_add_cstr(&b, REC_MODULE, f->module);
		if (c) {
			add_nonempty(&b, REC_CONTAINER_ID, c->id);
			add_nonempty(&b, REC_IMAGE, c->image);
		}
		event_add_cstr(&b, REC_PATH, f->path);
		event_add_cstr(&b, REC_MESSAGE, f->message);
		event_add_cstr(&b, REC_REMEDIATION, f->rule->remediation);
	}
	return finish(&b, ret_event);
}

int drift_event_new(const struct drift_list *l, uint64_t time_ns, struct event **ret_event,
		    size_t *ret_dropped)
{
	struct event_builder b;
	size_t items = l->n < EVENT_ITEMS_MAX ? l->n : EVENT_ITEMS_MAX;

	*ret_event = NULL;
	if (ret_dropped)
		*ret_dropped = l->n - items + l->dropped;
	if (!items)
		return 0;
	event_builder_init(&b);
	event_builder_begin(&b, EVENT_DRIFT_ALERT, time_ns);
	for (size_t i = 0; i < items; i++) {
		const struct drift *d = &l->items[i];

		event_builder_item(&b);
		event_add_cstr(&b, DA_KIND, drift_kind_to_string(d->kind));
		event_add_cstr(&b, DA_SEVERITY, severity_to_title(d->severity));
		event_add_cstr(&b, DA_MODULE, d->module);
		add_nonempty(&b, DA_CONTAINER_ID, d->container_id);
		add_nonempty(&b, DA_IMAGE, d->image);
		event_add_cstr(&b, DA_SETTING, d->setting);
		add_nonempty(&b, DA_PATH, d->path);
		add_nonempty(&b, DA_MANIFEST_PATH, d->manifest_path);
		event_add_cstr(&b, DA_MESSAGE, d->message);
	}
	return finish(&b, ret_event);
}

int analyze_inspected(struct inspected_container *const *cs, size_t n,
		      const struct manifest *manifest, uint64_t time_ns,
		      struct event **ret_recommendation, struct event **ret_drift,
		      struct analyze_stats *stats)
{
	struct finding_list l = { 0 };
	struct drift_list d = { 0 };
	size_t dropped = 0;
	int r;

	*ret_recommendation = NULL;
	*ret_drift = NULL;
	r = analyze_containers(cs, n, &l);
	if (r >= 0)
		r = recommendation_event_new(&l, cs, n, time_ns, ret_recommendation, &dropped);
	stats->findings = l.n;
	stats->dropped += dropped;
	if (r >= 0 && manifest) {
		r = drift_compare(manifest, cs, n, &d);
		if (r >= 0)
			r = drift_event_new(&d, time_ns, ret_drift, &dropped);
		stats->drift = d.n;
		stats->dropped += dropped;
	}
	if (r < 0) {
		event_free(*ret_recommendation);
		event_free(*ret_drift);
		*ret_recommendation = NULL;
		*ret_drift = NULL;
	}
	drift_list_done(&d);
	finding_list_done(&l);
	return r;
}

int analyze_running(const cJSON *const *inspects, size_t n, const struct manifest *manifest,
		    uint64_t time_ns, struct event **ret_recommendation, struct event **ret_drift,
		    struct analyze_stats *stats)
{
	struct inspected_container **cs = es_calloc(n ? n : 1, sizeof(*cs));
	size_t k = 0;
	int r = cs ? 0 : -ENOMEM;

	*ret_recommendation = NULL;
	*ret_drift = NULL;
	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = inspect_container(inspects[i], &cs[k]);
		if (r == -EINVAL) {
			stats->refused++;
			r = 0;
			continue;
		}
		if (r >= 0)
			stats->skipped += cs[k++]->skipped;
	}
	stats->containers = k;
	if (r >= 0)
		r = analyze_inspected(cs, k, manifest, time_ns, ret_recommendation, ret_drift,
				      stats);
	for (size_t i = 0; i < k; i++)
		inspected_container_free(cs[i]);
	es_free(cs);
	return r;
}
