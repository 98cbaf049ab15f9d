/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the twin and methods controllers need from "a transport with a control channel":
 * subscribe to a topic filter and publish one message (QoS 1, not spooled).  control/ knows
 * no transport: the agent fills this with transport_control_subscribe() /
 * transport_control_publish() (transport/transport.h) and hands it the messages the
 * transport's listener receives; tests fill it with recorders.  Both return 0 or a negative
 * errno (-ENOTCONN while disconnected).  The topics are IoT Hub's (iothub/topic.h parses
 * them); which ones the controllers subscribe to is theirs, below.
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
