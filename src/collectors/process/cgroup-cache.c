/* SPDX-License-Identifier: MIT */
/* cgroup v2 id -> container cache; design and limits in cgroup-cache.h. */
#include "cgroup-cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/alloc.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

struct slot {
	uint64_t cgid; /* 0: empty (no cgroup has id 0) */
	bool container;
	struct cgroup_container ct;
};

struct cgroup_cache {
	int root_fd; /* O_PATH fd of the cgroup v2 root, or -1: disabled */
	dev_t dev;   /* of that file system: a directory of another one is never the cgroup */
	struct slot slots[CGROUP_CACHE_SLOTS];
	struct cgroup_cache_stats stats;
};

struct cgroup_cache *cgroup_cache_new(const char *cgroup_root)
{
	struct cgroup_cache *c = es_calloc(1, sizeof(*c));
	struct statfs fs;
	struct stat st;

	if (!c)
		return NULL;
	c->root_fd = -1;
	if (cgroup_root && statfs(cgroup_root, &fs) == 0 &&
	    (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC)
		c->root_fd = open(cgroup_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd >= 0 && fstat(c->root_fd, &st) == 0) {
		c->dev = st.st_dev;
	} else if (c->root_fd >= 0) {
		close(c->root_fd);
		c->root_fd = -1;
	}
	return c;
}

struct cgroup_cache *cgroup_cache_free(struct cgroup_cache *c)
{
	if (!c)
		return NULL;
	if (c->root_fd >= 0)
		close(c->root_fd);
	es_free(c);
	return NULL;
}

bool cgroup_cache_enabled(const struct cgroup_cache *c)
{
	return c && c->root_fd >= 0;
}

static struct slot *slot_of(struct cgroup_cache *c, uint64_t cgid)
{
	uint64_t h = cgid * 0x9e3779b97f4a7c15ull;

	return &c->slots[(h >> 32) % CGROUP_CACHE_SLOTS];
}

int cgroup_cache_get(struct cgroup_cache *c, uint64_t cgid, const struct cgroup_container **ret_ct)
{
	struct slot *s;

	if (!cgroup_cache_enabled(c) || !cgid)
		return -ENOENT;
	s = slot_of(c, cgid);
	if (s->cgid != cgid) {
		c->stats.misses++;
		return -ENOENT;
	}
	c->stats.hits++;
	if (!s->container)
		return 0;
	*ret_ct = &s->ct;
	return 1;
}

/* The inode of the cgroup directory at path (as /proc/<pid>/cgroup gives it) under the root. */
static int cgroup_inode(const struct cgroup_cache *c, const char *path, size_t len,
			uint64_t *ret_ino)
{
	char rel[PATH_MAX];
	struct stat st;

	/* "/" is the root itself; "/.." leads outside our cgroup namespace: not resolvable */
	if (!len || path[0] != '/' || len >= sizeof(rel) || memmem(path, len, "/..", 3) ||
	    memchr(path, '\0', len))
		return -ENOENT;
	memcpy(rel, path + 1, len - 1);
	rel[len - 1] = '\0';
	if (fstatat(c->root_fd, rel, &st, AT_SYMLINK_NOFOLLOW | (rel[0] ? 0 : AT_EMPTY_PATH)) < 0)
		return -ENOENT;
	if (!S_ISDIR(st.st_mode) || st.st_dev != c->dev)
		return -ENOENT;
	*ret_ino = (uint64_t)st.st_ino;
	return 0;
}

int cgroup_cache_learn(struct cgroup_cache *c, uint64_t cgid, const char *text, size_t len,
		       const struct cgroup_container *ct)
{
	const char *path;
	size_t path_len;
	uint64_t ino;
	struct slot *s;
	int r;

	if (!cgroup_cache_enabled(c) || !cgid)
		return -EOPNOTSUPP;
	r = cgroup_v2_path(text, len, &path, &path_len);
	if (r == 0)
		r = cgroup_inode(c, path, path_len, &ino);
	/* A 32-bit ino_t holds the low half of the id. */
	if (r == 0 && ino != cgid && !(ino <= UINT32_MAX && ino == (cgid & UINT32_MAX)))
		r = -ESTALE;
	if (r < 0) {
		c->stats.refused++;
		return r;
	}
	s = slot_of(c, cgid);
	if (s->cgid && s->cgid != cgid)
		c->stats.evictions++;
	s->cgid = cgid;
	s->container = ct != NULL;
	if (ct)
		s->ct = *ct;
	c->stats.learned++;
	return 0;
}

void cgroup_cache_get_stats(const struct cgroup_cache *c, struct cgroup_cache_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (c)
		*ret = c->stats;
}
