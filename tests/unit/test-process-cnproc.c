/* SPDX-License-Identifier: MIT */
/*
 * The process collector's proc-connector backend against the real kernel (root only),
 * "trigger and assert" as in test-process-bpf.c: the collector runs with capture "cnproc" and
 * a sink that keeps events; the test execs and exits children and polls the collector's fd
 * (with a deadline, never asserting on speed) until the event with the child's pid arrives.
 *
 * The details of an exec come from /proc, so the children that must be reported live until
 * the test has pumped the collector (sh -c "sleep 1; ...").  A child that is gone before its
 * exec is read must be counted as vanished, never reported half-filled.
 *
 * Exits 77 (skip) only when the proc connector cannot exist here: not root, or a kernel
 * without CONFIG_PROC_EVENTS (the socket or the listen request is refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/process/process-int.h"
#include "common/timeutil.h"

extern char **environ;

#define STORE_MAX 65536
#define DEADLINE_MS 10000

struct test_sink {
	struct event_sink sink;
	struct event *ev[STORE_MAX];
	size_t n;
	const char *count_marker; /* set: count ProcessCreate with it, keep nothing */
	uint64_t counted;
};

static struct test_sink tsink;
static struct collector *col;
static char marker[64];

static int field_get(const struct event *e, unsigned field, struct event_value *ret)
{
	struct event_cursor cur;
	struct event_value v;

	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v) > 0)
		if (v.kind == EVENT_VALUE_FIELD && v.field == field) {
			*ret = v;
			return 0;
		}
	return -ENOENT;
}

static int extra_get(const struct event *e, const char *key, struct event_value *ret)
{
	struct event_cursor cur;
	struct event_value v;

	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v) > 0)
		if (v.kind == EVENT_VALUE_EXTRA && v.key_len == strlen(key) &&
		    memcmp(v.key, key, v.key_len) == 0) {
			*ret = v;
			return 0;
		}
	return -ENOENT;
}

static int64_t field_int(const struct event *e, unsigned field)
{
	struct event_value v;

	return field_get(e, field, &v) == 0 ? v.i : -1;
}

static const char *field_str(const struct event *e, unsigned field, char *out, size_t size)
{
	struct event_value v;
	size_t n = 0;

	if (field_get(e, field, &v) == 0) {
		n = v.len < size - 1 ? v.len : size - 1;
		memcpy(out, v.s, n);
	}
	out[n] = '\0';
	return out;
}

static bool has_marker(const struct event *e, const char *m)
{
	struct event_value v;

	return field_get(e, PC_COMMAND_LINE, &v) == 0 && memmem(v.s, v.len, m, strlen(m));
}

static void sink_submit(struct event_sink *sink, struct event *e)
{
	struct test_sink *t = (struct test_sink *)sink;

	if (t->count_marker) {
		if (event_get_type(e) == EVENT_PROCESS_CREATE && has_marker(e, t->count_marker))
			t->counted++;
		event_free(e);
		return;
	}
	if (t->n < STORE_MAX)
		t->ev[t->n++] = e;
	else
		event_free(e);
}

static void sink_clear(void)
{
	for (size_t i = 0; i < tsink.n; i++)
		event_free(tsink.ev[i]);
	tsink.n = 0;
}

static void pump_once(int timeout_ms)
{
	struct pollfd p = { .fd = collector_get_fd(col), .events = POLLIN };

	if (poll(&p, 1, timeout_ms) > 0)
		collector_dispatch(col, POLLIN);
}

static size_t count_pid(enum event_type t, pid_t pid, const struct event **ret_first)
{
	size_t n = 0;

	for (size_t i = 0; i < tsink.n; i++) {
		const struct event *e = tsink.ev[i];
		unsigned f = t == EVENT_PROCESS_CREATE ? PC_PROCESS_ID : PT_PROCESS_ID;

		if (event_get_type(e) == t && field_int(e, f) == pid) {
			if (!n && ret_first)
				*ret_first = e;
			n++;
		}
	}
	return n;
}

static const struct event *wait_pid(enum event_type t, pid_t pid)
{
	uint64_t end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;
	const struct event *e = NULL;

	while (!count_pid(t, pid, &e) && time_now_monotonic_ns() < end)
		pump_once(100);
	return e;
}

static void settle(void)
{
	for (int i = 0; i < 5; i++)
		pump_once(50);
}

static pid_t spawn(char *const argv[], const char *cwd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_exec_exit(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "sleep 1; exit 7", marker, NULL };
	char want[256], got[512], sh[PATH_MAX];
	const struct event *e;
	struct event_value v;
	pid_t pid;

	(void)state;
	sink_clear();
	pid = spawn(argv, "/tmp");
	e = wait_pid(EVENT_PROCESS_CREATE, pid);
	assert_non_null(e);
	assert_int_equal(WEXITSTATUS(reap(pid)), 7);
	assert_non_null(wait_pid(EVENT_PROCESS_TERMINATE, pid));
	settle();

	assert_int_equal(count_pid(EVENT_PROCESS_CREATE, pid, &e), 1);
	assert_int_equal(field_int(e, PC_PARENT_PROCESS_ID), getpid());
	snprintf(want, sizeof(want), "/bin/sh -c sleep 1; exit 7 %s", marker);
	assert_string_equal(field_str(e, PC_COMMAND_LINE, got, sizeof(got)), want);
	/* /proc/<pid>/exe: the resolved binary, not the path given to execve. */
	assert_non_null(realpath("/bin/sh", sh));
	assert_string_equal(field_str(e, PC_EXECUTABLE, got, sizeof(got)), sh);
	snprintf(want, sizeof(want), "%u", (unsigned)getuid());
	assert_string_equal(field_str(e, PC_USER_ID, got, sizeof(got)), want);
	if (getuid() == 0)
		assert_string_equal(field_str(e, PC_USER_NAME, got, sizeof(got)), "root");
	assert_int_equal(extra_get(e, "Cwd", &v), 0);
	assert_int_equal(v.len, 4);
	assert_memory_equal(v.s, "/tmp", 4);
	assert_int_not_equal(extra_get(e, "ArgvTruncated", &v), 0);

	assert_int_equal(count_pid(EVENT_PROCESS_TERMINATE, pid, &e), 1);
	assert_int_equal(field_int(e, PT_EXIT_STATUS), 7);
	assert_string_equal(field_str(e, PT_EXECUTABLE, got, sizeof(got)), sh);
}

static void test_killed(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "sleep 5", marker, NULL };
	const struct event *e;
	struct event_value v;
	pid_t pid;

	(void)state;
	sink_clear();
	pid = spawn(argv, NULL);
	assert_non_null(wait_pid(EVENT_PROCESS_CREATE, pid));
	kill(pid, SIGKILL);
	assert_true(WIFSIGNALED(reap(pid)));
	e = wait_pid(EVENT_PROCESS_TERMINATE, pid);
	assert_non_null(e);
	assert_int_equal(field_int(e, PT_EXIT_STATUS), 128 + SIGKILL);
	assert_int_equal(extra_get(e, "Signal", &v), 0);
}

static void test_long_argv(void **state)
{
	static char big[600][2048];
	char *argv[610], got[PROCESS_ARGS_MAX + 64];
	const struct event *e;
	struct event_value v;
	size_t n = 0;
	pid_t pid;

	(void)state;
	sink_clear();
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = "sleep 1";
	argv[n++] = marker;
	for (size_t i = 0; i < 500; i++) {
		memset(big[i], 'a' + (int)(i % 26), sizeof(big[i]) - 1);
		argv[n++] = big[i];
	}
	argv[n] = NULL;
	pid = spawn(argv, NULL);
	e = wait_pid(EVENT_PROCESS_CREATE, pid);
	reap(pid);
	assert_non_null(e);
	field_str(e, PC_COMMAND_LINE, got, sizeof(got));
	assert_int_equal(strlen(got), PROCESS_ARGS_MAX);
	assert_int_equal(extra_get(e, "ArgvTruncated", &v), 0);
}

/* A process reaped before its exec was read: counted, no event, no error. */
static void test_vanished(void **state)
{
	char *argv[] = { "/bin/true", marker, NULL };
	uint64_t vanished0 = process_cnproc_vanished(col), errors0 = col->stats.errors;
	pid_t pid;

	(void)state;
	sink_clear();
	pid = spawn(argv, NULL);
	assert_int_equal(WEXITSTATUS(reap(pid)), 0);
	assert_non_null(wait_pid(EVENT_PROCESS_TERMINATE, pid));
	settle();
	assert_int_equal(count_pid(EVENT_PROCESS_CREATE, pid, NULL), 0);
	assert_true(process_cnproc_vanished(col) > vanished0);
	assert_int_equal(col->stats.errors, errors0);
}

static void test_state(void **state)
{
	(void)state;
	assert_int_equal(col->state, COLLECTOR_STATE_DEGRADED);
	assert_non_null(strstr(col->last_error, "ConnectionCreate is not available"));
	assert_non_null(process_capture_describe(col));
	assert_memory_equal(process_capture_describe(col), "cnproc", 6);
}

/* The capture parameter: an unknown name is refused and said so; auto takes the best. */
static void test_capture_select(void **state)
{
	struct collector_params p = { .sink = &tsink.sink, .host_root = "/", .capture = "bogus" };
	struct collector *c;
	const char *how;

	(void)state;
	assert_int_equal(collector_new(&process_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), -EINVAL);
	assert_int_equal(c->state, COLLECTOR_STATE_FAILED);
	assert_non_null(strstr(c->last_error, "unknown capture \"bogus\""));
	assert_int_equal(collector_get_fd(c), -1);
	collector_free(c);

	p.capture = NULL; /* = auto */
	assert_int_equal(collector_new(&process_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	how = process_capture_describe(c);
	assert_non_null(how);
	print_message("auto: %s (state %s)\n", how, collector_state_to_string(c->state));
	/* eBPF when it works; otherwise the reasons it did not are in the description. */
	if (strncmp(how, "ebpf", 4) != 0)
		assert_non_null(strstr(how, "ebpf: "));
	assert_true(collector_get_fd(c) >= 0);
	collector_stop(c);
	collector_free(c);
}

#define BURST 4000
#define BURST_INFLIGHT 32

/* Every exec is reported, counted as vanished, or counted as lost in the kernel. */
static void test_burst(void **state)
{
	char tag[96], *argv[] = { "/bin/true", tag, NULL };
	uint64_t lost0 = col->stats.lost, van0 = process_cnproc_vanished(col), lost, van;
	unsigned inflight = 0, executed = 0;

	(void)state;
	sink_clear();
	snprintf(tag, sizeof(tag), "burst-%s", marker);
	tsink.count_marker = tag;
	for (unsigned i = 0; i < BURST; i++) {
		pid_t pid;

		while (inflight >= BURST_INFLIGHT && waitpid(-1, NULL, WNOHANG) <= 0)
			pump_once(1);
		while (inflight && waitpid(-1, NULL, WNOHANG) > 0)
			inflight--;
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0) {
			executed++;
			inflight++;
		}
		pump_once(0);
	}
	while (inflight && waitpid(-1, NULL, 0) > 0)
		inflight--;
	settle();
	lost = col->stats.lost - lost0;
	van = process_cnproc_vanished(col) - van0;
	print_message("burst: executed %u, captured %" PRIu64 ", vanished %" PRIu64
		      ", lost in kernel %" PRIu64 "\n",
		      executed, tsink.counted, van, lost);
	tsink.count_marker = NULL;
	assert_int_equal(executed, BURST);
	assert_true(tsink.counted <= executed);
	/* vanished and lost may include other processes of the machine. */
	assert_true(tsink.counted + van + lost >= executed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state),	       cmocka_unit_test(test_exec_exit),
		cmocka_unit_test(test_killed),	       cmocka_unit_test(test_long_argv),
		cmocka_unit_test(test_vanished),       cmocka_unit_test(test_burst),
		cmocka_unit_test(test_capture_select),
	};
	struct collector_params p = { .sink = &tsink.sink, .host_root = "/", .capture = "cnproc" };
	int r;

	if (geteuid() != 0) {
		printf("SKIP: the proc connector needs root\n");
		return 77;
	}
	tsink.sink.submit = sink_submit;
	snprintf(marker, sizeof(marker), "edgesec-marker-%d-%ld", getpid(), (long)time(NULL));
	if (collector_new(&process_collector_ops, &p, &col) < 0)
		return 1;
	r = collector_start(col);
	if (r == -EPROTONOSUPPORT || r == -EOPNOTSUPP) {
		printf("SKIP: no proc connector: %s\n", col->last_error);
		collector_free(col);
		return 77;
	}
	if (r < 0) {
		printf("collector_start: %s (%s)\n", strerror(-r), col->last_error);
		return 1;
	}
	printf("capture: %s; state %s\n", process_capture_describe(col),
	       collector_state_to_string(col->state));
	r = cmocka_run_group_tests(tests, NULL, NULL);
	sink_clear();
	collector_stop(col);
	collector_free(col);
	return r;
}
