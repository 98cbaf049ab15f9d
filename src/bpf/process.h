/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Records of the process/network eBPF program (process.bpf.c), shared by the BPF side and the
 * user-space decoder (collectors/process/process-decode.c).  This header is the only place
 * where their layout is defined; both sides are compiled against it.
 *
 * Every record starts with struct process_record_header; `size` is the number of bytes the
 * kernel submitted and must equal the length the ring buffer reports.  Variable parts are
 * bounded by the *_MAX constants below (powers of two, so the BPF side can mask lengths).
 */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROCESS_COMM_LEN 16
#define PROCESS_EXE_MAX 256   /* bprm filename, bytes incl. NUL */
#define PROCESS_CWD_MAX 512   /* cwd components (innermost first, NUL-separated) */
#define PROCESS_ARGS_MAX 8192 /* argv bytes (NUL-separated, as in /proc/PID/cmdline) */
#define PROCESS_CWD_DEPTH 16  /* path components walked for cwd */

#define PROCESS_RINGBUF_BYTES (256u << 10) /* mapped twice, all resident: 512 KiB of RSS */
#define PROCESS_PENDING_CONNECTS 8192 /* TCP sockets between SYN_SENT and ESTABLISHED */
#define PROCESS_UDP_PEERS 8192	      /* (process, peer) pairs reported in the window */
#define PROCESS_SYSCALL_INFLIGHT 4096 /* threads inside connect/sendto */

enum process_record_type {
	PROCESS_RECORD_EXEC = 1,
	PROCESS_RECORD_EXIT = 2,
	PROCESS_RECORD_CONNECT = 3,
	_PROCESS_RECORD_MAX,
};

/*
 * Records the kernel could not submit (ring buffer full), per kind: the program's
 * `lost_records` array (global data, memory-mapped, read by user space without a bpf() call).
 */
enum process_loss_kind {
	PROCESS_LOSS_EXEC,	  /* ProcessCreate */
	PROCESS_LOSS_EXIT,	  /* ProcessTerminate */
	PROCESS_LOSS_TCP_CONNECT, /* ConnectionCreate, TCP out */
	PROCESS_LOSS_TCP_ACCEPT,  /* ConnectionCreate, TCP in */
	PROCESS_LOSS_UDP,	  /* ConnectionCreate, UDP out and in */
	PROCESS_LOSS_KINDS,
};

/* process_exec_record.flags */
#define PROCESS_EXEC_ARGS_TRUNCATED 0x1u /* argv longer than PROCESS_ARGS_MAX */
#define PROCESS_EXEC_ARGS_FAULT 0x2u	 /* argv could not be read */
#define PROCESS_EXEC_EXE_TRUNCATED 0x4u
#define PROCESS_EXEC_CWD_TRUNCATED 0x8u /* deeper than PROCESS_CWD_DEPTH or longer */

/* process_connect_record.direction */
#define PROCESS_DIRECTION_OUT 1
#define PROCESS_DIRECTION_IN 2

/* process_connect_record.flags */
#define PROCESS_CONNECT_PID_GUESSED 0x1u /* owner not known; pid of the context */

struct process_record_header {
	__u32 type;
	__u32 size;
	__u64 time_ns; /* CLOCK_BOOTTIME */
	__u32 pid;     /* thread-group id */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 pad;
	char comm[PROCESS_COMM_LEN];
};

/*
 * Exec records are packed: data[] holds exe (exe_len bytes, no NUL), then the cwd components
 * (cwd_len bytes), then argv (args_len bytes), and only those bytes are submitted, so a
 * typical record is ~150 bytes rather than the ~900 a fixed layout would take (the ring
 * buffer holds six times as many).  exe_len < PROCESS_EXE_MAX and cwd_len < PROCESS_CWD_MAX,
 * so argv starts below PROCESS_EXEC_ARGS_OFF_MAX (a bound the BPF verifier can see).
 */
#define PROCESS_EXEC_ARGS_OFF_MAX 1024
#define PROCESS_EXEC_DATA_MAX (PROCESS_EXEC_ARGS_OFF_MAX + PROCESS_ARGS_MAX)

struct process_exec_record {
	struct process_record_header h;
	__u32 flags;
	__u32 exe_len;	/* bytes of exe at data[0] */
	__u32 cwd_len;	/* bytes of cwd components at data[exe_len] */
	__u32 args_len; /* bytes of argv at data[exe_len + cwd_len] */
	char data[PROCESS_EXEC_DATA_MAX];
};

struct process_exit_record {
	struct process_record_header h;
	__u32 exit_code; /* wait status: exit status << 8 | terminating signal */
	__u32 pad;
};

struct process_connect_record {
	struct process_record_header h;
	__u16 family;	   /* AF_INET or AF_INET6 */
	__u8 protocol;	   /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 direction;	   /* PROCESS_DIRECTION_* */
	__u16 local_port;  /* host order */
	__u16 remote_port; /* host order */
	__u32 flags;
	__u32 pad;
	__u8 local_addr[16]; /* 4 bytes used for AF_INET */
	__u8 remote_addr[16];
};

/* Fixed part of an exec record (what precedes data[]). */
#define PROCESS_EXEC_RECORD_FIXED __builtin_offsetof(struct process_exec_record, data)
