/* SPDX-License-Identifier: MIT */
/*
 * The legacy x_tables parser (fw-xtables-parse.c): any blob either fails cleanly or yields
 * items whose strings are NUL-terminated within their bounds and whose enums are in range.
 * Input: byte 0 bit 0 = family (0 AF_INET, 1 AF_INET6); valid_hooks (u32), hook_entry[5]
 * and underflow[5] (u32 each, host order); then the entries blob (unaligned on purpose).
 * The seeds in corpus/xtables/ are tables captured from the kernel (iptables-legacy rules).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sys/socket.h>

#include "collectors/firewall/fw-xtables-parse.h"

#define HEADER_SIZE (1 + 4 + 2 * 4 * FW_XT_HOOKS)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_item(const struct fw_item *it, void *userdata)
{
	unsigned *n = userdata;

	if (strnlen(it->family, FW_NAME_MAX) >= FW_NAME_MAX ||
	    strnlen(it->table, FW_NAME_MAX) >= FW_NAME_MAX ||
	    strnlen(it->chain, FW_NAME_MAX) >= FW_NAME_MAX ||
	    strnlen(it->hook, FW_NAME_MAX) >= FW_NAME_MAX ||
	    strnlen(it->protocol, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->saddr, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->daddr, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->sport, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->dport, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->verdict, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->unmapped, FW_UNMAPPED_MAX) >= FW_UNMAPPED_MAX || !it->backend ||
	    it->action >= _FW_ACTION_MAX || it->direction >= _FW_DIRECTION_MAX)
		__builtin_trap();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_parse_stats st;
	struct fw_xt_table t;
	unsigned n = 0;

	if (size < HEADER_SIZE)
		return 0;
	memset(&t, 0, sizeof(t));
	t.family = data[0] & 1 ? AF_INET6 : AF_INET;
	t.name = "filter";
	memcpy(&t.valid_hooks, data + 1, 4);
	memcpy(t.hook_entry, data + 5, sizeof(t.hook_entry));
	memcpy(t.underflow, data + 5 + sizeof(t.hook_entry), sizeof(t.underflow));
	t.entries = data + HEADER_SIZE;
	t.size = size - HEADER_SIZE;
	if (fw_xt_parse(&t, check_item, &n, &st) == 0 && (n != st.items || n > FW_ITEMS_MAX))
		__builtin_trap();
	return 0;
}
