/* SPDX-License-Identifier: MIT */
/*
 * The OSBaseline collector: one event whose items are only the failed and errored checks,
 * each with the five ASC fields (valid Result and Severity values) and CheckId/Remediation;
 * custom checks with a matching hash are added, a hash mismatch degrades the collector and
 * keeps the shipped checks.
 */
/* gcc 12 at -O2 reports a false -Wstringop-overread on strstr over the items found below. */
#pragma GCC diagnostic ignored "-Wstringop-overread"

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
#include "collectors/baseline/baseline-collector.h"
#include "common/json_read.h"

static char root[256];
static char profile[300], custom[300];

#define CHECK(id, cce, sev, type, params)                                                          \
	"{\"id\":\"" id "\",\"cceId\":\"" cce "\",\"severity\":\"" sev "\",\"description\":\"" id  \
	" description\",\"remediation\":\"fix " id "\",\"type\":\"" type                           \
	"\",\"parameters\":" params "}"

/* clang-format off */
static const char profile_json[] =
	"{\"checks\":["
	CHECK("uid0", "CCE-4009-7", "Critical", "only-root-uid0", "{}") ","
	CHECK("passwd-mode", "CCE-3566-7", "Critical", "file-mode",
	      "{\"path\":\"/etc/passwd\",\"maxMode\":\"0644\"}") ","
	CHECK("fwd", "", "Important", "sysctl",
	      "{\"name\":\"net.ipv4.ip_forward\",\"values\":\"0\"}") ","
	CHECK("sshd-absent", "", "Warning", "sshd-config",
	      "{\"keyword\":\"X11Forwarding\",\"values\":\"no\"}") ","
	CHECK("issue", "", "Informational", "file-exists", "{\"path\":\"/etc/passwd\"}")
	"]}";
/* clang-format on */

static const char custom_json[] = "{\"checks\":[" CHECK("custom-motd", "", "Warning", "file-exists",
							"{\"path\":\"/etc/motd\"}") "]}";

static void put(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

struct capture {
	struct event_sink sink;
	struct event *events[4];
	unsigned n;
};

static void capture_submit(struct event_sink *sink, struct event *e)
{
	struct capture *cap = (struct capture *)sink;

	if (cap->n < 4)
		cap->events[cap->n++] = e;
	else
		event_free(e);
}

static int setup(void **state)
{
	char p[PATH_MAX];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-baseline-coll-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/passwd", root);
	put(p, "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n");
	chmod(p, 0666);
	snprintf(profile, sizeof(profile), "%s/profile.json", root);
	put(profile, profile_json);
	snprintf(custom, sizeof(custom), "%s/custom.json", root);
	put(custom, custom_json);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

struct item {
	char fields[5][256];
	bool has[5];
	char check_id[64];
	bool has_remediation;
	char score[8], waived[8], waiver_expired[16];
};

static unsigned read_items(const struct event *e, struct item *items, unsigned max)
{
	struct event_cursor cur;
	struct event_value v;
	int n = -1;

	assert_int_equal(event_get_type(e), EVENT_OS_BASELINE);
	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v) == 1) {
		if (v.kind == EVENT_VALUE_ITEM) {
			n++;
			assert_true(n < (int)max);
			memset(&items[n], 0, sizeof(items[n]));
		} else if (v.kind == EVENT_VALUE_FIELD) {
			assert_true(v.field < 5 && v.len < 256);
			memcpy(items[n].fields[v.field], v.s, v.len);
			items[n].has[v.field] = true;
		} else if (v.key_len == 7 && memcmp(v.key, "CheckId", 7) == 0) {
			assert_true(v.len < 64);
			memcpy(items[n].check_id, v.s, v.len);
		} else if (v.key_len == 11 && memcmp(v.key, "Remediation", 11) == 0) {
			items[n].has_remediation = v.len > 0;
		} else if (v.key_len == 5 && memcmp(v.key, "Score", 5) == 0) {
			assert_true(v.len < 8);
			memcpy(items[n].score, v.s, v.len);
		} else if (v.key_len == 6 && memcmp(v.key, "Waived", 6) == 0) {
			assert_true(v.len < 8);
			memcpy(items[n].waived, v.s, v.len);
		} else if (v.key_len == 13 && memcmp(v.key, "WaiverExpired", 13) == 0) {
			assert_true(v.len < 16);
			memcpy(items[n].waiver_expired, v.s, v.len);
		}
	}
	return (unsigned)(n + 1);
}

static const struct item *find(const struct item *items, unsigned n, const char *id)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(items[i].check_id, id) == 0)
			return &items[i];
	return NULL;
}

static void assert_asc_items(const struct item *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *res = items[i].fields[OSB_RESULT], *sev = items[i].fields[OSB_SEVERITY];

		for (int f = 0; f < 5; f++)
			assert_true(items[i].has[f]);
		assert_true(strcmp(res, "Fail") == 0 || strcmp(res, "Err") == 0);
		assert_true(strcmp(sev, "Critical") == 0 || strcmp(sev, "Important") == 0 ||
			    strcmp(sev, "Warning") == 0 || strcmp(sev, "Informational") == 0);
		if (strcmp(res, "Fail") == 0)
			assert_string_equal(items[i].fields[OSB_ERROR], "");
		else
			assert_true(items[i].fields[OSB_ERROR][0] != '\0');
		assert_true(items[i].has_remediation);
	}
}

static struct collector *new_collector_w(struct capture *cap, bool custom_on, const char *hash,
					 const char *waivers)
{
	struct collector_params p = { .sink = &cap->sink, .host_root = root };
	struct baseline_collector_config cfg = {
		.profile_path = profile,
		.custom_enabled = custom_on,
		.custom_path = custom,
		.custom_hash = hash,
		.waivers_path = waivers,
	};
	struct collector *c = NULL;

	cap->sink.submit = capture_submit;
	assert_int_equal(collector_new(&baseline_collector_ops, &p, &c), 0);
	assert_int_equal(baseline_collector_configure(c, &cfg), 0);
	assert_int_equal(collector_start(c), 0);
	return c;
}

static struct collector *new_collector(struct capture *cap, bool custom_on, const char *hash)
{
	return new_collector_w(cap, custom_on, hash, NULL);
}

static void test_only_failures(void **state)
{
	struct capture cap = { 0 };
	struct collector *c = new_collector(&cap, false, NULL);
	struct item items[8];
	const struct item *it;
	unsigned n;

	(void)state;
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(cap.n, 1);
	n = read_items(cap.events[0], items, 8);
	/* uid0 fails, passwd-mode fails, fwd errs (no /proc/sys in the tree); the rest pass/skip.
	 */
	assert_int_equal(n, 3);
	assert_asc_items(items, n);
	it = find(items, n, "uid0");
	assert_non_null(it);
	assert_string_equal(it->fields[OSB_RESULT], "Fail");
	assert_string_equal(it->fields[OSB_CCE_ID], "CCE-4009-7");
	assert_string_equal(it->fields[OSB_SEVERITY], "Critical");
	assert_string_equal(it->fields[OSB_DESCRIPTION], "uid0 description");
	it = find(items, n, "fwd");
	assert_non_null(it);
	assert_string_equal(it->fields[OSB_RESULT], "Err");
	assert_string_equal(it->fields[OSB_CCE_ID], "");
	assert_non_null(strstr(it->fields[OSB_ERROR], "net.ipv4.ip_forward"));
	assert_null(find(items, n, "issue"));
	assert_null(find(items, n, "sshd-absent"));
	assert_int_equal(c->stats.items, 3);
	assert_int_equal(c->state, COLLECTOR_STATE_RUNNING);
	event_free(cap.events[0]);
	collector_free(c);
}

static void test_custom_checks(void **state)
{
	uint8_t d[BASELINE_SHA256_LEN];
	char hex[65];
	struct capture cap = { 0 };
	struct collector *c;
	struct item items[8];
	unsigned n;

	(void)state;
	baseline_sha256(custom_json, strlen(custom_json), d);
	baseline_sha256_hex(d, hex);
	c = new_collector(&cap, true, hex);
	assert_int_equal(collector_snapshot(c, 1000), 0);
	n = read_items(cap.events[0], items, 8);
	assert_int_equal(n, 4);
	assert_non_null(find(items, n, "custom-motd"));
	assert_asc_items(items, n);
	event_free(cap.events[0]);
	collector_free(c);

	/* Hash mismatch: degraded with the reason, the shipped checks still run. */
	memset(&cap, 0, sizeof(cap));
	c = new_collector(&cap, true,
			  "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(c->state, COLLECTOR_STATE_DEGRADED);
	assert_non_null(strstr(c->last_error, "SHA-256"));
	n = read_items(cap.events[0], items, 8);
	assert_int_equal(n, 3);
	assert_null(find(items, n, "custom-motd"));
	event_free(cap.events[0]);
	collector_free(c);
}

/*
 * Score: weights of the passed checks (issue, Informational 1) over those evaluated (uid0 and
 * passwd-mode Critical 10 each, fwd Important 5, issue 1; sshd-absent is skipped) = 1/26 → 3,
 * on every item.  An active waiver on uid0 removes it from the items and the score (1/16 → 6);
 * an expired waiver on passwd-mode keeps it and says so.
 */
static void test_score_and_waivers(void **state)
{
	char path[PATH_MAX];
	struct capture cap = { 0 };
	struct collector *c = new_collector(&cap, false, NULL);
	struct item items[8];
	const struct item *it;
	unsigned n;

	(void)state;
	assert_int_equal(collector_snapshot(c, 1000), 0);
	n = read_items(cap.events[0], items, 8);
	assert_int_equal(n, 3);
	for (unsigned i = 0; i < n; i++) {
		assert_string_equal(items[i].score, "3");
		assert_string_equal(items[i].waived, "0");
		assert_string_equal(items[i].waiver_expired, "");
	}
	event_free(cap.events[0]);
	collector_free(c);

	snprintf(path, sizeof(path), "%s/waivers.json", root);
	put(path, "{\"waivers\":[{\"id\":\"uid0\",\"reason\":\"vendor account\"},"
		  "{\"id\":\"passwd-mode\",\"reason\":\"old\",\"expires\":\"2001-02-03\"}]}");
	memset(&cap, 0, sizeof(cap));
	c = new_collector_w(&cap, false, NULL, path);
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(c->state, COLLECTOR_STATE_RUNNING);
	n = read_items(cap.events[0], items, 8);
	assert_int_equal(n, 2);
	assert_null(find(items, n, "uid0"));
	it = find(items, n, "passwd-mode");
	assert_non_null(it);
	assert_string_equal(it->waiver_expired, "2001-02-03");
	assert_string_equal(it->score, "6");
	assert_string_equal(it->waived, "1");
	assert_asc_items(items, n);
	event_free(cap.events[0]);
	collector_free(c);

	/* A broken waivers file: degraded, no waiver applied, the failures are all sent. */
	put(path, "{\"waivers\":[{\"id\":\"uid0\"}]}");
	memset(&cap, 0, sizeof(cap));
	c = new_collector_w(&cap, false, NULL, path);
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(c->state, COLLECTOR_STATE_DEGRADED);
	assert_non_null(strstr(c->last_error, "reason"));
	n = read_items(cap.events[0], items, 8);
	assert_int_equal(n, 3);
	assert_non_null(find(items, n, "uid0"));
	event_free(cap.events[0]);
	collector_free(c);
}

static void test_missing_profile(void **state)
{
	struct capture cap = { 0 };
	struct collector *c = new_collector(&cap, false, NULL);

	(void)state;
	unlink(profile);
	assert_true(collector_snapshot(c, 1000) < 0);
	assert_int_equal(cap.n, 0);
	assert_int_equal(c->state, COLLECTOR_STATE_DEGRADED);
	assert_non_null(strstr(c->last_error, "profile.json"));
	collector_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_only_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_custom_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_score_and_waivers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_profile, setup, teardown),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
