/* SPDX-License-Identifier: MIT */
#include "os-release.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/array.h"
#include "common/json_write.h"

enum quote { Q_NONE, Q_SINGLE, Q_DOUBLE };

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* A value cut at out_size - 1 bytes must not end inside a UTF-8 sequence. */
static size_t utf8_trim_cut(const char *out, size_t n)
{
	size_t j = n;

	while (j > 0 && n - j < 3 && ((unsigned char)out[j - 1] & 0xc0) == 0x80)
		j--;
	if (j > 0 && utf8_seq_len((const unsigned char *)out + j - 1, n - (j - 1)) == 0)
		return j - 1;
	return n;
}

int os_release_unquote(const char *s, size_t len, char *out, size_t out_size, size_t *ret_len)
{
	enum quote q = Q_NONE;
	size_t i = 0, o = 0, keep = 0;
	bool cut = false;

	if (out_size == 0)
		return -EINVAL;
	while (i < len && is_blank(s[i]))
		i++;
	for (; i < len; i++) {
		char c = s[i];
		bool literal = true; /* counts as content (not trailing blank) */

		if (c == '\0')
			return -EINVAL;
		if (q == Q_NONE) {
			if (c == '\'' || c == '"') {
				q = c == '\'' ? Q_SINGLE : Q_DOUBLE;
				keep = o;
				continue;
			}
			if (c == '\\') {
				if (i + 1 >= len || s[i + 1] == '\0')
					return -EINVAL;
				c = s[++i];
			} else if (is_blank(c)) {
				literal = false;
			}
		} else if (q == Q_SINGLE) {
			if (c == '\'') {
				q = Q_NONE;
				keep = o;
				continue;
			}
		} else {
			if (c == '"') {
				q = Q_NONE;
				keep = o;
				continue;
			}
			if (c == '\\' && i + 1 < len && strchr("$\"\\`", s[i + 1]) && s[i + 1])
				c = s[++i];
		}
		if (o + 1 < out_size)
			out[o++] = c;
		else
			cut = true;
		if (literal)
			keep = o;
	}
	if (q != Q_NONE)
		return -EINVAL;
	if (cut)
		keep = utf8_trim_cut(out, keep);
	out[keep] = '\0';
	*ret_len = keep;
	return cut ? -E2BIG : 0;
}

static char *field_for(struct os_release *r, const char *key, size_t klen)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "NAME", offsetof(struct os_release, name) },
		{ "PRETTY_NAME", offsetof(struct os_release, pretty_name) },
		{ "ID", offsetof(struct os_release, id) },
		{ "VERSION_ID", offsetof(struct os_release, version_id) },
		{ "VERSION", offsetof(struct os_release, version) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strlen(fields[i].key) == klen && memcmp(fields[i].key, key, klen) == 0)
			return (char *)r + fields[i].off;
	return NULL;
}

static void parse_line(struct os_release *r, const char *p, size_t len)
{
	char tmp[OS_RELEASE_VALUE_MAX];
	size_t k = 0, vlen;
	char *field;
	int e;

	while (len && is_blank(*p))
		p++, len--;
	if (!len || *p == '#')
		return;
	while (k < len && is_key_char(p[k], k == 0))
		k++;
	if (k == 0 || k >= len || p[k] != '=') {
		r->skipped++;
		return;
	}
	e = os_release_unquote(p + k + 1, len - k - 1, tmp, sizeof(tmp), &vlen);
	if (e == -EINVAL) {
		r->skipped++;
		return;
	}
	field = field_for(r, p, k);
	if (!field)
		return;
	if (e == -E2BIG)
		r->truncated++;
	memcpy(field, tmp, vlen + 1);
}

void os_release_parse(const char *buf, size_t len, struct os_release *ret)
{
	size_t pos = 0;

	memset(ret, 0, sizeof(*ret));
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;

		parse_line(ret, buf + pos, end - pos);
		pos = end + 1;
	}
}
