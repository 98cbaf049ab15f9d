/* SPDX-License-Identifier: MIT */
/*
 * The Docker Engine API parsers (src/docker/docker-parse.c) on documents shaped like those
 * of docker 20.10 (captured from a real daemon, ids shortened where irrelevant) and on
 * hostile ones; and the container cache (src/docker/docker-cache.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_read.h"
#include "docker/docker-cache.h"
#include "docker/docker-parse.h"

#define ID64 "638bb667bce176b6b629457be2443fede967bbde0aad3946def8df821b0e0b8c"

static void test_id_valid(void **state)
{
	char long_id[DOCKER_ID_MAX + 1];

	(void)state;
	assert_true(docker_id_valid(ID64));
	assert_true(docker_id_valid("edgeHub"));
	assert_true(docker_id_valid("my_module-1.2"));
	assert_false(docker_id_valid(NULL));
	assert_false(docker_id_valid(""));
	assert_false(docker_id_valid("."));
	assert_false(docker_id_valid(".."));
	assert_false(docker_id_valid("../../version"));
	assert_false(docker_id_valid("a/b"));
	assert_false(docker_id_valid("a b"));
	assert_false(docker_id_valid("a%2fb"));
	assert_false(docker_id_valid("a?x=1"));
	assert_false(docker_id_valid("a\r\nHost: x"));
	memset(long_id, 'a', DOCKER_ID_MAX);
	long_id[DOCKER_ID_MAX] = '\0';
	assert_false(docker_id_valid(long_id));
	long_id[DOCKER_ID_MAX - 1] = '\0';
	assert_true(docker_id_valid(long_id));
}

static int version(const char *json, unsigned *minor)
{
	return docker_version_parse(json, strlen(json), minor);
}

static void test_version(void **state)
{
	unsigned minor = 0;

	(void)state;
	assert_int_equal(version("{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\","
				 "\"MinAPIVersion\":\"1.12\"}",
				 &minor),
			 0);
	assert_int_equal(minor, 41);
	assert_int_equal(version("{\"ApiVersion\":\"1.38\"}", &minor), 0);
	assert_int_equal(minor, 38);
	assert_int_equal(version("{\"ApiVersion\":\"1.56\"}", &minor), 0);
	assert_int_equal(minor, 56);
	assert_int_equal(version("{\"ApiVersion\":\"2.0\"}", &minor), -EINVAL);
	assert_int_equal(version("{\"ApiVersion\":\"1.\"}", &minor), -EINVAL);
	assert_int_equal(version("{\"ApiVersion\":\"1.41x\"}", &minor), -EINVAL);
	assert_int_equal(version("{\"ApiVersion\":1.41}", &minor), -EINVAL);
	assert_int_equal(version("{}", &minor), -EINVAL);
	assert_int_equal(version("not json", &minor), -EINVAL);
}

static int event(const char *json, struct docker_event *ev)
{
	return docker_event_parse(json, strlen(json), ev);
}

static void test_event_start_module(void **state)
{
	struct docker_event ev;

	(void)state;
	/* docker 20.10 sends the legacy status/id/from too; they are ignored. */
	assert_int_equal(
		event("{\"status\":\"start\",\"id\":\"" ID64 "\",\"from\":\"busybox\","
		      "\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" ID64
		      "\",\"Attributes\":{\"image\":\"mcr.microsoft.com/azureiotedge-"
		      "simulated-temperature-sensor:1.0\",\"name\":\"SimulatedTemperatureSensor\","
		      "\"net.azure-devices.edge.owner\":\"Microsoft.Azure.Devices.Edge.Agent\"}},"
		      "\"scope\":\"local\",\"time\":1764419018,\"timeNano\":1764419018871000123}",
		      &ev),
		0);
	assert_int_equal(ev.object, DOCKER_OBJECT_CONTAINER);
	assert_string_equal(ev.action, "start");
	assert_string_equal(ev.command, "");
	assert_string_equal(ev.id, ID64);
	assert_string_equal(ev.name, "SimulatedTemperatureSensor");
	assert_string_equal(ev.image,
			    "mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.0");
	/* A module: the owner label; no module label, so the container name (edged's choice). */
	assert_string_equal(ev.module, "SimulatedTemperatureSensor");
	assert_false(ev.has_exit_code);
	/* timeNano goes through a double: exact to well under a microsecond. */
	assert_true(ev.time_ns > 1764419018871000123ull - 1000 &&
		    ev.time_ns < 1764419018871000123ull + 1000);

	/* The module label wins over the name. */
	assert_int_equal(
		event("{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"a1\","
		      "\"Attributes\":{\"name\":\"c\",\"net.azure-devices.edge.owner\":\"x\","
		      "\"net.azure-devices.edge.module\":\"filter\"}},\"time\":5}",
		      &ev),
		0);
	assert_string_equal(ev.module, "filter");
	assert_int_equal(ev.time_ns, 5000000000ull);
	/* Without the owner label a module label alone does not make a module. */
	assert_int_equal(
		event("{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"a1\","
		      "\"Attributes\":{\"name\":\"c\",\"net.azure-devices.edge.module\":\"f\"}}}",
		      &ev),
		0);
	assert_string_equal(ev.module, "");
}

static void test_event_exec_die_kill(void **state)
{
	struct docker_event ev;

	(void)state;
	assert_int_equal(event("{\"Type\":\"container\",\"Action\":\"exec_start: sh -c echo hi\","
			       "\"Actor\":{\"ID\":\"" ID64 "\",\"Attributes\":{\"execID\":\"e1\","
			       "\"name\":\"a\"}}}",
			       &ev),
			 0);
	assert_string_equal(ev.action, "exec_start");
	assert_string_equal(ev.command, "sh -c echo hi");
	assert_int_equal(
		event("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"" ID64
		      "\",\"Attributes\":{\"exitCode\":\"137\",\"name\":\"a\"}}}",
		      &ev),
		0);
	assert_true(ev.has_exit_code);
	assert_int_equal(ev.exit_code, 137);
	assert_false(ev.has_signal);
	assert_int_equal(
		event("{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"ID\":\"" ID64
		      "\",\"Attributes\":{\"signal\":\"15\"}}}",
		      &ev),
		0);
	assert_true(ev.has_signal);
	assert_int_equal(ev.signal, 15);
	/* Numbers that are not decimal strings are not taken. */
	assert_int_equal(event("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"x\","
			       "\"Attributes\":{\"exitCode\":\"12abc\",\"signal\":9}}}",
			       &ev),
			 0);
	assert_false(ev.has_exit_code);
	assert_false(ev.has_signal);
}

static void test_event_image_and_bad(void **state)
{
	struct docker_event ev;
	char big[DOCKER_COMMAND_MAX * 2 + 200];
	int n;

	(void)state;
	assert_int_equal(event("{\"Type\":\"image\",\"Action\":\"pull\",\"Actor\":{\"ID\":"
			       "\"busybox:latest\",\"Attributes\":{\"name\":\"busybox\"}}}",
			       &ev),
			 0);
	assert_int_equal(ev.object, DOCKER_OBJECT_IMAGE);
	assert_string_equal(ev.id, "busybox:latest");
	assert_string_equal(ev.module, "");
	assert_int_equal(event("{\"Type\":\"network\",\"Action\":\"connect\"}", &ev), 0);
	assert_int_equal(ev.object, DOCKER_OBJECT_OTHER);

	assert_int_equal(event("", &ev), -EINVAL);
	assert_int_equal(event("[]", &ev), -EINVAL);
	assert_int_equal(event("{\"Type\":\"container\"}", &ev), -EINVAL);
	assert_int_equal(event("{\"Type\":\"container\",\"Action\":\"\"}", &ev), -EINVAL);
	assert_int_equal(event("{\"Type\":1,\"Action\":\"start\"}", &ev), -EINVAL);
	assert_int_equal(event("{\"Type\":\"container\",\"Action\":\"start\"", &ev), -EINVAL);
	/* A command longer than its field is cut, still terminated. */
	n = snprintf(big, sizeof(big), "{\"Type\":\"container\",\"Action\":\"exec_create: ");
	memset(big + n, 'x', DOCKER_COMMAND_MAX * 2);
	snprintf(big + n + DOCKER_COMMAND_MAX * 2, sizeof(big) - n - DOCKER_COMMAND_MAX * 2,
		 "\",\"Actor\":{\"ID\":\"x\"}}");
	assert_int_equal(event(big, &ev), 0);
	assert_int_equal(strlen(ev.command), DOCKER_COMMAND_MAX - 1);
}

static void test_list(void **state)
{
	const char *json = "[{\"Id\":\"" ID64 "\",\"Names\":[\"/a\"]},{\"Id\":\"../../etc\"},"
			   "{\"Id\":7},{},\"x\",{\"Id\":\"b2\"},{\"Id\":\"c3\"}]";
	char ids[2][DOCKER_ID_MAX];
	size_t skipped, dropped;

	(void)state;
	assert_int_equal(docker_list_parse(json, strlen(json), ids, 2, &skipped, &dropped), 2);
	assert_string_equal(ids[0], ID64);
	assert_string_equal(ids[1], "b2");
	assert_int_equal(skipped, 4);
	assert_int_equal(dropped, 1);
	assert_int_equal(docker_list_parse("[]", 2, ids, 2, &skipped, &dropped), 0);
	assert_int_equal(docker_list_parse("{}", 2, ids, 2, &skipped, &dropped), -EINVAL);
	assert_int_equal(docker_list_parse("[", 1, ids, 2, &skipped, &dropped), -EINVAL);
}

static const char *inspect_json =
	"{\"Id\":\"" ID64 "\",\"Name\":\"/edgeHub\",\"Image\":\"sha256:27e3\","
	"\"State\":{\"Status\":\"running\",\"Pid\":2881,\"ExitCode\":0},"
	"\"Config\":{\"User\":\"\",\"Image\":\"mcr.microsoft.com/azureiotedge-hub:1.4\","
	"\"Env\":[\"SharedAccessKey=c2VjcmV0\"],"
	"\"Labels\":{\"net.azure-devices.edge.owner\":\"Microsoft.Azure.Devices.Edge.Agent\","
	"\"net.azure-devices.edge.env\":\"{\\\"key\\\":\\\"SharedAccessKey=c2VjcmV0\\\"}\"}},"
	"\"HostConfig\":{\"Privileged\":true,\"NetworkMode\":\"host\",\"PidMode\":\"host\","
	"\"CgroupParent\":\"\",\"CapAdd\":[\"SYS_ADMIN\",\"CAP_NET_ADMIN\",3],\"CapDrop\":null,"
	"\"SecurityOpt\":[\"apparmor=unconfined\"],\"Devices\":[{\"PathOnHost\":\"/dev/mem\","
	"\"PathInContainer\":\"/dev/mem\",\"CgroupPermissions\":\"rwm\"}],"
	"\"PortBindings\":{\"443/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"443\"}]},\"Memory\":0,"
	"\"PidsLimit\":null},"
	"\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/var/run/docker.sock\",\"Destination\":"
	"\"/var/run/docker.sock\",\"RW\":true,\"Propagation\":\"rprivate\"},"
	"{\"Type\":\"volume\",\"Name\":\"v\",\"Source\":\"/var/lib/docker/volumes/v/_data\"}],"
	"\"AppArmorProfile\":\"unconfined\"}";

static void test_inspect(void **state)
{
	struct json_error err;
	struct docker_container c;
	cJSON *doc = json_parse(inspect_json, strlen(inspect_json), &err), *set, *v;
	struct buf b;

	(void)state;
	assert_non_null(doc);
	buf_init(&b, DOCKER_SETTINGS_MAX + 64);
	assert_int_equal(docker_inspect_parse(doc, &c, &b), 0);
	assert_string_equal(c.id, ID64);
	assert_string_equal(c.name, "edgeHub");
	assert_string_equal(c.image, "mcr.microsoft.com/azureiotedge-hub:1.4");
	assert_string_equal(c.image_id, "sha256:27e3");
	assert_string_equal(c.module, "edgeHub");
	assert_string_equal(c.state, "running");
	assert_int_equal(c.pid, 2881);
	assert_true(c.privileged);
	/* The environment and the edgeAgent labels never reach the settings. */
	assert_null(strstr(b.data, "SharedAccessKey"));
	set = json_parse(b.data, b.len, &err);
	assert_non_null(set);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(set, "Privileged")));
	assert_string_equal(cJSON_GetObjectItem(set, "NetworkMode")->valuestring, "host");
	assert_string_equal(cJSON_GetObjectItem(set, "PidMode")->valuestring, "host");
	assert_string_equal(cJSON_GetObjectItem(set, "User")->valuestring, "");
	v = cJSON_GetObjectItem(set, "CapAdd");
	assert_int_equal(cJSON_GetArraySize(v), 2); /* the number is skipped */
	assert_string_equal(cJSON_GetArrayItem(v, 1)->valuestring, "CAP_NET_ADMIN");
	assert_null(cJSON_GetObjectItem(set, "CapDrop")); /* null: not reported */
	assert_null(cJSON_GetObjectItem(set, "PidsLimit"));
	assert_int_equal(cJSON_GetObjectItem(set, "Memory")->valueint, 0);
	v = cJSON_GetObjectItem(set, "HostMounts");
	assert_int_equal(cJSON_GetArraySize(v), 1); /* the volume is not a host mount */
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(v, 0), "Source")->valuestring,
			    "/var/run/docker.sock");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(v, 0), "RW")));
	v = cJSON_GetObjectItem(set, "Devices");
	assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, "/dev/mem");
	v = cJSON_GetArrayItem(cJSON_GetObjectItem(set, "PublishedPorts"), 0);
	assert_string_equal(cJSON_GetObjectItem(v, "ContainerPort")->valuestring, "443/tcp");
	assert_string_equal(cJSON_GetObjectItem(v, "HostPort")->valuestring, "443");
	assert_string_equal(cJSON_GetObjectItem(set, "AppArmorProfile")->valuestring, "unconfined");
	cJSON_Delete(set);
	cJSON_Delete(doc);
	buf_done(&b);
}

static void test_inspect_hostile(void **state)
{
	struct docker_container c;
	struct buf b, big;
	cJSON *doc, *set;

	(void)state;
	buf_init(&b, DOCKER_SETTINGS_MAX + 64);
	/* Wrong types everywhere: still one valid object, nothing taken from the wrong types. */
	doc = cJSON_Parse(
		"{\"Id\":\"abc\",\"Name\":7,\"State\":[],\"Config\":\"x\",\"HostConfig\":"
		"{\"CapAdd\":\"ALL\",\"Devices\":[1,{\"PathOnHost\":null}],\"Privileged\":1},"
		"\"Mounts\":{}}");
	assert_non_null(doc);
	assert_int_equal(docker_inspect_parse(doc, &c, &b), 0);
	assert_string_equal(c.name, "");
	assert_false(c.privileged);
	set = cJSON_Parse(b.data);
	assert_non_null(set);
	assert_null(cJSON_GetObjectItem(set, "CapAdd"));
	assert_null(cJSON_GetObjectItem(set, "Privileged"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(set, "Devices")), 0);
	cJSON_Delete(set);
	cJSON_Delete(doc);
	/* An id that could walk the API path is refused. */
	doc = cJSON_Parse("{\"Id\":\"../../x\"}");
	assert_int_equal(docker_inspect_parse(doc, &c, &b), -EINVAL);
	cJSON_Delete(doc);
	assert_int_equal(docker_inspect_parse(NULL, &c, &b), -EINVAL);

	/* 10000 long CapAdd entries: at most 64 kept, and within DOCKER_SETTINGS_MAX. */
	buf_init(&big, 0);
	buf_puts(&big, "{\"Id\":\"abc\",\"HostConfig\":{\"CapAdd\":[");
	for (int i = 0; i < 10000; i++)
		buf_printf(&big, "%s\"CAP_%0200d\"", i ? "," : "", i);
	buf_puts(&big, "]}}");
	doc = cJSON_Parse(big.data);
	assert_non_null(doc);
	buf_reset(&b);
	assert_int_equal(docker_inspect_parse(doc, &c, &b), 0);
	assert_true(b.len <= DOCKER_SETTINGS_MAX);
	set = cJSON_Parse(b.data);
	assert_non_null(set);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(set, "CapAdd")), 64);
	cJSON_Delete(set);
	cJSON_Delete(doc);
	buf_done(&big);
	buf_done(&b);
}

static struct docker_container mk(const char *id, const char *name)
{
	struct docker_container c;

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.name, sizeof(c.name), "%s", name);
	return c;
}

static void test_cache(void **state)
{
	static struct docker_cache dc;
	struct docker_container c = mk(ID64, "a");
	struct docker_cache_entry *e;
	char id[DOCKER_ID_MAX];

	(void)state;
	docker_cache_init(&dc);
	assert_non_null(docker_cache_put(&dc, &c, "{}", 2, "{\"Id\":1}", 8, 1));
	c = mk("638bb667bce1ffff", "b"); /* shares 8 characters of prefix with ID64 */
	assert_non_null(docker_cache_put(&dc, &c, NULL, 0, NULL, 0, 1));
	assert_int_equal(dc.n, 2);
	e = docker_cache_get(&dc, ID64);
	assert_non_null(e);
	assert_string_equal(e->c.name, "a");
	assert_string_equal(e->inspect, "{\"Id\":1}");
	/* A unique 12-character prefix finds it; a shorter or ambiguous one does not. */
	assert_non_null(docker_cache_get(&dc, "638bb667bce17"));
	assert_null(docker_cache_get(&dc, "638bb667bce1")); /* both start with it */
	assert_null(docker_cache_get(&dc, "638bb667"));
	assert_string_equal(docker_cache_get(&dc, "638bb667bce1ffff")->settings, "{}");
	/* Replacing keeps one entry. */
	c = mk(ID64, "renamed");
	assert_non_null(docker_cache_put(&dc, &c, "{}", 2, NULL, 0, 2));
	assert_int_equal(dc.n, 2);
	assert_string_equal(docker_cache_get(&dc, ID64)->c.name, "renamed");
	/* Prune: generation 2 keeps only ID64. */
	assert_int_equal(docker_cache_prune(&dc, 2), 1);
	assert_int_equal(dc.n, 1);
	docker_cache_remove(&dc, ID64);
	assert_int_equal(dc.n, 0);
	assert_null(docker_cache_get(&dc, ID64));
	/* Full: the least recently updated entry is evicted and counted. */
	for (int i = 0; i < DOCKER_CACHE_MAX + 3; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		c = mk(id, id);
		assert_non_null(docker_cache_put(&dc, &c, "{}", 2, NULL, 0, 3));
	}
	assert_int_equal(dc.n, DOCKER_CACHE_MAX);
	assert_int_equal(dc.evicted, 3);
	assert_null(docker_cache_get(&dc, "c0"));
	assert_non_null(docker_cache_get(&dc, "c3"));
	docker_cache_done(&dc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_event_start_module),
		cmocka_unit_test(test_event_exec_die_kill),
		cmocka_unit_test(test_event_image_and_bad),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_inspect_hostile),
		cmocka_unit_test(test_cache),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
