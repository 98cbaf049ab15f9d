/* SPDX-License-Identifier: MIT */
#include "journal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "num.h"

bool journal_stream_is(int fd)
{
	const char *v = getenv("JOURNAL_STREAM"), *colon;
	uint64_t dev, ino;
	struct stat st;

	if (fd < 0 || !v || !(colon = strchr(v, ':')))
		return false;
	if (num_parse_u64(v, (size_t)(colon - v), 10, UINT64_MAX, &dev) < 0 ||
	    num_parse_u64(colon + 1, strlen(colon + 1), 10, UINT64_MAX, &ino) < 0)
		return false;
	if (fstat(fd, &st) < 0)
		return false;
	return (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
}
