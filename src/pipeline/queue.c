/* SPDX-License-Identifier: MIT */
#include "queue.h"

#include <string.h>

#include "common/alloc.h"
#include "event-int.h"

struct fifo {
	struct event *head, *tail;
	size_t count;
	size_t bytes;
	struct queue_counters total, interval;
};

struct queue_set {
	struct fifo q[_EVENT_PRIORITY_MAX]; /* index OFF unused */
	size_t budget;
	size_t bytes;
	uint64_t dropped_by_type[_EVENT_TYPE_MAX];
};

struct queue_set *queue_set_new(size_t budget_bytes)
{
	struct queue_set *qs = es_calloc(1, sizeof(*qs));

	if (qs)
		qs->budget = budget_bytes;
	return qs;
}

static struct event *fifo_pop(struct queue_set *qs, struct fifo *f)
{
	struct event *e = f->head;

	if (!e)
		return NULL;
	f->head = e->next;
	if (!f->head)
		f->tail = NULL;
	e->next = NULL;
	f->count--;
	f->bytes -= e->size;
	qs->bytes -= e->size;
	return e;
}

struct queue_set *queue_set_free(struct queue_set *qs)
{
	if (!qs)
		return NULL;
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++) {
		struct event *e;

		while ((e = fifo_pop(qs, &qs->q[p])))
			event_free(e);
	}
	es_free(qs);
	return NULL;
}

static void count_drop(struct queue_set *qs, struct fifo *f, const struct event *e)
{
	f->total.dropped++;
	f->interval.dropped++;
	if (e->type < _EVENT_TYPE_MAX)
		qs->dropped_by_type[e->type]++;
}

/* Evict oldest events of `f` until `need` more bytes fit; returns the count evicted. */
static unsigned evict(struct queue_set *qs, struct fifo *f, size_t need)
{
	unsigned n = 0;

	while (f->head && qs->bytes + need > qs->budget) {
		struct event *e = fifo_pop(qs, f);

		count_drop(qs, f, e);
		event_free(e);
		n++;
	}
	return n;
}

void queue_set_set_budget(struct queue_set *qs, size_t budget_bytes)
{
	qs->budget = budget_bytes;
	(void)evict(qs, &qs->q[EVENT_PRIORITY_LOW], 0);
	(void)evict(qs, &qs->q[EVENT_PRIORITY_HIGH], 0);
}

size_t queue_set_budget(const struct queue_set *qs)
{
	return qs->budget;
}

unsigned queue_push(struct queue_set *qs, enum event_priority prio, struct event *e)
{
	struct fifo *f;
	unsigned dropped = 0;

	if (prio != EVENT_PRIORITY_HIGH)
		prio = EVENT_PRIORITY_LOW;
	f = &qs->q[prio];
	f->total.collected++;
	f->interval.collected++;
	if (e->size <= qs->budget && qs->bytes + e->size > qs->budget) {
		dropped += evict(qs, &qs->q[EVENT_PRIORITY_LOW], e->size);
		if (prio == EVENT_PRIORITY_HIGH)
			dropped += evict(qs, f, e->size);
	}
	if (qs->bytes + e->size > qs->budget) {
		count_drop(qs, f, e);
		event_free(e);
		return dropped + 1;
	}
	e->next = NULL;
	e->priority = (uint8_t)prio;
	if (f->tail)
		f->tail->next = e;
	else
		f->head = e;
	f->tail = e;
	f->count++;
	f->bytes += e->size;
	qs->bytes += e->size;
	return dropped;
}

struct event *queue_pop(struct queue_set *qs, enum event_priority prio)
{
	if (prio != EVENT_PRIORITY_HIGH && prio != EVENT_PRIORITY_LOW)
		return NULL;
	return fifo_pop(qs, &qs->q[prio]);
}

size_t queue_count(const struct queue_set *qs, enum event_priority prio)
{
	return prio < _EVENT_PRIORITY_MAX && prio >= 0 ? qs->q[prio].count : 0;
}

size_t queue_bytes(const struct queue_set *qs, enum event_priority prio)
{
	return prio < _EVENT_PRIORITY_MAX && prio >= 0 ? qs->q[prio].bytes : 0;
}

size_t queue_total_bytes(const struct queue_set *qs)
{
	return qs->bytes;
}

void queue_get_totals(const struct queue_set *qs, enum event_priority prio,
		      struct queue_counters *ret)
{
	*ret = qs->q[prio].total;
}

void queue_take_interval(struct queue_set *qs, enum event_priority prio, struct queue_counters *ret)
{
	*ret = qs->q[prio].interval;
	memset(&qs->q[prio].interval, 0, sizeof(qs->q[prio].interval));
}

uint64_t queue_dropped_by_type(const struct queue_set *qs, enum event_type t)
{
	return t >= 0 && t < _EVENT_TYPE_MAX ? qs->dropped_by_type[t] : 0;
}

void queue_count_lost(struct queue_set *qs, enum event_priority prio, enum event_type t, uint64_t n)
{
	struct fifo *f =
		&qs->q[prio == EVENT_PRIORITY_HIGH ? EVENT_PRIORITY_HIGH : EVENT_PRIORITY_LOW];

	f->total.collected += n;
	f->interval.collected += n;
	f->total.dropped += n;
	f->interval.dropped += n;
	if (t >= 0 && t < _EVENT_TYPE_MAX)
		qs->dropped_by_type[t] += n;
}

void queue_count_collected(struct queue_set *qs, enum event_priority prio, uint64_t n)
{
	struct fifo *f =
		&qs->q[prio == EVENT_PRIORITY_HIGH ? EVENT_PRIORITY_HIGH : EVENT_PRIORITY_LOW];

	f->total.collected += n;
	f->interval.collected += n;
}
