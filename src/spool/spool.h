/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Store-and-forward spool: every message is written here before it is sent and deleted only
 * when the broker acknowledged it (PUBACK).  One SQLite file (WAL) under the state directory,
 * or, when that file cannot be used, the same behaviour in memory (lost on exit).
 *
 * Order: High before Low, oldest first within a priority; messages left from a previous run
 * are older than anything new, so they go first.  An entry is "unsent" or "in flight"; a
 * disconnect puts every in-flight entry back to unsent (spool_requeue_inflight), and an entry
 * sent a second time is counted as a duplicate (at-least-once delivery).
 *
 * Bound: the sum of entry sizes (body + mid + SPOOL_ENTRY_OVERHEAD) never exceeds max_bytes.
 * A put that would go above it evicts unsent Low entries oldest first, then unsent High
 * entries oldest first, each counted; entries in flight are never evicted.  If that is still
 * not enough the put fails with -ENOBUFS (counted as rejected); an entry larger than max_bytes
 * fails with -EMSGSIZE.
 *
 * Write-behind (file backend): a put is kept in memory and written with the other puts and
 * the deletes of acknowledged entries in one transaction, when SPOOL_BATCH_ENTRIES puts or
 * SPOOL_BATCH_BYTES accumulate, when an entry not yet written is about to be handed out
 * (spool_next / spool_take commit first: an entry is durable BEFORE it is sent), or when the
 * caller calls spool_flush() -- the transport does so at the end of the loop iteration that
 * made puts (spool_puts_pending()) and at most SPOOL_FLUSH_DELAY_MS after acks
 * (spool_flush_pending()).  "In flight" is kept in memory only.
 *
 * Run-time failure: when the file cannot be written or read any more (disk full, EIO,
 * read-only, corruption found), the spool copies every entry it can still read plus the
 * ones not yet written into memory, closes the file and carries on as the memory backend
 * (same order, cap and counters); stats.failovers counts it, stats.lost the entries that
 * could not be read back, and settings.on_failover (if set) is told once why.
 *
 * Errors: functions return 0 or a negative errno; the reason is kept in the spool
 * (spool_last_error) and, for spool_open, in the caller's struct spool_error.  The spool
 * does not log.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/event.h"

#define SPOOL_FILE_NAME "spool.db"
#define SPOOL_MID_MAX 64u	 /* $.mid values, NUL included */
#define SPOOL_ENTRY_OVERHEAD 64u /* bytes charged per entry besides body and mid */
#define SPOOL_ERROR_MAX 256u
#define SPOOL_BATCH_ENTRIES 64u		  /* puts written in one transaction at most */
#define SPOOL_BATCH_BYTES (1024u * 1024u) /* ... or this many body bytes */
#define SPOOL_DELETE_BATCH 256u		  /* acks collected before a commit is forced */
#define SPOOL_FLUSH_DELAY_MS 20u	  /* the caller's timer after acks only */
#define SPOOL_WAL_CHECKPOINT_PAGES 4096	  /* automatic checkpoint: WAL pages at most */

enum spool_sync {
	SPOOL_SYNC_NORMAL, /* WAL + synchronous=NORMAL: survives a process crash, may lose the
			    * last commits on power loss (see docs/internals/spool.md) */
	SPOOL_SYNC_FULL,   /* WAL + synchronous=FULL: every commit is fsync'ed */
	_SPOOL_SYNC_MAX,
};

struct spool_settings {
	const char *dir;    /* state directory; the file is <dir>/spool.db.  NULL = memory */
	uint64_t max_bytes; /* > 0 */
	enum spool_sync sync;
	/* told once, when the file failed at run time and the spool went on in memory */
	void (*on_failover)(void *userdata, const char *reason);
	void *userdata;
};

struct spool_error {
	char message[SPOOL_ERROR_MAX];
};

struct spool_entry {
	uint64_t id;
	enum event_schema schema;
	enum event_priority priority;
	unsigned sends; /* handed out before (0 = first send; after a restart: 1 if it may
			 * have been sent by the previous run) */
	char mid[SPOOL_MID_MAX];
	char *body; /* es_malloc'ed, freed by spool_entry_done */
	size_t len;
};

struct spool_stats {
	bool memory;	/* in-memory mode */
	uint64_t rows;	/* entries held now */
	uint64_t bytes; /* charged bytes held now */
	uint64_t max_bytes;
	uint64_t inflight;     /* entries in flight now */
	uint64_t written;      /* puts accepted */
	uint64_t deleted;      /* entries acknowledged and deleted */
	uint64_t evicted_low;  /* Low entries evicted by the cap */
	uint64_t evicted_high; /* High entries evicted by the cap */
	uint64_t rejected;     /* puts refused (-ENOBUFS, -EMSGSIZE) */
	uint64_t duplicates;   /* entries handed out again after having been sent */
	uint64_t errors;       /* storage errors */
	uint64_t recovered;    /* entries found in the file at open */
	uint64_t pending;      /* entries put but not written to the file yet */
	uint64_t commits;      /* transactions written */
	uint64_t checkpoints;  /* WAL checkpoints run by spool_checkpoint() */
	uint64_t failovers;    /* the file failed at run time: now in memory */
	uint64_t lost;	       /* entries that could not be read back at a failover */
};

struct spool;

/*
 * Opens (creates) <dir>/spool.db.  In-flight entries of a previous run become unsent.
 * A file that is not a database, is corrupt or cannot be written: negative errno (-EBADMSG
 * for corruption, -EACCES/-EROFS/-EIO otherwise) and the reason in *err; nothing is
 * deleted or renamed, so the file can be inspected.  The caller then carries on with
 * spool_open_memory().
 */
int spool_open(const struct spool_settings *s, struct spool **ret, struct spool_error *err);
int spool_open_memory(uint64_t max_bytes, struct spool **ret);
struct spool *spool_free(struct spool *sp);

/* mid NULL: the decimal id is used. */
int spool_put(struct spool *sp, enum event_schema schema, enum event_priority priority,
	      const void *body, size_t len, const char *mid, uint64_t *ret_id);
/* The next unsent entry (not marked; written to the file first); -ENOENT when there is none. */
int spool_next(struct spool *sp, struct spool_entry *ret);
/* Only the entry spool_next() returns can be marked; -ENOENT for any other id. */
int spool_mark_inflight(struct spool *sp, uint64_t id);
/* spool_next + spool_mark_inflight. */
int spool_take(struct spool *sp, struct spool_entry *ret);
/* Acknowledged: deleted.  -ENOENT if unknown (e.g. already deleted). */
int spool_ack(struct spool *sp, uint64_t id);
/* After a disconnect: every in-flight entry becomes unsent again.  Returns the count. */
int spool_requeue_inflight(struct spool *sp);
void spool_entry_done(struct spool_entry *e);

/* Writes what is pending (puts, deletes) in one transaction.  0, or after a failover 0 too
 * (the spool is then in memory: see spool_is_memory). */
int spool_flush(struct spool *sp);
/* True when something waits for spool_flush(). */
bool spool_flush_pending(const struct spool *sp);
/* True when puts wait for spool_flush(): the caller flushes before the loop sleeps again. */
bool spool_puts_pending(const struct spool *sp);
/* PASSIVE WAL checkpoint, for an idle moment (the loop thread never waits for one during a
 * burst: automatic checkpoints are off below SPOOL_WAL_CHECKPOINT_PAGES). */
void spool_checkpoint(struct spool *sp);

void spool_get_stats(const struct spool *sp, struct spool_stats *ret);
bool spool_is_memory(const struct spool *sp);
const char *spool_last_error(const struct spool *sp);
