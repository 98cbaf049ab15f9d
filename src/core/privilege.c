/* SPDX-License-Identifier: MIT */
/*
 * Least privilege after set-up.
 *
 * Starting needs much (CAP_BPF + CAP_PERFMON or CAP_SYS_ADMIN to load and attach eBPF,
 * CAP_SYS_ADMIN to mount tracefs, CAP_AUDIT_CONTROL/CAP_AUDIT_READ for audit, CAP_NET_ADMIN
 * for the proc connector, CAP_SYS_RESOURCE/CAP_NET_ADMIN for SO_RCVBUFFORCE...).  Running
 * needs little: what each collector still does after its start is listed in `needs` below
 * (why, per capability: docs/security.md).  privilege_drop() computes the union for the
 * collectors that run and removes everything else, in this order:
 *   1. the bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP, so it goes first);
 *   2. securebits NOROOT (+ locked): an exec as uid 0 no longer regains capabilities;
 *   3. the ambient set (cleared);
 *   4. permitted and effective = the kept set, inheritable = none (capset, version 3);
 *   5. PR_SET_NO_NEW_PRIVS.
 * The uid stays 0: the files the agent owns (state directory, spool, output) stay writable
 * and reading root-owned files needs no capability.  A collector missing from the table keeps
 * the read-side union (FALLBACK_NEEDS) rather than break silently.  Nothing is ever added back.
 */
#include "privilege.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP(x) (1ull << (x))

#define FALLBACK_NEEDS (CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE) | CAP(CAP_NET_ADMIN))

struct privilege_need {
	const char *collector;
	const char *backend; /* prefix of collector_describe(), or NULL for any */
	uint64_t caps;
};

static const struct privilege_need needs[] = {
	{ "sysinfo", NULL, 0 },
	{ "users", NULL, 0 },
	/* /proc/<pid>/fd of other users' processes: a 0500 directory, then ptrace-checked links. */
	{ "ports", NULL, CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE) },
	/* every nfnetlink request is checked against CAP_NET_ADMIN; a new socket per snapshot. */
	{ "firewall", NULL, CAP(CAP_NET_ADMIN) },
	/* files of any mode: /etc/shadow, sshd_config, ... (read only). */
	{ "baseline", NULL, CAP(CAP_DAC_READ_SEARCH) },
	/* ring buffer and counters are mmap'ed; /proc/<pid>/exe for connections of unknown pids. */
	{ "process", "ebpf", CAP(CAP_SYS_PTRACE) },
	/* AUDIT_GET (lost counter), AUDIT_DEL_RULE and AUDIT_SET at stop; pidfd_getfd. */
	{ "process", "audit", CAP(CAP_AUDIT_CONTROL) | CAP(CAP_SYS_PTRACE) },
	/* PROC_CN_MCAST_IGNORE at stop; /proc/<pid>/exe and cwd. */
	{ "process", "cnproc", CAP(CAP_NET_ADMIN) | CAP(CAP_SYS_PTRACE) },
	/* audit source: AUDIT_SET at stop (restore the host's audit state); sshd's socket to
	 * the peer through /proc/<pid>/fd (a 0500 directory, ptrace-checked links). */
	{ "login", "source audit",
	  CAP(CAP_AUDIT_CONTROL) | CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE) },
	/* utmp source: /proc/<pid>/exe of the logging-in process. */
	{ "login", "source utmp", CAP(CAP_SYS_PTRACE) },
	/* the Docker socket is connected to as its owner (uid 0); nothing else. */
	{ "containers", NULL, 0 },
	/* judges the other collectors' events; reads world-readable /proc/sys/net files. */
	{ "posture", NULL, 0 },
};

static const char *const cap_names[] = {
	"cap_chown",
	"cap_dac_override",
	"cap_dac_read_search",
	"cap_fowner",
	"cap_fsetid",
	"cap_kill",
	"cap_setgid",
	"cap_setuid",
	"cap_setpcap",
	"cap_linux_immutable",
	"cap_net_bind_service",
	"cap_net_broadcast",
	"cap_net_admin",
	"cap_net_raw",
	"cap_ipc_lock",
	"cap_ipc_owner",
	"cap_sys_module",
	"cap_sys_rawio",
	"cap_sys_chroot",
	"cap_sys_ptrace",
	"cap_sys_pacct",
	"cap_sys_admin",
	"cap_sys_boot",
	"cap_sys_nice",
	"cap_sys_resource",
	"cap_sys_time",
	"cap_sys_tty_config",
	"cap_mknod",
	"cap_lease",
	"cap_audit_write",
	"cap_audit_control",
	"cap_setfcap",
	"cap_mac_override",
	"cap_mac_admin",
	"cap_syslog",
	"cap_wake_alarm",
	"cap_block_suspend",
	"cap_audit_read",
	"cap_perfmon",
	"cap_bpf",
	"cap_checkpoint_restore",
};

static bool starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

uint64_t privilege_needed_by(struct collector *c)
{
	const char *how;

	if (c->state == COLLECTOR_STATE_NEW || c->state == COLLECTOR_STATE_FAILED ||
	    c->state == COLLECTOR_STATE_STOPPED)
		return 0;
	how = collector_describe(c);
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		if (strcmp(needs[i].collector, c->ops->name) != 0)
			continue;
		if (!needs[i].backend || starts_with(how, needs[i].backend))
			return needs[i].caps;
	}
	return FALLBACK_NEEDS;
}

void privilege_format(uint64_t mask, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (unsigned cap = 0; cap < 64 && used < size; cap++) {
		const char *name =
			cap < sizeof(cap_names) / sizeof(cap_names[0]) ? cap_names[cap] : NULL;
		int n;

		if (!(mask & CAP(cap)))
			continue;
		n = name ? snprintf(buf + used, size - used, "%s%s", used ? "," : "", name)
			 : snprintf(buf + used, size - used, "%scap_%u", used ? "," : "", cap);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, size, "none");
}

/* The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap), or CAP_LAST_CAP. */
static unsigned last_cap(void)
{
	unsigned v = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

	if (f) {
		if (fscanf(f, "%u", &v) != 1 || v > 63)
			v = CAP_LAST_CAP;
		fclose(f);
	}
	return v;
}

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	return syscall(SYS_capget, &h, data) < 0 ? -errno : 0;
}

static int caps_set(uint64_t permitted_and_effective)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].permitted = d[0].effective = (uint32_t)permitted_and_effective;
	d[1].permitted = d[1].effective = (uint32_t)(permitted_and_effective >> 32);
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int privilege_drop(struct collector *const *collectors, size_t n, struct privilege_result *ret)
{
	struct __user_cap_data_struct have[2];
	uint64_t want = 0, permitted;
	unsigned last = last_cap();
	int r, first = 0;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < n; i++)
		want |= privilege_needed_by(collectors[i]);

	r = caps_get(have);
	if (r < 0) {
		ret->error = r;
		return r;
	}
	permitted = (uint64_t)have[0].permitted | (uint64_t)have[1].permitted << 32;

	/* 1. Bounding set: needs CAP_SETPCAP, which the capset below removes. */
	ret->bounding_dropped = true;
	for (unsigned cap = 0; cap <= last; cap++) {
		if (want & CAP(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			ret->bounding_dropped = false;
			if (!first)
				first = -errno;
		}
	}
	/* 2. Root no longer gains capabilities through exec (best effort: needs CAP_SETPCAP). */
	(void)prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0);
	/* 3. Ambient set (kernels without it say EINVAL: nothing to clear). */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* 4. Permitted and effective; capset cannot add, so keep only what we have. */
	ret->kept = want & permitted;
	r = caps_set(ret->kept);
	if (r < 0) {
		ret->error = r;
		if (!first)
			first = r;
		ret->kept = permitted;
	}
	/* 5. No exec can ever raise privileges again. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		ret->no_new_privs = true;
	else if (!first)
		first = -errno;
	privilege_format(ret->kept, ret->kept_names, sizeof(ret->kept_names));
	return first;
}
