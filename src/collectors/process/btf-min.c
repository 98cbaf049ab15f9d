/* SPDX-License-Identifier: MIT */
/*
 * Minimal BTF from a streamed source (design and limits: btf-min.h): the reader and the
 * index here, the closure and the output in btf-min-cut.c.
 *
 * Passes over the source, each through one buffer (a window of the source that is refilled
 * when a read falls outside it):
 *   1. strings: the offsets of the strings that equal a wanted name (one memchr per string,
 *      a hash lookup only for lengths that some name has);
 *   2. types: where each type starts (offs[id]) and which types carry a wanted name;
 *   3. closure (btf_index_minimal): from the roots, every type they embed, by reading just
 *      those records (4 KiB windows); then the targets of kept pointers become stubs or void;
 *   4. the kept types in id order, rewritten with new ids into the output; the names they use
 *      are collected, read in one more sorted pass over the strings, and patched in.
 * Type ids keep their order, so a type's new id is its rank among the kept ones (bsearch).
 */
#include "btf-min-int.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"

int btf_min_fail(struct btf_min_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

int btf_min_u32s_push(struct u32s *a, uint32_t v)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		uint32_t *p;

		if (a->n >= a->max)
			return -E2BIG;
		if (cap > a->max)
			cap = a->max;
		p = es_realloc(a->v, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		a->v = p;
		a->cap = cap;
	}
	a->v[a->n++] = v;
	return 0;
}

/* Grows an array of `size`-byte elements by one: the new element, or NULL. */
static void *grow(void **v, size_t *n, size_t *cap, size_t size, size_t max)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		void *p;

		if (*n >= max)
			return NULL;
		if (c > max)
			c = max;
		p = es_realloc(*v, c * size);
		if (!p)
			return NULL;
		*v = p;
		*cap = c;
	}
	return (char *)*v + (*n)++ * size;
}

/* ---- the reader ---- */

/*
 * n bytes at source offset off, which must lie before limit: from the window when they are in
 * it, else after reading `window` bytes (at most up to limit) from off.
 */
const unsigned char *btf_min_read(struct reader *r, uint64_t off, size_t n, uint64_t limit,
				  size_t window, int *ret_err)
{
	size_t len;
	int e;

	if (off >= r->at && off - r->at <= r->len && n <= r->len - (off - r->at))
		return r->buf + (off - r->at);
	if (n > CHUNK || off > limit || n > limit - off) {
		*ret_err = -EINVAL;
		return NULL;
	}
	len = limit - off < window ? (size_t)(limit - off) : window;
	if (len < n)
		len = n;
	e = r->src->read(r->src->ctx, off, r->buf, len);
	if (e < 0) {
		r->len = 0;
		*ret_err = e;
		return NULL;
	}
	r->at = off;
	r->len = len;
	return r->buf;
}

/* Bytes that follow the 12-byte header of a type of that kind, or -1 for an unknown kind. */
static long record_extra(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12l * vlen;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8l * vlen;
	default:
		return -1;
	}
}

/* ---- names ---- */

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int names_init(struct btf_index *x, const char *const *names, size_t n)
{
	if (n > BTF_MIN_NAMES_MAX)
		return -E2BIG;
	x->names = es_calloc(n ? n : 1, sizeof(*x->names));
	for (x->n_slots = 16; x->n_slots < 2 * n; x->n_slots *= 2)
		;
	x->slots = es_calloc(x->n_slots, sizeof(*x->slots));
	if (!x->names || !x->slots)
		return -ENOMEM;
	x->n_names = n;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]), j;

		x->names[i] = (struct name){ names[i], (uint32_t)len };
		if (!len || len > BTF_MIN_NAME_MAX)
			continue; /* never matches */
		x->len_wanted[len] = true;
		for (j = name_hash(names[i], len) & (x->n_slots - 1); x->slots[j];
		     j = (j + 1) & (x->n_slots - 1))
			;
		x->slots[j] = (uint32_t)i + 1;
	}
	return 0;
}

/* Records every wanted name equal to s (a name may be given twice). */
static int names_check(struct btf_index *x, const char *s, size_t len, uint32_t str_off)
{
	if (!len || len > BTF_MIN_NAME_MAX || !x->len_wanted[len])
		return 0;
	for (size_t j = name_hash(s, len) & (x->n_slots - 1); x->slots[j];
	     j = (j + 1) & (x->n_slots - 1)) {
		const struct name *nm = &x->names[x->slots[j] - 1];
		struct hit *h;

		if (nm->len != len || memcmp(nm->s, s, len) != 0)
			continue;
		h = grow((void **)&x->hits, &x->n_hits, &x->cap_hits, sizeof(*h),
			 4 * BTF_MIN_NAMES_MAX);
		if (!h)
			return -E2BIG;
		*h = (struct hit){ str_off, x->slots[j] - 1 };
	}
	return 0;
}

/* Pass 1: the offsets of the wanted names in the string section. */
static int scan_strings(struct btf_index *x, struct btf_min_error *err)
{
	uint64_t end = x->strs_at + x->str_len;
	uint32_t pos = 0;
	int r = 0;

	while (pos < x->str_len) {
		const unsigned char *p = btf_min_read(&x->rd, x->strs_at + pos, 1, end, CHUNK, &r),
				    *nul;
		size_t avail;

		if (!p)
			return btf_min_fail(err, r, "cannot read the strings at %u", pos);
		avail = x->rd.len - (size_t)(x->strs_at + pos - x->rd.at);
		nul = memchr(p, '\0', avail);
		if (!nul) {
			if (p != x->rd.buf || avail < CHUNK) {
				/* the string goes on past the window: read again from its start */
				x->rd.len = 0;
				if (pos + avail >= x->str_len)
					return btf_min_fail(err, -EINVAL,
							    "the strings do not end with NUL");
				continue;
			}
			/* a string longer than the window: never a wanted name; skip it */
			pos += (uint32_t)avail;
			while (pos < x->str_len) {
				p = btf_min_read(&x->rd, x->strs_at + pos, 1, end, CHUNK, &r);
				if (!p)
					return btf_min_fail(err, r, "cannot read the strings at %u",
							    pos);
				avail = x->rd.len - (size_t)(x->strs_at + pos - x->rd.at);
				nul = memchr(p, '\0', avail);
				if (nul)
					break;
				pos += (uint32_t)avail;
			}
			if (pos >= x->str_len)
				return btf_min_fail(err, -EINVAL,
						    "the strings do not end with NUL");
			pos += (uint32_t)(nul - p) + 1;
			continue;
		}
		r = names_check(x, (const char *)p, (size_t)(nul - p), pos);
		if (r < 0)
			return btf_min_fail(err, r, "too many strings equal to wanted names");
		pos += (uint32_t)(nul - p) + 1;
	}
	return 0;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->str_off != y->str_off)
		return x->str_off < y->str_off ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static int add_matches(struct btf_index *x, uint32_t name_off, uint32_t id, unsigned kind)
{
	size_t lo = 0, hi = x->n_hits;

	/* the first hit at name_off */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (x->hits[mid].str_off < name_off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n_hits && x->hits[lo].str_off == name_off; lo++) {
		struct match *m = grow((void **)&x->matches, &x->n_matches, &x->cap_matches,
				       sizeof(*m), 16 * BTF_MIN_NAMES_MAX);

		if (!m)
			return -E2BIG;
		*m = (struct match){ id, x->hits[lo].name, (uint8_t)kind };
	}
	return 0;
}

/* Pass 2: where each type starts, and the types that carry a wanted name. */
static int scan_types(struct btf_index *x, struct btf_min_error *err)
{
	uint64_t end = x->types_at + x->type_len;
	uint32_t pos = 0;
	int r = 0;

	if (x->n_hits)
		qsort(x->hits, x->n_hits, sizeof(*x->hits), hit_cmp);
	x->offs.max = BTF_MIN_TYPES_MAX - 1;
	while (pos < x->type_len) {
		const unsigned char *p =
			btf_min_read(&x->rd, x->types_at + pos, TYPE_LEN, end, CHUNK, &r);
		uint32_t name_off, info, id = (uint32_t)x->offs.n + 1;
		long extra;

		if (!p)
			return btf_min_fail(err, r, "type %u is cut short", id);
		name_off = btf_min_load_u32(p);
		info = btf_min_load_u32(p + 4);
		extra = record_extra(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));
		if (extra < 0)
			return btf_min_fail(err, -EINVAL, "type %u has an unknown kind %u", id,
					    BTF_INFO_KIND(info));
		if ((uint64_t)pos + TYPE_LEN + (uint64_t)extra > x->type_len)
			return btf_min_fail(err, -EINVAL, "type %u runs past the type section", id);
		r = btf_min_u32s_push(&x->offs, pos);
		if (r < 0)
			return btf_min_fail(err, r, "more than %u types", BTF_MIN_TYPES_MAX - 1);
		if (name_off && x->n_hits) {
			r = add_matches(x, name_off, id, BTF_INFO_KIND(info));
			if (r < 0)
				return btf_min_fail(err, r, "too many types with wanted names");
		}
		pos += TYPE_LEN + (uint32_t)extra;
	}
	return 0;
}

static int read_header(struct btf_index *x, struct btf_min_error *err)
{
	unsigned char h[HDR_LEN];
	uint32_t hdr_len, type_off, str_off;
	uint16_t magic;
	uint64_t body;
	int r;

	if (x->src.size < HDR_LEN)
		return btf_min_fail(err, -EINVAL, "shorter than a BTF header");
	r = x->src.read(x->src.ctx, 0, h, sizeof(h));
	if (r < 0)
		return btf_min_fail(err, r, "cannot read the header");
	memcpy(&magic, h, sizeof(magic));
	if (magic == __builtin_bswap16(BTF_MAGIC))
		return btf_min_fail(err, -EINVAL, "BTF of the other byte order");
	if (magic != BTF_MAGIC)
		return btf_min_fail(err, -EINVAL, "not BTF (magic 0x%04x)", magic);
	if (h[2] != BTF_VERSION)
		return btf_min_fail(err, -EINVAL, "BTF version %u", h[2]);
	hdr_len = btf_min_load_u32(h + 4);
	type_off = btf_min_load_u32(h + 8);
	x->type_len = btf_min_load_u32(h + 12);
	str_off = btf_min_load_u32(h + 16);
	x->str_len = btf_min_load_u32(h + 20);
	if (hdr_len < HDR_LEN || hdr_len > x->src.size)
		return btf_min_fail(err, -EINVAL, "header length %u", hdr_len);
	body = x->src.size - hdr_len;
	if (type_off > body || x->type_len > body - type_off || str_off > body ||
	    x->str_len > body - str_off || !x->str_len || type_off % 4)
		return btf_min_fail(err, -EINVAL, "sections outside the data");
	x->types_at = (uint64_t)hdr_len + type_off;
	x->strs_at = (uint64_t)hdr_len + str_off;
	return 0;
}

int btf_index_open(const struct btf_min_source *src, const char *const *names, size_t n_names,
		   struct btf_index **ret_index, struct btf_min_error *err)
{
	struct btf_index *x = es_calloc(1, sizeof(*x));
	int r;

	if (!x)
		return btf_min_fail(err, -ENOMEM, "no memory");
	x->src = *src;
	x->rd.src = &x->src;
	x->rd.buf = es_malloc(CHUNK);
	r = x->rd.buf ? names_init(x, names, n_names) : -ENOMEM;
	if (r < 0) {
		btf_min_fail(err, r, r == -E2BIG ? "too many names" : "no memory");
		goto out;
	}
	r = read_header(x, err);
	if (r >= 0)
		r = scan_strings(x, err);
	if (r >= 0)
		r = scan_types(x, err);
out:
	if (r < 0) {
		btf_index_free(x);
		return r;
	}
	*ret_index = x;
	return 0;
}

struct btf_index *btf_index_free(struct btf_index *x)
{
	if (!x)
		return NULL;
	es_free(x->rd.buf);
	es_free(x->offs.v);
	es_free(x->names);
	es_free(x->slots);
	es_free(x->hits);
	es_free(x->matches);
	es_free(x);
	return NULL;
}

uint32_t btf_index_type_count(const struct btf_index *x)
{
	return (uint32_t)x->offs.n;
}

uint32_t btf_index_find(const struct btf_index *x, size_t name_idx, unsigned kind)
{
	for (size_t i = 0; i < x->n_matches; i++)
		if (x->matches[i].name == name_idx && x->matches[i].kind == kind)
			return x->matches[i].id;
	return 0;
}
