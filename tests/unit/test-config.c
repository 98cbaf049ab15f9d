/* SPDX-License-Identifier: MIT */
/*
 * Configuration as the module twin and the local file give it: defaults equal to the published
 * twin defaults, both value forms, errors that name the key and say where, all-or-nothing
 * updates, null back to the base value, the document shapes, conflicts, and the reported
 * properties re-applying to the same configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "config/config.h"

#define TWIN_DEFAULTS                                                                              \
	TEST_SOURCE_DIR                                                                            \
	"/third_party/asc-schemas/security_module_twin/azureiotsecurity_default.json"
#define ASC_PTR "/" ASC_CONFIG_OBJECT

static cJSON *parse(const char *text)
{
	struct json_error err;
	cJSON *doc = json_parse(text, strlen(text), &err);

	if (!doc)
		fail_msg("test JSON does not parse: %s: %s", err.message, text);
	return doc;
}

/* The configuration as reported properties, as a string (to compare configurations). */
static char *reported(const struct config *c)
{
	struct buf b;
	struct jw w;
	char *s;

	buf_init(&b, 0);
	jw_init(&w, &b);
	config_format_reported(c, &w);
	assert_false(b.failed);
	s = buf_steal(&b, NULL);
	assert_non_null(s);
	return s;
}

static void assert_same_config(const struct config *a, const struct config *b)
{
	char *ra = reported(a), *rb = reported(b);

	assert_string_equal(ra, rb);
	es_free(ra);
	es_free(rb);
}

/* Apply a document to c (base: the defaults). */
static int apply_doc(struct config *c, const char *text, bool strict, struct config_report *r)
{
	struct config base;
	cJSON *doc = parse(text);
	int ret;

	memset(r, 0, sizeof(*r));
	config_init_defaults(&base);
	ret = config_apply_document(c, &base, doc, strict, r);
	config_done(&base);
	cJSON_Delete(doc);
	return ret;
}

static void test_defaults_match_twin_schema(void **state)
{
	struct config def, applied;
	struct config_report r;
	char *text = NULL;
	size_t len = 0;
	cJSON *doc, *obj, *item;
	unsigned n_keys = 0;

	(void)state;
	assert_int_equal(read_file_capped(TWIN_DEFAULTS, 1 << 20, &text, &len), 0);
	doc = json_parse(text, len, NULL);
	assert_non_null(doc);
	obj = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(doc, "properties"), "desired"),
		ASC_CONFIG_OBJECT);
	assert_true(cJSON_IsObject(obj));

	config_init_defaults(&def);
	/* Every key of the published defaults is known (strict) ... */
	assert_int_equal(config_copy(&applied, &def), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(config_apply_document(&applied, &def, doc, true, &r), 0);
	assert_int_equal(r.n_errors, 0);
	assert_int_equal(r.n_warnings, 0);
	/* ... and applying them changes nothing: our defaults are theirs. */
	assert_same_config(&def, &applied);

	/* Key by key, so a failure names the key. */
	cJSON_ArrayForEach(item, obj) {
		struct config one;

		assert_int_equal(config_copy(&one, &def), 0);
		memset(&r, 0, sizeof(r));
		{
			cJSON *single = cJSON_CreateObject();

			cJSON_AddItemReferenceToObject(single, item->string, item);
			assert_int_equal(config_apply_object(&one, &def, CONFIG_GROUP_ASC, single,
							     ASC_PTR, true, &r),
					 0);
			cJSON_Delete(single);
		}
		{
			char *a = reported(&def), *b = reported(&one);

			if (strcmp(a, b) != 0)
				fail_msg("default of %s differs from the twin schema's",
					 item->string);
			es_free(a);
			es_free(b);
		}
		config_done(&one);
		n_keys++;
	}
	assert_true(n_keys >= 24);
	config_done(&applied);
	config_done(&def);
	cJSON_Delete(doc);
	es_free(text);
}

static void test_plain_and_wrapped(void **state)
{
	struct config c;
	struct config_report r;

	(void)state;
	config_init_defaults(&c);
	assert_int_equal(apply_doc(&c, "{\"maxMessageSizeInBytes\": 16384}", true, &r), 0);
	assert_int_equal(c.max_message_size, 16384);
	assert_int_equal(apply_doc(&c, "{\"maxMessageSizeInBytes\": {\"value\": 65536}}", true, &r),
			 0);
	assert_int_equal(c.max_message_size, 65536);
	assert_int_equal(
		apply_doc(&c,
			  "{\"" ASC_CONFIG_OBJECT "\": {"
			  "\"highPriorityMessageFrequency\": {\"value\": \"PT1M\"},"
			  "\"lowPriorityMessageFrequency\": \"PT2H\","
			  "\"eventPriorityLogin\": {\"value\": \"off\"},"
			  "\"aggregationEnabledProcessCreate\": false,"
			  "\"baselineCustomChecksFilePath\": {\"value\": \"/etc/checks.xml\"}},"
			  "\"edgesec\": {\"heartbeatInterval\": {\"value\": \"PT30S\"},"
			  "\"logLevel\": \"debug\"}}",
			  true, &r),
		0);
	assert_int_equal(c.high_priority_message_frequency_ms, 60000);
	assert_int_equal(c.low_priority_message_frequency_ms, 2 * 3600 * 1000);
	assert_int_equal(c.event_priority[EVENT_LOGIN], EVENT_PRIORITY_OFF);
	assert_false(c.aggregation_enabled[EVENT_PROCESS_CREATE]);
	assert_string_equal(c.baseline_custom_checks_file_path, "/etc/checks.xml");
	assert_int_equal(c.heartbeat_interval_ms, 30000);
	assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
	/* Priorities are case-insensitive. */
	assert_int_equal(apply_doc(&c, "{\"eventPriorityLogin\": \"HIGH\"}", true, &r), 0);
	assert_int_equal(c.event_priority[EVENT_LOGIN], EVENT_PRIORITY_HIGH);
	config_done(&c);
}

/* A rejected document: -EINVAL, exactly one error naming key and pointer, config unchanged. */
static void expect_rejected(const char *text, bool strict, const char *key, const char *pointer)
{
	struct config c, before;
	struct config_report r;

	config_init_defaults(&c);
	assert_int_equal(config_copy(&before, &c), 0);
	assert_int_equal(apply_doc(&c, text, strict, &r), -EINVAL);
	if (r.n_errors != 1)
		fail_msg("%u errors for %s", r.n_errors, text);
	assert_int_equal(r.errors[0].type, CONFIG_ERROR_TYPE_MISMATCH);
	assert_string_equal(r.errors[0].name, key);
	assert_string_equal(r.errors[0].pointer, pointer);
	if (!strstr(r.errors[0].message, key))
		fail_msg("message \"%s\" does not name %s", r.errors[0].message, key);
	assert_same_config(&c, &before);
	config_done(&before);
	config_done(&c);
}

static void test_errors_name_key_and_pointer(void **state)
{
	(void)state;
	/* wrong type */
	expect_rejected("{\"" ASC_CONFIG_OBJECT
			"\": {\"maxMessageSizeInBytes\": {\"value\": \"big\"}}}",
			true, "maxMessageSizeInBytes", ASC_PTR "/maxMessageSizeInBytes/value");
	expect_rejected("{\"snapshotFrequency\": 3600}", true, "snapshotFrequency",
			"/snapshotFrequency");
	expect_rejected("{\"aggregationEnabledProcessCreate\": \"yes\"}", true,
			"aggregationEnabledProcessCreate", "/aggregationEnabledProcessCreate");
	expect_rejected("{\"maxLocalCacheSizeInBytes\": 8192.5}", true, "maxLocalCacheSizeInBytes",
			"/maxLocalCacheSizeInBytes");
	expect_rejected("{\"edgesec\": {\"logLevel\": \"loud\"}}", true, "logLevel",
			"/edgesec/logLevel");
	expect_rejected("{\"eventPriorityLogin\": \"Medium\"}", true, "eventPriorityLogin",
			"/eventPriorityLogin");
	/* a string the reported properties could not show as it is */
	expect_rejected("{\"edgesec\": {\"hostRoot\": \"/ho\x89t\"}}", true, "hostRoot",
			"/edgesec/hostRoot");
	expect_rejected("{\"hubResourceId\": {\"value\": \"\xc3\"}}", true, "hubResourceId",
			"/hubResourceId/value");
	expect_rejected("{\"snapshotFrequency\": \"5 minutes\"}", true, "snapshotFrequency",
			"/snapshotFrequency");
	expect_rejected("{\"snapshotFrequency\": {\"val\": \"PT5M\"}}", true, "snapshotFrequency",
			"/snapshotFrequency");
	/* out of range */
	expect_rejected("{\"maxMessageSizeInBytes\": 1000}", true, "maxMessageSizeInBytes",
			"/maxMessageSizeInBytes");
	expect_rejected("{\"maxMessageSizeInBytes\": {\"value\": 262145}}", true,
			"maxMessageSizeInBytes", "/maxMessageSizeInBytes/value");
	expect_rejected("{\"maxLocalCacheSizeInBytes\": -1}", true, "maxLocalCacheSizeInBytes",
			"/maxLocalCacheSizeInBytes");
	expect_rejected("{\"highPriorityMessageFrequency\": \"PT0S\"}", true,
			"highPriorityMessageFrequency", "/highPriorityMessageFrequency");
	expect_rejected("{\"aggregationIntervalConnectionCreate\": \"P8D\"}", true,
			"aggregationIntervalConnectionCreate",
			"/aggregationIntervalConnectionCreate");
	/* unknown key (strict), with JSON pointer escaping of "/" and "~" */
	expect_rejected("{\"" ASC_CONFIG_OBJECT "\": {\"maxMessageSize\": 8192}}", true,
			"maxMessageSize", ASC_PTR "/maxMessageSize");
	expect_rejected("{\"edgesec\": {\"a/b~c\": 1}}", true, "a/b~c", "/edgesec/a~1b~0c");
	expect_rejected("{\"noSuchSetting\": true}", true, "noSuchSetting", "/noSuchSetting");
	/* the edgesec group does not take ASC keys and vice versa */
	expect_rejected("{\"edgesec\": {\"snapshotFrequency\": \"PT1M\"}}", true,
			"snapshotFrequency", "/edgesec/snapshotFrequency");
	/* errors inside a full twin carry the whole path */
	expect_rejected("{\"properties\": {\"desired\": {\"" ASC_CONFIG_OBJECT
			"\": {\"snapshotFrequency\": {\"value\": true}}}}}",
			false, "snapshotFrequency",
			"/properties/desired" ASC_PTR "/snapshotFrequency/value");
}

/*
 * Enum and path strings are checked where every document is parsed, so check-config, run
 * (local file, SIGHUP) and the twin judge them alike; the accepted values still apply.
 */
static void test_enum_and_path_values(void **state)
{
	static const char *const good[] = {
		"{\"edgesec\": {\"capture\": \"cnproc\", \"loginSource\": \"utmp\"}}",
		"{\"edgesec\": {\"capture\": null, \"hostRoot\": \"/host\"}}",
		"{\"edgesec\": {\"dockerSocket\": \"\", \"deploymentManifest\": \"\"}}",
		"{\"edgesec\": {\"deploymentManifest\": {\"value\": \"/etc/m.json\"}}}",
		"{\"baselineCustomChecksFilePath\": null}",
		"{\"baselineCustomChecksFilePath\": \"/etc/edgesec/checks.json\"}",
	};
	struct config c;
	struct config_report r;

	(void)state;
	expect_rejected("{\"edgesec\": {\"capture\": \"ebpf2\"}}", true, "capture",
			"/edgesec/capture");
	expect_rejected("{\"edgesec\": {\"capture\": {\"value\": \"EBPF\"}}}", false, "capture",
			"/edgesec/capture/value");
	expect_rejected("{\"edgesec\": {\"loginSource\": \"wtmp\"}}", true, "loginSource",
			"/edgesec/loginSource");
	expect_rejected("{\"edgesec\": {\"hostRoot\": \"host\"}}", true, "hostRoot",
			"/edgesec/hostRoot");
	expect_rejected("{\"edgesec\": {\"hostRoot\": \"\"}}", true, "hostRoot",
			"/edgesec/hostRoot");
	expect_rejected("{\"edgesec\": {\"dockerSocket\": \"docker.sock\"}}", true, "dockerSocket",
			"/edgesec/dockerSocket");
	expect_rejected("{\"edgesec\": {\"deploymentManifest\": \"./m.json\"}}", true,
			"deploymentManifest", "/edgesec/deploymentManifest");
	expect_rejected("{\"baselineCustomChecksFilePath\": \"checks.json\"}", true,
			"baselineCustomChecksFilePath", "/baselineCustomChecksFilePath");
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		config_init_defaults(&c);
		memset(&r, 0, sizeof(r));
		if (apply_doc(&c, good[i], true, &r) != 0)
			fail_msg("rejected: %s (%s)", good[i], r.errors[0].message);
		config_done(&c);
	}
}

/* One bad key rejects the whole update, in either group, and changes nothing. */
static void test_all_or_nothing(void **state)
{
	struct config c, before;
	struct config_report r;

	(void)state;
	config_init_defaults(&c);
	assert_int_equal(config_copy(&before, &c), 0);
	assert_int_equal(apply_doc(&c,
				   "{\"" ASC_CONFIG_OBJECT "\": {"
				   "\"snapshotFrequency\": {\"value\": \"PT1M\"},"
				   "\"maxMessageSizeInBytes\": {\"value\": 8192},"
				   "\"hubResourceId\": {\"value\": \"/subscriptions/x\"},"
				   "\"maxLocalCacheSizeInBytes\": {\"value\": \"lots\"},"
				   "\"eventPriorityProcessCreate\": {\"value\": \"High\"}}}",
				   false, &r),
			 -EINVAL);
	assert_int_equal(r.n_errors, 1);
	assert_string_equal(r.errors[0].name, "maxLocalCacheSizeInBytes");
	assert_same_config(&c, &before);
	assert_string_equal(c.hub_resource_id, "");

	/* Good ASC group, bad edgesec group. */
	assert_int_equal(apply_doc(&c,
				   "{\"" ASC_CONFIG_OBJECT "\": {\"snapshotFrequency\": \"PT1M\"},"
				   "\"edgesec\": {\"heartbeatInterval\": \"PT0S\"}}",
				   false, &r),
			 -EINVAL);
	assert_same_config(&c, &before);

	/* Through config_apply_object as well; every bad key is reported. */
	{
		cJSON *obj = parse("{\"snapshotFrequency\": \"PT1M\", \"maxMessageSizeInBytes\": 1,"
				   "\"eventPriorityLogin\": 3}");

		memset(&r, 0, sizeof(r));
		assert_int_equal(
			config_apply_object(&c, &before, CONFIG_GROUP_ASC, obj, ASC_PTR, true, &r),
			-EINVAL);
		assert_int_equal(r.n_errors, 2);
		assert_same_config(&c, &before);
		cJSON_Delete(obj);
	}
	config_done(&before);
	config_done(&c);
}

/* null means "back to the base value": the local file's value under a twin, else the default. */
/* seccomp is the local file's only: a twin (not strict) cannot change it, it is warned. */
static void test_local_only_seccomp(void **state)
{
	const char *twin[] = { "{\"edgesec\": {\"seccomp\": \"off\"}}",
			       "{\"edgesec\": {\"seccomp\": {\"value\": \"off\"}}}",
			       "{\"edgesec\": {\"seccomp\": null}}",
			       "{\"desired\": {\"edgesec\": {\"seccomp\": 7}}}" };
	struct config c;
	struct config_report r;

	(void)state;
	config_init_defaults(&c);
	assert_string_equal(c.seccomp, "enforce");
	assert_int_equal(apply_doc(&c, "{\"edgesec\": {\"seccomp\": \"log\"}}", true, &r), 0);
	assert_string_equal(c.seccomp, "log");
	assert_int_equal(apply_doc(&c, "{\"edgesec\": {\"seccomp\": \"Off\"}}", true, &r), -EINVAL);
	assert_int_equal(apply_doc(&c, "{\"edgesec\": {\"seccomp\": \"disabled\"}}", true, &r),
			 -EINVAL);
	assert_string_equal(c.seccomp, "log");
	for (size_t i = 0; i < ARRAY_SIZE(twin); i++) {
		assert_int_equal(apply_doc(&c, twin[i], false, &r), 0);
		assert_string_equal(c.seccomp, "log");
		assert_int_equal(r.n_errors, 0);
		assert_int_equal(r.n_warnings, 1);
		assert_string_equal(r.warnings[0].name, "seccomp");
		assert_non_null(strstr(r.warnings[0].message, "twin cannot change it"));
	}
	/* the rest of a twin update that names it still applies */
	assert_int_equal(apply_doc(&c,
				   "{\"edgesec\": {\"seccomp\": \"off\", \"heartbeatInterval\": "
				   "\"PT1M\"}}",
				   false, &r),
			 0);
	assert_int_equal(c.heartbeat_interval_ms, 60 * 1000);
	assert_string_equal(c.seccomp, "log");
	config_done(&c);
}

static void test_null_restores_base(void **state)
{
	struct config base, c, def;
	struct config_report r;
	cJSON *doc;

	(void)state;
	config_init_defaults(&def);
	config_init_defaults(&base);
	assert_int_equal(apply_doc(&base,
				   "{\"snapshotFrequency\": \"PT10M\", \"hubResourceId\": \"file\","
				   "\"edgesec\": {\"heartbeatInterval\": \"PT1M\"}}",
				   true, &r),
			 0);
	assert_int_equal(config_copy(&c, &base), 0);
	/* The twin changes them ... */
	doc = parse("{\"snapshotFrequency\": {\"value\": \"PT20M\"},"
		    "\"hubResourceId\": {\"value\": \"twin\"},"
		    "\"edgesec\": {\"heartbeatInterval\": \"PT2M\"}}");
	assert_int_equal(config_apply_document(&c, &base, doc, false, &r), 0);
	cJSON_Delete(doc);
	assert_int_equal(c.snapshot_frequency_ms, 20 * 60 * 1000);
	assert_string_equal(c.hub_resource_id, "twin");
	/* ... and null (plain or wrapped) gives back the file's values. */
	doc = parse("{\"snapshotFrequency\": null, \"hubResourceId\": {\"value\": null},"
		    "\"edgesec\": {\"heartbeatInterval\": null}}");
	assert_int_equal(config_apply_document(&c, &base, doc, false, &r), 0);
	cJSON_Delete(doc);
	assert_int_equal(c.snapshot_frequency_ms, 10 * 60 * 1000);
	assert_string_equal(c.hub_resource_id, "file");
	assert_int_equal(c.heartbeat_interval_ms, 60 * 1000);
	/* A whole group set to null goes back to the base too. */
	doc = parse("{\"" ASC_CONFIG_OBJECT "\": {\"maxMessageSizeInBytes\": 8192}}");
	assert_int_equal(config_apply_document(&c, &base, doc, false, &r), 0);
	cJSON_Delete(doc);
	assert_int_equal(c.max_message_size, 8192);
	doc = parse("{\"" ASC_CONFIG_OBJECT "\": null}");
	assert_int_equal(config_apply_document(&c, &base, doc, false, &r), 0);
	cJSON_Delete(doc);
	assert_int_equal(c.max_message_size, def.max_message_size);
	assert_int_equal(c.snapshot_frequency_ms, 10 * 60 * 1000);
	config_done(&c);
	config_done(&base);
	config_done(&def);
}

/* A patch changes only its keys (unlike the reference agents, which reset the others). */
static void test_patch_keeps_other_keys(void **state)
{
	struct config c;
	struct config_report r;

	(void)state;
	config_init_defaults(&c);
	assert_int_equal(apply_doc(&c,
				   "{\"" ASC_CONFIG_OBJECT
				   "\": {\"snapshotFrequency\": {\"value\": \"PT1M\"},"
				   "\"maxMessageSizeInBytes\": {\"value\": 8192}}}",
				   false, &r),
			 0);
	assert_int_equal(apply_doc(&c,
				   "{\"" ASC_CONFIG_OBJECT
				   "\": {\"maxMessageSizeInBytes\": {\"value\": 16384}},"
				   "\"$version\": 7}",
				   false, &r),
			 0);
	assert_int_equal(c.snapshot_frequency_ms, 60000);
	assert_int_equal(c.max_message_size, 16384);
	config_done(&c);
}

/* The full twin, its "desired" object and a patch are all understood the same way. */
static void test_document_shapes(void **state)
{
	static const char *const docs[] = {
		"{\"deviceId\": \"d1\", \"moduleId\": \"azureiotsecurity\", \"etag\": \"x\","
		" \"properties\": {\"desired\": {\"" ASC_CONFIG_OBJECT "\": "
		"{\"snapshotFrequency\": {\"value\": \"PT3M\"}}, \"edgesec\": {\"logLevel\": "
		"\"error\"},"
		" \"$metadata\": {\"$lastUpdated\": \"2024-01-01T00:00:00Z\"}, \"$version\": 4},"
		" \"reported\": {\"" ASC_CONFIG_OBJECT
		"\": {\"snapshotFrequency\": {\"value\": \"PT9H\"}}}}}",
		"{\"desired\": {\"" ASC_CONFIG_OBJECT
		"\": {\"snapshotFrequency\": {\"value\": \"PT3M\"}},"
		" \"edgesec\": {\"logLevel\": \"error\"}, \"$version\": 4}}",
		"{\"" ASC_CONFIG_OBJECT "\": {\"snapshotFrequency\": {\"value\": \"PT3M\"}},"
		" \"edgesec\": {\"logLevel\": \"error\"}, \"$version\": 5}",
		/* the local file's short form */
		"{\"snapshotFrequency\": \"PT3M\", \"edgesec\": {\"logLevel\": \"error\"}}",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		struct config c;
		struct config_report r;

		config_init_defaults(&c);
		if (apply_doc(&c, docs[i], false, &r) != 0)
			fail_msg("document %zu rejected: %s", i, r.errors[0].message);
		assert_int_equal(r.n_warnings, 0);
		assert_int_equal(c.snapshot_frequency_ms, 3 * 60 * 1000);
		assert_int_equal(c.log_level, LOG_LEVEL_ERROR);
		config_done(&c);
	}
}

static void test_non_strict_ignores_unknown(void **state)
{
	struct config c;
	struct config_report r;

	(void)state;
	config_init_defaults(&c);
	assert_int_equal(apply_doc(&c,
				   "{\"" ASC_CONFIG_OBJECT "\": {\"futureSetting\": {\"value\": 1},"
				   "\"snapshotFrequency\": {\"value\": \"PT4M\"}},"
				   "\"edgesec\": {\"futureToo\": true}}",
				   false, &r),
			 0);
	assert_int_equal(r.n_errors, 0);
	assert_int_equal(r.n_warnings, 2);
	assert_string_equal(r.warnings[0].name, "futureSetting");
	assert_string_equal(r.warnings[0].pointer, ASC_PTR "/futureSetting");
	assert_non_null(strstr(r.warnings[0].message, "ignored"));
	assert_string_equal(r.warnings[1].name, "futureToo");
	assert_int_equal(c.snapshot_frequency_ms, 4 * 60 * 1000);
	/* The same document is an error in strict mode (local files). */
	assert_int_equal(apply_doc(&c, "{\"edgesec\": {\"futureToo\": true}}", true, &r), -EINVAL);
	assert_string_equal(r.errors[0].name, "futureToo");
	config_done(&c);
}

static void test_not_an_object(void **state)
{
	static const char *const docs[] = { "[]", "3", "\"x\"", "null" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		struct config c;
		struct config_report r;

		config_init_defaults(&c);
		assert_int_equal(apply_doc(&c, docs[i], false, &r), -EINVAL);
		assert_int_equal(r.n_errors, 1);
		config_done(&c);
	}
	expect_rejected("{\"edgesec\": [1]}", false, "edgesec", "/edgesec");
}

static const struct config_issue *find_warning(const struct config_report *r, const char *name,
					       enum config_error_type t)
{
	for (unsigned i = 0; i < r->n_warnings; i++)
		if (strcmp(r->warnings[i].name, name) == 0 && r->warnings[i].type == t)
			return &r->warnings[i];
	return NULL;
}

static void test_conflicts(void **state)
{
	struct config c;
	struct config_report r;

	(void)state;
	config_init_defaults(&c);
	memset(&r, 0, sizeof(r));
	config_check_conflicts(&c, &r);
	assert_int_equal(r.n_warnings, 0);
	assert_int_equal(r.n_errors, 0);

	/* Cache smaller than one message. */
	assert_int_equal(apply_doc(&c,
				   "{\"maxLocalCacheSizeInBytes\": 8192,"
				   "\"maxMessageSizeInBytes\": 16384}",
				   true, &r),
			 0);
	memset(&r, 0, sizeof(r));
	config_check_conflicts(&c, &r);
	assert_int_equal(r.n_warnings, 1);
	assert_non_null(find_warning(&r, "maxLocalCacheSizeInBytes", CONFIG_ERROR_CONFLICT));
	assert_string_equal(config_error_type_to_string(r.warnings[0].type), "Conflict");

	/* Message size not a multiple of 4096. */
	assert_int_equal(apply_doc(&c,
				   "{\"maxLocalCacheSizeInBytes\": 2560000,"
				   "\"maxMessageSizeInBytes\": 10000}",
				   true, &r),
			 0);
	memset(&r, 0, sizeof(r));
	config_check_conflicts(&c, &r);
	assert_int_equal(r.n_warnings, 1);
	assert_non_null(find_warning(&r, "maxMessageSizeInBytes", CONFIG_ERROR_NOT_OPTIMAL));
	assert_string_equal(config_error_type_to_string(r.warnings[0].type), "NotOptimal");

	/* High priority less frequent than low priority. */
	assert_int_equal(apply_doc(&c,
				   "{\"maxMessageSizeInBytes\": 8192,"
				   "\"highPriorityMessageFrequency\": \"PT6H\","
				   "\"lowPriorityMessageFrequency\": \"PT5H\"}",
				   true, &r),
			 0);
	memset(&r, 0, sizeof(r));
	config_check_conflicts(&c, &r);
	assert_int_equal(r.n_warnings, 1);
	assert_non_null(find_warning(&r, "highPriorityMessageFrequency", CONFIG_ERROR_CONFLICT));
	/* Equal frequencies are fine. */
	assert_int_equal(apply_doc(&c, "{\"highPriorityMessageFrequency\": \"PT5H\"}", true, &r),
			 0);
	memset(&r, 0, sizeof(r));
	config_check_conflicts(&c, &r);
	assert_int_equal(r.n_warnings, 0);

	/* All three at once. */
	assert_int_equal(apply_doc(&c,
				   "{\"maxLocalCacheSizeInBytes\": 8192,"
				   "\"maxMessageSizeInBytes\": 10000,"
				   "\"highPriorityMessageFrequency\": \"PT6H\"}",
				   true, &r),
			 0);
	memset(&r, 0, sizeof(r));
	config_check_conflicts(&c, &r);
	assert_int_equal(r.n_warnings, 3);
	config_done(&c);
}

/* The reported properties parse, hold every setting, and re-apply to the same configuration. */
static void test_reported_round_trip(void **state)
{
	struct config c, again, def;
	struct config_report r;
	char *text;
	cJSON *doc, *asc;

	(void)state;
	config_init_defaults(&def);
	config_init_defaults(&c);
	assert_int_equal(
		apply_doc(
			&c,
			"{\"" ASC_CONFIG_OBJECT "\": {"
			"\"highPriorityMessageFrequency\": \"PT1M30S\","
			"\"lowPriorityMessageFrequency\": \"P1DT2H\","
			"\"snapshotFrequency\": \"PT1.5S\","
			"\"maxLocalCacheSizeInBytes\": 123456,"
			"\"maxMessageSizeInBytes\": 9000,"
			"\"eventPriorityProcessCreate\": \"off\","
			"\"eventPriorityListeningPorts\": \"low\","
			"\"aggregationEnabledConnectionCreate\": false,"
			"\"aggregationIntervalProcessCreate\": \"PT7M\","
			"\"baselineCustomChecksEnabled\": true,"
			"\"baselineCustomChecksFilePath\": \"/opt/c h\\\"ecks\\u00e9.xml\","
			"\"baselineCustomChecksFileHash\": \"abc123\","
			"\"hubResourceId\": \"/subscriptions/1/x\"},"
			"\"edgesec\": {\"logLevel\": \"warning\", \"heartbeatInterval\": \"PT2S\","
			"\"localFlushInterval\": \"PT2.25S\", \"eventPriorityHeartbeat\": \"High\","
			"\"aggregationMaxEntries\": 5, \"aggregationMaxBytes\": 70000,"
			"\"hostRoot\": \"/host\"}}",
			true, &r),
		0);
	text = reported(&c);
	doc = parse(text);
	asc = cJSON_GetObjectItemCaseSensitive(doc, ASC_CONFIG_OBJECT);
	assert_true(cJSON_IsObject(asc));
	assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, EDGESEC_CONFIG_OBJECT)));
	/* Every value is in {"value": …} form. */
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(asc, "snapshotFrequency"), "value")
			->valuestring,
		"PT1.5S");

	/* Onto defaults, strict: the same configuration. */
	assert_int_equal(config_copy(&again, &def), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(config_apply_document(&again, &def, doc, true, &r), 0);
	assert_int_equal(r.n_warnings, 0);
	assert_same_config(&c, &again);
	assert_string_equal(again.baseline_custom_checks_file_path, "/opt/c h\"ecks\xc3\xa9.xml");
	assert_int_equal(again.snapshot_frequency_ms, 1500);
	cJSON_Delete(doc);
	es_free(text);

	/* The defaults round trip too (null strings included). */
	text = reported(&def);
	doc = parse(text);
	config_done(&again);
	config_init_defaults(&again);
	assert_int_equal(apply_doc(&again, text, true, &r), 0);
	assert_same_config(&def, &again);
	cJSON_Delete(doc);
	es_free(text);

	config_done(&again);
	config_done(&c);
	config_done(&def);
}

/*
 * detectionRules (a JSON-object setting): plain or wrapped, merged member by member (a patch
 * changes the rules it names; null removes one), validated whole with the member named, and
 * reported in a form that applies again to the same configuration.
 */
static void test_detection_rules_merge_and_validation(void **state)
{
	struct config c;
	struct config_report r;
	cJSON *v;

	(void)state;
	config_init_defaults(&c);
	assert_string_equal(c.detection_rules, "{}");
	assert_true(c.detection_enabled);
	assert_int_equal(
		apply_doc(&c,
			  "{\"edgesec\": {\"detectionRules\": {\"a\": {\"enabled\": false},"
			  "\"b\": {\"threshold\": 9}}}}",
			  true, &r),
		0);
	/* a twin-style patch, wrapped: b changes, c is added, a stays */
	assert_int_equal(
		apply_doc(&c,
			  "{\"edgesec\": {\"detectionRules\": {\"value\": {\"b\": {\"window\": "
			  "\"PT2M\"}, \"c\": {\"severity\": \"Low\"}}}}}",
			  false, &r),
		0);
	v = parse(c.detection_rules);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "a"), "enabled")));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "b"), "threshold")->valueint,
			 9);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "b"), "window")->valuestring,
			    "PT2M");
	assert_non_null(cJSON_GetObjectItem(v, "c"));
	cJSON_Delete(v);
	/* null removes one rule's override */
	assert_int_equal(
		apply_doc(&c, "{\"edgesec\": {\"detectionRules\": {\"a\": null}}}", false, &r), 0);
	v = parse(c.detection_rules);
	assert_null(cJSON_GetObjectItem(v, "a"));
	cJSON_Delete(v);
	/* invalid: rejected whole, the member named, nothing changed */
	{
		char *before = reported(&c);
		char *after;

		assert_int_equal(
			apply_doc(&c,
				  "{\"edgesec\": {\"detectionEnabled\": false, \"detectionRules\": "
				  "{\"b\": {\"enable\": false}}}}",
				  false, &r),
			-EINVAL);
		assert_int_equal(r.n_errors, 1);
		assert_string_equal(r.errors[0].name, "detectionRules");
		assert_string_equal(r.errors[0].pointer, "/edgesec/detectionRules/b/enable");
		assert_non_null(strstr(r.errors[0].message, "unknown member"));
		assert_int_equal(apply_doc(&c,
					   "{\"edgesec\": {\"detectionRules\": {\"bad id!\": {}}}}",
					   false, &r),
				 -EINVAL);
		assert_int_equal(
			apply_doc(&c,
				  "{\"edgesec\": {\"detectionRules\": {\"b\": {\"threshold\": "
				  "0}}}}",
				  false, &r),
			-EINVAL);
		assert_int_equal(
			apply_doc(&c, "{\"edgesec\": {\"detectionRules\": [1]}}", false, &r),
			-EINVAL);
		after = reported(&c);
		assert_string_equal(before, after);
		assert_true(c.detection_enabled);
		es_free(before);
		es_free(after);
	}
	/* the reported form applies again (strict) to the same configuration */
	{
		struct config again;
		char *rep = reported(&c);
		cJSON *doc = parse(rep);
		struct config base;

		config_init_defaults(&again);
		config_init_defaults(&base);
		assert_int_equal(config_apply_document(&again, &base, doc, true, &r), 0);
		assert_same_config(&c, &again);
		cJSON_Delete(doc);
		es_free(rep);
		config_done(&again);
		config_done(&base);
	}
	config_done(&c);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/edgesec-test-config-XXXXXX";
	struct config c;
	struct config_report r;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(
		write(fd, "{\n  \"snapshotFrequency\": \"PT2M\",\n  \"edgesec\": {}\n}\n", 50), 50);
	close(fd);
	config_init_defaults(&c);
	memset(&r, 0, sizeof(r));
	assert_int_equal(config_load_file(&c, path, &r), 0);
	assert_int_equal(c.snapshot_frequency_ms, 120000);

	/* A syntax error says where. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\n  \"snapshotFrequency\": \"PT2M\",\n  oops\n}\n", 41), 41);
	close(fd);
	memset(&r, 0, sizeof(r));
	assert_int_equal(config_load_file(&c, path, &r), -EINVAL);
	assert_int_equal(r.n_errors, 1);
	assert_non_null(strstr(r.errors[0].message, "line 3"));
	assert_int_equal(c.snapshot_frequency_ms, 120000);
	unlink(path);

	/* "\u0000" would cut the value short: rejected, naming the setting, nothing applied. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0600);
	assert_true(fd >= 0);
	{
		static const char doc[] =
			"{\"snapshotFrequency\":\"PT5M\",\"edgesec\":{\"hostRoot\":"
			"{\"value\":\"/ho\\u0000st\"}}}";

		assert_int_equal(write(fd, doc, sizeof(doc) - 1), sizeof(doc) - 1);
	}
	close(fd);
	memset(&r, 0, sizeof(r));
	assert_int_equal(config_load_file(&c, path, &r), -EINVAL);
	assert_int_equal(r.n_errors, 1);
	assert_string_equal(r.errors[0].name, "hostRoot");
	assert_string_equal(r.errors[0].pointer, "/edgesec/hostRoot/value");
	assert_non_null(strstr(r.errors[0].message, "hostRoot"));
	assert_int_equal(c.snapshot_frequency_ms, 120000);
	assert_string_equal(c.host_root, "/");
	unlink(path);

	/* A missing file is an error too. */
	memset(&r, 0, sizeof(r));
	assert_true(config_load_file(&c, path, &r) < 0);
	assert_int_equal(r.n_errors, 1);
	config_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_match_twin_schema),
		cmocka_unit_test(test_plain_and_wrapped),
		cmocka_unit_test(test_errors_name_key_and_pointer),
		cmocka_unit_test(test_enum_and_path_values),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_null_restores_base),
		cmocka_unit_test(test_patch_keeps_other_keys),
		cmocka_unit_test(test_document_shapes),
		cmocka_unit_test(test_non_strict_ignores_unknown),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_reported_round_trip),
		cmocka_unit_test(test_detection_rules_merge_and_validation),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_local_only_seccomp),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
