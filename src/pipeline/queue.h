/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The High and Low priority queues.  Both share one byte budget (maxLocalCacheSizeInBytes),
 * charged with each event's in-memory size.  Overflow policy, applied on push:
 *   1. evict the oldest Low events;
 *   2. if the new event is High, then evict the oldest High events;
 *   3. if there is still no room, drop the new event.
 * A Low event never displaces a High one.  Every push counts as collected and every eviction
 * or refusal as dropped, per queue; the counters are read by DroppedEventsStatistics.
 */

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct queue_set;

struct queue_counters {
	uint64_t collected;
	uint64_t dropped;
};

struct queue_set *queue_set_new(size_t budget_bytes);
struct queue_set *queue_set_free(struct queue_set *qs);
/* Lowering the budget evicts at once (Low first, oldest first). */
void queue_set_set_budget(struct queue_set *qs, size_t budget_bytes);
size_t queue_set_budget(const struct queue_set *qs);
/* Takes ownership of e.  Returns the number of events dropped to make room (or e itself). */
unsigned queue_push(struct queue_set *qs, enum event_priority prio, struct event *e);
/*
 * Events lost before they reached the queues (kernel ring buffer full, audit backlog, ...):
 * counted as collected and dropped for the queue their type goes to.
 */
void queue_count_lost(struct queue_set *qs, enum event_priority prio, enum event_type t,
		      uint64_t n);
/* Events that were collected without being queued (used by a rule while their type is Off). */
void queue_count_collected(struct queue_set *qs, enum event_priority prio, uint64_t n);
/* The oldest event of that queue, or NULL; the caller owns it. */
struct event *queue_pop(struct queue_set *qs, enum event_priority prio);
size_t queue_count(const struct queue_set *qs, enum event_priority prio);
size_t queue_bytes(const struct queue_set *qs, enum event_priority prio);
size_t queue_total_bytes(const struct queue_set *qs);
/* Totals since start. */
void queue_get_totals(const struct queue_set *qs, enum event_priority prio,
		      struct queue_counters *ret);
/* Counts since the previous call (for DroppedEventsStatistics), then restarts them. */
void queue_take_interval(struct queue_set *qs, enum event_priority prio,
			 struct queue_counters *ret);
/* Dropped events per event type since start. */
uint64_t queue_dropped_by_type(const struct queue_set *qs, enum event_type t);
