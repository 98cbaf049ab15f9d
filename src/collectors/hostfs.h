/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading files of the host's root file system, which may be mounted somewhere else (a
 * container with the host's / at /host).  Paths are resolved inside that root (openat2
 * RESOLVE_IN_ROOT, so an absolute symlink such as /etc/os-release -> /usr/lib/os-release
 * stays on the host), every fd is O_CLOEXEC and every read is capped.
 */

#include <stddef.h>

/*
 * Opens path ("etc/passwd" or "/etc/passwd") below host_root; NULL means our own "/" (for
 * /proc and /sys, which describe the kernel we run on).  fd or -errno.  Only regular files
 * are opened, without blocking: a FIFO, device or socket gives -FILEIO_ENOTREG (fileio.h), a
 * directory -EISDIR.
 */
int hostfs_open(const char *host_root, const char *path);

/*
 * Reads a whole file up to max bytes into a NUL-terminated buffer (es_free).  0 on success,
 * -EFBIG if the file is larger than max, -errno otherwise.
 */
int hostfs_read_file(const char *host_root, const char *path, size_t max, char **ret_data,
		     size_t *ret_len);

/* The same for an open fd (which stays open). */
int hostfs_read_fd(int fd, size_t max, char **ret_data, size_t *ret_len);
