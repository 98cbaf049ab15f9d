/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SAS tokens for an IoT Hub module identity (protocol reference §3.1):
 *   sr   = URL-encode("{hub host}/devices/{device}/modules/{module}")
 *   sig  = base64(HMAC-SHA256(base64-decode(key), sr + "\n" + se))
 *   token = "SharedAccessSignature sr={sr}&sig={URL-encode(sig)}&se={se}"
 * The string that is signed uses the very same encoded sr that goes into the token.
 * The steps are separate so the workload-API path (edged signs, we never see the key) reuses
 * sas_string_to_sign and sas_token_format with a signature it got from edged.
 *
 * Secrets: struct sas_key and token buffers must be wiped by the owner (sas_key_wipe,
 * explicit_bzero); sas_redact() masks keys, signatures and tokens in any text before it is
 * logged (common/redact.h; log_emit() applies the same rules to every log line).
 */

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/redact.h"

#define SAS_KEY_MAX 128u      /* decoded key bytes (IoT Hub keys are 32 or 64) */
#define SAS_SIGNATURE_MAX 64u /* base64 of 32 bytes is 44 + NUL */
#define SAS_TOKEN_MAX 1024u
#define SAS_REDACTED REDACT_MARKER

struct sas_key {
	uint8_t bytes[SAS_KEY_MAX];
	size_t len;
};

/* Standard base64 with padding, no whitespace; -EINVAL otherwise. */
int sas_key_from_base64(const char *b64, size_t len, struct sas_key *ret);
void sas_key_wipe(struct sas_key *k);

/* Appends URL-encode("{host}/devices/{device}/modules/{module}"). */
void sas_resource_format(struct buf *b, const char *host, const char *device, const char *module);
/* Appends sr_encoded + "\n" + expiry. */
void sas_string_to_sign(struct buf *b, const char *sr_encoded, uint64_t expiry);
/* base64(HMAC-SHA256(key, data)) into out (NUL-terminated). */
int sas_sign(const struct sas_key *key, const void *data, size_t len, char *out, size_t out_size);
/* "SharedAccessSignature sr=...&sig=...&se=..." into out; -E2BIG if it does not fit. */
int sas_token_format(const char *sr_encoded, const char *sig_b64, uint64_t expiry, char *out,
		     size_t out_size);
/* All steps with a local key. */
int sas_token_make(const struct sas_key *key, const char *host, const char *device,
		   const char *module, uint64_t expiry, char *out, size_t out_size);

/*
 * Copies s into out (always NUL-terminated, truncated if needed) with every secret the rules
 * of common/redact.h know (sig=, SharedAccessKey=, passwords, tokens, ...) replaced by
 * REDACT_MARKER.  Returns the length written.
 */
size_t sas_redact(const char *s, char *out, size_t out_size);
