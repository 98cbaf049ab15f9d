/* SPDX-License-Identifier: MIT */
/*
 * Kernel-audit control, shared within the process.  No auditd and no libaudit: the netlink
 * protocol is spoken here.
 *
 * Audit state is host-wide, and we restore what we change.  So:
 *  - one edgesec process per host touches it: a flock on <host root>/run/edgesec/audit.lock
 *    (the caller opens the host's run/edgesec through the host context, so a containerized
 *    agent and a host-installed one meet on the same file; created 0600 by root, so no other user
 * can open it to hold the lock) is held from the first acquire to the last release.  A second
 * instance would take our settings for the host's and restore them wrongly (and its rule clean-up
 * would delete ours).  When the directory cannot be opened (a module without the bind of the host's
 * /run/edgesec) no lock is taken and audit_control_lock_warning() says so.
 *  - inside the process the state is reference-counted: the process collector's audit
 *    backend and the login collector both hold it, and it is restored once, when the last one
 *    lets go.
 *
 * Enabling.  When audit is disabled (enabled=0, the boot default here) it is enabled for as
 * long as a reference is held.  If it is locked (enabled=2) nothing can be changed and
 * acquire fails (rules could not be added; records may still flow, but we cannot know).
 * Backlog waits: when the kernel's audit queue is full, a task that emits a record sleeps up
 * to backlog_wait_time before the record is dropped; with a slow reader that stalls every
 * exec on the host.  A monitor must never slow the host down, and we are a best-effort
 * multicast reader (the kernel does not wait for multicast readers anyway): so when we enable
 * audit ourselves we set backlog_wait_time to 0 (drop, counted in the kernel's "lost") and the
 * backlog limit to at least AUDIT_CONTROL_BACKLOG (auditd's usual 8192), and restore the
 * three values on the last release.  When someone else (auditd) has audit enabled, its
 * settings are its own and we touch none of them.
 *
 * Readers.  Records are read from the multicast group AUDIT_NLGRP_READLOG (needs
 * CAP_AUDIT_READ), never by registering as the audit daemon, so a running auditd keeps its
 * role and its records.  Each user opens its own reader socket (each gets every record) and
 * drains it with audit_control_read(), which parses only datagrams the kernel sent (a local
 * process can unicast to our port id; its datagrams are counted, never parsed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "audit-control.h"

#define AUDIT_CONTROL_BACKLOG 8192
#define AUDIT_CONTROL_REPLY_MAX 9000	/* a rule with its key, or a status */
#define AUDIT_CONTROL_MESSAGE_MAX 16384 /* one record: the kernel keeps them under ~9 KiB */

static struct {
	unsigned users;
	int lock; /* flock on the host's AUDIT_CONTROL_LOCK_NAME, or -1 */
	char lock_warning[240];
	int ctl; /* requests: AUDIT_GET/SET/ADD_RULE/DEL_RULE */
	uint32_t seq;
	bool enabled_by_us;
	struct audit_status prev; /* what we changed, to restore */
} ctl_state = { .lock = -1, .ctl = -1 };

static int audit_socket(int flags)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | flags, NETLINK_AUDIT);

	return fd < 0 ? -errno : fd;
}

int audit_control_request(uint16_t type, const void *data, size_t len, uint16_t reply, void *out,
			  size_t out_size)
{
	char buf[AUDIT_CONTROL_REPLY_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	uint32_t my_seq;

	if (ctl_state.ctl < 0)
		return -EBADF;
	if (NLMSG_SPACE(len) > sizeof(buf))
		return -EMSGSIZE;
	my_seq = ++ctl_state.seq;
	memset(buf, 0, NLMSG_SPACE(len));
	nlh->nlmsg_len = NLMSG_LENGTH(len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | (out ? 0 : NLM_F_ACK);
	nlh->nlmsg_seq = my_seq;
	memcpy(NLMSG_DATA(nlh), data, len);
	if (sendto(ctl_state.ctl, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(ctl_state.ctl, buf, sizeof(buf), 0, (struct sockaddr *)&from,
				     &flen);
		int rest; /* int: NLMSG_NEXT may step past an unpadded end */

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (from.nl_pid != 0)
			continue;
		rest = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rest);
		     nlh = NLMSG_NEXT(nlh, rest)) {
			size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;

			if (nlh->nlmsg_seq != my_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (plen < sizeof(*e))
					return -EBADMSG;
				if (e->error || !out)
					return e->error;
				continue;
			}
			if (out && nlh->nlmsg_type == reply) {
				memset(out, 0, out_size);
				memcpy(out, NLMSG_DATA(nlh), plen < out_size ? plen : out_size);
				return 0;
			}
		}
	}
}

int audit_control_get_status(struct audit_status *ret)
{
	struct audit_status st;
	int r;

	memset(&st, 0, sizeof(st));
	r = audit_control_request(AUDIT_GET, &st, sizeof(st), AUDIT_GET, &st, sizeof(st));
	if (r == 0)
		*ret = st;
	return r;
}

static int status_set(const struct audit_status *st)
{
	return audit_control_request(AUDIT_SET, st, sizeof(*st), 0, NULL, 0);
}

static void control_close(void)
{
	if (ctl_state.ctl >= 0)
		close(ctl_state.ctl);
	if (ctl_state.lock >= 0)
		close(ctl_state.lock); /* last: the state is restored */
	ctl_state.ctl = ctl_state.lock = -1;
	ctl_state.enabled_by_us = false;
}

/* The host's lock file in its run/edgesec directory: fd, or -errno. */
static int lock_open(int run_dirfd)
{
	int fd;

	if (run_dirfd < 0)
		return run_dirfd;
	fd = openat(run_dirfd, AUDIT_CONTROL_LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	return fd < 0 ? -errno : fd;
}

static int control_open(int run_dirfd, char *err, size_t err_size)
{
	struct timeval tv = { .tv_sec = 2 };
	struct audit_status st, set;
	int r;

	ctl_state.lock_warning[0] = '\0';
	ctl_state.lock = lock_open(run_dirfd);
	if (ctl_state.lock < 0) {
		snprintf(
			ctl_state.lock_warning, sizeof(ctl_state.lock_warning),
			"no host-wide audit lock (run/edgesec/%s below the host root: %s): another "
			"agent on this host could change audit at the same time",
			AUDIT_CONTROL_LOCK_NAME, strerror(-ctl_state.lock));
		ctl_state.lock = -1;
	} else if (flock(ctl_state.lock, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, err_size,
			 "another audit user runs on this host (run/edgesec/%s below the host "
			 "root): %s",
			 AUDIT_CONTROL_LOCK_NAME, strerror(-r));
		goto fail;
	}
	ctl_state.ctl = audit_socket(0);
	if (ctl_state.ctl < 0) {
		r = ctl_state.ctl;
		snprintf(err, err_size, "no kernel audit: %s", strerror(-r));
		goto fail;
	}
	(void)setsockopt(ctl_state.ctl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = audit_control_get_status(&st);
	if (r < 0) {
		snprintf(err, err_size, "cannot get the audit status: %s", strerror(-r));
		goto fail;
	}
	if (st.enabled == 2) {
		r = -EPERM;
		snprintf(err, err_size, "audit is locked (enabled=2): rules cannot be added");
		goto fail;
	}
	if (st.enabled)
		return 0;
	ctl_state.prev = st;
	memset(&set, 0, sizeof(set));
	set.mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_WAIT_TIME;
	set.enabled = 1;
	set.backlog_wait_time = 0; /* never make the host's tasks wait for the queue */
	if (st.backlog_limit < AUDIT_CONTROL_BACKLOG) {
		set.mask |= AUDIT_STATUS_BACKLOG_LIMIT;
		set.backlog_limit = AUDIT_CONTROL_BACKLOG;
	}
	r = status_set(&set);
	if (r < 0) {
		snprintf(err, err_size, "cannot enable audit: %s", strerror(-r));
		goto fail;
	}
	ctl_state.enabled_by_us = true;
	return 0;
fail:
	control_close();
	return r;
}

const char *audit_control_lock_warning(void)
{
	return ctl_state.lock_warning;
}

int audit_control_acquire(int run_dirfd, char *err, size_t err_size)
{
	int r;

	if (ctl_state.users == 0) {
		r = control_open(run_dirfd, err, err_size);
		if (r < 0)
			return r;
	}
	ctl_state.users++;
	return 0;
}

void audit_control_release(void)
{
	if (ctl_state.users == 0 || --ctl_state.users > 0)
		return;
	if (ctl_state.enabled_by_us) {
		ctl_state.prev.mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_WAIT_TIME |
				      AUDIT_STATUS_BACKLOG_LIMIT;
		(void)status_set(&ctl_state.prev);
	}
	control_close();
}

unsigned audit_control_users(void)
{
	return ctl_state.users;
}

bool audit_control_enabled_by_us(void)
{
	return ctl_state.enabled_by_us;
}

int audit_control_open_reader(int rcvbuf, char *err, size_t err_size)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	int fd = audit_socket(SOCK_NONBLOCK), r;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = fd < 0 ? fd : -errno;
		snprintf(err, err_size, "cannot join the audit read-log group: %s", strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

void audit_control_read(int fd, int max_datagrams, audit_record_fn *on_record, void *ctx,
			struct audit_read_counts *counts)
{
	char buf[AUDIT_CONTROL_MESSAGE_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (int i = 0; i < max_datagrams; i++) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		int rest; /* int: NLMSG_NEXT may step past an unpadded end */

		if (n < 0) {
			if (errno == ENOBUFS) {
				counts->overflows++;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				counts->errors++;
			break;
		}
		if (flen < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
			counts->foreign++;
			continue;
		}
		rest = (int)n;
		for (; NLMSG_OK(nlh, rest); nlh = NLMSG_NEXT(nlh, rest))
			on_record(ctx, nlh->nlmsg_type, NLMSG_DATA(nlh),
				  nlh->nlmsg_len - NLMSG_HDRLEN);
	}
}
