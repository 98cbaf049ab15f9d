/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Parsers for the ports collector, pure functions over buffers (no I/O), shared with the unit
 * test and the fuzzers:
 *   - NETLINK_SOCK_DIAG replies (struct inet_diag_msg in SOCK_DIAG_BY_FAMILY messages);
 *   - /proc/net/{tcp,tcp6,udp,udp6} lines, the fallback when sock_diag is unavailable.
 * Both keep only "listening" sockets: TCP in LISTEN, UDP bound to a port and not connected
 * (state TCP_CLOSE).  Records that fail a length or syntax check are skipped and counted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTS_SOCKETS_MAX 65535 /* one event carries at most 65535 items */
#define PORTS_ADDR_STR_MAX 46	/* INET6_ADDRSTRLEN */

/* Kernel socket states (include/net/tcp_states.h). */
#define PORTS_TCP_ESTABLISHED 1
#define PORTS_TCP_CLOSE 7
#define PORTS_TCP_LISTEN 10

struct ports_socket {
	uint64_t inode;
	uint32_t uid;
	uint16_t port;	  /* host byte order */
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state;
	uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
};

struct ports_list {
	struct ports_socket *v;
	size_t n, cap;
	uint64_t skipped; /* malformed records */
	uint64_t dropped; /* records beyond PORTS_SOCKETS_MAX (or without memory) */
};

void ports_list_done(struct ports_list *l);
/* Keeps the first n entries (drops what a failed dump had appended). */
void ports_list_truncate(struct ports_list *l, size_t n);
/* Sorts by protocol, family, port, address and removes exact duplicates. */
void ports_list_sort(struct ports_list *l);

/* True if a socket of this protocol in this state is listening (see above). */
bool ports_state_is_listening(uint8_t protocol, uint8_t state);

/*
 * Parses one datagram received from a sock_diag dump for protocol and appends the listening
 * sockets to l.  buf must be 4-byte aligned (NLMSG_ALIGNTO).  Returns 1 when NLMSG_DONE was
 * seen, 0 when more datagrams follow, the (negative) errno of an NLMSG_ERROR, or -EINVAL for
 * a misaligned buffer.
 */
int ports_diag_parse(const void *buf, size_t len, uint8_t protocol, struct ports_list *l);

/*
 * Parses one /proc/net line (without the newline) of the file for family/protocol.
 * 0 with *ret filled (whatever its state), -EINVAL if the line is malformed.
 */
int ports_proc_parse_line(const char *line, size_t len, int family, uint8_t protocol,
			  struct ports_socket *ret);

/* Parses a whole /proc/net file (header line first) and appends the listening sockets. */
void ports_proc_parse(const char *buf, size_t len, int family, uint8_t protocol,
		      struct ports_list *l);

/* The local address as inet_ntop writes it (IPv6 compressed, no scope). 0 or -EINVAL. */
int ports_format_address(const struct ports_socket *s, char out[PORTS_ADDR_STR_MAX]);
