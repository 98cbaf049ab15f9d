/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A growable byte buffer with a hard maximum.  Appends beyond `max` (or a failed allocation)
 * set `failed` and are ignored, so a caller can build a whole document and check once at
 * the end.  The content is always NUL-terminated for convenience.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 = no maximum (use with care) */
	bool failed;
};

void buf_init(struct buf *b, size_t max);
void buf_done(struct buf *b);
void buf_reset(struct buf *b);
bool buf_reserve_slow(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *p, size_t n);

/* Make room for n more bytes; returns false (and sets failed) if that is impossible. */
static inline bool buf_reserve(struct buf *b, size_t n)
{
	if (!b->failed && n < b->cap && b->len + n + 1 <= b->cap)
		return true;
	return buf_reserve_slow(b, n);
}

static inline void buf_putc(struct buf *b, char c)
{
	if (!buf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* Shorten the content to len bytes (len <= current length), e.g. to undo a partial write. */
static inline void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}
void buf_puts(struct buf *b, const char *s);
void buf_put_u64(struct buf *b, uint64_t v);
void buf_put_i64(struct buf *b, int64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (caller frees with es_free); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *ret_len);

/* Decimal digits of v into out (no NUL); returns the count (at most 20). */
size_t fmt_u64(char out[20], uint64_t v);
