/* SPDX-License-Identifier: MIT */
/*
 * The spool (see spool.h for the contract): the front end shared by both backends.
 *
 * It checks arguments, gives ids, keeps the byte cap (evicting unsent Low, then unsent High,
 * oldest first, through the backend's evict_oldest), keeps the counters and the error text,
 * and dispatches every storage operation through sp->backend (spool-int.h):
 *
 *   memory (spool-memory.c)  lists per priority; no state directory, or the file failed
 *   sqlite (spool-sqlite.c)  one SQLite file, WAL, write-behind batches (see its comment)
 *
 * A backend operation that returns SPOOL_FAILED_OVER was not done: the file backend moved
 * everything into memory and switched sp->backend, so the front end does it again.
 *
 * Ownership: the spool owns its entries; spool_next() copies an entry out (body es_malloc'ed).
 */
#include "spool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/str.h"
#include "spool-int.h"

/* ---- helpers shared with the backends ---- */

void spool_set_error(struct spool *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sp->error, sizeof(sp->error), fmt, ap);
	va_end(ap);
	for (char *c = sp->error; *c; c++) /* one line, whatever SQLite says */
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
}

bool spool_priority_valid(enum event_priority p)
{
	return p == EVENT_PRIORITY_LOW || p == EVENT_PRIORITY_HIGH;
}

uint64_t spool_entry_size(size_t len, const char *mid)
{
	return (uint64_t)len + (mid ? strlen(mid) : 0) + SPOOL_ENTRY_OVERHEAD;
}

int spool_entry_fill(struct spool_entry *e, uint64_t id, enum event_schema schema,
		     enum event_priority p, unsigned sends, const char *mid, const void *body,
		     size_t len)
{
	char *copy = es_malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, body, len);
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->schema = schema;
	e->priority = p;
	e->sends = sends;
	e->body = copy;
	e->len = len;
	if (mid && mid[0])
		str_copy(e->mid, sizeof(e->mid), mid);
	else
		snprintf(e->mid, sizeof(e->mid), "%" PRIu64, id);
	return 0;
}

/* ---- cap ---- */

/* Evicts until `need` more bytes fit: unsent Low oldest first, then unsent High. */
static int make_room(struct spool *sp, uint64_t need)
{
	static const enum event_priority order[] = { EVENT_PRIORITY_LOW, EVENT_PRIORITY_HIGH };

	for (size_t i = 0; i < 2; i++)
		while (sp->st.bytes + need > sp->st.max_bytes) {
			uint64_t size = 0;
			int r = sp->backend->evict_oldest(sp, order[i], &size);

			if (r == -ENOENT)
				break;
			if (r < 0)
				return r;
			sp->st.rows--;
			sp->st.bytes -= size;
			if (order[i] == EVENT_PRIORITY_LOW)
				sp->st.evicted_low++;
			else
				sp->st.evicted_high++;
		}
	return sp->st.bytes + need > sp->st.max_bytes ? -ENOBUFS : 0;
}

/* ---- put ---- */

static int reject(struct spool *sp, int r, const char *why)
{
	sp->st.rejected++;
	spool_set_error(sp, "%s", why);
	return r;
}

int spool_put(struct spool *sp, enum event_schema schema, enum event_priority priority,
	      const void *body, size_t len, const char *mid, uint64_t *ret_id)
{
	uint64_t size = spool_entry_size(len, mid);
	struct spool_mem_entry *m;
	int r;

	if (!spool_priority_valid(priority) || (unsigned)schema >= _EVENT_SCHEMA_MAX ||
	    (mid && strlen(mid) >= SPOOL_MID_MAX) || (!body && len))
		return -EINVAL;
	if (size > sp->st.max_bytes) {
		sp->st.rejected++;
		spool_set_error(sp, "message of %zu bytes is larger than the spool cap", len);
		return -EMSGSIZE;
	}
	/* entries in flight cannot be evicted: refuse before evicting anything */
	if (sp->inflight_bytes + size > sp->st.max_bytes)
		return reject(sp, -ENOBUFS, "spool full of messages in flight");
	do
		r = make_room(sp, size);
	while (r == SPOOL_FAILED_OVER);
	if (r == -ENOBUFS)
		return reject(sp, r, "spool full of messages in flight");
	if (r < 0)
		return r;
	m = spool_mem_entry_new(sp->next_id, schema, priority, mid, body, len, size);
	if (!m) {
		spool_set_error(sp, "out of memory");
		return -ENOMEM;
	}
	if (!mid)
		snprintf(m->e.mid, sizeof(m->e.mid), "%" PRIu64, m->e.id);
	sp->next_id++;
	sp->st.rows++;
	sp->st.bytes += size;
	sp->st.written++;
	if (ret_id)
		*ret_id = m->e.id;
	return sp->backend->put(sp, m);
}

/* ---- reading, marking, deleting ---- */

int spool_next(struct spool *sp, struct spool_entry *ret)
{
	static const enum event_priority order[] = { EVENT_PRIORITY_HIGH, EVENT_PRIORITY_LOW };

	for (size_t i = 0; i < 2; i++) {
		int r = sp->backend->next(sp, order[i], ret);

		if (r == SPOOL_FAILED_OVER)
			return spool_next(sp, ret);
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

int spool_mark_inflight(struct spool *sp, uint64_t id)
{
	struct spool_entry e;
	int r;

	r = spool_next(sp, &e); /* only the next entry can be marked */
	if (r < 0)
		return r;
	r = e.id == id ? sp->backend->mark(sp, &e) : -ENOENT;
	spool_entry_done(&e);
	return r;
}

int spool_take(struct spool *sp, struct spool_entry *ret)
{
	int r = spool_next(sp, ret);

	if (r < 0)
		return r;
	r = sp->backend->mark(sp, ret);
	if (r < 0) {
		spool_entry_done(ret);
		return r;
	}
	return 0;
}

int spool_ack(struct spool *sp, uint64_t id)
{
	int r;

	do
		r = sp->backend->ack(sp, id);
	while (r == SPOOL_FAILED_OVER);
	if (r == 0)
		sp->st.deleted++;
	return r;
}

int spool_requeue_inflight(struct spool *sp)
{
	int n;

	do
		n = sp->backend->requeue(sp);
	while (n == SPOOL_FAILED_OVER);
	sp->st.inflight = 0;
	sp->inflight_bytes = 0;
	return n;
}

void spool_entry_done(struct spool_entry *e)
{
	if (e) {
		es_free(e->body);
		e->body = NULL;
		e->len = 0;
	}
}

/* ---- flush, checkpoint ---- */

int spool_flush(struct spool *sp)
{
	return sp->backend->flush(sp);
}

bool spool_flush_pending(const struct spool *sp)
{
	return sp->backend->flush_pending(sp);
}

bool spool_puts_pending(const struct spool *sp)
{
	return sp->backend->puts_pending(sp);
}

void spool_checkpoint(struct spool *sp)
{
	sp->backend->checkpoint(sp);
}

/* ---- open / free ---- */

static struct spool *spool_alloc(uint64_t max_bytes)
{
	struct spool *sp = es_calloc(1, sizeof(*sp));

	if (sp) {
		sp->backend = &spool_memory_backend;
		sp->st.max_bytes = max_bytes;
		sp->st.memory = true;
		sp->next_id = 1;
	}
	return sp;
}

int spool_open(const struct spool_settings *s, struct spool **ret, struct spool_error *err)
{
	char path[4096];
	struct spool *sp;
	int r;

	if (!s || !s->max_bytes || (unsigned)s->sync >= _SPOOL_SYNC_MAX)
		return -EINVAL;
	if (!s->dir)
		return spool_open_memory(s->max_bytes, ret);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", s->dir, SPOOL_FILE_NAME) >= sizeof(path))
		return -ENAMETOOLONG;
	sp = spool_alloc(s->max_bytes);
	if (!sp)
		return -ENOMEM;
	r = spool_sqlite_open(sp, path, s);
	if (r < 0)
		goto fail;
	sp->st.memory = false;
	sp->on_failover = s->on_failover;
	sp->userdata = s->userdata;
	*ret = sp;
	return 0;
fail:
	if (err)
		snprintf(err->message, sizeof(err->message), "%.100s: %.150s", path,
			 sp->error[0] ? sp->error : strerror(-r));
	spool_free(sp);
	return r;
}

int spool_open_memory(uint64_t max_bytes, struct spool **ret)
{
	struct spool *sp;

	if (!max_bytes)
		return -EINVAL;
	sp = spool_alloc(max_bytes);
	if (!sp)
		return -ENOMEM;
	*ret = sp;
	return 0;
}

struct spool *spool_free(struct spool *sp)
{
	if (!sp)
		return NULL;
	sp->backend->close(sp);
	spool_lists_free(sp->lists);
	es_free(sp);
	return NULL;
}

void spool_get_stats(const struct spool *sp, struct spool_stats *ret)
{
	*ret = sp->st;
}

bool spool_is_memory(const struct spool *sp)
{
	return sp->backend == &spool_memory_backend;
}

const char *spool_last_error(const struct spool *sp)
{
	return sp->error;
}
