/* SPDX-License-Identifier: MIT */
/*
 * The host context (host.h): the host's root, its /proc, our namespaces compared with the
 * host's, and the shared run directory.
 *
 * Containment.  A path is opened relative to the root's fd with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS): ".." stops at the root and absolute symlinks restart at the root,
 * so /host/etc/os-release -> /usr/lib/os-release is read from /host/usr/lib/os-release.  When
 * openat2 is missing (kernels before 5.6: ENOSYS) or refused (an old seccomp profile: EPERM),
 * the same rules are applied by walking the path one component at a time from the root fd:
 * each component is opened O_PATH|O_NOFOLLOW, a symlink is read from that fd (no race with a
 * rename) and its target pushed in front of the rest of the path (restarting at the root
 * when absolute), ".." pops a level but never above the root, at most HOST_LINKS_MAX links
 * and HOST_DEPTH_MAX levels.  The last component is opened with O_NOFOLLOW and followed the
 * same way if it is a symlink.  Nothing is ever resolved outside the root, whichever is used.
 *
 * The host's /proc.  For the agent (HOST_CONTEXT_OWN_PROC): <root>/proc when it is a procfs
 * showing us from an ancestor PID namespace (the host's /proc bound into a container with a
 * PID namespace of its own), else our own /proc.  For an offline tree: <root>/proc if there
 * is one (else ours with HOST_CONTEXT_TREE_PROC, none without).  "/": our /proc.  /proc is the
 * kernel's, so paths in it are opened with openat.
 *
 * Namespaces.  Initial namespaces have fixed inode numbers below 0xF0000000 (pid, user, uts
 * since 3.8, cgroup since 4.6, net on recent kernels); every other namespace gets one from
 * 0xF0000000 up.  So our pid/user/uts/cgroup namespace is the host's iff its inode is below.  For
 * the network namespace (dynamic on older kernels) we compare with the host's init (pid 1 in the
 * host's /proc): its ns link when we may read it (ptrace rights), else the inode of
 * /proc/1/net/dev, which is per network namespace and readable without ptrace rights.
 */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/num.h"

#define NS_DYNAMIC_FIRST 0xF0000000ul
#define OPENAT2_RETRIES 8 /* EAGAIN: a rename raced with ".." resolution */

struct host_context {
	int root_fd; /* O_PATH directory */
	int proc_fd; /* the host's /proc, or -1 */
	bool slash;  /* root is our own "/" */
	bool no_openat2;
	char root[HOST_PATH_MAX];
	char proc_path[HOST_PATH_MAX + 8];
	enum host_ns_state ns[_HOST_NS_MAX];
};

static const char *const ns_names[_HOST_NS_MAX] = {
	[HOST_NS_PID] = "pid",	 [HOST_NS_NET] = "net", [HOST_NS_CGROUP] = "cgroup",
	[HOST_NS_USER] = "user", [HOST_NS_UTS] = "uts",
};

static const char *const ns_state_names[_HOST_NS_STATE_MAX] = {
	[HOST_NS_STATE_UNKNOWN] = "unknown",
	[HOST_NS_STATE_HOST] = "host",
	[HOST_NS_STATE_OWN] = "own",
};

const char *host_ns_to_string(enum host_ns ns)
{
	return ns >= 0 && ns < _HOST_NS_MAX ? ns_names[ns] : NULL;
}

const char *host_ns_state_to_string(enum host_ns_state s)
{
	return s >= 0 && s < _HOST_NS_STATE_MAX ? ns_state_names[s] : NULL;
}

/* ---- resolution below the root ---- */

static const char *skip_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

/* Flags openat2 accepts with O_PATH (anything else is EINVAL there). */
static int clean_flags(int flags)
{
	flags |= O_CLOEXEC;
	if (flags & O_PATH)
		return flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return flags | O_NOCTTY;
}

static int open_openat2(int root_fd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)flags,
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = -1;

	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd >= 0 ? fd : -errno;
}

struct walk {
	int root_fd;
	int stack[HOST_DEPTH_MAX]; /* opened directories below the root; top = current */
	int depth;
	unsigned links;
	char rest[HOST_PATH_MAX + 1]; /* what is left to resolve */
};

static int walk_cur(const struct walk *w)
{
	return w->depth ? w->stack[w->depth - 1] : w->root_fd;
}

static void walk_pop_all(struct walk *w)
{
	while (w->depth)
		close(w->stack[--w->depth]);
}

/* The symlink open at lfd: its target goes in front of `after` (restarting at the root). */
static int walk_follow(struct walk *w, int lfd, const char *after)
{
	char target[HOST_PATH_MAX + 1], joined[HOST_PATH_MAX + 1];
	ssize_t n;
	int len;

	if (++w->links > HOST_LINKS_MAX)
		return -ELOOP;
	n = readlinkat(lfd, "", target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENOENT;
	target[n] = '\0';
	if (target[0] == '/')
		walk_pop_all(w);
	len = snprintf(joined, sizeof(joined), "%s%s%s", target, *after ? "/" : "", after);
	if (len < 0 || (size_t)len >= sizeof(joined))
		return -ENAMETOOLONG;
	memcpy(w->rest, joined, (size_t)len + 1);
	return 0;
}

/* One intermediate component: descend into it, or follow it. */
static int walk_step_dir(struct walk *w, const char *comp, const char *after)
{
	struct stat st;
	int fd = openat(walk_cur(w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		r = walk_follow(w, fd, after);
		close(fd);
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return -ENOTDIR;
	}
	if (w->depth == HOST_DEPTH_MAX) {
		close(fd);
		return -ENAMETOOLONG;
	}
	w->stack[w->depth++] = fd;
	/* The rest of the path stays where it is: copy it to the front. */
	memmove(w->rest, after, strlen(after) + 1);
	return 0;
}

/*
 * The last component: its fd (>= 0), or -errno; *ret_followed when it was a symlink whose
 * target now heads w->rest.
 */
static int walk_step_last(struct walk *w, const char *comp, int flags, mode_t mode,
			  bool *ret_followed)
{
	struct stat st;
	int fd, r;

	*ret_followed = false;
	if (flags & O_NOFOLLOW)
		return (fd = openat(walk_cur(w), comp, flags, mode)) < 0 ? -errno : fd;
	fd = openat(walk_cur(w), comp, flags | O_NOFOLLOW, mode);
	if (fd >= 0 && !(flags & O_PATH))
		return fd;
	if (fd < 0 && errno != ELOOP)
		return -errno;
	if (fd < 0) {
		fd = openat(walk_cur(w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISLNK(st.st_mode)) {
		if (flags & O_PATH)
			return fd; /* O_PATH of a non-link: that is the answer */
		close(fd);
		return -ELOOP;
	}
	r = walk_follow(w, fd, "");
	close(fd);
	*ret_followed = r == 0;
	return r;
}

static int open_walk(int root_fd, const char *path, int flags, mode_t mode)
{
	struct walk *w = es_calloc(1, sizeof(*w));
	int r = -ENOENT;

	if (!w)
		return -ENOMEM;
	w->root_fd = root_fd;
	if (strlen(path) >= sizeof(w->rest)) {
		es_free(w);
		return -ENAMETOOLONG;
	}
	memcpy(w->rest, path, strlen(path) + 1);
	for (;;) {
		char comp[HOST_PATH_MAX + 1];
		const char *p = skip_slashes(w->rest), *after;
		size_t n = strcspn(p, "/");

		if (n == 0) { /* nothing left: the current directory itself */
			r = openat(walk_cur(w), ".", flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW),
				   mode);
			r = r < 0 ? -errno : r;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		after = skip_slashes(p + n);
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			if (strcmp(comp, "..") == 0 && w->depth)
				close(w->stack[--w->depth]); /* never above the root */
			memmove(w->rest, after, strlen(after) + 1);
			continue;
		}
		if (*after) {
			r = walk_step_dir(w, comp, after);
			if (r < 0)
				break;
		} else {
			bool followed;

			r = walk_step_last(w, comp, flags, mode, &followed);
			if (r < 0 || !followed)
				break;
		}
	}
	walk_pop_all(w);
	es_free(w);
	return r;
}

int host_open(struct host_context *h, const char *path, int flags, mode_t mode)
{
	const char *rel = skip_slashes(path);
	int fd;

	if (!*rel)
		rel = ".";
	flags = clean_flags(flags);
	if (!h->no_openat2) {
		fd = open_openat2(h->root_fd, rel, flags, mode);
		if (fd != -ENOSYS && fd != -EPERM && fd != -E2BIG)
			return fd;
		h->no_openat2 = true; /* old kernel or a seccomp filter refusing it */
	}
	return open_walk(h->root_fd, rel, flags, mode);
}

int host_stat(struct host_context *h, const char *path, struct stat *ret_st)
{
	int fd = host_open(h, path, O_PATH, 0), r = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, ret_st) < 0)
		r = -errno;
	close(fd);
	return r;
}

int host_open_regular(struct host_context *h, const char *path)
{
	int fd = host_open(h, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0), r;

	if (fd < 0)
		return fd;
	r = fd_check_regular(fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int host_read_file(struct host_context *h, const char *path, size_t max, char **ret_data,
		   size_t *ret_len)
{
	struct stat st;
	int fd = host_open(h, path, O_RDONLY | O_NONBLOCK, 0), r;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = read_fd_capped(fd, max, ret_data, ret_len);
	close(fd);
	return r;
}

const char *host_context_resolver(const struct host_context *h)
{
	return h->no_openat2 ? "walk" : "openat2";
}

/* ---- /proc ---- */

int host_proc_fd(const struct host_context *h)
{
	return h->proc_fd;
}

int host_proc_open(const struct host_context *h, const char *path, int flags)
{
	int fd;

	if (h->proc_fd < 0)
		return -ENOENT;
	fd = openat(h->proc_fd, skip_slashes(path), flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int host_proc_read_file(const struct host_context *h, const char *path, size_t max, char **ret_data,
			size_t *ret_len)
{
	if (h->proc_fd < 0)
		return -ENOENT;
	return read_file_at(h->proc_fd, skip_slashes(path), max, ret_data, ret_len);
}

int host_proc_readlink(const struct host_context *h, const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (h->proc_fd < 0)
		return -ENOENT;
	if (size < 2)
		return -ENAMETOOLONG;
	n = readlinkat(h->proc_fd, skip_slashes(path), buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static bool is_procfs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* Entries of the NSpid line of <proc>/self/status: 1 in the procfs of our own PID namespace. */
static int nspid_levels(int proc_fd)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	const char *p;
	int n = 0;

	if (read_file_at(proc_fd, "self/status", 64 * 1024, &data, &len) < 0)
		return -1;
	p = strstr(data, "\nNSpid:");
	if (!p)
		return 1; /* kernels before 4.1: no nested view to compare */
	for (p += 7; *p && *p != '\n'; p++)
		if ((p[0] == '\t' || p[0] == ' ') && p[1] >= '0' && p[1] <= '9')
			n++;
	return n;
}

/* The namespace inode of a "pid:[4026531836]" link; 0 if unreadable. */
static unsigned long ns_inode_at(int dirfd, const char *path)
{
	char link[64];
	ssize_t n = readlinkat(dirfd, path, link, sizeof(link) - 1);
	const char *b;
	uint64_t v;
	size_t used;

	if (n <= 0)
		return 0;
	link[n] = '\0';
	b = strchr(link, '[');
	if (!b || num_scan_u64(b + 1, strlen(b + 1), 10, ULONG_MAX, &v, &used) < 0)
		return 0;
	return (unsigned long)v;
}

static enum host_ns_state ns_by_inode(int own_proc, const char *name, bool absent_is_host)
{
	char path[32];
	unsigned long ino;

	snprintf(path, sizeof(path), "self/ns/%s", name);
	ino = ns_inode_at(own_proc, path);
	if (!ino) {
		struct stat st;

		/* No such namespace type in this kernel: everyone shares the one there is. */
		if (absent_is_host && fstatat(own_proc, "self/ns", &st, 0) == 0 &&
		    fstatat(own_proc, path, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			return HOST_NS_STATE_HOST;
		return HOST_NS_STATE_UNKNOWN;
	}
	return ino < NS_DYNAMIC_FIRST ? HOST_NS_STATE_HOST : HOST_NS_STATE_OWN;
}

static enum host_ns_state net_state(const struct host_context *h, int own_proc)
{
	enum host_ns_state s = ns_by_inode(own_proc, "net", false);
	unsigned long mine, init;
	struct stat a, b;

	/* A fixed inode is the initial namespace; a dynamic one may still be the host's (older
	 * kernels give init_net a dynamic one too): compare with the host's init. */
	if (s != HOST_NS_STATE_OWN)
		return s;
	if (h->proc_fd < 0 || h->ns[HOST_NS_PID] != HOST_NS_STATE_HOST)
		return HOST_NS_STATE_UNKNOWN;
	mine = ns_inode_at(own_proc, "self/ns/net");
	init = ns_inode_at(h->proc_fd, "1/ns/net");
	if (mine && init)
		return mine == init ? HOST_NS_STATE_HOST : HOST_NS_STATE_OWN;
	if (fstatat(h->proc_fd, "1/net/dev", &a, 0) == 0 &&
	    fstatat(own_proc, "self/net/dev", &b, 0) == 0)
		return a.st_ino == b.st_ino ? HOST_NS_STATE_HOST : HOST_NS_STATE_OWN;
	return HOST_NS_STATE_UNKNOWN;
}

/*
 * <root>/proc as the host's /proc.  Agent (HOST_CONTEXT_OWN_PROC): only a procfs that shows
 * us from an ancestor PID namespace (the host's /proc bound into a container of its own PID
 * namespace), else our own.  Otherwise (an offline tree: `edgesec baseline --root DIR`):
 * whatever directory is there.
 */
static bool root_proc_wanted(int in_root, int own, unsigned flags)
{
	if (!(flags & HOST_CONTEXT_OWN_PROC))
		return true;
	return is_procfs(in_root) && (own < 0 || nspid_levels(in_root) > nspid_levels(own));
}

/* Picks the host's /proc and works out the namespaces. */
static void find_proc(struct host_context *h, unsigned flags)
{
	int own = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), in_root = -1;

	if (own >= 0 && !is_procfs(own)) {
		close(own);
		own = -1;
	}
	if (!h->slash)
		in_root = host_open(h, "proc", O_RDONLY | O_DIRECTORY, 0);
	h->ns[HOST_NS_PID] = own >= 0 ? ns_by_inode(own, "pid", false) : HOST_NS_STATE_UNKNOWN;
	h->ns[HOST_NS_USER] = own >= 0 ? ns_by_inode(own, "user", false) : HOST_NS_STATE_UNKNOWN;
	h->ns[HOST_NS_CGROUP] = own >= 0 ? ns_by_inode(own, "cgroup", true) : HOST_NS_STATE_UNKNOWN;
	h->ns[HOST_NS_UTS] = own >= 0 ? ns_by_inode(own, "uts", false) : HOST_NS_STATE_UNKNOWN;
	if (in_root >= 0 && root_proc_wanted(in_root, own, flags)) {
		h->proc_fd = in_root;
		in_root = -1;
		snprintf(h->proc_path, sizeof(h->proc_path), "%s/proc", h->root);
		if (flags & HOST_CONTEXT_OWN_PROC)
			h->ns[HOST_NS_PID] =
				HOST_NS_STATE_HOST; /* an ancestor's view: the host's */
	} else if (own >= 0 &&
		   (h->slash || (flags & (HOST_CONTEXT_OWN_PROC | HOST_CONTEXT_TREE_PROC)))) {
		h->proc_fd = fcntl(own, F_DUPFD_CLOEXEC, 3);
		snprintf(h->proc_path, sizeof(h->proc_path), "/proc");
	}
	h->ns[HOST_NS_NET] = own >= 0 ? net_state(h, own) : HOST_NS_STATE_UNKNOWN;
	if (in_root >= 0)
		close(in_root);
	if (own >= 0)
		close(own);
}

enum host_ns_state host_ns_state(const struct host_context *h, enum host_ns ns)
{
	return ns >= 0 && ns < _HOST_NS_MAX ? h->ns[ns] : HOST_NS_STATE_UNKNOWN;
}

void host_ns_format(const struct host_context *h, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (int i = 0; i < _HOST_NS_MAX && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s=%s", i ? "," : "", ns_names[i],
				 ns_state_names[h->ns[i]]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* ---- lifecycle ---- */

int host_context_open(const char *root, unsigned flags, struct host_context **ret, char *err,
		      size_t err_size)
{
	struct host_context *h;
	size_t n;

	if (!root || !*root)
		root = "/";
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n >= HOST_PATH_MAX) {
		snprintf(err, err_size, "host root is longer than %d bytes", HOST_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	h = es_calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	memcpy(h->root, root, n);
	h->root[n] = '\0';
	h->slash = strcmp(h->root, "/") == 0;
	h->no_openat2 = flags & HOST_CONTEXT_NO_OPENAT2;
	h->proc_fd = -1;
	h->root_fd = open(h->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->root_fd < 0) {
		int r = -errno;

		snprintf(err, err_size, "host root %s: %s", h->root, strerror(-r));
		es_free(h);
		return r;
	}
	find_proc(h, flags);
	*ret = h;
	return 0;
}

struct host_context *host_context_free(struct host_context *h)
{
	if (!h)
		return NULL;
	if (h->proc_fd >= 0)
		close(h->proc_fd);
	if (h->root_fd >= 0)
		close(h->root_fd);
	es_free(h);
	return NULL;
}

const char *host_context_root(const struct host_context *h)
{
	return h->root;
}

bool host_context_root_is_slash(const struct host_context *h)
{
	return h->slash;
}

const char *host_context_proc_path(const struct host_context *h)
{
	return h->proc_fd >= 0 ? h->proc_path : "";
}

/* ---- the shared run directory ---- */

int host_run_dir_open(struct host_context *h)
{
	int fd = host_open(h, "/" HOST_RUN_DIR, O_PATH | O_DIRECTORY, 0), parent, r;

	if (fd != -ENOENT)
		return fd;
	parent = host_open(h, "/run", O_PATH | O_DIRECTORY, 0);
	if (parent < 0)
		return parent;
	r = mkdirat(parent, "edgesec", 0755) < 0 && errno != EEXIST ? -errno : 0;
	close(parent);
	if (r < 0)
		return r;
	return host_open(h, "/" HOST_RUN_DIR, O_PATH | O_DIRECTORY, 0);
}
