/* SPDX-License-Identifier: MIT */
/*
 * Baseline engine: the checks-file parser (precise errors, limits), the shipped profile,
 * SHA-256 against FIPS 180-4 / known vectors, and loading a custom checks file with its hash.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "baseline/baseline.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/fileio.h"

#define CHECK_HEAD                                                                                 \
	"{\"id\":\"a\",\"cceId\":\"\",\"severity\":\"Critical\",\"description\":\"d\","            \
	"\"remediation\":\"r\","

static void sha_hex(const char *data, size_t len, char out[65])
{
	uint8_t d[BASELINE_SHA256_LEN];

	baseline_sha256(data, len, d);
	baseline_sha256_hex(d, out);
}

static void test_sha256_vectors(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} a_runs[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
		{ 128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e" },
		{ 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	};
	char hex[65], *a;

	(void)state;
	/* FIPS 180-4 examples. */
	sha_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	a = malloc(1000000);
	assert_non_null(a);
	memset(a, 'a', 1000000);
	for (size_t i = 0; i < ARRAY_SIZE(a_runs); i++) {
		sha_hex(a, a_runs[i].n, hex);
		assert_string_equal(hex, a_runs[i].hex);
	}
	free(a);
}

struct parse_case {
	const char *input;
	const char *pointer; /* NULL: a syntax error with a line */
	const char *message; /* substring */
};

static void test_parse_errors(void **state)
{
	static const struct parse_case cases[] = {
		{ "", NULL, "unexpected end" },
		{ "{\"checks\": [}", NULL, "invalid JSON at line 1" },
		{ "{\n\"checks\": [\n  {\"id\": }\n]}", NULL, "line 3" },
		{ "[]", "", "must be a JSON object" },
		{ "{}", "", "lacks the required key 'checks'" },
		{ "{\"checks\":{}}", "/checks", "must be an array" },
		{ "{\"checks\":[],\"foo\":1}", "/foo", "is not a key" },
		{ "{\"checks\":[],\"version\":2}", "/version", "must be 1" },
		{ "{\"checks\":[1]}", "/checks/0", "must be an object" },
		{ "{\"checks\":[" CHECK_HEAD "\"parameters\":{}}]}", "/checks/0",
		  "lacks the required key 'type'" },
		{ "{\"checks\":[{\"id\":\"a\",\"cceId\":\"\",\"severity\":\"High\",\"description\":"
		  "\"d\","
		  "\"remediation\":\"r\",\"type\":\"file-exists\",\"parameters\":{}}]}",
		  "/checks/0/severity", "must be \"Critical\"" },
		{ "{\"checks\":[" CHECK_HEAD "\"type\":\"exec\",\"parameters\":{}}]}",
		  "/checks/0/type", "not a known check type ('exec')" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-exists\",\"parameters\":{\"path\":\"/x\","
		  "\"command\":\"rm -rf /\"}}]}",
		  "/checks/0/parameters/command", "is not a parameter" },
		{ "{\"checks\":[" CHECK_HEAD "\"type\":\"file-exists\",\"parameters\":{}}]}",
		  "/checks/0/parameters", "lacks the required parameter 'path'" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-exists\",\"parameters\":{\"path\":\"etc\"}}]}",
		  "/checks/0/parameters/path", "must be an absolute path" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-exists\",\"parameters\":{\"path\":\"/etc/../x\"}}]}",
		  "/checks/0/parameters/path", "'..'" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-exists\",\"parameters\":{\"path\":\"/etc/*\"}}]}",
		  "/checks/0/parameters/path", "glob" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-content\",\"parameters\":{\"path\":\"/*/x\","
		  "\"pattern\":\"x\",\"expect\":\"present\"}}]}",
		  "/checks/0/parameters/path", "last component" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-content\",\"parameters\":{\"path\":\"/x\","
		  "\"pattern\":\"(\",\"expect\":\"present\"}}]}",
		  "/checks/0/parameters/pattern", "not a valid extended regular expression" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-content\",\"parameters\":{\"path\":\"/x\","
		  "\"pattern\":\"(a)\\\\1\",\"expect\":\"present\"}}]}",
		  "/checks/0/parameters/pattern", "back-references" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-content\",\"parameters\":{\"path\":\"/x\","
		  "\"pattern\":\"a{1,1001}\",\"expect\":\"present\"}}]}",
		  "/checks/0/parameters/pattern", "repetition bound over 1000" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-content\",\"parameters\":{\"path\":\"/x\","
		  "\"pattern\":\"(a{100}){100}\",\"expect\":\"present\"}}]}",
		  "/checks/0/parameters/pattern", "cost caps (check 'a', byte 8" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-content\",\"parameters\":{\"path\":\"/x\","
		  "\"pattern\":\"a**\",\"expect\":\"present\"}}]}",
		  "/checks/0/parameters/pattern", "right after another" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-content\",\"parameters\":{\"path\":\"/x\","
		  "\"pattern\":\"x\",\"expect\":\"maybe\"}}]}",
		  "/checks/0/parameters/expect", "unknown value 'maybe'" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-mode\",\"parameters\":{\"path\":\"/x\"}}]}",
		  "/checks/0/parameters", "at least one of maxMode" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"file-mode\",\"parameters\":{\"path\":\"/x\","
		  "\"maxMode\":\"0899\"}}]}",
		  "/checks/0/parameters/maxMode", "octal" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"sshd-config\",\"parameters\":{\"keyword\":\"A\","
		  "\"values\":\"x\",\"max\":3}}]}",
		  "/checks/0/parameters", "either 'values' or 'min'/'max'" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"sshd-config\",\"parameters\":{\"keyword\":\"A b\","
		  "\"values\":\"x\"}}]}",
		  "/checks/0/parameters/keyword", "not allowed" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"sshd-config\",\"parameters\":{\"keyword\":\"A\","
		  "\"min\":1.5}}]}",
		  "/checks/0/parameters/min", "integer" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"sysctl\",\"parameters\":{\"name\":\"net..x\","
		  "\"values\":\"1\"}}]}",
		  "/checks/0/parameters/name", "dotted sysctl name" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"sysctl\",\"parameters\":{\"name\":\"../../etc\","
		  "\"values\":\"1\"}}]}",
		  "/checks/0/parameters/name", "not allowed" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"package-installed\",\"parameters\":{\"names\":"
		  "[\"ok\",\"bad name\"]}}]}",
		  "/checks/0/parameters/names/1", "not allowed" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"package-installed\",\"parameters\":{\"names\":[]}}]}",
		  "/checks/0/parameters/names", "1 to 32" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"service-enabled\",\"parameters\":{\"units\":\"cron\"}}]}",
		  "/checks/0/parameters/units", "suffix" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"service-enabled\",\"parameters\":{\"units\":"
		  "\"../x.service\"}}]}",
		  "/checks/0/parameters/units", "not allowed" },
		{ "{\"checks\":[{\"id\":\"a\",\"cceId\":\"CCE-XXXXX-6\",\"severity\":\"Critical\","
		  "\"description\":\"d\",\"remediation\":\"r\",\"type\":\"only-root-uid0\","
		  "\"parameters\":{}}]}",
		  "/checks/0/cceId", "CCE id" },
		{ "{\"checks\":[{\"id\":\"A B\",\"cceId\":\"\",\"severity\":\"Critical\","
		  "\"description\":\"d\",\"remediation\":\"r\",\"type\":\"only-root-uid0\","
		  "\"parameters\":{}}]}",
		  "/checks/0/id", "lower-case" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"only-root-uid0\",\"parameters\":{}}," CHECK_HEAD
		  "\"type\":\"unique-uids\",\"parameters\":{}}]}",
		  "/checks/1/id", "duplicates" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"only-root-uid0\",\"parameters\":{},\"x\":1}]}",
		  "/checks/0/x", "not a key of a check" },
		{ "{\"checks\":[" CHECK_HEAD "\"type\":\"only-root-uid0\",\"parameters\":[]}]}",
		  "/checks/0/parameters", "must be an object" },
		{ "{\"checks\":[" CHECK_HEAD
		  "\"type\":\"mount-options\",\"parameters\":{\"mountPoints\":"
		  "\"tmp\",\"options\":\"nodev\"}}]}",
		  "/checks/0/parameters/mountPoints", "absolute" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct baseline_profile *p = NULL;
		struct json_error err;
		int r = baseline_profile_parse(cases[i].input, strlen(cases[i].input), &p, &err);

		if (r != -EINVAL || p)
			fail_msg("case %zu: parsed (%d)", i, r);
		if (!strstr(err.message, cases[i].message))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err.message,
				 cases[i].message);
		if (cases[i].pointer && strcmp(err.pointer, cases[i].pointer) != 0)
			fail_msg("case %zu: pointer '%s', expected '%s'", i, err.pointer,
				 cases[i].pointer);
		if (!cases[i].pointer && err.line == 0)
			fail_msg("case %zu: no line number", i);
	}
}

/*
 * Issue 12: "a" followed by '+' up to the pattern size limit made glibc's regcomp use 12.5 GB,
 * and the old cost guard let it through.  It is now refused, naming the check, with the heap
 * capped at 1 MiB above what is in use (a compile that needed more would fail with ENOMEM
 * and another message).
 */
static void test_parse_pathological_pattern(void **state)
{
	static const char *const patterns[] = { "++", "(a+)+", "((a{32}){32}){32}" };
	struct baseline_profile *p = NULL;
	struct json_error err;
	struct buf b;
	int r;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(patterns); k++) {
		buf_init(&b, 0);
		buf_puts(&b,
			 "{\"checks\":[{\"id\":\"ok\",\"cceId\":\"\",\"severity\":"
			 "\"Warning\",\"description\":\"d\",\"remediation\":\"r\","
			 "\"type\":\"only-root-uid0\",\"parameters\":{}},"
			 "{\"id\":\"evil-pattern\",\"cceId\":\"\",\"severity\":\"Warning\","
			 "\"description\":\"d\",\"remediation\":\"r\",\"type\":\"file-content\","
			 "\"parameters\":{\"path\":\"/etc/x\",\"expect\":\"absent\","
			 "\"pattern\":\"a");
		if (k == 0)
			for (int i = 1; i < BASELINE_PATTERN_MAX; i++)
				buf_puts(&b, "+");
		else
			buf_puts(&b, patterns[k]);
		buf_puts(&b, "\"}}]}");
		es_alloc_set_limit(es_alloc_in_use() + (1u << 20));
		r = baseline_profile_parse(b.data, b.len, &p, &err);
		es_alloc_set_limit(0);
		if (k == 1) { /* a group repeated: small and linear, accepted */
			assert_int_equal(r, 0);
			p = baseline_profile_free(p);
			buf_done(&b);
			continue;
		}
		assert_int_equal(r, -EINVAL);
		assert_null(p);
		assert_string_equal(err.pointer, "/checks/1/parameters/pattern");
		assert_non_null(strstr(err.message, "check 'evil-pattern'"));
		assert_non_null(
			strstr(err.message, k == 0 ? "right after another" : "more than 8192"));
		buf_done(&b);
	}
}

static void test_parse_limits(void **state)
{
	struct baseline_profile *p = NULL;
	struct json_error err;
	struct buf b;

	(void)state;
	/* More than BASELINE_CHECKS_MAX checks. */
	buf_init(&b, 0);
	buf_puts(&b, "{\"checks\":[");
	for (int i = 0; i <= BASELINE_CHECKS_MAX; i++)
		buf_printf(&b,
			   "%s{\"id\":\"c%d\",\"cceId\":\"\",\"severity\":\"Warning\","
			   "\"description\":\"d\",\"remediation\":\"r\","
			   "\"type\":\"only-root-uid0\",\"parameters\":{}}",
			   i ? "," : "", i);
	buf_puts(&b, "]}");
	assert_int_equal(baseline_profile_parse(b.data, b.len, &p, &err), -EINVAL);
	assert_string_equal(err.pointer, "/checks");
	/* A description longer than BASELINE_TEXT_MAX. */
	buf_reset(&b);
	buf_puts(&b, "{\"checks\":[{\"id\":\"a\",\"cceId\":\"\",\"severity\":\"Warning\","
		     "\"description\":\"");
	for (int i = 0; i <= BASELINE_TEXT_MAX; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\",\"remediation\":\"r\",\"type\":\"only-root-uid0\",\"parameters\":{}}]}");
	assert_int_equal(baseline_profile_parse(b.data, b.len, &p, &err), -EINVAL);
	assert_string_equal(err.pointer, "/checks/0/description");
	assert_non_null(strstr(err.message, "too long"));
	/* A NUL byte. */
	assert_int_equal(baseline_profile_parse("{\"checks\":[]}\0", 14, &p, &err), -EINVAL);
	assert_non_null(strstr(err.message, "NUL"));
	/* The smallest valid file. */
	assert_int_equal(baseline_profile_parse("{\"checks\":[]}", 13, &p, &err), 0);
	assert_int_equal(baseline_profile_count(p), 0);
	baseline_profile_free(p);
	buf_done(&b);
}

static struct baseline_profile *load_shipped(void)
{
	struct baseline_profile *p = NULL;
	char err[512];
	int r = baseline_profile_load(TEST_SOURCE_DIR "/rules/baseline/debian.json", NULL, &p, err,
				      sizeof(err));

	if (r < 0)
		fail_msg("shipped profile: %s", err);
	return p;
}

static void test_shipped_profile(void **state)
{
	static const char *const required[] = {
		"ssh-permit-root-login",
		"ssh-password-authentication",
		"ssh-permit-empty-passwords",
		"ssh-max-auth-tries",
		"ssh-x11-forwarding",
		"ssh-protocol-2",
		"ssh-ignore-rhosts",
		"ssh-hostbased-authentication",
		"ssh-client-alive-interval",
		"ssh-client-alive-count-max",
		"ssh-login-grace-time",
		"no-empty-passwords",
		"only-root-uid0",
		"passwd-permissions",
		"aslr-enabled",
		"tcp-syncookies",
		"telnetd-not-installed",
		"auditd-installed",
	};
	struct baseline_profile *p = load_shipped();
	size_t n = baseline_profile_count(p);

	(void)state;
	assert_true(n >= 60);
	for (size_t i = 0; i < n; i++) {
		const struct baseline_meta *m = baseline_check_meta(baseline_profile_get(p, i));

		assert_non_null(baseline_check_type_to_string(m->type));
		assert_non_null(baseline_severity_to_string(m->severity));
		assert_true(m->id[0] && m->description[0] && m->remediation[0]);
		assert_true(m->cce_id[0] == '\0' || strncmp(m->cce_id, "CCE-", 4) == 0);
	}
	for (size_t k = 0; k < ARRAY_SIZE(required); k++) {
		bool found = false;

		for (size_t i = 0; i < n && !found; i++)
			found = strcmp(baseline_check_meta(baseline_profile_get(p, i))->id,
				       required[k]) == 0;
		if (!found)
			fail_msg("shipped profile lacks %s", required[k]);
	}
	baseline_profile_free(p);
}

/* The shipped profile runs on an empty root and on this machine without crashing. */
static void test_shipped_profile_runs(void **state)
{
	static const char *const roots[] = { "/", NULL };
	struct baseline_profile *p = load_shipped();
	char tmp[] = "/tmp/test-baseline-empty-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(tmp));
	for (int k = 0; k < 2; k++) {
		struct baseline_root *r = NULL;

		assert_int_equal(baseline_root_open(roots[k] ? roots[k] : tmp, &r), 0);
		for (size_t i = 0; i < baseline_profile_count(p); i++) {
			struct baseline_outcome o;

			baseline_check_run(baseline_profile_get(p, i), r, &o);
			assert_non_null(baseline_result_to_string(o.result));
			assert_true(strlen(o.reason) < sizeof(o.reason));
			/* In an empty root nothing passes by accident through the host. */
			if (!roots[k] && o.result == BASELINE_RESULT_PASS)
				assert_null(strstr(o.reason, " is enabled"));
		}
		baseline_root_free(r);
	}
	rmdir(tmp);
	baseline_profile_free(p);
}

static void write_file(const char *path, const char *content, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
}

static void test_custom_checks(void **state)
{
	static const char good[] =
		"{\"checks\":[" CHECK_HEAD "\"type\":\"only-root-uid0\",\"parameters\":{}}]}";
	static const char bad[] = "{\"checks\":[" CHECK_HEAD
				  "\"type\":\"run-command\",\"parameters\":{\"cmd\":\"id\"}}]}";
	char dir[] = "/tmp/test-baseline-custom-XXXXXX", path[128], hex[65], upper[65], err[512];
	struct baseline_profile *p = NULL;
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/custom.json", dir);
	write_file(path, good, strlen(good));
	sha_hex(good, strlen(good), hex);
	assert_int_equal(baseline_custom_checks_load(path, hex, &p, err, sizeof(err)), 0);
	assert_int_equal(baseline_profile_count(p), 1);
	p = baseline_profile_free(p);
	for (int i = 0; i < 65; i++)
		upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	assert_int_equal(baseline_custom_checks_load(path, upper, &p, err, sizeof(err)), 0);
	p = baseline_profile_free(p);

	/* Hash mismatch: both hashes are named, nothing is parsed. */
	assert_int_equal(baseline_custom_checks_load(path,
						     "00000000000000000000000000000000"
						     "00000000000000000000000000000000",
						     &p, err, sizeof(err)),
			 -EBADMSG);
	assert_null(p);
	assert_non_null(strstr(err, "SHA-256 of checks file"));
	assert_non_null(strstr(err, hex));
	assert_non_null(strstr(err, path));

	/* Malformed file with the right hash: the pointer and the reason. */
	write_file(path, bad, strlen(bad));
	sha_hex(bad, strlen(bad), hex);
	assert_int_equal(baseline_custom_checks_load(path, hex, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "invalid checks file"));
	assert_non_null(strstr(err, "/checks/0/type"));
	assert_non_null(strstr(err, "run-command"));
	write_file(path, "{\n  \"checks\": [,]\n}", 19);
	sha_hex("{\n  \"checks\": [,]\n}", 19, hex);
	assert_int_equal(baseline_custom_checks_load(path, hex, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));

	/* Configuration errors. */
	assert_true(baseline_custom_checks_load("", hex, &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "baselineCustomChecksFilePath is empty"));
	assert_true(baseline_custom_checks_load("rel.json", hex, &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "absolute"));
	assert_true(baseline_custom_checks_load(path, "", &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "baselineCustomChecksFileHash is empty"));
	assert_true(baseline_custom_checks_load(path, NULL, &p, err, sizeof(err)) < 0);
	assert_true(baseline_custom_checks_load(path, "abc; rm -rf /", &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "64 hexadecimal digits"));
	assert_int_equal(
		baseline_custom_checks_load("/nonexistent/x.json", hex, &p, err, sizeof(err)),
		-ENOENT);
	assert_non_null(strstr(err, "cannot read checks file '/nonexistent/x.json'"));
	big = calloc(1, BASELINE_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', BASELINE_FILE_MAX + 1);
	write_file(path, big, BASELINE_FILE_MAX + 1);
	free(big);
	assert_int_equal(baseline_custom_checks_load(path, hex, &p, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "larger than"));
	assert_null(p);
	unlink(path);
	rmdir(dir);
}

static void test_enum_strings(void **state)
{
	(void)state;
	assert_string_equal(baseline_result_to_string(BASELINE_RESULT_PASS), "Pass");
	assert_string_equal(baseline_result_to_string(BASELINE_RESULT_FAIL), "Fail");
	assert_string_equal(baseline_result_to_string(BASELINE_RESULT_ERR), "Err");
	assert_string_equal(baseline_result_to_string(BASELINE_RESULT_SKIP), "Skip");
	assert_null(baseline_result_to_string(_BASELINE_RESULT_MAX));
	for (int i = 0; i < _BASELINE_SEVERITY_MAX; i++)
		assert_int_equal(baseline_severity_from_string(baseline_severity_to_string(i)), i);
	for (int i = 0; i < _BASELINE_CHECK_TYPE_MAX; i++)
		assert_int_equal(baseline_check_type_from_string(baseline_check_type_to_string(i)),
				 i);
	assert_int_equal(baseline_severity_from_string("critical"), _BASELINE_SEVERITY_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_pathological_pattern),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_shipped_profile),
		cmocka_unit_test(test_shipped_profile_runs),
		cmocka_unit_test(test_custom_checks),
		cmocka_unit_test(test_enum_strings),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
