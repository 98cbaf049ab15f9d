/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * MQTT 3.1.1 transport to edgeHub / IoT Hub / any broker, over libmosquitto driven by our
 * loop (no library thread).  It is a struct transport (transport.h) with every operation:
 * transport_publish() writes the message to the spool and returns; the transport sends
 * spooled messages with QoS 1 while connected (at most inflight_max unacknowledged) and
 * deletes each one on its PUBACK.  Connection events, the last error, the spool hook and the
 * control channel (subscribe, publish direct, incoming PUBLISH: twin and methods) are the
 * transport's generic ones; only opening it and its own counters are MQTT's.  Design, states
 * and limits: mqtt.c and docs/internals/mqtt.md.
 */

#include <stdbool.h>
#include <stdint.h>

#include "connection-string.h"
#include "loop/loop.h"
#include "spool/spool.h"
#include "transport/transport.h"

#define MQTT_API_VERSION "2021-04-12"
#define MQTT_ERROR_MAX 256u

/*
 * Makes the CONNECT password for a token that expires at `expiry` (Unix seconds).  Called just
 * before each connection attempt, on the loop.  On failure (< 0) it may leave a one-line
 * reason without secrets in out; the attempt then fails with that reason and is retried with
 * the backoff.
 */
typedef int (*mqtt_password_fn)(void *userdata, uint64_t expiry, char *out, size_t out_size);

/*
 * The asynchronous form, for a password that takes I/O to make (the IoT Edge workload API
 * signs it): the transport calls start() when it wants to connect and waits, without
 * blocking the loop, until the provider calls done(ctx, 0, token) or done(ctx, -errno,
 * reason) from the loop (never from inside start()).  If done() does not come within
 * connect_timeout_ms the attempt fails and a late done() is ignored.  The provider must
 * outlive the transport or stop calling done() once the transport is closed.
 */
typedef void (*mqtt_password_done_fn)(void *ctx, int err, const char *text);
typedef int (*mqtt_password_start_fn)(void *userdata, uint64_t expiry, mqtt_password_done_fn done,
				      void *ctx);

enum mqtt_state {
	MQTT_STATE_WAITING,    /* backoff before the next attempt */
	MQTT_STATE_CONNECTING, /* TCP/TLS/CONNECT sent, waiting for CONNACK */
	MQTT_STATE_CONNECTED,
	MQTT_STATE_DRAINING, /* token renewal: no new sends, waiting for PUBACKs */
	_MQTT_STATE_MAX,
};

struct mqtt_settings {
	struct mqtt_endpoint endpoint;
	const char *ca_file;  /* trust anchors (PEM); required when endpoint.tls */
	const char *hub_host; /* IoT Hub FQDN: username; NULL = plain broker, no username */
	const char *device_id;
	const char *module_id;	   /* client id "{device}/{module}" */
	const char *api_version;   /* NULL = MQTT_API_VERSION */
	const char *client_type;   /* DeviceClientType, e.g. "edgesec/0.1.0" */
	mqtt_password_fn password; /* NULL = no password */
	void *password_userdata;
	/* Instead of password: asynchronous (mqtt_password_start_fn), same userdata. */
	mqtt_password_start_fn password_start;
	unsigned keepalive_s;	     /* 0 = 60 */
	unsigned inflight_max;	     /* 0 = 16 */
	unsigned token_lifetime_s;   /* 0 = 3600; renewed by reconnecting at 80 % */
	unsigned backoff_min_ms;     /* 0 = 1000 */
	unsigned backoff_max_ms;     /* 0 = 60000 */
	unsigned connect_timeout_ms; /* 0 = 30000 */
};

struct mqtt_stats {
	enum mqtt_state state;
	uint64_t connect_attempts;
	uint64_t connects;	   /* CONNACK accepted */
	uint64_t connect_failures; /* attempts that did not reach CONNACK accepted */
	uint64_t disconnects;	   /* established connections lost or closed */
	uint64_t token_renewals;
	uint64_t published; /* PUBLISH sent from the spool (re-sends included) */
	uint64_t acked;	    /* PUBACKs that deleted a spool entry */
	uint64_t requeued;  /* in-flight entries put back after a disconnect */
	uint64_t publish_errors;
	unsigned inflight;
	unsigned last_backoff_ms;
};

/*
 * Creates the transport and schedules the first connection attempt at once (on the loop: set
 * the listener, transport_set_listener(), before running it).  The loop and the spool must
 * outlive it; the spool stays the caller's (transport_spool() hands it out for its stats).
 * Strings in *s are copied.
 */
int mqtt_transport_open(struct loop *l, const struct mqtt_settings *s, struct spool *sp,
			struct transport **ret);
void mqtt_transport_get_stats(const struct transport *t, struct mqtt_stats *ret);

/* A mqtt_password_fn for a local key (connection string): userdata is the connection_string. */
int mqtt_password_from_connection_string(void *userdata, uint64_t expiry, char *out,
					 size_t out_size);
/* Fills the identity part of *s from a parsed connection string (pointers into cs). */
void mqtt_settings_from_connection_string(struct mqtt_settings *s,
					  const struct connection_string *cs);
const char *mqtt_state_to_string(enum mqtt_state st);
