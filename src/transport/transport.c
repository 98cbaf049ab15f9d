/* SPDX-License-Identifier: MIT */
/*
 * The transport interface (transport.h): the wrappers every caller uses, each with the no-op
 * default of an operation a transport leaves NULL, and the listener hand-off the transports
 * call.  Owns nothing but the struct transport itself (freed by transport_close()).
 */
#include "transport.h"

#include <errno.h>

#include "common/alloc.h"

static const char *const event_names[_TRANSPORT_EVENT_MAX] = {
	[TRANSPORT_EVENT_CONNECTING] = "connecting",
	[TRANSPORT_EVENT_CONNECTED] = "connected",
	[TRANSPORT_EVENT_CONNECT_FAILED] = "connect-failed",
	[TRANSPORT_EVENT_DISCONNECTED] = "disconnected",
	[TRANSPORT_EVENT_RETRY] = "retry",
	[TRANSPORT_EVENT_TOKEN_RENEWAL] = "token-renewal",
	[TRANSPORT_EVENT_LOG] = "log",
};

const char *transport_event_to_string(enum transport_event ev)
{
	return (unsigned)ev < _TRANSPORT_EVENT_MAX ? event_names[ev] : "?";
}

int transport_publish(struct transport *t, const struct message *m)
{
	return t->ops->publish(t, m);
}

const char *transport_describe(const struct transport *t)
{
	return t->ops->describe ? t->ops->describe(t) : t->ops->name;
}

struct transport *transport_close(struct transport *t)
{
	if (!t)
		return NULL;
	if (t->ops->close)
		t->ops->close(t);
	es_free(t);
	return NULL;
}

void transport_set_listener(struct transport *t, const struct transport_listener *l)
{
	t->listener = *l;
}

const char *transport_last_error(const struct transport *t)
{
	const char *e = t->ops->last_error ? t->ops->last_error(t) : NULL;

	return e ? e : "";
}

const struct spool *transport_spool(const struct transport *t)
{
	return t->ops->spool ? t->ops->spool(t) : NULL;
}

bool transport_has_control(const struct transport *t)
{
	return t->ops->subscribe && t->ops->publish_direct;
}

int transport_control_subscribe(struct transport *t, const char *filter)
{
	return t->ops->subscribe ? t->ops->subscribe(t, filter) : -EOPNOTSUPP;
}

int transport_control_publish(struct transport *t, const char *topic, const void *payload,
			      size_t len)
{
	return t->ops->publish_direct ? t->ops->publish_direct(t, topic, payload, len)
				      : -EOPNOTSUPP;
}

void transport_notify_event(struct transport *t, enum transport_event ev, const char *detail)
{
	if (t->listener.on_event)
		t->listener.on_event(t->listener.userdata, ev, detail);
}

void transport_notify_message(struct transport *t, const char *topic, const void *payload,
			      size_t len)
{
	if (t->listener.on_message)
		t->listener.on_message(t->listener.userdata, topic, payload, len);
}
