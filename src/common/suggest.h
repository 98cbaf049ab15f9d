/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * "Did you mean": the closest candidate to a mistyped word (an option, a verb, a config key),
 * by edit distance (insertions, deletions, substitutions and swaps of two neighbours, letters
 * compared without case).  The one candidate the word (3 characters or more) is a prefix of
 * wins; otherwise a candidate is offered only when it is close: at most one edit for words up
 * to 4 characters, else at most a third of the word's length (no more than 3).  A candidate
 * equal to the word is not a suggestion; one that differs only in case is.
 */

#include <stddef.h>

#define SUGGEST_WORD_MAX 64 /* longer words get no suggestion */

struct suggest {
	const char *word;
	const char *best;
	unsigned best_distance;
	const char *prefix_of; /* the one candidate word is a prefix of */
	unsigned n_prefix;
};

void suggest_init(struct suggest *s, const char *word);
void suggest_add(struct suggest *s, const char *candidate);
/* The suggestion, or NULL when no candidate is close enough. */
const char *suggest_result(const struct suggest *s);
/* Edit distance (optimal string alignment), capped at SUGGEST_WORD_MAX + 1. */
unsigned suggest_distance(const char *a, const char *b);
