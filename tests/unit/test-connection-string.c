/* SPDX-License-Identifier: MIT */
/* Module connection strings and --hub endpoint URLs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "transport/mqtt/connection-string.h"

#define KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static int parse(const char *s, struct connection_string *cs, struct connection_string_error *e)
{
	memset(e, 0, sizeof(*e));
	return connection_string_parse(s, strlen(s), cs, e);
}

static void test_full(void **state)
{
	struct connection_string cs;
	struct connection_string_error e;

	(void)state;
	assert_int_equal(parse("HostName=contoso.azure-devices.net;DeviceId=edge01;"
			       "ModuleId=secagent;SharedAccessKey=" KEY ";GatewayHostName=gw-1",
			       &cs, &e),
			 0);
	assert_string_equal(cs.host_name, "contoso.azure-devices.net");
	assert_string_equal(cs.device_id, "edge01");
	assert_string_equal(cs.module_id, "secagent");
	assert_string_equal(cs.gateway_host_name, "gw-1");
	assert_int_equal(cs.key.len, 32);
	assert_int_equal(cs.key.bytes[31], 31);
	connection_string_wipe(&cs);
	assert_int_equal(cs.key.len, 0);
}

static void test_variants(void **state)
{
	struct connection_string cs;
	struct connection_string_error e;

	(void)state;
	/* any order, blanks, a trailing ';', unknown keys ignored, no gateway */
	assert_int_equal(parse(" ModuleId=m ; SharedAccessKey=" KEY "; DeviceId=d:1;"
			       "HostName=h.example.com;Foo=bar;",
			       &cs, &e),
			 0);
	assert_string_equal(cs.device_id, "d:1");
	assert_string_equal(cs.gateway_host_name, "");
}

static void expect_error(const char *s, int code, const char *fragment)
{
	struct connection_string cs;
	struct connection_string_error e;

	assert_int_equal(parse(s, &cs, &e), code);
	if (!strstr(e.message, fragment))
		fail_msg("'%s': message '%s' lacks '%s'", s, e.message, fragment);
	assert_null(strstr(e.message, "AAEC")); /* never the key */
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("HostName=h.example.com;DeviceId=d;SharedAccessKey=" KEY, -EINVAL,
		     "ModuleId is missing");
	expect_error("HostName=h.example.com;ModuleId=m;DeviceId=d", -EINVAL,
		     "SharedAccessKey is missing");
	expect_error("DeviceId=d;ModuleId=m;SharedAccessKey=" KEY, -EINVAL, "HostName is missing");
	expect_error("HostName=h.example.com;DeviceId=;ModuleId=m;SharedAccessKey=" KEY, -EINVAL,
		     "DeviceId is empty");
	expect_error("HostName=h.example.com;DeviceId=a;DeviceId=b;ModuleId=m;SharedAccessKey=" KEY,
		     -EINVAL, "DeviceId is given twice");
	expect_error("HostName=h.example.com;DeviceId=d;ModuleId=m;SharedAccessKey=AAEC*", -EINVAL,
		     "SharedAccessKey is not valid base64");
	expect_error("HostName=h.example.com;DeviceId=d/x;ModuleId=m;SharedAccessKey=" KEY, -EINVAL,
		     "DeviceId is not a valid identifier");
	expect_error("HostName=h.example.com;DeviceId=d;ModuleId=m#;SharedAccessKey=" KEY, -EINVAL,
		     "ModuleId is not a valid identifier");
	expect_error("HostName=nodot;DeviceId=d;ModuleId=m;SharedAccessKey=" KEY, -EINVAL,
		     "fully qualified");
	expect_error("HostName=h.example.com;DeviceId=d;ModuleId=m;SharedAccessKey=" KEY
		     ";SharedAccessSignature=SharedAccessSignature sr=x",
		     -EOPNOTSUPP, "SharedAccessSignature is not supported");
	expect_error("HostName=h.example.com;;DeviceId=d", -EINVAL, "empty field");
	expect_error("HostName", -EINVAL, "key=value");
	expect_error("", -EINVAL, "empty");
}

static void test_endpoint(void **state)
{
	struct mqtt_endpoint ep;

	(void)state;
	assert_int_equal(mqtt_endpoint_parse("mqtts://gw.example.com", 22, &ep), 0);
	assert_string_equal(ep.host, "gw.example.com");
	assert_int_equal(ep.port, 8883);
	assert_true(ep.tls);
	assert_int_equal(mqtt_endpoint_parse("mqtt://127.0.0.1:1884/", 22, &ep), 0);
	assert_string_equal(ep.host, "127.0.0.1");
	assert_int_equal(ep.port, 1884);
	assert_false(ep.tls);
	assert_int_equal(mqtt_endpoint_parse("mqtts://[::1]:8884", 18, &ep), 0);
	assert_string_equal(ep.host, "::1");
	assert_int_equal(ep.port, 8884);
	assert_int_equal(mqtt_endpoint_parse("http://x", 8, &ep), -EINVAL);
	assert_int_equal(mqtt_endpoint_parse("gw.example.com", 14, &ep), -EINVAL);
	assert_int_equal(mqtt_endpoint_parse("mqtts://", 8, &ep), -EINVAL);
	assert_int_equal(mqtt_endpoint_parse("mqtts://h:0", 11, &ep), -EINVAL);
	assert_int_equal(mqtt_endpoint_parse("mqtts://h:65536", 15, &ep), -EINVAL);
	assert_int_equal(mqtt_endpoint_parse("mqtts://h:12x", 13, &ep), -EINVAL);
	assert_int_equal(mqtt_endpoint_parse("mqtts://a b", 11, &ep), -EINVAL);
	assert_int_equal(mqtt_endpoint_parse("mqtts://[::1", 12, &ep), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
