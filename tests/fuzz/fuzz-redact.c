/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes secret redaction (common/redact.h) over hostile command lines: the spans are sorted,
 * disjoint and inside the text, at most REDACT_SPANS_MAX; redact_apply() writes exactly
 * redact_len() bytes; redact_text() stays within its buffer and, when the buffer is large
 * enough, says the same as redact_apply().  The same for the argv form (redact_find_args,
 * NULs separate arguments) and redact_args_join(): no NUL left, every span cut.  Redacting
 * valid UTF-8 gives valid UTF-8 (a span never starts or ends inside a sequence, a cut never
 * splits one).  An input whose first line starts with '#' gives the extra names
 * (redactExtraNames) for the rest, checked or rejected whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is s[0..n) valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)? */
static int utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], need = c < 0x80		  ? 0
					  : c >= 0xc2 && c < 0xe0 ? 1
					  : c >= 0xe0 && c < 0xf0 ? 2
					  : c >= 0xf0 && c < 0xf5 ? 3
								  : 9;
		unsigned cp = need == 1 ? c & 0x1f : need == 2 ? c & 0x0f : c & 0x07;

		if (need == 9 || n - i <= need)
			return need == 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += need + 1;
	}
	return 1;
}

static void check_spans(const struct redact_span *spans, unsigned k, size_t len)
{
	if (k > REDACT_SPANS_MAX)
		abort();
	for (unsigned i = 0; i < k; i++)
		if (spans[i].start >= spans[i].end || spans[i].end > len ||
		    (i && spans[i].start <= spans[i - 1].end))
			abort();
}

/* The argv form: spans as above, and the join has no NUL and no more than it may. */
static void check_argv(const char *s, size_t len, int valid)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	size_t cap = len + REDACT_GROWTH_MAX + 1, n;
	char *j = malloc(cap), small[13];
	size_t trimmed = len;
	unsigned k, r;

	if (!j)
		abort();
	while (trimmed && s[trimmed - 1] == '\0')
		trimmed--; /* as redact_args_join() does */
	k = redact_find_args(s, trimmed, spans);
	check_spans(spans, k, trimmed);
	n = redact_args_join(s, len, j, cap, &r);
	if (n >= cap || j[n] != '\0' || memchr(j, '\0', n) || r != k)
		abort();
	if (valid && !utf8_valid((const unsigned char *)j, n))
		abort();
	n = redact_args_join(s, len, small, sizeof(small), &r);
	if (n >= sizeof(small) || (valid && !utf8_valid((const unsigned char *)small, n)))
		abort();
	free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	struct redact_settings rs = { .enabled = true };
	const char *s = (const char *)data;
	char names[256], *a, *b, small[17];
	size_t len = size, need, n;
	unsigned k;
	int valid;

	if (size > 64 * 1024)
		return 0;
	if (size && s[0] == '#') {
		const char *nl = memchr(s, '\n', size);
		size_t l = nl ? (size_t)(nl - s) - 1 : size - 1;

		if (l >= sizeof(names))
			l = sizeof(names) - 1;
		memcpy(names, s + 1, l);
		names[l] = '\0';
		rs.extra_names = names;
		(void)redact_configure(&rs);
		s = nl ? nl + 1 : s + size;
		len = size - (size_t)(s - (const char *)data);
	}
	valid = utf8_valid((const unsigned char *)s, len);
	k = redact_find(s, len, spans);
	check_spans(spans, k, len);
	need = redact_len(len, spans, k);
	a = malloc(need + 1);
	b = malloc(need + 2);
	if (!a || !b)
		abort();
	if (redact_apply(s, len, spans, k, a) != need)
		abort();
	n = redact_text(s, len, b, need + 2);
	if (n != need || memcmp(a, b, need) != 0 || b[n] != '\0')
		abort();
	if (valid && !utf8_valid((const unsigned char *)a, need))
		abort();
	n = redact_text(s, len, small, sizeof(small));
	if (n >= sizeof(small) || small[n] != '\0' ||
	    (valid && !utf8_valid((const unsigned char *)small, n)))
		abort();
	check_argv(s, len, valid);
	free(a);
	free(b);
	rs.extra_names = NULL;
	(void)redact_configure(&rs);
	return 0;
}
