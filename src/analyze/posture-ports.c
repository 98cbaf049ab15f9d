/* SPDX-License-Identifier: MIT */
/*
 * HOST001 IoT_OpenPorts (docs/posture.md): the sockets of the latest ListeningPorts event,
 * grouped by protocol and port.  A socket is judged when it is bound to a non-loopback
 * address (0.0.0.0, ::, an interface address), is not Docker's userland proxy for a
 * published container port (process docker-proxy, uid 0, executable under /usr/: the
 * container analysis judges those with the module's context, EDGE028) and is not in
 * postureAllowedPorts.  Whether an outside host can reach it is the firewall's answer
 * (posture-reach.c); a port is reported when that answer is "reachable" or "may be
 * reachable", never when the firewall blocks it or accepts only some sources.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/num.h"
#include "common/sha256.h"
#include "posture-int.h"

static void socket_finish(struct posture *p, struct pst_socket *s, const char *proto,
			  const char *port, const char *uid)
{
	unsigned char a[16];
	uint64_t v;

	if (num_parse_u64(port, strlen(port), 10, 65535, &v) < 0 || v == 0 ||
	    (strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return; /* not a bound TCP/UDP port */
	s->port = (uint16_t)v;
	s->proto = proto[0] == 't' ? 6 : 17;
	if (inet_pton(AF_INET, s->addr, a) == 1) {
		s->afs = PFW_AF_V4;
		s->loopback = a[0] == 127;
	} else if (inet_pton(AF_INET6, s->addr, a) == 1) {
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};
		static const unsigned char zero[16], one[16] = { [15] = 1 };

		if (!memcmp(a, mapped, 12)) {
			s->afs = PFW_AF_V4;
			s->loopback = a[12] == 127;
		} else {
			s->afs = !memcmp(a, zero, 16) ? PFW_AF_V4 | PFW_AF_V6 : PFW_AF_V6;
			s->loopback = !memcmp(a, one, 16);
		}
	} else {
		s->afs = PFW_AF_V4 | PFW_AF_V6; /* not an address we know: judge it as open */
	}
	/* Docker's userland proxy for a published container port: EDGE028's (docs/posture.md) */
	s->docker_proxy = !strcmp(s->process, "docker-proxy") && !strcmp(uid, "0") &&
			  !strncmp(s->exe, "/usr/", 5);
	if (p->n_sockets >= p->cap_sockets) {
		unsigned ncap = p->cap_sockets ? p->cap_sockets * 2 : 32;
		void *q;

		if (p->cap_sockets >= POSTURE_SOCKETS_MAX ||
		    !(q = es_realloc(
			      p->sockets,
			      (size_t)(ncap > POSTURE_SOCKETS_MAX ? POSTURE_SOCKETS_MAX : ncap) *
				      sizeof(*p->sockets)))) {
			p->ports_complete = false;
			p->stats.inputs_dropped++;
			return;
		}
		p->sockets = q;
		p->cap_sockets = ncap > POSTURE_SOCKETS_MAX ? POSTURE_SOCKETS_MAX : ncap;
	}
	p->sockets[p->n_sockets++] = *s;
}

void pst_observe_ports(struct posture *p, const struct event *e)
{
	struct event_cursor c;
	struct event_value v;
	struct pst_socket s;
	char proto[8] = "", port[8] = "", uid[16] = "";
	bool item = false;

	p->n_sockets = 0;
	p->ports_complete = true;
	event_cursor_init(&c, e);
	for (;;) {
		int more = event_cursor_next(&c, &v);

		if ((!more || v.kind == EVENT_VALUE_ITEM) && item)
			socket_finish(p, &s, proto, port, uid);
		if (!more)
			break;
		if (v.kind == EVENT_VALUE_ITEM) {
			memset(&s, 0, sizeof(s));
			proto[0] = port[0] = uid[0] = '\0';
			item = true;
		} else if (v.kind == EVENT_VALUE_FIELD && v.field == LP_LOCAL_ADDRESS) {
			pst_vcopy(s.addr, sizeof(s.addr), &v, NULL);
		} else if (v.kind == EVENT_VALUE_FIELD && v.field == LP_LOCAL_PORT) {
			pst_vcopy(port, sizeof(port), &v, NULL);
		} else if (v.kind == EVENT_VALUE_FIELD && v.field == LP_PROTOCOL) {
			pst_vcopy(proto, sizeof(proto), &v, NULL);
		} else if (pst_key_is(&v, "ProcessName")) {
			pst_vcopy(s.process, sizeof(s.process), &v, NULL);
		} else if (pst_key_is(&v, "Executable")) {
			pst_vcopy(s.exe, sizeof(s.exe), &v, NULL);
		} else if (pst_key_is(&v, "UserId")) {
			pst_vcopy(uid, sizeof(uid), &v, NULL);
		}
	}
	p->ports_seen = true;
}

/* ---- HOST001 ---- */

static bool allowed(const struct posture *p, const struct pst_socket *s)
{
	for (unsigned i = 0; i < p->n_allowed; i++) {
		const struct pst_allowed *a = &p->allowed[i];

		if ((a->proto && a->proto != s->proto) || s->port < a->lo || s->port > a->hi)
			continue;
		if (!a->process[0] || !strcmp(a->process, s->process) ||
		    !strcmp(a->process, s->exe))
			return true;
	}
	return false;
}

static int socket_cmp(const void *a, const void *b)
{
	const struct pst_socket *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

static bool judged(const struct posture *p, const struct pst_socket *s)
{
	return !s->loopback && !s->docker_proxy && !allowed(p, s);
}

/* Distinct "name (exe)" owners and addresses of the judged sockets of [first, end). */
static void port_owners(const struct posture *p, unsigned first, unsigned end, char *addrs,
			size_t addrs_size, char *procs, size_t procs_size)
{
	addrs[0] = procs[0] = '\0';
	for (unsigned i = first; i < end; i++) {
		const struct pst_socket *s = &p->sockets[i];
		char owner[320];

		if (!judged(p, s))
			continue;
		if (i == first || strcmp(s->addr, p->sockets[i - 1].addr)) {
			if (addrs[0])
				pst_append(addrs, addrs_size, ",");
			pst_append(addrs, addrs_size, s->addr);
		}
		if (!s->process[0] && !s->exe[0])
			snprintf(owner, sizeof(owner), "unknown process");
		else
			snprintf(owner, sizeof(owner), "%s (%s)", s->process[0] ? s->process : "?",
				 s->exe[0] ? s->exe : "?");
		if (strstr(procs, owner))
			continue; /* a substring match may drop a distinct owner: evidence only */
		if (procs[0])
			pst_append(procs, procs_size, ", ");
		pst_append(procs, procs_size, owner);
	}
}

static void port_finding(struct posture *p, unsigned first, unsigned end, unsigned afs)
{
	const struct pst_socket *s = &p->sockets[first];
	const char *proto = s->proto == 6 ? "tcp" : "udp";
	char path[32], addrs[512], procs[1024], msg[2048], port[8];
	uint8_t d[SHA256_DIGEST_LEN];
	struct sha256_ctx h;
	struct pfw_verdict v;
	uint8_t fp[16];

	pfw_reach(p->fw, s->proto, s->port, afs, &v);
	if (v.reach < PFW_REACH_MAYBE)
		return; /* blocked, or accepted only from some sources */
	port_owners(p, first, end, addrs, sizeof(addrs), procs, sizeof(procs));
	snprintf(path, sizeof(path), "/ports/%s/%u", proto, s->port);
	sha256_init(&h); /* the evidence that matters: not the pids, not the firewall's wording */
	sha256_update(&h, path, strlen(path) + 1);
	sha256_update(&h, addrs, strlen(addrs) + 1);
	sha256_update(&h, procs, strlen(procs) + 1);
	sha256_update(&h, v.reach == PFW_REACH_OPEN ? "open" : "maybe", 5);
	sha256_final(&h, d);
	memcpy(fp, d, sizeof(fp));
	if (!pst_diff_offer(p, POSTURE_OPEN_PORTS, path, fp))
		return;
	snprintf(msg, sizeof(msg), "%s/%u %s from outside: %s listens on %s; %s%s.", proto, s->port,
		 v.reach == PFW_REACH_OPEN ? "is reachable" : "may be reachable", procs, addrs,
		 v.why,
		 v.assumed ? " (iptables conntrack/state matches taken as established)" : "");
	event_add_cstr(&p->b, REC_MESSAGE, msg);
	event_add_extra_cstr(&p->b, "Protocol", proto);
	snprintf(port, sizeof(port), "%u", s->port);
	event_add_extra_cstr(&p->b, "Port", port);
	event_add_extra_cstr(&p->b, "LocalAddresses", addrs);
	event_add_extra_cstr(&p->b, "Processes", procs);
	event_add_extra_cstr(&p->b, "Reachability",
			     v.reach == PFW_REACH_OPEN ? "reachable" : "may be reachable");
	event_add_extra_cstr(&p->b, "Firewall", v.why);
	if (v.assumed)
		event_add_extra_cstr(&p->b, "Assumed",
				     "an iptables conntrack/state match accepts established and "
				     "related traffic only (its states are not visible)");
}

void pst_eval_ports(struct posture *p)
{
	unsigned i = 0;

	if (!p->enabled[POSTURE_OPEN_PORTS] || !p->ports_seen)
		return;
	qsort(p->sockets, p->n_sockets, sizeof(*p->sockets), socket_cmp);
	pst_diff_begin(p, POSTURE_OPEN_PORTS);
	while (i < p->n_sockets) {
		unsigned end = i + 1, afs = 0;

		while (end < p->n_sockets && p->sockets[end].proto == p->sockets[i].proto &&
		       p->sockets[end].port == p->sockets[i].port)
			end++;
		for (unsigned k = i; k < end; k++)
			if (judged(p, &p->sockets[k]))
				afs |= p->sockets[k].afs;
		if (afs)
			port_finding(p, i, end, afs);
		i = end;
	}
	pst_diff_end(p, POSTURE_OPEN_PORTS, p->ports_complete);
}
