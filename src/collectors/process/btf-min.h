/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A minimal BTF for the CO-RE relocations of our eBPF program, cut from the running kernel's
 * BTF without holding it in memory.  libbpf reads the whole vmlinux BTF (5.5 MB here) into
 * memory twice over (file buffer, then its own copy) to relocate a program that uses a few
 * dozen types: the agent's start-up peak.  Given as btf_custom_path, a BTF with only those
 * types gives the same relocations (libbpf then never loads vmlinux BTF, unless a program
 * needs it to attach: fentry/fexit).
 *
 * The source is read through a callback (pread on /sys/kernel/btf/vmlinux), in passes over
 * its string and type sections with one 64 KiB buffer; what is kept in memory is 4 bytes per
 * type (where each one starts) and 1 byte per type (kept or not), ~0.75 MiB for a 150,000
 * type kernel, plus the result.
 *
 * What the result holds: every type named as a root (any kind but FUNC, VAR, DATASEC and
 * DECL_TAG; all types of that name, as CO-RE considers all of them candidates), complete, with
 * the types it embeds (members, array elements, typedef and modifier chains) complete too,
 * recursively.  A pointer keeps its target only when the target is kept anyway; otherwise a
 * pointer to a struct or union points to an empty one of the same name and size, and any other
 * pointer becomes a void pointer.  Field relocations only compare the kinds of pointer members,
 * so offsets, sizes, bitfields, enum values and existence come out as with the full BTF; the
 * tests check this by loading the program both ways and comparing its instructions.  Type
 * identity relocations that follow pointers (bpf_core_type_matches) would not: the program
 * uses none.
 *
 * Pure: no I/O of its own, bounded by the sizes below; malformed input is -EINVAL with a
 * message in the caller's error struct.  Fuzzed (tests/fuzz/fuzz-btf-min.c).
 */

#include <stddef.h>
#include <stdint.h>

/* Reads exactly len bytes at off of the source into buf: 0, or a negative errno. */
typedef int (*btf_min_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

struct btf_min_source {
	btf_min_read_fn read;
	void *ctx;
	uint64_t size; /* bytes in the source */
};

#define BTF_MIN_NAME_MAX 128u	      /* longer names are never looked up */
#define BTF_MIN_NAMES_MAX 4096u	      /* names per index */
#define BTF_MIN_TYPES_MAX 0x100000u   /* type ids, as BTF's own limit */
#define BTF_MIN_OUTPUT_MAX (8u << 20) /* bytes of the minimal BTF */

struct btf_min_error {
	char msg[128];
};

struct btf_index;

/*
 * Indexes the source: its header, the offsets of the strings equal to one of `names`, where
 * each type starts, and the types that carry one of the names.  0 and *ret_index, or -EINVAL
 * (malformed or unsupported BTF: err says why), -E2BIG (over a limit above), -ENOMEM, or the
 * reader's error.
 */
int btf_index_open(const struct btf_min_source *src, const char *const *names, size_t n_names,
		   struct btf_index **ret_index, struct btf_min_error *err);
struct btf_index *btf_index_free(struct btf_index *x);
/* Types in the source (ids 1..count). */
uint32_t btf_index_type_count(const struct btf_index *x);
/* The lowest id of a type of kind BTF_KIND_<kind> named names[name_idx], or 0. */
uint32_t btf_index_find(const struct btf_index *x, size_t name_idx, unsigned kind);
/*
 * The minimal BTF (header, types, strings) for the roots names[0..n_roots), in *ret_data
 * (es_malloc'ed, the caller frees it) and *ret_len.  Errors as btf_index_open().
 */
int btf_index_minimal(struct btf_index *x, size_t n_roots, void **ret_data, size_t *ret_len,
		      struct btf_min_error *err);
