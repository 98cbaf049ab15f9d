/* SPDX-License-Identifier: MIT */
/* mountinfo parser: the first line is the mount point to look up, the rest the file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "collectors/sysinfo/mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	char mp[256] = "/", out[64];
	size_t n = nl ? (size_t)(nl - (const char *)data) : 0;

	if (nl && n < sizeof(mp)) {
		memcpy(mp, data, n);
		mp[n] = '\0';
	}
	if (mountinfo_find_source((const char *)data, size, mp, out, sizeof(out), NULL) == 0 &&
	    strlen(out) >= sizeof(out))
		__builtin_trap();
	return 0;
}
