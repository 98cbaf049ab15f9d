/* SPDX-License-Identifier: MIT */
/*
 * bench/exec-identity: what KnownAs costs per exec in the identity module
 * (enrich/exec-identity.c), on real binaries of this host, CPU time per lookup:
 *   - a known file itself (a packaged bash at its path: inode compare, no I/O);
 *   - a cache hit (the same non-known binary run again: the common case on a device);
 *   - a cache miss on a non-known ELF of another size (open + build-id read);
 *   - a cache miss on a same-size copy of bash (open + build-id + SHA-256 of the file; the
 *     known file's own hash is done once before the timing);
 * and the module's memory.  Not in the per-exec figure: the collector's fstatat and
 * readlinkat of /proc/<pid>/exe (two system calls per exec; bench/exec-side.sh measures the
 * whole agent).  Usage: exec-identity [N] (default 2000).  Prints figures, asserts nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/num.h"
#include "enrich/exec-identity.h"

static const char *cand;
static char warm[] = "/tmp/edgesec-bench-identity-warm-XXXXXX";

static int open_cand(void *ctx)
{
	int fd = open(cand, O_RDONLY | O_CLOEXEC);

	(void)ctx;
	return fd < 0 ? -errno : fd;
}

static int open_known(void *ctx, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	(void)ctx;
	return fd < 0 ? -errno : fd;
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int key_of(const char *path, struct exec_identity_key *key)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	exec_identity_key_of_stat(&st, key);
	return 0;
}

/* n lookups of path; fresh: a new table each time (so every lookup misses the cache). */
static void run(const char *what, const char *path, unsigned n, bool fresh)
{
	struct exec_identity_io io = { open_cand, open_known, NULL };
	struct exec_identity_limits lim = { .time_budget_ns = 5000000000ull };
	struct exec_identity *id = NULL;
	struct exec_identity_result res;
	struct exec_identity_key key;
	double t0, total = 0;
	int fd, r = 0;

	if (key_of(path, &key) < 0) {
		printf("%-44s (no %s here)\n", what, path);
		return;
	}
	cand = path;
	for (unsigned i = 0; i < n; i++) {
		if (!id || fresh) {
			exec_identity_free(id);
			id = exec_identity_new(&lim);
			fd = open("/bin/bash", O_RDONLY | O_CLOEXEC);
			if (!id || fd < 0)
				return;
			exec_identity_add(id, "bash", "/bin/bash", fd);
			close(fd);
			if (fresh) { /* the known file's hash, once per table: not timed */
				struct exec_identity_key wkey;

				cand = warm;
				if (key_of(warm, &wkey) == 0)
					exec_identity_lookup(id, &wkey, &io, &res);
				cand = path;
			}
		}
		t0 = cpu_ns();
		r = exec_identity_lookup(id, &key, &io, &res);
		total += cpu_ns() - t0;
	}
	printf("%-44s %10.1f us/lookup  (result %d%s%s)\n", what, total / n / 1000.0, r,
	       r > 0 ? " " : "", r > 0 ? exec_identity_by_to_string(res.by) : "");
	exec_identity_free(id);
}

int main(int argc, char **argv)
{
	char copy[] = "/tmp/edgesec-bench-identity-XXXXXX";
	struct exec_identity_stats st;
	struct exec_identity *id;
	uint64_t n = 2000;
	char cmd[160];
	int fd;

	if (argc > 1 && (num_parse_u64(argv[1], strlen(argv[1]), 10, 1000000, &n) < 0 || !n))
		return 2;
	fd = mkstemp(copy);
	if (fd < 0)
		return 1;
	close(fd);
	fd = mkstemp(warm);
	if (fd < 0)
		return 1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "cp /bin/bash %s && cp /bin/bash %s", copy, warm);
	if (system(cmd) != 0)
		return 1;
	run("known file itself (/bin/bash)", "/bin/bash", (unsigned)n, false);
	run("cache hit (/usr/bin/true, again)", "/usr/bin/true", (unsigned)n, false);
	run("cache miss, other ELF (/usr/bin/true)", "/usr/bin/true", (unsigned)n, true);
	run("cache miss, same-size copy of bash", copy, (unsigned)(n / 20 + 1), true);
	unlink(copy);
	unlink(warm);
	id = exec_identity_new(NULL);
	exec_identity_get_stats(id, &st);
	printf("memory: %zu bytes (known table %u entries, cache %u entries, 64 KiB read buffer)\n",
	       st.memory_bytes, EXEC_IDENTITY_KNOWN_MAX, st.cache_entries);
	exec_identity_free(id);
	return 0;
}
