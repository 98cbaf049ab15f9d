/* SPDX-License-Identifier: MIT */
#include "message.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/guid.h"
#include "common/json_write.h"
#include "common/str.h"
#include "event-int.h"
#include "format.h"
#include "truncate.h"

#define SHRINK_ROUNDS 64

struct open_message {
	struct buf body;
	unsigned n_events;
};

struct message_builder {
	char agent_id[GUID_STR_LEN + 1];
	char *agent_version;
	size_t max_size;
	enum event_priority priority;
	message_publish_fn publish;
	void *userdata;
	struct open_message open[_EVENT_SCHEMA_MAX];
	struct buf scratch;
	size_t prefix_len[_EVENT_SCHEMA_MAX];
	struct message_stats total, interval;
};

static size_t measure_prefix(const struct message_builder *mb, enum event_schema s);

struct message_builder *message_builder_new(const char *agent_id, const char *agent_version,
					    size_t max_size, message_publish_fn publish,
					    void *userdata)
{
	struct message_builder *mb = es_calloc(1, sizeof(*mb));

	if (!mb)
		return NULL;
	str_copy(mb->agent_id, sizeof(mb->agent_id), agent_id);
	mb->agent_version = es_strdup(agent_version);
	if (!mb->agent_version) {
		es_free(mb);
		return NULL;
	}
	mb->publish = publish;
	mb->userdata = userdata;
	mb->priority = EVENT_PRIORITY_LOW;
	for (int s = 0; s < _EVENT_SCHEMA_MAX; s++)
		buf_init(&mb->open[s].body, 0);
	buf_init(&mb->scratch, 0);
	for (int s = 0; s < _EVENT_SCHEMA_MAX; s++)
		mb->prefix_len[s] = measure_prefix(mb, (enum event_schema)s);
	message_builder_set_max_size(mb, max_size);
	return mb;
}

struct message_builder *message_builder_free(struct message_builder *mb)
{
	if (!mb)
		return NULL;
	for (int s = 0; s < _EVENT_SCHEMA_MAX; s++)
		buf_done(&mb->open[s].body);
	buf_done(&mb->scratch);
	es_free(mb->agent_version);
	es_free(mb);
	return NULL;
}

void message_builder_set_max_size(struct message_builder *mb, size_t max_size)
{
	if (max_size < MESSAGE_SIZE_MIN)
		max_size = MESSAGE_SIZE_MIN;
	/* Open messages were built for the old size: send them first. */
	message_builder_flush(mb);
	mb->max_size = max_size;
	/* Room for one more message: an event that overflows is completed, then carried over. */
	for (int s = 0; s < _EVENT_SCHEMA_MAX; s++)
		mb->open[s].body.max = 2 * max_size;
	mb->scratch.max = 0;
}

void message_builder_set_priority(struct message_builder *mb, enum event_priority p)
{
	if (p != mb->priority)
		message_builder_flush(mb);
	mb->priority = p;
}

static void write_prefix(const struct message_builder *mb, enum event_schema s, struct buf *b)
{
	buf_puts(b, "{\"AgentVersion\":");
	json_escape(b, mb->agent_version, strlen(mb->agent_version));
	buf_puts(b, ",\"AgentId\":\"");
	buf_puts(b, mb->agent_id);
	buf_puts(b, "\",\"MessageSchemaVersion\":\"");
	buf_puts(b, event_schema_message_version(s));
	buf_puts(b, "\",\"Events\":[");
}

static size_t measure_prefix(const struct message_builder *mb, enum event_schema s)
{
	struct buf b;
	size_t n;

	buf_init(&b, 0);
	write_prefix(mb, s, &b);
	n = b.len;
	buf_done(&b);
	return n;
}

static void count(struct message_builder *mb, size_t len, unsigned n_events, int r)
{
	struct message_stats *st[2] = { &mb->total, &mb->interval };

	for (int i = 0; i < 2; i++) {
		if (r < 0) {
			st[i]->failed++;
			st[i]->events_lost_in_failed += n_events;
			continue;
		}
		st[i]->messages++;
		st[i]->bytes += len;
		st[i]->events += n_events;
		if (len < 4096)
			st[i]->under_4kb++;
	}
}

/* Publishes the first len bytes of the open message's body, which end with "]}". */
static void publish_body(struct message_builder *mb, enum event_schema s, size_t len)
{
	struct open_message *om = &mb->open[s];
	struct message m = {
		.schema = s,
		.priority = mb->priority,
		.body = om->body.data,
		.len = len,
		.n_events = om->n_events,
	};
	int r = om->body.failed ? -ENOMEM : mb->publish(mb->userdata, &m);

	count(mb, m.len, m.n_events, r);
}

static void publish_open(struct message_builder *mb, enum event_schema s)
{
	struct open_message *om = &mb->open[s];

	if (!om->n_events)
		return;
	buf_append(&om->body, "]}", 2);
	publish_body(mb, s, om->body.len);
	buf_reset(&om->body);
	om->n_events = 0;
}

void message_builder_flush(struct message_builder *mb)
{
	for (int s = 0; s < _EVENT_SCHEMA_MAX; s++)
		publish_open(mb, (enum event_schema)s);
}

static void bump(struct message_builder *mb, size_t offset)
{
	uint64_t *t = (uint64_t *)((char *)&mb->total + offset);
	uint64_t *i = (uint64_t *)((char *)&mb->interval + offset);

	(*t)++;
	(*i)++;
}

#define BUMP(mb, field) bump(mb, offsetof(struct message_stats, field))

/*
 * The open message ends at `end` (its last event) and the event just serialized behind it, at
 * `start`, does not fit: the message goes out without it, and the event's bytes move to the
 * front of the next message (behind the same prefix): a copy, not a second serialization.
 */
static void carry_over(struct message_builder *mb, enum event_schema s, size_t end, size_t start)
{
	struct open_message *om = &mb->open[s];
	char *d = om->body.data;
	size_t len = om->body.len - start, prefix = mb->prefix_len[s];
	char saved[2];

	/* "]}" over the comma and the event's first byte, restored once published. */
	memcpy(saved, d + end, 2);
	memcpy(d + end, "]}", 2);
	publish_body(mb, s, end + 2);
	memcpy(d + end, saved, 2);
	memmove(d + prefix, d + start, len);
	buf_truncate(&om->body, prefix + len);
	om->n_events = 1;
}

/*
 * Serializes e straight into the open message of schema s: the only serialization of an event
 * on the common path.  The body may grow past max_size by up to one message, so an event that
 * does not fit behind the others is still complete and carried over to the next message.
 * False if e does not fit even an empty message (the write is undone).
 */
static bool try_append(struct message_builder *mb, enum event_schema s, const struct event *e)
{
	struct open_message *om = &mb->open[s];
	size_t mark = om->body.len, start, room = mb->max_size - mb->prefix_len[s] - 2;
	struct jw w;

	if (!om->n_events)
		write_prefix(mb, s, &om->body);
	else
		buf_putc(&om->body, ',');
	start = om->body.len;
	jw_init(&w, &om->body);
	event_format(e, &w);
	if (!om->body.failed && om->body.len + 2 <= mb->max_size) {
		om->n_events++;
		return true;
	}
	if (!om->body.failed && om->n_events && om->body.len - start <= room) {
		carry_over(mb, s, mark, start);
		return true;
	}
	om->body.failed = false;
	if (om->body.data)
		buf_truncate(&om->body, om->n_events ? mark : 0);
	return false;
}

static void serialize(struct message_builder *mb, const struct event *e)
{
	struct jw w;

	buf_reset(&mb->scratch);
	jw_init(&w, &mb->scratch);
	event_format(e, &w);
}

static void count_truncated(struct message_builder *mb, const struct event *e, bool shrunk)
{
	if (shrunk || (e->flags & EVENT_F_TRUNCATED))
		BUMP(mb, truncated);
}

void message_builder_add(struct message_builder *mb, struct event *e)
{
	const struct event_type_info *ti = event_type_info(event_get_type(e));
	enum event_schema s = ti->schema;
	size_t room = mb->max_size - mb->prefix_len[s] - 2;
	bool shrunk = false;

	/* The common case: it fits the open message, or the next one. */
	if (try_append(mb, s, e))
		goto added;
	publish_open(mb, s);
	/* Too large for any message: split by items, then shorten values. */
	for (int round = 0;; round++) {
		struct event *a, *b, *smaller;

		serialize(mb, e);
		if (!mb->scratch.failed && mb->scratch.len <= room)
			break;
		if (mb->scratch.failed || round >= SHRINK_ROUNDS)
			goto drop;
		if (event_split(e, &a, &b) == 0) {
			BUMP(mb, split);
			event_free(e);
			message_builder_add(mb, a);
			message_builder_add(mb, b);
			return;
		}
		if (event_shrink(e, mb->scratch.len - room, &smaller) < 0)
			goto drop;
		event_free(e);
		e = smaller;
		shrunk = true;
	}
	if (!try_append(mb, s, e))
		goto drop;
added:
	count_truncated(mb, e, shrunk);
	event_free(e);
	return;
drop:
	BUMP(mb, oversize_dropped);
	event_free(e);
}

void message_builder_get_stats(const struct message_builder *mb, struct message_stats *ret)
{
	*ret = mb->total;
}

void message_builder_take_interval(struct message_builder *mb, struct message_stats *ret)
{
	*ret = mb->interval;
	memset(&mb->interval, 0, sizeof(mb->interval));
}
