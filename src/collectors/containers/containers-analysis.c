/* SPDX-License-Identifier: MIT */
/*
 * Running-container analysis for the containers collector; see containers-analysis.h.
 * The analysis itself is in src/analyze/ (inspect_container, analyze_containers, drift); this
 * file decides when it runs, keeps the manifest, remembers what was sent per container, and
 * judges one container with the others as context (read_cache, analyze_one).
 */
#include "containers-analysis.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "analyze/analyze-events.h"
#include "analyze/drift.h"
#include "analyze/inspect.h"
#include "analyze/rules.h"
#include "analyze/manifest.h"
#include "collectors/collector.h"
#include "common/alloc.h"
#include "common/json_read.h"
#include "common/log.h"
#include "common/str.h"
#include "docker/docker-cache.h"

#define ANALYSIS_SEEN_MAX 256
#define ANALYSIS_ID_MAX 65

struct seen {
	char id[ANALYSIS_ID_MAX];
	uint64_t digest; /* of the events last sent for it; 0: none */
	uint64_t used;
};

struct containers_analysis {
	struct manifest *manifest; /* NULL: no drift */
	char error[PATH_MAX + 640];
	uint64_t skipped; /* documents refused, values skipped, items dropped */
	uint64_t errors;  /* analyses that failed (no memory) */
	uint64_t seq;
	struct seen seen[ANALYSIS_SEEN_MAX];
};

int containers_analysis_new(const char *manifest_path, struct containers_analysis **ret,
			    const char **ret_error)
{
	struct containers_analysis *a = es_calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	if (ret_error)
		*ret_error = NULL;
	if (manifest_path && *manifest_path) {
		struct json_error err = { 0 };
		int r = manifest_load(manifest_path, &a->manifest, &err);

		if (r < 0) {
			snprintf(a->error, sizeof(a->error),
				 "deploymentManifest %s unusable (%s): no drift detection",
				 manifest_path, err.message[0] ? err.message : strerror(-r));
			a->manifest = NULL;
			if (ret_error)
				*ret_error = a->error;
		}
	}
	*ret = a;
	return 0;
}

struct containers_analysis *containers_analysis_free(struct containers_analysis *a)
{
	if (a) {
		manifest_free(a->manifest);
		es_free(a);
	}
	return NULL;
}

bool containers_analysis_has_manifest(const struct containers_analysis *a)
{
	return a && a->manifest;
}

void containers_analysis_counters(const struct containers_analysis *a, uint64_t *ret_skipped,
				  uint64_t *ret_errors)
{
	*ret_skipped = a ? a->skipped : 0;
	*ret_errors = a ? a->errors : 0;
}

/* A digest of an event's values (not its time), to tell "the same findings again". */
static uint64_t event_digest(const struct event *e, uint64_t h)
{
	struct event_cursor c;
	struct event_value v;

	if (!e)
		return h;
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1) {
		const unsigned char *parts[2] = { (const unsigned char *)v.key,
						  (const unsigned char *)v.s };
		size_t lens[2] = { v.key_len, v.len };

		h = (h ^ ((uint64_t)v.kind << 40 ^ (uint64_t)v.field << 32 ^ (uint64_t)v.i)) *
		    0x100000001b3ull;
		for (int p = 0; p < 2; p++)
			for (size_t i = 0; i < lens[p]; i++)
				h = (h ^ parts[p][i]) * 0x100000001b3ull;
		h = (h ^ 0xff) * 0x100000001b3ull; /* value separator */
	}
	return h;
}

static void account(struct containers_analysis *a, const struct analyze_stats *st)
{
	a->skipped += st->refused + st->skipped + st->dropped;
}

static void submit(struct collector *c, struct event *e)
{
	if (e)
		collector_submit(c, e);
}

static struct seen *seen_slot(struct containers_analysis *a, const char *id)
{
	struct seen *oldest = &a->seen[0];

	for (size_t i = 0; i < ANALYSIS_SEEN_MAX; i++) {
		struct seen *s = &a->seen[i];

		if (s->id[0] && strcmp(s->id, id) == 0)
			return s;
		if (s->used < oldest->used)
			oldest = s;
	}
	str_copy(oldest->id, sizeof(oldest->id), id);
	oldest->digest = 0;
	return oldest;
}

/*
 * Reads every cached container with a kept inspect document (but skip_id) into cs[n...]; one
 * parsed document at a time, only the settings models are kept.  Returns the new count.
 */
static size_t read_cache(struct containers_analysis *a, const struct docker_cache *dc,
			 struct inspected_container **cs, size_t n, const char *skip_id,
			 struct analyze_stats *st)
{
	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		const struct docker_cache_entry *e = dc ? dc->entries[i] : NULL;
		struct json_error err;
		cJSON *doc;

		if (!e || !e->inspect || (skip_id && strcmp(e->c.id, skip_id) == 0))
			continue;
		doc = json_parse(e->inspect, e->inspect_len, &err);
		if (!doc || inspect_container(doc, &cs[n]) < 0)
			a->skipped++;
		else
			st->skipped += cs[n++]->skipped;
		cJSON_Delete(doc);
	}
	return n;
}

/*
 * The findings of one container, judged with every cached container as context (some rules
 * look at the whole deployment: edgeHub's protocol heads are "unused" only if no module uses
 * them), so a container judged alone gets no finding it would not get in the full analysis.
 */
static int analyze_one(struct containers_analysis *a, struct inspected_container **cs, size_t n,
		       uint64_t now_ns, struct event **rec, struct event **drift,
		       struct analyze_stats *st)
{
	struct finding_list all = { 0 }, mine = { 0 };
	struct drift_list d = { 0 };
	size_t dropped = 0;
	int r = analyze_containers(cs, n, &all);

	if (r >= 0) {
		mine.items = es_calloc(all.n ? all.n : 1, sizeof(*mine.items));
		r = mine.items ? 0 : -ENOMEM;
	}
	for (size_t k = 0; r >= 0 && k < all.n; k++)
		if (strcmp(all.items[k].module, cs[0]->ms->name) == 0)
			mine.items[mine.n++] = all.items[k]; /* borrowed: freed with `all` */
	if (r >= 0)
		r = recommendation_event_new(&mine, cs, 1, now_ns, rec, &dropped);
	st->findings = mine.n;
	st->dropped += dropped;
	if (r >= 0 && a->manifest) {
		r = drift_compare(a->manifest, cs, 1, &d);
		if (r >= 0)
			r = drift_event_new(&d, now_ns, drift, &dropped);
		st->drift = d.n;
		st->dropped += dropped;
	}
	es_free(mine.items);
	finding_list_done(&all);
	drift_list_done(&d);
	return r;
}

void containers_analysis_one(struct containers_analysis *a, struct collector *c,
			     const struct docker_cache *dc, const char *container_id,
			     const cJSON *inspect, uint64_t now_ns)
{
	struct inspected_container *cs[DOCKER_CACHE_MAX + 1];
	struct event *rec = NULL, *drift = NULL;
	struct analyze_stats st = { 0 };
	struct seen *s;
	uint64_t digest;
	size_t n;
	int r;

	if (!a || !inspect || !container_id)
		return;
	/* This container first, then the others as context. */
	if (inspect_container(inspect, &cs[0]) < 0) {
		a->skipped++;
		return;
	}
	st.skipped += cs[0]->skipped;
	n = read_cache(a, dc, cs, 1, container_id, &st);
	r = analyze_one(a, cs, n, now_ns, &rec, &drift, &st);
	for (size_t i = 0; i < n; i++)
		inspected_container_free(cs[i]);
	if (r < 0) {
		a->errors++;
		event_free(rec);
		event_free(drift);
		return;
	}
	account(a, &st);
	digest = event_digest(drift, event_digest(rec, 0xcbf29ce484222325ull));
	s = seen_slot(a, container_id);
	s->used = ++a->seq;
	if (s->digest == digest) {
		/* Nothing new about this container since the last report. */
		event_free(rec);
		event_free(drift);
		return;
	}
	s->digest = digest;
	submit(c, rec);
	submit(c, drift);
}

void containers_analysis_all(struct containers_analysis *a, struct collector *c,
			     const struct docker_cache *dc, uint64_t now_ns,
			     struct analyze_stats *ret_stats)
{
	struct inspected_container *cs[DOCKER_CACHE_MAX];
	struct event *rec = NULL, *drift = NULL;
	struct analyze_stats st = { 0 };
	size_t n = 0;

	if (!a)
		return;
	n = read_cache(a, dc, cs, 0, NULL, &st);
	st.containers = n;
	if (analyze_inspected(cs, n, a->manifest, now_ns, &rec, &drift, &st) < 0)
		a->errors++;
	else
		account(a, &st);
	if (ret_stats)
		*ret_stats = st;
	for (size_t i = 0; i < n; i++)
		inspected_container_free(cs[i]);
	submit(c, rec);
	submit(c, drift);
}
