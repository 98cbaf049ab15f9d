/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Finds where the value named by a JSON pointer starts in JSON text, as line and column (both
 * 1-based; columns count characters, not bytes).  cJSON keeps no positions, so this walks the
 * text itself, skipping every sibling on the way: O(offset of the value).  Used for SARIF
 * regions and error messages; the text is expected to be valid JSON (checked by cJSON first).
 */

#include <stddef.h>

/* 0 on success; -ENOENT if the pointer does not resolve, -EINVAL on malformed text. */
int json_locate(const char *text, size_t len, const char *pointer, unsigned *ret_line,
		unsigned *ret_column);
