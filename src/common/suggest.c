/* SPDX-License-Identifier: MIT */
/*
 * "Did you mean" (suggest.h): optimal-string-alignment distance over two rows of a bounded
 * table (words longer than SUGGEST_WORD_MAX are not compared), no allocation.
 */
#include "suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return m < c ? m : c;
}

static bool same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

unsigned suggest_distance(const char *a, const char *b)
{
	unsigned rows[3][SUGGEST_WORD_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);
	unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX)
		return SUGGEST_WORD_MAX + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned *t;

		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = same(a[i - 1], b[j - 1]) ? 0 : 1;

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
			    same(a[i - 2], b[j - 1]) && prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void suggest_init(struct suggest *s, const char *word)
{
	memset(s, 0, sizeof(*s));
	s->word = word;
	s->best_distance = SUGGEST_WORD_MAX + 1;
}

void suggest_add(struct suggest *s, const char *candidate)
{
	size_t wl = strlen(s->word);
	unsigned d;

	if (!candidate || !candidate[0] || wl == 0 || strcmp(candidate, s->word) == 0)
		return; /* an exact match is no suggestion; one that differs in case is */
	if (wl < strlen(candidate) && strncasecmp(candidate, s->word, wl) == 0) {
		s->prefix_of = candidate;
		s->n_prefix++;
	}
	d = suggest_distance(s->word, candidate);
	if (d < s->best_distance) {
		s->best_distance = d;
		s->best = candidate;
	}
}

const char *suggest_result(const struct suggest *s)
{
	size_t wl = strlen(s->word);
	unsigned limit = wl <= 4 ? 1 : (unsigned)(wl / 3 < 3 ? wl / 3 : 3);

	if (s->n_prefix == 1 && wl >= 3)
		return s->prefix_of;
	if (s->best && s->best_distance <= limit)
		return s->best;
	return NULL;
}
