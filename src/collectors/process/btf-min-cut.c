/* SPDX-License-Identifier: MIT */
/*
 * The minimal BTF of an index (btf-min.c): the closure of the roots, then the kept types in id
 * order with new ids and the names they use (design: btf-min.h and the top of btf-min.c).
 */
#include "btf-min-int.h"

#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/buf.h"

enum keep {
	KEEP_NONE,
	KEEP_FULL, /* complete, its references followed */
	KEEP_STUB, /* a pointer target: an empty struct/union of the same name and size */
};

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
	return btf_min_read(&x->rd, x->types_at + x->offs.v[id - 1], TYPE_LEN + extra,
			    x->types_at + x->type_len, WINDOW, ret_err);
}

static int mark(struct closure *c, uint32_t id)
{
	if (!id)
		return 0; /* void */
	if (id > c->x->offs.n)
		return btf_min_fail(c->err, -EINVAL, "a reference to type %u of %zu", id,
				    c->x->offs.n);
	if (c->keep[id] == KEEP_FULL)
		return 0;
	c->keep[id] = KEEP_FULL;
	return btf_min_u32s_push(&c->queue, id);
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
		return btf_min_fail(c->err, r, "cannot read type %u", id);
	kind = BTF_INFO_KIND(btf_min_load_u32(p + 4));
	vlen = BTF_INFO_VLEN(btf_min_load_u32(p + 4));
	ref = btf_min_load_u32(p + 8);
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
	case BTF_KIND_FLOAT:
		return 0;
	case BTF_KIND_PTR:
		return btf_min_u32s_push(&c->ptrs, id);
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return mark(c, ref);
	case BTF_KIND_ARRAY:
		p = type_at(c, id, 12, &r);
		if (!p)
			return btf_min_fail(c->err, r, "cannot read type %u", id);
		r = mark(c, btf_min_load_u32(p + TYPE_LEN));
		return r < 0 ? r : mark(c, btf_min_load_u32(p + TYPE_LEN + 4));
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FUNC_PROTO: {
		size_t size = kind == BTF_KIND_FUNC_PROTO ? 8 : 12, type_at_member = 4;

		if (kind == BTF_KIND_FUNC_PROTO && (r = mark(c, ref)) < 0)
			return r;
		for (unsigned i = 0; i < vlen; i++) {
			const unsigned char *m =
				btf_min_read(&c->x->rd, at + TYPE_LEN + i * size, size,
					     c->x->types_at + c->x->type_len, WINDOW, &r);

			if (!m)
				return btf_min_fail(c->err, r, "cannot read member %u of type %u",
						    i, id);
			r = mark(c, btf_min_load_u32(m + type_at_member));
			if (r < 0)
				return r;
		}
		return 0;
	}
	default: /* FUNC, VAR, DATASEC, DECL_TAG are never part of a type */
		return btf_min_fail(c->err, -EINVAL, "type %u of kind %u inside a type", id, kind);
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
			return btf_min_fail(c->err, r, "cannot read type %u", c->ptrs.v[i]);
		target = btf_min_load_u32(p + 8);
		if (target > c->x->offs.n)
			return btf_min_fail(c->err, -EINVAL, "pointer %u to a missing type %u",
					    c->ptrs.v[i], target);
		if (!target || c->keep[target] != KEEP_NONE)
			continue;
		p = type_at(c, target, 0, &r);
		if (!p)
			return btf_min_fail(c->err, r, "pointer %u to a missing type %u",
					    c->ptrs.v[i], target);
		kind = BTF_INFO_KIND(btf_min_load_u32(p + 4));
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
		if (c->keep[id] != KEEP_NONE && (r = btf_min_u32s_push(&c->kept, id)) < 0)
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
	if (name_off && btf_min_u32s_push(&o->name_at, (uint32_t)o->types.len) < 0)
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
		return btf_min_fail(c->err, -EINVAL, "a reference to type %u, which is not kept",
				    id);
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
		const unsigned char *m = btf_min_read(&c->x->rd, at + i * size, size,
						      c->x->types_at + c->x->type_len, WINDOW, &r);

		if (!m)
			return btf_min_fail(c->err, r, "cannot read member %u of type %u", i, id);
		if ((r = put_name(o, btf_min_load_u32(m))) < 0)
			return r;
		if (kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64) {
			buf_append(&o->types, m + 4, size - 4); /* values as they are */
			continue;
		}
		if ((r = put_ref(c, o, btf_min_load_u32(m + 4))) < 0)
			return r;
		if (size == 12)
			put_u32(o, btf_min_load_u32(m + 8)); /* bit offset (and bitfield size) */
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
		return btf_min_fail(c->err, r, "cannot read type %u", id);
	name_off = btf_min_load_u32(p);
	info = btf_min_load_u32(p + 4);
	ref = btf_min_load_u32(p + 8);
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
			return btf_min_fail(c->err, r, "cannot read type %u", id);
		ref = btf_min_load_u32(p + TYPE_LEN + 8);
		if ((r = put_ref(c, o, btf_min_load_u32(p + TYPE_LEN))) < 0 ||
		    (r = put_ref(c, o, btf_min_load_u32(p + TYPE_LEN + 4))) < 0)
			return r;
		put_u32(o, ref); /* nelems */
		return 0;
	case BTF_KIND_INT:
		put_u32(o, ref);
		p = type_at(c, id, 4, &r);
		if (!p)
			return btf_min_fail(c->err, r, "cannot read type %u", id);
		put_u32(o, btf_min_load_u32(p + TYPE_LEN));
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
		if ((r = btf_min_u32s_push(&need, btf_min_load_u32((unsigned char *)o->types.data +
								   o->name_at.v[i]))) < 0)
			goto out;
	if (need.n)
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
			r = btf_min_fail(c->err, -EINVAL, "a name at %u past the strings", off);
			goto out;
		}
		p = btf_min_read(&x->rd, x->strs_at + off, len, x->strs_at + x->str_len, CHUNK, &r);
		if (!p) {
			r = btf_min_fail(c->err, r, "cannot read the name at %u", off);
			goto out;
		}
		nul = memchr(p, '\0', len);
		if (!nul) {
			r = btf_min_fail(c->err, -EINVAL, "the name at %u is too long", off);
			goto out;
		}
		if ((r = btf_min_u32s_push(&at, (uint32_t)strs->len)) < 0)
			goto out;
		buf_append(strs, p, (size_t)(nul - p) + 1);
	}
	for (size_t i = 0; i < o->name_at.n; i++) {
		unsigned char *q = (unsigned char *)o->types.data + o->name_at.v[i];
		uint32_t *f = bsearch(&(uint32_t){ btf_min_load_u32(q) }, need.v, need.n,
				      sizeof(*need.v), u32_cmp);

		btf_min_store_u32(q, at.v[f - need.v]);
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
		return btf_min_fail(err, -E2BIG, "the minimal BTF is over %u bytes",
				    BTF_MIN_OUTPUT_MAX);
	d = es_malloc(total);
	if (!d)
		return btf_min_fail(err, -ENOMEM, "no memory");
	memcpy(d, &h, HDR_LEN);
	if (o->types.len)
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
		r = btf_min_fail(err, -ENOMEM, "no memory");
		goto out;
	}
	r = closure_run(&c, n_roots < x->n_names ? n_roots : x->n_names);
	for (size_t i = 0; r >= 0 && i < c.kept.n; i++)
		r = emit_type(&c, &o, c.kept.v[i]);
	if (r >= 0 && o.types.failed)
		r = btf_min_fail(err, -E2BIG, "the minimal BTF is over %u bytes",
				 BTF_MIN_OUTPUT_MAX);
	if (r >= 0)
		r = emit_strings(&c, &o, &strs);
	if (r >= 0)
		r = assemble(&o, &strs, ret_data, ret_len, err);
	else if (r == -E2BIG && err && !err->msg[0])
		btf_min_fail(err, r, "over a limit");
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
