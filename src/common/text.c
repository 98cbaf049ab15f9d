/* SPDX-License-Identifier: MIT */
/*
 * Text for terminals (text.h): strings from input (file names, module names, reasons) put on
 * one line with control characters escaped (textesc.h, the one escaping of text reports, CLI
 * errors and log lines), so they can neither break the layout nor send escape sequences to
 * the terminal; optional word wrapping at a column.
 */
#include "text.h"

#include <string.h>

#include "textesc.h"

void text_put_plain(struct buf *b, const char *s)
{
	if (s)
		text_escape_buf(b, s, strlen(s));
}

void text_put_wrapped(struct buf *b, const char *text, unsigned col, unsigned indent,
		      unsigned width)
{
	const char *p = text;

	while (p && *p) {
		size_t word = strcspn(p, " "), spaces = 0;

		if (width && col > indent && col + word > width) {
			buf_putc(b, '\n');
			for (unsigned i = 0; i < indent; i++)
				buf_putc(b, ' ');
			col = indent;
		}
		{
			size_t before = b->len;

			text_escape_buf(b, p, word);
			col += (unsigned)(b->len - before);
		}
		p += word;
		while (p[spaces] == ' ')
			spaces++;
		if (!p[spaces])
			break;
		if (!width || col + 1 < width) {
			buf_putc(b, ' ');
			col++;
		}
		p += spaces;
	}
}
