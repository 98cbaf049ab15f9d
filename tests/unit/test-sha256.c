/* SPDX-License-Identifier: MIT */
/*
 * Our SHA-256, HMAC-SHA256 and base64 (src/common/sha256.c, base64.c) against published
 * vectors: the FIPS 180-4 examples (one block, two blocks, a million 'a'), RFC 4231 test
 * cases 1-4, 6 and 7 (key shorter than, equal to a hash of, and longer than a block), the
 * RFC 4648 base64 examples and malformed input; and against sha256sum over real files, fed
 * in pieces of awkward sizes so that every block boundary case is crossed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/array.h"
#include "common/base64.h"
#include "common/sha256.h"

static void to_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[2 * SHA256_DIGEST_LEN + 1])
{
	for (int i = 0; i < SHA256_DIGEST_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void assert_sha256(const void *data, size_t len, const char *hex)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char got[2 * SHA256_DIGEST_LEN + 1];

	sha256_digest(data, len, d);
	to_hex(d, got);
	assert_string_equal(got, hex);
}

static void test_fips_vectors(void **state)
{
	char *million = malloc(1000000);

	(void)state;
	assert_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(million);
	memset(million, 'a', 1000000);
	assert_sha256(million, 1000000,
		      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void assert_hmac(const void *key, size_t key_len, const void *data, size_t len,
			const char *hex)
{
	uint8_t d[SHA256_DIGEST_LEN];
	char got[2 * SHA256_DIGEST_LEN + 1];

	hmac_sha256(key, key_len, data, len, d);
	to_hex(d, got);
	assert_string_equal(got, hex);
}

static void test_rfc4231_vectors(void **state)
{
	uint8_t k[131], data[50];
	const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	const char *t7 = "This is a test using a larger than block-size key and a larger than "
			 "block-size data. The key needs to be hashed before being used by the "
			 "HMAC algorithm.";

	(void)state;
	memset(k, 0x0b, 20);
	assert_hmac(k, 20, "Hi There", 8,
		    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	assert_hmac("Jefe", 4, "what do ya want for nothing?", 28,
		    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k, 0xaa, 20);
	memset(data, 0xdd, 50);
	assert_hmac(k, 20, data, 50,
		    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)
		k[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	assert_hmac(k, 25, data, 50,
		    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	memset(k, 0xaa, 131);
	assert_hmac(k, 131, t6, strlen(t6),
		    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	assert_hmac(k, 131, t7, strlen(t7),
		    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* Our digest of path, fed in pieces of `piece` bytes, equals sha256sum's. */
static void check_file(const char *path, size_t piece)
{
	char cmd[512], want[2 * SHA256_DIGEST_LEN + 1] = "", got[2 * SHA256_DIGEST_LEN + 1];
	uint8_t d[SHA256_DIGEST_LEN];
	struct sha256_ctx s;
	uint8_t buf[4096];
	size_t n;
	FILE *p, *f;

	/* Test code only: fixed paths, no input from outside. */
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", want), 1);
	assert_int_equal(pclose(p), 0);

	f = fopen(path, "rb");
	assert_non_null(f);
	sha256_init(&s);
	while ((n = fread(buf, 1, piece < sizeof(buf) ? piece : sizeof(buf), f)) > 0)
		sha256_update(&s, buf, n);
	fclose(f);
	sha256_final(&s, d);
	to_hex(d, got);
	assert_string_equal(got, want);
}

static void test_against_sha256sum(void **state)
{
	static const size_t pieces[] = { 1, 55, 56, 63, 64, 65, 4096 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++) {
		check_file(TEST_SOURCE_DIR "/rules/baseline/debian.json", pieces[i]);
		check_file("/etc/passwd", pieces[i]);
	}
	check_file("/usr/bin/sha256sum", 4096);
}

static void assert_round_trip(const char *plain, const char *b64)
{
	char enc[64];
	uint8_t dec[64];
	long n;

	assert_int_equal(base64_encode(plain, strlen(plain), enc), strlen(b64));
	assert_string_equal(enc, b64);
	assert_int_equal(BASE64_ENCODED_LEN(strlen(plain)), strlen(b64));
	n = base64_decode(b64, strlen(b64), dec, sizeof(dec));
	assert_int_equal(n, (long)strlen(plain));
	assert_memory_equal(dec, plain, strlen(plain));
}

static void test_base64(void **state)
{
	static const char *bad[] = { "Zg=",  "Z===",	 "Zg=a",      "Zm9v\n", "Zm9*",
				     "=Zm9", "Zg==Zg==", "Zm9v Zm9v", "Zg" };
	uint8_t out[16];

	(void)state;
	assert_round_trip("", "");
	assert_round_trip("f", "Zg==");
	assert_round_trip("fo", "Zm8=");
	assert_round_trip("foo", "Zm9v");
	assert_round_trip("foob", "Zm9vYg==");
	assert_round_trip("fooba", "Zm9vYmE=");
	assert_round_trip("foobar", "Zm9vYmFy");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -EINVAL);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 5), -ENOBUFS);
	assert_int_equal(base64_decode("Zm9vYmE=", 8, out, 5), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_rfc4231_vectors),
		cmocka_unit_test(test_against_sha256sum),
		cmocka_unit_test(test_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
