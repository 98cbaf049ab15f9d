/* SPDX-License-Identifier: MIT */
/*
 * Safe file creation (common/safefile.h) and the state directory rules (core/state.h), in a
 * private temporary directory.  The attacks of another user (a planted symbolic link, a file,
 * a hard link or a FIFO of theirs, a directory they own) need root to stage with chown; as
 * another user those cases are skipped and the rest still runs.
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
#include <dirent.h>
#include <ftw.h>

#include "common/safefile.h"
#include "core/state.h"

#define OTHER_UID 65534 /* nobody */

static char base[256], why[SAFEFILE_WHY_MAX];

/* base/rel; four buffers in turn, so that one call can take two paths */
static const char *at(const char *rel)
{
	static char paths[4][512];
	static unsigned next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", base, rel);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/edgesec-safefile.XXXXXX");
	assert_non_null(mkdtemp(base));
	return 0;
}

static int remove_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int teardown(void **state)
{
	(void)state;
	/* our own temporary directory; links are removed, not followed */
	return nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *p, const char *text, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static const char *read_file(const char *p)
{
	static char buf[256];
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0) {                                                              \
			print_message("(needs root to stage another user's files; skipped)\n");    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* ---- safefile_write_atomic ---- */

static void test_write_atomic(void **state)
{
	struct stat st;
	int dirfd;

	(void)state;
	dirfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	assert_int_equal(safefile_write_atomic(dirfd, "agent-id", "one\n", 4, 0600), 0);
	assert_string_equal(read_file(at("agent-id")), "one\n");
	assert_int_equal(stat(at("agent-id"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* replaced whole, no temporary file left */
	assert_int_equal(safefile_write_atomic(dirfd, "agent-id", "two\n", 4, 0600), 0);
	assert_string_equal(read_file(at("agent-id")), "two\n");
	assert_int_equal(entries(base), 1);
	/* a symbolic link at the name is replaced, never written through */
	write_file(at("victim"), "precious", 0644);
	assert_int_equal(symlink(at("victim"), at("bundle.pem")), 0);
	assert_int_equal(safefile_write_atomic(dirfd, "bundle.pem", "PEM", 3, 0600), 0);
	assert_string_equal(read_file(at("victim")), "precious");
	assert_int_equal(lstat(at("bundle.pem"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(safefile_write_atomic(dirfd, "a/b", "x", 1, 0600), -EINVAL);
	close(dirfd);
}

/* ---- safefile_open_dir ---- */

static void test_open_dir(void **state)
{
	int fd, r;

	(void)state;
	assert_int_equal(mkdir(at("d"), 0755), 0);
	assert_int_equal(safefile_open_dir(at("d"), geteuid(), &fd, why, sizeof(why)), 0);
	close(fd);
	/* relative to the working directory */
	assert_int_equal(chdir(base), 0);
	assert_int_equal(safefile_open_dir("d/../d/.", geteuid(), &fd, why, sizeof(why)), 0);
	close(fd);
	assert_int_equal(chdir("/"), 0);
	/* writable by every user, not sticky: refused; sticky (like /tmp): accepted */
	assert_int_equal(mkdir(at("open"), 0777), 0);
	assert_int_equal(chmod(at("open"), 0777), 0);
	assert_int_equal(mkdir(at("open/sub"), 0755), 0);
	r = safefile_open_dir(at("open/sub"), geteuid(), &fd, why, sizeof(why));
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(why, "writable by every user"));
	assert_int_equal(chmod(at("open"), 01777), 0);
	assert_int_equal(safefile_open_dir(at("open/sub"), geteuid(), &fd, why, sizeof(why)), 0);
	close(fd);
	/* a link of ours is followed; a loop is not */
	assert_int_equal(symlink("d", at("to-d")), 0);
	assert_int_equal(safefile_open_dir(at("to-d"), geteuid(), &fd, why, sizeof(why)), 0);
	close(fd);
	assert_int_equal(symlink("loop", at("loop")), 0);
	assert_int_equal(safefile_open_dir(at("loop"), geteuid(), &fd, why, sizeof(why)), -ELOOP);
	assert_int_equal(safefile_open_dir(at("missing/x"), geteuid(), &fd, why, sizeof(why)),
			 -ENOENT);
	write_file(at("file"), "x", 0644);
	assert_int_equal(safefile_open_dir(at("file"), geteuid(), &fd, why, sizeof(why)), -ENOTDIR);
}

static void test_open_dir_other_user(void **state)
{
	int fd, r;

	(void)state;
	SKIP_UNLESS_ROOT();
	/* a directory of another user on the path */
	assert_int_equal(mkdir(at("bob"), 0755), 0);
	assert_int_equal(mkdir(at("bob/out"), 0755), 0);
	assert_int_equal(chown(at("bob"), OTHER_UID, OTHER_UID), 0);
	r = safefile_open_dir(at("bob/out"), 0, &fd, why, sizeof(why));
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(why, "owned by uid 65534"));
	/* ... unless that user is the agent's */
	assert_int_equal(safefile_open_dir(at("bob/out"), OTHER_UID, &fd, why, sizeof(why)), 0);
	close(fd);
	/* a symbolic link planted by another user (in a sticky directory) is not followed */
	assert_int_equal(mkdir(at("tmp"), 01777), 0);
	assert_int_equal(chmod(at("tmp"), 01777), 0);
	assert_int_equal(symlink("/etc", at("tmp/state")), 0);
	assert_int_equal(lchown(at("tmp/state"), OTHER_UID, OTHER_UID), 0);
	r = safefile_open_dir(at("tmp/state"), 0, &fd, why, sizeof(why));
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(why, "symbolic link owned by uid 65534"));
}

/* ---- safefile_open_append ---- */

static void append(int fd, const char *text)
{
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_open_append(void **state)
{
	struct stat st;
	int fd, r;

	(void)state;
	/* created 0600, then appended to */
	assert_int_equal(safefile_open_append(at("out.jsonl"), geteuid(), &fd, why, sizeof(why)),
			 0);
	append(fd, "a\n");
	assert_int_equal(safefile_open_append(at("out.jsonl"), geteuid(), &fd, why, sizeof(why)),
			 0);
	append(fd, "b\n");
	assert_string_equal(read_file(at("out.jsonl")), "a\nb\n");
	assert_int_equal(stat(at("out.jsonl"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* a symbolic link, even ours, is not followed: the target stays as it was */
	write_file(at("victim"), "precious", 0644);
	assert_int_equal(symlink(at("victim"), at("link.jsonl")), 0);
	r = safefile_open_append(at("link.jsonl"), geteuid(), &fd, why, sizeof(why));
	assert_int_equal(r, -ELOOP);
	assert_non_null(strstr(why, "symbolic link"));
	assert_string_equal(read_file(at("victim")), "precious");
	/* a second name of another file */
	assert_int_equal(link(at("victim"), at("hard.jsonl")), 0);
	r = safefile_open_append(at("hard.jsonl"), geteuid(), &fd, why, sizeof(why));
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(why, "2 hard links"));
	/* writable by everyone */
	write_file(at("public.jsonl"), "", 0666);
	assert_int_equal(safefile_open_append(at("public.jsonl"), geteuid(), &fd, why, sizeof(why)),
			 -EPERM);
	/* a directory, /dev/null */
	assert_int_equal(safefile_open_append(base, geteuid(), &fd, why, sizeof(why)), -EISDIR);
	assert_int_equal(safefile_open_append("/dev/null", geteuid(), &fd, why, sizeof(why)), 0);
	close(fd);
	assert_int_equal(safefile_open_append("", geteuid(), &fd, why, sizeof(why)), -EINVAL);
}

static void test_open_append_fifo(void **state)
{
	int fd, rd;

	(void)state;
	/* our FIFO with a reader: used */
	assert_int_equal(mkfifo(at("ours.fifo"), 0600), 0);
	rd = open(at("ours.fifo"), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rd >= 0);
	assert_int_equal(safefile_open_append(at("ours.fifo"), geteuid(), &fd, why, sizeof(why)),
			 0);
	append(fd, "x");
	close(rd);
}

static void test_open_append_other_user(void **state)
{
	int fd, r, rd;

	(void)state;
	SKIP_UNLESS_ROOT();
	/* a file another user made first (in a sticky directory, as /tmp) */
	assert_int_equal(mkdir(at("tmp"), 01777), 0);
	assert_int_equal(chmod(at("tmp"), 01777), 0);
	write_file(at("tmp/out.jsonl"), "", 0644);
	assert_int_equal(chown(at("tmp/out.jsonl"), OTHER_UID, OTHER_UID), 0);
	r = safefile_open_append(at("tmp/out.jsonl"), 0, &fd, why, sizeof(why));
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(why, "owned by uid 65534"));
	/* their symbolic link to a file of root's: not followed */
	write_file(at("shadow"), "root:x:0:0", 0600);
	assert_int_equal(symlink(at("shadow"), at("tmp/link.jsonl")), 0);
	assert_int_equal(lchown(at("tmp/link.jsonl"), OTHER_UID, OTHER_UID), 0);
	assert_int_equal(safefile_open_append(at("tmp/link.jsonl"), 0, &fd, why, sizeof(why)),
			 -ELOOP);
	assert_non_null(strstr(why, "symbolic link"));
	assert_string_equal(read_file(at("shadow")), "root:x:0:0");
	/* their FIFO: refused, and without blocking when nobody reads it */
	assert_int_equal(mkfifo(at("tmp/their.fifo"), 0666), 0);
	assert_int_equal(chown(at("tmp/their.fifo"), OTHER_UID, OTHER_UID), 0);
	assert_true(safefile_open_append(at("tmp/their.fifo"), 0, &fd, why, sizeof(why)) < 0);
	rd = open(at("tmp/their.fifo"), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rd >= 0);
	assert_int_equal(safefile_open_append(at("tmp/their.fifo"), 0, &fd, why, sizeof(why)),
			 -EPERM);
	close(rd);
}

/* ---- the state directory ---- */

static void test_state_dir(void **state)
{
	struct stat st;
	int fd, r;

	(void)state;
	/* made 0700 when missing, with its parents */
	fd = state_dir_open(at("var/lib/edgesec"), geteuid(), why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(state_dir_check(fd, geteuid(), why, sizeof(why)), 0);
	close(fd);
	assert_int_equal(stat(at("var/lib/edgesec"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* an existing one that others may write to: refused, with the fix */
	assert_int_equal(chmod(at("var/lib/edgesec"), 0770), 0);
	r = state_dir_open(at("var/lib/edgesec"), geteuid(), why, sizeof(why));
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(why, "its group"));
	assert_non_null(strstr(why, "chmod 0700"));
	assert_int_equal(chmod(at("var/lib/edgesec"), 0757), 0);
	assert_int_equal(state_dir_open(at("var/lib/edgesec"), geteuid(), why, sizeof(why)),
			 -EPERM);
	assert_non_null(strstr(why, "every user"));
	/* 0755 is fine: readable is not writable */
	assert_int_equal(chmod(at("var/lib/edgesec"), 0755), 0);
	fd = state_dir_open(at("var/lib/edgesec"), geteuid(), why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	write_file(at("notdir"), "", 0600);
	assert_true(state_dir_open(at("notdir"), geteuid(), why, sizeof(why)) < 0);
}

static void test_state_dir_owner(void **state)
{
	int fd;

	(void)state;
	SKIP_UNLESS_ROOT();
	assert_int_equal(mkdir(at("state"), 0700), 0);
	assert_int_equal(chown(at("state"), OTHER_UID, OTHER_UID), 0);
	/* root agent: another user's directory is refused */
	assert_int_equal(state_dir_open(at("state"), 0, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "owned by uid 65534"));
	/* the same directory for an agent that runs as that user (after dropping root) */
	fd = open(at("state"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(state_dir_check(fd, OTHER_UID, why, sizeof(why)), 0);
	close(fd);
	/* root's directory is accepted for that user too */
	assert_int_equal(chown(at("state"), 0, 0), 0);
	fd = open(at("state"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(state_dir_check(fd, OTHER_UID, why, sizeof(why)), 0);
	close(fd);
}

static void test_agent_id(void **state)
{
	char id[GUID_STR_LEN + 1], again[GUID_STR_LEN + 1];
	int fd, created, replaced;
	struct stat st;

	(void)state;
	fd = state_dir_open(at("s"), geteuid(), why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(state_agent_id(fd, id, &created, &replaced), 0);
	assert_true(created && !replaced);
	assert_int_equal(stat(at("s/agent-id"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(state_agent_id(fd, again, &created, &replaced), 0);
	assert_false(created);
	assert_string_equal(id, again);
	assert_int_equal(entries(at("s")), 1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_dir_other_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_append_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_append_other_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_id, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
