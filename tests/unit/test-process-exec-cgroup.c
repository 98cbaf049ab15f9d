/* SPDX-License-Identifier: MIT */
/*
 * Container attribution from the cgroup the eBPF exec program records (exec-path.c), on the
 * real kernel: children of a host process join a cgroup named like a Docker container's in the
 * hierarchy the program reads (chosen from /proc/cgroups, as the agent does), exec /bin/true
 * and exit; the collector reads their records only after all of them are gone, so /proc has
 * nothing left (and their parent is a host process): every one must still carry the
 * container, from the record alone.  Root, eBPF and a writable cgroup hierarchy of that kind;
 * exit 77 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
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
#include "common/alloc.h"
#include "common/fileio.h"
#include "common/timeutil.h"

#define EXECS 50
#define ID "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

extern char **environ;

static pid_t children[EXECS];
static char top[256], ctr[384];

struct sink {
	struct event_sink base;
	int pid_field;
	unsigned ours, in_container;
};

static bool is_child(int64_t pid)
{
	for (size_t i = 0; i < EXECS; i++)
		if (children[i] == pid)
			return true;
	return false;
}

/* Counts the children's ProcessCreate events and those with ContainerId ID. */
static void sink_submit(struct event_sink *s, struct event *e)
{
	struct sink *k = (struct sink *)s;
	struct event_cursor c;
	struct event_value v;
	bool ours = false, in = false;

	if (event_get_type(e) == EVENT_PROCESS_CREATE) {
		event_cursor_init(&c, e);
		while (event_cursor_next(&c, &v) == 1) {
			if (v.kind == EVENT_VALUE_FIELD && (int)v.field == k->pid_field)
				ours = is_child(v.i);
			if (v.kind == EVENT_VALUE_EXTRA && v.key_len == 11 &&
			    memcmp(v.key, "ContainerId", 11) == 0)
				in = v.len == 64 && memcmp(v.s, ID, 64) == 0;
		}
		k->ours += ours;
		k->in_container += ours && in;
	}
	event_free(e);
}

/* The hierarchy the exec program reads, as a directory: a v1 controller's, or cgroup v2's. */
static int hierarchy_dir(char *out, size_t size)
{
	static const char *const names[PROCESS_CGROUP_SOURCE_MAX] = {
		[PROCESS_CGROUP_SOURCE_PIDS] = "pids",
		[PROCESS_CGROUP_SOURCE_MEMORY] = "memory",
		[PROCESS_CGROUP_SOURCE_CPU] = "cpu",
		[PROCESS_CGROUP_SOURCE_CPUACCT] = "cpuacct",
		[PROCESS_CGROUP_SOURCE_DEVICES] = "devices",
		[PROCESS_CGROUP_SOURCE_FREEZER] = "freezer",
		[PROCESS_CGROUP_SOURCE_BLKIO] = "blkio",
		[PROCESS_CGROUP_SOURCE_CPUSET] = "cpuset",
	};
	enum process_cgroup_source src;
	char *text = NULL;
	size_t len = 0;

	if (read_file_capped("/proc/cgroups", 16384, &text, &len) < 0)
		return -ENOENT;
	src = process_cgroup_source_parse(text, len);
	es_free(text);
	if (src == PROCESS_CGROUP_SOURCE_DFL) {
		snprintf(out, size, "%s",
			 access("/sys/fs/cgroup/cgroup.procs", W_OK) == 0
				 ? "/sys/fs/cgroup"
				 : "/sys/fs/cgroup/unified");
		return 0;
	}
	if (src <= PROCESS_CGROUP_SOURCE_DFL || src >= PROCESS_CGROUP_SOURCE_MAX)
		return -ENOENT;
	snprintf(out, size, "/sys/fs/cgroup/%s", names[src]);
	return 0;
}

static int make_cgroups(void)
{
	char root[128];

	if (hierarchy_dir(root, sizeof(root)) < 0)
		return -ENOENT;
	snprintf(top, sizeof(top), "%s/edgesec-xc-%d", root, getpid());
	snprintf(ctr, sizeof(ctr), "%s/docker-%s.scope", top, ID);
	if (mkdir(top, 0755) < 0)
		return -errno;
	if (mkdir(ctr, 0755) < 0) {
		rmdir(top);
		return -errno;
	}
	return 0;
}

/* A child joins the container's cgroup and execs /bin/true; the parent does not wait. */
static pid_t run_in_container(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		char procs[400], *argv[] = { "true", NULL };
		int fd;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", ctr);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(2);
		close(fd);
		execve("/bin/true", argv, environ);
		_exit(3);
	}
	return pid;
}

static void test_container_from_record(void **state)
{
	struct sink k = { .base.submit = sink_submit,
			  .pid_field = event_field_lookup(EVENT_PROCESS_CREATE, "ProcessId") };
	struct collector_params p = { .sink = &k.base, .host_root = "/", .capture = "ebpf" };
	struct collector *col = NULL;
	uint64_t end;
	int r, status;

	(void)state;
	assert_true(k.pid_field >= 0);
	assert_int_equal(collector_new(&process_collector_ops, &p, &col), 0);
	r = collector_start(col);
	if (r == -EOPNOTSUPP || r == -EPERM) {
		print_message("eBPF unavailable: %s\n", col->last_error);
		collector_free(col);
		skip();
	}
	assert_int_equal(r, 0);
	/* All of them run and exit (and are reaped: no /proc entry) before a record is read. */
	for (size_t i = 0; i < EXECS; i++) {
		children[i] = run_in_container();
		assert_true(children[i] > 0);
	}
	for (size_t i = 0; i < EXECS; i++) {
		assert_int_equal(waitpid(children[i], &status, 0), children[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	end = time_now_monotonic_ns() + 30 * NSEC_PER_SEC;
	while (k.ours < EXECS && time_now_monotonic_ns() < end) {
		struct pollfd pfd = { .fd = collector_get_fd(col), .events = POLLIN };

		if (poll(&pfd, 1, 100) == 1)
			collector_dispatch(col, (uint32_t)pfd.revents);
	}
	print_message("%u execs seen, %u in the container (%llu from the record), %llu gone "
		      "before /proc could be read\n",
		      k.ours, k.in_container, (unsigned long long)process_container_at_exec(col),
		      (unsigned long long)process_container_vanished(col));
	assert_int_equal(k.ours, EXECS);
	assert_int_equal(k.in_container, EXECS);
	assert_true(process_container_at_exec(col) >= EXECS);
	collector_stop(col);
	collector_free(col);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_from_record),
	};
	int r;

	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("SKIP: needs root and kernel BTF\n");
		return 77;
	}
	if (make_cgroups() < 0) {
		printf("SKIP: no writable cgroup hierarchy of the kind the exec program reads\n");
		return 77;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(ctr);
	rmdir(top);
	return r;
}
