/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"

const char *fileio_strerror(int r)
{
	if (r == -FILEIO_ENOTREG)
		return "not a regular file (a FIFO, device, socket... is never read)";
	if (r == -EFBIG)
		return "file too large";
	return strerror(r < 0 ? -r : r);
}

int fd_check_regular(int fd)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -FILEIO_ENOTREG;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || ((fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
		return -errno;
	return 0;
}

int file_open_regular(int dirfd, const char *path, int extra_flags)
{
	int fd, r;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | extra_flags);
	if (fd < 0)
		return -errno;
	r = fd_check_regular(fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

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
	struct stat st;
	int fd, r;

	fd = file_open_regular(dirfd, path, 0);
	if (fd < 0)
		return fd;
	/* Measured first: a file over the cap is refused before a byte is read. */
	if (fstat(fd, &st) == 0 && (unsigned long long)st.st_size > max)
		r = -EFBIG;
	else
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
	fd = file_open_regular(dirfd, path, 0);
	if (fd < 0)
		return fd;
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
