/* SPDX-License-Identifier: MIT */
#include "json_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

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
	snprintf(err->pointer, sizeof(err->pointer), "%s", pointer ? pointer : "");
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

cJSON *json_parse(const char *data, size_t len, struct json_error *err)
{
	const char *end = NULL;
	cJSON *root;

	if (err)
		memset(err, 0, sizeof(*err));
	if (memchr(data, '\0', len)) {
		size_t off = (size_t)((const char *)memchr(data, '\0', len) - data);

		if (err) {
			locate(data, off, &err->line, &err->column);
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
			locate(data, off, &err->line, &err->column);
			snprintf(err->message, sizeof(err->message),
				 "unexpected data after the JSON value at line %u, column %u",
				 err->line, err->column);
		}
		return NULL;
	}
	if (err) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = (at && at >= data && at <= data + len) ? (size_t)(at - data) : len;

		locate(data, off, &err->line, &err->column);
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

/* Depth-first search for the first key or string value holding the mark. */
static bool find_marked(const cJSON *item, char *ptr)
{
	size_t base = strlen(ptr), i = 0;

	for (const cJSON *c = item->child; c; c = c->next, i++) {
		char idx[24];

		ptr[base] = '\0';
		if (cJSON_IsObject(item)) {
			json_pointer_append(ptr, c->string ? c->string : "");
			if (has_mark(c->string))
				return true;
		} else {
			snprintf(idx, sizeof(idx), "%zu", i);
			json_pointer_append(ptr, idx);
		}
		if ((cJSON_IsString(c) && has_mark(c->valuestring)) || find_marked(c, ptr))
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

int json_check_no_nul(const char *data, size_t len, struct json_error *err)
{
	char ptr[JSON_POINTER_MAX] = "";
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
	if (doc && find_marked(doc, ptr))
		unmark(ptr);
	cJSON_Delete(doc);
	es_free(copy);
	return json_error_set(err, ptr,
			      "\\u0000 (a NUL character) is not allowed in a string: it would cut "
			      "the value short");
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
