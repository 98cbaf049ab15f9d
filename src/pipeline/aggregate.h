/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Aggregation of identical triggered events (ProcessCreate, ConnectionCreate,
 * ProcessTerminate) within a time window per event type (aggregationInterval<Name>).
 *
 * Identity follows the ASC reference (section 5): every value of the payload item except
 *   ProcessCreate:    ProcessId, ParentProcessId
 *   ProcessTerminate: ProcessId
 *   ConnectionCreate: ProcessId and the ephemeral port (RemotePort when Direction is "In",
 *                     LocalPort when it is "Out")
 * ExtraDetails (e.g. the container) are part of the identity.
 *
 * When a window closes each entry is emitted: an entry seen once as the original event, an
 * entry seen N>1 times as its first event with ProcessId (and ParentProcessId) set to 0, the
 * ephemeral port removed ("*" where the schema requires a port), and ExtraDetails HitCount,
 * StartTimeLocal/StartTimeUtc (first seen), EndTimeLocal/EndTimeUtc (last seen),
 * FirstProcessId and LastProcessId.  Category stays "Triggered" so the ASC schema holds.
 *
 * Bounds: at most max_entries entries and max_bytes of held events.  An event that does not
 * fit is not aggregated (it is passed on as is and counted as bypassed): nothing is lost.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct aggregator;

struct aggregator_stats {
	uint64_t absorbed; /* events merged into an existing entry */
	uint64_t entries_emitted;
	uint64_t bypassed; /* not aggregated because the table was full */
};

struct aggregator *aggregator_new(size_t max_entries, size_t max_bytes);
struct aggregator *aggregator_free(struct aggregator *a);
bool aggregator_supports(enum event_type t);
/* Disabling flushes that type's entries to `out` at once. */
void aggregator_configure(struct aggregator *a, enum event_type t, bool enabled,
			  uint64_t interval_ms, struct event_sink *out);
void aggregator_set_limits(struct aggregator *a, size_t max_entries, size_t max_bytes);
/*
 * Offer an event.  Returns true if the aggregator took it (it now owns it: freed when
 * absorbed into an entry, kept as a new entry's first event); false if the caller keeps it
 * (type not aggregated, not enabled, or table full).
 */
bool aggregator_offer(struct aggregator *a, struct event *e, uint64_t now_realtime_ns);
/*
 * The same for an event that is only lent (it stays in its builder): absorbed without ever
 * being allocated, or copied when it becomes a new entry.  False also when that copy fails.
 */
bool aggregator_offer_lent(struct aggregator *a, const struct event *e, uint64_t now_realtime_ns);
/* Emit every entry whose window has ended (all entries when `all`). */
void aggregator_flush(struct aggregator *a, uint64_t now_realtime_ns, bool all,
		      struct event_sink *out);
uint64_t aggregator_next_deadline(const struct aggregator *a);
size_t aggregator_entries(const struct aggregator *a);
size_t aggregator_bytes(const struct aggregator *a);
void aggregator_get_stats(const struct aggregator *a, struct aggregator_stats *ret);
