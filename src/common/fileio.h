/* SPDX-License-Identifier: MIT */
#pragma once

/* Bounded file reading. */

#include <stddef.h>

/*
 * Reads a whole file (or stdin for "-") up to max bytes into a NUL-terminated buffer (es_free).
 * -EFBIG if larger than max, -errno on other failures.
 */
int read_file_capped(const char *path, size_t max, char **ret_data, size_t *ret_len);
/* Reads an open fd to its end, with the same cap and results as read_file_capped(). */
int read_fd_capped(int fd, size_t max, char **ret_data, size_t *ret_len);
/* Same, relative to a directory fd (openat), for /proc and root-relative reads. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret_data, size_t *ret_len);
/* Reads the first line of a small file into out (without the newline); -errno on failure. */
int read_line_at(int dirfd, const char *path, char *out, size_t out_size);
