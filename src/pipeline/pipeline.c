/* SPDX-License-Identifier: MIT */
/*
 * Pipeline wiring.  Ownership: an event submitted to the sink belongs to the pipeline; it is
 * freed when it is serialized into a message, evicted, filtered or lost (each counted).
 * Single-threaded: everything runs on the loop thread.
 */
#include "pipeline.h"

#include <errno.h>
#include <string.h>

#include "aggregate.h"
#include "common/alloc.h"
#include "common/timeutil.h"
#include "event-int.h"

struct pipeline {
	struct pipeline_settings settings;
	struct event_sink sink;	    /* collectors submit here */
	struct event_sink to_queue; /* the aggregator emits here */
	struct aggregator *agg;
	struct queue_set *queues;
	struct message_builder *mb;
	uint64_t submitted, filtered, lost;
	uint64_t consumed, consumed_reported; /* Off, but used by an observer */
	uint64_t spool_evicted[_EVENT_PRIORITY_MAX], spool_evicted_reported[_EVENT_PRIORITY_MAX];
	bool flushing;
	struct event_builder stats_builder;
	struct event_observer *observers[PIPELINE_OBSERVERS_MAX];
	unsigned n_observers;
};

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/*
 * Queue an event.  When its queue already holds a full message, that message goes out now
 * instead of waiting for the flush timer: waiting would only let a burst (or the closing of a
 * large aggregation window) overflow the cache budget and drop events.
 */
static void enqueue(struct pipeline *pl, struct event *e)
{
	enum event_priority p = pl->settings.priority[e->type];

	if (p == EVENT_PRIORITY_OFF)
		p = EVENT_PRIORITY_LOW;
	(void)queue_push(pl->queues, p, e);
	if (!pl->flushing && pipeline_message_ready(pl, p))
		pipeline_flush(pl, p);
}

static void to_queue_submit(struct event_sink *sink, struct event *e)
{
	enqueue(container_of(sink, struct pipeline, to_queue), e);
}

static bool observer_consumes(const struct pipeline *pl, enum event_type t)
{
	for (unsigned i = 0; i < pl->n_observers; i++)
		if (pl->observers[i]->consumes && pl->observers[i]->consumes(pl->observers[i], t))
			return true;
	return false;
}

/*
 * Every submitted event: observers, priority filter, aggregation, queue.  `owned` is e when
 * the event was allocated by the submitter, NULL when it is lent by its builder (then it is
 * copied only where it is kept: a new aggregation entry or the queue).
 */
static void process(struct pipeline *pl, const struct event *e, struct event *owned)
{
	uint64_t now = time_now_realtime_ns();

	pl->submitted++;
	for (unsigned i = 0; i < pl->n_observers; i++)
		pl->observers[i]->observe(pl->observers[i], e, now);
	if (e->type >= _EVENT_TYPE_MAX || pl->settings.priority[e->type] == EVENT_PRIORITY_OFF) {
		if (observer_consumes(pl, (enum event_type)e->type)) {
			pl->consumed++;
			queue_count_collected(pl->queues, EVENT_PRIORITY_LOW, 1);
		} else {
			pl->filtered++;
		}
		event_free(owned);
		return;
	}
	if (owned ? aggregator_offer(pl->agg, owned, now) : aggregator_offer_lent(pl->agg, e, now))
		return;
	if (!owned && !(owned = event_copy(e))) {
		/* no memory to keep it: counted like a queue drop */
		queue_count_lost(pl->queues, pl->settings.priority[e->type],
				 (enum event_type)e->type, 1);
		return;
	}
	enqueue(pl, owned);
}

static void sink_submit(struct event_sink *sink, struct event *e)
{
	process(container_of(sink, struct pipeline, sink), e, e);
}

static void sink_submit_lent(struct event_sink *sink, const struct event *e)
{
	process(container_of(sink, struct pipeline, sink), e, NULL);
}

struct pipeline *pipeline_new(const char *agent_id, const char *agent_version,
			      const struct pipeline_settings *s, message_publish_fn publish,
			      void *userdata)
{
	struct pipeline *pl = es_calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->sink.submit = sink_submit;
	pl->sink.submit_lent = sink_submit_lent;
	pl->to_queue.submit = to_queue_submit;
	pl->agg = aggregator_new(s->aggregation_max_entries, s->aggregation_max_bytes);
	pl->queues = queue_set_new(s->cache_budget_bytes);
	pl->mb = message_builder_new(agent_id, agent_version, s->max_message_bytes, publish,
				     userdata);
	if (!pl->agg || !pl->queues || !pl->mb)
		return pipeline_free(pl);
	event_builder_init(&pl->stats_builder);
	pipeline_apply(pl, s);
	return pl;
}

struct pipeline *pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return NULL;
	aggregator_free(pl->agg);
	queue_set_free(pl->queues);
	message_builder_free(pl->mb);
	event_builder_done(&pl->stats_builder);
	es_free(pl);
	return NULL;
}

void pipeline_apply(struct pipeline *pl, const struct pipeline_settings *s)
{
	pl->settings = *s;
	aggregator_set_limits(pl->agg, s->aggregation_max_entries, s->aggregation_max_bytes);
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		aggregator_configure(pl->agg, (enum event_type)t, s->aggregation_enabled[t],
				     s->aggregation_interval_ms[t], &pl->to_queue);
	queue_set_set_budget(pl->queues, s->cache_budget_bytes);
	message_builder_set_max_size(pl->mb, s->max_message_bytes);
}

struct event_sink *pipeline_sink(struct pipeline *pl)
{
	return &pl->sink;
}

int pipeline_add_observer(struct pipeline *pl, struct event_observer *o)
{
	if (pl->n_observers >= PIPELINE_OBSERVERS_MAX)
		return -ENOSPC;
	pl->observers[pl->n_observers++] = o;
	return 0;
}

enum event_priority pipeline_priority(const struct pipeline *pl, enum event_type t)
{
	return t >= 0 && t < _EVENT_TYPE_MAX ? pl->settings.priority[t] : EVENT_PRIORITY_OFF;
}

void pipeline_count_lost(struct pipeline *pl, enum event_type t, uint64_t n)
{
	if (t < 0 || t >= _EVENT_TYPE_MAX || !n)
		return;
	pl->lost += n;
	queue_count_lost(pl->queues, pl->settings.priority[t], t, n);
}

void pipeline_tick(struct pipeline *pl, uint64_t now_ns)
{
	aggregator_flush(pl->agg, now_ns, false, &pl->to_queue);
}

uint64_t pipeline_next_deadline(const struct pipeline *pl)
{
	return aggregator_next_deadline(pl->agg);
}

void pipeline_flush(struct pipeline *pl, enum event_priority p)
{
	struct event *e;

	pl->flushing = true;
	message_builder_set_priority(pl->mb, p);
	while ((e = queue_pop(pl->queues, p)))
		message_builder_add(pl->mb, e);
	message_builder_flush(pl->mb);
	pl->flushing = false;
}

void pipeline_flush_all(struct pipeline *pl)
{
	aggregator_flush(pl->agg, time_now_realtime_ns(), true, &pl->to_queue);
	pipeline_flush(pl, EVENT_PRIORITY_HIGH);
	pipeline_flush(pl, EVENT_PRIORITY_LOW);
}

void pipeline_flush_together(struct pipeline *pl)
{
	struct event *e;

	aggregator_flush(pl->agg, time_now_realtime_ns(), true, &pl->to_queue);
	pl->flushing = true;
	message_builder_set_priority(pl->mb, EVENT_PRIORITY_HIGH);
	while ((e = queue_pop(pl->queues, EVENT_PRIORITY_HIGH)) ||
	       (e = queue_pop(pl->queues, EVENT_PRIORITY_LOW)))
		message_builder_add(pl->mb, e);
	message_builder_flush(pl->mb);
	pl->flushing = false;
}

bool pipeline_message_ready(const struct pipeline *pl, enum event_priority p)
{
	return queue_bytes(pl->queues, p) >= pl->settings.max_message_bytes;
}

void pipeline_set_spool_evictions(struct pipeline *pl, enum event_priority p, uint64_t total)
{
	if ((unsigned)p < _EVENT_PRIORITY_MAX && total >= pl->spool_evicted[p])
		pl->spool_evicted[p] = total;
}

void pipeline_emit_statistics(struct pipeline *pl, uint64_t now_ns)
{
	static const enum event_priority queues[2] = { EVENT_PRIORITY_HIGH, EVENT_PRIORITY_LOW };
	struct event_builder *b = &pl->stats_builder;
	struct message_stats ms;
	struct event *e;

	event_builder_begin(b, EVENT_DROPPED_EVENTS_STATISTICS, now_ns);
	for (int i = 0; i < 2; i++) {
		struct queue_counters iv, tot;

		queue_take_interval(pl->queues, queues[i], &iv);
		queue_get_totals(pl->queues, queues[i], &tot);
		event_builder_item(b);
		event_add_cstr(b, DES_QUEUE, event_priority_to_string(queues[i]));
		event_add_int(b, DES_COLLECTED_EVENTS, (int64_t)iv.collected);
		event_add_int(b, DES_DROPPED_EVENTS, (int64_t)iv.dropped);
		event_add_extra_u64(b, "TotalCollectedEvents", tot.collected);
		event_add_extra_u64(b, "TotalDroppedEvents", tot.dropped);
		event_add_extra_u64(b, "SpoolEvictedMessages",
				    pl->spool_evicted[queues[i]] -
					    pl->spool_evicted_reported[queues[i]]);
		event_add_extra_u64(b, "TotalSpoolEvictedMessages", pl->spool_evicted[queues[i]]);
		pl->spool_evicted_reported[queues[i]] = pl->spool_evicted[queues[i]];
		if (queues[i] == EVENT_PRIORITY_LOW && pl->consumed) {
			/* events of types set to Off that a rule used: part of CollectedEvents */
			event_add_extra_u64(b, "ConsumedByRules",
					    pl->consumed - pl->consumed_reported);
			event_add_extra_u64(b, "TotalConsumedByRules", pl->consumed);
			pl->consumed_reported = pl->consumed;
		}
	}
	if (event_builder_finish(b, &e) == 0)
		sink_submit(&pl->sink, e);

	message_builder_take_interval(pl->mb, &ms);
	event_builder_begin(b, EVENT_MESSAGE_STATISTICS, now_ns);
	event_builder_item(b);
	event_add_int(b, MS_MESSAGES_SENT, (int64_t)ms.messages);
	event_add_int(b, MS_MESSAGES_UNDER_4KB, (int64_t)ms.under_4kb);
	event_add_int(b, MS_TOTAL_FAILED, (int64_t)ms.failed);
	event_add_extra_u64(b, "BytesSent", ms.bytes);
	event_add_extra_u64(b, "EventsSent", ms.events);
	event_add_extra_u64(b, "EventsSplit", ms.split);
	event_add_extra_u64(b, "EventsTruncated", ms.truncated);
	event_add_extra_u64(b, "EventsTooLargeDropped", ms.oversize_dropped);
	if (event_builder_finish(b, &e) == 0)
		sink_submit(&pl->sink, e);
}

void pipeline_get_stats(const struct pipeline *pl, struct pipeline_stats *ret)
{
	struct aggregator_stats as;

	memset(ret, 0, sizeof(*ret));
	ret->submitted = pl->submitted;
	ret->filtered = pl->filtered;
	ret->consumed = pl->consumed;
	ret->lost_at_source = pl->lost;
	queue_get_totals(pl->queues, EVENT_PRIORITY_HIGH, &ret->high);
	queue_get_totals(pl->queues, EVENT_PRIORITY_LOW, &ret->low);
	aggregator_get_stats(pl->agg, &as);
	ret->aggregation.absorbed = as.absorbed;
	ret->aggregation.entries_emitted = as.entries_emitted;
	ret->aggregation.bypassed = as.bypassed;
	ret->aggregation.entries = aggregator_entries(pl->agg);
	ret->aggregation.bytes = aggregator_bytes(pl->agg);
	message_builder_get_stats(pl->mb, &ret->messages);
	ret->high_events = queue_count(pl->queues, EVENT_PRIORITY_HIGH);
	ret->high_bytes = queue_bytes(pl->queues, EVENT_PRIORITY_HIGH);
	ret->low_events = queue_count(pl->queues, EVENT_PRIORITY_LOW);
	ret->low_bytes = queue_bytes(pl->queues, EVENT_PRIORITY_LOW);
	ret->budget_bytes = queue_set_budget(pl->queues);
}
