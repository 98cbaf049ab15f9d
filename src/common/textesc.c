/* SPDX-License-Identifier: MIT */
#include "textesc.h"

#include <stdio.h>
#include <string.h>

#include "json_write.h"

/* The escape of the character at s (n bytes of it), or n = 0 if it is kept as is. */
static size_t escape_one(const unsigned char *s, size_t avail, char esc[TEXT_ESCAPE_MAX + 1],
			 size_t *ret_n)
{
	size_t n = utf8_seq_len(s, avail);

	*ret_n = n ? n : 1;
	if (n == 0)
		return (size_t)snprintf(esc, TEXT_ESCAPE_MAX + 1, "\\x%02x", s[0]);
	if (n == 1) {
		if (s[0] == '\n' || s[0] == '\r' || s[0] == '\t')
			return (size_t)snprintf(esc, TEXT_ESCAPE_MAX + 1, "\\%c",
						s[0] == '\n'   ? 'n'
						: s[0] == '\r' ? 'r'
							       : 't');
		if (s[0] < 0x20 || s[0] == 0x7f)
			return (size_t)snprintf(esc, TEXT_ESCAPE_MAX + 1, "\\x%02x", s[0]);
		return 0;
	}
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) /* U+0080 ... U+009F */
		return (size_t)snprintf(esc, TEXT_ESCAPE_MAX + 1, "\\u%04x", s[1]);
	if (n == 3 && s[0] == 0xe2) {
		unsigned cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);

		if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			return (size_t)snprintf(esc, TEXT_ESCAPE_MAX + 1, "\\u%04x", cp);
	}
	return 0;
}

bool text_needs_escape(const char *s, size_t len)
{
	char esc[TEXT_ESCAPE_MAX + 1];

	for (size_t i = 0, n; i < len; i += n) {
		/* The common case: printable ASCII. */
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f) {
			n = 1;
			continue;
		}
		if (escape_one((const unsigned char *)s + i, len - i, esc, &n))
			return true;
	}
	return false;
}

void text_escape_buf(struct buf *b, const char *s, size_t len)
{
	char esc[TEXT_ESCAPE_MAX + 1];
	size_t i = 0, start = 0, n, e;

	while (i < len) {
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f) {
			i++;
			continue;
		}
		e = escape_one((const unsigned char *)s + i, len - i, esc, &n);
		if (e) {
			buf_append(b, s + start, i - start);
			buf_append(b, esc, e);
			start = i + n;
		}
		i += n;
	}
	buf_append(b, s + start, len - start);
}

size_t text_escape(char *out, size_t size, const char *s, size_t len)
{
	char esc[TEXT_ESCAPE_MAX + 1];
	size_t o = 0, n, e;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len; i += n) {
		const char *piece = s + i;

		e = escape_one((const unsigned char *)s + i, len - i, esc, &n);
		if (e)
			piece = esc;
		else
			e = n;
		if (o + e >= size)
			break;
		memcpy(out + o, piece, e);
		o += e;
	}
	out[o] = '\0';
	return o;
}
