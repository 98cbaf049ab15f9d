/* SPDX-License-Identifier: MIT */
/*
 * The audit record syntax; see audit-record.h.  Every loop is bounded by the input's length
 * and every copy by the output's size.
 */
#include "audit-record.h"

#include <errno.h>
#include <string.h>

#include "common/hex.h"
#include "common/num.h"

/* The digits of a stamp field at buf[i]: the count, 0 for none. */
static size_t digits_at(const char *buf, size_t len, size_t i)
{
	size_t n = 0;

	while (i + n < len && buf[i + n] >= '0' && buf[i + n] <= '9')
		n++;
	return n;
}

/* A stamp field: at most 20 digits (no padding beyond what a u64 needs), at most max. */
static int stamp_number(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	return n > 20 ? -EINVAL : num_parse_u64(s, n, 10, max, ret);
}

int audit_stamp_parse(const char *buf, size_t len, struct audit_stamp *ret_stamp, size_t *ret_body)
{
	static const char pre[] = "audit(";
	struct audit_stamp st;
	uint64_t sec, ms;
	size_t i = 0, n;

	if (!buf)
		return -EBADMSG;
	if (len >= 5 && memcmp(buf, "type=", 5) == 0) {
		const char *m = memmem(buf, len, " msg=", 5);

		if (!m)
			return -EBADMSG;
		i = (size_t)(m - buf) + 5;
	}
	if (len - i < sizeof(pre) - 1 || memcmp(buf + i, pre, sizeof(pre) - 1) != 0)
		return -EBADMSG;
	i += sizeof(pre) - 1;
	n = digits_at(buf, len, i);
	if (i + n >= len || buf[i + n] != '.' || stamp_number(buf + i, n, UINT32_MAX, &sec))
		return -EBADMSG;
	i += n + 1;
	n = digits_at(buf, len, i);
	if (i + n >= len || buf[i + n] != ':' || n != 3 || num_parse_u64(buf + i, 3, 10, 999, &ms))
		return -EBADMSG;
	i += n + 1;
	n = digits_at(buf, len, i);
	if (i + n + 1 >= len || buf[i + n] != ')' || buf[i + n + 1] != ':' ||
	    stamp_number(buf + i, n, UINT64_MAX, &st.serial))
		return -EBADMSG;
	i += n + 2;
	if (i < len && buf[i] == ' ')
		i++;
	st.time_ms = sec * 1000 + ms;
	*ret_stamp = st;
	*ret_body = i;
	return 0;
}

static bool is_separator(char c, unsigned flags)
{
	return c == ' ' || ((flags & AUDIT_FIELD_LINES) && (c == '\n' || c == '\0'));
}

static bool opens_quote(char c, unsigned flags)
{
	return (c == '"' && (flags & AUDIT_FIELD_DQUOTE)) ||
	       (c == '\'' && (flags & AUDIT_FIELD_SQUOTE));
}

bool audit_field_next(const char **pos, const char *end, unsigned flags, struct audit_field *ret)
{
	const char *p = *pos, *q;

	for (;;) {
		while (p < end && is_separator(*p, flags))
			p++;
		if (p >= end)
			return false;
		ret->key = p;
		while (p < end && *p != '=' && *p != ' ')
			p++;
		if (p < end && *p == '=')
			break;
		/* a token without '=': skip it */
	}
	ret->klen = (size_t)(p - ret->key);
	q = ++p;
	if (q < end && opens_quote(*q, flags)) {
		const char *close = memchr(q + 1, *q, (size_t)(end - q - 1));

		p = close ? close + 1 : end;
	} else {
		while (p < end && *p != ' ' && !((flags & AUDIT_FIELD_LINES) && *p == '\n'))
			p++;
	}
	ret->val = q;
	ret->vlen = (size_t)(p - q);
	*pos = p;
	return true;
}

bool audit_field_is(const struct audit_field *f, const char *key)
{
	return f->klen == strlen(key) && memcmp(f->key, key, f->klen) == 0;
}

/* The byte of the hex pair at v, or -1. */
static int hex_pair(const char *v)
{
	int hi = hex_digit_value(v[0]), lo = hex_digit_value(v[1]);

	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

static bool is_null(const char *v, size_t vlen)
{
	return vlen == 6 && memcmp(v, "(null)", 6) == 0;
}

int audit_value_decode(const char *v, size_t vlen, char *out, size_t out_size, size_t *ret_len)
{
	size_t n = 0;
	bool trunc = false;

	if (vlen >= 2 && v[0] == '"') {
		if (v[vlen - 1] != '"')
			return -EBADMSG;
		n = vlen - 2;
		if (n > out_size)
			n = out_size, trunc = true;
		memcpy(out, v + 1, n);
		*ret_len = n;
		return trunc;
	}
	if (is_null(v, vlen))
		return -ENOENT;
	if (vlen == 0 || vlen % 2)
		return -EBADMSG;
	for (size_t i = 0; i < vlen; i += 2) {
		int b = hex_pair(v + i);

		if (b < 0)
			return -EBADMSG;
		if (n == out_size) {
			trunc = true;
			continue; /* keep validating the rest */
		}
		out[n++] = (char)b;
	}
	*ret_len = n;
	return trunc;
}

int audit_value_each(const char *v, size_t vlen,
		     void (*fn)(void *userdata, const char *bytes, size_t n), void *userdata)
{
	char tmp[256];
	size_t n = 0;

	if (vlen >= 2 && v[0] == '"') {
		if (v[vlen - 1] != '"')
			return -EBADMSG;
		fn(userdata, v + 1, vlen - 2);
		return 0;
	}
	if (is_null(v, vlen))
		return 0;
	if (vlen == 0 || vlen % 2)
		return -EBADMSG;
	for (size_t i = 0; i < vlen; i += 2) {
		int b = hex_pair(v + i);

		if (b < 0)
			return -EBADMSG;
		tmp[n++] = (char)b;
		if (n == sizeof(tmp) || i + 2 == vlen) {
			fn(userdata, tmp, n);
			n = 0;
		}
	}
	return 0;
}

static bool all_hex(const char *v, size_t vlen)
{
	if (vlen == 0 || vlen % 2)
		return false;
	for (size_t i = 0; i < vlen; i++)
		if (hex_digit_value(v[i]) < 0)
			return false;
	return true;
}

void audit_value_unquote(const char *v, size_t vlen, const char **ret_v, size_t *ret_len,
			 bool *ret_quoted)
{
	bool quoted = vlen && v[0] == '"';

	if (quoted) {
		v++, vlen--;
		/* audit_field_next() ends a quoted value after its closing quote, if any */
		if (vlen && v[vlen - 1] == '"')
			vlen--;
	}
	*ret_v = v;
	*ret_len = vlen;
	*ret_quoted = quoted;
}

bool audit_value_text(const char *v, size_t vlen, unsigned flags, char *out, size_t size)
{
	bool quoted, hex = false, cut = false;
	size_t n = 0;

	audit_value_unquote(v, vlen, &v, &vlen, &quoted);
	if (quoted) {
		/* as it is */
	} else if (vlen == 1 && v[0] == '?') {
		vlen = 0;
	} else {
		hex = (flags & AUDIT_TEXT_HEX) && all_hex(v, vlen);
	}
	for (size_t i = 0; i < vlen; i += hex ? 2 : 1) {
		char c = hex ? (char)hex_pair(v + i) : v[i];

		if (n + 1 >= size) {
			cut = true;
			break;
		}
		out[n++] = c ? c : '?';
	}
	out[n] = '\0';
	return cut;
}
