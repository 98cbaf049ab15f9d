/* SPDX-License-Identifier: MIT */
/*
 * What an eBPF exec record says beyond argv (collectors/process/exec-path.c and the decoder):
 * the resolved path of the executed file, the task's cgroup at exec and the path of a file on
 * stdin (StdinPath), on handcrafted records.  The container comes from the recorded cgroup (a
 * process gone before its record is read is still attributed), a host or cut cgroup leaves it
 * to /proc, and the hierarchy to read is chosen from /proc/cgroups text.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/process/process-int.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct parts {
	const char *s;
	size_t len;
};

/*
 * exe, cwd, path, cgroup, args (interp empty), and the stdin file's path components before
 * args: a record of exactly its size.
 */
static unsigned char *record_stdin(uint32_t flags, const struct parts p[5], struct parts in,
				   size_t *ret_len)
{
	struct process_exec_record *r = calloc(1, sizeof(*r));
	size_t total = in.len, len;
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
	r->stdin_len = (uint16_t)in.len;
	r->args_len = (uint32_t)p[4].len;
	r->stdio[0] = PROCESS_STDIO_FILE;
	d = r->data;
	for (size_t i = 0; i < 5; i++) {
		if (i == 4)
			memcpy(d, in.s, in.len), d += in.len;
		memcpy(d, p[i].s, p[i].len), d += p[i].len;
	}
	memcpy(out, r, len);
	free(r);
	*ret_len = len;
	return out;
}

static unsigned char *record(uint32_t flags, const struct parts p[5], size_t *ret_len)
{
	return record_stdin(flags, p, (struct parts){ "", 0 }, ret_len);
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

#define STDIN_FLAGS (PROCESS_EXEC_STDIO_KNOWN | PROCESS_EXEC_STDIN_KNOWN)
#define PS(lit) ((struct parts)P(lit))

/* process_stdin_path() of a record with these flags and stdin components; out is its result. */
static size_t stdin_of(uint32_t flags, uint8_t kind, struct parts in, int proc_fd, uint32_t pid,
		       char out[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2], bool *ret_trunc,
		       bool *ret_del)
{
	const struct parts p[5] = { P("/bin/sh"), P("tmp\0"), P("dash\0bin\0usr\0"), P(""),
				    P("sh\0-s\0") };
	struct process_view v;
	size_t len, n;
	unsigned char *rec = record_stdin(flags, p, in, &len);

	assert_int_equal(process_record_decode(rec, len, &v), 0);
	assert_int_equal(v.exec.stdin_len, in.len);
	assert_memory_equal(v.exec.args, "sh\0-s\0", 6); /* argv after the stdin path */
	v.exec.stdio[0] = kind;
	if (!pid)
		pid = v.pid;
	n = process_stdin_path(proc_fd, pid, &v.exec, out, PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2,
			       ret_trunc, ret_del);
	free(rec);
	return n;
}

/* eBPF: the path walked in the kernel at exec, from the record alone. */
static void test_stdin_path_record(void **state)
{
	char out[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2];
	bool trunc = true, del = true;

	(void)state;
	assert_int_equal(stdin_of(STDIN_FLAGS, PROCESS_STDIO_FILE, PS("x.sh\0d\0tmp\0"), -1, 0, out,
				  &trunc, &del),
			 strlen("/tmp/d/x.sh"));
	assert_string_equal(out, "/tmp/d/x.sh");
	assert_false(trunc);
	assert_false(del);
	/* deleted; a memfd (no parent: its name alone) */
	assert_true(stdin_of(STDIN_FLAGS | PROCESS_EXEC_STDIN_DELETED, PROCESS_STDIO_FILE,
			     PS("memfd:payload\0"), -1, 0, out, &trunc, &del) > 0);
	assert_string_equal(out, "/memfd:payload");
	assert_true(del);
	/* cut by the walk's bounds and no /proc to complete it: what was walked, flagged */
	assert_true(stdin_of(STDIN_FLAGS | PROCESS_EXEC_STDIN_TRUNCATED, PROCESS_STDIO_FILE,
			     PS("x.sh\0d\0"), -1, 0, out, &trunc, &del) > 0);
	assert_string_equal(out, "/d/x.sh");
	assert_true(trunc);
	assert_false(del);
	/* not a file (a hostile record naming one anyway), stdio not known, no walk, no /proc */
	assert_int_equal(stdin_of(STDIN_FLAGS, PROCESS_STDIO_PIPE, PS("x.sh\0tmp\0"), -1, 0, out,
				  &trunc, &del),
			 0);
	assert_int_equal(stdin_of(PROCESS_EXEC_STDIN_KNOWN, PROCESS_STDIO_FILE, PS("x.sh\0tmp\0"),
				  -1, 0, out, &trunc, &del),
			 0);
	assert_int_equal(stdin_of(PROCESS_EXEC_STDIO_KNOWN, PROCESS_STDIO_FILE, PS(""), -1, 0, out,
				  &trunc, &del),
			 0);
	assert_false(del);
}

/*
 * audit, proc connector: /proc/<pid>/fd/0 read as a link, on this process with a file of
 * ours on its stdin for a moment; " (deleted)" is dropped and reported.  A cut eBPF walk is
 * completed from there only when the link still ends with the walked file's name.
 */
static void test_stdin_path_proc(void **state)
{
	char dir[] = "/tmp/edgesec-stdin-unit-XXXXXX", path[64];
	char out[PROCESS_CWD_MAX + PROCESS_EXE_MAX + 2];
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC), saved = dup(STDIN_FILENO), fd;
	bool trunc, del;
	size_t n;

	(void)state;
	assert_true(proc >= 0 && saved >= 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in.sh", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	n = stdin_of(PROCESS_EXEC_STDIO_KNOWN, PROCESS_STDIO_FILE, PS(""), proc, (uint32_t)getpid(),
		     out, &trunc, &del);
	assert_int_equal(n, strlen(path));
	assert_string_equal(out, path);
	assert_false(del);
	/* a cut walk whose innermost name matches the link: completed */
	n = stdin_of(STDIN_FLAGS | PROCESS_EXEC_STDIN_TRUNCATED, PROCESS_STDIO_FILE, PS("in.sh\0"),
		     proc, (uint32_t)getpid(), out, &trunc, &del);
	assert_string_equal(out, path);
	assert_false(trunc);
	/* ... another name (fd 0 replaced since the exec): the walk, flagged */
	n = stdin_of(STDIN_FLAGS | PROCESS_EXEC_STDIN_TRUNCATED, PROCESS_STDIO_FILE,
		     PS("other.sh\0x\0"), proc, (uint32_t)getpid(), out, &trunc, &del);
	assert_string_equal(out, "/x/other.sh");
	assert_true(trunc);
	/* deleted */
	assert_int_equal(unlink(path), 0);
	n = stdin_of(PROCESS_EXEC_STDIO_KNOWN, PROCESS_STDIO_FILE, PS(""), proc, (uint32_t)getpid(),
		     out, &trunc, &del);
	assert_int_equal(n, strlen(path));
	assert_string_equal(out, path);
	assert_true(del);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	close(proc);
	rmdir(dir);
}

static void test_stdin_bounds(void **state)
{
	static char big[PROCESS_PATH_MAX];
	const struct parts p[5] = { P("/bin/sh"), P(""), P(""), P(""), P("sh\0") };
	struct process_view v;
	size_t len;
	unsigned char *rec;

	(void)state;
	rec = record_stdin(STDIN_FLAGS, p, (struct parts){ big, PROCESS_PATH_MAX }, &len);
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
	rec = record_stdin(STDIN_FLAGS, p, (struct parts){ big, PROCESS_PATH_MAX - 1 }, &len);
	assert_int_equal(process_record_decode(rec, len, &v), 0);
	((struct process_exec_record *)rec)->stdin_len++;
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	((struct process_exec_record *)rec)->stdin_len -= 2;
	assert_int_equal(process_record_decode(rec, len, &v), -EBADMSG);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_path_and_cgroup),
		cmocka_unit_test(test_container_not_told),
		cmocka_unit_test(test_decode_bounds),
		cmocka_unit_test(test_cgroup_source),
		cmocka_unit_test(test_stdin_path_record),
		cmocka_unit_test(test_stdin_path_proc),
		cmocka_unit_test(test_stdin_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
