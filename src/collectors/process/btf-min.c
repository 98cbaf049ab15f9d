/* SPDX-License-Identifier: MIT */
/*
 * Minimal BTF from a streamed source (design and limits: btf-min.h).
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
#include "btf-min.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"

#define CHUNK (64u * 1024) /* window of the sequential passes */
#define WINDOW (4u * 1024) /* window of the random reads of the closure */
#define STRING_MAX 1024u   /* longest name the output copies */
#define HDR_LEN 24u	   /* struct btf_header */
#define TYPE_LEN 12u	   /* struct btf_type */

enum keep {
	KEEP_NONE,
	KEEP_FULL, /* complete, its references followed */
	KEEP_STUB, /* a pointer target: an empty struct/union of the same name and size */
};

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

static int fail(struct btf_min_error *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct btf_min_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

static uint32_t load_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void store_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static int u32s_push(struct u32s *a, uint32_t v)
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
static const unsigned char *rd_get(struct reader *r, uint64_t off, size_t n, uint64_t limit,
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
		const unsigned char *p = rd_get(&x->rd, x->strs_at + pos, 1, end, CHUNK, &r), *nul;
		size_t avail;

		if (!p)
			return fail(err, r, "cannot read the strings at %u", pos);
		avail = x->rd.len - (size_t)(x->strs_at + pos - x->rd.at);
		nul = memchr(p, '\0', avail);
		if (!nul) {
			if (p != x->rd.buf || avail < CHUNK) {
				/* the string goes on past the window: read again from its start */
				x->rd.len = 0;
				if (pos + avail >= x->str_len)
					return fail(err, -EINVAL,
						    "the strings do not end with NUL");
				continue;
			}
			/* a string longer than the window: never a wanted name; skip it */
			pos += (uint32_t)avail;
			while (pos < x->str_len) {
				p = rd_get(&x->rd, x->strs_at + pos, 1, end, CHUNK, &r);
				if (!p)
					return fail(err, r, "cannot read the strings at %u", pos);
				avail = x->rd.len - (size_t)(x->strs_at + pos - x->rd.at);
				nul = memchr(p, '\0', avail);
				if (nul)
					break;
				pos += (uint32_t)avail;
			}
			if (pos >= x->str_len)
				return fail(err, -EINVAL, "the strings do not end with NUL");
			pos += (uint32_t)(nul - p) + 1;
			continue;
		}
		r = names_check(x, (const char *)p, (size_t)(nul - p), pos);
		if (r < 0)
			return fail(err, r, "too many strings equal to wanted names");
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

	qsort(x->hits, x->n_hits, sizeof(*x->hits), hit_cmp);
	x->offs.max = BTF_MIN_TYPES_MAX - 1;
	while (pos < x->type_len) {
		const unsigned char *p =
			rd_get(&x->rd, x->types_at + pos, TYPE_LEN, end, CHUNK, &r);
		uint32_t name_off, info, id = (uint32_t)x->offs.n + 1;
		long extra;

		if (!p)
			return fail(err, r, "type %u is cut short", id);
		name_off = load_u32(p);
		info = load_u32(p + 4);
		extra = record_extra(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));
		if (extra < 0)
			return fail(err, -EINVAL, "type %u has an unknown kind %u", id,
				    BTF_INFO_KIND(info));
		if ((uint64_t)pos + TYPE_LEN + (uint64_t)extra > x->type_len)
			return fail(err, -EINVAL, "type %u runs past the type section", id);
		r = u32s_push(&x->offs, pos);
		if (r < 0)
			return fail(err, r, "more than %u types", BTF_MIN_TYPES_MAX - 1);
		if (name_off && x->n_hits) {
			r = add_matches(x, name_off, id, BTF_INFO_KIND(info));
			if (r < 0)
				return fail(err, r, "too many types with wanted names");
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
		return fail(err, -EINVAL, "shorter than a BTF header");
	r = x->src.read(x->src.ctx, 0, h, sizeof(h));
	if (r < 0)
		return fail(err, r, "cannot read the header");
	memcpy(&magic, h, sizeof(magic));
	if (magic == __builtin_bswap16(BTF_MAGIC))
		return fail(err, -EINVAL, "BTF of the other byte order");
	if (magic != BTF_MAGIC)
		return fail(err, -EINVAL, "not BTF (magic 0x%04x)", magic);
	if (h[2] != BTF_VERSION)
		return fail(err, -EINVAL, "BTF version %u", h[2]);
	hdr_len = load_u32(h + 4);
	type_off = load_u32(h + 8);
	x->type_len = load_u32(h + 12);
	str_off = load_u32(h + 16);
	x->str_len = load_u32(h + 20);
	if (hdr_len < HDR_LEN || hdr_len > x->src.size)
		return fail(err, -EINVAL, "header length %u", hdr_len);
	body = x->src.size - hdr_len;
	if (type_off > body || x->type_len > body - type_off || str_off > body ||
	    x->str_len > body - str_off || !x->str_len || type_off % 4)
		return fail(err, -EINVAL, "sections outside the data");
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
		return fail(err, -ENOMEM, "no memory");
	x->src = *src;
	x->rd.src = &x->src;
	x->rd.buf = es_malloc(CHUNK);
	r = x->rd.buf ? names_init(x, names, n_names) : -ENOMEM;
	if (r < 0) {
		fail(err, r, r == -E2BIG ? "too many names" : "no memory");
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

/* ---- the closure ---- */

struct closure {
	struct btf_index *x;
	unsigned char *keep; /* enum keep per id */
	struct u32s queue;
	struct u32s ptrs; /* kept pointers: their targets are decided at the end */
	struct u32s kept; /* ids kept, ascending */
	struct btf_min_error *err;
};

/* The 12-byte header of type id and, when extra, the bytes after it (at most `extra`). */
static const unsigned char *type_at(struct closure *c, uint32_t id, size_t extra, int *ret_err)
{
	struct btf_index *x = c->x;

	if (!id || id > x->offs.n) {
		*ret_err = -EINVAL;
		return NULL;
	}
	return rd_get(&x->rd, x->types_at + x->offs.v[id - 1], TYPE_LEN + extra,
		      x->types_at + x->type_len, WINDOW, ret_err);
}

static int mark(struct closure *c, uint32_t id)
{
	if (!id)
		return 0; /* void */
	if (id > c->x->offs.n)
		return fail(c->err, -EINVAL, "a reference to type %u of %zu", id, c->x->offs.n);
	if (c->keep[id] == KEEP_FULL)
		return 0;
	c->keep[id] = KEEP_FULL;
	return u32s_push(&c->queue, id);
}

/* Marks the types one kept type refers to (pointers: later). */
static int follow(struct closure *c, uint32_t id)
{
	uint64_t at = c->x->types_at + c->x->offs.v[id - 1];
	const unsigned char *p;
	unsigned kind, vlen;
	uint32_t ref;
	int r = 0;

	p = type_at(c, id, 0, &r);
	if (!p)
		return fail(c->err, r, "cannot read type %u", id);
	kind = BTF_INFO_KIND(load_u32(p + 4));
	vlen = BTF_INFO_VLEN(load_u32(p + 4));
	ref = load_u32(p + 8);
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
	case BTF_KIND_FLOAT:
		return 0;
	case BTF_KIND_PTR:
		return u32s_push(&c->ptrs, id);
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return mark(c, ref);
	case BTF_KIND_ARRAY:
		p = type_at(c, id, 12, &r);
		if (!p)
			return fail(c->err, r, "cannot read type %u", id);
		r = mark(c, load_u32(p + TYPE_LEN));
		return r < 0 ? r : mark(c, load_u32(p + TYPE_LEN + 4));
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FUNC_PROTO: {
		size_t size = kind == BTF_KIND_FUNC_PROTO ? 8 : 12, type_at_member = 4;

		if (kind == BTF_KIND_FUNC_PROTO && (r = mark(c, ref)) < 0)
			return r;
		for (unsigned i = 0; i < vlen; i++) {
			const unsigned char *m =
				rd_get(&c->x->rd, at + TYPE_LEN + i * size, size,
				       c->x->types_at + c->x->type_len, WINDOW, &r);

			if (!m)
				return fail(c->err, r, "cannot read member %u of type %u", i, id);
			r = mark(c, load_u32(m + type_at_member));
			if (r < 0)
				return r;
		}
		return 0;
	}
	default: /* FUNC, VAR, DATASEC, DECL_TAG are never part of a type */
		return fail(c->err, -EINVAL, "type %u of kind %u inside a type", id, kind);
	}
}

/* Pointer targets not kept anyway: an empty struct/union (stub), or void. */
static int settle_pointers(struct closure *c)
{
	for (size_t i = 0; i < c->ptrs.n; i++) {
		const unsigned char *p;
		uint32_t target;
		unsigned kind;
		int r = 0;

		p = type_at(c, c->ptrs.v[i], 0, &r);
		if (!p)
			return fail(c->err, r, "cannot read type %u", c->ptrs.v[i]);
		target = load_u32(p + 8);
		if (target > c->x->offs.n)
			return fail(c->err, -EINVAL, "pointer %u to a missing type %u",
				    c->ptrs.v[i], target);
		if (!target || c->keep[target] != KEEP_NONE)
			continue;
		p = type_at(c, target, 0, &r);
		if (!p)
			return fail(c->err, r, "pointer %u to a missing type %u", c->ptrs.v[i],
				    target);
		kind = BTF_INFO_KIND(load_u32(p + 4));
		if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_FWD)
			c->keep[target] = KEEP_STUB;
	}
	return 0;
}

static bool root_kind(unsigned kind)
{
	return kind != BTF_KIND_FUNC && kind != BTF_KIND_VAR && kind != BTF_KIND_DATASEC &&
	       kind != BTF_KIND_DECL_TAG;
}

static int closure_run(struct closure *c, size_t n_roots)
{
	struct btf_index *x = c->x;
	int r;

	c->queue.max = c->ptrs.max = c->kept.max = x->offs.n + 1;
	for (size_t i = 0; i < x->n_matches; i++)
		if (x->matches[i].name < n_roots && root_kind(x->matches[i].kind) &&
		    (r = mark(c, x->matches[i].id)) < 0)
			return r;
	for (size_t i = 0; i < c->queue.n; i++)
		if ((r = follow(c, c->queue.v[i])) < 0)
			return r;
	if ((r = settle_pointers(c)) < 0)
		return r;
	for (uint32_t id = 1; id <= x->offs.n; id++)
		if (c->keep[id] != KEEP_NONE && (r = u32s_push(&c->kept, id)) < 0)
			return r;
	return 0;
}

/* ---- output ---- */

/* New id of a kept type (its rank among the kept ones), 0 if it is not kept. */
static uint32_t new_id(const struct closure *c, uint32_t id)
{
	size_t lo = 0, hi = c->kept.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->kept.v[mid] < id)
			lo = mid + 1;
		else if (c->kept.v[mid] > id)
			hi = mid;
		else
			return (uint32_t)mid + 1;
	}
	return 0;
}

struct output {
	struct buf types;
	struct u32s name_at; /* positions in types of name offsets still to translate */
};

static int put_name(struct output *o, uint32_t name_off)
{
	if (name_off && u32s_push(&o->name_at, (uint32_t)o->types.len) < 0)
		return -E2BIG;
	buf_append(&o->types, &name_off, 4);
	return 0;
}

static void put_u32(struct output *o, uint32_t v)
{
	buf_append(&o->types, &v, 4);
}

/* A reference that must stay (it was marked): its new id. */
static int put_ref(struct closure *c, struct output *o, uint32_t id)
{
	uint32_t n = new_id(c, id);

	if (id && !n)
		return fail(c->err, -EINVAL, "a reference to type %u, which is not kept", id);
	put_u32(o, n);
	return 0;
}

/* Members (struct/union: name, type, offset), enumerators or parameters of a kept type. */
static int emit_list(struct closure *c, struct output *o, uint32_t id, unsigned kind, unsigned vlen)
{
	uint64_t at = c->x->types_at + c->x->offs.v[id - 1] + TYPE_LEN;
	size_t size = kind == BTF_KIND_ENUM || kind == BTF_KIND_FUNC_PROTO ? 8 : 12;
	int r = 0;

	for (unsigned i = 0; i < vlen; i++) {
		const unsigned char *m = rd_get(&c->x->rd, at + i * size, size,
						c->x->types_at + c->x->type_len, WINDOW, &r);

		if (!m)
			return fail(c->err, r, "cannot read member %u of type %u", i, id);
		if ((r = put_name(o, load_u32(m))) < 0)
			return r;
		if (kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64) {
			buf_append(&o->types, m + 4, size - 4); /* values as they are */
			continue;
		}
		if ((r = put_ref(c, o, load_u32(m + 4))) < 0)
			return r;
		if (size == 12)
			put_u32(o, load_u32(m + 8)); /* bit offset (and bitfield size) */
	}
	return 0;
}

static int emit_type(struct closure *c, struct output *o, uint32_t id)
{
	const unsigned char *p;
	uint32_t name_off, info, ref;
	unsigned kind, vlen;
	int r = 0;

	p = type_at(c, id, 0, &r);
	if (!p)
		return fail(c->err, r, "cannot read type %u", id);
	name_off = load_u32(p);
	info = load_u32(p + 4);
	ref = load_u32(p + 8);
	kind = BTF_INFO_KIND(info);
	vlen = BTF_INFO_VLEN(info);
	if ((r = put_name(o, name_off)) < 0)
		return r;
	if (c->keep[id] == KEEP_STUB && kind != BTF_KIND_FWD) {
		put_u32(o, (uint32_t)kind << 24); /* no members */
		put_u32(o, ref);		  /* the size */
		return 0;
	}
	put_u32(o, info);
	switch (kind) {
	case BTF_KIND_PTR:
		put_u32(o, new_id(c, ref)); /* void when the target is not kept */
		return 0;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC_PROTO:
		if ((r = put_ref(c, o, ref)) < 0)
			return r;
		return kind == BTF_KIND_FUNC_PROTO ? emit_list(c, o, id, kind, vlen) : 0;
	case BTF_KIND_ARRAY:
		put_u32(o, ref); /* unused, 0 */
		p = type_at(c, id, 12, &r);
		if (!p)
			return fail(c->err, r, "cannot read type %u", id);
		ref = load_u32(p + TYPE_LEN + 8);
		if ((r = put_ref(c, o, load_u32(p + TYPE_LEN))) < 0 ||
		    (r = put_ref(c, o, load_u32(p + TYPE_LEN + 4))) < 0)
			return r;
		put_u32(o, ref); /* nelems */
		return 0;
	case BTF_KIND_INT:
		put_u32(o, ref);
		p = type_at(c, id, 4, &r);
		if (!p)
			return fail(c->err, r, "cannot read type %u", id);
		put_u32(o, load_u32(p + TYPE_LEN));
		return 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		put_u32(o, ref); /* the size */
		return emit_list(c, o, id, kind, vlen);
	default: /* FWD, FLOAT: the header is all */
		put_u32(o, ref);
		return 0;
	}
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Copies the names the output uses into a new string section (sorted: one forward pass over
 * the source's strings) and patches their offsets in the output types.
 */
static int emit_strings(struct closure *c, struct output *o, struct buf *strs)
{
	struct btf_index *x = c->x;
	struct u32s need = { .max = o->name_at.n + 1 }, at = { .max = o->name_at.n + 1 };
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < o->name_at.n; i++)
		if ((r = u32s_push(&need,
				   load_u32((unsigned char *)o->types.data + o->name_at.v[i]))) < 0)
			goto out;
	qsort(need.v, need.n, sizeof(*need.v), u32_cmp);
	for (size_t i = 0; i < need.n; i++)
		if (!n || need.v[n - 1] != need.v[i])
			need.v[n++] = need.v[i];
	need.n = n;
	buf_putc(strs, '\0'); /* offset 0: the empty name */
	for (size_t i = 0; i < need.n; i++) {
		uint32_t off = need.v[i];
		size_t len = x->str_len - off < STRING_MAX ? x->str_len - off : STRING_MAX;
		const unsigned char *p, *nul;

		if (off >= x->str_len) {
			r = fail(c->err, -EINVAL, "a name at %u past the strings", off);
			goto out;
		}
		p = rd_get(&x->rd, x->strs_at + off, len, x->strs_at + x->str_len, CHUNK, &r);
		if (!p) {
			r = fail(c->err, r, "cannot read the name at %u", off);
			goto out;
		}
		nul = memchr(p, '\0', len);
		if (!nul) {
			r = fail(c->err, -EINVAL, "the name at %u is too long", off);
			goto out;
		}
		if ((r = u32s_push(&at, (uint32_t)strs->len)) < 0)
			goto out;
		buf_append(strs, p, (size_t)(nul - p) + 1);
	}
	for (size_t i = 0; i < o->name_at.n; i++) {
		unsigned char *q = (unsigned char *)o->types.data + o->name_at.v[i];
		uint32_t *f = bsearch(&(uint32_t){ load_u32(q) }, need.v, need.n, sizeof(*need.v),
				      u32_cmp);

		store_u32(q, at.v[f - need.v]);
	}
out:
	es_free(need.v);
	es_free(at.v);
	return r;
}

static int assemble(struct output *o, struct buf *strs, void **ret_data, size_t *ret_len,
		    struct btf_min_error *err)
{
	struct btf_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = HDR_LEN,
		.type_off = 0,
		.type_len = (uint32_t)o->types.len,
		.str_off = (uint32_t)o->types.len,
		.str_len = (uint32_t)strs->len,
	};
	size_t total = HDR_LEN + o->types.len + strs->len;
	unsigned char *d;

	if (o->types.failed || strs->failed || total > BTF_MIN_OUTPUT_MAX)
		return fail(err, -E2BIG, "the minimal BTF is over %u bytes", BTF_MIN_OUTPUT_MAX);
	d = es_malloc(total);
	if (!d)
		return fail(err, -ENOMEM, "no memory");
	memcpy(d, &h, HDR_LEN);
	memcpy(d + HDR_LEN, o->types.data, o->types.len);
	memcpy(d + HDR_LEN + o->types.len, strs->data, strs->len);
	*ret_data = d;
	*ret_len = total;
	return 0;
}

int btf_index_minimal(struct btf_index *x, size_t n_roots, void **ret_data, size_t *ret_len,
		      struct btf_min_error *err)
{
	struct closure c = { .x = x, .err = err };
	struct output o = { .name_at.max = BTF_MIN_OUTPUT_MAX / 4 };
	struct buf strs;
	int r;

	buf_init(&o.types, BTF_MIN_OUTPUT_MAX);
	buf_init(&strs, BTF_MIN_OUTPUT_MAX);
	c.keep = es_calloc((size_t)x->offs.n + 1, 1);
	if (!c.keep) {
		r = fail(err, -ENOMEM, "no memory");
		goto out;
	}
	r = closure_run(&c, n_roots < x->n_names ? n_roots : x->n_names);
	for (size_t i = 0; r >= 0 && i < c.kept.n; i++)
		r = emit_type(&c, &o, c.kept.v[i]);
	if (r >= 0 && o.types.failed)
		r = fail(err, -E2BIG, "the minimal BTF is over %u bytes", BTF_MIN_OUTPUT_MAX);
	if (r >= 0)
		r = emit_strings(&c, &o, &strs);
	if (r >= 0)
		r = assemble(&o, &strs, ret_data, ret_len, err);
	else if (r == -E2BIG && err && !err->msg[0])
		fail(err, r, "over a limit");
out:
	es_free(c.keep);
	es_free(c.queue.v);
	es_free(c.ptrs.v);
	es_free(c.kept.v);
	es_free(o.name_at.v);
	buf_done(&o.types);
	buf_done(&strs);
	return r;
}
