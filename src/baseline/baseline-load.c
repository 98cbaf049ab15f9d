/* SPDX-License-Identifier: MIT */
/*
 * Loading checks files: the shipped profile (found at a fixed list of places) and the custom
 * checks file named in the configuration, which must carry the configured SHA-256.  The hash
 * is verified before the content is parsed.  SHA-256 is our own (src/common/sha256.c) so the
 * agent needs no crypto library for it.
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
#include "common/array.h"
#include "common/fileio.h"
#include "common/alloc.h"
#include "common/sha256.h"
#include "common/str.h"

/* --- SHA-256 (src/common/sha256.c) ------------------------------------------------------ */

void baseline_sha256(const void *data, size_t len, uint8_t out[BASELINE_SHA256_LEN])
{
	sha256_digest(data, len, out);
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
		str_copy(buf, size, env);
		return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (readable(fixed[i])) {
			str_copy(buf, size, fixed[i]);
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
			/* Installed under any PREFIX: PREFIX/bin/edgesec, PREFIX/share/edgesec. */
			if ((size_t)snprintf(buf, size, "%s/../share/edgesec/baseline/debian.json",
					     exe) < size &&
			    readable(buf))
				return buf;
		}
	}
	return NULL;
}
