/* SPDX-License-Identifier: MIT */
/*
 * Loading checks files: the shipped profile (found at a fixed list of places) and the custom
 * checks file named in the configuration, which must carry the configured SHA-256.  The hash
 * is verified before the content is parsed.  SHA-256 is implemented here (FIPS 180-4) so the
 * agent needs no crypto library for it; tests/unit/test-baseline-sha256.c holds the vectors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#include "baseline-int.h"
#include "common/fileio.h"
#include "common/alloc.h"

/* --- SHA-256 ---------------------------------------------------------------------------- */

struct sha256_ctx {
	uint32_t h[8];
	uint8_t block[64];
	size_t used;
	uint64_t total;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256_ctx *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
			      ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		uint32_t t2 =
			(ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_update(struct sha256_ctx *s, const uint8_t *p, size_t n)
{
	s->total += n;
	while (n > 0) {
		size_t take = 64 - s->used < n ? 64 - s->used : n;

		memcpy(s->block + s->used, p, take);
		s->used += take;
		p += take;
		n -= take;
		if (s->used == 64) {
			sha256_block(s, s->block);
			s->used = 0;
		}
	}
}

void baseline_sha256(const void *data, size_t len, uint8_t out[BASELINE_SHA256_LEN])
{
	struct sha256_ctx s = { .h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
				       0x9b05688c, 0x1f83d9ab, 0x5be0cd19 } };
	uint64_t bits;
	uint8_t pad[72] = { 0x80 };
	size_t pad_len;

	sha256_update(&s, data, len);
	bits = s.total * 8;
	pad_len = (s.used < 56 ? 56 - s.used : 120 - s.used);
	for (int i = 0; i < 8; i++)
		pad[pad_len + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(&s, pad, pad_len + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s.h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s.h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s.h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s.h[i];
	}
}

void baseline_sha256_hex(const uint8_t digest[BASELINE_SHA256_LEN],
			 char out[BASELINE_SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < BASELINE_SHA256_LEN; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[BASELINE_SHA256_HEX_LEN] = '\0';
}

/* --- loading ---------------------------------------------------------------------------- */

static bool sha256_hex_valid(const char *s)
{
	size_t n = strlen(s);

	if (n != BASELINE_SHA256_HEX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static int read_checks_file(const char *path, char **ret_data, size_t *ret_len)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (st.st_size > (off_t)BASELINE_FILE_MAX)
		r = -EFBIG;
	else
		r = read_fd_capped(fd, BASELINE_FILE_MAX, ret_data, ret_len);
	close(fd);
	return r;
}

int baseline_profile_load(const char *path, const char *sha256_hex,
			  struct baseline_profile **ret_profile, char *err, size_t err_size)
{
	struct json_error jerr;
	char *data = NULL;
	size_t len = 0;
	int r;

	if (sha256_hex && !sha256_hex_valid(sha256_hex)) {
		snprintf(err, err_size,
			 "the checks file hash must be 64 hexadecimal digits (SHA-256)");
		return -EINVAL;
	}
	r = read_checks_file(path, &data, &len);
	if (r == -EFBIG) {
		snprintf(err, err_size, "checks file '%s' is larger than %u bytes", path,
			 BASELINE_FILE_MAX);
		return r;
	}
	if (r < 0) {
		snprintf(err, err_size, "cannot read checks file '%s': %s", path, strerror(-r));
		return r;
	}
	if (sha256_hex) {
		uint8_t d[BASELINE_SHA256_LEN];
		char hex[BASELINE_SHA256_HEX_LEN + 1];

		baseline_sha256(data, len, d);
		baseline_sha256_hex(d, hex);
		if (strcasecmp(hex, sha256_hex) != 0) {
			snprintf(err, err_size,
				 "SHA-256 of checks file '%s' is %s, but the configured hash is %s",
				 path, hex, sha256_hex);
			r = -EBADMSG;
			goto out;
		}
	}
	r = baseline_profile_parse(data, len, ret_profile, &jerr);
	if (r < 0) {
		if (jerr.pointer[0])
			snprintf(err, err_size, "invalid checks file '%s': %s: %s", path,
				 jerr.pointer, jerr.message);
		else
			snprintf(err, err_size, "invalid checks file '%s': %s", path, jerr.message);
	}
out:
	es_free(data);
	return r;
}

int baseline_custom_checks_load(const char *path, const char *sha256_hex,
				struct baseline_profile **ret_profile, char *err, size_t err_size)
{
	if (!path || !path[0]) {
		snprintf(err, err_size,
			 "baselineCustomChecksEnabled is true but baselineCustomChecksFilePath is "
			 "empty");
		return -EINVAL;
	}
	if (path[0] != '/') {
		snprintf(err, err_size,
			 "baselineCustomChecksFilePath must be an absolute path, not '%s'", path);
		return -EINVAL;
	}
	if (!sha256_hex || !sha256_hex[0]) {
		snprintf(err, err_size,
			 "baselineCustomChecksEnabled is true but baselineCustomChecksFileHash is "
			 "empty (the SHA-256 of the file is required)");
		return -EINVAL;
	}
	if (!sha256_hex_valid(sha256_hex)) {
		snprintf(err, err_size,
			 "baselineCustomChecksFileHash must be 64 hexadecimal digits (SHA-256)");
		return -EINVAL;
	}
	return baseline_profile_load(path, sha256_hex, ret_profile, err, err_size);
}

static bool readable(const char *p)
{
	return access(p, R_OK) == 0;
}

const char *baseline_profile_default_path(char *buf, size_t size)
{
	static const char *const fixed[] = {
#ifdef EDGESEC_BASELINE_PROFILE_PATH
		EDGESEC_BASELINE_PROFILE_PATH,
#endif
		"/usr/share/edgesec/baseline/debian.json",
		"/usr/local/share/edgesec/baseline/debian.json",
	};
	const char *env = secure_getenv("EDGESEC_BASELINE_PROFILE");
	char exe[4096];
	ssize_t n;

	if (env && env[0]) {
		snprintf(buf, size, "%s", env);
		return buf;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (readable(fixed[i])) {
			snprintf(buf, size, "%s", fixed[i]);
			return buf;
		}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(buf, size, "%s/rules/baseline/debian.json", exe) <
				    size &&
			    readable(buf))
				return buf;
		}
	}
	return NULL;
}
