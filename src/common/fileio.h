/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Bounded file reading.  Every named file is opened without blocking (O_NONBLOCK while
 * opening, cleared afterwards) and must be a regular file: a FIFO, a device, a socket or a
 * directory is refused (a FIFO with no writer would block open() or read() forever; /dev/zero
 * would be read up to the cap).  Only "-" (stdin) may be a pipe.
 */

#include <stddef.h>

/*
 * The errno of a named file that is not a regular file (directories give -EISDIR).  Callers
 * show it with fileio_strerror(), which says "not a regular file" for it.
 */
#define FILEIO_ENOTREG EMEDIUMTYPE

/* strerror(-r) with the messages of this module ("not a regular file (FIFO, device...)"). */
const char *fileio_strerror(int r);
/*
 * Opens path (relative to dirfd, or absolute) for reading: O_CLOEXEC, O_NOCTTY, and
 * O_NONBLOCK until the file is known to be regular.  fd, or -errno (-FILEIO_ENOTREG,
 * -EISDIR).  extra_flags are added to the open flags (O_NOFOLLOW, say).
 */
int file_open_regular(int dirfd, const char *path, int extra_flags);
/* For an fd opened with O_NONBLOCK elsewhere (openat2): the same check; clears O_NONBLOCK.
 * 0 or -errno; the fd stays open either way. */
int fd_check_regular(int fd);

/*
 * Reads a whole regular file (or stdin for "-") up to max bytes into a NUL-terminated buffer
 * (es_free).  -EFBIG if larger than max (regular files are measured before reading),
 * -FILEIO_ENOTREG / -EISDIR for other kinds of files, -errno on other failures.
 */
int read_file_capped(const char *path, size_t max, char **ret_data, size_t *ret_len);
/* Reads an open fd to its end, with the same cap and results as read_file_capped(). */
int read_fd_capped(int fd, size_t max, char **ret_data, size_t *ret_len);
/* Same, relative to a directory fd (openat), for /proc and root-relative reads (regular
 * files only). */
int read_file_at(int dirfd, const char *path, size_t max, char **ret_data, size_t *ret_len);
/* Reads the first line of a small file into out (without the newline); -errno on failure. */
int read_line_at(int dirfd, const char *path, char *out, size_t out_size);
