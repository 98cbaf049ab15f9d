/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The message builder: packs events into security messages (the ASC envelope: AgentVersion,
 * AgentId, MessageSchemaVersion, Events[]).  ASC events and edgesec's own events never share a
 * message, so ASC messages validate against the published schema.
 *
 * Size: a message body is never larger than max_size bytes (envelope included).  An event that
 * does not fit an empty message is split by payload items, and a single item that still does
 * not fit has its longest values shortened with a marker (see truncate.h).  Only if nothing
 * can be shortened any more is the event dropped, and that is counted.
 */

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define MESSAGE_SIZE_MIN 1024u /* below this not even one small event fits */

struct message {
	enum event_schema schema;
	enum event_priority priority;
	const char *body; /* JSON, not NUL-terminated in general */
	size_t len;
	unsigned n_events;
};

/* Returns 0 when the message was taken (written, spooled), negative errno otherwise. */
typedef int (*message_publish_fn)(void *userdata, const struct message *m);

struct message_stats {
	uint64_t messages;		/* handed to publish and accepted */
	uint64_t under_4kb;		/* accepted messages smaller than 4096 bytes */
	uint64_t failed;		/* publish returned an error */
	uint64_t bytes;			/* body bytes accepted */
	uint64_t events;		/* events in accepted messages */
	uint64_t events_lost_in_failed; /* events in messages whose publish failed */
	uint64_t split;			/* events split because they did not fit */
	uint64_t truncated;		/* events shortened to fit */
	uint64_t oversize_dropped;	/* events that could not be made to fit */
};

struct message_builder;

struct message_builder *message_builder_new(const char *agent_id, const char *agent_version,
					    size_t max_size, message_publish_fn publish,
					    void *userdata);
struct message_builder *message_builder_free(struct message_builder *mb);
void message_builder_set_max_size(struct message_builder *mb, size_t max_size);
/* Priority recorded in the messages built from now on. */
void message_builder_set_priority(struct message_builder *mb, enum event_priority p);
/* Serializes and frees e; completed messages are published on the way. */
void message_builder_add(struct message_builder *mb, struct event *e);
/* Publishes the open messages, if any. */
void message_builder_flush(struct message_builder *mb);
void message_builder_get_stats(const struct message_builder *mb, struct message_stats *ret);
/* Counts since the previous call (MessageStatistics), then restarts them. */
void message_builder_take_interval(struct message_builder *mb, struct message_stats *ret);
