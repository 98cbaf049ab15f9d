/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The host posture checks (analyze/posture.h) as a collector: it produces Recommendation
 * events (so it is off when eventPriorityRecommendation is Off), its snapshot runs after the
 * other periodic collectors' and judges what they sent, and Heartbeat shows its state and
 * counters.  Its input arrives through a pipeline observer that core/ registers.
 */

#include "analyze/posture.h"
#include "collectors/collector.h"
#include "pipeline/pipeline.h"

extern const struct collector_ops posture_collector_ops;

/* The observer to pass to pipeline_add_observer(); NULL before init or for another collector. */
struct event_observer *posture_collector_observer(struct collector *c);

/*
 * Settings, applied live.  -EINVAL when allowed_ports has a bad entry: no port is allowed
 * then and the collector reports itself degraded with the entry.
 */
int posture_collector_configure(struct collector *c, const struct posture_settings *s);
