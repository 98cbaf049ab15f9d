/* SPDX-License-Identifier: MIT */
#pragma once

/* The agent's periodic work on the loop: timers, snapshots, Heartbeat, collector fds
 * (agent-timers.c). */

#include <stdbool.h>
#include <stddef.h>

struct agent;
struct collector;
struct event;

/* Creates the timers (armed by agent_timers_rearm(); one the loop cannot add stays NULL and
 * does not run). */
void agent_timers_start(struct agent *a);
/* After a configuration change: no timer waits longer than its new interval. */
void agent_timers_rearm(struct agent *a);
/* Watches c's fd, if it has one, in slot `slot`.  0 or -errno. */
int agent_collector_watch(struct agent *a, size_t slot, struct collector *c);
/* Its events are wanted: one of its types is not Off, or a detection rule reads it. */
bool agent_collector_wanted(const struct agent *a, const struct collector *c);
/* Every wanted periodic collector now; with_statistics: the statistics events too. */
void agent_snapshot_take(struct agent *a, bool with_statistics);
/* After new events: arm the aggregation timer, send what already fills a message. */
void agent_events_after(struct agent *a);
void agent_heartbeat_emit(struct agent *a);
/* The Heartbeat event, built now (not queued).  0 or -errno. */
int agent_heartbeat_build(struct agent *a, struct event **ret);
