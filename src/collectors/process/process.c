/* SPDX-License-Identifier: MIT */
/*
 * ProcessCreate, ProcessTerminate, ConnectionCreate and ListenerCreate from the kernel.
 *
 * The collector is a front end over interchangeable capture backends (struct
 * process_backend in process-int.h).  A backend turns kernel data into backend-neutral
 * records (struct process_view, process-decode.h) and calls process_view_emit(); the front
 * end builds the ASC events from them.  Backends: eBPF (process-bpf.c), kernel audit
 * (process-audit.c) and the proc connector (process-cnproc.c).  The capture parameter
 * (collector_params.capture, config key edgesec.capture) names one, or "auto": eBPF, else
 * audit, else proc connector, whichever starts first.  The choice and the reasons the better
 * ones failed are kept for process_capture_describe() and put into last_error (Heartbeat).
 *
 * Events
 *   ProcessCreate     Executable (execve path, made absolute with the cwd when relative),
 *                     CommandLine (argv joined with single spaces, bytes as passed, cut
 *                     arguments and omitted ones marked; the JSON writer escapes), ProcessId,
 *                     ParentProcessId, UserId, UserName; ExtraDetails Cwd, ParentExecutable,
 *                     ParentCommandLine (pid cache, else /proc/<ppid>), Stdin/Stdout/Stderr and
 *                     StdioRemote (from the record, else /proc/<pid>/fd), StdinPath (+
 *                     StdinPathTruncated, StdinDeleted: a regular file on stdin, exec-path.c),
 *                     Interpreter, Argv0,
 *                     ExecutableDeleted, ArgvTruncated + ArgvCap/ArgvCutArgs/ArgvOmittedArgs,
 *                     ArgvUnreadable, CwdTruncated, ExecutablePath (+ ExecutablePathTruncated:
 *                     the file run with its symlinks resolved, when it differs; exec-path.c),
 *                     KnownAs + KnownAsBy (a renamed copy of a known binary, by its content;
 *                     exec-known.c).
 *   ProcessTerminate  Executable, ProcessId, ExitStatus (exit code, or 128 + signal with
 *                     ExtraDetails Signal).
 *   ConnectionCreate  addresses and ports (inet_ntop text), Direction In/Out, Protocol
 *                     tcp/udp ("unknown" when the audit backend cannot tell), ProcessId,
 *                     UserId, Executable, CommandLine; ExtraDetails
 *                     PidGuessed when the kernel could not name the owner.
 *   ListenerCreate    (eBPF only) a TCP socket entering LISTEN, seen inside listen() in the
 *                     listener's context, or a UDP socket bound by bind() (a port given
 *                     implicitly at the first send is a client's: not reported): LocalAddress,
 *                     LocalPort, Protocol tcp/udp, ProcessId,
 *                     UserId, Executable, CommandLine; ExtraDetails Family, NetworkNamespace
 *                     ("net:[inode]", only when it is not ours: a container's listener that
 *                     ListeningPorts, which lists our namespace, never shows).  Why an event of
 *                     its own and not a one-socket ListeningPorts: ListeningPorts is a snapshot
 *                     (the posture checks, the report and the hub take each one as the whole
 *                     set of listeners), so a one-item snapshot would tell them every other
 *                     port closed; and a snapshot asked for at listen() would still race a
 *                     listener that lives milliseconds, and cost a /proc walk per listen().
 *                     The rule listening-port-new reads both (one set of seen ports, so a
 *                     listener seen here and then in a snapshot alerts once).
 *   All of them       ExtraDetails ContainerId (64 hex) and ContainerRuntime for a process in
 *                     a container (none for host processes; process-container.c): at exec from the
 * cgroup the eBPF program recorded (exec-path.c: right for a process already gone), else
 *                     /proc/<pid>/cgroup read once (capped at PROCESS_CGROUP_MAX, openat on a
 *                     /proc fd), parsed by cgroup-parse.c, kept in the pid cache.  A process
 *                     gone before the read is counted (process_container_vanished()), not an
 *                     error.
 *
 * CommandLine is redacted here, argv-aware (redact_args_join(): a secret that is one argument
 * with blanks in it, `--password` `my pw`, goes whole), before the pid cache keeps it, so
 * ParentCommandLine is redacted the same way; the event builder scrubs it again (a no-op).
 *
 * Owns: the event builder, a command-line scratch buffer (the raw argv and its redacted
 * join: 2 * (PROCESS_CMDLINE_MAX + 1) + REDACT_GROWTH_MAX), a cgroup
 * buffer (PROCESS_CGROUP_MAX), an fd of /proc, the user name cache and the pid cache
 * (process-cache.c), the known binaries and their cache (exec-known.c, enrich/exec-identity.c).
 * All of it is allocated once in init, so a flood costs no memory here; what
 * the kernel could not deliver is counted in stats.lost, records that fail to decode in
 * stats.skipped, events that cannot be built in stats.errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/redact.h"
#include "common/timeutil.h"
#include "process-int.h"

#define PROC_EXE_MAX 4096
#define PROC_CMD_MAX 4096

static const struct process_backend *const process_backends[] = {
	&process_backend_bpf,
	&process_backend_audit,
	&process_backend_cnproc,
};

#define N_BACKENDS ARRAY_SIZE(process_backends)

static int64_t boot_to_realtime(void)
{
	struct timespec rt, bt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return ((int64_t)rt.tv_sec - bt.tv_sec) * (int64_t)NSEC_PER_SEC + (rt.tv_nsec - bt.tv_nsec);
}

static void user_id_add(struct event_builder *b, unsigned field, uint32_t uid)
{
	char num[20];

	event_add_str(b, field, num, fmt_u64(num, uid));
}

static void finish_submit(struct collector *c, struct event_builder *b)
{
	if (collector_submit_built(c, b) < 0)
		c->stats.errors++;
}

const char *process_cgroup_root;

/* The part of a path after its last '/' (a login shell's leading '-' dropped). */
static void base_name(const char *p, size_t len, const char **ret, size_t *ret_len)
{
	const char *slash = len ? memrchr(p, '/', len) : NULL;

	if (slash) {
		len -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	if (len && p[0] == '-')
		p++, len--;
	*ret = p;
	*ret_len = len;
}

static bool same_base(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *x, *y;
	size_t xl, yl;

	base_name(a, alen, &x, &xl);
	base_name(b, blen, &y, &yl);
	return xl == yl && memcmp(x, y, xl) == 0;
}

/*
 * Whether two paths of pid's view name the same file (a symlink to the binary): stat through
 * /proc/<pid>/root while the process lives, else in our own view.  Unknown counts as same.
 */
static bool same_file(struct process_state *s, uint32_t pid, const char *a, size_t alen,
		      const char *b, size_t blen)
{
	char pa[PROCESS_EXE_MAX + 32], pb[PROCESS_EXE_MAX + 32];
	struct stat sa, sb;
	bool root = s->proc_fd >= 0;

	if (!alen || !blen || a[0] != '/' || b[0] != '/' || alen >= PROCESS_EXE_MAX ||
	    blen >= PROCESS_EXE_MAX)
		return true; /* too long to check here: unknown */
	snprintf(pa, sizeof(pa), "%u/root%.*s", pid, (int)alen, a);
	snprintf(pb, sizeof(pb), "%u/root%.*s", pid, (int)blen, b);
	if (root && fstatat(s->proc_fd, pa, &sa, 0) == 0 && fstatat(s->proc_fd, pb, &sb, 0) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	snprintf(pa, sizeof(pa), "%.*s", (int)alen, a);
	snprintf(pb, sizeof(pb), "%.*s", (int)blen, b);
	if (stat(pa, &sa) == 0 && stat(pb, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return true;
}

/* ExtraDetails Interpreter; *ret_* is what it reported (for the Argv0 comparison). */
static void interp_add(struct process_state *s, struct event_builder *b, uint32_t pid,
		       const struct process_view_exec *x, const char *exe, size_t exe_len,
		       const char **ret_interp, size_t *ret_len)
{
	const char *real = x->exe_real;
	size_t real_len = x->exe_real_len;

	*ret_interp = NULL;
	*ret_len = 0;
	if (x->interp_len) {
		*ret_interp = x->interp;
		*ret_len = x->interp_len;
	} else if (real_len && real[0] == '/' && !same_base(real, real_len, exe, exe_len) &&
		   !same_file(s, pid, real, real_len, exe, exe_len)) {
		*ret_interp = real;
		*ret_len = real_len;
	}
	if (*ret_interp)
		event_add_extra(b, "Interpreter", *ret_interp, *ret_len);
}

/*
 * ExtraDetails Argv0: argv[0] when its base name is neither the executable's nor the
 * interpreter's (a renamed binary, `exec -a`), and, when it is a path, not the same file
 * either (a symlink, or the #! path the kernel puts in argv[0] of a script).
 */
static void argv0_add(struct process_state *s, struct event_builder *b, uint32_t pid,
		      const struct process_view_exec *x, const char *exe, size_t exe_len,
		      const char *interp, size_t interp_len)
{
	size_t n = x->args ? strnlen(x->args, x->args_len) : 0;

	if (x->n_cuts && process_view_cut(x, 0).at < n)
		n = process_view_cut(x, 0).at; /* a cut argv[0]: its head */
	if (n > PROCESS_EXE_MAX)
		n = PROCESS_EXE_MAX;
	if (!n || same_base(x->args, n, exe, exe_len) ||
	    (interp_len && same_base(x->args, n, interp, interp_len)))
		return;
	if (x->args[0] == '/' &&
	    (same_file(s, pid, x->args, n, exe, exe_len) ||
	     (interp_len && same_file(s, pid, x->args, n, interp, interp_len))))
		return;
	event_add_extra(b, "Argv0", x->args, n);
}

/* ExtraDetails ExecutablePath (+ ExecutablePathTruncated): exec-path.c; its length in path. */
static size_t exec_path_add(struct process_state *s, struct event_builder *b, uint32_t pid,
			    const struct process_view_exec *x, const char *exe, size_t exe_len,
			    bool script, char *path, size_t path_size)
{
	bool truncated;
	size_t n = process_exec_path(s->proc_fd, pid, x, exe, exe_len, script, path, path_size,
				     &truncated);

	if (!n)
		return 0;
	event_add_extra(b, "ExecutablePath", path, n);
	if (truncated)
		event_add_extra_cstr(b, "ExecutablePathTruncated", "true");
	return truncated ? 0 : n;
}

/* ExtraDetails StdinPath (+ StdinPathTruncated, StdinDeleted): exec-path.c. */
static void stdin_path_add(struct process_state *s, struct event_builder *b, uint32_t pid,
			   const struct process_view_exec *x)
{
	char path[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2];
	bool truncated, deleted;
	size_t n = process_stdin_path(s->proc_fd, pid, x, path, sizeof(path), &truncated, &deleted);

	if (!n)
		return;
	event_add_extra(b, "StdinPath", path, n);
	if (truncated)
		event_add_extra_cstr(b, "StdinPathTruncated", "true");
	if (deleted)
		event_add_extra_cstr(b, "StdinDeleted", "true");
}

/* What an fd of a live process is, from /proc/<pid>/fd/<fd> (stat follows the link). */
static uint8_t stdio_of_stat(const struct stat *st)
{
	unsigned maj = major(st->st_rdev), min = minor(st->st_rdev);

	switch (st->st_mode & S_IFMT) {
	case S_IFSOCK:
		return PROCESS_STDIO_SOCKET;
	case S_IFIFO:
		return PROCESS_STDIO_PIPE;
	case S_IFREG:
		return PROCESS_STDIO_FILE;
	case S_IFCHR:
		if (maj == 1 && min == 3)
			return PROCESS_STDIO_NULL;
		if (maj == 4 || maj == 5 || (maj >= 136 && maj <= 143))
			return PROCESS_STDIO_TTY;
		return PROCESS_STDIO_OTHER;
	default:
		return PROCESS_STDIO_OTHER;
	}
}

/* The inet peer of fd of pid (a copy of the fd for a moment); 0 or -errno. */
static int stdio_peer_of(uint32_t pid, int fd, struct process_view_exec *x)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0), sfd, r = -ENOTCONN;

	if (pidfd < 0)
		return -errno;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (sfd < 0)
		return -errno;
	if (getpeername(sfd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

			memcpy(x->stdio_addr, &in->sin_addr, 4);
			x->stdio_port = ntohs(in->sin_port);
			x->stdio_family = AF_INET;
			r = 0;
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

			memcpy(x->stdio_addr, &in6->sin6_addr, 16);
			x->stdio_port = ntohs(in6->sin6_port);
			x->stdio_family = AF_INET6;
			r = 0;
		}
	}
	close(sfd);
	return r;
#else
	(void)pid, (void)fd, (void)x;
	return -ENOSYS;
#endif
}

/*
 * Backends without a kernel-side view of the fd table (audit, proc connector): fds 0..2 from
 * <dirfd>/<prefix>fd/N (a /proc fd and "<pid>/", or a /proc/<pid> fd and "") while the process
 * lives: 3 fstatat, plus pidfd_getfd + getpeername for a socket on 0 or 1.  A short-lived
 * process may be gone: then nothing is known (not "none").
 */
void process_stdio_from_proc(int dirfd, const char *prefix, uint32_t pid,
			     struct process_view_exec *x)
{
	char path[48];
	struct stat st;
	int missing = 0;

	size_t plen = strlen(prefix);

	if (dirfd < 0 || plen + sizeof("fd/0") > sizeof(path))
		return;
	memcpy(path, prefix, plen);
	memcpy(path + plen, "fd/0", sizeof("fd/0")); /* the digit is patched below */
	for (int fd = 0; fd < 3; fd++) {
		path[plen + 3] = (char)('0' + fd);
		if (fstatat(dirfd, path, &st, 0) < 0) {
			missing += errno == ENOENT;
			x->stdio[fd] = errno == ENOENT ? PROCESS_STDIO_NONE : PROCESS_STDIO_OTHER;
			continue;
		}
		x->stdio[fd] = stdio_of_stat(&st);
		if (x->stdio[fd] == PROCESS_STDIO_SOCKET && fd < 2 && !x->stdio_family)
			(void)stdio_peer_of(pid, fd, x);
	}
	if (missing == 3) {
		/* all three closed, or the process is gone: tell them apart */
		path[plen + 2] = '\0';
		if (fstatat(dirfd, path, &st, 0) < 0)
			return;
	}
	x->flags |= PROCESS_EXEC_STDIO_KNOWN;
}

/* ExtraDetails Stdin, Stdout, Stderr and StdioRemote ("ip:port", "[v6]:port"). */
static void stdio_add(struct event_builder *b, const struct process_view_exec *x)
{
	static const char *const names[3] = { "Stdin", "Stdout", "Stderr" };
	char addr[PROCESS_ADDR_STR_MAX], remote[PROCESS_ADDR_STR_MAX + 16];

	if (!(x->flags & PROCESS_EXEC_STDIO_KNOWN))
		return;
	for (int fd = 0; fd < 3; fd++)
		event_add_extra_cstr(b, names[fd], process_stdio_to_string(x->stdio[fd]));
	if (x->stdio_family && process_addr_format(x->stdio_family, x->stdio_addr, addr) == 0) {
		snprintf(remote, sizeof(remote), x->stdio_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
			 addr, x->stdio_port);
		event_add_extra_cstr(b, "StdioRemote", remote);
	}
}

/*
 * The parent's executable and command line into s->parent: from the pid cache when its exec
 * was seen, else from /proc/<ppid> (then cached).  0 with lengths, or -ENOENT.
 */
static void proc_lookup(struct process_state *s, uint32_t pid, const char *comm);

static int parent_get(struct process_state *s, uint32_t ppid, size_t *ret_exe_len,
		      size_t *ret_cmd_len, int *ret_trunc)
{
	const char *exe, *cmd;
	size_t exe_len, cmd_len;

	if (!ppid)
		return -ENOENT;
	if (process_pids_get(s->pids, ppid, &exe, &exe_len, &cmd, &cmd_len, ret_trunc) < 0) {
		proc_lookup(s, ppid, "");
		if (process_pids_get(s->pids, ppid, &exe, &exe_len, &cmd, &cmd_len, ret_trunc) < 0)
			return -ENOENT;
	}
	if (exe_len + cmd_len > PROCESS_PARENT_MAX)
		return -ENOENT; /* cannot happen: the cache keeps 256 + 1024 at most */
	memcpy(s->parent, exe, exe_len);
	memcpy(s->parent + exe_len, cmd, cmd_len);
	*ret_exe_len = exe_len;
	*ret_cmd_len = cmd_len;
	return exe_len ? 0 : -ENOENT;
}

/* ExtraDetails ArgvTruncated, ArgvCap, ArgvCutArgs, ArgvOmittedArgs, ArgvUnreadable. */
static void argv_flags_add(struct event_builder *b, const struct process_view_exec *x)
{
	if (x->flags & PROCESS_EXEC_ARGS_TRUNCATED) {
		event_add_extra_cstr(b, "ArgvTruncated", "true");
		event_add_extra_u64(b, "ArgvCap", PROCESS_ARGS_MAX);
		event_add_extra_u64(b, "ArgvCutArgs", x->n_cuts);
		event_add_extra_u64(b, "ArgvOmittedArgs", x->args_omitted);
	}
	if (x->flags & PROCESS_EXEC_ARGS_FAULT)
		event_add_extra_cstr(b, "ArgvUnreadable", "true");
}

static void exec_emit(struct collector *c, struct process_state *s, const struct process_view *v)
{
	struct process_view_exec x = v->exec;
	const struct cgroup_container *ct;
	struct event_builder *b = &s->builder;
	char cwd[PROCESS_CWD_MAX + 1], exe[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2];
	char path[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2];
	size_t cwd_len, exe_len, cmd_len, raw_len, pexe_len = 0, pcmd_len = 0, interp_len, path_len;
	char *cmd = s->scratch + PROCESS_CMDLINE_MAX + 1;
	const char *user, *interp;
	unsigned redacted;
	int ptrunc = 0, parent;

	/* First the parent: a /proc read of it uses the scratch buffer. */
	parent = parent_get(s, v->ppid, &pexe_len, &pcmd_len, &ptrunc);
	cwd_len = process_cwd_format(x.cwd_parts, x.cwd_len, cwd, sizeof(cwd));
	if (x.exe_len && x.exe[0] != '/')
		exe_len = (size_t)snprintf(exe, sizeof(exe), "%s/%.*s", cwd_len > 1 ? cwd : "",
					   (int)x.exe_len, x.exe);
	else if (x.exe_len)
		exe_len = (size_t)snprintf(exe, sizeof(exe), "%.*s", (int)x.exe_len, x.exe);
	else
		exe_len = (size_t)snprintf(exe, sizeof(exe), "%s", v->comm);
	if (exe_len >= sizeof(exe))
		exe_len = sizeof(exe) - 1;
	raw_len = process_cmdline_format_args(&x, s->scratch, PROCESS_CMDLINE_MAX + 1);
	cmd_len = redact_args_join(s->scratch, raw_len, cmd,
				   PROCESS_CMDLINE_MAX + 1 + REDACT_GROWTH_MAX, &redacted);
	process_pids_put(s->pids, v->pid, exe, exe_len, cmd, cmd_len);
	ct = process_exec_container_of(s, v);
	if (!(x.flags & PROCESS_EXEC_STDIO_KNOWN)) {
		char prefix[24];
		size_t pl = fmt_u64(prefix, v->pid);

		prefix[pl] = '/';
		prefix[pl + 1] = '\0';
		process_stdio_from_proc(s->proc_fd, prefix, v->pid, &x);
	}

	event_builder_begin(b, EVENT_PROCESS_CREATE, v->time_ns + s->boot_to_realtime_ns);
	event_builder_item(b);
	event_add_str(b, PC_EXECUTABLE, exe, exe_len);
	event_add_int(b, PC_PROCESS_ID, v->pid);
	event_add_int(b, PC_PARENT_PROCESS_ID, v->ppid);
	user_id_add(b, PC_USER_ID, v->uid);
	user = process_users_lookup(s->users, v->uid, time_now_monotonic_ns());
	event_add_cstr(b, PC_USER_NAME, user);
	event_add_redacted(b, redacted);
	event_add_str(b, PC_COMMAND_LINE, cmd, cmd_len);
	event_add_extra(b, "Cwd", cwd, cwd_len);
	if (parent == 0) {
		event_add_extra(b, "ParentExecutable", s->parent, pexe_len);
		event_add_extra(b, "ParentCommandLine", s->parent + pexe_len, pcmd_len);
		if (ptrunc)
			event_add_extra_cstr(b, "ParentCommandLineTruncated", "true");
	}
	interp_add(s, b, v->pid, &x, exe, exe_len, &interp, &interp_len);
	path_len =
		exec_path_add(s, b, v->pid, &x, exe, exe_len, interp != NULL, path, sizeof(path));
	argv0_add(s, b, v->pid, &x, exe, exe_len, interp, interp_len);
	if (x.flags & PROCESS_EXEC_EXE_DELETED)
		event_add_extra_cstr(b, "ExecutableDeleted", "true");
	process_known_as_add(
		s, c->params.host, b,
		&(struct exec_known_what){ v->pid, exe, interp ? NULL : path, interp, exe_len,
					   interp ? 0 : path_len, interp_len, ct != NULL,
					   (x.flags & PROCESS_EXEC_EXE_DELETED) != 0 });
	stdio_add(b, &x);
	stdin_path_add(s, b, v->pid, &x);
	argv_flags_add(b, &x);
	if (x.flags & PROCESS_EXEC_CWD_TRUNCATED)
		event_add_extra_cstr(b, "CwdTruncated", "true");
	process_container_add(s, b, ct);
	finish_submit(c, b);
}

/* Executable and command line of a process the cache does not know, from the host's /proc. */
static void proc_lookup(struct process_state *s, uint32_t pid, const char *comm)
{
	char path[64], exe[PROC_EXE_MAX], *cmd = s->scratch;
	char *red = s->scratch + PROCESS_CMDLINE_MAX + 1;
	ssize_t exe_len = -1, cmd_len = 0;
	unsigned redacted;
	int fd;

	snprintf(path, sizeof(path), "%u/exe", pid);
	if (s->proc_fd >= 0)
		exe_len = readlinkat(s->proc_fd, path, exe, sizeof(exe) - 1);
	if (exe_len <= 0 && !comm[0])
		return; /* gone, and nothing else to name it by */
	if (exe_len <= 0) {
		exe_len = (ssize_t)strnlen(comm, PROCESS_COMM_LEN);
		memcpy(exe, comm, (size_t)exe_len);
	}
	snprintf(path, sizeof(path), "%u/cmdline", pid);
	fd = s->proc_fd >= 0 ? openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : -1;
	if (fd >= 0) {
		cmd_len = read(fd, cmd, PROC_CMD_MAX);
		close(fd);
	}
	/* redacted as at exec (it becomes a ParentCommandLine) */
	cmd_len = cmd_len > 0 ? (ssize_t)redact_args_join(cmd, (size_t)cmd_len, red,
							  PROC_CMD_MAX + 1 + REDACT_GROWTH_MAX,
							  &redacted)
			      : 0;
	process_pids_put(s->pids, pid, exe, (size_t)exe_len, red, (size_t)cmd_len);
}

static void process_identity(struct process_state *s, const struct process_view *v,
			     const char **ret_exe, size_t *ret_exe_len, const char **ret_cmd,
			     size_t *ret_cmd_len, int *ret_truncated)
{
	if (process_pids_get(s->pids, v->pid, ret_exe, ret_exe_len, ret_cmd, ret_cmd_len,
			     ret_truncated) == 0)
		return;
	proc_lookup(s, v->pid, v->comm);
	if (process_pids_get(s->pids, v->pid, ret_exe, ret_exe_len, ret_cmd, ret_cmd_len,
			     ret_truncated) == 0)
		return;
	*ret_exe = v->comm;
	*ret_exe_len = strlen(v->comm);
	*ret_cmd = "";
	*ret_cmd_len = 0;
	*ret_truncated = 0;
}

static void exit_emit(struct collector *c, struct process_state *s, const struct process_view *v)
{
	struct event_builder *b = &s->builder;
	const char *exe, *cmd;
	size_t exe_len, cmd_len;
	int sig, status, trunc;

	/* No /proc fallback: the process is gone. */
	if (process_pids_get(s->pids, v->pid, &exe, &exe_len, &cmd, &cmd_len, &trunc) < 0) {
		exe = v->comm;
		exe_len = strlen(v->comm);
	}
	status = process_exit_status(v->exit.exit_code, &sig);
	event_builder_begin(b, EVENT_PROCESS_TERMINATE, v->time_ns + s->boot_to_realtime_ns);
	event_builder_item(b);
	event_add_str(b, PT_EXECUTABLE, exe, exe_len);
	event_add_int(b, PT_PROCESS_ID, v->pid);
	event_add_int(b, PT_EXIT_STATUS, status);
	if (sig)
		event_add_extra_u64(b, "Signal", (uint64_t)sig);
	/* No /proc read: the process is gone. */
	process_container_add(s, b, process_container_of(s, v->pid, 0, false, false, 0));
	finish_submit(c, b);
	process_pids_forget(s->pids, v->pid);
}

static void connect_emit(struct collector *c, struct process_state *s, const struct process_view *v)
{
	const struct process_view_connect *n = &v->conn;
	struct event_builder *b = &s->builder;
	char raddr[PROCESS_ADDR_STR_MAX], laddr[PROCESS_ADDR_STR_MAX], num[20];
	const struct cgroup_container *ct;
	const char *exe, *cmd;
	size_t exe_len, cmd_len;
	int trunc;

	if (process_addr_format(n->family, n->remote_addr, raddr) < 0 ||
	    process_addr_format(n->family, n->local_addr, laddr) < 0) {
		c->stats.skipped++;
		return;
	}
	process_identity(s, v, &exe, &exe_len, &cmd, &cmd_len, &trunc);
	ct = process_container_of(s, v->pid, 0, false, true, 0);
	event_builder_begin(b, EVENT_CONNECTION_CREATE, v->time_ns + s->boot_to_realtime_ns);
	event_builder_item(b);
	event_add_cstr(b, CC_REMOTE_ADDRESS, raddr);
	event_add_str(b, CC_REMOTE_PORT, num, fmt_u64(num, n->remote_port));
	event_add_cstr(b, CC_LOCAL_ADDRESS, laddr);
	event_add_str(b, CC_LOCAL_PORT, num, fmt_u64(num, n->local_port));
	event_add_cstr(b, CC_DIRECTION, n->direction == PROCESS_DIRECTION_IN ? "In" : "Out");
	event_add_cstr(b, CC_PROTOCOL,
		       n->protocol == IPPROTO_UDP   ? "udp"
		       : n->protocol == IPPROTO_TCP ? "tcp"
						    : "unknown");
	event_add_int(b, CC_PROCESS_ID, v->pid);
	user_id_add(b, CC_USER_ID, v->uid);
	event_add_str(b, CC_EXECUTABLE, exe, exe_len);
	event_add_str(b, CC_COMMAND_LINE, cmd, cmd_len);
	if (trunc)
		event_add_extra_cstr(b, "CommandLineTruncated", "true");
	if (n->flags & PROCESS_CONNECT_PID_GUESSED)
		event_add_extra_cstr(b, "PidGuessed", "true");
	process_container_add(s, b, ct);
	finish_submit(c, b);
}

static void listen_emit(struct collector *c, struct process_state *s, const struct process_view *v)
{
	const struct process_view_listen *l = &v->listen;
	struct event_builder *b = &s->builder;
	char addr[PROCESS_ADDR_STR_MAX], num[20], ns[32];
	const struct cgroup_container *ct;
	const char *exe, *cmd;
	size_t exe_len, cmd_len;
	int trunc;

	if (process_addr_format(l->family, l->local_addr, addr) < 0) {
		c->stats.skipped++;
		return;
	}
	process_identity(s, v, &exe, &exe_len, &cmd, &cmd_len, &trunc);
	ct = process_listen_container_of(s, v);
	event_builder_begin(b, EVENT_LISTENER_CREATE, v->time_ns + s->boot_to_realtime_ns);
	event_builder_item(b);
	event_add_cstr(b, LC_LOCAL_ADDRESS, addr);
	event_add_str(b, LC_LOCAL_PORT, num, fmt_u64(num, l->local_port));
	event_add_cstr(b, LC_PROTOCOL, l->protocol == IPPROTO_UDP ? "udp" : "tcp");
	event_add_int(b, LC_PROCESS_ID, v->pid);
	user_id_add(b, LC_USER_ID, v->uid);
	event_add_str(b, LC_EXECUTABLE, exe, exe_len);
	event_add_str(b, LC_COMMAND_LINE, cmd, cmd_len);
	if (trunc)
		event_add_extra_cstr(b, "CommandLineTruncated", "true");
	event_add_extra_cstr(b, "Family", l->family == AF_INET ? "IPv4" : "IPv6");
	/* Only another namespace than ours (the one ListeningPorts lists) is named. */
	if (l->netns_ino && s->own_netns_ino && l->netns_ino != s->own_netns_ino)
		event_add_extra(b, "NetworkNamespace", ns,
				(size_t)snprintf(ns, sizeof(ns), "net:[%u]", l->netns_ino));
	process_container_add(s, b, ct);
	finish_submit(c, b);
}

void process_view_emit(struct collector *c, const struct process_view *v)
{
	struct process_state *s = collector_state(c);

	switch (v->type) {
	case PROCESS_RECORD_EXEC:
		exec_emit(c, s, v);
		break;
	case PROCESS_RECORD_EXIT:
		exit_emit(c, s, v);
		break;
	case PROCESS_RECORD_CONNECT:
		connect_emit(c, s, v);
		break;
	case PROCESS_RECORD_LISTEN:
		listen_emit(c, s, v);
		break;
	default:
		c->stats.skipped++;
		break;
	}
}

/* ---- collector ops ---- */

static void process_done(struct collector *c)
{
	struct process_state *s = collector_state(c);

	if (s->backend && s->backend_state && s->backend->stop)
		s->backend->stop(c);
	event_builder_done(&s->builder);
	s->users = process_users_free(s->users);
	s->pids = process_pids_free(s->pids);
	es_free(s->scratch);
	s->scratch = NULL;
	es_free(s->parent);
	s->parent = NULL;
	es_free(s->cgroup_buf);
	s->cgroup_buf = NULL;
	s->cgroups = cgroup_cache_free(s->cgroups);
	s->known = exec_identity_free(s->known);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	s->proc_fd = -1;
}

/* Inode of our network namespace (what ListeningPorts lists), 0 when unknown. */
static uint32_t own_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static int process_init(struct collector *c)
{
	struct process_state *s = collector_state(c);

	/* The host's /proc (host context): the processes of the host's PID namespace. */
	s->proc_fd = host_proc_fd(c->params.host) >= 0
			     ? fcntl(host_proc_fd(c->params.host), F_DUPFD_CLOEXEC, 3)
			     : -1;
	event_builder_init(&s->builder);
	s->containers = c->params.containers;
	s->users = process_users_new(c->params.host);
	s->pids = process_pids_new();
	s->scratch = es_malloc(2 * (PROCESS_CMDLINE_MAX + 1) + REDACT_GROWTH_MAX);
	s->parent = es_malloc(PROCESS_PARENT_MAX);
	s->cgroup_buf = es_malloc(PROCESS_CGROUP_MAX);
	s->cgroups = cgroup_cache_new(process_cgroup_root ? process_cgroup_root : "/sys/fs/cgroup");
	s->own_netns_ino = own_netns_ino();
	s->known = process_known_new(c->params.host);
	if (!s->users || !s->pids || !s->scratch || !s->parent || !s->cgroup_buf || !s->cgroups ||
	    !s->known)
		return -ENOMEM;
	return 0;
}

void process_cgroup_cache_stats(struct collector *c, struct cgroup_cache_stats *ret)
{
	struct process_state *s = collector_state(c);

	cgroup_cache_get_stats(s ? s->cgroups : NULL, ret);
}

/* "name[: own message][; fallback reasons]" into s->capture and, if not plain, last_error. */
static void capture_report(struct collector *c, struct process_state *s, const char *reasons)
{
	enum collector_state st = c->state;
	char own[sizeof(c->last_error)];

	memcpy(own, c->last_error, sizeof(own));
	int n;

	n = snprintf(s->capture, sizeof(s->capture), "%s%s%s%s%s", s->backend->name,
		     own[0] ? ": " : "", own, reasons[0] ? "; " : "", reasons);
	if (n > 0 && (own[0] || reasons[0]))
		collector_set_error(c, st, "capture %s", s->capture);
}

static int process_start(struct collector *c)
{
	struct process_state *s = collector_state(c);
	const char *want = c->params.capture && c->params.capture[0] ? c->params.capture : "auto";
	char reasons[sizeof(s->capture)] = "";
	size_t used = 0;
	int r = -ENODEV;

	s->boot_to_realtime_ns = boot_to_realtime();
	for (size_t i = 0; i < N_BACKENDS; i++) {
		const struct process_backend *b = process_backends[i];

		if (strcmp(want, "auto") != 0 && strcmp(want, b->name) != 0)
			continue;
		s->backend = b;
		c->state = COLLECTOR_STATE_NEW;
		c->last_error[0] = '\0';
		r = b->start(c);
		if (r == 0) {
			capture_report(c, s, reasons);
			return 0;
		}
		used += (size_t)snprintf(reasons + used, sizeof(reasons) - used, "%s%s: %s",
					 used ? "; " : "", b->name, c->last_error);
		if (used >= sizeof(reasons))
			used = sizeof(reasons) - 1;
	}
	s->backend = NULL;
	if (r == -ENODEV) {
		collector_set_error(c, COLLECTOR_STATE_FAILED,
				    "unknown capture \"%s\" (auto, ebpf, audit or cnproc)", want);
		return -EINVAL;
	}
	if (snprintf(s->capture, sizeof(s->capture), "none; %s", reasons) < 0)
		s->capture[0] = '\0';
	collector_set_error(c, COLLECTOR_STATE_FAILED, "no capture works: %s", reasons);
	return r;
}

void process_known_stats(struct collector *c, struct exec_identity_stats *ret)
{
	struct process_state *s = collector_state(c);

	exec_identity_get_stats(s ? s->known : NULL, ret);
}

uint64_t process_container_vanished(struct collector *c)
{
	struct process_state *s = collector_state(c);

	return s->container_vanished;
}

uint64_t process_container_at_exec(struct collector *c)
{
	struct process_state *s = collector_state(c);

	return s->container_at_exec;
}

const char *process_capture_describe(struct collector *c)
{
	struct process_state *s = collector_state(c);

	return s->capture[0] ? s->capture : NULL;
}

static int process_get_fd(struct collector *c)
{
	struct process_state *s = collector_state(c);

	return s->backend && s->backend_state && s->backend->get_fd ? s->backend->get_fd(c) : -1;
}

static void process_dispatch(struct collector *c, uint32_t revents)
{
	struct process_state *s = collector_state(c);

	if (s->backend && s->backend_state && s->backend->dispatch)
		s->backend->dispatch(c, revents);
}

static void process_stop(struct collector *c)
{
	struct process_state *s = collector_state(c);

	if (s->backend && s->backend_state && s->backend->stop)
		s->backend->stop(c);
}

/*
 * Calls after start beyond the base allow-list, per backend (core/seccomp.c).  No socket: the
 * audit and connector sockets are opened at start and kept (AUDIT_SET at stop goes over the
 * kept one, audit/audit-control.c); no bpf() after start.
 */
static const struct collector_syscalls process_syscalls[] = {
	/* libbpf disables the tracepoints' perf events at stop */
	{ "ebpf", 0, 0, COLLECTOR_SYSCALL_PERF_IOCTL },
	/* a socket's address (connect records) and the stdio peer through pidfd_getfd */
	{ "audit", 0, 0, COLLECTOR_SYSCALL_PIDFD },
	/* the stdio peer through pidfd_getfd */
	{ "cnproc", 0, 0, COLLECTOR_SYSCALL_PIDFD },
};

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps process_caps[] = {
	/* ring buffer and counters are mmap'ed; /proc/<pid>/exe for connections of unknown pids. */
	{ "ebpf", COLLECTOR_CAP(CAP_SYS_PTRACE) },
	/* AUDIT_GET (lost counter), AUDIT_DEL_RULE and AUDIT_SET at stop; pidfd_getfd. */
	{ "audit", COLLECTOR_CAP(CAP_AUDIT_CONTROL) | COLLECTOR_CAP(CAP_SYS_PTRACE) },
	/* PROC_CN_MCAST_IGNORE at stop; /proc/<pid>/exe and cwd. */
	{ "cnproc", COLLECTOR_CAP(CAP_NET_ADMIN) | COLLECTOR_CAP(CAP_SYS_PTRACE) },
};

/* The host namespaces it must share (core/host-check.c), the first unmet one reported. */
static const struct collector_host_need process_host_needs[] = {
	{ "audit", HOST_NS_NET,
	  "the kernel sends audit records to the host's network namespace only",
	  "NetworkMode host" },
	{ NULL, HOST_NS_PID,
	  "executables, command lines and containers of host processes are looked up in its "
	  "own /proc",
	  "PidMode host" },
	{ NULL, HOST_NS_CGROUP,
	  "container attribution reads cgroup paths relative to its own cgroup namespace",
	  "CgroupnsMode host" },
	{ NULL, _HOST_NS_MAX, "process details cannot be read", "PidMode host" },
	{ NULL, HOST_NS_USER, "its capabilities do not reach the host's kernel",
	  "UsernsMode host" },
};

const struct collector_ops process_collector_ops = {
	.name = "process",
	.types = { EVENT_PROCESS_CREATE, EVENT_PROCESS_TERMINATE, EVENT_CONNECTION_CREATE,
		   EVENT_LISTENER_CREATE },
	.n_types = 4,
	.state_size = sizeof(struct process_state),
	.init = process_init,
	.start = process_start,
	.get_fd = process_get_fd,
	.dispatch = process_dispatch,
	.stop = process_stop,
	.done = process_done,
	.describe = process_capture_describe,
	.caps = process_caps,
	.n_caps = ARRAY_SIZE(process_caps),
	.syscalls = process_syscalls,
	.n_syscalls = ARRAY_SIZE(process_syscalls),
	.host_needs = process_host_needs,
	.n_host_needs = ARRAY_SIZE(process_host_needs),
};
