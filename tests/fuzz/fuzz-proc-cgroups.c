/* SPDX-License-Identifier: MIT */
/* /proc/cgroups -> the cgroup hierarchy the eBPF exec program reads (exec-path.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/process/process-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the text. */
	char *copy = malloc(size ? size : 1);
	enum process_cgroup_source src;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	src = process_cgroup_source_parse(copy, size);
	if (src <= PROCESS_CGROUP_SOURCE_NONE || src >= PROCESS_CGROUP_SOURCE_MAX)
		abort();
	free(copy);
	return 0;
}
