/* SPDX-License-Identifier: MIT */
/*
 * The rule index of an event type: which rules can possibly match an item, found with a few
 * hash probes and one scan of the command line instead of evaluating every rule.
 *
 * Names: a rule whose condition *requires* the program's name — basename of Executable,
 * ExtraDetails.Interpreter, ExtraDetails.Argv0, ExtraDetails.ExecutablePath, ExtraDetails.KnownAs
 * or Arg0, or the applet (Arg1) of a multi-call binary such as busybox — to be one of a set is
 * filed under each of those names; per item those (at most seven) names are looked up.
 * Literals: a rule whose condition requires CommandLine to contain one of a set of strings is
 * filed under each string; per item the command line (lower-cased once) is scanned once for
 * all of them (bigram filter, then the strings that start there).  Matching lower-cased is a
 * superset of matching case-sensitively, which is all a pre-filter needs.
 * Everything else is an "always" rule.  The index only skips rules that cannot match: results
 * are the same with or without it (the rules are evaluated in full either way).
 *
 * Requirements are found structurally: a leaf `in`/`equals` (case-sensitive) on a name with
 * the basename transform, or `contains` on CommandLine without transform (needles of two bytes
 * or more); all(...) requires what one of its members requires; any(...) requires the union
 * when every member requires something; not(...) requires nothing; a condition on a field the
 * event type does not have can never match (so a rule for ProcessCreate and ListeningPorts is
 * filed by its ProcessCreate part).  Sequences are always rules.
 */
#include "detect-int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"

struct req_set {
	unsigned n, cap;
	const struct detect_str **list; /* borrowed from the rule's nodes */
	bool *literal;			/* list[i] is a CommandLine literal (else a name) */
};

enum req {
	REQ_NONE,	/* nothing required: an always rule */
	REQ_SOME,	/* one of the names or literals appended */
	REQ_IMPOSSIBLE, /* cannot match events of this type */
};

static bool name_ref(const struct detect_ref *r)
{
	if (r->transform != DETECT_TR_BASENAME)
		return false;
	if (r->kind == DETECT_REF_EXTRA)
		return r->slot == DETECT_SLOT_INTERPRETER || r->slot == DETECT_SLOT_ARGV0 ||
		       r->slot == DETECT_SLOT_EXECUTABLE_PATH;
	if (r->kind == DETECT_REF_ARG)
		return r->slot == 0;
	return r->kind == DETECT_REF_FIELD && r->role == DETECT_ROLE_EXECUTABLE;
}

static bool command_line_ref(const struct detect_ref *r)
{
	return r->kind == DETECT_REF_FIELD && !r->transform && r->role == DETECT_ROLE_COMMAND_LINE;
}

static bool add(struct req_set *rq, const struct detect_str *s, bool literal)
{
	if (rq->n == rq->cap) {
		unsigned nc = rq->cap ? rq->cap * 2 : 16;
		const struct detect_str **nl = es_realloc(rq->list, nc * sizeof(*nl));
		bool *nk;

		if (!nl)
			return false;
		rq->list = nl;
		nk = es_realloc(rq->literal, nc * sizeof(*nk));
		if (!nk)
			return false;
		rq->literal = nk;
		rq->cap = nc;
	}
	rq->literal[rq->n] = literal;
	rq->list[rq->n++] = s;
	return true;
}

/* A leaf on a field this event type does not have never matches. */
static bool impossible_leaf(const struct detect_node *n, enum event_type t)
{
	if (n->op == DETECT_OP_EXISTS && !n->want)
		return false;
	if (n->op == DETECT_OP_IN_CONTAINER || n->op == DETECT_OP_GROUP_ADDED ||
	    n->op == DETECT_OP_PROGRAM)
		return false;
	if (n->ref.kind == DETECT_REF_FIELD)
		return n->ref.field[t] < 0;
	if (n->ref.kind == DETECT_REF_ARGS || n->ref.kind == DETECT_REF_ARG)
		return t != EVENT_PROCESS_CREATE && t != EVENT_CONNECTION_CREATE;
	return false;
}

static enum req leaf_required(const struct detect_node *n, enum event_type t, struct req_set *rq)
{
	if (impossible_leaf(n, t))
		return REQ_IMPOSSIBLE;
	if (n->op == DETECT_OP_CONTAINS && command_line_ref(&n->ref)) {
		for (unsigned i = 0; i < n->n_vals; i++)
			if (n->vals[i].len < 2 || !add(rq, &n->vals[i], true))
				return REQ_NONE;
		return REQ_SOME;
	}
	if (n->op == DETECT_OP_PROGRAM ||
	    (n->op == DETECT_OP_IN && !n->nocase && name_ref(&n->ref))) {
		for (uint32_t i = 0; n->set.slots && i <= n->set.mask; i++)
			if (n->set.slots[i].s && !add(rq, &n->set.slots[i], false))
				return REQ_NONE;
		return REQ_SOME;
	}
	if (n->op == DETECT_OP_EQUALS && !n->nocase && name_ref(&n->ref))
		return add(rq, &n->vals[0], false) ? REQ_SOME : REQ_NONE;
	return REQ_NONE;
}

/* What n requires of an item of type t; appended to rq (undone unless REQ_SOME). */
static enum req required(const struct detect_node *n, enum event_type t, struct req_set *rq)
{
	unsigned before = rq->n;
	enum req r = REQ_NONE, k;
	bool some = false;

	if (!n)
		return REQ_NONE;
	switch (n->kind) {
	case DETECT_NODE_LEAF:
		r = leaf_required(n, t, rq);
		break;
	case DETECT_NODE_ALL: /* the first member that requires something */
		for (unsigned i = 0; i < n->n_kids && r == REQ_NONE; i++)
			r = required(n->kids[i], t, rq);
		break;
	case DETECT_NODE_ANY: /* the union; impossible members add nothing */
		r = REQ_IMPOSSIBLE;
		for (unsigned i = 0; i < n->n_kids; i++) {
			k = required(n->kids[i], t, rq);
			if (k == REQ_NONE) {
				r = REQ_NONE;
				break;
			}
			some |= k == REQ_SOME;
		}
		if (r != REQ_NONE)
			r = some ? REQ_SOME : REQ_IMPOSSIBLE;
		break;
	default:
		break;
	}
	if (r != REQ_SOME)
		rq->n = before;
	return r;
}

/* ---- names: name → rules ---- */

static struct detect_bucket *bucket_find(const struct detect_name_index *ix, const char *s,
					 size_t len, uint64_t h)
{
	if (!ix->mask)
		return NULL;
	for (uint32_t k = 0; k <= ix->mask; k++) {
		struct detect_bucket *b = &ix->buckets[(h + k) & ix->mask];

		if (!b->name)
			return NULL;
		if (b->len == len && memcmp(b->name, s, len) == 0)
			return b;
	}
	return NULL;
}

static int rules_add(struct detect_rule ***rules, unsigned *n, struct detect_rule *r)
{
	struct detect_rule **nr;

	for (unsigned i = 0; i < *n; i++)
		if ((*rules)[i] == r)
			return 0;
	nr = es_realloc(*rules, (*n + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	nr[(*n)++] = r;
	*rules = nr;
	return 0;
}

static int bucket_add(struct detect_name_index *ix, const struct detect_str *name,
		      struct detect_rule *r)
{
	uint64_t h = detect_hash(name->s, name->len, DETECT_HASH_SEED);
	struct detect_bucket *b = bucket_find(ix, name->s, name->len, h);

	if (!b) {
		for (uint32_t k = 0;; k++) {
			b = &ix->buckets[(h + k) & ix->mask];
			if (!b->name)
				break;
		}
		b->name = name->s;
		b->len = name->len;
	}
	return rules_add(&b->rules, &b->n, r);
}

/* ---- literals: one scan of the lower-cased command line ---- */

static inline unsigned trigram_hash(const unsigned char *p)
{
	return ((unsigned)p[0] * 1031u + (unsigned)p[1] * 67u + p[2]) & 0xffffu;
}

static inline unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int literal_add(struct detect_literals *li, const struct detect_str *s,
		       struct detect_rule *r)
{
	unsigned i;

	for (i = 0; i < li->n; i++)
		if (li->needles[i].len == s->len &&
		    strncasecmp(li->needles[i].s, s->s, s->len) == 0)
			break;
	if (i == li->n) {
		struct detect_literal *nn;

		if (li->n >= UINT16_MAX)
			return -E2BIG;
		nn = es_realloc(li->needles, (li->n + 1) * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		li->needles = nn;
		memset(&nn[i], 0, sizeof(nn[i]));
		nn[i].s = es_strndup(s->s, s->len);
		if (!nn[i].s)
			return -ENOMEM;
		nn[i].len = s->len;
		for (uint32_t k = 0; k < s->len; k++)
			nn[i].s[k] = (char)fold((unsigned char)nn[i].s[k]);
		li->n++;
	}
	if (rules_add(&li->needles[i].rules, &li->needles[i].n_rules, r) < 0)
		return -ENOMEM;
	return rules_add(&li->all, &li->n_all, r);
}

static int literals_finish(struct detect_literals *li)
{
	unsigned count[256] = { 0 }, pos[256];

	if (!li->n)
		return 0;
	li->order = es_calloc(li->n, sizeof(*li->order));
	if (!li->order)
		return -ENOMEM;
	for (unsigned i = 0; i < li->n; i++) {
		const unsigned char *u = (const unsigned char *)li->needles[i].s;
		unsigned bg = (unsigned)u[0] << 8 | u[1];

		if (li->needles[i].len == 2)
			li->bigram[bg / 8] |= (uint8_t)(1u << (bg % 8));
		else
			li->trigram[trigram_hash(u) / 8] |= (uint8_t)(1u << (trigram_hash(u) % 8));
		count[u[0]]++;
	}
	for (unsigned c = 0, acc = 0; c < 256; c++) {
		li->start[c] = (uint16_t)acc;
		pos[c] = acc;
		acc += count[c];
	}
	li->start[256] = (uint16_t)li->n;
	for (unsigned i = 0; i < li->n; i++)
		li->order[pos[(unsigned char)li->needles[i].s[0]]++] = (uint16_t)i;
	return 0;
}

/* Marks (lit_mark) the rules of every literal in the folded command line s. */
static void literals_scan(const struct detect_literals *li, const char *s, size_t len,
			  uint64_t mark)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i + 1 < len; i++) {
		unsigned bg = (unsigned)u[i] << 8 | u[i + 1], tg;

		if (!(li->bigram[bg / 8] & (1u << (bg % 8)))) {
			if (i + 2 >= len)
				continue;
			tg = trigram_hash(u + i);
			if (!(li->trigram[tg / 8] & (1u << (tg % 8))))
				continue;
		}
		for (unsigned k = li->start[u[i]]; k < li->start[u[i] + 1]; k++) {
			const struct detect_literal *nl = &li->needles[li->order[k]];

			if (nl->len > len - i || memcmp(nl->s, s + i, nl->len) != 0)
				continue;
			for (unsigned r = 0; r < nl->n_rules; r++)
				nl->rules[r]->lit_mark = mark;
		}
	}
}

static void literals_free(struct detect_literals *li)
{
	for (unsigned i = 0; i < li->n; i++) {
		es_free(li->needles[i].s);
		es_free(li->needles[i].rules);
	}
	es_free(li->needles);
	es_free(li->order);
	es_free(li->all);
	memset(li, 0, sizeof(*li));
}

/* ---- building ---- */

static int file_rule(struct detect_name_index *ix, struct detect_rule *r, const struct req_set *rq)
{
	for (unsigned k = 0; k < rq->n; k++) {
		int e;

		if (rq->literal[k] && !ix->lit && !(ix->lit = es_calloc(1, sizeof(*ix->lit))))
			return -ENOMEM;
		e = rq->literal[k] ? literal_add(ix->lit, rq->list[k], r)
				   : bucket_add(ix, rq->list[k], r);

		if (e < 0)
			return e;
	}
	ix->n_indexed++;
	return 0;
}

static int index_type(struct detect_ruleset *rs, int t)
{
	struct detect_name_index *ix = &rs->index[t];
	unsigned n = rs->n_by_type[t], names = 0;
	struct req_set *sets = es_calloc(n, sizeof(*sets));
	enum req *kinds = es_calloc(n, sizeof(*kinds));
	int r = -ENOMEM;

	if (!sets || !kinds)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		struct detect_rule *rule = rs->by_type[t][i];

		if (rule->kind == DETECT_KIND_SEQUENCE)
			continue;
		kinds[i] = required(rule->steps[0].match, (enum event_type)t, &sets[i]);
		for (unsigned k = 0; k < sets[i].n; k++)
			names += !sets[i].literal[k];
	}
	for (ix->mask = 15; ix->mask + 1 < names * 2; ix->mask = ix->mask * 2 + 1)
		;
	ix->buckets = es_calloc(ix->mask + 1, sizeof(*ix->buckets));
	ix->always = es_calloc(n, sizeof(*ix->always));
	if (!ix->buckets || !ix->always)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		if (kinds[i] == REQ_IMPOSSIBLE)
			continue; /* never for this type */
		if (kinds[i] == REQ_NONE)
			ix->always[ix->n_always++] = rs->by_type[t][i];
		else if ((r = file_rule(ix, rs->by_type[t][i], &sets[i])) < 0)
			goto out;
	}
	r = ix->lit ? literals_finish(ix->lit) : 0;
out:
	for (unsigned i = 0; sets && i < n; i++) {
		es_free(sets[i].list);
		es_free(sets[i].literal);
	}
	es_free(sets);
	es_free(kinds);
	return r;
}

int detect_index_build(struct detect_ruleset *rs)
{
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		detect_index_free(&rs->index[t]);
		if (rs->n_by_type[t] && index_type(rs, t) < 0)
			return -ENOMEM;
		rs->index[t].built = rs->n_by_type[t] > 0;
	}
	return 0;
}

void detect_index_free(struct detect_name_index *ix)
{
	for (uint32_t i = 0; ix->buckets && i <= ix->mask; i++)
		es_free(ix->buckets[i].rules);
	es_free(ix->buckets);
	es_free(ix->always);
	if (ix->lit)
		literals_free(ix->lit);
	es_free(ix->lit);
	memset(ix, 0, sizeof(*ix));
}

/* ---- per item ---- */

static void run(struct detect_rule *r, uint64_t mark, void (*fn)(struct detect_rule *, void *),
		void *ud)
{
	if (r->mark == mark)
		return;
	r->mark = mark;
	fn(r, ud);
}

void detect_index_each(const struct detect_ruleset *rs, struct detect_view *v, uint64_t mark,
		       void (*fn)(struct detect_rule *r, void *ud), void *ud)
{
	const struct detect_name_index *ix = &rs->index[v->type];
	struct detect_val val;

	if (ix->mask) {
		detect_view_names(v);
		for (unsigned k = 0; k < v->n_names; k++) {
			const struct detect_bucket *b =
				bucket_find(ix, v->names[k].s, v->names[k].len, v->name_hash[k]);

			for (unsigned i = 0; b && i < b->n; i++)
				run(b->rules[i], mark, fn, ud);
		}
	}
	if (ix->lit && detect_ref_get(v, &rs->ctx[DETECT_CTX_COMMAND_LINE], &val) && !val.is_int) {
		const char *f = detect_view_fold(v, val.s, val.len);

		if (f)
			literals_scan(ix->lit, f, val.len, mark);
		for (unsigned i = 0; i < ix->lit->n_all; i++)
			if (!f || ix->lit->all[i]->lit_mark == mark) /* too long to fold: run all */
				run(ix->lit->all[i], mark, fn, ud);
	}
	for (unsigned i = 0; i < ix->n_always; i++)
		run(ix->always[i], mark, fn, ud);
}
