/* SPDX-License-Identifier: MIT */
/*
 * The nftables JSON parser (fw-nft-parse.c): any input either fails cleanly or yields items
 * whose strings are NUL-terminated within their bounds and whose enums are in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "collectors/firewall/fw-nft-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_item(const struct fw_item *it, void *userdata)
{
	unsigned *n = userdata;

	if (strnlen(it->family, FW_NAME_MAX) >= FW_NAME_MAX ||
	    strnlen(it->chain, FW_NAME_MAX) >= FW_NAME_MAX ||
	    strnlen(it->protocol, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->saddr, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->dport, FW_VALUE_MAX) >= FW_VALUE_MAX ||
	    strnlen(it->unmapped, FW_UNMAPPED_MAX) >= FW_UNMAPPED_MAX ||
	    it->action >= _FW_ACTION_MAX || it->direction >= _FW_DIRECTION_MAX)
		__builtin_trap();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_parse_stats st;
	unsigned n = 0;

	if (fw_nft_parse((const char *)data, size, check_item, &n, &st) == 0 &&
	    (n != st.items || n > FW_ITEMS_MAX))
		__builtin_trap();
	return 0;
}
