/* SPDX-License-Identifier: MIT */
/*
 * The process collector's audit records (collectors/process/audit-parse.c) on handcrafted
 * records (the stamp and value syntax: test-audit-record.c): quoted and hex argv, split arguments
 * (aN_len, aN[i]) and split EXECVE records, CWD, PATH, PROCTITLE, SOCKADDR for IPv4, IPv6 and
 * AF_UNIX, exit_group, and garbage of every kind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/audit.h>

#include <cmocka.h>

#include "collectors/process/audit-parse.h"
#include "common/array.h"

#define SYSCALL_EXECVE                                                                             \
	"arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=7ffc a2=7ffd a3=0 items=2 "        \
	"ppid=100 pid=200 auid=4294967295 uid=1000 gid=1001 euid=0 suid=0 fsuid=0 egid=0 sgid=0 "  \
	"fsgid=0 tty=(none) ses=4294967295 comm=\"sh\" exe=\"/usr/bin/dash\" key=\"edgesec\""

static struct audit_event ev;

static void add(unsigned type, const char *body)
{
	assert_int_equal(audit_event_add(&ev, type, body, strlen(body)), 0);
}

static void start(void)
{
	struct audit_stamp st = { .time_ms = 1700000000123ull, .serial = 42 };

	audit_event_init(&ev, &st);
}

static void view_args(struct process_view *v, const char *want, size_t want_len)
{
	assert_int_equal(audit_event_view(&ev, 0, v), 0);
	assert_int_equal(v->type, PROCESS_RECORD_EXEC);
	assert_int_equal(v->exec.args_len, want_len);
	assert_memory_equal(v->exec.args, want, want_len);
}

static void test_exec_quoted_and_hex(void **state)
{
	struct process_view v;
	static const char want[] = "/bin/echo\0two words\0q\"uote\0plain";

	(void)state;
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=4 a0=\"/bin/echo\" a1=74776F20776F726473 a2=7122756F7465 "
			  "a3=\"plain\"");
	add(AUDIT_CWD, "cwd=\"/tmp/dir\"");
	add(AUDIT_PATH, "item=0 name=\"/bin/echo\" inode=1 dev=08:01 mode=0100755 ouid=0 "
			"ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0");
	add(AUDIT_PATH, "item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=2");
	add(AUDIT_PROCTITLE, "proctitle=2F62696E2F6563686F0074776F");
	add(AUDIT_EOE, "");
	assert_int_equal(audit_event_kind(&ev), AUDIT_KIND_EXEC);
	view_args(&v, want, sizeof(want));
	assert_int_equal(v.pid, 200);
	assert_int_equal(v.ppid, 100);
	assert_int_equal(v.uid, 1000);
	assert_int_equal(v.gid, 1001);
	assert_string_equal(v.comm, "sh");
	assert_int_equal(v.exec.exe_len, 9);
	assert_memory_equal(v.exec.exe, "/bin/echo", 9);
	assert_int_equal(v.exec.flags, 0);
	/* cwd as one component without the leading slash, NUL-terminated. */
	assert_string_equal(v.exec.cwd_parts, "tmp/dir");
	assert_int_equal(v.exec.cwd_len, 8);
	assert_true(v.time_ns == 1700000000123ull * 1000000ull);
}

/* A long argument: aN_len then hex chunks aN[0], aN[1]; the EXECVE record itself split. */
static void test_exec_split(void **state)
{
	struct process_view v;
	static const char want[] = "/bin/x\0ABCDEF\0tail";

	(void)state;
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=3 a0=\"/bin/x\" a1_len=6 a1[0]=414243");
	add(AUDIT_EXECVE, "a1[1]=\"DEF\"");
	add(AUDIT_EXECVE, "a2=\"tail\"");
	view_args(&v, want, sizeof(want));
	assert_int_equal(v.exec.flags & PROCESS_EXEC_ARGS_TRUNCATED, 0);

	/* The split argument last: ended with the event, still complete. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=2 a0=\"/bin/x\" a1_len=4 a1[0]=4142 a1[1]=4344");
	view_args(&v, "/bin/x\0ABCD", 12);
	assert_int_equal(v.exec.flags & PROCESS_EXEC_ARGS_TRUNCATED, 0);

	/* A chunk out of order ends argv there, flagged. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=3 a0=\"/bin/x\" a1_len=6 a1[1]=414243 a2=\"z\"");
	view_args(&v, "/bin/x\0", 7);
	assert_true(v.exec.flags & PROCESS_EXEC_ARGS_TRUNCATED);

	/* An argument skipped (a record lost): flagged. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=3 a0=\"/bin/x\" a2=\"z\"");
	view_args(&v, "/bin/x\0", 7);
	assert_true(v.exec.flags & PROCESS_EXEC_ARGS_TRUNCATED);

	/* Fewer arguments than argc: flagged. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=3 a0=\"/bin/x\"");
	view_args(&v, "/bin/x\0", 7);
	assert_true(v.exec.flags & PROCESS_EXEC_ARGS_TRUNCATED);
}

static void test_exec_too_long(void **state)
{
	static char body[3 * PROCESS_ARGS_MAX];
	struct process_view v;
	size_t n;

	(void)state;
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	n = (size_t)snprintf(body, sizeof(body), "argc=3 a0=\"/bin/x\" a1=");
	for (size_t i = 0; i < PROCESS_ARGS_MAX; i++)
		memcpy(body + n + 2 * i, "61", 2);
	n += 2 * PROCESS_ARGS_MAX;
	memcpy(body + n, " a2=\"z\"", 8);
	add(AUDIT_EXECVE, body);
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	/* The long argument keeps its head and tail; the one after it is not lost. */
	assert_int_equal(v.exec.args_len, 7 + PROCESS_ARG_HEAD + PROCESS_ARG_TAIL + 2);
	assert_memory_equal(v.exec.args, "/bin/x\0aaa", 10);
	assert_memory_equal(v.exec.args + v.exec.args_len - 2, "z", 2);
	assert_int_equal(v.exec.n_cuts, 1);
	assert_int_equal(process_view_cut(&v.exec, 0).at, 7 + PROCESS_ARG_HEAD);
	assert_int_equal(process_view_cut(&v.exec, 0).cut,
			 PROCESS_ARGS_MAX - PROCESS_ARG_HEAD - (PROCESS_ARG_TAIL - 1));
	assert_int_equal(v.exec.args_omitted, 0);
	assert_int_equal(v.exec.argc, 3);
	assert_true(v.exec.flags & PROCESS_EXEC_ARGS_TRUNCATED);
}

/* The same argument split into aN[k] chunks (as the kernel sends one over 7,500 bytes). */
static void test_exec_too_long_split(void **state)
{
	static char body[3 * PROCESS_ARGS_MAX];
	char cmd[PROCESS_CMDLINE_MAX + 1];
	struct process_view v;
	size_t n;

	(void)state;
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	n = (size_t)snprintf(body, sizeof(body), "argc=6 a0=\"/bin/x\" a1_len=%u",
			     3 * PROCESS_ARGS_MAX / 2);
	add(AUDIT_EXECVE, body);
	for (int k = 0; k < 3; k++) {
		n = (size_t)snprintf(body, sizeof(body), "a1[%d]=", k);
		for (size_t i = 0; i < PROCESS_ARGS_MAX / 2; i++)
			memcpy(body + n + 2 * i,
			       k == 2 && i >= PROCESS_ARGS_MAX / 2 - 3 ? "5a" : "41", 2);
		body[n + PROCESS_ARGS_MAX] = '\0';
		add(AUDIT_EXECVE, body);
	}
	add(AUDIT_EXECVE, "a2=\"-e\" a3=\"/bin/sh\" a4=\"127.0.0.1\" a5=\"4444\"");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	process_cmdline_format(&v.exec, cmd, sizeof(cmd));
	assert_non_null(strstr(cmd, "AZZZ -e /bin/sh 127.0.0.1 4444"));
	assert_non_null(strstr(cmd, "\xe2\x80\xa6[cut 12097 bytes]\xe2\x80\xa6"));
	assert_memory_equal(cmd, "/bin/x AAAA", 11);
	assert_int_equal(v.exec.n_cuts, 1);
	assert_int_equal(v.exec.args_omitted, 0);
}

static void test_exec_fallbacks(void **state)
{
	struct process_view v;

	(void)state;
	/* No EXECVE: the proctitle (hex, NUL-separated) stands in. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_PROCTITLE, "proctitle=2F62696E2F736800");
	view_args(&v, "/bin/sh\0", 8);
	/* No PATH: the exe of the SYSCALL record. */
	assert_int_equal(v.exec.exe_len, strlen("/usr/bin/dash"));
	/* name=(null) is no path; neither EXECVE nor PROCTITLE: unreadable argv. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_PATH, "item=0 name=(null) inode=1");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_true(v.exec.flags & PROCESS_EXEC_ARGS_FAULT);
	assert_memory_equal(v.exec.exe, "/usr/bin/dash", 13);
	/* A failed execve is no process. */
	start();
	add(AUDIT_SYSCALL, "arch=c000003e syscall=59 success=no exit=-2 a0=1 a1=2 a2=3 a3=4 "
			   "items=1 ppid=1 pid=2 uid=0 gid=0 comm=\"sh\" exe=\"/bin/sh\"");
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
	/* Hex comm and exe. */
	start();
	add(AUDIT_SYSCALL, "arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 "
			   "items=1 ppid=1 pid=2 uid=0 gid=0 comm=6120620A exe=2F612062");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_string_equal(v.comm, "a b\n");
	assert_memory_equal(v.exec.exe, "/a b", 4);
}

static void test_exit_group(void **state)
{
	struct process_view v;

	(void)state;
	start();
	add(AUDIT_SYSCALL, "arch=c000003e syscall=231 a0=7 a1=e7 a2=3c a3=7f49 items=0 ppid=1 "
			   "pid=77 auid=4294967295 uid=0 gid=0 comm=\"sh\" exe=\"/usr/bin/dash\"");
	add(AUDIT_EOE, "");
	assert_int_equal(audit_event_kind(&ev), AUDIT_KIND_EXIT);
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_int_equal(v.type, PROCESS_RECORD_EXIT);
	assert_int_equal(v.pid, 77);
	assert_int_equal(process_exit_status(v.exit.exit_code, NULL), 7);
}

static void conn_syscall(unsigned nr, const char *result)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "arch=c000003e syscall=%u %s a0=6 a1=7fff a2=1c a3=0 items=0 ppid=1 pid=300 "
		 "uid=5 gid=5 comm=\"t\" exe=\"/t\"",
		 nr, result);
	start();
	add(AUDIT_SYSCALL, body);
}

static void test_sockaddr(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xbe, [15] = 0xef };
	char text[PROCESS_ADDR_STR_MAX];
	struct process_view v;

	(void)state;
	/* IPv4 connect, port 51957 (0xCAF5). */
	conn_syscall(42, "success=yes exit=0");
	add(AUDIT_SOCKADDR, "saddr=0200CAF57F0000010000000000000000");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_int_equal(v.type, PROCESS_RECORD_CONNECT);
	assert_int_equal(v.conn.direction, PROCESS_DIRECTION_OUT);
	assert_int_equal(v.conn.family, AF_INET);
	assert_int_equal(v.conn.remote_port, 0xCAF5);
	assert_int_equal(process_addr_format(v.conn.family, v.conn.remote_addr, text), 0);
	assert_string_equal(text, "127.0.0.1");
	assert_int_equal(audit_event_socket_fd(&ev), 6);
	assert_int_equal(v.conn.protocol, 0); /* not in the record: looked up */

	/* IPv6: the address is at offset 8 (after family, port and flowinfo), never 4. */
	conn_syscall(42, "success=no exit=-115");
	add(AUDIT_SOCKADDR, "saddr=0A0001BB0000000020010DB800000000000000000000BEEF00000000");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_int_equal(v.conn.family, AF_INET6);
	assert_int_equal(v.conn.remote_port, 443);
	assert_memory_equal(v.conn.remote_addr, v6, 16);
	assert_int_equal(process_addr_format(v.conn.family, v.conn.remote_addr, text), 0);
	assert_string_equal(text, "2001:db8::beef");

	/* accept4 with the peer address; the fd is the return value. */
	conn_syscall(288, "success=yes exit=9");
	add(AUDIT_SOCKADDR, "saddr=0A00C869000000000000000000000000000000000000000100000000");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_int_equal(v.conn.direction, PROCESS_DIRECTION_IN);
	assert_int_equal(process_addr_format(v.conn.family, v.conn.remote_addr, text), 0);
	assert_string_equal(text, "::1");
	assert_int_equal(v.conn.remote_port, 0xC869);
	assert_int_equal(audit_event_socket_fd(&ev), 9);

	/* accept without an address buffer: family 0, to be looked up. */
	conn_syscall(43, "success=yes exit=5");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_int_equal(v.conn.family, 0);
	assert_int_equal(audit_event_socket_fd(&ev), 5);

	/* Not ours: AF_UNIX, a refused connect, a connect without SOCKADDR, a task killed
	 * inside accept (no exit field). */
	conn_syscall(42, "success=yes exit=0");
	add(AUDIT_SOCKADDR, "saddr=01002F746D702F736F636B00");
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
	conn_syscall(42, "success=no exit=-111");
	add(AUDIT_SOCKADDR, "saddr=0200CAF57F0000010000000000000000");
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
	conn_syscall(42, "success=yes exit=0");
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
	conn_syscall(43, "");
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);

	/* Short sockaddrs are rejected, not read past. */
	conn_syscall(42, "success=yes exit=0");
	assert_int_equal(audit_event_add(&ev, AUDIT_SOCKADDR, "saddr=0200CAF57F00", 18), -EBADMSG);
	assert_int_equal(audit_event_add(&ev, AUDIT_SOCKADDR, "saddr=0A00CAF5000000002001", 26),
			 -EBADMSG);
	assert_int_equal(audit_event_add(&ev, AUDIT_SOCKADDR, "saddr=02", 8), -EBADMSG);
	assert_int_equal(audit_event_add(&ev, AUDIT_SOCKADDR, "nothing=1", 9), -EBADMSG);
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
}

static void test_garbage(void **state)
{
	static const char *const syscalls[] = {
		"",
		"arch=c000003e",
		"arch=zz syscall=59 pid=1",
		"arch=c000003e syscall=99999999999 pid=1",
		"arch=c000003e syscall=59 pid=-1",
		"arch=c000003e syscall=59 pid=1 exit=--5",
		"arch=c000003e syscall=59 pid=1 a0=123456789012345678901",
		"arch=c000003e syscall=59 pid=1 uid=4294967296",
		"= = = ==",
	};
	struct process_view v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(syscalls); i++) {
		start();
		assert_int_equal(
			audit_event_add(&ev, AUDIT_SYSCALL, syscalls[i], strlen(syscalls[i])),
			-EBADMSG);
		assert_int_equal(audit_event_kind(&ev), AUDIT_KIND_NONE);
		assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
	}
	/* A second SYSCALL record in one event is refused. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	assert_int_equal(
		audit_event_add(&ev, AUDIT_SYSCALL, SYSCALL_EXECVE, strlen(SYSCALL_EXECVE)),
		-EBADMSG);
	/* Unknown syscall or ABI: not ours. */
	start();
	add(AUDIT_SYSCALL, "arch=c000003e syscall=2 success=yes exit=3 pid=1");
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
	start();
	add(AUDIT_SYSCALL, "arch=deadbeef syscall=59 success=yes exit=0 pid=1");
	assert_int_equal(audit_event_view(&ev, 0, &v), -ENOMSG);
	/* Broken EXECVE keys end argv, never crash. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=2 a0=\"/x\" a1[=41 a1]=42 a=1 ax=2 a1[99999999999]=43");
	view_args(&v, "/x\0", 3);
	assert_true(v.exec.flags & PROCESS_EXEC_ARGS_TRUNCATED);
	/* Broken values, unterminated quotes. */
	start();
	add(AUDIT_SYSCALL, SYSCALL_EXECVE);
	add(AUDIT_EXECVE, "argc=2 a0=\"/x a1=\"y\"");
	assert_int_equal(audit_event_view(&ev, 0, &v), 0);
	assert_int_equal(audit_event_add(&ev, AUDIT_CWD, "cwd=", 4), -EBADMSG);
	assert_int_equal(audit_event_add(&ev, AUDIT_PATH, "name=\"/x\"", 9), -EBADMSG);
	assert_int_equal(audit_event_add(&ev, AUDIT_PROCTITLE, "proctitle=ABC", 13), -EBADMSG);
	/* Types that are not part of a syscall event are ignored. */
	assert_false(audit_type_is_syscall_part(AUDIT_LOGIN));
	assert_int_equal(audit_event_add(&ev, AUDIT_LOGIN, "junk", 4), 0);
	assert_int_equal(audit_event_add(&ev, AUDIT_SYSCALL, NULL, 0), -EBADMSG);
}

static void test_syscall_table(void **state)
{
	uint32_t nrs[8];

	(void)state;
	assert_int_equal(audit_syscalls_of(AUDIT_ARCH_X86_64, AUDIT_KIND_EXEC, nrs, 8), 2);
	assert_int_equal(nrs[0], 59);
	assert_int_equal(nrs[1], 322);
	assert_int_equal(audit_syscalls_of(AUDIT_ARCH_X86_64, AUDIT_KIND_ACCEPT, nrs, 8), 2);
	assert_int_equal(audit_syscalls_of(AUDIT_ARCH_I386, AUDIT_KIND_ACCEPT, nrs, 8), 1);
	assert_int_equal(audit_syscalls_of(AUDIT_ARCH_X86_64, AUDIT_KIND_EXEC, nrs, 1), 1);
	assert_int_equal(audit_syscalls_of(0x1234, AUDIT_KIND_EXEC, nrs, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_quoted_and_hex),
		cmocka_unit_test(test_exec_split),
		cmocka_unit_test(test_exec_too_long),
		cmocka_unit_test(test_exec_too_long_split),
		cmocka_unit_test(test_exec_fallbacks),
		cmocka_unit_test(test_exit_group),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_syscall_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
