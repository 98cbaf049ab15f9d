/* SPDX-License-Identifier: MIT */
/*
 * The pid cache of the process collector (collectors/process/process-cache.c): exe and
 * command line by pid, direct-mapped slots over a byte ring.  Round trip, truncation at 1 KiB,
 * collisions, entries the ring has overwritten reading as misses (never as another process's
 * bytes), and the container state surviving that.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/process/process-int.h"

#define SLOTS 512 /* PIDS_SLOTS */

static void put_named(struct process_pids *p, uint32_t pid, size_t cmd_len)
{
	char exe[64], cmd[2048];
	int n = snprintf(exe, sizeof(exe), "/bin/p%u", pid);

	memset(cmd, 'a' + pid % 26, sizeof(cmd));
	process_pids_put(p, pid, exe, (size_t)n, cmd, cmd_len);
}

/* The entry of pid is there and holds what put_named() stored. */
static bool holds(struct process_pids *p, uint32_t pid, size_t cmd_len)
{
	const char *exe, *cmd;
	size_t exe_len, len;
	char want[64];
	int trunc, n = snprintf(want, sizeof(want), "/bin/p%u", pid);

	if (process_pids_get(p, pid, &exe, &exe_len, &cmd, &len, &trunc) < 0)
		return false;
	assert_int_equal(exe_len, (size_t)n);
	assert_memory_equal(exe, want, exe_len);
	assert_int_equal(len, cmd_len > 1024 ? 1024 : cmd_len);
	assert_int_equal(trunc, cmd_len > 1024);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(cmd[i], 'a' + pid % 26);
	return true;
}

static void test_round_trip(void **state)
{
	struct process_pids *p = process_pids_new();
	const char *exe, *cmd;
	size_t exe_len, len;
	int trunc;

	(void)state;
	assert_non_null(p);
	assert_int_equal(process_pids_get(p, 7, &exe, &exe_len, &cmd, &len, &trunc), -ENOENT);
	put_named(p, 7, 20);
	assert_true(holds(p, 7, 20));
	put_named(p, 8, 2000); /* beyond 1 KiB: truncated, flagged */
	assert_true(holds(p, 8, 2000));
	put_named(p, 7 + SLOTS, 5); /* same slot: replaces 7 */
	assert_false(holds(p, 7, 20));
	assert_true(holds(p, 7 + SLOTS, 5));
	assert_int_equal(process_pids_evictions(p), 1);
	process_pids_forget(p, 8);
	assert_false(holds(p, 8, 2000));
	process_pids_free(p);
}

/* A storm of typical execs: every slot's bytes survive a full cycle of the 512 slots. */
static void test_storm_keeps_all_slots(void **state)
{
	struct process_pids *p = process_pids_new();

	(void)state;
	for (uint32_t round = 0; round < 4; round++)
		for (uint32_t i = 1; i <= SLOTS; i++)
			put_named(p, round * SLOTS + i, 120);
	for (uint32_t i = 1; i <= SLOTS; i++)
		assert_true(holds(p, 3 * SLOTS + i, 120));
	process_pids_free(p);
}

/* Long command lines: the ring keeps the newest; older ones miss rather than read garbage. */
static void test_overwritten_is_a_miss(void **state)
{
	struct process_pids *p = process_pids_new();
	struct cgroup_container ct;
	const struct cgroup_container *got;
	unsigned hits = 0;

	(void)state;
	memset(&ct, 0, sizeof(ct));
	process_pids_put(p, 1, "/x", 2, "y", 1);
	process_pids_set_container(p, 1, NULL); /* host */
	for (uint32_t pid = 2; pid < 300; pid++)
		put_named(p, pid, 1024);
	assert_false(holds(p, 1, 1)); /* its bytes were overwritten */
	assert_int_equal(process_pids_get_container(p, 1, &got), 0); /* still known as host */
	for (uint32_t pid = 2; pid < 300; pid++)
		hits += holds(p, pid, 1024); /* asserts the bytes of every hit */
	assert_true(holds(p, 299, 1024));
	assert_false(holds(p, 2, 1024));
	print_message("1 KiB command lines: %u of 298 still cached\n", hits);
	assert_true(hits >= 100);
	process_pids_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_storm_keeps_all_slots),
		cmocka_unit_test(test_overwritten_is_a_miss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
