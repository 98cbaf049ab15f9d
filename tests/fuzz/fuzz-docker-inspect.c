/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the docker inspect reader (analyze/inspect.h) and what follows it: a
 * JSON document (one inspect object, or an array of them as `docker inspect` prints) → module
 * settings → rules → Recommendation event, and drift against a small fixed manifest →
 * DriftAlert event.  Invariants: only a non-object is refused; every finding has a rule,
 * module and a path that resolves in the input (for a single object); both events serialize
 * to valid JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze-events.h"
#include "analyze/drift.h"
#include "analyze/inspect.h"
#include "analyze/json-locate.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "pipeline/format.h"

#define MAX_CONTAINERS 64

static const char manifest_text[] =
	"{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":{\"modules\":{\"m\":"
	"{\"settings\":{\"image\":\"r.io/m:1\",\"createOptions\":{\"HostConfig\":{"
	"\"CapAdd\":[\"NET_RAW\"],\"Binds\":[\"/opt/m:/opt:ro\"]}}}}}}}}}";

static void check_event(struct event *e)
{
	struct buf out;
	struct jw w;
	cJSON *json;

	if (!e)
		return;
	buf_init(&out, 64u << 20);
	jw_init(&w, &out);
	event_format(e, &w);
	if (out.failed)
		abort();
	json = cJSON_ParseWithLength(out.data, out.len);
	if (!json)
		abort();
	cJSON_Delete(json);
	buf_done(&out);
	event_free(e);
}

/*
 * The element-by-element reader of whole documents (inspect_document_parse) agrees with
 * cJSON on the whole text: it accepts exactly the documents cJSON accepts that are an object
 * or an array of objects, with as many containers.
 */
static void check_document_reader(const char *data, size_t size, const cJSON *doc)
{
	struct inspect_document d;
	struct json_error err;
	const cJSON *it, *arr = cJSON_IsArray(doc) ? doc : NULL;
	bool want = doc && (cJSON_IsObject(doc) || cJSON_IsArray(doc));
	size_t count = 0;
	int r;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsObject(it))
			want = false;
		count++;
	}
	if (cJSON_IsObject(doc))
		count = 1;
	r = inspect_document_parse(data, size, &d, &err);
	if ((r == 0) != want || (r == -EINVAL && !err.message[0]))
		abort();
	if (r == 0 && d.n + d.dropped != count)
		abort();
	inspect_document_done(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inspected_container *cs[MAX_CONTAINERS];
	struct finding_list l = { 0 };
	struct drift_list dl = { 0 };
	struct manifest *m = NULL;
	struct json_error err;
	struct event *e = NULL;
	const cJSON *it;
	size_t n = 0;
	cJSON *doc;

	json_read_init();
	doc = json_parse((const char *)data, size, &err);
	check_document_reader((const char *)data, size, doc);
	if (!doc)
		return 0;
	if (cJSON_IsArray(doc)) {
		cJSON_ArrayForEach(it, doc) {
			if (n == MAX_CONTAINERS)
				break;
			if (inspect_container(it, &cs[n]) == 0)
				n++;
			else if (cJSON_IsObject(it))
				abort();
		}
	} else if (inspect_container(doc, &cs[0]) == 0) {
		n = 1;
	} else if (cJSON_IsObject(doc)) {
		abort();
	}
	if (analyze_containers(cs, n, &l) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			unsigned line, col;

			if (!l.items[i].rule || !l.items[i].module || !l.items[i].path)
				abort();
			/* (a pointer cut at JSON_POINTER_MAX by a huge key cannot resolve) */
			if (cJSON_IsObject(doc) && l.items[i].path[0] &&
			    strlen(l.items[i].path) < JSON_POINTER_MAX - 8 &&
			    json_locate((const char *)data, size, l.items[i].path, &line, &col) < 0)
				abort();
		}
		if (recommendation_event_new(&l, cs, n, 1, &e, NULL) == 0)
			check_event(e);
	}
	if (manifest_parse(manifest_text, sizeof(manifest_text) - 1, &m, &err) == 0 &&
	    drift_compare(m, cs, n, &dl) == 0 && drift_event_new(&dl, 1, &e, NULL) == 0)
		check_event(e);
	drift_list_done(&dl);
	manifest_free(m);
	finding_list_done(&l);
	for (size_t i = 0; i < n; i++)
		inspected_container_free(cs[i]);
	cJSON_Delete(doc);
	return 0;
}
