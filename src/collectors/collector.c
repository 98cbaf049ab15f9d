/* SPDX-License-Identifier: MIT */
#include "collector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"

const struct collector_ops *const collector_builtins[] = {
	&sysinfo_collector_ops,	 &users_collector_ops,
	&ports_collector_ops,	 &firewall_collector_ops,
	&process_collector_ops,	 &login_collector_ops,
	&baseline_collector_ops, &containers_collector_ops,
	&posture_collector_ops, /* last: its snapshot judges what the others just sent */
};
const size_t collector_n_builtins = ARRAY_SIZE(collector_builtins);

static const char *const state_names[_COLLECTOR_STATE_MAX] = {
	[COLLECTOR_STATE_NEW] = "new",		 [COLLECTOR_STATE_RUNNING] = "running",
	[COLLECTOR_STATE_DEGRADED] = "degraded", [COLLECTOR_STATE_FAILED] = "failed",
	[COLLECTOR_STATE_DISABLED] = "disabled", [COLLECTOR_STATE_STOPPED] = "stopped",
};

const char *collector_state_to_string(enum collector_state s)
{
	return s >= 0 && s < _COLLECTOR_STATE_MAX ? state_names[s] : NULL;
}

enum collector_state collector_state_shown(const struct collector *c)
{
	if (c->state == COLLECTOR_STATE_RUNNING && c->host_limit[0])
		return COLLECTOR_STATE_DEGRADED;
	return c->state;
}

int collector_new(const struct collector_ops *ops, const struct collector_params *p,
		  struct collector **ret)
{
	struct collector *c = es_calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->ops = ops;
	c->params = *p;
	if (!c->params.host) {
		char err[160];

		/* A tree of its own (tests): its /proc, if any, is the host's. */
		r = host_context_open(p->host_root, 0, &c->own_host, err, sizeof(err));
		if (r < 0) {
			es_free(c);
			return r;
		}
		c->params.host = c->own_host;
	}
	if (ops->state_size && !(c->priv = es_calloc(1, ops->state_size))) {
		host_context_free(c->own_host);
		es_free(c);
		return -ENOMEM;
	}
	if (ops->init && (r = ops->init(c)) < 0) {
		collector_set_error(c, COLLECTOR_STATE_FAILED, "init: %s", strerror(-r));
		/* A collector that cannot initialize stays listed, in state "failed". */
	}
	*ret = c;
	return 0;
}

struct collector *collector_free(struct collector *c)
{
	if (!c)
		return NULL;
	if (c->ops->done)
		c->ops->done(c);
	es_free(c->priv);
	host_context_free(c->own_host);
	es_free(c);
	return NULL;
}

int collector_start(struct collector *c)
{
	int r = 0;

	if (c->state == COLLECTOR_STATE_FAILED)
		return -ENODEV;
	if (c->ops->start && (r = c->ops->start(c)) < 0) {
		if (c->state != COLLECTOR_STATE_FAILED)
			collector_set_error(c, COLLECTOR_STATE_FAILED, "start: %s", strerror(-r));
		return r;
	}
	if (c->state == COLLECTOR_STATE_NEW)
		c->state = COLLECTOR_STATE_RUNNING;
	return 0;
}

int collector_get_fd(struct collector *c)
{
	return c->ops->get_fd && c->state != COLLECTOR_STATE_FAILED ? c->ops->get_fd(c) : -1;
}

void collector_dispatch(struct collector *c, uint32_t revents)
{
	if (c->ops->dispatch) {
		c->stats.runs++;
		c->ops->dispatch(c, revents);
	}
}

const char *collector_describe(struct collector *c)
{
	return c->ops->describe ? c->ops->describe(c) : NULL;
}

bool collector_is_periodic(const struct collector *c)
{
	return c->ops->snapshot != NULL;
}

int collector_snapshot(struct collector *c, uint64_t now_ns)
{
	int r;

	if (!c->ops->snapshot)
		return -EOPNOTSUPP;
	if (c->state == COLLECTOR_STATE_FAILED)
		return -ENODEV;
	c->stats.runs++;
	r = c->ops->snapshot(c, now_ns);
	if (r < 0)
		c->stats.errors++;
	return r;
}

void collector_stop(struct collector *c)
{
	if (c->ops->stop)
		c->ops->stop(c);
	if (c->state != COLLECTOR_STATE_FAILED)
		c->state = COLLECTOR_STATE_STOPPED;
}

void collector_set_error(struct collector *c, enum collector_state s, const char *fmt, ...)
{
	va_list ap;

	c->state = s;
	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
}

void collector_submit(struct collector *c, struct event *e)
{
	c->stats.events++;
	c->stats.items += event_get_n_items(e);
	event_sink_submit(c->params.sink, e);
}

int collector_configure(struct collector *c, const struct config *cfg, struct collector_issues *ret)
{
	memset(ret, 0, sizeof(*ret));
	return c->ops->configure ? c->ops->configure(c, cfg, ret) : 0;
}

void collector_issue_add(struct collector_issues *is, const char *setting, const char *consequence,
			 const char *fmt, ...)
{
	struct collector_issue *i;
	va_list ap;

	if (is->n == COLLECTOR_ISSUES_MAX) {
		is->dropped++;
		return;
	}
	i = &is->v[is->n++];
	i->setting = setting;
	i->consequence = consequence;
	va_start(ap, fmt);
	vsnprintf(i->message, sizeof(i->message), fmt, ap);
	va_end(ap);
}

struct event_observer *collector_observer(struct collector *c)
{
	return c->ops->observer ? c->ops->observer(c) : NULL;
}

static const struct collector_method *find_method(const struct collector *c, const char *name)
{
	for (unsigned i = 0; i < c->ops->n_methods; i++)
		if (strcmp(c->ops->methods[i].name, name) == 0)
			return &c->ops->methods[i];
	return NULL;
}

bool collector_has_method(const struct collector *c, const char *name)
{
	return find_method(c, name) != NULL;
}

int collector_call_method(struct collector *c, const char *name, uint64_t now_realtime_ns,
			  const struct cJSON *args, struct jw *w)
{
	const struct collector_method *m = find_method(c, name);

	return m ? m->call(c, now_realtime_ns, args, w) : -ENOENT;
}

bool collector_backend_is(struct collector *c, const char *backend)
{
	const char *how;

	if (!backend)
		return true;
	how = collector_describe(c);
	return how && strncmp(how, backend, strlen(backend)) == 0;
}

int collector_submit_built(struct collector *c, struct event_builder *b)
{
	unsigned items = b->n_items;
	int r = event_builder_submit(b, c->params.sink);

	if (r < 0)
		return r;
	c->stats.events++;
	c->stats.items += items;
	return 0;
}
