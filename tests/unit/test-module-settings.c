/* SPDX-License-Identifier: MIT */
/* The module-settings model and its filler from a Docker create body. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/module-settings.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/json_read.h"

static struct module_settings *fill(const char *json, int expect, struct json_error *err)
{
	cJSON *body = cJSON_Parse(json);
	struct module_settings *ms = module_settings_new("m", MODULE_KIND_CUSTOM, "/m");

	assert_non_null(body);
	assert_int_equal(module_settings_fill_create(ms, body, "/c", err), expect);
	cJSON_Delete(body);
	return ms;
}

static void test_fill(void **state)
{
	struct json_error err;
	struct module_settings *ms = fill(
		"{\"User\":\"app\",\"Image\":\"r/x:1\",\"Env\":[\"A=1\",\"B=x=y\",\"C\"],"
		"\"HostConfig\":{\"Privileged\":false,\"NetworkMode\":\"host\",\"CapAdd\":[\"X\"],"
		"\"Binds\":[\"/a:/b:ro,rshared\",\"vol:/v\",\"C:\\\\w:C:\\\\x:ro\",\"/only\"],"
		"\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/s\",\"Target\":\"/"
		"t\",\"ReadOnly\":true,"
		"\"BindOptions\":{\"Propagation\":\"rslave\"}},{\"Type\":\"tmpfs\",\"Target\":\"/"
		"tmp\"}],"
		"\"Devices\":[{\"PathOnHost\":\"/dev/x\",\"PathInContainer\":\"/dev/y\","
		"\"CgroupPermissions\":\"rw\"}],"
		"\"PortBindings\":{\"80/"
		"tcp\":[{\"HostPort\":8080},{\"HostIp\":\"::1\",\"HostPort\":\"81\"}],"
		"\"90/udp\":null},"
		"\"Memory\":1048576,\"PidsLimit\":null,\"MaskedPaths\":[],"
		"\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"1m\",\"max-"
		"file\":\"2\"}},"
		"\"Unknown\":{\"ignored\":[1,2]}}}",
		0, &err);

	(void)state;
	assert_string_equal(ms->user.value, "app");
	assert_string_equal(ms->user.path, "/c/User");
	assert_string_equal(ms->image.value, "r/x:1");
	assert_int_equal(ms->n_env, 3);
	assert_string_equal(ms->env[1].name, "B");
	assert_string_equal(ms->env[1].value, "x=y");
	assert_string_equal(ms->env[2].value, "");
	assert_string_equal(ms->env[1].path, "/c/Env/1");
	assert_true(ms->privileged.set);
	assert_false(ms->privileged.value);
	assert_string_equal(ms->network_mode.path, "/c/HostConfig/NetworkMode");
	assert_int_equal(ms->cap_add.n, 1);
	assert_string_equal(ms->cap_add.items[0].path, "/c/HostConfig/CapAdd/0");
	assert_int_equal(ms->n_mounts, 6);
	assert_string_equal(ms->mounts[0].source, "/a");
	assert_string_equal(ms->mounts[0].target, "/b");
	assert_true(ms->mounts[0].read_only);
	assert_string_equal(ms->mounts[0].propagation, "rshared");
	assert_string_equal(ms->mounts[1].type, "volume");
	assert_string_equal(ms->mounts[2].source, "C:\\w");
	assert_string_equal(ms->mounts[2].target, "C:\\x");
	assert_true(ms->mounts[2].read_only);
	assert_null(ms->mounts[3].target);
	assert_true(ms->mounts[4].read_only);
	assert_string_equal(ms->mounts[4].propagation, "rslave");
	assert_string_equal(ms->mounts[4].path, "/c/HostConfig/Mounts/0");
	assert_null(ms->mounts[5].source);
	assert_int_equal(ms->n_devices, 1);
	assert_string_equal(ms->devices[0].permissions, "rw");
	assert_int_equal(ms->n_ports, 2);
	assert_string_equal(ms->ports[0].host_port, "8080");
	assert_null(ms->ports[0].host_ip);
	assert_string_equal(ms->ports[1].host_ip, "::1");
	assert_string_equal(ms->ports[1].path, "/c/HostConfig/PortBindings/80~1tcp/1");
	assert_true(ms->memory.set);
	assert_false(ms->pids_limit.set);
	assert_true(ms->masked_paths.set);
	assert_int_equal(ms->masked_paths.n, 0);
	assert_false(ms->readonly_paths.set);
	assert_string_equal(ms->log_driver.value, "json-file");
	assert_string_equal(ms->log_max_size.value, "1m");
	assert_string_equal(ms->log_max_file.value, "2");
	module_settings_free(ms);
}

static void test_type_errors(void **state)
{
	static const struct {
		const char *json, *pointer;
	} cases[] = {
		{ "[]", "/c" },
		{ "{\"User\":0}", "/c/User" },
		{ "{\"Env\":\"A=1\"}", "/c/Env" },
		{ "{\"Env\":[1]}", "/c/Env/0" },
		{ "{\"HostConfig\":[]}", "/c/HostConfig" },
		{ "{\"HostConfig\":{\"Privileged\":1}}", "/c/HostConfig/Privileged" },
		{ "{\"HostConfig\":{\"CapAdd\":\"ALL\"}}", "/c/HostConfig/CapAdd" },
		{ "{\"HostConfig\":{\"Memory\":\"1g\"}}", "/c/HostConfig/Memory" },
		{ "{\"HostConfig\":{\"Mounts\":[{\"Source\":1}]}}",
		  "/c/HostConfig/Mounts/0/Source" },
		{ "{\"HostConfig\":{\"Devices\":[\"/dev/x\"]}}", "/c/HostConfig/Devices/0" },
		{ "{\"HostConfig\":{\"PortBindings\":{\"1/tcp\":{}}}}",
		  "/c/HostConfig/PortBindings/1~1tcp" },
		{ "{\"HostConfig\":{\"LogConfig\":{\"Config\":[]}}}",
		  "/c/HostConfig/LogConfig/Config" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct json_error err;
		struct module_settings *ms = fill(cases[i].json, -EINVAL, &err);

		assert_string_equal(err.pointer, cases[i].pointer);
		assert_true(err.message[0]);
		module_settings_free(ms);
	}
}

static void test_bounds(void **state)
{
	struct buf b;
	struct json_error err;
	struct module_settings *ms;
	char *big = es_malloc(MS_STRING_MAX + 100);

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "{\"HostConfig\":{\"CapAdd\":[");
	for (int i = 0; i < MS_LIST_MAX + 44; i++)
		buf_printf(&b, "%s\"C%d\"", i ? "," : "", i);
	buf_puts(&b, "]}}");
	ms = fill(b.data, 0, &err);
	assert_int_equal(ms->cap_add.n, MS_LIST_MAX);
	assert_int_equal(ms->dropped, 1);
	memset(big, 'a', MS_STRING_MAX + 99);
	big[MS_STRING_MAX + 99] = '\0';
	assert_int_equal(module_settings_set_str(ms, &ms->user, big, "/u"), 0);
	assert_int_equal(strlen(ms->user.value), MS_STRING_MAX);
	assert_int_equal(ms->dropped, 2);
	module_settings_free(ms);
	module_settings_free(NULL);
	es_free(big);
	buf_done(&b);
}

/* A manifest's create body, read as Docker and edgeAgent read it (record_issues). */
static struct module_settings *fill_manifest(const char *json)
{
	cJSON *body = cJSON_Parse(json);
	struct module_settings *ms = module_settings_new("m", MODULE_KIND_CUSTOM, "/m");
	struct json_error err;

	assert_non_null(body);
	ms->record_issues = true;
	assert_int_equal(module_settings_fill_create(ms, body, "/c", &err), 0);
	cJSON_Delete(body);
	return ms;
}

static const struct ms_issue *issue_at(const struct module_settings *ms, const char *path)
{
	for (size_t i = 0; i < ms->n_issues; i++)
		if (strcmp(ms->issues[i].path, path) == 0)
			return &ms->issues[i];
	return NULL;
}

/* Keys match without case (with the letters .NET folds onto ASCII), the last duplicate wins. */
static void test_docker_key_matching(void **state)
{
	struct module_settings *ms;

	(void)state;
	ms = fill_manifest("{\"hostconfig\":{\"PRIVILEGED\":true,\"capadd\":[\"NET_ADMIN\"]}}");
	assert_true(ms->privileged.set && ms->privileged.value);
	assert_int_equal(ms->cap_add.n, 1);
	assert_int_equal(ms->n_issues, 0);
	module_settings_free(ms);
	ms = fill_manifest("{\"HostConfig\":{\"Privileged\":false,\"Privileged\":true}}");
	assert_true(ms->privileged.value);
	module_settings_free(ms);
	ms = fill_manifest("{\"HostConfig\":{\"Privileged\":true},\"HostConfig\":{}}");
	assert_false(ms->privileged.set); /* the second HostConfig is the one Docker reads */
	module_settings_free(ms);
	/* U+017F (long s) and U+0131 (dotless i) fold to s and i */
	ms = fill_manifest("{\"HostConfig\":{\"\u017fecurityOpt\":[\"seccomp=unconfined\"],"
			   "\"Pr\u0131vileged\":true}}");
	assert_int_equal(ms->security_opt.n, 1);
	assert_true(ms->privileged.value);
	module_settings_free(ms);
}

static void test_issues_and_conversions(void **state)
{
	struct module_settings *ms;
	const struct ms_issue *is;

	(void)state;
	ms = fill_manifest(
		"{\"User\":0,\"HostConfig\":{\"Privileged\":\"True\","
		"\"ReadonlyRootfs\":1,\"Memory\":\"268435456\",\"PidsLimit\":\"${PIDS}\","
		"\"NanoCpus\":\"lots\",\"CapAdd\":\"ALL\"}}");
	assert_string_equal(ms->user.value, "0");
	assert_true(ms->privileged.set && ms->privileged.value);
	assert_true(ms->readonly_rootfs.set && ms->readonly_rootfs.value);
	assert_true(ms->memory.set && ms->memory.value == 268435456);
	assert_false(ms->pids_limit.set);
	assert_false(ms->nano_cpus.set);
	assert_false(ms->cap_add.set);
	assert_int_equal(ms->n_issues, 7);
	is = issue_at(ms, "/c/HostConfig/PidsLimit");
	assert_non_null(is);
	assert_non_null(strstr(is->message, "placeholder"));
	is = issue_at(ms, "/c/HostConfig/NanoCpus");
	assert_non_null(is);
	assert_null(strstr(is->message, "lots")); /* values are never quoted */
	assert_int_equal(is->kind, MS_ISSUE_INVALID);
	module_settings_free(ms);
}

static void test_ignored_keys(void **state)
{
	struct module_settings *ms;
	const struct ms_issue *is;

	(void)state;
	ms = fill_manifest(
		"{\"Privileged\":true,\"Cmd\":[\"a\"],\"HostConfig\":{\"Privilaged\":true,"
		"\"Env\":[\"A=1\",\"PASSWORD=x\"],\"ExposedPorts\":{},\"Zzzz\":1,"
		"\"runtime\":\"nvidia\"}}");
	assert_false(ms->privileged.set);
	is = issue_at(ms, "/c/HostConfig/Privilaged");
	assert_non_null(is);
	assert_int_equal(is->kind, MS_ISSUE_IGNORED);
	assert_non_null(strstr(is->message, "did you mean Privileged?"));
	assert_non_null(strstr(issue_at(ms, "/c/Privileged")->message, "belongs in HostConfig"));
	assert_non_null(strstr(issue_at(ms, "/c/HostConfig/ExposedPorts")->message, "top level"));
	assert_null(strstr(issue_at(ms, "/c/HostConfig/Zzzz")->message, "did you mean"));
	assert_non_null(strstr(issue_at(ms, "/c/HostConfig/Env")->message, "not set"));
	assert_null(issue_at(ms, "/c/HostConfig/runtime"));
	assert_int_equal(ms->n_issues, 5);
	/* HostConfig.Env: read, marked ignored (its secrets are judged, nothing is set) */
	assert_int_equal(ms->n_env, 2);
	assert_true(ms->env[1].ignored);
	assert_string_equal(ms->env[1].path, "/c/HostConfig/Env/1");
	assert_int_equal(ms->command.n, 1);
	module_settings_free(ms);
	/* docker inspect (no record_issues): no key judgement */
	{
		struct json_error err;

		ms = fill("{\"HostConfig\":{\"Zzzz\":1}}", 0, &err);
		assert_int_equal(ms->n_issues, 0);
		module_settings_free(ms);
	}
}

static void test_placeholder_words(void **state)
{
	(void)state;
	assert_true(ms_is_placeholder("REPLACE_ME"));
	assert_true(ms_is_only_placeholder("changeme"));
	assert_true(ms_is_only_placeholder("<your-password>"));
	assert_true(ms_is_only_placeholder("Your-Password-Here"));
	assert_true(ms_is_only_placeholder("xxxxxxxx"));
	assert_true(ms_is_only_placeholder("******"));
	assert_false(ms_is_placeholder("admin"));
	assert_false(ms_is_placeholder("changeme2024!"));
	assert_false(ms_is_placeholder("xx"));
	assert_false(ms_is_placeholder("Xq9v!kT2pw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_docker_key_matching),
		cmocka_unit_test(test_issues_and_conversions),
		cmocka_unit_test(test_ignored_keys),
		cmocka_unit_test(test_placeholder_words),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
