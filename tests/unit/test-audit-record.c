/* SPDX-License-Identifier: MIT */
/*
 * The audit record syntax (audit/audit-record.c), shared by the process and login collectors:
 * stamps (netlink and auditd's log form, near misses, the length being what counts), the two
 * field dialects (the kernel's text: '"' and "'" quotes, newline and NUL separators; a PAM
 * sender's text: only '"' quotes, everything else is data), values as bytes (quoted, hex,
 * "(null)", cut), in pieces, and as text ("?", hex only when asked, NUL bytes, cut).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit-record.h"
#include "common/array.h"

static void test_stamp(void **state)
{
	const char *a = "audit(1700000000.123:42): arch=c000003e";
	const char *b = "type=SYSCALL msg=audit(1700000000.005:18446744073709551615): x=1";
	struct audit_stamp st;
	size_t body;

	(void)state;
	assert_int_equal(audit_stamp_parse(a, strlen(a), &st, &body), 0);
	assert_int_equal(st.time_ms, 1700000000123ull);
	assert_int_equal(st.serial, 42);
	assert_string_equal(a + body, "arch=c000003e");
	assert_int_equal(audit_stamp_parse(b, strlen(b), &st, &body), 0);
	assert_int_equal(st.time_ms, 1700000000005ull);
	assert_true(st.serial == UINT64_MAX);
	/* Garbage and near misses. */
	static const char *const bad[] = {
		"",
		"audit(",
		"audit(1.12:3): ",
		"audit(1.123:): ",
		"audit(1.123:3",
		"audit(1.123:3)",
		"audit(x.123:3): ",
		"audit(1.123:18446744073709551616): ",
		"audit(99999999999.123:1): ",
		"type=SYSCALL audit(1.123:3): ",
		"AUDIT(1.123:3): ",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(audit_stamp_parse(bad[i], strlen(bad[i]), &st, &body), -EBADMSG);
	/* Not NUL-terminated: the length is what counts. */
	assert_int_equal(audit_stamp_parse(a, 10, &st, &body), -EBADMSG);
}

static void test_value_decode(void **state)
{
	char out[16];
	size_t n;

	(void)state;
	assert_int_equal(audit_value_decode("\"abc\"", 5, out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(audit_value_decode("74776F20776F726473", 18, out, sizeof(out), &n), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "two words", 9);
	assert_int_equal(audit_value_decode("6e6c0a78", 8, out, sizeof(out), &n), 0);
	assert_memory_equal(out, "nl\nx", 4);
	assert_int_equal(audit_value_decode("(null)", 6, out, sizeof(out), &n), -ENOENT);
	assert_int_equal(audit_value_decode("ABC", 3, out, sizeof(out), &n), -EBADMSG);
	assert_int_equal(audit_value_decode("ZZ", 2, out, sizeof(out), &n), -EBADMSG);
	assert_int_equal(audit_value_decode("\"abc", 4, out, sizeof(out), &n), -EBADMSG);
	assert_int_equal(audit_value_decode("\"", 1, out, sizeof(out), &n), -EBADMSG);
	/* Cut at out_size, flagged. */
	assert_int_equal(audit_value_decode("\"abcdef\"", 8, out, 4, &n), 1);
	assert_int_equal(n, 4);
	assert_int_equal(audit_value_decode("41424344", 8, out, 2, &n), 1);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "AB", 2);
}

/* The fields of text in a dialect, as "key=value|key=value|". */
static void fields(const char *text, size_t len, unsigned flags, char *out, size_t size)
{
	const char *p = text, *end = text + len;
	struct audit_field f;
	size_t n = 0;

	out[0] = '\0';
	while (audit_field_next(&p, end, flags, &f)) {
		int w = snprintf(out + n, size - n, "%.*s=%.*s|", (int)f.klen, f.key, (int)f.vlen,
				 f.val);

		assert_true(w > 0 && (size_t)w < size - n);
		n += (size_t)w;
		assert_true(f.val + f.vlen <= end); /* never past the input */
	}
}

static void test_fields_kernel(void **state)
{
	static const char t[] = "arch=c000003e comm=\"a b\" subj='x y' bare\nnext=1 \0\n\0nul=2 x=";
	char out[256];

	(void)state;
	fields(t, sizeof(t) - 1, AUDIT_FIELDS_KERNEL, out, sizeof(out));
	/* a key runs to '=' or a space: a newline inside a bare token is part of the key */
	assert_string_equal(out, "arch=c000003e|comm=\"a b\"|subj='x y'|bare\nnext=1|nul=2|x=|");
	/* An unterminated quote runs to the end. */
	fields("a=\"x y", 6, AUDIT_FIELDS_KERNEL, out, sizeof(out));
	assert_string_equal(out, "a=\"x y|");
	/* A token without '=' is skipped; the length is what counts. */
	fields("junk k=v tail=zz", 9, AUDIT_FIELDS_KERNEL, out, sizeof(out));
	assert_string_equal(out, "k=v|");
	fields("", 0, AUDIT_FIELDS_KERNEL, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_fields_user(void **state)
{
	/* A sender's text: "'" and newlines are data, only '"' quotes. */
	static const char t[] = "op='x y' acct=\"a b\" host=a\nb=c res=failed";
	char out[256];
	struct audit_field f;
	const char *p = "k=\"v\"", *end = p + 5;

	(void)state;
	fields(t, sizeof(t) - 1, AUDIT_FIELDS_USER, out, sizeof(out));
	assert_string_equal(out, "op='x|acct=\"a b\"|host=a\nb=c|res=failed|");
	/* No quotes at all (the kernel's outer fields of a user message). */
	fields("pid=1 msg='op=x y'", 18, 0, out, sizeof(out));
	assert_string_equal(out, "pid=1|msg='op=x|");
	assert_true(audit_field_next(&p, end, AUDIT_FIELDS_USER, &f));
	assert_true(audit_field_is(&f, "k"));
	assert_false(audit_field_is(&f, "kk"));
	assert_false(audit_field_is(&f, ""));
}

static void each_cb(void *userdata, const char *bytes, size_t n)
{
	char *acc = userdata;
	size_t len = strlen(acc);

	assert_true(n > 0 && n <= 256);
	memcpy(acc + len, bytes, n);
	acc[len + n] = '\0';
}

static void test_value_each(void **state)
{
	static char acc[2048], hex[2 * 600 + 1];

	(void)state;
	acc[0] = '\0';
	assert_int_equal(audit_value_each("\"abc\"", 5, each_cb, acc), 0);
	assert_string_equal(acc, "abc");
	acc[0] = '\0';
	assert_int_equal(audit_value_each("(null)", 6, each_cb, acc), 0);
	assert_string_equal(acc, "");
	/* 600 bytes of hex: handed over in pieces of at most 256. */
	for (int i = 0; i < 600; i++)
		memcpy(hex + 2 * i, "41", 2);
	acc[0] = '\0';
	assert_int_equal(audit_value_each(hex, 1200, each_cb, acc), 0);
	assert_int_equal(strlen(acc), 600);
	assert_int_equal(audit_value_each("4", 1, each_cb, acc), -EBADMSG);
	assert_int_equal(audit_value_each("", 0, each_cb, acc), -EBADMSG);
	assert_int_equal(audit_value_each("4G", 2, each_cb, acc), -EBADMSG);
	assert_int_equal(audit_value_each("\"ab", 3, each_cb, acc), -EBADMSG);
}

static void test_value_text(void **state)
{
	char out[8];

	(void)state;
	assert_false(audit_value_text("\"a b\"", 5, AUDIT_TEXT_HEX, out, sizeof(out)));
	assert_string_equal(out, "a b");
	/* quoted hex-looking text stays as it is */
	assert_false(audit_value_text("\"4142\"", 6, AUDIT_TEXT_HEX, out, sizeof(out)));
	assert_string_equal(out, "4142");
	assert_false(audit_value_text("4142", 4, AUDIT_TEXT_HEX, out, sizeof(out)));
	assert_string_equal(out, "AB");
	assert_false(audit_value_text("4142", 4, 0, out, sizeof(out)));
	assert_string_equal(out, "4142");
	assert_false(audit_value_text("414", 3, AUDIT_TEXT_HEX, out, sizeof(out)));
	assert_string_equal(out, "414");
	/* NUL bytes never cut a name short */
	assert_false(audit_value_text("610062", 6, AUDIT_TEXT_HEX, out, sizeof(out)));
	assert_string_equal(out, "a?b");
	assert_false(audit_value_text("a\0b", 3, 0, out, sizeof(out)));
	assert_string_equal(out, "a?b");
	/* "?" is unset, but not when quoted */
	assert_false(audit_value_text("?", 1, 0, out, sizeof(out)));
	assert_string_equal(out, "");
	assert_false(audit_value_text("\"?\"", 3, 0, out, sizeof(out)));
	assert_string_equal(out, "?");
	/* unterminated quote: the rest */
	assert_false(audit_value_text("\"ab c", 5, 0, out, sizeof(out)));
	assert_string_equal(out, "ab c");
	assert_false(audit_value_text("\"", 1, 0, out, sizeof(out)));
	assert_string_equal(out, "");
	/* cut to size - 1, always terminated */
	assert_true(audit_value_text("abcdefghij", 10, 0, out, sizeof(out)));
	assert_string_equal(out, "abcdefg");
	assert_true(audit_value_text("4142434445464748", 16, AUDIT_TEXT_HEX, out, sizeof(out)));
	assert_string_equal(out, "ABCDEFG");
	assert_true(audit_value_text("ab", 2, 0, out, 1));
	assert_string_equal(out, "");
}

static void test_unquote(void **state)
{
	const char *v;
	size_t n;
	bool q;

	(void)state;
	audit_value_unquote("\"failed\"", 8, &v, &n, &q);
	assert_true(q);
	assert_int_equal(n, 6);
	assert_memory_equal(v, "failed", 6);
	audit_value_unquote("\"failed", 7, &v, &n, &q);
	assert_true(q);
	assert_int_equal(n, 6);
	audit_value_unquote("failed", 6, &v, &n, &q);
	assert_false(q);
	assert_int_equal(n, 6);
	audit_value_unquote("", 0, &v, &n, &q);
	assert_false(q);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp),	      cmocka_unit_test(test_value_decode),
		cmocka_unit_test(test_fields_kernel), cmocka_unit_test(test_fields_user),
		cmocka_unit_test(test_value_each),    cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_unquote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
