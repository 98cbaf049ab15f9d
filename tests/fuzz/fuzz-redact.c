/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes secret redaction (common/redact.h) over hostile command lines: the spans are sorted,
 * disjoint and inside the text, at most REDACT_SPANS_MAX; redact_apply() writes exactly
 * redact_len() bytes; redact_text() stays within its buffer and, when the buffer is large
 * enough, says the same as redact_apply().  An input whose first line starts with '#' gives
 * the extra names (redactExtraNames) for the rest, checked or rejected whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	struct redact_settings rs = { .enabled = true };
	const char *s = (const char *)data;
	char names[256], *a, *b, small[17];
	size_t len = size, need, n;
	unsigned k;

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
	k = redact_find(s, len, spans);
	if (k > REDACT_SPANS_MAX)
		abort();
	for (unsigned i = 0; i < k; i++)
		if (spans[i].start >= spans[i].end || spans[i].end > len ||
		    (i && spans[i].start <= spans[i - 1].end))
			abort();
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
	n = redact_text(s, len, small, sizeof(small));
	if (n >= sizeof(small) || small[n] != '\0')
		abort();
	free(a);
	free(b);
	rs.extra_names = NULL;
	(void)redact_configure(&rs);
	return 0;
}
