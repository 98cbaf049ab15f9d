/* SPDX-License-Identifier: MIT */
/*
 * Legacy x_tables entries blob → FirewallConfiguration items (see fw-xtables-parse.h).
 *
 * Two passes.  The first walks the entries by next_offset, checking every header against the
 * blob (an entry that does not fit, or a next_offset smaller than an entry, stops everything
 * with -EINVAL: chain boundaries could not be trusted), and records per entry its offset and
 * its target kind (standard verdict, ERROR = user chain head / table end, named target, or
 * malformed).  Offsets only grow, so the walk ends; jumps are never followed, only named.
 * The second pass assigns entries to chains and maps each rule, reading every struct with
 * memcpy (the blob may be unaligned) and checking each match against its rule:
 *   ip.proto (+ IPT_INV_PROTO / IP6T_F_PROTO)            → Protocol (name or number)
 *   ip.src/smsk, dst/dmsk (+ IPT_INV_SRCIP/DSTIP)         → Source/DestinationAddress (CIDR)
 *   match "tcp"/"udp"/"sctp" ports, "multiport" src/dst   → Source/DestinationPort
 *   standard verdicts, jumps (by offset → user chain name), gotos (IPT_F_GOTO), named
 *   targets (REJECT → Deny, others Other)                 → Verdict and Action
 *   interfaces, fragments, tcp flags/options, icmp types, sctp chunks, multiport on either
 *   port, other matches by name, a second value for a field → Unmapped
 * Values follow the nft path: "10.0.0.0/8", "192.168.1.1" (full mask), "1000-2000",
 * "22,80", "!" before an inverted match.
 */
#include "fw-xtables-parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_sctp.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/json_write.h"

enum xt_kind {
	XT_KIND_STANDARD, /* verdict or jump */
	XT_KIND_ERROR,	  /* user chain head or table end */
	XT_KIND_NAMED,	  /* REJECT, LOG, ... */
	XT_KIND_BAD,	  /* target header does not fit its entry */
};

struct xt_ent {
	uint32_t off, next; /* offset of the entry and of the next one */
	uint16_t target_off;
	uint8_t kind;
	int32_t verdict; /* XT_KIND_STANDARD */
};

struct xt_ctx {
	const struct fw_xt_table *t;
	const uint8_t *blob;
	size_t entry_size; /* sizeof(struct ipt_entry) or ip6t_entry */
	struct xt_ent *ents;
	size_t n_ents;
	struct fw_item item;
	struct fw_parse_stats stats;
	int (*item_fn)(const struct fw_item *item, void *userdata);
	void *userdata;
};

/* The common part of ipt_entry and ip6t_entry that the walk needs. */
struct entry_head {
	uint16_t target_offset, next_offset;
};

static const char *const hook_names[FW_XT_HOOKS] = { "prerouting", "input", "forward", "output",
						     "postrouting" };
static const char *const hook_chains[FW_XT_HOOKS] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
						      "POSTROUTING" };

const char *fw_xt_protocol_name(unsigned proto)
{
	static const struct {
		unsigned char num;
		const char *name;
	} names[] = {
		{ 1, "icmp" },
		{ 2, "igmp" },
		{ 4, "ipencap" },
		{ 6, "tcp" },
		{ 8, "egp" },
		{ 17, "udp" },
		{ 33, "dccp" },
		{ 41, "ipv6" },
		{ 43, "ipv6-route" },
		{ 44, "ipv6-frag" },
		{ 46, "rsvp" },
		{ 47, "gre" },
		{ 50, "esp" },
		{ 51, "ah" },
		{ 58, "ipv6-icmp" },
		{ 59, "ipv6-nonxt" },
		{ 60, "ipv6-opts" },
		{ 89, "ospf" },
		{ 94, "ipip" },
		{ 103, "pim" },
		{ 108, "ipcomp" },
		{ 112, "vrrp" },
		{ 115, "l2tp" },
		{ 132, "sctp" },
		{ 135, "mobility-header" },
		{ 136, "udplite" },
		{ 137, "mpls-in-ip" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].num == proto)
			return names[i].name;
	return NULL;
}

/* Appends to a bounded field of the item, marking it truncated when cut. */
static void put(struct fw_item *it, char *field, size_t size, const char *s, size_t n)
{
	size_t len = strnlen(field, size - 1), room = size - 1 - len;

	if (n > room) {
		n = utf8_prefix_len(s, n, room);
		it->truncated = true;
	}
	memcpy(field + len, s, n);
	field[len + n] = '\0';
}

static void puts_field(struct fw_item *it, char *field, size_t size, const char *s)
{
	put(it, field, size, s, strlen(s));
}

static void printf_field(struct fw_item *it, char *field, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void printf_field(struct fw_item *it, char *field, size_t size, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	put(it, field, size, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* One more expression in Unmapped, "; "-separated. */
static void unmapped(struct fw_item *it, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void unmapped(struct fw_item *it, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	int n;

	if (it->unmapped[0])
		puts_field(it, it->unmapped, sizeof(it->unmapped), "; ");
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(it, it->unmapped, sizeof(it->unmapped), tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A name from a fixed-size, maybe unterminated kernel array, as a C string. */
static void fixed_name(char *out, size_t out_size, const void *src, size_t src_size)
{
	size_t n = strnlen(src, src_size);

	if (n >= out_size)
		n = out_size - 1;
	memcpy(out, src, n);
	out[n] = '\0';
}

static void copy_name(struct fw_item *it, char *field, const char *s)
{
	field[0] = '\0';
	put(it, field, FW_NAME_MAX, s, strlen(s));
}

/* --- pass 1: the walk ---------------------------------------------------------------- */

static void entry_head_read(const struct xt_ctx *ctx, size_t off, struct entry_head *h)
{
	if (ctx->t->family == AF_INET) {
		struct ipt_entry e;

		memcpy(&e, ctx->blob + off, sizeof(e));
		h->target_offset = e.target_offset;
		h->next_offset = e.next_offset;
	} else {
		struct ip6t_entry e;

		memcpy(&e, ctx->blob + off, sizeof(e));
		h->target_offset = e.target_offset;
		h->next_offset = e.next_offset;
	}
}

static void classify_target(const struct xt_ctx *ctx, struct xt_ent *x)
{
	struct xt_entry_target tg;
	size_t off = x->off + x->target_off, end = x->next;
	char name[XT_EXTENSION_MAXNAMELEN];

	x->kind = XT_KIND_BAD;
	if (x->target_off < ctx->entry_size || off + sizeof(tg) > end)
		return;
	memcpy(&tg, ctx->blob + off, sizeof(tg));
	if (tg.u.target_size < sizeof(tg) || tg.u.target_size > end - off)
		return;
	fixed_name(name, sizeof(name), tg.u.user.name, sizeof(tg.u.user.name));
	if (name[0] == '\0') {
		int32_t v;

		if (tg.u.target_size < sizeof(tg) + sizeof(v))
			return;
		memcpy(&v, ctx->blob + off + sizeof(tg), sizeof(v));
		x->verdict = v;
		x->kind = XT_KIND_STANDARD;
	} else {
		x->kind = strcmp(name, XT_ERROR_TARGET) == 0 ? XT_KIND_ERROR : XT_KIND_NAMED;
	}
}

static int walk(struct xt_ctx *ctx)
{
	size_t size = ctx->t->size, cap = size / ctx->entry_size + 1, off = 0;

	ctx->ents = es_calloc(cap, sizeof(*ctx->ents));
	if (!ctx->ents)
		return -ENOMEM;
	while (off < size) {
		struct entry_head h;
		struct xt_ent *x;

		if (size - off < ctx->entry_size)
			return -EINVAL;
		entry_head_read(ctx, off, &h);
		if (h.next_offset < ctx->entry_size || h.next_offset > size - off)
			return -EINVAL;
		if (ctx->n_ents >= cap) /* cannot happen: every entry is >= entry_size */
			return -EINVAL;
		x = &ctx->ents[ctx->n_ents++];
		x->off = (uint32_t)off;
		x->next = (uint32_t)(off + h.next_offset);
		x->target_off = h.target_offset;
		classify_target(ctx, x);
		off += h.next_offset;
	}
	return 0;
}

/* Index of the entry at offset off, or -1. */
static long entry_at(const struct xt_ctx *ctx, uint64_t off)
{
	size_t lo = 0, hi = ctx->n_ents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ctx->ents[mid].off == off)
			return (long)mid;
		if (ctx->ents[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The name an ERROR entry carries (user chain name, or "ERROR" at the table's end). */
static void error_name(const struct xt_ctx *ctx, const struct xt_ent *x, char *out, size_t size)
{
	struct xt_entry_target tg;
	size_t off = x->off + x->target_off;
	size_t data;

	memcpy(&tg, ctx->blob + off, sizeof(tg));
	data = tg.u.target_size - sizeof(tg);
	if (data > XT_FUNCTION_MAXNAMELEN)
		data = XT_FUNCTION_MAXNAMELEN;
	fixed_name(out, size, ctx->blob + off + sizeof(tg), data);
}

/* --- pass 2: one rule ---------------------------------------------------------------- */

static void set_protocol(struct fw_item *it, bool inv, unsigned proto)
{
	const char *name = fw_xt_protocol_name(proto);

	it->protocol[0] = '\0';
	if (inv)
		puts_field(it, it->protocol, sizeof(it->protocol), "!");
	if (name)
		puts_field(it, it->protocol, sizeof(it->protocol), name);
	else
		printf_field(it, it->protocol, sizeof(it->protocol), "%u", proto);
}

/* A match implies its protocol when the rule did not name one (iptables always does). */
static void imply_protocol(struct fw_item *it, const char *name)
{
	if (!it->protocol[0])
		puts_field(it, it->protocol, sizeof(it->protocol), name);
}

/* Prefix length of a contiguous netmask, or -1. */
static int prefix_len(const uint8_t *mask, size_t n)
{
	int len = 0;
	size_t i = 0;

	for (; i < n && mask[i] == 0xff; i++)
		len += 8;
	if (i < n) {
		uint8_t b = mask[i++];
		int bits = 0;

		while (b & 0x80) {
			b = (uint8_t)(b << 1);
			bits++;
		}
		if (b)
			return -1;
		len += bits;
	}
	for (; i < n; i++)
		if (mask[i])
			return -1;
	return len;
}

static void set_address(struct fw_item *it, char *field, int family, const void *addr,
			const void *mask, bool inv)
{
	size_t n = family == AF_INET ? 4 : 16;
	char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	int len = prefix_len(mask, n);

	if (len == 0 && !inv)
		return; /* any address */
	if (!inet_ntop(family, addr, a, sizeof(a)))
		return;
	field[0] = '\0';
	if (inv)
		puts_field(it, field, FW_VALUE_MAX, "!");
	if (len == (int)n * 8)
		puts_field(it, field, FW_VALUE_MAX, a);
	else if (len >= 0)
		printf_field(it, field, FW_VALUE_MAX, "%s/%d", a, len);
	else if (inet_ntop(family, mask, m, sizeof(m)))
		printf_field(it, field, FW_VALUE_MAX, "%s/%s", a, m);
}

/*
 * "eth0", or "eth*" for a prefix (iptables "eth+": the mask then stops before the name's
 * end), with nft's operator, into Unmapped.
 */
static void interface_match(struct fw_item *it, const char *key, const char *name,
			    const unsigned char *mask, bool inv)
{
	size_t len = strnlen(name, IFNAMSIZ), masked = 0;
	char n[IFNAMSIZ + 1];

	while (masked < IFNAMSIZ && mask[masked] == 0xff)
		masked++;
	if (len == 0 && masked == 0)
		return;
	if (masked <= len)
		len = masked; /* prefix match */
	memcpy(n, name, len);
	n[len] = '\0';
	unmapped(it, "meta %s %s %s%s", key, inv ? "!=" : "==", n, masked <= len ? "*" : "");
}

static void port_range(struct fw_item *it, const char *proto, bool src, const uint16_t pts[2],
		       bool inv)
{
	char *field = src ? it->sport : it->dport;

	if (pts[0] == 0 && pts[1] == 0xffff && !inv)
		return; /* any port */
	if (field[0]) {
		unmapped(it, "%s %s %s%u-%u", proto, src ? "sport" : "dport", inv ? "!" : "",
			 pts[0], pts[1]);
		return;
	}
	if (pts[0] == pts[1])
		printf_field(it, field, FW_VALUE_MAX, "%s%u", inv ? "!" : "", pts[0]);
	else
		printf_field(it, field, FW_VALUE_MAX, "%s%u-%u", inv ? "!" : "", pts[0], pts[1]);
}

static void match_tcp(struct fw_item *it, const void *data)
{
	struct xt_tcp m;

	memcpy(&m, data, sizeof(m));
	imply_protocol(it, "tcp");
	port_range(it, "tcp", true, m.spts, m.invflags & XT_TCP_INV_SRCPT);
	port_range(it, "tcp", false, m.dpts, m.invflags & XT_TCP_INV_DSTPT);
	if (m.flg_mask)
		unmapped(it, "tcp flags & 0x%02x %s 0x%02x", m.flg_mask,
			 m.invflags & XT_TCP_INV_FLAGS ? "!=" : "==", m.flg_cmp);
	if (m.option)
		unmapped(it, "tcp option %s%u", m.invflags & XT_TCP_INV_OPTION ? "!" : "",
			 m.option);
}

static void match_udp(struct fw_item *it, const void *data)
{
	struct xt_udp m;

	memcpy(&m, data, sizeof(m));
	imply_protocol(it, "udp");
	port_range(it, "udp", true, m.spts, m.invflags & XT_UDP_INV_SRCPT);
	port_range(it, "udp", false, m.dpts, m.invflags & XT_UDP_INV_DSTPT);
}

static void match_sctp(struct fw_item *it, const void *data)
{
	struct xt_sctp_info m;

	memcpy(&m, data, sizeof(m));
	imply_protocol(it, "sctp");
	if (m.flags & XT_SCTP_SRC_PORTS)
		port_range(it, "sctp", true, m.spts, m.invflags & XT_SCTP_SRC_PORTS);
	if (m.flags & XT_SCTP_DEST_PORTS)
		port_range(it, "sctp", false, m.dpts, m.invflags & XT_SCTP_DEST_PORTS);
	if (m.flags & XT_SCTP_CHUNK_TYPES)
		unmapped(it, "sctp chunk-types%s", m.invflags & XT_SCTP_CHUNK_TYPES ? " !" : "");
}

/* "22,80,1000-2000" from a multiport match (revision 0 has no ranges and no inversion). */
static void match_multiport(struct fw_item *it, const void *data, unsigned rev)
{
	struct xt_multiport_v1 m = { 0 };
	char list[FW_VALUE_MAX] = "";
	unsigned count;
	char *field;

	if (rev == 0) {
		struct xt_multiport m0;

		memcpy(&m0, data, sizeof(m0));
		m.flags = m0.flags;
		m.count = m0.count;
		memcpy(m.ports, m0.ports, sizeof(m.ports));
	} else {
		memcpy(&m, data, sizeof(m));
	}
	count = m.count < XT_MULTI_PORTS ? m.count : XT_MULTI_PORTS;
	if (m.invert)
		puts_field(it, list, sizeof(list), "!");
	for (unsigned i = 0; i < count; i++) {
		printf_field(it, list, sizeof(list), "%s%u", i ? "," : "", m.ports[i]);
		if (m.pflags[i] && i + 1 < count)
			printf_field(it, list, sizeof(list), "-%u", m.ports[++i]);
	}
	field = m.flags == XT_MULTIPORT_SOURCE	      ? it->sport
		: m.flags == XT_MULTIPORT_DESTINATION ? it->dport
						      : NULL;
	if (field && !field[0])
		puts_field(it, field, FW_VALUE_MAX, list);
	else
		unmapped(it, "multiport %s %s",
			 m.flags == XT_MULTIPORT_SOURCE	       ? "sports"
			 : m.flags == XT_MULTIPORT_DESTINATION ? "dports"
							       : "ports",
			 list);
}

/* ipt_icmp and ip6t_icmp share their layout: type, code range, invflags (bit 0). */
static void match_icmp(struct fw_item *it, const void *data, bool v6)
{
	struct ipt_icmp m;

	memcpy(&m, data, sizeof(m));
	imply_protocol(it, v6 ? "ipv6-icmp" : "icmp");
	if (m.type == 0xff && m.code[0] == 0 && m.code[1] == 0xff && !(m.invflags & 1))
		return; /* any type */
	if (m.code[0] == 0 && m.code[1] == 0xff)
		unmapped(it, "%s type %s%u", v6 ? "icmpv6" : "icmp", m.invflags & 1 ? "!" : "",
			 m.type);
	else
		unmapped(it, "%s type %s%u code %u-%u", v6 ? "icmpv6" : "icmp",
			 m.invflags & 1 ? "!" : "", m.type, m.code[0], m.code[1]);
}

/* Walks the matches in [entry_size, target_off); false if one is malformed. */
static bool map_matches(struct xt_ctx *ctx, const struct xt_ent *x)
{
	struct fw_item *it = &ctx->item;
	size_t off = x->off + ctx->entry_size, end = x->off + x->target_off;
	bool v6 = ctx->t->family == AF_INET6;

	while (off < end) {
		struct xt_entry_match mh;
		char name[XT_EXTENSION_MAXNAMELEN];
		const uint8_t *data;
		size_t size;

		if (end - off < sizeof(mh))
			return false;
		memcpy(&mh, ctx->blob + off, sizeof(mh));
		if (mh.u.match_size < sizeof(mh) || mh.u.match_size > end - off)
			return false;
		fixed_name(name, sizeof(name), mh.u.user.name, sizeof(mh.u.user.name));
		data = ctx->blob + off + sizeof(mh);
		size = mh.u.match_size - sizeof(mh);
		if (!strcmp(name, "tcp") && size >= sizeof(struct xt_tcp))
			match_tcp(it, data);
		else if (!strcmp(name, "udp") && size >= sizeof(struct xt_udp))
			match_udp(it, data);
		else if (!strcmp(name, "sctp") && size >= sizeof(struct xt_sctp_info))
			match_sctp(it, data);
		else if (!strcmp(name, "multiport") &&
			 ((mh.u.user.revision == 0 && size >= sizeof(struct xt_multiport)) ||
			  (mh.u.user.revision == 1 && size >= sizeof(struct xt_multiport_v1))))
			match_multiport(it, data, mh.u.user.revision);
		else if (!strcmp(name, v6 ? "icmp6" : "icmp") && size >= sizeof(struct ipt_icmp))
			match_icmp(it, data, v6);
		else
			unmapped(it, "xt match %s", name[0] ? name : "?");
		off += mh.u.match_size;
	}
	return true;
}

/* The ip/ip6 header part: protocol, addresses, interfaces, fragments; the goto flag. */
static bool map_ip(struct xt_ctx *ctx, const struct xt_ent *x)
{
	struct fw_item *it = &ctx->item;

	if (ctx->t->family == AF_INET) {
		struct ipt_entry e;

		memcpy(&e, ctx->blob + x->off, sizeof(e));
		if (e.ip.proto || (e.ip.invflags & IPT_INV_PROTO))
			set_protocol(it, e.ip.invflags & IPT_INV_PROTO, e.ip.proto);
		set_address(it, it->saddr, AF_INET, &e.ip.src, &e.ip.smsk,
			    e.ip.invflags & IPT_INV_SRCIP);
		set_address(it, it->daddr, AF_INET, &e.ip.dst, &e.ip.dmsk,
			    e.ip.invflags & IPT_INV_DSTIP);
		interface_match(it, "iifname", e.ip.iniface, e.ip.iniface_mask,
				e.ip.invflags & IPT_INV_VIA_IN);
		interface_match(it, "oifname", e.ip.outiface, e.ip.outiface_mask,
				e.ip.invflags & IPT_INV_VIA_OUT);
		if (e.ip.flags & IPT_F_FRAG)
			unmapped(it, "%sfragment", e.ip.invflags & IPT_INV_FRAG ? "!" : "");
		return e.ip.flags & IPT_F_GOTO;
	} else {
		struct ip6t_entry e;

		memcpy(&e, ctx->blob + x->off, sizeof(e));
		if (e.ipv6.flags & IP6T_F_PROTO)
			set_protocol(it, e.ipv6.invflags & IP6T_INV_PROTO, e.ipv6.proto);
		set_address(it, it->saddr, AF_INET6, &e.ipv6.src, &e.ipv6.smsk,
			    e.ipv6.invflags & IP6T_INV_SRCIP);
		set_address(it, it->daddr, AF_INET6, &e.ipv6.dst, &e.ipv6.dmsk,
			    e.ipv6.invflags & IP6T_INV_DSTIP);
		interface_match(it, "iifname", e.ipv6.iniface, e.ipv6.iniface_mask,
				e.ipv6.invflags & IP6T_INV_VIA_IN);
		interface_match(it, "oifname", e.ipv6.outiface, e.ipv6.outiface_mask,
				e.ipv6.invflags & IP6T_INV_VIA_OUT);
		if (e.ipv6.flags & IP6T_F_TOS)
			unmapped(it, "ip6 tos %s%u", e.ipv6.invflags & IP6T_INV_TOS ? "!" : "",
				 e.ipv6.tos);
		return e.ipv6.flags & IP6T_F_GOTO;
	}
}

static void set_verdict(struct fw_item *it, enum fw_action a, const char *what, const char *target)
{
	it->action = a;
	it->verdict[0] = '\0';
	puts_field(it, it->verdict, sizeof(it->verdict), what);
	if (target) {
		puts_field(it, it->verdict, sizeof(it->verdict), " ");
		puts_field(it, it->verdict, sizeof(it->verdict), target);
	}
}

/* A negative standard verdict: -NF_x - 1. */
static void standard_verdict(struct fw_item *it, int32_t v)
{
	char n[24];

	switch (v) {
	case -NF_ACCEPT - 1:
		set_verdict(it, FW_ACTION_ALLOW, "accept", NULL);
		break;
	case -NF_DROP - 1:
		set_verdict(it, FW_ACTION_DENY, "drop", NULL);
		break;
	case -NF_QUEUE - 1:
		set_verdict(it, FW_ACTION_OTHER, "queue", NULL);
		break;
	case XT_RETURN:
		set_verdict(it, FW_ACTION_OTHER, "return", NULL);
		break;
	default:
		snprintf(n, sizeof(n), "%ld", -(long)v - 1);
		set_verdict(it, FW_ACTION_OTHER, "verdict", n);
		break;
	}
}

/* A jump target: the user chain whose head (ERROR entry) precedes the entry at off. */
static void jump_verdict(struct xt_ctx *ctx, const struct xt_ent *x, bool is_goto)
{
	struct fw_item *it = &ctx->item;
	const char *what = is_goto ? "goto" : "jump";
	char name[XT_FUNCTION_MAXNAMELEN + 1], off[24];
	long j;

	if ((uint32_t)x->verdict == x->next && !is_goto) {
		set_verdict(it, FW_ACTION_OTHER, "", NULL); /* no target: falls through */
		return;
	}
	j = entry_at(ctx, (uint32_t)x->verdict);
	if (j >= 0 && ctx->ents[j].kind != XT_KIND_ERROR && j > 0 &&
	    ctx->ents[j - 1].kind == XT_KIND_ERROR)
		j--;
	if (j >= 0 && ctx->ents[j].kind == XT_KIND_ERROR && (size_t)j + 1 < ctx->n_ents) {
		error_name(ctx, &ctx->ents[j], name, sizeof(name));
		set_verdict(it, FW_ACTION_OTHER, what, name);
		return;
	}
	snprintf(off, sizeof(off), "@%u", (unsigned)x->verdict);
	set_verdict(it, FW_ACTION_OTHER, what, off);
	ctx->stats.skipped++;
}

static void map_target(struct xt_ctx *ctx, const struct xt_ent *x, bool is_goto)
{
	struct fw_item *it = &ctx->item;
	struct xt_entry_target tg;
	char name[XT_EXTENSION_MAXNAMELEN];

	switch (x->kind) {
	case XT_KIND_STANDARD:
		if (x->verdict < 0)
			standard_verdict(it, x->verdict);
		else
			jump_verdict(ctx, x, is_goto);
		break;
	case XT_KIND_NAMED:
	case XT_KIND_ERROR:
		memcpy(&tg, ctx->blob + x->off + x->target_off, sizeof(tg));
		fixed_name(name, sizeof(name), tg.u.user.name, sizeof(tg.u.user.name));
		set_verdict(it, strcmp(name, "REJECT") == 0 ? FW_ACTION_DENY : FW_ACTION_OTHER,
			    name, NULL);
		break;
	default:
		unmapped(it, "malformed target");
		ctx->stats.skipped++;
		break;
	}
}

static void item_begin(struct xt_ctx *ctx, const char *chain, int hook, uint32_t priority)
{
	struct fw_item *it = &ctx->item;

	memset(it, 0, sizeof(*it));
	copy_name(it, it->family, ctx->t->family == AF_INET ? "ip" : "ip6");
	copy_name(it, it->table, ctx->t->name ? ctx->t->name : "");
	copy_name(it, it->chain, chain);
	if (hook >= 0)
		copy_name(it, it->hook, hook_names[hook]);
	it->backend = FW_XT_BACKEND;
	it->priority = priority;
	it->action = FW_ACTION_OTHER;
	it->direction = hook == NF_INET_LOCAL_IN    ? FW_DIRECTION_IN
			: hook == NF_INET_LOCAL_OUT ? FW_DIRECTION_OUT
						    : FW_DIRECTION_NONE;
}

static int item_emit(struct xt_ctx *ctx)
{
	if (ctx->stats.items >= FW_ITEMS_MAX) {
		ctx->stats.dropped++;
		return 0;
	}
	ctx->stats.items++;
	return ctx->item_fn(&ctx->item, ctx->userdata);
}

static int rule_emit(struct xt_ctx *ctx, const struct xt_ent *x, const char *chain, int hook,
		     uint32_t priority)
{
	bool is_goto;

	item_begin(ctx, chain, hook, priority);
	is_goto = map_ip(ctx, x);
	if (x->target_off >= ctx->entry_size && x->target_off <= x->next - x->off) {
		if (!map_matches(ctx, x)) {
			unmapped(&ctx->item, "malformed match");
			ctx->stats.skipped++;
		}
	}
	map_target(ctx, x, is_goto);
	ctx->stats.rules++;
	return item_emit(ctx);
}

static int policy_emit(struct xt_ctx *ctx, const struct xt_ent *x, int hook, uint32_t n_rules)
{
	item_begin(ctx, hook_chains[hook], hook, n_rules);
	ctx->item.policy = true;
	map_target(ctx, x, false);
	return item_emit(ctx);
}

/* A user chain's last entry: the implicit RETURN without matches before the next chain. */
static bool is_chain_end(const struct xt_ctx *ctx, size_t i, const long *hook_idx)
{
	const struct xt_ent *x = &ctx->ents[i];

	if (x->kind != XT_KIND_STANDARD || x->verdict != XT_RETURN ||
	    x->target_off != ctx->entry_size)
		return false;
	if (i + 1 == ctx->n_ents || ctx->ents[i + 1].kind == XT_KIND_ERROR)
		return true;
	for (unsigned h = 0; h < FW_XT_HOOKS; h++)
		if (hook_idx[h] == (long)(i + 1))
			return true;
	return false;
}

static int chains_emit(struct xt_ctx *ctx)
{
	long hook_idx[FW_XT_HOOKS], under_idx[FW_XT_HOOKS];
	char user[XT_FUNCTION_MAXNAMELEN + 1];
	int hook = -1; /* current built-in chain */
	bool in_user = false;
	uint32_t prio = 0;
	int r;

	for (unsigned h = 0; h < FW_XT_HOOKS; h++) {
		hook_idx[h] = under_idx[h] = -1;
		if (!(ctx->t->valid_hooks & (1u << h)))
			continue;
		hook_idx[h] = entry_at(ctx, ctx->t->hook_entry[h]);
		under_idx[h] = entry_at(ctx, ctx->t->underflow[h]);
		if (hook_idx[h] < 0 || under_idx[h] < hook_idx[h]) {
			hook_idx[h] = under_idx[h] = -1;
			ctx->stats.skipped++;
			continue;
		}
		ctx->stats.chains++;
	}
	for (size_t i = 0; i < ctx->n_ents; i++) {
		const struct xt_ent *x = &ctx->ents[i];

		for (unsigned h = 0; h < FW_XT_HOOKS; h++)
			if (hook_idx[h] == (long)i) {
				hook = (int)h;
				in_user = false;
				prio = 0;
			}
		if (x->kind == XT_KIND_ERROR) {
			hook = -1;
			in_user = i + 1 < ctx->n_ents; /* the last one ends the table */
			if (in_user) {
				error_name(ctx, x, user, sizeof(user));
				ctx->stats.chains++;
			}
			prio = 0;
			continue;
		}
		if (hook >= 0 && under_idx[hook] == (long)i) {
			r = policy_emit(ctx, x, hook, prio);
			if (r < 0)
				return r;
			hook = -1;
			continue;
		}
		if (in_user && is_chain_end(ctx, i, hook_idx)) {
			in_user = false;
			continue;
		}
		if (hook < 0 && !in_user) {
			ctx->stats.skipped++; /* an entry outside any chain */
			continue;
		}
		r = rule_emit(ctx, x, hook >= 0 ? hook_chains[hook] : user, hook, prio++);
		if (r < 0)
			return r;
	}
	return 0;
}

int fw_xt_parse(const struct fw_xt_table *t,
		int (*item_fn)(const struct fw_item *item, void *userdata), void *userdata,
		struct fw_parse_stats *ret_stats)
{
	struct xt_ctx *ctx;
	int r;

	if (!t || (t->family != AF_INET && t->family != AF_INET6) || (!t->entries && t->size))
		return -EINVAL;
	if (t->size > FW_XT_BLOB_MAX)
		return -E2BIG;
	ctx = es_calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->t = t;
	ctx->blob = t->entries;
	ctx->entry_size =
		t->family == AF_INET ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
	ctx->item_fn = item_fn;
	ctx->userdata = userdata;
	r = walk(ctx);
	if (r >= 0) {
		ctx->stats.tables = 1;
		r = chains_emit(ctx);
	}
	if (r >= 0 && ret_stats)
		*ret_stats = ctx->stats;
	es_free(ctx->ents);
	es_free(ctx);
	return r;
}
