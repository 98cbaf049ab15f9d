/* SPDX-License-Identifier: MIT */
/*
 * The eBPF program wakes the agent at most every ~50 ms, not once per record
 * (process.bpf.c emit(), process-bpf.c sweep): 300 execs paced 1 ms apart, by a process alone
 * in a cgroup the program is told to watch (so the rest of the machine does not count), give
 * every exec and exit event in a few dozen reads of the ring, not hundreds; and the records
 * that came last, with no wakeup after them, arrive all the same (the sweep).  Root and a
 * writable cgroup v2 hierarchy (exit 77 otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/process/process-int.h"
#include "common/timeutil.h"

#include "test-cgroup.h"

#define EXECS 300

extern char **environ;

struct counting_sink {
	struct event_sink sink;
	unsigned n[_EVENT_TYPE_MAX];
};

static void count_submit(struct event_sink *s, struct event *e)
{
	((struct counting_sink *)s)->n[event_get_type(e)]++;
	event_free(e);
}

static char cgroup[256];

/* In the cgroup: EXECS execs of /bin/true, 1 ms apart. */
static void spawner(void)
{
	char procs[300], *argv[] = { "/bin/true", NULL };
	struct timespec gap = { 0, 1000 * 1000 };
	int cg;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	cg = open(procs, O_WRONLY | O_CLOEXEC);
	if (cg < 0 || write(cg, "0", 1) != 1)
		_exit(2);
	close(cg);
	for (unsigned i = 0; i < EXECS; i++) {
		pid_t pid;

		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0 ||
		    waitpid(pid, NULL, 0) != pid)
			_exit(3);
		nanosleep(&gap, NULL);
	}
	_exit(0);
}

static void test_batched_wakeups(void **state)
{
	struct counting_sink cs = { .sink.submit = count_submit };
	struct collector_params p = { .sink = &cs.sink, .host_root = "/", .capture = "ebpf" };
	struct collector *col = NULL;
	unsigned reads = 0;
	uint64_t end;
	int status, r;
	pid_t child;

	(void)state;
	assert_int_equal(collector_new(&process_collector_ops, &p, &col), 0);
	r = collector_start(col);
	if (r == -EOPNOTSUPP || r == -EPERM) {
		print_message("eBPF unavailable: %s\n", col->last_error);
		collector_free(col);
		skip();
	}
	assert_int_equal(r, 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		spawner();
	end = time_now_monotonic_ns() + 30 * NSEC_PER_SEC;
	while ((cs.n[EVENT_PROCESS_CREATE] < EXECS || cs.n[EVENT_PROCESS_TERMINATE] < EXECS + 1) &&
	       time_now_monotonic_ns() < end) {
		struct pollfd pfd = { .fd = collector_get_fd(col), .events = POLLIN };

		if (poll(&pfd, 1, 100) == 1) {
			collector_dispatch(col, (uint32_t)pfd.revents);
			reads++;
		}
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	print_message("%u execs, %u exits (the spawner's too) in %u reads of the ring; lost %llu\n",
		      cs.n[EVENT_PROCESS_CREATE], cs.n[EVENT_PROCESS_TERMINATE], reads,
		      (unsigned long long)col->stats.lost);
	/* everything, the last ones included (no wakeup came after them: the sweep read them) */
	assert_int_equal(cs.n[EVENT_PROCESS_CREATE], EXECS);
	assert_int_equal(cs.n[EVENT_PROCESS_TERMINATE], EXECS + 1);
	assert_int_equal(col->stats.lost, 0);
	/* a wakeup per record would be ~600 reads over the ~0.4 s or more the execs take */
	assert_true(reads < EXECS / 4);
	collector_stop(col);
	collector_free(col);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batched_wakeups),
	};
	int r;

	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("SKIP: needs root and kernel BTF\n");
		return 77;
	}
	if (test_cgroup_make(cgroup, sizeof(cgroup), "wakeups", &process_bpf_only_cgroup_id) < 0) {
		printf("SKIP: no writable cgroup v2 hierarchy\n");
		return 77;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	process_bpf_only_cgroup_id = 0;
	rmdir(cgroup);
	return r;
}
