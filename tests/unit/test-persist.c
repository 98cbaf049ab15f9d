/* SPDX-License-Identifier: MIT */
/*
 * The store of baselines kept across restarts (common/persist.c): round trip through the
 * file, unchanged puts that do not dirty it, the caps (record, total, count: refused, the
 * key's stale record removed, counted), every kind of bad file ignored with a reason (one
 * flipped byte, truncation at every length, a foreign file, another version, keys out of
 * order, trailing bytes), and the file's kind, owner, mode and links refused as the state
 * directory's are.  The owner part needs root (skipped with a message otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/persist.h"
#include "common/safefile.h"
#include "common/sha256.h"

#include "scratch-dir.h"

static char dir[64];
static int dfd = -1;

static int setup(void **state)
{
	(void)state;
	dfd = scratch_dir_open(dir, sizeof(dir), "persist");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_dir_close(dfd, dir);
	return 0;
}

static struct persist *store_new(void)
{
	struct persist *p = NULL;

	assert_int_equal(persist_new(dfd, PERSIST_FILE, geteuid(), &p), 0);
	return p;
}

static void assert_record(const struct persist *p, const char *key, const char *want)
{
	const void *d;
	size_t len;

	assert_int_equal(persist_get(p, key, &d, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(d, want, len);
}

static void write_file(const void *data, size_t len)
{
	assert_int_equal(safefile_write_atomic(dfd, PERSIST_FILE, data, len, 0600), 0);
}

/* The bytes of a store holding three records. */
static void sample(uint8_t **ret, size_t *ret_len)
{
	struct persist *p = NULL;

	assert_int_equal(persist_new(-1, PERSIST_FILE, 0, &p), 0);
	assert_int_equal(persist_put(p, "users.state", "U1\nroot:x:0:0:::\n", 17), 0);
	assert_int_equal(persist_put(p, "newValue.listening-port-new", "N1abc", 5), 0);
	assert_int_equal(persist_put(p, "empty", "", 0), 0);
	assert_int_equal(persist_format(p, ret, ret_len), 0);
	persist_free(p);
}

static void test_round_trip(void **state)
{
	struct persist *p = store_new(), *q;
	struct persist_error err = { { 0 } };
	struct persist_stats st;
	struct stat sb;

	(void)state;
	assert_int_equal(persist_load(p, &err), -ENOENT); /* first start */
	assert_false(persist_dirty(p));
	assert_int_equal(persist_flush(p), 0); /* nothing to write */
	assert_int_equal(fstatat(dfd, PERSIST_FILE, &sb, 0), -1);
	assert_int_equal(persist_put(p, "users.state", "alpha", 5), 0);
	assert_int_equal(persist_put(p, "newValue.a", "beta", 4), 0);
	assert_int_equal(persist_put(p, "empty", "", 0), 0);
	assert_true(persist_dirty(p));
	assert_int_equal(persist_flush(p), 0);
	assert_false(persist_dirty(p));
	assert_int_equal(fstatat(dfd, PERSIST_FILE, &sb, 0), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* the same bytes again: nothing to write */
	assert_int_equal(persist_put(p, "users.state", "alpha", 5), 0);
	assert_false(persist_dirty(p));
	persist_get_stats(p, &st);
	assert_int_equal(st.writes, 1);
	assert_int_equal(st.file_bytes, (size_t)sb.st_size);

	q = store_new();
	assert_int_equal(persist_load(q, &err), 0);
	assert_record(q, "users.state", "alpha");
	assert_record(q, "newValue.a", "beta");
	assert_record(q, "empty", "");
	persist_get_stats(q, &st);
	assert_int_equal(st.loaded, 3);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.bytes, 9);
	/* a removal is a change; absent keys are not */
	persist_remove(q, "absent");
	assert_false(persist_dirty(q));
	persist_remove(q, "newValue.a");
	assert_true(persist_dirty(q));
	assert_int_equal(persist_flush(q), 0);
	persist_free(q);
	assert_int_equal(persist_load(p, &err), 0);
	assert_int_equal(persist_get(p, "newValue.a", &(const void *){ NULL }, &(size_t){ 0 }),
			 -ENOENT);
	assert_record(p, "users.state", "alpha");
	persist_free(p);
}

static void test_keys(void **state)
{
	struct persist *p = store_new();
	char long_key[PERSIST_KEY_MAX + 2];

	(void)state;
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	assert_false(persist_key_valid(long_key));
	long_key[PERSIST_KEY_MAX] = '\0';
	assert_true(persist_key_valid(long_key));
	assert_false(persist_key_valid(""));
	assert_false(persist_key_valid("a/b"));
	assert_false(persist_key_valid("a b"));
	assert_true(persist_key_valid("newValue.rule_1-x:y"));
	assert_int_equal(persist_put(p, "bad key", "x", 1), -EINVAL);
	assert_int_equal(persist_new(dfd, "a/b", 0, &(struct persist *){ NULL }), -EINVAL);
	persist_free(p);
}

static void test_caps(void **state)
{
	struct persist *p = store_new();
	struct persist_stats st;
	uint8_t *big = es_calloc(1, PERSIST_RECORD_MAX + 1);
	char key[32];

	(void)state;
	assert_non_null(big);
	/* a record over its cap is refused, and the key's older record goes with it */
	assert_int_equal(persist_put(p, "users.state", "old", 3), 0);
	assert_int_equal(persist_put(p, "users.state", big, PERSIST_RECORD_MAX + 1), -E2BIG);
	assert_int_equal(persist_get(p, "users.state", &(const void *){ NULL }, &(size_t){ 0 }),
			 -ENOENT);
	/* the total: two full records fit, a third does not */
	assert_int_equal(persist_put(p, "a", big, PERSIST_RECORD_MAX), 0);
	assert_int_equal(persist_put(p, "b", big, PERSIST_RECORD_MAX), 0);
	assert_int_equal(persist_put(p, "c", "x", 1), -ENOSPC);
	persist_remove(p, "b");
	/* the record count */
	for (unsigned i = 0; i < PERSIST_RECORDS_MAX - 1; i++) {
		snprintf(key, sizeof(key), "k%u", i);
		assert_int_equal(persist_put(p, key, "v", 1), 0);
	}
	assert_int_equal(persist_put(p, "one-too-many", "v", 1), -ENOSPC);
	persist_note_omitted(p, 5);
	persist_get_stats(p, &st);
	assert_int_equal(st.refused, 3);
	assert_int_equal(st.omitted, 5);
	assert_int_equal(st.records, PERSIST_RECORDS_MAX);
	/* what the caps allow is written and read back whole */
	assert_int_equal(persist_flush(p), 0);
	persist_free(p);
	p = store_new();
	assert_int_equal(persist_load(p, &(struct persist_error){ { 0 } }), 0);
	persist_get_stats(p, &st);
	assert_int_equal(st.records, PERSIST_RECORDS_MAX);
	assert_int_equal(st.bytes, PERSIST_RECORD_MAX + PERSIST_RECORDS_MAX - 1);
	persist_free(p);
	es_free(big);
}

/* Loads data as the file: must be refused with a message, and leave the store empty. */
static void assert_refused(const void *data, size_t len, int want)
{
	struct persist *p = store_new();
	struct persist_error err = { { 0 } };
	struct persist_stats st;

	assert_int_equal(persist_put(p, "left", "over", 4), 0);
	write_file(data, len);
	assert_int_equal(persist_load(p, &err), want);
	assert_true(err.message[0] != '\0');
	persist_get_stats(p, &st);
	assert_int_equal(st.records, 0);
	assert_false(persist_dirty(p));
	persist_free(p);
}

/* Recomputes the checksum after an edit, so that the parser's other checks are reached. */
static void reseal(uint8_t *d, size_t len)
{
	sha256_digest(d, len - PERSIST_TRAILER_LEN, d + len - PERSIST_TRAILER_LEN);
}

static void test_corrupt(void **state)
{
	uint8_t *d, *e;
	size_t len;

	(void)state;
	sample(&d, &len);
	e = es_malloc(len + 8);
	assert_non_null(e);
	/* every single flipped byte */
	for (size_t i = 0; i < len; i++) {
		memcpy(e, d, len);
		e[i] ^= 0x40;
		assert_refused(e, len, -EBADMSG);
	}
	/* truncated at every length, and with a byte more */
	for (size_t n = 0; n < len; n++)
		assert_refused(d, n, -EBADMSG);
	memcpy(e, d, len);
	e[len] = 0;
	assert_refused(e, len + 1, -EBADMSG);
	/* foreign: text, another version (sealed), trailing bytes in the body (sealed) */
	assert_refused("{\"users\": []}\n", 14, -EBADMSG);
	memcpy(e, d, len);
	e[8] = 2;
	reseal(e, len);
	assert_refused(e, len, -EBADMSG);
	/* keys out of order: swap the first record's key for one sorting after the second */
	memcpy(e, d, len);
	assert_int_equal(e[PERSIST_HEADER_LEN], 5); /* "empty" */
	memcpy(e + PERSIST_HEADER_LEN + 1, "zzzzz", 5);
	reseal(e, len);
	assert_refused(e, len, -EBADMSG);
	/* a record count that does not match the body */
	memcpy(e, d, len);
	e[12] = 2;
	reseal(e, len);
	assert_refused(e, len, -EBADMSG);
	/* the unchanged sample loads */
	write_file(d, len);
	{
		struct persist *p = store_new();

		assert_int_equal(persist_load(p, &(struct persist_error){ { 0 } }), 0);
		assert_record(p, "users.state", "U1\nroot:x:0:0:::\n");
		persist_free(p);
	}
	es_free(e);
	es_free(d);
}

static void test_file_kind_and_mode(void **state)
{
	struct persist *p = store_new();
	struct persist_error err = { { 0 } };
	char path[128];
	uint8_t *d;
	size_t len;

	(void)state;
	sample(&d, &len);
	snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_FILE);
	/* a symbolic link (to a valid store) is not followed */
	write_file(d, len);
	assert_int_equal(renameat(dfd, PERSIST_FILE, dfd, "real"), 0);
	assert_int_equal(symlinkat("real", dfd, PERSIST_FILE), 0);
	assert_int_equal(persist_load(p, &err), -EPERM);
	assert_non_null(strstr(err.message, "symbolic link"));
	assert_int_equal(unlinkat(dfd, PERSIST_FILE, 0), 0);
	/* a second hard link */
	assert_int_equal(linkat(dfd, "real", dfd, PERSIST_FILE, 0), 0);
	assert_int_equal(persist_load(p, &err), -EPERM);
	assert_non_null(strstr(err.message, "links"));
	assert_int_equal(unlinkat(dfd, "real", 0), 0);
	/* writable by the group, by everyone */
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(persist_load(p, &err), -EPERM);
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(persist_load(p, &err), -EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(persist_load(p, &err), 0);
	/* a directory, a FIFO */
	assert_int_equal(unlinkat(dfd, PERSIST_FILE, 0), 0);
	assert_int_equal(mkdirat(dfd, PERSIST_FILE, 0700), 0);
	assert_int_equal(persist_load(p, &err), -EPERM);
	/* ...which a flush cannot replace: counted, the store stays dirty */
	assert_int_equal(persist_put(p, "k", "v", 1), 0);
	assert_true(persist_flush(p) < 0);
	assert_true(persist_dirty(p));
	assert_int_equal(unlinkat(dfd, PERSIST_FILE, AT_REMOVEDIR), 0);
	assert_int_equal(mkfifoat(dfd, PERSIST_FILE, 0600), 0);
	assert_int_equal(persist_load(p, &err), -EPERM);
	assert_int_equal(unlinkat(dfd, PERSIST_FILE, 0), 0);
	/* another user's file (root only: chown) */
	if (geteuid() == 0) {
		write_file(d, len);
		assert_int_equal(chown(path, 12345, 12345), 0);
		assert_int_equal(persist_load(p, &err), -EPERM);
		assert_non_null(strstr(err.message, "owned by uid 12345"));
	} else {
		print_message("skipped the owner check: needs root (chown)\n");
	}
	persist_free(p);
	es_free(d);
}

static void test_memory_only(void **state)
{
	struct persist *p = NULL;

	(void)state;
	assert_int_equal(persist_new(-1, PERSIST_FILE, 0, &p), 0);
	assert_int_equal(persist_load(p, &(struct persist_error){ { 0 } }), -ENOENT);
	assert_int_equal(persist_put(p, "k", "v", 1), 0);
	assert_int_equal(persist_flush(p), 0); /* nowhere to write: not an error */
	assert_record(p, "k", "v");
	persist_free(p);
	assert_null(persist_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_kind_and_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
