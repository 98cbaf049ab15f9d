/* SPDX-License-Identifier: MIT */
/*
 * Prints what secret redaction (common/redact.h) makes of the cases in bench/redact-cases.txt,
 * one per line: `label<TAB>input`, where `\0` in the input separates arguments (argv as the
 * process collector has it) and `\\` is a backslash.  With argv separators the collector's
 * path is used (redact_args_join(), when this build has it); otherwise redact_find() on the
 * text.  A third field lists words (space-separated) that must be gone: LEAK when one is
 * still there; a fourth, words that must stay: LOST when one is gone (a false positive).  Not a
 * test: it prints a table for the docs and reviews (bench/README.md); tests/unit/test-redact*.c
 * assert the same cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/redact.h"

static size_t unescape(const char *in, size_t n, char *out, int *ret_argv)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\\' && i + 1 < n && (in[i + 1] == '0' || in[i + 1] == '\\')) {
			out[o++] = in[i + 1] == '0' ? '\0' : '\\';
			*ret_argv |= in[i + 1] == '0';
			i++;
			continue;
		}
		out[o++] = in[i];
	}
	return o;
}

/* Does any space-separated word of `words` occur in `text` (want: 1) or not (want: 0)? */
static int any_word(const char *words, const char *text, int want)
{
	char w[256];

	while (words && *words) {
		size_t l = strcspn(words, " ");

		if (l && l < sizeof(w)) {
			memcpy(w, words, l);
			w[l] = '\0';
			if ((strstr(text, w) != NULL) == want)
				return 1;
		}
		words += l + (words[l] == ' ');
	}
	return 0;
}

static size_t redact_case(char *s, size_t n, int argv, char *out, size_t out_size)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	unsigned k;
	size_t o;

#ifdef REDACT_HAVE_ARGS
	if (argv)
		return redact_args_join(s, n, out, out_size, &k);
#endif
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	(void)argv;
	k = redact_find(s, n, spans);
	if (redact_len(n, spans, k) >= out_size)
		return 0;
	o = redact_apply(s, n, spans, k, out);
	out[o] = '\0';
	return o;
}

int main(int argc, char **argv)
{
	FILE *f = fopen(argc > 1 ? argv[1] : "bench/redact-cases.txt", "re");
	char line[4096], in[4096], out[8192];
	unsigned rows = 0, leaks = 0, losts = 0;

	if (!f) {
		perror("redact-cases.txt");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *gone, *keep = NULL;
		size_t n;
		int is_argv = 0, leak, lost;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !tab)
			continue;
		*tab++ = '\0';
		gone = strchr(tab, '\t');
		if (gone)
			*gone++ = '\0';
		if (gone && (keep = strchr(gone, '\t')))
			*keep++ = '\0';
		n = unescape(tab, strlen(tab), in, &is_argv);
		redact_case(in, n, is_argv, out, sizeof(out));
		leak = any_word(gone, out, 1);
		lost = any_word(keep, out, 0);
		printf("%-4s %-28s %s\n", leak ? "LEAK" : lost ? "LOST" : "ok", line, out);
		rows++;
		leaks += (unsigned)leak;
		losts += (unsigned)lost;
	}
	fclose(f);
	printf("%u cases: %u leak a secret, %u lose a non-secret\n", rows, leaks, losts);
	return 0;
}
