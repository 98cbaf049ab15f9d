/* SPDX-License-Identifier: MIT */
/*
 * Regex prefilter: a set of literal strings at least one of which every match contains
 * (for "(curl|wget)[^|]*[|] *sh" it is {"curl", "wget"}; for "/dev/(tcp|udp)/[0-9]+" it is
 * {"/dev/tcp/", "/dev/udp/"}).  A subject containing none of them cannot match, and is
 * rejected with memchr() instead of the VM: most command lines a rule sees do not match.
 *
 * exact(node): the finite set of strings the node matches, when it is small (at most
 * RX_LITS_MAX strings of at most RX_LIT_LEN bytes); zero-width assertions count as "".
 * required(node): an exact set of the node itself, or the best of the runs of exact children
 * of a concatenation (joined by cross product while they fit) and of the children's own
 * required sets; an alternation needs one for every branch.  "Best" means the longest
 * shortest string.  A case-insensitive literal is compared case-insensitively as a whole,
 * which only makes the filter let more through, never less.  Recursion follows the tree,
 * whose depth the parser caps.
 */
#include <string.h>

#include "regex-int.h"

static bool rx_lit_letter(unsigned char c)
{
	c |= 0x20;
	return c >= 'a' && c <= 'z';
}

static unsigned char rx_lit_lower(unsigned char c)
{
	return rx_lit_letter(c) ? (unsigned char)(c | 0x20) : c;
}

static void rx_lits_one(struct rx_litset *s, unsigned char c, bool icase)
{
	s->n = 1;
	s->v[0].len = 1;
	s->v[0].icase = icase;
	s->v[0].b[0] = icase ? rx_lit_lower(c) : c;
}

static void rx_lits_empty(struct rx_litset *s)
{
	s->n = 1;
	s->v[0].len = 0;
	s->v[0].icase = false;
}

/* a := a × b (every string of a followed by every string of b); false when it does not fit. */
static bool rx_lits_product(struct rx_litset *a, const struct rx_litset *b)
{
	struct rx_litset out;

	if (a->n * b->n > RX_LITS_MAX)
		return false;
	out.n = 0;
	for (unsigned i = 0; i < a->n; i++)
		for (unsigned j = 0; j < b->n; j++) {
			const struct rx_lit *x = &a->v[i], *y = &b->v[j];
			struct rx_lit *z = &out.v[out.n++];

			if (x->len + y->len > RX_LIT_LEN)
				return false;
			z->len = (uint8_t)(x->len + y->len);
			z->icase = x->icase || y->icase;
			memcpy(z->b, x->b, x->len);
			memcpy(z->b + x->len, y->b, y->len);
			if (z->icase)
				for (unsigned k = 0; k < z->len; k++)
					z->b[k] = rx_lit_lower(z->b[k]);
		}
	*a = out;
	return true;
}

static bool rx_lits_union(struct rx_litset *a, const struct rx_litset *b)
{
	if (a->n + b->n > RX_LITS_MAX)
		return false;
	memcpy(&a->v[a->n], b->v, b->n * sizeof(b->v[0]));
	a->n += b->n;
	return true;
}

/* A set of one byte, or of one letter in both cases, as a literal. */
static bool rx_lits_set(const struct rx_set *set, struct rx_litset *out)
{
	unsigned n = 0, first = 0, second = 0;

	for (unsigned c = 0; c < 256 && n <= 2; c++)
		if (rx_set_has(set, (unsigned char)c)) {
			if (n++ == 0)
				first = c;
			else
				second = c;
		}
	if (n == 1)
		rx_lits_one(out, (unsigned char)first, false);
	else if (n == 2 && (first ^ second) == 0x20 && rx_lit_letter((unsigned char)first))
		rx_lits_one(out, (unsigned char)first, true);
	else
		return false;
	return true;
}

static bool rx_exact(const struct rx_tree *t, uint32_t id, struct rx_litset *out)
{
	const struct rx_node *n = &t->nodes[id];
	struct rx_litset c;

	switch ((enum rx_node_type)n->type) {
	case RX_NODE_BYTE:
		rx_lits_one(out, n->arg, n->arg != n->set);
		return true;
	case RX_NODE_SET:
		return rx_lits_set(&t->sets[n->set], out);
	case RX_NODE_EMPTY:
	case RX_NODE_ASSERT:
		rx_lits_empty(out);
		return true;
	case RX_NODE_GROUP:
		return rx_exact(t, n->child, out);
	case RX_NODE_CAT:
		rx_lits_empty(out);
		for (uint32_t k = n->child; k != RX_NONE; k = t->nodes[k].next)
			if (!rx_exact(t, k, &c) || !rx_lits_product(out, &c))
				return false;
		return true;
	case RX_NODE_ALT:
		out->n = 0;
		for (uint32_t k = n->child; k != RX_NONE; k = t->nodes[k].next)
			if (!rx_exact(t, k, &c) || !rx_lits_union(out, &c))
				return false;
		return true;
	case RX_NODE_REPEAT:
		if (n->min != n->max || n->min > RX_LIT_LEN || !rx_exact(t, n->child, &c))
			return false;
		rx_lits_empty(out);
		for (unsigned i = 0; i < n->min; i++)
			if (!rx_lits_product(out, &c))
				return false;
		return true;
	case _RX_NODE_TYPE_MAX:
		break;
	}
	return false;
}

static unsigned rx_lits_min_len(const struct rx_litset *s)
{
	unsigned m = RX_LIT_LEN + 1;

	for (unsigned i = 0; i < s->n; i++)
		if (s->v[i].len < m)
			m = s->v[i].len;
	return s->n ? m : 0;
}

/* Keeps the better of *best and cand. */
static void rx_lits_consider(struct rx_litset *best, const struct rx_litset *cand)
{
	unsigned c = rx_lits_min_len(cand), b = rx_lits_min_len(best);

	if (c > b || (c == b && c > 0 && cand->n < best->n))
		*best = *cand;
}

static bool rx_required_node(const struct rx_tree *t, uint32_t id, struct rx_litset *out);

static void rx_required_cat(const struct rx_tree *t, const struct rx_node *n,
			    struct rx_litset *best)
{
	struct rx_litset run, e, r;

	best->n = 0;
	rx_lits_empty(&run);
	for (uint32_t k = n->child; k != RX_NONE; k = t->nodes[k].next) {
		if (rx_exact(t, k, &e)) {
			struct rx_litset joined = run;

			if (rx_lits_product(&joined, &e)) {
				run = joined;
			} else {
				rx_lits_consider(best, &run);
				run = e;
			}
			continue;
		}
		rx_lits_consider(best, &run);
		rx_lits_empty(&run);
		if (rx_required_node(t, k, &r))
			rx_lits_consider(best, &r);
	}
	rx_lits_consider(best, &run);
}

static bool rx_required_node(const struct rx_tree *t, uint32_t id, struct rx_litset *out)
{
	const struct rx_node *n = &t->nodes[id];
	struct rx_litset c;

	if (rx_exact(t, id, out))
		return rx_lits_min_len(out) > 0;
	switch ((enum rx_node_type)n->type) {
	case RX_NODE_GROUP:
		return rx_required_node(t, n->child, out);
	case RX_NODE_REPEAT:
		return n->min > 0 && rx_required_node(t, n->child, out);
	case RX_NODE_CAT:
		rx_required_cat(t, n, out);
		return rx_lits_min_len(out) > 0;
	case RX_NODE_ALT:
		out->n = 0;
		for (uint32_t k = n->child; k != RX_NONE; k = t->nodes[k].next)
			if (!rx_required_node(t, k, &c) || !rx_lits_union(out, &c))
				return false;
		return true;
	default:
		return false;
	}
}

/* How common a byte is in command lines and configuration text: 0 = rare. */
static unsigned rx_byte_commonness(unsigned char c)
{
	static const char common[] = "zqjxykwvfgb9876543210hum_=pdclrsnioate.-/ ";
	const char *p = c ? strchr(common, c) : NULL;

	return p ? (unsigned)(p - common) + 1 : 0;
}

void rx_required(const struct rx_tree *t, struct rx_litset *ret)
{
	if (!rx_required_node(t, t->root, ret))
		ret->n = 0;
	for (unsigned i = 0; i < ret->n; i++) {
		struct rx_lit *l = &ret->v[i];

		l->rare = 0;
		for (unsigned k = 1; k < l->len; k++)
			if (rx_byte_commonness(l->b[k]) < rx_byte_commonness(l->b[l->rare]))
				l->rare = (uint8_t)k;
	}
}

static bool rx_lit_at(const unsigned char *s, const struct rx_lit *l)
{
	if (!l->icase)
		return memcmp(s, l->b, l->len) == 0;
	for (unsigned k = 0; k < l->len; k++)
		if (rx_lit_lower(s[k]) != l->b[k])
			return false;
	return true;
}

/*
 * Whether s holds the literal: memchr() for its rarest byte (both cases of a letter when the
 * literal is case-insensitive, each memchr() result kept until passed, so the scan stays
 * linear), then a comparison of the whole literal around it.
 */
static const unsigned char *rx_next(const unsigned char *cur, const unsigned char *p,
				    const unsigned char *end, unsigned char c)
{
	const unsigned char *q;

	if (cur == end || (cur && cur >= p))
		return cur; /* exhausted, or still the next one */
	q = memchr(p, c, (size_t)(end - p));
	return q ? q : end;
}

static bool rx_lit_find(const unsigned char *s, size_t len, const struct rx_lit *l)
{
	unsigned char c = l->b[l->rare], other = c;
	const unsigned char *p1 = NULL, *p2 = NULL, *end, *p;

	if (l->len > len)
		return false;
	if (l->icase && rx_lit_letter(c))
		other = (unsigned char)(c ^ 0x20);
	end = s + len - (l->len - 1 - l->rare); /* past the last place the rare byte can be */
	for (p = s + l->rare; p < end; p++) {
		p1 = rx_next(p1, p, end, c);
		p2 = other == c ? p1 : rx_next(p2, p, end, other);
		p = p1 < p2 ? p1 : p2;
		if (p >= end)
			return false;
		if (rx_lit_at(p - l->rare, l))
			return true;
	}
	return false;
}

bool rx_lits_found(const struct rx_litset *ls, const unsigned char *s, size_t len)
{
	for (unsigned i = 0; i < ls->n; i++)
		if (rx_lit_find(s, len, &ls->v[i]))
			return true;
	return ls->n == 0;
}
