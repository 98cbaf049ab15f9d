/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the strict base64 decoder (SAS keys from connection strings, workload API digests):
 * any bytes either fail cleanly or decode to bytes that encode back to exactly the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out;
	char *again;
	long n;

	if (size > 64 * 1024)
		return 0;
	out = malloc(size / 4 * 3 + 1);
	again = malloc(size + 1);
	if (!out || !again)
		abort();
	n = base64_decode((const char *)data, size, out, size / 4 * 3);
	if (n >= 0) {
		if (base64_encode(out, (size_t)n, again) != size || memcmp(again, data, size) != 0)
			abort();
	}
	/* A buffer one byte short must fail, never overflow. */
	if (n > 0 && base64_decode((const char *)data, size, out, (size_t)n - 1) != -ENOBUFS)
		abort();
	free(out);
	free(again);
	return 0;
}
