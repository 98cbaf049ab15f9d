/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The IoT Hub MQTT grammar, a module of its own below transport/ and control/: topics
 * (telemetry, twin responses and desired patches, direct methods, module inputs), property
 * bags, URL encoding and the id limits.  transport/mqtt/ formats telemetry topics with it and
 * transport/workload/ encodes ids; control/ parses twin and method topics with it and owns
 * which topics it subscribes to (control/control.h).  Neither depends on the other.
 *
 * Pure functions (no I/O, no allocation except through
 * struct buf).  Bounded: a topic is at most IOTHUB_TOPIC_MAX bytes, a bag holds at most
 * IOTHUB_PROPS_MAX properties, decoded keys and values have fixed maxima; anything larger is
 * rejected with -E2BIG / -EBADMSG, never truncated.
 *
 * URL encoding is the one of the protocol reference §3.1: every byte except A-Z a-z 0-9 - _ . ~
 * becomes %XX with upper-case hex.  Decoding accepts %xx in either case and keeps '+' as is.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define IOTHUB_TOPIC_MAX 1024u
#define IOTHUB_PROPS_MAX 32u
#define IOTHUB_PROP_KEY_MAX 128u   /* decoded, NUL included */
#define IOTHUB_PROP_VALUE_MAX 512u /* decoded, NUL included */
#define IOTHUB_ID_MAX 129u	   /* device / module id, NUL included (IoT Hub: 128) */
#define IOTHUB_METHOD_MAX 129u

#define IOTHUB_IFID_SECURITY "urn:azureiot:Security:SecurityAgent:1"
/* Marker of edgesec's own (non-ASC) messages, an application property. */
#define IOTHUB_EDGESEC_SCHEMA_KEY "edgesec-schema"
#define IOTHUB_EDGESEC_SCHEMA_VALUE "edgesec/1.0"

struct iothub_property {
	char key[IOTHUB_PROP_KEY_MAX];
	char value[IOTHUB_PROP_VALUE_MAX];
};

struct iothub_property_bag {
	unsigned n;
	struct iothub_property props[IOTHUB_PROPS_MAX];
};

enum iothub_topic_kind {
	IOTHUB_TOPIC_TELEMETRY,	    /* devices/{d}/modules/{m}/messages/events/{bag} */
	IOTHUB_TOPIC_TWIN_RESPONSE, /* $iothub/twin/res/{status}/?{bag with $rid, $version} */
	IOTHUB_TOPIC_TWIN_DESIRED,  /* $iothub/twin/PATCH/properties/desired/?{bag with $version} */
	IOTHUB_TOPIC_METHOD,	    /* $iothub/methods/POST/{name}/?{bag with $rid} */
	IOTHUB_TOPIC_MODULE_INPUT,  /* devices/{d}/modules/{m}/inputs/{name}/{bag} */
	_IOTHUB_TOPIC_MAX,
};

struct iothub_topic {
	enum iothub_topic_kind kind;
	char device_id[IOTHUB_ID_MAX];
	char module_id[IOTHUB_ID_MAX];
	char name[IOTHUB_METHOD_MAX]; /* method or input name */
	int status;		      /* twin response */
	struct iothub_property_bag bag;
};

/* Appends the URL encoding of s[0..len) to b. */
void iothub_url_encode(struct buf *b, const char *s, size_t len);
/* Decodes s[0..len) into out (NUL-terminated); -EBADMSG on a bad escape or a NUL byte,
 * -E2BIG if it does not fit. */
int iothub_url_decode(const char *s, size_t len, char *out, size_t out_size, size_t *ret_len);

/* Appends "k1=v1&k2=v2", keys and values URL-encoded. */
void iothub_property_bag_format(struct buf *b, const struct iothub_property_bag *bag);
int iothub_property_bag_add(struct iothub_property_bag *bag, const char *key, const char *value);
const char *iothub_property_bag_get(const struct iothub_property_bag *bag, const char *key);
/* Parses "k=v&k2=v2" (an empty string is an empty bag; a key without '=' has value ""). */
int iothub_property_bag_parse(const char *s, size_t len, struct iothub_property_bag *ret);

/* "devices/{d}/modules/{m}/messages/events/" + the bag.  Ids go in as they are (like the SDKs);
 * an id with "/", "+", "#", a control byte or longer than 128 bytes is -EINVAL. */
int iothub_topic_format_telemetry(struct buf *b, const char *device_id, const char *module_id,
				  const struct iothub_property_bag *bag);
/* Classifies and splits an incoming or outgoing topic; -EBADMSG if it is none of the above. */
int iothub_topic_parse(const char *topic, size_t len, struct iothub_topic *ret);
