/* SPDX-License-Identifier: MIT */
#pragma once

/* The marker appended to a value that was shortened to fit (builder or message size cap). */
#define TRUNCATION_MARKER "...[truncated]"
#define TRUNCATION_MARKER_LEN (sizeof(TRUNCATION_MARKER) - 1)

#include <stddef.h>

#include "event.h"

/*
 * Making an event fit a message (used by the message builder; pure functions).
 *
 * event_split(): an event with several payload items becomes two events holding the first and
 * second half of the items (same type and time, new ids).  Returns -EINVAL for one item.
 *
 * event_shrink(): the longest shortenable value (a FIELD_F_LONG string field or an
 * ExtraDetails value) is cut so that the serialized event becomes at least `excess` bytes
 * smaller; the value keeps a valid UTF-8 prefix followed by TRUNCATION_MARKER and the item's
 * ExtraDetails "TruncatedFields" names the fields cut ("ExtraDetails" for extra values).
 * Returns -ENOSPC when nothing is left to cut.
 */
int event_split(const struct event *e, struct event **ret_first, struct event **ret_second);
int event_shrink(const struct event *e, size_t excess, struct event **ret_event);
/* Bytes of the serialized JSON of a raw string value (without quotes) up to `len`. */
size_t json_string_body_len(const char *s, size_t len);
