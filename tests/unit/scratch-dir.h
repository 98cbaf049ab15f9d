/* SPDX-License-Identifier: MIT */
/*
 * A scratch directory for a unit test: made under /tmp with a name of the test's choosing and
 * removed with everything in it.  Included after <cmocka.h> by the tests that use it; not a
 * test itself.
 */
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void scratch_dir_make(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/edgesec-%s-XXXXXX", name);
	assert_non_null(mkdtemp(dir));
}

static inline int scratch_remove_entry(const char *path, const struct stat *st, int flag,
				       struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes dir and everything below it (links are removed, not followed). */
static inline int scratch_dir_remove(const char *dir)
{
	return nftw(dir, scratch_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch directory opened as a directory fd (for the *at() calls of the code under test);
 * scratch_dir_close() closes the fd and removes the directory. */
static inline int scratch_dir_open(char *dir, size_t size, const char *name)
{
	int dfd;

	scratch_dir_make(dir, size, name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	return dfd;
}

static inline void scratch_dir_close(int dfd, const char *dir)
{
	close(dfd);
	(void)scratch_dir_remove(dir);
}
