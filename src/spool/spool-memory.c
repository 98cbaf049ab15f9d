/* SPDX-License-Identifier: MIT */
/*
 * The spool's memory backend: one doubly linked list per priority in id order, each entry
 * flagged in flight or unsent.  Used when no state directory is given, when the file cannot be
 * opened, and after the file backend failed over at run time.  Lookup by id is a scan,
 * bounded by the byte cap (a few thousand entries at most).  The list helpers also serve the
 * file backend, whose puts wait in lists until they are committed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/str.h"
#include "spool-int.h"

/* ---- entry lists ---- */

void spool_list_append(struct spool_mem_list *l, struct spool_mem_entry *m)
{
	m->next = NULL;
	m->prev = l->tail;
	if (l->tail)
		l->tail->next = m;
	else
		l->head = m;
	l->tail = m;
}

void spool_list_unlink(struct spool_mem_list *l, struct spool_mem_entry *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		l->head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		l->tail = m->prev;
}

void spool_mem_entry_free(struct spool_mem_entry *m)
{
	es_free(m->e.body);
	es_free(m);
}

struct spool_mem_entry *spool_mem_entry_new(uint64_t id, enum event_schema schema,
					    enum event_priority priority, const char *mid,
					    const void *body, size_t len, uint64_t size)
{
	struct spool_mem_entry *m = es_calloc(1, sizeof(*m));

	if (!m || !(m->e.body = es_malloc(len ? len : 1))) {
		es_free(m);
		return NULL;
	}
	memcpy(m->e.body, body, len);
	m->e.len = len;
	m->e.id = id;
	m->e.schema = schema;
	m->e.priority = priority;
	if (mid)
		str_copy(m->e.mid, sizeof(m->e.mid), mid);
	m->size = size;
	return m;
}

struct spool_mem_entry *spool_lists_find(struct spool_mem_list *lists, uint64_t id)
{
	for (int p = _EVENT_PRIORITY_MAX - 1; p >= 0; p--)
		for (struct spool_mem_entry *m = lists[p].head; m; m = m->next)
			if (m->e.id == id)
				return m;
	return NULL;
}

void spool_lists_free(struct spool_mem_list *lists)
{
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		while (lists[p].head) {
			struct spool_mem_entry *m = lists[p].head;

			spool_list_unlink(&lists[p], m);
			spool_mem_entry_free(m);
		}
}

void spool_memory_recount(struct spool *sp)
{
	sp->st.rows = sp->st.bytes = sp->st.inflight = sp->inflight_bytes = 0;
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		for (struct spool_mem_entry *m = sp->lists[p].head; m; m = m->next) {
			sp->st.rows++;
			sp->st.bytes += m->size;
			if (m->inflight) {
				sp->st.inflight++;
				sp->inflight_bytes += m->size;
			}
		}
}

static struct spool_mem_entry *first_unsent(struct spool *sp, enum event_priority p)
{
	for (struct spool_mem_entry *m = sp->lists[p].head; m; m = m->next)
		if (!m->inflight)
			return m;
	return NULL;
}

/* ---- operations ---- */

static int memory_put(struct spool *sp, struct spool_mem_entry *m)
{
	spool_list_append(&sp->lists[m->e.priority], m);
	return 0;
}

static int memory_next(struct spool *sp, enum event_priority p, struct spool_entry *ret)
{
	struct spool_mem_entry *m = first_unsent(sp, p);

	if (!m)
		return -ENOENT;
	return spool_entry_fill(ret, m->e.id, m->e.schema, m->e.priority, m->e.sends, m->e.mid,
				m->e.body, m->e.len);
}

static int memory_mark(struct spool *sp, const struct spool_entry *e)
{
	struct spool_mem_entry *m = spool_lists_find(sp->lists, e->id);

	if (!m || m->inflight)
		return -ENOENT;
	m->inflight = true;
	if (m->e.sends++ > 0)
		sp->st.duplicates++;
	sp->st.inflight++;
	sp->inflight_bytes += m->size;
	return 0;
}

static int memory_ack(struct spool *sp, uint64_t id)
{
	struct spool_mem_entry *m = spool_lists_find(sp->lists, id);

	if (!m)
		return -ENOENT;
	spool_list_unlink(&sp->lists[m->e.priority], m);
	sp->st.rows--;
	sp->st.bytes -= m->size;
	if (m->inflight) {
		sp->st.inflight--;
		sp->inflight_bytes -= m->size;
	}
	spool_mem_entry_free(m);
	return 0;
}

static int memory_evict_oldest(struct spool *sp, enum event_priority p, uint64_t *ret_size)
{
	struct spool_mem_entry *m = first_unsent(sp, p);

	if (!m)
		return -ENOENT;
	*ret_size = m->size;
	spool_list_unlink(&sp->lists[p], m);
	spool_mem_entry_free(m);
	return 0;
}

static int memory_requeue(struct spool *sp)
{
	int n = 0;

	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		for (struct spool_mem_entry *m = sp->lists[p].head; m; m = m->next)
			if (m->inflight) {
				m->inflight = false;
				n++;
			}
	return n;
}

static int memory_flush(struct spool *sp)
{
	(void)sp;
	return 0;
}

static bool memory_nothing_pending(const struct spool *sp)
{
	(void)sp;
	return false;
}

static void memory_checkpoint(struct spool *sp)
{
	(void)sp;
}

static void memory_close(struct spool *sp)
{
	(void)sp; /* the lists belong to the front end, which frees them */
}

const struct spool_backend spool_memory_backend = {
	.name = "memory",
	.put = memory_put,
	.next = memory_next,
	.mark = memory_mark,
	.ack = memory_ack,
	.evict_oldest = memory_evict_oldest,
	.requeue = memory_requeue,
	.flush = memory_flush,
	.flush_pending = memory_nothing_pending,
	.puts_pending = memory_nothing_pending,
	.checkpoint = memory_checkpoint,
	.close = memory_close,
};
