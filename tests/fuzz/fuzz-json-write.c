/* SPDX-License-Identifier: MIT */
/*
 * Arbitrary bytes through json_escape: the result must always be one valid JSON string
 * (cJSON parses it), exactly as long as json_escaped_len() says, and its decoded value valid
 * UTF-8.  The bytes are also used as an object key and cut with utf8_prefix_len().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/json_write.h"

static void check_utf8(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq_len((const unsigned char *)s + i, len - i);

		if (!k)
			abort();
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf b;
	struct jw w;
	cJSON *v;
	size_t cut;

	if (size > 1 << 20)
		return 0;
	buf_init(&b, 0);
	json_escape(&b, s, size);
	if (b.failed || b.len != json_escaped_len(s, size))
		abort();
	v = cJSON_ParseWithLength(b.data, b.len);
	if (!v || !cJSON_IsString(v))
		abort();
	/* cJSON stops at an escaped NUL (\u0000); what it decoded must be valid UTF-8. */
	check_utf8(v->valuestring, strlen(v->valuestring));
	if (!memchr(s, '\0', size) && size && strlen(v->valuestring) < 1)
		abort();
	cJSON_Delete(v);

	/* As a key and a value inside a document. */
	buf_reset(&b);
	jw_init(&w, &b);
	jw_obj_begin(&w);
	jw_key_n(&w, s, size);
	jw_str(&w, s, size);
	jw_obj_end(&w);
	v = cJSON_ParseWithLength(b.data, b.len);
	if (b.failed || !v)
		abort();
	cJSON_Delete(v);
	buf_done(&b);

	/* A cut never splits a valid sequence and loses at most 3 bytes. */
	for (size_t max = 0; max <= size; max += 1 + max / 4) {
		size_t i = 0;

		cut = utf8_prefix_len(s, size, max);
		if (cut > max || max - cut > 3)
			abort();
		while (i < cut) {
			size_t k = utf8_seq_len((const unsigned char *)s + i, size - i);

			i += k ? k : 1;
		}
		if (i != cut)
			abort();
	}
	return 0;
}
