/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 client over unix stream sockets; see http-client.h.
 *
 * One request per connection keeps the state small: the request bytes are built once into
 * c->out, written as the socket accepts them, then the response is read into a fixed 16 KiB
 * stack buffer per wake-up and fed to the incremental parser.  Reads per http_call_io() are
 * bounded (HTTP_IO_ROUNDS) so one chatty stream cannot starve the rest of the loop.
 */
#include "http-client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"

#define HTTP_READ_CHUNK (16u << 10)
#define HTTP_IO_ROUNDS 16

static bool safe_part(const char *s, bool allow_space)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch == 0x7f || (!allow_space && ch == ' '))
			return false;
	}
	return true;
}

int http_request_format(const struct http_request *req, struct buf *b)
{
	const char *host = req->host ? req->host : "localhost";
	const char *ctype = req->content_type ? req->content_type : "application/json";

	if (!safe_part(req->method, false) || !safe_part(req->path, false) || req->path[0] != '/' ||
	    !safe_part(host, false) || (req->body_len && !safe_part(ctype, true)))
		return -EINVAL;
	buf_puts(b, req->method);
	buf_putc(b, ' ');
	buf_puts(b, req->path);
	buf_puts(b, " HTTP/1.1\r\nHost: ");
	buf_puts(b, host);
	buf_puts(b, "\r\nUser-Agent: edgesec\r\nConnection: close\r\n");
	if (req->body_len || strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
		buf_puts(b, "Content-Type: ");
		buf_puts(b, ctype);
		buf_puts(b, "\r\nContent-Length: ");
		buf_put_u64(b, req->body_len);
		buf_puts(b, "\r\n");
	}
	buf_puts(b, "\r\n");
	if (req->body_len)
		buf_append(b, req->body, req->body_len);
	if (b->failed)
		return b->max && b->len + req->body_len >= b->max ? -E2BIG : -ENOMEM;
	return 0;
}

static int unix_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd;

	if (n == 0 || n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A unix-socket connect completes at once or fails (EAGAIN: backlog full). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

int http_call_start(struct http_call *c, const char *socket_path, const struct http_request *req,
		    uint64_t body_max, http_body_fn on_body, void *userdata)
{
	int r;

	c->fd = -1;
	c->out_sent = 0;
	c->reading = false;
	buf_init(&c->out, HTTP_REQUEST_MAX);
	http_response_init(&c->resp, strcmp(req->method ? req->method : "", "HEAD") == 0, body_max,
			   on_body, userdata);
	r = http_request_format(req, &c->out);
	if (r == 0)
		r = unix_connect(socket_path, &c->fd);
	if (r < 0)
		http_call_close(c);
	return r;
}

uint32_t http_call_wanted_events(const struct http_call *c)
{
	return c->reading ? EPOLLIN : EPOLLOUT;
}

static int call_send(struct http_call *c)
{
	while (c->out_sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return HTTP_FEED_MORE;
			return -errno;
		}
		c->out_sent += (size_t)n;
	}
	c->reading = true;
	buf_done(&c->out);
	return HTTP_FEED_MORE;
}

static int call_receive(struct http_call *c)
{
	char chunk[HTTP_READ_CHUNK];

	for (int round = 0; round < HTTP_IO_ROUNDS; round++) {
		ssize_t n = recv(c->fd, chunk, sizeof(chunk), 0);
		size_t used;
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return HTTP_FEED_MORE;
			return -errno;
		}
		if (n == 0)
			return http_response_finish(&c->resp);
		r = http_response_feed(&c->resp, chunk, (size_t)n, &used);
		if (r != HTTP_FEED_MORE)
			return r; /* done (extra bytes after the response are ignored) or error */
	}
	return HTTP_FEED_MORE;
}

int http_call_io(struct http_call *c)
{
	int r;

	if (c->fd < 0)
		return -EBADF;
	if (!c->reading) {
		r = call_send(c);
		if (r < 0 || !c->reading)
			return r;
	}
	return call_receive(c);
}

void http_call_close(struct http_call *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_done(&c->out);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int append_body(void *userdata, const char *data, size_t len)
{
	struct buf *b = userdata;

	buf_append(b, data, len);
	return b->failed ? -E2BIG : 0;
}

int http_unix_request(const char *socket_path, const struct http_request *req, int timeout_ms,
		      uint64_t body_max, struct buf *body, int *status)
{
	struct http_call *c = es_malloc(sizeof(*c)); /* the parser's head buffer is 16 KiB */
	uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	int r;

	if (!c)
		return -ENOMEM;
	r = http_call_start(c, socket_path, req, body_max, append_body, body);
	while (r == 0 || r == HTTP_FEED_MORE) {
		uint64_t now = now_ms();
		struct pollfd pfd = { .fd = c->fd, .events = c->reading ? POLLIN : POLLOUT };

		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (r <= 0) {
			r = HTTP_FEED_MORE;
			continue;
		}
		r = http_call_io(c);
	}
	if (r == HTTP_FEED_DONE) {
		*status = c->resp.status;
		r = 0;
	}
	http_call_close(c);
	es_free(c);
	return r;
}
