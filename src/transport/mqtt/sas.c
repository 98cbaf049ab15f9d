/* SPDX-License-Identifier: MIT */
/*
 * SAS token construction (HMAC-SHA256 and base64 from src/common, not libcrypto, so the
 * agent maps no crypto library unless it speaks TLS) and the redaction helper.  See sas.h.
 * Intermediate buffers that held secret material are wiped before they are released.
 */
#include "sas.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "common/redact.h"
#include "common/sha256.h"
#include "iothub/topic.h"

int sas_key_from_base64(const char *b64, size_t len, struct sas_key *ret)
{
	uint8_t tmp[SAS_KEY_MAX];
	long n;

	if (len == 0)
		return -EINVAL;
	n = base64_decode(b64, len, tmp, sizeof(tmp));
	if (n <= 0) {
		explicit_bzero(tmp, sizeof(tmp));
		return -EINVAL;
	}
	ret->len = (size_t)n;
	memcpy(ret->bytes, tmp, ret->len);
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
}

void sas_key_wipe(struct sas_key *k)
{
	if (k)
		explicit_bzero(k, sizeof(*k));
}

void sas_resource_format(struct buf *b, const char *host, const char *device, const char *module)
{
	iothub_url_encode(b, host, strlen(host));
	iothub_url_encode(b, "/devices/", 9);
	iothub_url_encode(b, device, strlen(device));
	iothub_url_encode(b, "/modules/", 9);
	iothub_url_encode(b, module, strlen(module));
}

void sas_string_to_sign(struct buf *b, const char *sr_encoded, uint64_t expiry)
{
	buf_puts(b, sr_encoded);
	buf_putc(b, '\n');
	buf_put_u64(b, expiry);
}

int sas_sign(const struct sas_key *key, const void *data, size_t len, char *out, size_t out_size)
{
	uint8_t mac[SHA256_DIGEST_LEN];

	if (!key->len || out_size < SAS_SIGNATURE_MAX)
		return -EINVAL;
	hmac_sha256(key->bytes, key->len, data, len, mac);
	base64_encode(mac, sizeof(mac), out); /* 44 chars + NUL */
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

int sas_token_format(const char *sr_encoded, const char *sig_b64, uint64_t expiry, char *out,
		     size_t out_size)
{
	struct buf b;
	int r = 0;

	buf_init(&b, out_size);
	buf_puts(&b, "SharedAccessSignature sr=");
	buf_puts(&b, sr_encoded);
	buf_puts(&b, "&sig=");
	iothub_url_encode(&b, sig_b64, strlen(sig_b64));
	buf_puts(&b, "&se=");
	buf_put_u64(&b, expiry);
	if (b.failed || b.len >= out_size)
		r = -E2BIG;
	else
		memcpy(out, b.data, b.len + 1);
	if (b.data)
		explicit_bzero(b.data, b.cap);
	buf_done(&b);
	return r;
}

int sas_token_make(const struct sas_key *key, const char *host, const char *device,
		   const char *module, uint64_t expiry, char *out, size_t out_size)
{
	char sig[SAS_SIGNATURE_MAX];
	struct buf sr, sts;
	int r;

	buf_init(&sr, 2048);
	buf_init(&sts, 2048);
	sas_resource_format(&sr, host, device, module);
	sas_string_to_sign(&sts, sr.data ? sr.data : "", expiry);
	if (sr.failed || sts.failed) {
		r = -ENOMEM;
		goto out;
	}
	r = sas_sign(key, sts.data, sts.len, sig, sizeof(sig));
	if (r == 0)
		r = sas_token_format(sr.data, sig, expiry, out, out_size);
	explicit_bzero(sig, sizeof(sig));
out:
	buf_done(&sr);
	buf_done(&sts);
	return r;
}

/* ---- redaction ---- */

size_t sas_redact(const char *s, char *out, size_t out_size)
{
	return redact_text(s, strlen(s), out, out_size);
}
