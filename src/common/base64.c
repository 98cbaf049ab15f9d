/* SPDX-License-Identifier: MIT */
/*
 * Base64 encoding and strict decoding: each 3 bytes become 4 six-bit indexes into the
 * alphabet, the last group padded with '='.  See base64.h.
 */
#include "base64.h"

#include <errno.h>
#include <stdbool.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const void *data, size_t len, char *out)
{
	const uint8_t *p = data;
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = left > 2 ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* The 6-bit value of an alphabet character, -1 otherwise. */
static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size)
{
	size_t o = 0;

	if (len % 4 != 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		size_t bytes = 3;
		uint32_t v = 0;

		for (int j = 0; j < 4; j++) {
			int s = sextet(in[i + j]);

			if (s < 0) {
				/* '=' only in the last group: "xx==" or "xxx=". */
				if (in[i + j] != '=' || !last || j < 2 ||
				    (j == 2 && in[i + 3] != '='))
					return -EINVAL;
				s = 0;
				if (bytes == 3)
					bytes = (size_t)j - 1;
			}
			v = v << 6 | (uint32_t)s;
		}
		if (o + bytes > out_size)
			return -ENOBUFS;
		out[o++] = (uint8_t)(v >> 16);
		if (bytes > 1)
			out[o++] = (uint8_t)(v >> 8);
		if (bytes > 2)
			out[o++] = (uint8_t)v;
	}
	return (long)o;
}
