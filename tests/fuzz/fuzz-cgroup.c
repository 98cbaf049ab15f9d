/* SPDX-License-Identifier: MIT */
/* cgroup parser: the input is the text of /proc/<pid>/cgroup. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "enrich/cgroup-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_container ct;

	if (cgroup_container_parse((const char *)data, size, &ct) != 0)
		return 0;
	/* A match is exactly 64 lowercase hex characters that occur in the input. */
	if (strlen(ct.id) != CGROUP_CONTAINER_ID_LEN || !cgroup_runtime_to_string(ct.runtime))
		__builtin_trap();
	for (size_t i = 0; i < CGROUP_CONTAINER_ID_LEN; i++)
		if (!((ct.id[i] >= '0' && ct.id[i] <= '9') || (ct.id[i] >= 'a' && ct.id[i] <= 'f')))
			__builtin_trap();
	if (!memmem(data, size, ct.id, CGROUP_CONTAINER_ID_LEN))
		__builtin_trap();
	return 0;
}
