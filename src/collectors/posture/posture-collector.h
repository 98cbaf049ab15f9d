/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The host posture checks (analyze/posture.h) as a collector: it produces Recommendation
 * events (so it is off when eventPriorityRecommendation is Off), its snapshot runs after the
 * other periodic collectors' and judges what they sent, and Heartbeat shows its state and
 * counters.  Everything else goes through its table: its input arrives through the pipeline
 * observer it offers (ops.observer, registered by core/), its settings through
 * ops.configure (a bad postureAllowedPorts entry is an issue: no port is allowed then and
 * the collector reports itself degraded with the entry).
 */

#include "analyze/posture.h"
#include "collectors/collector.h"
#include "pipeline/pipeline.h"

extern const struct collector_ops posture_collector_ops;
