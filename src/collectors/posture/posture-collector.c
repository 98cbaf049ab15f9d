/* SPDX-License-Identifier: MIT */
/*
 * The posture collector: a thin adapter around analyze/posture.c.
 *
 *   observer (pipeline, every event)  → posture_observe() unless the collector is disabled
 *   snapshot (after the other periodic collectors, same `now`) → posture_evaluate() with
 *            the forwarding/IPv6 facts of our network namespace, read from the host /proc sys/net
 *            (the namespace the ports and firewall collectors see)
 *   sink     → collector_submit(): Recommendation events counted as this collector's
 *
 *   settings → configure(): the posture* settings of the configuration, applied live
 *
 * describe() gives the number of findings tracked (and untracked beyond the caps); stats.skipped
 * counts input records beyond the digests' caps.  Owns the struct posture.
 */
#include "posture-collector.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/array.h"
#include "common/fileio.h"
#include "config/config.h"
#include "host/host.h"

struct posture_collector_state {
	struct event_observer observer;
	struct event_sink sink;
	struct collector *c;
	struct posture *p;
	char describe[96];
};

static struct posture_collector_state *state_of_observer(struct event_observer *o)
{
	return (struct posture_collector_state *)((char *)o -
						  offsetof(struct posture_collector_state,
							   observer));
}

static struct posture_collector_state *state_of_sink(struct event_sink *s)
{
	return (struct posture_collector_state *)((char *)s -
						  offsetof(struct posture_collector_state, sink));
}

static void on_event(struct event_observer *o, const struct event *e, uint64_t now)
{
	struct posture_collector_state *s = state_of_observer(o);

	(void)now;
	if (!s->p || s->c->state == COLLECTOR_STATE_DISABLED ||
	    s->c->state == COLLECTOR_STATE_STOPPED)
		return;
	posture_observe(s->p, e);
}

static void on_submit(struct event_sink *sink, struct event *e)
{
	collector_submit(state_of_sink(sink)->c, e);
}

static int posture_init(struct collector *c)
{
	struct posture_collector_state *s = collector_state(c);

	s->c = c;
	s->observer.observe = on_event;
	s->sink.submit = on_submit;
	s->p = posture_new(&s->sink);
	return s->p ? 0 : -ENOMEM;
}

static void posture_done(struct collector *c)
{
	struct posture_collector_state *s = collector_state(c);

	if (s)
		s->p = posture_free(s->p);
}

/* "1"/"0" from a sysctl file of the host's /proc (host context); -1 when it cannot be read. */
static int read_flag(struct host_context *host, const char *path)
{
	char line[16];

	if (host_proc_fd(host) < 0 ||
	    read_line_at(host_proc_fd(host), path, line, sizeof(line)) < 0)
		return -1;
	return line[0] != '0';
}

static void read_host(struct host_context *host, struct posture_host *h)
{
	int v4 = read_flag(host, "sys/net/ipv4/ip_forward");
	int v6 = read_flag(host, "sys/net/ipv6/conf/all/forwarding");
	int v6off = read_flag(host, "sys/net/ipv6/conf/all/disable_ipv6");

	memset(h, 0, sizeof(*h));
	if (v4 < 0)
		return; /* no /proc/sys: unknown, every family and hook is judged */
	h->known = true;
	h->ipv4_forwarding = v4 == 1;
	h->ipv6_forwarding = v6 == 1;
	h->ipv6_disabled = v6off != 0; /* 1, or no IPv6 stack at all */
}

static int posture_snapshot(struct collector *c, uint64_t now)
{
	struct posture_collector_state *s = collector_state(c);
	struct posture_stats st;
	struct posture_host host;

	read_host(c->params.host, &host);
	posture_evaluate(s->p, now, &host);
	posture_get_stats(s->p, &st);
	c->stats.skipped = st.inputs_dropped;
	c->stats.errors = st.errors;
	snprintf(s->describe, sizeof(s->describe), "%zu finding%s tracked, %llu untracked",
		 st.tracked, st.tracked == 1 ? "" : "s", (unsigned long long)st.untracked);
	return 0;
}

static const char *posture_describe(struct collector *c)
{
	struct posture_collector_state *s = collector_state(c);

	return s && s->describe[0] ? s->describe : NULL;
}

static struct event_observer *posture_observer(struct collector *c)
{
	struct posture_collector_state *s = collector_state(c);

	return s && s->p ? &s->observer : NULL;
}

static int apply_settings(struct collector *c, const struct posture_settings *set)
{
	struct posture_collector_state *s = collector_state(c);
	char err[160];
	int r;

	if (!s || !s->p)
		return -EINVAL;
	r = posture_configure(s->p, set, err, sizeof(err));
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "%s", err);
	} else if (c->state == COLLECTOR_STATE_DEGRADED) {
		c->state = COLLECTOR_STATE_RUNNING;
		c->last_error[0] = '\0';
	}
	return r;
}

/*
 * Settings from the configuration (docs/posture.md), applied live.  A bad entry in
 * postureAllowedPorts allows no port and degrades the collector with the entry: an issue.
 */
static int posture_configure_from(struct collector *c, const struct config *cfg,
				  struct collector_issues *ret)
{
	const struct posture_settings ps = {
		.enabled = { cfg->posture_open_ports, cfg->posture_firewall_policy,
			     cfg->posture_input_rules, cfg->posture_output_rules,
			     cfg->posture_baseline, cfg->posture_unutilized_messages },
		.allowed_ports = cfg->posture_allowed_ports,
		.hub_output = c->params.hub_output,
	};
	int r = apply_settings(c, &ps);

	if (r < 0)
		collector_issue_add(ret, "postureAllowedPorts", "Allowed ports not used", "%s",
				    c->last_error);
	return r;
}

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps posture_caps[] = {
	/* judges the other collectors' events; reads world-readable /proc/sys/net files. */
	{ NULL, 0 },
};

/* The host namespaces it must share (core/host-check.c), the first unmet one reported. */
static const struct collector_host_need posture_host_needs[] = {
	{ NULL, HOST_NS_NET, "it judges the forwarding settings of its own network namespace",
	  "NetworkMode host" },
};

const struct collector_ops posture_collector_ops = {
	.name = "posture",
	.types = { EVENT_RECOMMENDATION },
	.n_types = 1,
	.state_size = sizeof(struct posture_collector_state),
	.init = posture_init,
	.snapshot = posture_snapshot,
	.done = posture_done,
	.describe = posture_describe,
	.configure = posture_configure_from,
	.observer = posture_observer,
	.caps = posture_caps,
	.n_caps = ARRAY_SIZE(posture_caps),
	.host_needs = posture_host_needs,
	.n_host_needs = ARRAY_SIZE(posture_host_needs),
};
