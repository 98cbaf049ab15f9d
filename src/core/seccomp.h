/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The system-call allow-list of the running agent (seccomp-BPF, classic BPF written here, no
 * libseccomp): installed once after privilege_drop(), it lets through only the calls the agent
 * makes after set-up and answers every other one with EPERM.  See seccomp.c and
 * docs/security.md.
 */

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

enum seccomp_policy {
	SECCOMP_POLICY_ENFORCE, /* other calls fail with EPERM (the default) */
	SECCOMP_POLICY_LOG,	/* other calls run and the kernel logs them (SECCOMP_RET_LOG) */
	SECCOMP_POLICY_OFF,	/* no filter */
	_SECCOMP_POLICY_MAX,
};

/* The jumps of classic BPF are 8-bit and forward only (see seccomp.c): hard caps. */
#define SECCOMP_CALLS_MAX 240
#define SECCOMP_ARG_VALUES_MAX 16
#define SECCOMP_PROG_MAX 512

struct seccomp_call {
	int nr;		  /* __NR_* of this build's architecture */
	const char *name; /* "openat" */
	/* Which argument `values` judges (0-5): its low 32 bits, as the kernel reads an int or
	 * an ioctl request. */
	unsigned arg;
	/* NULL: any arguments; else the values argument `arg` may have, at most
	 * SECCOMP_ARG_VALUES_MAX */
	const uint32_t *values;
	unsigned n_values;
	/* With values: when argument `arg` is sub_when (one of values), argument sub_arg must
	 * also be one of sub_values (NULL: no second test).  socket(): AF_NETLINK, then the
	 * protocol. */
	uint32_t sub_when;
	unsigned sub_arg;
	const uint32_t *sub_values;
	unsigned n_sub;
};

struct seccomp_prog {
	struct sock_filter insns[SECCOMP_PROG_MAX];
	unsigned short len;
};

/* What seccomp_install() did; the caller logs it. */
struct seccomp_result {
	enum seccomp_policy policy; /* in force (OFF when nothing was installed) */
	unsigned n_allowed;	    /* calls let through, 0 without a filter */
	int error;		    /* -errno when a filter was asked for and not installed */
	const char *why;	    /* the step that failed, or "" */
	char text[32];		    /* "enforce 87", "log 87" or "off" (Heartbeat Seccomp) */
	char sockets[96];	    /* the socket families allowed (seccomp_needs_format()) */
};

/* "enforce", "log", "off" → the policy, or -EINVAL.  NULL is the default (enforce). */
int seccomp_policy_from_string(const char *s);
const char *seccomp_policy_to_string(enum seccomp_policy p);

/*
 * The agent's allow-list for this build's architecture and what the running configuration
 * needs (struct collector_syscalls, collectors/collector.h: the socket families, netlink
 * protocols and extra calls of the running collectors and backends, the agent's own added by
 * seccomp_needs_of()): the base table, the extra calls, and socket()/socketpair() judged by
 * their family (netlink: protocol).  The list points into ret; -EOPNOTSUPP (no allow-list
 * for this architecture) or -E2BIG.
 */
struct seccomp_list {
	struct seccomp_call calls[SECCOMP_CALLS_MAX];
	size_t n;
	uint32_t families[SECCOMP_ARG_VALUES_MAX], unix_only[1];
	uint32_t protocols[SECCOMP_ARG_VALUES_MAX];
	uint32_t self_pid[1], abort_signal[1]; /* tgkill(): our own SIGABRT only */
};
struct collector_syscalls;
int seccomp_allow_list(const struct collector_syscalls *needs, struct seccomp_list *ret);

/*
 * What the agent needs after set-up: its own (Docker and workload API over AF_UNIX, MQTT and
 * DNS over AF_INET/AF_INET6) and, for every collector that runs (not new, failed or
 * stopped), the entries of its syscalls table that apply to its backend.
 */
struct collector;
void seccomp_needs_of(struct collector *const *collectors, size_t n,
		      struct collector_syscalls *ret);
/* "unix,inet,inet6,netlink(sock_diag,audit)" into buf. */
void seccomp_needs_format(const struct collector_syscalls *needs, char *buf, size_t size);
/* AUDIT_ARCH_* of this build, or 0 when there is no allow-list for it. */
uint32_t seccomp_native_arch(void);

/*
 * Builds the program: calls of another architecture than `arch` (and, on x86_64, x32 calls)
 * get `deny`, the n calls get SECCOMP_RET_ALLOW (a call with values only with one of those
 * values in its argument, and sub_values as well), every other call `deny`.  0, -E2BIG (more
 * than SECCOMP_CALLS_MAX calls or SECCOMP_ARG_VALUES_MAX values, or a jump longer than 255),
 * -EINVAL (a negative or repeated number, an argument past 5, no values with a list, a
 * sub_when that is not one of the values).
 */
int seccomp_prog_build(uint32_t arch, const struct seccomp_call *calls, size_t n, uint32_t deny,
		       struct seccomp_prog *ret);

/*
 * Installs the agent's allow-list for needs (seccomp_needs_of()) with the policy
 * (SECCOMP_FILTER_FLAG_TSYNC: every thread).
 * Needs no_new_privs (or CAP_SYS_ADMIN).  LOG on a kernel without SECCOMP_RET_LOG (before
 * 4.14) installs nothing (-EOPNOTSUPP).  Returns 0 or -errno; *ret says what holds.  A filter
 * cannot be removed: this is done once.
 */
int seccomp_install(enum seccomp_policy policy, const struct collector_syscalls *needs,
		    struct seccomp_result *ret);
