/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/*
 * Baselines kept across restarts (agent-persist.c): the store of common/persist.h in the
 * state directory, lent to the users collector and the detection engine.  `edgesec run`
 * only: `edgesec snapshot` and `run --replay` neither read nor write it.
 */

struct agent;
struct event_builder;

/*
 * Makes the store for the state directory dirfd (borrowed) and loads it; logs what it found.
 * A store that cannot be made or read is not an error: the agent keeps its baselines in
 * memory (a->persist NULL, or an empty store), said once in the log.
 */
void agent_persist_open(struct agent *a, int dirfd, const char *dir, bool agent_id_new);
/* Puts the detection engine's changed sets into the store and writes it if it changed;
 * logs a write failure or what the caps left out, once each. */
void agent_persist_save(struct agent *a);
/*
 * Heartbeat ExtraDetails: `Baselines` (how this start began: "kept", "new" (first start),
 * "missing" (no file although the AgentId is from an earlier run: removed?), "unusable"
 * (corrupt, foreign or refused), "memory" (no store)), `BaselinesSaveError` while saving
 * fails, `BaselinesNotSaved` (records and values the caps left out) when not 0.
 */
void agent_persist_heartbeat_extras(struct agent *a, struct event_builder *b);
/* Saves a last time and frees the store. */
void agent_persist_close(struct agent *a);
