/* SPDX-License-Identifier: MIT */
/*
 * What an exec really ran and where: the resolved path of the executed file (ExtraDetails
 * ExecutablePath) and the container from the cgroup the kernel saw at exec.  Used by the front
 * end (process.c) for every backend.
 *
 * ExecutablePath is Executable with every symlink resolved, reported when it differs (a link
 * named `ls` to nmap, a link outside /tmp to a binary in /dev/shm):
 *   - a binary, eBPF: the path of mm->exe_file walked in the kernel at exec (exact, also for a
 *     process that exits at once or a file deleted since).  A walk cut by its bounds (deeper
 *     than PROCESS_CWD_DEPTH) is completed from /proc/<pid>/exe while the process lives, else
 *     reported as it is with ExecutablePathTruncated;
 *   - a binary, audit: the SYSCALL record's exe (the kernel's d_path of the same file);
 *   - the proc connector: nothing, its Executable is /proc/<pid>/exe already;
 *   - a script (an Interpreter was reported): the kernel has only opened the interpreter by the
 *     time any hook sees the exec, so the script's path is resolved here, inside the process's
 *     root (/proc/<pid>/root, openat2 RESOLVE_IN_ROOT), while the process lives.  The
 *     interpreter opens the script by the same path after the exec, so this is the file it
 *     reads unless the links change in between (a race, documented).
 * All paths are as the process sees them (its root, a container's or a chroot's).
 *
 * StdinPath (process_stdin_path()) is the regular file on fd 0 when the process started: a
 * script fed to an interpreter on stdin (`bash < /tmp/x.sh`, `python3 - < /dev/shm/x`), which
 * leaves no path in the command line.  eBPF walks it in the kernel at exec (exact, also for a
 * shell that has read its script and exited); audit and the proc connector read the
 * /proc/<pid>/fd/0 link while the process lives (racy, see process-int.h).
 *
 * The container: the eBPF record carries the names of the task's cgroup directories at exec in
 * the hierarchy that tells containers apart (bpf/process-exec.bpf.h cgroup_fill()); they become a
 * /proc/<pid>/cgroup-style line for the one cgroup parser (cgroup-parse.h).  The hierarchy is
 * chosen once at load from /proc/cgroups (process_cgroup_source_parse()): the first of a fixed
 * list of cgroup v1 controllers that is mounted on a hierarchy (every container engine puts a
 * container in each of them), else the default (v2) hierarchy.  A process gone before its
 * record is read (a short `docker exec sh -c ...`) is still attributed: nothing is read from
 * /proc for it.  Limits: at most PROCESS_CGROUP_DEPTH levels and PROCESS_CGROUP_NAMES_MAX bytes
 * (a deeper walk is cut and the container then comes from /proc as before); a v1 controller
 * the kernel does not have (CO-RE enum check) leaves the record without a cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "process-int.h"

/* In order of preference; index: enum process_cgroup_source. */
static const char *const cgroup_source_names[PROCESS_CGROUP_SOURCE_MAX] = {
	[PROCESS_CGROUP_SOURCE_PIDS] = "pids",	     [PROCESS_CGROUP_SOURCE_MEMORY] = "memory",
	[PROCESS_CGROUP_SOURCE_CPU] = "cpu",	     [PROCESS_CGROUP_SOURCE_CPUACCT] = "cpuacct",
	[PROCESS_CGROUP_SOURCE_DEVICES] = "devices", [PROCESS_CGROUP_SOURCE_FREEZER] = "freezer",
	[PROCESS_CGROUP_SOURCE_BLKIO] = "blkio",     [PROCESS_CGROUP_SOURCE_CPUSET] = "cpuset",
};

/* Next whitespace-separated field of [*p, end): its start and length (0 at the line's end). */
static size_t field_next(const char **p, const char *end, const char **ret)
{
	const char *s = *p;
	size_t n = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	*ret = s;
	while (s + n < end && s[n] != ' ' && s[n] != '\t' && s[n] != '\n')
		n++;
	*p = s + n;
	return n;
}

/* One "name hierarchy num_cgroups enabled" line: its source when usable, else NONE. */
static enum process_cgroup_source cgroups_line(const char *s, const char *end)
{
	const char *f[4];
	size_t n[4];

	for (size_t i = 0; i < 4; i++)
		n[i] = field_next(&s, end, &f[i]);
	if (!n[0] || f[0][0] == '#' || !n[1] || (n[1] == 1 && f[1][0] == '0') ||
	    !(n[3] == 1 && f[3][0] == '1'))
		return PROCESS_CGROUP_SOURCE_NONE;
	for (size_t i = 0; i < n[1]; i++)
		if (f[1][i] < '0' || f[1][i] > '9')
			return PROCESS_CGROUP_SOURCE_NONE;
	for (int k = PROCESS_CGROUP_SOURCE_PIDS; k < PROCESS_CGROUP_SOURCE_MAX; k++)
		if (strlen(cgroup_source_names[k]) == n[0] &&
		    memcmp(cgroup_source_names[k], f[0], n[0]) == 0)
			return (enum process_cgroup_source)k;
	return PROCESS_CGROUP_SOURCE_NONE;
}

enum process_cgroup_source process_cgroup_source_parse(const char *text, size_t len)
{
	enum process_cgroup_source best = PROCESS_CGROUP_SOURCE_MAX;
	const char *p = text, *end = text ? text + len : text;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		enum process_cgroup_source k = cgroups_line(p, line_end);

		if (k != PROCESS_CGROUP_SOURCE_NONE && k < best)
			best = k;
		p = nl ? nl + 1 : end;
	}
	return best == PROCESS_CGROUP_SOURCE_MAX ? PROCESS_CGROUP_SOURCE_DFL : best;
}

int process_exec_container(const struct process_view_exec *x, struct cgroup_container *ret)
{
	char text[PROCESS_CGROUP_NAMES_MAX + PROCESS_CGROUP_DEPTH + 8] = "0::";
	size_t n;

	if (!(x->flags & (PROCESS_EXEC_CGROUP_KNOWN | PROCESS_EXEC_CGROUP_TRUNCATED)))
		return -ENOENT;
	n = process_cwd_format(x->cgroup_parts, x->cgroup_len, text + 3, sizeof(text) - 3);
	if (cgroup_container_parse(text, n + 3, ret) == 0)
		return 1;
	/* a cut walk that names no container may still be below one: it does not tell */
	return x->flags & PROCESS_EXEC_CGROUP_KNOWN ? 0 : -ENOENT;
}

/*
 * readlink of <pid>/<what> below the /proc fd (the link is read, never followed), " (deleted)"
 * dropped (then *ret_deleted, when given); length or -errno.
 */
static ssize_t proc_link(int proc_fd, uint32_t pid, const char *what, char *out, size_t size,
			 bool *ret_deleted)
{
	static const char deleted[] = " (deleted)";
	char path[48];
	ssize_t n;

	if (proc_fd < 0 || size < 2)
		return -EBADF;
	snprintf(path, sizeof(path), "%u/%s", pid, what);
	n = readlinkat(proc_fd, path, out, size - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	if ((size_t)n > sizeof(deleted) - 1 &&
	    memcmp(out + n - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1) == 0) {
		n -= sizeof(deleted) - 1;
		if (ret_deleted)
			*ret_deleted = true;
	}
	out[n] = '\0';
	return n;
}

/*
 * path (absolute, in pid's view) with its symlinks resolved inside pid's root; length or
 * -errno.  The kernel names the file it opened relative to our root when it can reach it (a
 * chroot below ours: the chroot's prefix is dropped), else relative to the root of the
 * process's mount namespace (a container): as the process sees it, either way.
 */
static ssize_t resolve_in_root(int proc_fd, uint32_t pid, const char *path, char *out, size_t size)
{
#ifdef SYS_openat2
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	char root[PROCESS_EXE_MAX + 64], self[48];
	int root_fd, fd;
	ssize_t n, rn;

	snprintf(self, sizeof(self), "%u/root", pid);
	root_fd = openat(proc_fd, self, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
	close(root_fd);
	if (fd < 0)
		return -errno;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	n = readlink(self, out, size - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	out[n] = '\0';
	rn = proc_link(proc_fd, pid, "root", root, sizeof(root), NULL);
	if (rn > 1 && n > rn && memcmp(out, root, (size_t)rn) == 0 && out[rn] == '/') {
		memmove(out, out + rn, (size_t)(n - rn) + 1);
		n -= rn;
	}
	return n;
#else
	(void)proc_fd, (void)pid, (void)path, (void)out, (void)size;
	return -ENOSYS;
#endif
}

size_t process_exec_path(int proc_fd, uint32_t pid, const struct process_view_exec *x,
			 const char *exe, size_t exe_len, bool script, char *out, size_t out_size,
			 bool *ret_truncated)
{
	ssize_t n = 0;

	*ret_truncated = false;
	if (out_size < PROCESS_EXE_MAX)
		return 0;
	if (script) {
		char path[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2];

		if (!exe_len || exe[0] != '/' || exe_len >= sizeof(path) || proc_fd < 0)
			return 0;
		memcpy(path, exe, exe_len);
		path[exe_len] = '\0';
		n = resolve_in_root(proc_fd, pid, path, out, out_size);
		*ret_truncated = n > 0 && (size_t)n >= out_size - 1;
	} else if (x->flags & PROCESS_EXEC_PATH_KNOWN) {
		if (x->flags & PROCESS_EXEC_PATH_TRUNCATED) {
			n = proc_link(proc_fd, pid, "exe", out, out_size, NULL);
			*ret_truncated = n > 0 && (size_t)n >= out_size - 1;
		}
		if (n <= 0) {
			n = (ssize_t)process_cwd_format(x->path_parts, x->path_len, out, out_size);
			*ret_truncated = (x->flags & PROCESS_EXEC_PATH_TRUNCATED) != 0;
		}
	} else if (x->exe_real_len && x->exe_real_len < out_size) {
		memcpy(out, x->exe_real, x->exe_real_len);
		n = (ssize_t)x->exe_real_len;
		out[n] = '\0';
	}
	if (n <= 0 || ((size_t)n == exe_len && memcmp(out, exe, exe_len) == 0)) {
		*ret_truncated = false;
		return 0;
	}
	return (size_t)n;
}

/* True when path ends with "/" and the innermost of the walked components (the file's name). */
static bool ends_with_name(const char *path, size_t len, const char *parts, size_t parts_len)
{
	size_t nlen = strnlen(parts, parts_len);

	return nlen && len > nlen && path[len - nlen - 1] == '/' &&
	       memcmp(path + len - nlen, parts, nlen) == 0;
}

size_t process_stdin_path(int proc_fd, uint32_t pid, const struct process_view_exec *x, char *out,
			  size_t out_size, bool *ret_truncated, bool *ret_deleted)
{
	ssize_t n = 0;

	*ret_truncated = false;
	*ret_deleted = false;
	if (out_size < PROCESS_EXE_MAX || !(x->flags & PROCESS_EXEC_STDIO_KNOWN) ||
	    x->stdio[0] != PROCESS_STDIO_FILE)
		return 0;
	if (!(x->flags & PROCESS_EXEC_STDIN_KNOWN)) {
		/* audit, proc connector: what fd 0 names now */
		n = proc_link(proc_fd, pid, "fd/0", out, out_size, ret_deleted);
		if (n <= 0 || out[0] != '/') {
			*ret_deleted = false;
			return 0;
		}
		*ret_truncated = (size_t)n >= out_size - 1;
		return (size_t)n;
	}
	*ret_deleted = (x->flags & PROCESS_EXEC_STDIN_DELETED) != 0;
	if (x->flags & PROCESS_EXEC_STDIN_TRUNCATED) {
		bool gone = false;

		n = proc_link(proc_fd, pid, "fd/0", out, out_size, &gone);
		if (n > 0 && (out[0] != '/' ||
			      !ends_with_name(out, (size_t)n, x->stdin_parts, x->stdin_len)))
			n = 0; /* fd 0 is another file by now */
		*ret_truncated = n > 0 && (size_t)n >= out_size - 1;
	}
	if (n <= 0) {
		n = (ssize_t)process_cwd_format(x->stdin_parts, x->stdin_len, out, out_size);
		*ret_truncated = (x->flags & PROCESS_EXEC_STDIN_TRUNCATED) != 0;
	}
	return (size_t)n;
}
