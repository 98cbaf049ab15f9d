/* SPDX-License-Identifier: MIT */
/*
 * The state directory's owner rule for a run-as user (core/state.c, state_dir_claim): a
 * root-owned directory and the regular files in it are given to the user, the mode becomes
 * 0700 (also when the user already owns it, as the image's volume with mode 0755), symlinks
 * are neither followed nor changed, a missing directory is left to be created by the user,
 * a symlink in place of the directory is refused; and the AgentId is kept across starts.
 * The ownership parts need root (they are skipped with a message otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/state.h"

#include "scratch-dir.h"

#define USER_ID 10001

static char dir[64];

static int setup(void **state)
{
	(void)state;
	scratch_dir_make(dir, sizeof(dir), "state");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)scratch_dir_remove(dir);
	return 0;
}

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void test_agent_id_kept(void **state)
{
	char id1[GUID_STR_LEN + 1], id2[GUID_STR_LEN + 1], sub[128], why[256];
	int created, replaced, fd;

	(void)state;
	path_of(sub, sizeof(sub), "s");
	fd = state_dir_open(sub, geteuid(), why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(state_agent_id(fd, id1, &created, &replaced), 0);
	assert_int_equal(created, 1);
	assert_int_equal(state_agent_id(fd, id2, &created, &replaced), 0);
	assert_int_equal(created, 0);
	assert_string_equal(id1, id2);
	close(fd);
}

static void test_claim(void **state)
{
	char sub[128], file[160], link[160], target[160], err[512];
	struct stat st;
	int fd, r;

	(void)state;
	path_of(sub, sizeof(sub), "missing");
	assert_int_equal(state_dir_claim(sub, USER_ID, USER_ID, err, sizeof(err)), 0);
	assert_int_equal(stat(sub, &st), -1); /* left to be created by the user */
	if (geteuid() != 0) {
		print_message("not root: ownership is not tested\n");
		return;
	}
	/* An older root agent's directory, 0755, with a file and a symlink to a root file. */
	path_of(sub, sizeof(sub), "old");
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/agent-id", sub);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	path_of(target, sizeof(target), "root-file");
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(link, sizeof(link), "%s/link", sub);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(state_dir_claim(sub, USER_ID, USER_ID, err, sizeof(err)), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_uid, USER_ID);
	assert_int_equal(st.st_gid, USER_ID);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_uid, USER_ID);
	assert_int_equal(lstat(link, &st), 0);
	assert_int_equal(st.st_uid, 0); /* the link is not changed ... */
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_uid, 0); /* ... nor what it points to */

	/* Already the user's but 0755 (a new volume from the image): only the mode changes. */
	path_of(sub, sizeof(sub), "volume");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(chown(sub, USER_ID, USER_ID), 0);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(state_dir_claim(sub, USER_ID, USER_ID, err, sizeof(err)), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, USER_ID);

	/* A symlink where the directory should be: refused, nothing changed. */
	path_of(sub, sizeof(sub), "evil");
	assert_int_equal(symlink("/etc", sub), 0);
	r = state_dir_claim(sub, USER_ID, USER_ID, err, sizeof(err));
	assert_true(r == -ENOTDIR || r == -ELOOP); /* O_DIRECTORY | O_NOFOLLOW on a link */
	assert_non_null(strstr(err, sub));
	assert_int_equal(stat("/etc", &st), 0);
	assert_int_equal(st.st_uid, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_agent_id_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
