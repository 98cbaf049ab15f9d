/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding, no line breaks), our
 * own so that SAS tokens and workload API requests do not need libcrypto (see sha256.h).
 */
#include <stddef.h>
#include <stdint.h>

/* Characters base64_encode writes for len bytes, without the NUL. */
#define BASE64_ENCODED_LEN(len) (4 * (((len) + 2) / 3))

/* Encodes len bytes into out (BASE64_ENCODED_LEN(len) + 1 bytes: NUL-terminated); returns
 * the number of characters written. */
size_t base64_encode(const void *data, size_t len, char *out);

/*
 * Decodes exactly len characters: a multiple of 4, only the alphabet, at most two '=' and
 * only at the end, no whitespace.  Returns the number of bytes written to out, or -EINVAL
 * (malformed) / -ENOBUFS (out_size too small); out may then hold partial output.
 */
long base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size);
