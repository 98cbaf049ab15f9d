/* SPDX-License-Identifier: MIT */
/*
 * Which collector needs which of the host's namespaces (host-check.h).
 *
 * A collector that runs but sees the wrong world is worse than one that fails: its events
 * look complete.  So after start-up each collector's needs (the table below) are compared
 * with where the agent is (host_ns_state()); a need that is not met sets c->host_limit,
 * which the agent logs as a warning once and the Heartbeat shows (State "degraded",
 * HostLimit).  Only a namespace known to be our own counts ("unknown" is logged by the
 * agent, not charged to collectors).  The first unmet need of a collector is reported.
 */
#include "host-check.h"

#include <stdio.h>
#include <string.h>

#include "common/array.h"

struct host_need {
	const char *collector;
	const char *backend; /* prefix of collector_describe(), or NULL for any */
	enum host_ns ns;     /* _HOST_NS_MAX: needs the host's /proc */
	const char *lost;
	const char *fix;
};

static const struct host_need needs[] = {
	{ "ports", NULL, HOST_NS_NET, "it lists the sockets of its own network namespace",
	  "NetworkMode host" },
	{ "ports", NULL, HOST_NS_PID, "the owners (pid, executable) of host sockets are unknown",
	  "PidMode host" },
	{ "ports", NULL, _HOST_NS_MAX, "socket owners cannot be looked up", "PidMode host" },
	{ "firewall", NULL, HOST_NS_NET, "it reads the rules of its own network namespace",
	  "NetworkMode host" },
	{ "process", "audit", HOST_NS_NET,
	  "the kernel sends audit records to the host's network namespace only",
	  "NetworkMode host" },
	{ "process", NULL, HOST_NS_PID,
	  "executables, command lines and containers of host processes are looked up in its "
	  "own /proc",
	  "PidMode host" },
	{ "process", NULL, HOST_NS_CGROUP,
	  "container attribution reads cgroup paths relative to its own cgroup namespace",
	  "CgroupnsMode host" },
	{ "process", NULL, _HOST_NS_MAX, "process details cannot be read", "PidMode host" },
	{ "login", "source audit", HOST_NS_NET,
	  "the kernel sends PAM's audit records to the host's network namespace only",
	  "NetworkMode host" },
	{ "login", NULL, HOST_NS_PID, "the executable and ports of login processes are unknown",
	  "PidMode host" },
	{ "baseline", NULL, HOST_NS_NET, "net.* sysctls are those of its own network namespace",
	  "NetworkMode host" },
	{ "baseline", NULL, _HOST_NS_MAX, "sysctl and mount checks have no host /proc",
	  "PidMode host" },
	{ "posture", NULL, HOST_NS_NET,
	  "it judges the forwarding settings of its own network namespace", "NetworkMode host" },
	/* Capabilities of a user namespace are checked against that namespace, not the host's. */
	{ "process", NULL, HOST_NS_USER, "its capabilities do not reach the host's kernel",
	  "UsernsMode host" },
	{ "login", NULL, HOST_NS_USER, "its capabilities do not reach the host's kernel",
	  "UsernsMode host" },
	{ "firewall", NULL, HOST_NS_USER, "its capabilities do not reach the host's kernel",
	  "UsernsMode host" },
};

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

static bool starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool need_unmet(const struct host_context *h, const struct host_need *n)
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
		const char *how;

		c->host_limit[0] = '\0';
		if (c->state == COLLECTOR_STATE_FAILED || c->state == COLLECTOR_STATE_DISABLED ||
		    c->state == COLLECTOR_STATE_NEW)
			continue;
		how = collector_describe(c);
		for (size_t k = 0; k < ARRAY_SIZE(needs); k++) {
			const struct host_need *nd = &needs[k];

			if (strcmp(nd->collector, c->ops->name) != 0 ||
			    (nd->backend && !starts_with(how, nd->backend)) || !need_unmet(h, nd))
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
