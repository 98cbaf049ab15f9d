/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading JSON documents (config files, twin documents, manifests) with cJSON, with errors that
 * say where: line and column for syntax errors, a JSON pointer for wrong values.
 * cJSON's allocator is routed through es_malloc (json_read_init).
 */

#include <stdbool.h>
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
/* The same for the parts of the document under one of roots (JSON pointers, NULL-terminated):
 * a twin's desired properties, not its tags or reported properties. */
int json_check_no_nul_in(const char *data, size_t len, const char *const *roots,
			 struct json_error *err);
/*
 * The heap bytes cJSON would take for the tree of this text (malloc's own overhead included),
 * counted by one pass over it without allocating: 80 bytes per value, each string and key by
 * its length.  A document of many tiny values ("[0,0,0,...]") costs 40 times its size as a
 * tree; real documents 3 to 6.6 times.
 */
size_t json_tree_cost(const char *data, size_t len);
/*
 * json_parse() for input nobody vouches for (manifests, docker inspect output): a document
 * whose tree would take more than max_tree bytes is refused before anything is allocated
 * (NULL, err says so and how large the tree would be).
 */
cJSON *json_parse_capped(const char *data, size_t len, size_t max_tree, struct json_error *err);
/*
 * The tree allowed for len bytes of untrusted input: JSON_TREE_BUDGET_FACTOR times the input
 * plus JSON_TREE_BUDGET_MIN.  The 47 real manifests of the shared corpus and docker inspect
 * output cost 3 to 6.6 times their size, minified; "[0,0,...]" costs 40.
 */
#define JSON_TREE_BUDGET_FACTOR 8
#define JSON_TREE_BUDGET_MIN (4u << 20)
size_t json_tree_budget(size_t len);

/*
 * A document "[elem, elem, ...]" read one element at a time, so only one element's tree is
 * held (docker inspect output of many containers).  init: 1 if the document is an array, 0 if
 * it is some other value (parse it whole).  next: 1 with the element's tree in *ret (the
 * caller deletes it), 0 after the last one, -EINVAL with err (line and column in the whole
 * document) for a syntax error or an element over max_tree (0: json_tree_budget() of the
 * element's size).  skip: the same without parsing.
 */
struct json_array_reader {
	const char *data;
	size_t len, pos;
	unsigned index; /* elements read or skipped so far */
	bool ended;
};

int json_array_reader_init(struct json_array_reader *r, const char *data, size_t len);
int json_array_reader_next(struct json_array_reader *r, size_t max_tree, cJSON **ret,
			   struct json_error *err);
int json_array_reader_skip(struct json_array_reader *r, struct json_error *err);
/* Sets err->message (printf-style) and returns -EINVAL, for one-line error returns. */
int json_error_set(struct json_error *err, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends "/token" (escaped per RFC 6901) to a pointer held in a buffer of JSON_POINTER_MAX. */
void json_pointer_append(char *ptr, const char *token);
/* The JSON type name of an item ("string", "number", "object", ...). */
const char *json_type_name(const cJSON *item);
