/* SPDX-License-Identifier: MIT */
/*
 * /proc/net/{tcp,tcp6,udp,udp6} parser.  The first byte picks the file (family x protocol),
 * the rest is its content (header line first).
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "collectors/ports/ports-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ports_list l = { 0 };
	char addr[PORTS_ADDR_STR_MAX];
	int family;
	uint8_t proto;

	if (size < 1)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	proto = data[0] & 2 ? IPPROTO_UDP : IPPROTO_TCP;
	ports_proc_parse((const char *)data + 1, size - 1, family, proto, &l);
	for (size_t i = 0; i < l.n; i++)
		if (ports_format_address(&l.v[i], addr) < 0 || l.v[i].family != family)
			__builtin_trap();
	ports_list_sort(&l);
	ports_list_done(&l);
	return 0;
}
