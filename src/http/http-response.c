/* SPDX-License-Identifier: MIT */
/*
 * Incremental HTTP/1.1 response parser; see http-response.h for the framing rules.
 *
 * The head (status line + headers) is accumulated until the blank line, then parsed in one
 * go: that keeps the header code simple and the head is capped anyway.  Body phases never
 * copy: they hand slices of the caller's input to on_body.  Chunk-size lines and trailer
 * lines go through a small line buffer so they may be split across feeds.
 */
#include "http-response.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/num.h"

static int fail(struct http_response *r, int err, const char *why)
{
	r->phase = HTTP_PHASE_ERROR;
	if (!r->error)
		r->error = why;
	return err;
}

void http_response_init(struct http_response *r, bool head_request, uint64_t body_max,
			http_body_fn on_body, void *userdata)
{
	memset(r, 0, offsetof(struct http_response, head));
	r->head_len = 0;
	r->line_len = 0;
	r->head[0] = '\0';
	r->phase = HTTP_PHASE_STATUS_AND_HEADERS;
	r->head_request = head_request;
	r->body_max = body_max;
	r->on_body = on_body;
	r->userdata = userdata;
	r->error = NULL;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Finds header `name` in the parsed head; sets *value and *value_len (blanks trimmed). */
static bool find_header(const struct http_response *r, const char *name, const char **value,
			size_t *value_len)
{
	size_t name_len = strlen(name);
	const char *p = memchr(r->head, '\n', r->head_len); /* skip the status line */
	const char *end = r->head + r->head_len;

	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;

		if (line_end > p && line_end[-1] == '\r')
			line_end--;
		if ((size_t)(line_end - p) > name_len && p[name_len] == ':' &&
		    strncasecmp(p, name, name_len) == 0) {
			const char *v = p + name_len + 1;

			while (v < line_end && (*v == ' ' || *v == '\t'))
				v++;
			while (line_end > v && (line_end[-1] == ' ' || line_end[-1] == '\t'))
				line_end--;
			*value = v;
			*value_len = (size_t)(line_end - v);
			return true;
		}
		p = eol;
	}
	return false;
}

static bool header_has_token(const struct http_response *r, const char *name, const char *token)
{
	const char *v;
	size_t n, tlen = strlen(token);

	if (!find_header(r, name, &v, &n))
		return false;
	/* A comma-separated list; compare each element case-insensitively. */
	for (size_t i = 0; i < n;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;

		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t' && v[i] != ';')
			i++;
		if (i - start == tlen && strncasecmp(v + start, token, tlen) == 0)
			return true;
		while (i < n && v[i] != ',')
			i++;
	}
	return false;
}

static bool parse_u64(const char *s, size_t n, int base, uint64_t *out)
{
	return num_parse_u64(s, n, (unsigned)base, UINT64_MAX, out) == 0;
}

/* Validates the head (status line, header syntax) and decides the body framing. */
static int parse_head(struct http_response *r)
{
	const char *h = r->head;
	const char *eol = memchr(h, '\n', r->head_len);
	size_t line_len;
	uint64_t status;

	if (!eol)
		return fail(r, -EPROTO, "no status line");
	line_len = (size_t)(eol - h);
	if (line_len && h[line_len - 1] == '\r')
		line_len--;
	/* "HTTP/1.x SSS[ reason]", SSS in 100..599 */
	if (line_len < 12 || memcmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') ||
	    h[8] != ' ' || num_parse_u64(h + 9, 3, 10, 599, &status) < 0 || status < 100 ||
	    (line_len > 12 && h[12] != ' '))
		return fail(r, -EPROTO, "malformed status line");
	r->status = (int)status;

	/* Every header line must be "token: value" (no obsolete line folding). */
	for (const char *p = eol + 1; p < h + r->head_len;) {
		const char *next = memchr(p, '\n', (size_t)(h + r->head_len - p));
		const char *end = next ? next : h + r->head_len;
		const char *c = p;

		if (end > p && end[-1] == '\r')
			end--;
		if (end == p)
			break; /* the blank line */
		while (c < end && is_token_char(*c))
			c++;
		if (c == p || c >= end || *c != ':')
			return fail(r, -EPROTO, "malformed header line");
		for (const char *v = c; v < end; v++)
			if ((unsigned char)*v < 0x20 && *v != '\t')
				return fail(r, -EPROTO, "control character in a header");
		p = next ? next + 1 : end;
	}

	r->connection_close = header_has_token(r, "Connection", "close") || h[7] == '0';
	r->chunked = header_has_token(r, "Transfer-Encoding", "chunked");
	if (!r->chunked &&
	    find_header(r, "Transfer-Encoding", &(const char *){ NULL }, &(size_t){ 0 }))
		return fail(r, -EPROTO, "unsupported transfer coding");
	{
		const char *v;
		size_t n;

		if (!r->chunked && find_header(r, "Content-Length", &v, &n)) {
			if (!parse_u64(v, n, 10, &r->content_length))
				return fail(r, -EPROTO, "bad Content-Length");
			r->has_length = true;
		}
	}
	r->headers_done = true;
	if (r->head_request || r->status < 200 || r->status == 204 || r->status == 304) {
		r->phase = HTTP_PHASE_DONE;
	} else if (r->chunked) {
		r->phase = HTTP_PHASE_CHUNK_SIZE;
	} else if (r->has_length) {
		if (r->body_max && r->content_length > r->body_max)
			return fail(r, -E2BIG, "body larger than allowed");
		r->remaining = r->content_length;
		r->phase = r->remaining ? HTTP_PHASE_BODY_LENGTH : HTTP_PHASE_DONE;
	} else {
		r->phase = HTTP_PHASE_BODY_UNTIL_CLOSE;
	}
	return 0;
}

static int deliver(struct http_response *r, const char *data, size_t n)
{
	if (n == 0)
		return 0;
	if (r->body_max && n > r->body_max - r->body_received)
		return fail(r, -E2BIG, "body larger than allowed");
	r->body_received += n;
	if (r->on_body) {
		int e = r->on_body(r->userdata, data, n);

		if (e)
			return fail(r, e < 0 ? e : -ECANCELED, "stopped by the body consumer");
	}
	return 0;
}

/* Accumulates one CRLF- (or LF-) terminated line into r->line; true when complete. */
static int take_line(struct http_response *r, const char *data, size_t len, size_t *used,
		     bool *complete)
{
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) + 1 : len;

	if (r->line_len + n > HTTP_CHUNK_LINE_MAX)
		return fail(r, -EPROTO, "chunk line too long");
	memcpy(r->line + r->line_len, data, n);
	r->line_len += n;
	r->line[r->line_len] = '\0';
	*used = n;
	*complete = nl != NULL;
	return 0;
}

static size_t line_content_len(const struct http_response *r)
{
	size_t n = r->line_len;

	if (n && r->line[n - 1] == '\n')
		n--;
	if (n && r->line[n - 1] == '\r')
		n--;
	return n;
}

static int feed_head(struct http_response *r, const char *data, size_t len, size_t *used)
{
	/* Copy up to the end of the blank line "\r\n\r\n" (or "\n\n"). */
	for (size_t i = 0; i < len; i++) {
		if (r->head_len >= HTTP_HEADERS_MAX)
			return fail(r, -E2BIG, "response headers too large");
		r->head[r->head_len++] = data[i];
		if (data[i] != '\n')
			continue;
		size_t hl = r->head_len;

		if ((hl >= 2 && r->head[hl - 2] == '\n') ||
		    (hl >= 4 && memcmp(r->head + hl - 4, "\r\n\r\n", 4) == 0)) {
			r->head[hl] = '\0';
			*used = i + 1;
			return parse_head(r);
		}
	}
	*used = len;
	return 0;
}

int http_response_feed(struct http_response *r, const char *data, size_t len, size_t *consumed)
{
	size_t pos = 0;
	int e = 0;

	*consumed = 0;
	while (pos < len || r->phase == HTTP_PHASE_DONE) {
		const char *p = data + pos;
		size_t avail = len - pos, used = 0;
		bool complete;

		switch (r->phase) {
		case HTTP_PHASE_DONE:
			*consumed = pos;
			return HTTP_FEED_DONE;
		case HTTP_PHASE_ERROR:
			return r->error ? -EPROTO : -EINVAL;
		case HTTP_PHASE_STATUS_AND_HEADERS:
			e = feed_head(r, p, avail, &used);
			break;
		case HTTP_PHASE_BODY_LENGTH:
			used = avail < r->remaining ? avail : (size_t)r->remaining;
			e = deliver(r, p, used);
			r->remaining -= used;
			if (!e && r->remaining == 0)
				r->phase = HTTP_PHASE_DONE;
			break;
		case HTTP_PHASE_BODY_UNTIL_CLOSE:
			used = avail;
			e = deliver(r, p, used);
			break;
		case HTTP_PHASE_CHUNK_SIZE: {
			e = take_line(r, p, avail, &used, &complete);
			if (e || !complete)
				break;
			size_t n = line_content_len(r), hex = 0;

			while (hex < n && r->line[hex] != ';' && r->line[hex] != ' ' &&
			       r->line[hex] != '\t')
				hex++;
			if (!parse_u64(r->line, hex, 16, &r->remaining)) {
				e = fail(r, -EPROTO, "bad chunk size");
				break;
			}
			r->line_len = 0;
			r->phase = r->remaining ? HTTP_PHASE_CHUNK_DATA : HTTP_PHASE_TRAILERS;
			break;
		}
		case HTTP_PHASE_CHUNK_DATA:
			used = avail < r->remaining ? avail : (size_t)r->remaining;
			e = deliver(r, p, used);
			r->remaining -= used;
			if (!e && r->remaining == 0)
				r->phase = HTTP_PHASE_CHUNK_DATA_END;
			break;
		case HTTP_PHASE_CHUNK_DATA_END:
			e = take_line(r, p, avail, &used, &complete);
			if (e || !complete)
				break;
			if (line_content_len(r) != 0) {
				e = fail(r, -EPROTO, "chunk data longer than its size");
				break;
			}
			r->line_len = 0;
			r->phase = HTTP_PHASE_CHUNK_SIZE;
			break;
		case HTTP_PHASE_TRAILERS:
			/* Trailer lines are skipped; an empty line ends the response. */
			e = take_line(r, p, avail, &used, &complete);
			if (e || !complete)
				break;
			if (line_content_len(r) == 0)
				r->phase = HTTP_PHASE_DONE;
			r->line_len = 0;
			break;
		}
		if (e < 0) {
			*consumed = pos + used;
			return e;
		}
		pos += used;
	}
	*consumed = pos;
	return HTTP_FEED_MORE;
}

int http_response_finish(struct http_response *r)
{
	switch (r->phase) {
	case HTTP_PHASE_DONE:
		return HTTP_FEED_DONE;
	case HTTP_PHASE_BODY_UNTIL_CLOSE:
		r->phase = HTTP_PHASE_DONE;
		return HTTP_FEED_DONE;
	case HTTP_PHASE_ERROR:
		return -EPROTO;
	default:
		return fail(r, -EPROTO, "connection closed before the response was complete");
	}
}

int http_response_header(const struct http_response *r, const char *name, char *out,
			 size_t out_size)
{
	const char *v;
	size_t n;

	if (!r->headers_done || !find_header(r, name, &v, &n))
		return -ENOENT;
	if (n + 1 > out_size)
		return -ENOBUFS;
	memcpy(out, v, n);
	out[n] = '\0';
	return (int)n;
}

const char *http_response_error(const struct http_response *r)
{
	return r->error;
}
