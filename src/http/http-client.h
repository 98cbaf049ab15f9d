/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * HTTP/1.1 over a unix stream socket: one request per connection ("Connection: close"),
 * for the Docker Engine API and the IoT Edge workload API.
 *
 * Two ways to use it:
 *   - inside the event loop: http_call_start() connects (non-blocking) and queues the
 *     request; register call->fd for http_call_wanted_events() and call http_call_io() when
 *     it is ready, until it returns HTTP_FEED_DONE or an error.  The body reaches the
 *     callback as it arrives, so an endless stream (Docker's /events) works;
 *   - blocking, with a deadline, for start-up and the CLI: http_unix_request().
 *
 * Requests are built from parts that must not contain CR, LF or other control characters
 * (the path is the caller's job to percent-encode); such a part is refused with -EINVAL, so
 * a container id or module name from outside can never smuggle a header.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "http-response.h"

#define HTTP_REQUEST_MAX (64u << 10)

struct http_request {
	const char *method;	  /* "GET", "POST", ... */
	const char *path;	  /* origin form, e.g. "/v1.41/containers/json?all=1" */
	const char *host;	  /* Host header; "localhost" when NULL */
	const char *content_type; /* with a body; "application/json" when NULL */
	const void *body;
	size_t body_len;
};

/* Appends the request bytes to b.  -EINVAL for a bad part, -ENOMEM/-E2BIG if b overflows. */
int http_request_format(const struct http_request *req, struct buf *b);

struct http_call {
	int fd; /* -1 when closed */
	struct buf out;
	size_t out_sent;
	bool reading;
	struct http_response resp;
};

/*
 * Connects to socket_path and queues req.  body_max caps the de-chunked body (0 = no cap);
 * on_body receives it.  On error nothing stays open.  Returns 0 or -errno (-ENOENT: no
 * socket, -ECONNREFUSED: nobody listening, -EACCES, -EINVAL: bad request part).
 */
int http_call_start(struct http_call *c, const char *socket_path, const struct http_request *req,
		    uint64_t body_max, http_body_fn on_body, void *userdata);

/* EPOLLOUT while the request is being sent, EPOLLIN afterwards. */
uint32_t http_call_wanted_events(const struct http_call *c);

/*
 * Does whatever I/O is possible without blocking.  Returns HTTP_FEED_MORE (wait for
 * http_call_wanted_events() again), HTTP_FEED_DONE (c->resp is complete), or -errno
 * (-EPIPE/-ECONNRESET: the peer went away; -EPROTO: malformed response; see
 * http_response_error(&c->resp)).
 */
int http_call_io(struct http_call *c);

/* Closes the connection and frees the request buffer; safe to call twice. */
void http_call_close(struct http_call *c);

/*
 * A whole request, blocking for at most timeout_ms.  The body (at most body_max bytes) is
 * appended to `body` (which must have room: its own max is respected) and *status gets the
 * HTTP status.  Returns 0, -ETIMEDOUT, or the errors above.
 */
int http_unix_request(const char *socket_path, const struct http_request *req, int timeout_ms,
		      uint64_t body_max, struct buf *body, int *status);
