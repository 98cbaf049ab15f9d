/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Regular expressions with a linear-time guarantee, for patterns and subjects an attacker may
 * write (checks files, detection rules, process command lines).  The dialect is POSIX ERE
 * plus a few Perl shorthands; matching is over bytes, in the C locale.  See
 * docs/internals/regex.md for the dialect, the caps and the complexity.
 *
 * Compile cost is bounded: a pattern is at most ES_REGEX_PATTERN_MAX bytes, at most
 * ES_REGEX_DEPTH_MAX groups deep, and compiles to at most ES_REGEX_PROGRAM_MAX instructions
 * (counted after {m,n} is expanded, before anything is allocated for it).  Search time is
 * O(len(s) * program size), its memory O(program size), without recursion on the input.
 */
#include <stdbool.h>
#include <stddef.h>

#define ES_REGEX_ICASE 0x1u    /* ASCII case-insensitive */
#define ES_REGEX_GROUPS_MAX 10 /* group 0 = whole match, 1..9 capture groups */

#define ES_REGEX_PATTERN_MAX 4096 /* bytes of pattern */
#define ES_REGEX_PROGRAM_MAX 8192 /* instructions after expansion of {m,n} */
#define ES_REGEX_DEPTH_MAX 32	  /* nested groups */
#define ES_REGEX_REPEAT_MAX 1000  /* m and n of {m,n} */

struct es_regex;

struct es_regex_error {
	char message[128];
	size_t offset; /* byte in the pattern */
};

struct es_regex_match {
	size_t start, end;
	bool matched;
};

/* 0 and *ret_re; -EINVAL (syntax, err filled), -E2BIG (over the cost caps, err says which),
 * -ENOMEM.  err may be NULL. */
int es_regex_compile(const char *pattern, size_t len, unsigned flags, struct es_regex **ret_re,
		     struct es_regex_error *err);

/* 1 on a match (leftmost; groups[0..n_groups-1] filled when groups != NULL), 0 on none, <0 on
 * error.  Time O(len(s) * program size); memory bounded at compile time; never recursion on
 * input.  The match is the leftmost, and of those the longest (POSIX); groups are those of the
 * preferred path to it (greedy, left alternative first).  Groups that did not take part, and
 * groups past es_regex_n_groups(), have matched == false. */
int es_regex_search(const struct es_regex *re, const char *s, size_t len,
		    struct es_regex_match *groups, unsigned n_groups);

unsigned es_regex_n_groups(const struct es_regex *re); /* capture groups in the pattern + 1 */

void es_regex_free(struct es_regex *re); /* NULL ok */
