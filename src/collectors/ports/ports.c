/* SPDX-License-Identifier: MIT */
/*
 * ListeningPorts: one periodic event with one item per listening socket — TCP in LISTEN and
 * UDP bound but not connected, IPv4 and IPv6 — with the process(es) holding it.
 *
 * Source: a NETLINK_SOCK_DIAG dump (inet_diag_req_v2, one per family x protocol, filtered by
 * idiag_states) on a short-lived netlink socket.  A combination whose dump fails (no
 * inet_diag/udp_diag module, seccomp, an old kernel) is read from /proc/net/{tcp,tcp6,udp,
 * udp6} instead and the collector reports itself DEGRADED with the reason; it returns to
 * RUNNING when sock_diag works again.  Both see the sockets of the network namespace we run
 * in, so a containerized agent needs the host network.
 *
 * Owners: sockets are matched to processes by inode: every /proc/<pid>/fd/<n> link of the form
 * "socket:[<inode>]" whose inode is one of ours adds that pid (fd directories are opened with
 * openat on a /proc/<pid> directory fd; only wanted inodes are looked up, by binary search).
 * Processes that exit or deny access mid-scan are counted in stats.skipped.  The scan is
 * bounded (PORTS_SCAN_PROCS_MAX processes, PORTS_SCAN_FDS_MAX fds) and stops when a bound is
 * reached (counted as skipped too).
 *
 * Item: LocalAddress (inet_ntop, IPv6 compressed, never a %scope), LocalPort (decimal),
 * Protocol "tcp"/"udp"; ExtraDetails Family, Inode, UserId, and for an owned socket Pid (the
 * lowest pid holding it), ProcessName, Executable, and Pids (comma list) when several do.
 * Limits: PORTS_SOCKETS_MAX sockets (the rest dropped and counted as skipped), a 2 s receive
 * timeout per dump, /proc/net files read up to 16 MiB.
 * Owns: its event builder, the socket list and the netlink receive buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/num.h"
#include "host/host.h"
#include "ports-parse.h"

#define PORTS_NL_BUF_SIZE (64u * 1024)
#define PORTS_NL_RECV_MAX 100000 /* datagrams per dump */
#define PORTS_PROC_FILE_MAX (16u << 20)
#define PORTS_SCAN_PROCS_MAX (1u << 17)
#define PORTS_SCAN_FDS_MAX (1u << 22)
#define PORTS_PIDS_MAX 32 /* pids remembered per socket */

struct ports_owner {
	uint64_t inode;
	unsigned n_pids;   /* all holders seen */
	unsigned n_stored; /* min(n_pids, PORTS_PIDS_MAX) */
	int pids[PORTS_PIDS_MAX];
};

struct ports_state {
	struct event_builder builder;
	struct ports_list list;
	uint32_t seq;
	uint32_t nl_buf[PORTS_NL_BUF_SIZE / sizeof(uint32_t)]; /* NLMSG_ALIGNTO-aligned */
};

struct ports_source {
	int family;
	uint8_t protocol;
	const char *name; /* as in /proc/net */
};

static const struct ports_source sources[] = {
	{ AF_INET, IPPROTO_TCP, "tcp" },
	{ AF_INET6, IPPROTO_TCP, "tcp6" },
	{ AF_INET, IPPROTO_UDP, "udp" },
	{ AF_INET6, IPPROTO_UDP, "udp6" },
};

static int ports_init(struct collector *c)
{
	struct ports_state *s = collector_state(c);

	event_builder_init(&s->builder);
	return 0;
}

static void ports_done(struct collector *c)
{
	struct ports_state *s = collector_state(c);

	if (!s)
		return;
	event_builder_done(&s->builder);
	ports_list_done(&s->list);
}

/* ---- sock_diag ---- */

static int diag_request(int fd, uint32_t seq, const struct ports_source *src)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = seq,
		},
		.req = {
			.sdiag_family = (uint8_t)src->family,
			.sdiag_protocol = src->protocol,
			.idiag_states = src->protocol == IPPROTO_TCP ? 1u << PORTS_TCP_LISTEN
								     : 1u << PORTS_TCP_CLOSE,
		},
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	do
		n = sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(msg) ? 0 : -EIO;
}

/* Receives one datagram from the kernel into s->nl_buf; its length or -errno. */
static ssize_t diag_recv(int fd, struct ports_state *s)
{
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = s->nl_buf, .iov_len = sizeof(s->nl_buf) };
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue; /* not from the kernel */
		return n;
	}
}

static int diag_dump(struct ports_state *s, const struct ports_source *src)
{
	const struct timeval tmo = { .tv_sec = 2 };
	size_t before = s->list.n;
	int fd, r;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) < 0) {
		r = -errno;
		goto out;
	}
	r = diag_request(fd, ++s->seq, src);
	for (unsigned i = 0; r == 0; i++) {
		ssize_t n;

		if (i >= PORTS_NL_RECV_MAX) {
			r = -E2BIG;
			break;
		}
		n = diag_recv(fd, s);
		if (n < 0) {
			r = (int)n;
			break;
		}
		r = ports_diag_parse(s->nl_buf, (size_t)n, src->protocol, &s->list);
	}
	if (r == 1)
		r = 0;
out:
	close(fd);
	if (r < 0)
		ports_list_truncate(&s->list, before);
	return r;
}

static int proc_read(struct collector *c, struct ports_state *s, const struct ports_source *src)
{
	_cleanup_free_ char *data = NULL;
	char path[32];
	size_t len;
	int r;

	/* Our network namespace's sockets (self/net), in the host's /proc. */
	snprintf(path, sizeof(path), "self/net/%s", src->name);
	r = host_proc_read_file(c->params.host, path, PORTS_PROC_FILE_MAX, &data, &len);
	if (r < 0)
		return r;
	ports_proc_parse(data, len, src->family, src->protocol, &s->list);
	return 0;
}

/* Which sources fell back to /proc/net, and why (the first sock_diag error). */
struct fallback {
	char names[32]; /* "tcp,udp6" */
	int error;
};

/* Fills s->list from every source.  0 if at least one source worked; the first error if none. */
static int collect_sockets(struct collector *c, struct ports_state *s, struct fallback *fb)
{
	int first_error = 0, ok = 0;
	size_t nl = 0;

	memset(fb, 0, sizeof(*fb));
	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		const struct ports_source *src = &sources[i];
		int r = diag_dump(s, src), p, n;

		if (r == 0) {
			ok++;
			continue;
		}
		if (!fb->error)
			fb->error = r;
		n = snprintf(fb->names + nl, sizeof(fb->names) - nl, "%s%s", nl ? "," : "",
			     src->name);
		if (n > 0 && (size_t)n < sizeof(fb->names) - nl)
			nl += (size_t)n;
		p = proc_read(c, s, src);
		if (p == 0 || (p == -ENOENT && src->family == AF_INET6)) {
			ok++; /* (-ENOENT: no IPv6 in this kernel, nothing to report) */
			continue;
		}
		if (!first_error)
			first_error = p;
	}
	return ok ? 0 : first_error;
}

/* ---- owners ---- */

static int owner_cmp(const void *x, const void *y)
{
	const struct ports_owner *a = x, *b = y;

	return a->inode < b->inode ? -1 : a->inode > b->inode;
}

static int pid_cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return a < b ? -1 : a > b;
}

/* One owner slot per distinct non-zero inode, sorted. */
static struct ports_owner *owners_new(const struct ports_list *l, size_t *ret_n)
{
	struct ports_owner *o = es_calloc(l->n ? l->n : 1, sizeof(*o));
	size_t n = 0, k = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].inode)
			o[n++].inode = l->v[i].inode;
	qsort(o, n, sizeof(*o), owner_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || o[k - 1].inode != o[i].inode)
			o[k++] = o[i];
	*ret_n = k;
	return o;
}

static struct ports_owner *owner_find(struct ports_owner *o, size_t n, uint64_t inode)
{
	struct ports_owner key = { .inode = inode };

	return n ? bsearch(&key, o, n, sizeof(*o), owner_cmp) : NULL;
}

static bool parse_pid(const char *s, int *ret)
{
	uint64_t v;

	if (num_parse_u64(s, strlen(s), 10, INT_MAX, &v) < 0 || v == 0)
		return false;
	*ret = (int)v;
	return true;
}

/* "socket:[12345]" → 12345 */
static bool parse_socket_link(const char *s, size_t len, uint64_t *ret)
{
	static const char prefix[] = "socket:[";
	const size_t pl = sizeof(prefix) - 1;

	if (len < pl + 2 || memcmp(s, prefix, pl) != 0 || s[len - 1] != ']')
		return false;
	return num_parse_u64(s + pl, len - pl - 1, 10, UINT64_MAX, ret) == 0;
}

struct scan {
	struct ports_owner *owners;
	size_t n_owners;
	uint64_t fds;
	uint64_t skipped;
};

/* Adds pid to every wanted socket it holds.  -ENOENT/-EACCES if it vanished or is hidden. */
static int scan_process(struct scan *sc, int procfd, const char *name, int pid)
{
	struct dirent *de;
	DIR *d;
	int pfd, ffd;

	pfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	ffd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	if (ffd < 0)
		return -errno;
	d = fdopendir(ffd);
	if (!d) {
		int r = -errno;

		close(ffd);
		return r;
	}
	while ((de = readdir(d)) && sc->fds < PORTS_SCAN_FDS_MAX) {
		char link[64];
		struct ports_owner *o;
		uint64_t inode;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		sc->fds++;
		n = readlinkat(ffd, de->d_name, link, sizeof(link));
		if (n <= 0 || (size_t)n >= sizeof(link) ||
		    !parse_socket_link(link, (size_t)n, &inode))
			continue;
		o = owner_find(sc->owners, sc->n_owners, inode);
		if (!o || (o->n_stored && o->pids[o->n_stored - 1] == pid))
			continue; /* not ours, or another fd of the same process */
		if (o->n_stored < PORTS_PIDS_MAX)
			o->pids[o->n_stored++] = pid;
		o->n_pids++;
	}
	closedir(d);
	return 0;
}

static int scan_owners(struct scan *sc, int procfd)
{
	struct dirent *de;
	unsigned procs = 0;
	DIR *d;
	int fd;

	fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int r = -errno;

		close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		int pid;

		if (!parse_pid(de->d_name, &pid))
			continue;
		if (procs++ >= PORTS_SCAN_PROCS_MAX || sc->fds >= PORTS_SCAN_FDS_MAX) {
			sc->skipped++; /* bound reached: the rest is not scanned */
			break;
		}
		if (scan_process(sc, procfd, de->d_name, pid) < 0)
			sc->skipped++; /* exited, or not ours to look at */
	}
	closedir(d);
	for (size_t i = 0; i < sc->n_owners; i++)
		qsort(sc->owners[i].pids, sc->owners[i].n_stored, sizeof(int), pid_cmp);
	return 0;
}

/* ---- the event ---- */

static void add_process(struct event_builder *b, int procfd, int pid)
{
	char name[16], comm[64], exe[4096];
	ssize_t n;
	int pfd;

	snprintf(name, sizeof(name), "%d", pid);
	pfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return;
	if (read_line_at(pfd, "comm", comm, sizeof(comm)) == 0)
		event_add_extra_cstr(b, "ProcessName", comm);
	n = readlinkat(pfd, "exe", exe, sizeof(exe));
	if (n > 0 && (size_t)n < sizeof(exe))
		event_add_extra(b, "Executable", exe, (size_t)n);
	close(pfd);
}

static void add_pids(struct event_builder *b, const struct ports_owner *o)
{
	char list[PORTS_PIDS_MAX * 12];
	size_t n = 0;

	for (unsigned i = 0; i < o->n_stored; i++) {
		int w = snprintf(list + n, sizeof(list) - n, "%s%d", i ? "," : "", o->pids[i]);

		if (w < 0 || (size_t)w >= sizeof(list) - n)
			break;
		n += (size_t)w;
	}
	event_add_extra(b, "Pids", list, n);
	if (o->n_pids > o->n_stored)
		event_add_extra_u64(b, "PidCount", o->n_pids);
}

static void add_socket(struct event_builder *b, const struct ports_socket *sk,
		       const struct scan *sc, int procfd)
{
	char addr[PORTS_ADDR_STR_MAX], port[20];
	const struct ports_owner *o = owner_find(sc->owners, sc->n_owners, sk->inode);

	event_builder_item(b);
	if (ports_format_address(sk, addr) == 0)
		event_add_cstr(b, LP_LOCAL_ADDRESS, addr);
	event_add_str(b, LP_LOCAL_PORT, port, fmt_u64(port, sk->port));
	event_add_cstr(b, LP_PROTOCOL, sk->protocol == IPPROTO_TCP ? "tcp" : "udp");
	event_add_extra_cstr(b, "Family", sk->family == AF_INET ? "IPv4" : "IPv6");
	event_add_extra_u64(b, "Inode", sk->inode);
	event_add_extra_u64(b, "UserId", sk->uid);
	if (!o || !o->n_stored)
		return;
	event_add_extra_u64(b, "Pid", (uint64_t)o->pids[0]);
	add_process(b, procfd, o->pids[0]);
	if (o->n_pids > 1)
		add_pids(b, o);
}

static void update_state(struct collector *c, const struct fallback *fb)
{
	if (fb->error)
		collector_set_error(c, COLLECTOR_STATE_DEGRADED,
				    "sock_diag failed for %s (%s); read /proc/net instead",
				    fb->names, strerror(-fb->error));
	else if (c->state == COLLECTOR_STATE_DEGRADED) {
		c->state = COLLECTOR_STATE_RUNNING;
		c->last_error[0] = '\0';
	}
}

static int ports_snapshot(struct collector *c, uint64_t now)
{
	struct ports_state *s = collector_state(c);
	struct scan sc = { 0 };
	struct fallback fb;
	struct event *e;
	int procfd, r;

	ports_list_truncate(&s->list, 0);
	s->list.skipped = s->list.dropped = 0;
	r = collect_sockets(c, s, &fb);
	update_state(c, &fb);
	if (r < 0)
		return r;
	ports_list_sort(&s->list);
	c->stats.skipped += s->list.skipped + s->list.dropped;

	sc.owners = owners_new(&s->list, &sc.n_owners);
	if (!sc.owners)
		return -ENOMEM;
	procfd = host_proc_fd(c->params.host) >= 0
			 ? fcntl(host_proc_fd(c->params.host), F_DUPFD_CLOEXEC, 3)
			 : -1;
	if (procfd >= 0)
		scan_owners(&sc, procfd);
	c->stats.skipped += sc.skipped;

	event_builder_begin(&s->builder, EVENT_LISTENING_PORTS, now);
	for (size_t i = 0; i < s->list.n; i++)
		add_socket(&s->builder, &s->list.v[i], &sc, procfd);
	if (procfd >= 0)
		close(procfd);
	es_free(sc.owners);
	r = event_builder_finish(&s->builder, &e);
	if (r < 0)
		return r;
	collector_submit(c, e);
	return 0;
}

/* Sockets after start beyond the base allow-list (core/seccomp.c): a dump per snapshot. */
static const struct collector_syscalls ports_syscalls[] = {
	{ NULL, COLLECTOR_FAMILY(AF_NETLINK), COLLECTOR_NETLINK(NETLINK_SOCK_DIAG), 0 },
};

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps ports_caps[] = {
	/* /proc/<pid>/fd of other users' processes: a 0500 directory, then ptrace-checked links. */
	{ NULL, COLLECTOR_CAP(CAP_DAC_READ_SEARCH) | COLLECTOR_CAP(CAP_SYS_PTRACE) },
};

/* The host namespaces it must share (core/host-check.c), the first unmet one reported. */
static const struct collector_host_need ports_host_needs[] = {
	{ NULL, HOST_NS_NET, "it lists the sockets of its own network namespace",
	  "NetworkMode host" },
	{ NULL, HOST_NS_PID, "the owners (pid, executable) of host sockets are unknown",
	  "PidMode host" },
	{ NULL, _HOST_NS_MAX, "socket owners cannot be looked up", "PidMode host" },
};

const struct collector_ops ports_collector_ops = {
	.name = "ports",
	.types = { EVENT_LISTENING_PORTS },
	.n_types = 1,
	.state_size = sizeof(struct ports_state),
	.init = ports_init,
	.snapshot = ports_snapshot,
	.done = ports_done,
	.caps = ports_caps,
	.n_caps = ARRAY_SIZE(ports_caps),
	.syscalls = ports_syscalls,
	.n_syscalls = ARRAY_SIZE(ports_syscalls),
	.host_needs = ports_host_needs,
	.n_host_needs = ARRAY_SIZE(ports_host_needs),
};
