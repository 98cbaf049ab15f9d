/* SPDX-License-Identifier: MIT */
/*
 * Regex parser: pattern bytes → a tree of struct rx_node in one array (regex-int.h).
 *
 * Recursive descent over the grammar
 *     alt    := cat ('|' cat)*
 *     cat    := repeat*
 *     repeat := atom [ '*' | '+' | '?' | '{m}' | '{m,}' | '{m,n}' | '{,n}' ]
 *     atom   := '(' alt ')' | '(?:' alt ')' | '[' bracket ']' | '.' | '^' | '$' | '\' escape
 *             | any other byte
 * The recursion follows the nesting of groups only, which is capped (ES_REGEX_DEPTH_MAX), so
 * the stack used is bounded whatever the pattern.  Every node carries the number of program
 * instructions it compiles to, computed as the node is made; the parse stops with -E2BIG as
 * soon as one exceeds ES_REGEX_PROGRAM_MAX, before anything of that size is allocated (that
 * is what bounds {m,n} expansion: (a{1000}){1000} stops after two small multiplications).
 *
 * Refused on purpose: back-references (\1..\9: no linear-time algorithm exists), a repetition
 * operator right after another (a**, a+?, a{2}{3}: POSIX leaves it undefined, Perl reads it
 * as lazy/possessive; put the inner part in a group), "(?" forms other than "(?:", and
 * unknown letter escapes (so \d and friends are never silently a literal letter).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "array.h"
#include "num.h"
#include "regex-int.h"

struct rx_parser {
	const unsigned char *p;
	size_t len, pos;
	bool icase;
	unsigned captures; /* capture groups opened so far */
	struct rx_tree *t;
	struct es_regex_error *err;
};

static int rx_fail(struct rx_parser *ps, int code, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int rx_fail(struct rx_parser *ps, int code, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (ps->err) {
		va_start(ap, fmt);
		vsnprintf(ps->err->message, sizeof(ps->err->message), fmt, ap);
		va_end(ap);
		ps->err->offset = offset;
	}
	return code;
}

void rx_tree_done(struct rx_tree *t)
{
	es_free(t->nodes);
	es_free(t->sets);
	memset(t, 0, sizeof(*t));
}

static int rx_grow(struct rx_parser *ps, void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 32;
	void *nv;

	if (n < *cap)
		return 0;
	nv = es_realloc(*v, ncap * elem);
	if (!nv)
		return rx_fail(ps, -ENOMEM, ps->pos, "out of memory");
	*v = nv;
	*cap = ncap;
	return 0;
}

/* A new node; its index in *ret. */
static int rx_node_new(struct rx_parser *ps, enum rx_node_type type, uint32_t size, uint32_t *ret)
{
	struct rx_tree *t = ps->t;
	struct rx_node *n;
	int r;

	if ((r = rx_grow(ps, (void **)&t->nodes, &t->cap_nodes, t->n_nodes, sizeof(*n))) < 0)
		return r;
	n = &t->nodes[t->n_nodes];
	memset(n, 0, sizeof(*n));
	n->type = (uint8_t)type;
	n->child = n->next = n->last = RX_NONE;
	n->size = size;
	*ret = (uint32_t)t->n_nodes++;
	return 0;
}

static int rx_set_new(struct rx_parser *ps, const struct rx_set *set, uint32_t *ret)
{
	struct rx_tree *t = ps->t;
	uint32_t id;
	int r;

	if ((r = rx_grow(ps, (void **)&t->sets, &t->cap_sets, t->n_sets, sizeof(*set))) < 0)
		return r;
	t->sets[t->n_sets] = *set;
	id = (uint32_t)t->n_sets++;
	if ((r = rx_node_new(ps, RX_NODE_SET, 1, ret)) < 0)
		return r;
	t->nodes[*ret].set = id;
	return 0;
}

/* Program size arithmetic: every sum and product is checked against the cap as it is made. */
static int rx_size(struct rx_parser *ps, uint64_t size, size_t offset, uint32_t *ret)
{
	if (size > ES_REGEX_PROGRAM_MAX)
		return rx_fail(ps, -E2BIG, offset,
			       "compiles to more than %u instructions (after {m,n} expansion)",
			       ES_REGEX_PROGRAM_MAX);
	*ret = (uint32_t)size;
	return 0;
}

/* Appends child to the list of parent (a CAT or an ALT). */
static void rx_append(struct rx_tree *t, uint32_t parent, uint32_t child)
{
	struct rx_node *p = &t->nodes[parent];

	if (p->child == RX_NONE)
		p->child = child;
	else
		t->nodes[p->last].next = child;
	p->last = child;
}

static bool rx_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int rx_byte_node(struct rx_parser *ps, unsigned char c, uint32_t *ret)
{
	int r = rx_node_new(ps, RX_NODE_BYTE, 1, ret);

	if (r == 0) {
		ps->t->nodes[*ret].arg = c;
		ps->t->nodes[*ret].set = ps->icase && rx_is_alpha(c) ? (uint32_t)(c ^ 0x20) : c;
	}
	return r;
}

static void rx_set_range(struct rx_set *s, unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi; c++)
		rx_set_add(s, (unsigned char)c);
}

/* The POSIX classes in the C locale; false for an unknown name. */
static bool rx_class_add(struct rx_set *s, const char *name, size_t n)
{
	static const char *const names[] = {
		"alpha", "digit", "alnum",  "upper", "lower", "space",
		"blank", "punct", "xdigit", "cntrl", "graph", "print"
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			break;
	for (unsigned c = 0; c < 256; c++) {
		bool up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z',
		     dig = c >= '0' && c <= '9';
		bool sp = c == ' ' || (c >= '\t' && c <= '\r'), gr = c > ' ' && c < 0x7f;
		bool in[] = { up || lo,
			      dig,
			      up || lo || dig,
			      up,
			      lo,
			      sp,
			      c == ' ' || c == '\t',
			      gr && !up && !lo && !dig,
			      dig || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'),
			      c < ' ' || c == 0x7f,
			      gr,
			      gr || c == ' ',
			      false };

		if (in[i])
			rx_set_add(s, (unsigned char)c);
	}
	return i < ARRAY_SIZE(names);
}

static void rx_set_invert(struct rx_set *s)
{
	for (int i = 0; i < 4; i++)
		s->bits[i] = ~s->bits[i];
}

/* \d \s \w and their complements; false for any other letter. */
static bool rx_escape_class(unsigned char e, struct rx_set *s)
{
	struct rx_set one = { { 0 } };
	unsigned char lower = (unsigned char)(e | 0x20);

	if (lower == 'd')
		rx_class_add(&one, "digit", 5);
	else if (lower == 's')
		rx_class_add(&one, "space", 5);
	else if (lower == 'w') {
		rx_class_add(&one, "alnum", 5);
		rx_set_add(&one, '_');
	} else
		return false;
	if (e != lower)
		rx_set_invert(&one);
	for (int i = 0; i < 4; i++)
		s->bits[i] |= one.bits[i];
	return true;
}

static int rx_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * A one-byte escape at ps->pos (the backslash): \n \t \r \f \v \xHH, or any non-alphanumeric
 * byte taken literally.  Advances past it.
 */
static int rx_escape_byte(struct rx_parser *ps, unsigned char *ret)
{
	size_t at = ps->pos;
	unsigned char e;
	static const char from[] = "ntrfv", to[] = "\n\t\r\f\v";
	const char *k;

	if (at + 1 >= ps->len)
		return rx_fail(ps, -EINVAL, at, "trailing backslash");
	e = ps->p[at + 1];
	if (e >= '1' && e <= '9')
		return rx_fail(ps, -EINVAL, at,
			       "back-references (\\%c) are not supported (no linear-time match)",
			       e);
	if (e == 'x') {
		int hi = at + 2 < ps->len ? rx_hex(ps->p[at + 2]) : -1;
		int lo = at + 3 < ps->len ? rx_hex(ps->p[at + 3]) : -1;

		if (hi < 0 || lo < 0)
			return rx_fail(ps, -EINVAL, at, "\\x needs two hex digits");
		*ret = (unsigned char)(hi << 4 | lo);
		ps->pos = at + 4;
		return 0;
	}
	if (e && (k = strchr(from, e)) != NULL)
		*ret = (unsigned char)to[k - from];
	else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
		return rx_fail(ps, -EINVAL, at, "unknown escape \\%c", e);
	else
		*ret = e;
	ps->pos = at + 2;
	return 0;
}

/*
 * One element of a bracket expression at ps->pos: a single byte (*ret_byte, returns 0) or a
 * class added to *set (returns 1).  [:name:], [=c=], [.c.], backslash escapes, or a byte.
 */
static int rx_bracket_elem(struct rx_parser *ps, size_t open, struct rx_set *set,
			   unsigned char *ret_byte)
{
	const unsigned char *p = ps->p;
	size_t at = ps->pos;

	if (at >= ps->len)
		return rx_fail(ps, -EINVAL, open, "unterminated [");
	if (p[at] == '[' && at + 1 < ps->len && strchr(":=.", p[at + 1]) && p[at + 1]) {
		unsigned char kind = p[at + 1];
		size_t end = at + 2;

		while (end + 1 < ps->len && !(p[end] == kind && p[end + 1] == ']'))
			end++;
		if (end + 1 >= ps->len)
			return rx_fail(ps, -EINVAL, at, "unterminated [%c", kind);
		ps->pos = end + 2;
		if (kind == ':') {
			if (!rx_class_add(set, (const char *)p + at + 2, end - at - 2))
				return rx_fail(ps, -EINVAL, at, "unknown character class [:%.*s:]",
					       (int)(end - at - 2 > 20 ? 20 : end - at - 2),
					       (const char *)p + at + 2);
			return 1;
		}
		if (end - at - 2 != 1)
			return rx_fail(ps, -EINVAL, at,
				       "only single-byte collating elements are supported");
		*ret_byte = p[at + 2];
		return 0;
	}
	if (p[at] == '\\' && at + 1 < ps->len && rx_escape_class(p[at + 1], set)) {
		ps->pos = at + 2;
		return 1;
	}
	if (p[at] == '\\')
		return rx_escape_byte(ps, ret_byte);
	*ret_byte = p[at];
	ps->pos = at + 1;
	return 0;
}

static void rx_set_fold(struct rx_set *s)
{
	for (unsigned c = 'a'; c <= 'z'; c++)
		if (rx_set_has(s, (unsigned char)c) || rx_set_has(s, (unsigned char)(c ^ 0x20))) {
			rx_set_add(s, (unsigned char)c);
			rx_set_add(s, (unsigned char)(c ^ 0x20));
		}
}

/* A bracket expression at ps->pos (the '['). */
static int rx_bracket(struct rx_parser *ps, uint32_t *ret)
{
	size_t open = ps->pos;
	struct rx_set set = { { 0 } };
	bool negate = false, first = true;
	unsigned char lo, hi;
	int r;

	ps->pos++;
	if (ps->pos < ps->len && ps->p[ps->pos] == '^') {
		negate = true;
		ps->pos++;
	}
	for (;;) {
		if (ps->pos >= ps->len)
			return rx_fail(ps, -EINVAL, open, "unterminated [");
		if (ps->p[ps->pos] == ']' && !first) {
			ps->pos++;
			break;
		}
		if (first && ps->p[ps->pos] == ']') { /* a leading ] is literal */
			lo = ']';
			ps->pos++;
			r = 0;
		} else if ((r = rx_bracket_elem(ps, open, &set, &lo)) < 0) {
			return r;
		}
		first = false;
		if (ps->pos + 1 < ps->len && ps->p[ps->pos] == '-' && ps->p[ps->pos + 1] != ']') {
			size_t dash = ps->pos;

			if (r == 1)
				return rx_fail(ps, -EINVAL, dash,
					       "a range cannot start with a class");
			ps->pos++;
			if ((r = rx_bracket_elem(ps, open, &set, &hi)) < 0)
				return r;
			if (r == 1 || hi < lo)
				return rx_fail(ps, -EINVAL, dash, "invalid range end");
			rx_set_range(&set, lo, hi);
		} else if (r == 0) {
			rx_set_add(&set, lo);
		}
	}
	if (ps->icase)
		rx_set_fold(&set);
	if (negate)
		rx_set_invert(&set);
	return rx_set_new(ps, &set, ret);
}

static int rx_assert_node(struct rx_parser *ps, enum rx_assert kind, uint32_t *ret)
{
	int r = rx_node_new(ps, RX_NODE_ASSERT, 1, ret);

	if (r == 0)
		ps->t->nodes[*ret].arg = (uint8_t)kind;
	return r;
}

/* An escape outside brackets at ps->pos (the backslash). */
static int rx_escape(struct rx_parser *ps, uint32_t *ret)
{
	static const char asserts[] = "bB<>";
	static const enum rx_assert kinds[] = { RX_ASSERT_WORDB, RX_ASSERT_NWORDB,
						RX_ASSERT_WORD_START, RX_ASSERT_WORD_END };
	struct rx_set set = { { 0 } };
	unsigned char e = ps->pos + 1 < ps->len ? ps->p[ps->pos + 1] : 0, c;
	const char *k;
	int r;

	if (ps->pos + 1 < ps->len && e && (k = strchr(asserts, e)) != NULL) {
		ps->pos += 2;
		return rx_assert_node(ps, kinds[k - asserts], ret);
	}
	if (ps->pos + 1 < ps->len && rx_escape_class(e, &set)) {
		ps->pos += 2;
		return rx_set_new(ps, &set, ret);
	}
	if ((r = rx_escape_byte(ps, &c)) < 0)
		return r;
	return rx_byte_node(ps, c, ret);
}

static int rx_alt(struct rx_parser *ps, unsigned depth, uint32_t *ret);

/* A group at ps->pos (the '('). */
static int rx_group(struct rx_parser *ps, unsigned depth, uint32_t *ret)
{
	size_t open = ps->pos;
	unsigned index = 0;
	uint32_t inner = RX_NONE, g = RX_NONE;
	int r;

	if (depth >= ES_REGEX_DEPTH_MAX)
		return rx_fail(ps, -E2BIG, open, "groups nested deeper than %u",
			       ES_REGEX_DEPTH_MAX);
	ps->pos++;
	if (ps->pos < ps->len && ps->p[ps->pos] == '?') {
		if (ps->pos + 1 >= ps->len || ps->p[ps->pos + 1] != ':')
			return rx_fail(ps, -EINVAL, open, "only (?: is supported among (? forms");
		ps->pos += 2;
	} else if (++ps->captures < ES_REGEX_GROUPS_MAX) {
		index = ps->captures; /* groups past the 9th group, like (?:, */
	}
	if ((r = rx_alt(ps, depth + 1, &inner)) < 0)
		return r;
	if (ps->pos >= ps->len || ps->p[ps->pos] != ')')
		return rx_fail(ps, -EINVAL, open, "unmatched (");
	ps->pos++;
	if (index == 0) {
		*ret = inner;
		return 0;
	}
	if ((r = rx_node_new(ps, RX_NODE_GROUP, 0, &g)) < 0)
		return r;
	ps->t->nodes[g].group = (uint16_t)index;
	ps->t->nodes[g].child = inner;
	*ret = g;
	return rx_size(ps, (uint64_t)ps->t->nodes[inner].size + 2, open, &ps->t->nodes[g].size);
}

static int rx_atom(struct rx_parser *ps, unsigned depth, uint32_t *ret)
{
	unsigned char c = ps->p[ps->pos];
	struct rx_set all;

	switch (c) {
	case '(':
		return rx_group(ps, depth, ret);
	case '[':
		return rx_bracket(ps, ret);
	case '\\':
		return rx_escape(ps, ret);
	case '.':
		ps->pos++;
		memset(&all, 0xff, sizeof(all));
		return rx_set_new(ps, &all, ret);
	case '^':
	case '$':
		ps->pos++;
		return rx_assert_node(ps, c == '^' ? RX_ASSERT_BOL : RX_ASSERT_EOL, ret);
	case '*':
	case '+':
	case '?':
	case '{':
		return rx_fail(ps, -EINVAL, ps->pos, "nothing to repeat before '%c'", c);
	default:
		ps->pos++;
		return rx_byte_node(ps, c, ret);
	}
}

/* A decimal bound of {m,n} at ps->pos; -1 when there are no digits. */
static int rx_bound(struct rx_parser *ps, long *ret)
{
	size_t at = ps->pos, used;
	uint64_t v;
	int r = num_scan_u64((const char *)ps->p + at, ps->len - at, 10, ES_REGEX_REPEAT_MAX, &v,
			     &used);

	if (r == -ERANGE)
		return rx_fail(ps, -E2BIG, at, "repetition bound over %u", ES_REGEX_REPEAT_MAX);
	if (r < 0) {
		*ret = -1; /* no digits */
		return 0;
	}
	ps->pos += used;
	*ret = (long)v;
	return 0;
}

/* The repetition operator at ps->pos: *, +, ?, {m}, {m,}, {m,n}, {,n}. */
static int rx_quantifier(struct rx_parser *ps, unsigned *ret_min, unsigned *ret_max)
{
	size_t open = ps->pos;
	unsigned char c = ps->p[ps->pos++];
	long m, n;
	int r;

	if (c != '{') {
		*ret_min = c == '+';
		*ret_max = c == '?' ? 1 : RX_INF;
		return 0;
	}
	if ((r = rx_bound(ps, &m)) < 0)
		return r;
	n = m;
	if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
		ps->pos++;
		if ((r = rx_bound(ps, &n)) < 0)
			return r;
		if (n < 0)
			n = RX_INF;
		if (m < 0)
			m = 0;
	}
	if (ps->pos >= ps->len)
		return rx_fail(ps, -EINVAL, open, "unterminated {");
	if (ps->p[ps->pos] != '}' || m < 0)
		return rx_fail(ps, -EINVAL, open, "invalid {m,n}: digits, a comma and } expected");
	if (n < m)
		return rx_fail(ps, -EINVAL, open, "invalid {m,n}: n is smaller than m");
	ps->pos++;
	*ret_min = (unsigned)m;
	*ret_max = (unsigned)n;
	return 0;
}

static bool rx_at_quantifier(const struct rx_parser *ps)
{
	return ps->pos < ps->len && strchr("*+?{", ps->p[ps->pos]) && ps->p[ps->pos];
}

/* Instructions of child{min,max}: see rx_emit_repeat() in regex.c for the shapes. */
static uint64_t rx_repeat_size(uint64_t c, unsigned min, unsigned max)
{
	if (max == RX_INF)
		return min == 0 ? c + 2 : min * c + 1;
	return min * c + (uint64_t)(max - min) * (c + 1);
}

static int rx_repeat(struct rx_parser *ps, unsigned depth, uint32_t *ret)
{
	unsigned min = 0, max = 0;
	size_t at;
	uint32_t atom = RX_NONE, rep = RX_NONE;
	struct rx_node *n;
	int r;

	if ((r = rx_atom(ps, depth, &atom)) < 0)
		return r;
	if (!rx_at_quantifier(ps)) {
		*ret = atom;
		return 0;
	}
	at = ps->pos;
	if ((r = rx_quantifier(ps, &min, &max)) < 0)
		return r;
	if (rx_at_quantifier(ps))
		return rx_fail(ps, -EINVAL, ps->pos,
			       "repetition operator '%c' right after another (lazy and possessive "
			       "forms are not supported; to repeat a repetition, group it)",
			       ps->p[ps->pos]);
	if ((r = rx_node_new(ps, RX_NODE_REPEAT, 0, &rep)) < 0)
		return r;
	n = &ps->t->nodes[rep];
	n->min = (uint16_t)min;
	n->max = (uint16_t)max;
	n->child = atom;
	*ret = rep;
	return rx_size(ps, rx_repeat_size(ps->t->nodes[atom].size, min, max), at, &n->size);
}

/* A list node (CAT or ALT) built from the items parse() yields until stop() says so. */
static int rx_cat(struct rx_parser *ps, unsigned depth, uint32_t *ret)
{
	uint32_t cat = RX_NONE, item = RX_NONE, first = RX_NONE;
	uint64_t size = 0;
	size_t at = ps->pos;
	int r;

	while (ps->pos < ps->len && ps->p[ps->pos] != '|' && ps->p[ps->pos] != ')') {
		if ((r = rx_repeat(ps, depth, &item)) < 0)
			return r;
		size += ps->t->nodes[item].size;
		if (size > ES_REGEX_PROGRAM_MAX)
			return rx_size(ps, size, at, &(uint32_t){ 0 });
		if (first == RX_NONE) {
			first = item;
			continue;
		}
		if (cat == RX_NONE) {
			if ((r = rx_node_new(ps, RX_NODE_CAT, 0, &cat)) < 0)
				return r;
			rx_append(ps->t, cat, first);
		}
		rx_append(ps->t, cat, item);
	}
	if (first == RX_NONE)
		return rx_node_new(ps, RX_NODE_EMPTY, 0, ret);
	*ret = cat == RX_NONE ? first : cat;
	ps->t->nodes[*ret].size = (uint32_t)size;
	return 0;
}

static int rx_alt(struct rx_parser *ps, unsigned depth, uint32_t *ret)
{
	uint32_t alt = RX_NONE, item = RX_NONE;
	size_t at = ps->pos;
	uint64_t size;
	int r;

	if ((r = rx_cat(ps, depth, &item)) < 0)
		return r;
	size = ps->t->nodes[item].size;
	while (ps->pos < ps->len && ps->p[ps->pos] == '|') {
		if (alt == RX_NONE) {
			if ((r = rx_node_new(ps, RX_NODE_ALT, 0, &alt)) < 0)
				return r;
			rx_append(ps->t, alt, item);
		}
		ps->pos++;
		if ((r = rx_cat(ps, depth, &item)) < 0)
			return r;
		rx_append(ps->t, alt, item);
		size += (uint64_t)ps->t->nodes[item].size + 2; /* a split and a jump per branch */
		if ((r = rx_size(ps, size, at, &ps->t->nodes[alt].size)) < 0)
			return r;
	}
	*ret = alt == RX_NONE ? item : alt;
	return 0;
}

int rx_parse(const char *pattern, size_t len, unsigned flags, struct rx_tree *t,
	     struct es_regex_error *err)
{
	struct rx_parser ps = {
		.p = (const unsigned char *)pattern,
		.len = len,
		.icase = flags & ES_REGEX_ICASE,
		.t = t,
		.err = err,
	};
	int r;

	memset(t, 0, sizeof(*t));
	if (len > ES_REGEX_PATTERN_MAX)
		return rx_fail(&ps, -E2BIG, ES_REGEX_PATTERN_MAX, "pattern longer than %u bytes",
			       ES_REGEX_PATTERN_MAX);
	if (!pattern && len)
		return rx_fail(&ps, -EINVAL, 0, "no pattern");
	if (flags & ~ES_REGEX_ICASE)
		return rx_fail(&ps, -EINVAL, 0, "unknown flags 0x%x", flags);
	if ((r = rx_alt(&ps, 0, &t->root)) < 0)
		return r;
	if (ps.pos < len) /* rx_alt stops only at the end or at a ')' */
		return rx_fail(&ps, -EINVAL, ps.pos, "unmatched )");
	t->n_groups =
		(ps.captures < ES_REGEX_GROUPS_MAX - 1 ? ps.captures : ES_REGEX_GROUPS_MAX - 1) + 1;
	return 0;
}
