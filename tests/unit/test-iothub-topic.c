/* SPDX-License-Identifier: MIT */
/* IoT Hub topics and property bags: URL coding, formatting, parsing, bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/array.h"
#include "iothub/topic.h"

static void test_url(void **state)
{
	struct buf b;
	char out[64];
	size_t n;

	(void)state;
	buf_init(&b, 1024);
	iothub_url_encode(&b, "urn:azureiot:Security:SecurityAgent:1", 37);
	assert_string_equal(b.data, "urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1");
	buf_reset(&b);
	iothub_url_encode(&b, "a b/+=~-_.\xff", 11);
	assert_string_equal(b.data, "a%20b%2F%2B%3D~-_.%FF");
	buf_done(&b);
	assert_int_equal(iothub_url_decode("a%2fb%2F+", 9, out, sizeof(out), &n), 0);
	assert_string_equal(out, "a/b/+");
	assert_int_equal(n, 5);
	assert_int_equal(iothub_url_decode("%2", 2, out, sizeof(out), NULL), -EBADMSG);
	assert_int_equal(iothub_url_decode("%zz", 3, out, sizeof(out), NULL), -EBADMSG);
	assert_int_equal(iothub_url_decode("%00", 3, out, sizeof(out), NULL), -EBADMSG);
	assert_int_equal(iothub_url_decode("abcd", 4, out, 4, NULL), -E2BIG);
	assert_int_equal(iothub_url_decode("abc", 3, out, 4, NULL), 0);
}

static void test_telemetry_roundtrip(void **state)
{
	struct iothub_property_bag *bag = calloc(1, sizeof(*bag));
	struct iothub_topic *t = calloc(1, sizeof(*t));
	struct buf b;

	(void)state;
	iothub_property_bag_add(bag, "$.ct", "application/json");
	iothub_property_bag_add(bag, "$.ce", "utf-8");
	iothub_property_bag_add(bag, "$.mid", "42");
	iothub_property_bag_add(bag, "$.ifid", IOTHUB_IFID_SECURITY);
	buf_init(&b, 4096);
	assert_int_equal(iothub_topic_format_telemetry(&b, "edge01", "secagent", bag), 0);
	/* the example of the protocol reference §4.3 */
	assert_string_equal(b.data, "devices/edge01/modules/secagent/messages/events/"
				    "%24.ct=application%2Fjson&%24.ce=utf-8&%24.mid=42&"
				    "%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1");
	assert_int_equal(iothub_topic_parse(b.data, b.len, t), 0);
	assert_int_equal(t->kind, IOTHUB_TOPIC_TELEMETRY);
	assert_string_equal(t->device_id, "edge01");
	assert_string_equal(t->module_id, "secagent");
	assert_int_equal(t->bag.n, 4);
	assert_string_equal(iothub_property_bag_get(&t->bag, "$.ifid"), IOTHUB_IFID_SECURITY);
	assert_string_equal(iothub_property_bag_get(&t->bag, "$.ct"), "application/json");
	assert_null(iothub_property_bag_get(&t->bag, "nope"));
	buf_reset(&b);
	assert_int_equal(iothub_topic_format_telemetry(&b, "a/b", "m", bag), -EINVAL);
	assert_int_equal(iothub_topic_format_telemetry(&b, "a", "m+", bag), -EINVAL);
	assert_int_equal(iothub_topic_format_telemetry(&b, "", "m", bag), -EINVAL);
	buf_done(&b);
	free(bag);
	free(t);
}

static void test_parse_kinds(void **state)
{
	struct iothub_topic *t = calloc(1, sizeof(*t));
	const char *s;

	(void)state;
	s = "$iothub/twin/res/200/?$rid=7&$version=12";
	assert_int_equal(iothub_topic_parse(s, strlen(s), t), 0);
	assert_int_equal(t->kind, IOTHUB_TOPIC_TWIN_RESPONSE);
	assert_int_equal(t->status, 200);
	assert_string_equal(iothub_property_bag_get(&t->bag, "$rid"), "7");
	assert_string_equal(iothub_property_bag_get(&t->bag, "$version"), "12");
	s = "$iothub/twin/PATCH/properties/desired/?$version=3";
	assert_int_equal(iothub_topic_parse(s, strlen(s), t), 0);
	assert_int_equal(t->kind, IOTHUB_TOPIC_TWIN_DESIRED);
	assert_string_equal(iothub_property_bag_get(&t->bag, "$version"), "3");
	s = "$iothub/methods/POST/get-status/?$rid=1a";
	assert_int_equal(iothub_topic_parse(s, strlen(s), t), 0);
	assert_int_equal(t->kind, IOTHUB_TOPIC_METHOD);
	assert_string_equal(t->name, "get-status");
	assert_string_equal(iothub_property_bag_get(&t->bag, "$rid"), "1a");
	s = "devices/d/modules/m/inputs/in1/k=v";
	assert_int_equal(iothub_topic_parse(s, strlen(s), t), 0);
	assert_int_equal(t->kind, IOTHUB_TOPIC_MODULE_INPUT);
	assert_string_equal(t->name, "in1");
	s = "devices/d/modules/m/messages/events";
	assert_int_equal(iothub_topic_parse(s, strlen(s), t), 0);
	assert_int_equal(t->bag.n, 0);

	static const char *const bad[] = {
		"",
		"devices/",
		"devices/d/modules/m/other",
		"$iothub/twin/res/2000/?$rid=1",
		"$iothub/twin/res/20x/?$rid=1",
		"$iothub/twin/res/200/$rid=1",
		"$iothub/methods/POST//?$rid=1",
		"devices/d/modules/m/messages/events/a=%zz",
		"devices/d/modules/m/messages/events/=v",
		"foo/bar",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (iothub_topic_parse(bad[i], strlen(bad[i]), t) >= 0)
			fail_msg("accepted '%s'", bad[i]);
	free(t);
}

static void test_bounds(void **state)
{
	struct iothub_property_bag *bag = calloc(1, sizeof(*bag));
	char big[IOTHUB_PROP_VALUE_MAX + 1];
	struct buf b;

	(void)state;
	for (unsigned i = 0; i < IOTHUB_PROPS_MAX; i++)
		assert_int_equal(iothub_property_bag_add(bag, "k", "v"), 0);
	assert_int_equal(iothub_property_bag_add(bag, "k", "v"), -E2BIG);
	buf_init(&b, 4096);
	iothub_property_bag_format(&b, bag);
	buf_puts(&b, "&x=1"); /* 33 properties */
	assert_int_equal(iothub_property_bag_parse(b.data, b.len, bag), -E2BIG);
	buf_done(&b);
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bag->n = 0;
	assert_int_equal(iothub_property_bag_add(bag, "k", big), -EINVAL);
	assert_int_equal(iothub_property_bag_parse(big, sizeof(big) - 1, bag), -E2BIG); /* key */
	free(bag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_telemetry_roundtrip),
		cmocka_unit_test(test_parse_kinds),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
