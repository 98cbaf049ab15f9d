/* SPDX-License-Identifier: MIT */
/*
 * PAM user-message audit records -> fields, and the rule that makes events of them.
 *
 * Input (untrusted: any local process may send user messages while audit is enabled, and
 * the account name is whatever a remote peer typed):
 *   audit(1795955573.165:1077072): pid=19639 uid=0 auid=4294967295 ses=4294967295
 *     msg='op=PAM:authentication grantors=? acct="eslogin9901" exe="/usr/sbin/sshd"
 *     hostname=127.0.0.1 addr=127.0.0.1 terminal=ssh res=failed'
 * The outer fields are the kernel's (trusted: pid, uid, auid of the sender).  Inside msg='...'
 * a value is either "quoted" or a bare token; libaudit sends acct and exe hex-encoded (bare)
 * when they contain a space, a quote or a control character, so a bare acct/exe/cmd of even
 * length and only hex digits is decoded (NUL bytes become '?').  "?" means unset.  Values
 * longer than their buffer are cut and the record is marked truncated.  Unknown keys are
 * ignored; a record without msg='...' or without a valid stamp is rejected.  The syntax
 * (stamp, fields, quoting, hex) is audit/audit-record.c's, shared with the process collector.
 *
 * Verdict (one event per login, not one per PAM record).  By the executable's basename the
 * sender is a login program (sshd, login, ...), a privilege tool (sudo, su, pkexec, doas,
 * runuser, ...) or a service whose PAM sessions nobody logged into (cron, atd, systemd).
 *   USER_AUTH res=failed                 -> Fail, every time (each wrong password counts)
 *   USER_ACCT / USER_LOGIN / USER_START / USER_ERR res=failed
 *                                        -> Fail, unless that process had a Fail in the last
 *                                           LOGIN_DEDUP_MS (sshd adds USER_LOGIN op=login
 *                                           res=failed after its USER_AUTH failure)
 *   USER_START (PAM session_open) or USER_LOGIN res=success
 *                                        -> Success, unless that process had a Success in
 *                                           the last LOGIN_DEDUP_MS (login(1) sends both)
 *   USER_AUTH res=success                -> Success for privilege tools only (a login's
 *                                           success is its session: the account check and
 *                                           session setup may still refuse it)
 * Everything else (CRED_*, USER_END, USER_ACCT success, USER_CMD...) makes no event.  A login
 * program makes Login verdicts, a privilege tool PrivilegeUse ones, a service none.
 * Public-key logins have no USER_AUTH record: their Success comes from the session.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit-record.h"
#include "common/array.h"
#include "common/num.h"
#include "login-audit-parse.h"

bool login_audit_type_wanted(unsigned type)
{
	switch (type) {
	case LOGIN_AUDIT_USER_AUTH:
	case LOGIN_AUDIT_USER_ACCT:
	case LOGIN_AUDIT_USER_START:
	case LOGIN_AUDIT_USER_ERR:
	case LOGIN_AUDIT_USER_LOGIN:
		return true;
	default:
		return false;
	}
}

const char *login_audit_type_name(unsigned type)
{
	switch (type) {
	case LOGIN_AUDIT_USER_AUTH:
		return "USER_AUTH";
	case LOGIN_AUDIT_USER_ACCT:
		return "USER_ACCT";
	case LOGIN_AUDIT_USER_START:
		return "USER_START";
	case LOGIN_AUDIT_USER_ERR:
		return "USER_ERR";
	case LOGIN_AUDIT_USER_LOGIN:
		return "USER_LOGIN";
	default:
		return "USER";
	}
}

/* A decimal id of at most 20 digits. */
static bool parse_u32(const char *s, size_t len, uint32_t *ret)
{
	return len <= 20 && num_parse_u32(s, len, 10, ret) == 0;
}

/* A text value into out[size] (hex decoded when hex_allowed); cutting marks the record. */
static void value_copy(struct login_audit_record *r, char *out, size_t size,
		       const struct audit_field *f, bool hex_allowed)
{
	if (audit_value_text(f->val, f->vlen, hex_allowed ? AUDIT_TEXT_HEX : 0, out, size))
		r->truncated = true;
}

/* res= without its quotes. */
static enum login_audit_res res_parse(const char *v, size_t vlen)
{
	if ((vlen == 7 && memcmp(v, "success", 7) == 0) || (vlen == 1 && v[0] == '1') ||
	    (vlen == 3 && memcmp(v, "yes", 3) == 0))
		return LOGIN_AUDIT_RES_SUCCESS;
	if ((vlen == 6 && memcmp(v, "failed", 6) == 0) || (vlen == 1 && v[0] == '0') ||
	    (vlen == 2 && memcmp(v, "no", 2) == 0))
		return LOGIN_AUDIT_RES_FAILED;
	return LOGIN_AUDIT_RES_UNKNOWN;
}

/* The inner message: the sender's key=value pairs (AUDIT_FIELDS_USER: only '"' quotes). */
static void msg_parse(struct login_audit_record *r, const char *p, const char *end)
{
	struct audit_field f;
	enum login_audit_res res;
	const char *v;
	size_t vlen;
	bool quoted;

	while (audit_field_next(&p, end, AUDIT_FIELDS_USER, &f)) {
		audit_value_unquote(f.val, f.vlen, &v, &vlen, &quoted);
		if (audit_field_is(&f, "op"))
			value_copy(r, r->op, sizeof(r->op), &f, false);
		else if (audit_field_is(&f, "acct"))
			value_copy(r, r->acct, sizeof(r->acct), &f, true);
		else if (audit_field_is(&f, "exe"))
			value_copy(r, r->exe, sizeof(r->exe), &f, true);
		else if (audit_field_is(&f, "hostname"))
			value_copy(r, r->hostname, sizeof(r->hostname), &f, false);
		else if (audit_field_is(&f, "addr"))
			value_copy(r, r->addr, sizeof(r->addr), &f, false);
		else if (audit_field_is(&f, "terminal"))
			value_copy(r, r->terminal, sizeof(r->terminal), &f, false);
		else if (audit_field_is(&f, "id") && !parse_u32(v, vlen, &r->id))
			r->id = LOGIN_AUDIT_ID_NONE;
		else if (audit_field_is(&f, "res") &&
			 (res = res_parse(v, vlen)) != LOGIN_AUDIT_RES_UNKNOWN)
			r->res = res;
	}
}

int login_audit_parse(unsigned type, const char *text, size_t len, struct login_audit_record *r)
{
	const char *p, *end, *msg = NULL, *msg_end;
	struct audit_stamp st;
	struct audit_field f;
	size_t off;

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->id = LOGIN_AUDIT_ID_NONE;
	r->pid = r->uid = r->auid = LOGIN_AUDIT_ID_NONE;
	while (len && (text[len - 1] == '\0' || text[len - 1] == '\n'))
		len--; /* the kernel may count a terminating NUL */
	/* The kernel's multicast text starts with the stamp (no auditd "type=" prefix). */
	if (len < 6 || memcmp(text, "audit(", 6) != 0 ||
	    audit_stamp_parse(text, len, &st, &off) < 0)
		return -EBADMSG;
	r->time_ns = st.time_ms * 1000000ull;
	r->serial = st.serial;
	p = text + off;
	end = text + len;
	/* Outer fields (the kernel's, bare) up to msg='. */
	while (audit_field_next(&p, end, 0, &f)) {
		if (audit_field_is(&f, "msg")) {
			if (f.vlen && f.val[0] == '\'')
				msg = f.val + 1;
			break;
		}
		if (audit_field_is(&f, "pid"))
			(void)parse_u32(f.val, f.vlen, &r->pid);
		else if (audit_field_is(&f, "uid"))
			(void)parse_u32(f.val, f.vlen, &r->uid);
		else if (audit_field_is(&f, "auid"))
			(void)parse_u32(f.val, f.vlen, &r->auid);
	}
	if (!msg || r->pid == LOGIN_AUDIT_ID_NONE)
		return -EBADMSG;
	/* The message ends at the last quote (values inside are quoted with '"' or hex). */
	for (msg_end = end; msg_end > msg && msg_end[-1] != '\''; msg_end--)
		;
	if (msg_end == msg)
		return -EBADMSG; /* no closing quote */
	msg_parse(r, msg, msg_end - 1);
	return 0;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

enum login_audit_class login_audit_classify(const char *exe)
{
	static const char *const privilege[] = { "sudo",
						 "sudoedit",
						 "su",
						 "pkexec",
						 "doas",
						 "runuser",
						 "sg",
						 "newgrp",
						 "sudo-rs",
						 "su-rs",
						 "polkit-agent-helper-1" };
	static const char *const service[] = { "cron",	  "crond",   "atd",
					       "anacron", "systemd", "systemd-executor" };
	const char *b = basename_of(exe);

	for (size_t i = 0; i < ARRAY_SIZE(privilege); i++)
		if (strcmp(b, privilege[i]) == 0)
			return LOGIN_AUDIT_CLASS_PRIVILEGE;
	for (size_t i = 0; i < ARRAY_SIZE(service); i++)
		if (strcmp(b, service[i]) == 0)
			return LOGIN_AUDIT_CLASS_SERVICE;
	return LOGIN_AUDIT_CLASS_LOGIN;
}

/* True when (pid, kind, success) had a verdict within the window; records this one. */
static bool dedup_seen(struct login_dedup *d, uint32_t pid, uint8_t kind, bool success,
		       uint64_t now_ms, bool record_only)
{
	for (unsigned i = 0; i < LOGIN_DEDUP_MAX; i++) {
		if (!d->e[i].used || d->e[i].pid != pid || d->e[i].kind != kind ||
		    d->e[i].success != success)
			continue;
		bool recent = now_ms - d->e[i].ms <= LOGIN_DEDUP_MS;

		d->e[i].ms = now_ms;
		return recent && !record_only;
	}
	d->e[d->next].pid = pid;
	d->e[d->next].kind = kind;
	d->e[d->next].success = success;
	d->e[d->next].used = true;
	d->e[d->next].ms = now_ms;
	d->next = (d->next + 1) % LOGIN_DEDUP_MAX;
	return false;
}

struct login_verdict login_audit_verdict(const struct login_audit_record *r, struct login_dedup *d,
					 uint64_t now_ms)
{
	struct login_verdict v = { LOGIN_VERDICT_NONE, false };
	enum login_audit_class cls = login_audit_classify(r->exe);
	enum login_verdict_kind kind;
	bool success;

	if (cls == LOGIN_AUDIT_CLASS_SERVICE || r->res == LOGIN_AUDIT_RES_UNKNOWN)
		return v;
	kind = cls == LOGIN_AUDIT_CLASS_PRIVILEGE ? LOGIN_VERDICT_PRIVILEGE : LOGIN_VERDICT_LOGIN;
	success = r->res == LOGIN_AUDIT_RES_SUCCESS;
	switch (r->type) {
	case LOGIN_AUDIT_USER_AUTH:
		if (success && kind == LOGIN_VERDICT_LOGIN)
			return v;
		if (!success) {
			(void)dedup_seen(d, r->pid, (uint8_t)kind, false, now_ms, true);
			break;
		}
		if (dedup_seen(d, r->pid, (uint8_t)kind, true, now_ms, false))
			return v;
		break;
	case LOGIN_AUDIT_USER_ACCT:
	case LOGIN_AUDIT_USER_ERR:
		if (success)
			return v;
		/* fall through */
	case LOGIN_AUDIT_USER_START:
	case LOGIN_AUDIT_USER_LOGIN:
		if (dedup_seen(d, r->pid, (uint8_t)kind, success, now_ms, false))
			return v;
		break;
	default:
		return v;
	}
	v.kind = kind;
	v.success = success;
	return v;
}
