/* SPDX-License-Identifier: MIT */
/*
 * Kernel-audit capture backend of the process collector, for kernels where eBPF cannot be
 * used.  No auditd and no libaudit: the netlink protocol is spoken here.
 *
 * Coexistence.  Records are read from the multicast group AUDIT_NLGRP_READLOG (needs
 * CAP_AUDIT_READ), never by registering as the audit daemon, so a running auditd keeps its
 * role and its records.  We install only our own rules (exit filter, always, key "edgesec"):
 *   per ABI (x86_64 and i386, or aarch64 and arm):
 *     execve, execveat                       success=1
 *     connect, accept, accept4               success=1
 *     connect                                exit=-EINPROGRESS (non-blocking connects)
 *     exit_group                             (logged when the task exits inside it)
 * and on stop delete exactly those (AUDIT_DEL_RULE with the same rule data).  Rules with our
 * key left by a previous run that died are deleted before ours are added.
 *
 * Audit state (enabled, backlog_wait_time 0, backlog limit, the host-wide lock) is held
 * through src/audit/audit-control.c, shared with the login collector: it is acquired at start
 * and released at stop, and restored when the last user in the process releases it.
 * If audit is locked (enabled=2) rules cannot be added and the backend fails.
 *
 * Events.  Records of one event share the serial of their "audit(ts:serial)" stamp; they are
 * folded into an entry of a bounded assembly table (AUDIT_PENDING entries, allocated at start)
 * by the pure parser (audit-parse.c), and the event is emitted at its EOE record.  An entry
 * whose EOE never comes is flushed when the table is full (the oldest) or after
 * AUDIT_PENDING_AGE_MS.  Only messages from the kernel (nl_pid 0) are accepted.
 *   exec -> ProcessCreate (EXECVE argv, CWD, PATH item 0, PROCTITLE when EXECVE is missing)
 *   connect / accept / accept4 with an AF_INET(6) peer -> ConnectionCreate
 * The audit records carry neither the protocol nor the local address.  They are looked up
 * on the socket itself: pidfd_open + pidfd_getfd duplicate the process's fd for a moment,
 * getsockopt(SO_PROTOCOL) gives the real protocol (a connect on a SOCK_DGRAM socket is UDP),
 * getsockname the local end (getpeername the peer for accept(fd, NULL, NULL)).  When the fd
 * is already closed: accept is reported as tcp (accept only works on connection-oriented
 * sockets; SCTP would be mislabelled), connect as "unknown" — honest rather than guessed.
 *
 * Loss.  stats.lost = growth of the kernel's audit "lost" counter since start (read with
 * AUDIT_GET at most every second, kernel-wide: it may include other processes' records) +
 * receive-buffer overflows of our socket (ENOBUFS: at least one record each).  Events lost
 * in assembly (table full, malformed records) are counted by process_audit_dropped() and in
 * stats.skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>

#include "audit-parse.h"
#include "audit/audit-control.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/timeutil.h"
#include "host/host.h"
#include "process-int.h"

#define AUDIT_KEY "edgesec"
#define AUDIT_RCVBUF (8 << 20)
#define AUDIT_PENDING 32
#define AUDIT_PENDING_AGE_MS 2000
#define AUDIT_BATCH 2048
#define AUDIT_LOST_PERIOD_MS 1000
#define AUDIT_RULES_MAX 8

#if defined(__x86_64__)
static const uint32_t audit_arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 };
#elif defined(__aarch64__)
static const uint32_t audit_arches[] = { AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM };
#else
static const uint32_t audit_arches[] = { 0 };
#endif

struct audit_rule_buf {
	struct audit_rule_data r;
	char key[sizeof(AUDIT_KEY)];
};

struct audit_pending {
	bool used;
	uint64_t created_ms; /* monotonic */
	struct audit_event ev;
};

struct audit_state {
	bool control_held; /* a reference on the shared audit state (audit-control.c) */
	int read;	   /* multicast records */
	struct audit_rule_buf rules[AUDIT_RULES_MAX];
	size_t n_rules;
	uint32_t lost0, lost; /* kernel counter at start / last read */
	uint64_t overflows;   /* ENOBUFS on our socket */
	uint64_t dropped;     /* events lost in assembly */
	uint64_t lost_read_ms;
	int64_t realtime_to_boot_ns;
	struct audit_pending pending[AUDIT_PENDING];
	char describe[192];
};

/* One audit backend per process: a second one would add the same rules and delete them. */
static bool audit_backend_running;

/* ---- netlink requests (on the shared control socket) ---- */

static int audit_status_get(struct audit_status *ret)
{
	return audit_control_get_status(ret);
}

/* ---- rules ---- */

static void rule_field(struct audit_rule_data *r, uint32_t field, uint32_t value)
{
	r->fields[r->field_count] = field;
	r->values[r->field_count] = value;
	r->fieldflags[r->field_count] = AUDIT_EQUAL;
	r->field_count++;
}

/* One rule: the syscalls of the given kinds on arch, an extra field, and our key. */
static int rule_add_to_list(struct audit_state *a, uint32_t arch, const enum audit_kind *kinds,
			    size_t n_kinds, uint32_t field, uint32_t value)
{
	struct audit_rule_buf *b;
	uint32_t nrs[8];
	size_t n = 0;

	for (size_t k = 0; k < n_kinds; k++)
		n += audit_syscalls_of(arch, kinds[k], nrs + n, 8 - n);
	if (!n || a->n_rules >= AUDIT_RULES_MAX)
		return -ENOENT;
	b = &a->rules[a->n_rules++];
	memset(b, 0, sizeof(*b));
	b->r.flags = AUDIT_FILTER_EXIT;
	b->r.action = AUDIT_ALWAYS;
	for (size_t i = 0; i < n; i++)
		b->r.mask[nrs[i] / 32] |= 1u << (nrs[i] % 32);
	rule_field(&b->r, AUDIT_ARCH, arch);
	if (field)
		rule_field(&b->r, field, value);
	rule_field(&b->r, AUDIT_FILTERKEY, sizeof(AUDIT_KEY) - 1);
	memcpy(b->key, AUDIT_KEY, sizeof(AUDIT_KEY) - 1);
	b->r.buflen = sizeof(AUDIT_KEY) - 1;
	return 0;
}

static void rules_build(struct audit_state *a)
{
	static const enum audit_kind exec[] = { AUDIT_KIND_EXEC };
	static const enum audit_kind net[] = { AUDIT_KIND_CONNECT, AUDIT_KIND_ACCEPT };
	static const enum audit_kind conn[] = { AUDIT_KIND_CONNECT };
	static const enum audit_kind leave[] = { AUDIT_KIND_EXIT };

	for (size_t i = 0; i < ARRAY_SIZE(audit_arches); i++) {
		(void)rule_add_to_list(a, audit_arches[i], exec, 1, AUDIT_SUCCESS, 1);
		(void)rule_add_to_list(a, audit_arches[i], net, 2, AUDIT_SUCCESS, 1);
		(void)rule_add_to_list(a, audit_arches[i], conn, 1, AUDIT_EXIT,
				       (uint32_t)-EINPROGRESS);
		(void)rule_add_to_list(a, audit_arches[i], leave, 1, 0, 0);
	}
}

static size_t rule_size(const struct audit_rule_buf *b)
{
	return sizeof(b->r) + b->r.buflen;
}

/* Adds the rules; the ones of the native ABI (the first four) are required. */
static int rules_install(struct collector *c, struct audit_state *a, size_t *ret_added)
{
	size_t added = 0;
	int r;

	for (size_t i = 0; i < a->n_rules; i++) {
		/* A rule of ours left by a run that died: delete it first (ENOENT is normal). */
		(void)audit_control_request(AUDIT_DEL_RULE, &a->rules[i], rule_size(&a->rules[i]),
					    0, NULL, 0);
		r = audit_control_request(AUDIT_ADD_RULE, &a->rules[i], rule_size(&a->rules[i]), 0,
					  NULL, 0);
		if (r < 0 && i < 4) {
			collector_set_error(c, COLLECTOR_STATE_FAILED,
					    "cannot add the audit rules: %s", strerror(-r));
			a->n_rules = i; /* delete only what was added */
			return r;
		}
		if (r < 0) {
			a->rules[i].r.field_count = 0; /* not ours to delete */
			continue;
		}
		added++;
	}
	*ret_added = added;
	return 0;
}

static void rules_remove(struct audit_state *a)
{
	for (size_t i = 0; i < a->n_rules; i++)
		if (a->rules[i].r.field_count)
			(void)audit_control_request(AUDIT_DEL_RULE, &a->rules[i],
						    rule_size(&a->rules[i]), 0, NULL, 0);
	a->n_rules = 0;
}

/* ---- connections: the protocol and the local end, from the socket itself ---- */

static int pidfd_getfd_dup(uint32_t pid, int fd)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0), sfd;

	if (pidfd < 0)
		return -errno;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (sfd < 0)
		sfd = -errno;
	close(pidfd);
	return sfd;
#else
	(void)pid, (void)fd;
	return -ENOSYS;
#endif
}

static void sock_addr_copy(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		memcpy(addr, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		memcpy(addr, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
	}
}

/* Fills protocol, local address and (when the record had none) the peer. */
static int conn_complete(const struct audit_event *ev, struct process_view *v)
{
	struct process_view_connect *n = &v->conn;
	int fd = audit_event_socket_fd(ev), sfd, proto = 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(proto);

	sfd = fd >= 0 ? pidfd_getfd_dup(ev->pid, fd) : -EBADF;
	if (sfd >= 0) {
		if (getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0)
			n->protocol = (uint8_t)proto;
		len = sizeof(ss);
		if (getsockname(sfd, (struct sockaddr *)&ss, &len) == 0 &&
		    (!n->family || ss.ss_family == n->family))
			sock_addr_copy(&ss, n->local_addr, &n->local_port);
		len = sizeof(ss);
		if (!n->family && getpeername(sfd, (struct sockaddr *)&ss, &len) == 0 &&
		    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
			n->family = ss.ss_family;
			sock_addr_copy(&ss, n->remote_addr, &n->remote_port);
		}
		close(sfd);
	}
	if (!n->protocol && n->direction == PROCESS_DIRECTION_IN)
		n->protocol = IPPROTO_TCP; /* only connection-oriented sockets accept */
	/* A socket that is not TCP or UDP (SCTP, ...) is not ours to report. */
	if (n->protocol && n->protocol != IPPROTO_TCP && n->protocol != IPPROTO_UDP)
		return -ENOMSG;
	return n->family ? 0 : -ENOENT;
}

/* ---- assembly ---- */

static void event_finish(struct collector *c, struct audit_state *a, struct audit_pending *p)
{
	struct process_view v;

	p->used = false;
	if (audit_event_view(&p->ev, a->realtime_to_boot_ns, &v) < 0)
		return; /* not one of ours: another rule's event, a failed syscall, AF_UNIX */
	if (v.type == PROCESS_RECORD_CONNECT) {
		int r = conn_complete(&p->ev, &v);

		if (r == -ENOMSG)
			return;
		if (r < 0) {
			a->dropped++; /* accept without address, socket already closed */
			c->stats.skipped++;
			return;
		}
	}
	process_view_emit(c, &v);
}

static struct audit_pending *pending_get(struct collector *c, struct audit_state *a,
					 const struct audit_stamp *st, uint64_t now_ms)
{
	struct audit_pending *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < AUDIT_PENDING; i++) {
		struct audit_pending *p = &a->pending[i];

		if (!p->used) {
			if (!free_slot)
				free_slot = p;
			continue;
		}
		if (p->ev.stamp.serial == st->serial)
			return p;
		if (!oldest || p->ev.stamp.serial < oldest->ev.stamp.serial)
			oldest = p;
	}
	if (!free_slot) {
		event_finish(c, a, oldest); /* full: the oldest goes out with what it has */
		free_slot = oldest;
	}
	free_slot->used = true;
	free_slot->created_ms = now_ms;
	audit_event_init(&free_slot->ev, st);
	return free_slot;
}

static void pending_expire(struct collector *c, struct audit_state *a, uint64_t now_ms, bool all)
{
	for (size_t i = 0; i < AUDIT_PENDING; i++)
		if (a->pending[i].used &&
		    (all || now_ms - a->pending[i].created_ms > AUDIT_PENDING_AGE_MS))
			event_finish(c, a, &a->pending[i]);
}

static void record_handle(struct collector *c, struct audit_state *a, unsigned type,
			  const char *text, size_t len, uint64_t now_ms)
{
	struct audit_pending *p;
	struct audit_stamp st;
	size_t body;

	if (!audit_type_is_syscall_part(type))
		return; /* USER_*, CONFIG_CHANGE, ...: single records of other kinds */
	if (audit_stamp_parse(text, len, &st, &body) < 0) {
		c->stats.skipped++;
		return;
	}
	p = pending_get(c, a, &st, now_ms);
	if (audit_event_add(&p->ev, type, text + body, len - body) < 0) {
		c->stats.skipped++;
		if (type == AUDIT_SYSCALL) {
			p->used = false; /* the event cannot be identified */
			a->dropped++;
		}
		return;
	}
	if (type == AUDIT_EOE)
		event_finish(c, a, p);
}

static void lost_update(struct collector *c, struct audit_state *a, uint64_t now_ms, bool force)
{
	struct audit_status st;

	if (!force && now_ms - a->lost_read_ms < AUDIT_LOST_PERIOD_MS)
		return;
	a->lost_read_ms = now_ms;
	if (audit_status_get(&st) == 0)
		a->lost = st.lost;
	c->stats.lost = (uint64_t)(uint32_t)(a->lost - a->lost0) + a->overflows;
}

/* ---- backend ops ---- */

static uint64_t now_ms(void)
{
	return time_now_monotonic_ns() / NSEC_PER_MSEC;
}

static void audit_stop(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct audit_state *a = s->backend_state;

	if (!a)
		return;
	if (a->control_held) {
		rules_remove(a);
		if (a->read >= 0)
			lost_update(c, a, now_ms(), true);
	}
	if (a->read >= 0) {
		pending_expire(c, a, now_ms(), true);
		close(a->read);
	}
	if (a->control_held) {
		audit_control_release(); /* restores the audit state when we were the last */
		audit_backend_running = false;
	}
	es_free(a);
	s->backend_state = NULL;
}

static int audit_open(struct collector *c, struct audit_state *a, struct audit_status *st)
{
	char err[sizeof(c->last_error)];
	int r, run_dir;

	if (!audit_arches[0]) {
		collector_set_error(c, COLLECTOR_STATE_FAILED, "audit: unsupported architecture");
		return -EOPNOTSUPP;
	}
	if (audit_backend_running) {
		collector_set_error(c, COLLECTOR_STATE_FAILED,
				    "another audit backend runs in this process");
		return -EBUSY;
	}
	run_dir = host_run_dir_open(c->params.host); /* the host-wide lock's directory */
	r = audit_control_acquire(run_dir, err, sizeof(err));
	if (run_dir >= 0)
		close(run_dir);
	if (r < 0 && r == -EBUSY) {
		collector_set_error(c, COLLECTOR_STATE_FAILED, "another audit backend: %s", err);
		return r;
	}
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_FAILED, "%s", err);
		return r;
	}
	a->control_held = true;
	audit_backend_running = true;
	r = audit_status_get(st);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_FAILED, "cannot get the audit status: %s",
				    strerror(-r));
		return r;
	}
	a->read = audit_control_open_reader(AUDIT_RCVBUF, err, sizeof(err));
	if (a->read < 0) {
		collector_set_error(c, COLLECTOR_STATE_FAILED, "%s", err);
		return a->read;
	}
	return 0;
}

static int audit_start(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct audit_status st;
	struct audit_state *a;
	size_t added = 0;
	int r;

	a = es_calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->read = -1;
	s->backend_state = a;
	a->realtime_to_boot_ns = -s->boot_to_realtime_ns;
	r = audit_open(c, a, &st);
	if (r < 0)
		goto fail;
	rules_build(a);
	r = rules_install(c, a, &added);
	if (r < 0)
		goto fail;
	a->lost0 = a->lost = st.lost;
	a->lost_read_ms = now_ms();
	snprintf(a->describe, sizeof(a->describe), "%zu rules key=%s, audit %s%s", added, AUDIT_KEY,
		 audit_control_enabled_by_us() ? "enabled by us" : "already enabled",
		 st.pid ? ", auditd running" : "");
	if (added < a->n_rules)
		collector_set_error(c, COLLECTOR_STATE_DEGRADED,
				    "audit: compat-ABI rules refused (%zu of %zu added)", added,
				    a->n_rules);
	return 0;
fail:
	audit_stop(c);
	return r;
}

static int audit_get_fd(struct collector *c)
{
	struct audit_state *a = ((struct process_state *)collector_state(c))->backend_state;

	return a->read;
}

/* What record_handle() needs besides the record: audit_control_read()'s ctx. */
struct audit_batch {
	struct collector *c;
	struct audit_state *a;
	uint64_t now_ms;
};

static void audit_batch_record(void *ctx, unsigned type, const char *text, size_t len)
{
	struct audit_batch *batch = ctx;

	record_handle(batch->c, batch->a, type, text, len, batch->now_ms);
}

static void audit_dispatch(struct collector *c, uint32_t revents)
{
	struct audit_state *a = ((struct process_state *)collector_state(c))->backend_state;
	struct audit_batch batch = { c, a, now_ms() };
	struct audit_read_counts counts = { 0 };

	(void)revents;
	audit_control_read(a->read, AUDIT_BATCH, audit_batch_record, &batch, &counts);
	a->overflows += counts.overflows;
	c->stats.errors += counts.errors;
	c->stats.skipped += counts.foreign;
	pending_expire(c, a, batch.now_ms, false);
	lost_update(c, a, batch.now_ms, false);
}

const char *process_audit_describe(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct audit_state *a = s->backend == &process_backend_audit ? s->backend_state : NULL;

	return a ? a->describe : NULL;
}

uint64_t process_audit_dropped(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct audit_state *a = s->backend == &process_backend_audit ? s->backend_state : NULL;

	return a ? a->dropped : 0;
}

const struct process_backend process_backend_audit = {
	.name = "audit",
	.start = audit_start,
	.get_fd = audit_get_fd,
	.dispatch = audit_dispatch,
	.stop = audit_stop,
};
