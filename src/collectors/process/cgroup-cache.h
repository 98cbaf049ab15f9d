/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * cgroup v2 id -> the container (or host) of the processes in that cgroup, so that an exec in
 * a cgroup seen before does not read /proc/<pid>/cgroup again (three syscalls and the kernel's
 * cgroup path walk under its css_set lock: the largest cost of an exec in the agent).  The
 * eBPF record carries the cgroup id of the task at exec; the first exec in a cgroup is read
 * from /proc as before.  Its answer is kept under the id only when the cgroup directory that
 * /proc/<pid>/cgroup names has that id as its inode number (cgroup v2: the id is the kernfs
 * node's inode), so a process that moved to another cgroup between its exec and the read
 * cannot teach a wrong answer.  A cgroup's path, hence its container, does not change while it
 * exists, and 64-bit kernfs ids are not reused, so an entry never goes stale.
 *
 * Bounds: CGROUP_CACHE_SLOTS entries, direct-mapped by id; a collision replaces the older entry
 * (counted).  Only where cgroup v2 alone is mounted at the root given (the unified hierarchy
 * decides the container); elsewhere (v1, hybrid) the cache is disabled and every exec reads
 * /proc as before.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enrich/cgroup-parse.h"

#define CGROUP_CACHE_SLOTS 256

struct cgroup_cache_stats {
	uint64_t hits, misses;
	uint64_t learned;   /* answers kept */
	uint64_t refused;   /* answers not kept: the directory was another cgroup, or not found */
	uint64_t evictions; /* live entries replaced */
};

struct cgroup_cache;

/* cgroup_root: where cgroup v2 is mounted ("/sys/fs/cgroup"); NULL on allocation failure. */
struct cgroup_cache *cgroup_cache_new(const char *cgroup_root);
struct cgroup_cache *cgroup_cache_free(struct cgroup_cache *c);
bool cgroup_cache_enabled(const struct cgroup_cache *c);
/* 1 with *ret_ct (valid until the next learn), 0 for a host cgroup, -ENOENT when unknown. */
int cgroup_cache_get(struct cgroup_cache *c, uint64_t cgid, const struct cgroup_container **ret_ct);
/*
 * Keeps ct (NULL: host) for cgid when the v2 path in `text` (the /proc/<pid>/cgroup read
 * that ct came from) is the directory whose inode is cgid: 0; -ESTALE when it is another
 * cgroup's, -ENOENT when there is no v2 path or no such directory, -EOPNOTSUPP when disabled.
 */
int cgroup_cache_learn(struct cgroup_cache *c, uint64_t cgid, const char *text, size_t len,
		       const struct cgroup_container *ct);
void cgroup_cache_get_stats(const struct cgroup_cache *c, struct cgroup_cache_stats *ret);
