/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The containers collector's direct method.  Its container lookup for other collectors is
 * not here: it provides the one in collector_params.containers (enrich/container-lookup.h),
 * answered from the Docker client's cache without asking the daemon.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct collector;

struct containers_scan_result {
	size_t containers;  /* inspect documents analyzed */
	size_t findings;    /* rule findings (sent as one Recommendation event) */
	size_t drift;	    /* drift items (sent as one DriftAlert event) */
	bool drift_checked; /* a deployment manifest is configured and was readable */
};

/*
 * The direct method "scan": analyzes every container now (Recommendation, DriftAlert
 * submitted through the collector).  -EAGAIN while not in sync with the Docker daemon.
 */
int containers_scan(struct collector *c, uint64_t now_realtime_ns,
		    struct containers_scan_result *ret);
