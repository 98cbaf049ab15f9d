/* SPDX-License-Identifier: MIT */
/*
 * The agent's periodic work, all on the one loop: the snapshot timer (snapshotFrequency:
 * every periodic collector that is wanted, then the statistics events), the High and Low
 * flush timers (high/lowPriorityMessageFrequency; in local mode at most localFlushInterval),
 * the Heartbeat timer (heartbeatInterval), the aggregation timer (the next window end), and
 * the collectors' fds (triggered collectors: dispatch, then their losses are counted in
 * DroppedEventsStatistics).  After new events, what already fills a message is sent at once.
 *
 * A changed frequency takes effect at once (agent_timers_rearm): a timer never waits longer
 * than its new interval.  Owns the timers (freed with the loop).
 */
#include "agent-timers.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "agent-int.h"
#include "agent-persist.h"
#include "common/array.h"
#include "common/timeutil.h"
#include "detect-agent.h"
#include "heartbeat.h"
#include "loop/loop.h"
#include "transport/transport.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t flush_interval_ms(const struct agent *a, enum event_priority p)
{
	uint64_t f = p == EVENT_PRIORITY_HIGH ? a->cfg.high_priority_message_frequency_ms
					      : a->cfg.low_priority_message_frequency_ms;

	return a->local_mode ? min_u64(f, a->cfg.local_flush_interval_ms) : f;
}

static void flush(struct agent *a, enum event_priority p)
{
	pipeline_flush(a->pipeline, p);
}

static void arm_aggregation_timer(struct agent *a)
{
	uint64_t deadline = pipeline_next_deadline(a->pipeline), now = time_now_realtime_ns();

	if (!deadline) {
		loop_timer_disarm(a->t_aggregation);
		return;
	}
	loop_timer_arm_in(a->t_aggregation, deadline > now ? deadline - now : 0);
}

void agent_events_after(struct agent *a)
{
	if (a->t_aggregation)
		arm_aggregation_timer(a);
	if (pipeline_message_ready(a->pipeline, EVENT_PRIORITY_HIGH))
		flush(a, EVENT_PRIORITY_HIGH);
	if (pipeline_message_ready(a->pipeline, EVENT_PRIORITY_LOW))
		flush(a, EVENT_PRIORITY_LOW);
}

bool agent_collector_wanted(const struct agent *a, const struct collector *c)
{
	for (unsigned k = 0; k < c->ops->n_types; k++)
		if (a->cfg.event_priority[c->ops->types[k]] != EVENT_PRIORITY_OFF ||
		    detect_agent_wants(a->detect, c->ops->types[k]))
			return true;
	return false;
}

void agent_snapshot_take(struct agent *a, bool with_statistics)
{
	uint64_t now = time_now_realtime_ns();

	for (size_t i = 0; i < a->n_collectors; i++) {
		struct collector *c = a->collectors[i];
		int r;

		if (!collector_is_periodic(c) || !agent_collector_wanted(a, c))
			continue;
		r = collector_snapshot(c, now);
		if (r < 0 && r != -ENODEV)
			log_warning("Failed to take a %s snapshot: %s%s%s", c->ops->name,
				    strerror(-r), c->last_error[0] ? ": " : "", c->last_error);
	}
	if (with_statistics) {
		const struct spool *sp = transport_spool(a->output);

		if (sp) {
			struct spool_stats sst;

			spool_get_stats(sp, &sst);
			pipeline_set_spool_evictions(a->pipeline, EVENT_PRIORITY_LOW,
						     sst.evicted_low);
			pipeline_set_spool_evictions(a->pipeline, EVENT_PRIORITY_HIGH,
						     sst.evicted_high);
		}
		pipeline_emit_statistics(a->pipeline, now);
	}
	agent_persist_save(a); /* what the snapshot changed (nothing with `edgesec snapshot`) */
	agent_events_after(a);
}

/* Heartbeat ExtraDetails: the detection engine's figures, then the baselines' state. */
static void heartbeat_extras(void *userdata, struct event_builder *b)
{
	struct agent *a = userdata;

	detect_agent_heartbeat_extras(a->detect, b);
	agent_persist_heartbeat_extras(a, b);
}

static void heartbeat_input_from(const struct agent *a, struct heartbeat_input *in)
{
	*in = (struct heartbeat_input){
		.start_monotonic_ns = a->start_mono_ns,
		.pipeline = a->pipeline,
		.collectors = a->collectors,
		.n_collectors = a->n_collectors,
		.output = transport_describe(a->output),
		.output_error = transport_last_error(a->output),
		.spool = transport_spool(a->output),
		.spool_open_error = a->spool_open_error,
		.capabilities = a->privilege.kept_names,
		.add_extras = heartbeat_extras,
		.extras_userdata = (void *)a,
		.run_as = a->privilege.run_as,
		.missing_capabilities = a->missing.names,
		.seccomp = a->seccomp.text,
		.host = a->host,
	};
}

int agent_heartbeat_build(struct agent *a, struct event **ret)
{
	struct heartbeat_input in;

	heartbeat_input_from(a, &in);
	return heartbeat_build(&a->builder, &in, time_now_realtime_ns(), ret);
}

void agent_heartbeat_emit(struct agent *a)
{
	struct event *e;
	int r = agent_heartbeat_build(a, &e);

	if (r < 0)
		log_warning("Failed to build the Heartbeat event: %s", strerror(-r));
	else
		event_sink_submit(pipeline_sink(a->pipeline), e);
}

static void on_snapshot_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;

	(void)l;
	agent_snapshot_take(a, true);
	loop_timer_arm_in(t, a->cfg.snapshot_frequency_ms * NSEC_PER_MSEC);
}

static void on_flush_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;
	enum event_priority p = t == a->t_high ? EVENT_PRIORITY_HIGH : EVENT_PRIORITY_LOW;

	(void)l;
	flush(a, p);
	loop_timer_arm_in(t, flush_interval_ms(a, p) * NSEC_PER_MSEC);
}

static void on_heartbeat_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;

	(void)l;
	agent_heartbeat_emit(a);
	agent_persist_save(a);
	agent_events_after(a);
	loop_timer_arm_in(t, a->cfg.heartbeat_interval_ms * NSEC_PER_MSEC);
}

static void on_aggregation_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;

	(void)l;
	(void)t;
	pipeline_tick(a->pipeline, time_now_realtime_ns());
	agent_events_after(a);
	arm_aggregation_timer(a);
}

/* A changed frequency takes effect now: a timer never waits longer than its new interval. */
void agent_timers_rearm(struct agent *a)
{
	struct {
		struct loop_timer *t;
		uint64_t ms;
	} timers[] = {
		{ a->t_high, flush_interval_ms(a, EVENT_PRIORITY_HIGH) },
		{ a->t_low, flush_interval_ms(a, EVENT_PRIORITY_LOW) },
		{ a->t_snapshot, a->cfg.snapshot_frequency_ms },
		{ a->t_heartbeat, a->cfg.heartbeat_interval_ms },
	};
	uint64_t now = time_now_monotonic_ns();

	for (size_t i = 0; i < ARRAY_SIZE(timers); i++) {
		uint64_t want = now + timers[i].ms * NSEC_PER_MSEC, have;

		if (!timers[i].t)
			continue;
		have = loop_timer_deadline(timers[i].t);
		if (!have || have > want)
			loop_timer_arm(timers[i].t, want);
	}
}

void agent_timers_start(struct agent *a)
{
	a->t_snapshot = loop_timer_new(a->loop, on_snapshot_timer, a);
	a->t_high = loop_timer_new(a->loop, on_flush_timer, a);
	a->t_low = loop_timer_new(a->loop, on_flush_timer, a);
	a->t_heartbeat = loop_timer_new(a->loop, on_heartbeat_timer, a);
	a->t_aggregation = loop_timer_new(a->loop, on_aggregation_timer, a);
}

static void on_collector_fd(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct collector_watch *w = userdata;
	const struct collector_stats *st = &w->collector->stats;
	uint64_t before = st->lost + st->skipped, typed_before[_EVENT_TYPE_MAX], typed = 0;

	(void)l;
	(void)fd;
	memcpy(typed_before, st->lost_by_type, sizeof(typed_before));
	collector_dispatch(w->collector, events);
	/*
	 * Records lost in the kernel and records the collector could not turn into events (a
	 * process or socket gone before it was read) are both events nobody will see: they go
	 * into DroppedEventsStatistics, under their event type where the collector knows it
	 * (lost_by_type), the rest under the collector's first type.
	 */
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		uint64_t n = st->lost_by_type[t] - typed_before[t];

		if (n)
			pipeline_count_lost(w->agent->pipeline, (enum event_type)t, n);
		typed += n;
	}
	if (st->lost + st->skipped > before + typed)
		pipeline_count_lost(w->agent->pipeline, w->collector->ops->types[0],
				    st->lost + st->skipped - before - typed);
	agent_events_after(w->agent);
}

int agent_collector_watch(struct agent *a, size_t slot, struct collector *c)
{
	int fd = collector_get_fd(c);

	if (fd < 0)
		return 0;
	a->watches[slot] = (struct collector_watch){ .agent = a, .collector = c };
	return loop_add_fd(a->loop, fd, EPOLLIN, on_collector_fd, &a->watches[slot]);
}
