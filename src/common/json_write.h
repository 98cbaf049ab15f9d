/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Streaming JSON writer over a struct buf.  It inserts commas itself and always produces valid
 * JSON text from any input: strings are escaped, control characters become \u00XX and bytes
 * that are not valid UTF-8 become U+FFFD, so hostile process arguments cannot break a message.
 * Nesting is limited to JW_MAX_DEPTH; deeper writes set the buffer's `failed` flag.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JW_MAX_DEPTH 63

struct jw {
	struct buf *b;
	unsigned depth;
	uint64_t has_items; /* bit d set: the container at depth d already holds an element */
	bool after_key;
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_key_n(struct jw *w, const char *key, size_t len);
/* A key known to need no escaping (a constant of ours: ASCII letters and digits). */
void jw_key_trusted(struct jw *w, const char *key, size_t len);
#define jw_key_lit(w, lit) jw_key_trusted((w), (lit), sizeof(lit) - 1)
void jw_str(struct jw *w, const char *s, size_t len);
void jw_cstr(struct jw *w, const char *s); /* NULL writes null */
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/*
 * Start a value that the caller writes straight into the buffer (a serializer that knows its
 * structure): inserts the comma if needed and returns the buffer.  The caller must append
 * exactly one complete JSON value.
 */
struct buf *jw_value_begin(struct jw *w);
/* Append an already valid JSON value (produced by this writer). */
void jw_raw(struct jw *w, const char *json, size_t len);

/* Append `s` as a quoted, escaped JSON string. */
void json_escape(struct buf *b, const char *s, size_t len);
/*
 * json_escape into memory the caller reserved: out needs room for JSON_ESCAPE_MAX(len)
 * bytes.  Returns the bytes written (no NUL).  For hot paths that reserve once for a key
 * and its value.
 */
#define JSON_ESCAPE_MAX(len) ((len)*6 + 2)
size_t json_escape_to(char *out, const char *s, size_t len);
/* Length of the escaped form of s, quotes included, as json_escape would write it. */
size_t json_escaped_len(const char *s, size_t len);
/* Length of the longest prefix of s no longer than max that ends on a UTF-8 boundary. */
size_t utf8_prefix_len(const char *s, size_t len, size_t max);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t utf8_seq_len(const unsigned char *s, size_t avail);
