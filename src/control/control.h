/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the twin and methods controllers need from the transport: subscribe to a topic filter
 * and publish one message (QoS 1, not spooled).  The agent fills it with
 * mqtt_transport_subscribe() / mqtt_transport_publish_direct(); tests fill it with recorders.
 * Both return 0 or a negative errno (-ENOTCONN while disconnected).
 */

#include <stddef.h>

struct control_io {
	int (*subscribe)(void *userdata, const char *pattern);
	int (*publish)(void *userdata, const char *topic, const void *payload, size_t len);
	void *userdata;
};

#define CONTROL_TOPIC_TWIN_RESPONSES "$iothub/twin/res/#"
#define CONTROL_TOPIC_TWIN_DESIRED "$iothub/twin/PATCH/properties/desired/#"
#define CONTROL_TOPIC_METHODS "$iothub/methods/POST/#"
