/* SPDX-License-Identifier: MIT */
/*
 * Configuration documents (local file, module twin, desired-property patch) from arbitrary
 * bytes: json_parse → config_apply_document, strict and non-strict → config_format_reported.
 * Whatever the input, the reported properties must be valid JSON and must re-apply (strict) to
 * the same configuration; a rejected update must leave the configuration as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "config/config.h"

static char *reported(const struct config *c)
{
	struct buf b;
	struct jw w;
	char *s;

	buf_init(&b, 0);
	jw_init(&w, &b);
	config_format_reported(c, &w);
	if (b.failed)
		abort();
	s = buf_steal(&b, NULL);
	if (!s)
		abort();
	return s;
}

static void check(const struct config *base, const cJSON *doc, bool strict)
{
	struct config c, again;
	struct config_report r;
	char *before, *after, *twice;
	cJSON *rep;
	int ret;

	if (config_copy(&c, base) < 0)
		return;
	before = reported(&c);
	memset(&r, 0, sizeof(r));
	ret = config_apply_document(&c, base, doc, strict, &r);
	after = reported(&c);
	if (ret < 0 && strcmp(before, after) != 0)
		abort(); /* a rejected update changed something */
	if (ret < 0 && r.n_errors == 0)
		abort(); /* rejected without saying why */
	memset(&r, 0, sizeof(r));
	config_check_conflicts(&c, &r);

	/* The reported form parses and re-applies to the same configuration. */
	rep = cJSON_Parse(after);
	if (!rep)
		abort();
	config_init_defaults(&again);
	memset(&r, 0, sizeof(r));
	if (config_apply_document(&again, base, rep, true, &r) < 0)
		abort();
	twice = reported(&again);
	if (strcmp(after, twice) != 0)
		abort();
	es_free(twice);
	cJSON_Delete(rep);
	config_done(&again);
	es_free(before);
	es_free(after);
	config_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct json_error err;
	struct config base;
	cJSON *doc;

	if (!ready) {
		json_read_init();
		ready = true;
	}
	if (size > 1 << 16)
		return 0;
	doc = json_parse((const char *)data, size, &err);
	if (!doc)
		return 0;
	/* A "\u0000" is found and named by a pointer that resolves in the document. */
	if (json_check_no_nul((const char *)data, size, &err) < 0 &&
	    (!err.message[0] || (err.pointer[0] && err.pointer[0] != '/')))
		abort();
	config_init_defaults(&base);
	check(&base, doc, true);
	check(&base, doc, false);
	config_done(&base);
	cJSON_Delete(doc);
	return 0;
}
