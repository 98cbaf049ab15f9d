/* SPDX-License-Identifier: MIT */
/*
 * The sink shared by the detection engine's tests (test-detect.c, test-detect-catalogue.c);
 * included by them, not a test itself.  It keeps the Alert events the engine emits (up to
 * ALERT_CAPTURE_MAX; the rest are freed) and reads their fields back as text.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "pipeline/event.h"
#include "pipeline/pipeline.h"

#define ALERT_CAPTURE_MAX 4096

struct capture {
	struct event_sink sink;
	struct event *alerts[ALERT_CAPTURE_MAX];
	unsigned n;
};

static void capture_submit(struct event_sink *sink, struct event *e)
{
	struct capture *c = (struct capture *)sink;

	if (event_get_type(e) == EVENT_ALERT && c->n < ALERT_CAPTURE_MAX)
		c->alerts[c->n++] = e;
	else
		event_free(e);
}

static void capture_done(struct capture *c)
{
	for (unsigned i = 0; i < c->n; i++)
		event_free(c->alerts[i]);
	c->n = 0;
}

/* A field of an alert as text (an integer in decimal), into out; false when it is absent. */
static bool alert_field(const struct event *e, unsigned field, char *out, size_t size)
{
	struct event_cursor c;
	struct event_value v;

	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v) == 1)
		if (v.kind == EVENT_VALUE_FIELD && v.field == field) {
			if (v.type == FIELD_INT)
				snprintf(out, size, "%lld", (long long)v.i);
			else
				snprintf(out, size, "%.*s", (int)v.len, v.s);
			return true;
		}
	return false;
}
