/* SPDX-License-Identifier: MIT */
/* os-release(5) parser: quoting, escapes, comments, malformed and hostile lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/sysinfo/os-release.h"

static void parse(const char *s, struct os_release *r)
{
	os_release_parse(s, strlen(s), r);
}

static void test_debian(void **state)
{
	static const char text[] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
				   "NAME=\"Debian GNU/Linux\"\n"
				   "VERSION_ID=\"12\"\n"
				   "VERSION=\"12 (bookworm)\"\n"
				   "VERSION_CODENAME=bookworm\n"
				   "ID=debian\n"
				   "HOME_URL=\"https://www.debian.org/\"\n";
	struct os_release r;

	(void)state;
	parse(text, &r);
	assert_string_equal(r.name, "Debian GNU/Linux");
	assert_string_equal(r.pretty_name, "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(r.id, "debian");
	assert_string_equal(r.version_id, "12");
	assert_string_equal(r.version, "12 (bookworm)");
	assert_int_equal(r.skipped, 0);
	assert_int_equal(r.truncated, 0);
}

static void test_quoting(void **state)
{
	struct os_release r;

	(void)state;
	parse("NAME='single \"quoted\" $x \\n'\n", &r);
	assert_string_equal(r.name, "single \"quoted\" $x \\n");
	parse("NAME=\"a \\\"b\\\" \\$c \\\\ \\` \\n\"\n", &r);
	assert_string_equal(r.name, "a \"b\" $c \\ ` \\n");
	parse("NAME=un\\ quoted\\\"\n", &r);
	assert_string_equal(r.name, "un quoted\"");
	parse("NAME=\"con\"'cat'enated\n", &r);
	assert_string_equal(r.name, "concatenated");
	parse("NAME=  spaced value  \t\r\n", &r);
	assert_string_equal(r.name, "spaced value");
	parse("NAME=\"  kept  \"  \n", &r);
	assert_string_equal(r.name, "  kept  ");
	parse("NAME=\"\"\nID=\n", &r);
	assert_string_equal(r.name, "");
	assert_string_equal(r.id, "");
	assert_int_equal(r.skipped, 0);
}

static void test_comments_and_last_wins(void **state)
{
	struct os_release r;

	(void)state;
	parse("# comment\n\n   # indented comment\n  ID=first\nID=second\r\nNAME=x", &r);
	assert_string_equal(r.id, "second");
	assert_string_equal(r.name, "x"); /* no final newline */
	assert_int_equal(r.skipped, 0);
}

static void test_malformed(void **state)
{
	struct os_release r;

	(void)state;
	parse("NAME=\"unterminated\nID='also\nVERSION_ID=ok\n"
	      "=novalue\n1KEY=x\nKEY WITH SPACE=x\njust text\nNAME=trailing\\\n",
	      &r);
	assert_string_equal(r.name, ""); /* the bad NAME lines left it alone */
	assert_string_equal(r.id, "");
	assert_string_equal(r.version_id, "ok");
	assert_int_equal(r.skipped, 7);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "NAME=a\0b\nID=x\n";
	struct os_release r;

	(void)state;
	os_release_parse(text, sizeof(text) - 1, &r);
	assert_string_equal(r.name, "");
	assert_string_equal(r.id, "x");
	assert_int_equal(r.skipped, 1);
}

static void test_huge_value(void **state)
{
	size_t n = 1 << 20;
	char *text = malloc(n + 32);
	struct os_release r;

	(void)state;
	assert_non_null(text);
	memcpy(text, "NAME=\"", 6);
	memset(text + 6, 'A', n);
	memcpy(text + 6 + n, "\"\nID=x\n", 8);
	parse(text, &r);
	assert_int_equal(strlen(r.name), OS_RELEASE_VALUE_MAX - 1);
	assert_string_equal(r.id, "x");
	assert_int_equal(r.truncated, 1);
	free(text);
}

static void test_cut_on_utf8_boundary(void **state)
{
	char text[OS_RELEASE_VALUE_MAX + 32];
	struct os_release r;
	size_t p = 5;

	(void)state;
	memcpy(text, "NAME=", 5);
	/* 254 ASCII bytes, then a 2-byte "é": only its first byte would fit. */
	memset(text + p, 'a', OS_RELEASE_VALUE_MAX - 2);
	p += OS_RELEASE_VALUE_MAX - 2;
	text[p++] = (char)0xc3;
	text[p++] = (char)0xa9;
	text[p++] = '\n';
	os_release_parse(text, p, &r);
	assert_int_equal(strlen(r.name), OS_RELEASE_VALUE_MAX - 2);
	assert_int_equal(r.truncated, 1);
}

static void test_unquote_direct(void **state)
{
	char out[8];
	size_t len = 99;

	(void)state;
	assert_int_equal(os_release_unquote("\"abc\"", 5, out, sizeof(out), &len), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(len, 3);
	assert_int_equal(os_release_unquote("abcdefghij", 10, out, sizeof(out), &len), -E2BIG);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(os_release_unquote("'x", 2, out, sizeof(out), &len), -EINVAL);
	assert_int_equal(os_release_unquote("x", 1, out, 0, &len), -EINVAL);
}

static void test_empty(void **state)
{
	struct os_release r;

	(void)state;
	os_release_parse("", 0, &r);
	assert_string_equal(r.name, "");
	assert_int_equal(r.skipped, 0);
	parse("\n\n\n", &r);
	assert_int_equal(r.skipped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_comments_and_last_wins),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_huge_value),
		cmocka_unit_test(test_cut_on_utf8_boundary),
		cmocka_unit_test(test_unquote_direct),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
