/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The host as the agent sees it: one object made once at start (core/agent.c; the baseline
 * command), handed to every collector (struct collector_params) and to the baseline engine.
 * It holds:
 *   - the host's root directory (an fd on "/", or on where the host's root is bound, e.g.
 *     /host in the module), below which every host file is opened with containment: a path,
 *     and every symlink met on the way (absolute ones too), resolves inside the root and
 *     never outside it (openat2 RESOLVE_IN_ROOT, or a component-by-component walk with the
 *     same rules where openat2 is missing or refused);
 *   - the host's /proc: our own /proc when it shows the host's processes (host PID
 *     namespace), or <root>/proc when that is a procfs of an ancestor PID namespace;
 *   - whether we share the host's PID, network, cgroup, user and UTS namespaces (the collectors
 *     that need them are degraded otherwise: core/host-check.c says which and why);
 *   - <root>/run/edgesec, where every agent on the host meets (the audit lock).
 * See host.c for how each is found.  Library code: no logging.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

enum host_ns {
	HOST_NS_PID,
	HOST_NS_NET,
	HOST_NS_CGROUP,
	HOST_NS_USER,
	HOST_NS_UTS,
	_HOST_NS_MAX,
};

enum host_ns_state {
	HOST_NS_STATE_UNKNOWN, /* cannot tell (e.g. the host's init is not visible) */
	HOST_NS_STATE_HOST,    /* we are in the host's namespace */
	HOST_NS_STATE_OWN,     /* we are in a namespace of our own (a container's) */
	_HOST_NS_STATE_MAX,
};

/* host_context_open() flags. */
enum {
	/* The agent: <root>/proc only when it is the procfs of an ancestor PID namespace, else
	 * our own /proc (a module with the host's PID namespace sees the host's processes
	 * there).  Without it (an offline tree: `edgesec baseline --root DIR`) the host's /proc
	 * is <root>/proc when there is such a directory, else none. */
	HOST_CONTEXT_OWN_PROC = 1u << 0,
	/* `edgesec baseline --root DIR`: <root>/proc when the tree has one (a procfs, or a copy
	 * made for the check), else our own /proc (the tree is the running host's root). */
	HOST_CONTEXT_TREE_PROC = 1u << 2,
	/* Never use openat2 (tests of the fallback walk). */
	HOST_CONTEXT_NO_OPENAT2 = 1u << 1,
};

#define HOST_PATH_MAX 4096
#define HOST_LINKS_MAX 40  /* symlinks followed in one resolution (as the kernel) */
#define HOST_DEPTH_MAX 128 /* directory levels of one resolution */
#define HOST_RUN_DIR "run/edgesec"

struct host_context;

/*
 * Opens the host context for root ("/" or NULL: our own root).  0, or -errno with a
 * sentence in err (the root is missing or not a directory).
 */
int host_context_open(const char *root, unsigned flags, struct host_context **ret, char *err,
		      size_t err_size);
struct host_context *host_context_free(struct host_context *h);

/* "/" or the root as given, without trailing '/'. */
const char *host_context_root(const struct host_context *h);
bool host_context_root_is_slash(const struct host_context *h);
/* The host's /proc as a path ("/proc", "/host/proc"), or "" when there is none. */
const char *host_context_proc_path(const struct host_context *h);
/* "openat2" or "walk": how paths are resolved inside the root right now. */
const char *host_context_resolver(const struct host_context *h);

/*
 * Opens path ("etc/passwd" or "/etc/passwd") below the host root, symlinks resolved inside
 * it; flags as open(2) (O_CLOEXEC is added; mode for O_CREAT).  fd or -errno.
 */
int host_open(struct host_context *h, const char *path, int flags, mode_t mode);
/*
 * Opens a regular file below the root for reading, without ever blocking on a FIFO or device
 * planted there: fd (blocking, O_CLOEXEC), or -FILEIO_ENOTREG / -EISDIR / -errno.
 */
int host_open_regular(struct host_context *h, const char *path);
/* stat(2) of path below the root (following symlinks inside it). */
int host_stat(struct host_context *h, const char *path, struct stat *ret_st);
/*
 * Reads a regular file below the root, whole, up to max bytes, into a NUL-terminated buffer
 * (es_free).  -EFBIG when larger, -EINVAL when not a regular file (a FIFO never blocks us),
 * -errno otherwise.
 */
int host_read_file(struct host_context *h, const char *path, size_t max, char **ret_data,
		   size_t *ret_len);

/* The host's /proc directory fd, or -1 when there is none. */
int host_proc_fd(const struct host_context *h);
/* Opens path ("1/mountinfo", "sys/net/ipv4/ip_forward") in the host's /proc.  fd or -errno. */
int host_proc_open(const struct host_context *h, const char *path, int flags);
int host_proc_read_file(const struct host_context *h, const char *path, size_t max, char **ret_data,
			size_t *ret_len);
/* readlinkat in the host's /proc ("1234/exe"), NUL-terminated; length or -errno. */
int host_proc_readlink(const struct host_context *h, const char *path, char *buf, size_t size);

enum host_ns_state host_ns_state(const struct host_context *h, enum host_ns ns);
const char *host_ns_to_string(enum host_ns ns);		   /* "pid", "net", ... */
const char *host_ns_state_to_string(enum host_ns_state s); /* "host", "own", "unknown" */
/* "pid=host,net=host,cgroup=own,user=host,uts=own" */
void host_ns_format(const struct host_context *h, char *buf, size_t size);

/*
 * The directory every agent on this host shares, <root>/run/edgesec: opened (O_PATH) and,
 * when missing, created 0755 (its parent <root>/run must exist).  fd (the caller closes it)
 * or -errno.
 */
int host_run_dir_open(struct host_context *h);
