/* SPDX-License-Identifier: MIT */
/*
 * The nftables JSON parser (fw-nft-parse.c) over rulesets captured with `nft -j list ruleset`
 * (tests/fuzz/corpus/nft-json/) and over crafted documents: every construct maps to the
 * right field, unknown expressions and protocols are rendered and never fail the parse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/firewall/fw-nft-parse.h"
#include "common/alloc.h"
#include "common/fileio.h"

#define ITEMS_MAX 256

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

static struct items *parse_str(const char *json, int want, struct fw_parse_stats *st)
{
	struct items *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->fail_at = -1;
	assert_int_equal(fw_nft_parse(json, strlen(json), collect, s, st), want);
	return s;
}

static struct items *parse_file(const char *name, struct fw_parse_stats *st)
{
	char path[512];
	char *data = NULL;
	size_t len = 0;
	struct items *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->fail_at = -1;
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/nft-json/%s", TEST_SOURCE_DIR, name);
	assert_int_equal(read_file_capped(path, FW_NFT_JSON_MAX, &data, &len), 0);
	assert_int_equal(fw_nft_parse(data, len, collect, s, st), 0);
	es_free(data);
	return s;
}

static const struct fw_item *find(const struct items *s, const char *family, const char *chain,
				  uint32_t prio, bool policy)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].family, family) && !strcmp(s->v[i].chain, chain) &&
		    s->v[i].priority == prio && s->v[i].policy == policy)
			return &s->v[i];
	fail_msg("no item %s %s #%u%s", family, chain, prio, policy ? " (policy)" : "");
	return NULL;
}

/* Checks the mapped fields of an item ("" = absent). */
static void expect(const struct fw_item *it, enum fw_action a, const char *proto, const char *saddr,
		   const char *sport, const char *daddr, const char *dport)
{
	assert_int_equal(it->action, a);
	assert_string_equal(it->protocol, proto);
	assert_string_equal(it->saddr, saddr);
	assert_string_equal(it->sport, sport);
	assert_string_equal(it->daddr, daddr);
	assert_string_equal(it->dport, dport);
	assert_false(it->truncated);
}

static void test_native_inet(void **state)
{
	struct fw_parse_stats st;
	struct items *s = parse_file("native-inet.json", &st);
	const struct fw_item *it;
	const char *A = "", *D = "";

	(void)state;
	/* inet edgesec: input 21 rules + policy, output 1 + policy, forward policy, userchain 2;
	 * the nat chain, the bridge and netdev tables are not filters.  ip6 v6only: 1 + policy. */
	assert_int_equal(st.chains, 5);
	assert_int_equal(st.tables, 2);
	assert_int_equal(s->n, 21 + 1 + 1 + 1 + 1 + 2 + 1 + 1);
	for (unsigned i = 0; i < s->n; i++) {
		assert_string_not_equal(s->v[i].chain, "pre");
		assert_string_not_equal(s->v[i].family, "bridge");
	}
	it = find(s, "inet", "input", 0, false);
	expect(it, FW_ACTION_ALLOW, A, A, A, A, D);
	assert_string_equal(it->table, "edgesec");
	assert_string_equal(it->hook, "input");
	assert_int_equal(it->direction, FW_DIRECTION_IN);
	assert_int_equal(it->handle != 0, 1);
	assert_non_null(strstr(it->unmapped, "ct state"));
	assert_non_null(strstr(it->unmapped, "established,related"));
	expect(find(s, "inet", "input", 2, false), FW_ACTION_ALLOW, "tcp", A, A, A, "22,80,443");
	expect(find(s, "inet", "input", 3, false), FW_ACTION_ALLOW, "udp", A, A, A, "1000-2000");
	expect(find(s, "inet", "input", 4, false), FW_ACTION_ALLOW, "tcp,udp", A, A, A, "53");
	expect(find(s, "inet", "input", 5, false), FW_ACTION_DENY, "tcp", "!192.168.0.0/16", A, A,
	       "8080");
	expect(find(s, "inet", "input", 6, false), FW_ACTION_DENY, A, "10.0.0.1-10.0.0.9", A, A, A);
	expect(find(s, "inet", "input", 7, false), FW_ACTION_ALLOW, A, "2001:db8::/32", A,
	       "{2001:db8::1,2001:db8::2}", A);
	expect(find(s, "inet", "input", 8, false), FW_ACTION_DENY, A, "@blocked", A, A, A);
	expect(find(s, "inet", "input", 9, false), FW_ACTION_ALLOW, "sctp", A, A, A, A);
	expect(find(s, "inet", "input", 10, false), FW_ACTION_ALLOW, "esp", A, A, A, A);
	expect(find(s, "inet", "input", 11, false), FW_ACTION_ALLOW, "icmp", A, A, A, A);
	expect(find(s, "inet", "input", 12, false), FW_ACTION_ALLOW, "ipv6-icmp", A, A, A, A);
	expect(find(s, "inet", "input", 13, false), FW_ACTION_ALLOW, "253", A, A, A, A);
	/* log only: Other */
	it = find(s, "inet", "input", 14, false);
	expect(it, FW_ACTION_OTHER, "tcp", A, "!1-1023", A, A);
	assert_string_equal(it->verdict, "log");
	expect(find(s, "inet", "input", 15, false), FW_ACTION_ALLOW, "tcp", A, A,
	       "{10.0.0.0/8,172.16.0.1-172.16.0.9}", "1-100,200");
	it = find(s, "inet", "input", 16, false);
	expect(it, FW_ACTION_OTHER, A, A, A, A, A);
	assert_string_equal(it->verdict, "jump userchain");
	it = find(s, "inet", "input", 17, false);
	expect(it, FW_ACTION_OTHER, "udp", A, A, A, "5000");
	assert_string_equal(it->verdict, "goto userchain");
	it = find(s, "inet", "input", 18, false);
	expect(it, FW_ACTION_ALLOW, A, A, A, A, A);
	assert_non_null(strstr(it->unmapped, "limit"));
	expect(find(s, "inet", "input", 19, false), FW_ACTION_ALLOW, "!udp", A, A, A, A);
	/* icmpv6 type: implies the protocol; the type itself is rendered as unmapped */
	it = find(s, "inet", "input", 20, false);
	expect(it, FW_ACTION_ALLOW, "ipv6-icmp", A, A, A, A);
	assert_non_null(strstr(it->unmapped, "echo-request"));
	it = find(s, "inet", "input", 21, true);
	expect(it, FW_ACTION_DENY, A, A, A, A, A);
	assert_int_equal(it->direction, FW_DIRECTION_IN);
	it = find(s, "inet", "output", 0, false);
	expect(it, FW_ACTION_DENY, "tcp", A, A, A, "25");
	assert_int_equal(it->direction, FW_DIRECTION_OUT);
	expect(find(s, "inet", "output", 1, true), FW_ACTION_ALLOW, A, A, A, A, A);
	it = find(s, "inet", "forward", 0, true);
	expect(it, FW_ACTION_DENY, A, A, A, A, A);
	assert_int_equal(it->direction, FW_DIRECTION_NONE);
	it = find(s, "inet", "userchain", 0, false);
	expect(it, FW_ACTION_ALLOW, "tcp", A, A, "192.168.2.0/24", "!22");
	assert_int_equal(it->direction, FW_DIRECTION_NONE);
	assert_string_equal(it->hook, "");
	expect(find(s, "inet", "userchain", 1, false), FW_ACTION_OTHER, A, A, A, A, A);
	expect(find(s, "ip6", "in", 0, false), FW_ACTION_ALLOW, "ipv6-icmp", A, A, A, A);
	expect(find(s, "ip6", "in", 1, true), FW_ACTION_ALLOW, A, A, A, A, A);
	free(s);
}

static void test_iptables_nft(void **state)
{
	struct fw_parse_stats st;
	struct items *s = parse_file("iptables-nft.json", &st);
	const struct fw_item *it;
	const char *A = "";

	(void)state;
	assert_int_equal(st.tables, 2);
	assert_int_equal(s->n, 11 + 1 + 1 + 1 + 1 + 3 + 1);
	expect(find(s, "ip", "INPUT", 1, false), FW_ACTION_ALLOW, "tcp", A, A, A, "22");
	expect(find(s, "ip", "INPUT", 2, false), FW_ACTION_ALLOW, "udp", A, A, A, "1000-2000");
	expect(find(s, "ip", "INPUT", 3, false), FW_ACTION_ALLOW, "icmp", A, A, A, A);
	it = find(s, "ip", "INPUT", 4, false);
	expect(it, FW_ACTION_DENY, "sctp", A, A, A, A);
	assert_non_null(strstr(it->unmapped, "xt match sctp"));
	expect(find(s, "ip", "INPUT", 5, false), FW_ACTION_ALLOW, "esp", A, A, A, A);
	it = find(s, "ip", "INPUT", 6, false);
	expect(it, FW_ACTION_DENY, "tcp", "!10.0.0.0/8", A, A, "80");
	assert_string_equal(it->verdict, "REJECT");
	expect(find(s, "ip", "INPUT", 7, false), FW_ACTION_ALLOW, "253", A, A, A, A);
	it = find(s, "ip", "INPUT", 9, false);
	expect(it, FW_ACTION_OTHER, "tcp", A, A, A, A);
	assert_string_equal(it->verdict, "jump EDGESEC-USER");
	assert_non_null(strstr(it->unmapped, "multiport"));
	it = find(s, "ip", "INPUT", 10, false);
	assert_int_equal(it->action, FW_ACTION_OTHER);
	assert_string_equal(it->verdict, "LOG");
	expect(find(s, "ip", "INPUT", 11, true), FW_ACTION_DENY, A, A, A, A, A);
	expect(find(s, "ip", "EDGESEC-USER", 0, false), FW_ACTION_ALLOW, A, "192.168.1.1", A,
	       "192.168.2.0/24", A);
	it = find(s, "ip", "OUTPUT", 0, false);
	expect(it, FW_ACTION_ALLOW, "tcp", A, "22", A, A);
	assert_int_equal(it->direction, FW_DIRECTION_OUT);
	expect(find(s, "ip6", "INPUT", 1, false), FW_ACTION_ALLOW, "tcp", "2001:db8::/32", A, A,
	       "443");
	expect(find(s, "ip6", "INPUT", 2, false), FW_ACTION_ALLOW, "esp", A, A, A, A);
	expect(find(s, "ip6", "INPUT", 3, true), FW_ACTION_DENY, A, A, A, A, A);
	free(s);
}

/* nat, mangle and raw tables of iptables-nft are not listed; only the filter table is. */
static void test_iptables_nft_all_tables(void **state)
{
	struct fw_parse_stats st;
	struct items *s = parse_file("iptables-nft-all-tables.json", &st);
	const struct fw_item *it;
	const char *A = "";

	(void)state;
	assert_int_equal(st.tables, 1);
	assert_int_equal(s->n, 6);
	for (unsigned i = 0; i < s->n; i++)
		assert_string_equal(s->v[i].table, "filter");
	it = find(s, "ip", "DOCKER-USER", 0, false);
	assert_string_equal(it->verdict, "return");
	it = find(s, "ip", "FORWARD", 0, false);
	assert_string_equal(it->verdict, "jump DOCKER-USER");
	assert_int_equal(it->direction, FW_DIRECTION_NONE);
	expect(find(s, "ip", "FORWARD", 1, true), FW_ACTION_DENY, A, A, A, A, A);
	it = find(s, "ip", "INPUT", 0, false);
	expect(it, FW_ACTION_ALLOW, "tcp", A, A, A, "22");
	assert_string_equal(it->unmapped, "xt match conntrack");
	it = find(s, "ip", "INPUT", 1, false);
	expect(it, FW_ACTION_DENY, "tcp", A, A, A, A);
	assert_string_equal(it->unmapped, "& payload tcp flags syn ack == syn");
	expect(find(s, "ip", "INPUT", 2, true), FW_ACTION_ALLOW, A, A, A, A, A);
	free(s);
}

static void test_empty_and_invalid(void **state)
{
	struct items *s;
	struct fw_parse_stats st;

	(void)state;
	s = parse_str("{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}]}", 0, &st);
	assert_int_equal(s->n, 0);
	assert_int_equal(st.chains, 0);
	free(s);
	free(parse_str("", -EINVAL, NULL));
	free(parse_str("{", -EINVAL, NULL));
	free(parse_str("[]", -EINVAL, NULL));
	free(parse_str("{\"nftables\": {}}", -EINVAL, NULL));
	/* Junk objects are skipped, never fatal. */
	s = parse_str("{\"nftables\": [1, \"x\", null, {\"chain\": 3}, {\"rule\": []},"
		      "{\"chain\": {\"family\": \"ip\"}},"
		      "{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"nope\"}}]}",
		      0, &st);
	assert_int_equal(s->n, 0);
	assert_int_equal(st.skipped, 4);
	free(s);
}

#define CHAIN_IN                                                                                   \
	"{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"in\", \"handle\": 1,"    \
	"\"type\": \"filter\", \"hook\": \"input\", \"prio\": 0}}"
#define RULE(exprs)                                                                                \
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"in\", \"handle\": 7,"    \
	"\"expr\": [" exprs "]}}"

static void test_unknown_never_aborts(void **state)
{
	struct items *s;

	(void)state;
	s = parse_str(
		"{\"nftables\": [" CHAIN_IN "," RULE(
			"{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": "
			"\"l4proto\"}}, \"right\": \"brand-new-proto\"}},"
			"{\"frobnicate\": {\"x\": [1, {\"y\": null}]}},"
			"{\"match\": {\"op\": \"<\", \"left\": {\"meta\": {\"key\": \"length\"}},"
			"\"right\": 100}},"
			"{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": "
			"\"tcp\", \"field\": \"dport\"}}, \"right\": {\"weird\": 1}}},"
			"7, {\"a\": 1, \"b\": 2}, {\"queue\": {\"num\": 3}}") "," RULE("{\"match\":"
										       " {\"op\": "
										       "\"==\", "
										       "\"left\": "
										       "{\"meta\": "
										       "{\"key\": "
										       "\"l4proto\""
										       "}}, "
										       "\"right\": "
										       "132}},"
										       "{\"match\":"
										       " {\"op\": "
										       "\"==\", "
										       "\"left\": "
										       "{\"meta\": "
										       "{\"key\": "
										       "\"l4proto\""
										       "}}, "
										       "\"right\": "
										       "6}}, "
										       "{\"drop\": "
										       "null}") "]"
												"}",
		0, NULL);
	assert_int_equal(s->n, 3);
	assert_string_equal(s->v[0].protocol, "brand-new-proto");
	assert_string_equal(s->v[0].dport, "");
	assert_int_equal(s->v[0].action, FW_ACTION_OTHER);
	assert_string_equal(s->v[0].verdict, "queue");
	assert_non_null(strstr(s->v[0].unmapped, "frobnicate"));
	assert_non_null(strstr(s->v[0].unmapped, "length < 100"));
	assert_non_null(strstr(s->v[0].unmapped, "weird"));
	assert_int_equal(s->v[0].handle, 7);
	/* numeric protocols; a second protocol match goes to Unmapped */
	assert_string_equal(s->v[1].protocol, "132");
	assert_non_null(strstr(s->v[1].unmapped, "l4proto == 6"));
	assert_int_equal(s->v[1].action, FW_ACTION_DENY);
	assert_true(s->v[2].policy);
	assert_int_equal(s->v[2].priority, 2);
	assert_int_equal(s->v[2].action, FW_ACTION_ALLOW); /* no policy given: accept */
	free(s);
}

static void test_bounds_and_order(void **state)
{
	char big[8000], doc[12000];
	size_t n = 0;
	struct items *s;

	(void)state;
	/* A long set: the field is cut on a boundary and the item marked truncated. */
	for (size_t i = 0; i < 600; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"10.0.0.1\"", i ? "," : "");
	snprintf(doc, sizeof(doc),
		 "{\"nftables\": [" CHAIN_IN "," RULE("{\"match\": {\"op\": \"==\", \"left\": "
						      "{\"payload\": {\"protocol\": \"ip\","
						      "\"field\": \"saddr\"}}, \"right\": "
						      "{\"set\": [%s]}}}, {\"accept\": null}") "]}",
		 big);
	s = parse_str(doc, 0, NULL);
	assert_int_equal(s->n, 2);
	assert_true(s->v[0].truncated);
	assert_int_equal(strlen(s->v[0].saddr), FW_VALUE_MAX - 1);
	free(s);
	/* Rules listed before their chain's other rules interleaved: chain order is kept. */
	s = parse_str("{\"nftables\": [" CHAIN_IN ","
		      "{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"u\"}},"
		      "{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"u\","
		      "\"expr\": [{\"return\": null}]}}," RULE(
			      "{\"accept\": null}") ","
						    "{\"rule\": {\"family\": \"inet\", \"table\": "
						    "\"t\", \"chain\": \"u\","
						    "\"expr\": [{\"drop\": null}]}}]}",
		      0, NULL);
	assert_int_equal(s->n, 4);
	assert_string_equal(s->v[0].chain, "in");
	assert_true(s->v[1].policy);
	assert_int_equal(s->v[1].priority, 1);
	assert_string_equal(s->v[2].chain, "u");
	assert_int_equal(s->v[2].priority, 0);
	assert_string_equal(s->v[3].verdict, "drop");
	assert_int_equal(s->v[3].priority, 1);
	free(s);
}

static void test_callback_error(void **state)
{
	struct items *s = calloc(1, sizeof(*s));
	const char *doc = "{\"nftables\": [" CHAIN_IN "," RULE("{\"accept\": null}") "]}";

	(void)state;
	s->fail_at = 1;
	assert_int_equal(fw_nft_parse(doc, strlen(doc), collect, s, NULL), -EIO);
	assert_int_equal(s->n, 1);
	free(s);
	assert_string_equal(fw_action_to_string(FW_ACTION_DENY), "Deny");
	assert_null(fw_direction_to_string(FW_DIRECTION_NONE));
	assert_string_equal(fw_direction_to_string(FW_DIRECTION_IN), "In");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_inet),
		cmocka_unit_test(test_iptables_nft),
		cmocka_unit_test(test_iptables_nft_all_tables),
		cmocka_unit_test(test_empty_and_invalid),
		cmocka_unit_test(test_unknown_never_aborts),
		cmocka_unit_test(test_bounds_and_order),
		cmocka_unit_test(test_callback_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
