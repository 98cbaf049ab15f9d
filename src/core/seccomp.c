/* SPDX-License-Identifier: MIT */
/*
 * The system-call allow-list of the running agent.
 *
 * What: once set-up is over (eBPF loaded and attached, netlink sockets bound, audit rules
 * added, files opened) and privilege_drop() has dropped capabilities, switched to the run-as
 * user and set no_new_privs, agent_loop() installs a seccomp-BPF filter built here from the
 * base table (`allowed[]` below: the calls the running agent makes whatever runs, grouped,
 * with a one-line reason per group) and what the configuration needs (seccomp_needs_of():
 * the agent's own socket families plus the syscalls tables of the running collectors, per
 * backend, in collectors/collector.h): socket() by family (AF_NETLINK: by protocol),
 * socketpair() for AF_UNIX only, and the extra calls of extras[] (pidfd_open/pidfd_getfd
 * for the audit and proc connector captures and the audit login source, the perf ioctl for
 * the eBPF capture).  An intruder running code in the agent cannot open AF_PACKET or another
 * family no collector uses, nor copy another process's fds unless a backend does.  The
 * table was measured, not guessed: scripts/seccomp-measure.sh counts every call each agent
 * makes after its prctl(PR_SET_NO_NEW_PRIVS) while the integration suite runs (twin,
 * methods, MQTT and spool, Docker events, eBPF and audit capture, logins, SIGHUP, snapshot,
 * posture, detection); calls only reached on error paths that the suite does not provoke
 * were added by reading the code (marked "not seen").
 *
 * The program (classic BPF over struct seccomp_data):
 *   1. arch != this build's AUDIT_ARCH_*        → deny (an i386 int 0x80 on x86_64, ...);
 *   2. x86_64: nr has __X32_SYSCALL_BIT         → deny (x32 numbers are another table);
 *   3. nr == one of the allowed                 → allow (ioctl: only with the one request
 *                                                  it makes, see ioctl_requests[]; socket:
 *                                                  a listed family, netlink protocol);
 *   4. anything else                            → deny.
 * deny is SECCOMP_RET_ERRNO(EPERM) ("enforce", the default): a call that was missed fails like
 * a refused permission and degrades one feature visibly (the caller logs the EPERM) instead
 * of killing the agent.  "log" makes deny SECCOMP_RET_LOG: the call runs and the kernel logs
 * it (audit record type SECCOMP, or dmesg), which is how a missing call is found.  Only
 * ioctl, socket and socketpair depend on an argument (its low 32 bits: the kernel reads an
 * int), so kernels from 5.11 cache "always allowed" for every other call number and do not
 * run the program for those at all: the order of the table is free.
 *
 * Limits: the agent never forks, execs or starts threads after set-up, so clone, fork,
 * execve are absent (a library starting a thread later would fail with EPERM, logged).
 * Denied calls cannot be counted from user space with RET_ERRNO (the process only sees the
 * error); SECCOMP_RET_TRAP with a SIGSYS handler could, at the price of rewriting registers
 * in a signal handler per architecture: not done.  A filter cannot be removed once installed
 * (not by the twin, not by anyone): the mode is read at start from the local configuration
 * only.  The x86_64 table is the measured one; aarch64 and arm use the same calls under
 * their own names (no legacy access/readlink/unlink/poll; time64, *64 and *32 variants on
 * arm), unmeasured and not compiled here (the socket families, netlink protocols and extras
 * are the same numbers there).  scripts/seccomp-measure.sh --denied lists the calls a
 * running agent was refused; without --denied it also prints the socket families it saw.
 */
#include "seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/array.h"

#if defined(__x86_64__) && !defined(__ILP32__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && !defined(__ARMEB__)
#define NATIVE_ARCH AUDIT_ARCH_ARM
#else
#define NATIVE_ARCH 0 /* no allow-list: seccomp_install() says -EOPNOTSUPP */
#endif

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

#define SC(x)                                                                                      \
	{                                                                                          \
		__NR_##x, #x                                                                       \
	}

#define SC_ARG(x, i, values)                                                                       \
	{                                                                                          \
		__NR_##x, #x, i, values, ARRAY_SIZE(values)                                        \
	}

#if NATIVE_ARCH
/*
 * ioctl only with the requests made after set-up: libbpf disables the perf events of the
 * tracepoints when the process collector stops (measured: nothing else).  Not TIOCSTI and the
 * other terminal, block-device or network requests.  Only with the eBPF capture
 * (COLLECTOR_SYSCALL_PERF_IOCTL).
 */
static const uint32_t ioctl_requests[] = { PERF_EVENT_IOC_DISABLE };

/* The calls behind each COLLECTOR_SYSCALL_* bit, added when a running collector needs it. */
static const struct seccomp_call extra_pidfd[] = { SC(pidfd_open), SC(pidfd_getfd) };
static const struct seccomp_call extra_perf_ioctl[] = { SC_ARG(ioctl, 1, ioctl_requests) };
static const struct {
	uint32_t bit;
	const struct seccomp_call *calls;
	size_t n;
} extras[] = {
	{ COLLECTOR_SYSCALL_PIDFD, extra_pidfd, ARRAY_SIZE(extra_pidfd) },
	{ COLLECTOR_SYSCALL_PERF_IOCTL, extra_perf_ioctl, ARRAY_SIZE(extra_perf_ioctl) },
};

/*
 * x86_64 names; where aarch64 or arm have only the *at / p* / 64 variant, that one is listed
 * under #ifdef beside it.  Measured: every call scripts/seccomp-measure.sh saw after set-up
 * over the whole integration suite plus the audit and proc connector captures (55 on x86_64);
 * "not seen" marks a group added from the code paths the suite does not reach.
 */
static const struct seccomp_call allowed[] = {
	/* files: host files and /proc walks (ports, process, users, baseline), the state
	 * directory, --output, rules and --config on SIGHUP; realpath() uses readlink */
	SC(openat),
	SC(openat2),
	SC(close),
	SC(read),
	SC(write),
	SC(writev),
	SC(pread64),
	SC(pwrite64),
#ifdef __NR_newfstatat
	SC(newfstatat),
#else /* arm */
	SC(fstatat64),
	SC(fstat64),
	SC(statx),
#endif
	SC(readlinkat),
	SC(getdents64),
	SC(fcntl),
#ifdef __NR_fcntl64
	SC(fcntl64),
#endif
	SC(dup),
#ifdef __NR_access
	SC(access),
	SC(readlink),
#else
	SC(faccessat),
#endif
/* wtmp/btmp reading (login, utmp source) */
#ifdef __NR__llseek
	SC(_llseek),
#else
	SC(lseek),
#endif
	/* the spool (SQLite: journal, sync, truncate) and files replaced by rename (safefile) */
	SC(fsync),
	SC(fdatasync),
	SC(ftruncate),
#ifdef __NR_ftruncate64
	SC(ftruncate64),
#endif
	SC(renameat),
#ifdef __NR_unlink
	SC(unlink),
#endif
	SC(unlinkat), /* safefile: the temporary file after a failed write (not seen) */
	/* memory: malloc, the mapped eBPF ring buffer and loss counters, SQLite; realloc of a
	 * large block (mremap: not seen) */
	SC(brk),
#ifdef __NR_mmap
	SC(mmap),
#else
	SC(mmap2),
#endif
	SC(munmap),
	SC(mremap),
	SC(madvise),
	SC(mprotect),
/* the event loop: epoll, timerfd, signalfd (a read); SIGPIPE ignored by libmosquitto */
#ifdef __NR_epoll_wait
	SC(epoll_wait),
#else
	SC(epoll_pwait),
#endif
	SC(epoll_ctl),
	SC(timerfd_settime),
#ifdef __NR_timerfd_settime64
	SC(timerfd_settime64),
#endif
	SC(rt_sigaction),
	/* sockets: Docker API and workload API (unix), MQTT (TCP, TLS), netlink (audit, nftables,
	 * sock_diag, proc connector); socket() and socketpair() are added by seccomp_allow_list()
	 * with the families the configuration needs */
	SC(connect),
	SC(bind),
	SC(sendto),
	SC(recvfrom),
	SC(recvmsg),
	SC(setsockopt),
	SC(getsockopt),
	SC(getsockname),
	SC(getpeername),
	/* DNS for the hub's host name (glibc's resolver: sendmmsg, poll; not seen: the tests use
	 * 127.0.0.1, tests/unit/test-seccomp.c resolves a name under the filter) */
	SC(sendmmsg),
#ifdef __NR_poll
	SC(poll),
#else
	SC(ppoll),
#endif
#ifdef __NR_ppoll_time64
	SC(ppoll_time64),
#endif
	/* locks of OpenSSL, libmosquitto and SQLite (FUTEX_WAKE; one thread) */
	SC(futex),
#ifdef __NR_futex_time64
	SC(futex_time64),
#endif
	/* ids and host facts: Heartbeat (RunAs, rusage), SystemInformation (uname, sysinfo),
	 * GUIDs and TLS (getrandom) */
	SC(getpid),
	SC(getuid),
	SC(geteuid),
	SC(getgid),
	SC(getgroups),
#ifdef __NR_getuid32 /* arm: the 32-bit id calls */
	SC(getuid32),
	SC(geteuid32),
	SC(getgid32),
	SC(getgroups32),
#endif
	SC(getrusage),
	SC(sysinfo),
	SC(uname),
	SC(getrandom),
	/* clocks where the vDSO falls back to the kernel (a clocksource it cannot read; not
	 * seen here) */
	SC(clock_gettime),
	SC(gettimeofday),
#ifdef __NR_time
	SC(time), /* OpenSSL's certificate checks call time() */
#endif
#ifdef __NR_clock_gettime64
	SC(clock_gettime64),
#endif
	/* signals: returning from a handler, a call restarted after SIGSTOP/SIGCONT (not seen) */
	SC(rt_sigreturn),
#ifdef __NR_sigreturn
	SC(sigreturn),
#endif
	SC(rt_sigprocmask),
	SC(restart_syscall),
	/* leaving */
	SC(exit_group),
	SC(exit),
};
#endif

uint32_t seccomp_native_arch(void)
{
	return NATIVE_ARCH;
}

/* The agent's own sockets: Docker and workload API (unix), MQTT and DNS (inet, inet6). */
#define BASE_FAMILIES                                                                              \
	(COLLECTOR_FAMILY(AF_UNIX) | COLLECTOR_FAMILY(AF_INET) | COLLECTOR_FAMILY(AF_INET6))

void seccomp_needs_of(struct collector *const *collectors, size_t n, struct collector_syscalls *ret)
{
	*ret = (struct collector_syscalls){ .families = BASE_FAMILIES };
	for (size_t i = 0; i < n; i++) {
		struct collector *c = collectors[i];

		if (c->state == COLLECTOR_STATE_NEW || c->state == COLLECTOR_STATE_FAILED ||
		    c->state == COLLECTOR_STATE_STOPPED)
			continue;
		for (unsigned k = 0; k < c->ops->n_syscalls; k++) {
			const struct collector_syscalls *e = &c->ops->syscalls[k];

			if (!collector_backend_is(c, e->backend))
				continue;
			ret->families |= e->families;
			ret->netlink |= e->netlink;
			ret->calls |= e->calls;
		}
	}
	if (!ret->netlink) /* no protocol: no netlink socket */
		ret->families &= ~COLLECTOR_FAMILY(AF_NETLINK);
}

static const char *family_name(unsigned af)
{
	switch (af) {
	case AF_UNIX:
		return "unix";
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_NETLINK:
		return "netlink";
	default:
		return NULL;
	}
}

static const char *netlink_name(unsigned proto)
{
	switch (proto) {
	case NETLINK_ROUTE:
		return "route";
	case NETLINK_SOCK_DIAG:
		return "sock_diag";
	case NETLINK_AUDIT:
		return "audit";
	case NETLINK_CONNECTOR:
		return "connector";
	case NETLINK_NETFILTER:
		return "netfilter";
	default:
		return NULL;
	}
}

static size_t put(char *buf, size_t size, size_t used, const char *sep, const char *name,
		  unsigned number)
{
	int r = name ? snprintf(buf + used, size - used, "%s%s", sep, name)
		     : snprintf(buf + used, size - used, "%s%u", sep, number);

	return r < 0 ? used : used + (size_t)r >= size ? size - 1 : used + (size_t)r;
}

void seccomp_needs_format(const struct collector_syscalls *needs, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (unsigned af = 0; af < 64; af++) {
		if (!(needs->families & COLLECTOR_FAMILY(af)))
			continue;
		used = put(buf, size, used, used ? "," : "", family_name(af), af);
		if (af != AF_NETLINK)
			continue;
		for (unsigned p = 0, first = 1; p < 32; p++)
			if (needs->netlink & COLLECTOR_NETLINK(p)) {
				used = put(buf, size, used, first ? "(" : ",", netlink_name(p), p);
				first = 0;
			}
		used = put(buf, size, used, "", ")", 0);
	}
	if (!used)
		snprintf(buf, size, "none");
}

#if NATIVE_ARCH
static int list_add(struct seccomp_list *l, const struct seccomp_call *calls, size_t n)
{
	if (l->n + n > SECCOMP_CALLS_MAX)
		return -E2BIG;
	memcpy(&l->calls[l->n], calls, n * sizeof(*calls));
	l->n += n;
	return 0;
}

/*
 * tgkill() to ourselves with SIGABRT only: abort() (a failed assertion, glibc's heap checks)
 * raises SIGABRT with it, so the agent ends as "aborted" with a core, not in the SIGSEGV of
 * abort()'s last resort.  The pid is the installing process's, fixed in the program; the
 * agent never forks after set-up.  No other signal to any other process.
 */
static int list_add_abort(struct seccomp_list *l)
{
	if (l->n + 2 > SECCOMP_CALLS_MAX)
		return -E2BIG;
	l->calls[l->n++] = (struct seccomp_call){ __NR_gettid, "gettid" }; /* raise() asks it */
	l->self_pid[0] = (uint32_t)getpid();
	l->abort_signal[0] = SIGABRT;
	l->calls[l->n++] = (struct seccomp_call){
		__NR_tgkill, "tgkill", 0, l->self_pid, 1, l->self_pid[0], 2, l->abort_signal, 1,
	};
	return 0;
}

/* socket() by family (AF_NETLINK: by protocol too), socketpair() for AF_UNIX only. */
static int list_add_sockets(struct seccomp_list *l, const struct collector_syscalls *needs)
{
	bool netlink = (needs->families & COLLECTOR_FAMILY(AF_NETLINK)) && needs->netlink;
	unsigned nf = 0, np = 0;

	for (unsigned af = 0; af < 64; af++)
		if ((needs->families & COLLECTOR_FAMILY(af)) && (af != AF_NETLINK || netlink)) {
			if (nf == SECCOMP_ARG_VALUES_MAX)
				return -E2BIG;
			l->families[nf++] = af;
		}
	for (unsigned p = 0; p < 32 && netlink; p++)
		if (needs->netlink & COLLECTOR_NETLINK(p)) {
			if (np == SECCOMP_ARG_VALUES_MAX)
				return -E2BIG;
			l->protocols[np++] = p;
		}
	l->unix_only[0] = AF_UNIX;
	if (l->n + 2 > SECCOMP_CALLS_MAX)
		return -E2BIG;
	if (nf) /* no family at all: socket() is not listed */
		l->calls[l->n++] = (struct seccomp_call){
			__NR_socket, "socket",	 0, l->families,
			nf,	     AF_NETLINK, 2, netlink ? l->protocols : NULL,
			np,
		};
	if (needs->families & COLLECTOR_FAMILY(AF_UNIX))
		l->calls[l->n++] =
			(struct seccomp_call){ __NR_socketpair, "socketpair", 0, l->unix_only, 1 };
	return 0;
}
#endif

int seccomp_allow_list(const struct collector_syscalls *needs, struct seccomp_list *ret)
{
	memset(ret, 0, sizeof(*ret));
#if NATIVE_ARCH
	int r = list_add(ret, allowed, ARRAY_SIZE(allowed));

	for (size_t i = 0; i < ARRAY_SIZE(extras) && r == 0; i++)
		if (needs->calls & extras[i].bit)
			r = list_add(ret, extras[i].calls, extras[i].n);
	if (r == 0)
		r = list_add_abort(ret);
	return r < 0 ? r : list_add_sockets(ret, needs);
#else
	(void)needs;
	return -EOPNOTSUPP;
#endif
}

static const char *const policy_names[_SECCOMP_POLICY_MAX] = {
	[SECCOMP_POLICY_ENFORCE] = "enforce",
	[SECCOMP_POLICY_LOG] = "log",
	[SECCOMP_POLICY_OFF] = "off",
};

int seccomp_policy_from_string(const char *s)
{
	if (!s)
		return SECCOMP_POLICY_ENFORCE;
	for (int p = 0; p < _SECCOMP_POLICY_MAX; p++)
		if (strcmp(s, policy_names[p]) == 0)
			return p;
	return -EINVAL;
}

const char *seccomp_policy_to_string(enum seccomp_policy p)
{
	return p >= 0 && p < _SECCOMP_POLICY_MAX ? policy_names[p] : "?";
}

static void emit(struct seccomp_prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->len < SECCOMP_PROG_MAX)
		p->insns[p->len] = (struct sock_filter){ code, jt, jf, k };
	p->len++; /* past the end: the caller sees len > SECCOMP_PROG_MAX */
}

static bool has_value(const uint32_t *v, unsigned n, uint32_t x)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int check_call(const struct seccomp_call *c)
{
	if (c->nr < 0 || c->arg > 5 || (c->values && !c->n_values) || (!c->values && c->n_values))
		return -EINVAL;
	if (!c->sub_values)
		return c->n_sub ? -EINVAL : c->n_values > SECCOMP_ARG_VALUES_MAX ? -E2BIG : 0;
	if (!c->values || c->sub_arg > 5 || !c->n_sub ||
	    !has_value(c->values, c->n_values, c->sub_when))
		return -EINVAL;
	return c->n_values > SECCOMP_ARG_VALUES_MAX || c->n_sub > SECCOMP_ARG_VALUES_MAX ? -E2BIG
											 : 0;
}

static int check_calls(const struct seccomp_call *calls, size_t n)
{
	if (n > SECCOMP_CALLS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		int r = check_call(&calls[i]);

		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (calls[j].nr == calls[i].nr)
				return -EINVAL;
	}
	return 0;
}

/* The low 32 bits of argument i in struct seccomp_data. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG_LOW(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#else
#define ARG_LOW(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#endif

/* Instructions of a call's argument block (0 without values). */
static size_t block_len(const struct seccomp_call *c)
{
	if (!c->values)
		return 0;
	return c->n_values + 3 + (c->sub_values ? c->n_sub + 3 : 0);
}

/*
 * A call's block: LD arg, one JEQ per value (to the allow behind the deny; sub_when to the
 * second test), deny, allow, then [LD sub_arg, one JEQ per sub value, deny, allow].
 */
static void emit_block(struct seccomp_prog *p, const struct seccomp_call *c, uint32_t deny)
{
	unsigned m = c->n_values, k = c->n_sub;

	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LOW(c->arg), 0, 0);
	for (unsigned j = 0; j < m; j++) {
		bool sub = c->sub_values && c->values[j] == c->sub_when;

		emit(p, BPF_JMP | BPF_JEQ | BPF_K, c->values[j], (uint8_t)(m - j + sub), 0);
	}
	emit(p, BPF_RET | BPF_K, deny, 0, 0);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	if (!c->sub_values)
		return;
	emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LOW(c->sub_arg), 0, 0);
	for (unsigned j = 0; j < k; j++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, c->sub_values[j], (uint8_t)(k - j), 0);
	emit(p, BPF_RET | BPF_K, deny, 0, 0);
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/*
 * Layout: [arch] [x32] [one JEQ per call] deny allow [the argument block of each call with
 * values].  A call without values jumps to the first allow; one with values to its block.
 * Jumps only go forward, at most 255 instructions.
 */
int seccomp_prog_build(uint32_t arch, const struct seccomp_call *calls, size_t n, uint32_t deny,
		       struct seccomp_prog *ret)
{
	size_t blocks = 0; /* instructions of the argument blocks before the current one */
	int r = check_calls(calls, n);

	memset(ret, 0, sizeof(*ret));
	if (r < 0)
		return r;
	/* 1. the architecture */
	emit(ret, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	emit(ret, BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0);
	emit(ret, BPF_RET | BPF_K, deny, 0, 0);
	/* 2. the call number; on x86_64 no x32 numbers */
	emit(ret, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	if (arch == AUDIT_ARCH_X86_64) {
		emit(ret, BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1);
		emit(ret, BPF_RET | BPF_K, deny, 0, 0);
	}
	/* 3. each call: to the allow n - i ahead, or to its argument block */
	for (size_t i = 0; i < n; i++) {
		size_t jump = n - i + (calls[i].values ? 1 + blocks : 0);

		if (jump > 255)
			return -E2BIG;
		emit(ret, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)calls[i].nr, (uint8_t)jump, 0);
		blocks += block_len(&calls[i]);
	}
	/* 4. */
	emit(ret, BPF_RET | BPF_K, deny, 0, 0);
	emit(ret, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	/* 5. the argument blocks */
	for (size_t i = 0; i < n; i++)
		if (calls[i].values)
			emit_block(ret, &calls[i], deny);
	return ret->len > SECCOMP_PROG_MAX ? -E2BIG : 0;
}

/* Whether the kernel knows the action (SECCOMP_GET_ACTION_AVAIL, 4.14). */
static bool action_available(uint32_t action)
{
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static int fail(struct seccomp_result *ret, int error, const char *why)
{
	ret->policy = SECCOMP_POLICY_OFF;
	ret->n_allowed = 0;
	ret->error = error;
	ret->why = why;
	snprintf(ret->text, sizeof(ret->text), "off");
	return error;
}

int seccomp_install(enum seccomp_policy policy, const struct collector_syscalls *needs,
		    struct seccomp_result *ret)
{
	static struct seccomp_prog prog; /* 4 KiB, once: not on the stack */
	static struct seccomp_list list; /* 12 KiB, once */
	struct sock_fprog fprog;
	uint32_t deny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->why = "";
	ret->policy = SECCOMP_POLICY_OFF;
	snprintf(ret->text, sizeof(ret->text), "off");
	if (policy == SECCOMP_POLICY_OFF)
		return 0;
	r = seccomp_allow_list(needs, &list);
	if (r == -EOPNOTSUPP)
		return fail(ret, r, "no allow-list for this architecture");
	if (r < 0)
		return fail(ret, r, "the allow-list does not fit");
	if (policy == SECCOMP_POLICY_LOG) {
		if (!action_available(SECCOMP_RET_LOG))
			return fail(ret, -EOPNOTSUPP,
				    "the kernel has no SECCOMP_RET_LOG (before 4.14)");
		deny = SECCOMP_RET_LOG;
	}
	r = seccomp_prog_build(NATIVE_ARCH, list.calls, list.n, deny, &prog);
	if (r < 0)
		return fail(ret, r, "the allow-list does not make a program");
	fprog = (struct sock_fprog){ .len = prog.len, .filter = prog.insns };
	/* TSYNC: a positive return is a thread that could not take the filter. */
	r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
	if (r > 0)
		return fail(ret, -EBUSY, "a thread cannot take the filter (TSYNC)");
	if (r < 0)
		return fail(ret, -errno,
			    errno == EACCES ? "no_new_privs is not set" : "seccomp() refused it");
	ret->policy = policy;
	ret->n_allowed = (unsigned)list.n;
	seccomp_needs_format(needs, ret->sockets, sizeof(ret->sockets));
	snprintf(ret->text, sizeof(ret->text), "%s %u", seccomp_policy_to_string(policy),
		 ret->n_allowed);
	return 0;
}
