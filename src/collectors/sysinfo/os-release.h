/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * os-release(5) parsing: a pure function over a buffer, no I/O.  Lines are KEY=VALUE; blank
 * lines and lines starting with '#' are ignored; values may be unquoted, 'single quoted' or
 * "double quoted" (shell rules: backslash escapes any character outside quotes and only
 * $ " \ ` inside double quotes; nothing is special inside single quotes; adjacent pieces are
 * concatenated).  Lines that do not parse are skipped and counted.  Values longer than their
 * field are cut on a UTF-8 boundary.
 */

#include <stddef.h>

#define OS_RELEASE_VALUE_MAX 256

struct os_release {
	char name[OS_RELEASE_VALUE_MAX];	/* NAME */
	char pretty_name[OS_RELEASE_VALUE_MAX]; /* PRETTY_NAME */
	char id[OS_RELEASE_VALUE_MAX];		/* ID */
	char version_id[OS_RELEASE_VALUE_MAX];	/* VERSION_ID */
	char version[OS_RELEASE_VALUE_MAX];	/* VERSION */
	unsigned skipped;			/* malformed lines */
	unsigned truncated;			/* values cut to fit */
};

/*
 * Decodes one value (the text after '=', without the newline) into out (NUL-terminated).
 * 0 and *ret_len on success, -EINVAL for an unterminated quote, a NUL byte or a trailing
 * backslash; -E2BIG (with out holding the cut value and *ret_len set) if it did not fit.
 */
int os_release_unquote(const char *s, size_t len, char *out, size_t out_size, size_t *ret_len);

/* Parses a whole file.  Never fails: what cannot be read is counted in ->skipped. */
void os_release_parse(const char *buf, size_t len, struct os_release *ret);
