/* SPDX-License-Identifier: MIT */
/*
 * The system-call allow-list (core/seccomp.c):
 *   - the program, run by a small classic-BPF interpreter here over made-up seccomp_data:
 *     every allowed call passes (ioctl only with its requests, judged on the low 32 bits),
 *     ptrace/mount/kexec_load/init_module/execve/bpf... get EPERM,
 *     a call of another architecture and an x32 call (x86_64) are refused even when their
 *     number is an allowed one, "log" turns every refusal into SECCOMP_RET_LOG;
 *   - the builder refuses repeated and negative numbers and more than SECCOMP_CALLS_MAX (and
 *     the longest jump, at SECCOMP_CALLS_MAX, lands on "allow");
 *   - the table holds none of the calls that would undo the drop or take the host over;
 *   - the real kernel: in a forked child (no_new_privs first), seccomp_install() loads the
 *     program, /proc/self/status says "Seccomp: 2", an allowed call works, personality()
 *     (allowed before the filter) and ptrace, mount, kexec_load, init_module fail with EPERM,
 *     ioctl TIOCSTI fails with EPERM while the one request allowed reaches the kernel,
 *     and on x86_64 an i386 getpid through int 0x80 is refused; "log" lets personality() run;
 *   - the hub's host name resolves under the filter (glibc's resolver: nsswitch, resolv.conf,
 *     parallel A/AAAA queries over UDP): in a child with a network and mount namespace of its
 *     own, /etc/resolv.conf bound to "nameserver 127.0.0.1" and a small DNS responder there.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "common/array.h"
#include "common/str.h"
#include "core/seccomp.h"

#define DENY (SECCOMP_RET_ERRNO | EPERM)

/* Runs prog over d as the kernel would, for the instructions the builder emits. */
static uint32_t run(const struct seccomp_prog *p, const struct seccomp_data *d)
{
	uint32_t acc = 0;

	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->insns[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(f->k + 4 <= sizeof(*d) && f->k % 4 == 0);
			memcpy(&acc, (const char *)d + f->k, 4);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += acc == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += acc >= f->k ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			fail_msg("instruction %u: unexpected code %#x", pc, f->code);
		}
	}
	fail_msg("the program ran off its end");
	return 0;
}

static uint32_t judge_arg1(const struct seccomp_prog *p, uint32_t arch, int nr, uint64_t arg1)
{
	struct seccomp_data d = { .nr = nr, .arch = arch, .args = { 0, arg1 } };

	return run(p, &d);
}

/* A call with argument i set to v (and argument j to w, when j differs from i). */
static uint32_t judge_args(const struct seccomp_prog *p, uint32_t arch, int nr, unsigned i,
			   uint64_t v, unsigned j, uint64_t w)
{
	struct seccomp_data d = { .nr = nr, .arch = arch };

	d.args[j] = w;
	d.args[i] = v;
	return run(p, &d);
}

static uint32_t judge(const struct seccomp_prog *p, uint32_t arch, int nr)
{
	return judge_arg1(p, arch, nr, 0);
}

/* An architecture that is not this build's. */
static uint32_t foreign_arch(void)
{
	return seccomp_native_arch() == AUDIT_ARCH_I386 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386;
}

/* Every family, protocol and extra call a collector may ask for (their tables). */
static const struct collector_syscalls all_needs = {
	NULL,
	COLLECTOR_FAMILY(AF_UNIX) | COLLECTOR_FAMILY(AF_INET) | COLLECTOR_FAMILY(AF_INET6) |
		COLLECTOR_FAMILY(AF_NETLINK),
	COLLECTOR_NETLINK(NETLINK_SOCK_DIAG) | COLLECTOR_NETLINK(NETLINK_AUDIT) |
		COLLECTOR_NETLINK(NETLINK_CONNECTOR) | COLLECTOR_NETLINK(NETLINK_NETFILTER),
	COLLECTOR_SYSCALL_ALL,
};

static const struct seccomp_call *agent_list(size_t *n)
{
	static struct seccomp_list list;

	if (seccomp_allow_list(&all_needs, &list) == -EOPNOTSUPP)
		skip(); /* no allow-list for this architecture */
	*n = list.n;
	return list.calls;
}

static void test_policy_names(void **state)
{
	(void)state;
	assert_int_equal(seccomp_policy_from_string(NULL), SECCOMP_POLICY_ENFORCE);
	for (int p = 0; p < _SECCOMP_POLICY_MAX; p++)
		assert_int_equal(seccomp_policy_from_string(seccomp_policy_to_string(p)), p);
	assert_int_equal(seccomp_policy_from_string("Enforce"), -EINVAL);
	assert_int_equal(seccomp_policy_from_string(""), -EINVAL);
	assert_int_equal(seccomp_policy_from_string("disabled"), -EINVAL);
}

static void test_program(void **state)
{
	static struct seccomp_prog p, logp;
	const int never[] = { __NR_ptrace, __NR_mount, __NR_kexec_load, __NR_init_module,
			      __NR_execve, __NR_bpf,   __NR_setns,	__NR_unshare };
	size_t n;
	const struct seccomp_call *calls = agent_list(&n);
	uint32_t arch = seccomp_native_arch();

	(void)state;
	assert_int_equal(seccomp_prog_build(arch, calls, n, DENY, &p), 0);
	assert_int_equal(seccomp_prog_build(arch, calls, n, SECCOMP_RET_LOG, &logp), 0);
	printf("allow-list: %zu calls, program of %u instructions\n", n, p.len);
	for (size_t i = 0; i < n; i++) {
		/* a call with a list of values: each of them, in the low 32 bits only (with the
		 * second argument's first value where there is one) */
		for (unsigned k = 0; k < calls[i].n_values; k++) {
			const struct seccomp_call *c = &calls[i];
			bool sub = c->sub_values && c->values[k] == c->sub_when;
			uint64_t w = sub ? c->sub_values[0] : 0;
			bool listed = false;

			assert_int_equal(
				judge_args(&p, arch, c->nr, c->arg, c->values[k], c->sub_arg, w),
				SECCOMP_RET_ALLOW);
			assert_int_equal(judge_args(&p, arch, c->nr, c->arg,
						    c->values[k] | 0xabcd00000000ull, c->sub_arg,
						    w),
					 SECCOMP_RET_ALLOW);
			for (unsigned m = 0; m < c->n_values; m++)
				listed |= c->values[m] == c->values[k] + 1;
			if (!listed)
				assert_int_equal(judge_args(&p, arch, c->nr, c->arg,
							    c->values[k] + 1, c->sub_arg, w),
						 DENY);
		}
		if (calls[i].values) {
			assert_int_equal(
				judge_args(&p, arch, calls[i].nr, calls[i].arg, 0xffff, 0, 0),
				DENY);
			continue;
		}
		assert_int_equal(judge(&p, arch, calls[i].nr), SECCOMP_RET_ALLOW);
		/* the same number from another architecture's table means another call */
		assert_int_equal(judge(&p, foreign_arch(), calls[i].nr), DENY);
		assert_int_equal(judge(&logp, foreign_arch(), calls[i].nr), SECCOMP_RET_LOG);
		if (arch == AUDIT_ARCH_X86_64)
			assert_int_equal(judge(&p, arch, calls[i].nr | 0x40000000), DENY);
	}
	for (size_t i = 0; i < ARRAY_SIZE(never); i++) {
		assert_int_equal(judge(&p, arch, never[i]), DENY);
		assert_int_equal(judge(&logp, arch, never[i]), SECCOMP_RET_LOG);
	}
	assert_int_equal(judge(&p, arch, 100000), DENY);
	/* ioctl: not TIOCSTI (type into a terminal), FIONREAD, TCGETS */
	assert_int_equal(judge_arg1(&p, arch, __NR_ioctl, 0x5412), DENY);
	assert_int_equal(judge_arg1(&p, arch, __NR_ioctl, 0x541b), DENY);
	assert_int_equal(judge_arg1(&p, arch, __NR_ioctl, 0x5401), DENY);
	assert_int_equal(judge_arg1(&p, arch, __NR_ioctl, 0x2401), SECCOMP_RET_ALLOW);
	/* socket: by family, netlink by protocol; log mode logs what enforce refuses */
	assert_int_equal(judge_args(&p, arch, __NR_socket, 0, AF_PACKET, 2, 768), DENY);
	assert_int_equal(judge_args(&logp, arch, __NR_socket, 0, AF_PACKET, 2, 768),
			 SECCOMP_RET_LOG);
	assert_int_equal(
		judge_args(&p, arch, __NR_socket, 0, AF_NETLINK, 2, NETLINK_KOBJECT_UEVENT), DENY);
	assert_int_equal(judge_args(&logp, arch, __NR_socket, 0, AF_NETLINK, 2, NETLINK_ROUTE),
			 SECCOMP_RET_LOG);
	assert_int_equal(judge_args(&p, arch, __NR_socket, 0, AF_NETLINK, 2, NETLINK_AUDIT),
			 SECCOMP_RET_ALLOW);
	assert_int_equal(judge_args(&p, arch, __NR_socket, 0, AF_INET6, 2, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_args(&p, arch, __NR_socketpair, 0, AF_UNIX, 2, 0),
			 SECCOMP_RET_ALLOW);
	assert_int_equal(judge_args(&p, arch, __NR_socketpair, 0, AF_INET, 2, 0), DENY);
}

static void test_builder_limits(void **state)
{
	static struct seccomp_call many[SECCOMP_CALLS_MAX + 1];
	static struct seccomp_prog p;
	const struct seccomp_call twice[] = { { 1, "a", 0 }, { 2, "b", 0 }, { 1, "a", 0 } };
	const struct seccomp_call negative[] = { { -1, "x" } };
	uint32_t arch = AUDIT_ARCH_AARCH64;

	(void)state;
	assert_int_equal(seccomp_prog_build(arch, twice, ARRAY_SIZE(twice), DENY, &p), -EINVAL);
	assert_int_equal(seccomp_prog_build(arch, negative, 1, DENY, &p), -EINVAL);
	for (int i = 0; i <= SECCOMP_CALLS_MAX; i++)
		many[i] = (struct seccomp_call){ 1000 + i, "n", 0 };
	assert_int_equal(seccomp_prog_build(arch, many, SECCOMP_CALLS_MAX + 1, DENY, &p), -E2BIG);
	assert_int_equal(seccomp_prog_build(arch, many, SECCOMP_CALLS_MAX, DENY, &p), 0);
	assert_true(p.len <= SECCOMP_PROG_MAX);
	/* the first entry has the longest jump */
	assert_int_equal(judge(&p, arch, 1000), SECCOMP_RET_ALLOW);
	assert_int_equal(judge(&p, arch, 1000 + SECCOMP_CALLS_MAX - 1), SECCOMP_RET_ALLOW);
	assert_int_equal(judge(&p, arch, 1000 + SECCOMP_CALLS_MAX), DENY);
	assert_int_equal(judge(&p, arch, 999), DENY);
	assert_int_equal(seccomp_prog_build(arch, many, 0, DENY, &p), 0);
	assert_int_equal(judge(&p, arch, 1000), DENY);

	/* argument blocks: two calls with values, jumps past the first block */
	static const uint32_t v1[] = { 7, 9 }, v2[] = { 1, 2, 3 };
	static const uint32_t v9[SECCOMP_ARG_VALUES_MAX + 1];
	struct seccomp_call args[] = { { 5, "five", 1, v1, 2 },
				       { 6, "six", 1, NULL, 0 },
				       { 8, "eight", 1, v2, 3 } };

	assert_int_equal(seccomp_prog_build(arch, args, ARRAY_SIZE(args), DENY, &p), 0);
	assert_int_equal(judge_arg1(&p, arch, 5, 7), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_arg1(&p, arch, 5, 9), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_arg1(&p, arch, 5, 1), DENY);
	assert_int_equal(judge_arg1(&p, arch, 6, 12345), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_arg1(&p, arch, 8, 3), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_arg1(&p, arch, 8, 7), DENY);
	args[0].values = v9;
	args[0].n_values = SECCOMP_ARG_VALUES_MAX + 1;
	assert_int_equal(seccomp_prog_build(arch, args, ARRAY_SIZE(args), DENY, &p), -E2BIG);
	args[0].n_values = 0;
	assert_int_equal(seccomp_prog_build(arch, args, ARRAY_SIZE(args), DENY, &p), -EINVAL);
	/* a second test behind one value: argument 0 picks, argument 2 decides */
	static const uint32_t fam[] = { 1, 16 }, proto[] = { 4, 12 };
	struct seccomp_call sub[] = { { 41, "socket", 0, fam, 2, 16, 2, proto, 2 },
				      { 42, "other", 1, v1, 2 } };

	assert_int_equal(seccomp_prog_build(arch, sub, ARRAY_SIZE(sub), DENY, &p), 0);
	assert_int_equal(judge_args(&p, arch, 41, 0, 1, 2, 99), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_args(&p, arch, 41, 0, 16, 2, 12), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_args(&p, arch, 41, 0, 16, 2, 4), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_args(&p, arch, 41, 0, 16, 2, 0), DENY);
	assert_int_equal(judge_args(&p, arch, 41, 0, 17, 2, 4), DENY);
	assert_int_equal(judge_args(&p, arch, 42, 1, 9, 0, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(judge_args(&p, arch, 42, 1, 16, 0, 0), DENY);
	sub[0].sub_when = 2; /* not one of the values: the second test could never run */
	assert_int_equal(seccomp_prog_build(arch, sub, ARRAY_SIZE(sub), DENY, &p), -EINVAL);
	sub[0].sub_when = 16;
	sub[0].sub_arg = 6;
	assert_int_equal(seccomp_prog_build(arch, sub, ARRAY_SIZE(sub), DENY, &p), -EINVAL);
	sub[0].sub_arg = 2;
	sub[0].arg = 6;
	assert_int_equal(seccomp_prog_build(arch, sub, ARRAY_SIZE(sub), DENY, &p), -EINVAL);
	/* the first of 240 calls with a block behind 239 others: a jump too long */
	for (int i = 0; i < SECCOMP_CALLS_MAX; i++)
		many[i] = (struct seccomp_call){ 1000 + i, "n", 1, i < 30 ? v2 : NULL,
						 i < 30 ? 3 : 0 };
	assert_int_equal(seccomp_prog_build(arch, many, SECCOMP_CALLS_MAX, DENY, &p), -E2BIG);
}

/* What would undo privilege_drop() or act on the host: never in the table. */
static void test_list_excludes(void **state)
{
	const int never[] = {
		__NR_ptrace,	   __NR_mount,	      __NR_umount2,	  __NR_kexec_load,
		__NR_init_module,  __NR_finit_module, __NR_delete_module, __NR_execve,
		__NR_execveat,	   __NR_clone,	      __NR_bpf,		  __NR_perf_event_open,
		__NR_setuid,	   __NR_setresuid,    __NR_setgid,	  __NR_setresgid,
		__NR_setgroups,	   __NR_capset,	      __NR_unshare,	  __NR_setns,
		__NR_pivot_root,   __NR_chroot,	      __NR_reboot,	  __NR_process_vm_writev,
		__NR_keyctl,	   __NR_add_key,      __NR_userfaultfd,	  __NR_open_by_handle_at,
		__NR_swapon,	   __NR_settimeofday, __NR_personality,	  __NR_seccomp,
		__NR_memfd_create, __NR_fchmodat,     __NR_fchownat,	  __NR_kill,
#ifdef __NR_clone3
		__NR_clone3,
#endif
#ifdef __NR_fork
		__NR_fork,	   __NR_vfork,	      __NR_chmod,	  __NR_chown,
#endif
	};
	size_t n;
	const struct seccomp_call *calls = agent_list(&n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(never); k++)
			if (calls[i].nr == never[k])
				fail_msg("%s is in the allow-list", calls[i].name);
}

/* In a forked child: 0 when every check holds, else the number of the first that failed. */
static int child_checks(enum seccomp_policy policy)
{
	struct seccomp_result res;
	char line[256];
	bool mode2 = false;
	int fds[2];
	FILE *f;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 2;
	if (syscall(__NR_personality, 0xffffffffUL) < 0) /* allowed without a filter */
		return 3;
	if (pipe(fds) != 0) /* pipe2 is not on the list */
		return 14;
	if (seccomp_install(policy, &all_needs, &res) != 0 || res.policy != policy ||
	    res.n_allowed == 0)
		return 4;
	f = fopen("/proc/self/status", "re");
	if (!f)
		return 5;
	while (fgets(line, sizeof(line), f))
		mode2 |= strcmp(line, "Seccomp:\t2\n") == 0;
	fclose(f);
	if (!mode2)
		return 6;
	if (syscall(__NR_getpid) != getpid()) /* allowed */
		return 7;
	if (policy == SECCOMP_POLICY_LOG)
		return syscall(__NR_personality, 0xffffffffUL) < 0 ? 8 : 0;
	errno = 0;
	if (syscall(__NR_personality, 0xffffffffUL) != -1 || errno != EPERM)
		return 9;
	/* Arguments that would fail harmlessly without the filter (never EPERM as root). */
	errno = 0;
	if (syscall(__NR_ptrace, 2 /* PTRACE_PEEKDATA */, -1, 0, 0) != -1 || errno != EPERM)
		return 10;
	errno = 0;
	if (syscall(__NR_mount, NULL, NULL, NULL, 0, NULL) != -1 || errno != EPERM)
		return 11;
	errno = 0;
	if (syscall(__NR_kexec_load, 0, 0, NULL, 0xffffffffUL) != -1 || errno != EPERM)
		return 12;
	errno = 0;
	if (syscall(__NR_init_module, NULL, 0, "") != -1 || errno != EPERM)
		return 13;
	/* ioctl judged by its request: on a pipe, TIOCSTI is refused by the filter, the perf
	 * request reaches the kernel, which says ENOTTY */
	errno = 0;
	if (ioctl(fds[0], TIOCSTI, "x") != -1 || errno != EPERM)
		return 15;
	errno = 0;
	if (ioctl(fds[0], PERF_EVENT_IOC_DISABLE, 0) != -1 || errno != ENOTTY)
		return 16;
	return 0;
}

static int in_child(int (*fn)(long), long arg, int *ret_signal)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* exit_group itself: the sanitizers' work before a noreturn call (_exit) makes
		 * calls the filter refuses (sigaltstack) */
		syscall(__NR_exit_group, fn(arg));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*ret_signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int checks_of(long policy)
{
	return child_checks((enum seccomp_policy)policy);
}

static void test_kernel_enforce(void **state)
{
	size_t n;
	int sig;

	(void)state;
	(void)agent_list(&n);
	assert_int_equal(in_child(checks_of, SECCOMP_POLICY_ENFORCE, &sig), 0);
	assert_int_equal(sig, 0);
}

static void test_kernel_log(void **state)
{
	uint32_t action = SECCOMP_RET_LOG;
	size_t n;
	int sig;

	(void)state;
	(void)agent_list(&n);
	if (syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0)
		skip(); /* before 4.14 */
	assert_int_equal(in_child(checks_of, SECCOMP_POLICY_LOG, &sig), 0);
	assert_int_equal(sig, 0);
}

#if defined(__x86_64__)
/* getpid through the i386 entry (int 0x80, __NR_getpid 20 there): its raw return. */
static long int80_getpid(void)
{
	long r = 20;

	__asm__ volatile("int $0x80" : "+a"(r) : : "memory", "rcx", "r11", "r8", "r9", "r10");
	return r;
}

static int int80_plain(long unused)
{
	(void)unused;
	return int80_getpid() == getpid() ? 0 : 1;
}

static int int80_filtered(long unused)
{
	struct seccomp_result res;

	(void)unused;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    seccomp_install(SECCOMP_POLICY_ENFORCE, &all_needs, &res) != 0)
		return 2;
	if (syscall(__NR_getpid) != getpid())
		return 3;
	return int80_getpid() == -EPERM ? 0 : 1;
}

static void test_kernel_foreign_arch(void **state)
{
	int sig;

	(void)state;
	/* Without IA32 emulation the kernel answers int 0x80 with a signal: nothing to refuse. */
	if (in_child(int80_plain, 0, &sig) != 0 || sig) {
		printf("int 0x80 does not reach an i386 getpid here (signal %d): skipped\n", sig);
		skip();
	}
	assert_int_equal(in_child(int80_filtered, 0, &sig), 0);
	assert_int_equal(sig, 0);
}
#else
static void test_kernel_foreign_arch(void **state)
{
	(void)state;
	skip(); /* the program test covers it; a real foreign call is an x86_64 test */
}
#endif

/* ---- DNS under the filter ---- */

#define DNS_ANSWER_IP "127.0.0.9"
#define DNS_ANSWER_IP2 "127.0.0.10"

/*
 * Answers up to n queries: A gets DNS_ANSWER_IP and DNS_ANSWER_IP2, any other type no
 * record.  Two addresses make glibc sort them (RFC 3484), which asks the kernel for the
 * host's addresses over a NETLINK_ROUTE socket: the filter refuses it (not in the agent's
 * families) and glibc sorts without (the resolution must still work).
 */
static void dns_serve(int fd, int n)
{
	unsigned char q[512], a[600];

	for (int i = 0; i < n; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		size_t end = 12;
		bool is_a;

		if (len < 17)
			continue;
		while (end < (size_t)len && q[end])
			end += q[end] + 1u;
		end += 5; /* the root label, QTYPE, QCLASS */
		if (end > (size_t)len)
			continue;
		is_a = q[end - 4] == 0 && q[end - 3] == 1;
		memcpy(a, q, end);
		a[2] = 0x81, a[3] = 0x80;      /* response, recursion desired and available */
		a[6] = 0, a[7] = is_a ? 2 : 0; /* answers */
		a[8] = a[9] = a[10] = a[11] = 0;
		for (int k = 0; is_a && k < 2; k++) {
			const unsigned char rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };

			memcpy(a + end, rr, sizeof(rr));
			inet_pton(AF_INET, k ? DNS_ANSWER_IP2 : DNS_ANSWER_IP,
				  a + end + sizeof(rr));
			end += sizeof(rr) + 4;
		}
		(void)sendto(fd, a, end, 0, (struct sockaddr *)&from, fl);
	}
}

/* A private network (lo up) and mount namespace with resolv.conf naming 127.0.0.1.  0 or 77. */
static int dns_sandbox(void)
{
	char conf[] = "/tmp/edgesec-test-resolv-XXXXXX";
	const char text[] = "nameserver 127.0.0.1\noptions timeout:2 attempts:2\n";
	struct ifreq ifr = { 0 };
	int fd, s;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return 77;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	str_copy(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return 20;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		return 21;
	close(s);
	fd = mkstemp(conf);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
		return 22;
	close(fd);
	if (mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0) {
		unlink(conf);
		return 77; /* no /etc/resolv.conf to bind over */
	}
	unlink(conf); /* the bind keeps it */
	return 0;
}

static int resolve_under_filter(long unused)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	struct collector_syscalls base;
	struct seccomp_result sr;
	char ip[INET_ADDRSTRLEN] = "";
	int r = dns_sandbox(), fd, found = 0;
	pid_t server;

	(void)unused;
	if (r)
		return r;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		return 23;
	server = fork();
	if (server == 0) {
		alarm(10); /* never outlives the test */
		dns_serve(fd, 8);
		_exit(0);
	}
	close(fd);
	if (server < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    (seccomp_needs_of(NULL, 0, &base), seccomp_install(SECCOMP_POLICY_ENFORCE, &base, &sr)))
		return 24; /* the agent's own needs only: no collector, no netlink */
	/* what libmosquitto does for the hub's name */
	r = getaddrinfo("hub.edgesec.test", "8883", &hints, &res);
	if (r != 0)
		return 30 + (r < 0 ? -r : r) % 20;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip, sizeof(ip));
		found |= (strcmp(ip, DNS_ANSWER_IP) == 0) | (strcmp(ip, DNS_ANSWER_IP2) == 0) << 1;
	}
	freeaddrinfo(res);
	return found == 3 ? 0 : 25;
}

static void test_kernel_resolver(void **state)
{
	size_t n;
	int sig, r;

	(void)state;
	(void)agent_list(&n);
	r = in_child(resolve_under_filter, 0, &sig);
	if (r == 77) {
		printf("no network and mount namespace of our own (not root?): skipped\n");
		skip();
	}
	assert_int_equal(sig, 0);
	assert_int_equal(r, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_names),	    cmocka_unit_test(test_program),
		cmocka_unit_test(test_builder_limits),	    cmocka_unit_test(test_list_excludes),
		cmocka_unit_test(test_kernel_enforce),	    cmocka_unit_test(test_kernel_log),
		cmocka_unit_test(test_kernel_foreign_arch), cmocka_unit_test(test_kernel_resolver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
