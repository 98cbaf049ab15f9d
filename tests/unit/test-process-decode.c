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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_valid),	  cmocka_unit_test(test_exec_bad),
		cmocka_unit_test(test_short_and_garbage), cmocka_unit_test(test_exit),
		cmocka_unit_test(test_connect),		  cmocka_unit_test(test_formatters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
