/* SPDX-License-Identifier: MIT */
/*
 * The pure decoder of the eBPF process records (collectors/process/process-decode.c) on
 * handcrafted records: valid ones of each type, and short, oversized, inconsistent and
 * garbage ones, which must all be refused without reading past the buffer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "collectors/process/process-decode.h"

static void header_set(struct process_record_header *h, uint32_t type, uint32_t size)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = size;
	h->time_ns = 123;
	h->pid = 42;
	h->tid = 43;
	h->ppid = 1;
	h->uid = 1000;
	h->gid = 100;
	memcpy(h->comm, "0123456789abcdef", PROCESS_COMM_LEN); /* no NUL: must be bounded */
}

/* An exec record (packed: exe, cwd, argv) in a malloc'd buffer of exactly its size. */
static unsigned char *exec_record_parts(const char *exe, size_t exe_len, const char *cwd,
					size_t cwd_len, const char *args, size_t args_len,
					size_t *ret_len)
{
	size_t len = PROCESS_EXEC_RECORD_FIXED + exe_len + cwd_len + args_len;
	struct process_exec_record *r = calloc(1, sizeof(*r));
	unsigned char *out = malloc(len);

	assert_non_null(r);
	assert_non_null(out);
	assert_true(exe_len + cwd_len + args_len <= sizeof(r->data));
	header_set(&r->h, PROCESS_RECORD_EXEC, (uint32_t)len);
	r->exe_len = (uint32_t)exe_len;
	r->cwd_len = (uint32_t)cwd_len;
	r->args_len = (uint32_t)args_len;
	memcpy(r->data, exe, exe_len);
	memcpy(r->data + exe_len, cwd, cwd_len);
	memcpy(r->data + exe_len + cwd_len, args, args_len);
	memcpy(out, r, len);
	free(r);
	*ret_len = len;
	return out;
}

static unsigned char *exec_record(const char *args, size_t args_len, size_t *ret_len)
{
	/* A NUL inside exe_len: the length stops there. */
	return exec_record_parts("/bin/ls", 8, "b\0a\0", 4, args, args_len, ret_len);
}

static void test_exec_valid(void **state)
{
	static const char args[] = "ls\0-l\0a b\0";
	struct process_view v;
	char out[64];
	size_t len;
	unsigned char *rec = exec_record(args, sizeof(args) - 1, &len);

	(void)state;
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(v.type, PROCESS_RECORD_EXEC);
	assert_int_equal(v.pid, 42);
	assert_int_equal(v.ppid, 1);
	assert_int_equal(v.uid, 1000);
	assert_string_equal(v.comm, "0123456789abcdef");
	assert_int_equal(v.exec.exe_len, 7);
	assert_memory_equal(v.exec.exe, "/bin/ls", 7);
	assert_int_equal(process_args_join(v.exec.args, v.exec.args_len, out, sizeof(out)), 9);
	assert_string_equal(out, "ls -l a b");
	process_cwd_format(v.exec.cwd_parts, v.exec.cwd_len, out, sizeof(out));
	assert_string_equal(out, "/a/b");
	free(rec);
}

static void test_exec_bad(void **state)
{
	static char big[PROCESS_ARGS_MAX + 1];
	struct process_view v;
	size_t len;
	unsigned char *rec = exec_record("x\0", 2, &len);
	struct process_exec_record *r = (struct process_exec_record *)rec;

	(void)state;
	/* Length disagreeing with the size field, either way. */
	assert_int_equal(process_record_decode(rec, len - 1, &v), -EBADMSG);
	r->h.size = (uint32_t)len - 1;
	assert_int_equal(process_record_decode(rec, len - 1, &v), -EBADMSG); /* lengths */
	r->h.size = (uint32_t)len;
	/* Inner lengths that do not add up to the record. */
	r->args_len = 3;
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	r->args_len = 1;
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	/* Lengths whose 32-bit sum wraps to the right total. */
	r->exe_len = 0x80000000u;
	r->cwd_len = 0x80000000u - 8 - 4;
	r->args_len = 2 + 8 + 4;
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	r->exe_len = 8, r->cwd_len = 4, r->args_len = 2;
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	free(rec);

	/* Each part over its limit, in a record whose lengths add up. */
	rec = exec_record_parts(big, PROCESS_EXE_MAX, "", 0, "", 0, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	rec = exec_record_parts("", 0, big, PROCESS_CWD_MAX, "", 0, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	rec = exec_record_parts("", 0, "", 0, big, PROCESS_ARGS_MAX + 1, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	/* The largest record the kernel can send. */
	rec = exec_record_parts(big, PROCESS_EXE_MAX - 1, big, PROCESS_CWD_MAX - 1, big,
				PROCESS_ARGS_MAX, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(v.exec.args_len, PROCESS_ARGS_MAX);
	free(rec);
}

static void test_short_and_garbage(void **state)
{
	unsigned char buf[sizeof(struct process_exec_record) + 64];
	struct process_view v;

	(void)state;
	assert_int_equal(process_record_decode(NULL, 0, &v), -EBADMSG);
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 0; len <= sizeof(buf); len++)
		assert_int_equal(process_record_decode(buf, len, &v), -EBADMSG);
	memset(buf, 0, sizeof(buf));
	for (size_t len = 0; len <= sizeof(buf); len++)
		assert_int_equal(process_record_decode(buf, len, &v), -EBADMSG);
	/* An oversized exec record (more than the largest the kernel can send). */
	header_set((struct process_record_header *)buf, PROCESS_RECORD_EXEC, sizeof(buf));
	assert_int_equal(process_record_decode(buf, sizeof(buf), &v), -EBADMSG);
	/* Unknown type. */
	header_set((struct process_record_header *)buf, 99, sizeof(struct process_exit_record));
	assert_int_equal(process_record_decode(buf, sizeof(struct process_exit_record), &v),
			 -EBADMSG);
}

static void test_exit(void **state)
{
	struct process_exit_record r;
	struct process_view v;
	int sig;

	(void)state;
	header_set(&r.h, PROCESS_RECORD_EXIT, sizeof(r));
	r.exit_code = 7 << 8;
	r.pad = 0;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), 0);
	assert_int_equal(process_exit_status(v.exit.exit_code, &sig), 7);
	assert_int_equal(sig, 0);
	assert_int_equal(process_exit_status(9, &sig), 137);
	assert_int_equal(sig, 9);
	assert_int_equal(process_record_decode(&r, sizeof(r) - 1, &v), -EBADMSG);
	r.h.size = sizeof(r) + 1;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), -EBADMSG);
}

static void test_connect(void **state)
{
	struct process_connect_record r;
	struct process_view v;
	char a[PROCESS_ADDR_STR_MAX];

	(void)state;
	memset(&r, 0, sizeof(r));
	header_set(&r.h, PROCESS_RECORD_CONNECT, sizeof(r));
	r.family = AF_INET6;
	r.protocol = IPPROTO_TCP;
	r.direction = PROCESS_DIRECTION_OUT;
	r.remote_port = 443;
	r.remote_addr[15] = 1;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), 0);
	assert_int_equal(process_addr_format(v.conn.family, v.conn.remote_addr, a), 0);
	assert_string_equal(a, "::1");
	assert_int_equal(process_addr_format(v.conn.family, v.conn.local_addr, a), 0);
	assert_string_equal(a, "::");
	r.family = AF_INET;
	memcpy(r.remote_addr, "\x7f\x00\x00\x01", 4);
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), 0);
	assert_int_equal(process_addr_format(v.conn.family, v.conn.remote_addr, a), 0);
	assert_string_equal(a, "127.0.0.1");
	r.family = AF_UNIX;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), -EBADMSG);
	r.family = AF_INET;
	r.protocol = 1;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), -EBADMSG);
	r.protocol = IPPROTO_UDP;
	r.direction = 3;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), -EBADMSG);
	assert_int_equal(process_addr_format(AF_UNIX, r.remote_addr, a), -EAFNOSUPPORT);
}

/*
 * A listener: v4 and v6, TCP and UDP, the namespace and cgroup; size, family and protocol
 * checked.
 */
static void test_listen(void **state)
{
	struct process_listen_record r;
	struct process_view v;
	char a[PROCESS_ADDR_STR_MAX];

	(void)state;
	memset(&r, 0, sizeof(r));
	header_set(&r.h, PROCESS_RECORD_LISTEN, sizeof(r));
	r.protocol = IPPROTO_TCP;
	r.family = AF_INET;
	r.local_port = 4444;
	r.netns_ino = 4026531840u;
	r.cgroup_id = 77;
	memcpy(r.local_addr, "\x7f\x00\x00\x01", 4);
	memset(r.local_addr + 4, 0xAA, 12); /* garbage after a v4 address is not kept */
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), 0);
	assert_int_equal(v.type, PROCESS_RECORD_LISTEN);
	assert_int_equal(v.pid, 42);
	assert_int_equal(v.listen.family, AF_INET);
	assert_int_equal(v.listen.local_port, 4444);
	assert_int_equal(v.listen.netns_ino, 4026531840u);
	assert_int_equal(v.listen.cgroup_id, 77);
	assert_int_equal(v.listen.protocol, IPPROTO_TCP);
	assert_int_equal(v.listen.local_addr[4], 0);
	assert_int_equal(process_addr_format(v.listen.family, v.listen.local_addr, a), 0);
	assert_string_equal(a, "127.0.0.1");

	r.family = AF_INET6;
	memset(r.local_addr, 0, 16); /* :: (any, dual stack) */
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), 0);
	assert_int_equal(process_addr_format(v.listen.family, v.listen.local_addr, a), 0);
	assert_string_equal(a, "::");
	r.local_addr[10] = r.local_addr[11] = 0xff;
	memcpy(r.local_addr + 12, "\x0a\x00\x00\x05", 4);
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), 0);
	assert_int_equal(process_addr_format(v.listen.family, v.listen.local_addr, a), 0);
	assert_string_equal(a, "::ffff:10.0.0.5");

	/* A UDP socket bound by bind(): the same record, protocol UDP. */
	r.protocol = IPPROTO_UDP;
	r.local_port = 53;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), 0);
	assert_int_equal(v.listen.protocol, IPPROTO_UDP);
	assert_int_equal(v.listen.local_port, 53);

	/* Not TCP/UDP (ICMP, UDP-Lite, none), not inet, short, long, or a size field that
	 * disagrees: refused. */
	for (size_t i = 0; i < 3; i++) {
		static const uint8_t bad[] = { IPPROTO_ICMP, IPPROTO_UDPLITE, 0 };

		r.protocol = bad[i];
		assert_int_equal(process_record_decode(&r, sizeof(r), &v), -EBADMSG);
	}
	r.protocol = IPPROTO_TCP;
	r.family = AF_UNIX;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), -EBADMSG);
	r.family = AF_INET;
	assert_int_equal(process_record_decode(&r, sizeof(r) - 1, &v), -EBADMSG);
	r.h.size = sizeof(r) - 4;
	assert_int_equal(process_record_decode(&r, sizeof(r) - 4, &v), -EBADMSG);
	r.h.size = sizeof(r) + 1;
	assert_int_equal(process_record_decode(&r, sizeof(r), &v), -EBADMSG);
}

static void test_formatters(void **state)
{
	char out[8];

	(void)state;
	/* Trailing NULs dropped, embedded ones become spaces, output bounded. */
	assert_int_equal(process_args_join("a\0\0b\0\0\0", 7, out, sizeof(out)), 4);
	assert_string_equal(out, "a  b");
	assert_int_equal(process_args_join("abcdefghij", 10, out, sizeof(out)), 7);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(process_args_join("", 0, out, sizeof(out)), 0);
	assert_int_equal(process_cwd_format("", 0, out, sizeof(out)), 1);
	assert_string_equal(out, "/");
	process_cwd_format("ccc\0bbb\0aaa\0", 12, out, sizeof(out));
	assert_string_equal(out, "/aaa"); /* the rest does not fit */
	process_cwd_format("\0\0x", 3, out, sizeof(out));
	assert_string_equal(out, "/x");
}

/* An exec record with an interpreter, stdio, a peer and a cut table after argv. */
static unsigned char *exec_record_full(const char *args, size_t args_len,
				       const struct process_argv_cut *cuts, unsigned n_cuts,
				       size_t *ret_len)
{
	static const char exe[] = "/tmp/ls", interp[] = "/bin/sh", cwd[] = "tmp\0";
	size_t fixed = sizeof(exe) - 1 + sizeof(interp) - 1 + sizeof(cwd) - 1;
	size_t len = PROCESS_EXEC_RECORD_FIXED + fixed + args_len + n_cuts * sizeof(*cuts);
	struct process_exec_record *r = calloc(1, sizeof(*r));
	unsigned char *out = malloc(len);
	char *d;

	assert_non_null(r);
	assert_non_null(out);
	header_set(&r->h, PROCESS_RECORD_EXEC, (uint32_t)len);
	r->flags = PROCESS_EXEC_STDIO_KNOWN | PROCESS_EXEC_EXE_DELETED |
		   (n_cuts ? PROCESS_EXEC_ARGS_TRUNCATED : 0);
	r->exe_len = sizeof(exe) - 1;
	r->interp_len = sizeof(interp) - 1;
	r->cwd_len = sizeof(cwd) - 1;
	r->args_len = (uint32_t)args_len;
	r->n_cuts = (uint16_t)n_cuts;
	r->argc = 9;
	r->args_omitted = 2;
	r->stdio[0] = PROCESS_STDIO_SOCKET;
	r->stdio[1] = PROCESS_STDIO_SOCKET;
	r->stdio[2] = 200; /* unknown: read as other */
	r->stdio_family = AF_INET;
	r->stdio_port = 4444;
	memcpy(r->stdio_addr, "\x7f\0\0\x01", 4);
	d = r->data;
	memcpy(d, exe, sizeof(exe) - 1), d += sizeof(exe) - 1;
	memcpy(d, interp, sizeof(interp) - 1), d += sizeof(interp) - 1;
	memcpy(d, cwd, sizeof(cwd) - 1), d += sizeof(cwd) - 1;
	memcpy(d, args, args_len), d += args_len;
	memcpy(d, cuts, n_cuts * sizeof(*cuts));
	memcpy(out, r, len);
	free(r);
	*ret_len = len;
	return out;
}

static void test_exec_detection_fields(void **state)
{
	static const char args[] = "ncat\0AAAAZZ\0-e\0/bin/sh";
	struct process_argv_cut cuts[2] = { { 9, 1000 }, { 9, 5 } },
				bad[2] = { { 9, 1 }, { 5, 1 } };
	char cmd[PROCESS_CMDLINE_MAX + 1], addr[PROCESS_ADDR_STR_MAX];
	struct process_view v;
	unsigned char *rec;
	size_t len;

	(void)state;
	rec = exec_record_full(args, sizeof(args), cuts, 1, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(v.exec.interp_len, 7);
	assert_memory_equal(v.exec.interp, "/bin/sh", 7);
	assert_int_equal(v.exec.exe_len, 7);
	assert_string_equal(process_stdio_to_string(v.exec.stdio[0]), "socket");
	assert_string_equal(process_stdio_to_string(v.exec.stdio[2]), "other");
	assert_int_equal(v.exec.stdio_port, 4444);
	assert_int_equal(process_addr_format(v.exec.stdio_family, v.exec.stdio_addr, addr), 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_true(v.exec.flags & PROCESS_EXEC_EXE_DELETED);
	assert_int_equal(v.exec.n_cuts, 1);
	assert_int_equal(v.exec.args_omitted, 2);
	process_cmdline_format(&v.exec, cmd, sizeof(cmd));
	assert_string_equal(cmd, "ncat AAAA\xe2\x80\xa6[cut 1000 bytes]\xe2\x80\xa6ZZ -e /bin/sh "
				 "\xe2\x80\xa6[omitted 2 args]");
	/* a small output buffer: a marker is never cut in half */
	assert_int_equal(process_cmdline_format(&v.exec, cmd, 12), 9);
	free(rec);

	/* two cuts at one offset are fine (in order); out of order or past argv are not */
	rec = exec_record_full(args, sizeof(args), cuts, 2, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	free(rec);
	rec = exec_record_full(args, sizeof(args), bad, 2, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	bad[0].at = sizeof(args) + 1;
	rec = exec_record_full(args, sizeof(args), bad, 1, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	bad[0].at = 3, bad[0].cut = 0; /* a cut of nothing */
	rec = exec_record_full(args, sizeof(args), bad, 1, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	/* a cut count the record has no room for */
	rec = exec_record_full(args, sizeof(args), cuts, 1, &len);
	((struct process_exec_record *)rec)->n_cuts = PROCESS_ARGV_CUTS + 1;
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_valid),
		cmocka_unit_test(test_exec_bad),
		cmocka_unit_test(test_short_and_garbage),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_exec_detection_fields),
		cmocka_unit_test(test_formatters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
