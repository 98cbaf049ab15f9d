/* SPDX-License-Identifier: MIT */
/*
 * Spool: order (High before Low, oldest first), ack/delete, requeue after a disconnect,
 * restart recovery, cap eviction order and counts, corrupt and unusable files with the
 * in-memory fallback.  Every behavioural test runs against both backends.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/array.h"
#include "spool/spool.h"

struct fixture {
	char dir[64];
	bool memory;
};

static void rm_dir(const char *dir)
{
	static const char *const files[] = { "spool.db", "spool.db-wal", "spool.db-shm",
					     "spool.db-journal" };
	char p[128];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int setup_dir(struct fixture **f, bool memory)
{
	struct fixture *x = calloc(1, sizeof(*x));

	snprintf(x->dir, sizeof(x->dir), "/tmp/test-spool-XXXXXX");
	if (!mkdtemp(x->dir))
		return -1;
	x->memory = memory;
	*f = x;
	return 0;
}

static int setup_file(void **state)
{
	return setup_dir((struct fixture **)state, false);
}

static int setup_memory(void **state)
{
	return setup_dir((struct fixture **)state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_dir(f->dir);
	free(f);
	return 0;
}

static struct spool *open_spool(const struct fixture *f, uint64_t max_bytes)
{
	struct spool_settings s = { .dir = f->memory ? NULL : f->dir, .max_bytes = max_bytes };
	struct spool_error err = { { 0 } };
	struct spool *sp = NULL;
	int r = spool_open(&s, &sp, &err);

	if (r < 0)
		fail_msg("spool_open: %d %s", r, err.message);
	assert_int_equal(spool_is_memory(sp), f->memory);
	return sp;
}

static uint64_t put(struct spool *sp, enum event_priority p, const char *body)
{
	uint64_t id = 0;

	assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, p, body, strlen(body), NULL, &id), 0);
	return id;
}

/* Takes the next entry and checks its body. */
static uint64_t take_expect(struct spool *sp, const char *body)
{
	struct spool_entry e;
	uint64_t id;

	assert_int_equal(spool_take(sp, &e), 0);
	assert_int_equal(e.len, strlen(body));
	assert_memory_equal(e.body, body, e.len);
	id = e.id;
	spool_entry_done(&e);
	return id;
}

static void test_order(void **state)
{
	struct spool *sp = open_spool(*state, 1 << 20);
	struct spool_entry e;
	struct spool_stats st;

	put(sp, EVENT_PRIORITY_LOW, "l1");
	put(sp, EVENT_PRIORITY_HIGH, "h1");
	put(sp, EVENT_PRIORITY_LOW, "l2");
	put(sp, EVENT_PRIORITY_HIGH, "h2");
	take_expect(sp, "h1");
	take_expect(sp, "h2");
	/* a High message put later still goes before the remaining Low ones */
	put(sp, EVENT_PRIORITY_HIGH, "h3");
	take_expect(sp, "h3");
	take_expect(sp, "l1");
	take_expect(sp, "l2");
	assert_int_equal(spool_next(sp, &e), -ENOENT);
	spool_get_stats(sp, &st);
	assert_int_equal(st.rows, 5);
	assert_int_equal(st.inflight, 5);
	assert_int_equal(st.written, 5);
	assert_int_equal(st.duplicates, 0);
	spool_free(sp);
}

static void test_ack_delete(void **state)
{
	struct spool *sp = open_spool(*state, 1 << 20);
	struct spool_stats st;
	struct spool_entry e;
	uint64_t a, b;

	put(sp, EVENT_PRIORITY_LOW, "a");
	put(sp, EVENT_PRIORITY_LOW, "bb");
	a = take_expect(sp, "a");
	b = take_expect(sp, "bb");
	assert_int_equal(spool_ack(sp, b), 0);
	assert_int_equal(spool_ack(sp, b), -ENOENT);
	spool_get_stats(sp, &st);
	assert_int_equal(st.rows, 1);
	assert_int_equal(st.bytes, 1 + SPOOL_ENTRY_OVERHEAD);
	assert_int_equal(st.inflight, 1);
	assert_int_equal(spool_ack(sp, a), 0);
	spool_get_stats(sp, &st);
	assert_int_equal(st.rows, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.deleted, 2);
	assert_int_equal(spool_next(sp, &e), -ENOENT);
	/* mid: given or the decimal id */
	assert_int_equal(
		spool_put(sp, EVENT_SCHEMA_EDGESEC, EVENT_PRIORITY_HIGH, "x", 1, "m-7", NULL), 0);
	assert_int_equal(spool_next(sp, &e), 0);
	assert_string_equal(e.mid, "m-7");
	assert_int_equal(e.schema, EVENT_SCHEMA_EDGESEC);
	spool_entry_done(&e);
	spool_free(sp);
}

static void test_requeue(void **state)
{
	struct spool *sp = open_spool(*state, 1 << 20);
	struct spool_stats st;
	struct spool_entry e;

	put(sp, EVENT_PRIORITY_LOW, "l1");
	put(sp, EVENT_PRIORITY_HIGH, "h1");
	put(sp, EVENT_PRIORITY_HIGH, "h2");
	take_expect(sp, "h1");
	take_expect(sp, "h2");
	assert_int_equal(spool_requeue_inflight(sp), 2);
	assert_int_equal(spool_next(sp, &e), 0);
	assert_int_equal(e.sends, 1);
	spool_entry_done(&e);
	take_expect(sp, "h1");
	take_expect(sp, "h2");
	take_expect(sp, "l1");
	spool_get_stats(sp, &st);
	assert_int_equal(st.duplicates, 2);
	assert_int_equal(st.inflight, 3);
	spool_free(sp);
}

static void test_restart(void **state)
{
	struct fixture *f = *state;
	struct spool *sp;
	struct spool_stats st;
	uint64_t id;

	if (f->memory)
		skip();
	sp = open_spool(f, 1 << 20);
	put(sp, EVENT_PRIORITY_LOW, "old-low");
	put(sp, EVENT_PRIORITY_HIGH, "old-high-1");
	put(sp, EVENT_PRIORITY_HIGH, "old-high-2");
	id = take_expect(sp, "old-high-1");
	assert_int_equal(spool_ack(sp, id), 0);
	take_expect(sp, "old-high-2"); /* in flight when the agent dies */
	spool_free(sp);

	sp = open_spool(f, 1 << 20);
	spool_get_stats(sp, &st);
	assert_int_equal(st.recovered, 2);
	assert_int_equal(st.rows, 2);
	assert_int_equal(st.inflight, 0);
	put(sp, EVENT_PRIORITY_LOW, "new-low");
	id = put(sp, EVENT_PRIORITY_HIGH, "new-high");
	assert_true(id > 3); /* ids are never reused */
	take_expect(sp, "old-high-2");
	take_expect(sp, "new-high");
	take_expect(sp, "old-low");
	take_expect(sp, "new-low");
	spool_get_stats(sp, &st);
	assert_int_equal(st.duplicates, 1);
	spool_free(sp);
}

#define BODY100                                                                                    \
	"0123456789012345678901234567890123456789012345678901234567890123456789"                   \
	"012345678901234567890123456789"

static void test_cap_eviction(void **state)
{
	const uint64_t entry = 100 + SPOOL_ENTRY_OVERHEAD;
	struct spool *sp = open_spool(*state, 5 * entry);
	struct spool_stats st;
	struct spool_entry e;
	char body[128];
	uint64_t ids[10];

	/* L0 L1 H2 H3 L4 fill the cap exactly */
	static const enum event_priority seq[] = { EVENT_PRIORITY_LOW,	EVENT_PRIORITY_LOW,
						   EVENT_PRIORITY_HIGH, EVENT_PRIORITY_HIGH,
						   EVENT_PRIORITY_LOW,	EVENT_PRIORITY_HIGH,
						   EVENT_PRIORITY_HIGH, EVENT_PRIORITY_HIGH,
						   EVENT_PRIORITY_HIGH };
	for (size_t i = 0; i < ARRAY_SIZE(seq); i++) {
		snprintf(body, sizeof(body), "%s", BODY100);
		body[0] = (char)('0' + i);
		assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, seq[i], body, 100, NULL, &ids[i]),
				 0);
		spool_get_stats(sp, &st);
		assert_true(st.bytes <= st.max_bytes);
		if (i == 4)
			assert_int_equal(st.evicted_low + st.evicted_high, 0);
	}
	/* H5 evicted L0, H6 L1, H7 L4, H8 the oldest High: H2 */
	spool_get_stats(sp, &st);
	assert_int_equal(st.evicted_low, 3);
	assert_int_equal(st.evicted_high, 1);
	assert_int_equal(st.rows, 5);
	assert_int_equal(st.bytes, 5 * entry);
	for (char c = '3'; c <= '8'; c++) {
		if (c == '4')
			continue;
		assert_int_equal(spool_take(sp, &e), 0);
		assert_int_equal(e.body[0], c);
		spool_entry_done(&e);
	}
	/* everything in flight: nothing can be evicted, the put is refused */
	assert_int_equal(
		spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_HIGH, BODY100, 100, NULL, NULL),
		-ENOBUFS);
	{
		char *huge = calloc(1, 5 * entry);

		assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_HIGH, huge,
					   5 * entry, NULL, NULL),
				 -EMSGSIZE);
		free(huge);
	}
	spool_get_stats(sp, &st);
	assert_int_equal(st.rows, 5);
	assert_true(st.rejected >= 2);
	assert_true(st.bytes <= st.max_bytes);
	spool_free(sp);
}

static void test_invalid(void **state)
{
	struct spool *sp = open_spool(*state, 4096);

	assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_OFF, "x", 1, NULL, NULL),
			 -EINVAL);
	assert_int_equal(spool_ack(sp, 12345), -ENOENT);
	assert_int_equal(spool_mark_inflight(sp, 12345), -ENOENT);
	spool_free(sp);
}

static void write_file(const char *path, const void *data, size_t len, off_t offset)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, offset), (ssize_t)len);
	close(fd);
}

static void test_corrupt_file(void **state)
{
	struct fixture *f = *state;
	struct spool_settings s = { .dir = f->dir, .max_bytes = 1 << 20 };
	struct spool_error err = { { 0 } };
	struct spool *sp = NULL;
	char path[128], garbage[8192];
	int r;

	if (f->memory)
		skip();
	snprintf(path, sizeof(path), "%s/spool.db", f->dir);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7 + 3);
	write_file(path, garbage, sizeof(garbage), 0);

	r = spool_open(&s, &sp, &err);
	assert_int_equal(r, -EBADMSG);
	assert_null(sp);
	assert_non_null(strstr(err.message, "spool.db"));
	assert_non_null(strstr(err.message, "not a database"));
	/* the agent carries on in memory, bounded the same way */
	assert_int_equal(spool_open_memory(1 << 20, &sp), 0);
	assert_true(spool_is_memory(sp));
	put(sp, EVENT_PRIORITY_LOW, "still working");
	take_expect(sp, "still working");
	spool_free(sp);
}

static void test_corrupt_pages(void **state)
{
	struct fixture *f = *state;
	struct spool_settings s = { .dir = f->dir, .max_bytes = 1 << 22 };
	struct spool_error err = { { 0 } };
	struct spool *sp = NULL;
	char path[128], garbage[4096 * 4], big[3000];
	int r;

	if (f->memory)
		skip();
	sp = open_spool(f, 1 << 22);
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 40; i++)
		assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_LOW, big,
					   sizeof(big), NULL, NULL),
				 0);
	spool_free(sp); /* checkpoints the WAL into the file */
	snprintf(path, sizeof(path), "%s/spool.db", f->dir);
	memset(garbage, 0xa5, sizeof(garbage));
	write_file(path, garbage, sizeof(garbage), 4096); /* pages 2..5 */
	r = spool_open(&s, &sp, &err);
	assert_int_equal(r, -EBADMSG);
	assert_true(strlen(err.message) > 0);
	print_message("corrupt pages: %s\n", err.message);
}

static void test_unusable_dir(void **state)
{
	struct fixture *f = *state;
	struct spool_settings s = { .max_bytes = 1 << 20 };
	struct spool_error err = { { 0 } };
	struct spool *sp = NULL;
	char dir[128];

	if (f->memory)
		skip();
	snprintf(dir, sizeof(dir), "%s/does-not-exist", f->dir);
	s.dir = dir;
	assert_int_equal(spool_open(&s, &sp, &err), -ENOENT);
	assert_non_null(strstr(err.message, "does-not-exist"));
	assert_null(sp);
}

/* Not an assertion: prints the cost of synchronous=NORMAL vs FULL (docs/internals/spool.md). */
static void test_sync_cost(void **state)
{
	struct fixture *f = *state;
	static char body[4096];

	if (f->memory)
		skip();
	memset(body, '{', sizeof(body));
	for (int m = 0; m < _SPOOL_SYNC_MAX; m++) {
		struct spool_settings s = { .dir = f->dir, .max_bytes = 1 << 26, .sync = m };
		struct spool *sp = NULL;
		struct timespec a, b;
		struct spool_entry e;
		const int n = 300;

		assert_int_equal(spool_open(&s, &sp, NULL), 0);
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < n; i++) {
			assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_LOW, body,
						   sizeof(body), NULL, NULL),
					 0);
			assert_int_equal(spool_take(sp, &e), 0);
			assert_int_equal(spool_ack(sp, e.id), 0);
			spool_entry_done(&e);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		print_message("synchronous=%s: %.0f messages/s (put+take+ack of 4 KB)\n",
			      m == SPOOL_SYNC_FULL ? "FULL" : "NORMAL",
			      n / ((double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
		spool_free(sp);
	}
}

/* An unsent entry can be acknowledged (deleted) too; it is never handed out afterwards. */
static void test_ack_unsent(void **state)
{
	struct spool *sp = open_spool(*state, 1 << 20);
	struct spool_stats st;
	struct spool_entry e;
	uint64_t a, b;

	a = put(sp, EVENT_PRIORITY_LOW, "a");
	b = put(sp, EVENT_PRIORITY_LOW, "b");
	put(sp, EVENT_PRIORITY_LOW, "c");
	assert_int_equal(spool_ack(sp, b), 0); /* still pending (file) or in memory */
	take_expect(sp, "a");		       /* commits the rest */
	assert_int_equal(spool_requeue_inflight(sp), 1);
	assert_int_equal(spool_ack(sp, a), 0); /* a committed, unsent row */
	assert_int_equal(spool_ack(sp, a), -ENOENT);
	take_expect(sp, "c");
	assert_int_equal(spool_next(sp, &e), -ENOENT);
	spool_get_stats(sp, &st);
	assert_int_equal(st.rows, 1);
	assert_int_equal(st.deleted, 2);
	spool_free(sp);
}

/* Puts, takes and acks of a burst are written in a few transactions, not three per entry. */
static void test_batched_commits(void **state)
{
	struct spool *sp = open_spool(*state, 1 << 24);
	struct spool_stats st;
	struct spool_entry e;
	char body[64];
	const int n = 200;

	if (((struct fixture *)*state)->memory)
		skip();
	for (int i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "burst-%d", i);
		put(sp, EVENT_PRIORITY_LOW, body);
	}
	spool_get_stats(sp, &st);
	/* 200 puts: committed every SPOOL_BATCH_ENTRIES, the rest still pending */
	assert_int_equal(st.commits, n / SPOOL_BATCH_ENTRIES);
	assert_int_equal(st.pending, n % SPOOL_BATCH_ENTRIES);
	assert_true(spool_flush_pending(sp));
	assert_true(spool_puts_pending(sp));
	for (int i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "burst-%d", i);
		assert_int_equal(spool_take(sp, &e), 0);
		assert_int_equal(e.len, strlen(body));
		assert_memory_equal(e.body, body, e.len);
		assert_int_equal(spool_ack(sp, e.id), 0);
		spool_entry_done(&e);
	}
	assert_false(spool_puts_pending(sp)); /* only deletes wait */
	assert_true(spool_flush_pending(sp));
	assert_int_equal(spool_flush(sp), 0);
	assert_false(spool_flush_pending(sp));
	spool_checkpoint(sp); /* the idle checkpoint */
	spool_get_stats(sp, &st);
	assert_int_equal(st.checkpoints, 1);
	assert_int_equal(st.rows, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.deleted, n);
	/* 3 full batches, the rest before the first take of it, the deletes: far below 3n */
	assert_true(st.commits <= n / SPOOL_BATCH_ENTRIES + 1 + n / SPOOL_DELETE_BATCH + 1);
	print_message("%d put+take+ack: %" PRIu64 " commits\n", n, st.commits);
	spool_free(sp);
}

/*
 * A process killed at any point loses nothing it handed out: a taken entry was committed
 * before spool_take returned; an acked entry whose delete was not committed yet comes back
 * (at-least-once).  The child dies with _exit(), without spool_free().
 */
static void test_crash_after_take(void **state)
{
	struct fixture *f = *state;
	struct spool_stats st;
	struct spool *sp;
	int status;
	pid_t pid;

	if (f->memory)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct spool_settings s = { .dir = f->dir, .max_bytes = 1 << 20 };
		struct spool_entry e;

		if (spool_open(&s, &sp, NULL) < 0)
			_exit(2);
		spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_LOW, "acked", 5, NULL, NULL);
		spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_LOW, "in-flight", 9, NULL, NULL);
		spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_LOW, "unsent", 6, NULL, NULL);
		if (spool_take(sp, &e) < 0 || spool_ack(sp, e.id) < 0)
			_exit(3);
		spool_entry_done(&e);
		if (spool_take(sp, &e) < 0)
			_exit(4);
		_exit(0); /* the crash: nothing flushed, nothing closed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	sp = open_spool(f, 1 << 20);
	spool_get_stats(sp, &st);
	assert_int_equal(st.recovered, 3);
	take_expect(sp, "acked"); /* its delete was not committed: sent again */
	take_expect(sp, "in-flight");
	take_expect(sp, "unsent");
	spool_free(sp);
}

static char failover_reason[SPOOL_ERROR_MAX];
static int failover_calls;

static void on_failover(void *userdata, const char *reason)
{
	(void)userdata;
	failover_calls++;
	snprintf(failover_reason, sizeof(failover_reason), "%s", reason);
}

static off_t file_size(const char *dir, const char *name)
{
	char p[128];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &sb) == 0 ? sb.st_size : 0;
}

/*
 * The file becomes unwritable at run time (here: RLIMIT_FSIZE, so every write that grows a
 * file fails like on a full disk): the spool goes on in memory with every entry it held,
 * committed or pending, in flight or not, in the same order; the caller is told once.
 */
static void test_failover_unwritable(void **state)
{
	struct fixture *f = *state;
	struct spool_settings s = { .dir = f->dir,
				    .max_bytes = 1 << 22,
				    .on_failover = on_failover };
	struct spool_stats st;
	struct spool_entry e;
	struct rlimit old, lim;
	struct spool *sp = NULL;
	char body[2048];
	uint64_t inflight_id;
	void (*old_xfsz)(int);

	if (f->memory)
		skip();
	failover_calls = 0;
	assert_int_equal(spool_open(&s, &sp, NULL), 0);
	memset(body, 'c', sizeof(body));
	for (int i = 0; i < 10; i++) { /* committed rows */
		body[0] = (char)('A' + i);
		assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_LOW, body,
					   sizeof(body), NULL, NULL),
				 0);
	}
	assert_int_equal(spool_take(sp, &e), 0); /* 'A' in flight */
	assert_int_equal(e.body[0], 'A');
	inflight_id = e.id;
	spool_entry_done(&e);
	assert_int_equal(spool_flush(sp), 0);
	assert_false(spool_is_memory(sp));

	/* from now on no file may grow */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)(file_size(f->dir, "spool.db-wal") > file_size(f->dir, "spool.db")
					? file_size(f->dir, "spool.db-wal")
					: file_size(f->dir, "spool.db"));
	old_xfsz = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

	memset(body, 'p', sizeof(body));
	for (int i = 0; i < 5; i++) { /* pending: not written yet */
		body[0] = (char)('a' + i);
		assert_int_equal(spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_LOW, body,
					   sizeof(body), NULL, NULL),
				 0);
	}
	assert_int_equal(
		spool_put(sp, EVENT_SCHEMA_ASC, EVENT_PRIORITY_HIGH, "urgent", 6, NULL, NULL), 0);
	/* the High entry must be committed before it is handed out: the write fails */
	assert_int_equal(spool_take(sp, &e), 0);
	assert_int_equal(failover_calls, 1);
	assert_int_equal(e.len, 6);
	assert_memory_equal(e.body, "urgent", 6);
	spool_entry_done(&e);

	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_xfsz);

	assert_true(spool_is_memory(sp));
	assert_int_equal(failover_calls, 1);
	print_message("failover: %s\n", failover_reason);
	assert_non_null(strstr(failover_reason, "in memory"));
	assert_non_null(strstr(spool_last_error(sp), "in memory"));
	spool_get_stats(sp, &st);
	assert_int_equal(st.failovers, 1);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.rows, 16);
	assert_int_equal(st.inflight, 2); /* 'A' and "urgent" */
	/* 'A' is still in flight: its ack works */
	assert_int_equal(spool_ack(sp, inflight_id), 0);
	for (int i = 1; i < 10; i++) {
		assert_int_equal(spool_take(sp, &e), 0);
		assert_int_equal(e.body[0], 'A' + i);
		assert_int_equal(e.body[1], 'c');
		spool_entry_done(&e);
	}
	for (int i = 0; i < 5; i++) {
		assert_int_equal(spool_take(sp, &e), 0);
		assert_int_equal(e.body[0], 'a' + i);
		assert_int_equal(e.body[1], 'p');
		spool_entry_done(&e);
	}
	assert_int_equal(spool_next(sp, &e), -ENOENT);
	/* and it goes on working, bounded the same way */
	put(sp, EVENT_PRIORITY_LOW, "after");
	take_expect(sp, "after");
	spool_free(sp);
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_setup_teardown(fn, setup_file, teardown),                                 \
		cmocka_unit_test_setup_teardown(fn, setup_memory, teardown)
#define FILE_ONLY(fn) cmocka_unit_test_setup_teardown(fn, setup_file, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_order),
		BOTH(test_ack_delete),
		BOTH(test_requeue),
		BOTH(test_cap_eviction),
		BOTH(test_invalid),
		FILE_ONLY(test_restart),
		FILE_ONLY(test_corrupt_file),
		FILE_ONLY(test_corrupt_pages),
		FILE_ONLY(test_unusable_dir),
		FILE_ONLY(test_sync_cost),
		BOTH(test_ack_unsent),
		FILE_ONLY(test_batched_commits),
		FILE_ONLY(test_crash_after_take),
		FILE_ONLY(test_failover_unwritable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
