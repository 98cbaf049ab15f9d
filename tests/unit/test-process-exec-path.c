/* SPDX-License-Identifier: MIT */
/*
 * What an eBPF exec record says beyond argv (collectors/process/exec-path.c and the decoder):
 * the resolved path of the executed file and the task's cgroup at exec, on handcrafted
 * records.  The container comes from the recorded cgroup (a process gone before its record is
 * read is still attributed), a host or cut cgroup leaves it to /proc, and the hierarchy to
 * read is chosen from /proc/cgroups text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/process/process-int.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct parts {
	const char *s;
	size_t len;
};

/* exe, cwd, path, cgroup, args (interp empty): a record of exactly its size. */
static unsigned char *record(uint32_t flags, const struct parts p[5], size_t *ret_len)
{
	struct process_exec_record *r = calloc(1, sizeof(*r));
	size_t total = 0, len;
	unsigned char *out;
	char *d;

	assert_non_null(r);
	for (size_t i = 0; i < 5; i++)
		total += p[i].len;
	len = PROCESS_EXEC_RECORD_FIXED + total;
	out = malloc(len);
	assert_non_null(out);
	r->h.type = PROCESS_RECORD_EXEC;
	r->h.size = (uint32_t)len;
	r->h.pid = 4242;
	r->flags = flags;
	r->exe_len = (uint32_t)p[0].len;
	r->cwd_len = (uint32_t)p[1].len;
	r->path_len = (uint16_t)p[2].len;
	r->cgroup_len = (uint16_t)p[3].len;
	r->args_len = (uint32_t)p[4].len;
	d = r->data;
	for (size_t i = 0; i < 5; i++)
		memcpy(d, p[i].s, p[i].len), d += p[i].len;
	memcpy(out, r, len);
	free(r);
	*ret_len = len;
	return out;
}

#define P(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

static void test_decode_path_and_cgroup(void **state)
{
	const struct parts p[5] = { P("/tmp/innocent"), P("tmp\0"), P("nc.openbsd\0bin\0usr\0"),
				    P(ID "\0docker\0"), P("innocent\0-l\0") };
	struct process_view v;
	struct cgroup_container ct;
	char out[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2];
	bool trunc = true;
	size_t len, n;
	unsigned char *rec = record(PROCESS_EXEC_PATH_KNOWN | PROCESS_EXEC_CGROUP_KNOWN, p, &len);

	(void)state;
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(v.exec.path_len, p[2].len);
	assert_int_equal(v.exec.cgroup_len, p[3].len);
	assert_int_equal(v.exec.args_len, p[4].len);
	assert_memory_equal(v.exec.args, "innocent", 9);
	/* the container, from the record alone (no /proc: pid 4242 need not exist) */
	assert_int_equal(process_exec_container(&v.exec, &ct), 1);
	assert_string_equal(ct.id, ID);
	assert_int_equal(ct.runtime, CGROUP_RUNTIME_DOCKER);
	/* the resolved path; no /proc needed for a binary whose walk was complete */
	n = process_exec_path(-1, v.pid, &v.exec, v.exec.exe, v.exec.exe_len, false, out,
			      sizeof(out), &trunc);
	assert_int_equal(n, strlen("/usr/bin/nc.openbsd"));
	assert_string_equal(out, "/usr/bin/nc.openbsd");
	assert_false(trunc);
	/* the same as Executable: not reported */
	n = process_exec_path(-1, v.pid, &v.exec, "/usr/bin/nc.openbsd", 19, false, out,
			      sizeof(out), &trunc);
	assert_int_equal(n, 0);
	/* a script: resolved through /proc only, which a bad fd cannot reach */
	n = process_exec_path(-1, v.pid, &v.exec, v.exec.exe, v.exec.exe_len, true, out,
			      sizeof(out), &trunc);
	assert_int_equal(n, 0);
	free(rec);
}

static void test_container_not_told(void **state)
{
	struct parts p[5] = { P("/bin/true"), P(""), P(""), P("user.slice\0"), P("true\0") };
	struct process_view v;
	struct cgroup_container ct;
	char out[PROCESS_EXE_MAX + PROCESS_CWD_MAX];
	bool trunc;
	size_t len;
	unsigned char *rec;

	(void)state;
	/* a host cgroup, walked to the root: 0 (the caller still asks /proc) */
	rec = record(PROCESS_EXEC_CGROUP_KNOWN, p, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(process_exec_container(&v.exec, &ct), 0);
	/* no path walked: nothing reported */
	assert_int_equal(process_exec_path(-1, v.pid, &v.exec, v.exec.exe, v.exec.exe_len, false,
					   out, sizeof(out), &trunc),
			 0);
	free(rec);
	/* the same names but no flag (audit, proc connector, an old program): does not tell */
	rec = record(0, p, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(process_exec_container(&v.exec, &ct), -ENOENT);
	free(rec);
	/* a walk cut by its bounds below a container: the outer "docker" is missing */
	p[3] = (struct parts)P("x\0" ID "\0");
	rec = record(PROCESS_EXEC_CGROUP_TRUNCATED, p, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(process_exec_container(&v.exec, &ct), -ENOENT);
	free(rec);
	/* cut, but what was read names the container: taken */
	p[3] = (struct parts)P("docker-" ID ".scope\0system.slice\0");
	rec = record(PROCESS_EXEC_CGROUP_TRUNCATED, p, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(process_exec_container(&v.exec, &ct), 1);
	assert_string_equal(ct.id, ID);
	free(rec);
}

static void test_decode_bounds(void **state)
{
	static char big[PROCESS_CGROUP_NAMES_MAX + PROCESS_PATH_MAX];
	struct parts p[5] = { P("/bin/true"), P(""), P(""), P(""), P("true\0") };
	struct process_view v;
	size_t len;
	unsigned char *rec;

	(void)state;
	p[2] = (struct parts){ big, PROCESS_PATH_MAX };
	rec = record(PROCESS_EXEC_PATH_KNOWN, p, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	p[2] = (struct parts){ big, PROCESS_PATH_MAX - 1 };
	p[3] = (struct parts){ big, PROCESS_CGROUP_NAMES_MAX };
	rec = record(PROCESS_EXEC_CGROUP_KNOWN, p, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	/* the largest of both, and a path_len that does not add up */
	p[3] = (struct parts){ big, PROCESS_CGROUP_NAMES_MAX - 1 };
	rec = record(PROCESS_EXEC_CGROUP_KNOWN, p, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	((struct process_exec_record *)rec)->path_len--;
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
}

static void test_cgroup_source(void **state)
{
	static const char hybrid[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
				     "cpuset\t3\t3\t1\ncpu\t1\t3\t1\ncpuacct\t2\t3\t1\n"
				     "memory\t4\t102\t1\nnet_cls\t0\t3\t1\npids\t8\t3\t1\n";
	static const char v2[] =
		"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
		"cpuset\t0\t50\t1\ncpu\t0\t50\t1\nmemory\t0\t50\t1\npids\t0\t50\t1\n";
	static const char no_pids[] = "pids\t8\t3\t0\nmemory 12 7 1\ncpu\t1\t3\t1";
	static const char odd[] = "pidsx\t8\t3\t1\npids\tx\t3\t1\npids\t8\n\n\t\n#pids 8 3 1\n";

	(void)state;
	assert_int_equal(process_cgroup_source_parse(hybrid, strlen(hybrid)),
			 PROCESS_CGROUP_SOURCE_PIDS);
	assert_int_equal(process_cgroup_source_parse(v2, strlen(v2)), PROCESS_CGROUP_SOURCE_DFL);
	/* pids disabled: the next in order (memory), spaces as separators, no last newline */
	assert_int_equal(process_cgroup_source_parse(no_pids, strlen(no_pids)),
			 PROCESS_CGROUP_SOURCE_MEMORY);
	/* a cut line, a bad number, another name, a comment: none usable */
	assert_int_equal(process_cgroup_source_parse(odd, strlen(odd)), PROCESS_CGROUP_SOURCE_DFL);
	/* the length bounds the read: the pids line is cut off */
	assert_int_equal(process_cgroup_source_parse(hybrid, strlen(hybrid) - 6),
			 PROCESS_CGROUP_SOURCE_MEMORY);
	assert_int_equal(process_cgroup_source_parse(NULL, 0), PROCESS_CGROUP_SOURCE_DFL);
	assert_int_equal(process_cgroup_source_parse("", 0), PROCESS_CGROUP_SOURCE_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_path_and_cgroup),
		cmocka_unit_test(test_container_not_told),
		cmocka_unit_test(test_decode_bounds),
		cmocka_unit_test(test_cgroup_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
