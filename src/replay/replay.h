/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Recorded events back into events: one line of JSON Lines → the events it holds.  A line is
 * either a message as `edgesec run` writes it ({"AgentId":…,"Events":[…]}) or one event object
 * ({"Name":"ProcessCreate","TimestampUTC":…,"Payload":[{…}]}, Payload may also be a single
 * object).  Fields are checked against the event type's table: unknown fields, wrong types and
 * missing required fields are errors that name the field.  A pure parser (fuzzed:
 * tests/fuzz/fuzz-replay.c).  Alert events are not replayed (they are what a replay makes).
 */

#include <stddef.h>
#include <stdint.h>

#include "pipeline/event.h"

#define REPLAY_LINE_MAX (8u << 20)
#define REPLAY_EVENTS_PER_LINE_MAX 4096u

struct replay_error {
	char message[256];
};

struct replay_line {
	struct event **events; /* owned by the caller after the call (free each) */
	unsigned n, cap;
	unsigned skipped_alerts;
	char agent_id[40]; /* the envelope's AgentId, "" if none */
};

/*
 * Parses one line.  Events are appended to out->events (grown as needed).  Returns the number
 * of events added (0 for a blank line), or -EINVAL with err filled (nothing added), -ENOMEM.
 * An event without a time gets `default_time_ns`.
 */
int replay_parse_line(const char *line, size_t len, uint64_t default_time_ns,
		      struct event_builder *b, struct replay_line *out, struct replay_error *err);
void replay_line_done(struct replay_line *out); /* frees the events still held */
