/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by btf-min.c (the index) and btf-min-cut.c (the minimal BTF); see btf-min.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "btf-min.h"

#define CHUNK (64u * 1024) /* window of the sequential passes */
#define WINDOW (4u * 1024) /* window of the random reads of the closure */
#define STRING_MAX 1024u   /* longest name the output copies */
#define HDR_LEN 24u	   /* struct btf_header */
#define TYPE_LEN 12u	   /* struct btf_type */

struct name {
	const char *s;
	uint32_t len;
};

struct hit { /* a string equal to a wanted name */
	uint32_t str_off;
	uint32_t name;
};

struct match { /* a type that carries a wanted name */
	uint32_t id;
	uint32_t name;
	uint8_t kind;
};

struct u32s {
	uint32_t *v;
	size_t n, cap, max;
};

struct reader {
	const struct btf_min_source *src;
	unsigned char *buf;
	uint64_t at; /* source offset of buf[0] */
	size_t len;  /* valid bytes */
};

struct btf_index {
	struct btf_min_source src;
	struct reader rd;
	uint64_t types_at, strs_at; /* absolute offsets of the sections */
	uint32_t type_len, str_len;
	struct u32s offs; /* offs.v[id - 1]: where type id starts, relative to types_at */
	struct name *names;
	size_t n_names;
	uint32_t *slots; /* hash of name indices + 1 (0 = empty), n_slots a power of two */
	size_t n_slots;
	bool len_wanted[BTF_MIN_NAME_MAX + 1];
	struct hit *hits;
	size_t n_hits, cap_hits;
	struct match *matches;
	size_t n_matches, cap_matches;
};

int btf_min_fail(struct btf_min_error *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends v; -E2BIG past a->max, -ENOMEM. */
int btf_min_u32s_push(struct u32s *a, uint32_t v);
/*
 * n bytes at source offset off, which must lie before limit: from the window when they are in
 * it, else after reading `window` bytes (at most up to limit) from off.  NULL with *ret_err.
 */
const unsigned char *btf_min_read(struct reader *r, uint64_t off, size_t n, uint64_t limit,
				  size_t window, int *ret_err);

static inline uint32_t btf_min_load_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void btf_min_store_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}
