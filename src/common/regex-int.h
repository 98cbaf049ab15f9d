/* SPDX-License-Identifier: MIT */
#pragma once

/* State shared by regex-parse.c (pattern → tree) and regex.c (tree → program, search). */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "regex.h"

#define RX_NONE UINT32_MAX
#define RX_INF UINT16_MAX /* no upper bound in a repetition */

/* A set of bytes (a bracket expression, \d, ...). */
struct rx_set {
	uint64_t bits[4];
};

static inline bool rx_set_has(const struct rx_set *s, unsigned char c)
{
	return (s->bits[c >> 6] >> (c & 63)) & 1;
}

static inline void rx_set_add(struct rx_set *s, unsigned char c)
{
	s->bits[c >> 6] |= (uint64_t)1 << (c & 63);
}

enum rx_assert {
	RX_ASSERT_BOL,	      /* ^  */
	RX_ASSERT_EOL,	      /* $  */
	RX_ASSERT_WORDB,      /* \b */
	RX_ASSERT_NWORDB,     /* \B */
	RX_ASSERT_WORD_START, /* \< */
	RX_ASSERT_WORD_END,   /* \> */
	_RX_ASSERT_MAX,
};

enum rx_node_type {
	RX_NODE_EMPTY,
	RX_NODE_BYTE,	/* arg = the byte */
	RX_NODE_SET,	/* set = index in the set table */
	RX_NODE_ASSERT, /* arg = enum rx_assert */
	RX_NODE_CAT,	/* children: child, then next, next... */
	RX_NODE_ALT,
	RX_NODE_GROUP,	/* group = capture index (1..9), 0 for a group beyond 9 */
	RX_NODE_REPEAT, /* min, max (RX_INF), child */
	_RX_NODE_TYPE_MAX,
};

struct rx_node {
	uint8_t type, arg;
	uint16_t group, min, max;
	uint32_t set;
	uint32_t child, next, last; /* first child, next sibling, last child (for appends) */
	uint32_t size;		    /* instructions this node compiles to */
};

/* What the parser produces: a tree in an array (nodes[root]) and the sets it refers to. */
struct rx_tree {
	struct rx_node *nodes;
	size_t n_nodes, cap_nodes;
	struct rx_set *sets;
	size_t n_sets, cap_sets;
	uint32_t root;
	unsigned n_groups; /* capture groups + 1, at most ES_REGEX_GROUPS_MAX */
};

/* Literal strings a match must contain (regex-lit.c). */
#define RX_LIT_LEN 16
#define RX_LITS_MAX 8

struct rx_lit {
	uint8_t len;
	bool icase;   /* b is lower case, compared case-insensitively */
	uint8_t rare; /* offset of the byte searched for first (the least common) */
	unsigned char b[RX_LIT_LEN];
};

struct rx_litset {
	unsigned n; /* 0: nothing known */
	struct rx_lit v[RX_LITS_MAX];
};

/* A set of literals one of which every match of the tree contains; n = 0 when none is known. */
void rx_required(const struct rx_tree *tree, struct rx_litset *ret);
/* Whether s contains one of the literals (true for an empty set). */
bool rx_lits_found(const struct rx_litset *ls, const unsigned char *s, size_t len);

enum rx_op {
	RX_OP_BYTE,   /* arg or x (x = arg, or its other case) */
	RX_OP_SET,    /* x = set index */
	RX_OP_ASSERT, /* arg = enum rx_assert */
	RX_OP_SPLIT,  /* to x (preferred), to y */
	RX_OP_JMP,    /* to x */
	RX_OP_SAVE,   /* capture slot arg = the position */
	RX_OP_MATCH,
	_RX_OP_MAX,
};

struct rx_inst {
	uint8_t op, arg;
	uint32_t x, y;
};

struct rx_dfa;

struct es_regex {
	struct rx_inst *prog;
	uint32_t n_prog;
	struct rx_set *sets;
	unsigned n_groups;
	bool anchored;	/* every match starts at position 0 */
	bool can_skip;	/* a match must start with a byte of first */
	int first_byte; /* the only byte of first, or -1 */
	struct rx_set first;
	struct rx_litset lits; /* a match contains one of these (regex-lit.c) */
	struct rx_dfa *dfa;    /* states built by searches so far (regex-dfa.c) */
	atomic_bool dfa_busy;  /* a search is using dfa */
};

/* The next position >= i where a match of re can start, or SIZE_MAX (re->can_skip). */
size_t rx_next_start(const struct es_regex *re, const unsigned char *s, size_t len, size_t i);

/*
 * Whether s holds a match, with a lazily built DFA (regex-dfa.c): 1, 0, -E2BIG when its
 * state cache is full (the caller then runs the VM), -ENOMEM.
 */
int rx_dfa_search(const struct es_regex *re, const unsigned char *s, size_t len);
void rx_dfa_free(struct rx_dfa *dfa);

/* Pattern → tree, with the program size computed and capped.  0, or -EINVAL / -E2BIG /
 * -ENOMEM with err filled.  The tree is freed with rx_tree_done() in every case. */
int rx_parse(const char *pattern, size_t len, unsigned flags, struct rx_tree *tree,
	     struct es_regex_error *err);
void rx_tree_done(struct rx_tree *tree);

static inline bool rx_is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The word assertions (\b \B \< \>), given whether the characters around the position are
 * word characters; false for any other kind (the line anchors are the matcher's own). */
static inline bool rx_word_assert(unsigned kind, bool before, bool after)
{
	switch ((enum rx_assert)kind) {
	case RX_ASSERT_WORDB:
		return before != after;
	case RX_ASSERT_NWORDB:
		return before == after;
	case RX_ASSERT_WORD_START:
		return !before && after;
	case RX_ASSERT_WORD_END:
		return before && !after;
	default:
		return false;
	}
}
