/* SPDX-License-Identifier: MIT */
/* Bounded string copies; see str.h. */
#include "str.h"

#include <string.h>

bool str_copy_n(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = src ? strnlen(src, len) : 0;
	bool cut = n >= size;

	if (size == 0)
		return n > 0;
	if (cut)
		n = size - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return cut;
}

bool str_copy(char *dst, size_t size, const char *src)
{
	if (size == 0)
		return src && src[0];
	/* Only size bytes of src are ever looked at: enough to tell whether it fits. */
	return str_copy_n(dst, size, src, size);
}
