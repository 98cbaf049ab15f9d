/* SPDX-License-Identifier: MIT */
/*
 * JSON pointer -> line/column over raw JSON text.  A small forward scanner: at each pointer
 * token it walks the members (or elements) of the current container, comparing decoded keys,
 * and skips non-matching values without building anything.  Nesting is tracked with a counter,
 * so there is no recursion and no allocation; keys longer than KEY_MAX never match.
 */
#include "json-locate.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "common/str.h"

#define KEY_MAX 1024

struct scan {
	const char *t;
	size_t len, i;
};

/* Whitespace as cJSON reads it (every byte up to 0x20, not only the four of RFC 8259), so a
 * document cJSON accepted is walked the same way. */
static void skip_ws(struct scan *s)
{
	while (s->i < s->len && (unsigned char)s->t[s->i] <= 0x20)
		s->i++;
}

/* Skips a string starting at '"'; decodes it into key (if not NULL).  false on error. */
static bool scan_string(struct scan *s, char *key, size_t *ret_n)
{
	size_t n = 0;

	if (s->i >= s->len || s->t[s->i] != '"')
		return false;
	for (s->i++; s->i < s->len; s->i++) {
		char c = s->t[s->i];

		if (c == '"') {
			s->i++;
			if (key)
				key[n < KEY_MAX ? n : KEY_MAX - 1] = '\0';
			if (ret_n)
				*ret_n = n;
			return true;
		}
		if (c == '\\') {
			if (++s->i >= s->len)
				return false;
			c = s->t[s->i];
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u':
				if (s->i + 4 >= s->len)
					return false;
				{
					uint32_t u;

					/* beyond ASCII (or not an escape): never equal to a key */
					if (num_parse_u32(s->t + s->i + 1, 4, 16, &u) < 0 ||
					    u > 0x7f)
						c = '?';
					else
						c = (char)u;
				}
				s->i += 4;
				break;
			default:
				break;
			}
		}
		if (key && n + 1 < KEY_MAX)
			key[n] = c;
		n++;
	}
	return false;
}

/* Skips one value of any kind. */
static bool skip_value(struct scan *s)
{
	size_t depth = 0;

	skip_ws(s);
	do {
		if (s->i >= s->len)
			return false;
		switch (s->t[s->i]) {
		case '"':
			if (!scan_string(s, NULL, NULL))
				return false;
			break;
		case '{':
		case '[':
			depth++;
			s->i++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return false;
			depth--;
			s->i++;
			break;
		default:
			if (depth == 0) {
				while (s->i < s->len && !strchr(",}] \t\r\n", s->t[s->i]))
					s->i++;
				return true;
			}
			s->i++;
			break;
		}
	} while (depth > 0);
	return true;
}

/* Moves to the value of member `token`, looking from the member at s->i to the object's end. */
static int find_member(struct scan *s, const char *token, size_t token_len)
{
	char key[KEY_MAX];

	for (;;) {
		size_t n = 0;

		skip_ws(s);
		if (s->i >= s->len || s->t[s->i] == '}')
			return -ENOENT;
		if (!scan_string(s, key, &n))
			return -EINVAL;
		skip_ws(s);
		if (s->i >= s->len || s->t[s->i] != ':')
			return -EINVAL;
		s->i++;
		skip_ws(s);
		if (n == token_len && n < KEY_MAX && memcmp(key, token, n) == 0)
			return 0;
		if (!skip_value(s))
			return -EINVAL;
		skip_ws(s);
		if (s->i < s->len && s->t[s->i] == ',')
			s->i++;
	}
}

/* Moves to the value of member `token` of the object at s->i. */
static int enter_member(struct scan *s, const char *token, size_t token_len)
{
	s->i++;
	return find_member(s, token, token_len);
}

/*
 * The same, for an object in which the member whose value starts at `prev` was found last:
 * members usually come in document order, so look after it first, then from the start.
 */
static int enter_member_after(struct scan *s, size_t prev, const char *token, size_t token_len)
{
	size_t start = s->i;
	int r;

	s->i = prev;
	if (skip_value(s)) {
		skip_ws(s);
		if (s->i < s->len && s->t[s->i] == ',')
			s->i++;
		r = find_member(s, token, token_len);
		if (r != -ENOENT)
			return r;
	}
	s->i = start;
	return enter_member(s, token, token_len);
}

static int enter_element(struct scan *s, const char *token)
{
	uint64_t k;

	if (num_parse_u64(token, strlen(token), 10, ULONG_MAX, &k) < 0)
		return -ENOENT;
	s->i++;
	for (unsigned long j = 0;; j++) {
		skip_ws(s);
		if (s->i >= s->len || s->t[s->i] == ']')
			return -ENOENT;
		if (j == k)
			return 0;
		if (!skip_value(s))
			return -EINVAL;
		skip_ws(s);
		if (s->i < s->len && s->t[s->i] == ',')
			s->i++;
	}
}

/*
 * The same, for an array in which element prev_index (whose value starts at prev) was found
 * last: pointers come in document order ("/0/..", "/1/..", findings of docker inspect output
 * of thousands of containers), so walk on from it instead of from the array's start, which
 * made locating every finding of an array quadratic in its size.
 */
static int enter_element_after(struct scan *s, size_t prev, unsigned long prev_index,
			       const char *token)
{
	uint64_t k;

	if (num_parse_u64(token, strlen(token), 10, ULONG_MAX, &k) < 0 || k < prev_index)
		return enter_element(s, token);
	s->i = prev;
	for (unsigned long j = prev_index; j < k; j++) {
		if (!skip_value(s))
			return -EINVAL;
		skip_ws(s);
		if (s->i < s->len && s->t[s->i] == ',')
			s->i++;
		skip_ws(s);
		if (s->i >= s->len || s->t[s->i] == ']')
			return -ENOENT;
	}
	return 0;
}

/* Decodes the next pointer token (~0 ~1) into tok; returns the rest of the pointer. */
static const char *next_token(const char *p, char *tok, size_t size, size_t *ret_n)
{
	size_t n = 0;

	for (p++; *p && *p != '/'; p++) {
		char c = *p;

		if (c == '~' && (p[1] == '0' || p[1] == '1'))
			c = *++p == '0' ? '~' : '/';
		if (n + 1 < size)
			tok[n++] = c;
	}
	tok[n] = '\0';
	*ret_n = n;
	return p;
}

/* Descends one token from the value at s->i. */
static int descend(struct scan *s, const char *tok, size_t n)
{
	if (s->i >= s->len)
		return -EINVAL;
	if (s->t[s->i] == '{')
		return enter_member(s, tok, n);
	if (s->t[s->i] == '[')
		return enter_element(s, tok);
	return -ENOENT;
}

/*
 * Line and column of `to`, going back from a known position `from` > to.  On the same line
 * the column is counted back over [to, from) only: minified JSON is one line, and walking back
 * to its start for every finding made locating them quadratic in the document's size.
 */
static void retreat_position(const char *text, size_t from, size_t to, unsigned *line,
			     unsigned *col)
{
	size_t bol = to, chars = 0;
	bool newline = false;

	for (size_t k = to; k < from; k++) {
		if (text[k] == '\n') {
			(*line)--;
			newline = true;
		}
		chars += ((unsigned char)text[k] & 0xc0) != 0x80;
	}
	if (!newline) {
		*col -= (unsigned)chars;
		return;
	}
	while (bol > 0 && text[bol - 1] != '\n')
		bol--;
	*col = 1;
	for (size_t k = bol; k < to; k++)
		*col += ((unsigned char)text[k] & 0xc0) != 0x80;
}

static void advance_position(const char *text, size_t from, size_t to, unsigned *line,
			     unsigned *col)
{
	for (size_t k = from; k < to; k++) {
		if (text[k] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[k] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

void json_locator_init(struct json_locator *l, const char *text, size_t len)
{
	struct scan s = { .t = text, .len = len, .i = 0 };

	memset(l, 0, sizeof(*l));
	l->text = text;
	l->len = len;
	skip_ws(&s);
	l->offsets[0] = s.i;
	l->pos_line = l->pos_column = 1;
}

int json_locator_find(struct json_locator *l, const char *pointer, unsigned *ret_line,
		      unsigned *ret_column)
{
	struct scan s = { .t = l->text, .len = l->len };
	unsigned depth = 0, line, col, prev_depth = l->depth;
	size_t prev_member = 0;
	unsigned long prev_index = ULONG_MAX;
	const char *p = pointer;

	/* Reuse the tokens shared with the previous pointer. */
	while (depth < l->depth && strncmp(pointer, l->last, l->ends[depth + 1]) == 0 &&
	       (pointer[l->ends[depth + 1]] == '/' || pointer[l->ends[depth + 1]] == '\0'))
		depth++;
	if (depth < prev_depth) {
		const char *t = l->last + l->ends[depth] + 1;
		size_t used;
		uint64_t v;

		prev_member = l->offsets[depth + 1]; /* the sibling found last at this level */
		if (num_scan_u64(t, strcspn(t, "/"), 10, ULONG_MAX, &v, &used) == 0 &&
		    (t[used] == '/' || t[used] == '\0'))
			prev_index = v; /* and its index, when that level is an array */
	}
	p = pointer + l->ends[depth];
	s.i = l->offsets[depth];
	l->depth = depth;
	str_copy(l->last, sizeof(l->last), pointer);
	while (*p == '/') {
		char tok[KEY_MAX];
		size_t n;
		int r;

		p = next_token(p, tok, sizeof(tok), &n);
		if (prev_member && s.i < s.len && s.t[s.i] == '{')
			r = enter_member_after(&s, prev_member, tok, n);
		else if (prev_member && prev_index != ULONG_MAX && s.i < s.len && s.t[s.i] == '[')
			r = enter_element_after(&s, prev_member, prev_index, tok);
		else
			r = descend(&s, tok, n);
		prev_member = 0;
		prev_index = ULONG_MAX;
		if (r < 0)
			return r;
		if (depth < JSON_LOCATOR_DEPTH && strlen(pointer) < sizeof(l->last)) {
			depth++;
			l->offsets[depth] = s.i;
			l->ends[depth] = (size_t)(p - pointer);
			l->depth = depth;
		}
	}
	if (*p)
		return -EINVAL;
	line = l->pos_line;
	col = l->pos_column;
	if (s.i < l->pos_offset)
		retreat_position(l->text, l->pos_offset, s.i, &line, &col);
	else
		advance_position(l->text, l->pos_offset, s.i, &line, &col);
	l->pos_offset = s.i;
	l->pos_line = line;
	l->pos_column = col;
	*ret_line = line;
	*ret_column = col;
	return 0;
}

int json_locate(const char *text, size_t len, const char *pointer, unsigned *ret_line,
		unsigned *ret_column)
{
	struct json_locator l;

	json_locator_init(&l, text, len);
	return json_locator_find(&l, pointer, ret_line, ret_column);
}
