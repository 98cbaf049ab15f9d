/* SPDX-License-Identifier: MIT */
/*
 * The login collector's utmp source (loginSource "utmp") on a temporary host root with real
 * files and inotify: what is in wtmp/btmp at start is not replayed, appended records become
 * Login events (wtmp USER_PROCESS -> Success, btmp -> Fail) with the uid from the root's
 * passwd, a partial record waits for its rest, a truncated file and a rotated one (new inode)
 * are read from the start, other record types make nothing, and the description names the
 * source.
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
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include <cmocka.h>

#include "collectors/collector.h"

#define EVENTS_MAX 16

struct test_sink {
	struct event_sink base;
	struct event *events[EVENTS_MAX];
	size_t n;
};

static struct test_sink sink;
static char root[64], wtmp[128], btmp[128];
static struct collector *col;

static void sink_submit(struct event_sink *base, struct event *e)
{
	struct test_sink *s = (struct test_sink *)base;

	if (s->n < EVENTS_MAX)
		s->events[s->n++] = e;
	else
		event_free(e);
}

static void sink_clear(void)
{
	for (size_t i = 0; i < sink.n; i++)
		event_free(sink.events[i]);
	sink.n = 0;
}

/* The string (or integer, printed) of field in e's first item; NULL when absent. */
static const char *field(const struct event *e, unsigned f)
{
	static char out[512];
	struct event_cursor cur;
	struct event_value v;

	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v))
		if (v.kind == EVENT_VALUE_FIELD && v.field == f) {
			if (v.type == FIELD_INT)
				snprintf(out, sizeof(out), "%lld", (long long)v.i);
			else
				snprintf(out, sizeof(out), "%.*s", (int)v.len, v.s);
			return out;
		}
	return NULL;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void append(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static struct utmp rec(short type, pid_t pid, const char *user, const char *ip)
{
	struct utmp u;

	memset(&u, 0, sizeof(u));
	u.ut_type = type;
	u.ut_pid = pid;
	strncpy(u.ut_line, "pts/7", sizeof(u.ut_line));
	strncpy(u.ut_user, user, sizeof(u.ut_user));
	strncpy(u.ut_host, ip, sizeof(u.ut_host));
	u.ut_tv.tv_sec = 1795955576;
	if (strchr(ip, ':'))
		inet_pton(AF_INET6, ip, u.ut_addr_v6);
	else
		inet_pton(AF_INET, ip, u.ut_addr_v6);
	return u;
}

static void pump(void)
{
	collector_dispatch(col, 1);
}

static void expect_login(size_t i, const char *result, const char *user, const char *uid,
			 const char *addr, const char *op)
{
	assert_true(i < sink.n);
	assert_int_equal(event_get_type(sink.events[i]), EVENT_LOGIN);
	assert_string_equal(field(sink.events[i], LOGIN_RESULT), result);
	assert_string_equal(field(sink.events[i], LOGIN_USER_NAME), user);
	if (uid)
		assert_string_equal(field(sink.events[i], LOGIN_USER_ID), uid);
	else
		assert_null(field(sink.events[i], LOGIN_USER_ID));
	assert_string_equal(field(sink.events[i], LOGIN_REMOTE_ADDRESS), addr);
	assert_string_equal(field(sink.events[i], LOGIN_OPERATION), op);
	assert_non_null(field(sink.events[i], LOGIN_EXECUTABLE));
}

static void test_no_replay_then_appends(void **state)
{
	struct utmp a = rec(USER_PROCESS, 999999, "alice", "192.0.2.1");
	struct utmp f = rec(LOGIN_PROCESS, 999998, "mallory", "2001:db8::5");
	struct utmp dead = rec(DEAD_PROCESS, 999999, "", "");

	(void)state;
	pump();
	assert_int_equal(sink.n, 0); /* the records written before start are history */
	assert_non_null(collector_describe(col));
	assert_non_null(strstr(collector_describe(col), "source utmp"));

	append(wtmp, &a, sizeof(a));
	append(btmp, &f, sizeof(f));
	append(wtmp, &dead, sizeof(dead)); /* a logout: no event */
	pump();
	assert_int_equal(sink.n, 2);
	expect_login(0, "Success", "alice", "1001", "192.0.2.1", "wtmp");
	expect_login(1, "Fail", "mallory", NULL, "2001:db8::5", "btmp");
	assert_string_equal(field(sink.events[0], LOGIN_PROCESS_ID), "999999");
	sink_clear();
}

static void test_partial_record(void **state)
{
	struct utmp a = rec(USER_PROCESS, 1, "alice", "192.0.2.2");

	(void)state;
	append(wtmp, &a, 100);
	pump();
	assert_int_equal(sink.n, 0);
	append(wtmp, (const char *)&a + 100, sizeof(a) - 100);
	pump();
	assert_int_equal(sink.n, 1);
	expect_login(0, "Success", "alice", "1001", "192.0.2.2", "wtmp");
	sink_clear();
}

static void test_truncate_and_rotate(void **state)
{
	struct utmp a = rec(USER_PROCESS, 1, "alice", "192.0.2.3");
	struct utmp b = rec(LOGIN_PROCESS, 1, "bob", "192.0.2.4");
	char old[160];

	(void)state;
	/* Truncated (btmp emptied by an admin), then a new entry. */
	assert_int_equal(truncate(btmp, 0), 0);
	pump();
	append(btmp, &b, sizeof(b));
	pump();
	assert_int_equal(sink.n, 1);
	expect_login(0, "Fail", "bob", NULL, "192.0.2.4", "btmp");
	sink_clear();

	/* Rotated: renamed away, a new file with one record. */
	snprintf(old, sizeof(old), "%s.1", wtmp);
	assert_int_equal(rename(wtmp, old), 0);
	append(wtmp, &a, sizeof(a));
	pump();
	assert_int_equal(sink.n, 1);
	expect_login(0, "Success", "alice", "1001", "192.0.2.3", "wtmp");
	sink_clear();
	unlink(old);

	/* Garbage records are counted, not reported. */
	uint64_t skipped = col->stats.skipped;
	char junk[sizeof(struct utmp)];

	memset(junk, 0x7f, sizeof(junk));
	append(wtmp, junk, sizeof(junk));
	pump();
	assert_int_equal(sink.n, 0);
	assert_int_equal(col->stats.skipped, skipped + 1);
}

static int setup(void **state)
{
	struct collector_params p = { .sink = &sink.base, .login_source = "utmp" };
	struct utmp old = rec(USER_PROCESS, 1, "alice", "198.51.100.1");
	char path[160];

	(void)state;
	sink.base.submit = sink_submit;
	snprintf(root, sizeof(root), "/tmp/edgesec-login-utmp-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/etc", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var/log", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	write_file(path, "root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\n");
	snprintf(wtmp, sizeof(wtmp), "%s/var/log/wtmp", root);
	snprintf(btmp, sizeof(btmp), "%s/var/log/btmp", root);
	append(wtmp, &old, sizeof(old));
	append(btmp, &old, sizeof(old));
	p.host_root = root;
	assert_int_equal(collector_new(&login_collector_ops, &p, &col), 0);
	assert_int_equal(collector_start(col), 0);
	assert_true(collector_get_fd(col) >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	sink_clear();
	col = collector_free(col);
	/* Only our own temporary tree. */
	snprintf(cmd, sizeof(cmd), "%s/var/log/wtmp", root);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/var/log/btmp", root);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/var/log", root);
	rmdir(cmd);
	snprintf(cmd, sizeof(cmd), "%s/var", root);
	rmdir(cmd);
	snprintf(cmd, sizeof(cmd), "%s/etc/passwd", root);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/etc", root);
	rmdir(cmd);
	rmdir(root);
	return 0;
}

static void test_bad_source(void **state)
{
	struct collector_params p = { .sink = &sink.base, .host_root = "/", .login_source = "x" };
	struct collector *c;

	(void)state;
	assert_int_equal(collector_new(&login_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), -EINVAL);
	assert_non_null(strstr(c->last_error, "loginSource"));
	collector_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_replay_then_appends),
		cmocka_unit_test(test_partial_record),
		cmocka_unit_test(test_truncate_and_rotate),
		cmocka_unit_test(test_bad_source),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
