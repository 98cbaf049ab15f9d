/* SPDX-License-Identifier: MIT */
/*
 * Proc-connector capture backend of the process collector: the last resort when neither eBPF
 * nor the kernel audit can be used (no BTF, no CAP_AUDIT_CONTROL, audit locked, ...).
 *
 * The kernel multicasts a small record per process event on NETLINK_CONNECTOR, group
 * CN_IDX_PROC, once we have sent PROC_CN_MCAST_LISTEN.  Records carry only pids (and, for
 * exit, the wait status), so:
 *   PROC_EVENT_EXEC  -> the details come from /proc/<pid> right away: cmdline (read whole,
 *                       bounded like the eBPF side's argv by argv-build.c), exe and cwd
 *                       (readlinkat; ExecutableDeleted from a " (deleted)" or memfd exe),
 *                       status (Name, PPid, real Uid), all read through openat() on one
 *                       O_DIRECTORY fd of /proc/<pid>, so a recycled pid cannot mix two
 *                       processes within one record.  A process that is gone before we read
 *                       it is counted (vanished, also in stats.skipped), not an error:
 *                       short-lived processes are the known weakness of this backend.
 *   PROC_EVENT_EXIT  -> ProcessTerminate with the event's exit code, only for thread-group
 *                       leaders (pid == tgid); other threads' exits are ignored.
 * There is no connection information on this interface: the collector runs "degraded" and
 * says that ConnectionCreate is not available.
 *
 * Loss: the kernel numbers the records of each CPU (cn_msg.seq, incremented per record sent
 * while anyone listens, and proc_event.cpu says which counter).  Every gap in a CPU's sequence
 * is a record we did not receive (socket buffer full: ENOBUFS), added to stats.lost exactly.
 * The receive buffer is raised to CNPROC_RCVBUF (SO_RCVBUFFORCE as root) to make that rare.
 * Each dispatch reads at most CNPROC_BATCH records so the loop is never starved.
 *
 * Owns: the netlink socket and a small per-CPU sequence table, allocated in start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "argv-build.h"
#include "common/alloc.h"
#include "common/num.h"
#include "common/timeutil.h"
#include "process-int.h"

#define CNPROC_RCVBUF (4 << 20)
#define CNPROC_BATCH 1024
#define CNPROC_CPUS_MAX 1024
#define CNPROC_STATUS_MAX 4096
#define CNPROC_CMDLINE_READ_MAX (4u << 20) /* ARG_MAX is 2 MiB with the default stack */

struct cnproc_state {
	int fd;
	int64_t mono_to_boot_ns; /* CLOCK_BOOTTIME - CLOCK_MONOTONIC at start */
	uint64_t vanished;
	uint32_t *seq; /* next expected seq per CPU (0 = none seen yet, stored + 1) */
	char *args;    /* PROCESS_ARGS_MAX bytes for /proc/<pid>/cmdline */
	struct argv_build argv;
};

uint64_t process_cnproc_vanished(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct cnproc_state *p = s->backend == &process_backend_cnproc ? s->backend_state : NULL;

	return p ? p->vanished : 0;
}

static int64_t mono_to_boot(void)
{
	struct timespec m, b;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return ((int64_t)b.tv_sec - m.tv_sec) * (int64_t)NSEC_PER_SEC + (b.tv_nsec - m.tv_nsec);
}

static int cnproc_listen_send(int fd, enum proc_cn_mcast_op op)
{
	struct {
		struct nlmsghdr nlh;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) req;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = NLMSG_DONE;
	req.nlh.nlmsg_pid = 0;
	req.cn.id.idx = CN_IDX_PROC;
	req.cn.id.val = CN_VAL_PROC;
	req.cn.len = sizeof(enum proc_cn_mcast_op);
	req.op = op;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* Reads the whole of a small file below dirfd into out (NUL-terminated); length or -errno. */
static ssize_t proc_read_at(int dirfd, const char *name, char *out, size_t size)
{
	size_t len = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, out + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			close(fd);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	out[len] = '\0';
	return (ssize_t)len;
}

/* The decimal value after "key" at the start of a line of /proc/<pid>/status. */
static int status_field(const char *status, const char *key, uint32_t *ret)
{
	size_t klen = strlen(key), used;
	const char *p = status;
	uint64_t v;
	int r;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) != 0)
			continue;
		p += klen;
		while (*p == ' ' || *p == '\t')
			p++;
		r = num_scan_u64(p, strcspn(p, "\n"), 10, UINT32_MAX, &v, &used);
		if (r < 0)
			return r == -ERANGE ? -ERANGE : -EBADMSG;
		*ret = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}

static void status_name(const char *status, char comm[PROCESS_COMM_LEN + 1])
{
	const char *p = strncmp(status, "Name:", 5) == 0 ? status + 5 : NULL;
	size_t n = 0;

	comm[0] = '\0';
	if (!p)
		return;
	while (*p == '\t' || *p == ' ')
		p++;
	while (p[n] && p[n] != '\n' && n < PROCESS_COMM_LEN)
		n++;
	memcpy(comm, p, n);
	comm[n] = '\0';
}

/*
 * /proc/<pid>/cmdline, all of it (up to CNPROC_CMDLINE_READ_MAX), through the argv builder:
 * bytes read, or -errno.  Reading it whole is what lets a long argument be cut rather than
 * hide the ones after it; only hostile or huge argv make this more than one read.
 */
static ssize_t cmdline_read(struct cnproc_state *p, int dfd, struct process_view_exec *x)
{
	char chunk[4096];
	size_t total = 0;
	int fd;

	fd = openat(dfd, "cmdline", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	argv_build_init(&p->argv, PROCESS_ARGS_MAX);
	while (total < CNPROC_CMDLINE_READ_MAX) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		argv_build_raw(&p->argv, p->args, chunk, (size_t)n);
		total += (size_t)n;
	}
	close(fd);
	if (total >= CNPROC_CMDLINE_READ_MAX)
		argv_build_stop(&p->argv, p->args, 0);
	argv_build_finish(&p->argv, p->args, x);
	if (total >= CNPROC_CMDLINE_READ_MAX)
		x->flags |= PROCESS_EXEC_ARGS_TRUNCATED;
	return (ssize_t)total;
}

/* The exe link of a process whose binary has no name: " (deleted)", or a memfd. */
static bool exe_deleted(const char *exe, size_t len)
{
	static const char suffix[] = " (deleted)";

	return (len >= 7 && memcmp(exe, "/memfd:", 7) == 0) ||
	       (len >= sizeof(suffix) - 1 &&
		memcmp(exe + len - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0);
}

/* Fills v from /proc/<pid>; -ESRCH when the process is gone. */
static int exec_details(struct cnproc_state *p, int proc_fd, uint32_t pid, struct process_view *v,
			char *exe, size_t exe_size, char *cwd, size_t cwd_size)
{
	char path[32], status[CNPROC_STATUS_MAX];
	ssize_t n, args_len;
	int dfd, r = 0;

	if (proc_fd < 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "%u", pid);
	dfd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = proc_read_at(dfd, "status", status, sizeof(status));
	if (n < 0 || status_field(status, "PPid:", &v->ppid) < 0 ||
	    status_field(status, "Uid:", &v->uid) < 0) {
		r = -ESRCH; /* a zombie or reaped process has no Uid line any more */
		goto out;
	}
	(void)status_field(status, "Gid:", &v->gid);
	status_name(status, v->comm);
	args_len = cmdline_read(p, dfd, &v->exec);
	if (args_len <= 0) {
		r = -ESRCH; /* kernel threads never exec; an empty cmdline is an exited process */
		goto out;
	}
	n = readlinkat(dfd, "exe", exe, exe_size - 1);
	v->exec.exe = exe;
	v->exec.exe_len = n > 0 ? (size_t)n : 0;
	if (exe_deleted(exe, v->exec.exe_len))
		v->exec.flags |= PROCESS_EXEC_EXE_DELETED;
	process_stdio_from_proc(dfd, "", pid, &v->exec); /* through the same /proc/<pid> fd */
	/* cwd as one component without its leading '/' (process_cwd_format adds it back). */
	n = readlinkat(dfd, "cwd", cwd, cwd_size - 1);
	if (n <= 0 || cwd[0] != '/')
		n = 1, cwd[0] = '/';
	if ((size_t)n >= cwd_size - 1)
		v->exec.flags |= PROCESS_EXEC_CWD_TRUNCATED;
	cwd[n] = '\0';
	v->exec.cwd_parts = cwd + 1;
	v->exec.cwd_len = (size_t)n; /* n - 1 bytes plus the NUL */
out:
	close(dfd);
	return r;
}

static void seq_check(struct collector *c, struct cnproc_state *p, uint32_t cpu, uint32_t seq)
{
	if (cpu >= CNPROC_CPUS_MAX)
		return;
	if (p->seq[cpu]) {
		uint32_t next = p->seq[cpu] - 1;

		if (seq > next && seq - next < (1u << 30))
			c->stats.lost += seq - next;
	}
	p->seq[cpu] = seq + 2; /* the next expected number, + 1 so that 0 means "none yet" */
}

static void event_handle(struct collector *c, struct cnproc_state *p, const struct proc_event *ev)
{
	/* PROCESS_CWD_MAX - 2: the cwd must fit exec_emit's buffer as one component. */
	char exe[PROCESS_EXE_MAX], cwd[PROCESS_CWD_MAX - 2];
	struct process_view v;

	memset(&v, 0, sizeof(v));
	v.time_ns = ev->timestamp_ns + (uint64_t)p->mono_to_boot_ns;
	switch (ev->what) {
	case PROC_EVENT_EXEC:
		v.type = PROCESS_RECORD_EXEC;
		v.pid = (uint32_t)ev->event_data.exec.process_tgid;
		v.tid = (uint32_t)ev->event_data.exec.process_pid;
		if (exec_details(p, ((struct process_state *)collector_state(c))->proc_fd, v.pid,
				 &v, exe, sizeof(exe), cwd, sizeof(cwd)) < 0) {
			p->vanished++;
			c->stats.skipped++;
			return;
		}
		break;
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid)
			return;
		v.type = PROCESS_RECORD_EXIT;
		v.pid = (uint32_t)ev->event_data.exit.process_tgid;
		v.tid = v.pid;
		v.ppid = (uint32_t)ev->event_data.exit.parent_tgid;
		v.exit.exit_code = ev->event_data.exit.exit_code;
		break;
	default:
		return;
	}
	process_view_emit(c, &v);
}

/* One datagram from the kernel: checks every size before use. */
static void message_handle(struct collector *c, struct cnproc_state *p, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rest = (int)len; /* int: NLMSG_NEXT may step past an unpadded end */

	for (; NLMSG_OK(nlh, rest); nlh = NLMSG_NEXT(nlh, rest)) {
		const struct cn_msg *cn = NLMSG_DATA(nlh);
		struct proc_event ev;

		if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_ERROR)
			continue;
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn)) || cn->id.idx != CN_IDX_PROC ||
		    cn->id.val != CN_VAL_PROC ||
		    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + cn->len) ||
		    cn->len < offsetof(struct proc_event, event_data)) {
			c->stats.skipped++;
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		memcpy(&ev, cn->data, cn->len < sizeof(ev) ? cn->len : sizeof(ev));
		if (ev.what != PROC_EVENT_NONE)
			seq_check(c, p, ev.cpu, cn->seq);
		if ((ev.what == PROC_EVENT_EXEC &&
		     cn->len < offsetof(struct proc_event, event_data) +
				       sizeof(ev.event_data.exec)) ||
		    (ev.what == PROC_EVENT_EXIT &&
		     cn->len < offsetof(struct proc_event, event_data) +
				       sizeof(ev.event_data.exit))) {
			c->stats.skipped++;
			continue;
		}
		event_handle(c, p, &ev);
	}
}

static void cnproc_stop(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct cnproc_state *p = s->backend_state;

	if (!p)
		return;
	if (p->fd >= 0) {
		(void)cnproc_listen_send(p->fd, PROC_CN_MCAST_IGNORE);
		close(p->fd);
	}
	es_free(p->seq);
	es_free(p->args);
	es_free(p);
	s->backend_state = NULL;
}

static int cnproc_start(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	int size = CNPROC_RCVBUF, r;
	struct cnproc_state *p;

	p = es_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->backend_state = p;
	p->mono_to_boot_ns = mono_to_boot();
	p->seq = es_calloc(CNPROC_CPUS_MAX, sizeof(*p->seq));
	p->args = es_malloc(PROCESS_ARGS_MAX + 1);
	p->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (!p->seq || !p->args) {
		r = -ENOMEM;
		collector_set_error(c, COLLECTOR_STATE_FAILED, "proc connector: out of memory");
		goto fail;
	}
	if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		collector_set_error(c, COLLECTOR_STATE_FAILED, "cannot open the proc connector: %s",
				    strerror(-r));
		goto fail;
	}
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	r = cnproc_listen_send(p->fd, PROC_CN_MCAST_LISTEN);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_FAILED,
				    "cannot listen to the proc connector: %s", strerror(-r));
		goto fail;
	}
	collector_set_error(c, COLLECTOR_STATE_DEGRADED,
			    "proc connector: ConnectionCreate is not available with this backend");
	return 0;
fail:
	cnproc_stop(c);
	return r;
}

static int cnproc_get_fd(struct collector *c)
{
	struct cnproc_state *p = ((struct process_state *)collector_state(c))->backend_state;

	return p->fd;
}

static void cnproc_dispatch(struct collector *c, uint32_t revents)
{
	struct cnproc_state *p = ((struct process_state *)collector_state(c))->backend_state;
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	(void)revents;
	for (int i = 0; i < CNPROC_BATCH; i++) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue; /* ENOBUFS: counted through the sequence gap */
			if (errno != EAGAIN)
				c->stats.errors++;
			return;
		}
		if (flen < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
			c->stats.skipped++; /* only the kernel speaks here */
			continue;
		}
		message_handle(c, p, buf, (size_t)n);
	}
}

const struct process_backend process_backend_cnproc = {
	.name = "cnproc",
	.start = cnproc_start,
	.get_fd = cnproc_get_fd,
	.dispatch = cnproc_dispatch,
	.stop = cnproc_stop,
};
