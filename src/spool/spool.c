/* SPDX-License-Identifier: MIT */
/*
 * The spool (see spool.h for the contract).  Two backends behind the same calls:
 *
 * file:   one SQLite database <dir>/spool.db, WAL journal, exclusive locking (a second agent
 *         on the same state directory gets -EBUSY instead of sharing the queue), all
 *         statements prepared once at open.  Table `spool` holds one row per message with its
 *         state (0 unsent, 1 in flight) and send count; the index (state, priority, id)
 *         serves both "next unsent of a priority, oldest first" and "oldest unsent Low to
 *         evict" as index lookups.  A put and its evictions are one transaction, so a crash
 *         never leaves the cap violated.  Totals (rows, bytes, in flight) are read once at open
 *         and kept in memory afterwards.
 * memory: one list per priority in id order; the same states, cap and counters.  Lookup by
 *         id is a scan, bounded by the cap (a few thousand entries at most).
 *
 * Ownership: the spool owns its rows; spool_next() copies an entry out (body es_malloc'ed).
 * Durability trade-off of SPOOL_SYNC_NORMAL vs FULL: docs/internals/spool.md.
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"

struct mem_entry {
	struct mem_entry *next, *prev;
	struct spool_entry e;
	uint64_t size;
	bool inflight;
};

struct mem_list {
	struct mem_entry *head, *tail;
};

enum stmt_id {
	STMT_INSERT,
	STMT_NEXT,
	STMT_MARK,
	STMT_DELETE,
	STMT_REQUEUE,
	STMT_OLDEST,
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	_STMT_MAX,
};

static const char *const stmt_sql[_STMT_MAX] = {
	[STMT_INSERT] =
		"INSERT INTO spool(priority, schema, mid, body, size) VALUES(?1,?2,?3,?4,?5)",
	[STMT_NEXT] = "SELECT id, schema, sends, mid, body FROM spool"
		      " WHERE state=0 AND priority=?1 ORDER BY id LIMIT 1",
	[STMT_MARK] =
		"UPDATE spool SET state=1, sends=sends+1 WHERE id=?1 AND state=0 RETURNING sends",
	[STMT_DELETE] = "DELETE FROM spool WHERE id=?1 RETURNING size, state",
	[STMT_REQUEUE] = "UPDATE spool SET state=0 WHERE state=1",
	[STMT_OLDEST] =
		"SELECT id, size FROM spool WHERE state=0 AND priority=?1 ORDER BY id LIMIT 1",
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
};

struct spool {
	sqlite3 *db; /* NULL in memory mode */
	sqlite3_stmt *stmt[_STMT_MAX];
	struct mem_list lists[_EVENT_PRIORITY_MAX];
	uint64_t next_mem_id;
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
	set_error(sp, "%s: %s (sqlite %d)", what, sqlite3_errmsg(sp->db), rc);
	sp->st.errors++;
	return errno_from_sqlite(rc);
}

static bool valid_priority(enum event_priority p)
{
	return p == EVENT_PRIORITY_LOW || p == EVENT_PRIORITY_HIGH;
}

/* ---- memory backend ---- */

static void mem_unlink(struct spool *sp, struct mem_entry *m)
{
	struct mem_list *l = &sp->lists[m->e.priority];

	if (m->prev)
		m->prev->next = m->next;
	else
		l->head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		l->tail = m->prev;
}

static void mem_drop(struct spool *sp, struct mem_entry *m)
{
	mem_unlink(sp, m);
	sp->st.rows--;
	sp->st.bytes -= m->size;
	if (m->inflight)
		sp->st.inflight--;
	es_free(m->e.body);
	es_free(m);
}

static struct mem_entry *mem_find(struct spool *sp, uint64_t id)
{
	for (int p = _EVENT_PRIORITY_MAX - 1; p >= 0; p--)
		for (struct mem_entry *m = sp->lists[p].head; m; m = m->next)
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

/* ---- cap ---- */

static uint64_t entry_size(size_t len, const char *mid)
{
	return (uint64_t)len + (mid ? strlen(mid) : 0) + SPOOL_ENTRY_OVERHEAD;
}

/* Finds the oldest unsent entry of priority p: 0 and id/size, -ENOENT, or -errno. */
static int oldest_unsent(struct spool *sp, enum event_priority p, uint64_t *ret_id,
			 uint64_t *ret_size)
{
	sqlite3_stmt *st;
	int rc;

	if (!sp->db) {
		struct mem_entry *m = mem_first_unsent(sp, p);

		if (!m)
			return -ENOENT;
		*ret_id = m->e.id;
		*ret_size = m->size;
		return 0;
	}
	st = sp->stmt[STMT_OLDEST];
	sqlite3_reset(st);
	sqlite3_bind_int(st, 1, (int)p);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return db_fail(sp, rc, "find oldest entry");
	*ret_id = (uint64_t)sqlite3_column_int64(st, 0);
	*ret_size = (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

static int delete_row(struct spool *sp, uint64_t id, uint64_t *ret_size, bool *ret_inflight)
{
	sqlite3_stmt *st = sp->stmt[STMT_DELETE];
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return db_fail(sp, rc, "delete entry");
	*ret_size = (uint64_t)sqlite3_column_int64(st, 0);
	*ret_inflight = sqlite3_column_int(st, 1) == 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(sp, rc, "delete entry");
}

/* Evicts until `need` more bytes fit.  Counters are only updated by the caller's commit. */
static int make_room(struct spool *sp, uint64_t need, uint64_t *ret_low, uint64_t *ret_high,
		     uint64_t *ret_freed)
{
	static const enum event_priority order[] = { EVENT_PRIORITY_LOW, EVENT_PRIORITY_HIGH };
	uint64_t freed = 0, low = 0, high = 0;

	for (size_t i = 0; i < 2 && sp->st.bytes - freed + need > sp->st.max_bytes; i++) {
		while (sp->st.bytes - freed + need > sp->st.max_bytes) {
			uint64_t id = 0, size = 0;
			bool inflight;
			int r = oldest_unsent(sp, order[i], &id, &size);

			if (r == -ENOENT)
				break;
			if (r < 0)
				return r;
			if (sp->db) {
				r = delete_row(sp, id, &size, &inflight);
				if (r < 0)
					return r;
			} else {
				mem_drop(sp, mem_find(sp, id));
				sp->st.bytes += size; /* settled below like the file case */
				sp->st.rows++;
			}
			freed += size;
			if (order[i] == EVENT_PRIORITY_LOW)
				low++;
			else
				high++;
		}
	}
	*ret_low = low;
	*ret_high = high;
	*ret_freed = freed;
	return sp->st.bytes - freed + need > sp->st.max_bytes ? -ENOBUFS : 0;
}

/* ---- put ---- */

static int exec_simple(struct spool *sp, enum stmt_id id)
{
	sqlite3_stmt *st = sp->stmt[id];
	int rc;

	sqlite3_reset(st);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(sp, rc, stmt_sql[id]);
}

static int file_insert(struct spool *sp, enum event_schema schema, enum event_priority priority,
		       const void *body, size_t len, const char *mid, uint64_t size,
		       uint64_t *ret_id)
{
	sqlite3_stmt *st = sp->stmt[STMT_INSERT];
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int(st, 1, (int)priority);
	sqlite3_bind_int(st, 2, (int)schema);
	sqlite3_bind_text(st, 3, mid ? mid : "", -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 4, len ? body : "", len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)size);
	rc = sqlite3_step(st);
	sqlite3_clear_bindings(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(sp, rc, "insert entry");
	*ret_id = (uint64_t)sqlite3_last_insert_rowid(sp->db);
	return 0;
}

static int mem_insert(struct spool *sp, enum event_schema schema, enum event_priority priority,
		      const void *body, size_t len, const char *mid, uint64_t size,
		      uint64_t *ret_id)
{
	struct mem_entry *m = es_calloc(1, sizeof(*m));
	struct mem_list *l = &sp->lists[priority];

	if (!m || !(m->e.body = es_malloc(len ? len : 1))) {
		es_free(m);
		set_error(sp, "out of memory");
		return -ENOMEM;
	}
	memcpy(m->e.body, body, len);
	m->e.len = len;
	m->e.id = ++sp->next_mem_id;
	m->e.schema = schema;
	m->e.priority = priority;
	if (mid)
		snprintf(m->e.mid, sizeof(m->e.mid), "%s", mid);
	m->size = size;
	m->prev = l->tail;
	if (l->tail)
		l->tail->next = m;
	else
		l->head = m;
	l->tail = m;
	*ret_id = m->e.id;
	return 0;
}

int spool_put(struct spool *sp, enum event_schema schema, enum event_priority priority,
	      const void *body, size_t len, const char *mid, uint64_t *ret_id)
{
	uint64_t size = entry_size(len, mid), low = 0, high = 0, freed = 0, id = 0;
	int r;

	if (!valid_priority(priority) || (unsigned)schema >= _EVENT_SCHEMA_MAX ||
	    (mid && strlen(mid) >= SPOOL_MID_MAX) || (!body && len))
		return -EINVAL;
	if (size > sp->st.max_bytes) {
		sp->st.rejected++;
		set_error(sp, "message of %zu bytes is larger than the spool cap", len);
		return -EMSGSIZE;
	}
	if (sp->db && (r = exec_simple(sp, STMT_BEGIN)) < 0)
		return r;
	r = make_room(sp, size, &low, &high, &freed);
	if (r == 0)
		r = sp->db ? file_insert(sp, schema, priority, body, len, mid, size, &id)
			   : mem_insert(sp, schema, priority, body, len, mid, size, &id);
	if (sp->db) {
		if (r == 0)
			r = exec_simple(sp, STMT_COMMIT);
		if (r < 0)
			(void)exec_simple(sp, STMT_ROLLBACK);
	}
	if (r < 0 && sp->db) {
		/* rolled back: nothing was evicted either */
		if (r == -ENOBUFS) {
			sp->st.rejected++;
			set_error(sp, "spool full of messages in flight");
		}
		return r;
	}
	/* memory evictions happened for real, even if the insert then failed */
	sp->st.bytes -= freed;
	sp->st.rows -= low + high;
	sp->st.evicted_low += low;
	sp->st.evicted_high += high;
	if (r < 0) {
		if (r == -ENOBUFS) {
			sp->st.rejected++;
			set_error(sp, "spool full of messages in flight");
		}
		return r;
	}
	sp->st.rows++;
	sp->st.bytes += size;
	sp->st.written++;
	if (ret_id)
		*ret_id = id;
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

static int file_next(struct spool *sp, enum event_priority p, struct spool_entry *ret)
{
	sqlite3_stmt *st = sp->stmt[STMT_NEXT];
	int rc, schema, r;

	sqlite3_reset(st);
	sqlite3_bind_int(st, 1, (int)p);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return -ENOENT;
	}
	if (rc != SQLITE_ROW)
		return db_fail(sp, rc, "read next entry");
	schema = sqlite3_column_int(st, 1);
	if (schema < 0 || schema >= _EVENT_SCHEMA_MAX)
		schema = EVENT_SCHEMA_EDGESEC;
	r = fill_entry(ret, (uint64_t)sqlite3_column_int64(st, 0), schema, p,
		       (unsigned)sqlite3_column_int(st, 2),
		       (const char *)sqlite3_column_text(st, 3), sqlite3_column_blob(st, 4),
		       (size_t)sqlite3_column_bytes(st, 4));
	sqlite3_reset(st);
	return r;
}

int spool_next(struct spool *sp, struct spool_entry *ret)
{
	static const enum event_priority order[] = { EVENT_PRIORITY_HIGH, EVENT_PRIORITY_LOW };

	for (size_t i = 0; i < 2; i++) {
		int r;

		if (sp->db) {
			r = file_next(sp, order[i], ret);
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

int spool_mark_inflight(struct spool *sp, uint64_t id)
{
	unsigned sends_before;

	if (sp->db) {
		sqlite3_stmt *st = sp->stmt[STMT_MARK];
		int rc;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(st);
			return -ENOENT;
		}
		if (rc != SQLITE_ROW)
			return db_fail(sp, rc, "mark entry in flight");
		sends_before = (unsigned)sqlite3_column_int(st, 0) - 1;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(sp, rc, "mark entry in flight");
	} else {
		struct mem_entry *m = mem_find(sp, id);

		if (!m || m->inflight)
			return -ENOENT;
		m->inflight = true;
		sends_before = m->e.sends++;
	}
	sp->st.inflight++;
	if (sends_before > 0)
		sp->st.duplicates++;
	return 0;
}

int spool_take(struct spool *sp, struct spool_entry *ret)
{
	int r = spool_next(sp, ret);

	if (r < 0)
		return r;
	r = spool_mark_inflight(sp, ret->id);
	if (r < 0) {
		spool_entry_done(ret);
		return r;
	}
	return 0;
}

int spool_ack(struct spool *sp, uint64_t id)
{
	uint64_t size;
	bool inflight;

	if (sp->db) {
		int r = delete_row(sp, id, &size, &inflight);

		if (r < 0)
			return r;
		sp->st.rows--;
		sp->st.bytes -= size;
		if (inflight)
			sp->st.inflight--;
	} else {
		struct mem_entry *m = mem_find(sp, id);

		if (!m)
			return -ENOENT;
		mem_drop(sp, m);
	}
	sp->st.deleted++;
	return 0;
}

int spool_requeue_inflight(struct spool *sp)
{
	int n = 0;

	if (sp->db) {
		int r = exec_simple(sp, STMT_REQUEUE);

		if (r < 0)
			return r;
		n = sqlite3_changes(sp->db);
	} else {
		for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
			for (struct mem_entry *m = sp->lists[p].head; m; m = m->next)
				if (m->inflight) {
					m->inflight = false;
					n++;
				}
	}
	sp->st.inflight = 0;
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

/* ---- open / free ---- */

static int db_exec(struct spool *sp, const char *sql)
{
	int rc = sqlite3_exec(sp->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(sp, rc, sql);
}

static int quick_check(struct spool *sp)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(sp->db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(sp, rc, "check database");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = db_fail(sp, rc, "check database");
	} else {
		const char *res = (const char *)sqlite3_column_text(st, 0);

		if (!res || strcmp(res, "ok") != 0) {
			set_error(sp, "database is corrupt: %s", res ? res : "?");
			r = -EBADMSG;
		}
	}
	sqlite3_finalize(st);
	return r;
}

static int load_totals(struct spool *sp)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(sp->db, "SELECT count(*), coalesce(sum(size),0) FROM spool", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(sp, rc, "count entries");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sp->st.rows = (uint64_t)sqlite3_column_int64(st, 0);
		sp->st.bytes = (uint64_t)sqlite3_column_int64(st, 1);
		sp->st.recovered = sp->st.rows;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(sp, rc, "count entries");
}

static int file_setup(struct spool *sp, const struct spool_settings *s)
{
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
	if (r == 0)
		r = db_exec(sp, "PRAGMA journal_size_limit=4194304");
	if (r == 0)
		r = db_exec(sp,
			    "CREATE TABLE IF NOT EXISTS spool("
			    "id INTEGER PRIMARY KEY AUTOINCREMENT,"
			    "priority INTEGER NOT NULL, schema INTEGER NOT NULL,"
			    "state INTEGER NOT NULL DEFAULT 0, sends INTEGER NOT NULL DEFAULT 0,"
			    "mid TEXT NOT NULL, body BLOB NOT NULL, size INTEGER NOT NULL);"
			    "CREATE INDEX IF NOT EXISTS spool_order ON spool(state, priority, id);"
			    "UPDATE spool SET state=0 WHERE state=1;");
	if (r < 0)
		return r;
	for (int i = 0; i < _STMT_MAX; i++) {
		int rc = sqlite3_prepare_v3(sp->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &sp->stmt[i], NULL);

		if (rc != SQLITE_OK)
			return db_fail(sp, rc, "prepare statement");
	}
	return load_totals(sp);
}

static struct spool *spool_alloc(uint64_t max_bytes)
{
	struct spool *sp = es_calloc(1, sizeof(*sp));

	if (sp)
		sp->st.max_bytes = max_bytes;
	return sp;
}

int spool_open(const struct spool_settings *s, struct spool **ret, struct spool_error *err)
{
	char path[4096];
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
	/* create it 0600 ourselves; SQLite would use 0644 */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) {
		r = -errno;
		set_error(sp, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	rc = sqlite3_open_v2(path, &sp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		r = sp->db ? db_fail(sp, rc, "open database") : -ENOMEM;
		goto fail;
	}
	sqlite3_extended_result_codes(sp->db, 1);
	r = file_setup(sp, s);
	if (r < 0)
		goto fail;
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
	sp->st.memory = true;
	*ret = sp;
	return 0;
}

struct spool *spool_free(struct spool *sp)
{
	if (!sp)
		return NULL;
	for (int i = 0; i < _STMT_MAX; i++)
		sqlite3_finalize(sp->stmt[i]);
	if (sp->db)
		sqlite3_close(sp->db);
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		while (sp->lists[p].head)
			mem_drop(sp, sp->lists[p].head);
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
