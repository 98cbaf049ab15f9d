/* SPDX-License-Identifier: MIT */
/*
 * Regex match/no-match with a lazily built DFA, for searches that need no groups (and as the
 * first pass of those that do).  The Pike VM (regex.c) pays for every live thread at every
 * byte; here a set of threads is a DFA state, built the first time it is reached and then
 * followed with one table lookup per byte.
 *
 * A state is the sorted list of program counters reached right after consuming a byte (the
 * "kernel", before following jumps and splits), plus what assertions need to know about the
 * past: whether the previous byte was a word byte (only for programs with word assertions,
 * else states would split on it for nothing), whether this is position 0.  The step on
 * byte c follows the kernel (and pc 0, where a match may start here) through jumps, splits,
 * saves and assertions, which c decides (\b, $), and keeps the instructions that accept c.
 * Reaching MATCH on the way is a match (any match will do, so it ends the search).
 *
 * The states are kept with the compiled regex (es_regex.dfa) from one search to the next, so
 * a rule's regex soon runs on states already built.  Only one search at a time uses that
 * cache (es_regex.dfa_busy, an atomic flag); a search from another thread meanwhile builds a
 * private one and frees it.
 *
 * Bounds: at most RX_DFA_STATES states and RX_DFA_POOL kernel entries (about 100 KiB at
 * worst, through es_malloc); when they are full the search gives up with -E2BIG, the caller
 * runs the VM, and the cache is emptied for the next search, so the total stays linear.
 * Building a state costs O(program size); each byte then costs O(1).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "regex-int.h"

#define RX_DFA_STATES 128     /* states per regex (528 bytes each) */
#define RX_DFA_POOL 8192      /* kernel entries (uint32) over all states */
#define RX_DFA_HASH 512	      /* open-addressing slots, > 2 × RX_DFA_STATES */
#define RX_DFA_UNKNOWN (-1)   /* transition not computed yet */
#define RX_DFA_FOUND (-2)     /* the step reaches MATCH */
#define RX_DFA_PREV_WORD 0x1u /* the byte before was a word byte */
#define RX_DFA_AT_START 0x2u  /* position 0 */

struct rx_dstate {
	uint32_t kernel, n_kernel; /* in pool */
	uint32_t hash;
	unsigned flags;
	int16_t next[256];
};

struct rx_dfa {
	const struct es_regex *re;
	struct rx_dstate *states;
	size_t n_states, cap_states;
	uint32_t *pool;
	size_t n_pool, cap_pool;
	int16_t slots[RX_DFA_HASH]; /* state index + 1, 0 = free */
	unsigned word_flag; /* RX_DFA_PREV_WORD if the program has \b, \B, \< or \>, else 0 */
	/* closure work arrays, n_prog each */
	uint32_t *mark, gen, *stack, *list, *kernel;
};

static uint32_t rx_dfa_hash(const uint32_t *k, size_t n, unsigned flags)
{
	uint32_t h = 2166136261u ^ flags;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static bool rx_dfa_grow(void **v, size_t *cap, size_t need, size_t elem, size_t max)
{
	size_t ncap = *cap ? *cap : 16;
	void *nv;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	if (ncap > max)
		ncap = max;
	if (need > ncap || !(nv = es_realloc(*v, ncap * elem)))
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

/* The state with this kernel and flags, made if new: its index, or -E2BIG / -ENOMEM. */
static int rx_dfa_state(struct rx_dfa *d, const uint32_t *k, size_t n, unsigned flags)
{
	uint32_t h = rx_dfa_hash(k, n, flags);
	size_t slot = h % RX_DFA_HASH;
	struct rx_dstate *st;

	for (; d->slots[slot]; slot = (slot + 1) % RX_DFA_HASH) {
		st = &d->states[d->slots[slot] - 1];
		if (st->hash == h && st->flags == flags && st->n_kernel == n &&
		    (n == 0 || memcmp(d->pool + st->kernel, k, n * sizeof(*k)) == 0))
			return d->slots[slot] - 1;
	}
	if (d->n_states >= RX_DFA_STATES || d->n_pool + n > RX_DFA_POOL)
		return -E2BIG;
	if (!rx_dfa_grow((void **)&d->states, &d->cap_states, d->n_states + 1, sizeof(*st),
			 RX_DFA_STATES) ||
	    !rx_dfa_grow((void **)&d->pool, &d->cap_pool, d->n_pool + n + 1, sizeof(*k),
			 RX_DFA_POOL + 1))
		return -ENOMEM;
	st = &d->states[d->n_states];
	st->kernel = (uint32_t)d->n_pool;
	st->n_kernel = (uint32_t)n;
	st->hash = h;
	st->flags = flags;
	memset(st->next, 0xff, sizeof(st->next)); /* RX_DFA_UNKNOWN */
	if (n)
		memcpy(d->pool + d->n_pool, k, n * sizeof(*k));
	d->n_pool += n;
	d->slots[slot] = (int16_t)(d->n_states + 1);
	return (int)d->n_states++;
}

static bool rx_dfa_assert(unsigned kind, unsigned flags, int next)
{
	bool before = flags & RX_DFA_PREV_WORD,
	     after = next >= 0 && rx_is_word((unsigned char)next);

	switch ((enum rx_assert)kind) {
	case RX_ASSERT_BOL:
		return flags & RX_DFA_AT_START;
	case RX_ASSERT_EOL:
		return next < 0;
	default:
		return rx_word_assert(kind, before, after);
	}
}

/*
 * Follows the kernel of state sid (and pc 0 when a match may start here) through everything
 * that consumes no byte, next being the byte that comes (-1 at the end).  The instructions
 * that consume a byte go to d->list; returns whether MATCH was reached.
 */
static bool rx_dfa_closure(struct rx_dfa *d, int sid, int next, size_t *ret_n)
{
	const struct es_regex *re = d->re;
	const struct rx_dstate *st = &d->states[sid];
	size_t n = 0, sp = 0, nk = st->n_kernel;
	bool seed = !re->anchored || (st->flags & RX_DFA_AT_START), match = false;
	uint32_t gen = ++d->gen;

	if (gen == 0) { /* wrapped: no mark may look current */
		memset(d->mark, 0, d->re->n_prog * sizeof(*d->mark));
		gen = d->gen = 1;
	}

	for (size_t k = 0; k < nk + seed; k++) {
		d->stack[sp++] = k < nk ? d->pool[d->states[sid].kernel + k] : 0;
		while (sp > 0) {
			uint32_t pc = d->stack[--sp];

			while (d->mark[pc] != gen) {
				const struct rx_inst *in = &re->prog[pc];

				d->mark[pc] = gen;
				if (in->op == RX_OP_JMP) {
					pc = in->x;
				} else if (in->op == RX_OP_SPLIT) {
					d->stack[sp++] = in->y;
					pc = in->x;
				} else if (in->op == RX_OP_SAVE) {
					pc++;
				} else if (in->op == RX_OP_ASSERT) {
					if (!rx_dfa_assert(in->arg, st->flags, next))
						break;
					pc++;
				} else {
					if (in->op == RX_OP_MATCH)
						match = true;
					else
						d->list[n++] = pc;
					break;
				}
			}
		}
	}
	*ret_n = n;
	return match;
}

static int rx_dfa_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The transition of state sid on byte c: a state index, RX_DFA_FOUND, or -E2BIG/-ENOMEM. */
static int rx_dfa_step(struct rx_dfa *d, int sid, unsigned char c)
{
	const struct es_regex *re = d->re;
	size_t n, nk = 0;
	int next;

	if (rx_dfa_closure(d, sid, c, &n)) {
		d->states[sid].next[c] = RX_DFA_FOUND;
		return RX_DFA_FOUND;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rx_inst *in = &re->prog[d->list[i]];
		bool ok = in->op == RX_OP_BYTE ? c == in->arg || c == in->x
					       : rx_set_has(&re->sets[in->x], c);

		if (ok)
			d->kernel[nk++] = d->list[i] + 1; /* distinct: list has each pc once */
	}
	if (nk > 16) {
		qsort(d->kernel, nk, sizeof(*d->kernel), rx_dfa_cmp);
	} else {
		for (size_t i = 1; i < nk; i++)
			for (size_t j = i; j > 0 && d->kernel[j - 1] > d->kernel[j]; j--) {
				uint32_t x = d->kernel[j];

				d->kernel[j] = d->kernel[j - 1];
				d->kernel[j - 1] = x;
			}
	}
	next = rx_dfa_state(d, d->kernel, nk, rx_is_word(c) ? d->word_flag : 0);
	if (next >= 0)
		d->states[sid].next[c] = (int16_t)next;
	return next;
}

/*
 * Where no thread is alive (an empty kernel, past position 0), the next position a match can
 * start at, and the state there; 0 when there is none, or -E2BIG/-ENOMEM.
 */
static int rx_dfa_skip(struct rx_dfa *d, const unsigned char *s, size_t len, size_t *i, int *sid)
{
	if ((*i = rx_next_start(d->re, s, len, *i)) == SIZE_MAX)
		return 0;
	*sid = rx_dfa_state(d, NULL, 0, *i > 0 && rx_is_word(s[*i - 1]) ? d->word_flag : 0);
	return *sid < 0 ? *sid : 1;
}

static int rx_dfa_run(struct rx_dfa *d, const unsigned char *s, size_t len)
{
	const struct es_regex *re = d->re;
	int sid = rx_dfa_state(d, NULL, 0, RX_DFA_AT_START), t, r;
	const int16_t *next;
	size_t i = 0, n;

	if (sid < 0)
		return sid;
	next = d->states[sid].next;
	while (i < len) {
		t = next[s[i]];
		if (t < 0 && (t == RX_DFA_FOUND || (t = rx_dfa_step(d, sid, s[i])) < 0))
			return t == RX_DFA_FOUND ? 1 : t;
		i++;
		if (t == sid)
			continue;
		sid = t;
		if (d->states[sid].n_kernel == 0) { /* no thread alive */
			if (re->anchored)
				return 0;
			if (re->can_skip && (r = rx_dfa_skip(d, s, len, &i, &sid)) <= 0)
				return r;
		}
		next = d->states[sid].next;
	}
	return rx_dfa_closure(d, sid, -1, &n);
}

static struct rx_dfa *rx_dfa_new(const struct es_regex *re)
{
	struct rx_dfa *d = es_calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->re = re;
	d->mark = es_calloc((size_t)re->n_prog * 4 + 1, sizeof(uint32_t));
	if (!d->mark) {
		es_free(d);
		return NULL;
	}
	d->stack = d->mark + re->n_prog;
	d->list = d->stack + re->n_prog + 1;
	d->kernel = d->list + re->n_prog;
	for (uint32_t pc = 0; pc < re->n_prog; pc++)
		if (re->prog[pc].op == RX_OP_ASSERT && re->prog[pc].arg != RX_ASSERT_BOL &&
		    re->prog[pc].arg != RX_ASSERT_EOL)
			d->word_flag = RX_DFA_PREV_WORD;
	return d;
}

void rx_dfa_free(struct rx_dfa *d)
{
	if (!d)
		return;
	es_free(d->mark);
	es_free(d->states);
	es_free(d->pool);
	es_free(d);
}

/* Forgets every state (the arrays stay allocated). */
static void rx_dfa_reset(struct rx_dfa *d)
{
	d->n_states = 0;
	d->n_pool = 0;
	memset(d->slots, 0, sizeof(d->slots));
}

int rx_dfa_search(const struct es_regex *re, const unsigned char *s, size_t len)
{
	/* The cache is the one part of a compiled regex that searches change; a search that
	 * finds it in use (another thread) builds a private one. */
	struct es_regex *cache_owner = (struct es_regex *)re;
	struct rx_dfa *d;
	int r;

	if (atomic_exchange(&cache_owner->dfa_busy, true)) {
		if (!(d = rx_dfa_new(re)))
			return -ENOMEM;
		r = rx_dfa_run(d, s, len);
		rx_dfa_free(d);
		return r;
	}
	if (!cache_owner->dfa)
		cache_owner->dfa = rx_dfa_new(re);
	if ((d = cache_owner->dfa) == NULL) {
		r = -ENOMEM;
	} else if ((r = rx_dfa_run(d, s, len)) == -E2BIG) {
		rx_dfa_reset(d); /* full: the VM decides this one, the next starts afresh */
	}
	atomic_store(&cache_owner->dfa_busy, false);
	return r;
}
