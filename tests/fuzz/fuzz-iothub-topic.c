/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the IoT Hub topic parser and the property-bag codec: parse any bytes as a topic;
 * whatever parses as a bag must format and parse back to the same properties.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iothub/topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iothub_topic t;
	static struct iothub_property_bag bag, again;
	char out[IOTHUB_PROP_VALUE_MAX];
	struct buf b;

	(void)iothub_topic_parse((const char *)data, size, &t);
	(void)iothub_url_decode((const char *)data, size, out, sizeof(out), NULL);
	if (iothub_property_bag_parse((const char *)data, size, &bag) < 0)
		return 0;
	buf_init(&b, 64 * 1024);
	iothub_property_bag_format(&b, &bag);
	if (b.failed || iothub_property_bag_parse(b.data ? b.data : "", b.len, &again) < 0)
		abort();
	if (again.n != bag.n)
		abort();
	for (unsigned i = 0; i < bag.n; i++)
		if (strcmp(bag.props[i].key, again.props[i].key) ||
		    strcmp(bag.props[i].value, again.props[i].value))
			abort();
	buf_reset(&b);
	if (bag.n && iothub_topic_format_telemetry(&b, "d", "m", &bag) == 0 &&
	    b.len <= IOTHUB_TOPIC_MAX) {
		if (iothub_topic_parse(b.data, b.len, &t) < 0 || t.bag.n != bag.n)
			abort();
	}
	buf_done(&b);
	return 0;
}
