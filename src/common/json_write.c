/* SPDX-License-Identifier: MIT */
#include "json_write.h"

#include <string.h>

static const char hexdig[] = "0123456789abcdef";

/* 1 = byte can be copied as is (printable ASCII other than '"' and '\\'). */
static unsigned char plain[256];
static bool plain_ready;

static void plain_init(void)
{
	for (int c = 0x20; c < 0x80; c++)
		plain[c] = 1;
	plain['"'] = 0;
	plain['\\'] = 0;
	plain[0x7f] = 1;
	plain_ready = true;
}

size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (avail >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		if (c == 0xed)
			hi = 0x9f; /* surrogates */
		if (avail < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
		if (avail < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/* True when none of the 8 bytes needs escaping (all printable ASCII except '"' and '\\'). */
static inline bool word_is_plain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
	uint64_t bad = x & highs;	       /* non-ASCII */
	bad |= (x - ones * 0x20) & ~x & highs; /* control characters */
	bad |= (q - ones) & ~q & highs;	       /* '"' */
	bad |= (bs - ones) & ~bs & highs;      /* '\\' */
	return bad == 0;
}

static size_t escape_special(char *out, const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	size_t o = 0, n;

	if (c == '"' || c == '\\') {
		out[o++] = '\\';
		out[o++] = (char)c;
		(*i)++;
	} else if (c < 0x20) {
		out[o++] = '\\';
		switch (c) {
		case '\n':
			out[o++] = 'n';
			break;
		case '\r':
			out[o++] = 'r';
			break;
		case '\t':
			out[o++] = 't';
			break;
		case '\b':
			out[o++] = 'b';
			break;
		case '\f':
			out[o++] = 'f';
			break;
		default:
			memcpy(out + o, "u00", 3);
			o += 3;
			out[o++] = hexdig[c >> 4];
			out[o++] = hexdig[c & 15];
		}
		(*i)++;
	} else if ((n = utf8_seq_len(s + *i, len - *i)) > 0) {
		memcpy(out + o, s + *i, n);
		o += n;
		*i += n;
	} else {
		memcpy(out + o, "\\ufffd", 6);
		o += 6;
		(*i)++;
	}
	return o;
}

/*
 * Sixteen bytes at a time with GCC vector extensions (SSE2 on x86-64, NEON on arm64, plain
 * integer code elsewhere): true when none needs escaping.
 */
typedef unsigned char bytes16 __attribute__((vector_size(16)));

static inline bool block_is_plain(const unsigned char *s)
{
	bytes16 x, bad;
	uint64_t half[2];

	memcpy(&x, s, sizeof(x));
	/* x - 0x20 wraps for control characters: >= 0x60 catches them and bytes >= 0x80. */
	bad = (bytes16)((bytes16)(x - 0x20) >= 0x60) | (bytes16)(x == '"') | (bytes16)(x == '\\');
	memcpy(half, &bad, sizeof(half));
	return (half[0] | half[1]) == 0;
}

static size_t escape_into(char *out, const unsigned char *s, size_t len)
{
	size_t o = 0, i = 0;

	out[o++] = '"';
	while (i < len) {
		/* Fast path: sixteen, then eight plain bytes at a time. */
		while (i + 16 <= len && block_is_plain(s + i)) {
			memcpy(out + o, s + i, 16);
			o += 16;
			i += 16;
		}
		/*
		 * A plain tail shorter than a block: the last 16 bytes of the string are plain, so
		 * the ones before i were copied one to one and end at out + o; writing the whole
		 * block ending at the string's end rewrites them unchanged and adds the tail.
		 */
		if (len >= 16 && len - i < 16 && block_is_plain(s + len - 16)) {
			memcpy(out + o - (16 - (len - i)), s + len - 16, 16);
			o += len - i;
			break;
		}
		while (i + 8 <= len) {
			uint64_t x;

			memcpy(&x, s + i, 8);
			if (!word_is_plain(x))
				break;
			memcpy(out + o, s + i, 8);
			o += 8;
			i += 8;
		}
		/* The same with the last 8 bytes. */
		if (len >= 8 && len - i < 8) {
			uint64_t x;

			memcpy(&x, s + len - 8, 8);
			if (word_is_plain(x)) {
				memcpy(out + o - (8 - (len - i)), &x, 8);
				o += len - i;
				break;
			}
		}
		while (i < len && plain[s[i]])
			out[o++] = (char)s[i++];
		if (i < len)
			o += escape_special(out + o, s, len, &i);
	}
	out[o++] = '"';
	return o;
}

size_t json_escape_to(char *out, const char *s, size_t len)
{
	if (!plain_ready)
		plain_init();
	return escape_into(out, (const unsigned char *)s, len);
}

size_t json_escaped_len(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 2, i = 0, n;

	if (!plain_ready)
		plain_init();
	while (i < len) {
		unsigned char c = s[i];

		if (plain[c]) {
			o++;
			i++;
		} else if (c == '"' || c == '\\') {
			o += 2;
			i++;
		} else if (c < 0x20) {
			o += (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') ? 2
											     : 6;
			i++;
		} else if ((n = utf8_seq_len(s + i, len - i)) > 0) {
			o += n;
			i += n;
		} else {
			o += 6;
			i++;
		}
	}
	return o;
}

void json_escape(struct buf *b, const char *s, size_t len)
{
	size_t need;

	/* Worst case: every byte becomes \u00XX or \ufffd (6 bytes), plus quotes. */
	if (!plain_ready)
		plain_init();
	if (len > (SIZE_MAX - 2) / 6)
		return;
	need = len * 6 + 2;
	/* A bounded buffer may hold the real escaped form when the worst case does not fit. */
	if (b->max && b->len + need > b->max)
		need = json_escaped_len(s, len);
	if (!buf_reserve(b, need))
		return;
	b->len += escape_into(b->data + b->len, (const unsigned char *)s, len);
	b->data[b->len] = '\0';
}

size_t utf8_prefix_len(const char *str, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i;

	if (len <= max)
		return len;
	i = max;
	/* Step back over continuation bytes so a multi-byte sequence is not cut. */
	while (i > 0 && (s[i] & 0xc0) == 0x80 && max - i < 3)
		i--;
	if (i < max && utf8_seq_len(s + i, len - i) > max - i)
		return i;
	return max;
}

void jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static void before_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->has_items & (1ull << w->depth))
		buf_putc(w->b, ',');
	w->has_items |= 1ull << w->depth;
}

static void open(struct jw *w, char c)
{
	before_value(w);
	if (w->depth >= JW_MAX_DEPTH) {
		w->b->failed = true;
		return;
	}
	buf_putc(w->b, c);
	w->depth++;
	w->has_items &= ~(1ull << w->depth);
}

static void close_(struct jw *w, char c)
{
	if (w->depth == 0) {
		w->b->failed = true;
		return;
	}
	buf_putc(w->b, c);
	w->depth--;
}

void jw_obj_begin(struct jw *w)
{
	open(w, '{');
}

void jw_obj_end(struct jw *w)
{
	close_(w, '}');
}

void jw_arr_begin(struct jw *w)
{
	open(w, '[');
}

void jw_arr_end(struct jw *w)
{
	close_(w, ']');
}

void jw_key_n(struct jw *w, const char *key, size_t len)
{
	before_value(w);
	json_escape(w->b, key, len);
	buf_putc(w->b, ':');
	w->after_key = true;
}

void jw_key_trusted(struct jw *w, const char *key, size_t len)
{
	before_value(w);
	if (!buf_reserve(w->b, len + 3))
		return;
	w->b->data[w->b->len++] = '"';
	memcpy(w->b->data + w->b->len, key, len);
	w->b->len += len;
	w->b->data[w->b->len++] = '"';
	w->b->data[w->b->len++] = ':';
	w->b->data[w->b->len] = '\0';
	w->after_key = true;
}

void jw_key(struct jw *w, const char *key)
{
	jw_key_n(w, key, strlen(key));
}

void jw_str(struct jw *w, const char *s, size_t len)
{
	before_value(w);
	json_escape(w->b, s, len);
}

void jw_cstr(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_str(w, s, strlen(s));
}

void jw_int(struct jw *w, int64_t v)
{
	before_value(w);
	buf_put_i64(w->b, v);
}

void jw_uint(struct jw *w, uint64_t v)
{
	before_value(w);
	buf_put_u64(w->b, v);
}

void jw_bool(struct jw *w, bool v)
{
	before_value(w);
	buf_puts(w->b, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	before_value(w);
	buf_puts(w->b, "null");
}

struct buf *jw_value_begin(struct jw *w)
{
	before_value(w);
	return w->b;
}

void jw_raw(struct jw *w, const char *json, size_t len)
{
	before_value(w);
	buf_append(w->b, json, len);
}
