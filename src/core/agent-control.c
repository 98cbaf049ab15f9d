/* SPDX-License-Identifier: MIT */
/*
 * The output's events and its control channel (docs/internals/twin.md).
 *
 * Every transport gets a listener: its connection events become log lines (connected,
 * failed, lost; the rest at debug).  A transport with a control channel (transport.h: the
 * MQTT one, in hub mode) also carries the module twin and the direct methods of control/:
 * they publish and subscribe through transport_control_*(), the messages the listener
 * receives go to the twin first and then to the methods, and the twin is ticked every
 * TWIN_TICK_MS.  A twin update is applied like any configuration change (agent-config.h).
 * The methods are wired, not special-cased: "snapshot" and "get-status" are the agent's
 * (agent-timers.h), "scan" runs on the collector whose table offers a method of that name.
 * Owns the twin, the methods dispatcher and the twin timer.
 */
#include "agent-control.h"

#include <errno.h>
#include <string.h>

#include "agent-config.h"
#include "agent-int.h"
#include "agent-timers.h"
#include "common/alloc.h"
#include "common/json_write.h"
#include "common/timeutil.h"
#include "control/methods.h"
#include "control/twin.h"
#include "loop/loop.h"
#include "pipeline/format.h"
#include "transport/transport.h"

#define TWIN_TICK_MS 5000u

static uint64_t now_ms(void)
{
	return time_now_monotonic_ns() / NSEC_PER_MSEC;
}

static int control_subscribe(void *userdata, const char *pattern)
{
	struct agent *a = userdata;

	return transport_control_subscribe(a->output, pattern);
}

static int control_publish(void *userdata, const char *topic, const void *payload, size_t len)
{
	struct agent *a = userdata;

	return transport_control_publish(a->output, topic, payload, len);
}

static void handle_twin_result(struct agent *a, const struct twin_result *res)
{
	if (res->error)
		log_warning("Module twin: %s", res->message);
	else if (res->message[0])
		log_info("Module twin: %s", res->message);
	if (res->update == TWIN_UPDATE_NONE)
		return;
	if (res->changed) {
		agent_config_apply(a);
		log_info("Applied the module twin's configuration (%s)",
			 res->update == TWIN_UPDATE_FULL ? "full twin" : "desired patch");
	}
	/* Errors (rejected whole) and warnings → log lines and ConfigurationError events. */
	agent_config_report(a, &res->report, "the module twin");
}

static void on_transport_message(void *userdata, const char *topic, const void *payload, size_t len)
{
	struct agent *a = userdata;
	struct twin_result *res;
	struct methods_result mres;

	if (!a->twin || !a->methods)
		return;		       /* no control channel: nothing listens */
	res = es_malloc(sizeof(*res)); /* ~55 KB: the config_report */
	if (!res) {
		log_error("Failed to handle a hub message: out of memory");
		return;
	}
	if (twin_handle_message(a->twin, topic, payload, len, now_ms(), &a->cfg, &a->base, res) !=
	    -ENOENT) {
		handle_twin_result(a, res);
		es_free(res);
		return;
	}
	es_free(res);
	if (methods_handle_message(a->methods, topic, payload, len, &mres) == -ENOENT) {
		log_debug("Ignored a hub message (%zu bytes)", len);
		return;
	}
	if (mres.error)
		log_warning("Direct method %s ($rid %s) answered %d: %s",
			    mres.name[0] ? mres.name : "(invalid name)", mres.rid, mres.status,
			    mres.message);
	else
		log_info("Direct method %s answered %d", mres.name, mres.status);
	agent_events_after(a);
}

static void on_twin_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;
	struct twin_result *res = es_malloc(sizeof(*res));

	(void)l;
	if (res) {
		if (twin_tick(a->twin, now_ms(), &a->cfg, res) < 0 || res->message[0])
			log_warning("Module twin: %s", res->message);
		es_free(res);
	}
	loop_timer_arm_in(t, TWIN_TICK_MS * NSEC_PER_MSEC);
}

/* Direct method "snapshot": collect the periodic events and send them now. */
static int method_snapshot(void *userdata, const cJSON *args, struct jw *w)
{
	struct agent *a = userdata;

	(void)args;
	agent_snapshot_take(a, true);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_HIGH);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_LOW);
	jw_key_lit(w, "agentId");
	jw_cstr(w, a->agent_id);
	return 0;
}

/* Direct method "get-status": the Heartbeat event, built now (not queued). */
static int method_get_status(void *userdata, struct jw *w)
{
	struct agent *a = userdata;
	struct event *e;
	int r = agent_heartbeat_build(a, &e);

	if (r < 0)
		return r;
	event_format(e, w);
	event_free(e);
	return 0;
}

/*
 * Direct method "scan": run by the collector that offers a method of that name (the
 * containers collector: the deployment analysis now); its events are sent at once.
 */
static int method_scan(void *userdata, const cJSON *args, struct jw *w)
{
	struct agent *a = userdata;
	const char *name = methods_kind_to_string(METHODS_SCAN);
	struct collector *c = NULL;
	int r;

	for (size_t i = 0; i < a->n_collectors && !c; i++)
		if (collector_has_method(a->collectors[i], name))
			c = a->collectors[i];
	if (!c || !agent_collector_wanted(a, c))
		return -EOPNOTSUPP; /* no collector offers it, or its events are Off */
	r = collector_call_method(c, name, time_now_realtime_ns(), args, w);
	if (r < 0)
		return r;
	pipeline_flush(a->pipeline, EVENT_PRIORITY_HIGH);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_LOW);
	return 0;
}

static int open_control(struct agent *a)
{
	struct control_io io = { control_subscribe, control_publish, a };
	struct methods_handlers mh = { method_snapshot, method_get_status, method_scan, a };

	if (twin_new(&io, &a->twin) < 0 || methods_new(&io, &mh, &a->methods) < 0)
		return -ENOMEM;
	return 0;
}

static void on_transport_event(void *userdata, enum transport_event ev, const char *detail)
{
	struct agent *a = userdata;
	int r;

	switch (ev) {
	case TRANSPORT_EVENT_CONNECTED:
		log_info("Connected to the hub (%s)", detail ? detail : "");
		/* Subscribe (twin, desired patches, methods), then GET the twin. */
		if (a->twin && (r = twin_handle_connected(a->twin, now_ms())) < 0)
			log_warning("Failed to request the module twin: %s (retrying)",
				    strerror(-r));
		break;
	case TRANSPORT_EVENT_CONNECT_FAILED:
	case TRANSPORT_EVENT_DISCONNECTED:
		log_warning("Hub connection: %s: %s", transport_event_to_string(ev),
			    detail ? detail : "");
		if (ev == TRANSPORT_EVENT_DISCONNECTED && a->twin)
			twin_handle_disconnected(a->twin);
		break;
	case TRANSPORT_EVENT_LOG:
		log_debug("%s: %s", a->output->ops->name, detail ? detail : "");
		break;
	default:
		log_debug("Hub connection: %s %s", transport_event_to_string(ev),
			  detail ? detail : "");
		break;
	}
}

int agent_control_open(struct agent *a)
{
	const struct transport_listener l = {
		.on_event = on_transport_event,
		.on_message = on_transport_message,
		.userdata = a,
	};

	transport_set_listener(a->output, &l);
	if (!transport_has_control(a->output))
		return 0;
	return open_control(a);
}

void agent_control_start(struct agent *a)
{
	if (!a->twin)
		return;
	a->t_twin = loop_timer_new(a->loop, on_twin_timer, a);
	loop_timer_arm_in(a->t_twin, TWIN_TICK_MS * NSEC_PER_MSEC);
}

void agent_control_reloaded(struct agent *a)
{
	/* The twin's values go back on top of the new base when the GET is answered. */
	if (a->twin)
		(void)twin_refresh(a->twin, now_ms());
}

void agent_control_free(struct agent *a)
{
	a->twin = twin_free(a->twin);
	a->methods = methods_free(a->methods);
}
