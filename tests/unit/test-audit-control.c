/* SPDX-License-Identifier: MIT */
/*
 * The shared audit state (audit/audit-control.c) against the real kernel, root only: the
 * first reference enables audit (when it was off) with backlog_wait_time 0, a second one
 * changes nothing, the state is restored only when the last is released; another process is
 * refused while we hold it; a reader socket receives a user message we send (the way PAM's
 * records arrive) through audit_control_read(), which does not parse a datagram another local
 * process unicasts to the reader.  The state is checked with the test's own netlink requests.
 *
 * Exits 77 only when kernel audit cannot exist here: not root, no CONFIG_AUDIT
 * (EPROTONOSUPPORT), or a network namespace where audit is refused (ECONNREFUSED).
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
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>

#include <cmocka.h>

#include "audit-test-lock.h"

#include "audit/audit-control.h"
#include "host/host.h"

static struct audit_status before;
static int run_dir = -1; /* the host's /run/edgesec: the lock is its audit.lock */
static char self_path[4096];
static char *child_argv[] = { self_path, "--child-acquire", NULL };
extern char **environ;

/* AUDIT_GET on a socket of our own. */
static int status_get(struct audit_status *st)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT), r = -ENOMSG;

	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(buf, 0, NLMSG_SPACE(0));
	nlh->nlmsg_len = NLMSG_LENGTH(0);
	nlh->nlmsg_type = AUDIT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	if (sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		r = -errno;
		goto out;
	}
	for (int i = 0; i < 8; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			r = -errno;
			break;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			r = e->error;
			if (r)
				break;
			continue;
		}
		if (nlh->nlmsg_type == AUDIT_GET) {
			memset(st, 0, sizeof(*st));
			memcpy(st, NLMSG_DATA(nlh), sizeof(*st));
			r = 0;
			break;
		}
	}
out:
	close(fd);
	return r;
}

static void test_refcount_and_restore(void **state)
{
	struct audit_status st;
	char err[160];

	(void)state;
	assert_int_equal(audit_control_acquire(run_dir, err, sizeof(err)), 0);
	assert_int_equal(audit_control_users(), 1);
	assert_int_equal(status_get(&st), 0);
	assert_int_not_equal(st.enabled, 0);
	if (!before.enabled) {
		assert_true(audit_control_enabled_by_us());
		assert_int_equal(st.backlog_wait_time, 0);
		assert_true(st.backlog_limit >= 8192);
	} else {
		assert_false(audit_control_enabled_by_us());
		assert_int_equal(st.backlog_wait_time, before.backlog_wait_time);
	}
	assert_int_equal(audit_control_acquire(run_dir, err, sizeof(err)), 0);
	assert_int_equal(audit_control_users(), 2);
	audit_control_release();
	assert_int_equal(audit_control_users(), 1);
	assert_int_equal(status_get(&st), 0);
	assert_int_not_equal(st.enabled, 0); /* the other user still holds it */
	audit_control_release();
	assert_int_equal(audit_control_users(), 0);
	assert_int_equal(status_get(&st), 0);
	assert_int_equal(st.enabled, before.enabled);
	assert_int_equal(st.backlog_wait_time, before.backlog_wait_time);
	assert_int_equal(st.backlog_limit, before.backlog_limit);
	audit_control_release(); /* one too many: ignored */
	assert_int_equal(audit_control_users(), 0);
	assert_int_equal(
		audit_control_request(AUDIT_GET, &st, sizeof(st), AUDIT_GET, &st, sizeof(st)),
		-EBADF); /* no control socket without a reference */
}

static void test_other_process_refused(void **state)
{
	char err[160];
	int status;
	pid_t pid;

	(void)state;
	if (access("/run", W_OK) < 0)
		skip(); /* no /run: no lock is taken */
	assert_int_equal(audit_control_acquire(run_dir, err, sizeof(err)), 0);
	/* A fresh process (this binary again): it must be refused, not share our state. */
	assert_int_equal(posix_spawn(&pid, self_path, NULL, NULL, child_argv, environ), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	audit_control_release();
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* audit_control_read()'s on_record: finds the marker among USER_AUTH records. */
struct marker_search {
	const char *marker;
	int found;
	int records;
};

static void find_marker(void *ctx, unsigned type, const char *text, size_t len)
{
	struct marker_search *m = ctx;
	size_t mlen = strlen(m->marker);

	m->records++;
	if (type != 1100)
		return;
	for (size_t i = 0; i + mlen <= len; i++)
		if (memcmp(text + i, m->marker, mlen) == 0)
			m->found = 1;
}

/* One USER_AUTH message, as PAM sends it, from a socket of our own to `to`. */
static void send_user_auth(const struct sockaddr_nl *to, const char *text)
{
	char buf[512] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int tx = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	assert_true(tx >= 0);
	assert_true(NLMSG_SPACE(strlen(text) + 1) <= sizeof(buf));
	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(strlen(text) + 1);
	nlh->nlmsg_type = 1100; /* USER_AUTH */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	memcpy(NLMSG_DATA(nlh), text, strlen(text) + 1);
	assert_true(sendto(tx, buf, nlh->nlmsg_len, 0, (const struct sockaddr *)to, sizeof(*to)) >
		    0);
	close(tx);
}

static void test_reader_gets_user_messages(void **state)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct audit_read_counts counts = { 0 };
	char marker[64], err[160];
	struct marker_search search = { marker, 0, 0 };
	int reader;

	(void)state;
	assert_int_equal(audit_control_acquire(run_dir, err, sizeof(err)), 0);
	reader = audit_control_open_reader(1 << 20, err, sizeof(err));
	assert_true(reader >= 0);
	snprintf(marker, sizeof(marker), "op=edgesec-test-%d res=success", getpid());
	send_user_auth(&kernel, marker);
	for (int i = 0; i < 100 && !search.found; i++) {
		struct pollfd pfd = { .fd = reader, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0)
			audit_control_read(reader, 64, find_marker, &search, &counts);
	}
	close(reader);
	audit_control_release();
	assert_true(search.found);
	assert_int_equal(counts.errors, 0);
	assert_int_equal(counts.foreign, 0);
}

/* A local process can unicast to the reader's port id: counted, never parsed as a record. */
static void test_reader_ignores_other_senders(void **state)
{
	struct sockaddr_nl self = { 0 };
	socklen_t len = sizeof(self);
	struct audit_read_counts counts = { 0 };
	char marker[64], err[160];
	struct marker_search search = { marker, 0, 0 };
	struct pollfd pfd;
	int reader;

	(void)state;
	assert_int_equal(audit_control_acquire(run_dir, err, sizeof(err)), 0);
	reader = audit_control_open_reader(1 << 20, err, sizeof(err));
	assert_true(reader >= 0);
	assert_int_equal(getsockname(reader, (struct sockaddr *)&self, &len), 0);
	assert_int_not_equal(self.nl_pid, 0);
	snprintf(marker, sizeof(marker), "op=edgesec-forged-%d res=success", getpid());
	send_user_auth(&self, marker);
	pfd = (struct pollfd){ .fd = reader, .events = POLLIN };
	assert_true(poll(&pfd, 1, 2000) > 0);
	/* Kernel records may arrive too (the host is live); the forged one must not. */
	for (int i = 0; i < 10 && counts.foreign == 0; i++) {
		audit_control_read(reader, 64, find_marker, &search, &counts);
		(void)poll(&pfd, 1, 100);
	}
	close(reader);
	audit_control_release();
	assert_int_equal(counts.foreign, 1);
	assert_false(search.found);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refcount_and_restore),
		cmocka_unit_test(test_other_process_refused),
		cmocka_unit_test(test_reader_gets_user_messages),
		cmocka_unit_test(test_reader_ignores_other_senders),
	};
	struct host_context *host;
	char herr[160];
	int r;
	ssize_t n;

	if (host_context_open("/", 0, &host, herr, sizeof(herr)) < 0) {
		printf("FAIL: %s\n", herr);
		return 1;
	}
	run_dir = host_run_dir_open(host);
	host_context_free(host); /* the directory fd is all the lock needs */
	if (argc == 2 && strcmp(argv[1], "--child-acquire") == 0) {
		char err[160];

		r = audit_control_acquire(run_dir, err, sizeof(err));
		if (r == 0)
			audit_control_release();
		if (run_dir >= 0)
			close(run_dir);
		return r == -EBUSY && strstr(err, "another audit user") ? 0 : 1;
	}
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n <= 0) {
		printf("FAIL: /proc/self/exe\n");
		return 1;
	}
	self_path[n] = '\0';
	r = audit_test_begin(status_get, &before);
	if (r)
		return r;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	while (audit_control_users())
		audit_control_release(); /* after a failed assertion */
	if (run_dir >= 0)
		close(run_dir);
	return r;
}
