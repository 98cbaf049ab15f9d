/* SPDX-License-Identifier: MIT */
#include "json_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "str.h"

static void *hook_malloc(size_t n)
{
	return es_malloc(n);
}

static void hook_free(void *p)
{
	es_free(p);
}

void json_read_init(void)
{
	cJSON_Hooks hooks = { .malloc_fn = hook_malloc, .free_fn = hook_free };

	cJSON_InitHooks(&hooks);
}

int json_error_set(struct json_error *err, const char *pointer, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	str_copy(err->pointer, sizeof(err->pointer), pointer ? pointer : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void locate(const char *data, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < off; i++) {
		if (data[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Parses the len bytes at doc + off; error positions count from doc (a whole document of
 * which this is a part, for the array reader). */
static cJSON *parse_span(const char *doc, size_t off0, size_t len, struct json_error *err)
{
	const char *data = doc + off0, *end = NULL;
	cJSON *root;

	if (err)
		memset(err, 0, sizeof(*err));
	if (memchr(data, '\0', len)) {
		size_t off = (size_t)((const char *)memchr(data, '\0', len) - data);

		if (err) {
			locate(doc, off0 + off, &err->line, &err->column);
			snprintf(err->message, sizeof(err->message),
				 "NUL byte in input at line %u, column %u", err->line, err->column);
		}
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (root) {
		/* Only whitespace may follow the value. */
		size_t off = (size_t)(end - data);

		while (off < len && (data[off] == ' ' || data[off] == '\n' || data[off] == '\r' ||
				     data[off] == '\t'))
			off++;
		if (off == len)
			return root;
		cJSON_Delete(root);
		if (err) {
			locate(doc, off0 + off, &err->line, &err->column);
			snprintf(err->message, sizeof(err->message),
				 "unexpected data after the JSON value at line %u, column %u",
				 err->line, err->column);
		}
		return NULL;
	}
	if (err) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = (at && at >= data && at <= data + len) ? (size_t)(at - data) : len;

		locate(doc, off0 + off, &err->line, &err->column);
		if (len == 0 || off >= len)
			snprintf(err->message, sizeof(err->message),
				 "invalid JSON: unexpected end of input at line %u, column %u",
				 err->line, err->column);
		else
			snprintf(err->message, sizeof(err->message),
				 "invalid JSON at line %u, column %u", err->line, err->column);
	}
	return NULL;
}

cJSON *json_parse(const char *data, size_t len, struct json_error *err)
{
	return parse_span(data, 0, len, err);
}

/* ---- \u0000 in strings ---- */

/*
 * Finds the "\u0000" escapes inside strings of the text d: the offset of the first (len if
 * none).  With `marked` (a copy of d), every one is overwritten there by nul_mark (as long).
 */
static const char nul_mark[6] = "\xff\xff\xff\xff\xff\xff"; /* never in UTF-8 text */

static size_t find_nul_escapes(const char *d, size_t len, char *marked)
{
	size_t first = len;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		if (d[i] == '"') {
			in_str = !in_str;
		} else if (in_str && d[i] == '\\' && i + 1 < len) {
			if (d[i + 1] == 'u' && i + 5 < len && memcmp(d + i + 2, "0000", 4) == 0) {
				if (first == len)
					first = i;
				if (!marked)
					return first;
				memcpy(marked + i, nul_mark, sizeof(nul_mark));
				i += 5;
				continue;
			}
			i++; /* the escaped character, '"' and '\\' included */
		}
	}
	return first;
}

static bool has_mark(const char *s)
{
	return s && memmem(s, strlen(s), nul_mark, sizeof(nul_mark)) != NULL;
}

/* 2: ptr is one of roots or below one; 1: ptr is above one (descend, do not report); 0: none
 * (roots NULL: everything counts). */
static int relation(const char *ptr, const char *const *roots)
{
	size_t n = strlen(ptr);
	int best = 0;

	if (!roots)
		return 2;
	for (; *roots; roots++) {
		size_t m = strlen(*roots);

		if (n >= m && strncmp(ptr, *roots, m) == 0 && (ptr[m] == '\0' || ptr[m] == '/'))
			return 2;
		if (n < m && strncmp(ptr, *roots, n) == 0 && (*roots)[n] == '/')
			best = 1;
	}
	return best;
}

/* Depth-first search for the first key or string value holding the mark, under roots. */
static bool find_marked(const cJSON *item, char *ptr, const char *const *roots)
{
	size_t base = strlen(ptr), i = 0;

	for (const cJSON *c = item->child; c; c = c->next, i++) {
		char idx[24];
		int rel;

		ptr[base] = '\0';
		if (cJSON_IsObject(item)) {
			json_pointer_append(ptr, c->string ? c->string : "");
		} else {
			snprintf(idx, sizeof(idx), "%zu", i);
			json_pointer_append(ptr, idx);
		}
		rel = relation(ptr, roots);
		if (rel == 2 && ((cJSON_IsObject(item) && has_mark(c->string)) ||
				 (cJSON_IsString(c) && has_mark(c->valuestring))))
			return true;
		if (rel && find_marked(c, ptr, roots))
			return true;
	}
	ptr[base] = '\0';
	return false;
}

/* In the pointer's tokens, the mark is shown as "\u0000" again. */
static void unmark(char *ptr)
{
	char *m;

	while ((m = memmem(ptr, strlen(ptr), nul_mark, sizeof(nul_mark))))
		memcpy(m, "\\u0000", 6);
}

int json_check_no_nul_in(const char *data, size_t len, const char *const *roots,
			 struct json_error *err)
{
	char ptr[JSON_POINTER_MAX] = "";
	bool found = false;
	char *copy;
	cJSON *doc;

	if (find_nul_escapes(data, len, NULL) == len)
		return 0;
	/* Rare: parse a copy with every such escape replaced by the mark, to name the key. */
	copy = es_memdup(data, len);
	if (!copy)
		return -ENOMEM;
	find_nul_escapes(data, len, copy);
	doc = cJSON_ParseWithLength(copy, len);
	if (!doc)
		found = !roots; /* cannot tell where: only a whole-document check refuses */
	else if ((found = find_marked(doc, ptr, roots)))
		unmark(ptr);
	cJSON_Delete(doc);
	es_free(copy);
	if (!found)
		return 0;
	return json_error_set(err, ptr,
			      "\\u0000 (a NUL character) is not allowed in a string: it would cut "
			      "the value short");
}

int json_check_no_nul(const char *data, size_t len, struct json_error *err)
{
	return json_check_no_nul_in(data, len, NULL, err);
}

/* ---- the cost of a tree ---- */

/* What malloc(n) takes: glibc chunks are n + 8 rounded up to 16, at least 32 bytes. */
static size_t chunk(size_t n)
{
	size_t c = (n + 8 + 15) & ~(size_t)15;

	return c < 32 ? 32 : c;
}

size_t json_tree_cost(const char *d, size_t len)
{
	const size_t node = chunk(sizeof(cJSON));
	size_t cost = 0;

	for (size_t i = 0; i < len; i++) {
		char c = d[i];

		if (c == '"') { /* a key or a string value: its bytes and, for a value, a node */
			size_t start = ++i, k;

			while (i < len && d[i] != '"')
				i += d[i] == '\\' ? 2 : 1;
			cost += chunk(i - start + 1);
			for (k = i + 1; k < len && (unsigned char)d[k] <= 0x20; k++)
				;
			if (k >= len || d[k] != ':')
				cost += node; /* a key names the node of the value that follows */
		} else if (c == '{' || c == '[') {
			cost += node;
		} else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
			cost += node; /* a scalar: skip the rest of it */
			while (i + 1 < len && d[i + 1] != ',' && d[i + 1] != ']' &&
			       d[i + 1] != '}' && (unsigned char)d[i + 1] > 0x20)
				i++;
		}
	}
	return cost;
}

size_t json_tree_budget(size_t len)
{
	return len * JSON_TREE_BUDGET_FACTOR + JSON_TREE_BUDGET_MIN;
}

static bool over_budget(const char *doc, size_t off, size_t len, size_t max_tree,
			struct json_error *err)
{
	size_t cost = json_tree_cost(doc + off, len);

	if (cost <= max_tree)
		return false;
	if (err) {
		memset(err, 0, sizeof(*err));
		locate(doc, off, &err->line, &err->column);
		snprintf(err->message, sizeof(err->message),
			 "the value at line %u, column %u has too many parts for its size: reading "
			 "it would take %zu MiB of memory, more than the %zu MiB allowed for %zu "
			 "bytes",
			 err->line, err->column, (cost + (1u << 20) - 1) >> 20, max_tree >> 20,
			 len);
	}
	return true;
}

cJSON *json_parse_capped(const char *data, size_t len, size_t max_tree, struct json_error *err)
{
	return over_budget(data, 0, len, max_tree, err) ? NULL : parse_span(data, 0, len, err);
}

/* ---- a top-level array, element by element ---- */

/* Whitespace as cJSON skips it inside a document: every byte up to 0x20. */
static size_t skip_ws(const char *d, size_t len, size_t i)
{
	while (i < len && (unsigned char)d[i] <= 0x20)
		i++;
	return i;
}

/* After the document: only the four whitespace characters of RFC 8259, as json_parse(). */
static size_t skip_trailing_ws(const char *d, size_t len, size_t i)
{
	while (i < len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
		i++;
	return i;
}

int json_array_reader_init(struct json_array_reader *r, const char *data, size_t len)
{
	size_t i = skip_ws(data, len, 0);

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
	/* A NUL byte anywhere: json_parse() says where (it refuses any). */
	if (i >= len || data[i] != '[' || memchr(data, '\0', len))
		return 0;
	r->pos = skip_ws(data, len, i + 1);
	r->ended = r->pos < len && data[r->pos] == ']';
	if (r->ended)
		r->pos++;
	return 1;
}

static int reader_error(struct json_array_reader *r, size_t off, const char *what,
			struct json_error *err)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		locate(r->data, off, &err->line, &err->column);
		snprintf(err->message, sizeof(err->message),
			 "invalid JSON: %s at line %u, column %u", what, err->line, err->column);
	}
	r->ended = true;
	return -EINVAL;
}

/* The extent of the element at r->pos: brackets and braces counted outside strings. */
static int element_extent(struct json_array_reader *r, size_t *ret_end, struct json_error *err)
{
	const char *d = r->data;
	size_t i = r->pos, depth = 0;

	for (; i < r->len; i++) {
		char c = d[i];

		if (c == '"') {
			for (i++; i < r->len && d[i] != '"'; i++)
				if (d[i] == '\\')
					i++;
			if (i >= r->len)
				break;
		} else if (c == '{' || c == '[') {
			/* as deep as cJSON goes in the whole document, the array being one level */
			if (++depth >= CJSON_NESTING_LIMIT)
				return reader_error(r, i, "nested too deeply", err);
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				break; /* the end of the array itself */
			depth--;
		} else if (c == ',' && depth == 0) {
			break;
		}
	}
	if (i >= r->len)
		return reader_error(r, r->len, "unexpected end of input", err);
	*ret_end = i;
	return 0;
}

static int reader_step(struct json_array_reader *r, size_t max_tree, cJSON **ret,
		       struct json_error *err)
{
	size_t end = 0;
	cJSON *item = NULL;
	int e;

	if (ret)
		*ret = NULL;
	if (r->ended) { /* only whitespace may follow the array */
		r->pos = skip_trailing_ws(r->data, r->len, r->pos);
		return r->pos < r->len ? reader_error(r, r->pos, "data after the array", err) : 0;
	}
	e = element_extent(r, &end, err);
	if (e < 0)
		return e;
	if (end == r->pos)
		return reader_error(r, end, "an array element is missing", err);
	if (r->data[end] != ',' && r->data[end] != ']')
		return reader_error(r, end, "expected ',' or ']'", err);
	if (ret) {
		size_t n = end - r->pos;

		while (n && (unsigned char)r->data[r->pos + n - 1] <= 0x20)
			n--; /* whitespace before ',' or ']' */
		if (!max_tree)
			max_tree = json_tree_budget(n);
		if (over_budget(r->data, r->pos, n, max_tree, err) ||
		    !(item = parse_span(r->data, r->pos, n, err))) {
			r->ended = true;
			return -EINVAL;
		}
		*ret = item;
	}
	r->ended = r->data[end] == ']';
	r->pos = r->ended ? end + 1 : skip_ws(r->data, r->len, end + 1);
	if (!r->ended && r->pos < r->len && r->data[r->pos] == ']') {
		cJSON_Delete(item);
		if (ret)
			*ret = NULL;
		return reader_error(r, r->pos, "a trailing ',' before ']'", err);
	}
	r->index++;
	return 1;
}

int json_array_reader_next(struct json_array_reader *r, size_t max_tree, cJSON **ret,
			   struct json_error *err)
{
	return reader_step(r, max_tree, ret, err);
}

int json_array_reader_skip(struct json_array_reader *r, struct json_error *err)
{
	return reader_step(r, 0, NULL, err);
}

void json_pointer_append(char *ptr, const char *token)
{
	size_t n = strlen(ptr);

	if (n + 2 >= JSON_POINTER_MAX)
		return;
	ptr[n++] = '/';
	for (const char *t = token; *t && n + 3 < JSON_POINTER_MAX; t++) {
		if (*t == '~') {
			ptr[n++] = '~';
			ptr[n++] = '0';
		} else if (*t == '/') {
			ptr[n++] = '~';
			ptr[n++] = '1';
		} else {
			ptr[n++] = *t;
		}
	}
	ptr[n] = '\0';
}

const char *json_type_name(const cJSON *item)
{
	if (!item)
		return "nothing";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	return "an invalid value";
}
