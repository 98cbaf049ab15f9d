/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * /proc/<pid>/mountinfo parsing (proc(5)), a pure function over a buffer: which device is
 * mounted on a given mount point.  Octal escapes (\040 for a space) are decoded.
 */

#include <stddef.h>

/*
 * Finds the mount source of the last (visible) mount on mount_point.  0 with out filled,
 * -ENOENT if there is none, -E2BIG if the source does not fit in out.  Malformed lines are
 * skipped and counted in *ret_skipped (may be NULL).
 */
int mountinfo_find_source(const char *buf, size_t len, const char *mount_point, char *out,
			  size_t out_size, unsigned *ret_skipped);
