/* SPDX-License-Identifier: MIT */
/*
 * The replay reader (`edgesec run --replay`) from arbitrary bytes, line by line.  Every event
 * it makes must serialize (event_format) and read back to an event of the same type with the
 * same number of items: what the reader accepts is always an event edgesec could have sent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "pipeline/format.h"
#include "replay/replay.h"

static void round_trip(const struct event *e, struct event_builder *b)
{
	struct replay_line again = { 0 };
	struct replay_error err;
	struct buf out;
	struct jw w;

	buf_init(&out, 16u << 20);
	jw_init(&w, &out);
	event_format(e, &w);
	if (out.failed)
		abort();
	if (replay_parse_line(out.data, out.len, 1, b, &again, &err) != 1)
		abort();
	if (event_get_type(again.events[0]) != event_get_type(e) ||
	    event_get_n_items(again.events[0]) != event_get_n_items(e) ||
	    event_get_time(again.events[0]) / 1000000 != event_get_time(e) / 1000000)
		abort();
	replay_line_done(&again);
	buf_done(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *p = (const char *)data, *end = p + size;
	struct event_builder b, b2;

	if (!ready) {
		json_read_init();
		ready = true;
	}
	if (size > 1 << 20)
		return 0;
	event_builder_init(&b);
	event_builder_init(&b2);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct replay_line in = { 0 };
		struct replay_error err = { { 0 } };
		int r;

		if (!nl)
			nl = end;
		r = replay_parse_line(p, (size_t)(nl - p), 1000000000ull, &b, &in, &err);
		if (r < 0 && !err.message[0] && r != -ENOMEM)
			abort();
		for (unsigned i = 0; i < in.n; i++)
			round_trip(in.events[i], &b2);
		replay_line_done(&in);
		p = nl + 1;
	}
	event_builder_done(&b);
	event_builder_done(&b2);
	return 0;
}
