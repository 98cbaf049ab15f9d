/* SPDX-License-Identifier: MIT */
/*
 * String primitives of the conditions: sets (open addressing, lower-cased for nocase),
 * "contains" with many needles (one pass, bigram filter), and globs (one resume point, so
 * O(pattern × subject), no backtracking explosion).  No allocation when matching.
 */
#include "detect-int.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"

static uint64_t hash_lower(const char *s, size_t len)
{
	uint64_t h = DETECT_HASH_SEED;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)tolower((unsigned char)s[i]);
		h *= 0x100000001b3ull;
	}
	return h;
}

bool detect_eq_n(const char *a, const char *b, size_t n, bool nocase)
{
	return nocase ? strncasecmp(a, b, n) == 0 : memcmp(a, b, n) == 0;
}

bool detect_contains(const char *s, size_t len, const char *needle, size_t nlen, bool nocase)
{
	if (nlen == 0)
		return true;
	if (nlen > len)
		return false;
	if (!nocase)
		return memmem(s, len, needle, nlen) != NULL;
	for (size_t i = 0; i + nlen <= len; i++)
		if (tolower((unsigned char)s[i]) == tolower((unsigned char)needle[0]) &&
		    strncasecmp(s + i, needle, nlen) == 0)
			return true;
	return false;
}

static inline unsigned char lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static inline unsigned multi_bigram(unsigned char a, unsigned char b)
{
	return ((unsigned)a * 61u + b) % DETECT_MULTI_BITS;
}

void detect_multi_free(struct detect_multi *m)
{
	if (m)
		es_free(m->order);
	es_free(m);
}

int detect_multi_build(struct detect_node *n)
{
	struct detect_multi *m;
	unsigned count[256] = { 0 }, pos[256];

	if (n->op != DETECT_OP_CONTAINS || n->n_vals < DETECT_MULTI_MIN || n->n_vals > UINT16_MAX)
		return 0;
	for (unsigned i = 0; i < n->n_vals; i++)
		if (n->vals[i].len < 2)
			return 0; /* a one-byte needle: the plain scan */
	m = es_calloc(1, sizeof(*m));
	if (!m || !(m->order = es_calloc(n->n_vals, sizeof(*m->order)))) {
		detect_multi_free(m);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n->n_vals; i++) {
		unsigned char a = (unsigned char)n->vals[i].s[0],
			      b = (unsigned char)n->vals[i].s[1];
		unsigned bg;

		if (n->nocase) {
			a = lc(a);
			b = lc(b);
		}
		bg = multi_bigram(a, b);
		m->bigram[bg / 8] |= (uint8_t)(1u << (bg % 8));
		count[a]++;
	}
	for (unsigned c = 0, acc = 0; c < 256; c++) {
		m->start[c] = (uint16_t)acc;
		pos[c] = acc;
		acc += count[c];
	}
	m->start[256] = (uint16_t)n->n_vals;
	for (unsigned i = 0; i < n->n_vals; i++) {
		unsigned char a = (unsigned char)n->vals[i].s[0];

		m->order[pos[n->nocase ? lc(a) : a]++] = (uint16_t)i;
	}
	n->multi = m;
	return 0;
}

/* One pass over s: at each position whose two bytes start a needle, try those needles. */
bool detect_contains_multi(const struct detect_node *n, const char *s, size_t len, bool nocase)
{
	const struct detect_multi *m = n->multi;
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i + 1 < len; i++) {
		unsigned char a = nocase ? lc(u[i]) : u[i], b = nocase ? lc(u[i + 1]) : u[i + 1];
		unsigned bg = multi_bigram(a, b);

		if (!(m->bigram[bg / 8] & (1u << (bg % 8))))
			continue;
		for (unsigned k = m->start[a]; k < m->start[a + 1]; k++) {
			const struct detect_str *v = &n->vals[m->order[k]];

			if (v->len <= len - i && detect_eq_n(v->s, s + i, v->len, nocase))
				return true;
		}
	}
	return false;
}

static bool char_eq(char a, char b, bool nocase)
{
	return nocase ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

/* [abc] [a-z] [!x] [^x] at pat[p] (p at '['); *ret_next after ']'; false if unterminated. */
static bool glob_class(const char *pat, size_t plen, size_t p, char c, bool nocase, bool *ret_hit,
		       size_t *ret_next)
{
	bool neg = false, hit = false;
	size_t i = p + 1;

	if (i < plen && (pat[i] == '!' || pat[i] == '^')) {
		neg = true;
		i++;
	}
	for (bool first = true; i < plen && (first || pat[i] != ']'); first = false) {
		char lo = pat[i], hi = lo;

		if (i + 2 < plen && pat[i + 1] == '-' && pat[i + 2] != ']') {
			hi = pat[i + 2];
			i += 3;
		} else {
			i++;
		}
		if (nocase) {
			unsigned char lc = (unsigned char)tolower((unsigned char)c);
			unsigned char uc = (unsigned char)toupper((unsigned char)c);

			hit |= (lc >= (unsigned char)lo && lc <= (unsigned char)hi) ||
			       (uc >= (unsigned char)lo && uc <= (unsigned char)hi);
		} else {
			hit |= (unsigned char)c >= (unsigned char)lo &&
			       (unsigned char)c <= (unsigned char)hi;
		}
	}
	if (i >= plen)
		return false;
	*ret_hit = hit != neg;
	*ret_next = i + 1;
	return true;
}

/*
 * '*' any run (including '/'), '?' one byte, [...] a class, '\' escapes.  One resume point
 * (the last '*'), so the cost is at most pattern length × subject length.
 */
bool detect_glob_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase)
{
	size_t p = 0, i = 0, star_p = SIZE_MAX, star_i = 0;

	while (i < slen) {
		if (p < plen) {
			char c = pat[p];
			size_t next = p + 1;
			bool hit;

			if (c == '*') {
				star_p = ++p;
				star_i = i;
				continue;
			}
			if (c == '?') {
				p++;
				i++;
				continue;
			}
			if (c == '[' && glob_class(pat, plen, p, s[i], nocase, &hit, &next)) {
				if (hit) {
					p = next;
					i++;
					continue;
				}
			} else {
				if (c == '\\' && p + 1 < plen) {
					c = pat[p + 1];
					next = p + 2;
				}
				if (char_eq(c, s[i], nocase)) {
					p = next;
					i++;
					continue;
				}
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		p = star_p;
		i = ++star_i;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

void detect_set_free(struct detect_set *set)
{
	if (set->slots)
		for (uint32_t i = 0; i <= set->mask; i++)
			es_free(set->slots[i].s);
	es_free(set->slots);
	memset(set, 0, sizeof(*set));
}

static bool set_grow(struct detect_set *set)
{
	uint32_t cap = set->slots ? (set->mask + 1) * 2 : 16;
	struct detect_str *slots = es_calloc(cap, sizeof(*slots));

	if (!slots)
		return false;
	if (set->slots) {
		for (uint32_t i = 0; i <= set->mask; i++) {
			struct detect_str *o = &set->slots[i];
			uint64_t h;

			if (!o->s)
				continue;
			h = detect_hash(o->s, o->len, DETECT_HASH_SEED);
			for (uint32_t k = 0;; k++)
				if (!slots[(h + k) & (cap - 1)].s) {
					slots[(h + k) & (cap - 1)] = *o;
					break;
				}
		}
		es_free(set->slots);
	}
	set->slots = slots;
	set->mask = cap - 1;
	return true;
}

int detect_set_add(struct detect_set *set, const char *s, size_t len, bool nocase)
{
	char *copy;
	uint64_t h;

	if (detect_set_has(set, s, len, nocase))
		return 0;
	if ((!set->slots || (set->n + 1) * 2 > set->mask + 1) && !set_grow(set))
		return -ENOMEM;
	copy = es_strndup(s, len);
	if (!copy)
		return -ENOMEM;
	if (nocase)
		for (size_t i = 0; i < len; i++)
			copy[i] = (char)tolower((unsigned char)copy[i]);
	h = detect_hash(copy, len, DETECT_HASH_SEED);
	for (uint32_t k = 0;; k++) {
		struct detect_str *o = &set->slots[(h + k) & set->mask];

		if (!o->s) {
			o->s = copy;
			o->len = (uint32_t)len;
			break;
		}
	}
	set->n++;
	return 0;
}

bool detect_set_has(const struct detect_set *set, const char *s, size_t len, bool nocase)
{
	uint64_t h;

	if (!set->slots)
		return false;
	h = nocase ? hash_lower(s, len) : detect_hash(s, len, DETECT_HASH_SEED);
	if (!nocase)
		return detect_set_has_hashed(set, s, len, h);
	for (uint32_t k = 0; k <= set->mask; k++) {
		const struct detect_str *o = &set->slots[(h + k) & set->mask];

		if (!o->s)
			return false;
		if (o->len == len && detect_eq_n(o->s, s, len, nocase))
			return true;
	}
	return false;
}

bool detect_set_has_hashed(const struct detect_set *set, const char *s, size_t len, uint64_t h)
{
	if (!set->slots)
		return false;
	for (uint32_t k = 0; k <= set->mask; k++) {
		const struct detect_str *o = &set->slots[(h + k) & set->mask];

		if (!o->s)
			return false;
		if (o->len == len && memcmp(o->s, s, len) == 0)
			return true;
	}
	return false;
}
