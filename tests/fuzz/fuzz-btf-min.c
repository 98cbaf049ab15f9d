/* SPDX-License-Identifier: MIT */
/*
 * Minimal BTF: the input is a BTF blob (the kernel's /sys/kernel/btf/vmlinux in production).
 * Whatever it holds, the index and the cut never read outside it; a minimal BTF that comes out
 * is itself well-formed BTF holding no more types than the input, and indexing it again finds
 * every root the input had.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "collectors/process/btf-min.h"
#include "common/alloc.h"
#include "common/array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t len;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct mem *m = ctx;

	if (off > m->len || len > m->len - off)
		__builtin_trap(); /* the index never reads past the size it was given */
	memcpy(buf, m->p + off, len);
	return 0;
}

static const char *const names[] = { "s", "t", "u", "int", "task_struct", "e", "a", "x" };
#define N_NAMES ARRAY_SIZE(names)
#define N_ROOTS 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { data, size };
	struct btf_min_source src = { mem_read, &m, size };
	struct btf_min_error err;
	struct btf_index *x = NULL, *y = NULL;
	uint32_t found[N_ROOTS];
	size_t out_len = 0;
	void *out = NULL;

	if (btf_index_open(&src, names, N_NAMES, &x, &err) < 0)
		return 0;
	for (size_t i = 0; i < N_ROOTS; i++)
		found[i] = btf_index_find(x, i, 4 /* BTF_KIND_STRUCT */);
	if (btf_index_minimal(x, N_ROOTS, &out, &out_len, &err) == 0) {
		struct mem o = { out, out_len };
		struct btf_min_source osrc = { mem_read, &o, out_len };

		if (btf_index_open(&osrc, names, N_NAMES, &y, &err) < 0)
			__builtin_trap();
		if (btf_index_type_count(y) > btf_index_type_count(x))
			__builtin_trap();
		for (size_t i = 0; i < N_ROOTS; i++)
			if (found[i] && !btf_index_find(y, i, 4))
				__builtin_trap();
		btf_index_free(y);
		es_free(out);
	}
	btf_index_free(x);
	return 0;
}
