/* SPDX-License-Identifier: MIT */
/*
 * The host context (host/host.c): every path resolves inside the root, with openat2 and
 * with the fallback walk alike (each case runs on both): absolute and climbing symlinks,
 * ".." above the root, an absolute symlink to a real file outside, symlinked directories,
 * loops, creation through a dangling absolute link, FIFOs never read; capped reads; the
 * shared run directory; /proc selection; and the namespace checks against a child process
 * in a network namespace of its own (root only; the rest runs unprivileged).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/array.h"
#include "host/host.h"

static const unsigned modes[] = { 0, HOST_CONTEXT_NO_OPENAT2 };

struct tree {
	char root[64];
	char outside[64]; /* a real file outside the root */
};

static void put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *root, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void link_at(const char *root, const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	struct tree *t = es_calloc(1, sizeof(*t));
	int fd;

	assert_non_null(t);
	snprintf(t->root, sizeof(t->root), "/tmp/edgesec-host-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->outside, sizeof(t->outside), "/tmp/edgesec-host-outside-XXXXXX");
	fd = mkstemp(t->outside);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "OUTSIDE\n", 8), 8);
	close(fd);

	dir(t->root, "etc");
	dir(t->root, "usr");
	dir(t->root, "usr/lib");
	dir(t->root, "a");
	dir(t->root, "a/b");
	put(t->root, "usr/lib/os-release", "ID=inside\n");
	put(t->root, "a/b/c", "C\n");
	put(t->root, "etc/hostname", "inside-host\n");
	/* As distributions ship it: an absolute link. */
	link_at(t->root, "etc/os-release", "/usr/lib/os-release");
	/* A directory link, absolute, and a relative one that climbs far above the root. */
	link_at(t->root, "lib", "/usr/lib");
	link_at(t->root, "climb", "../../../../../../../usr/lib/os-release");
	/* Links to a real file outside the root, absolute and relative. */
	link_at(t->root, "out-abs", t->outside);
	{
		char rel[128];

		snprintf(rel, sizeof(rel), "../../../../../..%s", t->outside);
		link_at(t->root, "out-rel", rel);
	}
	link_at(t->root, "loop1", "loop2");
	link_at(t->root, "loop2", "/loop1");
	link_at(t->root, "dangling", "/etc/new-file");
	{
		char fifo[512];

		snprintf(fifo, sizeof(fifo), "%s/fifo", t->root);
		assert_int_equal(mkfifo(fifo, 0600), 0);
	}
	*state = t;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown(void **state)
{
	struct tree *t = *state;

	assert_int_equal(nftw(t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	unlink(t->outside);
	es_free(t);
	return 0;
}

static struct host_context *open_host(const struct tree *t, unsigned mode)
{
	struct host_context *h;
	char err[160];

	assert_int_equal(host_context_open(t->root, mode, &h, err, sizeof(err)), 0);
	assert_string_equal(host_context_resolver(h), mode ? "walk" : "openat2");
	return h;
}

static void assert_reads(struct host_context *h, const char *path, const char *want)
{
	char *data = NULL;
	size_t len;
	int r = host_read_file(h, path, 4096, &data, &len);

	if (r < 0)
		fail_msg("%s: %s", path, strerror(-r));
	assert_string_equal(data, want);
	es_free(data);
}

static void assert_read_fails(struct host_context *h, const char *path, int want)
{
	char *data = NULL;
	size_t len;
	int r = host_read_file(h, path, 4096, &data, &len);

	if (r != want)
		fail_msg("%s: got %d (%s), want %d", path, r, r < 0 ? strerror(-r) : data, want);
	es_free(data);
}

static void test_containment(void **state)
{
	struct tree *t = *state;

	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		struct host_context *h = open_host(t, modes[m]);

		assert_reads(h, "etc/os-release", "ID=inside\n");
		assert_reads(h, "/etc/os-release", "ID=inside\n");
		assert_reads(h, "lib/os-release", "ID=inside\n");
		assert_reads(h, "climb", "ID=inside\n");
		assert_reads(h, "a/b/../b/./c", "C\n");
		assert_reads(h, "../../../../../a/b/c", "C\n");
		assert_reads(h, "/a/../../../etc/hostname", "inside-host\n");
		/* The real /etc/hostname and the real outside file are never reached. */
		assert_read_fails(h, "out-abs", -ENOENT);
		assert_read_fails(h, "out-rel", -ENOENT);
		assert_read_fails(h, "loop1", -ELOOP);
		assert_read_fails(h, "missing", -ENOENT);
		assert_read_fails(h, "a/b/c/d", -ENOTDIR);
		assert_read_fails(h, "/", -EISDIR);
		assert_read_fails(h, "fifo", -EINVAL); /* never blocks, never read */
		host_context_free(h);
	}
}

static void test_create_inside(void **state)
{
	struct tree *t = *state;
	char path[512];
	struct stat st;

	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		struct host_context *h = open_host(t, modes[m]);
		int fd = host_open(h, "dangling", O_WRONLY | O_CREAT, 0600);

		assert_true(fd >= 0);
		close(fd);
		/* The absolute target was created below the root, not in the real /etc. */
		snprintf(path, sizeof(path), "%s/etc/new-file", t->root);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(unlink(path), 0);
		assert_int_equal(stat("/etc/new-file", &st), -1);
		assert_int_equal(host_stat(h, "lib", &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		/* O_NOFOLLOW on the last component is kept. */
		assert_int_equal(host_open(h, "etc/os-release", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
		host_context_free(h);
	}
}

static void test_capped_read(void **state)
{
	struct tree *t = *state;
	char big[10001];
	char *data;
	size_t len;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(t->root, "big", big);
	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		struct host_context *h = open_host(t, modes[m]);

		assert_int_equal(host_read_file(h, "big", 10000, &data, &len), 0);
		assert_int_equal(len, 10000);
		assert_int_equal(data[len], '\0');
		es_free(data);
		assert_int_equal(host_read_file(h, "big", 9999, &data, &len), -EFBIG);
		assert_int_equal(host_read_file(h, "big", 0, &data, &len), -EFBIG);
		host_context_free(h);
	}
	put(t->root, "big", "");
	{
		struct host_context *h = open_host(t, 0);

		assert_int_equal(host_read_file(h, "big", 0, &data, &len), 0);
		assert_int_equal(len, 0);
		es_free(data);
		host_context_free(h);
	}
}

static void test_run_dir(void **state)
{
	struct tree *t = *state;
	struct host_context *h = open_host(t, HOST_CONTEXT_NO_OPENAT2);
	char path[512];
	mode_t um = umask(022);
	struct stat st;
	int fd;

	umask(um);
	/* No <root>/run: nothing is created outside it. */
	assert_int_equal(host_run_dir_open(h), -ENOENT);
	dir(t->root, "run");
	fd = host_run_dir_open(h);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/run/edgesec", t->root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755 & ~um);
	/* Existing: opened again. */
	fd = host_run_dir_open(h);
	assert_true(fd >= 0);
	close(fd);
	host_context_free(h);
}

static void test_proc_choice(void **state)
{
	struct tree *t = *state;
	struct host_context *h;
	char err[160], buf[64];

	/* A root without a procfs of its own: no /proc unless we may use ours. */
	assert_int_equal(host_context_open(t->root, 0, &h, err, sizeof(err)), 0);
	assert_string_equal(host_context_proc_path(h), "");
	assert_int_equal(host_proc_open(h, "self/status", O_RDONLY), -ENOENT);
	host_context_free(h);
	assert_int_equal(host_context_open(t->root, HOST_CONTEXT_OWN_PROC, &h, err, sizeof(err)),
			 0);
	assert_string_equal(host_context_proc_path(h), "/proc");
	assert_true(host_proc_readlink(h, "self", buf, sizeof(buf)) > 0);
	host_context_free(h);
	/* `baseline --root`: a tree without /proc is the running host's root. */
	assert_int_equal(host_context_open(t->root, HOST_CONTEXT_TREE_PROC, &h, err, sizeof(err)),
			 0);
	assert_string_equal(host_context_proc_path(h), "/proc");
	host_context_free(h);
	/* A plain directory at <root>/proc: an offline tree's (captured) /proc is used, the
	 * agent never takes it for the host's. */
	dir(t->root, "proc");
	put(t->root, "proc/marker", "fake\n");
	assert_int_equal(host_context_open(t->root, 0, &h, err, sizeof(err)), 0);
	assert_non_null(strstr(host_context_proc_path(h), "/proc"));
	assert_int_equal(host_proc_readlink(h, "self", buf, sizeof(buf)), -ENOENT);
	{
		int fd = host_proc_open(h, "marker", O_RDONLY);

		assert_true(fd >= 0);
		close(fd);
	}
	host_context_free(h);
	assert_int_equal(host_context_open(t->root, HOST_CONTEXT_TREE_PROC, &h, err, sizeof(err)),
			 0);
	assert_int_equal(host_proc_readlink(h, "self", buf, sizeof(buf)), -ENOENT);
	host_context_free(h);
	assert_int_equal(host_context_open(t->root, HOST_CONTEXT_OWN_PROC, &h, err, sizeof(err)),
			 0);
	assert_string_equal(host_context_proc_path(h), "/proc");
	assert_int_equal(host_proc_open(h, "marker", O_RDONLY), -ENOENT);
	host_context_free(h);
	/* "/" and "/proc" always. */
	assert_int_equal(host_context_open("/", 0, &h, err, sizeof(err)), 0);
	assert_string_equal(host_context_root(h), "/");
	assert_true(host_context_root_is_slash(h));
	assert_string_equal(host_context_proc_path(h), "/proc");
	host_context_free(h);
	/* Trailing slashes go; a missing root is an error with a sentence. */
	assert_int_equal(host_context_open("/tmp/", 0, &h, err, sizeof(err)), 0);
	assert_string_equal(host_context_root(h), "/tmp");
	host_context_free(h);
	assert_int_equal(host_context_open("/nonexistent-root", 0, &h, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-root"));
}

/* In a child: the context's view of the network namespace, as an exit code. */
static int child_net_state(bool new_netns)
{
	struct host_context *h;
	char err[160];
	int r;

	if (new_netns && unshare(CLONE_NEWNET) < 0)
		return 100;
	if (host_context_open("/", 0, &h, err, sizeof(err)) < 0)
		return 101;
	r = host_ns_state(h, HOST_NS_NET);
	host_context_free(h);
	return r;
}

static int run_child(bool new_netns)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_net_state(new_netns));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_namespaces(void **state)
{
	struct host_context *h;
	char err[160], text[128];
	int mine, other;

	(void)state;
	assert_int_equal(host_context_open("/", 0, &h, err, sizeof(err)), 0);
	host_ns_format(h, text, sizeof(text));
	assert_non_null(strstr(text, "pid="));
	assert_non_null(strstr(text, ",net="));
	assert_non_null(strstr(text, ",cgroup="));
	assert_non_null(strstr(text, ",uts="));
	host_context_free(h);
	if (geteuid() != 0) {
		print_message("not root: the network namespace comparison is not run\n");
		return;
	}
	mine = run_child(false);
	other = run_child(true);
	/* A namespace of its own is never taken for the host's, and ours differs from it. */
	assert_int_equal(other, HOST_NS_STATE_OWN);
	assert_int_not_equal(mine, other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_containment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capped_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_choice, setup, teardown),
		cmocka_unit_test(test_namespaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
