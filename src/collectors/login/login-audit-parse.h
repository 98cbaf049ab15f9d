/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * PAM's audit records (USER_AUTH, USER_ACCT, USER_LOGIN, USER_START, ...) as the kernel
 * multicasts them: "audit(SEC.MSEC:SERIAL): pid=.. uid=.. auid=.. ses=.. msg='op=.. acct=..
 * exe=.. hostname=.. addr=.. terminal=.. res=..'".  A pure parser, and the rule that turns a
 * record into a Login or PrivilegeUse verdict (see login-audit-parse.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record types of PAM's user messages (libaudit's numbers; linux/audit.h has only the range). */
#define LOGIN_AUDIT_USER_AUTH 1100
#define LOGIN_AUDIT_USER_ACCT 1101
#define LOGIN_AUDIT_USER_START 1105
#define LOGIN_AUDIT_USER_ERR 1109
#define LOGIN_AUDIT_USER_LOGIN 1112

#define LOGIN_AUDIT_ACCT_MAX 256
#define LOGIN_AUDIT_EXE_MAX 4096
#define LOGIN_AUDIT_SHORT_MAX 256 /* op, hostname, addr, terminal */
#define LOGIN_AUDIT_ID_NONE UINT32_MAX

enum login_audit_res {
	LOGIN_AUDIT_RES_UNKNOWN,
	LOGIN_AUDIT_RES_SUCCESS,
	LOGIN_AUDIT_RES_FAILED,
};

/* Strings are NUL-terminated, decoded from hex where audit encoded them; "" when absent or "?". */
struct login_audit_record {
	unsigned type;
	uint64_t time_ns; /* realtime, from the stamp */
	uint64_t serial;
	uint32_t pid, uid, auid; /* of the process that sent it (sshd, sudo, ...) */
	uint32_t id;		 /* "id=" of the account (USER_LOGIN), or LOGIN_AUDIT_ID_NONE */
	char op[LOGIN_AUDIT_SHORT_MAX];
	char acct[LOGIN_AUDIT_ACCT_MAX];
	char exe[LOGIN_AUDIT_EXE_MAX];
	char hostname[LOGIN_AUDIT_SHORT_MAX];
	char addr[LOGIN_AUDIT_SHORT_MAX];
	char terminal[LOGIN_AUDIT_SHORT_MAX];
	enum login_audit_res res;
	bool truncated; /* a value was longer than its buffer and was cut */
};

/* The record types this parser is for (the PAM user-message range it reports on). */
bool login_audit_type_wanted(unsigned type);
const char *login_audit_type_name(unsigned type);

/* 0, or -EBADMSG for a record that is not a well-formed user message. */
int login_audit_parse(unsigned type, const char *text, size_t len, struct login_audit_record *ret);

enum login_audit_class {
	LOGIN_AUDIT_CLASS_LOGIN,     /* sshd, login, display managers, ...: a login */
	LOGIN_AUDIT_CLASS_PRIVILEGE, /* sudo, su, pkexec, ...: privilege use, not a login */
	LOGIN_AUDIT_CLASS_SERVICE,   /* cron, systemd --user: sessions nobody logged into */
};

/* By the basename of the executable. */
enum login_audit_class login_audit_classify(const char *exe);

enum login_verdict_kind {
	LOGIN_VERDICT_NONE,
	LOGIN_VERDICT_LOGIN,	 /* an ASC Login event */
	LOGIN_VERDICT_PRIVILEGE, /* a PrivilegeUse event (our schema) */
};

struct login_verdict {
	enum login_verdict_kind kind;
	bool success;
};

/* Recent verdicts per process, so one login makes one event (not one per PAM record). */
#define LOGIN_DEDUP_MAX 64
#define LOGIN_DEDUP_MS 30000

struct login_dedup {
	struct {
		uint32_t pid;
		uint8_t kind;
		bool success, used;
		uint64_t ms;
	} e[LOGIN_DEDUP_MAX];
	unsigned next;
};

struct login_verdict login_audit_verdict(const struct login_audit_record *r, struct login_dedup *d,
					 uint64_t now_ms);
