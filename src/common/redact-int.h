/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by redact.c (the scan) and redact-rules.c (the names it looks for). */

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

/* settings (redact-rules.c) */
struct redact_extra_name {
	char name[REDACT_NAME_MAX + 1]; /* lower case */
	size_t len;
};

extern struct redact_extra_name redact_extra[REDACT_EXTRA_MAX];
extern unsigned redact_n_extra;
