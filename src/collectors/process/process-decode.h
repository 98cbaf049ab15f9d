/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Decoding of the records of the eBPF program (bpf/process.h) into a backend-neutral view,
 * and the small formatters the events need.  Pure functions over caller buffers: no I/O, no
 * allocation, no global state, so the fuzzer (tests/fuzz/fuzz-bpf-record.c) can drive them.
 *
 * The input is never trusted: its length must match the record's own size field exactly,
 * every inner length is checked against the record and the *_MAX limits, and the input may
 * be unaligned (the header is copied out).  Strings in the view point into the input buffer
 * and are not NUL-terminated.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/process.h"

#define PROCESS_ADDR_STR_MAX 46 /* INET6_ADDRSTRLEN */

struct process_view_exec {
	uint32_t flags;	 /* PROCESS_EXEC_* */
	const char *exe; /* as given to execve (may be relative) */
	size_t exe_len;
	const char *interp; /* the binary really run when it is not exe (a script's #!) */
	size_t interp_len;
	/* audit: the resolved binary of the task (SYSCALL exe); the front end reports it as the
	 * interpreter when it is another file than exe */
	const char *exe_real;
	size_t exe_real_len;
	const char *cwd_parts; /* components, innermost first, NUL-terminated each */
	size_t cwd_len;
	/* eBPF (PROCESS_EXEC_PATH_KNOWN): the file the kernel runs (mm->exe_file: symlinks
	 * resolved; a script's interpreter), components as cwd_parts */
	const char *path_parts;
	size_t path_len;
	/* eBPF (PROCESS_EXEC_CGROUP_KNOWN/_TRUNCATED): the task's cgroup at exec, directory
	 * names innermost first, NUL-terminated each (process_cwd_format() makes the path) */
	const char *cgroup_parts;
	size_t cgroup_len;
	/* eBPF (PROCESS_EXEC_STDIN_KNOWN/_TRUNCATED/_DELETED): the path of the regular file on fd
	 * 0 at exec (a script fed on stdin), components as cwd_parts; see process_stdin_path() */
	const char *stdin_parts;
	size_t stdin_len;
	const char *args; /* NUL-separated argv; a cut argument is its head and tail */
	size_t args_len;
	/* n_cuts struct process_argv_cut, possibly unaligned (read with process_view_cut()) */
	const void *cuts;
	unsigned n_cuts;
	uint32_t argc;	       /* arguments in all, when argv was cut (else 0) */
	uint32_t args_omitted; /* arguments after the last one in args, not kept */
	/* what fds 0..2 are (with PROCESS_EXEC_STDIO_KNOWN), and an inet peer of 0 or 1 */
	uint8_t stdio[3];
	uint16_t stdio_family, stdio_port;
	uint8_t stdio_addr[16];
	uint64_t cgroup_id; /* cgroup v2 id at exec; 0: not known (audit, proc connector) */
};

struct process_view_exit {
	uint32_t exit_code; /* wait status */
};

struct process_view_connect {
	uint16_t family;
	uint8_t protocol;
	uint8_t direction;
	uint16_t local_port, remote_port;
	uint32_t flags;
	uint8_t local_addr[16], remote_addr[16];
};

/* A listener (PROCESS_RECORD_LISTEN): TCP at listen(), UDP at bind(). */
struct process_view_listen {
	uint16_t family;
	uint16_t local_port;
	uint8_t protocol;   /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t netns_ino; /* the socket's network namespace */
	uint64_t cgroup_id;
	uint8_t local_addr[16];
};

struct process_view {
	enum process_record_type type;
	uint64_t time_ns; /* CLOCK_BOOTTIME */
	uint32_t pid, tid, ppid, uid, gid;
	char comm[PROCESS_COMM_LEN + 1];
	union {
		struct process_view_exec exec;
		struct process_view_exit exit;
		struct process_view_connect conn;
		struct process_view_listen listen;
	};
};

/* Cut i (< n_cuts) of x. */
struct process_argv_cut process_view_cut(const struct process_view_exec *x, unsigned i);

/* "socket", "pipe", "tty", "file", "null", "none", "other". */
const char *process_stdio_to_string(uint8_t kind);

/* 0 and *ret_view, or -EBADMSG when the record is short, oversized or inconsistent. */
int process_record_decode(const void *buf, size_t len, struct process_view *ret_view);

/*
 * argv as one command line: the NUL separators become single spaces and trailing NULs are
 * dropped; every other byte is kept as is.  Writes at most out_size - 1 bytes plus a NUL and
 * returns the length written.
 */
size_t process_args_join(const char *args, size_t len, char *out, size_t out_size);

/*
 * The CommandLine of an exec view: process_args_join(), with each cut argument shown as
 * `head…[cut N bytes]…tail` and omitted arguments as a last ` …[omitted N args]` (UTF-8
 * ellipses).  out_size PROCESS_CMDLINE_MAX holds any view the decoders accept.
 */
#define PROCESS_CMDLINE_MAX (PROCESS_ARGS_MAX + PROCESS_ARGV_CUTS * 32 + 64)
size_t process_cmdline_format(const struct process_view_exec *x, char *out, size_t out_size);
/* The same with the argument separators left as NULs (for redact_args_join()). */
size_t process_cmdline_format_args(const struct process_view_exec *x, char *out, size_t out_size);

/* cwd components (innermost first) as an absolute path ("/" when empty); as above. */
size_t process_cwd_format(const char *parts, size_t len, char *out, size_t out_size);

/* Numeric address text (inet_ntop; IPv6 compressed).  0, or -EAFNOSUPPORT. */
int process_addr_format(uint16_t family, const uint8_t addr[16], char out[PROCESS_ADDR_STR_MAX]);

/* The ExitStatus of a wait status: the exit code, or 128 + signal when killed. */
int process_exit_status(uint32_t wait_status, int *ret_signal);
