/* SPDX-License-Identifier: MIT */
/*
 * Content identity of executed files (enrich/exec-identity.c) and the ELF build-id reader
 * (enrich/elf-note.c) on real files of this host: the build-id of /bin/bash against
 * readelf's, copies of a real binary (same bytes: sha256; one byte appended: build-id; a
 * hard link: file), a different file of the same size, the cache (hits, evictions, a changed
 * file), the caps (too large to hash, out of time), a file replaced under the caller (stale),
 * truncated ELF headers.
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

#include "enrich/elf-note.h"
#include "enrich/exec-identity.h"

static char dir[] = "/tmp/edgesec-test-exec-identity-XXXXXX";
static const char *real_bin = "/bin/bash";

struct io_ctx {
	const char *candidate;
	int opens;
};

static int open_path(const char *p)
{
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int io_candidate(void *ctx)
{
	struct io_ctx *c = ctx;

	c->opens++;
	return open_path(c->candidate);
}

static int io_known(void *ctx, const char *path)
{
	(void)ctx;
	return open_path(path);
}

static char *tmp_path(const char *name)
{
	static char buf[8][256];
	static unsigned n;
	char *p = buf[n++ % 8];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void copy_file(const char *from, const char *to, size_t append, size_t truncate_to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n, total = 0;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (truncate_to && total + n > truncate_to)
			n = truncate_to - total;
		fwrite(buf, 1, n, out);
		total += n;
		if (truncate_to && total >= truncate_to)
			break;
	}
	for (size_t i = 0; i < append; i++)
		fputc('x', out);
	fclose(in);
	fclose(out);
}

static void write_bytes(const char *to, size_t size, int fill)
{
	FILE *out = fopen(to, "wb");

	assert_non_null(out);
	for (size_t i = 0; i < size; i++)
		fputc(fill, out);
	fclose(out);
}

static int lookup(struct exec_identity *id, const char *path, struct exec_identity_result *res,
		  struct io_ctx *ctx)
{
	struct exec_identity_io io = { io_candidate, io_known, ctx };
	struct exec_identity_key key;
	struct stat st;

	ctx->candidate = path;
	assert_int_equal(stat(path, &st), 0);
	exec_identity_key_of_stat(&st, &key);
	return exec_identity_lookup(id, &key, &io, res);
}

static struct exec_identity *with_known(const struct exec_identity_limits *lim, const char *name,
					const char *path)
{
	struct exec_identity *id = exec_identity_new(lim);
	int fd = open_path(path);

	assert_non_null(id);
	assert_true(fd >= 0);
	assert_int_equal(exec_identity_add(id, name, path, fd), 0);
	close(fd);
	return id;
}

static ssize_t fd_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(*(int *)ctx, buf, len, (off_t)off);

	return n < 0 ? -errno : n;
}

static int build_id_of_path(const char *path, uint8_t *id, size_t *len)
{
	struct elf_note_error err = { NULL };
	struct stat st;
	int fd = open_path(path), r;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	r = elf_build_id_read(fd_pread, &fd, (uint64_t)st.st_size, id, len, &err);
	close(fd);
	return r;
}

/* The build-id of /bin/bash is the one readelf -n prints. */
static void test_build_id_real(void **state)
{
	uint8_t id[ELF_BUILD_ID_MAX];
	char hex[2 * ELF_BUILD_ID_MAX + 1], line[512], cmd[128];
	size_t len = 0;
	FILE *p;
	bool seen = false;

	(void)state;
	assert_int_equal(build_id_of_path(real_bin, id, &len), 0);
	assert_true(len >= 8 && len <= ELF_BUILD_ID_MAX);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	if (system("command -v readelf >/dev/null 2>&1") != 0) {
		print_message("skipped: readelf (binutils) is not installed\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd), "readelf -n %s 2>/dev/null", real_bin);
	p = popen(cmd, "r");
	if (!p)
		skip();
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "Build ID:"))
			seen = seen || strstr(line, hex) != NULL;
	pclose(p);
	assert_true(seen);
}

static void test_build_id_hostile(void **state)
{
	uint8_t id[ELF_BUILD_ID_MAX];
	size_t len = 99;

	(void)state;
	copy_file(real_bin, tmp_path("trunc40"), 0, 40);
	assert_int_equal(build_id_of_path(tmp_path("trunc40"), id, &len), -ENOEXEC);
	assert_int_equal(len, 0);
	copy_file(real_bin, tmp_path("trunc100"), 0, 100);
	assert_int_equal(build_id_of_path(tmp_path("trunc100"), id, &len), -ENOEXEC);
	write_bytes(tmp_path("text"), 200, 'a');
	assert_int_equal(build_id_of_path(tmp_path("text"), id, &len), -ENOEXEC);
	assert_int_equal(elf_build_id_read(NULL, NULL, 0, id, &len, NULL), -EINVAL);
}

/* Hashing is not timed here (a sanitizer build hashes slowly): a generous budget. */
static const struct exec_identity_limits no_hurry = { .time_budget_ns = 60ull * 1000000000 };

static void test_copies(void **state)
{
	struct exec_identity *id = with_known(&no_hurry, "bash", real_bin);
	struct exec_identity_result res;
	struct io_ctx ctx = { 0 };
	struct stat st;

	(void)state;
	/* the very file */
	assert_int_equal(lookup(id, real_bin, &res, &ctx), 1);
	assert_int_equal(res.by, EXEC_IDENTITY_BY_FILE);
	assert_int_equal(ctx.opens, 0);
	/* same bytes */
	copy_file(real_bin, tmp_path("kworker"), 0, 0);
	assert_int_equal(lookup(id, tmp_path("kworker"), &res, &ctx), 1);
	assert_string_equal(res.name, "bash");
	assert_int_equal(res.by, EXEC_IDENTITY_BY_SHA256);
	assert_true(exec_identity_has_name(id, res.index, "bash", 4));
	assert_false(exec_identity_has_name(id, res.index, "kworker", 7));
	/* one byte appended: same build-id */
	copy_file(real_bin, tmp_path("appended"), 1, 0);
	assert_int_equal(lookup(id, tmp_path("appended"), &res, &ctx), 1);
	assert_int_equal(res.by, EXEC_IDENTITY_BY_BUILD_ID);
	/* same size, other bytes, no build-id */
	assert_int_equal(stat(real_bin, &st), 0);
	write_bytes(tmp_path("samesize"), (size_t)st.st_size, 0);
	assert_int_equal(lookup(id, tmp_path("samesize"), &res, &ctx), 0);
	/* a hard link of a copy is that copy */
	assert_int_equal(link(tmp_path("kworker"), tmp_path("hardlink")), 0);
	assert_int_equal(lookup(id, tmp_path("hardlink"), &res, &ctx), 1);
	exec_identity_free(id);
}

static void test_cache(void **state)
{
	struct exec_identity_limits lim = { .cache_entries = 2,
					    .time_budget_ns = 60ull * 1000000000 };
	struct exec_identity *id = with_known(&lim, "bash", real_bin);
	struct exec_identity_result res;
	struct exec_identity_stats st;
	struct io_ctx ctx = { 0 };
	char name[32];
	int opens;

	(void)state;
	copy_file(real_bin, tmp_path("c1"), 0, 0);
	assert_int_equal(lookup(id, tmp_path("c1"), &res, &ctx), 1);
	opens = ctx.opens;
	assert_int_equal(lookup(id, tmp_path("c1"), &res, &ctx), 1);
	assert_int_equal(ctx.opens, opens); /* from the cache */
	exec_identity_get_stats(id, &st);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.cache_entries, 2);
	assert_true(st.memory_bytes > 0);
	/* a write changes the key: read again, and now it is not bash */
	write_bytes(tmp_path("c1"), 10, 'z');
	assert_int_equal(lookup(id, tmp_path("c1"), &res, &ctx), 0);
	/* more files than slots: evictions are counted */
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		write_bytes(tmp_path(name), 16 + (size_t)i, 'e');
		assert_int_equal(lookup(id, tmp_path(name), &res, &ctx), 0);
	}
	exec_identity_get_stats(id, &st);
	assert_true(st.cache_evictions > 0);
	exec_identity_free(id);
}

static void test_caps(void **state)
{
	struct exec_identity_limits lim = { .hash_max_bytes = 1000 };
	struct exec_identity_limits slow = { .time_budget_ns = 1 };
	struct exec_identity *id;
	struct exec_identity_result res;
	struct exec_identity_stats st;
	struct io_ctx ctx = { 0 };

	(void)state;
	/* too large to hash: unknown, cached */
	write_bytes(tmp_path("big-known"), 5000, 'k');
	write_bytes(tmp_path("big-cand"), 5000, 'k');
	id = with_known(&lim, "tool", tmp_path("big-known"));
	assert_int_equal(lookup(id, tmp_path("big-cand"), &res, &ctx), -EFBIG);
	assert_int_equal(lookup(id, tmp_path("big-cand"), &res, &ctx), -EFBIG);
	exec_identity_get_stats(id, &st);
	assert_int_equal(st.too_big, 1);
	assert_int_equal(st.cache_hits, 1);
	exec_identity_free(id);
	/* out of time: several chunks, a budget of 1 ns */
	write_bytes(tmp_path("slow-known"), 300000, 's');
	write_bytes(tmp_path("slow-cand"), 300000, 's');
	id = with_known(&slow, "tool", tmp_path("slow-known"));
	assert_int_equal(lookup(id, tmp_path("slow-cand"), &res, &ctx), -ETIMEDOUT);
	exec_identity_get_stats(id, &st);
	assert_int_equal(st.timeouts, 1);
	exec_identity_free(id);
}

/* The file opened is not the one stat'ed (replaced in between): -ESTALE, not cached. */
static void test_stale(void **state)
{
	struct exec_identity *id = with_known(&no_hurry, "bash", real_bin);
	struct exec_identity_io io = { io_candidate, io_known, NULL };
	struct exec_identity_result res;
	struct exec_identity_key key;
	struct io_ctx ctx = { tmp_path("other"), 0 };
	struct stat st;

	(void)state;
	io.ctx = &ctx;
	copy_file(real_bin, tmp_path("stale"), 0, 0);
	write_bytes(tmp_path("other"), 10, 'o');
	assert_int_equal(stat(tmp_path("stale"), &st), 0);
	exec_identity_key_of_stat(&st, &key);
	assert_int_equal(exec_identity_lookup(id, &key, &io, &res), -ESTALE);
	ctx.candidate = tmp_path("stale");
	assert_int_equal(exec_identity_lookup(id, &key, &io, &res), 1);
	exec_identity_free(id);
}

static void test_add(void **state)
{
	struct exec_identity *id = exec_identity_new(NULL);
	int fd = open_path(real_bin);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(exec_identity_add(id, "bash", real_bin, fd), 0);
	assert_int_equal(exec_identity_add(id, "bash", real_bin, fd), -EEXIST);
	assert_int_equal(exec_identity_add(id, "rbash", real_bin, fd), 0); /* an alias */
	assert_int_equal(exec_identity_add(id, "", real_bin, fd), -EINVAL);
	assert_int_equal(exec_identity_add(id, "a-name-much-longer-than-the-cap", real_bin, fd),
			 -ENAMETOOLONG);
	assert_true(exec_identity_has_name(id, 0, "rbash", 5));
	close(fd);
	assert_string_equal(exec_identity_by_to_string(EXEC_IDENTITY_BY_BUILD_ID), "build-id");
	exec_identity_free(id);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_id_real), cmocka_unit_test(test_build_id_hostile),
		cmocka_unit_test(test_copies),	      cmocka_unit_test(test_cache),
		cmocka_unit_test(test_caps),	      cmocka_unit_test(test_stale),
		cmocka_unit_test(test_add),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
