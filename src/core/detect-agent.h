/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The detection engine inside the agent: its pipeline observer, its timers (repeat
 * summaries, and the High queue flushed as soon as an Alert is queued), its configuration
 * (detectionEnabled, detectionRulesPath, detectionRules, ...) and its Heartbeat figures.
 * The agent (core/agent.c, agent-config.c) only creates, configures and frees it.
 */

#include <stdbool.h>

#include "pipeline/event.h"

struct config;
struct loop;
struct pipeline;
struct detect_agent;

/* Observes pl's sink; timers on loop (NULL: none, the caller ticks).  -ENOMEM, -ENOSPC. */
int detect_agent_new(struct pipeline *pl, struct loop *loop, struct detect_agent **ret);
struct detect_agent *detect_agent_free(struct detect_agent *da);
/*
 * (Re)loads the rules for cfg: the shipped catalogue, the user files of detectionRulesPath
 * and the detectionRules overrides.  Problems are logged and sent as ConfigurationError
 * events (file, rule id and member in ExtraDetails); a bad user file is skipped, the rest
 * runs.  State of unchanged rules is kept.
 */
void detect_agent_configure(struct detect_agent *da, const struct config *cfg);
/* True when an enabled rule reads events of type t (its collector must run even if Off). */
bool detect_agent_wants(const struct detect_agent *da, enum event_type t);
/* The store of baselines for the new-value rules (common/persist.h; NULL: none). */
struct persist;
void detect_agent_set_persist(struct detect_agent *da, struct persist *p);
/* Puts the new-value sets that changed into the store (the caller writes it). */
void detect_agent_save(struct detect_agent *da);
/* Pending repeat summaries out now (shutdown). */
void detect_agent_flush(struct detect_agent *da);
/* Heartbeat ExtraDetails: Detection* figures (heartbeat_input.add_extras). */
void detect_agent_heartbeat_extras(void *da, struct event_builder *b);
