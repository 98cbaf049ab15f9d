/* SPDX-License-Identifier: MIT */
/*
 * sock_diag reply parser.  The input is one datagram as recv() would return it (copied to an
 * aligned buffer, as the collector's is); parsed as a TCP and as a UDP reply, then sorted and
 * formatted.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/ports/ports-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t *buf = malloc(size ? size : 1);
	struct ports_list l = { 0 };
	char addr[PORTS_ADDR_STR_MAX];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ports_diag_parse(buf, size, IPPROTO_TCP, &l);
	ports_diag_parse(buf, size, IPPROTO_UDP, &l);
	ports_list_sort(&l);
	for (size_t i = 0; i < l.n; i++) {
		if (ports_format_address(&l.v[i], addr) < 0 ||
		    !ports_state_is_listening(l.v[i].protocol, l.v[i].state) || !l.v[i].port)
			__builtin_trap();
	}
	ports_list_done(&l);
	free(buf);
	return 0;
}
