/* SPDX-License-Identifier: MIT */
/*
 * A cgroup of a real-kernel test's own (the eBPF tests count only what runs in it): made in the
 * first writable hierarchy that has cgroup.procs (the v2 one of a hybrid host first), named
 * edgesec-<name>-<pid>; its id is the kernfs inode number.  Included by the tests that use it;
 * not a test itself.
 */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* 0 and path/ret_id set, or -ENOENT (path empty) when no hierarchy is writable. */
static inline int test_cgroup_make(char *path, size_t size, const char *name, uint64_t *ret_id)
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		char probe[256];

		snprintf(probe, sizeof(probe), "%s/cgroup.procs", roots[i]);
		snprintf(path, size, "%s/edgesec-%s-%d", roots[i], name, getpid());
		if (access(probe, W_OK) < 0 || (mkdir(path, 0755) < 0 && errno != EEXIST))
			continue;
		if (stat(path, &st) == 0) {
			*ret_id = st.st_ino;
			return 0;
		}
		rmdir(path);
	}
	path[0] = '\0';
	return -ENOENT;
}
