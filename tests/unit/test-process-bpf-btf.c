/* SPDX-License-Identifier: MIT */
/*
 * The eBPF program relocates the same with the minimal BTF (collectors/process/btf-min.c,
 * made from the running kernel's BTF) as with libbpf's full load of that BTF: every program is
 * loaded both ways and their instructions after CO-RE relocation compared.  Needs root and
 * eBPF (exit 77 otherwise).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/process/process-int.h"

static void test_same_relocations(void **state)
{
	char what[1024];
	int r;

	(void)state;
	r = process_bpf_btf_selftest(what, sizeof(what));
	print_message("%d: %s\n", r, what);
	if (r == -EOPNOTSUPP || r == -EPERM) {
		print_message("cannot load eBPF here: skipped\n");
		skip();
	}
	assert_int_equal(r, 0);
	assert_non_null(strstr(what, "exec_"));
	assert_non_null(strstr(what, "exit_"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_relocations),
	};

	if (geteuid() != 0) {
		printf("needs root to load eBPF: skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
