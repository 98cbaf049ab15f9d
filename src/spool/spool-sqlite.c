/* SPDX-License-Identifier: MIT */
/*
 * The spool's file backend: one SQLite database <dir>/spool.db, WAL journal, exclusive
 * locking (a second agent on the same state directory gets -EBUSY instead of sharing the
 * queue), all statements prepared once at open.  Table `spool` holds one row per message; the
 * index (state, priority, id) serves "next unsent of a priority, oldest first" and "oldest
 * unsent to evict" as index lookups (`state` is always 0 now; files of older versions may hold
 * 1, reset at open).
 *
 * Only two kinds of writes reach the file, both batched into one transaction by commit(): the
 * INSERT of entries put since the last commit (kept in `pending` lists meanwhile; ids are
 * ours, so mids are known at put time) and the DELETE of acknowledged or evicted entries (kept
 * in `deletes`).  Nothing is written to mark an entry in flight: per priority, `cursor` is the
 * highest id handed out or evicted since the last requeue, and because entries are handed out
 * and evicted oldest first, every row of that priority with id <= cursor is in flight (listed
 * in `inflight`) or waiting in `deletes`, and every row above it is unsent.  A requeue commits
 * the deletes and resets the cursors.  `sent_upto` (highest id ever handed out, per priority)
 * is saved in table spool_meta with each commit, so after a restart an entry that may have
 * gone out before counts as a duplicate.
 *
 * Crash at any point: committed rows are in the WAL; rows put but not committed were never
 * sent (next() commits first), rows acked but not deleted are sent again after the restart
 * (at-least-once).
 *
 * Any SQLite failure during operation (disk full, EIO, read-only, corruption) makes the spool
 * fail over to the memory backend (failover()): the rows still readable, minus pending
 * deletes, plus the pending puts, move into the memory lists with their in-flight state, and
 * the operation returns SPOOL_FAILED_OVER so the front end does it again in memory.
 *
 * Durability trade-off of SPOOL_SYNC_NORMAL vs FULL and the batching: docs/internals/spool.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/str.h"
#include "spool-int.h"
#include "sqlite-lib.h"

/* SQLite, loaded by the first spool_open() of a file (sqlite-lib.h). */
static const struct sqlite_lib *sqlite_api;

/* an entry handed out and not acknowledged yet */
struct inflight_rec {
	uint64_t id, size;
	enum event_priority priority;
};

enum stmt_id {
	STMT_INSERT,
	STMT_NEXT,
	STMT_DELETE,
	STMT_FIND,
	STMT_OLDEST,
	STMT_META,
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	_STMT_MAX,
};

static const char *const stmt_sql[_STMT_MAX] = {
	[STMT_INSERT] = "INSERT INTO spool(id, priority, schema, mid, body, size)"
			" VALUES(?1,?2,?3,?4,?5,?6)",
	[STMT_NEXT] = "SELECT id, schema, mid, body, size FROM spool"
		      " WHERE state=0 AND priority=?1 AND id>?2 ORDER BY id LIMIT 1",
	[STMT_DELETE] = "DELETE FROM spool WHERE id=?1",
	[STMT_FIND] = "SELECT size, priority FROM spool WHERE id=?1",
	[STMT_OLDEST] = "SELECT id, size FROM spool"
			" WHERE state=0 AND priority=?1 AND id>?2 ORDER BY id LIMIT 1",
	[STMT_META] = "INSERT OR REPLACE INTO spool_meta(key, value) VALUES(?1, ?2)",
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
};

static const char *const sent_upto_keys[_EVENT_PRIORITY_MAX] = {
	[EVENT_PRIORITY_LOW] = "sent_upto_low",
	[EVENT_PRIORITY_HIGH] = "sent_upto_high",
};

struct spool_sqlite {
	sqlite3 *db;
	sqlite3_stmt *stmt[_STMT_MAX];
	struct spool_mem_list pending[_EVENT_PRIORITY_MAX]; /* put, not written yet */
	uint64_t pending_bytes;				    /* body bytes in `pending` */
	uint64_t *deletes;				    /* ids to delete at commit */
	size_t n_deletes, cap_deletes;
	struct inflight_rec *inflight;
	size_t n_inflight, cap_inflight;
	uint64_t cursor[_EVENT_PRIORITY_MAX];
	uint64_t sent_upto[_EVENT_PRIORITY_MAX], sent_upto_saved[_EVENT_PRIORITY_MAX];
	uint64_t peek_id, peek_size; /* charged size of the row next_row() returned last */
	bool wal_dirty;		     /* committed since the last checkpoint */
};

/* ---- errors ---- */

static int errno_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Records the SQLite error of the last call and returns it as -errno. */
static int db_fail(struct spool *sp, int rc, const char *what)
{
	spool_set_error(sp, "%s: %s (sqlite %d)", what, sqlite_api->errmsg(sp->file->db), rc);
	sp->st.errors++;
	return errno_from_sqlite(rc);
}

/* ---- small growable arrays (bounded by the entries the spool holds) ---- */

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t want = *cap ? *cap * 2 : 64;
	void *p;

	if (n < *cap)
		return 0;
	p = es_realloc(*arr, want * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = want;
	return 0;
}

static bool is_pending_delete(const struct spool_sqlite *f, uint64_t id)
{
	for (size_t i = 0; i < f->n_deletes; i++)
		if (f->deletes[i] == id)
			return true;
	return false;
}

static ssize_t inflight_index(const struct spool_sqlite *f, uint64_t id)
{
	for (size_t i = 0; i < f->n_inflight; i++)
		if (f->inflight[i].id == id)
			return (ssize_t)i;
	return -1;
}

static int push_delete(struct spool_sqlite *f, uint64_t id)
{
	if (grow((void **)&f->deletes, &f->cap_deletes, f->n_deletes, sizeof(*f->deletes)) < 0)
		return -ENOMEM;
	f->deletes[f->n_deletes++] = id;
	return 0;
}

/* ---- statements ---- */

static int step_done(struct spool *sp, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = sp->file->stmt[id];
	int rc = sqlite_api->step(st);

	while (rc == SQLITE_ROW)
		rc = sqlite_api->step(st);
	sqlite_api->clear_bindings(st);
	sqlite_api->reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(sp, rc, what);
}

static int exec_simple(struct spool *sp, enum stmt_id id)
{
	sqlite_api->reset(sp->file->stmt[id]);
	return step_done(sp, id, stmt_sql[id]);
}

static int failover(struct spool *sp, int why);

static int insert_pending(struct spool *sp)
{
	struct spool_sqlite *f = sp->file;
	sqlite3_stmt *st = f->stmt[STMT_INSERT];
	int r = 0;

	for (int p = 0; r == 0 && p < _EVENT_PRIORITY_MAX; p++)
		for (struct spool_mem_entry *m = f->pending[p].head; r == 0 && m; m = m->next) {
			sqlite_api->bind_int64(st, 1, (sqlite3_int64)m->e.id);
			sqlite_api->bind_int(st, 2, (int)m->e.priority);
			sqlite_api->bind_int(st, 3, (int)m->e.schema);
			sqlite_api->bind_text(st, 4, m->e.mid, -1, SQLITE_STATIC);
			sqlite_api->bind_blob64(st, 5, m->e.len ? m->e.body : "", m->e.len,
						SQLITE_STATIC);
			sqlite_api->bind_int64(st, 6, (sqlite3_int64)m->size);
			r = step_done(sp, STMT_INSERT, "insert entry");
		}
	return r;
}

/* Writes pending puts, deletes and sent_upto in one transaction.  0 or SPOOL_FAILED_OVER. */
static int commit(struct spool *sp)
{
	struct spool_sqlite *f = sp->file;
	int r;

	if (!sp->st.pending && !f->n_deletes &&
	    !memcmp(f->sent_upto, f->sent_upto_saved, sizeof(f->sent_upto)))
		return 0;
	r = exec_simple(sp, STMT_BEGIN);
	if (r == 0)
		r = insert_pending(sp);
	for (size_t i = 0; r == 0 && i < f->n_deletes; i++) {
		sqlite_api->bind_int64(f->stmt[STMT_DELETE], 1, (sqlite3_int64)f->deletes[i]);
		r = step_done(sp, STMT_DELETE, "delete entry");
	}
	for (int p = 0; r == 0 && p < _EVENT_PRIORITY_MAX; p++) {
		if (!sent_upto_keys[p] || f->sent_upto[p] == f->sent_upto_saved[p])
			continue;
		sqlite_api->bind_text(f->stmt[STMT_META], 1, sent_upto_keys[p], -1, SQLITE_STATIC);
		sqlite_api->bind_int64(f->stmt[STMT_META], 2, (sqlite3_int64)f->sent_upto[p]);
		r = step_done(sp, STMT_META, "save send position");
	}
	if (r == 0)
		r = exec_simple(sp, STMT_COMMIT);
	if (r < 0) {
		if (!sqlite_api->get_autocommit(f->db))
			(void)sqlite_api->exec(f->db, "ROLLBACK", NULL, NULL, NULL);
		return failover(sp, r);
	}
	spool_lists_free(f->pending);
	sp->st.pending = 0;
	f->pending_bytes = 0;
	f->n_deletes = 0;
	memcpy(f->sent_upto_saved, f->sent_upto, sizeof(f->sent_upto));
	sp->st.commits++;
	f->wal_dirty = true;
	return 0;
}

/* Oldest unsent row of priority p above the cursor: 0, -ENOENT, or SPOOL_FAILED_OVER. */
static int oldest_row(struct spool *sp, enum event_priority p, uint64_t *ret_id, uint64_t *ret_size)
{
	sqlite3_stmt *st = sp->file->stmt[STMT_OLDEST];
	int rc;

	sqlite_api->reset(st);
	sqlite_api->bind_int(st, 1, (int)p);
	sqlite_api->bind_int64(st, 2, (sqlite3_int64)sp->file->cursor[p]);
	rc = sqlite_api->step(st);
	if (rc == SQLITE_ROW) {
		*ret_id = (uint64_t)sqlite_api->column_int64(st, 0);
		*ret_size = (uint64_t)sqlite_api->column_int64(st, 1);
	}
	sqlite_api->reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return failover(sp, db_fail(sp, rc, "find oldest entry"));
}

/* ---- operations ---- */

static int sqlite_put(struct spool *sp, struct spool_mem_entry *m)
{
	struct spool_sqlite *f = sp->file;

	spool_list_append(&f->pending[m->e.priority], m);
	sp->st.pending++;
	f->pending_bytes += m->e.len;
	if (sp->st.pending >= SPOOL_BATCH_ENTRIES || f->pending_bytes >= SPOOL_BATCH_BYTES)
		(void)commit(sp); /* a failover keeps the entry, in memory */
	return 0;
}

/* Rows in the file are older than pending puts. */
static int sqlite_evict_oldest(struct spool *sp, enum event_priority p, uint64_t *ret_size)
{
	struct spool_sqlite *f = sp->file;
	struct spool_mem_entry *m;
	uint64_t id = 0, size = 0;
	int r = oldest_row(sp, p, &id, &size);

	if (r == 0) {
		r = push_delete(f, id);
		if (r < 0)
			return r;
		f->cursor[p] = id;
		*ret_size = size;
		return 0;
	}
	if (r != -ENOENT)
		return r;
	m = f->pending[p].head;
	if (!m)
		return -ENOENT;
	spool_list_unlink(&f->pending[p], m);
	sp->st.pending--;
	f->pending_bytes -= m->e.len;
	*ret_size = m->size;
	spool_mem_entry_free(m);
	return 0;
}

/* Next unsent row of priority p in the file: 0, -ENOENT, -ENOMEM or SPOOL_FAILED_OVER. */
static int next_row(struct spool *sp, enum event_priority p, struct spool_entry *ret)
{
	struct spool_sqlite *f = sp->file;
	sqlite3_stmt *st = f->stmt[STMT_NEXT];
	uint64_t id;
	int rc, schema, r;

	sqlite_api->reset(st);
	sqlite_api->bind_int(st, 1, (int)p);
	sqlite_api->bind_int64(st, 2, (sqlite3_int64)f->cursor[p]);
	rc = sqlite_api->step(st);
	if (rc == SQLITE_DONE) {
		sqlite_api->reset(st);
		return -ENOENT;
	}
	if (rc != SQLITE_ROW)
		return failover(sp, db_fail(sp, rc, "read next entry"));
	id = (uint64_t)sqlite_api->column_int64(st, 0);
	schema = sqlite_api->column_int(st, 1);
	if (schema < 0 || schema >= _EVENT_SCHEMA_MAX)
		schema = EVENT_SCHEMA_EDGESEC;
	r = spool_entry_fill(ret, id, schema, p, id <= f->sent_upto[p] ? 1 : 0,
			     (const char *)sqlite_api->column_text(st, 2),
			     sqlite_api->column_blob(st, 3),
			     (size_t)sqlite_api->column_bytes(st, 3));
	f->peek_id = id;
	f->peek_size = (uint64_t)sqlite_api->column_int64(st, 4);
	sqlite_api->reset(st);
	return r;
}

/* A pending entry is committed first: durable before it is sent. */
static int sqlite_next(struct spool *sp, enum event_priority p, struct spool_entry *ret)
{
	int r = next_row(sp, p, ret);

	if (r != -ENOENT || !sp->file->pending[p].head)
		return r;
	r = commit(sp);
	if (r < 0)
		return r;
	return next_row(sp, p, ret);
}

static int sqlite_mark(struct spool *sp, const struct spool_entry *e)
{
	struct spool_sqlite *f = sp->file;
	enum event_priority p = e->priority;
	uint64_t size = f->peek_id == e->id ? f->peek_size : spool_entry_size(e->len, e->mid);

	if (grow((void **)&f->inflight, &f->cap_inflight, f->n_inflight, sizeof(*f->inflight)) < 0)
		return -ENOMEM;
	f->inflight[f->n_inflight++] = (struct inflight_rec){ e->id, size, p };
	sp->inflight_bytes += size;
	f->cursor[p] = e->id;
	if (e->id <= f->sent_upto[p])
		sp->st.duplicates++;
	else
		f->sent_upto[p] = e->id;
	sp->st.inflight++;
	return 0;
}

static int ack_pending(struct spool *sp, struct spool_mem_entry *m)
{
	spool_list_unlink(&sp->file->pending[m->e.priority], m);
	sp->st.pending--;
	sp->file->pending_bytes -= m->e.len;
	sp->st.rows--;
	sp->st.bytes -= m->size;
	spool_mem_entry_free(m);
	return 0;
}

/* An id not in flight: a pending put, or an unsent row deleted at once. */
static int ack_other(struct spool *sp, uint64_t id)
{
	struct spool_sqlite *f = sp->file;
	sqlite3_stmt *st = f->stmt[STMT_FIND];
	struct spool_mem_entry *m = spool_lists_find(f->pending, id);
	uint64_t size;
	int rc, p, r;

	if (m)
		return ack_pending(sp, m);
	sqlite_api->reset(st);
	sqlite_api->bind_int64(st, 1, (sqlite3_int64)id);
	rc = sqlite_api->step(st);
	size = rc == SQLITE_ROW ? (uint64_t)sqlite_api->column_int64(st, 0) : 0;
	p = rc == SQLITE_ROW ? sqlite_api->column_int(st, 1) : 0;
	sqlite_api->reset(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return failover(sp, db_fail(sp, rc, "find entry"));
	if (!spool_priority_valid(p) || id <= f->cursor[p]) /* evicted or acked, delete pending */
		return -ENOENT;
	/* an unsent row above the cursor: deleted at once (a deferred delete would leave it
	 * visible to next() and eviction); rare, the transport only acks what it sent */
	sqlite_api->bind_int64(f->stmt[STMT_DELETE], 1, (sqlite3_int64)id);
	r = step_done(sp, STMT_DELETE, "delete entry");
	if (r < 0)
		return failover(sp, r);
	f->wal_dirty = true;
	sp->st.rows--;
	sp->st.bytes -= size;
	return 0;
}

static int sqlite_ack(struct spool *sp, uint64_t id)
{
	struct spool_sqlite *f = sp->file;
	ssize_t i = inflight_index(f, id);
	int r;

	if (i < 0) {
		r = ack_other(sp, id);
	} else {
		r = push_delete(f, id);
		if (r < 0)
			return r;
		sp->st.rows--;
		sp->st.bytes -= f->inflight[i].size;
		sp->st.inflight--;
		sp->inflight_bytes -= f->inflight[i].size;
		f->inflight[i] = f->inflight[--f->n_inflight];
	}
	if (r == 0 && f->n_deletes >= SPOOL_DELETE_BATCH)
		(void)commit(sp); /* a failover keeps the ack: deletes are not moved to memory */
	return r;
}

static int sqlite_requeue(struct spool *sp)
{
	struct spool_sqlite *f = sp->file;
	int r = commit(sp), n;

	if (r < 0)
		return r; /* failed over: the front end requeues in memory */
	n = (int)f->n_inflight;
	f->n_inflight = 0;
	memset(f->cursor, 0, sizeof(f->cursor));
	return n;
}

static int sqlite_flush(struct spool *sp)
{
	(void)commit(sp); /* a failover keeps everything, in memory */
	return 0;
}

static bool sqlite_flush_pending(const struct spool *sp)
{
	const struct spool_sqlite *f = sp->file;

	return sp->st.pending || f->n_deletes ||
	       memcmp(f->sent_upto, f->sent_upto_saved, sizeof(f->sent_upto));
}

static bool sqlite_puts_pending(const struct spool *sp)
{
	return sp->st.pending;
}

static void sqlite_checkpoint(struct spool *sp)
{
	int rc;

	if (!sp->file->wal_dirty)
		return;
	rc = sqlite_api->wal_checkpoint_v2(sp->file->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
					   NULL);
	if (rc != SQLITE_OK) {
		(void)failover(sp, db_fail(sp, rc, "checkpoint"));
		return;
	}
	sp->file->wal_dirty = false;
	sp->st.checkpoints++;
}

/* ---- closing, failover: file → memory ---- */

static void close_db(struct spool_sqlite *f)
{
	for (int i = 0; i < _STMT_MAX; i++) {
		if (f->stmt[i])
			sqlite_api->finalize(f->stmt[i]);
		f->stmt[i] = NULL;
	}
	if (f->db)
		sqlite_api->close_v2(f->db);
	f->db = NULL;
}

static void free_state(struct spool *sp)
{
	struct spool_sqlite *f = sp->file;

	if (!f)
		return;
	close_db(f);
	spool_lists_free(f->pending);
	es_free(f->deletes);
	es_free(f->inflight);
	es_free(f);
	sp->file = NULL;
}

static void sqlite_close(struct spool *sp)
{
	(void)commit(sp); /* a failover here only moves things into memory */
	if (sp->backend == &spool_sqlite_backend)
		free_state(sp);
}

/* Reads every row still wanted into the memory lists; returns how many could not be read. */
static uint64_t load_rows(struct spool *sp, uint64_t expected)
{
	struct spool_sqlite *f = sp->file;
	sqlite3_stmt *st = NULL;
	uint64_t loaded = 0;
	int rc;

	rc = sqlite_api->prepare_v2(
		f->db, "SELECT id, priority, schema, mid, body, size FROM spool ORDER BY id", -1,
		&st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite_api->step(st)) == SQLITE_ROW) {
		uint64_t id = (uint64_t)sqlite_api->column_int64(st, 0);
		int p = sqlite_api->column_int(st, 1), schema = sqlite_api->column_int(st, 2);
		struct spool_mem_entry *m;

		rc = SQLITE_OK;
		if (!spool_priority_valid(p) || is_pending_delete(f, id))
			continue;
		if (schema < 0 || schema >= _EVENT_SCHEMA_MAX)
			schema = EVENT_SCHEMA_EDGESEC;
		m = spool_mem_entry_new(id, schema, p, (const char *)sqlite_api->column_text(st, 3),
					sqlite_api->column_blob(st, 4),
					(size_t)sqlite_api->column_bytes(st, 4),
					(uint64_t)sqlite_api->column_int64(st, 5));
		if (!m)
			break;
		if (!m->e.mid[0])
			snprintf(m->e.mid, sizeof(m->e.mid), "%" PRIu64, id);
		m->inflight = inflight_index(f, id) >= 0;
		m->e.sends = m->inflight || id <= f->sent_upto[p] ? 1 : 0;
		spool_list_append(&sp->lists[p], m);
		loaded++;
	}
	sqlite_api->finalize(st);
	return loaded < expected ? expected - loaded : 0;
}

static int failover(struct spool *sp, int why)
{
	struct spool_sqlite *f = sp->file;
	uint64_t expected = sp->st.rows - sp->st.pending, lost;
	char reason[SPOOL_ERROR_MAX];

	str_copy(reason, sizeof(reason), sp->error[0] ? sp->error : strerror(-why));
	lost = load_rows(sp, expected);
	/* pending puts are newer than every row: they go at the end, in order */
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		while (f->pending[p].head) {
			struct spool_mem_entry *m = f->pending[p].head;

			spool_list_unlink(&f->pending[p], m);
			spool_list_append(&sp->lists[p], m);
		}
	free_state(sp);
	sp->backend = &spool_memory_backend;
	sp->st.pending = 0;
	spool_memory_recount(sp); /* totals from what is really held now */
	sp->st.lost += lost;
	sp->st.failovers++;
	sp->st.memory = true;
	spool_set_error(sp,
			"spool file failed, carrying on in memory (%" PRIu64 " entries, %" PRIu64
			" could not be read back): %.150s",
			sp->st.rows, lost, reason);
	if (sp->on_failover)
		sp->on_failover(sp->userdata, sp->error);
	return SPOOL_FAILED_OVER;
}

/* ---- open ---- */

static int db_exec(struct spool *sp, const char *sql)
{
	int rc = sqlite_api->exec(sp->file->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(sp, rc, sql);
}

static int quick_check(struct spool *sp)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	rc = sqlite_api->prepare_v2(sp->file->db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(sp, rc, "check database");
	rc = sqlite_api->step(st);
	if (rc != SQLITE_ROW) {
		r = db_fail(sp, rc, "check database");
	} else {
		const char *res = (const char *)sqlite_api->column_text(st, 0);

		if (!res || strcmp(res, "ok") != 0) {
			spool_set_error(sp, "database is corrupt: %s", res ? res : "?");
			r = -EBADMSG;
		}
	}
	sqlite_api->finalize(st);
	return r;
}

/* Runs a query of one row of integers into vals[]. */
static int query_ints(struct spool *sp, const char *sql, int64_t *vals, int n)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite_api->prepare_v2(sp->file->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(sp, rc, sql);
	rc = sqlite_api->step(st);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < n; i++)
			vals[i] = sqlite_api->column_int64(st, i);
	sqlite_api->finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(sp, rc, sql);
}

static int load_state(struct spool *sp)
{
	struct spool_sqlite *f = sp->file;
	int64_t v[4] = { 0 };
	int r;

	r = query_ints(sp, "SELECT count(*), coalesce(sum(size),0) FROM spool", v, 2);
	if (r < 0)
		return r;
	sp->st.rows = (uint64_t)v[0];
	sp->st.bytes = (uint64_t)v[1];
	sp->st.recovered = sp->st.rows;
	r = query_ints(sp,
		       "SELECT max(coalesce((SELECT max(id) FROM spool),0),"
		       " coalesce((SELECT seq FROM sqlite_sequence WHERE name='spool'),0)),"
		       " coalesce((SELECT value FROM spool_meta WHERE key='sent_upto_high'),0),"
		       " coalesce((SELECT value FROM spool_meta WHERE key='sent_upto_low'),0)",
		       v, 3);
	if (r < 0)
		return r;
	sp->next_id = (uint64_t)v[0] + 1;
	f->sent_upto[EVENT_PRIORITY_HIGH] = (uint64_t)v[1];
	f->sent_upto[EVENT_PRIORITY_LOW] = (uint64_t)v[2];
	memcpy(f->sent_upto_saved, f->sent_upto, sizeof(f->sent_upto));
	return 0;
}

static int configure(struct spool *sp, const struct spool_settings *s)
{
	uint64_t wal_pages;
	char sql[128];
	int r;

	r = db_exec(sp, "PRAGMA locking_mode=EXCLUSIVE");
	if (r == 0)
		r = db_exec(sp, "PRAGMA journal_mode=WAL");
	if (r == 0)
		r = db_exec(sp, s->sync == SPOOL_SYNC_FULL ? "PRAGMA synchronous=FULL"
							   : "PRAGMA synchronous=NORMAL");
	/* the WAL is bounded like the table: no more pages than the cap holds (256..4096) */
	wal_pages = s->max_bytes / 4096;
	if (wal_pages < 256)
		wal_pages = 256;
	if (wal_pages > SPOOL_WAL_CHECKPOINT_PAGES)
		wal_pages = SPOOL_WAL_CHECKPOINT_PAGES;
	snprintf(sql, sizeof(sql),
		 "PRAGMA wal_autocheckpoint=%" PRIu64 "; PRAGMA journal_size_limit=%" PRIu64,
		 wal_pages, wal_pages * 4096);
	if (r == 0)
		r = db_exec(sp, sql);
	return r;
}

static int setup(struct spool *sp, const struct spool_settings *s)
{
	int r;

	r = quick_check(sp);
	if (r == 0)
		r = configure(sp, s);
	if (r == 0)
		r = db_exec(sp,
			    "CREATE TABLE IF NOT EXISTS spool("
			    "id INTEGER PRIMARY KEY AUTOINCREMENT,"
			    "priority INTEGER NOT NULL, schema INTEGER NOT NULL,"
			    "state INTEGER NOT NULL DEFAULT 0, sends INTEGER NOT NULL DEFAULT 0,"
			    "mid TEXT NOT NULL, body BLOB NOT NULL, size INTEGER NOT NULL);"
			    "CREATE INDEX IF NOT EXISTS spool_order ON spool(state, priority, id);"
			    "CREATE TABLE IF NOT EXISTS spool_meta("
			    "key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
			    "UPDATE spool SET state=0 WHERE state=1;");
	if (r < 0)
		return r;
	for (int i = 0; i < _STMT_MAX; i++) {
		int rc =
			sqlite_api->prepare_v3(sp->file->db, stmt_sql[i], -1,
					       SQLITE_PREPARE_PERSISTENT, &sp->file->stmt[i], NULL);

		if (rc != SQLITE_OK)
			return db_fail(sp, rc, "prepare statement");
	}
	return load_state(sp);
}

/*
 * A spool file another user could have planted or linked is refused: a regular file with one
 * link, owned by root, by us or by the owner of the state directory (the agent's run-as user
 * when root opens it before dropping to that user); a wider mode (an older version's file) is
 * narrowed to 0600.
 */
static int file_check(struct spool *sp, int fd, const char *dir)
{
	struct stat st, dst;
	int r;

	if (fstat(fd, &st) < 0) {
		r = -errno;
		spool_set_error(sp, "cannot stat the spool file: %s", strerror(-r));
		return r;
	}
	if (stat(dir, &dst) < 0)
		dst.st_uid = 0;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != dst.st_uid)) {
		spool_set_error(sp,
				"the spool file is not a regular file of the agent's user with one "
				"link");
		return -EPERM;
	}
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
		r = -errno;
		spool_set_error(sp, "cannot make the spool file 0600: %s", strerror(-r));
		return r;
	}
	return 0;
}

/*
 * Creates the file 0600 ourselves, with O_EXCL (SQLite would use 0644; it gives -wal/-shm
 * the mode of this file); an existing one is judged by file_check().
 */
static int file_create_or_check(struct spool *sp, const char *path, const char *dir)
{
	int fd, r;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
			  0600);
	if (fd < 0) {
		r = -errno;
		spool_set_error(sp, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	r = file_check(sp, fd, dir);
	close(fd);
	return r;
}

int spool_sqlite_open(struct spool *sp, const char *path, const struct spool_settings *s)
{
	char why[160];
	int rc, r;

	if (!sqlite_api) {
		sqlite_api = sqlite_lib_get(why, sizeof(why));
		if (!sqlite_api) {
			spool_set_error(sp, "cannot load SQLite: %s", why);
			return -ELIBACC;
		}
	}
	r = file_create_or_check(sp, path, s->dir);
	if (r < 0)
		return r;
	sp->file = es_calloc(1, sizeof(*sp->file));
	if (!sp->file)
		return -ENOMEM;
	rc = sqlite_api->open_v2(path, &sp->file->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
				 NULL);
	if (rc != SQLITE_OK) {
		r = sp->file->db ? db_fail(sp, rc, "open database") : -ENOMEM;
		goto fail;
	}
	sqlite_api->extended_result_codes(sp->file->db, 1);
	r = setup(sp, s);
	if (r < 0)
		goto fail;
	sp->backend = &spool_sqlite_backend;
	return 0;
fail:
	free_state(sp);
	return r;
}

const struct spool_backend spool_sqlite_backend = {
	.name = "sqlite",
	.put = sqlite_put,
	.next = sqlite_next,
	.mark = sqlite_mark,
	.ack = sqlite_ack,
	.evict_oldest = sqlite_evict_oldest,
	.requeue = sqlite_requeue,
	.flush = sqlite_flush,
	.flush_pending = sqlite_flush_pending,
	.puts_pending = sqlite_puts_pending,
	.checkpoint = sqlite_checkpoint,
	.close = sqlite_close,
};
