/* SPDX-License-Identifier: MIT */
/*
 * Which collector needs which of the host's namespaces (host-check.h).
 *
 * A collector that runs but sees the wrong world is worse than one that fails: its events
 * look complete.  So after start-up each collector's needs (declared in its own table,
 * collector_ops.host_needs, per backend) are compared with where the agent is
 * (host_ns_state()); a need that is not met sets c->host_limit, which the agent logs as a
 * warning once and the Heartbeat shows (State "degraded", HostLimit).  Only a namespace known
 * to be our own counts ("unknown" is logged by the agent, not charged to collectors).  The
 * first unmet need of a collector is reported.
 */
#include "host-check.h"

#include <stdio.h>
#include <string.h>

static const char *ns_words(enum host_ns ns)
{
	switch (ns) {
	case HOST_NS_PID:
		return "PID";
	case HOST_NS_NET:
		return "network";
	case HOST_NS_CGROUP:
		return "cgroup";
	case HOST_NS_USER:
		return "user";
	default:
		return host_ns_to_string(ns);
	}
}

static bool need_unmet(const struct host_context *h, const struct collector_host_need *n)
{
	if (n->ns == _HOST_NS_MAX)
		return host_proc_fd(h) < 0;
	return host_ns_state(h, n->ns) == HOST_NS_STATE_OWN;
}

size_t host_check_collectors(const struct host_context *h, struct collector *const *collectors,
			     size_t n)
{
	size_t limited = 0;

	for (size_t i = 0; i < n; i++) {
		struct collector *c = collectors[i];

		c->host_limit[0] = '\0';
		if (c->state == COLLECTOR_STATE_FAILED || c->state == COLLECTOR_STATE_DISABLED ||
		    c->state == COLLECTOR_STATE_NEW)
			continue;
		for (unsigned k = 0; k < c->ops->n_host_needs; k++) {
			const struct collector_host_need *nd = &c->ops->host_needs[k];

			if (!collector_backend_is(c, nd->backend) || !need_unmet(h, nd))
				continue;
			if (nd->ns == _HOST_NS_MAX)
				snprintf(c->host_limit, sizeof(c->host_limit),
					 "the host's /proc is not visible: %s (give the module %s)",
					 nd->lost, nd->fix);
			else
				snprintf(c->host_limit, sizeof(c->host_limit),
					 "not in the host's %s namespace: %s (give the module %s)",
					 ns_words(nd->ns), nd->lost, nd->fix);
			limited++;
			break;
		}
	}
	return limited;
}
