/* SPDX-License-Identifier: MIT */
/*
 * /proc/<pid>/cgroup -> container id and runtime.  See cgroup-parse.h for the layouts.
 *
 * Each line is "hierarchy:controllers:path"; the path is everything after the second colon
 * (it may itself hold colons: runc's "slice:prefix:name" form).  The path is walked one
 * directory at a time from the root, remembering the parent directory (for /docker/<id>) and
 * whether a kubepods directory was passed.  Nothing is copied until a match is found.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cgroup-parse.h"
#include "common/array.h"

static const char *const runtime_names[CGROUP_RUNTIME_MAX] = {
	[CGROUP_RUNTIME_DOCKER] = "docker",
	[CGROUP_RUNTIME_CONTAINERD] = "containerd",
	[CGROUP_RUNTIME_CRI_CONTAINERD] = "cri-containerd",
	[CGROUP_RUNTIME_CRIO] = "crio",
	[CGROUP_RUNTIME_PODMAN] = "podman",
	[CGROUP_RUNTIME_CRI] = "cri",
};

/* "<prefix><id>.scope" directories of the systemd cgroup driver. */
static const struct {
	const char *prefix;
	enum cgroup_runtime runtime;
} scope_prefixes[] = {
	{ "docker-", CGROUP_RUNTIME_DOCKER },
	{ "cri-containerd-", CGROUP_RUNTIME_CRI_CONTAINERD },
	{ "nerdctl-", CGROUP_RUNTIME_CONTAINERD },
	{ "crio-", CGROUP_RUNTIME_CRIO },
	{ "libpod-", CGROUP_RUNTIME_PODMAN },
};

/* Middle part of runc's "slice:prefix:<id>" directory name. */
static const struct {
	const char *name;
	enum cgroup_runtime runtime;
} colon_prefixes[] = {
	{ "cri-containerd", CGROUP_RUNTIME_CRI_CONTAINERD },
	{ "docker", CGROUP_RUNTIME_DOCKER },
	{ "crio", CGROUP_RUNTIME_CRIO },
};

#define SCOPE_SUFFIX ".scope"
#define SCOPE_SUFFIX_LEN (sizeof(SCOPE_SUFFIX) - 1)

const char *cgroup_runtime_to_string(enum cgroup_runtime r)
{
	return (unsigned)r < CGROUP_RUNTIME_MAX ? runtime_names[r] : NULL;
}

static bool id_valid(const char *s, size_t len)
{
	if (len != CGROUP_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool seg_is(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len == n && memcmp(s, lit, n) == 0;
}

static bool seg_starts(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(s, lit, n) == 0;
}

static void found(const char *id, enum cgroup_runtime rt, struct cgroup_container *ret)
{
	memcpy(ret->id, id, CGROUP_CONTAINER_ID_LEN);
	ret->id[CGROUP_CONTAINER_ID_LEN] = '\0';
	ret->runtime = rt;
}

/* "<prefix><id>.scope" */
static bool scope_match(const char *s, size_t len, struct cgroup_container *ret)
{
	if (len <= SCOPE_SUFFIX_LEN ||
	    memcmp(s + len - SCOPE_SUFFIX_LEN, SCOPE_SUFFIX, SCOPE_SUFFIX_LEN) != 0)
		return false;
	len -= SCOPE_SUFFIX_LEN;
	for (size_t i = 0; i < ARRAY_SIZE(scope_prefixes); i++) {
		size_t n = strlen(scope_prefixes[i].prefix);

		if (seg_starts(s, len, scope_prefixes[i].prefix) && id_valid(s + n, len - n)) {
			found(s + n, scope_prefixes[i].runtime, ret);
			return true;
		}
	}
	return false;
}

/* "<slice>:<prefix>:<id>" */
static bool colon_match(const char *s, size_t len, struct cgroup_container *ret)
{
	const char *last = NULL, *mid = NULL;

	/* Most segments have no ':' at all: one vectorised scan says so. */
	if (len < CGROUP_CONTAINER_ID_LEN + 2 || !memchr(s, ':', len))
		return false;
	for (size_t i = len; i-- > 0;) {
		if (s[i] != ':')
			continue;
		if (!last) {
			last = s + i;
		} else {
			mid = s + i;
			break;
		}
	}
	if (!mid || !id_valid(last + 1, (size_t)(s + len - last - 1)))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(colon_prefixes); i++) {
		if (seg_is(mid + 1, (size_t)(last - mid - 1), colon_prefixes[i].name)) {
			found(last + 1, colon_prefixes[i].runtime, ret);
			return true;
		}
	}
	return false;
}

/* One cgroup path (not NUL-terminated); true with *ret filled on the first container found. */
static bool path_match(const char *p, size_t len, struct cgroup_container *ret)
{
	const char *end = p + len, *prev = NULL;
	size_t prev_len = 0;
	bool kube = false;

	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *eos = slash ? slash : end;
		size_t n = (size_t)(eos - p);

		if (n == 0) {
			p = eos + 1;
			continue;
		}
		if (id_valid(p, n)) {
			if (prev &&
			    (seg_is(prev, prev_len, "docker") || seg_is(prev, prev_len, "moby"))) {
				found(p, CGROUP_RUNTIME_DOCKER, ret);
				return true;
			}
			if (kube) {
				found(p, CGROUP_RUNTIME_CRI, ret);
				return true;
			}
		} else if (scope_match(p, n, ret) || colon_match(p, n, ret)) {
			return true;
		}
		if (seg_starts(p, n, "kubepods"))
			kube = true;
		prev = p;
		prev_len = n;
		p = eos + 1;
	}
	return false;
}

int cgroup_container_parse(const char *buf, size_t len, struct cgroup_container *ret)
{
	const char *p, *end;

	if (!buf || !ret)
		return -EINVAL;
	if (len > CGROUP_PARSE_MAX)
		len = CGROUP_PARSE_MAX;
	p = buf;
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *c1, *c2;
		struct cgroup_container ct;

		c1 = memchr(p, ':', (size_t)(eol - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (c2 && path_match(c2 + 1, (size_t)(eol - c2 - 1), &ct)) {
			*ret = ct;
			return 0;
		}
		p = eol + 1;
	}
	return -ENOENT;
}

int cgroup_v2_path(const char *buf, size_t len, const char **ret_path, size_t *ret_len)
{
	const char *p, *end;

	if (!buf)
		return -EINVAL;
	if (len > CGROUP_PARSE_MAX)
		len = CGROUP_PARSE_MAX;
	for (p = buf, end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (eol - p >= 3 && memcmp(p, "0::", 3) == 0) {
			*ret_path = p + 3;
			*ret_len = (size_t)(eol - p - 3);
			return 0;
		}
		p = eol + 1;
	}
	return -ENOENT;
}
