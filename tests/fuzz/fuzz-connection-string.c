/* SPDX-License-Identifier: MIT */
/* Fuzzes the module connection-string parser and the --hub endpoint parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/mqtt/connection-string.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct connection_string cs;
	struct connection_string_error err;
	struct mqtt_endpoint ep;

	if (connection_string_parse((const char *)data, size, &cs, &err) == 0) {
		if (!cs.host_name[0] || !cs.device_id[0] || !cs.module_id[0] || !cs.key.len)
			abort();
		connection_string_wipe(&cs);
	} else if (!memchr(err.message, '\0', sizeof(err.message))) {
		abort();
	}
	if (mqtt_endpoint_parse((const char *)data, size, &ep) == 0 && (!ep.host[0] || !ep.port))
		abort();
	return 0;
}
