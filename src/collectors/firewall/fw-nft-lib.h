/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libnftables, loaded only for the duration of one firewall snapshot.
 *
 * libnftables and what it pulls in (libnftnl, libmnl, libgmp, libjansson, libxtables) cost
 * about 1.2 MiB of resident memory once touched, and the agent needs them a few seconds an
 * hour.  So the library is opened with dlopen() at the start of a snapshot and closed with
 * dlclose() at its end; between snapshots none of it is mapped.  The headers are still those
 * of libnftables-dev, so the function types are checked at build time.
 *
 * Owns: the dlopen handle and the function pointers, between fw_nft_lib_open() and
 * fw_nft_lib_close().  Not thread-safe (the collector runs on the loop thread).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nftables/libnftables.h>

/* The library file name, a soname, so no development package is needed at run time. */
#ifndef EDGESEC_LIBNFTABLES_SONAME
#define EDGESEC_LIBNFTABLES_SONAME "libnftables.so.1"
#endif

struct fw_nft_lib {
	void *handle;
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	void (*ctx_output_set_flags)(struct nft_ctx *ctx, unsigned int flags);
	int (*ctx_buffer_output)(struct nft_ctx *ctx);
	int (*ctx_buffer_error)(struct nft_ctx *ctx);
	const char *(*ctx_get_output_buffer)(struct nft_ctx *ctx);
	const char *(*ctx_get_error_buffer)(struct nft_ctx *ctx);
	int (*run_cmd_from_buffer)(struct nft_ctx *nft, const char *buf);
};

/*
 * Opens the library (soname: NULL for EDGESEC_LIBNFTABLES_SONAME; tests pass another name)
 * and looks up every function.  0, or -1 with the reason (dlerror's text, or the missing
 * symbol) in why; lib is then closed.
 */
int fw_nft_lib_open(struct fw_nft_lib *lib, const char *soname, char *why, size_t why_size);

/* Unmaps the library (no-op if not open); lib is zeroed. */
void fw_nft_lib_close(struct fw_nft_lib *lib);
