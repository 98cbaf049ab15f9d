/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The container cache: what the Docker client knows about each container (id → name, image,
 * module, state, pid, cgroup parent, security settings JSON, and the last inspect document).
 *
 * Bounded: at most DOCKER_CACHE_MAX entries; a full cache evicts the entry updated longest
 * ago (counted in `evicted`).  An entry's settings are at most DOCKER_SETTINGS_MAX bytes and
 * its inspect document at most DOCKER_INSPECT_KEEP_MAX bytes (a larger one is not kept:
 * `inspect` NULL, counted in `inspect_not_kept`).  Entries are removed on destroy and, after
 * a resync, when the daemon no longer lists them (docker_cache_prune).
 * Lookups compare the full id, or a unique prefix of at least 12 characters.
 */

#include <stddef.h>
#include <stdint.h>

#include "docker-parse.h"

#define DOCKER_CACHE_MAX 256
#define DOCKER_INSPECT_KEEP_MAX (64u << 10)

struct docker_cache_entry {
	struct docker_container c;
	char *settings; /* JSON object; never NULL */
	size_t settings_len;
	char *inspect; /* the raw inspect document, or NULL */
	size_t inspect_len;
	uint64_t generation; /* resync generation it was last seen in */
	uint64_t updated;    /* update sequence, for eviction */
};

struct docker_cache {
	/* Allocated on insert, freed on removal: an empty cache costs 2 KiB. */
	struct docker_cache_entry *entries[DOCKER_CACHE_MAX];
	size_t n;
	uint64_t seq;
	uint64_t evicted;
	uint64_t inspect_not_kept;
};

void docker_cache_init(struct docker_cache *dc);
void docker_cache_done(struct docker_cache *dc);

/* Inserts or replaces the entry of c->id.  Returns it, or NULL without memory. */
struct docker_cache_entry *docker_cache_put(struct docker_cache *dc,
					    const struct docker_container *c, const char *settings,
					    size_t settings_len, const char *inspect,
					    size_t inspect_len, uint64_t generation);
struct docker_cache_entry *docker_cache_get(struct docker_cache *dc, const char *id);
void docker_cache_remove(struct docker_cache *dc, const char *id);
/* Removes every entry not seen in `generation`; returns how many. */
size_t docker_cache_prune(struct docker_cache *dc, uint64_t generation);
void docker_cache_clear(struct docker_cache *dc);
