/* SPDX-License-Identifier: MIT */
/*
 * The legacy x_tables parser (fw-xtables-parse.c) over entry blobs built here the way the
 * kernel returns them: built-in chains with their policies, a user chain, jumps, gotos and
 * fall-through rules, tcp/udp/sctp/multiport/icmp matches, inversions, v4 and v6 addresses,
 * unknown protocols and matches; and over broken blobs (cut anywhere, next_offset 0 or past
 * the end, overlapping target/match sizes, jumps to themselves, hook offsets inside an entry),
 * which must fail cleanly or mark the rule, never crash or loop.  Then the reader
 * (fw-xtables.c) in a fresh network namespace: no table there, and asking must not create one.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_sctp.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include <cmocka.h>

#include "collectors/firewall/fw-xtables-parse.h"
#include "collectors/firewall/fw-xtables.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/fileio.h"

#define ITEMS_MAX 64
#define HOOKS_FILTER                                                                               \
	((1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT))

struct items {
	struct fw_item v[ITEMS_MAX];
	unsigned n;
	int fail_at; /* return -EIO from this item on (-1: never) */
};

static int collect(const struct fw_item *it, void *userdata)
{
	struct items *s = userdata;

	if (s->fail_at >= 0 && (int)s->n >= s->fail_at)
		return -EIO;
	assert_true(s->n < ITEMS_MAX);
	s->v[s->n++] = *it;
	return 0;
}

/* --- building blobs ------------------------------------------------------------------ */

struct blob {
	uint8_t buf[16384];
	size_t len;
	int family;
	size_t entry; /* offset of the entry being built */
};

static size_t entry_size(const struct blob *b)
{
	return b->family == AF_INET ? sizeof(struct ipt_entry) : sizeof(struct ip6t_entry);
}

static void append(struct blob *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

/* Starts an entry with this ip part (struct ipt_ip / ip6t_ip6, NULL: any). */
static size_t entry_begin(struct blob *b, const void *ip)
{
	uint8_t zero[sizeof(struct ip6t_entry)] = { 0 };

	b->entry = b->len;
	append(b, zero, entry_size(b));
	if (ip && b->family == AF_INET)
		memcpy(b->buf + b->entry + offsetof(struct ipt_entry, ip), ip,
		       sizeof(struct ipt_ip));
	else if (ip)
		memcpy(b->buf + b->entry + offsetof(struct ip6t_entry, ipv6), ip,
		       sizeof(struct ip6t_ip6));
	return b->entry;
}

static void add_match(struct blob *b, const char *name, uint8_t rev, const void *data, size_t n)
{
	struct xt_entry_match m = { 0 };
	uint8_t pad[8] = { 0 };

	m.u.user.match_size = (uint16_t)XT_ALIGN(sizeof(m) + n);
	strncpy(m.u.user.name, name, sizeof(m.u.user.name) - 1);
	m.u.user.revision = rev;
	append(b, &m, sizeof(m));
	append(b, data, n);
	append(b, pad, XT_ALIGN(sizeof(m) + n) - sizeof(m) - n);
}

static void set_offsets(struct blob *b, uint16_t target_offset)
{
	uint16_t next = (uint16_t)(b->len - b->entry);
	size_t t = b->family == AF_INET ? offsetof(struct ipt_entry, target_offset)
					: offsetof(struct ip6t_entry, target_offset);
	size_t n = b->family == AF_INET ? offsetof(struct ipt_entry, next_offset)
					: offsetof(struct ip6t_entry, next_offset);

	memcpy(b->buf + b->entry + t, &target_offset, 2);
	memcpy(b->buf + b->entry + n, &next, 2);
}

static void end_target(struct blob *b, const char *name, const void *data, size_t n)
{
	uint16_t target_offset = (uint16_t)(b->len - b->entry);
	struct xt_entry_target t = { 0 };
	uint8_t pad[8] = { 0 };

	t.u.user.target_size = (uint16_t)XT_ALIGN(sizeof(t) + n);
	strncpy(t.u.user.name, name, sizeof(t.u.user.name) - 1);
	append(b, &t, sizeof(t));
	append(b, data, n);
	append(b, pad, XT_ALIGN(sizeof(t) + n) - sizeof(t) - n);
	set_offsets(b, target_offset);
}

static void end_verdict(struct blob *b, int32_t verdict)
{
	end_target(b, XT_STANDARD_TARGET, &verdict, sizeof(verdict));
}

static void end_error(struct blob *b, const char *chain)
{
	char name[XT_FUNCTION_MAXNAMELEN] = { 0 };

	strncpy(name, chain, sizeof(name) - 1);
	end_target(b, XT_ERROR_TARGET, name, sizeof(name));
}

static struct ipt_ip ip4(const char *src, const char *smsk, const char *dst, const char *dmsk,
			 uint16_t proto, uint8_t inv)
{
	struct ipt_ip ip = { 0 };

	if (src) {
		assert_int_equal(inet_pton(AF_INET, src, &ip.src), 1);
		assert_int_equal(inet_pton(AF_INET, smsk, &ip.smsk), 1);
	}
	if (dst) {
		assert_int_equal(inet_pton(AF_INET, dst, &ip.dst), 1);
		assert_int_equal(inet_pton(AF_INET, dmsk, &ip.dmsk), 1);
	}
	ip.proto = proto;
	ip.invflags = inv;
	return ip;
}

static void table_init(struct fw_xt_table *t, const struct blob *b)
{
	memset(t, 0, sizeof(*t));
	t->family = b->family;
	t->name = "filter";
	t->valid_hooks = HOOKS_FILTER;
	t->entries = b->buf;
	t->size = b->len;
}

/*
 * The reference table (offsets recorded in *t):
 *   INPUT   0 -p tcp --dport 22 ACCEPT
 *           1 ! -s 10.0.0.0/8 -p udp --sport 1000:2000 ! --dport 53 DROP
 *           2 -p 253 -j USER
 *           3 -i eth+ ! -o lo -p tcp -g USER
 *           policy DROP
 *   FORWARD policy ACCEPT
 *   OUTPUT  0 -p tcp -m multiport --sports 22,80,1000:2000 -j REJECT
 *           1 -p sctp --dport 9 -m conntrack -j QUEUE
 *           policy ACCEPT
 *   USER    0 -s 192.168.1.1 -d 192.168.2.0/24 -p icmp --icmp-type 8 -j LOG
 *           1 -s 1.2.3.4/255.0.255.0 (no target: falls through)
 *           (RETURN)
 */
static void build_reference(struct blob *b, struct fw_xt_table *t)
{
	struct xt_tcp tcp = { .spts = { 0, 0xffff }, .dpts = { 22, 22 } };
	struct xt_udp udp = { .spts = { 1000, 2000 },
			      .dpts = { 53, 53 },
			      .invflags = XT_UDP_INV_DSTPT };
	struct xt_multiport_v1 mp = { .flags = XT_MULTIPORT_SOURCE,
				      .count = 4,
				      .ports = { 22, 80, 1000, 2000 },
				      .pflags = { 0, 0, 1, 0 } };
	struct xt_sctp_info sctp = { .dpts = { 9, 9 }, .flags = XT_SCTP_DEST_PORTS };
	struct ipt_icmp icmp = { .type = 8, .code = { 0, 0xff } };
	struct ipt_ip ip;
	size_t jump_at, goto_at, user_first;
	int32_t v;

	memset(b, 0, sizeof(*b));
	b->family = AF_INET;
	t->hook_entry[NF_INET_LOCAL_IN] = (uint32_t)b->len;
	ip = ip4(NULL, NULL, NULL, NULL, IPPROTO_TCP, 0);
	entry_begin(b, &ip);
	add_match(b, "tcp", 0, &tcp, sizeof(tcp));
	end_verdict(b, -NF_ACCEPT - 1);
	ip = ip4("10.0.0.0", "255.0.0.0", NULL, NULL, IPPROTO_UDP, IPT_INV_SRCIP);
	entry_begin(b, &ip);
	add_match(b, "udp", 0, &udp, sizeof(udp));
	end_verdict(b, -NF_DROP - 1);
	ip = ip4(NULL, NULL, NULL, NULL, 253, 0);
	jump_at = entry_begin(b, &ip);
	end_verdict(b, 0); /* patched below */
	ip = ip4(NULL, NULL, NULL, NULL, IPPROTO_TCP, IPT_INV_VIA_OUT);
	memcpy(ip.iniface, "eth", 3);
	memset(ip.iniface_mask, 0xff, 3);
	memcpy(ip.outiface, "lo", 2);
	memset(ip.outiface_mask, 0xff, 3);
	ip.flags = IPT_F_GOTO;
	goto_at = entry_begin(b, &ip);
	end_verdict(b, 0);
	t->underflow[NF_INET_LOCAL_IN] = (uint32_t)entry_begin(b, NULL);
	end_verdict(b, -NF_DROP - 1);
	t->hook_entry[NF_INET_FORWARD] = t->underflow[NF_INET_FORWARD] =
		(uint32_t)entry_begin(b, NULL);
	end_verdict(b, -NF_ACCEPT - 1);
	ip = ip4(NULL, NULL, NULL, NULL, IPPROTO_TCP, 0);
	t->hook_entry[NF_INET_LOCAL_OUT] = (uint32_t)entry_begin(b, &ip);
	add_match(b, "multiport", 1, &mp, sizeof(mp));
	end_target(b, "REJECT", "\0\0\0\0", 4);
	ip = ip4(NULL, NULL, NULL, NULL, IPPROTO_SCTP, 0);
	entry_begin(b, &ip);
	add_match(b, "sctp", 0, &sctp, sizeof(sctp));
	add_match(b, "conntrack", 3, "\0\0\0\0\0\0\0\0", 8);
	end_verdict(b, -NF_QUEUE - 1);
	t->underflow[NF_INET_LOCAL_OUT] = (uint32_t)entry_begin(b, NULL);
	end_verdict(b, -NF_ACCEPT - 1);
	entry_begin(b, NULL);
	end_error(b, "USER");
	ip = ip4("192.168.1.1", "255.255.255.255", "192.168.2.0", "255.255.255.0", IPPROTO_ICMP, 0);
	user_first = entry_begin(b, &ip);
	add_match(b, "icmp", 0, &icmp, sizeof(icmp));
	end_target(b, "LOG", "\0\0\0\0\0\0\0\0", 8);
	ip = ip4("1.2.3.4", "255.0.255.0", NULL, NULL, 0, 0);
	entry_begin(b, &ip);
	v = (int32_t)(b->len + XT_ALIGN(sizeof(struct xt_standard_target)));
	end_verdict(b, v); /* the next entry: no target */
	entry_begin(b, NULL);
	end_verdict(b, XT_RETURN);
	entry_begin(b, NULL);
	end_error(b, "ERROR");

	v = (int32_t)user_first;
	memcpy(b->buf + jump_at + sizeof(struct ipt_entry) + sizeof(struct xt_entry_target), &v, 4);
	memcpy(b->buf + goto_at + sizeof(struct ipt_entry) + sizeof(struct xt_entry_target), &v, 4);
	t->family = AF_INET;
	t->name = "filter";
	t->valid_hooks = HOOKS_FILTER;
	t->entries = b->buf;
	t->size = b->len;
}

static struct items *parse(const struct fw_xt_table *t, int want, struct fw_parse_stats *st)
{
	struct items *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->fail_at = -1;
	assert_int_equal(fw_xt_parse(t, collect, s, st), want);
	return s;
}

static void assert_item(const struct fw_item *it, const char *chain, unsigned prio,
			enum fw_action action, const char *verdict)
{
	assert_string_equal(it->chain, chain);
	assert_int_equal(it->priority, prio);
	assert_int_equal(it->action, action);
	assert_string_equal(it->verdict, verdict);
	assert_string_equal(it->table, "filter");
	assert_string_equal(it->backend, FW_XT_BACKEND);
}

static void test_reference_table(void **state)
{
	static struct blob b;
	struct fw_parse_stats st;
	struct fw_xt_table t = { 0 };
	struct items *s;

	(void)state;
	build_reference(&b, &t);
	s = parse(&t, 0, &st);
	assert_int_equal(s->n, 11);
	assert_int_equal(st.items, 11);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.chains, 4);

	assert_item(&s->v[0], "INPUT", 0, FW_ACTION_ALLOW, "accept");
	assert_string_equal(s->v[0].family, "ip");
	assert_string_equal(s->v[0].hook, "input");
	assert_int_equal(s->v[0].direction, FW_DIRECTION_IN);
	assert_string_equal(s->v[0].protocol, "tcp");
	assert_string_equal(s->v[0].dport, "22");
	assert_string_equal(s->v[0].sport, "");
	assert_string_equal(s->v[0].saddr, "");
	assert_false(s->v[0].policy);

	assert_item(&s->v[1], "INPUT", 1, FW_ACTION_DENY, "drop");
	assert_string_equal(s->v[1].protocol, "udp");
	assert_string_equal(s->v[1].saddr, "!10.0.0.0/8");
	assert_string_equal(s->v[1].sport, "1000-2000");
	assert_string_equal(s->v[1].dport, "!53");

	assert_item(&s->v[2], "INPUT", 2, FW_ACTION_OTHER, "jump USER");
	assert_string_equal(s->v[2].protocol, "253");

	assert_item(&s->v[3], "INPUT", 3, FW_ACTION_OTHER, "goto USER");
	assert_string_equal(s->v[3].unmapped, "meta iifname == eth*; meta oifname != lo");

	assert_item(&s->v[4], "INPUT", 4, FW_ACTION_DENY, "drop");
	assert_true(s->v[4].policy);
	assert_string_equal(s->v[4].protocol, "");

	assert_item(&s->v[5], "FORWARD", 0, FW_ACTION_ALLOW, "accept");
	assert_true(s->v[5].policy);
	assert_int_equal(s->v[5].direction, FW_DIRECTION_NONE);

	assert_item(&s->v[6], "OUTPUT", 0, FW_ACTION_DENY, "REJECT");
	assert_int_equal(s->v[6].direction, FW_DIRECTION_OUT);
	assert_string_equal(s->v[6].sport, "22,80,1000-2000");
	assert_string_equal(s->v[6].dport, "");

	assert_item(&s->v[7], "OUTPUT", 1, FW_ACTION_OTHER, "queue");
	assert_string_equal(s->v[7].protocol, "sctp");
	assert_string_equal(s->v[7].dport, "9");
	assert_string_equal(s->v[7].unmapped, "xt match conntrack");

	assert_item(&s->v[8], "OUTPUT", 2, FW_ACTION_ALLOW, "accept");
	assert_true(s->v[8].policy);

	assert_item(&s->v[9], "USER", 0, FW_ACTION_OTHER, "LOG");
	assert_string_equal(s->v[9].hook, "");
	assert_int_equal(s->v[9].direction, FW_DIRECTION_NONE);
	assert_string_equal(s->v[9].saddr, "192.168.1.1");
	assert_string_equal(s->v[9].daddr, "192.168.2.0/24");
	assert_string_equal(s->v[9].protocol, "icmp");
	assert_string_equal(s->v[9].unmapped, "icmp type 8");

	assert_item(&s->v[10], "USER", 1, FW_ACTION_OTHER, "");
	assert_string_equal(s->v[10].saddr, "1.2.3.4/255.0.255.0");
	free(s);
}

static void test_ipv6(void **state)
{
	static struct blob b;
	struct xt_tcp tcp = { .spts = { 0, 0xffff }, .dpts = { 443, 443 } };
	struct fw_xt_table t;
	struct ip6t_ip6 ip;
	struct items *s;
	uint32_t hook, under;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.family = AF_INET6;
	memset(&ip, 0, sizeof(ip));
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::", &ip.src), 1);
	assert_int_equal(inet_pton(AF_INET6, "ffff:ffff::", &ip.smsk), 1);
	ip.proto = IPPROTO_TCP;
	ip.flags = IP6T_F_PROTO;
	hook = (uint32_t)entry_begin(&b, &ip);
	add_match(&b, "tcp", 0, &tcp, sizeof(tcp));
	end_verdict(&b, -NF_ACCEPT - 1);
	memset(&ip, 0, sizeof(ip));
	assert_int_equal(inet_pton(AF_INET6, "fe80::1", &ip.dst), 1);
	memset(&ip.dmsk, 0xff, sizeof(ip.dmsk));
	ip.proto = IPPROTO_ICMPV6;
	ip.flags = IP6T_F_PROTO;
	ip.invflags = IP6T_INV_PROTO | IP6T_INV_DSTIP;
	entry_begin(&b, &ip);
	end_verdict(&b, -NF_ACCEPT - 1);
	memset(&ip, 0, sizeof(ip));
	ip.proto = 99; /* without IP6T_F_PROTO: no protocol match */
	entry_begin(&b, &ip);
	end_verdict(&b, XT_RETURN);
	under = (uint32_t)entry_begin(&b, NULL);
	end_verdict(&b, -NF_DROP - 1);
	entry_begin(&b, NULL);
	end_error(&b, "ERROR");
	table_init(&t, &b);
	t.valid_hooks = 1u << NF_INET_LOCAL_IN;
	t.hook_entry[NF_INET_LOCAL_IN] = hook;
	t.underflow[NF_INET_LOCAL_IN] = under;
	s = parse(&t, 0, NULL);
	assert_int_equal(s->n, 4);
	assert_item(&s->v[0], "INPUT", 0, FW_ACTION_ALLOW, "accept");
	assert_string_equal(s->v[0].family, "ip6");
	assert_string_equal(s->v[0].saddr, "2001:db8::/32");
	assert_string_equal(s->v[0].dport, "443");
	assert_string_equal(s->v[1].protocol, "!ipv6-icmp");
	assert_string_equal(s->v[1].daddr, "!fe80::1");
	assert_item(&s->v[2], "INPUT", 2, FW_ACTION_OTHER, "return");
	assert_string_equal(s->v[2].protocol, "");
	assert_item(&s->v[3], "INPUT", 3, FW_ACTION_DENY, "drop");
	assert_true(s->v[3].policy);
	free(s);
}

/* Cut anywhere: a clean error, or (at an entry boundary) fewer items; never a crash. */
static void test_truncated(void **state)
{
	static struct blob b;
	struct fw_xt_table t = { 0 };
	unsigned ok = 0;

	(void)state;
	build_reference(&b, &t);
	for (size_t len = 0; len < b.len; len++) {
		struct items *s = calloc(1, sizeof(*s));
		uint8_t *copy = malloc(len ? len : 1); /* exact size, for ASan */
		int r;

		assert_non_null(s);
		assert_non_null(copy);
		memcpy(copy, b.buf, len);
		t.entries = copy;
		t.size = len;
		s->fail_at = -1;
		r = fw_xt_parse(&t, collect, s, NULL);
		assert_true(r == 0 || r == -EINVAL);
		if (r == -EINVAL)
			assert_int_equal(s->n, 0);
		else
			ok++;
		free(copy);
		free(s);
	}
	assert_true(ok >= 5); /* each entry boundary */
}

static void put16(struct blob *b, size_t entry, size_t field, uint16_t v)
{
	memcpy(b->buf + entry + field, &v, 2);
}

static void test_bad_offsets(void **state)
{
	static struct blob b;
	struct xt_tcp tcp = { .spts = { 0, 0xffff }, .dpts = { 22, 22 } };
	struct fw_parse_stats st;
	struct fw_xt_table t;
	struct items *s;
	size_t e0, e1;

	(void)state;
	/* next_offset 0 (a walk that would never move) and past the end */
	memset(&b, 0, sizeof(b));
	b.family = AF_INET;
	e0 = entry_begin(&b, NULL);
	end_verdict(&b, -NF_ACCEPT - 1);
	table_init(&t, &b);
	put16(&b, e0, offsetof(struct ipt_entry, next_offset), 0);
	free(parse(&t, -EINVAL, NULL));
	put16(&b, e0, offsetof(struct ipt_entry, next_offset), (uint16_t)(b.len + 8));
	free(parse(&t, -EINVAL, NULL));
	put16(&b, e0, offsetof(struct ipt_entry, next_offset), sizeof(struct ipt_entry) - 1);
	free(parse(&t, -EINVAL, NULL));
	t.family = AF_UNIX;
	free(parse(&t, -EINVAL, NULL));
	t.family = AF_INET;
	t.size = FW_XT_BLOB_MAX + 1;
	free(parse(&t, -E2BIG, NULL));

	/* target overlapping the next entry, match overlapping the target, match size 0 */
	memset(&b, 0, sizeof(b));
	b.family = AF_INET;
	e0 = entry_begin(&b, NULL);
	add_match(&b, "tcp", 0, &tcp, sizeof(tcp));
	end_verdict(&b, -NF_ACCEPT - 1);
	e1 = entry_begin(&b, NULL);
	add_match(&b, "tcp", 0, &tcp, sizeof(tcp));
	end_verdict(&b, -NF_ACCEPT - 1);
	entry_begin(&b, NULL);
	end_verdict(&b, -NF_DROP - 1);
	table_init(&t, &b);
	t.valid_hooks = 1u << NF_INET_LOCAL_IN;
	t.hook_entry[NF_INET_LOCAL_IN] = 0;
	t.underflow[NF_INET_LOCAL_IN] = (uint32_t)b.entry;
	/* e0's target claims 200 bytes more than its entry has */
	put16(&b,
	      e0 + sizeof(struct ipt_entry) + XT_ALIGN(sizeof(struct xt_entry_match) + sizeof(tcp)),
	      0, 240);
	/* e1's match claims to run into its target */
	put16(&b, e1 + sizeof(struct ipt_entry), 0, 200);
	s = parse(&t, 0, &st);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->v[0].action, FW_ACTION_OTHER);
	assert_string_equal(s->v[0].dport, "22");
	assert_non_null(strstr(s->v[0].unmapped, "malformed target"));
	assert_string_equal(s->v[1].unmapped, "malformed match");
	assert_string_equal(s->v[1].verdict, "accept");
	assert_true(s->v[2].policy);
	assert_int_equal(st.skipped, 2);
	free(s);
	put16(&b, e1 + sizeof(struct ipt_entry), 0, 0);
	s = parse(&t, 0, NULL);
	assert_string_equal(s->v[1].unmapped, "malformed match");
	free(s);
}

/* Jumps are named, never followed: a jump to itself or into nowhere ends; bad hooks skipped. */
static void test_loops_and_bad_hooks(void **state)
{
	static struct blob b;
	struct fw_parse_stats st;
	struct fw_xt_table t;
	struct items *s;
	size_t self, user;
	int32_t v;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.family = AF_INET;
	self = entry_begin(&b, NULL);
	end_verdict(&b, 0); /* jump to itself */
	entry_begin(&b, NULL);
	end_verdict(&b, 7); /* jump into the middle of an entry */
	entry_begin(&b, NULL);
	end_verdict(&b, -NF_DROP - 1);
	entry_begin(&b, NULL);
	end_error(&b, "LOOP");
	user = entry_begin(&b, NULL);
	end_verdict(&b, 0); /* patched: USER jumps to its own start */
	entry_begin(&b, NULL);
	end_verdict(&b, XT_RETURN);
	entry_begin(&b, NULL);
	end_error(&b, "ERROR");
	v = (int32_t)user;
	memcpy(b.buf + user + sizeof(struct ipt_entry) + sizeof(struct xt_entry_target), &v, 4);
	(void)self;
	table_init(&t, &b);
	t.valid_hooks =
		(1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);
	t.hook_entry[NF_INET_LOCAL_IN] = 0;
	t.underflow[NF_INET_LOCAL_IN] = 2 * (uint32_t)(sizeof(struct ipt_entry) + 40);
	t.hook_entry[NF_INET_FORWARD] = 3; /* inside an entry */
	t.underflow[NF_INET_FORWARD] = 3;
	t.hook_entry[NF_INET_LOCAL_OUT] = t.underflow[NF_INET_LOCAL_IN];
	t.underflow[NF_INET_LOCAL_OUT] = 0; /* before its start */
	s = parse(&t, 0, &st);
	assert_int_equal(s->n, 4);
	assert_item(&s->v[0], "INPUT", 0, FW_ACTION_OTHER, "jump @0");
	assert_item(&s->v[1], "INPUT", 1, FW_ACTION_OTHER, "jump @7");
	assert_item(&s->v[2], "INPUT", 2, FW_ACTION_DENY, "drop");
	assert_true(s->v[2].policy);
	assert_item(&s->v[3], "LOOP", 0, FW_ACTION_OTHER, "jump LOOP");
	assert_int_equal(st.skipped, 4); /* two unresolved jumps, two bad hooks */
	free(s);
}

static void test_protocols_and_names(void **state)
{
	static struct blob b;
	struct fw_xt_table t;
	struct items *s;
	uint32_t under;
	char long_name[40];
	static const struct {
		uint16_t proto;
		uint8_t inv;
		const char *want;
	} cases[] = {
		{ IPPROTO_ESP, 0, "esp" },
		{ IPPROTO_AH, 0, "ah" },
		{ IPPROTO_SCTP, 0, "sctp" },
		{ IPPROTO_GRE, 0, "gre" },
		{ IPPROTO_UDPLITE, 0, "udplite" },
		{ IPPROTO_TCP, IPT_INV_PROTO, "!tcp" },
		{ 253, 0, "253" },
		{ 255, 0, "255" },
		{ 0, IPT_INV_PROTO, "!0" },
	};

	(void)state;
	memset(&b, 0, sizeof(b));
	b.family = AF_INET;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ipt_ip ip = ip4(NULL, NULL, NULL, NULL, cases[i].proto, cases[i].inv);

		entry_begin(&b, &ip);
		end_verdict(&b, -NF_ACCEPT - 1);
	}
	/* an unknown match and target, a target name without its NUL */
	entry_begin(&b, NULL);
	add_match(&b, "edgesec-none", 0, "abcd", 4);
	memset(long_name, 'X', sizeof(long_name));
	end_target(&b, "NFLOG", "\0\0\0\0", 4);
	memcpy(b.buf + b.entry + sizeof(struct ipt_entry) +
		       XT_ALIGN(sizeof(struct xt_entry_match) + 4) +
		       offsetof(struct xt_entry_target, u.user.name),
	       long_name, XT_EXTENSION_MAXNAMELEN);
	under = (uint32_t)entry_begin(&b, NULL);
	end_verdict(&b, -NF_ACCEPT - 1);
	entry_begin(&b, NULL);
	end_error(&b, "ERROR");
	table_init(&t, &b);
	t.valid_hooks = 1u << NF_INET_LOCAL_IN;
	t.underflow[NF_INET_LOCAL_IN] = under;
	s = parse(&t, 0, NULL);
	assert_int_equal(s->n, ARRAY_SIZE(cases) + 2);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(s->v[i].protocol, cases[i].want);
	assert_string_equal(s->v[9].unmapped, "xt match edgesec-none");
	assert_int_equal(strlen(s->v[9].verdict), XT_EXTENSION_MAXNAMELEN - 1);
	assert_int_equal(s->v[9].action, FW_ACTION_OTHER);
	assert_string_equal(fw_xt_protocol_name(IPPROTO_ICMPV6), "ipv6-icmp");
	assert_null(fw_xt_protocol_name(254));
	free(s);
}

static void test_callback_error(void **state)
{
	static struct blob b;
	struct fw_xt_table t = { 0 };
	struct items *s = calloc(1, sizeof(*s));

	(void)state;
	build_reference(&b, &t);
	s->fail_at = 2;
	assert_int_equal(fw_xt_parse(&t, collect, s, NULL), -EIO);
	assert_int_equal(s->n, 2);
	free(s);
}

/* Whether the namespace's list of IPv4 x_tables names `name`. */
static bool listed(const char *name)
{
	char *data = NULL;
	size_t len;
	bool found;

	if (read_file_capped("/proc/self/net/ip_tables_names", 4096, &data, &len) < 0)
		return false;
	found = strstr(data, name) != NULL;
	es_free(data);
	return found;
}

/*
 * In a new network namespace there is no filter table: the reader says so (-ENOENT) and has
 * not created one by asking; a socket in another family is refused.
 */
static void test_reader_fresh_namespace(void **state)
{
	struct fw_xt_table t;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: needs root and unshare(CLONE_NEWNET) for a private network "
		       "namespace\n");
		skip();
	}
	assert_false(listed("filter"));
	assert_int_equal(fw_xt_read(AF_INET, "filter", &t), -ENOENT);
	assert_int_equal(fw_xt_read(AF_INET6, "filter", &t), -ENOENT);
	assert_null(t.entries);
	assert_false(listed("filter"));
	assert_int_equal(fw_xt_read(AF_UNIX, "filter", &t), -EAFNOSUPPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_table),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_offsets),
		cmocka_unit_test(test_loops_and_bad_hooks),
		cmocka_unit_test(test_protocols_and_names),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_reader_fresh_namespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
