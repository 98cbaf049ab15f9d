/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the Docker Engine API document parsers (src/docker/docker-parse.c) with one input
 * read as each kind of document: an /events line, a /version body, a /containers/json list
 * and an inspect document.  Whatever the input, the strings they produce are NUL-terminated
 * within their fields, list ids are valid path parts, and the security settings written from
 * an inspect document are always one valid JSON object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/json_read.h"
#include "docker/docker-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIST_MAX 8

static void check_terminated(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct docker_event ev;
	static char ids[LIST_MAX][DOCKER_ID_MAX];
	const char *in = (const char *)data;
	struct docker_container c;
	struct json_error err;
	size_t skipped, dropped;
	unsigned minor;
	struct buf settings;
	cJSON *doc;
	int n;

	json_read_init();
	if (docker_event_parse(in, size, &ev) == 0) {
		check_terminated(ev.action, sizeof(ev.action));
		check_terminated(ev.command, sizeof(ev.command));
		check_terminated(ev.id, sizeof(ev.id));
		check_terminated(ev.name, sizeof(ev.name));
		check_terminated(ev.module, sizeof(ev.module));
	}
	(void)docker_version_parse(in, size, &minor);
	n = docker_list_parse(in, size, ids, LIST_MAX, &skipped, &dropped);
	for (int i = 0; i < n; i++)
		if (!docker_id_valid(ids[i]))
			abort();
	doc = json_parse(in, size, &err);
	buf_init(&settings, DOCKER_SETTINGS_MAX + 64);
	if (doc && docker_inspect_parse(doc, &c, &settings) == 0) {
		cJSON *check = json_parse(settings.data, settings.len, &err);

		if (!docker_id_valid(c.id) || !cJSON_IsObject(check))
			abort();
		check_terminated(c.name, sizeof(c.name));
		check_terminated(c.module, sizeof(c.module));
		cJSON_Delete(check);
	}
	buf_done(&settings);
	cJSON_Delete(doc);
	return 0;
}
