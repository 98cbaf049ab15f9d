/* SPDX-License-Identifier: MIT */
#pragma once

/* The event layout, shared by the pipeline's own files only (queue, aggregation, messages). */

#include "event.h"

#define EVENT_F_TRUNCATED 0x1u  /* some value was shortened */
#define EVENT_F_AGGREGATED 0x2u /* stands for several identical events */

struct event {
	struct event *next; /* queue link */
	uint64_t time_ns;   /* CLOCK_REALTIME */
	uint32_t size;      /* allocation size, charged to the cache budget */
	uint32_t data_len;
	uint16_t type;
	uint16_t n_items;
	uint16_t flags;
	uint8_t priority;
	uint8_t id[16];
	unsigned char data[]; /* encoded items, see event.c */
};

/* Build an event from raw encoded data (used when the pipeline rewrites one). */
struct event *event_new_raw(enum event_type type, uint64_t time_ns, unsigned n_items,
			    const void *data, size_t len);
