/* SPDX-License-Identifier: MIT */
/*
 * Baseline checks files from arbitrary bytes: baseline_profile_parse either fails with a
 * message (and a JSON pointer that is "" or starts with '/') or gives checks whose type,
 * severity and CCE id are valid; every parsed check is then run against an empty root
 * directory (so regexes compiled from the input are exercised) and must give a known result
 * with a NUL-terminated reason.  Nothing allocated may stay allocated.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline/baseline.h"
#include "common/alloc.h"
#include "common/json_read.h"

/* An empty, already unlinked directory, opened afresh per input (a root caches file reads). */
static const char *empty_root_path(void)
{
	static char path[64];
	static char dir[] = "/tmp/fuzz-baseline-root-XXXXXX";
	int fd;

	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			abort();
		rmdir(dir);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialized;
	struct baseline_profile *p = NULL;
	struct json_error err;
	size_t before;

	if (!initialized) {
		json_read_init();
		empty_root_path();
		initialized = true;
	}
	before = es_alloc_in_use();
	if (baseline_profile_parse((const char *)data, size, &p, &err) < 0) {
		if (p || !err.message[0] || (err.pointer[0] && err.pointer[0] != '/'))
			abort();
	} else {
		struct baseline_root *root = NULL;

		if (baseline_root_open(empty_root_path(), &root) < 0)
			abort();
		for (size_t i = 0; i < baseline_profile_count(p); i++) {
			const struct baseline_check *c = baseline_profile_get(p, i);
			const struct baseline_meta *m = baseline_check_meta(c);
			struct baseline_outcome o;

			if (!baseline_check_type_to_string(m->type) ||
			    !baseline_severity_to_string(m->severity) || !m->id[0] ||
			    (m->cce_id[0] && strncmp(m->cce_id, "CCE-", 4) != 0))
				abort();
			baseline_check_run(c, root, &o);
			if (!baseline_result_to_string(o.result) ||
			    !memchr(o.reason, '\0', sizeof(o.reason)))
				abort();
		}
		baseline_root_free(root);
		baseline_profile_free(p);
	}
	if (es_alloc_in_use() != before)
		abort();
	return 0;
}
