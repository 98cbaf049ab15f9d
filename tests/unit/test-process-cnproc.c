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
#include "process-test-harness.h"

static void test_exec_exit(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "sleep 1; exit 7", marker, NULL };
	const struct event *create = NULL, *terminate = NULL;
	char want[256], sh[PATH_MAX];
	pid_t pid;

	(void)state;
	sink_clear();
	pid = spawn(argv, "/tmp");
	assert_non_null(wait_pid(EVENT_PROCESS_CREATE, pid));
	assert_int_equal(WEXITSTATUS(reap(pid)), 7);
	assert_non_null(wait_pid(EVENT_PROCESS_TERMINATE, pid));
	settle();

	assert_int_equal(count_pid(EVENT_PROCESS_CREATE, pid, &create), 1);
	assert_int_equal(count_pid(EVENT_PROCESS_TERMINATE, pid, &terminate), 1);
	snprintf(want, sizeof(want), "/bin/sh -c sleep 1; exit 7 %s", marker);
	/* /proc/<pid>/exe: the resolved binary, not the path given to execve. */
	assert_non_null(realpath("/bin/sh", sh));
	assert_exit7_events(create, terminate, want, sh);
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
	(void)state;
	hostile_argv_check(assert_valid_json);
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

static void test_reverse_shell(void **state)
{
	(void)state;
	reverse_shell_check();
}

static void test_stdin_path(void **state)
{
	(void)state;
	stdin_path_check(false);
}

static void test_renamed_binary(void **state)
{
	/* Executable is /proc/<pid>/exe, the resolved binary (the shell): no Interpreter */
	(void)state;
	renamed_binary_check(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state),	      cmocka_unit_test(test_exec_exit),
		cmocka_unit_test(test_killed),	      cmocka_unit_test(test_long_argv),
		cmocka_unit_test(test_reverse_shell), cmocka_unit_test(test_renamed_binary),
		cmocka_unit_test(test_stdin_path),    cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_burst),	      cmocka_unit_test(test_capture_select),
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
