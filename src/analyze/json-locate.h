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

/*
 * The same for many pointers over one text, cheap when they come in document order (as
 * findings do): the walk resumes from the deepest token shared with the previous pointer and
 * line counting resumes from the previous position.
 */
#define JSON_LOCATOR_DEPTH 32

struct json_locator {
	const char *text;
	size_t len;
	char last[512];				/* previous pointer, "" at first */
	size_t offsets[JSON_LOCATOR_DEPTH + 1]; /* value offset after 0..depth tokens */
	size_t ends[JSON_LOCATOR_DEPTH + 1];	/* pointer length after 0..depth tokens */
	unsigned depth;
	size_t pos_offset; /* where line/column were last computed */
	unsigned pos_line, pos_column;
};

void json_locator_init(struct json_locator *l, const char *text, size_t len);
int json_locator_find(struct json_locator *l, const char *pointer, unsigned *ret_line,
		      unsigned *ret_column);
