/* SPDX-License-Identifier: MIT */
/*
 * Manifest parser: envelopes, schema versions, createOptions reassembly and its errors, env
 * forms, error pointers and line/column, the JSON locator, and placeholders over the real
 * corpus (never reported as secrets or as images to pin).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/json-locate.h"
#include "analyze/manifest.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/fileio.h"

#define MANIFESTS TEST_SOURCE_DIR "/tests/manifests"
#define REAL_CORPUS TEST_SOURCE_DIR "/../shared/corpus/iotedge-manifests"

static struct manifest *parse_str(const char *s, struct json_error *err)
{
	struct manifest *m = NULL;
	int r = manifest_parse(s, strlen(s), &m, err);

	return r < 0 ? NULL : m;
}

static struct manifest *parse_file(const char *name, struct json_error *err, int *ret)
{
	char path[512], *data;
	size_t len;
	struct manifest *m = NULL;

	snprintf(path, sizeof(path), "%s/%s", MANIFESTS, name);
	assert_int_equal(read_file_capped(path, MANIFEST_MAX_SIZE, &data, &len), 0);
	*ret = manifest_parse(data, len, &m, err);
	es_free(data);
	return m;
}

static const struct module_settings *module(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n_modules; i++)
		if (strcmp(m->modules[i].ms->name, name) == 0)
			return m->modules[i].ms;
	return NULL;
}

static void test_envelopes(void **state)
{
	static const struct {
		const char *file, *envelope;
		bool layered;
	} cases[] = {
		{ "clean.json", "modulesContent", false },
		{ "envelope-content.json", "content.modulesContent", false },
		{ "envelope-legacy-modulecontent.json", "moduleContent", false },
		{ "envelope-bare.json", "bare", false },
		{ "envelope-layered.json", "content.modulesContent", true },
	};
	struct json_error err;
	int r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct manifest *m = parse_file(cases[i].file, &err, &r);
		const struct module_settings *mod;

		assert_int_equal(r, 0);
		assert_string_equal(m->envelope, cases[i].envelope);
		assert_int_equal(m->layered, cases[i].layered);
		mod = module(m, "mod");
		assert_non_null(mod);
		assert_string_equal(mod->image.value, "myreg.azurecr.io/mod:1.2.3");
		if (!cases[i].layered) {
			assert_int_equal(m->n_modules, 3);
			assert_int_equal(module(m, "edgeHub")->kind, MODULE_KIND_EDGE_HUB);
			assert_int_equal(module(m, "edgeAgent")->kind, MODULE_KIND_EDGE_AGENT);
			assert_int_equal(module(m, "edgeAgent")->n_registries, 1);
		}
		assert_int_equal(m->n_routes, 1);
		manifest_free(m);
	}
}

static void test_split_create_options(void **state)
{
	struct json_error err;
	struct finding_list l = { 0 };
	int r;
	struct manifest *m = parse_file("split-create-options.json", &err, &r);
	const struct module_settings *mod;

	(void)state;
	assert_int_equal(r, 0);
	mod = module(m, "mod");
	assert_true(mod->privileged.set && mod->privileged.value);
	assert_string_equal(mod->user.value, "1000:1000");
	assert_string_equal(mod->privileged.path, "/modulesContent/$edgeAgent/properties.desired/"
						  "modules/mod/settings/createOptions/HostConfig/"
						  "Privileged");
	assert_int_equal(manifest_analyze(m, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].embedded_path, "/HostConfig/Privileged");
	finding_list_done(&l);
	manifest_free(m);
}

/* The one issue of module `name` has this pointer (and kind); the manifest still parsed. */
static void expect_issue(const char *json, const char *name, const char *pointer,
			 enum ms_issue_kind kind)
{
	struct json_error err;
	struct manifest *m = parse_str(json, &err);
	const struct module_settings *ms;

	if (!m)
		fail_msg("not parsed: %s (%s)", json, err.message);
	ms = module(m, name);
	if (!ms)
		fail_msg("no module %s in %s", name, json);
	if (ms->n_issues != 1 || strcmp(ms->issues[0].path, pointer) != 0 ||
	    ms->issues[0].kind != kind)
		fail_msg("%s: %zu issues, first at %s (%s), expected one at %s", json, ms->n_issues,
			 ms->n_issues ? ms->issues[0].path : "-",
			 ms->n_issues ? ms->issues[0].message : "-", pointer);
	assert_true(ms->issues[0].message[0]);
	manifest_free(m);
}

#define MOD(settings) "{\"$edgeAgent\":{\"properties.desired\":{\"modules\":{\"a\":" settings "}}}}"
#define A_PTR "/$edgeAgent/properties.desired/modules/a"

/* What is wrong in a module's createOptions is an issue of that module (EDGE038). */
static void test_create_options_errors(void **state)
{
	struct json_error err;
	struct manifest *m;

	(void)state;
	/* A gap in the pieces. */
	expect_issue(MOD("{\"settings\":{\"createOptions\":\"{\",\"createOptions02\":\"}\"}}"), "a",
		     A_PTR "/settings/createOptions02", MS_ISSUE_INVALID);
	/* Pieces without createOptions. */
	expect_issue(MOD("{\"settings\":{\"createOptions01\":\"{}\"}}"), "a",
		     A_PTR "/settings/createOptions", MS_ISSUE_INVALID);
	/* A piece that is not a string. */
	expect_issue(MOD("{\"settings\":{\"createOptions\":\"{\",\"createOptions01\":5}}"), "a",
		     A_PTR "/settings/createOptions01", MS_ISSUE_INVALID);
	/* Not JSON, with a secret-looking value inside: never quoted. */
	m = parse_str(MOD("{\"settings\":{\"createOptions\":\"{\\\"Env\\\":[\\\"K="
			  "SuperSecretValue1\\\"\"}}"),
		      &err);
	assert_non_null(m);
	assert_int_equal(module(m, "a")->n_issues, 1);
	assert_non_null(strstr(module(m, "a")->issues[0].message, "not valid JSON"));
	assert_null(strstr(module(m, "a")->issues[0].message, "SuperSecret"));
	manifest_free(m);
	/* A JSON array is not a create body. */
	expect_issue(MOD("{\"settings\":{\"createOptions\":\"[1]\"}}"), "a",
		     A_PTR "/settings/createOptions", MS_ISSUE_INVALID);
	/* Empty and blank strings mean "no options". */
	m = parse_str(MOD("{\"settings\":{\"createOptions\":\" \"}}"), &err);
	assert_non_null(m);
	assert_int_equal(module(m, "a")->n_issues, 0);
	manifest_free(m);
}

static void test_wrong_types(void **state)
{
	/* Not a manifest at all: an error, no manifest. */
	static const struct {
		const char *json, *pointer;
	} not_manifests[] = {
		{ "[]", "" },
		{ "{\"modulesContent\":[]}", "/modulesContent" },
		{ "{\"modulesContent\":{}}", "/modulesContent" },
	};
	/* A manifest with a wrong part: an issue of the module (or of $edgeAgent/$edgeHub). */
	static const struct {
		const char *json, *module, *pointer;
	} issues[] = {
		{ "{\"$edgeAgent\":{\"properties.desired\":{\"schemaVersion\":2}}}", "$edgeAgent",
		  "/$edgeAgent/properties.desired/schemaVersion" },
		{ "{\"$edgeAgent\":{\"properties.desired\":{\"schemaVersion\":\"2.0\"}}}",
		  "$edgeAgent", "/$edgeAgent/properties.desired/schemaVersion" },
		{ "{\"$edgeAgent\":{\"properties.desired\":{\"schemaVersion\":\"${SCHEMA}\"}}}",
		  "$edgeAgent", "/$edgeAgent/properties.desired/schemaVersion" },
		{ "{\"$edgeAgent\":{\"properties.desired\":{\"modules\":[]}}}", "$edgeAgent",
		  "/$edgeAgent/properties.desired/modules" },
		{ MOD("1"), "a", A_PTR },
		{ MOD("{\"env\":[]}"), "a", A_PTR "/env" },
		{ MOD("{\"env\":{\"X\":[]}}"), "a", A_PTR "/env/X" },
		{ "{\"$edgeAgent\":{\"properties.desired\":{\"modules\":{\"a/b\":{\"settings\":{"
		  "\"createOptions\":{\"HostConfig\":{\"Binds\":[\"/x:/y\",7]}}}}}}}}",
		  "a/b",
		  "/$edgeAgent/properties.desired/modules/a~1b/settings/createOptions/HostConfig/"
		  "Binds/1" },
		{ MOD("{\"settings\":{\"image\":42}}"), "a", A_PTR "/settings/image" },
		{ MOD("{\"settings\":{\"createOptions\":{\"HostConfig\":{\"Privileged\":\"yes\"}}}"
		      "}"),
		  "a", A_PTR "/settings/createOptions/HostConfig/Privileged" },
		{ "{\"$edgeAgent\":{\"properties.desired\":{\"runtime\":{\"settings\":{"
		  "\"registryCredentials\":{\"r\":{\"password\":1}}}}}}}",
		  "$edgeAgent",
		  "/$edgeAgent/properties.desired/runtime/settings/registryCredentials/r/"
		  "password" },
		{ "{\"$edgeHub\":{\"properties.desired\":{\"routes\":{\"r\":{\"priority\":1}}}}}",
		  "$edgeHub", "/$edgeHub/properties.desired/routes/r/route" },
	};
	struct json_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(not_manifests); i++) {
		struct manifest *m = parse_str(not_manifests[i].json, &err);

		if (m)
			fail_msg("case %zu parsed", i);
		assert_true(err.message[0]);
		assert_string_equal(err.pointer, not_manifests[i].pointer);
	}
	for (size_t i = 0; i < ARRAY_SIZE(issues); i++)
		expect_issue(issues[i].json, issues[i].module, issues[i].pointer, MS_ISSUE_INVALID);
}

static void test_syntax_errors(void **state)
{
	struct json_error err;
	int r;
	struct manifest *m = parse_file("malformed.json", &err, &r);

	(void)state;
	assert_null(m);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.column, 56);
	assert_string_equal(err.pointer, "");
	m = parse_str("", &err);
	assert_null(m);
	assert_int_equal(err.line, 1);
}

static void test_env_forms(void **state)
{
	struct json_error err;
	int r;
	struct manifest *m = parse_file("schema-1.0-plain-env.json", &err, &r);
	const struct module_settings *mod;

	(void)state;
	assert_int_equal(r, 0);
	mod = module(m, "mod");
	assert_int_equal(mod->n_env, 3);
	assert_string_equal(mod->env[0].value, "info");
	assert_string_equal(mod->env[1].value, "3");
	assert_string_equal(mod->env[2].value, "false");
	assert_string_equal(
		mod->env[1].path,
		"/modulesContent/$edgeAgent/properties.desired/modules/mod/env/RETRIES");
	manifest_free(m);
}

static void test_locate(void **state)
{
	static const char text[] = "{\n  \"a\": {\"x/y\": [1, {\"k\": \"v\"}],\n  \"b~\": 2},\n"
				   "  \"\\u0063\": \"\xc3\xa9\", \"d\": true\n}";
	unsigned line, col;

	(void)state;
	assert_int_equal(json_locate(text, strlen(text), "", &line, &col), 0);
	assert_int_equal(line, 1);
	assert_int_equal(json_locate(text, strlen(text), "/a/x~1y/1/k", &line, &col), 0);
	assert_int_equal(line, 2);
	assert_int_equal(col, 26);
	assert_int_equal(json_locate(text, strlen(text), "/a/b~0", &line, &col), 0);
	assert_int_equal(line, 3);
	assert_int_equal(col, 9);
	assert_int_equal(json_locate(text, strlen(text), "/c", &line, &col), 0);
	assert_int_equal(line, 4);
	assert_int_equal(json_locate(text, strlen(text), "/d", &line, &col), 0);
	assert_int_equal(col, 23);
	assert_int_equal(json_locate(text, strlen(text), "/a/x~1y/2", &line, &col), -ENOENT);
	assert_int_equal(json_locate(text, strlen(text), "/zz", &line, &col), -ENOENT);
	assert_int_equal(json_locate(text, strlen(text), "/d/e", &line, &col), -ENOENT);
	assert_true(json_locate("{\"a\":", 5, "/a/b", &line, &col) < 0);
}

static void test_dropped_modules(void **state)
{
	char buf[64];
	size_t n = 0;
	char *s = es_malloc(MANIFEST_MAX_MODULES * 32 + 256);
	struct json_error err;
	struct manifest *m;

	(void)state;
	n += (size_t)snprintf(s, 128, "{\"$edgeAgent\":{\"properties.desired\":{\"modules\":{");
	for (unsigned i = 0; i < MANIFEST_MAX_MODULES + 1; i++) { /* one over the cap */
		int k = snprintf(buf, sizeof(buf), "%s\"m%u\":{}", i ? "," : "", i);

		memcpy(s + n, buf, (size_t)k);
		n += (size_t)k;
	}
	memcpy(s + n, "}}}}", 5);
	m = parse_str(s, &err);
	assert_non_null(m);
	assert_int_equal(m->n_modules, MANIFEST_MAX_MODULES);
	assert_int_equal(m->dropped_modules, 1);
	manifest_free(m);
	es_free(s);
}

/* Over every real manifest: no EDGE033 on an env variable whose value is a placeholder, no
 * EDGE030 on an image that is only a placeholder, no EDGE034 on a placeholder password. */
static void test_real_corpus_placeholders(void **state)
{
	DIR *d = opendir(REAL_CORPUS);
	struct dirent *de;
	size_t files = 0, placeholders = 0;

	(void)state;
	if (!d)
		skip();
	while ((de = readdir(d))) {
		char path[1024], *data;
		size_t len, l = strlen(de->d_name);
		struct json_error err;
		struct manifest *m = NULL;
		struct finding_list fl = { 0 };

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", REAL_CORPUS, de->d_name);
		assert_int_equal(read_file_capped(path, MANIFEST_MAX_SIZE, &data, &len), 0);
		if (manifest_parse(data, len, &m, &err) < 0) {
			es_free(data);
			continue;
		}
		assert_int_equal(manifest_analyze(m, &fl), 0);
		for (size_t i = 0; i < m->n_modules; i++) {
			const struct module_settings *ms = m->modules[i].ms;

			for (size_t e = 0; e < ms->n_env; e++) {
				if (!ms_is_placeholder(ms->env[e].value))
					continue;
				placeholders++;
				for (size_t f = 0; f < fl.n; f++)
					if (strcmp(fl.items[f].rule->id, "EDGE033") == 0 &&
					    strcmp(fl.items[f].path, ms->env[e].path) == 0 &&
					    !fl.items[f].embedded_path)
						fail_msg("%s: placeholder reported as secret",
							 de->d_name);
			}
			for (size_t f = 0; f < fl.n; f++) {
				if (strcmp(fl.items[f].module, ms->name) != 0)
					continue;
				if (strcmp(fl.items[f].rule->id, "EDGE030") == 0 &&
				    ms_is_only_placeholder(ms->image.value))
					fail_msg("%s: placeholder image reported", de->d_name);
			}
			for (size_t r = 0; r < ms->n_registries; r++)
				for (size_t f = 0; f < fl.n; f++)
					if (ms->registries[r].password_placeholder &&
					    strcmp(fl.items[f].path,
						   ms->registries[r].password_path) == 0)
						fail_msg("%s: placeholder password reported",
							 de->d_name);
		}
		finding_list_done(&fl);
		manifest_free(m);
		es_free(data);
		files++;
	}
	closedir(d);
	assert_int_equal(files, 47);
	assert_true(placeholders > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelopes),
		cmocka_unit_test(test_split_create_options),
		cmocka_unit_test(test_create_options_errors),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_env_forms),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_dropped_modules),
		cmocka_unit_test(test_real_corpus_placeholders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
