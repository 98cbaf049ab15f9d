/* SPDX-License-Identifier: MIT */
/*
 * Secret redaction (see redact.h for the contract, docs/security.md for the list).
 *
 * One left-to-right pass over the text, 16 bytes per step (SSE2; one byte per step
 * elsewhere).  Each step makes a mask of the positions worth a look:
 *
 *   name ends     a blank, quote, '=' or ':' right after a name.  The three bytes before it
 *                 go through the tail filter of redact-rules.c (one lookup); only a name that
 *                 may be a secret's is looked at closely: `--password X`, `--token=X`,
 *                 `KEY=value` (PASSWORD, *_TOKEN, SharedAccessKey, sig, ...), `KEY: value`
 *                 (`Authorization: Bearer X`, `"password": "X"`, `pass:X`)
 *   '-' starting a word  one-letter options that hold a secret only for some programs
 *                 (`-pX` for mysql, `-p X` for sshpass, `-u user:pass` for curl), and
 *                 `-----BEGIN ... PRIVATE KEY-----`
 *   '@'           `scheme://user:PASSWORD@host` (the password only)
 *   'A'           AWS access key ids (AKIA/ASIA + 16)
 *   '_', 'J', 'A', '-' inside a word   tokens known by their prefix (`ghp_`, `glpat-`,
 *                 `AIza`, JWTs `eyJ`): redact-bare.c, table in redact-rules.c
 *   a blank after a byte that may end `token`, `secret`, `key`, `pwd`, `auth` ...: the next
 *                 word if it looks random (redact-bare.c); names in no list but ending like
 *                 one (`apiKey=`, `X_AUTH:`) get the same test at their '=' or ':'
 *
 * A handler returns where the scan goes on (past the value it redacted), so text inside a
 * span is never looked at twice; every handler reads at most a bounded name and the value
 * after it, so the scan is linear.  Values end at a blank or a quote (a value that starts with
 * a quote runs to the matching one; a backslash escapes a blank or quote); `KEY=value` values
 * also at ';' and '&' in shell text, and at ',' before another `name=`.  An argv truncation
 * marker (`…[cut N bytes]…`) inside a value belongs to it, so the kept tail goes too.
 *
 * argv mode (redact_find_args, the process collector): NUL separates arguments, and a value
 * that starts an argument, or whose name does, runs to the end of that argument, blanks
 * included; nothing crosses a NUL.  Text joined with spaces (other collectors, logs) has no
 * such boundaries: a secret holding an unquoted blank is redacted up to it (docs/security.md).
 *
 * Spans are kept sorted and merged; past REDACT_SPANS_MAX the last one is extended to the
 * end of the text (fail closed).  Nothing here allocates.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "redact-int.h"

static inline bool has(unsigned char c, unsigned bits)
{
	return redact_has(c, bits);
}

/* ---- byte search ("blank": any byte <= 0x20, whitespace and control bytes) ---- */

static inline bool blank_or_quote(unsigned char c)
{
	return c <= 0x20 || has(c, B_QUOTE);
}

#ifdef __SSE2__
static inline __m128i eq8(__m128i v, char c)
{
	return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

/* 0xff where the byte is blank or a quote */
static inline __m128i blank_or_quote8(__m128i v)
{
	__m128i blank = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);

	return _mm_or_si128(_mm_or_si128(blank, eq8(v, '"')),
			    _mm_or_si128(eq8(v, '\''), eq8(v, '`')));
}

static inline unsigned bits(__m128i m)
{
	return (unsigned)_mm_movemask_epi8(m);
}

static inline unsigned mask_blank_or_quote(__m128i v)
{
	return bits(blank_or_quote8(v));
}
#endif

/*
 * Bit k: byte k of the 16 at p is a trigger: '-', '=', ':', '@', 'A', '_', 'J', or a blank
 * (' ', '\t', NUL) right after a byte that may end a name of redact_random_name() (`before`
 * is the byte before p).
 */
static inline unsigned block_mask(const char *p, unsigned char before)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p), w, l;
	unsigned m = bits(
		_mm_or_si128(_mm_or_si128(_mm_or_si128(eq8(v, '-'), eq8(v, '=')),
					  _mm_or_si128(eq8(v, ':'), eq8(v, '@'))),
			     _mm_or_si128(_mm_or_si128(eq8(v, 'A'), eq8(v, '_')), eq8(v, 'J'))));
	unsigned bl = bits(_mm_or_si128(_mm_or_si128(eq8(v, ' '), eq8(v, '\t')), eq8(v, 0)));

	if (!bl)
		return m;
	/* the byte before each, case folded, against the names' last letters */
	w = _mm_or_si128(_mm_or_si128(_mm_slli_si128(v, 1), _mm_cvtsi32_si128(before)),
			 _mm_set1_epi8(0x20));
	l = _mm_or_si128(_mm_or_si128(eq8(w, REDACT_RANDOM_LAST[0]), eq8(w, REDACT_RANDOM_LAST[1])),
			 _mm_or_si128(_mm_or_si128(eq8(w, REDACT_RANDOM_LAST[2]),
						   eq8(w, REDACT_RANDOM_LAST[3])),
				      eq8(w, REDACT_RANDOM_LAST[4])));
	return m | (bl & bits(l));
#else
	unsigned m = 0;

	for (unsigned k = 0; k < 16; k++) {
		unsigned char c = (unsigned char)p[k], b = k ? (unsigned char)p[k - 1] : before;

		m |= (unsigned)(c == '-' || c == '=' || c == ':' || c == '@' || c == 'A' ||
				c == '_' || c == 'J' ||
				((c == ' ' || c == '\t' || c == '\0') && redact_random_last[b]))
		     << k;
	}
	return m;
#endif
}

/* The end of the name at p: the next blank, quote or '='. */
static inline size_t name_end(const char *s, size_t p, size_t len)
{
#ifdef __SSE2__
	if (p < len && len >= 16) {
		/* one block: the names of options are short; the last block overlaps */
		size_t at = p + 16 <= len ? p : len - 16;
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + at));
		unsigned m = bits(_mm_or_si128(blank_or_quote8(v), eq8(v, '='))) >> (p - at);

		if (m)
			return p + (size_t)__builtin_ctz(m);
		if (at != p)
			return len;
		p += 16;
	}
#endif
	while (p < len && !blank_or_quote((unsigned char)s[p]) && s[p] != '=')
		p++;
	return p;
}

/* The start of the word that ends at e: after the last blank or quote before e. */
static inline size_t word_start(const char *s, size_t e)
{
#ifdef __SSE2__
	for (; e >= 16; e -= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + e - 16));
		unsigned m = mask_blank_or_quote(v);

		if (m)
			return e - 16 + (size_t)(32 - __builtin_clz(m));
	}
#endif
	while (e > 0 && !blank_or_quote((unsigned char)s[e - 1]))
		e--;
	return e;
}

static bool is_marker(const char *s, size_t n)
{
	return n == REDACT_MARKER_LEN && memcmp(s, REDACT_MARKER, n) == 0;
}

void redact_add_span(struct finder *f, size_t start, size_t end)
{
	struct redact_span merged = { (uint32_t)start, (uint32_t)end };
	unsigned w = 0, i;

	if (end <= start || f->full || is_marker(f->s + start, end - start))
		return;
	if (f->n == 0 || f->sp[f->n - 1].end < start) {
		if (f->n == REDACT_SPANS_MAX) {
			f->sp[f->n - 1].end = (uint32_t)f->len;
			f->full = true;
			return;
		}
		f->sp[f->n++] = merged;
		return;
	}
	/* Overlaps or precedes an earlier span (a URL password found at its '@'): merge. */
	for (i = 0; i < f->n; i++) {
		struct redact_span c = f->sp[i];

		if (c.end < merged.start || c.start > merged.end) {
			f->sp[w++] = c;
			continue;
		}
		merged.start = c.start < merged.start ? c.start : merged.start;
		merged.end = c.end > merged.end ? c.end : merged.end;
	}
	for (i = w; i > 0 && f->sp[i - 1].start > merged.start; i--)
		f->sp[i] = f->sp[i - 1];
	f->sp[i] = merged;
	f->n = w + 1;
}

static size_t scan_until(const struct finder *f, size_t p, unsigned stop)
{
	while (p < f->len && !has((unsigned char)f->s[p], stop))
		p++;
	return p;
}

static size_t skip_blanks(const struct finder *f, size_t p)
{
	while (p < f->len && (f->s[p] == ' ' || f->s[p] == '\t'))
		p++;
	return p;
}

#define value_at(f, p, stop, whole, vs, ve) redact_value_at(f, p, stop, whole, vs, ve)
#define next_word(f, p, vs, ve) redact_next_word(f, p, vs, ve)

/*
 * `scheme credentials` or `credentials`; returns where the scan goes on.  With `whole` (the
 * header is an argument by itself) the credentials run to the end of the argument.
 */
static size_t auth_value(struct finder *f, size_t p, bool whole)
{
	size_t ws = skip_blanks(f, p), we = scan_until(f, ws, B_WS | B_QUOTE), vs, ve;

	if (we == ws)
		return p;
	if (!redact_is_auth_scheme(f->s + ws, we - ws)) {
		we = redact_value_end(f, ws, B_WS | B_QUOTE, whole);
		redact_add_span(f, ws, we);
		return we;
	}
	/* a SAS token: sig= is found by the KEY=value rule, sr= and se= stay */
	if (we - ws == 21 && strncasecmp(f->s + ws, "sharedaccesssignature", 21) == 0)
		return we;
	if (whole) {
		vs = skip_blanks(f, we);
		ve = redact_value_end(f, vs, B_WS | B_QUOTE, true);
	} else if (!next_word(f, we, &vs, &ve)) {
		return we;
	}
	redact_add_span(f, vs, ve);
	return ve;
}

/* Connection string: every value except those of harmless keys. */
static void conn_value(struct finder *f, size_t start, size_t end)
{
	const char *eq = memchr(f->s + start, '=', end - start);

	if (!eq) {
		redact_add_span(f, start, end);
		return;
	}
	while (start < end) {
		const char *semi = memchr(f->s + start, ';', end - start);
		size_t seg_end = semi ? (size_t)(semi - f->s) : end;

		eq = memchr(f->s + start, '=', seg_end - start);
		if (!eq)
			redact_add_span(f, start, seg_end);
		else if (!redact_is_conn_safe_key(f->s + start, (size_t)(eq - f->s) - start))
			redact_add_span(f, (size_t)(eq - f->s) + 1, seg_end);
		start = seg_end + 1;
	}
}

/* Redacts [start, end) as class cls says; returns where the scan goes on. */
static size_t emit(struct finder *f, enum secret_class cls, size_t start, size_t end)
{
	const char *colon;

	switch (cls) {
	case CLS_VALUE:
		/* TOKEN=Bearer xyz: the word after the scheme too */
		if (end < f->len && has((unsigned char)f->s[end], B_WS) &&
		    redact_is_auth_scheme(f->s + start, end - start))
			return auth_value(f, start, false);
		redact_add_span(f, start, end);
		break;
	case CLS_CONN:
		conn_value(f, start, end);
		break;
	case CLS_USERPASS:
		colon = memchr(f->s + start, ':', end - start);
		if (colon)
			redact_add_span(f, (size_t)(colon - f->s) + 1, end);
		break;
	case CLS_AUTH:
		return auth_value(f, start, false);
	case CLS_NONE:
		break;
	}
	return end;
}
/*
 * A name in no list but ending like a secret's (`apiKey`, `X-Auth`, `Token`): its value when
 * it looks random (redact-bare.c), so `monkey=banana` and `Token: expired` stay.  The name is
 * s[ks..k), the value at p; returns where the scan goes on.
 */
static size_t random_value(struct finder *f, size_t ks, size_t k, size_t p, bool whole)
{
	size_t vs, ve;

	while (ks < k && f->s[ks] == '-')
		ks++;
	if (!redact_random_name(f->s + ks, k - ks) ||
	    !value_at(f, p, B_WS | B_QUOTE | B_SEP, whole, &vs, &ve) ||
	    !redact_random_value(f->s + vs, ve - vs))
		return k + 1;
	redact_add_span(f, vs, ve);
	return ve;
}

/* ---- options that depend on the program ---- */

/* The word that ends with s[e]: its program rules, if it is a program's path or name. */
static uint32_t word_end_rules(const char *s, size_t e)
{
	const char *slash;
	size_t b;

	if (e == 0 || !redact_program_maybe(s, e - 1, e + 1))
		return 0;
	b = word_start(s, e + 1);
	slash = memrchr(s + b, '/', e + 1 - b);
	b = slash ? (size_t)(slash - s) + 1 : b;
	return e + 1 > b ? redact_program_rules(s + b, e + 1 - b) : 0;
}

/*
 * The context rules whose programs are words that end before `to`.  Each part of the text
 * is looked at once, however many one-letter options ask.
 */
static uint32_t programs_upto(struct finder *f, size_t to)
{
	const char *s = f->s;
	size_t p = f->programs_to;

	if (to <= p)
		return f->programs;
	f->programs_to = to;
#ifdef __SSE2__
	for (; p + 17 <= to; p += 16) {
		unsigned bl = mask_blank_or_quote(
			_mm_loadu_si128((const __m128i *)(const void *)(s + p)));
		unsigned ends =
			~bl &
			((bl >> 1) | ((unsigned)blank_or_quote((unsigned char)s[p + 16]) << 15)) &
			0xffffu;

		for (; ends; ends &= ends - 1) {
			size_t e = p + (size_t)__builtin_ctz(ends);

			if (e > 0 && redact_program_maybe(s, e - 1, e + 1))
				f->programs |= word_end_rules(s, e);
		}
	}
#endif
	for (; p < to; p++)
		if (!blank_or_quote((unsigned char)s[p]) &&
		    (p + 1 == f->len || blank_or_quote((unsigned char)s[p + 1])) && p > 0 &&
		    redact_program_maybe(s, p - 1, p + 1))
			f->programs |= word_end_rules(s, p);
	return f->programs;
}

/*
 * Of the context rules in `wanted`, those whose program comes before `before` (at most
 * CONTEXT_WORDS words back, not past a shell separator) with their subcommand, if they have
 * one, in between.
 */
#define CONTEXT_WORDS 8u

static uint32_t programs_before(const struct finder *f, size_t before, uint32_t wanted)
{
	uint32_t found = 0, sub_seen = 0;
	size_t e = before, b, base;
	const char *slash;
	char last;

	for (unsigned words = 0; words < CONTEXT_WORDS && e > 0; words++) {
		while (e > 0 && blank_or_quote((unsigned char)f->s[e - 1]))
			e--;
		b = word_start(f->s, e);
		last = e > b ? f->s[e - 1] : ';';
		if (words > 0 && (last == ';' || last == '|' || last == '&'))
			break; /* "a; b -p": only b counts */
		if (redact_program_maybe(f->s, b, e)) {
			slash = memrchr(f->s + b, '/', e - b);
			base = slash ? (size_t)(slash - f->s) + 1 : b;
			if (e > base)
				found |= redact_program_rules(f->s + base, e - base) & wanted &
					 (~redact_subcommand_rules_any | sub_seen);
		}
		if (e - b == 5 && f->s[b] == 'l')
			sub_seen |= redact_subcommand_rules(f->s + b, e - b);
		e = b;
	}
	return found;
}

/*
 * A one-letter option after one dash (`-pX`, `-p X`) under a context rule or a one-letter
 * extra name; SIZE_MAX when none applies.  `letter` is its position, `after` the end of the
 * option's name.
 */
static __attribute__((noinline)) size_t context_short(struct finder *f, size_t dash, size_t letter,
						      size_t after)
{
	/* -pSECRET, or -p'SECRET' inside a shell command */
	bool attached =
		after > letter + 1 || (after < f->len && has((unsigned char)f->s[after], B_QUOTE));
	uint32_t rules = (attached ? redact_short_attached
				   : redact_short_separate)[(unsigned char)f->s[letter]];
	enum secret_class cls = CLS_VALUE;
	size_t vs, ve;

	if (rules && (rules &= programs_upto(f, dash)) && (rules = programs_before(f, dash, rules)))
		cls = redact_context_rules[__builtin_ctz(rules)].cls;
	else if (!(redact_short[(unsigned char)f->s[letter]] & SHORT_EXTRA))
		return SIZE_MAX;
	if (attached ? value_at(f, letter + 1, B_WS | B_QUOTE, redact_arg_start(f, dash), &vs, &ve)
		     : next_word(f, after, &vs, &ve))
		return emit(f, cls, vs, ve);
	return after;
}

/* A named option under a context rule (`--user X` for curl); SIZE_MAX when none applies. */
static size_t context_named(struct finder *f, size_t dash, size_t name, size_t after)
{
	bool eq = after < f->len && f->s[after] == '=';
	size_t n = after - name, vs, ve;

	for (size_t r = 0; r < redact_context_rules_n; r++) {
		const struct context_rule *cr = &redact_context_rules[r];

		if (cr->option_len != n || memcmp(cr->option, f->s + name, n) != 0 ||
		    !(programs_upto(f, dash) & (1u << r)) || !programs_before(f, dash, 1u << r))
			continue;
		if (eq && (cr->forms & F_EQUALS) &&
		    value_at(f, after + 1, B_WS | B_QUOTE, redact_arg_start(f, dash), &vs, &ve))
			return emit(f, cr->cls, vs, ve);
		if (!eq && (cr->forms & F_SEPARATE) && next_word(f, after, &vs, &ve))
			return emit(f, cr->cls, vs, ve);
		return after;
	}
	return SIZE_MAX;
}

/* ---- the handlers ---- */

/* -----BEGIN ... PRIVATE KEY----- body -----END: the body. */
static size_t on_pem(struct finder *f, size_t i)
{
	static const char begin[] = "-----BEGIN ", label_end[] = "PRIVATE KEY";
	const size_t bl = sizeof(begin) - 1, ll = sizeof(label_end) - 1;
	const char *label, *dashes, *end;
	size_t body;

	if (f->len - i < bl || memcmp(f->s + i, begin, bl) != 0)
		return i + 3; /* "---" */
	label = f->s + i + bl;
	dashes = memmem(label, f->len - i - bl < 80 ? f->len - i - bl : 80, "-----", 5);
	if (!dashes || (size_t)(dashes - label) < ll || memcmp(dashes - ll, label_end, ll) != 0)
		return i + 1;
	body = (size_t)(dashes - f->s) + 5;
	end = memmem(f->s + body, f->len - body, "-----END", 8);
	redact_add_span(f, body, end ? (size_t)(end - f->s) : f->len);
	return end ? (size_t)(end - f->s) + 8 : f->len;
}

/* The start of the name that ends at `end` (letters, digits, '_', '.', '-'). */
static size_t name_back(const struct finder *f, size_t end)
{
	size_t ks = end;

	while (ks > 0 && has((unsigned char)f->s[ks - 1], B_KEY) && end - ks <= REDACT_NAME_MAX)
		ks--;
	return ks;
}

/* An option whose name [name, k) passed the tail filter: `-NAME X`, `--NAME X`, `--NAME=X`. */
static __attribute__((noinline)) size_t option_at(struct finder *f, size_t dash, size_t name,
						  size_t k)
{
	bool eq = k < f->len && f->s[k] == '=';
	enum secret_class cls;
	size_t vs, ve, r;

	if (k - name > 1 && (r = context_named(f, dash, name, k)) != SIZE_MAX)
		return r > k ? r : k + 1;
	cls = redact_classify_option(f->s + name, k - name);
	if (cls == CLS_NONE) /* `--apiKey=<random>`; `--apiKey <random>`: on the blank */
		return eq ? random_value(f, name, k, k + 1, redact_arg_start(f, dash)) : k;
	if (eq ? value_at(f, k + 1, B_WS | B_QUOTE, redact_arg_start(f, dash), &vs, &ve)
	       : next_word(f, k, &vs, &ve))
		return emit(f, cls, vs, ve);
	return k + eq;
}

/*
 * '-': an option (its name, up to a blank, quote or '=', through the tail filter; one-letter
 * options under the context rules), or a PEM private key.
 */
static inline size_t on_dash(struct finder *f, size_t i)
{
	const char *s = f->s;
	size_t name = i + 1, after, r;

	if (name < f->len && s[name] == '-' && ++name < f->len && s[name] == '-')
		return on_pem(f, i); /* three dashes or more */
	if (i > 0 && !blank_or_quote((unsigned char)s[i - 1]))
		return redact_on_token(f, i); /* inside a word ("log-level", "glpat-...") */
	after = name_end(s, name, f->len);
	if (after == name)
		return after;
	if (name == i + 1 && redact_short[(unsigned char)s[name]] &&
	    (r = context_short(f, i, name, after)) != SIZE_MAX)
		return r > after ? r : after;
	if (!redact_tail_maybe(s, after))
		return after + (after < f->len && s[after] == '='); /* not a secret's option */
	return option_at(f, i, name, after);
}

/* `KEY=value` */
static __attribute__((noinline)) size_t key_equals(struct finder *f, size_t ks, size_t k)
{
	enum secret_class cls = redact_classify_key(f->s + ks, k - ks);
	size_t vs, ve;

	if (cls == CLS_NONE)
		return random_value(f, ks, k, k + 1, redact_arg_start(f, ks));
	if (cls == CLS_AUTH)
		return auth_value(f, k + 1, redact_arg_start(f, ks));
	/* a connection string runs past its ';' */
	if (!value_at(f, k + 1, B_WS | B_QUOTE | (cls == CLS_CONN ? 0 : B_SEP),
		      redact_arg_start(f, ks), &vs, &ve))
		return k + 1;
	return emit(f, cls, vs, ve);
}

/* `KEY: value`, `"KEY": "value"`, `KEY:value`; the ':' is at `colon`. */
static __attribute__((noinline)) size_t key_colon(struct finder *f, size_t ks, size_t k,
						  size_t colon)
{
	enum secret_class cls;
	size_t p, vs, ve;

	if (ks >= 3 && memcmp(f->s + ks - 3, "://", 3) == 0)
		return k + 1; /* the user of a URL (on_at decides) */
	cls = redact_classify_key(f->s + ks, k - ks);
	p = skip_blanks(f, colon + 1);
	if (p + 1 < f->len && f->s[p] == '/' && f->s[p + 1] == '/')
		return k + 1; /* token://host */
	if (cls == CLS_NONE)
		return random_value(f, ks, k, p, redact_arg_start(f, ks));
	if (cls == CLS_AUTH)
		return auth_value(f, p, redact_arg_start(f, ks));
	/*
	 * "the SAS token: timed out" is prose, not a key: after a blank, a plain word counts only
	 * quoted ("password": x) or as a header-like name (X-Api-Key: x, client_secret: x).
	 */
	if (p > colon + 1 && k == colon && !memchr(f->s + ks, '-', k - ks) &&
	    !memchr(f->s + ks, '_', k - ks))
		return random_value(f, ks, k, p, false); /* `Secret: <random>` is a key after all */
	if (!value_at(f, p, B_WS | B_QUOTE | B_SEP, redact_arg_start(f, ks), &vs, &ve))
		return k + 1;
	return emit(f, cls, vs, ve);
}

/* '=': `KEY=value` when the name before it may be a secret's. */
static inline size_t on_equals(struct finder *f, size_t i)
{
	size_t ks;

	if (!redact_tail_maybe(f->s, i))
		return i + 1;
	ks = name_back(f, i);
	if (ks == i || f->s[ks] == '-' || i - ks > REDACT_NAME_MAX)
		return i + 1; /* no name, or an option (on_dash decided) */
	return key_equals(f, ks, i);
}

/* ':': `KEY: value`, `"KEY": value` when the name before it may be a secret's. */
static inline size_t on_colon(struct finder *f, size_t i)
{
	size_t e = i, ks;

	if (e > 0 && (f->s[e - 1] == '"' || f->s[e - 1] == '\''))
		e--; /* "key": */
	if (!redact_tail_maybe(f->s, e))
		return i + 1;
	ks = name_back(f, e);
	if (ks == e || e - ks > REDACT_NAME_MAX)
		return i + 1;
	return key_colon(f, ks, e, i);
}

static size_t on_at(struct finder *f, size_t i)
{
	size_t ts = i, us = 0;
	const char *colon;

	while (ts > 0 && !has((unsigned char)f->s[ts - 1], B_WS | B_QUOTE) && i - ts < 4096)
		ts--;
	for (size_t k = i; k >= ts + 3; k--)
		if (memcmp(f->s + k - 3, "://", 3) == 0) {
			us = k;
			break;
		}
	if (!us)
		return i + 1;
	for (size_t k = us; k < i; k++)
		if (f->s[k] == '/' || f->s[k] == '?' || f->s[k] == '#')
			return i + 1; /* the '@' is in the path */
	colon = memchr(f->s + us, ':', i - us);
	if (colon)
		redact_add_span(f, (size_t)(colon - f->s) + 1, i);
	else if (redact_is_token_prefix(f->s + us, i - us))
		redact_add_span(f, us, i);
	return i + 1;
}

/* AKIA / ASIA + 16 of [A-Z0-9], a word by itself. */
static size_t on_upper_a(struct finder *f, size_t i)
{
	const unsigned char *s = (const unsigned char *)f->s;

	if (f->len - i < 20 || (i > 0 && has(s[i - 1], B_ALNUM)) ||
	    (s[i + 1] != 'K' && s[i + 1] != 'S') || s[i + 2] != 'I' || s[i + 3] != 'A')
		return i + 1;
	for (size_t k = i + 4; k < i + 20; k++)
		if (!has(s[k], B_UPNUM))
			return i + 1;
	if (i + 20 < f->len && has(s[i + 20], B_ALNUM))
		return i + 1;
	redact_add_span(f, i, i + 20);
	return i + 20;
}

/* ---- the scan ---- */

static inline size_t on_trigger(struct finder *f, size_t i)
{
	size_t next;

	switch (f->s[i]) {
	case '-':
		next = on_dash(f, i);
		break;
	case '=':
		next = on_equals(f, i);
		break;
	case ':':
		next = on_colon(f, i);
		break;
	case '@':
		next = on_at(f, i);
		break;
	case 'A':
		next = on_upper_a(f, i);
		if (next == i + 1)
			next = redact_on_token(f, i); /* AIza... */
		break;
	case '_':
	case 'J':
		next = redact_on_token(f, i);
		break;
	default: /* a blank */
		next = redact_on_blank(f, i);
		break;
	}
	return next > i ? next : i + 1;
}

static unsigned find(const char *s, size_t len, struct redact_span spans[REDACT_SPANS_MAX],
		     bool argv)
{
	struct finder f = { .s = s, .len = len, .sp = spans, .argv = argv };
	char last[16];
	size_t i = 0;

	redact_rules_init();
	if (len > UINT32_MAX)
		len = f.len = UINT32_MAX;
	while (i < len && !f.full) {
		size_t block = i, n = len - block;
		unsigned m;

		if (n >= 16) {
			m = block_mask(s + block, block ? (unsigned char)s[block - 1] : ' ');
		} else if (len >= 16) {
			/* the last bytes: the 16 that end the text, the part seen before masked */
			m = block_mask(s + len - 16, len > 16 ? (unsigned char)s[len - 17] : ' ') >>
			    (16 - n);
		} else {
			memset(last, ' ', sizeof(last));
			memcpy(last, s + block, n);
			m = block_mask(last, block ? (unsigned char)s[block - 1] : ' ') &
			    ((1u << n) - 1);
		}
		/* every trigger of the block from one mask, while the handlers stay inside it */
		i = block + 16;
		while (m && !f.full) {
			size_t next = on_trigger(&f, block + (size_t)__builtin_ctz(m));

			if (next >= block + 16) {
				i = next;
				break;
			}
			m &= ~0u << (next - block);
		}
	}
	return f.n;
}

unsigned redact_find(const char *s, size_t len, struct redact_span spans[REDACT_SPANS_MAX])
{
	return find(s, len, spans, false);
}

unsigned redact_find_args(const char *s, size_t len, struct redact_span spans[REDACT_SPANS_MAX])
{
	return find(s, len, spans, true);
}

size_t redact_len(size_t len, const struct redact_span *spans, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		len = len - (spans[i].end - spans[i].start) + REDACT_MARKER_LEN;
	return len;
}

size_t redact_apply(const char *s, size_t len, const struct redact_span *spans, unsigned n,
		    char *out)
{
	size_t o = 0, at = 0;

	for (unsigned i = 0; i < n; i++) {
		memcpy(out + o, s + at, spans[i].start - at);
		o += spans[i].start - at;
		memcpy(out + o, REDACT_MARKER, REDACT_MARKER_LEN);
		o += REDACT_MARKER_LEN;
		at = spans[i].end;
	}
	memcpy(out + o, s + at, len - at);
	return o + len - at;
}

static size_t put_capped(char *out, size_t o, size_t cap, const char *s, size_t n)
{
	n = n < cap - o ? n : cap - o;
	memcpy(out + o, s, n);
	return o + n;
}

/* The text with the spans replaced, cut to out_size - 1 bytes (after the replacing), NUL. */
static size_t redact_text_spans(const char *s, size_t len, const struct redact_span *spans,
				unsigned n, char *out, size_t out_size)
{
	size_t o = 0, at = 0;

	for (unsigned i = 0; i < n; i++) {
		o = put_capped(out, o, out_size - 1, s + at, spans[i].start - at);
		o = put_capped(out, o, out_size - 1, REDACT_MARKER, REDACT_MARKER_LEN);
		at = spans[i].end;
	}
	o = put_capped(out, o, out_size - 1, s + at, len - at);
	if (o == out_size - 1 && redact_len(len, spans, n) > o) {
		/* cut: not inside a UTF-8 sequence (a lead byte and fewer continuations than it
		 * says) */
		size_t k = o;

		while (k > 0 && o - k < 3 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)out[k - 1] >= 0xc0) {
			unsigned char lead = (unsigned char)out[k - 1];
			size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;

			if (o - (k - 1) < need)
				o = k - 1;
		}
	}
	out[o] = '\0';
	return o;
}

size_t redact_text(const char *s, size_t len, char *out, size_t out_size)
{
	struct redact_span spans[REDACT_SPANS_MAX];

	if (!out_size)
		return 0;
	return redact_text_spans(s, len, spans, redact_find(s, len, spans), out, out_size);
}

size_t redact_args_join(const char *args, size_t len, char *out, size_t out_size,
			unsigned *ret_secrets)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	unsigned n = 0;
	size_t o;

	*ret_secrets = 0;
	if (!out_size)
		return 0;
	while (len && args[len - 1] == '\0')
		len--;
	if (redact_enabled())
		n = redact_find_args(args, len, spans);
	o = redact_text_spans(args, len, spans, n, out, out_size);
	for (char *p = out; (p = memchr(p, '\0', (size_t)(out + o - p))); p++)
		*p = ' ';
	*ret_secrets = n;
	return o;
}
