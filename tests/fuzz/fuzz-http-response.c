/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the HTTP response parser: the input is fed whole and then again split at a point
 * taken from its first byte; both runs must agree on the outcome and the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "http/http-response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int collect(void *userdata, const char *data, size_t len)
{
	buf_append(userdata, data, len);
	return 0;
}

static int run(const char *in, size_t size, size_t split, struct buf *body)
{
	static struct http_response r;
	size_t used;
	int res;

	http_response_init(&r, false, 1 << 20, collect, body);
	res = http_response_feed(&r, in, split, &used);
	if (res == HTTP_FEED_MORE && split < size)
		res = http_response_feed(&r, in + split, size - split, &used);
	if (res == HTTP_FEED_MORE)
		res = http_response_finish(&r);
	if (res == HTTP_FEED_DONE) {
		char v[64];

		(void)http_response_header(&r, "Content-Type", v, sizeof(v));
		if (r.status < 100 || r.status > 599)
			abort();
	}
	return res < 0 ? -1 : res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	size_t split = size ? data[0] % (size + 1) : 0;
	int ra, rb;

	buf_init(&a, 2 << 20);
	buf_init(&b, 2 << 20);
	ra = run((const char *)data, size, size, &a);
	rb = run((const char *)data, size, split, &b);
	if (ra != rb || (ra == HTTP_FEED_DONE && (a.len != b.len || memcmp(a.data, b.data, a.len))))
		abort();
	buf_done(&a);
	buf_done(&b);
	return 0;
}
