/* SPDX-License-Identifier: MIT */
/*
 * FirewallConfiguration: one periodic event with one item per filtering rule and one per
 * base-chain policy, from the nftables ruleset of the network namespace the agent runs in.
 *
 * Reads the ruleset through libnftables ("list ruleset" with JSON output, buffered in memory;
 * never by running nft or iptables) and maps it with fw-nft-parse.c.  This covers native
 * nftables tables of the ip, ip6 and inet families and the rules that iptables-nft and
 * ip6tables-nft (the Debian default iptables) store there.  Rules in the kernel's legacy
 * x_tables (iptables-legacy) are not read.
 * Item fields: Priority, Direction (In/Out for input/output hooks), ChainName, Enabled (true),
 * Action, Protocol, Source/DestinationAddress, Source/DestinationPort; ExtraDetails Table,
 * Family, Hook, Handle, Verdict, Policy ("true" on policy items), Unmapped (the expressions
 * that have no ASC field, bounded) and Truncated.
 * Failure to list the ruleset (no nf_tables, no CAP_NET_ADMIN) degrades the collector and
 * sends nothing; an empty ruleset sends an event without items.
 * Owns: its event builder, reused across snapshots; a libnftables context per snapshot.
 */
#include "firewall.h"

#include <errno.h>
#include <string.h>

#ifdef EDGESEC_HAVE_NFTABLES
#include <nftables/libnftables.h>
#endif

#include "fw-nft-parse.h"

struct firewall_state {
	struct event_builder builder;
};

static int firewall_init(struct collector *c)
{
	struct firewall_state *s = collector_state(c);

	event_builder_init(&s->builder);
	return 0;
}

static void firewall_done(struct collector *c)
{
	struct firewall_state *s = collector_state(c);

	if (s)
		event_builder_done(&s->builder);
}

static void add_field(struct event_builder *b, unsigned field, const char *v)
{
	if (v && v[0])
		event_add_cstr(b, field, v);
}

static void add_extra(struct event_builder *b, const char *key, const char *v)
{
	if (v && v[0])
		event_add_extra_cstr(b, key, v);
}

static int add_item(const struct fw_item *it, void *userdata)
{
	struct event_builder *b = userdata;

	event_builder_item(b);
	event_add_int(b, FW_PRIORITY, it->priority);
	add_field(b, FW_DIRECTION, fw_direction_to_string(it->direction));
	add_field(b, FW_CHAIN_NAME, it->chain);
	event_add_bool(b, FW_ENABLED, true);
	event_add_cstr(b, FW_ACTION, fw_action_to_string(it->action));
	add_field(b, FW_PROTOCOL, it->protocol);
	add_field(b, FW_SOURCE_ADDRESS, it->saddr);
	add_field(b, FW_SOURCE_PORT, it->sport);
	add_field(b, FW_DESTINATION_ADDRESS, it->daddr);
	add_field(b, FW_DESTINATION_PORT, it->dport);
	add_extra(b, "Table", it->table);
	add_extra(b, "Family", it->family);
	add_extra(b, "Hook", it->hook);
	event_add_extra_u64(b, "Handle", it->handle);
	add_extra(b, "Verdict", it->verdict);
	if (it->policy)
		event_add_extra_cstr(b, "Policy", "true");
	add_extra(b, "Unmapped", it->unmapped);
	if (it->truncated)
		event_add_extra_cstr(b, "Truncated", "true");
	return 0;
}

/* The first line of libnftables' error text, for last_error. */
static void error_line(const char *err, char *out, size_t size)
{
	size_t n = 0;

	if (err)
		while (err[n] && err[n] != '\n' && n + 1 < size)
			n++;
	if (n == 0 && size > 8) {
		memcpy(out, "unknown", 8);
		return;
	}
	memcpy(out, err, n);
	out[n] = '\0';
}

#ifdef EDGESEC_HAVE_NFTABLES
static int firewall_snapshot(struct collector *c, uint64_t now)
{
	struct firewall_state *s = collector_state(c);
	struct fw_parse_stats st = { 0 };
	struct nft_ctx *nft;
	const char *json;
	char why[120];
	struct event *e;
	size_t len;
	int r;

	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return -ENOMEM;
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(nft) < 0 || nft_ctx_buffer_error(nft) < 0) {
		r = -ENOMEM;
		goto out;
	}
	if (nft_run_cmd_from_buffer(nft, "list ruleset") != 0) {
		error_line(nft_ctx_get_error_buffer(nft), why, sizeof(why));
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "nftables list ruleset: %s", why);
		r = -EIO;
		goto out;
	}
	json = nft_ctx_get_output_buffer(nft);
	len = json ? strnlen(json, FW_NFT_JSON_MAX + 1) : 0;
	event_builder_begin(&s->builder, EVENT_FIREWALL_CONFIGURATION, now);
	r = fw_nft_parse(json ? json : "", len, add_item, &s->builder, &st);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "parse the nftables ruleset: %s",
				    strerror(-r));
		goto out;
	}
	c->stats.skipped += st.skipped + st.dropped;
	r = event_builder_finish(&s->builder, &e);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "build the event: %s",
				    strerror(-r));
		goto out;
	}
	if (c->state == COLLECTOR_STATE_DEGRADED) {
		c->state = COLLECTOR_STATE_RUNNING;
		c->last_error[0] = '\0';
	}
	collector_submit(c, e);
out:
	nft_ctx_free(nft);
	return r;
}
#else
static int firewall_snapshot(struct collector *c, uint64_t now)
{
	(void)now;
	(void)add_item;
	(void)error_line;
	collector_set_error(c, COLLECTOR_STATE_FAILED, "built without libnftables");
	return -EOPNOTSUPP;
}
#endif

const struct collector_ops firewall_collector_ops = {
	.name = "firewall",
	.types = { EVENT_FIREWALL_CONFIGURATION },
	.n_types = 1,
	.state_size = sizeof(struct firewall_state),
	.init = firewall_init,
	.snapshot = firewall_snapshot,
	.done = firewall_done,
};
