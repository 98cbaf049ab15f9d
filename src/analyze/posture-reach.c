/* SPDX-License-Identifier: MIT */
/*
 * Would a new TCP/UDP connection from an arbitrary outside host reach a listening port?
 * The packet is walked through every input base chain of the firewall digest (posture-fw.c);
 * each chain sees it, so the most closed answer of the chains of a family wins, and the most
 * open answer of the families a socket listens on.
 *
 * Each match is three-valued.  A condition the data cannot decide (an opaque xt match, a
 * named set, a truncated value) makes an accept "may accept" and a drop "may drop".
 * Conditions the sender controls (its source port, rate limits, an interface other than lo)
 * are taken as matching an accept and as missing a drop, so "blocked" is never optimistic.
 * An accept limited to some source addresses gives "restricted" (a prefix shorter than /8 or
 * /16 counts as everyone).  The one assumption: iptables-nft keeps conntrack/state matches
 * opaque in JSON, and an accept on such a match is taken as the ESTABLISHED,RELATED idiom;
 * the verdict says so (assumed).  Walks are bounded (PFW_WALK_STEPS_MAX rule visits,
 * PFW_DEPTH_MAX nested jumps); beyond them the answer is "may be reachable".
 */
#include <stdio.h>
#include <string.h>

#include "common/str.h"
#include "posture-int.h"

enum match { M_NO, M_YES, M_RESTRICTED, M_MAYBE };
enum mode { MODE_DEFINITE, MODE_RESTRICTED, MODE_MAYBE };
enum outcome { OUT_NONE, OUT_ACCEPT, OUT_DENY };

struct walk {
	const struct pfw *f;
	unsigned proto_bit, port, af, steps;
	bool maybe_accept, maybe_deny, restricted, assumed, exhausted;
	char why[256];
};

static void walk_note(struct walk *w, const struct pfw_chain *ch, const struct pfw_rule *r,
		      const char *what)
{
	if (w->why[0])
		return;
	if (r)
		snprintf(w->why, sizeof(w->why), "%s rule %u %s", ch->label, r->index, what);
	else
		snprintf(w->why, sizeof(w->why), "%s %s", ch->label, what);
}

/* Interface, conntrack and other clauses; `accepting` picks the conservative side. */
static enum match clauses_match(const struct pfw_rule *r, const struct walk *w, bool accepting,
				bool *maybe)
{
	uint16_t cl = r->clauses;

	if ((cl & PFW_CL_IIF_LO) || (cl & PFW_CL_CT_EST) || (cl & PFW_CL_CT_DNAT))
		return M_NO;
	if ((cl & PFW_CL_NF_V4) && w->af != PFW_AF_V4)
		return M_NO;
	if ((cl & PFW_CL_NF_V6) && w->af != PFW_AF_V6)
		return M_NO;
	if (cl & PFW_CL_CT_OPAQUE)
		return M_NO; /* taken as established,related (see the design comment) */
	if (!accepting && (cl & (PFW_CL_IIF_OTHER | PFW_CL_LIMIT)))
		return M_NO;
	if (cl & (PFW_CL_UNKNOWN | PFW_CL_OIF_LO | PFW_CL_OIF_OTHER))
		*maybe = true;
	return M_YES;
}

static enum match addr_match(uint8_t a, bool accepting, bool is_src, bool *maybe, bool *restricted)
{
	switch (a) {
	case PFW_ADDR_ANY:
	case PFW_ADDR_NEG:
		return M_YES;
	case PFW_ADDR_NARROW:
		if (!accepting)
			return M_NO; /* the outside host is not that one */
		if (is_src)
			*restricted = true;
		return M_YES; /* a destination: the port is reachable through that address */
	default:
		*maybe = true;
		return M_YES;
	}
}

static enum match rule_match(const struct pfw_rule *r, const struct walk *w, bool accepting)
{
	bool maybe = r->truncated, restricted = false;

	if (r->proto_kind == PFW_SET_LIST && !(r->proto_mask & w->proto_bit) != r->proto_neg)
		return M_NO;
	maybe |= r->proto_kind == PFW_SET_UNKNOWN;
	if (r->dport.kind == PFW_SET_LIST && pfw_ports_contain(&r->dport, w->port) == r->dport.neg)
		return M_NO;
	maybe |= r->dport.kind == PFW_SET_UNKNOWN;
	if (r->sport && !accepting)
		return M_NO; /* the sender picks its source port */
	if (clauses_match(r, w, accepting, &maybe) == M_NO)
		return M_NO;
	if (addr_match(r->src, accepting, true, &maybe, &restricted) == M_NO ||
	    addr_match(r->dst, accepting, false, &maybe, &restricted) == M_NO)
		return M_NO;
	if (maybe)
		return M_MAYBE;
	return restricted ? M_RESTRICTED : M_YES;
}

static enum outcome walk_chain(struct walk *w, unsigned ci, unsigned depth, enum mode mode);

static void note_accept(struct walk *w, enum mode mode, enum match m)
{
	if (mode == MODE_MAYBE || m == M_MAYBE)
		w->maybe_accept = true;
	else
		w->restricted = true;
}

/* A jump/goto: 1 with *ret set when it decided the packet, 0 to go on with the next rule. */
static int walk_jump(struct walk *w, const struct pfw_chain *ch, const struct pfw_rule *r,
		     unsigned depth, enum mode mode, enum outcome *ret)
{
	enum match ma = rule_match(r, w, true), md = rule_match(r, w, false);
	enum mode sub;

	if (ma == M_NO)
		return 0;
	if (r->target == UINT32_MAX || depth >= PFW_DEPTH_MAX) {
		w->maybe_accept = true;
		walk_note(w, ch, r, "jumps to a chain edgesec cannot follow");
		return 0;
	}
	if (ma == M_YES && md == M_YES && mode == MODE_DEFINITE) {
		*ret = walk_chain(w, r->target, depth + 1, MODE_DEFINITE);
		if (*ret != OUT_NONE || r->verdict == PFW_V_GOTO)
			return 1;
		return 0;
	}
	if (mode == MODE_MAYBE || ma == M_MAYBE || (ma == M_YES && md != M_YES))
		sub = MODE_MAYBE; /* the data do not say whether it jumps */
	else
		sub = MODE_RESTRICTED; /* only some sources jump, or we are inside such a jump */
	(void)walk_chain(w, r->target, depth + 1, sub);
	return 0;
}

/* One rule; 1 with *ret set when it decided the packet. */
static int walk_rule(struct walk *w, const struct pfw_chain *ch, const struct pfw_rule *r,
		     unsigned depth, enum mode mode, enum outcome *ret)
{
	enum match m;

	switch (r->verdict) {
	case PFW_V_ACCEPT:
		m = rule_match(r, w, true);
		if (m == M_NO && (r->clauses & PFW_CL_CT_OPAQUE)) {
			struct pfw_rule open = *r;

			open.clauses &= (uint16_t)~PFW_CL_CT_OPAQUE;
			w->assumed |= rule_match(&open, w, true) != M_NO;
		}
		if (m == M_NO)
			return 0;
		if (m == M_YES && mode == MODE_DEFINITE) {
			walk_note(w, ch, r, "accepts it");
			*ret = OUT_ACCEPT;
			return 1;
		}
		if (m == M_MAYBE || mode == MODE_MAYBE)
			walk_note(w, ch, r, "may accept it");
		note_accept(w, mode, m);
		return 0;
	case PFW_V_DENY:
		m = rule_match(r, w, false);
		if (m == M_NO || mode == MODE_RESTRICTED)
			return 0;
		if (m == M_YES && mode == MODE_DEFINITE) {
			*ret = OUT_DENY;
			return 1;
		}
		w->maybe_deny = true;
		return 0;
	case PFW_V_JUMP:
	case PFW_V_GOTO:
		return walk_jump(w, ch, r, depth, mode, ret);
	case PFW_V_RETURN:
	case PFW_V_QUEUE:
		m = rule_match(r, w, true);
		if (m == M_NO || mode == MODE_RESTRICTED)
			return 0;
		if (r->verdict == PFW_V_RETURN && m == M_YES && rule_match(r, w, false) == M_YES &&
		    mode == MODE_DEFINITE) {
			*ret = OUT_NONE;
			return 1;
		}
		w->maybe_accept = true;
		walk_note(w, ch, r,
			  r->verdict == PFW_V_QUEUE ? "hands it to a user-space queue"
						    : "may return early");
		return 0;
	default:
		return 0;
	}
}

static enum outcome walk_chain(struct walk *w, unsigned ci, unsigned depth, enum mode mode)
{
	const struct pfw_chain *ch = &w->f->chains[ci];
	enum outcome out;

	for (uint32_t k = 0; k < ch->n; k++) {
		if (++w->steps > PFW_WALK_STEPS_MAX) {
			w->exhausted = true;
			return OUT_NONE;
		}
		if (walk_rule(w, ch, &w->f->rules[ch->first + k], depth, mode, &out))
			return out;
	}
	return OUT_NONE;
}

static enum pfw_reach base_reach(struct walk *w, unsigned ci)
{
	const struct pfw_chain *ch = &w->f->chains[ci];
	enum outcome out;

	w->maybe_accept = w->maybe_deny = w->restricted = w->exhausted = false;
	out = walk_chain(w, ci, 0, MODE_DEFINITE);
	if (w->exhausted) {
		walk_note(w, ch, NULL, "is too large to follow");
		return PFW_REACH_MAYBE;
	}
	if (out == OUT_NONE) {
		out = ch->policy == PFW_V_DENY ? OUT_DENY : OUT_ACCEPT;
		if (out == OUT_ACCEPT)
			walk_note(w, ch, NULL, "accepts it by its policy");
	}
	if (out == OUT_ACCEPT)
		return w->maybe_deny ? PFW_REACH_MAYBE : PFW_REACH_OPEN;
	if (w->maybe_accept)
		return PFW_REACH_MAYBE;
	return w->restricted ? PFW_REACH_RESTRICTED : PFW_REACH_BLOCKED;
}

/* All input base chains of one family: the most closed answer wins (each sees the packet). */
static enum pfw_reach family_reach(const struct pfw *f, unsigned proto_bit, unsigned port,
				   unsigned af, bool *assumed, char *why, size_t why_size)
{
	enum pfw_reach res = PFW_REACH_OPEN;
	struct walk w;
	bool any = false;

	memset(&w, 0, sizeof(w));
	w.f = f;
	w.proto_bit = proto_bit;
	w.port = port;
	w.af = af;
	snprintf(why, why_size, "no firewall chain filters %s input",
		 af == PFW_AF_V4 ? "IPv4" : "IPv6");
	for (unsigned c = 0; c < f->n_chains; c++) {
		enum pfw_reach r;

		if (!f->chains[c].base || f->chains[c].hook != PFW_HOOK_INPUT ||
		    !(f->chains[c].afs & af))
			continue;
		w.why[0] = '\0';
		r = base_reach(&w, c);
		if (!any || r < res) {
			res = r;
			str_copy(why, why_size, w.why);
		}
		any = true;
	}
	*assumed |= w.assumed;
	return res;
}

void pfw_reach(const struct pfw *f, int proto, unsigned port, unsigned afs, struct pfw_verdict *ret)
{
	unsigned bit = proto == 6 ? PFW_PROTO_TCP : proto == 17 ? PFW_PROTO_UDP : PFW_PROTO_OTHER;
	char why[sizeof(ret->why)];
	bool first = true;

	memset(ret, 0, sizeof(*ret));
	ret->reach = PFW_REACH_BLOCKED;
	if (!f->seen) {
		ret->reach = PFW_REACH_MAYBE;
		snprintf(ret->why, sizeof(ret->why), "no firewall data");
		return;
	}
	for (unsigned af = PFW_AF_V4; af <= PFW_AF_V6; af <<= 1) {
		enum pfw_reach r;

		if (!(afs & af))
			continue;
		r = family_reach(f, bit, port, af, &ret->assumed, why, sizeof(why));
		if (first || r > ret->reach) {
			ret->reach = r;
			str_copy(ret->why, sizeof(ret->why), why);
		}
		first = false;
	}
	if (!f->complete && ret->reach != PFW_REACH_MAYBE) {
		ret->reach = PFW_REACH_MAYBE;
		snprintf(ret->why, sizeof(ret->why),
			 "the ruleset is larger than edgesec digests (%u rules, %u chains)",
			 PFW_RULES_MAX, PFW_CHAINS_MAX);
	}
}
