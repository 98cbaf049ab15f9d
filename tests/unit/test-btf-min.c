/* SPDX-License-Identifier: MIT */
/*
 * The minimal BTF (collectors/process/btf-min.c): on hand-made BTF, what is kept, stubbed and
 * dropped; on the running kernel's BTF, every root type comes out with the same members at the
 * same offsets as in the full BTF, and the lookups find the same ids; malformed input is
 * refused without reading out of bounds.  (That the eBPF program relocates the same way with
 * it is checked by test-process-bpf-btf.c, which loads the program.)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/process/btf-min.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"

/* ---- a source in memory ---- */

struct mem {
	const unsigned char *p;
	size_t len;
	unsigned reads;
	int fail_after; /* reads before an -EIO (0: never) */
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mem *m = ctx;

	m->reads++;
	if (m->fail_after && (int)m->reads >= m->fail_after)
		return -EIO;
	assert_true(off <= m->len && len <= m->len - off); /* never past the end */
	memcpy(buf, m->p + off, len);
	return 0;
}

/* ---- writing BTF by hand ---- */

struct tb {
	struct buf types, strs;
	uint32_t n;
};

static void tb_init(struct tb *t)
{
	buf_init(&t->types, 0);
	buf_init(&t->strs, 0);
	buf_putc(&t->strs, '\0');
	t->n = 0;
}

static uint32_t tb_str(struct tb *t, const char *s)
{
	uint32_t off = (uint32_t)t->strs.len;

	if (!s || !*s)
		return 0;
	buf_append(&t->strs, s, strlen(s) + 1);
	return off;
}

static void tb_u32(struct tb *t, uint32_t v)
{
	buf_append(&t->types, &v, 4);
}

static uint32_t tb_type(struct tb *t, const char *name, unsigned kind, unsigned vlen,
			uint32_t size_or_type)
{
	tb_u32(t, tb_str(t, name));
	tb_u32(t, (uint32_t)kind << 24 | vlen);
	tb_u32(t, size_or_type);
	return ++t->n;
}

static void tb_member(struct tb *t, const char *name, uint32_t type, uint32_t bit_off)
{
	tb_u32(t, tb_str(t, name));
	tb_u32(t, type);
	tb_u32(t, bit_off);
}

static unsigned char *tb_finish(struct tb *t, size_t *ret_len)
{
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = 24 };
	unsigned char *d;

	h.type_len = (uint32_t)t->types.len;
	h.str_off = h.type_len;
	h.str_len = (uint32_t)t->strs.len;
	*ret_len = 24 + t->types.len + t->strs.len;
	d = malloc(*ret_len);
	assert_non_null(d);
	memcpy(d, &h, 24);
	memcpy(d + 24, t->types.data, t->types.len);
	memcpy(d + 24 + t->types.len, t->strs.data, t->strs.len);
	buf_done(&t->types);
	buf_done(&t->strs);
	return d;
}

/* ---- reading BTF back (a plain whole-buffer reader, independent of btf-min.c) ---- */

struct parsed {
	const unsigned char *d;
	const unsigned char *types;
	const char *strs;
	uint32_t str_len;
	uint32_t n;
	const unsigned char **at; /* at[id] */
};

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static size_t extra_of(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12u * vlen;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8u * vlen;
	default:
		return 0;
	}
}

static void parse(struct parsed *ps, const unsigned char *d, size_t len)
{
	struct btf_header h;
	const unsigned char *p, *end;

	assert_true(len >= 24);
	memcpy(&h, d, 24);
	assert_int_equal(h.magic, BTF_MAGIC);
	assert_true((size_t)h.hdr_len + h.str_off + h.str_len <= len);
	ps->d = d;
	ps->types = d + h.hdr_len + h.type_off;
	ps->strs = (const char *)d + h.hdr_len + h.str_off;
	ps->str_len = h.str_len;
	ps->n = 0;
	ps->at = calloc(h.type_len / 12 + 2, sizeof(*ps->at));
	assert_non_null(ps->at);
	for (p = ps->types, end = ps->types + h.type_len; p < end;) {
		uint32_t info = rd32(p + 4);

		ps->at[++ps->n] = p;
		p += 12 + extra_of(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));
	}
	assert_true(p == end);
}

static const char *name_of(const struct parsed *ps, uint32_t off)
{
	assert_true(off < ps->str_len);
	return ps->strs + off;
}

static unsigned kind_of(const struct parsed *ps, uint32_t id)
{
	assert_true(id >= 1 && id <= ps->n);
	return BTF_INFO_KIND(rd32(ps->at[id] + 4));
}

static uint32_t find(const struct parsed *ps, const char *name, unsigned kind)
{
	for (uint32_t id = 1; id <= ps->n; id++)
		if (kind_of(ps, id) == kind && strcmp(name_of(ps, rd32(ps->at[id])), name) == 0)
			return id;
	return 0;
}

/* Skips typedefs and modifiers. */
static uint32_t resolve(const struct parsed *ps, uint32_t id)
{
	for (int depth = 0; id && depth < 32; depth++) {
		unsigned k = kind_of(ps, id);

		if (k != BTF_KIND_TYPEDEF && k != BTF_KIND_CONST && k != BTF_KIND_VOLATILE &&
		    k != BTF_KIND_RESTRICT && k != BTF_KIND_TYPE_TAG)
			return id;
		id = rd32(ps->at[id] + 8);
	}
	return id;
}

static void parsed_done(struct parsed *ps)
{
	free(ps->at);
}

/* ---- minimal BTF of a buffer ---- */

static int minimal_of(const unsigned char *d, size_t len, const char *const *names, size_t n,
		      size_t n_roots, void **ret, size_t *ret_len, struct btf_min_error *err)
{
	struct mem m = { .p = d, .len = len };
	struct btf_min_source src = { mem_read, &m, len };
	struct btf_index *x;
	int r;

	memset(err, 0, sizeof(*err));
	r = btf_index_open(&src, names, n, &x, err);
	if (r < 0)
		return r;
	r = btf_index_minimal(x, n_roots, ret, ret_len, err);
	btf_index_free(x);
	return r;
}

static void test_hand_made(void **state)
{
	static const char *const names[] = { "task", "list", "color", "probe_me", "tp_fn" };
	struct tb t;
	struct parsed ps;
	struct btf_min_error err;
	unsigned char *d;
	size_t len, out_len;
	void *out;
	uint32_t id_int, id_task, id_list, id_inner, id_other, id_ptr_other, id_ptr_list, id_u32,
		id_ptr_u32, id_arr, id_color, id_unused, id_fn;

	(void)state;
	tb_init(&t);
	id_int = tb_type(&t, "int", BTF_KIND_INT, 0, 4);
	tb_u32(&t, 32);
	id_u32 = tb_type(&t, "u32", BTF_KIND_TYPEDEF, 0, id_int);
	id_other = tb_type(&t, "other", BTF_KIND_STRUCT, 1, 8);
	tb_member(&t, "x", id_int, 0);
	id_inner = tb_type(&t, "inner", BTF_KIND_STRUCT, 2, 8);
	tb_member(&t, "a", id_int, 0);
	tb_member(&t, "b", id_u32, 32);
	id_list = tb_type(&t, "list", BTF_KIND_STRUCT, 1, 8);
	tb_member(&t, "next", id_list + 1, 0); /* the pointer right after */
	id_ptr_list = tb_type(&t, NULL, BTF_KIND_PTR, 0, id_list);
	id_ptr_other = tb_type(&t, NULL, BTF_KIND_PTR, 0, id_other);
	id_ptr_u32 = tb_type(&t, NULL, BTF_KIND_PTR, 0, id_u32);
	id_arr = tb_type(&t, NULL, BTF_KIND_ARRAY, 0, 0);
	tb_u32(&t, id_inner);
	tb_u32(&t, id_int);
	tb_u32(&t, 3);
	id_color = tb_type(&t, "color", BTF_KIND_ENUM, 2, 4);
	tb_u32(&t, tb_str(&t, "RED"));
	tb_u32(&t, 1);
	tb_u32(&t, tb_str(&t, "BLUE"));
	tb_u32(&t, 7);
	id_task = tb_type(&t, "task", BTF_KIND_STRUCT, 6, 72);
	tb_member(&t, "in", id_inner, 0);
	tb_member(&t, "other", id_ptr_other, 64);
	tb_member(&t, "list", id_ptr_list, 128);
	tb_member(&t, "count", id_ptr_u32, 192);
	tb_member(&t, "arr", id_arr, 256);
	tb_member(&t, "flag", id_int, 0x1000000u * 3 + 448); /* a 3-bit field */
	id_unused = tb_type(&t, "unused", BTF_KIND_STRUCT, 0, 4);
	id_fn = tb_type(&t, "task", BTF_KIND_FUNC, 0, 0); /* a function named like a root */
	tb_type(&t, "probe_me", BTF_KIND_TYPEDEF, 0, id_ptr_u32);
	(void)id_unused;
	(void)id_fn;
	(void)id_color;
	d = tb_finish(&t, &len);

	/* roots: task, list, color (the first three names) */
	assert_int_equal(minimal_of(d, len, names, 5, 3, &out, &out_len, &err), 0);
	parse(&ps, out, out_len);
	{
		uint32_t task = find(&ps, "task", BTF_KIND_STRUCT), list, inner, other, color, m;
		const unsigned char *p;

		assert_true(task);
		p = ps.at[task];
		assert_int_equal(BTF_INFO_VLEN(rd32(p + 4)), 6);
		assert_int_equal(rd32(p + 8), 72);
		/* members: names and offsets as they were */
		assert_string_equal(name_of(&ps, rd32(p + 12 + 5 * 12)), "flag");
		assert_int_equal(rd32(p + 12 + 5 * 12 + 8), 0x1000000u * 3 + 448);
		/* embedded struct: complete */
		inner = find(&ps, "inner", BTF_KIND_STRUCT);
		assert_true(inner);
		assert_int_equal(rd32(p + 12 + 4), inner);
		assert_int_equal(BTF_INFO_VLEN(rd32(ps.at[inner] + 4)), 2);
		assert_int_equal(kind_of(&ps, rd32(ps.at[inner] + 12 + 12 + 4)), BTF_KIND_TYPEDEF);
		/* pointer to a struct that is not a root: an empty one of the same name and size */
		m = rd32(p + 12 + 12 + 4);
		assert_int_equal(kind_of(&ps, m), BTF_KIND_PTR);
		other = rd32(ps.at[m] + 8);
		assert_int_equal(kind_of(&ps, other), BTF_KIND_STRUCT);
		assert_string_equal(name_of(&ps, rd32(ps.at[other])), "other");
		assert_int_equal(BTF_INFO_VLEN(rd32(ps.at[other] + 4)), 0);
		assert_int_equal(rd32(ps.at[other] + 8), 8);
		/* pointer to a root: the real one */
		m = rd32(p + 12 + 24 + 4);
		list = find(&ps, "list", BTF_KIND_STRUCT);
		assert_int_equal(rd32(ps.at[m] + 8), list);
		assert_int_equal(BTF_INFO_VLEN(rd32(ps.at[list] + 4)), 1);
		/* pointer to a typedef that nothing else keeps: void */
		m = rd32(p + 12 + 36 + 4);
		assert_int_equal(kind_of(&ps, m), BTF_KIND_PTR);
		/* (u32 is kept all the same, through inner.b) */
		assert_int_equal(rd32(ps.at[m] + 8), find(&ps, "u32", BTF_KIND_TYPEDEF));
		/* array of an embedded struct */
		m = rd32(p + 12 + 48 + 4);
		assert_int_equal(kind_of(&ps, m), BTF_KIND_ARRAY);
		assert_int_equal(rd32(ps.at[m] + 12), inner);
		assert_int_equal(rd32(ps.at[m] + 20), 3);
		/* the enum with its values */
		color = find(&ps, "color", BTF_KIND_ENUM);
		assert_true(color);
		assert_string_equal(name_of(&ps, rd32(ps.at[color] + 12 + 8)), "BLUE");
		assert_int_equal(rd32(ps.at[color] + 12 + 12), 7);
		/* dropped: what no root reaches, functions, names that are not roots */
		assert_int_equal(find(&ps, "unused", BTF_KIND_STRUCT), 0);
		assert_int_equal(find(&ps, "task", BTF_KIND_FUNC), 0);
		assert_int_equal(find(&ps, "probe_me", BTF_KIND_TYPEDEF), 0);
	}
	parsed_done(&ps);
	es_free(out);

	/* Without u32 reachable as a member, a pointer to it becomes void. */
	{
		static const char *const only_ptr[] = { "holder" };
		struct tb t2;
		unsigned char *d2;
		size_t len2;
		uint32_t i, td, ptr;

		tb_init(&t2);
		i = tb_type(&t2, "int", BTF_KIND_INT, 0, 4);
		tb_u32(&t2, 32);
		td = tb_type(&t2, "u32", BTF_KIND_TYPEDEF, 0, i);
		ptr = tb_type(&t2, NULL, BTF_KIND_PTR, 0, td);
		tb_type(&t2, "holder", BTF_KIND_STRUCT, 1, 8);
		tb_member(&t2, "p", ptr, 0);
		d2 = tb_finish(&t2, &len2);
		assert_int_equal(minimal_of(d2, len2, only_ptr, 1, 1, &out, &out_len, &err), 0);
		parse(&ps, out, out_len);
		assert_int_equal(ps.n, 2); /* the pointer and holder */
		assert_int_equal(rd32(ps.at[1] + 8), 0);
		parsed_done(&ps);
		es_free(out);
		free(d2);
	}

	/* Lookups by kind and name. */
	{
		struct mem m = { .p = d, .len = len };
		struct btf_min_source src = { mem_read, &m, len };
		struct btf_index *x;

		assert_int_equal(btf_index_open(&src, names, 5, &x, &err), 0);
		assert_int_equal(btf_index_type_count(x), id_fn + 1);
		assert_int_equal(btf_index_find(x, 0, BTF_KIND_STRUCT), id_task);
		assert_int_equal(btf_index_find(x, 0, BTF_KIND_FUNC), id_fn);
		assert_int_equal(btf_index_find(x, 3, BTF_KIND_TYPEDEF), id_fn + 1);
		assert_int_equal(btf_index_find(x, 4, BTF_KIND_FUNC), 0);
		btf_index_free(x);
	}
	free(d);
}

static void test_malformed(void **state)
{
	static const char *const names[] = { "s" };
	struct btf_min_error err;
	struct tb t;
	unsigned char *d, *bad;
	size_t len, out_len;
	void *out = NULL;
	uint32_t i;

	(void)state;
	tb_init(&t);
	i = tb_type(&t, "int", BTF_KIND_INT, 0, 4);
	tb_u32(&t, 32);
	tb_type(&t, "s", BTF_KIND_STRUCT, 1, 4);
	tb_member(&t, "a", i, 0);
	d = tb_finish(&t, &len);
	assert_int_equal(minimal_of(d, len, names, 1, 1, &out, &out_len, &err), 0);
	es_free(out);

	bad = malloc(len);
	assert_non_null(bad);
	/* every truncation */
	for (size_t l = 0; l < len; l++)
		assert_true(minimal_of(d, l, names, 1, 1, &out, &out_len, &err) < 0);
	/* bad magic, other byte order, version */
	memcpy(bad, d, len);
	bad[0] ^= 0xff;
	assert_int_equal(minimal_of(bad, len, names, 1, 1, &out, &out_len, &err), -EINVAL);
	memcpy(bad, d, len);
	bad[0] = d[1];
	bad[1] = d[0];
	assert_int_equal(minimal_of(bad, len, names, 1, 1, &out, &out_len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "byte order"));
	memcpy(bad, d, len);
	bad[2] = 2;
	assert_int_equal(minimal_of(bad, len, names, 1, 1, &out, &out_len, &err), -EINVAL);
	/* an unknown kind */
	memcpy(bad, d, len);
	bad[24 + 4 + 3] = 31;
	assert_int_equal(minimal_of(bad, len, names, 1, 1, &out, &out_len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown kind"));
	/* a member that refers to a type that does not exist */
	memcpy(bad, d, len);
	bad[24 + 16 + 12 + 4] = 9;
	assert_int_equal(minimal_of(bad, len, names, 1, 1, &out, &out_len, &err), -EINVAL);
	/* a name past the strings */
	memcpy(bad, d, len);
	bad[24 + 16 + 12] = 0x7f;
	assert_int_equal(minimal_of(bad, len, names, 1, 1, &out, &out_len, &err), -EINVAL);
	/* strings that do not end with NUL */
	memcpy(bad, d, len);
	bad[len - 1] = 'x';
	assert_int_equal(minimal_of(bad, len, names, 1, 1, &out, &out_len, &err), -EINVAL);
	/* the reader's error comes back */
	{
		struct mem m = { .p = d, .len = len, .fail_after = 2 };
		struct btf_min_source src = { mem_read, &m, len };
		struct btf_index *x;

		assert_int_equal(btf_index_open(&src, names, 1, &x, &err), -EIO);
	}
	free(bad);
	free(d);
}

/* Strings longer than the reader's window, and names across its edges. */
static void test_long_strings(void **state)
{
	static const char *const names[] = { "after", "edge" };
	struct btf_min_error err;
	struct tb t;
	struct parsed ps;
	unsigned char *d;
	size_t len, out_len;
	void *out;
	char *big = malloc(200001);
	uint32_t i;

	(void)state;
	assert_non_null(big);
	tb_init(&t);
	memset(big, 'x', 200000);
	big[200000] = '\0';
	tb_str(&t, big); /* 3 windows long */
	big[65536 - 3 - 2] = '\0';
	tb_str(&t, big); /* ends just before the next window: "edge" straddles it */
	i = tb_type(&t, "int", BTF_KIND_INT, 0, 4);
	tb_u32(&t, 32);
	tb_type(&t, "edge", BTF_KIND_STRUCT, 1, 4);
	tb_member(&t, "m", i, 0);
	tb_type(&t, "after", BTF_KIND_STRUCT, 1, 4);
	tb_member(&t, big, i, 0); /* a member name too long to copy */
	d = tb_finish(&t, &len);
	assert_int_equal(minimal_of(d, len, names, 2, 1, &out, &out_len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	assert_int_equal(minimal_of(d, len, names + 1, 1, 1, &out, &out_len, &err), 0);
	parse(&ps, out, out_len);
	assert_true(find(&ps, "edge", BTF_KIND_STRUCT));
	assert_string_equal(name_of(&ps, rd32(ps.at[find(&ps, "edge", BTF_KIND_STRUCT)] + 12)),
			    "m");
	parsed_done(&ps);
	es_free(out);
	free(d);
	free(big);
}

/* ---- the running kernel ---- */

static int fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Same members (names, bit offsets, kinds of their types) and size in both. */
static void compare_struct(const struct parsed *full, uint32_t a, const struct parsed *min,
			   uint32_t b, int depth)
{
	const unsigned char *pa = full->at[a], *pb = min->at[b];
	unsigned vlen = BTF_INFO_VLEN(rd32(pa + 4));

	assert_int_equal(rd32(pa + 4), rd32(pb + 4));
	assert_int_equal(rd32(pa + 8), rd32(pb + 8));
	for (unsigned i = 0; i < vlen; i++) {
		const unsigned char *ma = pa + 12 + 12 * i, *mb = pb + 12 + 12 * i;
		uint32_t ta = resolve(full, rd32(ma + 4)), tb = resolve(min, rd32(mb + 4));

		assert_string_equal(name_of(full, rd32(ma)), name_of(min, rd32(mb)));
		assert_int_equal(rd32(ma + 8), rd32(mb + 8));
		assert_int_equal(!ta, !tb);
		if (!ta)
			continue;
		assert_int_equal(kind_of(full, ta), kind_of(min, tb));
		if (depth < 4 &&
		    (kind_of(full, ta) == BTF_KIND_STRUCT || kind_of(full, ta) == BTF_KIND_UNION))
			compare_struct(full, ta, min, tb, depth + 1);
	}
}

static void test_running_kernel(void **state)
{
	static const char *const names[] = {
		"task_struct",
		"mm_struct",
		"sock",
		"sock_common",
		"fs_struct",
		"path",
		"dentry",
		"qstr",
		"mount",
		"vfsmount",
		"linux_binprm",
		"signal_struct",
		"files_struct",
		"fdtable",
		"file",
		"inode",
		"socket",
		"msghdr",
		"sockaddr_in6",
		"trace_event_raw_sched_process_exec",
		"trace_event_raw_inet_sock_set_state",
		/* lookups only */
		"btf_trace_sched_process_exec",
		"udp_sendmsg",
	};
	const size_t n_roots = 21;
	struct btf_min_error err;
	struct btf_min_source src;
	struct parsed full, min;
	struct btf_index *x;
	struct stat st;
	struct timespec t0, t1;
	unsigned char *all;
	size_t before, index_bytes, out_len;
	void *out;
	int fd;

	(void)state;
	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		print_message("no /sys/kernel/btf/vmlinux: skipped\n");
		skip();
	}
	assert_int_equal(fstat(fd, &st), 0);
	src = (struct btf_min_source){ fd_read, &fd, (uint64_t)st.st_size };
	before = es_alloc_in_use();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(btf_index_open(&src, names, ARRAY_SIZE(names), &x, &err), 0);
	index_bytes = es_alloc_in_use() - before;
	assert_int_equal(btf_index_minimal(x, n_roots, &out, &out_len, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("vmlinux BTF %lld bytes, %u types; index %zu bytes; minimal BTF %zu bytes; "
		      "%.1f ms\n",
		      (long long)st.st_size, btf_index_type_count(x), index_bytes, out_len,
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	assert_true(index_bytes < (size_t)st.st_size / 4);
	assert_true(out_len < (size_t)st.st_size / 4);

	all = malloc((size_t)st.st_size);
	assert_non_null(all);
	assert_int_equal(fd_read(&fd, 0, all, (size_t)st.st_size), 0);
	parse(&full, all, (size_t)st.st_size);
	parse(&min, out, out_len);
	assert_int_equal(full.n, btf_index_type_count(x));
	for (size_t i = 0; i < n_roots; i++) {
		uint32_t a = find(&full, names[i], BTF_KIND_STRUCT), b;

		if (!a)
			continue; /* not in this kernel */
		b = find(&min, names[i], BTF_KIND_STRUCT);
		assert_true(b);
		compare_struct(&full, a, &min, b, 0);
	}
	/* lookups: the ids of the full BTF */
	assert_int_equal(btf_index_find(x, 21, BTF_KIND_TYPEDEF),
			 find(&full, "btf_trace_sched_process_exec", BTF_KIND_TYPEDEF));
	assert_int_equal(btf_index_find(x, 22, BTF_KIND_FUNC),
			 find(&full, "udp_sendmsg", BTF_KIND_FUNC));
	assert_int_equal(btf_index_find(x, 0, BTF_KIND_STRUCT),
			 find(&full, "task_struct", BTF_KIND_STRUCT));
	parsed_done(&full);
	parsed_done(&min);
	free(all);
	es_free(out);
	btf_index_free(x);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_running_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
