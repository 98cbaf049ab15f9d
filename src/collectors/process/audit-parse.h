/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Kernel audit records (the text the kernel multicasts on NETLINK_AUDIT) folded into events for
 * the audit backend of the process collector (process-audit.c).  The record syntax (stamp,
 * key=value fields, quoting, hex) is read by audit/audit-record.h, shared with the login
 * collector; this file gives the syscall records their meaning.  Pure functions over caller
 * buffers: no I/O, no allocation, no global state, so the fuzzer
 * (tests/fuzz/fuzz-audit-record.c) and the unit tests (tests/unit/test-audit-parse.c) can
 * drive them.
 *
 * One audit event is several records sharing a stamp "audit(SEC.MSEC:SERIAL): ", each a
 * netlink message whose type is the record type: SYSCALL, then EXECVE (argv), CWD, PATH
 * (one per item), PROCTITLE, SOCKADDR, ..., and EOE last.  audit_event_add() folds the records
 * of one serial into a struct audit_event; audit_event_view() turns a complete one into the
 * backend-neutral struct process_view the front end (process.c) builds events from.
 *
 * Values: strings the kernel does not trust are either "quoted" (no space, quote, control or
 * non-ASCII byte inside) or hex-encoded without quotes; both are accepted everywhere.  argv
 * comes as argc=N a0=.. a1=.., and an argument longer than the kernel's chunk as
 * aI_len=L aI[0]=.. aI[1]=..; the EXECVE record itself may be split into several records.
 * Chunks must arrive in order; anything out of order ends argv there (ArgvTruncated).
 *
 * The input is never trusted: every length is checked, every copy is bounded by the *_MAX
 * sizes, numbers are range-checked, and the input need not be NUL-terminated.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argv-build.h"
#include "audit/audit-record.h"
#include "process-decode.h"

#define AUDIT_TITLE_MAX 256 /* PROCTITLE: the kernel sends at most 128 bytes */
#define AUDIT_COMM_MAX 16

/* audit_event.have */
#define AUDIT_HAVE_SYSCALL 0x01u
#define AUDIT_HAVE_EXECVE 0x02u
#define AUDIT_HAVE_CWD 0x04u
#define AUDIT_HAVE_PATH0 0x08u
#define AUDIT_HAVE_TITLE 0x10u
#define AUDIT_HAVE_SOCKADDR 0x20u
#define AUDIT_HAVE_EOE 0x40u

enum audit_kind {
	AUDIT_KIND_NONE,
	AUDIT_KIND_EXEC,    /* execve, execveat */
	AUDIT_KIND_CONNECT, /* connect */
	AUDIT_KIND_ACCEPT,  /* accept, accept4 */
	AUDIT_KIND_EXIT,    /* exit_group: logged when the task exits inside it */
	_AUDIT_KIND_MAX,
};

struct audit_event {
	struct audit_stamp stamp;
	uint32_t have;	/* AUDIT_HAVE_* */
	uint32_t flags; /* PROCESS_EXEC_* */
	/* SYSCALL */
	uint32_t arch, syscall;
	bool success;
	bool has_exit; /* success= and exit= were there (not for exit_group) */
	int64_t exit;
	uint64_t a[4];
	uint32_t pid, ppid, uid, gid;
	char comm[AUDIT_COMM_MAX + 1];
	char exe[PROCESS_EXE_MAX];
	size_t exe_len;
	/* PATH item 0: the path as given to execve */
	char path0[PROCESS_EXE_MAX];
	size_t path0_len;
	/* CWD, NUL-terminated; PROCESS_CWD_MAX - 2 so it fits the front end as one component */
	char cwd[PROCESS_CWD_MAX - 2];
	size_t cwd_len;
	/* EXECVE: argv NUL-separated, as in /proc/PID/cmdline */
	uint32_t argc;
	uint32_t arg_next;	/* index of the argument being filled */
	int32_t chunk_next;	/* next aI[chunk] expected, -1 when not in a split argument */
	bool args_stopped;	/* out of order or malformed: nothing more is appended */
	struct argv_build argv; /* argv into args, cut like the eBPF side's (argv-build.h) */
	char args[PROCESS_ARGS_MAX];
	/* PROCTITLE */
	char title[AUDIT_TITLE_MAX];
	size_t title_len;
	/* SOCKADDR */
	uint16_t family, port;
	uint8_t addr[16];
};

void audit_event_init(struct audit_event *ev, const struct audit_stamp *stamp);

/*
 * Folds one record (type = netlink message type, body = what follows the stamp) into ev.
 * Types other than SYSCALL, EXECVE, CWD, PATH, PROCTITLE, SOCKADDR and EOE are ignored (0).
 * -EBADMSG when the record is malformed (ev keeps what it had).
 */
int audit_event_add(struct audit_event *ev, unsigned type, const char *body, size_t len);

/* Whether the records of this type belong to a multi-record syscall event. */
bool audit_type_is_syscall_part(unsigned type);

/* What the event is: from its SYSCALL record (arch and number); AUDIT_KIND_NONE otherwise. */
enum audit_kind audit_event_kind(const struct audit_event *ev);

/*
 * The view of a complete event: ProcessCreate for a successful exec, ProcessTerminate for
 * exit_group (status from its argument: processes killed by a signal do not show), ConnectionCreate
 * for connect (success or EINPROGRESS) with an AF_INET/AF_INET6 SOCKADDR, and a successful accept
 * with such a SOCKADDR or none (accept(fd, NULL, NULL): conn.family is then 0).  For connections
 * the local address, the local port and the protocol are left 0: the record does not carry them
 * (the backend looks them up).  Strings in the view point into ev; for an exec, argv is
 * finished here (ev is changed: call it once per event, a second call gives the same view).
 * realtime_to_boot_ns converts the stamp to CLOCK_BOOTTIME.  0, or -ENOMSG when the event is not
 * one of ours, or incomplete.
 */
int audit_event_view(struct audit_event *ev, int64_t realtime_to_boot_ns,
		     struct process_view *ret_view);

/* The socket fd of a connection event (connect: a0, accept: the return value), or -1. */
int audit_event_socket_fd(const struct audit_event *ev);

/* The syscall numbers of one kind on one ABI (AUDIT_ARCH_*): count written to nrs (≤ max). */
size_t audit_syscalls_of(uint32_t arch, enum audit_kind kind, uint32_t *nrs, size_t max);
