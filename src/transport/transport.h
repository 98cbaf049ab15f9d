/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Where messages go.  A transport is a table of operations with no-op defaults (the wrappers
 * below); core/ publishes every message the pipeline builds through it and asks it, never a
 * particular transport, for the rest:
 *   - connection: its events (connecting, connected, failed, lost, ...) go to the listener
 *     the owner sets; transport_last_error() is the redacted reason of the last failure
 *     (Heartbeat: OutputLastError).  A transport without a connection has neither.
 *   - spool hook: transport_spool() is the store-and-forward queue behind publish(), for its
 *     statistics (Heartbeat, evictions in DroppedEventsStatistics); NULL when there is none.
 *   - control channel: transport_control_subscribe() / transport_control_publish() (QoS 1,
 *     not spooled) and incoming messages through the listener, for control/ (module twin,
 *     direct methods).  A transport without one answers -EOPNOTSUPP.
 * Transports: local.c (stdout or an append-only file: no connection, no spool, no control
 * channel) and mqtt/ (edgeHub, IoT Hub or any broker: all three).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pipeline/message.h"

struct spool;
struct transport;

enum transport_event {
	TRANSPORT_EVENT_CONNECTING,	/* detail: "mqtts://host:port" */
	TRANSPORT_EVENT_CONNECTED,	/* the control channel can subscribe from here */
	TRANSPORT_EVENT_CONNECT_FAILED, /* detail: the reason */
	TRANSPORT_EVENT_DISCONNECTED,	/* detail: the reason */
	TRANSPORT_EVENT_RETRY,		/* detail: "in N ms (attempt K)" */
	TRANSPORT_EVENT_TOKEN_RENEWAL,
	TRANSPORT_EVENT_LOG, /* a line from the protocol library, redacted (debug) */
	_TRANSPORT_EVENT_MAX,
};

/*
 * The owner's callbacks, all optional, called on the loop.  detail is redacted and valid
 * only during the call; an incoming message (control channel) likewise.
 */
struct transport_listener {
	void (*on_event)(void *userdata, enum transport_event ev, const char *detail);
	void (*on_message)(void *userdata, const char *topic, const void *payload, size_t len);
	void *userdata;
};

struct transport_ops {
	const char *name;
	int (*publish)(struct transport *t, const struct message *m);
	void (*close)(struct transport *t);
	/* "stdout", "file:/var/log/edgesec.jsonl", ... (no secrets) */
	const char *(*describe)(const struct transport *t);
	/* The reason of the last connection failure, redacted; "" when none. */
	const char *(*last_error)(const struct transport *t);
	/* The spool publish() writes to (the caller's, it outlives the transport). */
	const struct spool *(*spool)(const struct transport *t);
	/* Control channel: 0, -ENOTCONN while not connected, or another -errno. */
	int (*subscribe)(struct transport *t, const char *filter);
	int (*publish_direct)(struct transport *t, const char *topic, const void *payload,
			      size_t len);
};

struct transport {
	const struct transport_ops *ops;
	void *priv;
	uint64_t write_errors;
	struct transport_listener listener; /* transport_set_listener() */
};

/*
 * Local output: path NULL, "-" or "/dev/stdout" means stdout ("/dev/stderr": stderr); a file
 * is opened for append (created 0600) with safefile_open_append(), trusting root and `uid`:
 * a symbolic link, a file of another user, a hard link or a world-writable file is refused,
 * with the reason in `why` (common/safefile.h, docs/security.md).
 */
int transport_local_open(const char *path, uid_t uid, struct transport **ret, char *why,
			 size_t why_size);
int transport_publish(struct transport *t, const struct message *m);
const char *transport_describe(const struct transport *t);
struct transport *transport_close(struct transport *t);

/* Events and incoming messages from now on go to *l (copied). */
void transport_set_listener(struct transport *t, const struct transport_listener *l);
/* "" when the transport has no connection or it never failed. */
const char *transport_last_error(const struct transport *t);
/* NULL when messages are not spooled. */
const struct spool *transport_spool(const struct transport *t);
bool transport_has_control(const struct transport *t);
int transport_control_subscribe(struct transport *t, const char *filter);
int transport_control_publish(struct transport *t, const char *topic, const void *payload,
			      size_t len);
const char *transport_event_to_string(enum transport_event ev);

/* For transports: hand an event or an incoming message to the listener, if any. */
void transport_notify_event(struct transport *t, enum transport_event ev, const char *detail);
void transport_notify_message(struct transport *t, const char *topic, const void *payload,
			      size_t len);
