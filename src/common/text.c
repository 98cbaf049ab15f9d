/* SPDX-License-Identifier: MIT */
/*
 * Text for terminals (text.h): strings from input (file names, module names, reasons) put on
 * one line with control characters replaced, so they can neither break the layout nor send
 * escape sequences to the terminal; optional word wrapping at a column.
 */
#include "text.h"

#include <string.h>

void text_put_plain(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		buf_putc(b, ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
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
		for (size_t i = 0; i < word; i++)
			buf_putc(b, ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i]);
		col += (unsigned)word;
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
