/* SPDX-License-Identifier: MIT */
/*
 * The pid cache of the process collector (collectors/process/process-cache.c): exe and
 * command line by pid, direct-mapped slots over a byte ring.  Round trip, truncation at 1 KiB,
 * collisions, entries the ring has overwritten reading as misses (never as another process's
 * bytes), and the container state surviving that.  The user-name cache: uid -> name from a
 * host root's etc/passwd (the one passwd parser, enrich/users-parse.c), comments, NIS and
 * malformed lines, over-long names, and a reload when the file changes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/host.h"

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

static void write_passwd(const char *root, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define SEC 1000000000ull

static void test_users(void **state)
{
	char root[] = "/tmp/edgesec-pcache-XXXXXX", dir[64], err[128], longname[80];
	struct host_context *host = NULL;
	struct process_users *u;
	const char *name;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/etc", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	memset(longname, 'n', 64);
	longname[64] = '\0';
	{
		char text[1024];

		snprintf(text, sizeof(text),
			 "# a comment:x:5:5::/:/bin/sh\n"
			 "root:x:0:0:root:/root:/bin/bash\n"
			 "+nis:x:7:7::/:/bin/sh\n"
			 "short:x:8:8\n"	   /* wrong field count */
			 "bad:x:9x:9::/:/bin/sh\n" /* not a number */
			 "%s:x:10:10::/:/bin/sh\n" /* 64 bytes: too long for the cache */
			 "ten:x:10:10::/:/bin/sh\n"
			 "alice:x:1000:1000::/home/alice:/bin/sh\n",
			 longname);
		write_passwd(root, text);
	}
	assert_int_equal(host_context_open(root, 0, &host, err, sizeof(err)), 0);
	u = process_users_new(host);
	assert_non_null(u);
	name = process_users_lookup(u, 0, 1 * SEC);
	assert_non_null(name);
	assert_string_equal(name, "root");
	assert_string_equal(process_users_lookup(u, 1000, 1 * SEC), "alice");
	assert_string_equal(process_users_lookup(u, 10, 1 * SEC), "ten");
	assert_null(process_users_lookup(u, 5, 1 * SEC));
	assert_null(process_users_lookup(u, 7, 1 * SEC));
	assert_null(process_users_lookup(u, 8, 1 * SEC));
	assert_null(process_users_lookup(u, 9, 1 * SEC));
	/* A new account: a miss re-reads the changed file, at most once per 5 s. */
	write_passwd(root, "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/:/bin/sh\n"
			   "alice:x:1000:1000::/home/alice:/bin/sh\n");
	assert_null(process_users_lookup(u, 1001, 2 * SEC));
	assert_string_equal(process_users_lookup(u, 1001, 7 * SEC), "bob");
	assert_null(process_users_lookup(u, 10, 7 * SEC)); /* gone with the old file */
	assert_null(process_users_free(u));
	host_context_free(host);
	write_passwd(root, "");
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/etc/passwd", root);
		unlink(path);
		rmdir(dir);
		rmdir(root);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_storm_keeps_all_slots),
		cmocka_unit_test(test_overwritten_is_a_miss),
		cmocka_unit_test(test_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
