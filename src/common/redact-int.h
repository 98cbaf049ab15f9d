/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared by redact.c (the scan), redact-rules.c (the names and tokens it looks for),
 * redact-value.c (where a value ends) and redact-bare.c (tokens and random values).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redact.h"

enum secret_class {
	CLS_NONE,
	CLS_VALUE,    /* the whole value */
	CLS_CONN,     /* a connection string: every value but those of known harmless keys */
	CLS_USERPASS, /* user:password → the password */
	CLS_AUTH,     /* [scheme] credentials, as in an Authorization header */
};

/* byte classes */
#define B_WS 0x01u    /* whitespace and control bytes (<= 0x20) */
#define B_QUOTE 0x02u /* " ' ` */
#define B_KEY 0x04u   /* a name: letters, digits, '_', '.', '-' */
#define B_ALNUM 0x08u /* letters and digits */
#define B_SEP 0x10u   /* ends a KEY=value value: ';', '&', ',' */
#define B_UPNUM 0x20u /* A-Z, 0-9 */

extern unsigned char redact_byte_class[256];

static inline bool redact_has(unsigned char c, unsigned bits)
{
	return redact_byte_class[c] & bits;
}

/* ---- options whose meaning depends on the program (`-p` is a port for ssh) ---- */

#define F_ATTACHED 0x1u /* -pVALUE */
#define F_SEPARATE 0x2u /* -p VALUE, --user VALUE */
#define F_EQUALS 0x4u	/* --user=VALUE */

struct context_rule {
	const char *option; /* without dashes, case-sensitive */
	size_t option_len;
	unsigned forms;
	enum secret_class cls;
	const char *programs;	/* space-separated basenames */
	const char *subcommand; /* a word that must come between program and option, or NULL */
	size_t subcommand_len;
};

extern const struct context_rule redact_context_rules[];
extern const size_t redact_context_rules_n;
/* Bit r set: rule r is for this one-letter option, attached (-pX) or separate (-p X). */
extern uint32_t redact_short_attached[256], redact_short_separate[256];

/* Builds the tables once (idempotent); called before any scan or check. */
void redact_rules_init(void);
/* Rebuilds what depends on the extra names (after redact_configure). */
void redact_rules_rebuild(void);

extern unsigned char redact_lower[256];
extern uint64_t redact_tail_filter[64]; /* 4096 bits */

/* The three bytes before `end` (fewer at the start: padded as if by spaces), case folded. */
static inline unsigned redact_tail_hash(const char *s, size_t end)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t v = 0;

	if (end >= 3)
		v = (uint32_t)u[end - 3] << 16 | (uint32_t)u[end - 2] << 8 | u[end - 1];
	else
		for (size_t i = 0; i < end; i++)
			v = v << 8 | u[i];
	return ((v | 0x202020u) * 2654435761u) >> 20;
}

/*
 * Could the name that ends at s[end] (exclusive) be a secret's?  A 4096-bit filter over the
 * last three bytes of every listed name.  False: surely not.
 */
static inline bool redact_tail_maybe(const char *s, size_t end)
{
	unsigned h = redact_tail_hash(s, end);

	return redact_tail_filter[h >> 6] & (1ull << (h & 63));
}

enum secret_class redact_classify_option(const char *s, size_t n);
enum secret_class redact_classify_key(const char *s, size_t n);
bool redact_is_auth_scheme(const char *s, size_t n);
bool redact_is_token_prefix(const char *s, size_t n);
bool redact_is_conn_safe_key(const char *s, size_t n);
/* Bit (c2 & 31) of redact_prog_end[c1]: a program name ends with c2 c1. */
extern uint32_t redact_prog_end[256];

/* Could the word s[b..e) end with a program's name?  False: surely not. */
static inline bool redact_program_maybe(const char *s, size_t b, size_t e)
{
	return e - b >= 2 &&
	       (redact_prog_end[(unsigned char)s[e - 1]] & (1u << ((unsigned char)s[e - 2] & 31)));
}

/* The context rules whose program is `base` (a basename, n bytes). */
uint32_t redact_program_rules(const char *base, size_t n);
/* The rules that have a subcommand, and those whose subcommand is the word s[0..n). */
extern uint32_t redact_subcommand_rules_any;
uint32_t redact_subcommand_rules(const char *s, size_t n);
/* redact_short[c]: SHORT_RULE, a context rule is for option -c; SHORT_EXTRA, an extra name. */
#define SHORT_RULE 0x1u
#define SHORT_EXTRA 0x2u
extern unsigned char redact_short[256];

/* ---- the scan (redact.c), shared with the bare-token handlers (redact-bare.c) ---- */

struct finder {
	const char *s;
	size_t len;
	struct redact_span *sp;
	unsigned n;
	bool argv;	    /* NUL separates arguments (redact_find_args) */
	bool full;	    /* out of spans: everything from the last one on is redacted */
	size_t programs_to; /* programs_upto(): word ends before this position are known */
	uint32_t programs;  /* context rules whose programs are words before programs_to */
};

/* Does an argument start at p (argv mode only)?  Its value is then the rest of it. */
static inline bool redact_arg_start(const struct finder *f, size_t p)
{
	return f->argv && (p == 0 || f->s[p - 1] == '\0');
}

void redact_add_span(struct finder *f, size_t start, size_t end);
/* Length of the argv truncation marker `…[cut N bytes]…` at p, or 0. */
size_t redact_cut_marker(const struct finder *f, size_t p);
/*
 * The end of a bare value at p: the first byte of class `stop` (with `whole`: the end of the
 * argument).  A backslash escapes the byte after it (`a\ b` in a shell); an argv truncation
 * marker belongs to the value (the tail after it is the same secret).  redact-value.c.
 */
size_t redact_value_end(const struct finder *f, size_t p, unsigned stop, bool whole);
/*
 * The value at p: quoted (to the matching quote) or bare (to a byte of class `stop`; with
 * `whole`, to the end of the argument).  False when it is empty.
 */
bool redact_value_at(const struct finder *f, size_t p, unsigned stop, bool whole, size_t *ret_start,
		     size_t *ret_end);
/* The argument after an option: the next word (the whole next argument in argv mode). */
bool redact_next_word(const struct finder *f, size_t p, size_t *ret_start, size_t *ret_end);

/* redact-bare.c: handlers for secrets without a name, and names with a random value after. */
size_t redact_on_token(struct finder *f, size_t i); /* '_', '-' in a word, 'J', 'A' */
size_t redact_on_blank(struct finder *f, size_t i); /* ' ', '\t', NUL after a word */
/*
 * Could a byte end a name that takes a random-looking value (redact_random_name)?  The
 * names end in one of the five letters of REDACT_RANDOM_LAST (the scan tests them 16 at a
 * time); redact_rules_init() checks it.
 */
#define REDACT_RANDOM_LAST "ntydh"
extern unsigned char redact_random_last[256];
/* The same for the last three bytes (redact_tail_hash()): a 4096-bit filter. */
extern uint64_t redact_random_filter[64];

static inline bool redact_random_maybe(const char *s, size_t end)
{
	unsigned h = redact_tail_hash(s, end);

	return redact_random_filter[h >> 6] & (1ull << (h & 63));
}

/* The bare-token table (redact-rules.c). */
enum token_kind {
	TOK_WORD, /* prefix + [A-Za-z0-9_-]{min,} */
	TOK_JWT,  /* eyJ... . ... . ... (base64url parts) */
	TOK_MAX,
};
struct token_rule {
	const char *prefix;
	unsigned char len, min_body;
	enum token_kind kind;
};
extern const struct token_rule redact_token_rules[];
extern const size_t redact_token_rules_n;
/* Bit r of redact_token_first[c]: rule r's prefix starts with byte c (at most 32 rules). */
extern uint32_t redact_token_first[256];
/* Bit k of redact_token_offset[c]: byte c is at offset k of some prefix (k < 16). */
extern uint16_t redact_token_offset[256];
/* Is the name s[0..n) one whose high-entropy value is a secret (`token`, `apiKey`, `X_AUTH`)? */
bool redact_random_name(const char *s, size_t n);
/*
 * Does s[0..n) look like a random secret: 16 to 4096 bytes of letters, digits and `+/=_-~`,
 * with digits and letters that alternate at least four times, not starting like a path or a
 * variable (`/`, `~`, `$`)?  Words, versions, file and host names (a '.') do not.
 */
bool redact_random_value(const char *s, size_t n);

/* settings (redact-rules.c) */
struct redact_extra_name {
	char name[REDACT_NAME_MAX + 1]; /* lower case */
	size_t len;
};

extern struct redact_extra_name redact_extra[REDACT_EXTRA_MAX];
extern unsigned redact_n_extra;
