/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), our own, so that hashing a checks file or
 * signing a SAS token does not map libcrypto (~1.5 MiB of resident memory just for being
 * loaded): libcrypto is only opened with the MQTT transport, for TLS.
 * Vectors: tests/unit/test-sha256.c (NIST FIPS 180-4 examples, RFC 4231, sha256sum).
 */
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64

struct sha256_ctx {
	uint32_t h[8];
	uint8_t block[SHA256_BLOCK_LEN];
	size_t used;
	uint64_t total;
};

void sha256_init(struct sha256_ctx *s);
void sha256_update(struct sha256_ctx *s, const void *data, size_t len);
/* Writes the digest; the context is wiped. */
void sha256_final(struct sha256_ctx *s, uint8_t out[SHA256_DIGEST_LEN]);

/* One-shot digest of data. */
void sha256_digest(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);

/* HMAC-SHA256(key, data); any key length (keys longer than a block are hashed first).
 * Intermediate key material is wiped. */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 uint8_t out[SHA256_DIGEST_LEN]);
