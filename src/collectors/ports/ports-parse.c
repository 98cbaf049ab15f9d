/* SPDX-License-Identifier: MIT */
#include "ports-parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/alloc.h"
#include "common/num.h"
#include "common/token.h"

void ports_list_done(struct ports_list *l)
{
	es_free(l->v);
	memset(l, 0, sizeof(*l));
}

void ports_list_truncate(struct ports_list *l, size_t n)
{
	if (n < l->n)
		l->n = n;
}

static void list_add(struct ports_list *l, const struct ports_socket *s)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct ports_socket *v;

		if (l->cap >= PORTS_SOCKETS_MAX) {
			l->dropped++;
			return;
		}
		if (ncap > PORTS_SOCKETS_MAX)
			ncap = PORTS_SOCKETS_MAX;
		v = es_realloc(l->v, ncap * sizeof(*v));
		if (!v) {
			l->dropped++;
			return;
		}
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n++] = *s;
}

static int socket_cmp(const void *x, const void *y)
{
	const struct ports_socket *a = x, *b = y;
	int c;

	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c;
	return a->inode < b->inode ? -1 : a->inode > b->inode;
}

void ports_list_sort(struct ports_list *l)
{
	size_t o = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(l->v[0]), socket_cmp);
	for (size_t i = 0; i < l->n; i++)
		if (o == 0 || socket_cmp(&l->v[o - 1], &l->v[i]) != 0)
			l->v[o++] = l->v[i];
	l->n = o;
}

bool ports_state_is_listening(uint8_t protocol, uint8_t state)
{
	if (protocol == IPPROTO_TCP)
		return state == PORTS_TCP_LISTEN;
	if (protocol == IPPROTO_UDP)
		return state == PORTS_TCP_CLOSE;
	return false;
}

static void keep_if_listening(struct ports_list *l, const struct ports_socket *s)
{
	if (s->port != 0 && ports_state_is_listening(s->protocol, s->state))
		list_add(l, s);
}

/* ---- sock_diag ---- */

static void diag_message(const struct nlmsghdr *nlh, uint8_t protocol, struct ports_list *l)
{
	struct inet_diag_msg m;
	struct ports_socket s = { 0 };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(m))) {
		l->skipped++;
		return;
	}
	memcpy(&m, NLMSG_DATA(nlh), sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6) {
		l->skipped++;
		return;
	}
	s.family = m.idiag_family;
	s.protocol = protocol;
	s.state = m.idiag_state;
	s.port = ntohs(m.id.idiag_sport);
	s.uid = m.idiag_uid;
	s.inode = m.idiag_inode;
	memcpy(s.addr, m.id.idiag_src, s.family == AF_INET ? 4 : 16);
	keep_if_listening(l, &s);
}

/* The errno carried by an NLMSG_ERROR or NLMSG_DONE payload (0 if none or not negative). */
static int message_errno(const struct nlmsghdr *nlh)
{
	int e;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(e)))
		return nlh->nlmsg_type == NLMSG_ERROR ? -EBADMSG : 0;
	memcpy(&e, NLMSG_DATA(nlh), sizeof(e));
	if (e >= 0)
		return 0;
	return e >= -4095 ? e : -EPROTO;
}

/* NLMSG_OK compares the int length with sizeof: clang -Wsign-compare (gcc does not warn). */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wsign-compare"
#endif

int ports_diag_parse(const void *buf, size_t len, uint8_t protocol, struct ports_list *l)
{
	const struct nlmsghdr *nlh = buf;
	/* int, not size_t: NLMSG_NEXT can step past an unpadded last message (rem < 0). */
	int rem = len > INT_MAX ? INT_MAX : (int)len, e;

	if ((uintptr_t)buf % NLMSG_ALIGNTO)
		return -EINVAL;
	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			e = message_errno(nlh);
			return e < 0 ? e : 1;
		case NLMSG_ERROR:
			e = message_errno(nlh);
			if (e < 0)
				return e;
			break; /* an acknowledgement */
		case SOCK_DIAG_BY_FAMILY:
			diag_message(nlh, protocol, l);
			break;
		default:
			break; /* NLMSG_NOOP and anything new */
		}
	}
	if (rem > 0)
		l->skipped++; /* a truncated message at the end */
	return 0;
}

/* ---- /proc/net ---- */

/* Exactly len hex digits into *ret (len <= 8). */
static bool parse_hex(const char *p, size_t len, uint32_t *ret)
{
	if (len > 8)
		return false;
	return num_parse_u32(p, len, 16, ret) == 0;
}

static bool parse_dec(const struct token *t, uint64_t max, uint64_t *ret)
{
	if (t->len > 20)
		return false;
	return num_parse_u64(t->p, t->len, 10, max, ret) == 0;
}

/*
 * "0100007F:1F90" or "00000000000000000000000001000000:1F90".  The kernel prints each 32-bit
 * word of the address as the hex of its value in host byte order (%08X of s6_addr32[i]), so a
 * word is copied back with memcpy and comes out in network order on any host.
 */
static bool parse_endpoint(const struct token *t, int family, uint8_t addr[16], uint16_t *port)
{
	size_t words = family == AF_INET ? 1 : 4;
	uint32_t w, p;

	if (t->len != words * 8 + 5 || t->p[words * 8] != ':')
		return false;
	for (size_t i = 0; i < words; i++) {
		if (!parse_hex(t->p + i * 8, 8, &w))
			return false;
		memcpy(addr + i * 4, &w, 4);
	}
	if (!parse_hex(t->p + words * 8 + 1, 4, &p))
		return false;
	*port = (uint16_t)p;
	return true;
}

int ports_proc_parse_line(const char *line, size_t len, int family, uint8_t protocol,
			  struct ports_socket *ret)
{
	const char *p = line, *end = line + len;
	struct ports_socket s = { 0 };
	struct token t[10];
	uint32_t st;
	uint64_t v;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (!token_next(&p, end, &t[i]))
			return -EINVAL;
	/* sl: local remote st tx:rx tr:when retrnsmt uid timeout inode ... */
	if (t[0].len < 2 || t[0].p[t[0].len - 1] != ':')
		return -EINVAL;
	if (!parse_endpoint(&t[1], family, s.addr, &s.port))
		return -EINVAL;
	if (t[3].len != 2 || !parse_hex(t[3].p, 2, &st))
		return -EINVAL;
	if (!parse_dec(&t[7], UINT32_MAX, &v))
		return -EINVAL;
	s.uid = (uint32_t)v;
	if (!parse_dec(&t[9], UINT64_MAX, &s.inode))
		return -EINVAL;
	s.family = (uint8_t)family;
	s.protocol = protocol;
	s.state = (uint8_t)st;
	*ret = s;
	return 0;
}

void ports_proc_parse(const char *buf, size_t len, int family, uint8_t protocol,
		      struct ports_list *l)
{
	size_t pos = 0;
	bool header = true;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		struct ports_socket s;

		if (header) {
			header = false;
		} else if (end > pos) {
			if (ports_proc_parse_line(buf + pos, end - pos, family, protocol, &s) < 0)
				l->skipped++;
			else
				keep_if_listening(l, &s);
		}
		pos = end + 1;
	}
}

int ports_format_address(const struct ports_socket *s, char out[PORTS_ADDR_STR_MAX])
{
	if (s->family != AF_INET && s->family != AF_INET6)
		return -EINVAL;
	if (!inet_ntop(s->family, s->addr, out, PORTS_ADDR_STR_MAX))
		return -errno;
	return 0;
}
