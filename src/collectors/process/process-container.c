/* SPDX-License-Identifier: MIT */
/*
 * The container of a process, for the process collector's events (process.c).
 *
 * Where it comes from, best first: the cgroup the eBPF program read at exec (exec-path.c:
 * right even for a process already gone), the container cache by the cgroup id of the record
 * (cgroup-cache.c), the pid cache (process-cache.c), and /proc/<pid>/cgroup read once (capped
 * at PROCESS_CGROUP_MAX into s->cgroup_buf, openat on the collector's /proc fd, parsed by
 * enrich/cgroup).  A process gone before the read takes its parent's container at exec, and
 * is counted (s->container_vanished).  The container's name, image and IoT Edge module come
 * from the container lookup the containers collector provides (enrich/container-lookup.h):
 * no I/O, never blocks.
 *
 * Owns nothing: the buffers and caches are the collector's (struct process_state).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/timeutil.h"
#include "process-int.h"

/*
 * /proc/<pid>/cgroup -> container.  1 with *ret filled, 0 for a host process, -ESRCH when the
 * process is gone (no file or nothing to read), other -errno when /proc cannot be read.  The
 * text read stays in s->cgroup_buf (*ret_len bytes).
 */
static int container_read(struct process_state *s, uint32_t pid, struct cgroup_container *ret,
			  size_t *ret_len)
{
	char path[24];
	size_t len = 0, n_pid;
	ssize_t n = 0;
	int fd, r = 0;

	if (s->proc_fd < 0)
		return -EBADF;
	/* "<pid>/cgroup" (snprintf costs more than the rest of the path together) */
	n_pid = fmt_u64(path, pid);
	memcpy(path + n_pid, "/cgroup", sizeof("/cgroup"));
	fd = openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while (len < PROCESS_CGROUP_MAX) {
		n = read(fd, s->cgroup_buf + len, PROCESS_CGROUP_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = errno == ESRCH || errno == ENOENT ? -ESRCH : -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r < 0)
		return r;
	if (len == 0)
		return -ESRCH;
	*ret_len = len;
	return cgroup_container_parse(s->cgroup_buf, len, ret) == 0 ? 1 : 0;
}

/*
 * The pid's container: at exec (fresh) from the container cache when the record carries the
 * task's cgroup id and that cgroup was seen before (cgroup-cache.h), else from /proc (teaching
 * the cache); otherwise from the pid cache and, when it does not know the pid and read_proc
 * is set, from /proc into the pid cache.
 *
 * A process that exits before its exec record is read (a short `nc` in a container, while
 * the host is busy) has no /proc/<pid>/cgroup any more.  At exec it then takes its parent's
 * container (cache, else the parent's /proc): a child starts in its parent's cgroup, and a
 * move between fork and exec (runc joining a container) happens in the child before its exec,
 * so the parent is the best evidence left.  `ppid` 0: no fallback.
 */
const struct cgroup_container *process_container_of(struct process_state *s, uint32_t pid,
						    uint32_t ppid, bool fresh, bool read_proc,
						    uint64_t cgid)
{
	const struct cgroup_container *cached;
	struct cgroup_container ct;
	size_t len = 0;
	int r;

	if (!fresh) {
		r = process_pids_get_container(s->pids, pid, &cached);
		if (r >= 0 || !read_proc)
			return r > 0 ? cached : NULL;
	}
	if (fresh && cgid && (r = cgroup_cache_get(s->cgroups, cgid, &cached)) >= 0) {
		if (r > 0)
			ct = *cached; /* copied: the pid table keeps its own */
		return process_pids_set_container(s->pids, pid, r > 0 ? &ct : NULL);
	}
	r = container_read(s, pid, &ct, &len);
	/* only what this process's own /proc said, never its parent's (below) */
	if (r >= 0 && fresh && cgid)
		(void)cgroup_cache_learn(s->cgroups, cgid, s->cgroup_buf, len, r > 0 ? &ct : NULL);
	if (r == -ESRCH)
		s->container_vanished++;
	if (r == -ESRCH && fresh && ppid && ppid != pid) {
		const struct cgroup_container *parent =
			process_container_of(s, ppid, 0, false, true, 0);

		if (parent) {
			ct = *parent; /* copied: the parent's slot may be the one replaced */
			return process_pids_set_container(s->pids, pid, &ct);
		}
	}
	if (r < 0) {
		process_pids_forget_container(s->pids, pid);
		return NULL;
	}
	/* NULL when not kept (pid 0): the local copy must not escape; looked up again next time. */
	return process_pids_set_container(s->pids, pid, r > 0 ? &ct : NULL);
}

/*
 * The container of an exec: from the cgroup the kernel read at exec when the record names one
 * (eBPF: right even for a process that is already gone), else process_container_of().  A record
 * that names none is not taken as "host": it tells of one hierarchy only (a container engine may
 * use another one on a hybrid host), so /proc, which lists them all, still decides.
 */
const struct cgroup_container *process_exec_container_of(struct process_state *s,
							 const struct process_view *v)
{
	struct cgroup_container ct;

	if (process_exec_container(&v->exec, &ct) <= 0)
		return process_container_of(s, v->pid, v->ppid, true, true, v->exec.cgroup_id);
	s->container_at_exec++;
	return process_pids_set_container(s->pids, v->pid, &ct);
}

/* Container name, image and IoT Edge module name (labels) of a container id. */
struct container_meta {
	const char *name;
	const char *image;
	const char *module;
};

/*
 * From the container lookup we were given (enrich/container-lookup.h, provided by the
 * containers collector): no I/O, never blocks; -ENODEV when no collector provides it,
 * -ENOENT for a container it does not know (yet).  The strings live in s->meta and stay valid
 * until the next lookup (one loop thread).
 */
static int container_meta_lookup(struct process_state *s, const struct cgroup_container *ct,
				 struct container_meta *ret_meta)
{
	struct container_info *info = &s->meta;
	int r;

	r = container_lookup_find(s->containers, ct->id, info);
	if (r < 0)
		return r;
	ret_meta->name = info->name[0] ? info->name : NULL;
	ret_meta->image = info->image[0] ? info->image : NULL;
	ret_meta->module = info->module[0] ? info->module : NULL;
	return 0;
}

/* ExtraDetails ContainerId and ContainerRuntime (and metadata when known); nothing for NULL. */
void process_container_add(struct process_state *s, struct event_builder *b,
			   const struct cgroup_container *ct)
{
	struct container_meta meta = { 0 };

	if (!ct)
		return;
	event_add_extra(b, "ContainerId", ct->id, CGROUP_CONTAINER_ID_LEN);
	event_add_extra_cstr(b, "ContainerRuntime", cgroup_runtime_to_string(ct->runtime));
	if (container_meta_lookup(s, ct, &meta) < 0)
		return;
	if (meta.name)
		event_add_extra_cstr(b, "ContainerName", meta.name);
	if (meta.image)
		event_add_extra_cstr(b, "ContainerImage", meta.image);
	if (meta.module)
		event_add_extra_cstr(b, "IotEdgeModule", meta.module);
}

/*
 * The container of a listener: the pid cache (its exec was seen), else the container cache by
 * the cgroup the kernel recorded at listen(), else /proc (teaching that cache).
 */
const struct cgroup_container *process_listen_container_of(struct process_state *s,
							   const struct process_view *v)
{
	const struct cgroup_container *cached;
	int r = process_pids_get_container(s->pids, v->pid, &cached);

	if (r >= 0)
		return r > 0 ? cached : NULL;
	return process_container_of(s, v->pid, 0, true, true, v->listen.cgroup_id);
}
