/* SPDX-License-Identifier: MIT */
/*
 * Where a secret's value ends (the scan is in redact.c): quoted values to the matching quote,
 * bare ones to a blank or quote (a backslash escapes one), `KEY=value` values at the shell's
 * separators, argv truncation markers inside a value kept with it, and in argv mode (NULs
 * between arguments) a value that starts an argument to the end of that argument.  Every
 * function reads at most the value it returns and a bounded name after a separator.
 */
#include <string.h>

#include "redact-int.h"

static inline bool has(unsigned char c, unsigned bits)
{
	return redact_has(c, bits);
}

static inline bool blank_or_quote(unsigned char c)
{
	return c <= 0x20 || has(c, B_QUOTE);
}

size_t redact_cut_marker(const struct finder *f, size_t p)
{
	static const char open[] = "\xe2\x80\xa6[cut ", close[] = " bytes]\xe2\x80\xa6";
	const size_t ol = sizeof(open) - 1, cl = sizeof(close) - 1;
	size_t d = p + ol;

	if (f->len - p < ol + 1 + cl || memcmp(f->s + p, open, ol) != 0)
		return 0;
	while (d < f->len && d - p - ol < 10 && f->s[d] >= '0' && f->s[d] <= '9')
		d++;
	if (d == p + ol || f->len - d < cl || memcmp(f->s + d, close, cl) != 0)
		return 0;
	return d + cl - p;
}

/*
 * Does the ';', '&' or ',' at p end a `KEY=value` value?  In shell text ';' and '&' always do
 * (they are operators there); otherwise only before another `name=` or the end of the value,
 * so `PASSWORD=a;b` and `password=x,y` are redacted whole and `user=u,password=x,uid=0` keeps
 * uid.
 */
static bool sep_ends(const struct finder *f, size_t p, bool whole)
{
	size_t k = p + 1;

	if (!whole && f->s[p] != ',')
		return true;
	while (k < f->len && k - p <= REDACT_NAME_MAX && has((unsigned char)f->s[k], B_KEY))
		k++;
	if (k == p + 1)
		return k >= f->len || blank_or_quote((unsigned char)f->s[k]) ||
		       has((unsigned char)f->s[k], B_SEP);
	return k < f->len && f->s[k] == '=';
}

size_t redact_value_end(const struct finder *f, size_t p, unsigned stop, bool whole)
{
	const unsigned char *s = (const unsigned char *)f->s;
	size_t m;

	for (; p < f->len; p++) {
		unsigned char c = s[p];

		if (c == '\0' && f->argv)
			return p;
		if (c == '\\' && p + 1 < f->len && (s[p + 1] != '\0' || !f->argv))
			p++;
		else if (c == 0xe2 && (m = redact_cut_marker(f, p)))
			p += m - 1;
		else if ((stop & B_SEP) && has(c, B_SEP) && sep_ends(f, p, whole))
			return p;
		else if (!whole && has(c, stop & ~B_SEP))
			return p;
	}
	return f->len;
}

/*
 * After the quote at p: the matching quote (`\"` escapes one inside double quotes), or the
 * end of the argument (argv mode: a quote never reaches into the next one, so `--password \'`
 * cannot hide the arguments after it), or of the text.
 */
static size_t quoted_end(const struct finder *f, size_t p)
{
	char q = f->s[p];

	for (p++; p < f->len; p++) {
		if (f->s[p] == q || (f->argv && f->s[p] == '\0'))
			return p;
		if (f->s[p] == '\\' && q == '"')
			p++;
	}
	return f->len;
}

bool redact_value_at(const struct finder *f, size_t p, unsigned stop, bool whole, size_t *ret_start,
		     size_t *ret_end)
{
	if (p >= f->len || (f->argv && f->s[p] == '\0'))
		return false;
	if (has((unsigned char)f->s[p], B_QUOTE)) {
		*ret_start = p + 1;
		*ret_end = quoted_end(f, p);
		if (*ret_end > f->len)
			*ret_end = f->len;
	} else {
		*ret_start = p;
		*ret_end = redact_value_end(f, p, stop, whole);
	}
	return *ret_end > *ret_start;
}

/*
 * The argument after an option: the next word, unless it is another long option.  In argv
 * mode, after the end of an argument: the whole next argument.
 */
bool redact_next_word(const struct finder *f, size_t p, size_t *ret_start, size_t *ret_end)
{
	bool whole = f->argv && p < f->len && f->s[p] == '\0';

	if (whole)
		p++; /* the next argument, whole (its blanks are part of it) */
	else
		while (p < f->len && has((unsigned char)f->s[p], B_WS) &&
		       !(f->argv && f->s[p] == '\0'))
			p++;
	if (p >= f->len || (f->s[p] == '-' && p + 1 < f->len && f->s[p + 1] == '-'))
		return false;
	return redact_value_at(f, p, B_WS | B_QUOTE, whole, ret_start, ret_end);
}
