/* SPDX-License-Identifier: MIT */
/*
 * Counted allocation: a 16-byte header in front of each block records its size, so frees can
 * subtract exactly what was added.  Single-threaded by design (the agent has one loop thread);
 * helper threads, when they come, must not allocate through these functions.
 */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#define HDR 16u

static size_t in_use;
static size_t peak;
static size_t limit;
static uint64_t refused;

static void *account(unsigned char *raw, size_t size)
{
	if (!raw)
		return NULL;
	memcpy(raw, &size, sizeof(size));
	in_use += size;
	if (in_use > peak)
		peak = in_use;
	return raw + HDR;
}

static int over_limit(size_t add)
{
	if (limit && in_use + add > limit) {
		refused++;
		return 1;
	}
	return 0;
}

void *es_malloc(size_t size)
{
	if (size > SIZE_MAX - HDR || over_limit(size))
		return NULL;
	return account(malloc(size + HDR), size);
}

void *es_calloc(size_t n, size_t size)
{
	if (size && n > (SIZE_MAX - HDR) / size)
		return NULL;
	if (over_limit(n * size))
		return NULL;
	return account(calloc(1, n * size + HDR), n * size);
}

void *es_realloc(void *ptr, size_t size)
{
	unsigned char *raw, *nraw;
	size_t old;

	if (!ptr)
		return es_malloc(size);
	if (size > SIZE_MAX - HDR)
		return NULL;
	raw = (unsigned char *)ptr - HDR;
	memcpy(&old, raw, sizeof(old));
	if (size > old && over_limit(size - old))
		return NULL;
	nraw = realloc(raw, size + HDR);
	if (!nraw)
		return NULL;
	in_use -= old;
	return account(nraw, size);
}

void es_free(void *ptr)
{
	unsigned char *raw;
	size_t old;

	if (!ptr)
		return;
	raw = (unsigned char *)ptr - HDR;
	memcpy(&old, raw, sizeof(old));
	in_use -= old;
	free(raw);
}

void *es_memdup(const void *p, size_t n)
{
	void *q = es_malloc(n ? n : 1);

	if (q && n)
		memcpy(q, p, n);
	return q;
}

char *es_strndup(const char *s, size_t n)
{
	char *q = es_malloc(n + 1);

	if (!q)
		return NULL;
	memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

char *es_strdup(const char *s)
{
	return s ? es_strndup(s, strlen(s)) : NULL;
}

size_t es_alloc_in_use(void)
{
	return in_use;
}

size_t es_alloc_peak(void)
{
	return peak;
}

uint64_t es_alloc_refused(void)
{
	return refused;
}

void es_alloc_set_limit(size_t bytes)
{
	limit = bytes;
}
