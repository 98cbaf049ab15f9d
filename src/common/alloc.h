/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Counted allocation.  Every heap allocation of the agent goes through these wrappers so that
 * the bytes in use are known at any time (reported in Heartbeat) and a hard ceiling can be set.
 * A failed allocation returns NULL like malloc(); callers handle it.
 */

#include <stddef.h>
#include <stdint.h>

void *es_malloc(size_t size);
void *es_calloc(size_t n, size_t size);
void *es_realloc(void *ptr, size_t size);
char *es_strdup(const char *s);
char *es_strndup(const char *s, size_t n);
void *es_memdup(const void *p, size_t n);
void es_free(void *ptr);

/* Bytes currently allocated through the wrappers (payload bytes, without malloc overhead). */
size_t es_alloc_in_use(void);
/* Highest value es_alloc_in_use() has reached. */
size_t es_alloc_peak(void);
/* Allocations refused because of the limit. */
uint64_t es_alloc_refused(void);
/* 0 = no limit.  Allocations that would go above the limit fail with NULL. */
void es_alloc_set_limit(size_t bytes);

static inline void es_freep(void *p)
{
	es_free(*(void **)p);
}

#define _cleanup_free_ __attribute__((cleanup(es_freep)))
