/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The pipeline: event sink → priority filter (Off = not collected) → aggregation → High/Low
 * queues (one byte budget) → message builder → publish callback (the output transport).
 *
 * The pipeline does not own timers: core/ calls pipeline_tick() for aggregation windows and
 * pipeline_flush() when a priority's message frequency is due (or pipeline_message_ready()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "message.h"
#include "queue.h"

struct pipeline_settings {
	enum event_priority priority[_EVENT_TYPE_MAX];
	bool aggregation_enabled[_EVENT_TYPE_MAX];
	uint64_t aggregation_interval_ms[_EVENT_TYPE_MAX];
	size_t cache_budget_bytes;
	size_t max_message_bytes;
	size_t aggregation_max_entries;
	size_t aggregation_max_bytes;
};

struct pipeline_stats {
	uint64_t submitted;
	uint64_t filtered; /* priority Off, and no observer uses it */
	uint64_t consumed; /* priority Off, but an observer (a rule) used it */
	uint64_t lost_at_source;
	struct queue_counters high, low;
	struct aggregator_stats_view {
		uint64_t absorbed, entries_emitted, bypassed;
		size_t entries, bytes;
	} aggregation;
	struct message_stats messages;
	size_t high_events, high_bytes, low_events, low_bytes, budget_bytes;
};

struct pipeline;

/*
 * An observer sees every event submitted to the sink, before the priority filter and
 * aggregation: a type set to Off is still observed, and aggregation never hides an event from
 * it (the rules engine and the host posture checks sit here).  The event is only lent: an
 * observer reads it (event_cursor, event_get_*) and must not keep the pointer.  It may submit
 * new events to pipeline_sink() from inside observe(); those are observed too.
 */
struct event_observer {
	void (*observe)(struct event_observer *o, const struct event *e, uint64_t now_realtime_ns);
	/*
	 * Optional: true when the observer uses events of type t.  An event of a type set to
	 * Off that an observer uses counts as collected (CollectedEvents of the Low queue, and
	 * ConsumedByRules), not as filtered: "collected" means sent or consumed by a rule.
	 */
	bool (*consumes)(const struct event_observer *o, enum event_type t);
};

#define PIPELINE_OBSERVERS_MAX 8

struct pipeline *pipeline_new(const char *agent_id, const char *agent_version,
			      const struct pipeline_settings *s, message_publish_fn publish,
			      void *userdata);
struct pipeline *pipeline_free(struct pipeline *pl);
void pipeline_apply(struct pipeline *pl, const struct pipeline_settings *s);
struct event_sink *pipeline_sink(struct pipeline *pl);
/* Observers are called in the order added.  -ENOSPC beyond PIPELINE_OBSERVERS_MAX. */
int pipeline_add_observer(struct pipeline *pl, struct event_observer *o);
enum event_priority pipeline_priority(const struct pipeline *pl, enum event_type t);
/* Record events a source lost before they became events. */
void pipeline_count_lost(struct pipeline *pl, enum event_type t, uint64_t n);
/*
 * Messages the spool evicted to stay under its cap, as running totals per priority; the next
 * DroppedEventsStatistics shows the increase since the previous one (SpoolEvictedMessages)
 * and the total (TotalSpoolEvictedMessages) in the item of that queue.
 */
void pipeline_set_spool_evictions(struct pipeline *pl, enum event_priority p, uint64_t total);
/* Close aggregation windows that have ended. */
void pipeline_tick(struct pipeline *pl, uint64_t now_realtime_ns);
/* Earliest realtime at which an aggregation window ends, or 0 if none is open. */
uint64_t pipeline_next_deadline(const struct pipeline *pl);
/* Turn all queued events of that priority into messages and publish them. */
void pipeline_flush(struct pipeline *pl, enum event_priority p);
/* Aggregation windows closed early, then both queues flushed (shutdown, snapshot command). */
void pipeline_flush_all(struct pipeline *pl);
/*
 * Everything out in as few messages as possible, High and Low events mixed (messages marked
 * High): what `edgesec snapshot` prints.
 */
void pipeline_flush_together(struct pipeline *pl);
/* True when that queue already holds at least one full message. */
bool pipeline_message_ready(const struct pipeline *pl, enum event_priority p);
/* Submit DroppedEventsStatistics and MessageStatistics for the interval since the last call. */
void pipeline_emit_statistics(struct pipeline *pl, uint64_t now_realtime_ns);
void pipeline_get_stats(const struct pipeline *pl, struct pipeline_stats *ret);
