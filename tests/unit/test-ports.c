/* SPDX-License-Identifier: MIT */
/*
 * The ports collector's parsers — sock_diag replies (lengths, errors, truncation, state
 * filter) and /proc/net lines (IPv4/IPv6 hex, malformed input) — and the collector itself on
 * sockets this test opens: listeners are reported with our pid, connected sockets are not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/ports/ports-parse.h"
#include "common/array.h"

/* ---- building netlink replies ---- */

struct nlbuf {
	uint32_t words[4096]; /* aligned */
	size_t len;
};

static struct nlmsghdr *nl_put(struct nlbuf *b, uint16_t type, const void *payload, size_t plen)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)b->words + b->len);

	memset(h, 0, NLMSG_SPACE(plen));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(plen);
	h->nlmsg_type = type;
	if (plen)
		memcpy(NLMSG_DATA(h), payload, plen);
	b->len += NLMSG_SPACE(plen);
	return h;
}

static void nl_put_sock(struct nlbuf *b, int family, const char *addr, uint16_t port, uint8_t state,
			uint32_t inode)
{
	struct inet_diag_msg m = { 0 };

	m.idiag_family = (uint8_t)family;
	m.idiag_state = state;
	m.id.idiag_sport = htons(port);
	m.idiag_uid = 1000;
	m.idiag_inode = inode;
	if (addr)
		assert_int_equal(inet_pton(family, addr, m.id.idiag_src), 1);
	nl_put(b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
}

static void nl_put_int(struct nlbuf *b, uint16_t type, int v)
{
	nl_put(b, type, &v, sizeof(v));
}

static const char *addr_of(const struct ports_socket *s)
{
	static char out[PORTS_ADDR_STR_MAX];

	assert_int_equal(ports_format_address(s, out), 0);
	return out;
}

static void test_diag_basic(void **state)
{
	static struct nlbuf b;
	struct ports_list l = { 0 };

	(void)state;
	b.len = 0;
	nl_put_sock(&b, AF_INET, "127.0.0.1", 8080, PORTS_TCP_LISTEN, 111);
	nl_put_sock(&b, AF_INET6, "::1", 443, PORTS_TCP_LISTEN, 222);
	nl_put_sock(&b, AF_INET, "10.0.0.1", 22, PORTS_TCP_ESTABLISHED, 333); /* not listening */
	nl_put_sock(&b, AF_INET, "0.0.0.0", 0, PORTS_TCP_LISTEN, 444);	      /* no port */
	nl_put_int(&b, NLMSG_DONE, 0);
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 1);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.skipped, 0);
	assert_string_equal(addr_of(&l.v[0]), "127.0.0.1");
	assert_int_equal(l.v[0].port, 8080);
	assert_int_equal(l.v[0].inode, 111);
	assert_int_equal(l.v[0].uid, 1000);
	assert_int_equal(l.v[0].protocol, IPPROTO_TCP);
	assert_string_equal(addr_of(&l.v[1]), "::1");
	assert_int_equal(l.v[1].family, AF_INET6);
	ports_list_done(&l);
}

static void test_diag_udp_states(void **state)
{
	static struct nlbuf b;
	struct ports_list l = { 0 };

	(void)state;
	b.len = 0;
	nl_put_sock(&b, AF_INET, "127.0.0.1", 53, PORTS_TCP_CLOSE, 1);
	nl_put_sock(&b, AF_INET6, "::ffff:127.0.0.1", 5353, PORTS_TCP_CLOSE, 2);
	nl_put_sock(&b, AF_INET, "127.0.0.1", 40000, PORTS_TCP_ESTABLISHED, 3); /* connected */
	nl_put_sock(&b, AF_INET, "127.0.0.1", 9, PORTS_TCP_LISTEN, 4); /* not a UDP state */
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_UDP, &l), 0); /* more follows */
	assert_int_equal(l.n, 2);
	assert_string_equal(addr_of(&l.v[1]), "::ffff:127.0.0.1");
	assert_int_equal(l.v[1].port, 5353);
	ports_list_done(&l);
}

static void test_diag_errors(void **state)
{
	static struct nlbuf b;
	struct ports_list l = { 0 };
	struct nlmsghdr *h;

	(void)state;
	b.len = 0;
	nl_put_int(&b, NLMSG_ERROR, -ENOENT);
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), -ENOENT);

	b.len = 0;
	nl_put_int(&b, NLMSG_ERROR, 0); /* an ACK */
	nl_put_sock(&b, AF_INET, "127.0.0.1", 1, PORTS_TCP_LISTEN, 1);
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 0);
	assert_int_equal(l.n, 1);

	b.len = 0;
	nl_put(&b, NLMSG_ERROR, NULL, 0); /* no error code */
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), -EBADMSG);

	b.len = 0;
	nl_put_int(&b, NLMSG_ERROR, -100000); /* not an errno */
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), -EPROTO);

	b.len = 0;
	nl_put_int(&b, NLMSG_DONE, -EPERM); /* a dump that failed */
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), -EPERM);

	b.len = 0;
	h = nl_put(&b, NLMSG_DONE, NULL, 0); /* DONE without payload */
	(void)h;
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 1);
	ports_list_done(&l);
}

static void test_diag_truncated(void **state)
{
	static struct nlbuf b;
	struct ports_list l = { 0 };
	struct nlmsghdr *h;
	struct inet_diag_msg m = { .idiag_family = AF_INET };
	size_t full;

	(void)state;
	/* A message cut short by the buffer: not parsed, counted. */
	b.len = 0;
	nl_put_sock(&b, AF_INET, "127.0.0.1", 80, PORTS_TCP_LISTEN, 1);
	full = b.len;
	for (size_t cut = 0; cut < full; cut++) {
		l.skipped = 0;
		assert_int_equal(ports_diag_parse(b.words, cut, IPPROTO_TCP, &l), 0);
		assert_int_equal(l.n, 0);
		assert_int_equal(l.skipped, cut ? 1 : 0);
	}

	/* A message whose nlmsg_len is too small for an inet_diag_msg. */
	b.len = 0;
	h = nl_put(&b, SOCK_DIAG_BY_FAMILY, &m, sizeof(m));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(m) - 1);
	l.skipped = 0;
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.skipped, 1);

	/* nlmsg_len 0 or larger than the datagram: stop, no loop, no overread. */
	h->nlmsg_len = 0;
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 0);
	h->nlmsg_len = 0xffffffffu;
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 0);
	assert_int_equal(l.n, 0);

	/* An unknown family. */
	b.len = 0;
	nl_put_sock(&b, AF_UNIX, NULL, 80, PORTS_TCP_LISTEN, 1);
	l.skipped = 0;
	assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 0);
	assert_int_equal(l.skipped, 1);

	/* Misaligned buffer. */
	assert_int_equal(ports_diag_parse((char *)b.words + 1, 16, IPPROTO_TCP, &l), -EINVAL);
	ports_list_done(&l);
}

static void test_list_bound_and_sort(void **state)
{
	static struct nlbuf b;
	struct ports_list l = { 0 };
	size_t before;

	(void)state;
	b.len = 0;
	for (int i = 0; i < 150; i++) /* 150 * 88 bytes fit in the buffer */
		nl_put_sock(&b, AF_INET, "127.0.0.1", (uint16_t)(1000 + i), PORTS_TCP_LISTEN,
			    (uint32_t)i);
	assert_true(b.len <= sizeof(b.words));
	for (int i = 0; i < 500; i++)
		assert_int_equal(ports_diag_parse(b.words, b.len, IPPROTO_TCP, &l), 0);
	assert_int_equal(l.n, PORTS_SOCKETS_MAX);
	assert_int_equal(l.dropped, 500 * 150 - PORTS_SOCKETS_MAX);
	ports_list_sort(&l); /* the repeats are exact duplicates */
	assert_int_equal(l.n, 150);
	assert_int_equal(l.v[0].port, 1000);
	assert_int_equal(l.v[149].port, 1149);
	before = l.n;
	ports_list_truncate(&l, 10);
	assert_int_equal(l.n, 10);
	ports_list_truncate(&l, before);
	assert_int_equal(l.n, 10);
	ports_list_done(&l);
}

/* ---- /proc/net ---- */

/* What the kernel prints for an address: each 32-bit word's host-order value as %08X. */
static void kernel_hex(int family, const char *addr, char *out)
{
	uint8_t a[16];
	size_t words = family == AF_INET ? 1 : 4;

	assert_int_equal(inet_pton(family, addr, a), 1);
	for (size_t i = 0; i < words; i++) {
		uint32_t w;

		memcpy(&w, a + 4 * i, 4);
		snprintf(out + 8 * i, 9, "%08X", w);
	}
}

static void test_proc_line_v4(void **state)
{
	static const char line[] = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 "
				   "00:00000000 00000000  1000        0 12345 1 0000000000000000 "
				   "100 0 0 10 0";
	struct ports_socket s;
	char hex[40];

	(void)state;
	kernel_hex(AF_INET, "127.0.0.1", hex);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	assert_string_equal(hex, "0100007F");
#endif
	assert_int_equal(ports_proc_parse_line(line, strlen(line), AF_INET, IPPROTO_TCP, &s), 0);
	assert_string_equal(addr_of(&s), "127.0.0.1");
	assert_int_equal(s.port, 8080);
	assert_int_equal(s.state, PORTS_TCP_LISTEN);
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.inode, 12345);
}

static void check_v6(const char *addr, const char *want_le)
{
	char line[256], hex[40];
	struct ports_socket s;

	kernel_hex(AF_INET6, addr, hex);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	assert_string_equal(hex, want_le);
#else
	(void)want_le;
#endif
	snprintf(line, sizeof(line),
		 "  12: %s:0035 00000000000000000000000000000000:0000 07 00000000:00000000 "
		 "00:00000000 00000000   101        0 987654321 2 0000000000000000 0",
		 hex);
	assert_int_equal(ports_proc_parse_line(line, strlen(line), AF_INET6, IPPROTO_UDP, &s), 0);
	assert_string_equal(addr_of(&s), addr);
	assert_int_equal(s.port, 53);
	assert_int_equal(s.state, PORTS_TCP_CLOSE);
	assert_int_equal(s.uid, 101);
	assert_int_equal(s.inode, 987654321);
	assert_int_equal(s.family, AF_INET6);
}

static void test_proc_line_v6(void **state)
{
	(void)state;
	check_v6("::1", "00000000000000000000000001000000");
	check_v6("::ffff:127.0.0.1", "0000000000000000FFFF00000100007F");
	check_v6("::", "00000000000000000000000000000000");
	check_v6("2001:db8::8a2e:370:7334", "B80D0120000000002E8A000034737003");
	check_v6("fe80::1", "000080FE000000000000000001000000"); /* never a %scope */
}

static void test_proc_line_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt uid "
		"timeout inode",
		"   0: 0100007F:1F90 00000000:0000 0A",				      /* short */
		"   0 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 1",		      /* no ':' */
		"   0: 0100007G:1F90 00000000:0000 0A 0:0 0:0 0 0 0 1",		      /* hex */
		"   0: 0100007F1F90 00000000:0000 0A 0:0 0:0 0 0 0 1",		      /* no ':' */
		"   0: 0100007F:1F9 00000000:0000 0A 0:0 0:0 0 0 0 1",		      /* port */
		"   0: 00000000000000000000000001000000:0035 0:0 0A 0:0 0:0 0 0 0 1", /* v6 */
		"   0: 0100007F:1F90 00000000:0000 A 0:0 0:0 0 0 0 1",		      /* st */
		"   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 x 0 1",		      /* uid */
		"   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 4294967296 0 1",      /* uid */
		"   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 -1",	      /* inode */
		/* inode beyond 64 bits */
		"   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 99999999999999999999999",
	};
	struct ports_socket s = { .inode = 77 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ports_proc_parse_line(bad[i], strlen(bad[i]), AF_INET, IPPROTO_TCP, &s) == 0)
			fail_msg("accepted bad line %zu: %s", i, bad[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(
			ports_proc_parse_line(bad[i], strlen(bad[i]), AF_INET, IPPROTO_TCP, &s),
			-EINVAL);
	assert_int_equal(s.inode, 77); /* untouched */
	/* The IPv6-sized address is fine in a tcp6 line. */
	assert_int_equal(ports_proc_parse_line(bad[7], strlen(bad[7]), AF_INET6, IPPROTO_TCP, &s),
			 0);
	assert_int_equal(ports_proc_parse_line("x", 1, AF_UNIX, IPPROTO_TCP, &s), -EINVAL);
}

static void test_proc_file(void **state)
{
	static const char file[] = "  sl  local_address rem_address   st tx_queue rx_queue tr "
				   "tm->when retrnsmt   uid  "
				   "timeout inode\n"
				   "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 "
				   "00:00000000 00000000 0 0 10 "
				   "1\n"
				   "   1: 0100007F:A000 0100007F:1F90 01 00000000:00000000 "
				   "00:00000000 00000000 0 0 11 "
				   "1\n"
				   "garbage\n"
				   "\n"
				   "   2: 00000000:0016 00000000:0000 0A 00000000:00000000 "
				   "00:00000000 00000000 0 0 12 "
				   "1"; /* no final newline */
	struct ports_list l = { 0 };

	(void)state;
	ports_proc_parse(file, sizeof(file) - 1, AF_INET, IPPROTO_TCP, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.skipped, 1);
	assert_int_equal(l.v[0].inode, 10);
	assert_int_equal(l.v[1].port, 22);
	ports_list_done(&l);
}

static void test_format_address(void **state)
{
	struct ports_socket s = { .family = AF_INET6 };
	char out[PORTS_ADDR_STR_MAX];

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:0db8:0000:0000:0000:0000:0000:0001", s.addr), 1);
	assert_string_equal(addr_of(&s), "2001:db8::1");
	s.family = AF_UNIX;
	assert_int_equal(ports_format_address(&s, out), -EINVAL);
}

/* ---- the collector on our own sockets ---- */

struct sink {
	struct event_sink base;
	struct event *e;
};

static void sink_submit(struct event_sink *base, struct event *e)
{
	struct sink *s = (struct sink *)base;

	if (s->e)
		event_free(s->e);
	s->e = e;
}

struct item {
	char addr[64], port[16], proto[8], family[8], pid[16], exe[4096];
};

static int find_item(const struct event *e, const char *addr, const char *port, const char *proto,
		     struct item *ret)
{
	struct event_cursor cur;
	struct event_value v;
	struct item it;
	int have = 0;

	memset(&it, 0, sizeof(it));
	event_cursor_init(&cur, e);
	for (;;) {
		int more = event_cursor_next(&cur, &v);

		if (!more || v.kind == EVENT_VALUE_ITEM) {
			if (have && !strcmp(it.addr, addr) && !strcmp(it.port, port) &&
			    !strcmp(it.proto, proto)) {
				*ret = it;
				return 1;
			}
			if (!more)
				return 0;
			memset(&it, 0, sizeof(it));
			have = 1;
			continue;
		}
#define COPY(dst) snprintf(dst, sizeof(dst), "%.*s", (int)v.len, v.s)
		if (v.kind == EVENT_VALUE_FIELD && v.field == LP_LOCAL_ADDRESS)
			COPY(it.addr);
		else if (v.kind == EVENT_VALUE_FIELD && v.field == LP_LOCAL_PORT)
			COPY(it.port);
		else if (v.kind == EVENT_VALUE_FIELD && v.field == LP_PROTOCOL)
			COPY(it.proto);
		else if (v.kind == EVENT_VALUE_FIELD)
			fail_msg("unexpected field %u", v.field);
		else if (v.key_len == 6 && !memcmp(v.key, "Family", 6))
			COPY(it.family);
		else if (v.key_len == 3 && !memcmp(v.key, "Pid", 3))
			COPY(it.pid);
		else if (v.key_len == 10 && !memcmp(v.key, "Executable", 10))
			COPY(it.exe);
#undef COPY
	}
}

static int bound_socket(int family, int type, const char *addr, char *ret_port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &a->sin_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		sl = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	snprintf(ret_port, 16, "%u",
		 ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					 : ((struct sockaddr_in6 *)&ss)->sin6_port));
	return fd;
}

static void test_collector_own_sockets(void **state)
{
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = "/" };
	char tcp4[16], tcp6[16] = "", udp4[16], conn[16], pid[16], exe[4096];
	int t4, t6, u4, cu;
	struct collector *c;
	struct item it;
	ssize_t n;

	(void)state;
	t4 = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", tcp4);
	t6 = bound_socket(AF_INET6, SOCK_STREAM, "::1", tcp6); /* -1 without IPv6 */
	u4 = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", udp4);
	cu = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", conn);
	{
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };

		inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
		assert_int_equal(connect(cu, (struct sockaddr *)&to, sizeof(to)), 0);
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';

	assert_int_equal(collector_new(&ports_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	assert_int_equal(collector_snapshot(c, 1), 0);
	assert_non_null(sink.e);
	assert_int_equal(event_get_type(sink.e), EVENT_LISTENING_PORTS);

	assert_true(find_item(sink.e, "127.0.0.1", tcp4, "tcp", &it));
	assert_string_equal(it.family, "IPv4");
	assert_string_equal(it.pid, pid);
	assert_string_equal(it.exe, exe);
	assert_true(find_item(sink.e, "127.0.0.1", udp4, "udp", &it));
	assert_string_equal(it.pid, pid);
	if (t6 >= 0) {
		assert_true(find_item(sink.e, "::1", tcp6, "tcp", &it));
		assert_string_equal(it.family, "IPv6");
		assert_string_equal(it.pid, pid);
	}
	/* A connected UDP socket is not listening. */
	assert_false(find_item(sink.e, "127.0.0.1", conn, "udp", &it));
	/* sock_diag works here: the collector is not degraded. */
	assert_int_equal(c->state, COLLECTOR_STATE_RUNNING);

	close(t4);
	if (t6 >= 0)
		close(t6);
	close(u4);
	close(cu);
	event_free(sink.e);
	collector_free(c);
}

/*
 * The /proc/net fallback on the real kernel: in a child whose seccomp filter refuses
 * AF_NETLINK sockets, the collector must still find our listener (with its pid) and report
 * itself DEGRADED with the reason.  The child exits with the number of the failed check.
 */
static int fallback_child(void)
{
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = "/" };
	char port[16], pid[16];
	struct collector *c;
	struct item it;
	int fd;
#ifdef __NR_socket
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0]) +
				 (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(filter), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return 77;
#else
	return 77;
#endif
	if (socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG) >= 0)
		return 2;
	fd = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (collector_new(&ports_collector_ops, &p, &c) < 0 || collector_start(c) < 0)
		return 3;
	if (collector_snapshot(c, 1) < 0 || !sink.e)
		return 4;
	if (!find_item(sink.e, "127.0.0.1", port, "tcp", &it))
		return 5;
	if (strcmp(it.pid, pid) != 0)
		return 6;
	if (c->state != COLLECTOR_STATE_DEGRADED || !strstr(c->last_error, "sock_diag") ||
	    !strstr(c->last_error, "/proc/net"))
		return 7;
	close(fd);
	event_free(sink.e);
	collector_free(c);
	return 0;
}

static void test_collector_proc_fallback(void **state)
{
	int status;
	pid_t child;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(fallback_child());
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	if (WEXITSTATUS(status) != 0)
		fail_msg("fallback check %d failed", WEXITSTATUS(status));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_basic),
		cmocka_unit_test(test_diag_udp_states),
		cmocka_unit_test(test_diag_errors),
		cmocka_unit_test(test_diag_truncated),
		cmocka_unit_test(test_list_bound_and_sort),
		cmocka_unit_test(test_proc_line_v4),
		cmocka_unit_test(test_proc_line_v6),
		cmocka_unit_test(test_proc_line_malformed),
		cmocka_unit_test(test_proc_file),
		cmocka_unit_test(test_format_address),
		cmocka_unit_test(test_collector_own_sockets),
		cmocka_unit_test(test_collector_proc_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
