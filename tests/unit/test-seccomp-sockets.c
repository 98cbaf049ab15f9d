/* SPDX-License-Identifier: MIT */
/*
 * The allow-list narrowed to the configuration (core/seccomp.c, the collectors' syscalls
 * tables in collectors/collector.h):
 *   - seccomp_needs_of(): the agent's own families (unix, inet, inet6) always; a running
 *     collector's entries that apply to its backend (describe()) add, the others and those of
 *     a new, failed or stopped collector do not; AF_NETLINK only with a protocol;
 *   - the real kernel, in a forked child after seccomp_install() with those needs: what an
 *     attacker running code in the agent would open is refused with EPERM (AF_PACKET raw and
 *     datagram, AF_BLUETOOTH, AF_ALG, AF_VSOCK, AF_KEY, AF_CAN, AF_PACKET with bits above the
 *     32 the kernel reads, socketpair of another family, netlink protocols no collector
 *     named: KOBJECT_UEVENT, ROUTE, AUDIT, GENERIC), what the configuration needs works
 *     (unix, inet, inet6, the named netlink protocol); pidfd_open/pidfd_getfd and the perf
 *     ioctl are refused unless a running backend asks for them (audit or proc connector
 *     capture; eBPF capture), and work when one does;
 *   - the built-in collectors' tables: pidfd for the audit and proc connector captures and
 *     the audit login source only, the perf ioctl for eBPF only, sock_diag for ports,
 *     netfilter and route (libnftables' interface cache) for the firewall, and no collector
 *     asks for AF_PACKET or NETLINK_KOBJECT_UEVENT.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "common/array.h"
#include "core/seccomp.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

/* ---- seccomp_needs_of() over made-up collectors ---- */

static const char *describe_audit(struct collector *c)
{
	(void)c;
	return "audit (kernel audit, 3 rules)";
}

static const char *describe_ebpf(struct collector *c)
{
	(void)c;
	return "ebpf (tracepoints)";
}

static const struct collector_syscalls capture_syscalls[] = {
	{ "ebpf", 0, 0, COLLECTOR_SYSCALL_PERF_IOCTL },
	{ "audit", COLLECTOR_FAMILY(AF_NETLINK), COLLECTOR_NETLINK(NETLINK_AUDIT),
	  COLLECTOR_SYSCALL_PIDFD },
};

static const struct collector_syscalls diag_syscalls[] = {
	{ NULL, COLLECTOR_FAMILY(AF_NETLINK), COLLECTOR_NETLINK(NETLINK_SOCK_DIAG), 0 },
};

static const struct collector_syscalls bare_netlink_syscalls[] = {
	{ NULL, COLLECTOR_FAMILY(AF_NETLINK), 0, 0 },
};

static const struct collector_ops audit_ops = {
	.name = "capture-audit",
	.describe = describe_audit,
	.syscalls = capture_syscalls,
	.n_syscalls = ARRAY_SIZE(capture_syscalls),
};
static const struct collector_ops ebpf_ops = {
	.name = "capture-ebpf",
	.describe = describe_ebpf,
	.syscalls = capture_syscalls,
	.n_syscalls = ARRAY_SIZE(capture_syscalls),
};
static const struct collector_ops diag_ops = {
	.name = "diag",
	.syscalls = diag_syscalls,
	.n_syscalls = ARRAY_SIZE(diag_syscalls),
};
static const struct collector_ops bare_ops = {
	.name = "bare",
	.syscalls = bare_netlink_syscalls,
	.n_syscalls = ARRAY_SIZE(bare_netlink_syscalls),
};
static const struct collector_ops none_ops = { .name = "none" };

#define BASE (COLLECTOR_FAMILY(AF_UNIX) | COLLECTOR_FAMILY(AF_INET) | COLLECTOR_FAMILY(AF_INET6))

static void needs_of(const struct collector_ops *const *ops, const enum collector_state *st,
		     size_t n, struct collector_syscalls *ret)
{
	struct collector cs[4];
	struct collector *ptrs[4];

	assert_true(n <= ARRAY_SIZE(cs));
	for (size_t i = 0; i < n; i++) {
		cs[i] = (struct collector){ .ops = ops[i], .state = st[i] };
		ptrs[i] = &cs[i];
	}
	seccomp_needs_of(ptrs, n, ret);
}

static void test_needs_of(void **state)
{
	const struct collector_ops *audit_diag[] = { &audit_ops, &diag_ops, &none_ops };
	const enum collector_state running3[] = { COLLECTOR_STATE_RUNNING, COLLECTOR_STATE_DEGRADED,
						  COLLECTOR_STATE_RUNNING };
	const struct collector_ops *ebpf_only[] = { &ebpf_ops };
	const struct collector_ops *bare[] = { &bare_ops };
	const enum collector_state running[] = { COLLECTOR_STATE_RUNNING };
	const enum collector_state not_running[] = { COLLECTOR_STATE_FAILED };
	struct collector_syscalls n;
	char text[96];

	(void)state;
	seccomp_needs_of(NULL, 0, &n);
	assert_int_equal(n.families, BASE);
	assert_int_equal(n.netlink, 0);
	assert_int_equal(n.calls, 0);
	seccomp_needs_format(&n, text, sizeof(text));
	assert_string_equal(text, "unix,inet,inet6");

	needs_of(audit_diag, running3, 3, &n);
	assert_int_equal(n.families, BASE | COLLECTOR_FAMILY(AF_NETLINK));
	assert_int_equal(n.netlink,
			 COLLECTOR_NETLINK(NETLINK_AUDIT) | COLLECTOR_NETLINK(NETLINK_SOCK_DIAG));
	assert_int_equal(n.calls, COLLECTOR_SYSCALL_PIDFD); /* not the eBPF entry */
	seccomp_needs_format(&n, text, sizeof(text));
	assert_string_equal(text, "unix,inet,inet6,netlink(sock_diag,audit)");

	needs_of(ebpf_only, running, 1, &n);
	assert_int_equal(n.families, BASE);
	assert_int_equal(n.calls, COLLECTOR_SYSCALL_PERF_IOCTL);
	needs_of(ebpf_only, not_running, 1, &n); /* a failed collector runs nothing */
	assert_int_equal(n.calls, 0);
	/* a family of netlink without a protocol opens nothing */
	needs_of(bare, running, 1, &n);
	assert_int_equal(n.families, BASE);
	/* a short buffer is cut, never overrun */
	needs_of(audit_diag, running3, 3, &n);
	seccomp_needs_format(&n, text, 12);
	assert_string_equal(text, "unix,inet,i");
}

/* ---- the real kernel ---- */

static bool refused(long r)
{
	return r == -1 && errno == EPERM;
}

static long try_socket(long family, int type, int protocol)
{
	long r;

	errno = 0;
	r = syscall(__NR_socket, family, type | SOCK_CLOEXEC, protocol);
	if (r >= 0)
		close((int)r);
	return r;
}

/* Refused whatever the collectors ask for.  0 or the number of the first failed check. */
static int hostile_sockets(void)
{
	int sv[2];

	if (!refused(try_socket(AF_PACKET, SOCK_RAW, 0x0300 /* htons(ETH_P_ALL) */)))
		return 20;
	if (!refused(try_socket(AF_PACKET, SOCK_DGRAM, 0x0300)))
		return 21;
	if (!refused(try_socket(AF_PACKET | (1L << 32), SOCK_RAW, 0x0300))) /* kernel: an int */
		return 22;
	if (!refused(try_socket(AF_BLUETOOTH, SOCK_RAW, 1)) || !refused(try_socket(AF_ALG, 5, 0)) ||
	    !refused(try_socket(AF_VSOCK, SOCK_STREAM, 0)) ||
	    !refused(try_socket(AF_KEY, SOCK_RAW, 2)) || !refused(try_socket(AF_CAN, SOCK_RAW, 1)))
		return 23;
	if (!refused(try_socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT)) ||
	    !refused(try_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)) ||
	    !refused(try_socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)))
		return 24;
	errno = 0;
	if (!refused(syscall(__NR_socketpair, AF_INET, SOCK_STREAM, 0, sv)))
		return 25;
	return 0;
}

/* What the agent's own needs must still allow. */
static int own_sockets(void)
{
	int sv[2];

	if (try_socket(AF_UNIX, SOCK_STREAM, 0) < 0 || try_socket(AF_INET, SOCK_STREAM, 0) < 0 ||
	    try_socket(AF_INET, SOCK_DGRAM, 0) < 0)
		return 30;
	if (refused(try_socket(AF_INET6, SOCK_STREAM, 0))) /* EAFNOSUPPORT without IPv6 */
		return 31;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 32;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* needs 0: the agent's own only; 1: the audit capture and ports; 2: the eBPF capture. */
static int child(long which)
{
	const struct collector_ops *ops[3][2] = { { &none_ops },
						  { &audit_ops, &diag_ops },
						  { &ebpf_ops } };
	const enum collector_state st[] = { COLLECTOR_STATE_RUNNING, COLLECTOR_STATE_RUNNING };
	struct collector_syscalls needs;
	struct seccomp_result res;
	int fds[2], r, pidfd;
	long got;

	needs_of(ops[which], st, which == 1 ? 2 : 1, &needs);
	if (pipe(fds) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 2;
	if (seccomp_install(SECCOMP_POLICY_ENFORCE, &needs, &res) != 0)
		return 3;
	r = hostile_sockets();
	if (r == 0)
		r = own_sockets();
	if (r)
		return r;
	/* netlink: only what a running collector named */
	got = try_socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
	if (which == 1 ? got < 0 : !refused(got))
		return 40;
	got = try_socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
	if (which == 1 ? refused(got) : !refused(got)) /* audit may be missing: not EPERM */
		return 41;
	/* pidfd_open + pidfd_getfd: only for the audit capture (a copy of our own fd 0) */
	errno = 0;
	pidfd = (int)syscall(__NR_pidfd_open, getpid(), 0);
	if (which != 1)
		return refused(pidfd) && refused(syscall(__NR_pidfd_getfd, -1, 0, 0)) ? 0 : 42;
	if (pidfd < 0)
		return errno == ENOSYS ? 0 : 43; /* before 5.3/5.6 */
	errno = 0;
	got = syscall(__NR_pidfd_getfd, pidfd, fds[0], 0);
	if (got < 0 && errno != ENOSYS)
		return 44;
	/* the perf ioctl: not for the audit capture (pipe: ENOTTY only when it is let through) */
	errno = 0;
	if (!refused(ioctl(fds[0], PERF_EVENT_IOC_DISABLE, 0)))
		return 45;
	return 0;
}

/* The eBPF capture: the perf ioctl reaches the kernel (ENOTTY on a pipe). */
static int child_ebpf_ioctl(long unused)
{
	const struct collector_ops *ops[] = { &ebpf_ops };
	const enum collector_state st[] = { COLLECTOR_STATE_RUNNING };
	struct collector_syscalls needs;
	struct seccomp_result res;
	int fds[2];

	(void)unused;
	needs_of(ops, st, 1, &needs);
	if (pipe(fds) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    seccomp_install(SECCOMP_POLICY_ENFORCE, &needs, &res) != 0)
		return 2;
	errno = 0;
	return ioctl(fds[0], PERF_EVENT_IOC_DISABLE, 0) == -1 && errno == ENOTTY ? 0 : 50;
}

static int in_child(int (*fn)(long), long arg)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		syscall(__NR_exit_group, fn(arg)); /* not _exit: see test-seccomp.c */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_false(WIFSIGNALED(st));
	return WEXITSTATUS(st);
}

static void need_allow_list(void)
{
	static struct seccomp_list l;
	struct collector_syscalls n;

	seccomp_needs_of(NULL, 0, &n);
	if (seccomp_allow_list(&n, &l) == -EOPNOTSUPP)
		skip(); /* no allow-list for this architecture */
}

static void test_kernel_base(void **state)
{
	(void)state;
	need_allow_list();
	assert_int_equal(in_child(child, 0), 0);
}

static void test_kernel_audit_capture(void **state)
{
	(void)state;
	need_allow_list();
	assert_int_equal(in_child(child, 1), 0);
}

static void test_kernel_ebpf_capture(void **state)
{
	(void)state;
	need_allow_list();
	assert_int_equal(in_child(child, 2), 0);
	assert_int_equal(in_child(child_ebpf_ioctl, 0), 0);
}

/*
 * tgkill: our own SIGABRT only.  Under the filter another signal to ourselves and SIGABRT to
 * our parent are refused; then raise(SIGABRT) -- what abort() does first: gettid and tgkill --
 * ends the child with SIGABRT (before tgkill was listed, abort() fell through to its SIGSEGV
 * last resort).  raise(), not abort(): under ASan abort() first runs the sanitizer's no-return
 * hook, whose own system calls this filter is not made for.
 */
static int child_abort(long unused)
{
	struct collector_syscalls needs;
	struct seccomp_result res;
	pid_t self = getpid(), parent = getppid();

	(void)unused;
	(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }); /* no core file from the test */
	signal(SIGUSR1, SIG_IGN);
	seccomp_needs_of(NULL, 0, &needs);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    seccomp_install(SECCOMP_POLICY_ENFORCE, &needs, &res) != 0)
		return 2;
	errno = 0;
	if (!refused(syscall(__NR_tgkill, self, self, SIGUSR1)))
		return 60;
	errno = 0;
	if (!refused(syscall(__NR_tgkill, parent, parent, SIGABRT)))
		return 61;
	raise(SIGABRT);
	return 62;
}

static void test_kernel_abort(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	need_allow_list();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		syscall(__NR_exit_group, child_abort(0));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st))
		fail_msg("the child exited %d instead of dying of SIGABRT", WEXITSTATUS(st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
}

/* The list grows only by what is asked: sizes printed for docs/security.md. */
static void test_list_sizes(void **state)
{
	static struct seccomp_list base, all;
	struct collector_syscalls n;

	(void)state;
	need_allow_list();
	seccomp_needs_of(NULL, 0, &n);
	assert_int_equal(seccomp_allow_list(&n, &base), 0);
	n.families |= COLLECTOR_FAMILY(AF_NETLINK);
	n.netlink = COLLECTOR_NETLINK(NETLINK_AUDIT);
	n.calls = COLLECTOR_SYSCALL_ALL;
	assert_int_equal(seccomp_allow_list(&n, &all), 0);
	assert_int_equal(all.n, base.n + 3); /* pidfd_open, pidfd_getfd, ioctl */
	for (size_t i = 0; i < base.n; i++) {
		assert_int_not_equal(base.calls[i].nr, __NR_pidfd_getfd);
		assert_int_not_equal(base.calls[i].nr, __NR_pidfd_open);
		assert_int_not_equal(base.calls[i].nr, __NR_ioctl);
	}
	printf("allow-list: %zu calls with the agent's own needs, %zu with every extra\n", base.n,
	       all.n);
	/* the default collectors (ports, firewall: sock_diag, netfilter, route; logins from
	 * utmp) per capture backend, as their tables say (process.c) */
	for (int k = 0; k < 3; k++) {
		static const char *const names[] = { "ebpf", "audit", "cnproc" };
		static const uint32_t calls[] = { COLLECTOR_SYSCALL_PERF_IOCTL,
						  COLLECTOR_SYSCALL_PIDFD,
						  COLLECTOR_SYSCALL_PIDFD };

		seccomp_needs_of(NULL, 0, &n);
		n.families |= COLLECTOR_FAMILY(AF_NETLINK);
		n.netlink = COLLECTOR_NETLINK(NETLINK_SOCK_DIAG) |
			    COLLECTOR_NETLINK(NETLINK_NETFILTER) | COLLECTOR_NETLINK(NETLINK_ROUTE);
		n.calls = calls[k];
		assert_int_equal(seccomp_allow_list(&n, &all), 0);
		printf("allow-list: %zu calls with the %s capture\n", all.n, names[k]);
	}
	/* more families than a list holds: refused, not cut */
	n.families = ~0ull;
	assert_int_equal(seccomp_allow_list(&n, &all), -E2BIG);
}

/* The real tables: what each built-in collector says it does after start. */
static const struct collector_syscalls *entry_of(const struct collector_ops *ops,
						 const char *backend)
{
	for (unsigned i = 0; i < ops->n_syscalls; i++)
		if ((!backend && !ops->syscalls[i].backend) ||
		    (backend && ops->syscalls[i].backend &&
		     strcmp(ops->syscalls[i].backend, backend) == 0))
			return &ops->syscalls[i];
	return NULL;
}

static void test_builtin_tables(void **state)
{
	const struct collector_syscalls *e;

	(void)state;
	/* pidfd for the captures that read fds from /proc, never for eBPF */
	e = entry_of(&process_collector_ops, "ebpf");
	assert_non_null(e);
	assert_int_equal(e->calls, COLLECTOR_SYSCALL_PERF_IOCTL);
	for (int k = 0; k < 2; k++) {
		e = entry_of(&process_collector_ops, k ? "cnproc" : "audit");
		assert_non_null(e);
		assert_int_equal(e->calls, COLLECTOR_SYSCALL_PIDFD);
		assert_int_equal(e->families, 0); /* their sockets are opened at start */
	}
	assert_null(entry_of(&process_collector_ops, NULL));
	e = entry_of(&ports_collector_ops, NULL);
	assert_non_null(e);
	assert_int_equal(e->netlink, COLLECTOR_NETLINK(NETLINK_SOCK_DIAG));
	e = entry_of(&firewall_collector_ops, NULL);
	assert_non_null(e);
	assert_int_equal(e->netlink,
			 COLLECTOR_NETLINK(NETLINK_NETFILTER) | COLLECTOR_NETLINK(NETLINK_ROUTE));
	/* the audit login source copies sshd's socket (login-sock.c); utmp asks nothing */
	e = entry_of(&login_collector_ops, "source audit");
	assert_non_null(e);
	assert_int_equal(e->calls, COLLECTOR_SYSCALL_PIDFD);
	assert_null(entry_of(&login_collector_ops, "source utmp"));
	/* nobody asks for a family the agent must never open */
	for (size_t i = 0; i < collector_n_builtins; i++) {
		const struct collector_ops *ops = collector_builtins[i];

		for (unsigned k = 0; k < ops->n_syscalls; k++) {
			assert_false(ops->syscalls[k].families & COLLECTOR_FAMILY(AF_PACKET));
			assert_false(ops->syscalls[k].netlink &
				     COLLECTOR_NETLINK(NETLINK_KOBJECT_UEVENT));
			assert_int_equal(ops->syscalls[k].calls & ~COLLECTOR_SYSCALL_ALL, 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs_of),
		cmocka_unit_test(test_kernel_base),
		cmocka_unit_test(test_kernel_audit_capture),
		cmocka_unit_test(test_kernel_ebpf_capture),
		cmocka_unit_test(test_kernel_abort),
		cmocka_unit_test(test_list_sizes),
		cmocka_unit_test(test_builtin_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
