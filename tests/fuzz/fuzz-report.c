/* SPDX-License-Identifier: MIT */
/*
 * The report from arbitrary bytes: the input is split into lines and fed to the model, then
 * rendered as HTML and as text.  The HTML must never hold an element or attribute that the
 * renderer does not write itself (<script, <img, <iframe, on...=, src=, href=) in any tag, and the
 * text no control character but the newline.  Nothing allocated may stay allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "report/report.h"

/*
 * Escaped text never holds '<', so every '<' opens a tag the renderer wrote: each tag must be
 * free of the names and attributes the renderer never writes.
 */
static void check_html(const char *s)
{
	static const char *const banned[] = {
		"<script", "<img",   "<iframe", "<object", "<link",
		" src=",   " href=", " on",	"<base",   "<meta http-equiv=\"refresh"
	};
	const char *lt;
	char tag[512];

	for (; (lt = strchr(s, '<')); s = lt + 1) {
		const char *gt = strchr(lt, '>');
		size_t n = gt ? (size_t)(gt - lt) + 1 : strlen(lt);

		if (!gt || n >= sizeof(tag))
			n = n < sizeof(tag) - 1 ? n : sizeof(tag) - 1;
		memcpy(tag, lt, n);
		tag[n] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(banned); i++)
			if (strstr(tag, banned[i]))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialized;
	struct report_options o = { .source = "fuzz", .generated_ns = 1 };
	struct report_model *m = NULL;
	const char *p = (const char *)data, *end = p + size;
	struct buf b;
	size_t before;

	if (!initialized) {
		json_read_init();
		initialized = true;
	}
	before = es_alloc_in_use();
	if (report_model_new(&m) < 0)
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);

		if (report_model_add_line(m, p, len) < 0)
			abort();
		p += len + 1;
	}
	buf_init(&b, 0);
	if (report_render_html(m, &o, &b) < 0)
		abort();
	buf_putc(&b, '\0');
	check_html(b.data);
	buf_reset(&b);
	if (report_render_text(m, &o, &b) < 0)
		abort();
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 && b.data[i] != '\n')
			abort();
	buf_done(&b);
	report_model_free(m);
	if (es_alloc_in_use() != before)
		abort();
	return 0;
}
