/* SPDX-License-Identifier: MIT */
/*
 * Terminal escaping of text from input (common/textesc.h) and its use by the log: escape
 * sequences (ESC [2J, OSC window titles), C1 CSI, bidi overrides and invalid UTF-8 are shown
 * escaped; printable text and valid UTF-8 stay as they are; a bounded output never cuts an
 * escape in half.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/textesc.h"

static void check(const char *in, size_t len, const char *want)
{
	char out[256];
	struct buf b;

	text_escape(out, sizeof(out), in, len);
	assert_string_equal(out, want);
	buf_init(&b, 0);
	text_escape_buf(&b, in, len);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, want);
	buf_done(&b);
	assert_int_equal(text_needs_escape(in, len), strcmp(in, want) != 0 || strlen(in) != len);
}

#define CHECK(lit, want) check(lit, sizeof(lit) - 1, want)

static void test_kept(void **state)
{
	(void)state;
	CHECK("plain text, with punctuation: /a/b (c) [d] {e} ~",
	      "plain text, with punctuation: /a/b (c) [d] {e} ~");
	CHECK("C:\\data\\x", "C:\\data\\x"); /* backslashes are not doubled: for reading */
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92",
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
	CHECK("", "");
}

static void test_escaped(void **state)
{
	(void)state;
	CHECK("\x1b[2Jcleared", "\\x1b[2Jcleared");
	CHECK("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title");
	CHECK("a\nb\rc\td", "a\\nb\\rc\\td");
	CHECK("del\x7f", "del\\x7f");
	CHECK("nul\0after", "nul\\x00after");
	CHECK("c1 csi \xc2\x9b"
	      "31m",
	      "c1 csi \\u009b31m");
	CHECK("\xc2\xa0nbsp kept", "\xc2\xa0nbsp kept");
	CHECK("bidi \xe2\x80\xae"
	      "evil",
	      "bidi \\u202eevil");
	CHECK("isolate \xe2\x81\xa6x", "isolate \\u2066x");
	CHECK("bad \xff\xfe utf8 \xc3", "bad \\xff\\xfe utf8 \\xc3");
	CHECK("overlong \xc0\xaf", "overlong \\xc0\\xaf");
}

static void test_bounded(void **state)
{
	char out[8];
	size_t n;

	(void)state;
	/* "abcd" + "\x1b" needs 8 bytes and the NUL: the escape is dropped whole, not cut. */
	n = text_escape(out, sizeof(out), "abcd\x1b", 5);
	assert_int_equal(n, 4);
	assert_string_equal(out, "abcd");
	n = text_escape(out, sizeof(out), "a\x1b", 2);
	assert_string_equal(out, "a\\x1b");
	assert_int_equal(n, 5);
	assert_int_equal(text_escape(out, 1, "abc", 3), 0);
	assert_string_equal(out, "");
}

/* Log lines: one per record, nothing raw from a value. */
static void test_log_escapes_values(void **state)
{
	char path[] = "/tmp/edgesec-log-XXXXXX", buf[4096];
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	dup2(fd, 2);
	log_set_timestamps(false);
	log_error("Failed to read %s: %s", "evil\x1b]0;owned\x07\nfake: error: injected",
		  "bad \x9b"
		  "2J");
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strchr(buf, '\x1b'));
	assert_null(strchr(buf, '\x07'));
	assert_null(strchr(buf, '\x9b'));
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1); /* exactly one line */
	assert_non_null(strstr(buf, "evil\\x1b]0;owned\\x07\\nfake: error: injected: bad \\x9b2J"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_log_escapes_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
