/* SPDX-License-Identifier: MIT */
/*
 * Secrets without a name before them, and names whose value counts only if it looks random
 * (the scan is in redact.c; the tables are in redact-rules.c; docs/security.md has the list).
 *
 *   redact_on_token()  a token with a known prefix, a word by itself: `ghp_…`, `github_pat_…`,
 *                      `glpat-…`, `xoxb-…`, `sk_live_…`, `AIza…`, and JWTs (`eyJ….….…`).  The
 *                      scan calls it at a '_', a '-' inside a word, a 'J' or an 'A', so every
 *                      prefix must hold one of those bytes (redact_token_rules says which).
 *   redact_on_blank()  `NAME <value>` (a blank or the end of an argument between them), for the
 *                      names of redact_random_name() (`token`, `secret`, `key`, `passwd`, `pwd`,
 *                      `auth`, ..., in any case, as the last part of a longer name too); the
 *                      value is redacted only if redact_random_value() says it looks random,
 *                      so `kubeadm token list` and `refresh token for device` stay.
 *
 * A token that runs into an argv truncation marker (`…[cut N bytes]…`) is redacted through
 * the marker and the tail after it, which is the end of the same token.  Every scan here is
 * bounded by the token it reads; nothing allocates.
 */
#include <string.h>

#include "redact-int.h"

/* base64url and the '-' and '_' of token bodies */
static bool tok_byte(unsigned char c)
{
	return redact_has(c, B_ALNUM) || c == '_' || c == '-';
}

/*
 * The end of a token body at p: bytes of tok_byte() (and '.' when `dots`), through argv
 * truncation markers.  Counts the body bytes before the first marker and the dots.
 */
static size_t token_end(const struct finder *f, size_t p, bool dots, size_t *ret_bytes,
			unsigned *ret_dots, bool *ret_cut)
{
	const unsigned char *s = (const unsigned char *)f->s;
	size_t m;

	*ret_bytes = 0;
	*ret_dots = 0;
	*ret_cut = false;
	while (p < f->len) {
		if (tok_byte(s[p])) {
			*ret_bytes += !*ret_cut;
		} else if (dots && s[p] == '.' && p + 1 < f->len && tok_byte(s[p + 1])) {
			*ret_dots += 1;
		} else if (s[p] == 0xe2 && (m = redact_cut_marker(f, p))) {
			*ret_cut = true;
			p += m;
			continue;
		} else {
			break;
		}
		p++;
	}
	return p;
}

/* A token of redact_token_rules at ws (i: the byte that made the scan look)? */
static size_t token_at(struct finder *f, size_t i, size_t ws)
{
	const unsigned char *s = (const unsigned char *)f->s;
	size_t end, body;
	unsigned dots;
	bool cut;

	for (uint32_t rules = redact_token_first[s[ws]]; rules; rules &= rules - 1) {
		const struct token_rule *t = &redact_token_rules[__builtin_ctz(rules)];

		if (i - ws >= t->len || (unsigned char)t->prefix[i - ws] != s[i] ||
		    f->len - ws < t->len || memcmp(f->s + ws, t->prefix, t->len) != 0)
			continue;
		end = token_end(f, ws + t->len, t->kind == TOK_JWT, &body, &dots, &cut);
		if (t->kind == TOK_JWT ? (body < t->min_body || (dots < 2 && !cut))
				       : (body < t->min_body && !(cut && body >= 8)))
			return i + 1;
		redact_add_span(f, ws, end);
		return end;
	}
	return i + 1;
}

size_t redact_on_token(struct finder *f, size_t i)
{
	const unsigned char *s = (const unsigned char *)f->s;
	size_t ws;

	/* where a token would start: s[i] at an offset its byte has in some prefix */
	for (unsigned offs = redact_token_offset[s[i]]; offs; offs &= offs - 1) {
		unsigned off = (unsigned)__builtin_ctz(offs);

		if (off > i)
			break;
		ws = i - off;
		if ((ws > 0 && tok_byte(s[ws - 1])) || !redact_token_first[s[ws]])
			continue;
		if ((ws = token_at(f, i, ws)) != i + 1)
			return ws;
	}
	return i + 1;
}

bool redact_random_value(const char *s, size_t n)
{
	unsigned classes = 0, switches = 0, last = 0;
	bool slash = false;

	if (n < 16 || n > 4096 || s[0] == '/' || s[0] == '~' || s[0] == '$')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned k = c >= 'a' && c <= 'z'   ? 1u
			     : c >= 'A' && c <= 'Z' ? 2u
			     : c >= '0' && c <= '9' ? 4u
						    : 0u;

		if (!k && !strchr("+/=_-~", c))
			return false; /* '.', ':', '@', blanks: a file, host, version or prose */
		if (!c)
			return false;
		slash |= c == '/';
		if (k && last && k != last)
			switches++;
		if (k)
			last = k;
		classes |= k;
	}
	/* digits and letters, mixed often (not `ubuntu-2204-lts`), a path only if long */
	return (classes & 4u) && (classes & 3u) && switches >= 4 && (!slash || n >= 24);
}

size_t redact_on_blank(struct finder *f, size_t i)
{
	const char *s = f->s;
	size_t ws = i, vs, ve;

	if (!redact_random_maybe(s, i))
		return i + 1; /* one lookup for almost every word */
	while (ws > 0 && i - ws <= REDACT_NAME_MAX && redact_has((unsigned char)s[ws - 1], B_KEY))
		ws--;
	if (ws == i || i - ws > REDACT_NAME_MAX ||
	    (ws > 0 && !redact_has((unsigned char)s[ws - 1], B_WS | B_QUOTE)))
		return i + 1; /* not a word by itself */
	while (ws < i && s[ws] == '-')
		ws++;
	if (ws == i || !redact_random_name(s + ws, i - ws) || !redact_next_word(f, i, &vs, &ve) ||
	    !redact_random_value(s + vs, ve - vs))
		return i + 1;
	redact_add_span(f, vs, ve);
	return ve;
}
