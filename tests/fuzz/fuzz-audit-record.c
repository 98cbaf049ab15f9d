/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness for kernel audit records: the record syntax (audit/audit-record.c) and both of
 * its readers, the process collector's syscall records (collectors/process/audit-parse.c) and
 * the login collector's PAM user messages and verdict (collectors/login/login-audit-parse.c).
 *
 * The input is records, one per line, each "TYPE TEXT" where TYPE is the netlink message type in
 * decimal (1300 = SYSCALL, 1309 = EXECVE, ..., 1100 = USER_AUTH, 1105 = USER_START, 1112 =
 * USER_LOGIN) and TEXT the record as the kernel sends it ("audit(SEC.MSEC:SERIAL): key=value
 * ...").  The corpus (corpus/audit-record/) holds real events captured from this kernel (execs,
 * connects, exits; sshd, sudo and su logins: login-*) plus handmade edge cases.  Each record is
 * handed over as an exact-size copy, so ASan sees any read past it.  Every line goes to both
 * readers: the syscall records are folded into one event and every consumer of the event is
 * run; every line is parsed as a PAM record and judged, all sharing one dedup table; and the
 * syntax functions run on it alone (fields in every dialect, values as bytes, pieces, text).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit-record.h"
#include "collectors/login/login-audit-parse.h"
#include "collectors/process/audit-parse.h"
#include "common/array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t size)
{
	if (strnlen(s, size) >= size)
		abort(); /* every string stays NUL-terminated inside its buffer */
}

static void pam_feed(unsigned type, const char *text, size_t len, struct login_dedup *dedup,
		     uint64_t now)
{
	static struct login_audit_record rec;
	struct login_verdict v;

	(void)login_audit_type_wanted(type);
	(void)login_audit_type_name(type);
	if (login_audit_parse(type, text, len, &rec) != 0)
		return;
	check_str(rec.op, sizeof(rec.op));
	check_str(rec.acct, sizeof(rec.acct));
	check_str(rec.exe, sizeof(rec.exe));
	check_str(rec.hostname, sizeof(rec.hostname));
	check_str(rec.addr, sizeof(rec.addr));
	check_str(rec.terminal, sizeof(rec.terminal));
	v = login_audit_verdict(&rec, dedup, now);
	if (v.kind != LOGIN_VERDICT_NONE && v.kind != LOGIN_VERDICT_LOGIN &&
	    v.kind != LOGIN_VERDICT_PRIVILEGE)
		abort();
	if (v.kind != LOGIN_VERDICT_NONE && rec.res == LOGIN_AUDIT_RES_UNKNOWN)
		abort(); /* no verdict without a result */
}

static void count_bytes(void *userdata, const char *bytes, size_t n)
{
	volatile char sink = n ? bytes[n - 1] : 0; /* ASan: the piece is readable */

	(void)sink;
	*(size_t *)userdata += n;
}

/* The syntax functions on one record alone. */
static void syntax_feed(const char *text, size_t len)
{
	static const unsigned dialects[] = { AUDIT_FIELDS_KERNEL, AUDIT_FIELDS_USER, 0 };
	char small[8], out[64];
	struct audit_field f;
	size_t n, total;

	for (size_t d = 0; d < ARRAY_SIZE(dialects); d++) {
		const char *p = text, *end = text + len;

		while (audit_field_next(&p, end, dialects[d], &f)) {
			if (f.key < text || f.val + f.vlen > end || p > end ||
			    f.val != f.key + f.klen + 1)
				abort(); /* fields lie inside the record, value right after key= */
			if (audit_value_decode(f.val, f.vlen, small, sizeof(small), &n) >= 0 &&
			    n > sizeof(small))
				abort();
			total = 0;
			(void)audit_value_each(f.val, f.vlen, count_bytes, &total);
			if (total > f.vlen)
				abort(); /* decoding never makes more bytes than the value has */
			(void)audit_value_text(f.val, f.vlen, AUDIT_TEXT_HEX, out, sizeof(out));
			check_str(out, sizeof(out));
		}
	}
}

static void record_feed(struct audit_event *ev, bool *started, struct login_dedup *dedup,
			uint64_t now, const char *line, size_t len)
{
	struct audit_stamp st;
	unsigned type = 0;
	size_t i = 0, body;
	char *copy;

	while (i < len && i < 5 && line[i] >= '0' && line[i] <= '9')
		type = type * 10 + (unsigned)(line[i++] - '0');
	if (i < len && line[i] == ' ')
		i++;
	copy = malloc(len - i ? len - i : 1);
	if (!copy)
		abort();
	memcpy(copy, line + i, len - i);
	syntax_feed(copy, len - i);
	pam_feed(type, copy, len - i, dedup, now);
	if (i > 0 && audit_stamp_parse(copy, len - i, &st, &body) == 0) {
		if (body > len - i)
			abort(); /* the body must lie inside the record */
		if (!*started) {
			audit_event_init(ev, &st);
			*started = true;
		}
		(void)audit_type_is_syscall_part(type);
		(void)audit_event_add(ev, type, copy + body, len - i - body);
	}
	free(copy);
}

static void event_check(struct audit_event *ev)
{
	static char out[PROCESS_CMDLINE_MAX + 1];
	char addr[PROCESS_ADDR_STR_MAX];
	struct process_view v;

	if (ev->argv.len > sizeof(ev->args) || ev->cwd_len >= sizeof(ev->cwd) ||
	    ev->exe_len >= sizeof(ev->exe) || ev->path0_len >= sizeof(ev->path0) ||
	    ev->title_len > sizeof(ev->title))
		abort(); /* lengths always stay within their buffers */
	(void)audit_event_kind(ev);
	(void)audit_event_socket_fd(ev);
	if (audit_event_view(ev, 0, &v) != 0)
		return;
	switch (v.type) {
	case PROCESS_RECORD_EXEC:
		process_args_join(v.exec.args, v.exec.args_len, out, sizeof(out));
		/* the whole view always fits the formatter's documented size */
		if (process_cmdline_format(&v.exec, out, sizeof(out)) + 1 >= sizeof(out))
			abort();
		process_cwd_format(v.exec.cwd_parts, v.exec.cwd_len, out, sizeof(out));
		if (v.exec.exe_len > PROCESS_EXE_MAX || v.exec.args_len > PROCESS_ARGS_MAX ||
		    v.exec.n_cuts > PROCESS_ARGV_CUTS)
			abort();
		break;
	case PROCESS_RECORD_CONNECT:
		if (v.conn.family)
			(void)process_addr_format(v.conn.family, v.conn.remote_addr, addr);
		break;
	case PROCESS_RECORD_EXIT:
		break;
	default:
		abort(); /* the parser must not invent a record type */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct audit_event ev;
	static struct login_dedup dedup;
	const char *p = (const char *)data, *end = p + size;
	bool started = false;
	uint64_t now = 0;
	char small[8];
	size_t n;

	memset(&dedup, 0, sizeof(dedup));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		record_feed(&ev, &started, &dedup, now, p, len);
		now += 1000;
		p += len + (nl ? 1 : 0);
	}
	/* A value decoded on its own, as the first line would be. */
	(void)audit_value_decode((const char *)data, size, small, sizeof(small), &n);
	if (started)
		event_check(&ev);
	return 0;
}
