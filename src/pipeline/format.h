/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Serialization of one event as the JSON object of the ASC "Events" array (and of our own
 * schema, which has the same shape).  Pure; used by the message builder and tests.
 */

#include "common/json_write.h"
#include "event.h"

#define ASC_MESSAGE_SCHEMA_VERSION "1.0"
#define EDGESEC_MESSAGE_SCHEMA_VERSION "edgesec/1.0"
#define PAYLOAD_SCHEMA_VERSION "1.0"

void event_format(const struct event *e, struct jw *w);
const char *event_schema_message_version(enum event_schema s);
