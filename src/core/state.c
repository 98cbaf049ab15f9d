/* SPDX-License-Identifier: MIT */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"

#define AGENT_ID_FILE "agent-id"

static int mkdir_p(const char *path)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, path, len + 1);
	for (size_t i = 1; i < len; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		tmp[i] = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int state_dir_open(const char *path)
{
	int r = mkdir_p(path), fd;

	if (r < 0)
		return r;
	fd = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Fail early if we cannot write here, rather than at the first state change. */
	if (faccessat(fd, ".", W_OK, AT_EACCESS) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int write_atomic(int dirfd, const char *name, const char *data, size_t len)
{
	char tmp[64];
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	close(fd);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	else
		(void)fsync(dirfd);
	return r;
}

int state_agent_id(int dirfd, char ret_id[GUID_STR_LEN + 1], int *ret_created, int *ret_replaced)
{
	char line[128], text[GUID_STR_LEN + 2];
	uint8_t g[16];
	int r;

	*ret_created = 0;
	*ret_replaced = 0;
	r = read_line_at(dirfd, AGENT_ID_FILE, line, sizeof(line));
	if (r == 0 && guid_parse(line, g)) {
		guid_format(g, ret_id);
		return 0;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	*ret_replaced = r == 0;
	guid_generate(g);
	guid_format(g, text);
	text[GUID_STR_LEN] = '\n';
	r = write_atomic(dirfd, AGENT_ID_FILE, text, GUID_STR_LEN + 1);
	if (r < 0)
		return r;
	guid_format(g, ret_id);
	*ret_created = 1;
	return 0;
}
