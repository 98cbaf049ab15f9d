/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Bounded string copies, the one helper for copying a string into a fixed buffer: the result
 * always fits and is always NUL-terminated, and the caller learns whether it was cut.  Use
 * instead of strcpy (banned), strncpy (may leave no NUL) or snprintf(dst, size, "%s", src).
 * Cutting is by bytes; a copy that must not split a UTF-8 character uses utf8_prefix_len()
 * (json_write.h).
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * src (NUL-terminated; NULL is "") into dst[size]: at most size - 1 bytes and a NUL.  true when
 * src did not fit.  size 0 writes nothing (true unless src is empty).
 */
bool str_copy(char *dst, size_t size, const char *src);

/* The same for the first len bytes of src, up to a NUL among them (a fixed-size field). */
bool str_copy_n(char *dst, size_t size, const char *src, size_t len);
