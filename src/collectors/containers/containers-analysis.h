/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The containers collector's use of the deployment analysis (src/analyze/): running
 * containers' inspect documents → the module-settings rules → Recommendation events, and,
 * when edgesec.deploymentManifest names a manifest, drift against it → DriftAlert events.
 *
 * When:
 *   - every cached container, after each (re)sync with the daemon (so at start) and at each
 *     snapshot: containers_analysis_all();
 *   - one container, when it is created, started or restarted: containers_analysis_one().
 *     Its events are sent only when they differ from what was last sent for that container
 *     (create then start of the same container gives one Recommendation, not two).
 *
 * Bounded: the per-container memory of what was sent is a fixed table of
 * ANALYSIS_SEEN_MAX (id, digest) pairs, oldest replaced first.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct collector;
struct docker_cache;
struct containers_analysis;

/*
 * manifest_path NULL or "": no drift detection.  A manifest that cannot be read is not fatal:
 * the analysis runs without drift and *ret_error (if not NULL) describes why (static or
 * owned by the analysis; valid until it is freed).
 */
int containers_analysis_new(const char *manifest_path, struct containers_analysis **ret,
			    const char **ret_error);
struct containers_analysis *containers_analysis_free(struct containers_analysis *a);

/*
 * Analyzes one container's inspect document, with the other cached containers of dc as the
 * deployment-wide context (dc may be NULL); submits its events through c.
 */
void containers_analysis_one(struct containers_analysis *a, struct collector *c,
			     const struct docker_cache *dc, const char *container_id,
			     const cJSON *inspect, uint64_t now_ns);

struct analyze_stats;

/*
 * Analyzes every cached container with a kept inspect document; submits through c.  When
 * ret_stats is not NULL it gets what was analyzed and found.
 */
void containers_analysis_all(struct containers_analysis *a, struct collector *c,
			     const struct docker_cache *dc, uint64_t now_ns,
			     struct analyze_stats *ret_stats);

/* A deployment manifest is loaded (drift is checked). */
bool containers_analysis_has_manifest(const struct containers_analysis *a);

/*
 * Since start: documents refused, values skipped and items dropped (*ret_skipped); analyses
 * that failed (*ret_errors).  The collector adds them to its own counters.
 */
void containers_analysis_counters(const struct containers_analysis *a, uint64_t *ret_skipped,
				  uint64_t *ret_errors);
