/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * State shared by the files of the process collector: the front end (process.c, which turns
 * backend-neutral records into events) and the capture backends (process-bpf.c,
 * process-audit.c with its parser audit-parse.c, process-cnproc.c).  A backend fills in only
 * what it supports.
 */

#include <stdint.h>

#include "cgroup-cache.h"
#include "collectors/collector.h"
#include "enrich/cgroup-parse.h"
#include "enrich/container-lookup.h"
#include "enrich/exec-identity.h"
#include "process-decode.h"

struct process_backend {
	const char *name;
	/* Sets up capture; on failure calls collector_set_error() and returns -errno. */
	int (*start)(struct collector *c);
	int (*get_fd)(struct collector *c);
	/* Reads what is ready and hands each record to process_view_emit(). */
	void (*dispatch)(struct collector *c, uint32_t revents);
	void (*stop)(struct collector *c);
};

extern const struct process_backend process_backend_bpf;
extern const struct process_backend process_backend_audit;
extern const struct process_backend process_backend_cnproc;
/* The attach point chosen per hook ("exec:raw_tp exit:raw_tp ... btf:minimal(N)"), or NULL. */
const char *process_bpf_describe(struct collector *c);
/* Tests: use the classic tracepoint variants even where raw_tp would work. */
extern bool process_bpf_prefer_tracepoints;
/* Tests: ring buffer size in bytes (a power of two, ≥ a page; 0: PROCESS_RINGBUF_BYTES). */
extern uint32_t process_bpf_ringbuf_bytes;
/* Tests: only records of tasks in this cgroup v2 id (0: all). */
extern uint64_t process_bpf_only_cgroup_id;
/* Tests: where cgroup v2 is mounted for the container cache (NULL: /sys/fs/cgroup). */
extern const char *process_cgroup_root;
/* The container cache's counters (cgroup-cache.h), zeros when there is none. */
struct cgroup_cache_stats;
void process_cgroup_cache_stats(struct collector *c, struct cgroup_cache_stats *ret);
/*
 * Tests: loads the program twice (not attached), with the minimal BTF and with libbpf's full
 * vmlinux BTF, the variants the probe picks, and compares every program's instructions after
 * CO-RE relocation.  0 when all are the same (ret_what lists them), 1 when one differs (named
 * in ret_what), negative errno when it cannot tell (ret_what says why).
 */
int process_bpf_btf_selftest(char *ret_what, size_t what_len);

/* Proc connector: execs whose process was gone before /proc could be read. */
uint64_t process_cnproc_vanished(struct collector *c);

/* Audit: the rules we installed ("exit,always arch=b64 -S execve,execveat ..."), or NULL. */
const char *process_audit_describe(struct collector *c);
/* Audit: events dropped because the assembly table was full or a record did not parse. */
uint64_t process_audit_dropped(struct collector *c);

/*
 * The capture in use and why better ones were not ("audit (ebpf: cannot load ...)"), or NULL
 * before start.  Also in the collector's last_error when a fallback was taken.
 */
const char *process_capture_describe(struct collector *c);

/* Processes whose container could not be told because they were gone before the read. */
uint64_t process_container_vanished(struct collector *c);
/* Execs whose container came from the cgroup in their eBPF record (exec-path.c). */
uint64_t process_container_at_exec(struct collector *c);

struct process_users;
struct process_pids;

struct process_state {
	const struct process_backend *backend;
	void *backend_state; /* owned by the backend: set in start, freed in stop */
	struct event_builder builder;
	struct process_users *users;
	struct process_pids *pids;
	int64_t boot_to_realtime_ns;  /* CLOCK_REALTIME - CLOCK_BOOTTIME at start */
	char *scratch;		      /* PROCESS_CMDLINE_MAX + 1 bytes for command lines */
	char *parent;		      /* PROCESS_PARENT_MAX bytes: the parent's exe and cmdline */
	char *cgroup_buf;	      /* PROCESS_CGROUP_MAX bytes for /proc/<pid>/cgroup */
	struct cgroup_cache *cgroups; /* cgroup id -> container (exec records that carry one) */
	int proc_fd;		      /* O_DIRECTORY fd of /proc, or -1 */
	uint32_t own_netns_ino;	      /* our network namespace (ListenerCreate), 0: unknown */
	uint64_t container_vanished;  /* processes gone before their cgroup could be read */
	uint64_t container_at_exec;   /* execs whose container came from the exec record */
	char capture[256];	      /* process_capture_describe() */

	struct exec_identity *known; /* exec-known.c: KnownAs (owned) */
	uint64_t known_by_path;	     /* KnownAs lookups by path: the process was gone */

	/* collector_params.containers (not owned) and its last answer (container_add()). */
	struct container_lookup *containers;
	struct container_info meta;
};

/* /proc/<pid>/cgroup: 13 v1 hierarchies of long Kubernetes paths fit; the rest is not read. */
#define PROCESS_CGROUP_MAX 8192

/*
 * process-container.c.  The container of pid (NULL: a host process, or unknown): fresh (at
 * exec) from the container cache by cgid, else /proc; otherwise from the pid cache and, when
 * it does not know the pid and read_proc is set, from /proc.  ppid: the fallback at exec for
 * a process already gone (0: none).  The result is the pid cache's copy.
 */
const struct cgroup_container *process_container_of(struct process_state *s, uint32_t pid,
						    uint32_t ppid, bool fresh, bool read_proc,
						    uint64_t cgid);
/* The container of an exec record (the cgroup the kernel read at exec first). */
const struct cgroup_container *process_exec_container_of(struct process_state *s,
							 const struct process_view *v);
/* The container of a listen record (the pid cache, the cgroup id of the record, /proc). */
const struct cgroup_container *process_listen_container_of(struct process_state *s,
							   const struct process_view *v);
/* ExtraDetails ContainerId, ContainerRuntime and the name/image/module when known; nothing
 * for NULL. */
void process_container_add(struct process_state *s, struct event_builder *b,
			   const struct cgroup_container *ct);

/* The parent's strings kept for one ProcessCreate: exe (≤ 256) and cmdline (≤ 1 KiB). */
#define PROCESS_PARENT_MAX 1536

/*
 * What fds 0..2 of a live process are, from <dirfd>/<prefix>fd/N (dirfd: /proc with prefix
 * "<pid>/", or /proc/<pid> with ""): fills x->stdio[], the peer of a socket on 0 or 1, and
 * sets PROCESS_EXEC_STDIO_KNOWN unless the process is gone.
 */
void process_stdio_from_proc(int dirfd, const char *prefix, uint32_t pid,
			     struct process_view_exec *x);

/*
 * exec-path.c.  The container of an exec from the cgroup the kernel read at exec (eBPF): 1
 * with *ret, 0 for a host cgroup, -ENOENT when the record does not tell (no cgroup walked, or
 * a walk cut by its bounds that names no container).  Pure.
 */
int process_exec_container(const struct process_view_exec *x, struct cgroup_container *ret);
/*
 * The cgroup hierarchy the exec program reads, from /proc/cgroups text: the first usable
 * (mounted, enabled) v1 controller of exec-path.c's list, else PROCESS_CGROUP_SOURCE_DFL.
 * Pure; looks at len bytes at most.
 */
enum process_cgroup_source process_cgroup_source_parse(const char *text, size_t len);
/*
 * ExtraDetails ExecutablePath: the executed file with its symlinks resolved, as the process
 * sees it (see exec-path.c for each backend; `script`: an Interpreter was reported, so the
 * script's own path is resolved through /proc/<pid>/root).  Its length in out (NUL-terminated;
 * out_size ≥ PROCESS_EXE_MAX), or 0 when it is not known or the same as exe;
 * *ret_truncated when only a part of it is known.
 */
size_t process_exec_path(int proc_fd, uint32_t pid, const struct process_view_exec *x,
			 const char *exe, size_t exe_len, bool script, char *out, size_t out_size,
			 bool *ret_truncated);

/*
 * ExtraDetails StdinPath: the path of the regular file on fd 0 when the process started (a
 * script fed on stdin, `bash < /tmp/x.sh`), as the process sees it, symlinks resolved.  eBPF:
 * the walk the kernel did at exec (a walk cut by its bounds is completed from
 * /proc/<pid>/fd/0 when that still names the same file); audit, proc connector:
 * readlink(/proc/<pid>/fd/0) while the process lives (racy: a process gone, or one that has
 * replaced its fd 0, gives nothing or the new file).  Its length in out (NUL-terminated;
 * out_size ≥ PROCESS_EXE_MAX), or 0 when stdin is not a file or not known; *ret_deleted when
 * the file had no links (deleted, memfd), *ret_truncated when only a part is known.  The link
 * is only read, never followed.
 */
size_t process_stdin_path(int proc_fd, uint32_t pid, const struct process_view_exec *x, char *out,
			  size_t out_size, bool *ret_truncated, bool *ret_deleted);

/* Builds and submits the event(s) of one decoded record. */
void process_view_emit(struct collector *c, const struct process_view *v);

/* uid -> user name from <host root>/etc/passwd, bounded and reloaded when the file changes;
 * host stays the caller's and must outlive the table. */
struct process_users *process_users_new(struct host_context *host);
struct process_users *process_users_free(struct process_users *u);
/* The name or NULL; the pointer is valid until the next call. */
const char *process_users_lookup(struct process_users *u, uint32_t uid, uint64_t now_ns);

/* pid -> executable and command line of recent execs (direct-mapped, bounded). */
struct process_pids *process_pids_new(void);
struct process_pids *process_pids_free(struct process_pids *p);
void process_pids_put(struct process_pids *p, uint32_t pid, const char *exe, size_t exe_len,
		      const char *cmd, size_t cmd_len);
/* 0 with pointers into the cache (valid until the next put), or -ENOENT. */
int process_pids_get(struct process_pids *p, uint32_t pid, const char **ret_exe,
		     size_t *ret_exe_len, const char **ret_cmd, size_t *ret_cmd_len,
		     int *ret_cmd_truncated);
void process_pids_forget(struct process_pids *p, uint32_t pid);

/*
 * pid -> container, read at exec: ct NULL = a host process (remembered in the pid's slot if it
 * holds that pid), else kept in a table of container processes of its own (bounded).  Returns
 * the kept copy (valid until the next set), NULL for a host process or pid 0.
 */
const struct cgroup_container *process_pids_set_container(struct process_pids *p, uint32_t pid,
							  const struct cgroup_container *ct);
/* Neither host nor container known (an exec whose cgroup could not be read). */
void process_pids_forget_container(struct process_pids *p, uint32_t pid);
/* 1 with *ret_ct (valid until the next set), 0 for a host process, -ENOENT when unknown. */
int process_pids_get_container(struct process_pids *p, uint32_t pid,
			       const struct cgroup_container **ret_ct);
/* Live entries replaced by another pid since start: pid slots, container table. */
uint64_t process_pids_evictions(const struct process_pids *p);
uint64_t process_pids_container_evictions(const struct process_pids *p);

/*
 * exec-known.c: ExtraDetails KnownAs/KnownAsBy, a renamed copy of a known binary (a shell, an
 * interpreter, netcat...) named by its content.  process_known_new() finds the known binaries
 * on the host (NULL when out of memory); process_known_as_add() adds the details to the event
 * being built for one exec.
 */
struct exec_known_what {
	uint32_t pid;
	const char *exe, *path, *interp; /* Executable, ExecutablePath, Interpreter (or NULL) */
	size_t exe_len, path_len, interp_len;
	bool in_container, deleted;
};
struct exec_identity *process_known_new(struct host_context *host);
void process_known_as_add(struct process_state *s, struct host_context *host,
			  struct event_builder *b, const struct exec_known_what *w);
/* The KnownAs figures (zeros when there is no table). */
void process_known_stats(struct collector *c, struct exec_identity_stats *ret);
