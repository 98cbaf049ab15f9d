/* SPDX-License-Identifier: MIT */
/*
 * The container cache; see docker-cache.h.  A fixed array scanned linearly: a device runs
 * tens of containers, and every operation is at most DOCKER_CACHE_MAX string compares.
 */
#include "docker-cache.h"

#include <string.h>
#include <sys/types.h>

#include "common/alloc.h"

#define ID_PREFIX_MIN 12

void docker_cache_init(struct docker_cache *dc)
{
	memset(dc, 0, sizeof(*dc));
}

static void entry_free(struct docker_cache *dc, size_t i)
{
	struct docker_cache_entry *e = dc->entries[i];

	es_free(e->settings);
	es_free(e->inspect);
	es_free(e);
	dc->entries[i] = NULL;
	dc->n--;
}

void docker_cache_clear(struct docker_cache *dc)
{
	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++)
		if (dc->entries[i])
			entry_free(dc, i);
}

void docker_cache_done(struct docker_cache *dc)
{
	docker_cache_clear(dc);
}

/* Index of the entry of id (full id, or a unique prefix of ID_PREFIX_MIN or more), or -1. */
static ssize_t find(const struct docker_cache *dc, const char *id)
{
	size_t n = id ? strlen(id) : 0;
	ssize_t found = -1;

	if (!n)
		return -1;
	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		const struct docker_cache_entry *e = dc->entries[i];

		if (!e)
			continue;
		if (strcmp(e->c.id, id) == 0)
			return (ssize_t)i;
		if (n >= ID_PREFIX_MIN && strncmp(e->c.id, id, n) == 0) {
			if (found >= 0)
				return -1; /* ambiguous */
			found = (ssize_t)i;
		}
	}
	return found;
}

struct docker_cache_entry *docker_cache_get(struct docker_cache *dc, const char *id)
{
	ssize_t i = find(dc, id);

	return i < 0 ? NULL : dc->entries[i];
}

/* A free index; a full cache evicts the entry updated longest ago. */
static size_t free_slot(struct docker_cache *dc)
{
	size_t oldest = 0;

	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		if (!dc->entries[i])
			return i;
		if (dc->entries[i]->updated < dc->entries[oldest]->updated)
			oldest = i;
	}
	entry_free(dc, oldest);
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

struct docker_cache_entry *docker_cache_put(struct docker_cache *dc,
					    const struct docker_container *c, const char *settings,
					    size_t settings_len, const char *inspect,
					    size_t inspect_len, uint64_t generation)
{
	struct docker_cache_entry *e;
	size_t slot = DOCKER_CACHE_MAX;
	char *s, *raw = NULL;

	if (!settings || settings_len > DOCKER_SETTINGS_MAX) {
		settings = "{}";
		settings_len = 2;
	}
	e = es_malloc(sizeof(*e));
	s = dup_n(settings, settings_len);
	if (inspect && inspect_len <= DOCKER_INSPECT_KEEP_MAX)
		raw = dup_n(inspect, inspect_len);
	else if (inspect)
		dc->inspect_not_kept++;
	if (!e || !s || (inspect && inspect_len <= DOCKER_INSPECT_KEEP_MAX && !raw)) {
		es_free(e);
		es_free(s);
		es_free(raw);
		return NULL;
	}
	for (size_t i = 0; i < DOCKER_CACHE_MAX && slot == DOCKER_CACHE_MAX; i++)
		if (dc->entries[i] && strcmp(dc->entries[i]->c.id, c->id) == 0)
			slot = i;
	if (slot < DOCKER_CACHE_MAX)
		entry_free(dc, slot);
	else
		slot = free_slot(dc);
	memset(e, 0, sizeof(*e));
	e->c = *c;
	e->settings = s;
	e->settings_len = settings_len;
	e->inspect = raw;
	e->inspect_len = raw ? inspect_len : 0;
	e->generation = generation;
	e->updated = ++dc->seq;
	dc->entries[slot] = e;
	dc->n++;
	return e;
}

void docker_cache_remove(struct docker_cache *dc, const char *id)
{
	ssize_t i = find(dc, id);

	if (i >= 0)
		entry_free(dc, (size_t)i);
}

size_t docker_cache_prune(struct docker_cache *dc, uint64_t generation)
{
	size_t n = 0;

	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		if (dc->entries[i] && dc->entries[i]->generation != generation) {
			entry_free(dc, i);
			n++;
		}
	}
	return n;
}
