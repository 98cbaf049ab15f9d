/* SPDX-License-Identifier: MIT */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void buf_done(struct buf *b)
{
	es_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

bool buf_reserve_slow(struct buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (b->failed)
		return false;
	if (n > SIZE_MAX / 2 - b->len)
		goto fail;
	need = b->len + n + 1;
	if (b->max && need > b->max + 1)
		goto fail;
	if (need <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (b->max && ncap > b->max + 1)
		ncap = b->max + 1;
	p = es_realloc(b->data, ncap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = ncap;
	return true;
fail:
	b->failed = true;
	return false;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* "00" "01" ... "99": two digits per division (numbers are formatted on every event). */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";

size_t fmt_u64(char out[20], uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull,
		10ull,
		100ull,
		1000ull,
		10000ull,
		100000ull,
		1000000ull,
		10000000ull,
		100000000ull,
		1000000000ull,
		10000000000ull,
		100000000000ull,
		1000000000000ull,
		10000000000000ull,
		100000000000000ull,
		1000000000000000ull,
		10000000000000000ull,
		100000000000000000ull,
		1000000000000000000ull,
		10000000000000000000ull,
	};
	size_t n = 1, i;

	/* Digits: compare with powers of ten, binary steps for the common short numbers. */
	if (v >= pow10[8])
		n = 9;
	else if (v >= pow10[4])
		n = 5;
	while (n < 20 && v >= pow10[n])
		n++;
	i = n;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		i -= 2;
		out[i] = digit_pairs[2 * r];
		out[i + 1] = digit_pairs[2 * r + 1];
	}
	if (v >= 10) {
		out[0] = digit_pairs[2 * v];
		out[1] = digit_pairs[2 * v + 1];
	} else {
		out[0] = (char)('0' + v);
	}
	return n;
}

void buf_put_u64(struct buf *b, uint64_t v)
{
	char d[20];

	buf_append(b, d, fmt_u64(d, v));
}

void buf_put_i64(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_putc(b, '-');
		buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		buf_put_u64(b, (uint64_t)v);
	}
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *buf_steal(struct buf *b, size_t *ret_len)
{
	char *p = b->data;

	if (!p)
		p = es_strdup("");
	if (ret_len)
		*ret_len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
