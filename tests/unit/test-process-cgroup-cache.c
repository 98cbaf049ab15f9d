/* SPDX-License-Identifier: MIT */
/*
 * Container attribution by cgroup id (eBPF backend): processes that join a container's cgroup
 * and exec, as runc's do, and exit at once, are reported with their container even though
 * their /proc is gone by the time their record is handled and their parent is a host
 * process; only the first exec in the cgroup reads /proc (the cache learns it, checked
 * against the cgroup directory's inode), the others are answered from the cache.  Root, eBPF
 * and a writable cgroup v2 hierarchy (the "unified" mount on a hybrid host, which the test
 * points the cache at); exit 77 otherwise.
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
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/process/process-int.h"
#include "common/timeutil.h"

#define EXECS 200
#define ID "feedface0123456789abcdef0123456789abcdef0123456789abcdef01234567"

extern char **environ;

struct sink {
	struct event_sink base;
	unsigned execs, in_container, other;
};

/* Counts ProcessCreate events and those with ContainerId ID. */
static void sink_submit(struct event_sink *s, struct event *e)
{
	struct sink *k = (struct sink *)s;
	struct event_cursor c;
	struct event_value v;
	bool in = false;

	if (event_get_type(e) == EVENT_PROCESS_CREATE) {
		k->execs++;
		event_cursor_init(&c, e);
		while (event_cursor_next(&c, &v) == 1)
			if (v.kind == EVENT_VALUE_EXTRA && v.key_len == 11 &&
			    memcmp(v.key, "ContainerId", 11) == 0)
				in = v.len == 64 && memcmp(v.s, ID, 64) == 0;
		if (in)
			k->in_container++;
		else
			k->other++;
	}
	event_free(e);
}

static char top[256], ctr[384];

static int make_cgroups(uint64_t *ret_id)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		if (statfs(roots[i], &fs) != 0 || (unsigned long)fs.f_type != 0x63677270ul)
			continue;
		snprintf(top, sizeof(top), "%s/edgesec-ctr-%d", roots[i], getpid());
		snprintf(ctr, sizeof(ctr), "%s/docker-%s.scope", top, ID);
		if (mkdir(top, 0755) < 0)
			continue;
		if (mkdir(ctr, 0755) == 0 && stat(ctr, &st) == 0) {
			process_cgroup_root = roots[i];
			*ret_id = st.st_ino;
			return 0;
		}
		rmdir(top);
	}
	return -ENOENT;
}

/* A child of the (host) spawner joins the container's cgroup, then execs. */
static void run_in_container(const char *path, const char *arg)
{
	char procs[400];
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { (char *)path, (char *)arg, NULL };
		int fd;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", ctr);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(2);
		close(fd);
		execve(path, argv, environ);
		_exit(3);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void spawner(void)
{
	/* the first stays long enough for its /proc to be read: the cache learns from it */
	run_in_container("/bin/sleep", "1");
	for (int i = 0; i < EXECS; i++)
		run_in_container("/bin/true", NULL);
	_exit(0);
}

static void test_container_by_cgroup_id(void **state)
{
	struct sink k = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &k.base, .host_root = "/", .capture = "ebpf" };
	struct cgroup_cache_stats st;
	struct collector *col = NULL;
	uint64_t end;
	pid_t child;
	int r;

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
	end = time_now_monotonic_ns() + 60 * NSEC_PER_SEC;
	while (k.execs < EXECS + 1 && time_now_monotonic_ns() < end) {
		struct pollfd pfd = { .fd = collector_get_fd(col), .events = POLLIN };

		if (poll(&pfd, 1, 100) == 1)
			collector_dispatch(col, (uint32_t)pfd.revents);
	}
	assert_int_equal(waitpid(child, NULL, 0), child);
	process_cgroup_cache_stats(col, &st);
	print_message("%u execs: %u in the container, %u not; cache hits %llu, misses %llu, "
		      "learned %llu, refused %llu\n",
		      k.execs, k.in_container, k.other, (unsigned long long)st.hits,
		      (unsigned long long)st.misses, (unsigned long long)st.learned,
		      (unsigned long long)st.refused);
	assert_int_equal(k.execs, EXECS + 1);
	assert_int_equal(k.in_container, EXECS + 1);
	assert_true(st.learned >= 1);
	assert_true(st.hits >= EXECS - 5);
	collector_stop(col);
	collector_free(col);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_by_cgroup_id),
	};
	int r;

	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("SKIP: needs root and kernel BTF\n");
		return 77;
	}
	if (make_cgroups(&process_bpf_only_cgroup_id) < 0) {
		printf("SKIP: no writable cgroup v2 hierarchy\n");
		return 77;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	process_bpf_only_cgroup_id = 0;
	rmdir(ctr);
	rmdir(top);
	return r;
}
