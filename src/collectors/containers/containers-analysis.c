/* SPDX-License-Identifier: MIT */
/*
 * Running-container analysis for the containers collector; see containers-analysis.h.
 * The analysis itself is analyze_running() (src/analyze/analyze-events.h); this file decides
 * when it runs, keeps the manifest, and remembers what was sent per container.
 */
#include "containers-analysis.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "analyze/analyze-events.h"
#include "analyze/inspect.h"
#include "analyze/manifest.h"
#include "collectors/collector.h"
#include "common/alloc.h"
#include "common/json_read.h"
#include "common/log.h"
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
	snprintf(oldest->id, sizeof(oldest->id), "%s", id);
	oldest->digest = 0;
	return oldest;
}

void containers_analysis_one(struct containers_analysis *a, struct collector *c,
			     const char *container_id, const cJSON *inspect, uint64_t now_ns)
{
	struct event *rec = NULL, *drift = NULL;
	struct analyze_stats st = { 0 };
	struct seen *s;
	uint64_t digest;

	if (!a || !inspect || !container_id)
		return;
	if (analyze_running(&inspect, 1, a->manifest, now_ns, &rec, &drift, &st) < 0) {
		a->errors++;
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
	/* One parsed document at a time: only the (small) settings models are kept. */
	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		const struct docker_cache_entry *e = dc->entries[i];
		struct json_error err;
		cJSON *doc;

		if (!e || !e->inspect)
			continue;
		doc = json_parse(e->inspect, e->inspect_len, &err);
		if (!doc || inspect_container(doc, &cs[n]) < 0)
			a->skipped++;
		else
			st.skipped += cs[n++]->skipped;
		cJSON_Delete(doc);
	}
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
