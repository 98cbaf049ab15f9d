/* SPDX-License-Identifier: MIT */
/*
 * FirewallConfiguration item fields → struct pfw_rule, for host posture (posture-fw.c,
 * posture-reach.c).  The fields are the firewall collector's renderings (docs/firewall.md):
 * protocols "tcp", "tcp,udp", "!udp", "6"; addresses "10.0.0.0/8", "a-b", "{a,b}", "@set",
 * "!..."; ports "22", "1000-2000", "22,80", "!..."; Unmapped clauses "; "-separated
 * ("meta iifname == lo", "ct state in {established,related}", "xt match conntrack", ...).
 * Anything not understood becomes "unknown", which the judgements treat conservatively; a
 * parser never fails.  Pure functions over bounded strings (fuzz/fuzz-posture).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/array.h"
#include "common/num.h"
#include "posture-int.h"

#define FW_CLAUSE_BUF 512

uint64_t pfw_hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull; /* separator */
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Parses a decimal number in [0, max] from [p, end); false otherwise. */
static bool parse_uint(const char *p, const char *end, unsigned max, unsigned *ret)
{
	uint64_t v;

	if (p >= end || num_parse_u64(p, (size_t)(end - p), 10, max, &v) < 0)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* Next element of a ','-separated list (braces and spaces trimmed); false at the end. */
static bool next_elem(const char **pp, const char *end, const char **ret_p, const char **ret_end)
{
	const char *p = *pp, *q;

	while (p < end && (*p == ',' || *p == ' ' || *p == '{' || *p == '}'))
		p++;
	if (p >= end)
		return false;
	q = p;
	while (q < end && *q != ',' && *q != '}')
		q++;
	*pp = q;
	while (q > p && q[-1] == ' ')
		q--;
	*ret_p = p;
	*ret_end = q;
	return true;
}

/* ---- field parsers ---- */

static unsigned proto_bit(const char *p, const char *e)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = { { "tcp", PFW_PROTO_TCP },	       { "6", PFW_PROTO_TCP },
		      { "udp", PFW_PROTO_UDP },	       { "17", PFW_PROTO_UDP },
		      { "icmp", PFW_PROTO_ICMP },      { "1", PFW_PROTO_ICMP },
		      { "ipv6-icmp", PFW_PROTO_ICMP }, { "icmpv6", PFW_PROTO_ICMP },
		      { "58", PFW_PROTO_ICMP } };
	size_t n = (size_t)(e - p);

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, p, n) == 0)
			return names[i].bit;
	for (const char *q = p; q < e; q++)
		if (!(*q >= 'a' && *q <= 'z') && !(*q >= '0' && *q <= '9') && *q != '-' &&
		    *q != '_')
			return 0; /* not a protocol name or number */
	return PFW_PROTO_OTHER;
}

static void parse_protocol(const char *s, struct pfw_rule *r)
{
	const char *end, *p, *e;

	r->proto_kind = PFW_SET_ANY;
	if (!*s)
		return;
	r->proto_neg = s[0] == '!';
	s += r->proto_neg;
	end = s + strlen(s);
	r->proto_kind = PFW_SET_LIST;
	while (next_elem(&s, end, &p, &e)) {
		unsigned bit = proto_bit(p, e);

		if (!bit || *p == '@') {
			r->proto_kind = PFW_SET_UNKNOWN;
			return;
		}
		r->proto_mask |= (uint8_t)bit;
	}
	if (!r->proto_mask)
		r->proto_kind = PFW_SET_UNKNOWN;
}

static void parse_ports(const char *s, struct pfw_ports *ports)
{
	const char *end, *p, *e, *dash;

	memset(ports, 0, sizeof(*ports));
	if (!*s)
		return;
	ports->neg = s[0] == '!';
	s += ports->neg;
	end = s + strlen(s);
	ports->kind = PFW_SET_LIST;
	while (next_elem(&s, end, &p, &e)) {
		unsigned lo, hi;

		dash = memchr(p, '-', (size_t)(e - p));
		if (ports->n >= PFW_PORT_RANGES_MAX ||
		    !parse_uint(p, dash ? dash : e, 65535, &lo) ||
		    !parse_uint(dash ? dash + 1 : p, e, 65535, &hi) || hi < lo) {
			ports->kind = PFW_SET_UNKNOWN;
			return;
		}
		ports->lo[ports->n] = (uint16_t)lo;
		ports->hi[ports->n++] = (uint16_t)hi;
	}
	if (!ports->n)
		ports->kind = PFW_SET_UNKNOWN;
}

bool pfw_ports_contain(const struct pfw_ports *ports, unsigned port)
{
	for (unsigned i = 0; i < ports->n; i++)
		if (port >= ports->lo[i] && port <= ports->hi[i])
			return true;
	return false;
}

/* How many ports the match accepts (ranges may overlap: an upper bound is enough). */
unsigned pfw_ports_covered(const struct pfw_ports *ports)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ports->n; i++)
		n += (unsigned)ports->hi[i] - ports->lo[i] + 1;
	if (n > 65536)
		n = 65536;
	return ports->neg ? 65536 - n : n;
}

/* PFW_ADDR_ANY for a prefix shorter than /8 (IPv4) or /16 (IPv6): "0.0.0.0/1" is everyone. */
static enum pfw_addr addr_elem(const char *p, const char *e)
{
	char a[64], b[64];
	const char *slash = memchr(p, '/', (size_t)(e - p)),
		   *dash = memchr(p, '-', (size_t)(e - p));
	unsigned char x[16], y[16];
	const char *aend = slash ? slash : dash ? dash : e;
	size_t alen = (size_t)(aend - p);
	int af;
	unsigned len;

	if (alen == 0 || alen >= sizeof(a))
		return PFW_ADDR_UNKNOWN;
	memcpy(a, p, alen);
	a[alen] = '\0';
	af = strchr(a, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, a, x) != 1)
		return PFW_ADDR_UNKNOWN;
	if (slash) {
		if (!parse_uint(slash + 1, e, af == AF_INET ? 32 : 128, &len))
			return PFW_ADDR_UNKNOWN; /* a non-contiguous mask */
		return len < (af == AF_INET ? 8u : 16u) ? PFW_ADDR_ANY : PFW_ADDR_NARROW;
	}
	if (dash) {
		size_t blen = (size_t)(e - dash - 1);

		if (blen == 0 || blen >= sizeof(b))
			return PFW_ADDR_UNKNOWN;
		memcpy(b, dash + 1, blen);
		b[blen] = '\0';
		if (inet_pton(af, b, y) != 1)
			return PFW_ADDR_UNKNOWN;
		/* wide when the first octet (IPv4) or the first 16 bits (IPv6) differ */
		if (x[0] != y[0] || (af == AF_INET6 && x[1] != y[1]))
			return PFW_ADDR_ANY;
	}
	return PFW_ADDR_NARROW;
}

static enum pfw_addr parse_addr(const char *s)
{
	const char *end, *p, *e;
	enum pfw_addr res = PFW_ADDR_NARROW;
	bool neg, any_elem = false;

	if (!*s)
		return PFW_ADDR_ANY;
	neg = s[0] == '!';
	s += neg;
	if (*s == '@')
		return PFW_ADDR_UNKNOWN;
	end = s + strlen(s);
	while (next_elem(&s, end, &p, &e)) {
		enum pfw_addr a = addr_elem(p, e);

		any_elem = true;
		if (a == PFW_ADDR_UNKNOWN)
			return PFW_ADDR_UNKNOWN;
		if (a == PFW_ADDR_ANY)
			res = PFW_ADDR_ANY;
	}
	if (!any_elem)
		return PFW_ADDR_UNKNOWN;
	if (neg)
		return res == PFW_ADDR_ANY ? PFW_ADDR_NARROW
					   : PFW_ADDR_NEG; /* "!0.0.0.0/0" matches nobody */
	return res;
}

/* "ct state in {established,related}": does the value include new (or untracked)? */
static bool mentions_new(const char *v)
{
	return strstr(v, "new") || strstr(v, "untracked");
}

static unsigned iface_class(const char *op, const char *v, bool in)
{
	bool lo = strcmp(v, "lo") == 0 || strcmp(v, "\"lo\"") == 0 || strcmp(v, "{lo}") == 0;

	if (lo && (strcmp(op, "==") == 0 || strcmp(op, "in") == 0))
		return in ? PFW_CL_IIF_LO : PFW_CL_OIF_LO;
	if (lo && strcmp(op, "!=") == 0)
		return in ? PFW_CL_IIF_NOT_LO : PFW_CL_OIF_OTHER;
	return in ? PFW_CL_IIF_OTHER : PFW_CL_OIF_OTHER;
}

/* One clause: "<left words> <op> <value>" as fw-nft-parse.c renders matches. */
static unsigned clause_class(const char *c)
{
	char left[48], op[8];
	const char *v;
	int n;

	if (starts_with(c, "xt match ")) {
		c += strlen("xt match ");
		if (!strcmp(c, "conntrack") || !strcmp(c, "state"))
			return PFW_CL_CT_OPAQUE;
		if (!strcmp(c, "comment"))
			return PFW_CL_NEUTRAL;
		if (!strcmp(c, "limit") || !strcmp(c, "hashlimit"))
			return PFW_CL_LIMIT;
		return PFW_CL_UNKNOWN;
	}
	if (starts_with(c, "limit "))
		return PFW_CL_LIMIT;
	n = 0;
	if (sscanf(c, "%47s %*s %7s %n", left, op, &n) != 2 || n == 0)
		return PFW_CL_UNKNOWN;
	v = c + n;
	if (strcmp(left, "meta") == 0 &&
	    (starts_with(c, "meta iifname ") || starts_with(c, "meta iif ")))
		return iface_class(op, v, true);
	if (strcmp(left, "meta") == 0 &&
	    (starts_with(c, "meta oifname ") || starts_with(c, "meta oif ")))
		return iface_class(op, v, false);
	if (starts_with(c, "meta nfproto ") && (!strcmp(op, "==") || !strcmp(op, "!="))) {
		bool v4 = strcmp(v, "ipv4") == 0, v6 = strcmp(v, "ipv6") == 0;

		if (!v4 && !v6)
			return PFW_CL_UNKNOWN;
		return (v4 != (op[0] == '!')) ? PFW_CL_NF_V4 : PFW_CL_NF_V6;
	}
	if (starts_with(c, "ct state ")) {
		if (!strcmp(op, "==") || !strcmp(op, "in"))
			return mentions_new(v) ? PFW_CL_CT_NEW : PFW_CL_CT_EST;
		if (!strcmp(op, "!="))
			return mentions_new(v) ? PFW_CL_CT_EST : PFW_CL_CT_NEW;
		return PFW_CL_UNKNOWN;
	}
	if (starts_with(c, "ct status ") && strstr(v, "dnat") &&
	    (!strcmp(op, "==") || !strcmp(op, "in")))
		return PFW_CL_CT_DNAT;
	return PFW_CL_UNKNOWN;
}

static uint16_t parse_clauses(const char *s)
{
	char clause[FW_CLAUSE_BUF];
	uint16_t cl = 0;

	while (*s) {
		const char *sep = strstr(s, "; ");
		size_t n = sep ? (size_t)(sep - s) : strlen(s);

		if (n >= sizeof(clause)) {
			cl |= PFW_CL_UNKNOWN;
		} else {
			memcpy(clause, s, n);
			clause[n] = '\0';
			cl |= (uint16_t)clause_class(clause);
		}
		s += n;
		if (sep)
			s += 2;
	}
	return cl;
}

static void rule_verdict(struct pfw_rule *r, const struct pfw_item *it)
{
	const char *v = it->verdict;

	r->target = UINT32_MAX;
	if (!strcmp(it->action, "Allow"))
		r->verdict = PFW_V_ACCEPT;
	else if (!strcmp(it->action, "Deny"))
		r->verdict = PFW_V_DENY;
	else if (starts_with(v, "jump ") || starts_with(v, "goto ")) {
		r->verdict = v[0] == 'j' ? PFW_V_JUMP : PFW_V_GOTO;
		r->target_hash = pfw_hash_str(PFW_HASH_INIT, v + 5);
	} else if (!strcmp(v, "return") || !strcmp(v, "RETURN"))
		r->verdict = PFW_V_RETURN;
	else if (!strcmp(v, "queue") || !strcmp(v, "NFQUEUE") || !strcmp(v, "QUEUE"))
		r->verdict = PFW_V_QUEUE;
	else
		r->verdict = PFW_V_NONE; /* log, continue, counters, marks: no verdict */
}

void pfw_rule_parse(struct pfw_rule *r, const struct pfw_item *it)
{
	memset(r, 0, sizeof(*r));
	rule_verdict(r, it);
	r->index = it->priority >= 0 && it->priority < UINT32_MAX ? (uint32_t)it->priority : 0;
	r->truncated = it->truncated;
	parse_protocol(it->protocol, r);
	r->src = (uint8_t)parse_addr(it->saddr);
	r->dst = (uint8_t)parse_addr(it->daddr);
	r->sport = it->sport[0] != '\0';
	parse_ports(it->dport, &r->dport);
	r->clauses = parse_clauses(it->unmapped);
}

bool pfw_unconditional(const struct pfw_rule *r)
{
	return !r->truncated && r->proto_kind == PFW_SET_ANY && r->src == PFW_ADDR_ANY &&
	       r->dst == PFW_ADDR_ANY && !r->sport && r->dport.kind == PFW_SET_ANY &&
	       (r->clauses & ~PFW_CL_NEUTRAL) == 0;
}
