/* SPDX-License-Identifier: MIT */
/*
 * The PAM user-record parser and the verdict rule (collectors/login/login-audit-parse.c) on
 * records captured from a real sshd, sudo and su on this kernel, and on hostile ones: hex
 * names, NUL bytes, over-long values, missing quotes, bad stamps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/login/login-audit-parse.h"
#include "common/array.h"

#define SSHD_AUTH_FAILED                                                                           \
	"audit(1795955573.165:1077072): pid=19639 uid=0 auid=4294967295 ses=4294967295 "           \
	"msg='op=PAM:authentication grantors=? acct=\"eslogin9901\" exe=\"/usr/sbin/sshd\" "       \
	"hostname=127.0.0.1 addr=127.0.0.1 terminal=ssh res=failed'"
#define SSHD_LOGIN_FAILED                                                                          \
	"audit(1795955575.101:1077073): pid=19639 uid=0 auid=4294967295 ses=4294967295 "           \
	"msg='op=login acct=\"eslogin9901\" exe=\"/usr/sbin/sshd\" hostname=? addr=127.0.0.1 "     \
	"terminal=sshd res=failed'"
#define SSHD(op, res)                                                                              \
	"audit(1795955576.869:1077074): pid=19847 uid=0 auid=1001 ses=1 msg='op=" op               \
	" grantors=pam_permit acct=\"eslogin9901\" exe=\"/usr/sbin/sshd\" hostname=127.0.0.1 "     \
	"addr=127.0.0.1 terminal=ssh res=" res "'"
#define SUDO_AUTH(res)                                                                             \
	"audit(1795955577.161:1077080): pid=19894 uid=1001 auid=1001 ses=1 "                       \
	"msg='op=PAM:authentication grantors=pam_permit acct=\"eslogin9901\" "                     \
	"exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=? res=" res "'"

static struct login_audit_record rec;
static struct login_dedup dedup;

static int parse(unsigned type, const char *text)
{
	return login_audit_parse(type, text, strlen(text), &rec);
}

static struct login_verdict verdict(unsigned type, const char *text, uint64_t ms)
{
	assert_int_equal(parse(type, text), 0);
	return login_audit_verdict(&rec, &dedup, ms);
}

static int setup(void **state)
{
	(void)state;
	memset(&dedup, 0, sizeof(dedup));
	return 0;
}

static void test_fields(void **state)
{
	(void)state;
	assert_int_equal(parse(LOGIN_AUDIT_USER_AUTH, SSHD_AUTH_FAILED), 0);
	assert_int_equal(rec.time_ns, 1795955573165000000ull);
	assert_int_equal(rec.serial, 1077072);
	assert_int_equal(rec.pid, 19639);
	assert_int_equal(rec.uid, 0);
	assert_int_equal(rec.auid, 4294967295u);
	assert_string_equal(rec.op, "PAM:authentication");
	assert_string_equal(rec.acct, "eslogin9901");
	assert_string_equal(rec.exe, "/usr/sbin/sshd");
	assert_string_equal(rec.hostname, "127.0.0.1");
	assert_string_equal(rec.addr, "127.0.0.1");
	assert_string_equal(rec.terminal, "ssh");
	assert_int_equal(rec.res, LOGIN_AUDIT_RES_FAILED);
	assert_int_equal(rec.id, LOGIN_AUDIT_ID_NONE);
	assert_false(rec.truncated);

	/* "?" is unset; id= is read; a trailing NUL counted by the kernel is fine. */
	const char t[] =
		"audit(1.002:3): pid=7 uid=0 auid=1 msg='op=login id=1001 exe=\"/bin/login\" "
		"hostname=? addr=? terminal=tty1 res=success'";
	assert_int_equal(login_audit_parse(LOGIN_AUDIT_USER_LOGIN, t, sizeof(t), &rec), 0);
	assert_int_equal(rec.time_ns, 1002000000ull);
	assert_int_equal(rec.id, 1001);
	assert_string_equal(rec.acct, "");
	assert_string_equal(rec.addr, "");
	assert_int_equal(rec.res, LOGIN_AUDIT_RES_SUCCESS);
}

static void test_hex_and_hostile_values(void **state)
{
	char longname[1200] = "audit(1.000:1): pid=1 msg='acct=\"";
	size_t n = strlen(longname);

	(void)state;
	/* libaudit hex-encodes an account with a space ("evil user") and such an exe. */
	assert_int_equal(parse(LOGIN_AUDIT_USER_AUTH,
			       "audit(1.000:1): pid=1 uid=0 msg='op=PAM:authentication "
			       "acct=6576696C2075736572 exe=2F746D702F612062 addr=::1 res=failed'"),
			 0);
	assert_string_equal(rec.acct, "evil user");
	assert_string_equal(rec.exe, "/tmp/a b");
	assert_string_equal(rec.addr, "::1");
	/* A NUL byte smuggled in hex does not cut the name short. */
	assert_int_equal(
		parse(LOGIN_AUDIT_USER_AUTH, "audit(1.000:1): pid=1 msg='acct=610062 res=failed'"),
		0);
	assert_string_equal(rec.acct, "a?b");
	/* Odd length or non-hex: taken as it is. */
	assert_int_equal(
		parse(LOGIN_AUDIT_USER_AUTH, "audit(1.000:1): pid=1 msg='acct=abc res=failed'"), 0);
	assert_string_equal(rec.acct, "abc");
	/* hostname is never decoded (libaudit does not encode it). */
	assert_int_equal(parse(LOGIN_AUDIT_USER_AUTH, "audit(1.000:1): pid=1 msg='hostname=abcd'"),
			 0);
	assert_string_equal(rec.hostname, "abcd");
	assert_int_equal(rec.res, LOGIN_AUDIT_RES_UNKNOWN);
	/* Over-long: cut and marked. */
	memset(longname + n, 'x', 1000);
	memcpy(longname + n + 1000, "\" res=failed'", sizeof("\" res=failed'"));
	assert_int_equal(parse(LOGIN_AUDIT_USER_AUTH, longname), 0);
	assert_int_equal(strlen(rec.acct), LOGIN_AUDIT_ACCT_MAX - 1);
	assert_true(rec.truncated);
	assert_int_equal(rec.res, LOGIN_AUDIT_RES_FAILED);
	/* An unterminated quote ends at the message end. */
	assert_int_equal(
		parse(LOGIN_AUDIT_USER_AUTH, "audit(1.000:1): pid=1 msg='acct=\"abc res=failed'"),
		0);
	assert_string_equal(rec.acct, "abc res=failed");
	/* Quoted id and res read without their quotes. */
	assert_int_equal(parse(LOGIN_AUDIT_USER_LOGIN,
			       "audit(1.000:1): pid=1 msg='id=\"1001\" res=\"success\"'"),
			 0);
	assert_int_equal(rec.id, 1001);
	assert_int_equal(rec.res, LOGIN_AUDIT_RES_SUCCESS);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"audit(",
		"audit(1.000:1)",
		"audit(1.000:1):",
		"audit(1.000:1): pid=1",		  /* no msg */
		"audit(1.000:1): pid=1 msg=",		  /* msg without quote */
		"audit(1.000:1): pid=1 msg='op=login",	  /* no closing quote */
		"audit(1.000:1): msg='res=failed'",	  /* no pid */
		"audit(1.000:1): pid=4294967296 msg='x'", /* pid out of range */
		"audit(x.000:1): pid=1 msg='x'",
		"audit(1.1000:1): pid=1 msg='x'",
		"audit(99999999999999999999.000:1): pid=1 msg='x'",
		"audit(1.000:1) pid=1 msg='x'",
		"type=USER_AUTH msg=audit(1.000:1): pid=1 msg='x'",
		/* the kernel's stamp: three millisecond digits, seconds below 2^32 */
		"audit(1.5:1): pid=1 msg='x'",
		"audit(4294967296.000:1): pid=1 msg='x'",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(parse(LOGIN_AUDIT_USER_AUTH, bad[i]), -EBADMSG);
}

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(login_audit_classify("/usr/sbin/sshd"), LOGIN_AUDIT_CLASS_LOGIN);
	assert_int_equal(login_audit_classify("/usr/lib/openssh/sshd-session"),
			 LOGIN_AUDIT_CLASS_LOGIN);
	assert_int_equal(login_audit_classify("/bin/login"), LOGIN_AUDIT_CLASS_LOGIN);
	assert_int_equal(login_audit_classify(""), LOGIN_AUDIT_CLASS_LOGIN);
	assert_int_equal(login_audit_classify("/usr/bin/sudo"), LOGIN_AUDIT_CLASS_PRIVILEGE);
	assert_int_equal(login_audit_classify("/bin/su"), LOGIN_AUDIT_CLASS_PRIVILEGE);
	assert_int_equal(login_audit_classify("/usr/bin/pkexec"), LOGIN_AUDIT_CLASS_PRIVILEGE);
	assert_int_equal(login_audit_classify("/usr/sbin/runuser"), LOGIN_AUDIT_CLASS_PRIVILEGE);
	assert_int_equal(login_audit_classify("/usr/sbin/cron"), LOGIN_AUDIT_CLASS_SERVICE);
	assert_int_equal(login_audit_classify("/usr/lib/systemd/systemd"),
			 LOGIN_AUDIT_CLASS_SERVICE);
	assert_int_equal(login_audit_classify("/tmp/sudoer"), LOGIN_AUDIT_CLASS_LOGIN);
}

/* sshd, wrong password: USER_AUTH failed, then USER_LOGIN failed from the same process. */
static void test_verdict_ssh_fail(void **state)
{
	struct login_verdict v;

	(void)state;
	v = verdict(LOGIN_AUDIT_USER_AUTH, SSHD_AUTH_FAILED, 1000);
	assert_int_equal(v.kind, LOGIN_VERDICT_LOGIN);
	assert_false(v.success);
	v = verdict(LOGIN_AUDIT_USER_LOGIN, SSHD_LOGIN_FAILED, 3000);
	assert_int_equal(v.kind, LOGIN_VERDICT_NONE); /* the same failure */
	/* A second wrong password in the same connection is a second attempt. */
	v = verdict(LOGIN_AUDIT_USER_AUTH, SSHD_AUTH_FAILED, 4000);
	assert_int_equal(v.kind, LOGIN_VERDICT_LOGIN);
	assert_false(v.success);
	/* USER_LOGIN failed alone (no USER_AUTH: e.g. an invalid user) is a Fail. */
	v = verdict(LOGIN_AUDIT_USER_LOGIN, SSHD_LOGIN_FAILED, 4000 + LOGIN_DEDUP_MS + 1);
	assert_int_equal(v.kind, LOGIN_VERDICT_LOGIN);
	assert_false(v.success);
}

/* sshd, right password: AUTH, ACCT, CRED_ACQ, START -> one Success, from the session. */
static void test_verdict_ssh_success(void **state)
{
	(void)state;
	assert_int_equal(
		verdict(LOGIN_AUDIT_USER_AUTH, SSHD("PAM:authentication", "success"), 1).kind,
		LOGIN_VERDICT_NONE);
	assert_int_equal(verdict(LOGIN_AUDIT_USER_ACCT, SSHD("PAM:accounting", "success"), 2).kind,
			 LOGIN_VERDICT_NONE);
	assert_int_equal(verdict(1103, SSHD("PAM:setcred", "success"), 3).kind, LOGIN_VERDICT_NONE);
	struct login_verdict v =
		verdict(LOGIN_AUDIT_USER_START, SSHD("PAM:session_open", "success"), 4);
	assert_int_equal(v.kind, LOGIN_VERDICT_LOGIN);
	assert_true(v.success);
	/* login(1) also sends USER_LOGIN success: the same login. */
	assert_int_equal(verdict(LOGIN_AUDIT_USER_LOGIN, SSHD("login", "success"), 5).kind,
			 LOGIN_VERDICT_NONE);
	/* Account refused after a good password: a Fail. */
	v = verdict(LOGIN_AUDIT_USER_ACCT, SSHD("PAM:accounting", "failed"), 6);
	assert_int_equal(v.kind, LOGIN_VERDICT_LOGIN);
	assert_false(v.success);
}

static void test_verdict_privilege(void **state)
{
	struct login_verdict v;

	(void)state;
	v = verdict(LOGIN_AUDIT_USER_AUTH, SUDO_AUTH("success"), 1);
	assert_int_equal(v.kind, LOGIN_VERDICT_PRIVILEGE);
	assert_true(v.success);
	/* Its session is the same use. */
	assert_int_equal(verdict(LOGIN_AUDIT_USER_START,
				 "audit(1.000:2): pid=19894 uid=1001 msg='op=PAM:session_open "
				 "acct=\"root\" exe=\"/usr/bin/sudo\" res=success'",
				 2)
				 .kind,
			 LOGIN_VERDICT_NONE);
	v = verdict(LOGIN_AUDIT_USER_AUTH,
		    "audit(1795955577.177:1077083): pid=19899 uid=1001 auid=1001 ses=1 "
		    "msg='op=PAM:authentication grantors=? acct=\"root\" exe=\"/usr/bin/su\" "
		    "hostname=? addr=? terminal=? res=failed'",
		    3);
	assert_int_equal(v.kind, LOGIN_VERDICT_PRIVILEGE);
	assert_false(v.success);
	/* cron's sessions and records without a result make nothing. */
	assert_int_equal(verdict(LOGIN_AUDIT_USER_START,
				 "audit(1.000:4): pid=50 msg='op=PAM:session_open acct=\"root\" "
				 "exe=\"/usr/sbin/cron\" res=success'",
				 4)
				 .kind,
			 LOGIN_VERDICT_NONE);
	assert_int_equal(verdict(LOGIN_AUDIT_USER_AUTH,
				 "audit(1.000:5): pid=51 msg='op=x exe=\"/usr/sbin/sshd\"'", 5)
				 .kind,
			 LOGIN_VERDICT_NONE);
}

/* The dedup table is bounded: many processes only evict old entries. */
static void test_dedup_bounded(void **state)
{
	char text[160];

	(void)state;
	for (unsigned pid = 1; pid <= 3 * LOGIN_DEDUP_MAX; pid++) {
		snprintf(text, sizeof(text),
			 "audit(1.000:1): pid=%u msg='op=PAM:session_open acct=\"a\" "
			 "exe=\"/usr/sbin/sshd\" res=success'",
			 pid);
		assert_int_equal(verdict(LOGIN_AUDIT_USER_START, text, pid).kind,
				 LOGIN_VERDICT_LOGIN);
	}
	assert_true(dedup.next < LOGIN_DEDUP_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_hex_and_hostile_values),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_classify),
		cmocka_unit_test_setup(test_verdict_ssh_fail, setup),
		cmocka_unit_test_setup(test_verdict_ssh_success, setup),
		cmocka_unit_test_setup(test_verdict_privilege, setup),
		cmocka_unit_test_setup(test_dedup_bounded, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
