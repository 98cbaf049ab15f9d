/* SPDX-License-Identifier: MIT */
/*
 * wtmp/btmp records (collectors/login/utmp-parse.c): the offsets agree with glibc's struct
 * utmp on this machine, IPv4/IPv6 addresses, unterminated strings, and bad sizes, types,
 * pids and times.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <utmp.h>

#include <cmocka.h>

#include "collectors/login/utmp-parse.h"

static struct utmp make(short type, pid_t pid, const char *user, const char *host)
{
	struct utmp u;

	memset(&u, 0, sizeof(u));
	u.ut_type = type;
	u.ut_pid = pid;
	strncpy(u.ut_line, "pts/3", sizeof(u.ut_line));
	strncpy(u.ut_user, user, sizeof(u.ut_user));
	strncpy(u.ut_host, host, sizeof(u.ut_host));
	u.ut_tv.tv_sec = 1795955576;
	u.ut_tv.tv_usec = 250000;
	return u;
}

static void test_layout_matches_glibc(void **state)
{
	struct utmp u = make(USER_PROCESS, 4242, "alice", "192.0.2.7");
	struct utmp_entry e;

	(void)state;
	assert_int_equal(sizeof(struct utmp), UTMP_RECORD_SIZE);
	inet_pton(AF_INET, "192.0.2.7", &u.ut_addr_v6[0]);
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), 0);
	assert_int_equal(e.type, UTMP_TYPE_USER_PROCESS);
	assert_int_equal(e.pid, 4242);
	assert_string_equal(e.line, "pts/3");
	assert_string_equal(e.user, "alice");
	assert_string_equal(e.host, "192.0.2.7");
	assert_int_equal(e.time_ns, 1795955576250000000ull);
	assert_int_equal(e.addr_family, AF_INET);
	assert_memory_equal(e.addr, &u.ut_addr_v6[0], 4);
}

static void test_ipv6_and_no_address(void **state)
{
	struct utmp u = make(LOGIN_PROCESS, 1, "bob", "");
	struct utmp_entry e;

	(void)state;
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), 0);
	assert_int_equal(e.addr_family, 0);
	assert_int_equal(e.type, UTMP_TYPE_LOGIN_PROCESS);
	inet_pton(AF_INET6, "2001:db8::9", u.ut_addr_v6);
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), 0);
	assert_int_equal(e.addr_family, AF_INET6);
	assert_memory_equal(e.addr, u.ut_addr_v6, 16);
}

static void test_unterminated_strings(void **state)
{
	struct utmp u = make(USER_PROCESS, 1, "", "");
	struct utmp_entry e;

	(void)state;
	memset(u.ut_user, 'U', sizeof(u.ut_user));
	memset(u.ut_line, 'L', sizeof(u.ut_line));
	memset(u.ut_host, 'H', sizeof(u.ut_host));
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), 0);
	assert_int_equal(strlen(e.user), UTMP_USER_MAX);
	assert_int_equal(strlen(e.line), UTMP_LINE_MAX);
	assert_int_equal(strlen(e.host), UTMP_HOST_MAX);
}

static void test_rejects(void **state)
{
	unsigned char big[UTMP_RECORD_SIZE + 1] = { 0 };
	struct utmp u;
	struct utmp_entry e;

	(void)state;
	assert_int_equal(utmp_parse_record(big, UTMP_RECORD_SIZE - 1, &e), -EBADMSG);
	assert_int_equal(utmp_parse_record(big, UTMP_RECORD_SIZE + 1, &e), -EBADMSG);
	assert_int_equal(utmp_parse_record(big, 0, &e), -EBADMSG);
	u = make(42, 1, "x", "");
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), -EBADMSG);
	u = make(-1, 1, "x", "");
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), -EBADMSG);
	u = make(USER_PROCESS, -5, "x", "");
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), -EBADMSG);
	u = make(USER_PROCESS, 1, "x", "");
	u.ut_tv.tv_usec = 1000000;
	assert_int_equal(utmp_parse_record(&u, sizeof(u), &e), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_matches_glibc),
		cmocka_unit_test(test_ipv6_and_no_address),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
