/* SPDX-License-Identifier: MIT */
#include "mountinfo.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/token.h"

#define MOUNTINFO_FIELD_MAX 4096

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Decodes \ooo escapes; -E2BIG if it does not fit, -EINVAL for a NUL byte. */
static int unescape(const struct token *t, char *out, size_t out_size, size_t *ret_len)
{
	size_t o = 0;

	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];

		if (c == '\\' && i + 3 < t->len && is_octal(t->p[i + 1]) && is_octal(t->p[i + 2]) &&
		    is_octal(t->p[i + 3])) {
			unsigned v = (unsigned)(t->p[i + 1] - '0') * 64 +
				     (unsigned)(t->p[i + 2] - '0') * 8 +
				     (unsigned)(t->p[i + 3] - '0');

			c = (char)(v & 0xff);
			i += 3;
		}
		if (c == '\0')
			return -EINVAL;
		if (o + 1 >= out_size)
			return -E2BIG;
		out[o++] = c;
	}
	out[o] = '\0';
	*ret_len = o;
	return 0;
}

/* 1 and the source token if the line is a mount on mount_point, 0 if another, -EINVAL bad. */
static int parse_line(const char *p, const char *end, const char *mount_point, struct token *src)
{
	char mp[MOUNTINFO_FIELD_MAX];
	struct token t[5], x;
	size_t mplen;
	bool sep = false;

	for (int i = 0; i < 5; i++)
		if (!token_next(&p, end, &t[i]))
			return -EINVAL;
	/* optional fields, then "-", then fstype and source */
	while (token_next(&p, end, &x))
		if (x.len == 1 && x.p[0] == '-') {
			sep = true;
			break;
		}
	if (!sep || !token_next(&p, end, &x) || !token_next(&p, end, src))
		return -EINVAL;
	if (unescape(&t[4], mp, sizeof(mp), &mplen) < 0)
		return -EINVAL;
	return strcmp(mp, mount_point) == 0 ? 1 : 0;
}

int mountinfo_find_source(const char *buf, size_t len, const char *mount_point, char *out,
			  size_t out_size, unsigned *ret_skipped)
{
	struct token found = { 0 }, src;
	unsigned skipped = 0;
	size_t pos = 0, olen;
	int r;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;

		r = parse_line(buf + pos, buf + end, mount_point, &src);
		if (r < 0 && end > pos)
			skipped++;
		else if (r > 0)
			found = src;
		pos = end + 1;
	}
	if (ret_skipped)
		*ret_skipped = skipped;
	if (!found.p)
		return -ENOENT;
	if (out_size == 0)
		return -E2BIG;
	r = unescape(&found, out, out_size, &olen);
	return r == -EINVAL ? -ENOENT : r;
}
