/* SPDX-License-Identifier: MIT */
/*
 * The container cache; see docker-cache.h.  A fixed array scanned linearly: a device runs
 * tens of containers, and every operation is at most DOCKER_CACHE_MAX string compares.
 */
#include "docker-cache.h"

#include <string.h>

#include "common/alloc.h"

#define ID_PREFIX_MIN 12

void docker_cache_init(struct docker_cache *dc)
{
	memset(dc, 0, sizeof(*dc));
}

static void entry_clear(struct docker_cache_entry *e)
{
	es_free(e->settings);
	es_free(e->inspect);
	memset(e, 0, sizeof(*e));
}

void docker_cache_clear(struct docker_cache *dc)
{
	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++)
		if (dc->entries[i].used)
			entry_clear(&dc->entries[i]);
	dc->n = 0;
}

void docker_cache_done(struct docker_cache *dc)
{
	docker_cache_clear(dc);
}

struct docker_cache_entry *docker_cache_get(struct docker_cache *dc, const char *id)
{
	size_t n = id ? strlen(id) : 0;
	struct docker_cache_entry *found = NULL;

	if (!n)
		return NULL;
	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		struct docker_cache_entry *e = &dc->entries[i];

		if (!e->used)
			continue;
		if (strcmp(e->c.id, id) == 0)
			return e;
		if (n >= ID_PREFIX_MIN && strncmp(e->c.id, id, n) == 0) {
			if (found)
				return NULL; /* ambiguous */
			found = e;
		}
	}
	return found;
}

static struct docker_cache_entry *free_slot(struct docker_cache *dc)
{
	struct docker_cache_entry *oldest = NULL;

	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		struct docker_cache_entry *e = &dc->entries[i];

		if (!e->used)
			return e;
		if (!oldest || e->updated < oldest->updated)
			oldest = e;
	}
	entry_clear(oldest);
	dc->n--;
	dc->evicted++;
	return oldest;
}

static char *dup_n(const char *s, size_t len)
{
	char *p = es_malloc(len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

struct docker_cache_entry *docker_cache_put(struct docker_cache *dc, const struct docker_container *c,
					    const char *settings, size_t settings_len,
					    const char *inspect, size_t inspect_len, uint64_t generation)
{
	struct docker_cache_entry *e = NULL;
	char *s, *raw = NULL;

	if (!settings || settings_len > DOCKER_SETTINGS_MAX) {
		settings = "{}";
		settings_len = 2;
	}
	s = dup_n(settings, settings_len);
	if (!s)
		return NULL;
	if (inspect && inspect_len <= DOCKER_INSPECT_KEEP_MAX)
		raw = dup_n(inspect, inspect_len);
	else if (inspect)
		dc->inspect_not_kept++;
	for (size_t i = 0; i < DOCKER_CACHE_MAX && !e; i++)
		if (dc->entries[i].used && strcmp(dc->entries[i].c.id, c->id) == 0)
			e = &dc->entries[i];
	if (e) {
		entry_clear(e);
		dc->n--;
	} else {
		e = free_slot(dc);
	}
	dc->n++;
	e->used = true;
	e->c = *c;
	e->settings = s;
	e->settings_len = settings_len;
	e->inspect = raw;
	e->inspect_len = raw ? inspect_len : 0;
	e->generation = generation;
	e->updated = ++dc->seq;
	return e;
}

void docker_cache_remove(struct docker_cache *dc, const char *id)
{
	struct docker_cache_entry *e = docker_cache_get(dc, id);

	if (!e)
		return;
	entry_clear(e);
	dc->n--;
}

size_t docker_cache_prune(struct docker_cache *dc, uint64_t generation)
{
	size_t n = 0;

	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		struct docker_cache_entry *e = &dc->entries[i];

		if (e->used && e->generation != generation) {
			entry_clear(e);
			dc->n--;
			n++;
		}
	}
	return n;
}
