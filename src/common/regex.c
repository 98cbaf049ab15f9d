/* SPDX-License-Identifier: MIT */
/*
 * A regex engine whose cost does not depend on how hostile the pattern or the subject is
 * (regex.h; docs/internals/regex.md).
 *
 * Compile: regex-parse.c makes a tree whose nodes know their instruction count, so the
 * program size is checked against ES_REGEX_PROGRAM_MAX during the parse; here the tree is
 * emitted into one array of instructions (Thompson's construction; {m,n} is expanded into
 * copies) and the bytes that can start a match are precomputed.
 *
 * Search: a Pike VM.  The set of live threads (one per program counter at most) advances one
 * subject byte at a time; each thread carries its capture slots.  Adding a thread follows
 * jumps, splits, saves and assertions with an explicit stack (never recursion), and marks
 * each pc once per subject position, so one step costs O(program size) and the search
 * O(len * program size).  Threads are kept in priority order; new ones start at the lowest
 * priority, so the list is also ordered by start position.  When a thread matches, threads
 * that started later are dropped and no new ones are started; the others run on so that the
 * reported match is the leftmost and, of those, the longest (POSIX).  Without groups wanted
 * the first match ends the search.  Memory: two thread lists, a mark and a stack per
 * instruction, allocated per search (size known at compile time).  A compiled regex may be
 * searched from several threads: the only state searches share is the DFA cache, which one
 * search at a time uses (regex-dfa.c).
 *
 * Subjects of some length go first through a lazily built DFA (regex-dfa.c), which answers
 * match or no match with a table lookup per byte; the VM runs only for the groups of a
 * subject that matches, or when the DFA's state cache fills up.
 *
 * Shortcuts: a subject without any of the literals every match contains is rejected with
 * memmem() before the VM runs (regex-lit.c); when no thread is alive, the search skips to the
 * next byte that can start a match (memchr when there is only one such byte); a pattern
 * anchored with ^ stops after position 0.  The VM's arrays live on the stack for programs
 * small enough (RX_VM_LOCAL_WORDS), in one heap block otherwise.
 */
#include "regex.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "regex-int.h"

/* ---- compile ---- */

struct rx_emitter {
	const struct rx_tree *t;
	struct rx_inst *prog;
	uint32_t n;
};

static uint32_t rx_put(struct rx_emitter *em, enum rx_op op, unsigned arg, uint32_t x, uint32_t y)
{
	em->prog[em->n] =
		(struct rx_inst){ .op = (uint8_t)op, .arg = (uint8_t)arg, .x = x, .y = y };
	return em->n++;
}

static void rx_emit(struct rx_emitter *em, uint32_t id);

/*
 * child{min,max}, c = child size:
 *   {0,}      L: split L+1, E; child; jmp L; E:        c + 2
 *   {m,} m>0  child × (m-1); L: child; split L, E; E:   m*c + 1
 *   {m,n}     child × m; (split +1, E; child) × (n-m)   m*c + (n-m)*(c+1)
 */
static void rx_emit_repeat(struct rx_emitter *em, const struct rx_node *n)
{
	uint32_t c = em->t->nodes[n->child].size, at, end;

	if (n->max == RX_INF && n->min == 0) {
		at = rx_put(em, RX_OP_SPLIT, 0, em->n + 1, em->n + c + 2);
		rx_emit(em, n->child);
		rx_put(em, RX_OP_JMP, 0, at, 0);
		return;
	}
	for (unsigned i = 0; i + 1 < n->min; i++)
		rx_emit(em, n->child);
	if (n->max == RX_INF) {
		at = em->n;
		rx_emit(em, n->child);
		rx_put(em, RX_OP_SPLIT, 0, at, em->n + 1);
		return;
	}
	if (n->min > 0)
		rx_emit(em, n->child);
	end = em->n + (uint32_t)(n->max - n->min) * (c + 1);
	for (unsigned i = n->min; i < n->max; i++) {
		rx_put(em, RX_OP_SPLIT, 0, em->n + 1, end);
		rx_emit(em, n->child);
	}
}

/* Recursion follows the tree, whose depth the parser caps (groups × a few node levels). */
static void rx_emit(struct rx_emitter *em, uint32_t id)
{
	const struct rx_node *n = &em->t->nodes[id];
	uint32_t end, split;

	switch ((enum rx_node_type)n->type) {
	case RX_NODE_EMPTY:
	case _RX_NODE_TYPE_MAX:
		break;
	case RX_NODE_BYTE:
		rx_put(em, RX_OP_BYTE, n->arg, n->set, 0);
		break;
	case RX_NODE_SET:
		rx_put(em, RX_OP_SET, 0, n->set, 0);
		break;
	case RX_NODE_ASSERT:
		rx_put(em, RX_OP_ASSERT, n->arg, 0, 0);
		break;
	case RX_NODE_CAT:
		for (uint32_t c = n->child; c != RX_NONE; c = em->t->nodes[c].next)
			rx_emit(em, c);
		break;
	case RX_NODE_ALT:
		end = em->n + n->size;
		for (uint32_t c = n->child; c != RX_NONE; c = em->t->nodes[c].next) {
			if (em->t->nodes[c].next == RX_NONE) {
				rx_emit(em, c);
				break;
			}
			split = rx_put(em, RX_OP_SPLIT, 0, em->n + 1, 0);
			rx_emit(em, c);
			rx_put(em, RX_OP_JMP, 0, end, 0);
			em->prog[split].y = em->n;
		}
		break;
	case RX_NODE_GROUP:
		rx_put(em, RX_OP_SAVE, 2u * n->group, 0, 0);
		rx_emit(em, n->child);
		rx_put(em, RX_OP_SAVE, 2u * n->group + 1, 0, 0);
		break;
	case RX_NODE_REPEAT:
		rx_emit_repeat(em, n);
		break;
	}
}

/*
 * The bytes a match can start with (following jumps, splits, saves and assertions other than
 * ^ from pc 0), whether a match can be empty, and whether every path starts with ^.
 */
static int rx_analyze(struct es_regex *re)
{
	uint32_t *stack = es_calloc(re->n_prog + 1, sizeof(*stack));
	uint8_t *seen = es_calloc(re->n_prog, 1);
	const struct rx_inst *in;
	uint32_t sp = 0, pc, n_first = 0;
	bool empty = false, consumes = false;

	if (!stack || !seen) {
		es_free(stack);
		es_free(seen);
		return -ENOMEM;
	}
	memset(&re->first, 0, sizeof(re->first));
	stack[sp++] = 0;
	while (sp > 0) {
		pc = stack[--sp];
		if (seen[pc])
			continue;
		seen[pc] = 1;
		in = &re->prog[pc];

		switch ((enum rx_op)in->op) {
		case RX_OP_BYTE:
			rx_set_add(&re->first, in->arg);
			rx_set_add(&re->first, (unsigned char)in->x);
			consumes = true;
			break;
		case RX_OP_SET:
			for (int i = 0; i < 4; i++)
				re->first.bits[i] |= re->sets[in->x].bits[i];
			consumes = true;
			break;
		case RX_OP_MATCH:
		case _RX_OP_MAX:
			empty = true;
			break;
		case RX_OP_ASSERT:
			if (in->arg != RX_ASSERT_BOL)
				stack[sp++] = pc + 1;
			break;
		case RX_OP_SPLIT:
			stack[sp++] = in->y;
			stack[sp++] = in->x;
			break;
		case RX_OP_JMP:
			stack[sp++] = in->x;
			break;
		case RX_OP_SAVE:
			stack[sp++] = pc + 1;
			break;
		}
	}
	es_free(stack);
	es_free(seen);
	re->anchored = !empty && !consumes;
	re->can_skip = !empty;
	re->first_byte = -1;
	for (unsigned c = 0; c < 256; c++)
		if (rx_set_has(&re->first, (unsigned char)c) && n_first++ == 0)
			re->first_byte = (int)c;
	if (n_first != 1)
		re->first_byte = -1;
	return 0;
}

int es_regex_compile(const char *pattern, size_t len, unsigned flags, struct es_regex **ret_re,
		     struct es_regex_error *err)
{
	struct rx_tree t;
	struct rx_emitter em;
	struct es_regex *re = NULL;
	int r;

	if (err) {
		err->message[0] = '\0';
		err->offset = 0;
	}
	if ((r = rx_parse(pattern, len, flags, &t, err)) < 0)
		goto out;
	r = -ENOMEM;
	if (!(re = es_calloc(1, sizeof(*re))))
		goto out;
	atomic_init(&re->dfa_busy, false);
	re->n_groups = t.n_groups;
	re->n_prog = t.nodes[t.root].size + 3; /* save 0, body, save 1, match */
	re->prog = es_calloc(re->n_prog, sizeof(*re->prog));
	re->sets = es_calloc(t.n_sets + 1, sizeof(*re->sets));
	if (!re->prog || !re->sets)
		goto out;
	if (t.n_sets)
		memcpy(re->sets, t.sets, t.n_sets * sizeof(*t.sets));
	em = (struct rx_emitter){ .t = &t, .prog = re->prog };
	rx_put(&em, RX_OP_SAVE, 0, 0, 0);
	rx_emit(&em, t.root);
	rx_put(&em, RX_OP_SAVE, 1, 0, 0);
	rx_put(&em, RX_OP_MATCH, 0, 0, 0);
	if ((r = rx_analyze(re)) < 0)
		goto out;
	if (!re->anchored) /* an anchored search stops early anyway */
		rx_required(&t, &re->lits);
	*ret_re = re;
	re = NULL;
out:
	if (r == -ENOMEM && err) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		err->offset = 0;
	}
	rx_tree_done(&t);
	es_regex_free(re);
	return r;
}

unsigned es_regex_n_groups(const struct es_regex *re)
{
	return re ? re->n_groups : 0;
}

void es_regex_free(struct es_regex *re)
{
	if (!re)
		return;
	rx_dfa_free(re->dfa);
	es_free(re->prog);
	es_free(re->sets);
	es_free(re);
}

/* ---- search ---- */

/* Small programs search in a buffer on the stack (8 KiB), larger ones in the heap. */
#define RX_VM_LOCAL_WORDS 1024
/* Subjects from this length are searched with the DFA (regex-dfa.c) when no group is wanted,
 * and first checked with it when groups are (most subjects do not match). */
#define RX_DFA_MIN_LEN 32
#define RX_DFA_FIRST_LEN 256

struct rx_list {
	uint32_t *pc;
	size_t *caps; /* ncap slots per thread */
	size_t n;
};

struct rx_frame {
	uint32_t pc;   /* explore from here, or */
	uint32_t slot; /* != RX_NONE: restore caps[slot] = val */
	size_t val;
};

struct rx_vm {
	const struct es_regex *re;
	const unsigned char *s;
	size_t len, ncap;
	size_t *mark; /* per pc: position + 1 of the list it was last added to */
	struct rx_frame *stack;
	struct rx_list lists[2];
	size_t *seed, *best; /* ncap slots each */
	bool have;
};

static bool rx_assert_ok(const struct rx_vm *vm, unsigned kind, size_t pos)
{
	bool before = pos > 0 && rx_is_word(vm->s[pos - 1]);
	bool after = pos < vm->len && rx_is_word(vm->s[pos]);

	switch ((enum rx_assert)kind) {
	case RX_ASSERT_BOL:
		return pos == 0;
	case RX_ASSERT_EOL:
		return pos == vm->len;
	default:
		return rx_word_assert(kind, before, after);
	}
}

/* Adds the threads reachable from pc at pos without consuming a byte to l, in priority order.
 * caps is changed while exploring and restored before returning. */
static void rx_add(struct rx_vm *vm, struct rx_list *l, uint32_t pc0, size_t *caps, size_t pos)
{
	const struct rx_inst *prog = vm->re->prog;
	size_t sp = 0, gen = pos + 1;

	vm->stack[sp++] = (struct rx_frame){ .pc = pc0, .slot = RX_NONE };
	while (sp > 0) {
		struct rx_frame f = vm->stack[--sp];
		uint32_t pc = f.pc;

		if (f.slot != RX_NONE) {
			caps[f.slot] = f.val;
			continue;
		}
		while (vm->mark[pc] != gen) {
			const struct rx_inst *in = &prog[pc];

			vm->mark[pc] = gen;
			if (in->op == RX_OP_JMP) {
				pc = in->x;
			} else if (in->op == RX_OP_SPLIT) {
				vm->stack[sp++] = (struct rx_frame){ .pc = in->y, .slot = RX_NONE };
				pc = in->x;
			} else if (in->op == RX_OP_SAVE) {
				if (in->arg < vm->ncap) {
					vm->stack[sp++] = (struct rx_frame){ .slot = in->arg,
									     .val = caps[in->arg] };
					caps[in->arg] = pos;
				}
				pc++;
			} else if (in->op == RX_OP_ASSERT) {
				if (!rx_assert_ok(vm, in->arg, pos))
					break;
				pc++;
			} else {
				l->pc[l->n] = pc;
				if (vm->ncap)
					memcpy(l->caps + l->n * vm->ncap, caps,
					       vm->ncap * sizeof(*caps));
				l->n++;
				break;
			}
		}
	}
}

size_t rx_next_start(const struct es_regex *re, const unsigned char *s, size_t len, size_t i)
{
	const unsigned char *p;

	if (re->first_byte >= 0) {
		p = i < len ? memchr(s + i, re->first_byte, len - i) : NULL;
		return p ? (size_t)(p - s) : SIZE_MAX;
	}
	for (; i < len; i++)
		if (rx_set_has(&re->first, s[i]))
			return i;
	return SIZE_MAX;
}

/* Runs the threads of clist over byte i into nlist.  1 when the search is decided (a match
 * and no groups wanted). */
static int rx_step(struct rx_vm *vm, struct rx_list *clist, struct rx_list *nlist, size_t i)
{
	const struct es_regex *re = vm->re;
	int c = i < vm->len ? vm->s[i] : -1;

	nlist->n = 0;
	for (size_t t = 0; t < clist->n; t++) {
		const struct rx_inst *in = &re->prog[clist->pc[t]];
		size_t *caps = clist->caps + t * vm->ncap;
		bool ok;

		if (vm->ncap && vm->have && caps[0] > vm->best[0])
			continue; /* started after the match found: cannot be the leftmost */
		if (in->op == RX_OP_MATCH) {
			if (!vm->ncap)
				return 1;
			if (!vm->have || caps[0] < vm->best[0] ||
			    (caps[0] == vm->best[0] && caps[1] > vm->best[1]))
				memcpy(vm->best, caps, vm->ncap * sizeof(*caps));
			vm->have = true;
			continue;
		}
		if (c < 0)
			continue;
		if (in->op == RX_OP_BYTE)
			ok = c == in->arg || c == (int)in->x;
		else
			ok = rx_set_has(&re->sets[in->x], (unsigned char)c);
		if (ok)
			rx_add(vm, nlist, clist->pc[t] + 1, caps, i + 1);
	}
	return 0;
}

static int rx_run(struct rx_vm *vm)
{
	const struct es_regex *re = vm->re;
	struct rx_list *clist = &vm->lists[0], *nlist = &vm->lists[1], *tmp;

	clist->n = 0;
	for (size_t i = 0;; i++) {
		if (!vm->have && (i == 0 || !re->anchored)) {
			if (clist->n == 0 && i > 0 && re->can_skip &&
			    (i = rx_next_start(re, vm->s, vm->len, i)) == SIZE_MAX)
				break;
			for (size_t k = 0; k < vm->ncap; k++)
				vm->seed[k] = SIZE_MAX;
			rx_add(vm, clist, 0, vm->seed, i);
		}
		if (clist->n == 0) {
			if (vm->have || re->anchored || i >= vm->len)
				break;
			continue; /* a match may still start further on */
		}
		if (rx_step(vm, clist, nlist, i))
			return 1;
		if (i >= vm->len)
			break;
		tmp = clist;
		clist = nlist;
		nlist = tmp;
	}
	return vm->have;
}

/* Bytes of the VM's arrays for a program of n_prog instructions and ncap capture slots. */
static size_t rx_vm_size(size_t n_prog, size_t ncap)
{
	size_t words = n_prog /* mark */ + 2 * n_prog * ncap /* caps */ + 2 * ncap /* seed, best */;

	return words * sizeof(size_t) + (n_prog + 1) * sizeof(struct rx_frame) +
	       2 * n_prog * sizeof(uint32_t);
}

/* Carves the VM's arrays out of mem (rx_vm_size() bytes, size_t-aligned) and clears marks. */
static void rx_vm_init(struct rx_vm *vm, size_t n_prog, char *mem)
{
	size_t ncap = vm->ncap;
	char *p = mem;

	vm->mark = (size_t *)p;
	memset(vm->mark, 0, n_prog * sizeof(size_t));
	p += n_prog * sizeof(size_t);
	vm->stack = (struct rx_frame *)p;
	p += (n_prog + 1) * sizeof(struct rx_frame);
	for (int k = 0; k < 2; k++) {
		vm->lists[k].caps = (size_t *)p;
		p += n_prog * ncap * sizeof(size_t);
	}
	vm->seed = (size_t *)p;
	p += ncap * sizeof(size_t);
	vm->best = (size_t *)p;
	p += ncap * sizeof(size_t);
	for (int k = 0; k < 2; k++) {
		vm->lists[k].pc = (uint32_t *)p;
		p += n_prog * sizeof(uint32_t);
	}
}

static void rx_groups_fill(const struct rx_vm *vm, int r, unsigned want,
			   struct es_regex_match *groups, unsigned n_groups)
{
	for (unsigned g = 0; groups && g < n_groups; g++) {
		bool set = r == 1 && g < want && vm->best[2 * g] != SIZE_MAX &&
			   vm->best[2 * g + 1] != SIZE_MAX;

		groups[g] = (struct es_regex_match){
			.start = set ? vm->best[2 * g] : 0,
			.end = set ? vm->best[2 * g + 1] : 0,
			.matched = set,
		};
	}
}

int es_regex_search(const struct es_regex *re, const char *s, size_t len,
		    struct es_regex_match *groups, unsigned n_groups)
{
	struct rx_vm vm = { .re = re, .s = (const unsigned char *)s, .len = len };
	unsigned want = groups ? n_groups : 0;
	size_t local[RX_VM_LOCAL_WORDS], size;
	char *mem = (char *)local;
	int r;

	if (!re || (!s && len))
		return -EINVAL;
	if (want > re->n_groups)
		want = re->n_groups;
	vm.ncap = 2 * (size_t)want;
	if (!rx_lits_found(&re->lits, vm.s, len)) {
		rx_groups_fill(&vm, 0, 0, groups, n_groups);
		return 0;
	}
	if (len >= (want ? RX_DFA_FIRST_LEN : RX_DFA_MIN_LEN)) {
		r = rx_dfa_search(re, vm.s, len); /* -E2BIG: its cache is full, the VM decides */
		if (r == -ENOMEM || r == 0 || (r == 1 && !want)) {
			rx_groups_fill(&vm, 0, 0, groups, n_groups);
			return r;
		}
	}
	size = rx_vm_size(re->n_prog, vm.ncap);
	if (size > sizeof(local) && !(mem = es_malloc(size)))
		return -ENOMEM;
	rx_vm_init(&vm, re->n_prog, mem);
	r = rx_run(&vm);
	rx_groups_fill(&vm, r, want, groups, n_groups);
	if (mem != (char *)local)
		es_free(mem);
	return r;
}
