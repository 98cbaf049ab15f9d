/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Analysis results → events of our schema (docs/output.md):
 *
 *   Recommendation (periodic): one item per rule finding on running containers: RuleId,
 *     RecommendationType (the ASC recommendation type, e.g. IoT_PrivilegedDockerOptions, when
 *     the rule has one), Severity, Title, Module (container name), ContainerId, Image, Path
 *     (JSON pointer into the container's inspect document), Message, Remediation.
 *   DriftAlert (triggered): one item per drift (drift.h): Kind, Severity, Module, ContainerId,
 *     Image, Setting, Path, ManifestPath, Message.
 *
 * Pure functions: the same input gives the same items, in input order.  Messages come from the
 * rules and drift, which never carry secret values (env values, passwords); nothing else is
 * added.  More than EVENT_ITEMS_MAX items: the first EVENT_ITEMS_MAX are kept and the rest
 * counted in *ret_dropped.
 */

#include <stddef.h>
#include <stdint.h>

#include "analyze/drift.h"
#include "analyze/inspect.h"
#include "analyze/rules.h"
#include "pipeline/event.h"

/*
 * Findings of analyze_containers() over cs → one Recommendation event (the container of a
 * finding is found by name in cs; unknown names get no ContainerId/Image).  No findings: 0 with
 * *ret_event NULL.  -ENOMEM, -E2BIG or -EINVAL from the event builder otherwise.
 */
int recommendation_event_new(const struct finding_list *l, struct inspected_container *const *cs,
			     size_t n, uint64_t time_ns, struct event **ret_event,
			     size_t *ret_dropped);

/* Drift items → one DriftAlert event; none: 0 with *ret_event NULL. */
int drift_event_new(const struct drift_list *l, uint64_t time_ns, struct event **ret_event,
		    size_t *ret_dropped);

/* What analyze_running() saw, for the collector's counters. */
struct analyze_stats {
	size_t containers; /* inspect documents read */
	size_t refused;	   /* documents that were not JSON objects */
	size_t skipped;	   /* values of the wrong type ignored inside documents */
	size_t findings, drift;
	size_t dropped; /* findings or drift items beyond the limits */
};

/*
 * The whole chain for the agent: inspect documents (cJSON of GET /containers/{id}/json) →
 * rules → *ret_recommendation, and, when manifest is not NULL, drift → *ret_drift.  Either
 * event may be NULL (nothing to report).  0, or -ENOMEM / -E2BIG with no event returned.
 */
int analyze_running(const cJSON *const *inspects, size_t n, const struct manifest *manifest,
		    uint64_t time_ns, struct event **ret_recommendation, struct event **ret_drift,
		    struct analyze_stats *stats);

/*
 * The same chain on containers already read with inspect_container() (the agent reads one
 * document at a time, so only one parsed document is in memory).  stats->findings, drift and
 * dropped are set or added to; the other counters are the caller's.
 */
int analyze_inspected(struct inspected_container *const *cs, size_t n,
		      const struct manifest *manifest, uint64_t time_ns,
		      struct event **ret_recommendation, struct event **ret_drift,
		      struct analyze_stats *stats);
