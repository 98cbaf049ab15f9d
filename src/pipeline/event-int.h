/* SPDX-License-Identifier: MIT */
#pragma once

/* The event layout, shared by the pipeline's own files only (queue, aggregation, messages). */

#include <stddef.h>
#include <string.h>

#include "event.h"

#define EVENT_F_TRUNCATED 0x1u	/* some value was shortened */
#define EVENT_F_AGGREGATED 0x2u /* stands for several identical events */

struct event {
	struct event *next; /* queue link */
	uint64_t time_ns;   /* CLOCK_REALTIME */
	uint32_t size;	    /* allocation size, charged to the cache budget */
	uint32_t data_len;
	uint16_t type;
	uint16_t n_items;
	uint16_t flags;
	uint8_t priority;
	uint8_t id[16];
	unsigned char data[]; /* encoded items, see event.c */
};

/* Bytes before the encoded data (the builder keeps this much room in front of its values). */
#define EVENT_HEADER_SIZE offsetof(struct event, data)

/* Build an event from raw encoded data (used when the pipeline rewrites one). */
struct event *event_new_raw(enum event_type type, uint64_t time_ns, unsigned n_items,
			    const void *data, size_t len);

/*
 * Raw access to the encoding (see event.c) for the pipeline's hot paths: the aggregator
 * hashes and compares the encoded bytes of a value, and the cursor is inlined here so that
 * serialization and identity scans do not pay a call per value.
 */
#define EVENT_TAG_ITEM 0xF0u
#define EVENT_TAG_EXTRA 0xF1u

static inline uint32_t event_load_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Size in bytes of the encoded value whose tag is at p, tag included. */
static inline size_t event_value_size(const struct event_type_info *ti, const unsigned char *p)
{
	unsigned tag = p[0];
	uint32_t klen;

	if (tag == EVENT_TAG_ITEM)
		return 1;
	if (tag == EVENT_TAG_EXTRA) {
		klen = event_load_u32(p + 1);
		return 1 + 4 + (size_t)klen + 4 + event_load_u32(p + 5 + klen);
	}
	switch (ti->fields[tag].type) {
	case FIELD_INT:
		return 1 + sizeof(int64_t);
	case FIELD_BOOL:
		return 2;
	default:
		return 1 + 4 + (size_t)event_load_u32(p + 1);
	}
}

/* event_cursor_next(), inline. */
static inline int event_cursor_step(struct event_cursor *c, struct event_value *v)
{
	unsigned tag;

	if (c->p >= c->end)
		return 0;
	tag = *c->p++;
	/* Every member is set on every path (cheaper than clearing the struct first). */
	v->field = 0;
	v->i = 0;
	v->s = NULL;
	v->len = 0;
	v->key = NULL;
	v->key_len = 0;
	if (tag == EVENT_TAG_ITEM) {
		v->kind = EVENT_VALUE_ITEM;
		v->type = FIELD_STRING;
		return 1;
	}
	if (tag == EVENT_TAG_EXTRA) {
		v->kind = EVENT_VALUE_EXTRA;
		v->key_len = event_load_u32(c->p);
		v->key = (const char *)c->p + 4;
		c->p += 4 + v->key_len;
		v->type = FIELD_STRING;
		v->len = event_load_u32(c->p);
		v->s = (const char *)c->p + 4;
		c->p += 4 + v->len;
		return 1;
	}
	/* Written by the builder, so the tag is a valid field of this type. */
	v->kind = EVENT_VALUE_FIELD;
	v->field = tag;
	v->type = c->ti->fields[tag].type;
	switch (v->type) {
	case FIELD_INT:
		memcpy(&v->i, c->p, sizeof(v->i));
		c->p += sizeof(v->i);
		break;
	case FIELD_BOOL:
		v->i = *c->p++;
		break;
	default:
		v->len = event_load_u32(c->p);
		v->s = (const char *)c->p + 4;
		c->p += 4 + v->len;
		break;
	}
	return 1;
}
