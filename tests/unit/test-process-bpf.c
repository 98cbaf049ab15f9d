/* SPDX-License-Identifier: MIT */
/*
 * The process collector's eBPF backend against the real kernel (root only), "trigger and
 * assert": the collector is started with a sink that keeps events, the test execs, exits,
 * connects and sends, then polls the collector's fd (with a deadline, never asserting on
 * speed) until the matching event with the right pid arrives.
 *
 * Exits 77 (skip) only when eBPF cannot work here: not root, no kernel BTF, a build without
 * the eBPF backend, or the kernel refusing BPF (EPERM).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/process/process-int.h"
#include "common/buf.h"
#include "common/json_write.h"
#include "common/timeutil.h"
#include "pipeline/format.h"
#include "process-test-harness.h"
#include "test-cgroup.h"

typedef bool (*event_match_fn)(const struct event *e, const void *arg);

static size_t count_matching(enum event_type t, event_match_fn fn, const void *arg,
			     const struct event **ret_first)
{
	size_t n = 0;

	for (size_t i = 0; i < tsink.n; i++)
		if (event_get_type(tsink.ev[i]) == t && fn(tsink.ev[i], arg)) {
			if (!n && ret_first)
				*ret_first = tsink.ev[i];
			n++;
		}
	return n;
}

/* Polls until an event of type t matches, or the deadline; returns it (or NULL). */
static const struct event *wait_event(enum event_type t, event_match_fn fn, const void *arg)
{
	uint64_t end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;
	const struct event *e = NULL;

	while (!count_matching(t, fn, arg, &e) && time_now_monotonic_ns() < end)
		pump_once(100);
	return e;
}

static bool match_pid(const struct event *e, const void *arg)
{
	unsigned field = event_get_type(e) == EVENT_CONNECTION_CREATE ? CC_PROCESS_ID
			 : event_get_type(e) == EVENT_PROCESS_CREATE  ? PC_PROCESS_ID
								      : PT_PROCESS_ID;

	return field_int(e, field) == *(const pid_t *)arg;
}

/* ---- exec / exit ---- */

static void test_exec_exit(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "exit 7", marker, NULL };
	const struct event *create = NULL, *terminate = NULL;
	char cmd[256];
	pid_t pid;

	(void)state;
	sink_clear();
	pid = spawn(argv, "/tmp");
	assert_int_equal(WEXITSTATUS(reap(pid)), 7);

	assert_non_null(wait_event(EVENT_PROCESS_CREATE, match_pid, &pid));
	assert_non_null(wait_event(EVENT_PROCESS_TERMINATE, match_pid, &pid));
	settle();
	assert_int_equal(count_matching(EVENT_PROCESS_CREATE, match_pid, &pid, &create), 1);
	assert_int_equal(count_matching(EVENT_PROCESS_TERMINATE, match_pid, &pid, &terminate), 1);
	snprintf(cmd, sizeof(cmd), "/bin/sh -c exit 7 %s", marker);
	assert_exit7_events(create, terminate, cmd, "/bin/sh");
	assert_valid_json(create);
	assert_valid_json(terminate);
}

static void test_exec_echo_relative(void **state)
{
	char *argv[] = { "./echo", "-n", marker, "two words", NULL };
	const struct event *e;
	char got[512], want[256];
	pid_t pid;

	(void)state;
	sink_clear();
	pid = spawn(argv, "/bin");
	assert_int_equal(WEXITSTATUS(reap(pid)), 0);
	e = wait_event(EVENT_PROCESS_CREATE, match_pid, &pid);
	assert_non_null(e);
	snprintf(want, sizeof(want), "./echo -n %s two words", marker);
	assert_string_equal(field_str(e, PC_COMMAND_LINE, got, sizeof(got)), want);
	/* A relative path is made absolute with the cwd. */
	field_str(e, PC_EXECUTABLE, got, sizeof(got));
	assert_true(strcmp(got, "/bin/./echo") == 0 || strcmp(got, "/usr/bin/./echo") == 0);
}

/* ---- hostile argv ---- */

static void test_hostile_argv(void **state)
{
	(void)state;
	hostile_argv_check(assert_valid_json);
}

/* ---- TCP ---- */

static bool match_conn(const struct event *e, const void *arg)
{
	const struct conn_want *w = arg;
	char s[64], num[16];

	if (field_int(e, CC_PROCESS_ID) != w->pid)
		return false;
	if (strcmp(field_str(e, CC_DIRECTION, s, sizeof(s)), w->direction) ||
	    strcmp(field_str(e, CC_PROTOCOL, s, sizeof(s)), w->protocol) ||
	    strcmp(field_str(e, CC_REMOTE_ADDRESS, s, sizeof(s)), w->raddr))
		return false;
	snprintf(num, sizeof(num), "%u", w->rport);
	if (strcmp(field_str(e, CC_REMOTE_PORT, s, sizeof(s)), num))
		return false;
	if (w->laddr && strcmp(field_str(e, CC_LOCAL_ADDRESS, s, sizeof(s)), w->laddr))
		return false;
	snprintf(num, sizeof(num), "%u", w->lport);
	return !w->lport || strcmp(field_str(e, CC_LOCAL_PORT, s, sizeof(s)), num) == 0;
}

static void tcp_case(int family, bool nonblock, bool use_accept4)
{
	const char *lo = family == AF_INET ? "127.0.0.1" : "::1";
	struct sockaddr_storage ss;
	socklen_t sl = loopback(family, &ss, 0);
	int l, cfd, afd, r;
	unsigned lport, cport;
	struct conn_want out, in;

	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(l, 8), 0);
	lport = sock_port(l, false);
	cfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	assert_true(cfd >= 0);
	sl = loopback(family, &ss, lport);
	r = connect(cfd, (struct sockaddr *)&ss, sl);
	if (nonblock && r < 0) {
		struct pollfd p = { .fd = cfd, .events = POLLOUT };

		assert_int_equal(errno, EINPROGRESS);
		assert_int_equal(poll(&p, 1, DEADLINE_MS), 1);
	} else {
		assert_int_equal(r, 0);
	}
	cport = sock_port(cfd, false);
	afd = use_accept4 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : accept(l, NULL, NULL);
	assert_true(afd >= 0);
	assert_int_equal(sock_port(afd, true), cport);

	out = (struct conn_want){ "Out", "tcp", lo, lo, lport, cport, getpid() };
	in = (struct conn_want){ "In", "tcp", lo, lo, cport, lport, getpid() };
	assert_non_null(wait_event(EVENT_CONNECTION_CREATE, match_conn, &out));
	assert_non_null(wait_event(EVENT_CONNECTION_CREATE, match_conn, &in));
	settle();
	assert_int_equal(count_matching(EVENT_CONNECTION_CREATE, match_conn, &out, NULL), 1);
	assert_int_equal(count_matching(EVENT_CONNECTION_CREATE, match_conn, &in, NULL), 1);
	close(afd);
	close(cfd);
	close(l);
}

static void test_tcp(void **state)
{
	const int families[] = { AF_INET, AF_INET6 };
	const struct event *e = NULL;
	char s[512];

	(void)state;
	for (size_t f = 0; f < 2; f++)
		for (int mode = 0; mode < 4; mode++) {
			sink_clear();
			tcp_case(families[f], mode & 1, mode & 2);
		}
	/* The process is named from /proc (it did not exec while the collector ran). */
	for (size_t i = 0; i < tsink.n && !e; i++)
		if (event_get_type(tsink.ev[i]) == EVENT_CONNECTION_CREATE &&
		    field_int(tsink.ev[i], CC_PROCESS_ID) == getpid())
			e = tsink.ev[i];
	assert_non_null(e);
	assert_non_null(strstr(field_str(e, CC_EXECUTABLE, s, sizeof(s)), "test-process-bpf"));
	assert_non_null(strstr(field_str(e, CC_COMMAND_LINE, s, sizeof(s)), "test-process-bpf"));
	assert_valid_json(e);
}

/* ---- TCP listen ---- */

struct listen_want {
	const char *addr; /* NULL: any */
	unsigned port;
	pid_t pid;
	const char *protocol; /* NULL: tcp */
};

static bool match_listen(const struct event *e, const void *arg)
{
	const struct listen_want *w = arg;
	char s[64], num[16];

	snprintf(num, sizeof(num), "%u", w->port);
	return field_int(e, LC_PROCESS_ID) == w->pid &&
	       (!w->addr || strcmp(field_str(e, LC_LOCAL_ADDRESS, s, sizeof(s)), w->addr) == 0) &&
	       strcmp(field_str(e, LC_LOCAL_PORT, s, sizeof(s)), num) == 0 &&
	       strcmp(field_str(e, LC_PROTOCOL, s, sizeof(s)), w->protocol ? w->protocol : "tcp") ==
		       0;
}

/* Any ListenerCreate of ours on this port, whatever the protocol and address. */
static bool match_listen_port(const struct event *e, const void *arg)
{
	const struct listen_want *w = arg;
	char s[64], num[16];

	snprintf(num, sizeof(num), "%u", w->port);
	return field_int(e, LC_PROCESS_ID) == w->pid &&
	       strcmp(field_str(e, LC_LOCAL_PORT, s, sizeof(s)), num) == 0;
}

/*
 * listen() on IPv4 and IPv6 loopback: one ListenerCreate each, with our pid, the address and
 * the port, and the process named; the socket is closed at once (a listener that lives far
 * less than any snapshot interval).
 */
static void test_listen(void **state)
{
	const int families[] = { AF_INET, AF_INET6 };
	const char *addrs[] = { "127.0.0.1", "::1" };
	char s[512];

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		struct sockaddr_storage ss;
		socklen_t sl = loopback(families[f], &ss, 0);
		struct listen_want w;
		const struct event *e;
		int l;

		sink_clear();
		l = socket(families[f], SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(l >= 0);
		assert_int_equal(bind(l, (struct sockaddr *)&ss, sl), 0);
		assert_int_equal(listen(l, 1), 0);
		w = (struct listen_want){ addrs[f], sock_port(l, false), getpid(), "tcp" };
		close(l);
		e = wait_event(EVENT_LISTENER_CREATE, match_listen, &w);
		assert_non_null(e);
		settle();
		assert_int_equal(count_matching(EVENT_LISTENER_CREATE, match_listen, &w, NULL), 1);
		assert_non_null(
			strstr(field_str(e, LC_EXECUTABLE, s, sizeof(s)), "test-process-bpf"));
		assert_valid_json(e);
	}
}

/* ---- UDP listeners (bind) ---- */

/* A UDP socket of family bound to loopback port 0 (the kernel picks it); its port. */
static int udp_bound(int family, unsigned *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t sl = loopback(family, &ss, 0);
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
	*ret_port = sock_port(fd, false);
	return fd;
}

/*
 * The quiet cases, on family: a UDP client that gets its port implicitly (sendto() on an
 * unbound socket, connect() + send()), a TCP socket bound but never listening, and a bind()
 * that fails (the port is taken): no ListenerCreate for any of them.  Checked after a mark_port
 * bind was reported, so a record the kernel made before it has been read too.
 */
static void udp_bind_quiet(int family)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned port[4], taken, mark_port;
	int fd[4], t, m;

	sink_clear();
	fd[0] = udp_bound(family, &taken); /* reported: the target of the clients */
	sl = loopback(family, &ss, taken);
	fd[1] = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(sendto(fd[1], "x", 1, 0, (struct sockaddr *)&ss, sl), 1);
	fd[2] = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(fd[2], (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(send(fd[2], "x", 1, 0), 1);
	fd[3] = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sl = loopback(family, &ss, 0);
	assert_int_equal(bind(fd[3], (struct sockaddr *)&ss, sl), 0);
	for (int k = 1; k < 4; k++)
		port[k] = sock_port(fd[k], false);
	t = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sl = loopback(family, &ss, taken);
	assert_int_equal(bind(t, (struct sockaddr *)&ss, sl), -1);
	close(t);
	m = udp_bound(family, &mark_port);
	assert_non_null(wait_event(EVENT_LISTENER_CREATE, match_listen,
				   &(struct listen_want){ NULL, mark_port, getpid(), "udp" }));
	settle();
	/* The clients' ports are UDP ports other than taken and the marker (all open at once). */
	for (int k = 1; k < 3; k++) {
		struct listen_want w = { NULL, port[k], getpid(), NULL };

		assert_int_equal(count_matching(EVENT_LISTENER_CREATE, match_listen_port, &w, NULL),
				 0);
	}
	/* The TCP port may have the number of a UDP one (other port space): tcp, then udp. */
	assert_int_equal(count_matching(EVENT_LISTENER_CREATE, match_listen,
					&(struct listen_want){ NULL, port[3], getpid(), "tcp" },
					NULL),
			 0);
	if (port[3] != taken && port[3] != mark_port)
		assert_int_equal(
			count_matching(EVENT_LISTENER_CREATE, match_listen_port,
				       &(struct listen_want){ NULL, port[3], getpid(), NULL },
				       NULL),
			0);
	assert_int_equal(count_matching(EVENT_LISTENER_CREATE, match_listen_port,
					&(struct listen_want){ NULL, taken, getpid(), NULL }, NULL),
			 1); /* the failed bind added nothing */
	for (int k = 0; k < 4; k++)
		close(fd[k]);
	close(m);
}

/*
 * bind() of a UDP socket on IPv4 and IPv6 loopback: one ListenerCreate each, Protocol udp,
 * with our pid, the address and the port the kernel chose, and the process named, though the
 * socket is closed at once; a datagram through it adds no second one.  Then the quiet cases.
 */
static void test_udp_bind(void **state)
{
	const int families[] = { AF_INET, AF_INET6 };
	const char *addrs[] = { "127.0.0.1", "::1" };
	const char *how = process_bpf_describe(col);
	char s[512];

	(void)state;
	assert_non_null(how);
	print_message("udp-bind: %s\n", strstr(how, "udp-bind:") ? strstr(how, "udp-bind:") : how);
	assert_null(strstr(how, "udp-bind:none"));
	for (size_t f = 0; f < 2; f++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		struct listen_want w = { addrs[f], 0, getpid(), "udp" };
		const struct event *e;
		int fd = udp_bound(families[f], &w.port);

		sink_clear();
		sl = loopback(families[f], &ss, w.port);
		assert_int_equal(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, sl), 1);
		close(fd);
		e = wait_event(EVENT_LISTENER_CREATE, match_listen, &w);
		assert_non_null(e);
		settle();
		assert_int_equal(count_matching(EVENT_LISTENER_CREATE, match_listen, &w, NULL), 1);
		assert_non_null(
			strstr(field_str(e, LC_EXECUTABLE, s, sizeof(s)), "test-process-bpf"));
		assert_valid_json(e);
		udp_bind_quiet(families[f]);
	}
}

/* ---- UDP ---- */

enum udp_mode {
	UDP_SENDTO,  /* sendto() with the address; recvfrom() with an address buffer */
	UDP_CONNECT, /* connect() + send(); recvfrom() with an address buffer */
	UDP_SENDMSG, /* sendmsg() with msg_name; recvmsg() with msg_name */
};

static void udp_send(int fd, enum udp_mode mode, const struct sockaddr_storage *ss, socklen_t sl)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = {
		.msg_name = (void *)ss, .msg_namelen = sl, .msg_iov = &iov, .msg_iovlen = 1
	};

	if (mode == UDP_CONNECT)
		assert_int_equal(send(fd, "x", 1, 0), 1);
	else if (mode == UDP_SENDMSG)
		assert_int_equal(sendmsg(fd, &m, 0), 1);
	else
		assert_int_equal(sendto(fd, "x", 1, 0, (const struct sockaddr *)ss, sl), 1);
}

static void udp_recv(int fd, enum udp_mode mode)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1
	};

	if (mode == UDP_SENDMSG)
		assert_int_equal(recvmsg(fd, &m, 0), 1);
	else
		assert_int_equal(recvfrom(fd, &c, 1, 0, (struct sockaddr *)&from, &fl), 1);
}

/*
 * Two sockets send 20 datagrams each to one receiver, which reads them all: one Out event
 * per sending socket (not per datagram, not per process) and one In event per peer of the
 * receiving socket, with the right addresses, ports and pid.
 */
static void udp_case(int family, enum udp_mode mode)
{
	const char *lo = family == AF_INET ? "127.0.0.1" : "::1";
	struct sockaddr_storage ss;
	socklen_t sl = loopback(family, &ss, 0);
	int rx, tx[2];
	unsigned rport, tport[2];

	rx = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(rx >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&ss, sl), 0);
	rport = sock_port(rx, false);
	sl = loopback(family, &ss, rport);
	for (int k = 0; k < 2; k++) {
		tx[k] = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_true(tx[k] >= 0);
		if (mode == UDP_CONNECT)
			assert_int_equal(connect(tx[k], (struct sockaddr *)&ss, sl), 0);
		for (int i = 0; i < 20; i++) {
			udp_send(tx[k], mode, &ss, sl);
			udp_recv(rx, mode);
		}
		tport[k] = sock_port(tx[k], false);
	}
	for (int k = 0; k < 2; k++) {
		struct conn_want out = { "Out", "udp", lo, NULL, rport, tport[k], getpid() };
		struct conn_want in = { "In", "udp", lo, lo, tport[k], rport, getpid() };

		assert_non_null(wait_event(EVENT_CONNECTION_CREATE, match_conn, &out));
		assert_non_null(wait_event(EVENT_CONNECTION_CREATE, match_conn, &in));
		settle();
		/* Once per (socket, peer) window, not per datagram. */
		assert_int_equal(count_matching(EVENT_CONNECTION_CREATE, match_conn, &out, NULL),
				 1);
		assert_int_equal(count_matching(EVENT_CONNECTION_CREATE, match_conn, &in, NULL), 1);
		close(tx[k]);
	}
	close(rx);
}

static void test_udp(void **state)
{
	(void)state;
	for (enum udp_mode mode = UDP_SENDTO; mode <= UDP_SENDMSG; mode++) {
		sink_clear();
		udp_case(AF_INET, mode);
		udp_case(AF_INET6, mode);
	}
}

/* ---- burst ---- */

#define BURST 20000

static void test_burst(void **state)
{
	char tag[96];
	uint64_t lost0, lost, executed;

	(void)state;
	executed = burst_run(tag, sizeof(tag), BURST, &lost0);
	settle();
	lost = col->stats.lost - lost0;
	print_message("burst: executed %" PRIu64 ", captured %" PRIu64 ", lost in kernel %" PRIu64
		      "\n",
		      executed, tsink.counted, lost);
	tsink.count_marker = NULL;
	assert_int_equal(executed, BURST);
	assert_true(tsink.counted <= executed);
	/* Every exec is reported or counted as dropped (lost may include other processes). */
	assert_true(tsink.counted + lost >= executed);
	if (lost == 0)
		assert_int_equal(tsink.counted, executed);
}

/* The classic tracepoint variants (the fallback without the BTF variants) on their own. */
static void test_classic_tracepoints(void **state)
{
	struct collector_params p = { .sink = &tsink.sink, .host_root = "/", .capture = "ebpf" };
	const char *how;

	collector_stop(col);
	col = collector_free(col);
	sink_clear();
	process_bpf_prefer_tracepoints = true;
	assert_int_equal(collector_new(&process_collector_ops, &p, &col), 0);
	assert_int_equal(collector_start(col), 0);
	how = process_bpf_describe(col);
	assert_non_null(how);
	print_message("classic: %s\n", how);
	assert_non_null(strstr(how, "exec:tracepoint exit:tracepoint tcp:tracepoint"));
	test_exec_exit(state);
	sink_clear();
	tcp_case(AF_INET, true, true);
	sink_clear();
	tcp_case(AF_INET6, false, false);
	sink_clear();
	udp_case(AF_INET, UDP_SENDTO);
	sink_clear();
	udp_case(AF_INET6, UDP_SENDMSG);
	test_listen(state); /* the same program as TCP out, through the classic tracepoint */
	assert_non_null(strstr(how, "udp-bind:tracepoint"));
	test_udp_bind(state); /* bind()'s syscall tracepoints */
}

/* ---- kernel loss per type ---- */

#define LOSS_EXECS 2000
#define LOSS_UDP_PEERS 300
#define LOSS_LISTENS 300
#define LOSS_UDP_BINDS 300
#define LOSS_RINGBUF 4096 /* one page: a handful of records */

/* A cgroup v2 directory of our own (hybrid layout: the "unified" mount), or "" if none. */
static char loss_cgroup_path[256];

/* Also after a failed assertion: knobs back to production values, the cgroup removed. */
static int loss_teardown(void **state)
{
	(void)state;
	process_bpf_ringbuf_bytes = 0;
	process_bpf_only_cgroup_id = 0;
	if (loss_cgroup_path[0])
		rmdir(loss_cgroup_path);
	loss_cgroup_path[0] = '\0';
	return 0;
}

/*
 * In the test cgroup: LOSS_UDP_PEERS datagrams to new peers (from a socket that gets its port
 * implicitly: no listener), LOSS_LISTENS TCP listeners (bind, listen, close: one listener
 * each, not two), LOSS_UDP_BINDS UDP listeners (bind, close), then LOSS_EXECS execs.
 */
static void loss_spawner(const char *cgroup, int fd)
{
	char procs[300], *argv[] = { "/bin/true", NULL };
	struct sockaddr_storage ss;
	uint64_t done[4] = { 0, 0, 0, 0 };
	int cg, s;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	cg = open(procs, O_WRONLY | O_CLOEXEC);
	if (cg < 0 || write(cg, "0", 1) != 1)
		_exit(2);
	close(cg);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (unsigned i = 0; i < LOSS_UDP_PEERS && s >= 0; i++) {
		socklen_t sl = loopback(AF_INET, &ss, 41000 + i);

		if (sendto(s, "x", 1, 0, (struct sockaddr *)&ss, sl) == 1)
			done[1]++;
	}
	for (unsigned i = 0; i < LOSS_LISTENS; i++) {
		socklen_t sl = loopback(AF_INET, &ss, 0);
		int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (l >= 0 && bind(l, (struct sockaddr *)&ss, sl) == 0 && listen(l, 1) == 0)
			done[2]++;
		if (l >= 0)
			close(l);
	}
	for (unsigned i = 0; i < LOSS_UDP_BINDS; i++) {
		socklen_t sl = loopback(AF_INET, &ss, 0);
		int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (u >= 0 && bind(u, (struct sockaddr *)&ss, sl) == 0)
			done[3]++;
		if (u >= 0)
			close(u);
	}
	for (unsigned i = 0; i < LOSS_EXECS; i++) {
		pid_t pid;

		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0 &&
		    waitpid(pid, NULL, 0) == pid)
			done[0]++;
	}
	_exit(write(fd, done, sizeof(done)) == sizeof(done) ? 0 : 1);
}

static void count_types(uint64_t n[_EVENT_TYPE_MAX])
{
	memset(n, 0, sizeof(uint64_t) * _EVENT_TYPE_MAX);
	for (size_t i = 0; i < tsink.n; i++)
		n[event_get_type(tsink.ev[i])]++;
}

/*
 * A one-page ring buffer that nobody reads while a process (alone in a cgroup the program is
 * told to watch, so other activity on the machine does not count) sends to 300 new UDP peers,
 * opens 300 TCP and 300 UDP listeners and runs 2,000 execs: for each type, events captured + kernel
 * losses of that type = what happened, exactly, and the losses are reported by type.
 */
static void test_loss_per_type(void **state)
{
	struct collector_params p = { .sink = &tsink.sink, .host_root = "/", .capture = "ebpf" };
	uint64_t done[4], n[_EVENT_TYPE_MAX], want[_EVENT_TYPE_MAX] = { 0 }, end;
	const struct collector_stats *st;
	char *cgroup = loss_cgroup_path;
	int fds[2], status;
	pid_t spawner;

	(void)state;
	if (test_cgroup_make(cgroup, sizeof(loss_cgroup_path), "process-loss",
			     &process_bpf_only_cgroup_id) < 0) {
		print_message("no writable cgroup v2 hierarchy: loss test not run\n");
		skip();
	}
	collector_stop(col);
	col = collector_free(col);
	sink_clear();
	process_bpf_prefer_tracepoints = false;
	process_bpf_ringbuf_bytes = LOSS_RINGBUF;
	assert_int_equal(collector_new(&process_collector_ops, &p, &col), 0);
	assert_int_equal(collector_start(col), 0);
	st = &col->stats;
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	spawner = fork();
	assert_true(spawner >= 0);
	test_pid_add(spawner); /* it never execs: its connections are ours all the same */
	if (spawner == 0)
		loss_spawner(cgroup, fds[1]);
	close(fds[1]);
	/* Nobody consumes until the spawner is done: the ring fills and stays full. */
	assert_int_equal(waitpid(spawner, &status, 0), spawner);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read(fds[0], done, sizeof(done)), sizeof(done));
	close(fds[0]);
	want[EVENT_PROCESS_CREATE] = done[0];
	want[EVENT_PROCESS_TERMINATE] = done[0] + 1; /* + the spawner itself */
	want[EVENT_CONNECTION_CREATE] = done[1];
	want[EVENT_LISTENER_CREATE] = done[2] + done[3]; /* TCP listens and UDP binds */
	end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;
	do {
		pump_once(100);
		count_types(n);
	} while ((n[EVENT_PROCESS_CREATE] + st->lost_by_type[EVENT_PROCESS_CREATE] <
			  want[EVENT_PROCESS_CREATE] ||
		  n[EVENT_PROCESS_TERMINATE] + st->lost_by_type[EVENT_PROCESS_TERMINATE] <
			  want[EVENT_PROCESS_TERMINATE] ||
		  n[EVENT_CONNECTION_CREATE] + st->lost_by_type[EVENT_CONNECTION_CREATE] <
			  want[EVENT_CONNECTION_CREATE] ||
		  n[EVENT_LISTENER_CREATE] + st->lost_by_type[EVENT_LISTENER_CREATE] <
			  want[EVENT_LISTENER_CREATE]) &&
		 time_now_monotonic_ns() < end);
	settle();
	count_types(n);
	print_message("loss: execs %" PRIu64 " = %" PRIu64 " captured + %" PRIu64
		      " lost; exits %" PRIu64 " = %" PRIu64 " + %" PRIu64 "; udp peers %" PRIu64
		      " = %" PRIu64 " + %" PRIu64 "; listens %" PRIu64 " = %" PRIu64 " + %" PRIu64
		      "; lost total %" PRIu64 "\n",
		      want[EVENT_PROCESS_CREATE], n[EVENT_PROCESS_CREATE],
		      st->lost_by_type[EVENT_PROCESS_CREATE], want[EVENT_PROCESS_TERMINATE],
		      n[EVENT_PROCESS_TERMINATE], st->lost_by_type[EVENT_PROCESS_TERMINATE],
		      want[EVENT_CONNECTION_CREATE], n[EVENT_CONNECTION_CREATE],
		      st->lost_by_type[EVENT_CONNECTION_CREATE], want[EVENT_LISTENER_CREATE],
		      n[EVENT_LISTENER_CREATE], st->lost_by_type[EVENT_LISTENER_CREATE], st->lost);
	assert_int_equal(done[0], LOSS_EXECS);
	assert_int_equal(done[1], LOSS_UDP_PEERS);
	assert_int_equal(done[2], LOSS_LISTENS);
	assert_int_equal(done[3], LOSS_UDP_BINDS);
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		assert_int_equal(n[t] + st->lost_by_type[t], want[t]);
	/* The ring was too small for all of it: losses of every type, nothing else. */
	assert_true(st->lost_by_type[EVENT_PROCESS_CREATE] > 0);
	assert_true(st->lost_by_type[EVENT_PROCESS_TERMINATE] > 0);
	assert_true(st->lost_by_type[EVENT_CONNECTION_CREATE] > 0);
	assert_true(st->lost_by_type[EVENT_LISTENER_CREATE] > 0);
	assert_int_equal(st->lost, st->lost_by_type[EVENT_PROCESS_CREATE] +
					   st->lost_by_type[EVENT_PROCESS_TERMINATE] +
					   st->lost_by_type[EVENT_CONNECTION_CREATE] +
					   st->lost_by_type[EVENT_LISTENER_CREATE]);
	assert_int_equal(st->skipped, 0);
}

static void test_reverse_shell(void **state)
{
	(void)state;
	reverse_shell_check();
}

static void test_stdin_path(void **state)
{
	(void)state;
	stdin_path_check(true); /* read in the kernel at exec */
}

static void test_renamed_binary(void **state)
{
	(void)state;
	renamed_binary_check("/bin/sh");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_exit),
		cmocka_unit_test(test_exec_echo_relative),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_udp_bind),
		cmocka_unit_test(test_hostile_argv),
		cmocka_unit_test(test_reverse_shell),
		cmocka_unit_test(test_renamed_binary),
		cmocka_unit_test(test_stdin_path),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_classic_tracepoints),
		cmocka_unit_test_teardown(test_loss_per_type, loss_teardown),
	};
	struct collector_params p = { .sink = &tsink.sink, .host_root = "/", .capture = "ebpf" };
	int r;

	if (geteuid() != 0) {
		printf("SKIP: eBPF needs root\n");
		return 77;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("SKIP: the kernel has no BTF (/sys/kernel/btf/vmlinux)\n");
		return 77;
	}
	tsink.sink.submit = sink_submit;
	snprintf(marker, sizeof(marker), "edgesec-marker-%d-%ld", getpid(), (long)time(NULL));
	if (collector_new(&process_collector_ops, &p, &col) < 0)
		return 1;
	r = collector_start(col);
	if (r == -EOPNOTSUPP || r == -EPERM) {
		printf("SKIP: eBPF unavailable: %s\n", col->last_error);
		collector_free(col);
		return 77;
	}
	if (r < 0) {
		printf("collector_start: %s (%s)\n", strerror(-r), col->last_error);
		return 1;
	}
	printf("attach points: %s; state %s %s\n", process_bpf_describe(col),
	       collector_state_to_string(col->state), col->last_error);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	sink_clear();
	if (col)
		collector_stop(col);
	collector_free(col);
	return r;
}
