/* SPDX-License-Identifier: MIT */
/*
 * Bounded file reading: named files must be regular (a FIFO with no writer used to block
 * open() forever; /dev/zero was read up to the cap), caps hold one byte over, "-" may still be
 * a pipe, and the host context's reader (host_open_regular) applies the same rule.  A regression
 * would hang: alarm() turns that into a failure within seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/host.h"
#include "common/alloc.h"
#include "common/fileio.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/edgesec-fileio-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	alarm(10); /* a blocking open() or read() fails the test instead of hanging it */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	alarm(0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *data, size_t len)
{
	char p[256];
	FILE *f;

	path_in(p, sizeof(p), name);
	f = fopen(p, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_fifo_refused_without_blocking(void **state)
{
	char p[256], *data = NULL;
	size_t len = 0;

	(void)state;
	path_in(p, sizeof(p), "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(read_file_capped(p, 1024, &data, &len), -FILEIO_ENOTREG);
	assert_int_equal(read_file_at(AT_FDCWD, p, 1024, &data, &len), -FILEIO_ENOTREG);
	assert_null(data);
	assert_int_equal(file_open_regular(AT_FDCWD, p, 0), -FILEIO_ENOTREG);
	assert_non_null(strstr(fileio_strerror(-FILEIO_ENOTREG), "not a regular file"));
}

static void test_devices_and_directories_refused(void **state)
{
	char *data = NULL;
	size_t len = 0;
	char line[16];

	(void)state;
	assert_int_equal(read_file_capped("/dev/zero", 1024, &data, &len), -FILEIO_ENOTREG);
	assert_int_equal(read_file_capped("/dev/null", 1024, &data, &len), -FILEIO_ENOTREG);
	assert_int_equal(read_file_capped(dir, 1024, &data, &len), -EISDIR);
	assert_int_equal(read_line_at(AT_FDCWD, "/dev/zero", line, sizeof(line)), -FILEIO_ENOTREG);
	assert_null(data);
}

static void test_regular_cap_exact_and_one_over(void **state)
{
	char p[256], *data = NULL, buf[100];
	size_t len = 0;
	int fd, fl;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	write_file("f100", buf, sizeof(buf));
	path_in(p, sizeof(p), "f100");
	assert_int_equal(read_file_capped(p, 100, &data, &len), 0);
	assert_int_equal(len, 100);
	assert_int_equal(data[100], '\0');
	es_free(data);
	data = NULL;
	assert_int_equal(read_file_capped(p, 99, &data, &len), -EFBIG);
	assert_null(data);
	/* The fd handed out blocks again (O_NONBLOCK was only for the open). */
	fd = file_open_regular(AT_FDCWD, p, 0);
	assert_true(fd >= 0);
	fl = fcntl(fd, F_GETFL);
	assert_false(fl & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* "-" is stdin, and stdin may be a pipe: `cat x | edgesec scan-manifest -`. */
static void test_stdin_pipe_still_read(void **state)
{
	int pfd[2], saved = dup(0);
	char *data = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], "{\"a\":1}", 7), 7);
	close(pfd[1]);
	dup2(pfd[0], 0);
	close(pfd[0]);
	assert_int_equal(read_file_capped("-", 1024, &data, &len), 0);
	dup2(saved, 0);
	close(saved);
	assert_int_equal(len, 7);
	assert_string_equal(data, "{\"a\":1}");
	es_free(data);
}

/* The agent's readers under hostRoot (wtmp/btmp, passwd, os-release): a FIFO is refused. */
static void test_host_fifo_refused(void **state)
{
	char p[256], *data = NULL, err[256];
	struct host_context *h = NULL;
	size_t len = 0;
	int fd;

	(void)state;
	assert_int_equal(host_context_open(dir, 0, &h, err, sizeof(err)), 0);
	path_in(p, sizeof(p), "var");
	assert_int_equal(mkdir(p, 0755), 0);
	path_in(p, sizeof(p), "var/wtmp");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(host_open_regular(h, "var/wtmp"), -FILEIO_ENOTREG);
	assert_int_equal(host_open_regular(h, "/var"), -EISDIR);
	assert_int_equal(host_read_file(h, "var/wtmp", 1024, &data, &len), -EINVAL);
	write_file("var/ok", "hello", 5);
	fd = host_open_regular(h, "var/ok");
	assert_true(fd >= 0);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	assert_int_equal(host_read_file(h, "/var/ok", 1024, &data, &len), 0);
	assert_string_equal(data, "hello");
	es_free(data);
	host_context_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fifo_refused_without_blocking, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_devices_and_directories_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_regular_cap_exact_and_one_over, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stdin_pipe_still_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_fifo_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
