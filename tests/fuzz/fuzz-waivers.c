/* SPDX-License-Identifier: MIT */
/*
 * Waivers files from arbitrary bytes, with and without modules allowed: waivers_parse either
 * fails with a message (and a pointer that is "" or starts with '/') or gives waivers whose
 * id and reason are non-empty and free of control characters, whose expiry is "" or a date
 * that parses to the same end; matching each waiver's own id finds a waiver.  Nothing
 * allocated may stay allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/json_read.h"
#include "common/waivers.h"

static void check_text(const char *s)
{
	if (!s || !s[0])
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static void one(const uint8_t *data, size_t size, unsigned flags)
{
	struct waivers *w = NULL;
	struct json_error err;

	if (waivers_parse((const char *)data, size, flags, &w, &err) < 0) {
		if (w || !err.message[0] || (err.pointer[0] && err.pointer[0] != '/'))
			abort();
		return;
	}
	for (size_t i = 0; i < waivers_count(w); i++) {
		const struct waiver *v = waivers_get(w, i);
		int64_t end;

		check_text(v->id);
		check_text(v->reason);
		if (v->module)
			check_text(v->module);
		if (v->module && !(flags & WAIVERS_ALLOW_MODULE))
			abort();
		if (v->expires[0] &&
		    (waiver_date_parse(v->expires, &end) < 0 || end != v->expires_at))
			abort();
		if (waivers_match(w, v->id, v->module, 0, NULL) != WAIVER_STATE_ACTIVE)
			abort();
	}
	waivers_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialized;
	size_t before;

	if (!initialized) {
		json_read_init();
		initialized = true;
	}
	before = es_alloc_in_use();
	one(data, size, 0);
	one(data, size, WAIVERS_ALLOW_MODULE);
	if (es_alloc_in_use() != before)
		abort();
	return 0;
}
