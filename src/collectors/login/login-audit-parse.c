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
 * ignored; a record without msg='...' or without a valid stamp is rejected.
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

static bool parse_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (!len || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return true;
}

static bool parse_u32(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v;

	if (!parse_u64(s, len, &v) || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* "audit(SEC.MSEC:SERIAL): " -> time, serial; the offset of what follows. */
static int stamp_parse(const char *t, size_t len, struct login_audit_record *r, size_t *ret_off)
{
	const char *p = t + 6, *end = t + len, *dot, *colon, *close;
	uint64_t sec, msec;

	if (len < 6 || memcmp(t, "audit(", 6) != 0)
		return -EBADMSG;
	close = memchr(p, ')', (size_t)(end - p));
	if (!close)
		return -EBADMSG;
	dot = memchr(p, '.', (size_t)(close - p));
	colon = dot ? memchr(dot, ':', (size_t)(close - dot)) : NULL;
	if (!colon || !parse_u64(p, (size_t)(dot - p), &sec) ||
	    !parse_u64(dot + 1, (size_t)(colon - dot - 1), &msec) ||
	    !parse_u64(colon + 1, (size_t)(close - colon - 1), &r->serial) || msec > 999 ||
	    sec > UINT64_MAX / 1000000000ull - 1)
		return -EBADMSG;
	r->time_ns = sec * 1000000000ull + msec * 1000000ull;
	if (close + 1 >= end || close[1] != ':')
		return -EBADMSG;
	*ret_off = (size_t)(close + 2 - t);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_hex(const char *s, size_t len)
{
	if (!len || len % 2)
		return false;
	for (size_t i = 0; i < len; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

/* Copies (decoding hex when asked and valid) into out[size]; "?" becomes "". */
static void value_copy(struct login_audit_record *r, char *out, size_t size, const char *v,
		       size_t len, bool quoted, bool hex_allowed)
{
	size_t n = 0;

	if (!quoted && len == 1 && v[0] == '?') {
		out[0] = '\0';
		return;
	}
	if (!quoted && hex_allowed && is_hex(v, len)) {
		for (size_t i = 0; i < len; i += 2) {
			char c = (char)(hexval(v[i]) << 4 | hexval(v[i + 1]));

			if (n + 1 >= size) {
				r->truncated = true;
				break;
			}
			out[n++] = c ? c : '?';
		}
	} else {
		for (size_t i = 0; i < len; i++) {
			if (n + 1 >= size) {
				r->truncated = true;
				break;
			}
			out[n++] = v[i] ? v[i] : '?';
		}
	}
	out[n] = '\0';
}

/* The inner message: key=value pairs separated by spaces. */
static void msg_parse(struct login_audit_record *r, const char *p, const char *end)
{
	while (p < end) {
		const char *key, *eq, *v;
		size_t klen, vlen;
		bool quoted = false;

		while (p < end && *p == ' ')
			p++;
		key = p;
		while (p < end && *p != '=' && *p != ' ')
			p++;
		if (p >= end || *p != '=') {
			continue; /* a bare word: skipped */
		}
		eq = p++;
		klen = (size_t)(eq - key);
		if (p < end && *p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));

			quoted = true;
			v = p + 1;
			vlen = q ? (size_t)(q - v) : (size_t)(end - v);
			p = q ? q + 1 : end;
		} else {
			v = p;
			while (p < end && *p != ' ')
				p++;
			vlen = (size_t)(p - v);
		}
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
		if (KEY("op"))
			value_copy(r, r->op, sizeof(r->op), v, vlen, quoted, false);
		else if (KEY("acct"))
			value_copy(r, r->acct, sizeof(r->acct), v, vlen, quoted, true);
		else if (KEY("exe"))
			value_copy(r, r->exe, sizeof(r->exe), v, vlen, quoted, true);
		else if (KEY("hostname"))
			value_copy(r, r->hostname, sizeof(r->hostname), v, vlen, quoted, false);
		else if (KEY("addr"))
			value_copy(r, r->addr, sizeof(r->addr), v, vlen, quoted, false);
		else if (KEY("terminal"))
			value_copy(r, r->terminal, sizeof(r->terminal), v, vlen, quoted, false);
		else if (KEY("id") && !parse_u32(v, vlen, &r->id))
			r->id = LOGIN_AUDIT_ID_NONE;
		else if (KEY("res")) {
			if ((vlen == 7 && memcmp(v, "success", 7) == 0) ||
			    (vlen == 1 && v[0] == '1') || (vlen == 3 && memcmp(v, "yes", 3) == 0))
				r->res = LOGIN_AUDIT_RES_SUCCESS;
			else if ((vlen == 6 && memcmp(v, "failed", 6) == 0) ||
				 (vlen == 1 && v[0] == '0') ||
				 (vlen == 2 && memcmp(v, "no", 2) == 0))
				r->res = LOGIN_AUDIT_RES_FAILED;
		}
#undef KEY
	}
}

int login_audit_parse(unsigned type, const char *text, size_t len, struct login_audit_record *r)
{
	const char *p, *end, *msg = NULL, *msg_end;
	size_t off;
	int ret;

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->id = LOGIN_AUDIT_ID_NONE;
	r->pid = r->uid = r->auid = LOGIN_AUDIT_ID_NONE;
	while (len && (text[len - 1] == '\0' || text[len - 1] == '\n'))
		len--; /* the kernel may count a terminating NUL */
	ret = stamp_parse(text, len, r, &off);
	if (ret < 0)
		return ret;
	p = text + off;
	end = text + len;
	/* Outer fields up to msg='. */
	while (p < end) {
		const char *key, *v;
		size_t klen, vlen;

		while (p < end && *p == ' ')
			p++;
		key = p;
		while (p < end && *p != '=' && *p != ' ')
			p++;
		if (p >= end || *p != '=')
			continue;
		klen = (size_t)(p - key);
		p++;
		if (klen == 3 && memcmp(key, "msg", 3) == 0) {
			if (p < end && *p == '\'')
				msg = p + 1;
			break;
		}
		v = p;
		while (p < end && *p != ' ')
			p++;
		vlen = (size_t)(p - v);
		if (klen == 3 && memcmp(key, "pid", 3) == 0)
			(void)parse_u32(v, vlen, &r->pid);
		else if (klen == 3 && memcmp(key, "uid", 3) == 0)
			(void)parse_u32(v, vlen, &r->uid);
		else if (klen == 4 && memcmp(key, "auid", 4) == 0)
			(void)parse_u32(v, vlen, &r->auid);
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

	for (size_t i = 0; i < sizeof(privilege) / sizeof(privilege[0]); i++)
		if (strcmp(b, privilege[i]) == 0)
			return LOGIN_AUDIT_CLASS_PRIVILEGE;
	for (size_t i = 0; i < sizeof(service) / sizeof(service[0]); i++)
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
