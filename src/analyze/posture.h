/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Host posture: Recommendation events about the device itself, judged from the events the
 * collectors already send (docs/posture.md).
 *
 *   HOST001 IoT_OpenPorts                     ListeningPorts (+ FirewallConfiguration)
 *   HOST002 IoT_PermissiveFirewallPolicy      FirewallConfiguration
 *   HOST003 IoT_PermissiveInputFirewallRules  FirewallConfiguration
 *   HOST004 IoT_PermissiveOutputFirewallRules FirewallConfiguration
 *   HOST005 IoT_Baseline                      OSBaseline
 *   HOST006 IoT_AgentSendsUnutilizedMessages  MessageStatistics (sliding 24 h)
 *
 * The module is a pipeline observer (pipeline.h): posture_observe() reads the input events
 * with an event_cursor and keeps a digest of the latest of each; posture_evaluate() (after a
 * snapshot, when all inputs of that snapshot have been seen) turns the digests into findings
 * and compares them with what it reported before.  A finding is reported once (ExtraDetails
 * Status "New"), again only when its evidence changes ("Changed"), and once more when a later
 * snapshot no longer shows it ("Resolved").  Findings are identified by RuleId + Path (a
 * stable key in JSON-pointer form: "/ports/tcp/22", "/firewall/policy/input", ...).
 * HOST006 is judged as soon as MessageStatistics is observed (it comes after the snapshot).
 *
 * Owns: the digests and the reported-findings table, all bounded (POSTURE_*_MAX); what does
 * not fit is counted in struct posture_stats, never silently lost.  No I/O, no logging.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/event.h"

enum posture_rule {
	POSTURE_OPEN_PORTS,
	POSTURE_FIREWALL_POLICY,
	POSTURE_INPUT_RULES,
	POSTURE_OUTPUT_RULES,
	POSTURE_BASELINE,
	POSTURE_UNUTILIZED_MESSAGES,
	_POSTURE_RULE_MAX,
	_POSTURE_RULE_INVALID = -22,
};

/* "HOST001" ...; the ASC type ("IoT_OpenPorts"); NULL out of range. */
const char *posture_rule_id(enum posture_rule r);
const char *posture_rule_type(enum posture_rule r);

#define POSTURE_ALLOWED_PORTS_MAX 64 /* entries in allowed_ports */

struct posture_settings {
	bool enabled[_POSTURE_RULE_MAX];
	/*
	 * Ports that are expected to be reachable: comma/space separated entries
	 * "[tcp/|udp/]PORT[-PORT][@PROCESS]" (PROCESS: the process name or the full executable
	 * path holding the socket).  NULL or "": none.
	 */
	const char *allowed_ports;
	/* Messages go to an IoT hub (HOST006 is about the hub's 4 KB billing unit). */
	bool hub_output;
};

/* Facts about the network namespace that the events do not carry; false = unknown. */
struct posture_host {
	bool known;
	bool ipv4_forwarding, ipv6_forwarding; /* net.ipv4.ip_forward, ipv6 conf/all/forwarding */
	bool ipv6_disabled;		       /* no IPv6 at all (disable_ipv6 or no stack) */
};

struct posture_stats {
	uint64_t events_observed;	    /* input events read */
	uint64_t evaluations;		    /* posture_evaluate() runs */
	uint64_t raised, changed, resolved; /* items sent, by Status */
	uint64_t untracked;		    /* findings beyond the per-rule cap: not reported */
	uint64_t inputs_dropped;	    /* sockets, rules, checks beyond the digest caps */
	uint64_t errors;		    /* events that could not be built (no memory) */
	size_t tracked;			    /* findings reported and not resolved */
};

struct posture;

/* sink receives the Recommendation events (ownership passes). */
struct posture *posture_new(struct event_sink *sink);
struct posture *posture_free(struct posture *p);

/*
 * Applies settings (live).  A rule switched off forgets what it reported (no Resolved is
 * sent: nothing was fixed); switched on again it reports anew.  0, or -EINVAL when
 * allowed_ports has a bad entry: then no port is allowed and err says which entry.
 */
int posture_configure(struct posture *p, const struct posture_settings *s, char *err,
		      size_t err_size);

/* An event from the pipeline (observer): digests ListeningPorts, FirewallConfiguration,
 * OSBaseline; judges MessageStatistics at once.  Other types are ignored. */
void posture_observe(struct posture *p, const struct event *e);

/* Judges what changed since the last call; submits at most one Recommendation event.
 * host may be NULL (unknown). */
void posture_evaluate(struct posture *p, uint64_t now_realtime_ns, const struct posture_host *host);

void posture_get_stats(const struct posture *p, struct posture_stats *ret);
