/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * An incremental HTTP/1.1 response parser for the two local peers edgesec talks to over unix
 * sockets: the Docker/Moby Engine API and the IoT Edge workload API.  Both are trusted a little
 * (root-owned sockets) but parsed as hostile: every size is capped and every malformed byte is
 * an error, never a crash.
 *
 * Bytes are fed as they arrive, in pieces of any size.  The status line and headers are kept
 * (at most HTTP_HEADERS_MAX bytes); the body is de-chunked and handed to on_body as it comes,
 * so an endless stream (GET /events) works in constant memory.  Framing, in order:
 *   - no body for 1xx, 204 and 304, or when the request was HEAD (http_response_init flag);
 *   - Transfer-Encoding: chunked (chunk extensions ignored, trailers skipped);
 *   - Content-Length: exactly that many bytes;
 *   - otherwise the body runs until the peer closes (http_response_finish()).
 * A response with both chunked and a Content-Length is treated as chunked (RFC 9112 §6.3).
 *
 * The body cap (body_max) counts de-chunked bytes; 0 means no cap, for streams whose
 * consumer bounds what it keeps itself.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEADERS_MAX (16u << 10)
#define HTTP_CHUNK_LINE_MAX 256u

enum http_feed_result {
	HTTP_FEED_MORE = 0, /* all bytes consumed; the response is not complete yet */
	HTTP_FEED_DONE = 1, /* the response is complete; *consumed may be < len */
};

/* Receives a piece of the body; returning non-zero stops parsing with that error. */
typedef int (*http_body_fn)(void *userdata, const char *data, size_t len);

enum http_response_phase {
	HTTP_PHASE_STATUS_AND_HEADERS,
	HTTP_PHASE_BODY_LENGTH,
	HTTP_PHASE_BODY_UNTIL_CLOSE,
	HTTP_PHASE_CHUNK_SIZE,
	HTTP_PHASE_CHUNK_DATA,
	HTTP_PHASE_CHUNK_DATA_END,
	HTTP_PHASE_TRAILERS,
	HTTP_PHASE_DONE,
	HTTP_PHASE_ERROR,
};

struct http_response {
	/* Filled once the headers are complete. */
	int status;
	bool headers_done;
	bool chunked;
	bool has_length;
	bool connection_close;
	uint64_t content_length;
	uint64_t body_received; /* de-chunked body bytes so far */

	/* Private state. */
	enum http_response_phase phase;
	bool head_request;
	uint64_t body_max;
	uint64_t remaining; /* of the current chunk or of Content-Length */
	char head[HTTP_HEADERS_MAX + 1];
	size_t head_len;
	char line[HTTP_CHUNK_LINE_MAX + 1];
	size_t line_len;
	http_body_fn on_body;
	void *userdata;
	const char *error; /* a static description of the first error */
};

void http_response_init(struct http_response *r, bool head_request, uint64_t body_max,
			http_body_fn on_body, void *userdata);

/*
 * Parses data[0..len).  Returns HTTP_FEED_MORE or HTTP_FEED_DONE, with *consumed set to the
 * bytes used; or a negative errno: -EPROTO (malformed; see http_response_error()), -E2BIG
 * (headers or body over their cap), or the on_body callback's error.
 */
int http_response_feed(struct http_response *r, const char *data, size_t len, size_t *consumed);

/* The peer closed the connection: HTTP_FEED_DONE when that ends the body, else -EPROTO. */
int http_response_finish(struct http_response *r);

/*
 * The value of the first header named `name` (case-insensitive), copied into out (NUL-
 * terminated, surrounding blanks removed).  Returns its length, -ENOENT, or -ENOBUFS.
 */
int http_response_header(const struct http_response *r, const char *name, char *out,
			 size_t out_size);

/* A static description of the error that stopped the parser, or NULL. */
const char *http_response_error(const struct http_response *r);
