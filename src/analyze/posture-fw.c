/* SPDX-License-Identifier: MIT */
/*
 * The firewall as host posture sees it: a digest of the latest FirewallConfiguration event
 * (docs/firewall.md describes its items), and two of the judgements over it
 * (docs/posture.md); the third, the reachability of a port, is in posture-reach.c.
 *
 *   - default policy per hook and address family: a base chain drops by default when its
 *     policy is drop or it holds an unconditional drop/reject (firewalld's final reject),
 *     directly or in a chain it always jumps to.  Several base chains on one hook all see a
 *     packet, so one that drops by default is enough;
 *   - permissive rules: accept with no source restriction and no port restriction (input),
 *     or no destination restriction (output), in a base chain on that hook or a chain it
 *     reaches through jump/goto.  Docker's chains hang off FORWARD and are never judged.
 *
 * Owns: the chains, rules and candidates of the last event, each array bounded
 * (PFW_*_MAX); beyond a bound the digest is incomplete, which makes reachability at best
 * "may be reachable" and suppresses resolutions.  Nothing is executed and nothing logged.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/str.h"
#include "posture-int.h"

/* ---- digest ---- */

struct pfw *pfw_new(void)
{
	struct pfw *f = es_calloc(1, sizeof(*f));

	return f;
}

struct pfw *pfw_free(struct pfw *f)
{
	if (!f)
		return NULL;
	es_free(f->chains);
	es_free(f->rules);
	es_free(f->cands);
	es_free(f);
	return NULL;
}

void pfw_begin(struct pfw *f)
{
	f->n_chains = f->n_rules = f->n_cands = 0;
	f->complete = true;
	f->current_skipped = false;
	f->dropped = 0;
}

bool pfw_complete(const struct pfw *f)
{
	return f->seen && f->complete;
}

bool pfw_seen(const struct pfw *f)
{
	return f->seen;
}

uint64_t pfw_dropped(const struct pfw *f)
{
	return f->dropped;
}

/* Grows *arr (elem bytes each) to hold one more, up to max; false when full or no memory. */
static bool grow(void **arr, unsigned *cap, unsigned n, unsigned max, size_t elem)
{
	unsigned ncap;
	void *p;

	if (n < *cap)
		return true;
	if (n >= max)
		return false;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	p = es_realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static uint8_t hook_from(const char *h)
{
	if (!*h)
		return PFW_HOOK_NONE;
	if (!strcmp(h, "input"))
		return PFW_HOOK_INPUT;
	if (!strcmp(h, "forward"))
		return PFW_HOOK_FORWARD;
	if (!strcmp(h, "output"))
		return PFW_HOOK_OUTPUT;
	return PFW_HOOK_OTHER;
}

static uint8_t afs_from(const char *family)
{
	if (!strcmp(family, "ip"))
		return PFW_AF_V4;
	if (!strcmp(family, "ip6"))
		return PFW_AF_V6;
	if (!strcmp(family, "inet"))
		return PFW_AF_V4 | PFW_AF_V6;
	return 0;
}

/* The chain an item belongs to: the current one, or a new one; NULL when full. */
static struct pfw_chain *chain_for(struct pfw *f, const struct pfw_item *it)
{
	const char *backend = it->backend[0] ? it->backend : "nftables";
	uint64_t th = pfw_hash_str(pfw_hash_str(pfw_hash_str(PFW_HASH_INIT, backend), it->family),
				   it->table);
	uint64_t nh = pfw_hash_str(PFW_HASH_INIT, it->chain);
	struct pfw_chain *ch;

	if (f->n_chains) {
		ch = &f->chains[f->n_chains - 1];
		if (ch->table_hash == th && ch->name_hash == nh)
			return f->current_skipped ? NULL : ch;
	}
	if (!grow((void **)&f->chains, &f->cap_chains, f->n_chains, PFW_CHAINS_MAX,
		  sizeof(*f->chains))) {
		f->complete = false;
		f->dropped++;
		f->current_skipped = true;
		return NULL;
	}
	f->current_skipped = false;
	ch = &f->chains[f->n_chains++];
	memset(ch, 0, sizeof(*ch));
	ch->table_hash = th;
	ch->name_hash = nh;
	ch->hook = hook_from(it->hook);
	ch->base = it->hook[0] != '\0';
	ch->afs = afs_from(it->family);
	ch->policy = PFW_V_NONE;
	ch->first = f->n_rules;
	/* "ip filter INPUT (nftables)"; long names are cut (the label is evidence only) */
	ch->label[0] = '\0';
	pst_append(ch->label, sizeof(ch->label), it->family);
	pst_append(ch->label, sizeof(ch->label), " ");
	pst_append(ch->label, sizeof(ch->label), it->table);
	pst_append(ch->label, sizeof(ch->label), " ");
	pst_append(ch->label, sizeof(ch->label), it->chain);
	pst_append(ch->label, sizeof(ch->label), " (");
	pst_append(ch->label, sizeof(ch->label), backend);
	pst_append(ch->label, sizeof(ch->label), ")");
	return ch;
}

/* ---- permissive-rule candidates ---- */

#define PFW_CL_PERMISSIVE_IN                                                                       \
	(PFW_CL_IIF_NOT_LO | PFW_CL_IIF_OTHER | PFW_CL_CT_NEW | PFW_CL_LIMIT | PFW_CL_NEUTRAL |    \
	 PFW_CL_NF_V4 | PFW_CL_NF_V6)
#define PFW_CL_PERMISSIVE_OUT                                                                      \
	(PFW_CL_OIF_OTHER | PFW_CL_CT_NEW | PFW_CL_LIMIT | PFW_CL_NEUTRAL | PFW_CL_NF_V4 |         \
	 PFW_CL_NF_V6)
#define PORTS_BROAD 1024u /* a port match covering this many ports restricts nothing */

static bool broad_shape(const struct pfw_rule *r)
{
	if (r->verdict != PFW_V_ACCEPT || r->truncated)
		return false;
	if (r->proto_kind == PFW_SET_UNKNOWN ||
	    (r->proto_kind == PFW_SET_LIST && !r->proto_neg && !(r->proto_mask & ~PFW_PROTO_ICMP)))
		return false; /* ICMP only, or not known */
	if (r->dport.kind == PFW_SET_UNKNOWN ||
	    (r->dport.kind == PFW_SET_LIST && pfw_ports_covered(&r->dport) < PORTS_BROAD))
		return false;
	return true;
}

static void rule_text(const struct pfw_item *it, char *out, size_t size)
{
	static const char *const names[] = { "protocol ", "saddr ", "daddr ", "sport ", "dport " };
	const char *vals[] = { it->protocol, it->saddr, it->daddr, it->sport, it->dport };

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
		if (!vals[i][0])
			continue;
		if (out[0])
			pst_append(out, size, "; ");
		pst_append(out, size, names[i]);
		pst_append(out, size, vals[i]);
	}
	if (it->unmapped[0]) {
		if (out[0])
			pst_append(out, size, "; ");
		pst_append(out, size, it->unmapped);
	}
	if (out[0])
		pst_append(out, size, "; ");
	pst_append(out, size, "accept");
}

static void candidate_add(struct pfw *f, const struct pfw_chain *ch, const struct pfw_rule *r,
			  const struct pfw_item *it)
{
	bool in = broad_shape(r) && (r->src == PFW_ADDR_ANY || r->src == PFW_ADDR_NEG) &&
		  (r->clauses & ~PFW_CL_PERMISSIVE_IN) == 0;
	bool out = broad_shape(r) && (r->dst == PFW_ADDR_ANY || r->dst == PFW_ADDR_NEG) &&
		   (r->clauses & ~PFW_CL_PERMISSIVE_OUT) == 0;
	struct pfw_candidate *c;
	char keytext[1400], name[96], hex[17];
	uint8_t key[16];

	if (!in && !out)
		return;
	if (!grow((void **)&f->cands, &f->cap_cands, f->n_cands, PFW_CANDIDATES_MAX,
		  sizeof(*f->cands))) {
		f->complete = false;
		f->dropped++;
		return;
	}
	c = &f->cands[f->n_cands++];
	memset(c, 0, sizeof(*c));
	c->chain = (unsigned)(ch - f->chains);
	c->in_shape = in;
	c->out_shape = out;
	c->priority = it->priority;
	str_copy(c->label, sizeof(c->label), ch->label);
	rule_text(it, c->rule, sizeof(c->rule));
	keytext[0] = '\0'; /* the full names: labels and paths may be cut */
	pst_append(keytext, sizeof(keytext), it->backend[0] ? it->backend : "nftables");
	pst_append(keytext, sizeof(keytext), "\n");
	pst_append(keytext, sizeof(keytext), it->family);
	pst_append(keytext, sizeof(keytext), "\n");
	pst_append(keytext, sizeof(keytext), it->table);
	pst_append(keytext, sizeof(keytext), "\n");
	pst_append(keytext, sizeof(keytext), it->chain);
	pst_append(keytext, sizeof(keytext), "\n");
	pst_append(keytext, sizeof(keytext), c->rule);
	pst_fingerprint(keytext, strlen(keytext), key);
	memcpy(c->key, key, sizeof(c->key));
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	c->path_tail[0] = '\0';
	pst_pointer_escape(name, sizeof(name), it->family);
	pst_append(c->path_tail, sizeof(c->path_tail), name);
	pst_append(c->path_tail, sizeof(c->path_tail), "/");
	pst_pointer_escape(name, sizeof(name), it->table);
	pst_append(c->path_tail, sizeof(c->path_tail), name);
	pst_append(c->path_tail, sizeof(c->path_tail), "/");
	pst_pointer_escape(name, sizeof(name), it->chain);
	pst_append(c->path_tail, sizeof(c->path_tail), name);
	pst_append(c->path_tail, sizeof(c->path_tail), "/");
	pst_append(c->path_tail, sizeof(c->path_tail), hex);
}

void pfw_add(struct pfw *f, const struct pfw_item *it)
{
	struct pfw_chain *ch = chain_for(f, it);
	struct pfw_rule *r;

	if (!ch)
		return;
	if (it->policy) {
		ch->base = true;
		if (!strcmp(it->action, "Allow"))
			ch->policy = PFW_V_ACCEPT;
		else if (!strcmp(it->action, "Deny"))
			ch->policy = PFW_V_DENY;
		return;
	}
	if (!grow((void **)&f->rules, &f->cap_rules, f->n_rules, PFW_RULES_MAX,
		  sizeof(*f->rules))) {
		f->complete = false;
		f->dropped++;
		return;
	}
	r = &f->rules[f->n_rules++];
	pfw_rule_parse(r, it);
	ch->n++;
	candidate_add(f, ch, r, it);
}

/* Marks every chain reachable from chain ci (jump/goto targets, same table). */
static void mark_reach(struct pfw *f, unsigned ci, uint8_t bit, unsigned depth)
{
	struct pfw_chain *ch = &f->chains[ci];

	if ((ch->reach & bit) || depth > PFW_DEPTH_MAX)
		return;
	ch->reach |= bit;
	for (uint32_t k = 0; k < ch->n; k++) {
		const struct pfw_rule *r = &f->rules[ch->first + k];

		if (r->target != UINT32_MAX)
			mark_reach(f, r->target, bit, depth + 1);
	}
}

static void resolve_targets(struct pfw *f)
{
	for (unsigned c = 0; c < f->n_chains; c++) {
		const struct pfw_chain *ch = &f->chains[c];

		for (uint32_t k = 0; k < ch->n; k++) {
			struct pfw_rule *r = &f->rules[ch->first + k];

			if (r->verdict != PFW_V_JUMP && r->verdict != PFW_V_GOTO)
				continue;
			for (unsigned t = 0; t < f->n_chains && r->target == UINT32_MAX; t++)
				if (f->chains[t].table_hash == ch->table_hash &&
				    f->chains[t].name_hash == r->target_hash && !f->chains[t].base)
					r->target = t;
		}
	}
}

void pfw_end(struct pfw *f)
{
	f->seen = true;
	resolve_targets(f);
	for (unsigned c = 0; c < f->n_chains; c++) {
		if (!f->chains[c].base)
			continue;
		if (f->chains[c].hook == PFW_HOOK_INPUT)
			mark_reach(f, c, 1, 0);
		else if (f->chains[c].hook == PFW_HOOK_OUTPUT)
			mark_reach(f, c, 2, 0);
	}
	for (unsigned i = 0; i < f->n_cands; i++) {
		struct pfw_candidate *c = &f->cands[i];

		c->in = c->in_shape && (f->chains[c->chain].reach & 1);
		c->out = c->out_shape && (f->chains[c->chain].reach & 2);
	}
}

size_t pfw_candidates(const struct pfw *f, const struct pfw_candidate **ret)
{
	*ret = f->cands;
	return f->n_cands;
}

/* ---- default policy ---- */

/* An unconditional drop/reject in the chain, or in one it always jumps to, before anything
 * unconditional that ends the chain otherwise. */
static bool drops_by_rule(const struct pfw *f, unsigned ci, unsigned depth)
{
	const struct pfw_chain *ch = &f->chains[ci];

	if (depth > PFW_DEPTH_MAX)
		return false;
	for (uint32_t k = 0; k < ch->n; k++) {
		const struct pfw_rule *r = &f->rules[ch->first + k];

		if (!pfw_unconditional(r))
			continue;
		if (r->verdict == PFW_V_DENY)
			return true;
		if ((r->verdict == PFW_V_JUMP || r->verdict == PFW_V_GOTO) &&
		    r->target != UINT32_MAX && drops_by_rule(f, r->target, depth + 1))
			return true;
		if (r->verdict != PFW_V_NONE && r->verdict != PFW_V_JUMP)
			return false; /* accept, return, queue, goto: the chain ends here */
	}
	return false;
}

static bool drops_by_default(const struct pfw *f, unsigned ci)
{
	return f->chains[ci].policy == PFW_V_DENY || drops_by_rule(f, ci, 0);
}

unsigned pfw_policy_permissive(const struct pfw *f, enum pfw_hook h,
			       const struct posture_host *host, char *chains, size_t chains_size)
{
	unsigned deny = 0, afs = PFW_AF_V4 | PFW_AF_V6;

	chains[0] = '\0';
	for (unsigned c = 0; c < f->n_chains; c++) {
		const struct pfw_chain *ch = &f->chains[c];
		bool d;

		if (!ch->base || ch->hook != h)
			continue;
		d = drops_by_default(f, c);
		if (d)
			deny |= ch->afs;
		if (chains[0])
			pst_append(chains, chains_size, "; ");
		pst_append(chains, chains_size, ch->label);
		pst_append(chains, chains_size,
			   ch->policy == PFW_V_DENY ? " policy drop"
			   : d ? " policy accept, ends in an unconditional drop"
			   : ch->policy == PFW_V_ACCEPT ? " policy accept"
							: " policy unknown");
	}
	if (!chains[0])
		pst_append(chains, chains_size, "no base chain on this hook");
	if (host && host->known) {
		if (host->ipv6_disabled)
			afs &= ~PFW_AF_V6;
		if (h == PFW_HOOK_FORWARD && !host->ipv4_forwarding)
			afs &= ~PFW_AF_V4;
		if (h == PFW_HOOK_FORWARD && !host->ipv6_forwarding)
			afs &= ~PFW_AF_V6;
	}
	return afs & ~deny;
}

/* ---- observing ---- */

static void fw_value(struct pfw_item *it, const struct event_value *v)
{
	static const struct {
		const char *key;
		size_t off, size;
	} extras[] = {
#define X(k, f) { k, offsetof(struct pfw_item, f), sizeof(((struct pfw_item *)0)->f) }
		X("Backend", backend), X("Table", table),     X("Family", family),
		X("Hook", hook),       X("Verdict", verdict), X("Unmapped", unmapped),
#undef X
	};
	static const struct {
		unsigned field;
		size_t off, size;
	} fields[] = {
#define F(k, f) { k, offsetof(struct pfw_item, f), sizeof(((struct pfw_item *)0)->f) }
		F(FW_CHAIN_NAME, chain),	  F(FW_ACTION, action),
		F(FW_PROTOCOL, protocol),	  F(FW_SOURCE_ADDRESS, saddr),
		F(FW_DESTINATION_ADDRESS, daddr), F(FW_SOURCE_PORT, sport),
		F(FW_DESTINATION_PORT, dport),
#undef F
	};

	if (v->kind == EVENT_VALUE_FIELD && v->field == FW_PRIORITY) {
		it->priority = v->i;
		return;
	}
	for (size_t i = 0; v->kind == EVENT_VALUE_FIELD && i < ARRAY_SIZE(fields); i++)
		if (v->field == fields[i].field)
			pst_vcopy((char *)it + fields[i].off, fields[i].size, v, &it->truncated);
	for (size_t i = 0; v->kind == EVENT_VALUE_EXTRA && i < ARRAY_SIZE(extras); i++)
		if (pst_key_is(v, extras[i].key))
			pst_vcopy((char *)it + extras[i].off, extras[i].size, v, &it->truncated);
	if (pst_key_is(v, "Policy"))
		it->policy = pst_val_is(v, "true");
	else if (pst_key_is(v, "Truncated"))
		it->truncated |= pst_val_is(v, "true");
}

void pst_observe_firewall(struct posture *p, const struct event *e)
{
	struct pfw_item *it = es_malloc(sizeof(*it));
	struct event_cursor c;
	struct event_value v;
	bool item = false;

	if (!it) {
		p->stats.errors++;
		return; /* the previous digest stays */
	}
	pfw_begin(p->fw);
	event_cursor_init(&c, e);
	for (;;) {
		int more = event_cursor_next(&c, &v);

		if ((!more || v.kind == EVENT_VALUE_ITEM) && item)
			pfw_add(p->fw, it);
		if (!more)
			break;
		if (v.kind == EVENT_VALUE_ITEM) {
			memset(it, 0, sizeof(*it));
			item = true;
		} else {
			fw_value(it, &v);
		}
	}
	pfw_end(p->fw);
	p->stats.inputs_dropped += pfw_dropped(p->fw);
	es_free(it);
}

/* ---- HOST002, HOST003, HOST004 ---- */

static const char *const hook_names[_PFW_HOOK_MAX] = {
	[PFW_HOOK_INPUT] = "input", [PFW_HOOK_FORWARD] = "forward", [PFW_HOOK_OUTPUT] = "output"
};

static const char *families_text(unsigned afs)
{
	return afs == (PFW_AF_V4 | PFW_AF_V6) ? "IPv4,IPv6" : afs == PFW_AF_V4 ? "IPv4" : "IPv6";
}

void pst_eval_policy(struct posture *p, const struct posture_host *host)
{
	static const enum pfw_hook hooks[] = { PFW_HOOK_INPUT, PFW_HOOK_FORWARD, PFW_HOOK_OUTPUT };
	char chains[1024], path[64], fptext[96], msg[1400];
	uint8_t fp[16];

	if (!p->enabled[POSTURE_FIREWALL_POLICY] || !pfw_seen(p->fw))
		return;
	pst_diff_begin(p, POSTURE_FIREWALL_POLICY);
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		unsigned afs = pfw_policy_permissive(p->fw, hooks[i], host, chains, sizeof(chains));
		const char *hook = hook_names[hooks[i]];

		if (!afs)
			continue;
		snprintf(path, sizeof(path), "/firewall/policy/%s", hook);
		snprintf(fptext, sizeof(fptext), "%s|%u", path, afs);
		pst_fingerprint(fptext, strlen(fptext), fp);
		if (!pst_diff_offer(p, POSTURE_FIREWALL_POLICY, path, fp))
			continue;
		snprintf(msg, sizeof(msg), "The %s hook accepts %s traffic by default: %s.", hook,
			 afs == (PFW_AF_V4 | PFW_AF_V6) ? "IPv4 and IPv6" : families_text(afs),
			 chains);
		event_add_cstr(&p->b, REC_MESSAGE, msg);
		event_add_extra_cstr(&p->b, "Hook", hook);
		event_add_extra_cstr(&p->b, "Families", families_text(afs));
		event_add_extra_cstr(&p->b, "Chains", chains);
	}
	pst_diff_end(p, POSTURE_FIREWALL_POLICY, pfw_complete(p->fw));
}

void pst_eval_rules(struct posture *p, enum posture_rule rule)
{
	bool in = rule == POSTURE_INPUT_RULES;
	const struct pfw_candidate *c;
	size_t n = pfw_candidates(p->fw, &c);
	char path[POSTURE_PATH_MAX], msg[800], prio[24];

	if (!p->enabled[rule] || !pfw_seen(p->fw))
		return;
	pst_diff_begin(p, rule);
	for (size_t i = 0; i < n; i++) {
		if (!(in ? c[i].in : c[i].out))
			continue;
		snprintf(path, sizeof(path), "/firewall/%s/%s", in ? "input" : "output",
			 c[i].path_tail);
		if (!pst_diff_offer(p, rule, path, c[i].key))
			continue;
		snprintf(msg, sizeof(msg), "%s rule %lld accepts %s: %s.", c[i].label,
			 (long long)c[i].priority,
			 in ? "from any source to any port" : "to any destination and port",
			 c[i].rule);
		event_add_cstr(&p->b, REC_MESSAGE, msg);
		event_add_extra_cstr(&p->b, "Chain", c[i].label);
		snprintf(prio, sizeof(prio), "%lld", (long long)c[i].priority);
		event_add_extra_cstr(&p->b, "Priority", prio);
		event_add_extra_cstr(&p->b, "Rule", c[i].rule);
	}
	pst_diff_end(p, rule, pfw_complete(p->fw));
}
