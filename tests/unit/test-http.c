/* SPDX-License-Identifier: MIT */
/*
 * The HTTP/1.1 client used for the Docker and workload APIs: framing (length, chunked, until
 * close, no body), responses split at every byte, caps, malformed input, header injection in
 * requests, and a real exchange over a unix socket with a forked server.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/array.h"
#include "common/buf.h"
#include "http/http-client.h"
#include "http/http-response.h"

static int collect(void *userdata, const char *data, size_t len)
{
	buf_append(userdata, data, len);
	return 0;
}

/* Feeds `raw` in pieces of `step` bytes (0: all at once); returns the last feed result. */
static int parse_in_steps(struct http_response *r, const char *raw, size_t step, struct buf *body,
			  uint64_t body_max, bool head)
{
	size_t len = strlen(raw), pos = 0;
	int res = HTTP_FEED_MORE;

	http_response_init(r, head, body_max, collect, body);
	while (pos < len && res == HTTP_FEED_MORE) {
		size_t n = step && len - pos > step ? step : len - pos, used;

		res = http_response_feed(r, raw + pos, n, &used);
		pos += used;
	}
	return res;
}

static struct http_response resp; /* 16 KiB head buffer: not on the stack */

static void expect_body(const char *raw, int status, const char *body_expected)
{
	static const size_t steps[] = { 0, 1, 2, 3, 7 };

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct buf body;

		buf_init(&body, 1 << 20);
		assert_int_equal(parse_in_steps(&resp, raw, steps[i], &body, 0, false),
				 HTTP_FEED_DONE);
		assert_int_equal(resp.status, status);
		assert_string_equal(body.data ? body.data : "", body_expected);
		buf_done(&body);
	}
}

static void test_content_length(void **state)
{
	(void)state;
	expect_body(
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n"
		"{\"ok\": true}\n",
		200, "{\"ok\": true}\n");
	expect_body("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404, "");
	/* LF-only line ends are accepted. */
	expect_body("HTTP/1.0 200 OK\nContent-Length: 2\n\nhi", 200, "hi");
}

static void test_chunked(void **state)
{
	(void)state;
	expect_body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n1;ext=1\r\n,\r\nA\r\n world!!!!\r\n0\r\nX-Trailer: 1\r\n\r\n",
		    200, "hello, world!!!!");
	/* chunked wins over Content-Length */
	expect_body("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, chunked\r\n"
		    "\r\n3\r\nabc\r\n0\r\n\r\n",
		    200, "abc");
}

static void test_no_body(void **state)
{
	struct buf body;
	size_t used;
	const char *raw = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 ...";

	(void)state;
	buf_init(&body, 100);
	http_response_init(&resp, false, 0, collect, &body);
	assert_int_equal(http_response_feed(&resp, raw, strlen(raw), &used), HTTP_FEED_DONE);
	assert_int_equal(used, strlen("HTTP/1.1 204 No Content\r\n\r\n"));
	/* HEAD: headers announce a length but no body follows */
	assert_int_equal(parse_in_steps(&resp, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", 0,
					&body, 0, true),
			 HTTP_FEED_DONE);
	assert_int_equal(body.len, 0);
	buf_done(&body);
}

static void test_until_close(void **state)
{
	struct buf body;

	(void)state;
	buf_init(&body, 100);
	assert_int_equal(parse_in_steps(&resp, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc", 1,
					&body, 0, false),
			 HTTP_FEED_MORE);
	assert_true(resp.connection_close);
	assert_int_equal(http_response_finish(&resp), HTTP_FEED_DONE);
	assert_string_equal(body.data, "abc");
	/* a close in the middle of a length-framed body is an error, not a short body */
	buf_reset(&body);
	assert_int_equal(parse_in_steps(&resp, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 0,
					&body, 0, false),
			 HTTP_FEED_MORE);
	assert_int_equal(http_response_finish(&resp), -EPROTO);
	assert_non_null(http_response_error(&resp));
	buf_done(&body);
}

static void test_headers(void **state)
{
	char v[64];
	struct buf body;

	(void)state;
	buf_init(&body, 100);
	assert_int_equal(parse_in_steps(&resp,
					"HTTP/1.1 200 OK\r\nApi-Version:  1.41 \r\n"
					"content-length: 0\r\n\r\n",
					0, &body, 0, false),
			 HTTP_FEED_DONE);
	assert_int_equal(http_response_header(&resp, "API-VERSION", v, sizeof(v)), 4);
	assert_string_equal(v, "1.41");
	assert_int_equal(http_response_header(&resp, "Server", v, sizeof(v)), -ENOENT);
	assert_int_equal(http_response_header(&resp, "Api-Version", v, 3), -ENOBUFS);
	buf_done(&body);
}

static void expect_error(const char *raw, uint64_t body_max, int err)
{
	struct buf body;

	buf_init(&body, 1 << 20);
	assert_int_equal(parse_in_steps(&resp, raw, 0, &body, body_max, false), err);
	buf_done(&body);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error("HTTP/2 200 OK\r\n\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 20 OK\r\n\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 200OK\r\n\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0,
		     -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "FFFFFFFFFFFFFFFFFF\r\n",
		     0, -EPROTO);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 0,
		     -EPROTO);
}

static void test_caps(void **state)
{
	char *big = malloc(HTTP_HEADERS_MAX + 64);

	(void)state;
	assert_non_null(big);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", sizeof("HTTP/1.1 200 OK\r\nX: "));
	memset(big + strlen(big), 'a', HTTP_HEADERS_MAX);
	memcpy(big + HTTP_HEADERS_MAX, "\r\n\r\n", sizeof("\r\n\r\n"));
	expect_error(big, 0, -E2BIG);
	free(big);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 10, -E2BIG);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n"
		     "6\r\nabcdef\r\n0\r\n\r\n",
		     10, -E2BIG);
}

static void test_request_format(void **state)
{
	struct buf b;
	struct http_request ok = { .method = "POST",
				   .path = "/modules/m1/genid/1/sign?api-version=2019-01-30",
				   .body = "{}",
				   .body_len = 2 };
	struct http_request bad_path = { .method = "GET", .path = "/x\r\nX-Evil: 1" };
	struct http_request bad_host = { .method = "GET", .path = "/", .host = "a b" };
	struct http_request relative = { .method = "GET", .path = "containers/json" };

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(http_request_format(&ok, &b), 0);
	assert_string_equal(b.data,
			    "POST /modules/m1/genid/1/sign?api-version=2019-01-30 HTTP/1.1\r\n"
			    "Host: localhost\r\nUser-Agent: edgesec\r\nConnection: close\r\n"
			    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
	buf_reset(&b);
	assert_int_equal(http_request_format(&bad_path, &b), -EINVAL);
	assert_int_equal(http_request_format(&bad_host, &b), -EINVAL);
	assert_int_equal(http_request_format(&relative, &b), -EINVAL);
	buf_done(&b);
}

/* A one-shot server: reads the request head, checks it, answers `reply` slowly in pieces. */
static pid_t serve_once(const char *path, const char *reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	assert_true(lfd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char req[4096];
		size_t got = 0;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			_exit(1);
		while (got < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
			ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);

			if (n <= 0)
				_exit(2);
			got += (size_t)n;
			req[got] = '\0';
		}
		if (strncmp(req, "GET /version HTTP/1.1\r\n", 23) != 0)
			_exit(3);
		for (size_t i = 0, n = 0; reply[i]; i += n) {
			n = strlen(reply + i) < 5 ? strlen(reply + i) : 5;

			if (write(fd, reply + i, n) != (ssize_t)n)
				_exit(4);
			usleep(1000);
		}
		close(fd);
		_exit(0);
	}
	close(lfd);
	return pid;
}

static void test_unix_exchange(void **state)
{
	char dir[] = "/tmp/es-http-XXXXXX", path[128];
	struct http_request req = { .method = "GET", .path = "/version" };
	struct buf body;
	int status = 0, wstatus;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	pid = serve_once(path, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "7\r\n{\"a\":1}\r\n0\r\n\r\n");
	buf_init(&body, 1024);
	assert_int_equal(http_unix_request(path, &req, 5000, 1024, &body, &status), 0);
	assert_int_equal(status, 200);
	assert_string_equal(body.data, "{\"a\":1}");
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

	/* The peer closes halfway through: an error, not a truncated success. */
	buf_reset(&body);
	pid = serve_once(path, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
	assert_int_equal(http_unix_request(path, &req, 5000, 1024, &body, &status), -EPROTO);
	waitpid(pid, &wstatus, 0);

	/* Nobody listening, or no socket at all. */
	assert_int_equal(http_unix_request(path, &req, 1000, 1024, &body, &status), -ECONNREFUSED);
	unlink(path);
	assert_int_equal(http_unix_request(path, &req, 1000, 1024, &body, &status), -ENOENT);
	buf_done(&body);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length), cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_no_body),	       cmocka_unit_test(test_until_close),
		cmocka_unit_test(test_headers),	       cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_caps),	       cmocka_unit_test(test_request_format),
		cmocka_unit_test(test_unix_exchange),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
