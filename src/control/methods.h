/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Direct methods (protocol reference §4.5): a request on $iothub/methods/POST/{name}/?$rid=R
 * is dispatched to the agent's handler and answered on $iothub/methods/res/{status}/?$rid=R
 * with a JSON body.  Methods: "snapshot", "get-status", "scan"; anything else is 404.
 * Design and limits: methods.c and docs/internals/twin.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/json_write.h"
#include "control.h"

#define METHODS_PAYLOAD_MAX (128u * 1024u)  /* request body; larger → 413 */
#define METHODS_RESPONSE_MAX (128u * 1024u) /* response body; larger → 500 */
#define METHODS_NAME_MAX 64u		    /* printable ASCII; else 400, never echoed */
#define METHODS_RID_MAX 64u		    /* printable ASCII; else no response at all */
#define METHODS_MESSAGE_MAX 256u

enum methods_kind {
	METHODS_SNAPSHOT,   /* collect and send the periodic events now */
	METHODS_GET_STATUS, /* the Heartbeat content */
	METHODS_SCAN,	    /* deployment analysis now, when the agent has it */
	_METHODS_MAX,
};

/*
 * The agent's side.  Each handler returns 0 or a negative errno (→ 500 with the reason).
 * `args` is the request's JSON body (NULL when empty).  snapshot and scan may add members to
 * the response object ({"result": …, <theirs>}); get_status writes exactly one JSON value
 * (the Heartbeat payload object), which is the whole response body.  A NULL scan answers
 * 501; a NULL snapshot or get_status answers 501 too.
 */
struct methods_handlers {
	int (*snapshot)(void *userdata, const cJSON *args, struct jw *w);
	int (*get_status)(void *userdata, struct jw *w);
	int (*scan)(void *userdata, const cJSON *args, struct jw *w);
	void *userdata;
};

/* What one call did, for the caller's log line; always filled (zeroed first). */
struct methods_result {
	bool responded;			   /* a response was published */
	int status;			   /* the response status (0 if none) */
	char name[METHODS_NAME_MAX + 1];   /* the method, "" if it was not valid */
	char rid[METHODS_RID_MAX + 1];	   /* "" if missing or not valid */
	int error;			   /* 0, or a negative errno worth a log line */
	char message[METHODS_MESSAGE_MAX]; /* what went wrong */
};

struct methods_stats {
	uint64_t calls;
	uint64_t by_kind[_METHODS_MAX];
	uint64_t unknown;	 /* 404 */
	uint64_t bad_requests;	 /* 400 / 413 */
	uint64_t failures;	 /* 5xx */
	uint64_t unanswerable;	 /* no valid $rid: no response possible */
	uint64_t publish_errors; /* the response could not be sent */
};

struct methods;

/* io and h are copied.  Returns 0 or -ENOMEM. */
int methods_new(const struct control_io *io, const struct methods_handlers *h,
		struct methods **ret);
struct methods *methods_free(struct methods *m);

/*
 * An incoming PUBLISH.  Returns -ENOENT if the topic is not a method call, 0 otherwise (the
 * response, if any, has been published; *res says what happened).
 */
int methods_handle_message(struct methods *m, const char *topic, const void *payload, size_t len,
			   struct methods_result *res);

void methods_get_stats(const struct methods *m, struct methods_stats *ret);
const char *methods_kind_to_string(enum methods_kind k);
