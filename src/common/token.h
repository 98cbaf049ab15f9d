/* SPDX-License-Identifier: MIT */
#pragma once

/* Splitting a line of /proc-style text into fields separated by spaces or tabs. */

#include <stdbool.h>
#include <stddef.h>

struct token {
	const char *p;
	size_t len;
};

/* The next field at or after *pos (before end); advances *pos past it.  False at the end. */
static inline bool token_next(const char **pos, const char *end, struct token *t)
{
	const char *p = *pos;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end)
		return false;
	t->p = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	t->len = (size_t)(p - t->p);
	*pos = p;
	return true;
}
