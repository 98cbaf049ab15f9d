/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * argv, bounded the way the eBPF program bounds it (bpf/process.h), for the backends that get
 * argv as a stream in user space: the audit backend (EXECVE records, long arguments in
 * chunks) and the proc connector (/proc/<pid>/cmdline).  Pure: no I/O, no allocation; the
 * caller owns the byte buffer (at most PROCESS_ARGS_MAX) and passes it to every call.
 *
 * While the whole argv fits the buffer it is kept as is.  Once it does not, every argument
 * still goes in, in order, but one longer than PROCESS_ARG_KEEP keeps only its first
 * PROCESS_ARG_HEAD and last PROCESS_ARG_TAIL - 1 bytes (a cut, with its position and size in
 * the cut table); arguments kept before that moment are cut the same way in place.  When
 * even that does not fit (or the cut table is full), that argument and all after it are
 * omitted and counted.  So a long padding argument cannot hide the arguments after it, and
 * the result is the same as the kernel side's for the same argv.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process-decode.h"

struct argv_build {
	size_t cap;	    /* bytes of the caller's buffer */
	size_t len;	    /* bytes kept */
	size_t arg_start;   /* where the current argument starts in the buffer */
	uint64_t arg_bytes; /* bytes of the current argument so far */
	bool in_arg;
	bool over;	   /* argv did not fit: cut mode */
	bool full;	   /* nothing more fits: later arguments are omitted */
	bool arg_overflow; /* the current argument did not fit */
	bool cutting;	   /* the current argument is being cut: its tail is in tail[] */
	char tail[PROCESS_ARG_TAIL - 1];
	size_t tail_pos;  /* bytes ever pushed into tail[] (ring) */
	uint32_t argc;	  /* arguments seen */
	uint32_t omitted; /* arguments not kept */
	unsigned n_cuts;
	struct process_argv_cut cuts[PROCESS_ARGV_CUTS];
};

void argv_build_init(struct argv_build *b, size_t cap);
/* Bytes of the current argument (no NUL inside; starts one if none is open). */
void argv_build_bytes(struct argv_build *b, char *buf, const char *p, size_t n);
/* Ends the current argument (an empty one if none is open). */
void argv_build_end_arg(struct argv_build *b, char *buf);
/* /proc/<pid>/cmdline style: NUL-separated; may be fed in pieces. */
void argv_build_raw(struct argv_build *b, char *buf, const char *p, size_t n);
/* Stops: arguments not seen yet (of argc in all, when known) count as omitted. */
void argv_build_stop(struct argv_build *b, char *buf, uint32_t argc);
/*
 * Ends an open argument and fills args, args_len, the cut table, argc and args_omitted of x,
 * and PROCESS_EXEC_ARGS_TRUNCATED when anything was cut or omitted.  x points into b and buf.
 */
void argv_build_finish(struct argv_build *b, char *buf, struct process_view_exec *x);
