/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The kernel BTF of the eBPF backend (process-bpf-btf.c): a minimal BTF for CO-RE and the ids
 * of a few names, read from /sys/kernel/btf/vmlinux without holding it in memory.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;

struct process_bpf_btf_lookup {
	const char *name;
	unsigned kind;	 /* BTF_KIND_TYPEDEF, BTF_KIND_FUNC, ... */
	uint32_t ret_id; /* the kernel's id of that type, 0 if it has none */
};

struct process_bpf_btf {
	bool found;	 /* the lookups were answered */
	int memfd;	 /* the minimal BTF, or -1 */
	char path[32];	 /* its path for btf_custom_path, "" if there is none */
	size_t bytes;	 /* its size */
	char error[160]; /* why there is no minimal BTF, or why lookups failed */
};

/*
 * Indexes the running kernel's BTF for the type names of `local` (the program's BTF; NULL:
 * lookups only) and the lookups, answers the lookups and writes the minimal BTF.  0, or
 * negative errno with c->error set; c->found says whether the lookups were answered even then.
 */
int process_bpf_btf_prepare(struct process_bpf_btf *c, const struct btf *local,
			    struct process_bpf_btf_lookup *lookups, size_t n_lookups);
/* Closes the memfd (once libbpf has loaded the program). */
void process_bpf_btf_done(struct process_bpf_btf *c);
