/* SPDX-License-Identifier: MIT */
/*
 * A whole `docker inspect` document (one object, or an array of them, as the command prints)
 * → inspected containers, for the offline scanner.  The array is read one element at a time
 * (json_array_reader), so only one container's JSON tree is held at once; every tree is
 * refused beyond json_tree_budget() of its size; at most INSPECT_MAX_CONTAINERS containers
 * are kept and the rest are counted in `dropped` (their syntax is still checked).  Before,
 * 32 MiB of "[{},{},...]" built eleven million containers (13.5 GB).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze/inspect.h"
#include "common/alloc.h"

static int add(struct inspect_document *d, const cJSON *item, struct json_error *err)
{
	struct inspected_container **cs;
	char p[32];
	int r;

	if (!cJSON_IsObject(item)) {
		snprintf(p, sizeof(p), d->array ? "/%zu" : "", d->n);
		return json_error_set(err, p, "a container must be an object, not %s",
				      json_type_name(item));
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		cs = es_realloc(d->cs, cap * sizeof(*cs));
		if (!cs)
			return -ENOMEM;
		d->cs = cs;
		d->cap = cap;
	}
	r = inspect_container(item, &d->cs[d->n]);
	if (r < 0)
		return r;
	d->n++;
	return 0;
}

static int read_array(struct inspect_document *d, struct json_array_reader *rd,
		      struct json_error *err)
{
	for (;;) {
		cJSON *item = NULL;
		int r;

		if (d->n >= INSPECT_MAX_CONTAINERS) {
			r = json_array_reader_skip(rd, err);
			d->dropped += r > 0;
		} else {
			r = json_array_reader_next(rd, 0, &item, err);
			if (r > 0) {
				r = add(d, item, err);
				cJSON_Delete(item);
				if (r == 0)
					r = 1;
			}
		}
		if (r <= 0)
			return r;
	}
}

int inspect_document_parse(const char *data, size_t len, struct inspect_document *d,
			   struct json_error *err)
{
	struct json_array_reader rd;
	cJSON *doc;
	int r;

	memset(d, 0, sizeof(*d));
	memset(err, 0, sizeof(*err));
	json_read_init();
	if (json_array_reader_init(&rd, data, len) == 1) {
		d->array = true;
		r = read_array(d, &rd, err);
	} else {
		doc = json_parse_capped(data, len, json_tree_budget(len), err);
		if (!doc)
			return -EINVAL;
		if (cJSON_IsObject(doc))
			r = add(d, doc, err);
		else
			r = json_error_set(err, "",
					   "docker inspect output must be an object or an array of "
					   "objects, not %s",
					   json_type_name(doc));
		cJSON_Delete(doc);
	}
	if (r == -ENOMEM && !err->message[0])
		json_error_set(err, "", "out of memory");
	return r < 0 ? r : 0;
}

void inspect_document_done(struct inspect_document *d)
{
	for (size_t i = 0; i < d->n; i++)
		inspected_container_free(d->cs[i]);
	es_free(d->cs);
	memset(d, 0, sizeof(*d));
}
