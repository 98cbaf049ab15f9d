/* SPDX-License-Identifier: MIT */
/*
 * libnftables loaded on demand (fw-nft-lib.c): opening finds every function and the library
 * really runs a command; closing unmaps it (the point: no libnftables pages between
 * snapshots); a library that cannot be found, or one without the functions, fails with a
 * reason and leaves nothing open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#if __has_include(<nftables/libnftables.h>)
#include "collectors/firewall/fw-nft-lib.h"

/* Whether a file whose name contains needle is mapped into this process. */
static bool mapped(const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = true;
	fclose(f);
	return found;
}

static void test_open_run_close(void **state)
{
	struct fw_nft_lib lib;
	struct nft_ctx *nft;
	char why[160] = "";

	(void)state;
	assert_false(mapped("libnftables"));
	assert_int_equal(fw_nft_lib_open(&lib, NULL, why, sizeof(why)), 0);
	assert_true(mapped("libnftables"));
	nft = lib.ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(nft);
	assert_int_equal(lib.ctx_buffer_output(nft), 0);
	assert_int_equal(lib.ctx_buffer_error(nft), 0);
	/* A syntax error needs no privilege and no kernel: the error text must come back. */
	assert_int_not_equal(lib.run_cmd_from_buffer(nft, "list frobnicate"), 0);
	assert_non_null(strstr(lib.ctx_get_error_buffer(nft), "syntax error"));
	lib.ctx_free(nft);
	fw_nft_lib_close(&lib);
	assert_null(lib.handle);
	assert_false(mapped("libnftables"));
	assert_false(mapped("libnftnl"));
	fw_nft_lib_close(&lib); /* closing twice is harmless */
}

static void test_missing_library(void **state)
{
	struct fw_nft_lib lib;
	char why[160] = "";

	(void)state;
	assert_int_equal(fw_nft_lib_open(&lib, "libedgesec-rss-no-such.so.9", why, sizeof(why)),
			 -1);
	assert_null(lib.handle);
	assert_non_null(strstr(why, "libedgesec-rss-no-such.so.9"));
}

static void test_library_without_the_functions(void **state)
{
	struct fw_nft_lib lib;
	char why[160] = "";

	(void)state;
	/* libm is always there and has no nft_ctx_new. */
	assert_int_equal(fw_nft_lib_open(&lib, "libm.so.6", why, sizeof(why)), -1);
	assert_null(lib.handle);
	assert_string_equal(why, "nft_ctx_new not found in libnftables");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_run_close),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_library_without_the_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void)
{
	printf("SKIP: built without libnftables headers\n");
	return 77;
}
#endif
