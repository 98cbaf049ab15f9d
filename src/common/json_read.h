/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading JSON documents (config files, twin documents, manifests) with cJSON, with errors that
 * say where: line and column for syntax errors, a JSON pointer for wrong values.
 * cJSON's allocator is routed through es_malloc (json_read_init).
 */

#include <stddef.h>

#include <cjson/cJSON.h>

#define JSON_ERROR_MAX 512
#define JSON_POINTER_MAX 512

struct json_error {
	char message[JSON_ERROR_MAX];
	char pointer[JSON_POINTER_MAX]; /* "" when the error is not about a value */
	unsigned line, column;		/* 0 when unknown */
};

void json_read_init(void);
/* Parses len bytes (no NUL needed).  NULL on error with err filled. */
cJSON *json_parse(const char *data, size_t len, struct json_error *err);
/*
 * cJSON decodes "\u0000" into a NUL that ends the C string: "/ho\u0000st" would silently be
 * "/ho".  For documents whose strings are used as they are (config files, twin documents),
 * this finds the first string (value or key) holding one: -EINVAL with err naming it by JSON
 * pointer, or 0.  data must be a document json_parse() accepted.
 */
int json_check_no_nul(const char *data, size_t len, struct json_error *err);
/* Sets err->message (printf-style) and returns -EINVAL, for one-line error returns. */
int json_error_set(struct json_error *err, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends "/token" (escaped per RFC 6901) to a pointer held in a buffer of JSON_POINTER_MAX. */
void json_pointer_append(char *ptr, const char *token);
/* The JSON type name of an item ("string", "number", "object", ...). */
const char *json_type_name(const cJSON *item);
