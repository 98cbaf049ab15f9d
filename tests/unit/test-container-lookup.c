/* SPDX-License-Identifier: MIT */
/*
 * The container lookup (enrich/container-lookup.c): no provider, one provider, a second one
 * refused, withdrawal by the wrong and the right owner, NULL everywhere a caller may pass it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "enrich/container-lookup.h"

struct fake {
	const char *id;
	unsigned calls;
};

static int fake_lookup(void *userdata, const char *container_id, struct container_info *ret)
{
	struct fake *f = userdata;

	f->calls++;
	if (strcmp(container_id, f->id) != 0)
		return -ENOENT;
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->id, sizeof(ret->id), "%s", f->id);
	snprintf(ret->name, sizeof(ret->name), "web");
	snprintf(ret->module, sizeof(ret->module), "edgeHub");
	ret->pid = 42;
	return 0;
}

static void test_no_provider(void **state)
{
	struct container_lookup *l = container_lookup_new();
	struct container_info info;

	(void)state;
	assert_non_null(l);
	assert_int_equal(container_lookup_find(l, "abc", &info), -ENODEV);
	assert_int_equal(container_lookup_find(NULL, "abc", &info), -ENODEV);
	/* NULL lookups: a collector run without one (tests, `edgesec snapshot`). */
	assert_int_equal(container_lookup_provide(NULL, fake_lookup, NULL), 0);
	container_lookup_withdraw(NULL, NULL);
	assert_null(container_lookup_free(l));
	assert_null(container_lookup_free(NULL));
}

static void test_provider(void **state)
{
	struct container_lookup *l = container_lookup_new();
	struct fake a = { .id = "0123456789ab" }, b = { .id = "x" };
	struct container_info info;

	(void)state;
	assert_int_equal(container_lookup_provide(l, fake_lookup, &a), 0);
	assert_int_equal(container_lookup_find(l, "0123456789ab", &info), 0);
	assert_string_equal(info.name, "web");
	assert_string_equal(info.module, "edgeHub");
	assert_int_equal(info.pid, 42);
	assert_int_equal(container_lookup_find(l, "ffffffffffff", &info), -ENOENT);
	assert_int_equal(container_lookup_find(l, NULL, &info), -ENOENT);
	assert_int_equal(a.calls, 2);
	/* One provider at a time; the same one again is fine. */
	assert_int_equal(container_lookup_provide(l, fake_lookup, &b), -EBUSY);
	assert_int_equal(container_lookup_provide(l, fake_lookup, &a), 0);
	/* Only the owner withdraws. */
	container_lookup_withdraw(l, &b);
	assert_int_equal(container_lookup_find(l, "0123456789ab", &info), 0);
	container_lookup_withdraw(l, &a);
	assert_int_equal(container_lookup_find(l, "0123456789ab", &info), -ENODEV);
	assert_int_equal(a.calls, 3);
	/* Then another may provide. */
	assert_int_equal(container_lookup_provide(l, fake_lookup, &b), 0);
	assert_int_equal(container_lookup_find(l, "x", &info), 0);
	container_lookup_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_provider),
		cmocka_unit_test(test_provider),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
