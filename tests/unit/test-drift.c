/* SPDX-License-Identifier: MIT */
/*
 * Desired-vs-running drift: the manifest of tests/inspect/deployment against the inspect
 * documents a real dockerd produced for it (tempSensor runs with an extra capability, the host
 * network and an /etc mount; "rogue" is an IoT Edge module the manifest does not have), each
 * drift kind alone on small documents, what is not drift (less than asked, a non-module
 * container, the daemon's cgroup namespace), and the DriftAlert event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/analyze-events.h"
#include "analyze/drift.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "pipeline/format.h"

#define DEPLOYMENT TEST_SOURCE_DIR "/tests/inspect/deployment"

static struct inspected_container *inspect_json(const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	struct inspected_container *c = NULL;

	assert_non_null(doc);
	assert_int_equal(inspect_container(doc, &c), 0);
	cJSON_Delete(doc);
	return c;
}

static struct inspected_container *inspect_file(const char *path)
{
	char *data;
	size_t len;
	struct json_error err;
	struct inspected_container *c = NULL;
	cJSON *doc;

	assert_int_equal(read_file_capped(path, 1u << 24, &data, &len), 0);
	json_read_init();
	doc = json_parse(data, len, &err);
	es_free(data);
	assert_non_null(doc);
	assert_int_equal(inspect_container(doc, &c), 0);
	cJSON_Delete(doc);
	return c;
}

static struct manifest *manifest_str(const char *json)
{
	struct manifest *m = NULL;
	struct json_error err;

	assert_int_equal(manifest_parse(json, strlen(json), &m, &err), 0);
	return m;
}

static struct manifest *manifest_file(const char *path)
{
	struct manifest *m = NULL;
	struct json_error err;
	char *data;
	size_t len;

	assert_int_equal(read_file_capped(path, MANIFEST_MAX_SIZE, &data, &len), 0);
	assert_int_equal(manifest_parse(data, len, &m, &err), 0);
	es_free(data);
	return m;
}

static const struct drift *find(const struct drift_list *l, const char *module,
				enum drift_kind kind)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].module, module) == 0 && l->items[i].kind == kind)
			return &l->items[i];
	return NULL;
}

static void test_deployment(void **state)
{
	static const char *const names[] = { "edgeAgent", "edgeHub", "tempSensor", "rogue" };
	struct inspected_container *cs[4];
	struct manifest *m = manifest_file(DEPLOYMENT "/manifest.json");
	struct drift_list l = { 0 };
	const struct drift *d;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s.json", DEPLOYMENT, names[i]);
		cs[i] = inspect_file(path);
	}
	assert_int_equal(drift_compare(m, cs, 4, &l), 0);
	assert_int_equal(l.n, 4);

	/* CapAdd [NET_ADMIN, SYS_PTRACE]; the manifest adds SYS_PTRACE only. */
	d = find(&l, "tempSensor", DRIFT_CAPABILITY);
	assert_non_null(d);
	assert_string_equal(d->setting, "CAP_NET_ADMIN");
	assert_string_equal(d->path, "/HostConfig/CapAdd/0");
	assert_int_equal(d->severity, SEVERITY_HIGH);
	assert_string_equal(d->manifest_path,
			    "/modulesContent/$edgeAgent/properties.desired/modules/tempSensor");
	assert_string_equal(d->container_id, cs[2]->id);
	assert_string_equal(d->image,
			    "mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.4");

	d = find(&l, "tempSensor", DRIFT_HOST_NAMESPACE);
	assert_non_null(d);
	assert_string_equal(d->setting, "NetworkMode host");
	assert_string_equal(d->path, "/HostConfig/NetworkMode");

	/* /etc is extra; /var/lib/esanalyze-data is in the manifest; workload.sock is IoT Edge's.
	 */
	d = find(&l, "tempSensor", DRIFT_HOST_MOUNT);
	assert_non_null(d);
	assert_string_equal(d->setting, "/etc -> /host/etc");
	assert_string_equal(d->path, "/HostConfig/Binds/1");

	d = find(&l, "rogue", DRIFT_UNDECLARED_MODULE);
	assert_non_null(d);
	assert_string_equal(d->manifest_path, "");
	assert_string_equal(d->image, "example.azurecr.io/rogue:1.0");

	assert_null(find(&l, "edgeAgent", DRIFT_HOST_MOUNT));
	assert_null(find(&l, "edgeHub", DRIFT_HOST_MOUNT));

	/* The DriftAlert event: one item per drift, triggered, our schema. */
	{
		struct event *e = NULL;
		struct buf out;
		struct jw w;
		size_t dropped = 9;
		cJSON *json, *it;
		size_t n = 0;

		assert_int_equal(drift_event_new(&l, 42, &e, &dropped), 0);
		assert_non_null(e);
		assert_int_equal(dropped, 0);
		assert_int_equal(event_get_type(e), EVENT_DRIFT_ALERT);
		assert_int_equal(event_type_info(EVENT_DRIFT_ALERT)->category,
				 EVENT_CATEGORY_TRIGGERED);
		buf_init(&out, 1u << 20);
		jw_init(&w, &out);
		event_format(e, &w);
		buf_putc(&out, '\0');
		json = cJSON_Parse(out.data);
		assert_non_null(json);
		assert_string_equal(cJSON_GetObjectItem(json, "Name")->valuestring, "DriftAlert");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(json, "Payload")) {
			const char *kind = cJSON_GetObjectItem(it, "Kind")->valuestring;

			n++;
			assert_non_null(cJSON_GetObjectItem(it, "Message"));
			assert_non_null(cJSON_GetObjectItem(it, "Severity"));
			if (strcmp(kind, "UndeclaredModule") == 0) {
				assert_string_equal(cJSON_GetObjectItem(it, "Module")->valuestring,
						    "rogue");
				assert_null(cJSON_GetObjectItem(it, "ManifestPath"));
			}
		}
		assert_int_equal(n, 4);
		cJSON_Delete(json);
		buf_done(&out);
		event_free(e);
	}
	drift_list_done(&l);
	for (size_t i = 0; i < 4; i++)
		inspected_container_free(cs[i]);
	manifest_free(m);
}

#define LABEL                                                                                      \
	"\"Config\":{\"Labels\":{\"net.azure-devices.edge.owner\":"                                \
	"\"Microsoft.Azure.Devices.Edge.Agent\"}}"

static const char manifest_m[] =
	"{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":{\"modules\":{\"m\":"
	"{\"settings\":{\"image\":\"r.io/m:1\",\"createOptions\":{\"HostConfig\":{"
	"\"CapAdd\":[\"cap_net_raw\"],\"Binds\":[\"/var/lib/m/:/data:ro\",\"/opt/m:/opt\"],"
	"\"Devices\":[{\"PathOnHost\":\"/dev/ttyUSB0\"}],"
	"\"DeviceCgroupRules\":[\"c 188:* rmw\"]}}}}}}}}}";

/* One running container named m against manifest_m: the drift kinds found, as a bit set. */
static unsigned drift_kinds(const char *hostconfig, const char *label, size_t *ret_n)
{
	char json[2048];
	struct manifest *m = manifest_str(manifest_m);
	struct inspected_container *c;
	struct drift_list l = { 0 };
	unsigned kinds = 0;

	snprintf(json, sizeof(json), "{\"Name\":\"/m\",\"Id\":\"abc\",%s\"HostConfig\":%s}", label,
		 hostconfig);
	c = inspect_json(json);
	assert_int_equal(drift_compare(m, &c, 1, &l), 0);
	for (size_t i = 0; i < l.n; i++)
		kinds |= 1u << l.items[i].kind;
	*ret_n = l.n;
	drift_list_done(&l);
	inspected_container_free(c);
	manifest_free(m);
	return kinds;
}

static void test_each_kind(void **state)
{
	static const struct {
		const char *hostconfig;
		unsigned kinds;
		size_t n;
	} cases[] = {
		/* exactly what the manifest asks, in other spellings: no drift */
		{ "{\"CapAdd\":[\"NET_RAW\"],\"Binds\":[\"/var/lib/m:/data:ro\",\"/opt//m/:/opt\"],"
		  "\"Devices\":[{\"PathOnHost\":\"/dev/ttyUSB0\"}],"
		  "\"DeviceCgroupRules\":[\"c 188:* rmw\"],\"CgroupnsMode\":\"host\"}",
		  0, 0 },
		/* less than asked: no drift */
		{ "{\"CapDrop\":[\"ALL\"],\"ReadonlyRootfs\":true}", 0, 0 },
		{ "{\"Privileged\":true}", 1u << DRIFT_PRIVILEGED, 1 },
		{ "{\"CapAdd\":[\"CAP_SYS_ADMIN\",\"NET_RAW\"]}", 1u << DRIFT_CAPABILITY, 1 },
		{ "{\"CapAdd\":[\"ALL\"]}", 1u << DRIFT_CAPABILITY, 1 },
		{ "{\"NetworkMode\":\"host\",\"PidMode\":\"host\",\"IpcMode\":\"host\","
		  "\"UTSMode\":\"host\",\"UsernsMode\":\"host\"}",
		  1u << DRIFT_HOST_NAMESPACE, 5 },
		{ "{\"NetworkMode\":\"azure-iot-edge\",\"PidMode\":\"\",\"IpcMode\":\"private\"}",
		  0, 0 },
		{ "{\"Binds\":[\"/var/run/docker.sock:/var/run/docker.sock\"]}",
		  1u << DRIFT_HOST_MOUNT, 1 },
		{ "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]}",
		  1u << DRIFT_HOST_MOUNT, 1 },
		/* a named volume is not a host path */
		{ "{\"Binds\":[\"data:/data\"]}", 0, 0 },
		{ "{\"Binds\":[\"/var/lib/m:/data\"]}", 1u << DRIFT_MOUNT_WRITABLE, 1 },
		{ "{\"Devices\":[{\"PathOnHost\":\"/dev/mem\"}]}", 1u << DRIFT_DEVICE, 1 },
		{ "{\"DeviceCgroupRules\":[\"a *:* rwm\"]}", 1u << DRIFT_DEVICE, 1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n;
		unsigned kinds = drift_kinds(cases[i].hostconfig, LABEL ",", &n);

		if (kinds != cases[i].kinds || n != cases[i].n)
			fail_msg("case %zu: kinds %#x n %zu, expected %#x n %zu", i, kinds, n,
				 cases[i].kinds, cases[i].n);
	}
}

static void test_not_drift(void **state)
{
	size_t n;

	(void)state;
	/* A container without the IoT Edge owner label is not a module: never compared. */
	assert_int_equal(drift_kinds("{\"Privileged\":true}", "", &n), 0);
	assert_int_equal(n, 0);
	/* A manifest that asks for Privileged covers capabilities and devices, not mounts. */
	{
		struct manifest *m = manifest_str(
			"{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":{\"modules\":"
			"{\"m\":{\"settings\":{\"createOptions\":\"{\\\"HostConfig\\\":"
			"{\\\"Privileged\\\":true}}\"}}}}}}}");
		struct inspected_container *c = inspect_json(
			"{\"Name\":\"/m\"," LABEL ",\"HostConfig\":{\"Privileged\":true,"
			"\"CapAdd\":[\"SYS_ADMIN\"],\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}],"
			"\"Binds\":[\"/etc:/etc\"]}}");
		struct drift_list l = { 0 };

		assert_int_equal(drift_compare(m, &c, 1, &l), 0);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.items[0].kind, DRIFT_HOST_MOUNT);
		drift_list_done(&l);
		inspected_container_free(c);
		manifest_free(m);
	}
	/* No drift, no event. */
	{
		struct drift_list l = { 0 };
		struct event *e = (struct event *)&l;

		assert_int_equal(drift_event_new(&l, 1, &e, NULL), 0);
		assert_null(e);
	}
}

/* The agent's entry point: inspect documents + manifest → both events and the counters. */
static void test_analyze_running(void **state)
{
	static const char *const names[] = { "edgeAgent", "edgeHub", "tempSensor", "rogue" };
	const cJSON *docs[6];
	cJSON *owned[6];
	struct manifest *m = NULL;
	struct json_error err;
	struct event *rec = NULL, *drift = NULL;
	struct analyze_stats st;

	(void)state;
	json_read_init();
	for (size_t i = 0; i < 4; i++) {
		char path[512], *data;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s.json", DEPLOYMENT, names[i]);
		assert_int_equal(read_file_capped(path, 1u << 24, &data, &len), 0);
		owned[i] = json_parse(data, len, &err);
		es_free(data);
		assert_non_null(owned[i]);
	}
	owned[4] = cJSON_Parse("[]");		      /* not an inspect document: refused */
	owned[5] = cJSON_Parse("{\"HostConfig\":7}"); /* odd: one skipped value */
	for (size_t i = 0; i < 6; i++)
		docs[i] = owned[i];
	assert_int_equal(manifest_load(DEPLOYMENT "/manifest.json", &m, &err), 0);
	assert_int_equal(analyze_running(docs, 6, m, 5, &rec, &drift, &st), 0);
	assert_non_null(rec);
	assert_non_null(drift);
	assert_int_equal(st.containers, 5);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.drift, 4);
	assert_int_equal(event_get_n_items(drift), 4);
	assert_int_equal(event_get_n_items(rec), st.findings);
	assert_int_equal(st.dropped, 0);
	event_free(rec);
	event_free(drift);
	/* Without a manifest: no drift event. */
	assert_int_equal(analyze_running(docs, 4, NULL, 5, &rec, &drift, &st), 0);
	assert_non_null(rec);
	assert_null(drift);
	event_free(rec);
	manifest_free(m);
	m = NULL;
	assert_true(manifest_load("/nonexistent/esanalyze.json", &m, &err) < 0);
	assert_null(m);
	assert_true(err.message[0] != '\0');
	for (size_t i = 0; i < 6; i++)
		cJSON_Delete(owned[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deployment),
		cmocka_unit_test(test_each_kind),
		cmocka_unit_test(test_not_drift),
		cmocka_unit_test(test_analyze_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
