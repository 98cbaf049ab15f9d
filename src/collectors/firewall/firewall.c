/* SPDX-License-Identifier: MIT */
/*
 * FirewallConfiguration: one periodic event with one item per filtering rule and one per
 * base-chain policy, from the network namespace the agent runs in, read from two backends
 * into the same event:
 *   - nftables through libnftables ("list ruleset" with JSON output, buffered in memory),
 *     mapped by fw-nft-parse.c: native ip/ip6/inet tables and the rules iptables-nft and
 *     ip6tables-nft (the Debian default iptables) store there;
 *   - the kernel's legacy x_tables (iptables-legacy, ip6tables-legacy), table "filter" of
 *     both families, read with getsockopt by fw-xtables.c (only when the kernel lists the
 *     table, so nothing is loaded or created) and mapped by fw-xtables-parse.c.
 * Never by running nft or iptables.
 * Item fields: Priority, Direction (In/Out for input/output hooks), ChainName, Enabled (true),
 * Action, Protocol, Source/DestinationAddress, Source/DestinationPort; ExtraDetails Backend
 * ("nftables" or "iptables-legacy"), Table, Family, Hook, Handle (nftables), Verdict, Policy
 * ("true" on policy items), Unmapped (the matches that have no ASC field, bounded) and
 * Truncated.  At most FW_ITEMS_MAX items per event, the rest counted in Skipped.
 * A backend that fails (no nf_tables, no CAP_NET_ADMIN, a blob that cannot be walked)
 * degrades the collector with its reason, and the event carries the other backend's items;
 * when nftables failed and no legacy table was read, nothing is sent.  An empty ruleset
 * sends an event without items.  describe() names the backends read by the last snapshot.
 * Owns: its event builder, reused across snapshots; a libnftables context and the legacy
 * blobs per snapshot.
 */
#include "firewall.h"

#include <errno.h>
#include <linux/capability.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/netlink.h>

#ifdef EDGESEC_HAVE_NFTABLES
#include "fw-nft-lib.h"
#endif

#include "common/alloc.h"
#include "common/array.h"
#include "fw-nft-parse.h"
#include "fw-xtables.h"

#define LEGACY_TABLE "filter" /* the x_tables table that filters; see docs/firewall.md */

struct firewall_state {
	struct event_builder builder;
	unsigned n_items;   /* in the event being built */
	uint64_t dropped;   /* items beyond FW_ITEMS_MAX in it */
	char errors[160];   /* the failed backends' reasons, "; "-separated */
	char backends[128]; /* describe() */
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

static const char *firewall_describe(struct collector *c)
{
	struct firewall_state *s = collector_state(c);

	return s && s->backends[0] ? s->backends : NULL;
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
	struct firewall_state *s = userdata;
	struct event_builder *b = &s->builder;

	if (s->n_items >= FW_ITEMS_MAX) {
		s->dropped++;
		return 0;
	}
	s->n_items++;
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
	add_extra(b, "Backend", it->backend ? it->backend : "nftables");
	add_extra(b, "Table", it->table);
	add_extra(b, "Family", it->family);
	add_extra(b, "Hook", it->hook);
	if (!it->backend)
		event_add_extra_u64(b, "Handle", it->handle);
	add_extra(b, "Verdict", it->verdict);
	if (it->policy)
		event_add_extra_cstr(b, "Policy", "true");
	add_extra(b, "Unmapped", it->unmapped);
	if (it->truncated)
		event_add_extra_cstr(b, "Truncated", "true");
	return 0;
}

/* Appends sep (when dst is not empty) and what to dst, cut at its size. */
static void append(char *dst, size_t size, const char *sep, const char *what)
{
	const char *parts[2] = { dst[0] ? sep : "", what };
	size_t len = strlen(dst);

	for (int i = 0; i < 2; i++) {
		size_t n = strlen(parts[i]);

		if (n > size - 1 - len)
			n = size - 1 - len;
		memcpy(dst + len, parts[i], n);
		len += n;
		dst[len] = '\0';
	}
}

static void backend_failed(struct firewall_state *s, const char *what, const char *why)
{
	append(s->errors, sizeof(s->errors), "; ", what);
	append(s->errors, sizeof(s->errors), ": ", why);
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
#define NFT_BUILT true
/* The nftables ruleset into the event; false (reason in s->errors) if it could not be read. */
static bool nft_snapshot(struct collector *c, struct firewall_state *s)
{
	struct fw_parse_stats st = { 0 };
	struct fw_nft_lib lib;
	struct nft_ctx *nft;
	const char *json;
	char why[120];
	bool ok = false;
	size_t len;
	int r;

	/* Mapped for this snapshot only (fw-nft-lib.h). */
	if (fw_nft_lib_open(&lib, NULL, why, sizeof(why)) < 0) {
		backend_failed(s, "load libnftables", why);
		return false;
	}
	nft = lib.ctx_new(NFT_CTX_DEFAULT);
	if (!nft) {
		backend_failed(s, "nftables", strerror(ENOMEM));
		fw_nft_lib_close(&lib);
		return false;
	}
	lib.ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (lib.ctx_buffer_output(nft) < 0 || lib.ctx_buffer_error(nft) < 0) {
		backend_failed(s, "nftables", strerror(ENOMEM));
		goto out;
	}
	if (lib.run_cmd_from_buffer(nft, "list ruleset") != 0) {
		error_line(lib.ctx_get_error_buffer(nft), why, sizeof(why));
		backend_failed(s, "nftables list ruleset", why);
		goto out;
	}
	json = lib.ctx_get_output_buffer(nft);
	len = json ? strnlen(json, FW_NFT_JSON_MAX + 1) : 0;
	r = fw_nft_parse(json ? json : "", len, add_item, s, &st);
	if (r < 0) {
		backend_failed(s, "parse the nftables ruleset", strerror(-r));
		goto out;
	}
	c->stats.skipped += st.skipped + st.dropped;
	ok = true;
out:
	lib.ctx_free(nft);
	fw_nft_lib_close(&lib);
	/* libnftables' cache of the ruleset is freed now; give its pages back to the kernel. */
	malloc_trim(0);
	return ok;
}
#else
#define NFT_BUILT false
static bool nft_snapshot(struct collector *c, struct firewall_state *s)
{
	(void)c;
	(void)error_line;
	backend_failed(s, "nftables", "built without libnftables");
	return false;
}
#endif

/*
 * The legacy filter table of one family into the event.  Returns 1 if read, 0 if there is
 * none, -1 if it could not be read (reason in s->errors).
 */
static int legacy_snapshot(struct collector *c, struct firewall_state *s, int family)
{
	const char *what = family == AF_INET ? FW_XT_BACKEND " ip " LEGACY_TABLE
					     : FW_XT_BACKEND " ip6 " LEGACY_TABLE;
	struct fw_parse_stats st = { 0 };
	struct fw_xt_table t;
	int r;

	r = fw_xt_read(family, LEGACY_TABLE, &t);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		backend_failed(s, what, strerror(-r));
		return -1;
	}
	r = fw_xt_parse(&t, add_item, s, &st);
	es_free((void *)t.entries);
	if (r < 0) {
		backend_failed(s, what, strerror(-r));
		return -1;
	}
	c->stats.skipped += st.skipped + st.dropped;
	return 1;
}

static int firewall_snapshot(struct collector *c, uint64_t now)
{
	struct firewall_state *s = collector_state(c);
	bool nft_ok, legacy_failed = false;
	unsigned legacy_read = 0;
	char tables[64] = "";
	struct event *e;
	int r;

	s->n_items = 0;
	s->dropped = 0;
	s->errors[0] = '\0';
	event_builder_begin(&s->builder, EVENT_FIREWALL_CONFIGURATION, now);
	nft_ok = nft_snapshot(c, s);
	for (int i = 0; i < 2; i++) {
		int family = i == 0 ? AF_INET : AF_INET6;

		r = legacy_snapshot(c, s, family);
		legacy_failed |= r < 0;
		if (r > 0) {
			legacy_read++;
			append(tables, sizeof(tables), ", ",
			       family == AF_INET ? "ip " LEGACY_TABLE : "ip6 " LEGACY_TABLE);
		}
	}
	/* "nftables, iptables-legacy (ip filter, ip6 filter)", "nftables: failed, ..." */
	s->backends[0] = '\0';
	append(s->backends, sizeof(s->backends), "", nft_ok ? "nftables" : "nftables: failed");
	append(s->backends, sizeof(s->backends), ", ", FW_XT_BACKEND);
	if (legacy_read) {
		append(s->backends, sizeof(s->backends), " (", tables);
		append(s->backends, sizeof(s->backends), "", ")");
	} else {
		append(s->backends, sizeof(s->backends), ": ",
		       legacy_failed ? "failed" : "no tables");
	}
	c->stats.skipped += s->dropped;
	if (!nft_ok && !legacy_read) {
		/*
		 * Nothing read: an empty event would claim an open firewall.  Built without
		 * libnftables and no legacy table: this collector cannot work here.
		 */
		bool unsupported = !NFT_BUILT && !legacy_failed;

		collector_set_error(c,
				    unsupported ? COLLECTOR_STATE_FAILED : COLLECTOR_STATE_DEGRADED,
				    "%s", s->errors);
		return unsupported ? -EOPNOTSUPP : -EIO;
	}
	r = event_builder_finish(&s->builder, &e);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "build the event: %s",
				    strerror(-r));
		return r;
	}
	if (s->errors[0]) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "%s", s->errors);
	} else if (c->state == COLLECTOR_STATE_DEGRADED) {
		c->state = COLLECTOR_STATE_RUNNING;
		c->last_error[0] = '\0';
	}
	collector_submit(c, e);
	return 0;
}

/*
 * Sockets after start beyond the base allow-list (core/seccomp.c): nfnetlink per snapshot;
 * rtnetlink for libnftables' interface cache (a rule naming an interface by index: without
 * it libnftables exits the process); the legacy tables' getsockopt on a raw AF_INET/AF_INET6
 * socket.
 */
static const struct collector_syscalls firewall_syscalls[] = {
	{ NULL,
	  COLLECTOR_FAMILY(AF_NETLINK) | COLLECTOR_FAMILY(AF_INET) | COLLECTOR_FAMILY(AF_INET6),
	  COLLECTOR_NETLINK(NETLINK_NETFILTER) | COLLECTOR_NETLINK(NETLINK_ROUTE), 0 },
};

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps firewall_caps[] = {
	/* every nfnetlink request is checked against CAP_NET_ADMIN; a new socket per snapshot;
	 * the legacy tables' names (/proc/net/ip_tables_names, 0440 root) when not uid 0. */
	{ NULL, COLLECTOR_CAP(CAP_NET_ADMIN) | COLLECTOR_CAP(CAP_DAC_READ_SEARCH) },
};

/* The host namespaces it must share (core/host-check.c), the first unmet one reported. */
static const struct collector_host_need firewall_host_needs[] = {
	{ NULL, HOST_NS_NET, "it reads the rules of its own network namespace",
	  "NetworkMode host" },
	{ NULL, HOST_NS_USER, "its capabilities do not reach the host's kernel",
	  "UsernsMode host" },
};

const struct collector_ops firewall_collector_ops = {
	.name = "firewall",
	.types = { EVENT_FIREWALL_CONFIGURATION },
	.n_types = 1,
	.state_size = sizeof(struct firewall_state),
	.init = firewall_init,
	.snapshot = firewall_snapshot,
	.done = firewall_done,
	.describe = firewall_describe,
	.caps = firewall_caps,
	.n_caps = ARRAY_SIZE(firewall_caps),
	.syscalls = firewall_syscalls,
	.n_syscalls = ARRAY_SIZE(firewall_syscalls),
	.host_needs = firewall_host_needs,
	.n_host_needs = ARRAY_SIZE(firewall_host_needs),
};
