/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"

int read_fd_capped(int fd, size_t max, char **ret_data, size_t *ret_len)
{
	struct buf b;

	buf_init(&b, max + 1);
	for (;;) {
		size_t room = max + 1 - b.len; /* one byte past max tells "too large" */
		ssize_t n;

		if (room > 65536)
			room = 65536;
		if (!buf_reserve(&b, room)) {
			buf_done(&b);
			return -ENOMEM;
		}
		n = read(fd, b.data + b.len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			buf_done(&b);
			return r;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max) {
			buf_done(&b);
			return -EFBIG;
		}
	}
	if (!b.data && !buf_reserve(&b, 1))
		return -ENOMEM;
	b.data[b.len] = '\0';
	*ret_len = b.len;
	*ret_data = buf_steal(&b, NULL);
	return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret_data, size_t *ret_len)
{
	int fd, r;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = read_fd_capped(fd, max, ret_data, ret_len);
	close(fd);
	return r;
}

int read_file_capped(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
	if (strcmp(path, "-") == 0)
		return read_fd_capped(STDIN_FILENO, max, ret_data, ret_len);
	return read_file_at(AT_FDCWD, path, max, ret_data, ret_len);
}

int read_line_at(int dirfd, const char *path, char *out, size_t out_size)
{
	char tmp[512];
	ssize_t n;
	int fd;
	size_t i;

	if (out_size == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, tmp, sizeof(tmp) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	for (i = 0; i < (size_t)n && tmp[i] != '\n' && i + 1 < out_size; i++)
		out[i] = tmp[i];
	out[i] = '\0';
	return 0;
}
