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
#define PROCESS_PATH_MAX 512  /* the executed file's path components (as cwd) */
/*
 * The task's cgroup in the hierarchy that tells containers apart (a cgroup v1 controller's,
 * else the default hierarchy's): directory names, innermost first, at most this many bytes and
 * levels below the hierarchy's root.
 */
#define PROCESS_CGROUP_NAMES_MAX 512
#define PROCESS_CGROUP_DEPTH 8

/*
 * argv longer than PROCESS_ARGS_MAX: every argument is kept in order until the cap, but an
 * argument longer than PROCESS_ARG_KEEP bytes keeps only its first PROCESS_ARG_HEAD and last
 * PROCESS_ARG_TAIL bytes (a cut, listed in the record's cut table), so one long padding
 * argument cannot push the arguments after it out of the record.  Arguments beyond the cap
 * are omitted and counted.  Up to PROCESS_ARGV_CUTS cuts per record.
 */
#define PROCESS_ARG_KEEP 256
#define PROCESS_ARG_HEAD 128
#define PROCESS_ARG_TAIL 64
#define PROCESS_ARGV_CUTS 32

#define PROCESS_RINGBUF_BYTES (256u << 10) /* mapped twice, all resident: 512 KiB of RSS */
#define PROCESS_PENDING_CONNECTS 8192	   /* TCP sockets between SYN_SENT and ESTABLISHED */
#define PROCESS_UDP_PEERS 8192		   /* (process, peer) pairs reported in the window */
#define PROCESS_SYSCALL_INFLIGHT 4096	   /* threads inside connect/sendto/bind */

enum process_record_type {
	PROCESS_RECORD_EXEC = 1,
	PROCESS_RECORD_EXIT = 2,
	PROCESS_RECORD_CONNECT = 3,
	PROCESS_RECORD_LISTEN = 4,
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
	PROCESS_LOSS_TCP_LISTEN,  /* ListenerCreate, TCP (listen) */
	PROCESS_LOSS_UDP_BIND,	  /* ListenerCreate, UDP (bind) */
	PROCESS_LOSS_KINDS,
};

/* process_exec_record.flags */
#define PROCESS_EXEC_ARGS_TRUNCATED 0x1u /* argv longer than PROCESS_ARGS_MAX */
#define PROCESS_EXEC_ARGS_FAULT 0x2u	 /* argv could not be read */
#define PROCESS_EXEC_EXE_TRUNCATED 0x4u
#define PROCESS_EXEC_CWD_TRUNCATED 0x8u /* deeper than PROCESS_CWD_DEPTH or longer */
#define PROCESS_EXEC_EXE_DELETED 0x10u	/* the executed file has no links (deleted, memfd) */
#define PROCESS_EXEC_STDIO_KNOWN 0x20u	/* stdio[] was filled (eBPF: always) */
#define PROCESS_EXEC_INTERP_TRUNCATED 0x40u
#define PROCESS_EXEC_PATH_KNOWN 0x80u	     /* the executed file's path was walked */
#define PROCESS_EXEC_PATH_TRUNCATED 0x100u   /* ... deeper than PROCESS_CWD_DEPTH or longer */
#define PROCESS_EXEC_CGROUP_KNOWN 0x200u     /* the cgroup was walked up to its root */
#define PROCESS_EXEC_CGROUP_TRUNCATED 0x400u /* ... but deeper or longer than the bounds */
#define PROCESS_EXEC_STDIN_KNOWN 0x800u	     /* fd 0 is a regular file: its path was walked */
#define PROCESS_EXEC_STDIN_TRUNCATED 0x1000u /* ... deeper than PROCESS_CWD_DEPTH or longer */
#define PROCESS_EXEC_STDIN_DELETED 0x2000u   /* ... and its name is gone (deleted, memfd) */

/*
 * Which cgroup hierarchy the exec program reads (its `cgroup_source`, chosen by user space from
 * /proc/cgroups): a cgroup v1 controller that is mounted on a hierarchy of its own, else the
 * default (v2) hierarchy.
 */
enum process_cgroup_source {
	PROCESS_CGROUP_SOURCE_NONE,
	PROCESS_CGROUP_SOURCE_DFL, /* cgroup v2: css_set->dfl_cgrp */
	PROCESS_CGROUP_SOURCE_PIDS,
	PROCESS_CGROUP_SOURCE_MEMORY,
	PROCESS_CGROUP_SOURCE_CPU,
	PROCESS_CGROUP_SOURCE_CPUACCT,
	PROCESS_CGROUP_SOURCE_DEVICES,
	PROCESS_CGROUP_SOURCE_FREEZER,
	PROCESS_CGROUP_SOURCE_BLKIO,
	PROCESS_CGROUP_SOURCE_CPUSET,
	PROCESS_CGROUP_SOURCE_MAX,
};

/* What fds 0, 1 and 2 of a new process are (process_exec_record.stdio[]). */
enum process_stdio {
	PROCESS_STDIO_NONE,   /* not open */
	PROCESS_STDIO_SOCKET, /* any socket; an inet peer is in stdio_remote_* */
	PROCESS_STDIO_PIPE,   /* pipe or FIFO */
	PROCESS_STDIO_TTY,    /* a terminal (tty, pts, console) */
	PROCESS_STDIO_FILE,   /* a regular file (memfd too) */
	PROCESS_STDIO_NULL,   /* /dev/null */
	PROCESS_STDIO_OTHER,  /* another device, a directory, an anonymous inode */
	PROCESS_STDIO_MAX,
};

/* One cut argument: bytes removed at offset `at` of the record's argv (after its head). */
struct process_argv_cut {
	__u32 at;
	__u32 cut;
};

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
 * Exec records are packed: data[] holds exe (exe_len bytes, no NUL), then the interpreter
 * (interp_len bytes: bprm->interp when it is not the file execve was given, i.e. the #!
 * interpreter of a script), then the cwd components (cwd_len bytes), then the path of the
 * file the kernel runs (path_len bytes of components like cwd's: mm->exe_file, symlinks
 * resolved; for a script its interpreter), then the cgroup's directory names (cgroup_len
 * bytes, innermost first, NUL-terminated each), then the path of the regular file on fd 0
 * (stdin_len bytes of components like cwd's, PROCESS_EXEC_STDIN_KNOWN: `bash < /tmp/x.sh`),
 * then argv (args_len bytes), then n_cuts struct process_argv_cut, and only those bytes are
 * submitted, so a typical record is ~220 bytes rather than the ~900 a fixed layout would
 * take.  exe_len and interp_len < PROCESS_EXE_MAX, cwd_len < PROCESS_CWD_MAX, path_len and
 * stdin_len < PROCESS_PATH_MAX and cgroup_len < PROCESS_CGROUP_NAMES_MAX, so argv starts
 * below PROCESS_EXEC_ARGS_OFF_MAX (a bound the BPF verifier can see).
 */
#define PROCESS_EXEC_ARGS_OFF_MAX 4096
#define PROCESS_EXEC_CUTS_BYTES (PROCESS_ARGV_CUTS * 8)
#define PROCESS_EXEC_DATA_MAX                                                                      \
	(PROCESS_EXEC_ARGS_OFF_MAX + PROCESS_ARGS_MAX + PROCESS_EXEC_CUTS_BYTES)

struct process_exec_record {
	struct process_record_header h;
	__u32 flags;
	__u32 exe_len;	    /* bytes of exe at data[0] */
	__u32 interp_len;   /* bytes of the interpreter at data[exe_len] */
	__u32 cwd_len;	    /* bytes of cwd components at data[exe_len + interp_len] */
	__u32 args_len;	    /* bytes of argv after them */
	__u32 argc;	    /* argc when argv was cut (0 otherwise) */
	__u32 args_omitted; /* arguments after the last one in argv, not sent */
	__u16 n_cuts;	    /* struct process_argv_cut after argv */
	__u8 stdio[3];	    /* enum process_stdio of fds 0, 1, 2 */
	__u8 pad;
	__u16 stdio_family; /* AF_INET/AF_INET6 when fd 0 or 1 is a connected inet socket */
	__u16 stdio_port;   /* its peer: port (host order) and address */
	__u8 stdio_addr[16];
	__u16 path_len;	  /* bytes of the executed file's path components after cwd */
	__u64 cgroup_id;  /* cgroup v2 id of the task at exec: keys the container cache */
	__u16 cgroup_len; /* bytes of cgroup directory names after the path */
	__u16 stdin_len;  /* bytes of the stdin file's path components after them */
	__u16 pad3[2];
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

/*
 * A listener: a TCP socket entered LISTEN (inet_csk_listen_start, inside listen() in the
 * caller's context), or a UDP socket was bound by bind() (at its return, in the caller's
 * context; a port the kernel gives implicitly on the first send or connect is a client's and
 * never reported), so the header names the listening process.  netns_ino: inode number of
 * the socket's network namespace (as /proc/PID/ns/net shows it), so user space can tell a
 * listener of another namespace (a container's) from one of its own.
 */
struct process_listen_record {
	struct process_record_header h;
	__u16 family;	  /* AF_INET or AF_INET6 */
	__u16 local_port; /* host order */
	__u32 netns_ino;
	__u64 cgroup_id;     /* cgroup v2 id of the task */
	__u8 local_addr[16]; /* 4 bytes used for AF_INET */
	__u8 protocol;	     /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[7];
};

/* Fixed part of an exec record (what precedes data[]). */
#define PROCESS_EXEC_RECORD_FIXED __builtin_offsetof(struct process_exec_record, data)
