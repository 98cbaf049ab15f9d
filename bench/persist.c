/* SPDX-License-Identifier: MIT */
/*
 * The baselines kept across restarts (common/persist.c): the size of <state-dir>/baselines
 * and what reading it back costs at start, for N accounts (each in its own group and one
 * shared group, as useradd -G makes them) and M listening ports in the new-value set of
 * listening-port-new.  Start-up cost = open + read + SHA-256 + parse of the file, the users
 * state parsed back (users_db_parse), the port set restored into a new engine with the shipped
 * rules' listening-port-new definition; the median of 7 runs.  Figures only, never asserted.
 *
 * Then the threshold windows kept across restarts (src/detect/detect-windows.c): a state
 * table of N entries (4 threshold rules like bruteforce-login, N/4 addresses with 4 failures
 * each, evidence held), saved (detect_engine_save + persist_flush: build, SHA-256, write,
 * fsync, rename) and restored at a start (persist_load + detect_engine_set_persist_at +
 * detect_engine_set_rules, the rules compiled before); the file's size, entries restored and
 * left out by the 2 MiB the windows may take.
 *
 *   build/bench/persist [DIR]    (DIR: where to write the file; default a new /tmp directory)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/users/users-diff.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/persist.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "enrich/users-parse.h"
#include "pipeline/pipeline.h"
#include "replay/replay.h"

#define RUNS 7

static const char rules[] =
	"{\"rules\":[{\"id\":\"listening-port-new\",\"name\":\"n\",\"severity\":\"Medium\","
	"\"description\":\"d\",\"remediation\":\"r\",\"events\":[\"ListeningPorts\"],"
	"\"newValue\":{\"by\":[\"Protocol\",\"LocalAddress\",\"LocalPort\"]}}]}";

static void drop(struct event_sink *s, struct event *e)
{
	(void)s;
	event_free(e);
}

static struct detect_engine *engine(struct event_sink *sink, struct persist *p)
{
	struct detect_source src = { .name = "b.json", .data = rules, .len = strlen(rules) };
	struct detect_settings s = { .trust_event_time = true };
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	struct detect_engine *de = NULL;

	if (detect_ruleset_load(&src, 1, NULL, &rs, &rep) < 0 || rep.n_errors ||
	    detect_engine_new(&s, sink, &de) < 0)
		exit(1);
	detect_engine_set_persist(de, p);
	detect_engine_set_rules(de, rs);
	return de;
}

/* Saves N accounts and M ports into a store in dfd; the file's size. */
static size_t save(int dfd, unsigned n_users, unsigned n_ports)
{
	struct event_sink sink = { .submit = drop };
	struct buf pw, gr, saved, json;
	struct replay_line in = { 0 };
	struct replay_error err = { { 0 } };
	struct event_builder b;
	struct persist_stats st;
	struct persist *p = NULL;
	struct detect_engine *de;
	struct users_db db = { 0 };

	buf_init(&pw, 0);
	buf_init(&gr, 0);
	buf_init(&saved, PERSIST_RECORD_MAX);
	buf_init(&json, 0);
	buf_printf(&gr, "root:x:0:\nsudo:x:27:");
	for (unsigned i = 0; i < n_users; i++) {
		buf_printf(&pw, "user%u:x:%u:%u:User %u:/home/user%u:/bin/bash\n", i, 1000 + i,
			   1000 + i, i, i);
		buf_printf(&gr, "%suser%u", i ? "," : "", i);
	}
	buf_putc(&gr, '\n');
	for (unsigned i = 0; i < n_users; i++)
		buf_printf(&gr, "user%u:x:%u:\n", i, 1000 + i);
	if (users_db_parse(&db, pw.data, pw.len, gr.data, gr.len) < 0)
		exit(1);
	users_saved_format(&db, true, &saved);
	if (persist_new(dfd, PERSIST_FILE, geteuid(), &p) < 0 ||
	    persist_put(p, USERS_SAVED_KEY, saved.data, saved.len) < 0)
		exit(1);
	de = engine(&sink, p);
	buf_puts(&json, "{\"Name\":\"ListeningPorts\",\"Payload\":[");
	for (unsigned i = 0; i < n_ports; i++)
		buf_printf(&json,
			   "%s{\"Protocol\":\"tcp\",\"LocalAddress\":\"0.0.0.0\",\"LocalPort\":\"%"
			   "u\"}",
			   i ? "," : "", 1024 + i);
	buf_puts(&json, "]}");
	event_builder_init(&b);
	if (replay_parse_line(json.data, json.len, 1, &b, &in, &err) != 1)
		exit(1);
	detect_engine_observe(de, in.events[0], 1);
	replay_line_done(&in);
	(void)detect_engine_save(de);
	if (persist_flush(p) < 0)
		exit(1);
	persist_get_stats(p, &st);
	detect_engine_free(de);
	persist_free(p);
	event_builder_done(&b);
	users_db_done(&db);
	buf_done(&pw);
	buf_done(&gr);
	buf_done(&saved);
	buf_done(&json);
	return st.file_bytes;
}

/* One start: load, users state parsed back, port set restored; nanoseconds. */
static uint64_t load(int dfd, size_t *ret_entries)
{
	struct event_sink sink = { .submit = drop };
	uint64_t t0 = time_now_monotonic_ns(), t1;
	struct persist *p = NULL;
	struct detect_engine *de;
	struct detect_stats st;
	struct users_db db = { 0 };
	const char *pwd, *grp;
	size_t pl, gl, len;
	const void *d;

	if (persist_new(dfd, PERSIST_FILE, geteuid(), &p) < 0 ||
	    persist_load(p, &(struct persist_error){ { 0 } }) < 0 ||
	    persist_get(p, USERS_SAVED_KEY, &d, &len) < 0 ||
	    users_saved_split(d, len, &pwd, &pl, &grp, &gl) < 0 ||
	    users_db_parse(&db, pwd, pl, grp, gl) < 0)
		exit(1);
	de = engine(&sink, p);
	t1 = time_now_monotonic_ns();
	detect_engine_get_stats(de, &st);
	*ret_entries = st.state_entries + db.n_users;
	detect_engine_free(de);
	users_db_done(&db);
	persist_free(p);
	return t1 - t0;
}

/* ---- threshold windows ---- */

#define WIN_RULES 4
#define WIN_T0 (time_now_realtime_ns() - 120 * NSEC_PER_SEC)

static struct detect_ruleset *win_rules(void)
{
	struct detect_source src = { .name = "w.json" };
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	struct buf doc;

	buf_init(&doc, 0);
	buf_puts(&doc, "{\"rules\":[");
	for (int i = 0; i < WIN_RULES; i++)
		buf_printf(&doc,
			   "%s{\"id\":\"bf%d\",\"name\":\"n\",\"severity\":\"Medium\","
			   "\"description\":\"d\",\"remediation\":\"r\",\"events\":[\"Login\"],"
			   "\"match\":{\"field\":\"Result\",\"equals\":\"Fail\"},\"threshold\":{"
			   "\"count\":5,\"window\":\"PT5M\",\"by\":[\"RemoteAddress\"]}}",
			   i ? "," : "", i);
	buf_puts(&doc, "]}");
	src.data = doc.data;
	src.len = doc.len;
	if (detect_ruleset_load(&src, 1, NULL, &rs, &rep) < 0 || rep.n_errors)
		exit(1);
	buf_done(&doc);
	return rs;
}

static struct detect_engine *win_engine(struct event_sink *sink, struct persist *p, uint64_t now)
{
	/* 20,000 entries (the default cap) with their evidence take ~10 MiB: more than the
	 * default detectionMaxStateMiB (8), which would hold ~17,000 of them */
	struct detect_settings s = { .max_state_entries = 20000, .max_state_bytes = 32u << 20 };
	struct detect_engine *de = NULL;

	if (detect_engine_new(&s, sink, &de) < 0)
		exit(1);
	detect_engine_set_persist_at(de, p, now);
	return de;
}

/* n entries saved into a new store file in dfd: save time (ns), file size, left out. */
static uint64_t win_save(int dfd, unsigned n, size_t *ret_bytes, uint64_t *ret_omitted)
{
	struct event_sink sink = { .submit = drop };
	struct replay_error err = { { 0 } };
	struct event_builder b;
	struct persist_stats st;
	struct detect_stats ds;
	struct persist *p = NULL;
	struct detect_engine *de;
	uint64_t t = WIN_T0, t0;
	char json[512];

	unlinkat(dfd, PERSIST_FILE, 0);
	if (persist_new(dfd, PERSIST_FILE, geteuid(), &p) < 0)
		exit(1);
	de = win_engine(&sink, p, t);
	detect_engine_set_rules(de, win_rules());
	event_builder_init(&b);
	for (unsigned k = 0; k < 4; k++)
		for (unsigned i = 0; i < n / WIN_RULES; i++, t += 1000) {
			struct replay_line in = { 0 };
			int len = snprintf(
				json, sizeof(json),
				"{\"Name\":\"Login\",\"Payload\":{\"ProcessId\":%u,"
				"\"UserName\":\"user%u\",\"Operation\":\"ssh\",\"Executable\":"
				"\"/usr/sbin/sshd\",\"RemoteAddress\":\"10.%u.%u.%u\","
				"\"Result\":\"Fail\"}}",
				1000 + i, i, i >> 16, (i >> 8) & 255, i & 255);

			if (replay_parse_line(json, (size_t)len, t, &b, &in, &err) != 1)
				exit(1);
			detect_engine_observe(de, in.events[0], t);
			replay_line_done(&in);
		}
	t0 = time_now_monotonic_ns();
	(void)detect_engine_save(de);
	if (persist_flush(p) < 0)
		exit(1);
	t0 = time_now_monotonic_ns() - t0;
	persist_get_stats(p, &st);
	detect_engine_get_stats(de, &ds);
	*ret_bytes = st.file_bytes;
	*ret_omitted = ds.persist_omitted;
	if (ds.state_entries != n)
		printf("(%zu entries held, not %u)\n", ds.state_entries, n);
	detect_engine_free(de);
	persist_free(p);
	event_builder_done(&b);
	return t0;
}

/* One start: the file loaded, the windows restored; ns, and the entries restored. */
static uint64_t win_load(int dfd, uint64_t *ret_restored)
{
	struct event_sink sink = { .submit = drop };
	struct detect_ruleset *rs = win_rules();
	struct persist *p = NULL;
	struct detect_engine *de;
	struct detect_stats ds;
	uint64_t t0 = time_now_monotonic_ns();

	if (persist_new(dfd, PERSIST_FILE, geteuid(), &p) < 0 ||
	    persist_load(p, &(struct persist_error){ { 0 } }) < 0)
		exit(1);
	de = win_engine(&sink, p, time_now_realtime_ns());
	detect_engine_set_rules(de, rs);
	t0 = time_now_monotonic_ns() - t0;
	detect_engine_get_stats(de, &ds);
	*ret_restored = ds.persist_restored;
	detect_engine_free(de);
	persist_free(p);
	return t0;
}

static int cmp_u64(const void *a, const void *b);

static void bench_windows(int dfd)
{
	static const unsigned sizes[] = { 1000, 5000, 20000 };

	printf("\nthreshold entries  file bytes  save (build+write+fsync)  start-up (load+restore)"
	       "  restored  left out (median of %d)\n",
	       RUNS);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t ts[RUNS], tl[RUNS], omitted = 0, restored = 0;
		size_t bytes = 0;

		for (int r = 0; r < RUNS; r++) {
			ts[r] = win_save(dfd, sizes[i], &bytes, &omitted);
			tl[r] = win_load(dfd, &restored);
		}
		qsort(ts, RUNS, sizeof(ts[0]), cmp_u64);
		qsort(tl, RUNS, sizeof(tl[0]), cmp_u64);
		printf("%17u  %10zu  %21.3f ms  %20.3f ms  %8llu  %8llu\n", sizes[i], bytes,
		       (double)ts[RUNS / 2] / 1e6, (double)tl[RUNS / 2] / 1e6,
		       (unsigned long long)restored, (unsigned long long)omitted);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const unsigned users[] = { 10, 100, 1000, 10000 };
	static const unsigned ports[] = { 10, 100, 1000, 5000 };
	char tmpl[] = "/tmp/edgesec-bench-persist-XXXXXX";
	const char *dir = argc > 1 ? argv[1] : mkdtemp(tmpl);
	int dfd;

	json_read_init();
	if (!dir || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("bench directory");
		return 1;
	}
	printf("accounts  ports  file bytes  start-up (load+parse+restore, median of %d)\n", RUNS);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		uint64_t t[RUNS];
		size_t bytes = save(dfd, users[i], ports[i]), entries = 0;

		for (int r = 0; r < RUNS; r++)
			t[r] = load(dfd, &entries);
		qsort(t, RUNS, sizeof(t[0]), cmp_u64);
		printf("%8u  %5u  %10zu  %.3f ms (%zu accounts + values held)\n", users[i],
		       ports[i], bytes, (double)t[RUNS / 2] / 1e6, entries);
	}
	bench_windows(dfd);
	unlinkat(dfd, PERSIST_FILE, 0);
	close(dfd);
	if (argc <= 1)
		rmdir(dir);
	return 0;
}
