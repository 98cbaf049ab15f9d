/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Module connection strings (protocol reference §3.2) and --hub endpoint URLs, pure parsers.
 *
 *   HostName=<hub
 * FQDN>;DeviceId=<id>;ModuleId=<id>;SharedAccessKey=<base64>[;GatewayHostName=<host>]
 *
 * Keys are case-sensitive and ';'-separated; the first '=' splits key and value (base64 keys
 * end in '='); one trailing ';' and blanks around pairs are tolerated.  A missing, empty or
 * repeated key is an error; SharedAccessKeyName, SharedAccessSignature, x509 and
 * UseProvisioning are recognised but not supported (-EOPNOTSUPP); other keys are ignored.
 * Error messages name the key, never a value (the string holds a secret).
 *
 *   mqtts://host[:port]   TLS, default port 8883
 *   mqtt://host[:port]    plain TCP, default port 1883 (only when asked for explicitly)
 *   host may be a name, an IPv4 address or [IPv6].
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sas.h"
#include "iothub/topic.h"

#define CONNECTION_STRING_MAX 4096u
#define MQTT_HOST_MAX 256u

struct connection_string {
	char host_name[MQTT_HOST_MAX];	       /* the IoT hub: audience and username */
	char gateway_host_name[MQTT_HOST_MAX]; /* "" = connect to host_name */
	char device_id[IOTHUB_ID_MAX];
	char module_id[IOTHUB_ID_MAX];
	struct sas_key key;
};

struct connection_string_error {
	char message[160];
};

int connection_string_parse(const char *s, size_t len, struct connection_string *ret,
			    struct connection_string_error *err);
/* Wipes the key (and everything else). */
void connection_string_wipe(struct connection_string *cs);

struct mqtt_endpoint {
	char host[MQTT_HOST_MAX];
	uint16_t port;
	bool tls;
};

int mqtt_endpoint_parse(const char *url, size_t len, struct mqtt_endpoint *ret);
