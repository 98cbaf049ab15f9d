/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the spool's front end (spool.c) shares with its two backends: the memory backend
 * (spool-memory.c) and the SQLite file backend (spool-sqlite.c).  The front end owns the
 * contract of spool.h that does not depend on storage: argument checks, ids, the byte cap and
 * its eviction order, the counters and the error text.  A backend stores entries, hands out
 * the next unsent one, marks, acknowledges, evicts and requeues.
 *
 * Failover: when the file backend fails at run time it moves every entry it can still read
 * into the memory backend's lists, switches sp->backend to the memory backend and returns
 * SPOOL_FAILED_OVER; the front end then does the same operation again, in memory.
 */

#include <stdarg.h>

#include "spool.h"

/* A backend operation failed over to memory: do it again through sp->backend. */
#define SPOOL_FAILED_OVER (-EAGAIN)

/* An entry held in memory: every entry of the memory backend, pending puts of the file one. */
struct spool_mem_entry {
	struct spool_mem_entry *next, *prev;
	struct spool_entry e;
	uint64_t size; /* charged bytes (spool_entry_size) */
	bool inflight;
};

struct spool_mem_list {
	struct spool_mem_entry *head, *tail;
};

struct spool;

/*
 * Storage operations.  Every one is required.  Return values: 0 (or a count), -ENOENT when
 * there is nothing of that kind, -ENOMEM, or SPOOL_FAILED_OVER (file backend only).
 */
struct spool_backend {
	const char *name;
	/* Takes m (id, size, body set); the front end has already made room and counted it. */
	int (*put)(struct spool *sp, struct spool_mem_entry *m);
	/* The oldest unsent entry of priority p, copied into *ret (not marked). */
	int (*next)(struct spool *sp, enum event_priority p, struct spool_entry *ret);
	/* Marks e, which next() just returned, in flight. */
	int (*mark)(struct spool *sp, const struct spool_entry *e);
	/* Removes an acknowledged entry, in flight or not, and its share of the totals. */
	int (*ack)(struct spool *sp, uint64_t id);
	/* Removes the oldest unsent entry of p; *ret_size = its charged size.  The front end
	 * settles the totals and the eviction counters. */
	int (*evict_oldest)(struct spool *sp, enum event_priority p, uint64_t *ret_size);
	/* Every in-flight entry becomes unsent; returns how many were in flight. */
	int (*requeue)(struct spool *sp);
	/* Writes what is pending (file backend); 0 otherwise. */
	int (*flush)(struct spool *sp);
	bool (*flush_pending)(const struct spool *sp);
	bool (*puts_pending)(const struct spool *sp);
	void (*checkpoint)(struct spool *sp);
	/* Writes what it can and frees the backend's own state (not sp->lists). */
	void (*close)(struct spool *sp);
};

extern const struct spool_backend spool_memory_backend;
extern const struct spool_backend spool_sqlite_backend;

struct spool_sqlite; /* spool-sqlite.c */

struct spool {
	const struct spool_backend *backend;
	struct spool_mem_list lists[_EVENT_PRIORITY_MAX]; /* memory backend: every entry */
	struct spool_sqlite *file;			  /* file backend state, else NULL */
	uint64_t inflight_bytes;			  /* charged bytes of entries in flight */
	uint64_t next_id;
	void (*on_failover)(void *userdata, const char *reason);
	void *userdata;
	struct spool_stats st;
	char error[SPOOL_ERROR_MAX];
};

/* ---- helpers shared by the backends (spool.c) ---- */

void spool_set_error(struct spool *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool spool_priority_valid(enum event_priority p);
uint64_t spool_entry_size(size_t len, const char *mid);
/* A copy of an entry for the caller of spool_next (body es_malloc'ed). */
int spool_entry_fill(struct spool_entry *e, uint64_t id, enum event_schema schema,
		     enum event_priority p, unsigned sends, const char *mid, const void *body,
		     size_t len);

/* ---- entry lists (spool-memory.c) ---- */

struct spool_mem_entry *spool_mem_entry_new(uint64_t id, enum event_schema schema,
					    enum event_priority priority, const char *mid,
					    const void *body, size_t len, uint64_t size);
void spool_mem_entry_free(struct spool_mem_entry *m);
void spool_list_append(struct spool_mem_list *l, struct spool_mem_entry *m);
void spool_list_unlink(struct spool_mem_list *l, struct spool_mem_entry *m);
/* Searches the lists of every priority. */
struct spool_mem_entry *spool_lists_find(struct spool_mem_list *lists, uint64_t id);
void spool_lists_free(struct spool_mem_list *lists);
/* Memory backend: recounts rows, bytes and in-flight totals from the lists (after failover). */
void spool_memory_recount(struct spool *sp);

/* ---- file backend (spool-sqlite.c) ---- */

/* Creates or checks <path> (s->dir/spool.db), opens it, sets sp->backend and sp->file; on
 * failure the reason is in sp->error. */
int spool_sqlite_open(struct spool *sp, const char *path, const struct spool_settings *s);
