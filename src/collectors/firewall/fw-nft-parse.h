/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The nftables ruleset in libnftables' JSON form ("nft -j list ruleset"), turned into
 * FirewallConfiguration items.  A pure function over a buffer (no I/O, no libnftables), shared
 * by the firewall collector, its unit test and its fuzzer.
 *
 * What becomes an item: the chains of the ip, ip6 and inet families (iptables-nft's tables
 * are ip/ip6 tables too) that filter — base chains of type "filter", except those of the
 * iptables-nft compat tables raw, mangle, nat and security — and the regular (user) chains
 * of a table that has such a base chain.  One item per rule, in chain order (Priority = the
 * rule's index in its chain), then one item per base chain for its policy (Priority = the
 * number of rules).  Expressions that cannot be mapped to an ASC field never fail the parse:
 * they are rendered, bounded, into fw_item.unmapped.  Every string is bounded (FW_*_MAX);
 * a value that does not fit is cut on a UTF-8 boundary and the item is marked truncated.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_NFT_JSON_MAX (32u << 20) /* largest JSON document accepted */
#define FW_CHAINS_MAX 4096u	    /* chains considered; more are skipped */
#define FW_ITEMS_MAX 16384u	    /* items (rules + policies) produced; more are dropped */
#define FW_NAME_MAX 257u	    /* family, table, chain, hook names (NFT_NAME_MAXLEN + 1) */
#define FW_VALUE_MAX 512u	    /* protocol, addresses, ports, verdict */
#define FW_UNMAPPED_MAX 512u	    /* the text of the expressions that were not mapped */

enum fw_action {
	FW_ACTION_ALLOW, /* accept */
	FW_ACTION_DENY,	 /* drop, reject */
	FW_ACTION_OTHER, /* jump, goto, return, queue, log only, no verdict, ... */
	_FW_ACTION_MAX,
};

enum fw_direction {
	FW_DIRECTION_NONE, /* not an input/output hook (forward, user chain, ...) */
	FW_DIRECTION_IN,
	FW_DIRECTION_OUT,
	_FW_DIRECTION_MAX,
};

struct fw_item {
	char family[FW_NAME_MAX], table[FW_NAME_MAX], chain[FW_NAME_MAX];
	char hook[FW_NAME_MAX]; /* "" for a regular chain */
	uint64_t handle;	/* the rule's handle, or the chain's for a policy item */
	uint32_t priority;
	enum fw_direction direction;
	enum fw_action action;
	bool policy; /* the chain-policy item */
	bool truncated;
	/* "" when absent; a leading "!" means the match was inverted (!=). */
	char protocol[FW_VALUE_MAX];
	char saddr[FW_VALUE_MAX], daddr[FW_VALUE_MAX];
	char sport[FW_VALUE_MAX], dport[FW_VALUE_MAX];
	char verdict[FW_VALUE_MAX]; /* "accept", "jump userchain", "REJECT" (xt target), ... */
	char unmapped[FW_UNMAPPED_MAX];
	const char *backend; /* NULL: nftables; "iptables-legacy" (fw-xtables-parse.c) */
};

struct fw_parse_stats {
	unsigned tables, chains, rules; /* of the included chains */
	unsigned items;			/* passed to the callback */
	unsigned skipped;		/* malformed objects, or chains beyond FW_CHAINS_MAX */
	unsigned dropped;		/* items beyond FW_ITEMS_MAX */
};

const char *fw_action_to_string(enum fw_action a);	 /* "Allow", "Deny", "Other" */
const char *fw_direction_to_string(enum fw_direction d); /* "In", "Out", NULL */

/*
 * Parses the document and calls item_fn for every item, in order; item points to storage
 * reused for the next call.  A negative return of item_fn stops the walk and is returned.
 * 0 on success (stats in *ret_stats, which may be NULL); -EINVAL when the input is not JSON
 * or has no "nftables" array, -E2BIG beyond FW_NFT_JSON_MAX, -ENOMEM.
 */
int fw_nft_parse(const char *json, size_t len,
		 int (*item_fn)(const struct fw_item *item, void *userdata), void *userdata,
		 struct fw_parse_stats *ret_stats);
