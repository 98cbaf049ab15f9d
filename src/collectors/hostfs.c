/* SPDX-License-Identifier: MIT */
#include "hostfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"

static bool root_is_slash(const char *host_root)
{
	if (!host_root || !*host_root)
		return true;
	while (*host_root == '/')
		host_root++;
	return *host_root == '\0';
}

/* The fd if it is a regular file (O_NONBLOCK cleared), else closed and -errno. */
static int keep_regular(int fd)
{
	int r;

	if (fd < 0)
		return fd;
	r = fd_check_regular(fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int hostfs_open(const char *host_root, const char *path)
{
	/* O_NONBLOCK: a FIFO planted at a path we read must not block the agent's loop. */
	const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int rootfd, fd;
	bool slash;

	while (*path == '/')
		path++;
	if (!*path)
		return -EINVAL;
	slash = root_is_slash(host_root);
	rootfd = open(slash ? "/" : host_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
#ifdef SYS_openat2
	if (!slash) {
		struct open_how how = {
			.flags = (unsigned)flags,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};

		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) {
			int r = fd < 0 ? -errno : fd;

			close(rootfd);
			return keep_regular(r);
		}
	}
#endif
	/* "/", or kernels before 5.6 (or seccomp filters refusing openat2): openat. */
	fd = openat(rootfd, path, flags);
	if (fd < 0)
		fd = -errno;
	close(rootfd);
	return keep_regular(fd);
}

int hostfs_read_fd(int fd, size_t max, char **ret_data, size_t *ret_len)
{
	size_t cap = max < 4096 ? max + 1 : 4096, len = 0;
	char *data = es_malloc(cap);

	if (!data)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			char *p;

			if (ncap == cap) {
				/* The buffer holds max bytes: one more byte means too large. */
				char extra;

				do
					n = read(fd, &extra, 1);
				while (n < 0 && errno == EINTR);
				if (n != 0) {
					int r = n < 0 ? -errno : -EFBIG;

					es_free(data);
					return r;
				}
				break;
			}
			p = es_realloc(data, ncap);
			if (!p) {
				es_free(data);
				return -ENOMEM;
			}
			data = p;
			cap = ncap;
		}
		n = read(fd, data + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			es_free(data);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
	*ret_data = data;
	*ret_len = len;
	return 0;
}

int hostfs_read_file(const char *host_root, const char *path, size_t max, char **ret_data,
		     size_t *ret_len)
{
	int fd = hostfs_open(host_root, path), r;

	if (fd < 0)
		return fd;
	r = hostfs_read_fd(fd, max, ret_data, ret_len);
	close(fd);
	return r;
}
