/* SPDX-License-Identifier: MIT */
/*
 * scan-manifest end to end through cli_scan_manifest(): our manifest corpus against
 * tests/manifests/expected.txt, the real-world corpus in ../shared/corpus/iotedge-manifests
 * (used by path), secrets never echoed in any format, stdin, size limits and usage errors.
 * stdout/stderr are captured by pointing fds 1 and 2 at temporary files around each call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/inspect.h"
#include "analyze/manifest.h"
#include "analyze/rules.h"
#include "cli/scan-manifest.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/json_read.h"
#include "version.h"

#define MANIFESTS TEST_SOURCE_DIR "/tests/manifests"
#define REAL_CORPUS TEST_SOURCE_DIR "/../shared/corpus/iotedge-manifests"
#define INSPECT TEST_SOURCE_DIR "/tests/inspect"
#define WAIVERS TEST_SOURCE_DIR "/tests/waivers"

struct run {
	int code;
	char *out;
	char *err;
};

static char *slurp_fd(int fd)
{
	struct buf b;
	char tmp[4096];
	ssize_t n;

	buf_init(&b, 0);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&b, tmp, (size_t)n);
	buf_putc(&b, '\0');
	return buf_steal(&b, NULL);
}

static int temp_fd(void)
{
	char path[] = "/tmp/edgesec-test-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* Runs cli_scan_manifest with the NULL-terminated arguments; stdin from stdin_path if set. */
static void run_cli(struct run *r, const char *stdin_path, ...)
{
	char *argv[16];
	int argc = 0, out_fd = temp_fd(), err_fd = temp_fd(), in_fd = -1;
	int saved_out = dup(1), saved_err = dup(2), saved_in = dup(0);
	va_list ap;

	argv[argc++] = (char *)"scan-manifest";
	va_start(ap, stdin_path);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 15;)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	if (stdin_path) {
		in_fd = open(stdin_path, O_RDONLY | O_CLOEXEC);
		assert_true(in_fd >= 0);
		dup2(in_fd, 0);
	}
	fflush(stdout);
	fflush(stderr);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	r->code = cli_scan_manifest(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	dup2(saved_in, 0);
	close(saved_out);
	close(saved_err);
	close(saved_in);
	if (in_fd >= 0)
		close(in_fd);
	r->out = slurp_fd(out_fd);
	r->err = slurp_fd(err_fd);
	close(out_fd);
	close(err_fd);
}

static void run_done(struct run *r)
{
	es_free(r->out);
	es_free(r->err);
}

/* Distinct rule ids of a JSON report, sorted, comma-separated ("-" for none). */
static void rule_ids(const char *json, char *out, size_t size)
{
	cJSON *doc = cJSON_Parse(json), *f;
	char ids[64][16];
	size_t n = 0, len = 0;

	assert_non_null(doc);
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "findings")) {
		const char *id = cJSON_GetObjectItem(f, "ruleId")->valuestring;
		size_t k;

		for (k = 0; k < n && strcmp(ids[k], id) != 0; k++)
			;
		if (k == n && n < 64)
			snprintf(ids[n++], sizeof(ids[0]), "%s", id);
	}
	cJSON_Delete(doc);
	qsort(ids, n, sizeof(ids[0]), (int (*)(const void *, const void *))strcmp);
	out[0] = '\0';
	for (size_t k = 0; k < n; k++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", k ? "," : "", ids[k]);
	if (n == 0)
		snprintf(out, size, "-");
}

static void test_expected_corpus(void **state)
{
	char *data, *line, *next;
	size_t len, checked = 0;

	(void)state;
	assert_int_equal(read_file_capped(MANIFESTS "/expected.txt", 1 << 20, &data, &len), 0);
	for (line = data; line && *line; line = next) {
		char file[256], ids[512], got[512], path[512];
		int code;
		struct run r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || sscanf(line, "%255s %d %511s", file, &code, ids) != 3)
			continue;
		snprintf(path, sizeof(path), "%s/%s", MANIFESTS, file);
		run_cli(&r, NULL, path, "--format", "json", NULL);
		if (r.code != code)
			fail_msg("%s: exit %d, expected %d (stderr: %s)", file, r.code, code,
				 r.err);
		if (code == 2) {
			assert_string_equal(r.out, "");
			assert_non_null(strstr(r.err, "error"));
			assert_non_null(strstr(r.err, file));
		} else {
			rule_ids(r.out, got, sizeof(got));
			if (strcmp(got, ids) != 0)
				fail_msg("%s: rules %s, expected %s", file, got, ids);
		}
		run_done(&r);
		checked++;
	}
	es_free(data);
	assert_true(checked >= 45);
}

static void test_error_locations(void **state)
{
	struct run r;

	(void)state;
	run_cli(&r, NULL, MANIFESTS "/malformed.json", NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "line 4, column 56"));
	run_done(&r);
	/* A bad module is a finding (EDGE038) at its place; the rest is analyzed. */
	run_cli(&r, NULL, MANIFESTS "/wrong-type-image.json", "--format", "sarif", NULL);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "\"EDGE038\""));
	assert_non_null(strstr(r.out, "/modulesContent/$edgeAgent/properties.desired/modules/mod/"
				      "settings/image"));
	assert_non_null(strstr(r.out, "\"startLine\":44"));
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/bad-create-options.json", NULL);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "createOptions is not valid JSON"));
	assert_non_null(strstr(r.out, "bad-create-options.json:45:32")); /* at createOptions */
	run_done(&r);
	run_cli(&r, NULL, "/nonexistent/manifest.json", NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "cannot read"));
	run_done(&r);
}

static void test_fail_on_and_formats(void **state)
{
	struct run r;
	cJSON *doc;

	(void)state;
	run_cli(&r, NULL, MANIFESTS "/rule-edge006-host-ipc.json", NULL);
	assert_int_equal(r.code, 0); /* Medium < default high */
	assert_non_null(strstr(r.out, "rule-edge006-host-ipc.json:73:30  MEDIUM    EDGE006  "));
	assert_non_null(strstr(r.out, "1 finding (0 critical, 0 high, 1 medium"));
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/rule-edge006-host-ipc.json", "--fail-on", "medium", NULL);
	assert_int_equal(r.code, 1);
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/rule-edge005-host-pid.json", "--fail-on", "CRITICAL", NULL);
	assert_int_equal(r.code, 0);
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/clean.json", "--fail-on", "info", "--format", "json", NULL);
	assert_int_equal(r.code, 0);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "findings")), 0);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "total")->valueint, 0);
	cJSON_Delete(doc);
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/split-create-options.json", "-f", "json", NULL);
	assert_int_equal(r.code, 1);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	{
		cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "findings"), 0);

		assert_string_equal(cJSON_GetObjectItem(f, "ruleId")->valuestring, "EDGE001");
		assert_string_equal(cJSON_GetObjectItem(f, "severity")->valuestring, "Critical");
		assert_string_equal(cJSON_GetObjectItem(f, "module")->valuestring, "mod");
		assert_string_equal(cJSON_GetObjectItem(f, "path")->valuestring,
				    "/modulesContent/$edgeAgent/properties.desired/modules/mod/"
				    "settings/createOptions");
		assert_string_equal(cJSON_GetObjectItem(f, "createOptionsPath")->valuestring,
				    "/HostConfig/Privileged");
		assert_non_null(cJSON_GetObjectItem(f, "remediation"));
		assert_non_null(cJSON_GetObjectItem(f, "message"));
		assert_int_equal(
			cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "critical")
				->valueint,
			1);
	}
	cJSON_Delete(doc);
	run_done(&r);
}

static void test_sarif_shape(void **state)
{
	struct run r;
	cJSON *doc, *run0, *res, *loc;

	(void)state;
	run_cli(&r, NULL, MANIFESTS "/rule-edge001-privileged.json", "--format", "sarif", NULL);
	assert_int_equal(r.code, 1);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "version")->valuestring, "2.1.0");
	assert_non_null(cJSON_GetObjectItem(doc, "$schema"));
	run0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "runs"), 0);
	assert_string_equal(
		cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetObjectItem(run0, "tool"), "driver"), "name")
			->valuestring,
		"edgesec");
	res = cJSON_GetArrayItem(cJSON_GetObjectItem(run0, "results"), 0);
	assert_string_equal(cJSON_GetObjectItem(res, "ruleId")->valuestring, "EDGE001");
	assert_string_equal(cJSON_GetObjectItem(res, "level")->valuestring, "error");
	loc = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(res, "locations"), 0),
				  "physicalLocation");
	assert_non_null(
		strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(loc, "artifactLocation"), "uri")
			       ->valuestring,
		       "rule-edge001-privileged.json"));
	/* "Privileged": true is on line 73 of the generated file (object createOptions). */
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(loc, "region"), "startLine")->valueint, 73);
	cJSON_Delete(doc);
	run_done(&r);
}

static void assert_absent(const struct run *r, const char *secret, const char *what)
{
	if (strstr(r->out, secret) || strstr(r->err, secret))
		fail_msg("%s: a secret value was echoed", what);
}

static void test_secrets_not_echoed(void **state)
{
	static const char *const files[] = { "rule-edge033-env-secret.json",
					     "rule-edge034-registry-password.json" };
	static const char *const secrets[] = { "Zm9vYmFyU2VjcmV0S2V5VmFsdWUxMjM0NTY3ODkw",
					       "Q7bz9LkPw3HxVtRm2Ns8" };
	static const char *const formats[] = { "text", "json", "sarif" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < 3; k++) {
			char path[512];
			struct run r;

			snprintf(path, sizeof(path), "%s/%s", MANIFESTS, files[i]);
			run_cli(&r, NULL, path, "--format", formats[k], NULL);
			assert_int_equal(r.code, 1);
			assert_absent(&r, secrets[i], files[i]);
			run_done(&r);
		}
	}
}

static void test_stdin_and_usage(void **state)
{
	struct run r;

	(void)state;
	run_cli(&r, MANIFESTS "/rule-edge004-host-network.json", "-", NULL);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "stdin:73:34  HIGH      EDGE004  "));
	run_done(&r);
	run_cli(&r, NULL, NULL);
	assert_int_equal(r.code, 2);
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/clean.json", "--format", "xml", NULL);
	assert_int_equal(r.code, 2);
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/clean.json", "--fail-on", "severe", NULL);
	assert_int_equal(r.code, 2);
	run_done(&r);
	run_cli(&r, NULL, "--help", NULL);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "--fail-on"));
	run_done(&r);
}

/* A manifest of about `target` bytes: modules whose env carries long harmless values. */
static char *big_manifest(size_t target, size_t *ret_len)
{
	struct buf b;
	char filler[2048];

	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	buf_init(&b, 0);
	buf_puts(&b, "{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":{\"modules\":{");
	for (size_t i = 0; b.len < target; i++)
		buf_printf(&b,
			   "%s\"m%zu\":{\"settings\":{\"image\":\"r.example/m:1.%zu\","
			   "\"createOptions\":\"{\\\"HostConfig\\\":{\\\"Privileged\\\":%s}}\"},"
			   "\"env\":{\"NOTE\":{\"value\":\"%s\"}}}",
			   i ? "," : "", i, i, i % 1000 == 0 ? "true" : "false", filler);
	buf_puts(&b, "}}},\"$edgeHub\":{\"properties.desired\":{\"routes\":{}}}}}");
	assert_false(b.failed);
	return buf_steal(&b, ret_len);
}

static void write_temp(const char *data, size_t len, char *path, size_t size)
{
	int fd;

	snprintf(path, size, "/tmp/edgesec-manifest-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_large_inputs(void **state)
{
	char path[64];
	size_t len;
	char *big = big_manifest(10u * 1024 * 1024 + 1000, &len);
	struct run r;
	cJSON *doc;

	(void)state;
	write_temp(big, len, path, sizeof(path));
	run_cli(&r, NULL, path, "--format", "json", NULL);
	assert_int_equal(r.code, 1);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	assert_true(
		cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "critical")->valueint >=
		5);
	cJSON_Delete(doc);
	run_done(&r);
	unlink(path);
	es_free(big);

	/* Exactly MANIFEST_MAX_SIZE bytes (trailing whitespace) is read; one byte more is not. */
	big = big_manifest(MANIFEST_MAX_SIZE - 8192, &len);
	assert_true(len <= MANIFEST_MAX_SIZE);
	big = es_realloc(big, MANIFEST_MAX_SIZE + 2);
	memset(big + len, ' ', MANIFEST_MAX_SIZE + 1 - len);
	write_temp(big, MANIFEST_MAX_SIZE, path, sizeof(path));
	run_cli(&r, NULL, path, NULL);
	assert_int_equal(r.code, 1);
	run_done(&r);
	unlink(path);
	write_temp(big, MANIFEST_MAX_SIZE + 1, path, sizeof(path));
	run_cli(&r, NULL, path, NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "larger than"));
	run_done(&r);
	unlink(path);
	es_free(big);
}

/*
 * Memory bounded by the input: a JSON tree beyond json_tree_budget() of the text is refused
 * before it is built (exit 2, saying why), and docker inspect output keeps at most
 * INSPECT_MAX_CONTAINERS containers (the rest are counted).  Before: 1.6 GB of RSS for a
 * 32 MiB manifest of "[0,0,...]", 13.5 GB for 32 MiB of "[{},{},...]".
 */
static void test_memory_bounded_by_input(void **state)
{
	char path[64];
	struct buf b;
	struct run r;
	cJSON *doc, *sum;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "{\"modulesContent\":{\"$edgeAgent\":{}},\"x\":[0");
	while (b.len < (1u << 20))
		buf_puts(&b, ",0,0,0,0,0,0,0,0");
	buf_puts(&b, "]}");
	write_temp(b.data, b.len, path, sizeof(path));
	run_cli(&r, NULL, path, NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "too many parts for its size"));
	run_done(&r);
	unlink(path);

	buf_reset(&b);
	buf_putc(&b, '[');
	for (unsigned i = 0; i <= INSPECT_MAX_CONTAINERS; i++)
		buf_puts(&b, i ? ",{}" : "{}");
	buf_putc(&b, ']');
	write_temp(b.data, b.len, path, sizeof(path));
	run_cli(&r, NULL, path, "--docker-inspect", "--format", "json", "--fail-on", "critical",
		NULL);
	assert_int_equal(r.code, 0);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	sum = cJSON_GetObjectItem(doc, "summary");
	assert_int_equal(cJSON_GetObjectItem(sum, "modules")->valueint, INSPECT_MAX_CONTAINERS);
	sum = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0);
	assert_non_null(cJSON_GetObjectItem(sum, "droppedModules"));
	assert_int_equal(cJSON_GetObjectItem(sum, "droppedModules")->valueint, 1);
	cJSON_Delete(doc);
	run_done(&r);
	unlink(path);
	buf_done(&b);
}

/* ---- the real-world corpus ---- */

struct expect {
	const char *feature;
	const char *rule;
};

static const struct expect expectations[] = {
	{ "privileged", "EDGE001" },	       { "bind_docker_sock", "EDGE010" },
	{ "network_host", "EDGE004" },	       { "env_secret_hardcoded", "EDGE033" },
	{ "literal_key_material", "EDGE033" }, { "registry_password_hardcoded", "EDGE034" },
};

/* The features column of SOURCES.tsv for file, or "" . */
static void features_of(const char *tsv, const char *file, char *out, size_t size)
{
	const char *p = strstr(tsv, file);
	const char *eol, *tab;

	out[0] = '\0';
	if (!p)
		return;
	eol = strchr(p, '\n');
	if (!eol)
		eol = p + strlen(p);
	for (tab = eol; tab > p && tab[-1] != '\t'; tab--)
		;
	snprintf(out, size, ",%.*s,", (int)(eol - tab), tab);
}

/* Every literal secret of the manifest: registry passwords and env values the rules call
 * secrets (both env forms), collected from the parsed model. */
static size_t collect_secrets(const struct manifest *m, const char *secrets[], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_modules; i++) {
		const struct module_settings *ms = m->modules[i].ms;

		for (size_t k = 0; k < ms->n_env && n < max; k++)
			if (rules_env_is_secret(ms->env[k].name, ms->env[k].value) &&
			    strlen(ms->env[k].value) >= 8)
				secrets[n++] = ms->env[k].value;
	}
	return n;
}

/* Registry passwords are not kept in the model: find them in the JSON. */
static void collect_passwords(const cJSON *node, const char *secrets[], size_t *n, size_t max)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, node) {
		if (c->string && strcmp(c->string, "password") == 0 && cJSON_IsString(c) &&
		    strlen(c->valuestring) >= 8 && !ms_is_placeholder(c->valuestring) && *n < max)
			secrets[(*n)++] = c->valuestring;
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			collect_passwords(c, secrets, n, max);
	}
}

static void check_real_file(const char *dir, const char *file, const char *tsv)
{
	static const char *const formats[] = { "text", "json", "sarif" };
	char path[1024], features[2048], got[1024];
	const char *secrets[256];
	size_t len, n_secrets;
	char *data;
	struct manifest *m = NULL;
	struct json_error err;
	cJSON *doc;
	struct run r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(read_file_capped(path, MANIFEST_MAX_SIZE, &data, &len), 0);
	doc = json_parse(data, len, &err);
	run_cli(&r, NULL, path, "--format", "json", NULL);
	if (!doc) {
		/* Not valid JSON: exit 2 is right, but no crash. */
		assert_int_equal(r.code, 2);
		run_done(&r);
		es_free(data);
		return;
	}
	if (r.code == 2)
		fail_msg("%s: valid JSON but exit 2: %s", file, r.err);
	rule_ids(r.out, got, sizeof(got));
	features_of(tsv, file, features, sizeof(features));
	for (size_t i = 0; i < ARRAY_SIZE(expectations); i++) {
		char f[64];

		snprintf(f, sizeof(f), ",%s,", expectations[i].feature);
		if (strstr(features, f) && !strstr(got, expectations[i].rule))
			fail_msg("%s: feature %s but no %s (found %s)", file,
				 expectations[i].feature, expectations[i].rule, got);
	}
	run_done(&r);

	assert_int_equal(manifest_parse(data, len, &m, &err), 0);
	n_secrets = collect_secrets(m, secrets, 256);
	collect_passwords(doc, secrets, &n_secrets, 256);
	for (size_t k = 0; k < 3; k++) {
		run_cli(&r, NULL, path, "--format", formats[k], NULL);
		for (size_t s = 0; s < n_secrets; s++)
			assert_absent(&r, secrets[s], file);
		run_done(&r);
	}
	manifest_free(m);
	cJSON_Delete(doc);
	es_free(data);
}

static void test_real_corpus(void **state)
{
	DIR *d = opendir(REAL_CORPUS);
	struct dirent *de;
	char *tsv = NULL;
	size_t len, n = 0;

	(void)state;
	if (!d) {
		print_message("real corpus not found at %s\n", REAL_CORPUS);
		skip();
	}
	assert_int_equal(read_file_capped(REAL_CORPUS "/SOURCES.tsv", 1 << 20, &tsv, &len), 0);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		check_real_file(REAL_CORPUS, de->d_name, tsv);
		n++;
	}
	closedir(d);
	es_free(tsv);
	assert_int_equal(n, 47);
}

/* How many findings of rule on module the JSON report of the real file (by prefix) has. */
static int count_real(const char *prefix, const char *rule, const char *module)
{
	DIR *d = opendir(REAL_CORPUS);
	struct dirent *de;
	char path[1024] = "";
	struct run r;
	cJSON *doc, *f;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			snprintf(path, sizeof(path), "%s/%s", REAL_CORPUS, de->d_name);
	closedir(d);
	assert_true(path[0]);
	run_cli(&r, NULL, path, "--format", "json", NULL);
	assert_true(r.code == 0 || r.code == 1);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "findings"))
		if (strcmp(cJSON_GetObjectItem(f, "ruleId")->valuestring, rule) == 0 &&
		    strcmp(cJSON_GetObjectItem(f, "module")->valuestring, module) == 0)
			n++;
	cJSON_Delete(doc);
	run_done(&r);
	return n;
}

/*
 * Issue 12 on the real manifests: the false positives are gone, the misses are found.
 * (Our own cases for each are in tests/manifests: fp-*.json, miss-*.json.)
 */
static void test_real_corpus_fixes(void **state)
{
	static const struct {
		const char *file, *rule, *module;
		int count;
	} cases[] = {
		/* EDGE028: the nested-edge API proxy's 443; bindings under host networking */
		{ "002__", "EDGE028", "iotedgeApiProxy", 0 },
		{ "013__", "EDGE028", "iotedgeApiProxy", 0 },
		{ "002__", "EDGE028", "dockerContainerRegistry", 1 }, /* still judged */
		{ "019__", "EDGE028", "IoTCentralBridge", 0 },
		{ "019__", "EDGE004", "IoTCentralBridge", 1 },
		/* EDGE036: routes from devices (FROM all messages) or between modules need heads */
		{ "009__", "EDGE036", "edgeHub", 0 },
		{ "011__", "EDGE036", "edgeHub", 0 },
		{ "006__", "EDGE036", "edgeHub", 0 },
		{ "002__", "EDGE036", "edgeHub", 0 },
		{ "052__", "EDGE036", "edgeHub", 1 }, /* HTTPS: modules do not use it */
		/* misses: HostConfig.Env ignored, ExposedPorts misplaced; "runtime" is Runtime */
		{ "006__", "EDGE039", "inferencemodule", 1 },
		{ "056__", "EDGE039", "opcplc", 1 },
		{ "056__", "EDGE039", "publisher", 1 },
		{ "019__", "EDGE039", "deepstream", 0 },
	};
	DIR *d = opendir(REAL_CORPUS);

	(void)state;
	if (!d) {
		print_message("real corpus not found at %s\n", REAL_CORPUS);
		skip();
	}
	closedir(d);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = count_real(cases[i].file, cases[i].rule, cases[i].module);

		if (n != cases[i].count)
			fail_msg("%s: %d %s on %s, expected %d", cases[i].file, n, cases[i].rule,
				 cases[i].module, cases[i].count);
	}
}

/* --docker-inspect on the real inspect fixtures, one object and an array, and --against. */
static void test_docker_inspect(void **state)
{
	static const char *const deployment[] = { "edgeAgent", "edgeHub", "tempSensor", "rogue" };
	char ids[512], path[] = "/tmp/edgesec-test-inspect-XXXXXX";
	struct buf arr;
	struct run r;
	cJSON *doc, *it;
	int fd;

	(void)state;
	run_cli(&r, NULL, "--docker-inspect", "--format", "json", INSPECT "/priv.json", NULL);
	assert_int_equal(r.code, 1);
	rule_ids(r.out, ids, sizeof(ids));
	assert_non_null(strstr(ids, "EDGE001"));
	doc = cJSON_Parse(r.out);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "modules")->valueint, 1);
	cJSON_Delete(doc);
	run_done(&r);

	/* The hardened container is clean above medium... */
	run_cli(&r, NULL, "--docker-inspect", "--fail-on", "low", INSPECT "/hardened.json", NULL);
	assert_int_equal(r.code, 1); /* EDGE009 (Medium): the daemon's host cgroup namespace */
	run_done(&r);
	run_cli(&r, NULL, "--docker-inspect", "--fail-on", "high", INSPECT "/hardened.json", NULL);
	assert_int_equal(r.code, 0);
	run_done(&r);

	/* An array as `docker inspect a b c d` prints it: paths are prefixed with the index. */
	buf_init(&arr, 0);
	buf_putc(&arr, '[');
	for (size_t i = 0; i < 4; i++) {
		char file[256], *data;
		size_t len;

		snprintf(file, sizeof(file), INSPECT "/deployment/%s.json", deployment[i]);
		assert_int_equal(read_file_capped(file, 1u << 20, &data, &len), 0);
		if (i)
			buf_putc(&arr, ',');
		buf_append(&arr, data, len);
		es_free(data);
	}
	buf_putc(&arr, ']');
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, arr.data, arr.len), (ssize_t)arr.len);
	close(fd);
	buf_done(&arr);
	run_cli(&r, NULL, "--docker-inspect", "--format", "json", "--against",
		INSPECT "/deployment/manifest.json", path, NULL);
	assert_int_equal(r.code, 1);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "drift")), 4);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "findings")) {
		const char *module = cJSON_GetObjectItem(it, "module")->valuestring;
		const char *ptr = cJSON_GetObjectItem(it, "path")->valuestring;

		if (strcmp(module, "tempSensor") == 0)
			assert_true(strncmp(ptr, "/2", 2) == 0 &&
				    (ptr[2] == '\0' || ptr[2] == '/'));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "drift")) {
		const char *kind = cJSON_GetObjectItem(it, "kind")->valuestring;
		const char *ptr = cJSON_GetObjectItem(it, "path")->valuestring;

		if (strcmp(kind, "Capability") == 0)
			assert_string_equal(ptr, "/2/HostConfig/CapAdd/0");
		if (strcmp(kind, "UndeclaredModule") == 0)
			assert_string_equal(ptr, "/3");
	}
	cJSON_Delete(doc);
	run_done(&r);
	/* Drift is reported in text too, and counts toward --fail-on. */
	run_cli(&r, NULL, "--docker-inspect", "--fail-on", "critical", "--against",
		INSPECT "/deployment/manifest.json", path, NULL);
	assert_int_equal(r.code, 0); /* no critical finding or drift */
	assert_non_null(
		strstr(r.out, "HIGH      drift UndeclaredModule  The IoT Edge module rogue"));
	run_done(&r);

	/* Unusable input and options. */
	run_cli(&r, NULL, "--docker-inspect", MANIFESTS "/malformed.json", NULL);
	assert_int_equal(r.code, 2);
	run_done(&r);
	run_cli(&r, NULL, "--docker-inspect", "--against", MANIFESTS "/malformed.json", path, NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "malformed.json"));
	run_done(&r);
	run_cli(&r, NULL, "--against", INSPECT "/deployment/manifest.json", path, NULL);
	assert_int_equal(r.code, 2);
	run_done(&r);
	/* SARIF carries the drift too: DRIFT-<Kind> rules after the EDGE rules, results in the
	 * inspect document related to the module in the manifest (before: refused, exit 2). */
	run_cli(&r, NULL, "--docker-inspect", "--format", "sarif", "--against",
		INSPECT "/deployment/manifest.json", path, NULL);
	assert_int_equal(r.code, 1);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	{
		cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "runs"), 0);
		cJSON *rules = cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tool"), "driver"), "rules");
		size_t n_rules, drift = 0, related = 0;

		rules_table(&n_rules);
		assert_int_equal(cJSON_GetArraySize(rules), n_rules + 7);
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "artifacts")), 2);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(run, "results")) {
			const char *id = cJSON_GetObjectItem(it, "ruleId")->valuestring;
			int idx = cJSON_GetObjectItem(it, "ruleIndex")->valueint;

			assert_string_equal(
				cJSON_GetObjectItem(cJSON_GetArrayItem(rules, idx), "id")
					->valuestring,
				id);
			if (strncmp(id, "DRIFT-", 6) != 0)
				continue;
			drift++;
			related += cJSON_GetObjectItem(it, "relatedLocations") != NULL;
			if (strcmp(id, "DRIFT-Capability") == 0) {
				char *text = cJSON_PrintUnformatted(it);

				assert_non_null(strstr(text, "\"startLine\""));
				cJSON_free(text);
			}
		}
		assert_int_equal(drift, 4);
		assert_int_equal(related,
				 3); /* the undeclared module has no place in the manifest */
	}
	/* no made-up project page: the man page, or what the build names */
	assert_null(strstr(r.out, "github.com/edgesec"));
	assert_non_null(strstr(r.out, "\"informationUri\":\"" EDGESEC_HOMEPAGE_URL "\""));
	cJSON_Delete(doc);
	run_done(&r);
	unlink(path);
}

/* The ruleIds of a JSON report's array `key`, in report order, comma-separated. */
static void ids_of(const cJSON *doc, const char *key, char *out, size_t size)
{
	const cJSON *f;
	size_t len = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, key))
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "",
					cJSON_GetObjectItem(f, "ruleId")->valuestring);
}

static const cJSON *by_rule(const cJSON *doc, const char *key, const char *id)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, key))
		if (strcmp(cJSON_GetObjectItem(f, "ruleId")->valuestring, id) == 0)
			return f;
	return NULL;
}

/*
 * tests/waivers/accept.json: monitor EDGE010 accepted by its label (until 2999), sensor EDGE001
 * by a label that expired in 2001, cam EDGE004 by the sidecar accept.waivers.json, logger
 * EDGE005 by site.json (given with --waivers), plain EDGE006 not accepted (its label names a
 * rule that does not exist).
 */
static void test_waivers(void **state)
{
	struct run r;
	cJSON *doc;
	const cJSON *f, *w, *sum;
	char ids[256];

	(void)state;
	run_cli(&r, NULL, WAIVERS "/accept.json", "--waivers", WAIVERS "/site.json", "-f", "json",
		NULL);
	assert_int_equal(r.code, 1); /* EDGE001: its waiver expired */
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	ids_of(doc, "findings", ids, sizeof(ids));
	assert_string_equal(ids, "EDGE001,EDGE006");
	ids_of(doc, "waived", ids, sizeof(ids));
	assert_string_equal(ids, "EDGE010,EDGE004,EDGE005");
	w = cJSON_GetObjectItem(by_rule(doc, "findings", "EDGE001"), "waiver");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(w, "active")));
	assert_string_equal(cJSON_GetObjectItem(w, "expires")->valuestring, "2001-01-01");
	w = cJSON_GetObjectItem(by_rule(doc, "waived", "EDGE010"), "waiver");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(w, "active")));
	assert_string_equal(cJSON_GetObjectItem(w, "reason")->valuestring,
			    "reads container stats through the socket");
	assert_non_null(strstr(cJSON_GetObjectItem(w, "source")->valuestring,
			       "label io.edgesec.accept.EDGE010 of module monitor"));
	w = cJSON_GetObjectItem(by_rule(doc, "waived", "EDGE004"), "waiver");
	assert_non_null(
		strstr(cJSON_GetObjectItem(w, "source")->valuestring, "accept.waivers.json"));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(w, "expires")));
	sum = cJSON_GetObjectItem(doc, "summary");
	assert_int_equal(cJSON_GetObjectItem(sum, "waived")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(sum, "expiredWaivers")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(sum, "total")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(doc, "version")->valueint, 1);
	/* Every finding says where it is. */
	f = by_rule(doc, "findings", "EDGE001");
	assert_true(cJSON_GetObjectItem(f, "line")->valueint > 100);
	assert_true(cJSON_GetObjectItem(f, "column")->valueint > 1);
	assert_non_null(strstr(cJSON_GetObjectItem(f, "file")->valuestring, "accept.json"));
	cJSON_Delete(doc);
	/* Waivers that match nothing are named on stderr. */
	assert_non_null(strstr(r.err, "edgesec: warning: label io.edgesec.accept.EDGE099 of "
				      "module plain: the waiver for EDGE099 names no rule"));
	assert_non_null(strstr(r.err, "the waiver for EDGE004 in module gone matches no finding"));
	run_done(&r);

	/* Text: the waived findings apart, with reason and source; the expired one is named. */
	run_cli(&r, NULL, WAIVERS "/accept.json", "--waivers", WAIVERS "/site.json", NULL);
	assert_non_null(strstr(r.out, "  Waived\n"));
	assert_non_null(strstr(r.out, "EDGE005  The module shares the host PID namespace (PidMode "
				      "host).  logger: collects process metrics of the host ["));
	assert_non_null(strstr(r.out, "(waiver expired on 2001-01-01)"));
	assert_non_null(strstr(r.out, "2 findings (1 critical, 0 high, 1 medium, 0 low, 0 info), "
				      "3 waived, 1 with an expired waiver; 1 at or above high\n"));
	run_done(&r);

	/* --no-inline-waivers: labels and the sidecar are ignored, --waivers still applies. */
	run_cli(&r, NULL, WAIVERS "/accept.json", "--no-inline-waivers", "--waivers",
		WAIVERS "/site.json", "-f", "json", NULL);
	doc = cJSON_Parse(r.out);
	ids_of(doc, "findings", ids, sizeof(ids));
	assert_string_equal(ids, "EDGE010,EDGE001,EDGE004,EDGE006");
	ids_of(doc, "waived", ids, sizeof(ids));
	assert_string_equal(ids, "EDGE005");
	cJSON_Delete(doc);
	run_done(&r);

	/* An unusable waivers file makes the input unusable. */
	run_cli(&r, NULL, WAIVERS "/accept.json", "--waivers", MANIFESTS "/malformed.json", NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "edgesec: error: invalid waivers file"));
	assert_string_equal(r.out, "");
	run_done(&r);
}

static void test_severity_and_files(void **state)
{
	struct run r;
	cJSON *doc;
	char ids[256];
	const char *line, *next;
	size_t findings = 0;

	(void)state;
	/* Only medium shown: EDGE001 (critical) is hidden and does not fail the run. */
	run_cli(&r, NULL, WAIVERS "/accept.json", "--severity", "medium", "-f", "json", NULL);
	assert_int_equal(r.code, 0);
	doc = cJSON_Parse(r.out);
	ids_of(doc, "findings", ids, sizeof(ids));
	assert_string_equal(ids, "EDGE006");
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "hidden")->valueint, 4);
	cJSON_Delete(doc);
	run_done(&r);
	run_cli(&r, NULL, WAIVERS "/accept.json", "--severity", "critical,HIGH", NULL);
	assert_int_equal(r.code, 1);
	assert_null(strstr(r.out, "MEDIUM"));
	assert_non_null(strstr(r.out, "hidden by --severity"));
	run_done(&r);
	run_cli(&r, NULL, WAIVERS "/accept.json", "--severity", "critical,severe", NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "edgesec: error: --severity takes"));
	run_done(&r);

	/* Several files: each reported, grouped by module, most severe module first, one line
	 * per finding with file:line:col, severity, rule and fix; an unusable one makes it 2. */
	run_cli(&r, NULL, MANIFESTS "/rule-edge006-host-ipc.json", MANIFESTS "/malformed.json",
		MANIFESTS "/rule-edge001-privileged.json", NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "malformed.json: invalid JSON"));
	assert_non_null(
		strstr(r.out, "2 files, 6 modules: 2 findings (1 critical, 0 high, 1 medium"));
	assert_non_null(strstr(r.out, "1 file could not be scanned"));
	assert_true(strstr(r.out, "rule-edge006-host-ipc.json  deployment manifest") <
		    strstr(r.out, "rule-edge001-privileged.json  deployment manifest"));
	for (line = r.out; line && *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : NULL;
		if (strncmp(line, "    ", 4) != 0)
			continue;
		findings++;
		assert_non_null(strstr(line, ".json:"));
		assert_true(strstr(line, "  fix: ") && (!next || strstr(line, "  fix: ") < next));
	}
	assert_int_equal(findings, 2);
	assert_null(strchr(r.out, '\033')); /* not a terminal: no colour */
	run_done(&r);
	run_cli(&r, NULL, MANIFESTS "/rule-edge001-privileged.json", "--color", "always", NULL);
	assert_non_null(strstr(r.out, "\033[1;31mCRITICAL"));
	run_done(&r);

	/* Inside one file: the module with the most severe finding first. */
	run_cli(&r, NULL, WAIVERS "/accept.json", "--no-inline-waivers", NULL);
	assert_true(strstr(r.out, "\n  monitor\n") < strstr(r.out, "\n  cam\n"));
	assert_true(strstr(r.out, "\n  cam\n") < strstr(r.out, "\n  plain\n"));
	run_done(&r);
	run_cli(&r, NULL, WAIVERS "/accept.json", MANIFESTS "/malformed.json", "-f", "json", NULL);
	assert_int_equal(r.code, 2);
	doc = cJSON_Parse(r.out);
	assert_non_null(doc);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 1), "scanned")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "files"), 0), "scanned")));
	cJSON_Delete(doc);
	run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected_corpus),
		cmocka_unit_test(test_error_locations),
		cmocka_unit_test(test_fail_on_and_formats),
		cmocka_unit_test(test_sarif_shape),
		cmocka_unit_test(test_secrets_not_echoed),
		cmocka_unit_test(test_stdin_and_usage),
		cmocka_unit_test(test_large_inputs),
		cmocka_unit_test(test_memory_bounded_by_input),
		cmocka_unit_test(test_real_corpus),
		cmocka_unit_test(test_real_corpus_fixes),
		cmocka_unit_test(test_docker_inspect),
		cmocka_unit_test(test_waivers),
		cmocka_unit_test(test_severity_and_files),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
