/* SPDX-License-Identifier: MIT */
/*
 * Baseline scoring and expected settings: the score's weights, rounding and exclusions
 * (skipped, expected, waived), and "expectedWhen" — a failing check becomes an expected Skip
 * only when one of its packages is installed or one of its paths exists below the root, with
 * the evidence in the reason; a passing check stays Pass; parser errors for the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "baseline/baseline.h"
#include "common/buf.h"
#include "common/json_read.h"

static char root[256];

static void put(const char *rel, const char *content)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = strchr(p + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-baseline-score-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void outcome(enum baseline_result r, bool expected, struct baseline_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->result = r;
	o->expected = expected;
}

static void test_score(void **state)
{
	struct baseline_score s = { 0 };
	struct baseline_outcome o;

	(void)state;
	assert_int_equal(baseline_severity_weight(BASELINE_SEVERITY_CRITICAL), 10);
	assert_int_equal(baseline_severity_weight(BASELINE_SEVERITY_IMPORTANT), 5);
	assert_int_equal(baseline_severity_weight(BASELINE_SEVERITY_WARNING), 2);
	assert_int_equal(baseline_severity_weight(BASELINE_SEVERITY_INFORMATIONAL), 1);
	assert_int_equal(baseline_severity_weight(_BASELINE_SEVERITY_INVALID), 0);
	assert_int_equal(baseline_score_percent(&s), -1);

	/* Skips (expected or not) are not evaluated. */
	outcome(BASELINE_RESULT_SKIP, false, &o);
	baseline_score_add(&s, BASELINE_SEVERITY_CRITICAL, &o, false);
	outcome(BASELINE_RESULT_SKIP, true, &o);
	baseline_score_add(&s, BASELINE_SEVERITY_CRITICAL, &o, false);
	assert_int_equal(baseline_score_percent(&s), -1);
	assert_int_equal(s.expected, 1);
	assert_int_equal(s.n[BASELINE_RESULT_SKIP], 2);

	outcome(BASELINE_RESULT_PASS, false, &o);
	baseline_score_add(&s, BASELINE_SEVERITY_CRITICAL, &o, false);
	assert_int_equal(baseline_score_percent(&s), 100);
	/* A Warning failure: 10 / 12 = 83.3 → 83 (rounded down). */
	outcome(BASELINE_RESULT_FAIL, false, &o);
	baseline_score_add(&s, BASELINE_SEVERITY_WARNING, &o, false);
	assert_int_equal(baseline_score_percent(&s), 83);
	/* Err counts like a failure: 10 / 13 = 76.9 → 76. */
	outcome(BASELINE_RESULT_ERR, false, &o);
	baseline_score_add(&s, BASELINE_SEVERITY_INFORMATIONAL, &o, false);
	assert_int_equal(baseline_score_percent(&s), 76);
	/* A waived Critical failure changes nothing but the waived count. */
	outcome(BASELINE_RESULT_FAIL, false, &o);
	baseline_score_add(&s, BASELINE_SEVERITY_CRITICAL, &o, true);
	assert_int_equal(baseline_score_percent(&s), 76);
	assert_int_equal(s.waived, 1);
	assert_int_equal(s.n[BASELINE_RESULT_FAIL], 1);
	/* "waived" on a Pass means nothing: it counts as a pass. */
	outcome(BASELINE_RESULT_PASS, false, &o);
	baseline_score_add(&s, BASELINE_SEVERITY_IMPORTANT, &o, true);
	assert_int_equal(s.waived, 1);
	assert_int_equal(baseline_score_percent(&s), 83); /* 15 / 18 */
	/* Never 100 with a failure, however small. */
	for (int i = 0; i < 1000; i++) {
		outcome(BASELINE_RESULT_PASS, false, &o);
		baseline_score_add(&s, BASELINE_SEVERITY_CRITICAL, &o, false);
	}
	assert_int_equal(baseline_score_percent(&s), 99);
}

#define FWD_CHECK(expected_when)                                                                   \
	"{\"checks\":[{\"id\":\"fwd\",\"cceId\":\"\",\"severity\":\"Important\","                  \
	"\"description\":\"d\",\"remediation\":\"r\",\"type\":\"sysctl\","                         \
	"\"parameters\":{\"name\":\"net.ipv4.ip_forward\",\"values\":\"0\"}" expected_when "}]}"

#define DOCKER_WHEN                                                                                \
	",\"expectedWhen\":{\"packages\":[\"moby-engine\",\"docker.io\"],"                         \
	"\"paths\":[\"/usr/bin/dockerd\",\"/etc/aziot/config.toml\"],"                             \
	"\"reason\":\"containers need forwarding\"}"

static void run_fwd(const char *json, struct baseline_outcome *o)
{
	struct baseline_profile *p = NULL;
	struct baseline_root *r = NULL;
	struct json_error err;

	if (baseline_profile_parse(json, strlen(json), &p, &err) < 0)
		fail_msg("parse failed: %s at %s", err.message, err.pointer);
	assert_int_equal(baseline_root_open(root, &r), 0);
	baseline_check_run(baseline_profile_get(p, 0), r, o);
	baseline_root_free(r);
	baseline_profile_free(p);
}

static void test_expected_when(void **state)
{
	char path[PATH_MAX];
	struct baseline_outcome o;

	(void)state;
	put("proc/sys/net/ipv4/ip_forward", "1\n");
	/* Nothing that needs forwarding: a plain failure. */
	run_fwd(FWD_CHECK(DOCKER_WHEN), &o);
	assert_int_equal(o.result, BASELINE_RESULT_FAIL);
	assert_false(o.expected);
	/* A package that is only configured-files (removed) is not evidence. */
	put("var/lib/dpkg/status", "Package: docker.io\nStatus: deinstall ok config-files\n\n");
	run_fwd(FWD_CHECK(DOCKER_WHEN), &o);
	assert_int_equal(o.result, BASELINE_RESULT_FAIL);
	/* An installed package is. */
	put("var/lib/dpkg/status", "Package: docker.io\nStatus: install ok installed\n\n");
	run_fwd(FWD_CHECK(DOCKER_WHEN), &o);
	assert_int_equal(o.result, BASELINE_RESULT_SKIP);
	assert_true(o.expected);
	assert_non_null(strstr(o.reason, "net.ipv4.ip_forward is 1"));
	assert_non_null(strstr(o.reason, "package docker.io is installed"));
	assert_non_null(strstr(o.reason, "containers need forwarding"));
	/* So is a path (IoT Edge's config) without any package. */
	put("var/lib/dpkg/status", "");
	put("etc/aziot/config.toml", "hostname = \"x\"\n");
	run_fwd(FWD_CHECK(DOCKER_WHEN), &o);
	assert_int_equal(o.result, BASELINE_RESULT_SKIP);
	assert_non_null(strstr(o.reason, "/etc/aziot/config.toml exists"));
	/* Without expectedWhen the same host fails. */
	run_fwd(FWD_CHECK(""), &o);
	assert_int_equal(o.result, BASELINE_RESULT_FAIL);
	assert_false(o.expected);
	/* A passing check stays a pass. */
	put("proc/sys/net/ipv4/ip_forward", "0\n");
	run_fwd(FWD_CHECK(DOCKER_WHEN), &o);
	assert_int_equal(o.result, BASELINE_RESULT_PASS);
	assert_false(o.expected);
	/* An error (no value to read) is not turned into an expected skip. */
	snprintf(path, sizeof(path), "%s/proc/sys/net/ipv4/ip_forward", root);
	assert_int_equal(unlink(path), 0);
	run_fwd(FWD_CHECK(DOCKER_WHEN), &o);
	assert_int_equal(o.result, BASELINE_RESULT_ERR);
}

static void expect_parse_error(const char *json, const char *pointer, const char *msg)
{
	struct baseline_profile *p = NULL;
	struct json_error err;

	assert_int_equal(baseline_profile_parse(json, strlen(json), &p, &err), -EINVAL);
	assert_null(p);
	if (strcmp(err.pointer, pointer) != 0 || !strstr(err.message, msg))
		fail_msg("%s: got '%s' at '%s', expected '%s' at '%s'", json, err.message,
			 err.pointer, msg, pointer);
}

static void test_expected_when_errors(void **state)
{
	(void)state;
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":[]"), "/checks/0/expectedWhen",
			   "must be an object");
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":{\"packages\":\"docker.io\"}"),
			   "/checks/0/expectedWhen", "lacks the required key 'reason'");
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":{\"reason\":\"r\"}"),
			   "/checks/0/expectedWhen", "needs 'packages' or 'paths'");
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":{\"reason\":\"r\",\"paths\":\"etc/x\"}"),
			   "/checks/0/expectedWhen/paths", "absolute");
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":{\"reason\":\"r\",\"paths\":\"/etc/*\"}"),
			   "/checks/0/expectedWhen/paths", "glob");
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":{\"reason\":\"r\",\"packages\":\"a b\"}"),
			   "/checks/0/expectedWhen/packages", "not allowed");
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":{\"reason\":\"r\",\"paths\":\"/x\","
				     "\"command\":\"sh\"}"),
			   "/checks/0/expectedWhen/command", "is not a key of expectedWhen");
	expect_parse_error(FWD_CHECK(",\"expectedWhen\":{\"reason\":\"r\",\"paths\":\"/x\","
				     "\"paths\":\"/y\"}"),
			   "/checks/0/expectedWhen/paths", "is given twice");
	expect_parse_error(FWD_CHECK(",\"expectedwhen\":{}"), "/checks/0/expectedwhen",
			   "is not a key of a check");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_score),
		cmocka_unit_test_setup_teardown(test_expected_when, setup, teardown),
		cmocka_unit_test(test_expected_when_errors),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
