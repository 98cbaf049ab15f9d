/* SPDX-License-Identifier: MIT */
/*
 * The twin and methods controllers from arbitrary bytes.  The first byte chooses what the
 * rest is:
 *   0  the body of a 200 answer to the GET (full twin)
 *   1  a desired patch with the next $version
 *   2  a desired patch without $version (→ a GET)
 *   3  a method call body ("snapshot")
 *   4  a topic (up to the first NUL byte) and a body, to both controllers
 * Invariants: a rejected update leaves the configuration in force as it was and says why;
 * every reported PATCH is valid JSON equal to the reported form of the configuration in
 * force; every method response is valid JSON on $iothub/methods/res/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "config/config.h"
#include "control/methods.h"
#include "control/twin.h"

struct harness {
	char last_topic[1200];
	char *last_body;
	size_t last_len;
	unsigned n_sent;
	struct config *in_force; /* for the reported-body check */
};

static char *reported(const struct config *c)
{
	struct buf b;

	if (twin_format_reported(c, &b) < 0)
		abort();
	return buf_steal(&b, NULL);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int h_subscribe(void *userdata, const char *pattern)
{
	(void)userdata;
	(void)pattern;
	return 0;
}

static int h_publish(void *userdata, const char *topic, const void *payload, size_t len)
{
	struct harness *h = userdata;
	cJSON *doc;

	snprintf(h->last_topic, sizeof(h->last_topic), "%s", topic);
	h->n_sent++;
	if (starts_with(topic, "$iothub/twin/GET/?$rid=")) {
		if (len != 0)
			abort();
		return 0;
	}
	if (starts_with(topic, "$iothub/twin/PATCH/properties/reported/?$rid=")) {
		char *want = reported(h->in_force);

		if (len != strlen(want) || memcmp(want, payload, len) != 0)
			abort();
		es_free(want);
	} else if (!starts_with(topic, "$iothub/methods/res/")) {
		abort();
	}
	doc = cJSON_ParseWithLength(payload, len);
	if (!doc)
		abort();
	cJSON_Delete(doc);
	return 0;
}

static int m_snapshot(void *userdata, const cJSON *args, struct jw *w)
{
	(void)userdata;
	(void)args;
	jw_key_lit(w, "collectors");
	jw_uint(w, 1);
	return 0;
}

static int m_status(void *userdata, struct jw *w)
{
	(void)userdata;
	jw_obj_begin(w);
	jw_obj_end(w);
	return 0;
}

static void run_twin(struct twin *t, struct config *cfg, const struct config *base,
		     const char *topic, const uint8_t *data, size_t size)
{
	struct twin_result *res = es_malloc(sizeof(*res));
	char *before, *after;

	if (!res)
		return;
	before = reported(cfg);
	(void)twin_handle_message(t, topic, data, size, 1, cfg, base, res);
	after = reported(cfg);
	if (res->rejected && strcmp(before, after) != 0)
		abort();
	if (res->rejected && res->report.n_errors == 0)
		abort();
	if (!res->changed && strcmp(before, after) != 0)
		abort();
	es_free(before);
	es_free(after);
	es_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct harness h = { 0 };
	struct control_io io = { h_subscribe, h_publish, &h };
	struct methods_handlers mh = { m_snapshot, m_status, NULL, NULL };
	struct methods_result mres;
	struct twin_result *res;
	struct config base, cfg;
	struct methods *m = NULL;
	struct twin *t = NULL;
	char topic[1100];
	uint8_t mode;

	if (!ready) {
		json_read_init();
		ready = true;
	}
	if (size < 1 || size > (1 << 17))
		return 0;
	mode = data[0] % 5;
	data++;
	size--;
	config_init_defaults(&base);
	if (config_copy(&cfg, &base) < 0)
		abort();
	h.in_force = &cfg;
	res = es_malloc(sizeof(*res));
	if (!res || twin_new(&io, &t) < 0 || methods_new(&io, &mh, &m) < 0)
		abort();
	if (twin_handle_connected(t, 1) < 0)
		abort();
	/* Answer the GET with a twin at $version 1 for the patch modes. */
	if (mode == 1 || mode == 2) {
		static const char twin1[] = "{\"desired\":{\"$version\":1}}";

		(void)twin_handle_message(t, "$iothub/twin/res/200/?$rid=1", twin1,
					  sizeof(twin1) - 1, 1, &cfg, &base, res);
	}
	switch (mode) {
	case 0:
		run_twin(t, &cfg, &base, "$iothub/twin/res/200/?$rid=1", data, size);
		break;
	case 1:
		run_twin(t, &cfg, &base, "$iothub/twin/PATCH/properties/desired/?$version=2", data,
			 size);
		break;
	case 2:
		run_twin(t, &cfg, &base, "$iothub/twin/PATCH/properties/desired/", data, size);
		break;
	case 3:
		(void)methods_handle_message(m, "$iothub/methods/POST/snapshot/?$rid=1", data, size,
					     &mres);
		if (!mres.responded)
			abort();
		break;
	default: {
		const uint8_t *nul = memchr(data, 0, size);
		size_t tlen = nul ? (size_t)(nul - data) : size;

		if (tlen >= sizeof(topic))
			break;
		memcpy(topic, data, tlen);
		topic[tlen] = '\0';
		data += tlen + (nul ? 1 : 0);
		size -= tlen + (nul ? 1 : 0);
		run_twin(t, &cfg, &base, topic, data, size);
		(void)methods_handle_message(m, topic, data, size, &mres);
		break;
	}
	}
	(void)twin_tick(t, 1 + 2 * TWIN_REQUEST_TIMEOUT_MS, &cfg, res);
	es_free(res);
	methods_free(m);
	twin_free(t);
	config_done(&cfg);
	config_done(&base);
	return 0;
}
