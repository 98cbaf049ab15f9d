/* SPDX-License-Identifier: MIT */
/*
 * The spool (see spool.h for the contract).  Two backends behind the same calls:
 *
 * file:   one SQLite database <dir>/spool.db, WAL journal, exclusive locking (a second agent
 *         on the same state directory gets -EBUSY instead of sharing the queue), all
 *         statements prepared once at open.  Table `spool` holds one row per message; the
 *         index (state, priority, id) serves "next unsent of a priority, oldest first" and
 *         "oldest unsent to evict" as index lookups (`state` is always 0 now; files of older
 *         versions may hold 1, reset at open).
 *
 *         Only two kinds of writes reach the file, both batched into one transaction by
 *         file_commit(): the INSERT of entries put since the last commit (kept in `pending`
 *         lists meanwhile; ids are ours, so mids are known at put time) and the DELETE of
 *         acknowledged or evicted entries (kept in `deletes`).  Nothing is written to mark an
 *         entry in flight: per priority, `cursor` is the highest id handed out or evicted
 *         since the last requeue, and because entries are handed out and evicted oldest
 *         first, every row of that priority with id <= cursor is in flight (listed in
 *         `inflight`) or waiting in `deletes`, and every row above it is unsent.  A requeue
 *         commits the deletes and resets the cursors.  `sent_upto` (highest id ever handed
 *         out, per priority) is saved in table spool_meta with each commit, so after a restart
 *         an entry that may have gone out before counts as a duplicate.
 *
 *         Crash at any point: committed rows are in the WAL; rows put but not committed were
 *         never sent (spool_next commits first), rows acked but not deleted are sent again
 *         after the restart (at-least-once).
 *
 *         Any SQLite failure during operation (disk full, EIO, read-only, corruption) makes
 *         the spool fail over to the memory backend (failover()): the rows still readable,
 *         minus pending deletes, plus the pending puts, move into the memory lists with their
 *         in-flight state; then the operation that failed is done again in memory.
 * memory: one list per priority in id order; the same states, cap and counters.  Lookup by
 *         id is a scan, bounded by the cap (a few thousand entries at most).
 *
 * Ownership: the spool owns its rows; spool_next() copies an entry out (body es_malloc'ed).
 * Durability trade-off of SPOOL_SYNC_NORMAL vs FULL and the batching: docs/internals/spool.md.
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "sqlite-lib.h"

/* SQLite, loaded by the first spool_open() of a file (sqlite-lib.h). */
static const struct sqlite_lib *sqlite_api;

struct mem_entry {
	struct mem_entry *next, *prev;
	struct spool_entry e;
	uint64_t size;
	bool inflight;
};

struct mem_list {
	struct mem_entry *head, *tail;
};

/* file backend: an entry handed out and not acknowledged yet */
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

/* -EAGAIN from a file_* helper: the file failed, the spool is in memory now; do it again. */
#define FAILED_OVER (-EAGAIN)

struct spool {
	sqlite3 *db; /* NULL in memory mode */
	sqlite3_stmt *stmt[_STMT_MAX];
	struct mem_list lists[_EVENT_PRIORITY_MAX];   /* memory mode: every entry */
	struct mem_list pending[_EVENT_PRIORITY_MAX]; /* file mode: put, not written yet */
	uint64_t pending_bytes;			      /* body bytes in `pending` */
	uint64_t *deletes;			      /* file mode: ids to delete at commit */
	size_t n_deletes, cap_deletes;
	struct inflight_rec *inflight; /* file mode */
	size_t n_inflight, cap_inflight;
	uint64_t cursor[_EVENT_PRIORITY_MAX];
	uint64_t sent_upto[_EVENT_PRIORITY_MAX], sent_upto_saved[_EVENT_PRIORITY_MAX];
	uint64_t inflight_bytes;     /* both modes: charged bytes of entries in flight */
	uint64_t next_id;	     /* both modes */
	uint64_t peek_id, peek_size; /* charged size of the row file_next_row() returned last */
	bool wal_dirty;		     /* committed since the last checkpoint */
	void (*on_failover)(void *userdata, const char *reason);
	void *userdata;
	struct spool_stats st;
	char error[SPOOL_ERROR_MAX];
};

/* ---- errors ---- */

static void set_error(struct spool *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct spool *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sp->error, sizeof(sp->error), fmt, ap);
	va_end(ap);
	for (char *c = sp->error; *c; c++) /* one line, whatever SQLite says */
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
}

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
		return -EACCES;
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
	set_error(sp, "%s: %s (sqlite %d)", what, sqlite_api->errmsg(sp->db), rc);
	sp->st.errors++;
	return errno_from_sqlite(rc);
}

static bool valid_priority(enum event_priority p)
{
	return p == EVENT_PRIORITY_LOW || p == EVENT_PRIORITY_HIGH;
}

/* ---- entry lists (memory backend, pending puts of the file backend) ---- */

static void list_append(struct mem_list *l, struct mem_entry *m)
{
	m->next = NULL;
	m->prev = l->tail;
	if (l->tail)
		l->tail->next = m;
	else
		l->head = m;
	l->tail = m;
}

static void list_unlink(struct mem_list *l, struct mem_entry *m)
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

static void mem_entry_free(struct mem_entry *m)
{
	es_free(m->e.body);
	es_free(m);
}

static struct mem_entry *mem_entry_new(uint64_t id, enum event_schema schema,
				       enum event_priority priority, const char *mid,
				       const void *body, size_t len, uint64_t size)
{
	struct mem_entry *m = es_calloc(1, sizeof(*m));

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
		snprintf(m->e.mid, sizeof(m->e.mid), "%s", mid);
	m->size = size;
	return m;
}

/* Memory backend: removes an entry and its share of the totals. */
static void mem_drop(struct spool *sp, struct mem_entry *m)
{
	list_unlink(&sp->lists[m->e.priority], m);
	sp->st.rows--;
	sp->st.bytes -= m->size;
	if (m->inflight) {
		sp->st.inflight--;
		sp->inflight_bytes -= m->size;
	}
	mem_entry_free(m);
}

static struct mem_entry *list_find(struct mem_list *lists, uint64_t id)
{
	for (int p = _EVENT_PRIORITY_MAX - 1; p >= 0; p--)
		for (struct mem_entry *m = lists[p].head; m; m = m->next)
			if (m->e.id == id)
				return m;
	return NULL;
}

static struct mem_entry *mem_first_unsent(struct spool *sp, enum event_priority p)
{
	for (struct mem_entry *m = sp->lists[p].head; m; m = m->next)
		if (!m->inflight)
			return m;
	return NULL;
}

static void free_lists(struct mem_list *lists)
{
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		while (lists[p].head) {
			struct mem_entry *m = lists[p].head;

			list_unlink(&lists[p], m);
			mem_entry_free(m);
		}
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

static bool is_pending_delete(const struct spool *sp, uint64_t id)
{
	for (size_t i = 0; i < sp->n_deletes; i++)
		if (sp->deletes[i] == id)
			return true;
	return false;
}

static ssize_t inflight_index(const struct spool *sp, uint64_t id)
{
	for (size_t i = 0; i < sp->n_inflight; i++)
		if (sp->inflight[i].id == id)
			return (ssize_t)i;
	return -1;
}

/* ---- file backend: statements ---- */

static int step_done(struct spool *sp, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = sp->stmt[id];
	int rc = sqlite_api->step(st);

	while (rc == SQLITE_ROW)
		rc = sqlite_api->step(st);
	sqlite_api->clear_bindings(st);
	sqlite_api->reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(sp, rc, what);
}

static int exec_simple(struct spool *sp, enum stmt_id id)
{
	sqlite_api->reset(sp->stmt[id]);
	return step_done(sp, id, stmt_sql[id]);
}

static int failover(struct spool *sp, int why);

/* Writes pending puts, deletes and sent_upto in one transaction.  0 or FAILED_OVER. */
static int file_commit(struct spool *sp)
{
	int r;

	if (!sp->st.pending && !sp->n_deletes &&
	    !memcmp(sp->sent_upto, sp->sent_upto_saved, sizeof(sp->sent_upto)))
		return 0;
	r = exec_simple(sp, STMT_BEGIN);
	for (int p = 0; r == 0 && p < _EVENT_PRIORITY_MAX; p++)
		for (struct mem_entry *m = sp->pending[p].head; r == 0 && m; m = m->next) {
			sqlite3_stmt *st = sp->stmt[STMT_INSERT];

			sqlite_api->bind_int64(st, 1, (sqlite3_int64)m->e.id);
			sqlite_api->bind_int(st, 2, (int)m->e.priority);
			sqlite_api->bind_int(st, 3, (int)m->e.schema);
			sqlite_api->bind_text(st, 4, m->e.mid, -1, SQLITE_STATIC);
			sqlite_api->bind_blob64(st, 5, m->e.len ? m->e.body : "", m->e.len,
						SQLITE_STATIC);
			sqlite_api->bind_int64(st, 6, (sqlite3_int64)m->size);
			r = step_done(sp, STMT_INSERT, "insert entry");
		}
	for (size_t i = 0; r == 0 && i < sp->n_deletes; i++) {
		sqlite_api->bind_int64(sp->stmt[STMT_DELETE], 1, (sqlite3_int64)sp->deletes[i]);
		r = step_done(sp, STMT_DELETE, "delete entry");
	}
	for (int p = 0; r == 0 && p < _EVENT_PRIORITY_MAX; p++) {
		if (!sent_upto_keys[p] || sp->sent_upto[p] == sp->sent_upto_saved[p])
			continue;
		sqlite_api->bind_text(sp->stmt[STMT_META], 1, sent_upto_keys[p], -1, SQLITE_STATIC);
		sqlite_api->bind_int64(sp->stmt[STMT_META], 2, (sqlite3_int64)sp->sent_upto[p]);
		r = step_done(sp, STMT_META, "save send position");
	}
	if (r == 0)
		r = exec_simple(sp, STMT_COMMIT);
	if (r < 0) {
		if (!sqlite_api->get_autocommit(sp->db))
			(void)sqlite_api->exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
		return failover(sp, r);
	}
	free_lists(sp->pending);
	sp->st.pending = 0;
	sp->pending_bytes = 0;
	sp->n_deletes = 0;
	memcpy(sp->sent_upto_saved, sp->sent_upto, sizeof(sp->sent_upto));
	sp->st.commits++;
	sp->wal_dirty = true;
	return 0;
}

/* Oldest unsent row of priority p above the cursor: 0, -ENOENT, or FAILED_OVER. */
static int file_oldest(struct spool *sp, enum event_priority p, uint64_t *ret_id,
		       uint64_t *ret_size)
{
	sqlite3_stmt *st = sp->stmt[STMT_OLDEST];
	int rc;

	sqlite_api->reset(st);
	sqlite_api->bind_int(st, 1, (int)p);
	sqlite_api->bind_int64(st, 2, (sqlite3_int64)sp->cursor[p]);
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

static int push_delete(struct spool *sp, uint64_t id)
{
	if (grow((void **)&sp->deletes, &sp->cap_deletes, sp->n_deletes, sizeof(*sp->deletes)) < 0)
		return -ENOMEM;
	sp->deletes[sp->n_deletes++] = id;
	return 0;
}

/* ---- cap ---- */

static uint64_t entry_size(size_t len, const char *mid)
{
	return (uint64_t)len + (mid ? strlen(mid) : 0) + SPOOL_ENTRY_OVERHEAD;
}

/*
 * Evicts the oldest unsent entry of priority p: 0 and its size, -ENOENT, FAILED_OVER or
 * -ENOMEM.  File backend: rows in the file are older than pending puts.
 */
static int evict_one(struct spool *sp, enum event_priority p, uint64_t *ret_size)
{
	struct mem_entry *m;

	if (sp->db) {
		uint64_t id = 0, size = 0;
		int r = file_oldest(sp, p, &id, &size);

		if (r == 0) {
			r = push_delete(sp, id);
			if (r < 0)
				return r;
			sp->cursor[p] = id;
			*ret_size = size;
			return 0;
		}
		if (r != -ENOENT)
			return r;
		m = sp->pending[p].head;
		if (!m)
			return -ENOENT;
		list_unlink(&sp->pending[p], m);
		sp->st.pending--;
		sp->pending_bytes -= m->e.len;
		*ret_size = m->size;
		mem_entry_free(m);
		return 0;
	}
	m = mem_first_unsent(sp, p);
	if (!m)
		return -ENOENT;
	*ret_size = m->size;
	mem_drop(sp, m);
	sp->st.rows++; /* settled by the caller like the file case */
	sp->st.bytes += *ret_size;
	return 0;
}

/* Evicts until `need` more bytes fit: unsent Low oldest first, then unsent High. */
static int make_room(struct spool *sp, uint64_t need)
{
	static const enum event_priority order[] = { EVENT_PRIORITY_LOW, EVENT_PRIORITY_HIGH };

	for (size_t i = 0; i < 2; i++)
		while (sp->st.bytes + need > sp->st.max_bytes) {
			uint64_t size = 0;
			int r = evict_one(sp, order[i], &size);

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

int spool_put(struct spool *sp, enum event_schema schema, enum event_priority priority,
	      const void *body, size_t len, const char *mid, uint64_t *ret_id)
{
	uint64_t size = entry_size(len, mid);
	struct mem_entry *m;
	int r;

	if (!valid_priority(priority) || (unsigned)schema >= _EVENT_SCHEMA_MAX ||
	    (mid && strlen(mid) >= SPOOL_MID_MAX) || (!body && len))
		return -EINVAL;
	if (size > sp->st.max_bytes) {
		sp->st.rejected++;
		set_error(sp, "message of %zu bytes is larger than the spool cap", len);
		return -EMSGSIZE;
	}
	/* entries in flight cannot be evicted: refuse before evicting anything */
	if (sp->inflight_bytes + size > sp->st.max_bytes) {
		sp->st.rejected++;
		set_error(sp, "spool full of messages in flight");
		return -ENOBUFS;
	}
	do
		r = make_room(sp, size);
	while (r == FAILED_OVER);
	if (r < 0) {
		if (r == -ENOBUFS) {
			sp->st.rejected++;
			set_error(sp, "spool full of messages in flight");
		}
		return r;
	}
	m = mem_entry_new(sp->next_id, schema, priority, mid, body, len, size);
	if (!m) {
		set_error(sp, "out of memory");
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
	if (!sp->db) {
		list_append(&sp->lists[priority], m);
		return 0;
	}
	list_append(&sp->pending[priority], m);
	sp->st.pending++;
	sp->pending_bytes += len;
	if (sp->st.pending >= SPOOL_BATCH_ENTRIES || sp->pending_bytes >= SPOOL_BATCH_BYTES)
		(void)file_commit(sp); /* a failover keeps the entry, in memory */
	return 0;
}

/* ---- reading, marking, deleting ---- */

static int fill_entry(struct spool_entry *e, uint64_t id, enum event_schema schema,
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
		snprintf(e->mid, sizeof(e->mid), "%s", mid);
	else
		snprintf(e->mid, sizeof(e->mid), "%" PRIu64, id);
	return 0;
}

/* Next unsent row of priority p in the file: 0, -ENOENT, -ENOMEM or FAILED_OVER. */
static int file_next_row(struct spool *sp, enum event_priority p, struct spool_entry *ret)
{
	sqlite3_stmt *st = sp->stmt[STMT_NEXT];
	uint64_t id;
	int rc, schema, r;

	sqlite_api->reset(st);
	sqlite_api->bind_int(st, 1, (int)p);
	sqlite_api->bind_int64(st, 2, (sqlite3_int64)sp->cursor[p]);
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
	r = fill_entry(ret, id, schema, p, id <= sp->sent_upto[p] ? 1 : 0,
		       (const char *)sqlite_api->column_text(st, 2), sqlite_api->column_blob(st, 3),
		       (size_t)sqlite_api->column_bytes(st, 3));
	sp->peek_id = id;
	sp->peek_size = (uint64_t)sqlite_api->column_int64(st, 4);
	sqlite_api->reset(st);
	return r;
}

/* File backend: the next entry of priority p; a pending one is committed first. */
static int file_next(struct spool *sp, enum event_priority p, struct spool_entry *ret)
{
	int r = file_next_row(sp, p, ret);

	if (r != -ENOENT || !sp->pending[p].head)
		return r;
	r = file_commit(sp); /* durable before it is sent */
	if (r < 0)
		return r;
	return file_next_row(sp, p, ret);
}

int spool_next(struct spool *sp, struct spool_entry *ret)
{
	static const enum event_priority order[] = { EVENT_PRIORITY_HIGH, EVENT_PRIORITY_LOW };

	for (size_t i = 0; i < 2; i++) {
		int r;

		if (sp->db) {
			r = file_next(sp, order[i], ret);
			if (r == FAILED_OVER)
				return spool_next(sp, ret);
		} else {
			struct mem_entry *m = mem_first_unsent(sp, order[i]);

			r = m ? fill_entry(ret, m->e.id, m->e.schema, m->e.priority, m->e.sends,
					   m->e.mid, m->e.body, m->e.len)
			      : -ENOENT;
		}
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

/* File backend: records e (just returned by file_next) as in flight. */
static int file_mark_entry(struct spool *sp, const struct spool_entry *e)
{
	enum event_priority p = e->priority;
	uint64_t size = sp->peek_id == e->id ? sp->peek_size : entry_size(e->len, e->mid);

	if (grow((void **)&sp->inflight, &sp->cap_inflight, sp->n_inflight, sizeof(*sp->inflight)) <
	    0)
		return -ENOMEM;
	sp->inflight[sp->n_inflight++] = (struct inflight_rec){ e->id, size, p };
	sp->inflight_bytes += size;
	sp->cursor[p] = e->id;
	if (e->id <= sp->sent_upto[p])
		sp->st.duplicates++;
	else
		sp->sent_upto[p] = e->id;
	sp->st.inflight++;
	return 0;
}

static int mem_mark(struct spool *sp, uint64_t id)
{
	struct mem_entry *m = list_find(sp->lists, id);

	if (!m || m->inflight)
		return -ENOENT;
	m->inflight = true;
	if (m->e.sends++ > 0)
		sp->st.duplicates++;
	sp->st.inflight++;
	sp->inflight_bytes += m->size;
	return 0;
}

int spool_mark_inflight(struct spool *sp, uint64_t id)
{
	struct spool_entry e;
	int r;

	if (!sp->db)
		return mem_mark(sp, id);
	r = spool_next(sp, &e); /* only the next entry can be marked */
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return r;
	if (e.id != id)
		r = -ENOENT;
	else if (sp->db)
		r = file_mark_entry(sp, &e);
	else
		r = mem_mark(sp, id); /* spool_next failed over */
	spool_entry_done(&e);
	return r;
}

int spool_take(struct spool *sp, struct spool_entry *ret)
{
	int r = spool_next(sp, ret);

	if (r < 0)
		return r;
	r = sp->db ? file_mark_entry(sp, ret) : mem_mark(sp, ret->id);
	if (r < 0) {
		spool_entry_done(ret);
		return r;
	}
	return 0;
}

/* File backend, an id not in flight: a pending put, or an unsent row deleted at once. */
static int file_ack_other(struct spool *sp, uint64_t id)
{
	sqlite3_stmt *st = sp->stmt[STMT_FIND];
	struct mem_entry *m = list_find(sp->pending, id);
	uint64_t size;
	int rc, p, r;

	if (m) {
		list_unlink(&sp->pending[m->e.priority], m);
		sp->st.pending--;
		sp->pending_bytes -= m->e.len;
		sp->st.rows--;
		sp->st.bytes -= m->size;
		mem_entry_free(m);
		return 0;
	}
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
	if (!valid_priority(p) || id <= sp->cursor[p]) /* evicted or acked, delete pending */
		return -ENOENT;
	/* an unsent row above the cursor: deleted at once (a deferred delete would leave it
	 * visible to spool_next and eviction); rare, the transport only acks what it sent */
	sqlite_api->bind_int64(sp->stmt[STMT_DELETE], 1, (sqlite3_int64)id);
	r = step_done(sp, STMT_DELETE, "delete entry");
	if (r < 0)
		return failover(sp, r);
	sp->wal_dirty = true;
	sp->st.rows--;
	sp->st.bytes -= size;
	return 0;
}

int spool_ack(struct spool *sp, uint64_t id)
{
	struct mem_entry *m;

	if (sp->db) {
		ssize_t i = inflight_index(sp, id);
		int r = 0;

		if (i >= 0) {
			r = push_delete(sp, id);
			if (r < 0)
				return r;
			sp->st.rows--;
			sp->st.bytes -= sp->inflight[i].size;
			sp->st.inflight--;
			sp->inflight_bytes -= sp->inflight[i].size;
			sp->inflight[i] = sp->inflight[--sp->n_inflight];
		} else {
			r = file_ack_other(sp, id);
		}
		if (r == 0) {
			sp->st.deleted++;
			if (sp->n_deletes >= SPOOL_DELETE_BATCH)
				(void)file_commit(sp);
			return 0;
		}
		if (r != FAILED_OVER)
			return r;
	}
	m = list_find(sp->lists, id);
	if (!m)
		return -ENOENT;
	mem_drop(sp, m);
	sp->st.deleted++;
	return 0;
}

int spool_requeue_inflight(struct spool *sp)
{
	int n = 0;

	if (sp->db && file_commit(sp) == 0 && sp->db) {
		n = (int)sp->n_inflight;
		sp->n_inflight = 0;
		memset(sp->cursor, 0, sizeof(sp->cursor));
	} else {
		for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
			for (struct mem_entry *m = sp->lists[p].head; m; m = m->next)
				if (m->inflight) {
					m->inflight = false;
					n++;
				}
	}
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
	if (sp->db)
		(void)file_commit(sp);
	return 0;
}

bool spool_flush_pending(const struct spool *sp)
{
	return sp->db && (sp->st.pending || sp->n_deletes ||
			  memcmp(sp->sent_upto, sp->sent_upto_saved, sizeof(sp->sent_upto)));
}

bool spool_puts_pending(const struct spool *sp)
{
	return sp->db && sp->st.pending;
}

void spool_checkpoint(struct spool *sp)
{
	int rc;

	if (!sp->db || !sp->wal_dirty)
		return;
	rc = sqlite_api->wal_checkpoint_v2(sp->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK) {
		(void)failover(sp, db_fail(sp, rc, "checkpoint"));
		return;
	}
	sp->wal_dirty = false;
	sp->st.checkpoints++;
}

/* ---- failover: file → memory ---- */

static void close_db(struct spool *sp)
{
	for (int i = 0; i < _STMT_MAX; i++) {
		if (sp->stmt[i])
			sqlite_api->finalize(sp->stmt[i]);
		sp->stmt[i] = NULL;
	}
	if (sp->db)
		sqlite_api->close_v2(sp->db);
	sp->db = NULL;
}

/* Reads every row still wanted into the memory lists; returns how many could not be read. */
static uint64_t load_rows(struct spool *sp, uint64_t expected)
{
	sqlite3_stmt *st = NULL;
	uint64_t loaded = 0;
	int rc;

	rc = sqlite_api->prepare_v2(
		sp->db, "SELECT id, priority, schema, mid, body, size FROM spool ORDER BY id", -1,
		&st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite_api->step(st)) == SQLITE_ROW) {
		uint64_t id = (uint64_t)sqlite_api->column_int64(st, 0);
		int p = sqlite_api->column_int(st, 1), schema = sqlite_api->column_int(st, 2);
		struct mem_entry *m;
		ssize_t i;

		rc = SQLITE_OK;
		if (!valid_priority(p) || is_pending_delete(sp, id))
			continue;
		if (schema < 0 || schema >= _EVENT_SCHEMA_MAX)
			schema = EVENT_SCHEMA_EDGESEC;
		m = mem_entry_new(id, schema, p, (const char *)sqlite_api->column_text(st, 3),
				  sqlite_api->column_blob(st, 4),
				  (size_t)sqlite_api->column_bytes(st, 4),
				  (uint64_t)sqlite_api->column_int64(st, 5));
		if (!m)
			break;
		if (!m->e.mid[0])
			snprintf(m->e.mid, sizeof(m->e.mid), "%" PRIu64, id);
		i = inflight_index(sp, id);
		m->inflight = i >= 0;
		m->e.sends = m->inflight || id <= sp->sent_upto[p] ? 1 : 0;
		list_append(&sp->lists[p], m);
		loaded++;
	}
	sqlite_api->finalize(st);
	return loaded < expected ? expected - loaded : 0;
}

static int failover(struct spool *sp, int why)
{
	uint64_t expected = sp->st.rows - sp->st.pending, lost;
	char reason[SPOOL_ERROR_MAX];

	snprintf(reason, sizeof(reason), "%s", sp->error[0] ? sp->error : strerror(-why));
	lost = load_rows(sp, expected);
	close_db(sp);
	/* pending puts are newer than every row: they go at the end, in order */
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		while (sp->pending[p].head) {
			struct mem_entry *m = sp->pending[p].head;

			list_unlink(&sp->pending[p], m);
			list_append(&sp->lists[p], m);
		}
	sp->st.pending = 0;
	sp->pending_bytes = 0;
	sp->n_deletes = 0;
	sp->n_inflight = 0;
	/* totals from what is really held now */
	sp->st.rows = sp->st.bytes = sp->st.inflight = sp->inflight_bytes = 0;
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		for (struct mem_entry *m = sp->lists[p].head; m; m = m->next) {
			sp->st.rows++;
			sp->st.bytes += m->size;
			if (m->inflight) {
				sp->st.inflight++;
				sp->inflight_bytes += m->size;
			}
		}
	sp->st.lost += lost;
	sp->st.failovers++;
	sp->st.memory = true;
	set_error(sp,
		  "spool file failed, carrying on in memory (%" PRIu64 " entries, %" PRIu64
		  " could not be read back): %.150s",
		  sp->st.rows, lost, reason);
	if (sp->on_failover)
		sp->on_failover(sp->userdata, sp->error);
	return FAILED_OVER;
}

/* ---- open / free ---- */

static int db_exec(struct spool *sp, const char *sql)
{
	int rc = sqlite_api->exec(sp->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(sp, rc, sql);
}

static int quick_check(struct spool *sp)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	rc = sqlite_api->prepare_v2(sp->db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(sp, rc, "check database");
	rc = sqlite_api->step(st);
	if (rc != SQLITE_ROW) {
		r = db_fail(sp, rc, "check database");
	} else {
		const char *res = (const char *)sqlite_api->column_text(st, 0);

		if (!res || strcmp(res, "ok") != 0) {
			set_error(sp, "database is corrupt: %s", res ? res : "?");
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

	rc = sqlite_api->prepare_v2(sp->db, sql, -1, &st, NULL);
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
	sp->sent_upto[EVENT_PRIORITY_HIGH] = (uint64_t)v[1];
	sp->sent_upto[EVENT_PRIORITY_LOW] = (uint64_t)v[2];
	memcpy(sp->sent_upto_saved, sp->sent_upto, sizeof(sp->sent_upto));
	return 0;
}

static int file_setup(struct spool *sp, const struct spool_settings *s)
{
	uint64_t wal_pages;
	char sql[128];
	int r;

	r = quick_check(sp);
	if (r < 0)
		return r;
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
		int rc = sqlite_api->prepare_v3(sp->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
						&sp->stmt[i], NULL);

		if (rc != SQLITE_OK)
			return db_fail(sp, rc, "prepare statement");
	}
	return load_state(sp);
}

static struct spool *spool_alloc(uint64_t max_bytes)
{
	struct spool *sp = es_calloc(1, sizeof(*sp));

	if (sp) {
		sp->st.max_bytes = max_bytes;
		sp->next_id = 1;
	}
	return sp;
}

/*
 * The database file, judged on its descriptor: a regular file with one link, owned by root,
 * by us or by the owner of the (checked) state directory, the user a non-root agent runs as;
 * a mode that lets others read it (a file of an older version) is narrowed to 0600.
 */
static int file_check(struct spool *sp, int fd, const char *dir)
{
	struct stat st, dst;
	int r;

	if (fstat(fd, &st) < 0) {
		r = -errno;
		set_error(sp, "cannot stat the spool file: %s", strerror(-r));
		return r;
	}
	if (stat(dir, &dst) < 0)
		dst.st_uid = 0;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != dst.st_uid)) {
		set_error(sp,
			  "the spool file is not a regular file of the agent's user with one link");
		return -EPERM;
	}
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
		r = -errno;
		set_error(sp, "cannot make the spool file 0600: %s", strerror(-r));
		return r;
	}
	return 0;
}

int spool_open(const struct spool_settings *s, struct spool **ret, struct spool_error *err)
{
	char path[4096], why[160];
	struct spool *sp;
	int fd, rc, r;

	if (!s || !s->max_bytes || (unsigned)s->sync >= _SPOOL_SYNC_MAX)
		return -EINVAL;
	if (!s->dir)
		return spool_open_memory(s->max_bytes, ret);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", s->dir, SPOOL_FILE_NAME) >= sizeof(path))
		return -ENAMETOOLONG;
	sp = spool_alloc(s->max_bytes);
	if (!sp)
		return -ENOMEM;
	if (!sqlite_api) {
		sqlite_api = sqlite_lib_get(why, sizeof(why));
		if (!sqlite_api) {
			r = -ELIBACC;
			set_error(sp, "cannot load SQLite: %s", why);
			goto fail;
		}
	}
	/*
	 * Create it 0600 ourselves, with O_EXCL (SQLite would use 0644; it gives -wal/-shm the
	 * mode of this file); an existing one is judged by file_check().
	 */
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
			  0600);
	if (fd < 0) {
		r = -errno;
		set_error(sp, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	r = file_check(sp, fd, s->dir);
	close(fd);
	if (r < 0)
		goto fail;
	rc = sqlite_api->open_v2(path, &sp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		r = sp->db ? db_fail(sp, rc, "open database") : -ENOMEM;
		goto fail;
	}
	sqlite_api->extended_result_codes(sp->db, 1);
	r = file_setup(sp, s);
	if (r < 0)
		goto fail;
	sp->on_failover = s->on_failover;
	sp->userdata = s->userdata;
	*ret = sp;
	return 0;
fail:
	if (err)
		snprintf(err->message, sizeof(err->message), "%.100s: %.150s", path,
			 sp->error[0] ? sp->error : strerror(-r));
	close_db(sp);
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
	sp->st.memory = true;
	*ret = sp;
	return 0;
}

struct spool *spool_free(struct spool *sp)
{
	if (!sp)
		return NULL;
	if (sp->db)
		(void)file_commit(sp); /* a failover here only moves things into memory */
	close_db(sp);
	free_lists(sp->lists);
	free_lists(sp->pending);
	es_free(sp->deletes);
	es_free(sp->inflight);
	es_free(sp);
	return NULL;
}

void spool_get_stats(const struct spool *sp, struct spool_stats *ret)
{
	*ret = sp->st;
}

bool spool_is_memory(const struct spool *sp)
{
	return sp->db == NULL;
}

const char *spool_last_error(const struct spool *sp)
{
	return sp->error;
}
