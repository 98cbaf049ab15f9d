/* SPDX-License-Identifier: MIT */
#include "process-stats.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/num.h"

/* Value in kB of a "Name:   123 kB" line of /proc/self/status. */
static uint64_t status_kib(const char *status, const char *name)
{
	const char *p = strstr(status, name);
	uint64_t v;
	size_t used;

	if (!p)
		return 0;
	p += strlen(name);
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	if (num_scan_u64(p, strcspn(p, "\n"), 10, UINT64_MAX, &v, &used) < 0)
		return 0;
	return v;
}

int process_stats_read(struct process_stats *ret)
{
	struct rusage ru;
	char *status = NULL;
	size_t len;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		ret->cpu_user_ms =
			(uint64_t)ru.ru_utime.tv_sec * 1000 + (uint64_t)ru.ru_utime.tv_usec / 1000;
		ret->cpu_system_ms =
			(uint64_t)ru.ru_stime.tv_sec * 1000 + (uint64_t)ru.ru_stime.tv_usec / 1000;
	}
	r = read_file_at(AT_FDCWD, "/proc/self/status", 64 * 1024, &status, &len);
	if (r < 0)
		return r;
	ret->rss_kib = status_kib(status, "\nVmRSS");
	ret->peak_rss_kib = status_kib(status, "\nVmHWM");
	es_free(status);
	return 0;
}
