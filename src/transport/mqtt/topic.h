/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * IoT Hub MQTT topics and property bags, pure functions (no I/O, no allocation except through
 * struct buf).  Bounded: a topic is at most MQTT_TOPIC_MAX bytes, a bag holds at most
 * MQTT_PROPS_MAX properties, decoded keys and values have fixed maxima; anything larger is
 * rejected with -E2BIG / -EBADMSG, never truncated.
 *
 * URL encoding is the one of the protocol reference §3.1: every byte except A-Z a-z 0-9 - _ . ~
 * becomes %XX with upper-case hex.  Decoding accepts %xx in either case and keeps '+' as is.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define MQTT_TOPIC_MAX 1024u
#define MQTT_PROPS_MAX 32u
#define MQTT_PROP_KEY_MAX 128u	 /* decoded, NUL included */
#define MQTT_PROP_VALUE_MAX 512u /* decoded, NUL included */
#define MQTT_ID_MAX 129u	 /* device / module id, NUL included (IoT Hub: 128) */
#define MQTT_METHOD_MAX 129u

#define MQTT_IFID_SECURITY "urn:azureiot:Security:SecurityAgent:1"
/* Marker of edgesec's own (non-ASC) messages, an application property. */
#define MQTT_EDGESEC_SCHEMA_KEY "edgesec-schema"
#define MQTT_EDGESEC_SCHEMA_VALUE "edgesec/1.0"

struct mqtt_property {
	char key[MQTT_PROP_KEY_MAX];
	char value[MQTT_PROP_VALUE_MAX];
};

struct mqtt_property_bag {
	unsigned n;
	struct mqtt_property props[MQTT_PROPS_MAX];
};

enum mqtt_topic_kind {
	MQTT_TOPIC_TELEMETRY,	  /* devices/{d}/modules/{m}/messages/events/{bag} */
	MQTT_TOPIC_TWIN_RESPONSE, /* $iothub/twin/res/{status}/?{bag with $rid, $version} */
	MQTT_TOPIC_TWIN_DESIRED,  /* $iothub/twin/PATCH/properties/desired/?{bag with $version} */
	MQTT_TOPIC_METHOD,	  /* $iothub/methods/POST/{name}/?{bag with $rid} */
	MQTT_TOPIC_MODULE_INPUT,  /* devices/{d}/modules/{m}/inputs/{name}/{bag} */
	_MQTT_TOPIC_MAX,
};

struct mqtt_topic {
	enum mqtt_topic_kind kind;
	char device_id[MQTT_ID_MAX];
	char module_id[MQTT_ID_MAX];
	char name[MQTT_METHOD_MAX]; /* method or input name */
	int status;		    /* twin response */
	struct mqtt_property_bag bag;
};

/* Appends the URL encoding of s[0..len) to b. */
void mqtt_url_encode(struct buf *b, const char *s, size_t len);
/* Decodes s[0..len) into out (NUL-terminated); -EBADMSG on a bad escape or a NUL byte,
 * -E2BIG if it does not fit. */
int mqtt_url_decode(const char *s, size_t len, char *out, size_t out_size, size_t *ret_len);

/* Appends "k1=v1&k2=v2", keys and values URL-encoded. */
void mqtt_property_bag_format(struct buf *b, const struct mqtt_property_bag *bag);
int mqtt_property_bag_add(struct mqtt_property_bag *bag, const char *key, const char *value);
const char *mqtt_property_bag_get(const struct mqtt_property_bag *bag, const char *key);
/* Parses "k=v&k2=v2" (an empty string is an empty bag; a key without '=' has value ""). */
int mqtt_property_bag_parse(const char *s, size_t len, struct mqtt_property_bag *ret);

/* "devices/{d}/modules/{m}/messages/events/" + the bag.  Ids go in as they are (like the SDKs);
 * an id with "/", "+", "#", a control byte or longer than 128 bytes is -EINVAL. */
int mqtt_topic_format_telemetry(struct buf *b, const char *device_id, const char *module_id,
				const struct mqtt_property_bag *bag);
/* Classifies and splits an incoming or outgoing topic; -EBADMSG if it is none of the above. */
int mqtt_topic_parse(const char *topic, size_t len, struct mqtt_topic *ret);
