/* SPDX-License-Identifier: MIT */
/*
 * argv-build.c: argv bounded in user space the way the eBPF program bounds it — kept whole
 * while it fits, else long arguments cut to head and tail in place, later ones omitted and
 * counted — whatever the pieces it is fed in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/process/argv-build.h"
#include "common/array.h"

static char buf[PROCESS_ARGS_MAX];
static char cmd[PROCESS_CMDLINE_MAX + 1];

/* Feeds argv (NUL-separated, len bytes) in pieces of `piece` bytes and formats it. */
static struct process_view_exec build(const char *argv, size_t len, size_t piece)
{
	struct process_view_exec x = { 0 };
	static struct argv_build b;

	argv_build_init(&b, sizeof(buf));
	for (size_t off = 0; off < len; off += piece)
		argv_build_raw(&b, buf, argv + off, len - off < piece ? len - off : piece);
	argv_build_finish(&b, buf, &x);
	process_cmdline_format(&x, cmd, sizeof(cmd));
	return x;
}

static void test_fits(void **state)
{
	static const char argv[] = "/bin/ls\0-l\0/tmp";
	struct process_view_exec x;

	(void)state;
	x = build(argv, sizeof(argv) - 1, 3);
	assert_int_equal(x.args_len, sizeof(argv));
	assert_memory_equal(x.args, argv, sizeof(argv));
	assert_int_equal(x.n_cuts, 0);
	assert_int_equal(x.flags, 0);
	assert_string_equal(cmd, "/bin/ls -l /tmp");
}

/* argv of `prefix PAD*n suffix...` in a malloc'd buffer. */
static char *padded(size_t n_pads, size_t pad_len, size_t *ret_len)
{
	static const char head[] = "ncat\0", tail[] = "-e\0/bin/sh\0"
						      "127.0.0.1\0"
						      "4444";
	size_t len = sizeof(head) - 1 + n_pads * (pad_len + 1) + sizeof(tail) - 1, at = 0;
	char *a = malloc(len);

	assert_non_null(a);
	memcpy(a, head, sizeof(head) - 1);
	at = sizeof(head) - 1;
	for (size_t i = 0; i < n_pads; i++) {
		memset(a + at, 'A' + (int)i % 26, pad_len);
		a[at + pad_len] = '\0';
		at += pad_len + 1;
	}
	memcpy(a + at, tail, sizeof(tail) - 1);
	*ret_len = len;
	return a;
}

static void test_padding_cut(void **state)
{
	size_t len, pieces[] = { 1, 7, 4096, 1 << 20 };
	char *a = padded(8, 128 * 1024 - 1, &len), want[128];
	struct process_view_exec x;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(pieces); k++) {
		x = build(a, len, pieces[k]);
		assert_int_equal(x.n_cuts, 8);
		assert_int_equal(x.args_omitted, 0);
		assert_int_equal(x.argc, 13);
		assert_true(x.flags & PROCESS_EXEC_ARGS_TRUNCATED);
		/* the same cut as the kernel side: len + NUL - head - tail (with its NUL) */
		for (unsigned i = 0; i < x.n_cuts; i++)
			assert_int_equal(process_view_cut(&x, i).cut,
					 128 * 1024 - PROCESS_ARG_HEAD - PROCESS_ARG_TAIL);
		assert_int_equal(x.args_len, 5 + 8 * (PROCESS_ARG_HEAD + PROCESS_ARG_TAIL) + 26);
		assert_string_equal(cmd + strlen(cmd) - 26, " -e /bin/sh 127.0.0.1 4444");
		snprintf(want, sizeof(want), "ncat AAAA");
		assert_memory_equal(cmd, want, strlen(want));
		snprintf(want, sizeof(want),
			 "A\xe2\x80\xa6[cut %u bytes]\xe2\x80\xa6"
			 "A",
			 128 * 1024 - PROCESS_ARG_HEAD - PROCESS_ARG_TAIL);
		assert_non_null(strstr(cmd, want));
	}
	free(a);
}

/* An argument that ends exactly at the cap, and one just over it, with a short one after. */
static void test_cap_edges(void **state)
{
	static char a[2 * PROCESS_ARGS_MAX];
	struct process_view_exec x;

	(void)state;
	memset(a, 'b', sizeof(a));
	a[PROCESS_ARGS_MAX - 1] = '\0'; /* one argument of cap - 1 bytes + NUL: fits */
	x = build(a, PROCESS_ARGS_MAX, 100);
	assert_int_equal(x.n_cuts, 0);
	assert_int_equal(x.args_len, PROCESS_ARGS_MAX);
	assert_int_equal(x.flags, 0);

	a[PROCESS_ARGS_MAX - 1] = 'b';
	a[PROCESS_ARGS_MAX] = '\0';
	memcpy(a + PROCESS_ARGS_MAX + 1, "z", 2);
	x = build(a, PROCESS_ARGS_MAX + 3, 100);
	assert_int_equal(x.n_cuts, 1);
	assert_int_equal(x.args_omitted, 0);
	assert_int_equal(process_view_cut(&x, 0).cut,
			 PROCESS_ARGS_MAX - PROCESS_ARG_HEAD - (PROCESS_ARG_TAIL - 1));
	assert_string_equal(cmd + strlen(cmd) - 2, " z");
}

/* 10,000 one-byte arguments: kept up to the cap, the rest counted; never more than the cap. */
static void test_many_small(void **state)
{
	static char a[2 * 10000 + 32];
	struct process_view_exec x;
	size_t kept = 0;

	(void)state;
	for (size_t i = 0; i < 10000; i++)
		memcpy(a + 2 * i, "x", 2);
	memcpy(a + 20000, "-e\0/bin/sh", 11);
	x = build(a, 20011, 333);
	assert_true(x.args_len <= PROCESS_ARGS_MAX);
	for (size_t i = 0; i < x.args_len; i++)
		kept += x.args[i] == '\0';
	assert_int_equal(kept + x.args_omitted, 10002);
	assert_true(x.args_omitted > 0);
	assert_int_equal(x.argc, 10002);
	assert_non_null(strstr(cmd, "x x \xe2\x80\xa6[omitted "));
}

/* More long arguments than the cut table holds: the rest are omitted, in order. */
static void test_cut_table_full(void **state)
{
	size_t len;
	char *a = padded(PROCESS_ARGV_CUTS + 5, 1000, &len);
	struct process_view_exec x;

	(void)state;
	x = build(a, len, 512);
	assert_int_equal(x.n_cuts, PROCESS_ARGV_CUTS);
	assert_int_equal(x.args_omitted, 5 + 4);
	assert_int_equal(x.argc, 1 + PROCESS_ARGV_CUTS + 5 + 4);
	free(a);
}

/* Explicit arguments (audit chunks), stop with argc, empty arguments. */
static void test_stop_and_empty(void **state)
{
	static struct argv_build b;
	struct process_view_exec x = { 0 };

	(void)state;
	argv_build_init(&b, sizeof(buf));
	argv_build_bytes(&b, buf, "ab", 2);
	argv_build_bytes(&b, buf, "c", 1);
	argv_build_end_arg(&b, buf);
	argv_build_end_arg(&b, buf); /* an empty argument */
	argv_build_stop(&b, buf, 5); /* two records lost: 3 of 5 not seen */
	argv_build_bytes(&b, buf, "late", 4);
	argv_build_finish(&b, buf, &x);
	assert_int_equal(x.args_len, 5);
	assert_memory_equal(x.args, "abc\0", 5);
	assert_int_equal(x.args_omitted, 3 + 1);
	assert_true(x.flags & PROCESS_EXEC_ARGS_TRUNCATED);
}

/* A view without argv (unreadable): an empty command line, or only the omission marker. */
static void test_format_no_args(void **state)
{
	struct process_view_exec x = { 0 };

	(void)state;
	assert_int_equal(process_cmdline_format(&x, cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "");
	x.args_omitted = 3;
	process_cmdline_format(&x, cmd, sizeof(cmd));
	assert_string_equal(cmd, "\xe2\x80\xa6[omitted 3 args]");
	assert_int_equal(process_args_join(NULL, 0, cmd, sizeof(cmd)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),	       cmocka_unit_test(test_padding_cut),
		cmocka_unit_test(test_cap_edges),      cmocka_unit_test(test_many_small),
		cmocka_unit_test(test_cut_table_full), cmocka_unit_test(test_stop_and_empty),
		cmocka_unit_test(test_format_no_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
