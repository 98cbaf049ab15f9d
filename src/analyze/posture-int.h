/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared by posture.c (findings, state, events) and posture-fw.c (the digested firewall: the
 * policy and permissive-rule judgements and the reachability of a port).  Not a public header.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/event.h"
#include "posture.h"

#define PFW_CHAINS_MAX 512u	  /* chains digested; more: the digest is incomplete */
#define PFW_RULES_MAX 4096u	  /* rules digested; more: the digest is incomplete */
#define PFW_CANDIDATES_MAX 128u	  /* permissive-rule candidates kept */
#define PFW_PORT_RANGES_MAX 16u	  /* port ranges understood in one match */
#define PFW_WALK_STEPS_MAX 20000u /* rule visits for one reachability question */
#define PFW_DEPTH_MAX 16u	  /* nested jumps followed */

#define PFW_AF_V4 0x1u
#define PFW_AF_V6 0x2u

enum pfw_hook {
	PFW_HOOK_NONE, /* a regular (user) chain */
	PFW_HOOK_INPUT,
	PFW_HOOK_FORWARD,
	PFW_HOOK_OUTPUT,
	PFW_HOOK_OTHER, /* prerouting, postrouting, ingress, ... */
	_PFW_HOOK_MAX,
};

/* How far a port is open to an outside host; ordered from closed to open. */
enum pfw_reach {
	PFW_REACH_BLOCKED,    /* every path ends in a drop */
	PFW_REACH_RESTRICTED, /* accepted only from some source addresses */
	PFW_REACH_MAYBE,      /* the data do not decide (opaque matches, incomplete ruleset) */
	PFW_REACH_OPEN,	      /* accepted from any source */
	_PFW_REACH_MAX,
};

/* The digest (posture-fw.c), the parsed rules (posture-fw-parse.c), the walk (posture-reach.c). */
enum pfw_verdict_kind {
	PFW_V_NONE,
	PFW_V_ACCEPT,
	PFW_V_DENY,
	PFW_V_JUMP,
	PFW_V_GOTO,
	PFW_V_RETURN,
	PFW_V_QUEUE
};
enum pfw_addr { PFW_ADDR_ANY, PFW_ADDR_NEG, PFW_ADDR_NARROW, PFW_ADDR_UNKNOWN };
enum pfw_set { PFW_SET_ANY, PFW_SET_LIST, PFW_SET_UNKNOWN };

#define PFW_PROTO_TCP 0x1u
#define PFW_PROTO_UDP 0x2u
#define PFW_PROTO_ICMP 0x4u
#define PFW_PROTO_OTHER 0x8u

/* Classes of the Unmapped clauses ("; "-separated in the item). */
#define PFW_CL_IIF_LO 0x0001u	  /* iifname == lo */
#define PFW_CL_IIF_NOT_LO 0x0002u /* iifname != lo */
#define PFW_CL_IIF_OTHER 0x0004u  /* another input interface condition */
#define PFW_CL_OIF_LO 0x0008u
#define PFW_CL_OIF_OTHER 0x0010u
#define PFW_CL_CT_EST 0x0020u	 /* conntrack states without new */
#define PFW_CL_CT_NEW 0x0040u	 /* conntrack states including new */
#define PFW_CL_CT_OPAQUE 0x0080u /* xt match conntrack/state: states not visible */
#define PFW_CL_CT_DNAT 0x0100u	 /* ct status dnat */
#define PFW_CL_LIMIT 0x0200u	 /* rate limits: the sender can stay under them */
#define PFW_CL_NEUTRAL 0x0400u	 /* comments */
#define PFW_CL_NF_V4 0x0800u
#define PFW_CL_NF_V6 0x1000u
#define PFW_CL_UNKNOWN 0x2000u

struct pfw_ports {
	uint8_t kind; /* enum pfw_set */
	bool neg;
	uint8_t n;
	uint16_t lo[PFW_PORT_RANGES_MAX], hi[PFW_PORT_RANGES_MAX];
};

struct pfw_rule {
	uint64_t target_hash;
	uint32_t target; /* chain index of a jump/goto, UINT32_MAX when not found */
	uint8_t verdict; /* enum pfw_verdict_kind */
	uint8_t proto_kind, proto_mask;
	bool proto_neg, sport, truncated;
	uint8_t src, dst; /* enum pfw_addr */
	uint16_t clauses;
	uint32_t index; /* Priority: the rule's index in its chain */
	struct pfw_ports dport;
};

struct pfw_chain {
	uint64_t table_hash, name_hash;
	char label[176];
	uint8_t hook;	/* enum pfw_hook */
	uint8_t policy; /* PFW_V_ACCEPT, PFW_V_DENY, PFW_V_NONE (none seen or unknown) */
	bool base;
	uint8_t afs;
	uint8_t reach; /* bit 0: reached from input, bit 1: from output */
	uint32_t first, n;
};

struct pfw {
	struct pfw_chain *chains;
	struct pfw_rule *rules;
	struct pfw_candidate *cands;
	unsigned n_chains, n_rules, n_cands;
	unsigned cap_chains, cap_rules, cap_cands;
	bool seen, complete, current_skipped;
	uint64_t dropped;
};

/* One FirewallConfiguration item, copied (bounded) out of the event. */
struct pfw_item {
	/* names as long as nftables allows (256), values as the collector bounds them (511) */
	char backend[24], family[16], table[257], chain[257], hook[16];
	char protocol[512], saddr[512], daddr[512], sport[512], dport[512];
	char verdict[264], unmapped[512];
	char action[8]; /* Allow, Deny, Other */
	int64_t priority;
	bool policy, truncated;
};

/* A rule that accepts from any source to any port (input) or to anywhere (output). */
struct pfw_candidate {
	unsigned chain;
	bool in_shape, out_shape; /* permissive read as an input rule / an output rule */
	bool in, out;		  /* reached from the input / output hook */
	int64_t priority;
	uint8_t key[16];
	char label[176];     /* "ip filter INPUT (nftables)" */
	char rule[320];	     /* "protocol tcp; meta iifname == eth0; accept" */
	char path_tail[200]; /* "ip/filter/INPUT/<hex>", JSON-pointer escaped */
};

struct pfw_verdict {
	enum pfw_reach reach;
	bool assumed; /* an opaque conntrack/state match was taken as established,related */
	char why[256];
};

struct pfw *pfw_new(void);
struct pfw *pfw_free(struct pfw *f);
void pfw_begin(struct pfw *f);
void pfw_add(struct pfw *f, const struct pfw_item *it);
void pfw_end(struct pfw *f);
/* A whole event was digested (false before the first, or when a cap was hit). */
bool pfw_complete(const struct pfw *f);
bool pfw_seen(const struct pfw *f);
uint64_t pfw_dropped(const struct pfw *f); /* rules/chains beyond the caps, last event */

/*
 * The address families (PFW_AF_*) for which no base chain on that hook drops by default
 * (policy drop, or an unconditional drop/reject rule in it or in a chain it always jumps
 * to); families the host does not use there (no IPv6, forwarding off) are left out.
 * chains gets a description of the base chains on the hook.
 */
unsigned pfw_policy_permissive(const struct pfw *f, enum pfw_hook h,
			       const struct posture_host *host, char *chains, size_t chains_size);

size_t pfw_candidates(const struct pfw *f, const struct pfw_candidate **ret);

/* Would a new connection from an outside host reach (proto 6/17, port) over families afs? */
void pfw_reach(const struct pfw *f, int proto, unsigned port, unsigned afs,
	       struct pfw_verdict *ret);

/* posture-fw-parse.c */
uint64_t pfw_hash_str(uint64_t h, const char *s); /* FNV-1a, with a separator */
#define PFW_HASH_INIT 14695981039346656037ull
void pfw_rule_parse(struct pfw_rule *r, const struct pfw_item *it);
bool pfw_unconditional(const struct pfw_rule *r);
bool pfw_ports_contain(const struct pfw_ports *ports, unsigned port);
unsigned pfw_ports_covered(const struct pfw_ports *ports);

/* Bounded text helpers (posture.c). */
void pst_append(char *dst, size_t size, const char *s);
void pst_pointer_escape(char *dst, size_t size, const char *s);
void pst_fingerprint(const char *text, size_t len, uint8_t out[16]);

/* ---- the module's state (posture.c) ---- */

#define POSTURE_PATH_MAX 256u
#define POSTURE_SOCKETS_MAX 1024u /* sockets of one ListeningPorts event */
#define POSTURE_SAMPLES_MAX 64u	  /* MessageStatistics samples in the 24 h window */

struct pst_socket {
	uint16_t port;
	uint8_t proto; /* 6 or 17 */
	uint8_t afs;   /* PFW_AF_* the socket accepts */
	bool loopback, docker_proxy;
	char addr[48], process[32], exe[256];
};

struct pst_check {
	char id[64], severity[16];
	bool fail; /* else Err */
};

struct pst_sample {
	uint64_t t, sent, under;
};

struct pst_reported {
	uint8_t rule;
	bool seen;
	uint8_t fp[16];
	char path[POSTURE_PATH_MAX];
};

struct pst_allowed {
	uint8_t proto; /* 0: both */
	uint16_t lo, hi;
	char process[256]; /* "" any */
};

struct posture {
	struct event_sink *sink;
	struct event_builder b;
	bool open; /* an event is being built */
	uint64_t now;
	bool enabled[_POSTURE_RULE_MAX];
	bool hub_output;
	struct pst_allowed allowed[POSTURE_ALLOWED_PORTS_MAX];
	unsigned n_allowed;
	struct pst_socket *sockets;
	unsigned n_sockets, cap_sockets;
	bool ports_seen, ports_complete;
	struct pfw *fw;
	struct pst_check *checks;
	unsigned n_checks, cap_checks;
	bool baseline_seen, baseline_complete;
	struct pst_sample samples[POSTURE_SAMPLES_MAX];
	unsigned n_samples;
	struct pst_reported *reported;
	unsigned n_reported, cap_reported;
	unsigned untracked[_POSTURE_RULE_MAX]; /* at the rule's last evaluation */
	struct posture_stats stats;
};

void pst_vcopy(char *dst, size_t size, const struct event_value *v, bool *truncated);
bool pst_key_is(const struct event_value *v, const char *key);
bool pst_val_is(const struct event_value *v, const char *s);

/* Findings of one rule: begin, offer each (1: an item is open, add Message and evidence to
 * p->b), end (Resolved for what was not offered, when may_resolve). */
void pst_diff_begin(struct posture *p, enum posture_rule rule);
int pst_diff_offer(struct posture *p, enum posture_rule rule, const char *path,
		   const uint8_t fp[16]);
void pst_diff_end(struct posture *p, enum posture_rule rule, bool may_resolve);
void pst_emit_flush(struct posture *p);

/* posture-ports.c */
void pst_observe_ports(struct posture *p, const struct event *e);
void pst_eval_ports(struct posture *p);
/* posture-fw.c */
void pst_observe_firewall(struct posture *p, const struct event *e);
void pst_eval_policy(struct posture *p, const struct posture_host *host);
void pst_eval_rules(struct posture *p, enum posture_rule rule);
