/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The syntax of kernel audit records: the one parser of the text the kernel multicasts on
 * NETLINK_AUDIT, shared by the process collector's audit backend (collectors/process/
 * audit-parse.c: SYSCALL, EXECVE, CWD, PATH, PROCTITLE, SOCKADDR) and the login collector
 * (collectors/login/login-audit-parse.c: PAM's USER_* messages).  Each of them gives the
 * fields their meaning; this module knows the stamp, how fields are separated, how values
 * are quoted or hex-encoded, and nothing of any record type.
 *
 * Pure functions over caller buffers: no I/O, no allocation, no global state; input need
 * not be NUL-terminated and is never read past its length.  Numbers: common/num.h.
 *
 * A record is "audit(SEC.MSEC:SERIAL): key=value key=value ...".  The kernel's own values
 * are bare tokens; strings it does not trust are "quoted" (no space, quote, control or
 * non-ASCII byte inside) or else hex-encoded without quotes; "(null)" is a NULL pointer and
 * "?" an unset value.  A user message (PAM, from any process with CAP_AUDIT_WRITE) carries
 * its sender's text verbatim inside msg='...': there only a space separates fields and only
 * '"' quotes, because every other byte is the sender's (a newline, a NUL or a "'" are data).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audit_stamp {
	uint64_t time_ms; /* CLOCK_REALTIME, milliseconds */
	uint64_t serial;
};

/*
 * The stamp at the start of buf: "audit(SEC.MSEC:SERIAL): " (SEC at most 2^32 - 1, exactly
 * three MSEC digits, as the kernel prints them), optionally after "type=NAME msg=" (auditd's
 * log format).  0 with the offset of the body (after the optional space), or -EBADMSG.
 */
int audit_stamp_parse(const char *buf, size_t len, struct audit_stamp *ret_stamp, size_t *ret_body);

/* One key=value; val is the raw value, quotes included. */
struct audit_field {
	const char *key, *val;
	size_t klen, vlen;
};

/* How fields are read (audit_field_next() flags). */
#define AUDIT_FIELD_DQUOTE 0x1u /* "..." is one value, spaces and all */
#define AUDIT_FIELD_SQUOTE 0x2u /* '...' too */
#define AUDIT_FIELD_LINES 0x4u	/* '\n' ends a bare value; '\n' and NUL separate fields */
/* The kernel's own record text. */
#define AUDIT_FIELDS_KERNEL (AUDIT_FIELD_DQUOTE | AUDIT_FIELD_SQUOTE | AUDIT_FIELD_LINES)
/* A sender's text inside msg='...'. */
#define AUDIT_FIELDS_USER AUDIT_FIELD_DQUOTE

/*
 * The next key=value at *pos (before end); tokens without '=' are skipped.  A quoted value
 * runs to its closing quote, or to end when there is none.  false at the end.
 */
bool audit_field_next(const char **pos, const char *end, unsigned flags, struct audit_field *ret);
bool audit_field_is(const struct audit_field *f, const char *key);

/*
 * A value without its '"' quotes (an unterminated quote: the rest of it); a bare value as it
 * is.  Sets *ret_quoted when it was quoted.
 */
void audit_value_unquote(const char *v, size_t vlen, const char **ret_v, size_t *ret_len,
			 bool *ret_quoted);

/*
 * A value as bytes: "quoted" without its quotes, or unquoted hex decoded.  Writes at most
 * out_size bytes (no NUL added) and their number to *ret_len: 0 when that is all of it, 1
 * when it was cut; -ENOENT for "(null)", -EBADMSG for anything else.
 */
int audit_value_decode(const char *v, size_t vlen, char *out, size_t out_size, size_t *ret_len);

/*
 * The same bytes handed to fn in pieces (for values longer than any buffer: argv), in order;
 * "(null)" gives none.  0, or -EBADMSG (pieces before the fault may have been handed over).
 */
int audit_value_each(const char *v, size_t vlen,
		     void (*fn)(void *userdata, const char *bytes, size_t n), void *userdata);

/* audit_value_text() flags */
#define AUDIT_TEXT_HEX 0x1u /* a bare value of even length and only hex digits is decoded */

/*
 * A value as text into out[size] (size > 0), always NUL-terminated: "quoted" without its
 * quotes (an unterminated one: the rest), a bare "?" as "", hex decoded when flags allow it,
 * anything else as it is; NUL bytes become '?'.  true when it was cut to fit.
 */
bool audit_value_text(const char *v, size_t vlen, unsigned flags, char *out, size_t size);
