/* SPDX-License-Identifier: MIT */
/* os-release(5) parser: any bytes; every field must come out NUL-terminated and in bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "collectors/sysinfo/os-release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct os_release r;
	char small[5];
	size_t len;

	os_release_parse((const char *)data, size, &r);
	if (strlen(r.name) >= sizeof(r.name) || strlen(r.pretty_name) >= sizeof(r.pretty_name) ||
	    strlen(r.id) >= sizeof(r.id) || strlen(r.version_id) >= sizeof(r.version_id) ||
	    strlen(r.version) >= sizeof(r.version))
		__builtin_trap();
	if (os_release_unquote((const char *)data, size, small, sizeof(small), &len) != -22 &&
	    (len >= sizeof(small) || strlen(small) != len))
		__builtin_trap();
	return 0;
}
