/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Module twin controller: keeps the configuration in force in step with the twin's desired
 * properties and reports it back (protocol reference §4.4).  It owns no configuration: the
 * caller passes its `struct config` in force (changed in place, all-or-nothing) and the base
 * that null restores (defaults < local file).  It talks to the hub only through a
 * struct control_io.  Flow, semantics and limits: twin.c and docs/internals/twin.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "control.h"

#define TWIN_DOCUMENT_MAX (64u * 1024u) /* larger twin bodies are rejected */
#define TWIN_REQUESTS_MAX 8u		/* outstanding GET / reported PATCH requests */
#define TWIN_REQUEST_TIMEOUT_MS 30000u	/* an unanswered request is forgotten after this */
#define TWIN_RETRY_MS 10000u		/* a failed GET is retried by twin_tick() after this */
#define TWIN_MESSAGE_MAX 256u

struct twin;

enum twin_update {
	TWIN_UPDATE_NONE,  /* no configuration update in this message */
	TWIN_UPDATE_FULL,  /* a GET response (full desired state) */
	TWIN_UPDATE_PATCH, /* a desired-properties patch */
	_TWIN_UPDATE_MAX,
};

/*
 * What one call did; always filled (zeroed first) by the calls that take it.  About 53 KB
 * (the config_report): the agent allocates it per message rather than using the stack.
 */
struct twin_result {
	enum twin_update update; /* an update was attempted: log it, raise the report */
	bool changed;		 /* the configuration in force changed: apply it live */
	bool rejected;		 /* the update was refused whole; report.errors say why */
	int error;		 /* 0, or a negative errno worth a log line (message says what) */
	char message[TWIN_MESSAGE_MAX];
	/* Errors (rejected update) and warnings (ignored keys, conflicts of the new
	 * configuration): each becomes a ConfigurationError event (reference §2.11). */
	struct config_report report;
};

struct twin_stats {
	uint64_t gets;		 /* GET requests sent */
	uint64_t patches;	 /* desired patches received */
	uint64_t version_gaps;	 /* patches that led to a GET instead */
	uint64_t accepted;	 /* updates applied (changed or not) */
	uint64_t rejected;	 /* updates refused */
	uint64_t reported;	 /* reported PATCHes sent */
	uint64_t report_errors;	 /* reported PATCHes answered with something other than 2xx */
	uint64_t get_errors;	 /* GETs answered with something other than 200 */
	uint64_t timeouts;	 /* requests forgotten after TWIN_REQUEST_TIMEOUT_MS */
	uint64_t oversized;	 /* bodies larger than TWIN_DOCUMENT_MAX */
	uint64_t unexpected;	 /* responses with an unknown $rid */
	int64_t desired_version; /* -1 until known */
};

/* io is copied.  Returns 0 or -ENOMEM. */
int twin_new(const struct control_io *io, struct twin **ret);
struct twin *twin_free(struct twin *t);

/*
 * On every (re)connect: subscribe to twin responses, desired patches and method calls, then
 * GET the twin.  now_ms is any monotonic clock in milliseconds (the same for every call).
 * Returns 0 or the first negative errno (the GET is retried by twin_tick()).
 */
int twin_handle_connected(struct twin *t, uint64_t now_ms);
/* Outstanding requests are forgotten; nothing is sent until the next connect. */
void twin_handle_disconnected(struct twin *t);
/* GET the whole twin again (e.g. after the local file changed the base): the answer is
 * re-applied on top of the new base.  0, or -ENOTCONN (done at the next connect). */
int twin_refresh(struct twin *t, uint64_t now_ms);

/*
 * An incoming PUBLISH.  Returns -ENOENT if the topic is not a twin topic (hand it to the
 * methods controller), 0 otherwise; the outcome is in *res.  On an update, *in_force is
 * replaced (config_done() of the old one, so its strings are freed) only when the whole
 * update is valid and changes something (res->changed), and a reported PATCH with the
 * configuration in force is sent whether it was accepted or not.  Nothing may keep pointers
 * into *in_force across this call.
 */
int twin_handle_message(struct twin *t, const char *topic, const void *payload, size_t len,
			uint64_t now_ms, struct config *in_force, const struct config *base,
			struct twin_result *res);

/*
 * Call every few seconds: forgets requests unanswered for TWIN_REQUEST_TIMEOUT_MS, retries a
 * failed GET after TWIN_RETRY_MS and a reported PATCH that could not be sent.  in_force is
 * only read.  Returns 0 or a negative errno (res->message says what).
 */
int twin_tick(struct twin *t, uint64_t now_ms, const struct config *in_force,
	      struct twin_result *res);

void twin_get_stats(const struct twin *t, struct twin_stats *ret);

/* The reported-properties body for a configuration (config_format_reported), bounded by
 * TWIN_DOCUMENT_MAX.  Returns 0 (caller buf_done()s b) or -E2BIG / -ENOMEM. */
int twin_format_reported(const struct config *c, struct buf *b);
