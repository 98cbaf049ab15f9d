/* SPDX-License-Identifier: MIT */
/*
 * "Did you mean" for configuration keys (config.c unknown_key_hint): a close name is offered
 * in the same group, a key of the other group is placed ("it belongs in the edgesec object"),
 * and a far-off key gets no hint.  In lenient mode (twin) the key is still ignored, with the
 * hint in the warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_read.h"
#include "config/config.h"

static void expect_issue(const char *doc_text, bool strict, const char *want)
{
	struct config_report rep = { 0 };
	struct json_error err;
	struct config c, base;
	cJSON *doc = json_parse(doc_text, strlen(doc_text), &err);
	bool found = false;

	assert_non_null(doc);
	config_init_defaults(&c);
	config_init_defaults(&base);
	(void)config_apply_document(&c, &base, doc, strict, &rep);
	for (unsigned i = 0; i < rep.n_errors; i++)
		found |= strstr(rep.errors[i].message, want) != NULL;
	for (unsigned i = 0; i < rep.n_warnings; i++)
		found |= strstr(rep.warnings[i].message, want) != NULL;
	if (!found)
		fail_msg("%s: no issue containing '%s' (%u errors, %u warnings%s%s)", doc_text,
			 want, rep.n_errors, rep.n_warnings, rep.n_errors ? ": " : "",
			 rep.n_errors ? rep.errors[0].message : "");
	cJSON_Delete(doc);
	config_done(&c);
	config_done(&base);
}

static void test_hints(void **state)
{
	(void)state;
	expect_issue("{\"snapshotFrequncy\": \"PT1M\"}", true,
		     "unknown setting \"snapshotFrequncy\" (did you mean \"snapshotFrequency\"?)");
	expect_issue("{\"maxmessagesizeinbytes\": 10000}", true,
		     "(did you mean \"maxMessageSizeInBytes\"?)");
	expect_issue("{\"edgesec\": {\"hostRot\": \"/x\"}}", true,
		     "in edgesec (did you mean \"hostRoot\"?)");
	expect_issue("{\"logLevel\": \"debug\"}", true, "(it belongs in the \"edgesec\" object)");
	expect_issue("{\"edgesec\": {\"snapshotFrequency\": \"PT1M\"}}", true,
		     "(it belongs at the top level or in the ASC object)");
	expect_issue("{\"edgesec\": {\"baselineWaiverFile\": \"/x\"}}", true,
		     "(did you mean \"baselineWaiversFile\"?)");
	/* Nothing close: no hint. */
	expect_issue("{\"completelyDifferent\": 1}", true,
		     "unknown setting \"completelyDifferent\"");
	/* Lenient (twin): ignored, still with the hint. */
	expect_issue("{\"properties\": {\"desired\": {\"edgesec\": {\"logLevle\": \"debug\"}}}}",
		     false, "(did you mean \"logLevel\"?) (ignored)");
}

static void test_no_false_hint(void **state)
{
	struct config_report rep = { 0 };
	struct json_error err;
	struct config c, base;
	cJSON *doc = json_parse("{\"completelyDifferent\": 1}", 26, &err);

	(void)state;
	config_init_defaults(&c);
	config_init_defaults(&base);
	(void)config_apply_document(&c, &base, doc, true, &rep);
	assert_int_equal(rep.n_errors, 1);
	assert_null(strstr(rep.errors[0].message, "did you mean"));
	assert_null(strstr(rep.errors[0].message, "belongs"));
	cJSON_Delete(doc);
	config_done(&c);
	config_done(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_no_false_hint),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
