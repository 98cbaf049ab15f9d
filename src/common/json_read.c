/* SPDX-License-Identifier: MIT */
#include "json_read.h"

#include <errno.h>
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
