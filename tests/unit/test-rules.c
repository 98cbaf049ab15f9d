/* SPDX-License-Identifier: MIT */
/*
 * The rule set on hand-built module settings: a hardened module has no finding, each risky
 * setting alone triggers exactly its rule, plus the helpers (secrets, images, severities) and
 * the integrity of the rule table.  (Every rule is also triggered alone from a manifest in
 * tests/manifests, checked by test-scan-manifest-cli.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/module-settings.h"
#include "analyze/rules.h"
#include "common/array.h"
#include "common/json_read.h"

static const char hardened[] =
	"{\"User\":\"1000\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Memory\":1e8,"
	"\"NanoCpus\":5e8,\"PidsLimit\":100,\"SecurityOpt\":[\"no-new-privileges:true\"],"
	"\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"NET_BIND_SERVICE\"],"
	"\"Binds\":[\"/etc/localtime:/etc/localtime:ro\",\"data:/data\"],"
	"\"Devices\":[{\"PathOnHost\":\"/dev/ttyUSB0\"}],"
	"\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]},"
	"\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"10m\"}}}}";

/* Builds a module from the hardened body with `key` of HostConfig (or the top level when
 * top is true) replaced by the JSON `value`; runs the rules and returns the finding count. */
static size_t check(enum module_kind kind, bool top, const char *key, const char *value,
		    const char *image, struct finding_list *l)
{
	cJSON *body = cJSON_Parse(hardened);
	struct module_settings *ms = module_settings_new("m", kind, "/m");
	struct rules_context ctx = { 0 };
	struct json_error err;

	assert_non_null(body);
	if (key) {
		cJSON *target = top ? body : cJSON_GetObjectItem(body, "HostConfig");
		cJSON *v = value ? cJSON_Parse(value) : NULL;

		cJSON_DeleteItemFromObjectCaseSensitive(target, key);
		if (v)
			cJSON_AddItemToObject(target, key, v);
	}
	assert_int_equal(module_settings_set_str(ms, &ms->image, image ? image : "r.io/m:1.0",
						 "/m/settings/image"),
			 0);
	assert_int_equal(module_settings_fill_create(ms, body, "/m/settings/createOptions", &err),
			 0);
	rules_context_add_module(&ctx, ms);
	memset(l, 0, sizeof(*l));
	assert_int_equal(rules_check_module(ms, &ctx, l), 0);
	module_settings_free(ms);
	cJSON_Delete(body);
	return l->n;
}

static void expect_only(enum module_kind kind, bool top, const char *key, const char *value,
			const char *image, const char *rule)
{
	struct finding_list l;
	size_t n = check(kind, top, key, value, image, &l);

	if (!rule) {
		if (n)
			fail_msg("%s=%s: unexpected %s", key, value, l.items[0].rule->id);
	} else {
		if (n == 0)
			fail_msg("%s=%s: no finding, expected %s", key, value, rule);
		for (size_t i = 0; i < n; i++)
			if (strcmp(l.items[i].rule->id, rule) != 0)
				fail_msg("%s=%s: %s, expected only %s", key, value,
					 l.items[i].rule->id, rule);
	}
	finding_list_done(&l);
}

static void test_hardened_is_clean(void **state)
{
	(void)state;
	expect_only(MODULE_KIND_CUSTOM, false, NULL, NULL, NULL, NULL);
	expect_only(MODULE_KIND_EDGE_AGENT, false, NULL, NULL, NULL, NULL);
}

static void test_each_rule_alone(void **state)
{
	static const struct {
		bool top;
		const char *key, *value, *image, *rule;
	} cases[] = {
		{ false, "Privileged", "true", NULL, "EDGE001" },
		{ false, "Privileged", "false", NULL, NULL },
		{ false, "CapAdd", "[\"all\"]", NULL, "EDGE002" },
		{ false, "CapAdd", "[\"CAP_ALL\"]", NULL, "EDGE002" },
		{ false, "CapAdd", "[\"SYS_ADMIN\"]", NULL, "EDGE003" },
		{ false, "CapAdd", "[\"cap_sys_ptrace\"]", NULL, "EDGE003" },
		{ false, "CapAdd", "[\"CAP_BPF\",\"PERFMON\"]", NULL, "EDGE003" },
		{ false, "CapAdd", "[\"CHOWN\",\"NET_BIND_SERVICE\"]", NULL, NULL },
		{ false, "NetworkMode", "\"host\"", NULL, "EDGE004" },
		{ false, "NetworkMode", "\"azure-iot-edge\"", NULL, NULL },
		{ false, "PidMode", "\"host\"", NULL, "EDGE005" },
		{ false, "IpcMode", "\"host\"", NULL, "EDGE006" },
		{ false, "IpcMode", "\"private\"", NULL, NULL },
		{ false, "UTSMode", "\"host\"", NULL, "EDGE007" },
		{ false, "UsernsMode", "\"host\"", NULL, "EDGE008" },
		{ false, "CgroupnsMode", "\"host\"", NULL, "EDGE009" },
		{ false, "Binds", "[\"/var/run/docker.sock:/var/run/docker.sock:ro\"]", NULL,
		  "EDGE010" },
		{ false, "Binds", "[\"/run/containerd/containerd.sock:/c.sock\"]", NULL,
		  "EDGE010" },
		{ false, "Binds", "[\"/var/run/iotedge/mgmt.sock:/m.sock\"]", NULL, "EDGE010" },
		{ false, "Binds", "[\"//var//run/docker.sock/:/d.sock\"]", NULL, "EDGE010" },
		{ false, "Binds", "[\"/:/host\"]", NULL, "EDGE011" },
		{ false, "Binds", "[\"/etc/aziot/config.toml:/c:rw\"]", NULL, "EDGE011" },
		{ false, "Binds", "[\"/var/lib/aziot:/k:ro\"]", NULL, "EDGE012" },
		{ false, "Binds", "[\"/proc:/host/proc:ro,rslave\"]", NULL, "EDGE012" },
		{ false, "Binds", "[\"/lib/modules:/lib/modules:ro\"]", NULL, "EDGE012" },
		{ false, "Binds", "[\"/srv/data:/data\",\"vol:/v\",\"C:\\\\data:C:\\\\d\"]", NULL,
		  NULL },
		{ false, "Mounts",
		  "[{\"Type\":\"bind\",\"Source\":\"/var/lib/docker\",\"Target\":\"/d\"}]", NULL,
		  "EDGE011" },
		{ false, "Mounts",
		  "[{\"Type\":\"bind\",\"Source\":\"/boot\",\"Target\":\"/b\",\"ReadOnly\":true}]",
		  NULL, "EDGE012" },
		{ false, "Mounts", "[{\"Type\":\"volume\",\"Source\":\"etc\",\"Target\":\"/etc\"}]",
		  NULL, NULL },
		{ false, "Devices", "[{\"PathOnHost\":\"/dev/sda\"}]", NULL, "EDGE013" },
		{ false, "Devices", "[{\"PathOnHost\":\"/dev/tpmrm0\"}]", NULL, "EDGE013" },
		{ false, "Devices", "[{\"PathOnHost\":\"/dev/mmcblk0p1\"}]", NULL, "EDGE013" },
		{ false, "Binds", "[\"/dev/mem:/dev/mem\"]", NULL, "EDGE013" },
		{ false, "Devices", "[{\"PathOnHost\":\"/dev/video0\"}]", NULL, NULL },
		{ false, "DeviceCgroupRules", "[\"c *:* rmw\"]", NULL, "EDGE014" },
		{ false, "DeviceCgroupRules", "[\"a\"]", NULL, "EDGE014" },
		{ false, "DeviceCgroupRules", "[\"c 189:* rmw\"]", NULL, "EDGE014" },
		{ false, "DeviceCgroupRules", "[\"c 188:0 rw\"]", NULL, NULL },
		{ false, "SecurityOpt", "[\"no-new-privileges\",\"apparmor:unconfined\"]", NULL,
		  "EDGE015" },
		{ false, "SecurityOpt", "[\"no-new-privileges\",\"seccomp=unconfined\"]", NULL,
		  "EDGE016" },
		{ false, "SecurityOpt", "[\"no-new-privileges\",\"label:disable\"]", NULL,
		  "EDGE017" },
		{ false, "SecurityOpt", "[\"no-new-privileges\",\"systempaths=unconfined\"]", NULL,
		  "EDGE019" },
		{ false, "SecurityOpt", "[\"no-new-privileges=false\"]", NULL, "EDGE018" },
		{ false, "SecurityOpt", NULL, NULL, "EDGE018" },
		{ false, "MaskedPaths", "[]", NULL, "EDGE019" },
		{ false, "ReadonlyPaths", "[]", NULL, "EDGE019" },
		{ false, "MaskedPaths", "[\"/proc/kcore\"]", NULL, NULL },
		{ true, "User", "\"root\"", NULL, "EDGE020" },
		{ true, "User", "\"0:0\"", NULL, "EDGE020" },
		{ true, "User", "\"root:root\"", NULL, "EDGE020" },
		{ true, "User", "\"1000:0\"", NULL, NULL },
		{ true, "User", "\"${MODULE_USER}\"", NULL, NULL },
		{ true, "User", NULL, NULL, "EDGE021" },
		{ true, "User", "\"\"", NULL, "EDGE021" },
		{ false, "ReadonlyRootfs", "false", NULL, "EDGE022" },
		{ false, "Memory", "0", NULL, "EDGE023" },
		{ false, "Memory", NULL, NULL, "EDGE023" },
		{ false, "NanoCpus", NULL, NULL, "EDGE024" },
		{ false, "PidsLimit", "-1", NULL, "EDGE025" },
		{ false, "LogConfig", "{\"Type\":\"none\"}", NULL, "EDGE026" },
		{ false, "LogConfig", "{\"Type\":\"json-file\",\"Config\":{\"max-file\":\"3\"}}",
		  NULL, "EDGE027" },
		{ false, "LogConfig", "{\"Type\":\"local\"}", NULL, NULL },
		{ false, "PortBindings", "{\"1433/tcp\":[{\"HostPort\":\"1433\"}]}", NULL,
		  "EDGE028" },
		{ false, "PortBindings",
		  "{\"1433/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":1433}]}", NULL, "EDGE028" },
		{ false, "PublishAllPorts", "true", NULL, "EDGE028" },
		{ false, "PortBindings", "{\"9229/tcp\":[{\"HostIp\":\"127.0.0.1\"}]}", NULL,
		  "EDGE029" },
		{ false, "PortBindings", "{\"80/tcp\":null}", NULL, NULL },
		{ false, NULL, NULL, "r.io/m", "EDGE030" },
		{ false, NULL, NULL, "r.io/m:latest", "EDGE030" },
		{ false, NULL, NULL, "localhost:5000/m", "EDGE030" },
		{ false, NULL, NULL, "r.io/m:latest-arm64v8", "EDGE030" },
		{ false, NULL, NULL, "localhost:5000/m:1.0", NULL },
		{ false, NULL, NULL, "r.io/m@sha256:0123456789abcdef", NULL },
		{ false, NULL, NULL, "${MODULES.filter}", NULL },
		{ false, NULL, NULL, "$CONTAINER_REGISTRY/m:${VERSION}", NULL },
		{ false, NULL, NULL, "<Container_Registry>/m:<Build.BuildNumber>-linux", NULL },
		{ false, NULL, NULL, "${MODULES.filter.debug}", "EDGE031" },
		{ false, NULL, NULL, "r.io/m:0.0.1-amd64.debug", "EDGE031" },
		{ false, NULL, NULL, "mcr.microsoft.com/azureiotedge-agent:1.0", "EDGE032" },
		{ false, NULL, NULL, "mcr.microsoft.com/azureiotedge-hub:1.4.2", "EDGE032" },
		{ false, NULL, NULL, "microsoft/azureiotedge-hub:1.0-preview", "EDGE032" },
		{ false, NULL, NULL, "mcr.microsoft.com/azureiotedge-hub:1.5", NULL },
		{ false, NULL, NULL, "mcr.microsoft.com/azureiotedge-hub:1", NULL },
		{ true, "Env", "[\"SA_PASSWORD=Str0ngPassw0rd!\"]", NULL, "EDGE033" },
		{ true, "Env", "[\"SA_PASSWORD=${SA_PASSWORD}\",\"LOG=info\"]", NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_only(MODULE_KIND_CUSTOM, cases[i].top, cases[i].key, cases[i].value,
			    cases[i].image, cases[i].rule);
}

static void test_system_modules(void **state)
{
	struct finding_list l;

	(void)state;
	/* edgeAgent/edgeHub switch to their own users and need a writable root. */
	expect_only(MODULE_KIND_EDGE_HUB, true, "User", NULL, NULL, "EDGE036");
	expect_only(MODULE_KIND_EDGE_AGENT, false, "ReadonlyRootfs", NULL, NULL, NULL);
	/* edgeHub's protocol ports on all addresses are its job. */
	check(MODULE_KIND_EDGE_HUB, false, "PortBindings",
	      "{\"8883/tcp\":[{\"HostPort\":\"8883\"}],\"5671/tcp\":[{\"HostPort\":\"5671\"}],"
	      "\"443/tcp\":[{\"HostPort\":\"443\"}]}",
	      NULL, &l);
	assert_int_equal(l.n, 0);
	finding_list_done(&l);
}

static void test_protocol_heads(void **state)
{
	struct module_settings *hub = module_settings_new("edgeHub", MODULE_KIND_EDGE_HUB, "/h");
	struct module_settings *mod = module_settings_new("m", MODULE_KIND_CUSTOM, "/m");
	cJSON *body = cJSON_Parse(hardened);
	struct rules_context ctx = { 0 };
	struct finding_list l = { 0 };
	struct json_error err;

	(void)state;
	assert_int_equal(module_settings_fill_create(hub, body, "/h/c", &err), 0);
	assert_int_equal(module_settings_add_env(hub, "httpSettings__enabled", "false", "/h/env/x"),
			 0);
	assert_int_equal(module_settings_add_env(mod, "UpstreamProtocol", "Mqtt", "/m/env/u"), 0);
	rules_context_add_module(&ctx, hub);
	rules_context_add_module(&ctx, mod);
	assert_true(ctx.mqtt_used);
	assert_false(ctx.amqp_used);
	assert_int_equal(rules_check_module(hub, &ctx, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].rule->id, "EDGE036");
	assert_non_null(strstr(l.items[0].message, "AMQP"));
	finding_list_done(&l);
	module_settings_free(hub);
	module_settings_free(mod);
	cJSON_Delete(body);
}

static void test_registries(void **state)
{
	struct module_settings *ms =
		module_settings_new("$edgeAgent", MODULE_KIND_EDGE_AGENT, "/a");
	struct ms_registry_spec admin = { .name = "acr",
					  .address = "myacr.azurecr.io",
					  .username = "MyAcr",
					  .path = "/r/acr",
					  .password_path = "/r/acr/password",
					  .password_set = true,
					  .password_placeholder = true };
	struct ms_registry_spec plain = { .name = "hub",
					  .address = "docker.io",
					  .username = "bob",
					  .path = "/r/hub",
					  .password_path = "/r/hub/password",
					  .password_set = true };
	struct finding_list l = { 0 };

	(void)state;
	ms->no_container = true;
	assert_int_equal(module_settings_add_registry(ms, &admin), 0);
	assert_int_equal(module_settings_add_registry(ms, &plain), 0);
	assert_int_equal(rules_check_module(ms, NULL, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].rule->id, "EDGE035");
	assert_string_equal(l.items[0].path, "/r/acr");
	assert_string_equal(l.items[1].rule->id, "EDGE034");
	assert_string_equal(l.items[1].path, "/r/hub/password");
	finding_list_done(&l);
	module_settings_free(ms);
}

static void test_secret_heuristics(void **state)
{
	static const struct {
		const char *name, *value;
		bool secret;
	} cases[] = {
		{ "SA_PASSWORD", "Wxvvya!Uhbcz5fj", true },
		{ "GF_SECURITY_ADMIN_PASSWORD", "admin", true },
		{ "BingKey", "7eea5b06e60a41ddb9c81d6458166bfc", true },
		{ "LogAnalyticsSharedKey", "QUJDREVGR0hJSktMTU5PUA==", true },
		{ "api-token", "abcdef123456", true },
		{ "conn", "HostName=h;DeviceId=d;SharedAccessKey=QUJDREVGR0g=", true },
		{ "STORAGE", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=QUJDRA==;",
		  true },
		{ "URL", "https://a.blob.core.windows.net/c?sv=2020&sig=QUJDRA%3D", true },
		{ "conn", "HostName=h;DeviceId=d;SharedAccessKey=${KEY}", false },
		{ "conn", "HostName=h;DeviceId=d;SharedAccessKey=<key>", false },
		{ "SA_PASSWORD", "${SA_PASSWORD}", false },
		{ "SA_PASSWORD", "$SA_PASSWORD", false },
		{ "LogAnalyticsSharedKey", "<log analytics key>", false },
		{ "DB_PASSWORD", "{{ db_password }}", false },
		{ "DB_PASSWORD", "#{DbPassword}#", false },
		{ "DB_PASSWORD", "", false },
		{ "PASSWORD_FILE", "/run/secrets/db", false },
		{ "TOKEN_URL", "https://login.example/token", false },
		{ "KEY_VAULT_NAME", "myvault", false },
		{ "ENABLE_TOKEN", "true", false },
		{ "TOKEN_TTL", "3600", false },
		{ "LOG_LEVEL", "debug", false },
		{ "MONKEY", "banana", true }, /* "...key": accepted as a false positive */
		/* issue 12: a password in a URL, whatever the variable's name */
		{ "MONGO_URL", "mongodb://admin:S3cr3tPassw0rd@mongo:27017/db", true },
		{ "BROKER", "amqps://u:p4ss@host:5671 and more", true },
		{ "MONGO_URL", "mongodb://admin:${PASSWORD}@mongo:27017/db", false },
		{ "MONGO_URL", "mongodb://admin@mongo:27017/db", false },
		{ "URL", "https://example.com/a:b@c", false }, /* '@' after the path */
		/* issue 12: placeholder words are not secrets */
		{ "DB_PASSWORD", "REPLACE_ME", false },
		{ "SECRET", "changeme", false },
		{ "API_KEY", "<your-api-key>", false },
		{ "SAS_TOKEN", "YOUR_TOKEN_HERE", false },
		{ "ADMIN_PASSWORD", "********", false },
		{ "STORAGE", "AccountName=x;AccountKey=<your-account-key>", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (rules_env_is_secret(cases[i].name, cases[i].value) != cases[i].secret)
			fail_msg("case %zu (%s): expected %s", i, cases[i].name,
				 cases[i].secret ? "secret" : "not secret");
}

static void test_placeholders(void **state)
{
	(void)state;
	assert_true(ms_is_placeholder("${MODULES.x}"));
	assert_true(ms_is_placeholder("$VAR"));
	assert_true(ms_is_placeholder("prefix-$VAR_2-suffix"));
	assert_true(ms_is_placeholder("<CR.Password>"));
	assert_true(ms_is_placeholder("{{x}}"));
	assert_false(ms_is_placeholder("pa$$word"));
	assert_false(ms_is_placeholder("a < b > c"));
	assert_false(ms_is_placeholder("plain"));
	assert_false(ms_is_placeholder("${unterminated"));
	assert_true(ms_is_only_placeholder("${MODULES.x}"));
	assert_true(ms_is_only_placeholder("$A$B"));
	assert_false(ms_is_only_placeholder("$A/m:1.0"));
	assert_false(ms_is_only_placeholder(""));
}

/* The edgesec module: its documented privileges are AcceptedRisk, anything beyond is not. */
static void test_edgesec_accepted(void **state)
{
	static const struct {
		bool top;
		const char *key, *value, *image, *rule;
	} cases[] = {
		/* Recognised by image (any registry, tag or digest) or label. */
		{ false, "CapAdd",
		  "[\"SYS_ADMIN\",\"SYS_PTRACE\",\"DAC_READ_SEARCH\",\"NET_ADMIN\","
		  "\"AUDIT_CONTROL\",\"AUDIT_READ\",\"SETUID\",\"SETGID\",\"SETPCAP\"]",
		  "edgesec:0.1.0", "EDGE037" },
		{ false, "CapAdd", "[\"CAP_BPF\",\"CAP_PERFMON\"]", "r.io/a/edgesec:1@sha256:ab",
		  "EDGE037" },
		{ false, "PidMode", "\"host\"", "reg.azurecr.io/edgesec:1.2", "EDGE037" },
		{ false, "NetworkMode", "\"host\"", "edgesec:1", "EDGE037" },
		{ false, "CgroupnsMode", "\"host\"", "edgesec:1", "EDGE037" },
		{ false, "Binds",
		  "[\"/etc:/host/etc:ro\",\"/var/log/:/host/var/log:ro\","
		  "\"/var/run/docker.sock:/var/run/docker.sock:ro\",\"/run/edgesec:/host/run/"
		  "edgesec\"]",
		  "edgesec:1", "EDGE037" },
		{ false, "SecurityOpt", "[\"no-new-privileges:true\",\"label=disable\"]",
		  "edgesec:1", "EDGE037" },
		{ true, "User", NULL, "edgesec:1", "EDGE037" },
		{ true, "User", "\"root\"", "edgesec:1", "EDGE037" },
		/* Beyond the documented set: the usual rule and severity. */
		{ false, "CapAdd", "[\"SYS_MODULE\"]", "edgesec:1", "EDGE003" },
		{ false, "CapAdd", "[\"ALL\"]", "edgesec:1", "EDGE002" },
		{ false, "Privileged", "true", "edgesec:1", "EDGE001" },
		{ false, "IpcMode", "\"host\"", "edgesec:1", "EDGE006" },
		{ false, "Binds", "[\"/etc:/host/etc\"]", "edgesec:1", "EDGE011" },
		{ false, "Binds", "[\"/etc:/etc:ro\"]", "edgesec:1", "EDGE012" },
		{ false, "Binds", "[\"/:/host:ro\"]", "edgesec:1", "EDGE012" },
		{ false, "Binds", "[\"/var/run/docker.sock:/var/run/docker.sock\"]", "edgesec:1",
		  "EDGE010" },
		{ false, "Binds", "[\"/run/containerd/containerd.sock:/c.sock:ro\"]", "edgesec:1",
		  "EDGE010" },
		{ false, "SecurityOpt", "[\"no-new-privileges:true\",\"seccomp=unconfined\"]",
		  "edgesec:1", "EDGE016" },
		/* Not the edgesec module: nothing is accepted. */
		{ false, "CapAdd", "[\"SYS_ADMIN\"]", "r.io/edgesec-fake:1", "EDGE003" },
		{ false, "CapAdd", "[\"SYS_ADMIN\"]", "r.io/myedgesec:1", "EDGE003" },
		{ false, "CapAdd", "[\"SYS_ADMIN\"]", "edgesec/other:1", "EDGE003" },
		{ false, "PidMode", "\"host\"", "r.io/m:1.0", "EDGE005" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_only(MODULE_KIND_CUSTOM, cases[i].top, cases[i].key, cases[i].value,
			    cases[i].image, cases[i].rule);
}

/* The label alone (an image named by a placeholder) marks the module; a message names the
 * rule, the setting and the reason. */
static void test_edgesec_label(void **state)
{
	cJSON *body = cJSON_Parse("{\"User\":\"1000\",\"Labels\":{\"io.edgesec.module\":\"true\"},"
				  "\"HostConfig\":{\"CapAdd\":[\"NET_ADMIN\"]}}");
	struct module_settings *ms = module_settings_new("edgesec", MODULE_KIND_CUSTOM, "/m");
	struct json_error err;
	struct finding_list l = { 0 };
	bool found = false;

	(void)state;
	assert_non_null(body);
	assert_int_equal(module_settings_set_str(ms, &ms->image, "${MODULES.edgesec}", "/i"), 0);
	assert_int_equal(module_settings_fill_create(ms, body, "/c", &err), 0);
	assert_string_equal(ms->edgesec_label.value, "true");
	assert_string_equal(ms->edgesec_label.path, "/c/Labels/io.edgesec.module");
	assert_int_equal(rules_check_module(ms, NULL, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.items[i].rule->id, "EDGE037") != 0)
			continue;
		found = true;
		assert_int_equal(l.items[i].rule->severity, SEVERITY_INFO);
		assert_non_null(
			strstr(l.items[i].message, "EDGE003 DangerousCapability NET_ADMIN"));
		assert_non_null(strstr(l.items[i].message, "firewall"));
		assert_string_equal(l.items[i].path, "/c/HostConfig/CapAdd/0");
	}
	assert_true(found);
	finding_list_done(&l);
	module_settings_free(ms);
	cJSON_Delete(body);
}

static void test_table(void **state)
{
	size_t n;
	const struct rule *t = rules_table(&n);

	(void)state;
	assert_true(n >= 36);
	for (size_t i = 0; i < n; i++) {
		unsigned num = 0;
		char id[32];

		/* EDGEnnn, ascending (ids are stable, so a retired or reserved number leaves a
		 * gap), each found by rule_find */
		assert_int_equal(sscanf(t[i].id, "EDGE%3u", &num), 1);
		snprintf(id, sizeof(id), "EDGE%03u", num);
		assert_string_equal(t[i].id, id);
		assert_true(i == 0 || strcmp(t[i - 1].id, t[i].id) < 0);
		assert_ptr_equal(rule_find(id), &t[i]);
		assert_non_null(t[i].name);
		assert_non_null(t[i].title);
		assert_non_null(t[i].message);
		assert_non_null(t[i].remediation);
		assert_non_null(t[i].rationale);
		assert_true(t[i].severity >= 0 && t[i].severity < _SEVERITY_MAX);
	}
	assert_null(rule_find("EDGE999"));
	assert_int_equal(severity_from_string("High"), SEVERITY_HIGH);
	assert_int_equal(severity_from_string("info"), SEVERITY_INFO);
	assert_int_equal(severity_from_string("bad"), _SEVERITY_INVALID);
	assert_string_equal(severity_to_title(SEVERITY_CRITICAL), "Critical");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardened_is_clean), cmocka_unit_test(test_each_rule_alone),
		cmocka_unit_test(test_system_modules),	  cmocka_unit_test(test_protocol_heads),
		cmocka_unit_test(test_registries),	  cmocka_unit_test(test_secret_heuristics),
		cmocka_unit_test(test_placeholders),	  cmocka_unit_test(test_edgesec_accepted),
		cmocka_unit_test(test_edgesec_label),	  cmocka_unit_test(test_table),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
