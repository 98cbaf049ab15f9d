/* SPDX-License-Identifier: MIT */
/*
 * Path resolution below the host root (host/host.c), with symlink targets chosen by the
 * input, as an attacker on the host chooses them.  Input: the path to open on the first
 * line, then up to four lines that become the targets of the symlinks l0..l3 in the root
 * (and a/l4 one level down).  Both resolvers (openat2 and the component walk) open the path;
 * whatever either opens must be inside the root, and when both open something it must be
 * the same file.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINKS 5

static char root[64];
static struct host_context *h2, *hw; /* openat2, walk */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void cleanup(void)
{
	host_context_free(h2);
	host_context_free(hw);
	(void)nftw(root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup_once(void)
{
	char path[128], err[160];

	if (root[0])
		return;
	snprintf(root, sizeof(root), "/tmp/edgesec-fuzz-host-XXXXXX");
	if (!mkdtemp(root))
		__builtin_trap();
	snprintf(path, sizeof(path), "%s/a", root);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/a/b", root);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/f", root);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	snprintf(path, sizeof(path), "%s/a/b/g", root);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	if (host_context_open(root, 0, &h2, err, sizeof(err)) < 0 ||
	    host_context_open(root, HOST_CONTEXT_NO_OPENAT2, &hw, err, sizeof(err)) < 0)
		__builtin_trap();
	atexit(cleanup);
}

/* Inside the root: the fd's path is the root or below it. */
static void check_inside(int fd)
{
	char link[64], target[4096];
	size_t n = strlen(root);
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return;
	target[len] = '\0';
	if (strncmp(target, root, n) != 0 || (target[n] != '\0' && target[n] != '/'))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[LINKS] = { "l0", "l1", "l2", "l3", "a/l4" };
	char buf[2048], *lines[LINKS + 1], *p;
	int n = 0, fd2, fdw;
	struct stat s2, sw;

	setup_once();
	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (memchr(buf, '\0', size))
		return 0;
	for (p = buf; p && n < LINKS + 1; n++) {
		lines[n] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	for (int i = 0; i < LINKS; i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/%s", root, names[i]);
		(void)unlink(path);
		if (i + 1 < n && lines[i + 1][0] && symlink(lines[i + 1], path) < 0)
			return 0;
	}
	for (int flags = 0; flags < 2; flags++) {
		int f = flags ? O_PATH : O_RDONLY | O_NONBLOCK;

		fd2 = host_open(h2, lines[0], f, 0);
		fdw = host_open(hw, lines[0], f, 0);
		if (fd2 >= 0)
			check_inside(fd2);
		if (fdw >= 0)
			check_inside(fdw);
		if (fd2 >= 0 && fdw >= 0 && fstat(fd2, &s2) == 0 && fstat(fdw, &sw) == 0 &&
		    (s2.st_dev != sw.st_dev || s2.st_ino != sw.st_ino))
			__builtin_trap();
		if (fd2 >= 0)
			close(fd2);
		if (fdw >= 0)
			close(fdw);
	}
	return 0;
}
