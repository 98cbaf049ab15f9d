/* SPDX-License-Identifier: MIT */
/*
 * Little-endian integers in byte buffers, for the file formats the agent writes and reads
 * back itself (the persist store and the records in it).  n is 1 to 8 bytes; the caller has
 * checked that p holds them.
 */
#pragma once

#include <stdint.h>

static inline void le_put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t le_get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}
