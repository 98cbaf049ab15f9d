/* SPDX-License-Identifier: MIT */
/*
 * docker inspect → module settings → rules, on inspect documents a real dockerd produced
 * (tests/inspect/, see its README): the risky and privileged containers give the expected
 * findings at JSON pointers into the inspect document; the same settings given as a manifest
 * module's createOptions give exactly the same rule ids; IoT Edge's own socket binds are left
 * out; odd documents (wrong types, huge arrays) are counted skips, never errors; and the
 * Recommendation event built from the findings carries the right items and no secret.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyze-events.h"
#include "analyze/inspect.h"
#include "analyze/manifest.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "pipeline/format.h"

#define FIXTURES TEST_SOURCE_DIR "/tests/inspect"
/* The fake key in risky.json's EdgeHubConnectionString: must never be echoed. */
#define SECRET_VALUE "c2VjcmV0c2VjcmV0"

static cJSON *load(const char *name)
{
	char path[512], *data;
	size_t len;
	struct json_error err;
	cJSON *doc;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	assert_int_equal(read_file_capped(path, 1u << 24, &data, &len), 0);
	json_read_init();
	doc = json_parse(data, len, &err);
	es_free(data);
	assert_non_null(doc);
	return doc;
}

static struct inspected_container *inspect_file(const char *name)
{
	cJSON *doc = load(name);
	struct inspected_container *c = NULL;

	assert_int_equal(inspect_container(doc, &c), 0);
	cJSON_Delete(doc);
	return c;
}

static const struct finding *find(const struct finding_list *l, const char *id, size_t nth)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].rule->id, id) == 0 && nth-- == 0)
			return &l->items[i];
	return NULL;
}

static void assert_finding(const struct finding_list *l, const char *id, const char *path)
{
	const struct finding *f = find(l, id, 0);

	if (!f)
		fail_msg("no %s finding", id);
	assert_string_equal(f->path, path);
}

static void test_risky_container(void **state)
{
	struct inspected_container *c = inspect_file("risky.json");
	struct finding_list l = { 0 };

	(void)state;
	assert_string_equal(c->ms->name, "esanalyze-risky");
	assert_int_equal(strlen(c->id), 64);
	assert_string_equal(c->image, "esanalyze/busybox:1");
	assert_true(c->edge_module);
	assert_int_equal(c->skipped, 0);
	assert_int_equal(analyze_containers(&c, 1, &l), 0);
	assert_finding(&l, "EDGE003", "/HostConfig/CapAdd/0");
	assert_non_null(strstr(find(&l, "EDGE003", 0)->message, "SYS_ADMIN"));
	assert_finding(&l, "EDGE005", "/HostConfig/PidMode");
	assert_finding(&l, "EDGE010", "/HostConfig/Binds/0");
	assert_non_null(strstr(find(&l, "EDGE010", 0)->message, "/var/run/docker.sock"));
	assert_finding(&l, "EDGE033", "/Config/Env/1");
	assert_null(find(&l, "EDGE001", 0));
	assert_null(find(&l, "EDGE010", 1)); /* Binds and the resolved Mounts[] are one mount */
	for (size_t i = 0; i < l.n; i++) {
		assert_string_equal(l.items[i].module, "esanalyze-risky");
		assert_null(strstr(l.items[i].message, SECRET_VALUE));
	}
	finding_list_done(&l);
	inspected_container_free(c);
}

static void test_privileged_container(void **state)
{
	struct finding_list l = { 0 };
	cJSON *doc = load("priv.json");

	(void)state;
	assert_int_equal(analyze_container(doc, &l), 0);
	assert_finding(&l, "EDGE001", "/HostConfig/Privileged");
	assert_string_equal(find(&l, "EDGE001", 0)->rule->asc_type, "IoT_PrivilegedDockerOptions");
	finding_list_done(&l);
	cJSON_Delete(doc);
}

static void test_hardened_container(void **state)
{
	struct inspected_container *c = inspect_file("hardened.json");
	struct finding_list l = { 0 };

	(void)state;
	assert_string_equal(c->status, "running");
	assert_int_equal(analyze_containers(&c, 1, &l), 0);
	/* The daemon's default cgroup namespace (host on this cgroup v1 engine) is all. */
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.items[i].rule->id, "EDGE009");
	finding_list_done(&l);
	inspected_container_free(c);
}

/* Rule ids of a finding list, sorted, joined with ','. */
static void rule_ids(const struct finding_list *l, char *out, size_t size)
{
	const char *ids[128];
	size_t n = l->n < 128 ? l->n : 128;

	for (size_t i = 0; i < n; i++)
		ids[i] = l->items[i].rule->id;
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(ids[k - 1], ids[k]) > 0; k--) {
			const char *t = ids[k];

			ids[k] = ids[k - 1];
			ids[k - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "," : "", ids[i]);
}

/* The container's Config (User, Env) and HostConfig as a manifest module's createOptions,
 * its image as settings.image: the rules must say the same about both. */
static void test_same_rules_as_manifest(void **state)
{
	static const char *const files[] = { "risky.json", "priv.json", "hardened.json",
					     "plain.json" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cJSON *doc = load(files[i]), *config = cJSON_GetObjectItem(doc, "Config");
		cJSON *create = cJSON_CreateObject(), *manifest, *mod;
		struct finding_list from_inspect = { 0 }, from_manifest = { 0 };
		struct manifest *m = NULL;
		struct json_error err;
		char a[2048], b[2048], *text, *co;

		cJSON_AddItemToObject(create, "User",
				      cJSON_Duplicate(cJSON_GetObjectItem(config, "User"), 1));
		cJSON_AddItemToObject(create, "Env",
				      cJSON_Duplicate(cJSON_GetObjectItem(config, "Env"), 1));
		cJSON_AddItemToObject(create, "HostConfig",
				      cJSON_Duplicate(cJSON_GetObjectItem(doc, "HostConfig"), 1));
		co = cJSON_PrintUnformatted(create);
		manifest =
			cJSON_Parse("{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":"
				    "{\"modules\":{\"m\":{\"settings\":{}}}}}}}");
		mod = cJSON_GetObjectItem(
			cJSON_GetObjectItem(
				cJSON_GetObjectItem(
					cJSON_GetObjectItem(
						cJSON_GetObjectItem(
							cJSON_GetObjectItem(manifest,
									    "modulesContent"),
							"$edgeAgent"),
						"properties.desired"),
					"modules"),
				"m"),
			"settings");
		cJSON_AddStringToObject(mod, "image",
					cJSON_GetObjectItem(config, "Image")->valuestring);
		cJSON_AddStringToObject(mod, "createOptions", co);
		text = cJSON_PrintUnformatted(manifest);
		assert_int_equal(manifest_parse(text, strlen(text), &m, &err), 0);
		assert_int_equal(manifest_analyze(m, &from_manifest), 0);
		assert_int_equal(analyze_container(doc, &from_inspect), 0);
		rule_ids(&from_inspect, a, sizeof(a));
		rule_ids(&from_manifest, b, sizeof(b));
		assert_string_equal(a, b);
		assert_true(from_inspect.n > 0);
		finding_list_done(&from_inspect);
		finding_list_done(&from_manifest);
		manifest_free(m);
		cJSON_free(text);
		cJSON_free(co);
		cJSON_Delete(manifest);
		cJSON_Delete(create);
		cJSON_Delete(doc);
	}
}

static void test_iotedge_runtime_mounts(void **state)
{
	struct inspected_container *agent = inspect_file("deployment/edgeAgent.json");
	struct inspected_container *hub = inspect_file("deployment/edgeHub.json");
	struct inspected_container *sensor = inspect_file("deployment/tempSensor.json");
	struct inspected_container *const all[] = { agent, hub, sensor };
	struct finding_list l = { 0 };

	(void)state;
	assert_int_equal(agent->ms->kind, MODULE_KIND_EDGE_AGENT);
	assert_int_equal(hub->ms->kind, MODULE_KIND_EDGE_HUB);
	assert_int_equal(agent->runtime_mounts, 2); /* mgmt.sock and workload.sock */
	assert_int_equal(hub->runtime_mounts, 1);
	assert_int_equal(sensor->runtime_mounts, 1);
	/* The manifest's image, from the original-image label, not the local tag. */
	assert_string_equal(agent->image, "mcr.microsoft.com/azureiotedge-agent:1.4");
	assert_int_equal(analyze_containers(all, 3, &l), 0);
	assert_null(find(&l, "EDGE010", 0));
	assert_finding(&l, "EDGE032", "/Config/Labels/net.azure-devices.edge.original-image");
	assert_finding(&l, "EDGE004", "/HostConfig/NetworkMode");
	assert_finding(&l, "EDGE012", "/HostConfig/Binds/1");
	/* edgeHub publishes 8883 and 443 on all addresses: its job, not a finding. */
	assert_null(find(&l, "EDGE028", 0));
	finding_list_done(&l);
	inspected_container_free(agent);
	inspected_container_free(hub);
	inspected_container_free(sensor);
}

static struct inspected_container *inspect_str(const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	struct inspected_container *c = NULL;

	assert_non_null(doc);
	assert_int_equal(inspect_container(doc, &c), 0);
	cJSON_Delete(doc);
	return c;
}

static void test_odd_documents(void **state)
{
	static const struct {
		const char *json;
		size_t skipped;
	} cases[] = {
		{ "{}", 0 },
		{ "{\"Name\":7,\"Id\":[],\"Image\":{},\"State\":\"x\"}", 3 },
		{ "{\"HostConfig\":\"privileged\"}", 1 },
		{ "{\"HostConfig\":{\"Privileged\":\"true\",\"CapAdd\":\"SYS_ADMIN\"}}", 2 },
		{ "{\"Config\":[],\"Mounts\":{}}", 2 },
		{ "{\"Config\":{\"Labels\":[],\"Env\":[1,null,\"A=b\"],\"User\":0}}", 4 },
		{ "{\"HostConfig\":{\"Binds\":[null,5,\"/a:/b\"],\"Devices\":[\"x\",{}],"
		  "\"PortBindings\":{\"80/tcp\":\"x\",\"81/tcp\":[1]},\"LogConfig\":[]}}",
		  6 },
		{ "{\"Mounts\":[1,{\"Type\":\"bind\",\"Source\":2,\"Destination\":\"/"
		  "d\",\"RW\":\"y\"}]}",
		  3 },
		{ "{\"HostConfig\":{\"RestartPolicy\":{\"Name\":3},\"Memory\":\"1g\"}}", 2 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct inspected_container *c = inspect_str(cases[i].json);
		struct finding_list l = { 0 };

		if (c->skipped != cases[i].skipped)
			fail_msg("case %zu: skipped %zu, expected %zu", i, c->skipped,
				 cases[i].skipped);
		assert_int_equal(analyze_containers(&c, 1, &l), 0);
		assert_null(find(&l, "EDGE001", 0));
		assert_null(find(&l, "EDGE003", 0));
		finding_list_done(&l);
		inspected_container_free(c);
	}
	/* Good values next to bad ones are still read. */
	{
		struct inspected_container *c = inspect_str(
			"{\"HostConfig\":{\"CapAdd\":[1,\"SYS_ADMIN\",{}],\"Privileged\":true,"
			"\"Binds\":[7,\"/:/host\"]}}");
		struct finding_list l = { 0 };

		assert_int_equal(c->skipped, 3);
		assert_int_equal(analyze_containers(&c, 1, &l), 0);
		assert_finding(&l, "EDGE003", "/HostConfig/CapAdd/1");
		assert_finding(&l, "EDGE001", "/HostConfig/Privileged");
		assert_finding(&l, "EDGE011", "/HostConfig/Binds/1");
		finding_list_done(&l);
		inspected_container_free(c);
	}
	/* Not an object at all. */
	{
		cJSON *arr = cJSON_Parse("[{}]");
		struct inspected_container *c = NULL;

		assert_int_equal(inspect_container(arr, &c), -EINVAL);
		assert_null(c);
		assert_int_equal(inspect_container(NULL, &c), -EINVAL);
		cJSON_Delete(arr);
	}
}

static void test_huge_arrays(void **state)
{
	cJSON *doc = cJSON_CreateObject(), *hc = cJSON_AddObjectToObject(doc, "HostConfig");
	cJSON *caps = cJSON_AddArrayToObject(hc, "CapAdd");
	cJSON *binds = cJSON_AddArrayToObject(hc, "Binds");
	struct inspected_container *c = NULL;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		cJSON_AddItemToArray(caps, cJSON_CreateString("SYS_ADMIN"));
		cJSON_AddItemToArray(binds, cJSON_CreateString("/etc:/etc"));
	}
	assert_int_equal(inspect_container(doc, &c), 0);
	assert_int_equal(c->ms->cap_add.n, MS_LIST_MAX);
	assert_int_equal(c->ms->n_mounts, MS_LIST_MAX);
	assert_true(c->ms->dropped > 20000 - MS_LIST_MAX); /* CapAdd stops at the first */
	inspected_container_free(c);
	cJSON_Delete(doc);
}

static char *objects(size_t n, size_t *ret_len)
{
	struct buf b;

	buf_init(&b, 0);
	buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++)
		buf_puts(&b, i ? ",{\"Name\":\"/c\"}" : "{\"Name\":\"/c\"}");
	buf_putc(&b, ']');
	assert_false(b.failed);
	return buf_steal(&b, ret_len);
}

/*
 * A whole docker inspect document: INSPECT_MAX_CONTAINERS are kept, one more is counted as
 * dropped (still read for syntax); before, every element became a container (13.5 GB for
 * 32 MiB of "[{},{},...]").
 */
static void test_document_container_cap(void **state)
{
	struct inspect_document d;
	struct json_error err;
	size_t len;
	char *s;

	(void)state;
	s = objects(INSPECT_MAX_CONTAINERS, &len);
	assert_int_equal(inspect_document_parse(s, len, &d, &err), 0);
	assert_int_equal(d.n, INSPECT_MAX_CONTAINERS);
	assert_int_equal(d.dropped, 0);
	assert_true(d.array);
	inspect_document_done(&d);
	es_free(s);
	s = objects(INSPECT_MAX_CONTAINERS + 1, &len);
	assert_int_equal(inspect_document_parse(s, len, &d, &err), 0);
	assert_int_equal(d.n, INSPECT_MAX_CONTAINERS);
	assert_int_equal(d.dropped, 1);
	inspect_document_done(&d);
	/* A syntax error past the cap is still an error, placed in the whole document. */
	s[len - 1] = '}';
	assert_int_equal(inspect_document_parse(s, len, &d, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, len);
	inspect_document_done(&d);
	es_free(s);

	/* One object; anything else is not docker inspect output. */
	assert_int_equal(inspect_document_parse("{\"Id\":\"ab\"}", 11, &d, &err), 0);
	assert_int_equal(d.n, 1);
	assert_false(d.array);
	inspect_document_done(&d);
	assert_int_equal(inspect_document_parse("[{}, 3]", 7, &d, &err), -EINVAL);
	assert_string_equal(err.pointer, "/1");
	inspect_document_done(&d);
	assert_int_equal(inspect_document_parse("\"x\"", 3, &d, &err), -EINVAL);
	inspect_document_done(&d);
}

/* The event as JSON (our schema's event object). */
static void format_event(const struct event *e, struct buf *out)
{
	struct jw w;

	buf_init(out, 1u << 24);
	jw_init(&w, out);
	event_format(e, &w);
	buf_putc(out, '\0');
	assert_false(out->failed);
}

static void test_recommendation_event(void **state)
{
	struct inspected_container *risky = inspect_file("risky.json");
	struct inspected_container *priv = inspect_file("priv.json");
	struct inspected_container *const cs[] = { risky, priv };
	struct finding_list l = { 0 };
	struct event *e = NULL;
	struct event_cursor cur;
	struct event_value v;
	size_t dropped = 99, items = 0, privileged = 0;
	cJSON *json, *it;
	struct buf out;

	(void)state;
	assert_int_equal(analyze_containers(cs, 2, &l), 0);
	assert_int_equal(recommendation_event_new(&l, cs, 2, 1000, &e, &dropped), 0);
	assert_non_null(e);
	assert_int_equal(dropped, 0);
	assert_int_equal(event_get_type(e), EVENT_RECOMMENDATION);
	assert_int_equal(event_get_n_items(e), l.n);
	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v))
		if (v.kind == EVENT_VALUE_ITEM)
			items++;
	assert_int_equal(items, l.n);

	format_event(e, &out);
	assert_null(strstr(out.data, SECRET_VALUE));
	json = cJSON_Parse(out.data);
	assert_non_null(json);
	assert_string_equal(cJSON_GetObjectItem(json, "Name")->valuestring, "Recommendation");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(json, "Payload")) {
		const char *rule = cJSON_GetObjectItem(it, "RuleId")->valuestring;
		const char *module = cJSON_GetObjectItem(it, "Module")->valuestring;
		const cJSON *cid = cJSON_GetObjectItem(it, "ContainerId");

		assert_non_null(cJSON_GetObjectItem(it, "Message"));
		assert_non_null(cJSON_GetObjectItem(it, "Remediation"));
		assert_non_null(cJSON_GetObjectItem(it, "Path"));
		assert_string_equal(cJSON_GetObjectItem(it, "Image")->valuestring,
				    "esanalyze/busybox:1");
		assert_string_equal(cid->valuestring,
				    strcmp(module, "esanalyze-priv") == 0 ? priv->id : risky->id);
		if (strcmp(rule, "EDGE001") == 0) {
			privileged++;
			assert_string_equal(module, "esanalyze-priv");
			assert_string_equal(cJSON_GetObjectItem(it, "Severity")->valuestring,
					    "Critical");
			assert_string_equal(
				cJSON_GetObjectItem(it, "RecommendationType")->valuestring,
				"IoT_PrivilegedDockerOptions");
		}
		if (strcmp(rule, "EDGE033") == 0)
			assert_null(cJSON_GetObjectItem(it, "RecommendationType"));
	}
	assert_int_equal(privileged, 1);
	cJSON_Delete(json);
	buf_done(&out);
	event_free(e);

	/* No findings, no event. */
	finding_list_done(&l);
	assert_int_equal(recommendation_event_new(&l, cs, 2, 1000, &e, &dropped), 0);
	assert_null(e);
	inspected_container_free(risky);
	inspected_container_free(priv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_risky_container),
		cmocka_unit_test(test_privileged_container),
		cmocka_unit_test(test_hardened_container),
		cmocka_unit_test(test_same_rules_as_manifest),
		cmocka_unit_test(test_iotedge_runtime_mounts),
		cmocka_unit_test(test_odd_documents),
		cmocka_unit_test(test_huge_arrays),
		cmocka_unit_test(test_document_container_cap),
		cmocka_unit_test(test_recommendation_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
