/* SPDX-License-Identifier: MIT */
/*
 * SAS tokens against vectors computed independently with Python's hmac/base64/urllib:
 *
 *   key = base64(bytes(range(32)))
 *   sr  = urllib.parse.quote("contoso.azure-devices.net/devices/edge01/modules/secagent",
 *                            safe="-_.~")
 *   sig = base64(hmac.new(b64decode(key), (sr + "\n" + "1767225600").encode(), sha256))
 *
 * and the redaction helper.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "transport/mqtt/sas.h"

#define KEY1 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define SR1 "contoso.azure-devices.net%2Fdevices%2Fedge01%2Fmodules%2Fsecagent"
#define SIG1 "IgKaRrXVVYoE95C7hzQAQnoskLNDWhXg6da1iAcIDfg="
#define TOKEN1                                                                                     \
	"SharedAccessSignature sr=" SR1 "&sig=IgKaRrXVVYoE95C7hzQAQnoskLNDWhXg6da1iAcIDfg%3D"      \
	"&se=1767225600"

static void test_key_decode(void **state)
{
	struct sas_key k;

	(void)state;
	assert_int_equal(sas_key_from_base64(KEY1, strlen(KEY1), &k), 0);
	assert_int_equal(k.len, 32);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(k.bytes[i], i);
	assert_int_equal(sas_key_from_base64("c2VjcmV0", 8, &k), 0);
	assert_int_equal(k.len, 6);
	assert_memory_equal(k.bytes, "secret", 6);
	assert_int_equal(sas_key_from_base64("c2VjcmV0LQ==", 12, &k), 0);
	assert_int_equal(k.len, 7);
	assert_int_equal(sas_key_from_base64("", 0, &k), -EINVAL);
	assert_int_equal(sas_key_from_base64("abc", 3, &k), -EINVAL);
	assert_int_equal(sas_key_from_base64("ab=c", 4, &k), -EINVAL);
	assert_int_equal(sas_key_from_base64("a b=", 4, &k), -EINVAL);
	assert_int_equal(sas_key_from_base64("====", 4, &k), -EINVAL);
	sas_key_wipe(&k);
	assert_int_equal(k.len, 0);
}

static void test_steps(void **state)
{
	struct sas_key k;
	struct buf sr, sts;
	char sig[SAS_SIGNATURE_MAX];

	(void)state;
	assert_int_equal(sas_key_from_base64(KEY1, strlen(KEY1), &k), 0);
	buf_init(&sr, 4096);
	buf_init(&sts, 4096);
	sas_resource_format(&sr, "contoso.azure-devices.net", "edge01", "secagent");
	assert_string_equal(sr.data, SR1);
	sas_string_to_sign(&sts, sr.data, 1767225600);
	assert_string_equal(sts.data, SR1 "\n1767225600");
	assert_int_equal(sas_sign(&k, sts.data, sts.len, sig, sizeof(sig)), 0);
	assert_string_equal(sig, SIG1);
	buf_done(&sr);
	buf_done(&sts);
}

static void test_token(void **state)
{
	struct sas_key k;
	char tok[SAS_TOKEN_MAX];

	(void)state;
	assert_int_equal(sas_key_from_base64(KEY1, strlen(KEY1), &k), 0);
	assert_int_equal(sas_token_make(&k, "contoso.azure-devices.net", "edge01", "secagent",
					1767225600, tok, sizeof(tok)),
			 0);
	assert_string_equal(tok, TOKEN1);
	assert_int_equal(sas_token_make(&k, "contoso.azure-devices.net", "edge01", "secagent",
					1767225600, tok, 40),
			 -E2BIG);
}

static void test_token_special_ids(void **state)
{
	static const char key[] = "c2VjcmV0LWtleS1mb3ItdGVzdHM=";
	struct sas_key k;
	char tok[SAS_TOKEN_MAX];

	(void)state;
	assert_int_equal(sas_key_from_base64(key, strlen(key), &k), 0);
	assert_int_equal(
		sas_token_make(&k, "h.example.com", "dev:1 (a)", "m$x", 1, tok, sizeof(tok)), 0);
	assert_string_equal(tok, "SharedAccessSignature "
				 "sr=h.example.com%2Fdevices%2Fdev%3A1%20%28a%29%2Fmodules%2Fm%24x"
				 "&sig=7yva5%2Fn8DM8NVJ4z2zHF1EagwJMXNLU5hQ9kvXPdJCQ%3D&se=1");
}

static void test_redact(void **state)
{
	char out[512];

	(void)state;
	sas_redact("password " TOKEN1 " end", out, sizeof(out));
	assert_null(strstr(out, "IgKaRr"));
	/* the resource and the expiry stay: they tell which identity and until when */
	assert_string_equal(out, "password SharedAccessSignature sr=" SR1 "&sig=" SAS_REDACTED
				 "&se=1767225600 end");
	sas_redact("HostName=h.example.com;DeviceId=d;ModuleId=m;SharedAccessKey=" KEY1
		   ";GatewayHostName=gw",
		   out, sizeof(out));
	assert_string_equal(
		out, "HostName=h.example.com;DeviceId=d;ModuleId=m;SharedAccessKey=" SAS_REDACTED
		     ";GatewayHostName=gw");
	sas_redact("x sig=abc&se=1", out, sizeof(out));
	assert_string_equal(out, "x sig=" SAS_REDACTED "&se=1");
	sas_redact("nothing secret", out, sizeof(out));
	assert_string_equal(out, "nothing secret");
	sas_redact("SharedAccessKey=abcdef", out, 20);
	assert_int_equal(strlen(out), 19);
	assert_null(strstr(out, "abc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_decode), cmocka_unit_test(test_steps),
		cmocka_unit_test(test_token),	   cmocka_unit_test(test_token_special_ids),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
