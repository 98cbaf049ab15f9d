/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A legacy x_tables table (what iptables-legacy / ip6tables-legacy program), as the kernel
 * returns it with IPT_SO_GET_ENTRIES / IP6T_SO_GET_ENTRIES, turned into the same
 * FirewallConfiguration items as the nftables path (struct fw_item, fw-nft-parse.h).
 * A pure function over a buffer (no I/O), shared by the collector, its unit test and the
 * fuzzer fuzz-xtables.
 *
 * The blob is a sequence of struct ipt_entry (ip6t_entry for AF_INET6), each followed by its
 * matches and its target, linked by next_offset.  Built-in chains start at hook_entry[hook]
 * and end with the entry at underflow[hook] (the policy); a user chain starts with an
 * "ERROR" target entry carrying its name and ends with an implicit RETURN entry; the table
 * ends with an "ERROR" entry named "ERROR".  One item per rule (Priority = its index in its
 * chain) and one per built-in chain for its policy (Priority = the number of rules), in blob
 * order.  Family is "ip" or "ip6", Table the table's name, backend "iptables-legacy".
 */

#include <stddef.h>
#include <stdint.h>

#include "fw-nft-parse.h"

#define FW_XT_BLOB_MAX (32u << 20) /* largest entries blob accepted */
#define FW_XT_HOOKS 5u		   /* NF_INET_NUMHOOKS: prerouting .. postrouting */
#define FW_XT_BACKEND "iptables-legacy"

struct fw_xt_table {
	int family;	      /* AF_INET or AF_INET6 */
	const char *name;     /* the table: "filter" */
	unsigned valid_hooks; /* bit per hook (1 << NF_INET_LOCAL_IN, ...) */
	uint32_t hook_entry[FW_XT_HOOKS], underflow[FW_XT_HOOKS]; /* offsets into entries */
	const void *entries;					  /* any alignment */
	size_t size;
};

/*
 * Calls item_fn for every item, in order; item points to storage reused for the next call.
 * A negative return of item_fn stops the walk and is returned.  0 on success (stats in
 * *ret_stats, may be NULL).  -EINVAL when the entries cannot be walked (a next_offset out of
 * the blob or smaller than an entry, an unknown family) — then no item has been produced;
 * -E2BIG beyond FW_XT_BLOB_MAX; -ENOMEM.  A malformed match or target only marks its rule
 * (Unmapped "malformed ...", counted in skipped); an entry outside any chain or a hook
 * offset that is not an entry is counted in skipped.
 */
int fw_xt_parse(const struct fw_xt_table *t,
		int (*item_fn)(const struct fw_item *item, void *userdata), void *userdata,
		struct fw_parse_stats *ret_stats);

/* The protocol's name as nft and /etc/protocols spell it ("tcp", "ipv6-icmp"), or NULL. */
const char *fw_xt_protocol_name(unsigned proto);
