/* SPDX-License-Identifier: MIT */
/*
 * common/journal.h: a stream is the journal only when JOURNAL_STREAM names exactly its device
 * and inode; and common/log.h's journal mode puts the syslog priority in front of each line.
 */
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

#include "common/journal.h"
#include "common/log.h"

static void set_stream(const char *value)
{
	if (value)
		assert_int_equal(setenv("JOURNAL_STREAM", value, 1), 0);
	else
		assert_int_equal(unsetenv("JOURNAL_STREAM"), 0);
}

static void test_stream_matches_only_its_fd(void **state)
{
	int p[2], q[2];
	struct stat st;
	char v[64];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	assert_int_equal(fstat(p[1], &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	set_stream(v);
	assert_true(journal_stream_is(p[1]));
	assert_false(journal_stream_is(q[1])); /* redirected elsewhere: not the journal */
	assert_false(journal_stream_is(-1));
	set_stream(NULL);
	assert_false(journal_stream_is(p[1]));
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void test_stream_malformed(void **state)
{
	const char *bad[] = { "",    ":",   "12",   "12:",  ":34",  "12:34:56",
			      "x:1", "1:x", "-1:2", " 1:2", "1:2 ", "99999999999999999999999:1" };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_stream(bad[i]);
		assert_false(journal_stream_is(p[1]));
	}
	set_stream(NULL);
	close(p[0]);
	close(p[1]);
}

/* Reads what one log call wrote to stderr. */
static void log_capture(enum log_level l, char *buf, size_t size)
{
	char path[] = "/tmp/edgesec-journal-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	assert_true(fd >= 0);
	unlink(path);
	dup2(fd, 2);
	log_emit(l, "hello %d", 1);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, size - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void test_log_priority_prefix(void **state)
{
	char buf[512];

	(void)state;
	log_set_timestamps(false);
	log_set_journal(true);
	log_capture(LOG_LEVEL_ERROR, buf, sizeof(buf));
	assert_true(strncmp(buf, "<3>edgesec[", 11) == 0);
	assert_non_null(strstr(buf, "]: error: hello 1\n"));
	log_capture(LOG_LEVEL_WARNING, buf, sizeof(buf));
	assert_true(strncmp(buf, "<4>edgesec[", 11) == 0);
	log_capture(LOG_LEVEL_INFO, buf, sizeof(buf));
	assert_true(strncmp(buf, "<6>edgesec[", 11) == 0);
	log_capture(LOG_LEVEL_DEBUG, buf, sizeof(buf));
	assert_true(strncmp(buf, "<7>edgesec[", 11) == 0);
	log_set_timestamps(true);
	log_capture(LOG_LEVEL_WARNING, buf, sizeof(buf));
	assert_true(strncmp(buf, "<4>20", 5) == 0); /* prefix first, then the time */
	log_set_journal(false);
	log_capture(LOG_LEVEL_WARNING, buf, sizeof(buf));
	assert_true(strncmp(buf, "20", 2) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_matches_only_its_fd),
		cmocka_unit_test(test_stream_malformed),
		cmocka_unit_test(test_log_priority_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
