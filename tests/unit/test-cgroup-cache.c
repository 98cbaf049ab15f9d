/* SPDX-License-Identifier: MIT */
/*
 * cgroup id -> container cache (collectors/process/cgroup-cache.c): an answer is kept only
 * for the cgroup whose directory the /proc text names (its inode is the id), a wrong or
 * escaping path teaches nothing, collisions replace and are counted, and a root that is not
 * cgroup v2 disables the cache.  The directories are real cgroups made under a cgroup v2 mount
 * for the test and removed after it: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid
 * host (root; skipped without cgroup v2).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/process/cgroup-cache.h"

#define CGROUP2_MAGIC 0x63677270ul
#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *root; /* a cgroup v2 mount */
static char base[96];	 /* root/edgesec-test-<pid> */

static uint64_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

static void test_v2_path(void **state)
{
	static const char v2[] = "0::/system.slice/docker-" ID ".scope\n";
	static const char hybrid[] = "12:pids:/x\n1:name=systemd:/y\n0::/user.slice\n";
	const char *p;
	size_t n;

	(void)state;
	assert_int_equal(cgroup_v2_path(v2, sizeof(v2) - 1, &p, &n), 0);
	assert_int_equal(n, strlen("/system.slice/docker-" ID ".scope"));
	assert_memory_equal(p, "/system.slice/", 14);
	assert_int_equal(cgroup_v2_path(hybrid, sizeof(hybrid) - 1, &p, &n), 0);
	assert_int_equal(n, 11);
	assert_int_equal(cgroup_v2_path("1:cpu:/a\n", 9, &p, &n), -ENOENT);
	assert_int_equal(cgroup_v2_path("0::", 3, &p, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cgroup_v2_path("", 0, &p, &n), -ENOENT);
}

static void test_disabled(void **state)
{
	struct cgroup_cache *c = cgroup_cache_new("/tmp");
	const struct cgroup_container *ct;

	(void)state;
	assert_non_null(c);
	assert_false(cgroup_cache_enabled(c));
	assert_int_equal(cgroup_cache_learn(c, 5, "0::/\n", 5, NULL), -EOPNOTSUPP);
	assert_int_equal(cgroup_cache_get(c, 5, &ct), -ENOENT);
	cgroup_cache_free(c);
	assert_null(cgroup_cache_free(NULL));
}

static void test_learn(void **state)
{
	char dir[256], text[320];
	struct cgroup_container parsed;
	const struct cgroup_container *ct;
	struct cgroup_cache_stats st;
	struct cgroup_cache *c;
	uint64_t host_id, ct_id;
	int n;

	(void)state;
	c = cgroup_cache_new(root);
	assert_non_null(c);
	assert_true(cgroup_cache_enabled(c));

	/* a host cgroup */
	host_id = inode_of(base);
	n = snprintf(text, sizeof(text), "0::/%s\n", base + strlen(root) + 1);
	assert_int_equal(cgroup_cache_get(c, host_id, &ct), -ENOENT);
	assert_int_equal(cgroup_cache_learn(c, host_id, text, (size_t)n, NULL), 0);
	assert_int_equal(cgroup_cache_get(c, host_id, &ct), 0);

	/* a container's: the answer of the parser, kept for its id only */
	snprintf(dir, sizeof(dir), "%s/docker-%s.scope", base, ID);
	assert_int_equal(mkdir(dir, 0755), 0);
	ct_id = inode_of(dir);
	n = snprintf(text, sizeof(text), "0::/%s\n", dir + strlen(root) + 1);
	assert_int_equal(cgroup_container_parse(text, (size_t)n, &parsed), 0);
	/* the text of another cgroup (the process moved): not kept */
	assert_int_equal(cgroup_cache_learn(c, host_id + ct_id, text, (size_t)n, &parsed), -ESTALE);
	assert_int_equal(cgroup_cache_get(c, host_id + ct_id, &ct), -ENOENT);
	assert_int_equal(cgroup_cache_learn(c, ct_id, text, (size_t)n, &parsed), 0);
	assert_int_equal(cgroup_cache_get(c, ct_id, &ct), 1);
	assert_string_equal(ct->id, ID);
	assert_int_equal(ct->runtime, CGROUP_RUNTIME_DOCKER);
	assert_int_equal(rmdir(dir), 0);

	/* paths that cannot be checked teach nothing */
	assert_int_equal(cgroup_cache_learn(c, 77, "0::/../../x\n", 12, NULL), -ENOENT);
	assert_int_equal(cgroup_cache_learn(c, 77, "0::/no-such-cgroup-here\n", 24, NULL), -ENOENT);
	assert_int_equal(cgroup_cache_learn(c, 77, "1:cpu:/\n", 8, NULL), -ENOENT);
	assert_int_equal(cgroup_cache_learn(c, 0, text, (size_t)n, NULL), -EOPNOTSUPP);
	cgroup_cache_get_stats(c, &st);
	assert_int_equal(st.learned, 2);
	assert_int_equal(st.refused, 4);
	assert_int_equal(st.hits, 2);
	cgroup_cache_free(c);
}

/* More cgroups than slots: some replace others (counted); every answer is still right. */
static void test_collisions(void **state)
{
	enum { N = CGROUP_CACHE_SLOTS + 64 };
	static uint64_t ids[N];
	struct cgroup_cache *c = cgroup_cache_new(root);
	const struct cgroup_container *ct;
	struct cgroup_cache_stats st;
	char dir[256], text[320];
	unsigned hits = 0;

	(void)state;
	assert_non_null(c);
	for (int i = 0; i < N; i++) {
		int n;

		snprintf(dir, sizeof(dir), "%s/c%d", base, i);
		assert_int_equal(mkdir(dir, 0755), 0);
		ids[i] = inode_of(dir);
		n = snprintf(text, sizeof(text), "0::/%s\n", dir + strlen(root) + 1);
		assert_int_equal(cgroup_cache_learn(c, ids[i], text, (size_t)n, NULL), 0);
	}
	for (int i = 0; i < N; i++) {
		int r = cgroup_cache_get(c, ids[i], &ct);

		assert_true(r == 0 || r == -ENOENT);
		hits += r == 0;
		snprintf(dir, sizeof(dir), "%s/c%d", base, i);
		assert_int_equal(rmdir(dir), 0);
	}
	cgroup_cache_get_stats(c, &st);
	assert_true(st.evictions >= N - CGROUP_CACHE_SLOTS);
	assert_int_equal(hits + st.evictions, N);
	cgroup_cache_free(c);
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "%s/edgesec-test-%d", root, (int)getpid());
	return mkdir(base, 0755) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rmdir(base);
	return 0;
}

int main(void)
{
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_v2_path),
		cmocka_unit_test(test_disabled),
	};
	const struct CMUnitTest v2[] = {
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_collisions),
	};
	static const char *const mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;
	int r = cmocka_run_group_tests(plain, NULL, NULL);

	for (size_t i = 0; i < 2 && !root; i++)
		if (statfs(mounts[i], &fs) == 0 && (unsigned long)fs.f_type == CGROUP2_MAGIC)
			root = mounts[i];
	if (geteuid() != 0 || !root) {
		printf("cgroup v2 and root needed for the rest: skipped\n");
		return r ? r : 77;
	}
	return r | cmocka_run_group_tests(v2, setup, teardown);
}
