/* SPDX-License-Identifier: MIT */
/*
 * The process collector's audit backend against the real kernel (root only), "trigger and
 * assert" as in test-process-bpf.c: the collector runs with capture "audit" and a sink that
 * keeps events; the test execs, exits, connects and accepts, then polls the collector's fd
 * (with a deadline, never asserting on speed) until the event with the right pid arrives.
 *
 * It also checks what the backend does to the machine, with its own netlink requests (not
 * the backend's): our rules are listed (key "edgesec") while it runs and gone after stop, and
 * the audit "enabled" flag is what it was before.  The machine's audit state is restored
 * whatever happens (the collector is stopped before main returns).
 *
 * Exits 77 (skip) only when kernel audit cannot exist here: not root, a kernel without
 * CONFIG_AUDIT (EPROTONOSUPPORT), or a network namespace where audit is refused
 * (ECONNREFUSED).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
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
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>

#include <cmocka.h>

#include "audit-test-lock.h"

#include "collectors/collector.h"
#include "collectors/process/process-int.h"
#include "common/timeutil.h"
#include "process-test-harness.h"

/* ---- our own view of the kernel's audit state ---- */

static int nl_request(uint16_t type, void *out, size_t out_size,
		      bool (*each)(const void *, size_t, void *), void *arg)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct timeval tv = { .tv_sec = 2 };
	int fd, r = -ETIMEDOUT;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(buf, 0, NLMSG_SPACE(sizeof(struct audit_status)));
	nlh->nlmsg_len = NLMSG_LENGTH(type == AUDIT_GET ? sizeof(struct audit_status) : 0);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	if (sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		size_t rest;

		if (n < 0) {
			r = -errno;
			goto out;
		}
		rest = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rest);
		     nlh = NLMSG_NEXT(nlh, rest)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				r = 0;
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				r = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				goto out;
			}
			if (nlh->nlmsg_type != type)
				continue;
			if (out) {
				size_t len = nlh->nlmsg_len - NLMSG_HDRLEN;

				memset(out, 0, out_size);
				memcpy(out, NLMSG_DATA(nlh), len < out_size ? len : out_size);
				r = 0;
				goto out;
			}
			each(NLMSG_DATA(nlh), nlh->nlmsg_len - NLMSG_HDRLEN, arg);
		}
	}
out:
	close(fd);
	return r;
}

static int status_get(struct audit_status *st)
{
	return nl_request(AUDIT_GET, st, sizeof(*st), NULL, NULL);
}

/* Puts back what the backend should have restored (only after a failure). */
static void status_restore(const struct audit_status *before)
{
	char buf[NLMSG_SPACE(sizeof(struct audit_status))] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct audit_status st = *before;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0)
		return;
	st.mask =
		AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME;
	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(st));
	nlh->nlmsg_type = AUDIT_SET;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	memcpy(NLMSG_DATA(nlh), &st, sizeof(st));
	(void)sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
}

static bool rule_count_key(const void *data, size_t len, void *arg)
{
	const struct audit_rule_data *r = data;

	if (len >= sizeof(*r) && r->buflen <= len - sizeof(*r) &&
	    memmem(r->buf, r->buflen, "edgesec", 7))
		(*(unsigned *)arg)++;
	return true;
}

static unsigned rules_with_key(void)
{
	unsigned n = 0;

	assert_int_equal(nl_request(AUDIT_LIST_RULES, NULL, 0, rule_count_key, &n), 0);
	return n;
}

/* ---- exec / exit ---- */

static void test_exec_exit(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "exit 7", marker, NULL };
	const struct event *create = NULL, *terminate = NULL;
	char want[256];
	pid_t pid;

	(void)state;
	sink_clear();
	pid = spawn(argv, "/tmp");
	assert_int_equal(WEXITSTATUS(reap(pid)), 7);
	assert_non_null(wait_pid(EVENT_PROCESS_CREATE, pid));
	assert_non_null(wait_pid(EVENT_PROCESS_TERMINATE, pid));
	settle();

	assert_int_equal(count_pid(EVENT_PROCESS_CREATE, pid, &create), 1);
	assert_int_equal(count_pid(EVENT_PROCESS_TERMINATE, pid, &terminate), 1);
	snprintf(want, sizeof(want), "/bin/sh -c exit 7 %s", marker);
	assert_exit7_events(create, terminate, want, "/bin/sh");
}

/* Hex-encoded, quoted and split (aN_len, aN[i]) arguments, as the kernel writes them. */
static void test_argv_forms(void **state)
{
	static char big[20000];
	char *argv[] = { "/bin/echo", marker, "two words", "q\"uote", "nl\nx", big, "end", NULL };
	char *want, got[PROCESS_ARGS_MAX + 64];
	const struct event *e;
	struct event_value v;
	size_t off;
	pid_t pid;

	(void)state;
	sink_clear();
	memset(big, 'b', sizeof(big) - 1);
	pid = spawn(argv, NULL);
	reap(pid);
	e = wait_pid(EVENT_PROCESS_CREATE, pid);
	assert_non_null(e);
	want = malloc(PROCESS_ARGS_MAX + 64);
	assert_non_null(want);
	off = (size_t)snprintf(want, PROCESS_ARGS_MAX + 64, "/bin/echo %s two words q\"uote nl\nx ",
			       marker);
	/* the 20,000-byte argument (hex, split in chunks) is cut; "end" after it is kept */
	snprintf(want + off, PROCESS_ARGS_MAX + 64 - off,
		 "%.*s\xe2\x80\xa6[cut %u bytes]\xe2\x80\xa6%.*s end", PROCESS_ARG_HEAD, big,
		 (unsigned)(sizeof(big) - 1 - PROCESS_ARG_HEAD - (PROCESS_ARG_TAIL - 1)),
		 PROCESS_ARG_TAIL - 1, big);
	field_str(e, PC_COMMAND_LINE, got, sizeof(got));
	assert_string_equal(got, want);
	assert_int_equal(extra_get(e, "ArgvTruncated", &v), 0);
	free(want);
}

static void test_hostile_argv(void **state)
{
	(void)state;
	hostile_argv_check(assert_valid_json);
}

/* ---- TCP ---- */

static bool match_conn(const struct event *e, const struct conn_want *w)
{
	char s[64], num[16];

	if (event_get_type(e) != EVENT_CONNECTION_CREATE || field_int(e, CC_PROCESS_ID) != w->pid)
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

static size_t count_conn(const struct conn_want *w)
{
	size_t n = 0;

	for (size_t i = 0; i < tsink.n; i++)
		n += match_conn(tsink.ev[i], w);
	return n;
}

static bool wait_conn(const struct conn_want *w)
{
	uint64_t end = time_now_monotonic_ns() + DEADLINE_MS * NSEC_PER_MSEC;

	while (!count_conn(w) && time_now_monotonic_ns() < end)
		pump_once(100);
	return count_conn(w) > 0;
}

/* mode bit 0: non-blocking connect; bit 1: accept4; bit 2: accept with an address buffer. */
static void tcp_case(int family, int mode)
{
	const char *lo = family == AF_INET ? "127.0.0.1" : "::1";
	struct sockaddr_storage ss, peer;
	socklen_t sl = loopback(family, &ss, 0), pl = sizeof(peer);
	int l, cfd, afd, r;
	unsigned lport, cport;
	struct conn_want out, in;

	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(l, 8), 0);
	lport = sock_port(l, false);
	cfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | (mode & 1 ? SOCK_NONBLOCK : 0), 0);
	assert_true(cfd >= 0);
	sl = loopback(family, &ss, lport);
	r = connect(cfd, (struct sockaddr *)&ss, sl);
	if ((mode & 1) && r < 0) {
		struct pollfd p = { .fd = cfd, .events = POLLOUT };

		assert_int_equal(errno, EINPROGRESS);
		assert_int_equal(poll(&p, 1, DEADLINE_MS), 1);
	} else {
		assert_int_equal(r, 0);
	}
	cport = sock_port(cfd, false);
	if (mode & 2)
		afd = accept4(l, mode & 4 ? (struct sockaddr *)&peer : NULL, mode & 4 ? &pl : NULL,
			      SOCK_CLOEXEC);
	else
		afd = accept(l, mode & 4 ? (struct sockaddr *)&peer : NULL, mode & 4 ? &pl : NULL);
	assert_true(afd >= 0);
	assert_int_equal(sock_port(afd, true), cport);

	out = (struct conn_want){ "Out", "tcp", lo, lo, lport, cport, getpid() };
	in = (struct conn_want){ "In", "tcp", lo, lo, cport, lport, getpid() };
	/* The sockets stay open while we wait: their protocol and local end are looked up. */
	assert_true(wait_conn(&out));
	assert_true(wait_conn(&in));
	settle();
	assert_int_equal(count_conn(&out), 1);
	assert_int_equal(count_conn(&in), 1);
	close(afd);
	close(cfd);
	close(l);
}

static void test_tcp(void **state)
{
	const int families[] = { AF_INET, AF_INET6 };

	(void)state;
	for (size_t f = 0; f < 2; f++)
		for (int mode = 0; mode < 8; mode++) {
			sink_clear();
			tcp_case(families[f], mode);
		}
}

/* A connect on a SOCK_DGRAM socket is UDP, not "tcp". */
static void test_udp_connect(void **state)
{
	const int families[] = { AF_INET, AF_INET6 };

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		const char *lo = families[f] == AF_INET ? "127.0.0.1" : "::1";
		struct sockaddr_storage ss;
		socklen_t sl = loopback(families[f], &ss, 0);
		struct conn_want out;
		int rx, tx;
		unsigned rport;

		sink_clear();
		rx = socket(families[f], SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_true(rx >= 0);
		assert_int_equal(bind(rx, (struct sockaddr *)&ss, sl), 0);
		rport = sock_port(rx, false);
		tx = socket(families[f], SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_true(tx >= 0);
		sl = loopback(families[f], &ss, rport);
		assert_int_equal(connect(tx, (struct sockaddr *)&ss, sl), 0);
		out = (struct conn_want){ "Out",   "udp", lo, lo, rport, sock_port(tx, false),
					  getpid() };
		assert_true(wait_conn(&out));
		close(tx);
		close(rx);
	}
}

/* ---- machine state ---- */

static void test_rules_installed(void **state)
{
	(void)state;
	assert_true(rules_with_key() >= 5);
	assert_non_null(process_audit_describe(col));
	assert_non_null(process_capture_describe(col));
	assert_memory_equal(process_capture_describe(col), "audit", 5);
}

/* A second audit backend on the host is refused (it would restore our settings wrongly). */
static void test_second_instance(void **state)
{
	struct collector_params p = { .sink = &tsink.sink, .host_root = "/", .capture = "audit" };
	struct collector *c;

	(void)state;
	if (access("/run", W_OK) < 0)
		skip(); /* no /run: no lock is taken */
	assert_int_equal(collector_new(&process_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), -EBUSY);
	assert_non_null(strstr(c->last_error, "another audit backend"));
	collector_free(c);
	assert_true(rules_with_key() >= 5); /* ours are untouched */
}

#define BURST 10000

/*
 * Two spawner processes exec as fast as they can while this process only consumes: every
 * exec is reported, or counted as lost (kernel) or dropped (assembly).
 */
static void test_burst(void **state)
{
	char tag[96];
	uint64_t lost0, drop0 = process_audit_dropped(col), lost, drop, executed;

	(void)state;
	executed = burst_run(tag, sizeof(tag), BURST, &lost0);
	sleep(1); /* the kernel's lost counter is read at most every second */
	settle();
	lost = col->stats.lost - lost0;
	drop = process_audit_dropped(col) - drop0;
	print_message("burst: executed %" PRIu64 ", captured %" PRIu64 ", lost in kernel %" PRIu64
		      ", dropped %" PRIu64 "\n",
		      executed, tsink.counted, lost, drop);
	tsink.count_marker = NULL;
	assert_int_equal(executed, BURST);
	assert_true(tsink.counted <= executed);
	/* lost and dropped may include other processes' records. */
	assert_true(tsink.counted + lost + drop >= executed);
	if (lost == 0 && drop == 0)
		assert_int_equal(tsink.counted, executed);
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
	/* audit knows the task's resolved binary (SYSCALL exe): the shell /bin/sh points to */
	char *real = realpath("/bin/sh", NULL);

	(void)state;
	assert_non_null(real);
	renamed_binary_check(real);
	free(real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_installed),
		cmocka_unit_test(test_second_instance),
		cmocka_unit_test(test_exec_exit),
		cmocka_unit_test(test_argv_forms),
		cmocka_unit_test(test_hostile_argv),
		cmocka_unit_test(test_reverse_shell),
		cmocka_unit_test(test_renamed_binary),
		cmocka_unit_test(test_stdin_path),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp_connect),
		cmocka_unit_test(test_burst),
	};
	struct collector_params p = { .sink = &tsink.sink, .host_root = "/", .capture = "audit" };
	struct audit_status before, after;
	unsigned stale;
	int r, fails;

	r = audit_test_begin(status_get, &before);
	if (r)
		return r;
	stale = rules_with_key();
	tsink.sink.submit = sink_submit;
	snprintf(marker, sizeof(marker), "edgesec-marker-%d-%ld", getpid(), (long)time(NULL));
	if (collector_new(&process_collector_ops, &p, &col) < 0)
		return 1;
	r = collector_start(col);
	if (r < 0) {
		printf("collector_start: %s (%s)\n", strerror(-r), col->last_error);
		collector_free(col);
		return 1;
	}
	printf("capture: %s; %s; state %s; audit enabled=%u before\n",
	       process_capture_describe(col), process_audit_describe(col),
	       collector_state_to_string(col->state), before.enabled);
	fails = cmocka_run_group_tests(tests, NULL, NULL);
	sink_clear();
	collector_stop(col);
	collector_free(col);

	/* What the backend did to the machine is undone. */
	r = status_get(&after);
	printf("after stop: audit enabled=%u (before %u), backlog_wait_time=%u (before %u), "
	       "rules with key edgesec: %u (before %u)\n",
	       after.enabled, before.enabled, after.backlog_wait_time, before.backlog_wait_time,
	       rules_with_key(), stale);
	if (r < 0 || after.enabled != before.enabled ||
	    after.backlog_wait_time != before.backlog_wait_time ||
	    after.backlog_limit != before.backlog_limit || rules_with_key() != 0) {
		printf("FAIL: the audit state was not restored; restoring it here\n");
		status_restore(&before);
		return 1;
	}
	return fails;
}
