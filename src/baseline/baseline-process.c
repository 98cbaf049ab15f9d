/* SPDX-License-Identifier: MIT */
/*
 * process-running: a daemon runs on the host ("auditd is running").
 *
 * What: every process directory of the host's /proc (host/host.h picks it: our own /proc in
 * the host's PID namespace, the host's procfs bound at <root>/proc when we are in a PID
 * namespace of our own, <root>/proc of an offline tree) is looked at: its comm (the kernel's
 * name of the program, at most 15 bytes), then for a match its status: it must not be a
 * zombie and its real uid must be 0.  The first match passes.
 *
 * Why not a pid file (/run/auditd.pid): inside an IoT Edge module the host's /run is not
 * there (only the host root's files the module binds), so a pid-file check fails although
 * auditd runs; a stale pid file passes although it does not.  Why not the kernel's audit
 * status (AUDIT_GET: the pid auditd registered): it needs CAP_AUDIT_CONTROL and the initial
 * PID namespace, which the baseline collector does not keep (it keeps CAP_DAC_READ_SEARCH
 * only), and a NETLINK_AUDIT socket the seccomp filter does not give it.  The module shares
 * the host's PID namespace (deploy/: PidMode host), where /proc is the host's.
 *
 * Evasion: a user names a program "auditd" to make the check pass: refused, it must run as
 * root (root can fake anything on its host anyway); a process that died leaves a zombie:
 * not running.  Unknown is said as Err with the reason, never as a failure: a /proc that
 * is our own PID namespace's (the container's processes only), no /proc, or one that hides
 * other users' processes (hidepid: the host's init is not visible).
 *
 * Limits: at most BASELINE_PROC_SCAN_MAX directory entries are looked at (Err beyond, unless
 * a match came first); comm is what the process calls itself (prctl(PR_SET_NAME) changes
 * it), the executable's path is not read (that needs ptrace rights over root's processes).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "baseline-int.h"
#include "common/str.h"
#include "host/host.h"

#define BASELINE_PROC_SCAN_MAX 65536u
#define STATUS_READ_MAX 4096u

/* Reads <pid>/<file> of the host's /proc into buf (NUL-terminated); length or -errno. */
static ssize_t proc_read(struct host_context *h, const char *pid, const char *file, char *buf,
			 size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pid, file);
	fd = host_proc_open(h, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	n = read(fd, buf, size - 1);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The value after "<key>:\t" in a status text, up to the next blank; "" when missing. */
static void status_field(const char *status, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), n = 0;
	const char *p = status;

	out[0] = '\0';
	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			p += strspn(p, " \t");
			while (p[n] && p[n] != '\t' && p[n] != ' ' && p[n] != '\n' && n + 1 < size)
				n++;
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
}

static bool name_listed(const struct baseline_check *c, const char *comm)
{
	for (size_t i = 0; i < c->names.n; i++)
		if (strcmp(c->names.v[i], comm) == 0)
			return true;
	return false;
}

/* Whether the host's processes can be seen: 0, or Err set on o. */
static int proc_usable(struct host_context *h, struct baseline_outcome *o)
{
	char comm[32];
	ssize_t n;

	if (host_proc_fd(h) < 0) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "unknown: no /proc of the host here");
		return -ENOENT;
	}
	/* our own /proc (not a tree's copy, not the host's bound at <root>/proc) in a PID
	 * namespace of our own: only the container's processes */
	if (strcmp(host_context_proc_path(h), "/proc") == 0 &&
	    host_ns_state(h, HOST_NS_PID) == HOST_NS_STATE_OWN) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR,
				     "unknown: not in the host's PID namespace, its processes are "
				     "not visible (give the module PidMode host)");
		return -EPERM;
	}
	n = proc_read(h, "1", "comm", comm, sizeof(comm));
	if (n < 0) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR,
				     "unknown: the host's init (pid 1) is not visible in %s (%s; "
				     "/proc mounted with hidepid?)",
				     host_context_proc_path(h), strerror((int)-n));
		return (int)n;
	}
	return 0;
}

/* One process directory: 1 when it is a live root process of a listed name (its name in
 * comm), else 0. */
static int process_matches(const struct baseline_check *c, struct host_context *h, const char *pid,
			   char comm[32], char *other, size_t other_size)
{
	char status[STATUS_READ_MAX], uid[16], state[8];
	ssize_t n = proc_read(h, pid, "comm", comm, 32);

	if (n <= 0)
		return 0; /* gone since the directory was listed, or a kernel oddity */
	comm[strcspn(comm, "\n")] = '\0';
	if (!name_listed(c, comm))
		return 0;
	if (proc_read(h, pid, "status", status, sizeof(status)) <= 0)
		return 0;
	status_field(status, "State", state, sizeof(state));
	status_field(status, "Uid", uid, sizeof(uid));
	if (state[0] == 'Z' || state[0] == 'X')
		return 0;
	if (strcmp(uid, "0") == 0)
		return 1;
	if (!other[0])
		snprintf(other, other_size, "; pid %s is named %s but runs as uid %s", pid, comm,
			 uid[0] ? uid : "?");
	return 0;
}

void baseline_process_run(const struct baseline_check *c, struct baseline_root *r,
			  struct baseline_outcome *o)
{
	struct host_context *h = baseline_root_host(r);
	char other[96] = "", comm[32];
	unsigned seen = 0, entries = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	if (proc_usable(h, o) < 0)
		return;
	/* a new open file of its own: a dup would share the offset of every other listing */
	fd = openat(host_proc_fd(h), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "unknown: cannot list %s: %s",
				     host_context_proc_path(h), strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && ++entries <= BASELINE_PROC_SCAN_MAX) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    de->d_name[strspn(de->d_name, "0123456789")] != '\0')
			continue;
		seen++;
		if (process_matches(c, h, de->d_name, comm, other, sizeof(other))) {
			baseline_outcome_set(o, BASELINE_RESULT_PASS, "%s runs as root (pid %s)",
					     comm, de->d_name);
			closedir(d);
			return;
		}
	}
	closedir(d);
	if (entries > BASELINE_PROC_SCAN_MAX)
		baseline_outcome_set(o, BASELINE_RESULT_ERR,
				     "unknown: more than %u entries in %s, not all looked at",
				     BASELINE_PROC_SCAN_MAX, host_context_proc_path(h));
	else
		baseline_outcome_set(o, BASELINE_RESULT_FAIL,
				     "no process named %s runs as root (%u processes in %s)%s",
				     c->names.v[0], seen, host_context_proc_path(h), other);
}
