/* SPDX-License-Identifier: MIT */
/*
 * Least privilege after set-up.
 *
 * Starting needs much (CAP_BPF + CAP_PERFMON or CAP_SYS_ADMIN to load and attach eBPF,
 * CAP_SYS_ADMIN to mount tracefs, CAP_AUDIT_CONTROL/CAP_AUDIT_READ for audit, CAP_NET_ADMIN
 * for the proc connector, CAP_SYS_RESOURCE/CAP_NET_ADMIN for SO_RCVBUFFORCE...).  Running
 * needs little: what each collector still does after its start is declared in its own table
 * (collector_ops.caps, per backend; why, per capability: docs/security.md).
 * privilege_drop() computes the union for the collectors that run and removes everything
 * else, in this order:
 *   1. the bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP, so it goes first);
 *   2. securebits NOROOT (+ locked): an exec as uid 0 no longer regains capabilities;
 *   3. with a run-as user (--user): PR_SET_KEEPCAPS, setgroups, setresgid, setresuid (all
 *      three ids, so uid 0 can never come back), PR_SET_KEEPCAPS off;
 *   4. the ambient set (cleared);
 *   5. permitted and effective = the kept set, inheritable = none (capset, version 3);
 *   6. PR_SET_NO_NEW_PRIVS.
 * Without a run-as user the uid stays 0.  With one, a compromised agent cannot write files
 * owned by root (no CAP_DAC_OVERRIDE, CAP_FOWNER or CAP_CHOWN is ever kept) and what it
 * creates is its own; the files set-up created (state directory, spool, output) were created
 * as that user already (privilege_fs_enter: fsuid/fsgid).  A collector that declares nothing
 * for the backend it runs keeps the read-side union (FALLBACK_NEEDS) rather than break
 * silently.  Nothing is ever added back.
 */
#include "privilege.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/array.h"
#include "common/num.h"

#define CAP(x) (1ull << (x))

#define FALLBACK_NEEDS (CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE) | CAP(CAP_NET_ADMIN))

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

uint64_t privilege_needed_by(struct collector *c)
{
	if (c->state == COLLECTOR_STATE_NEW || c->state == COLLECTOR_STATE_FAILED ||
	    c->state == COLLECTOR_STATE_STOPPED)
		return 0;
	for (unsigned i = 0; i < c->ops->n_caps; i++)
		if (collector_backend_is(c, c->ops->caps[i].backend))
			return c->ops->caps[i].running;
	return FALLBACK_NEEDS;
}

void privilege_format(uint64_t mask, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (unsigned cap = 0; cap < 64 && used < size; cap++) {
		const char *name = cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
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

/* ---- what set-up needs (a clear error naming what is missing) ---- */

struct start_need {
	uint64_t all;	   /* every one of these ... */
	uint64_t or_all;   /* ... or every one of these (0: no alternative) */
	bool user_only;	   /* only when switching users */
	const char *names; /* as printed */
	const char *what;  /* what is lost without it */
	const char *cap_add;
};

static const struct start_need start_needs[] = {
	{ CAP(CAP_SYS_ADMIN), CAP(CAP_BPF) | CAP(CAP_PERFMON), false,
	  "cap_sys_admin (or cap_bpf and cap_perfmon)",
	  "no eBPF capture: the process collector falls back to kernel audit or the proc "
	  "connector",
	  "SYS_ADMIN" },
	{ CAP(CAP_SYS_PTRACE), 0, false, "cap_sys_ptrace",
	  "executables, working directories and socket owners of other processes are unknown",
	  "SYS_PTRACE" },
	{ CAP(CAP_DAC_READ_SEARCH), 0, false, "cap_dac_read_search",
	  "files and /proc entries of other users are unreadable (baseline: /etc/shadow; "
	  "socket owners; btmp)",
	  "DAC_READ_SEARCH" },
	{ CAP(CAP_NET_ADMIN), 0, false, "cap_net_admin",
	  "the firewall (nftables, iptables) cannot be listed and the proc connector is closed",
	  "NET_ADMIN" },
	{ CAP(CAP_AUDIT_CONTROL) | CAP(CAP_AUDIT_READ), 0, false,
	  "cap_audit_control and cap_audit_read",
	  "no kernel audit: no PAM login records (the login collector falls back to wtmp/btmp)",
	  "AUDIT_CONTROL, AUDIT_READ" },
	{ CAP(CAP_SETUID) | CAP(CAP_SETGID), 0, true, "cap_setuid and cap_setgid",
	  "the agent cannot switch to its user (--user) and stays uid 0", "SETUID, SETGID" },
	{ CAP(CAP_SETPCAP), 0, false, "cap_setpcap",
	  "the bounding set keeps the start-up capabilities after the drop", "SETPCAP" },
};

int privilege_check_start(bool want_user, struct privilege_missing *ret)
{
	struct __user_cap_data_struct have[2];
	uint64_t eff, missing = 0;
	int r = caps_get(have);

	memset(ret, 0, sizeof(*ret));
	if (r < 0)
		return r;
	eff = (uint64_t)have[0].effective | (uint64_t)have[1].effective << 32;
	for (size_t i = 0; i < ARRAY_SIZE(start_needs); i++) {
		const struct start_need *n = &start_needs[i];

		if ((n->user_only && !want_user) || (eff & n->all) == n->all ||
		    (n->or_all && (eff & n->or_all) == n->or_all))
			continue;
		missing |= n->all & ~eff;
		if (ret->n_lines < ARRAY_SIZE(ret->lines))
			snprintf(ret->lines[ret->n_lines++], sizeof(ret->lines[0]),
				 "missing %s: %s (container: CapAdd %s)", n->names, n->what,
				 n->cap_add);
	}
	ret->missing = missing;
	if (missing)
		privilege_format(missing, ret->names, sizeof(ret->names));
	return 0;
}

/* ---- the run-as user ---- */

/* A numeric uid or gid: at most 15 digits, below 4294967295 ((uid_t)-1). */
static bool parse_id(const char *s, size_t len, unsigned long *ret)
{
	uint64_t v;

	if (len >= 16 || num_parse_u64(s, len, 10, 0xFFFFFFFEul, &v) < 0)
		return false;
	*ret = (unsigned long)v;
	return true;
}

int privilege_user_parse(const char *spec, struct privilege_user *ret, char *err, size_t err_size)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	char name[128];
	unsigned long v;

	memset(ret, 0, sizeof(*ret));
	if (ulen == 0 || ulen >= sizeof(name) || (colon && !colon[1])) {
		snprintf(err, err_size, "user '%.60s': expected NAME, UID, NAME:GROUP or UID:GID",
			 spec);
		return -EINVAL;
	}
	memcpy(name, spec, ulen);
	name[ulen] = '\0';
	if (parse_id(name, ulen, &v)) {
		ret->uid = (uid_t)v;
		ret->gid = (gid_t)v; /* a bare UID: its own group of the same number */
	} else {
		const struct passwd *pw = getpwnam(name);

		if (!pw) {
			snprintf(err, err_size,
				 "user '%.60s' does not exist (create it: "
				 "systemd-sysusers, or useradd --system %.60s)",
				 name, name);
			return -ENOENT;
		}
		ret->uid = pw->pw_uid;
		ret->gid = pw->pw_gid;
	}
	if (colon) {
		const char *g = colon + 1;

		if (parse_id(g, strlen(g), &v)) {
			ret->gid = (gid_t)v;
		} else {
			const struct group *gr = getgrnam(g);

			if (!gr) {
				snprintf(err, err_size, "group '%.60s' does not exist", g);
				return -ENOENT;
			}
			ret->gid = gr->gr_gid;
		}
	}
	if (ret->uid == 0 || ret->gid == 0) {
		snprintf(err, err_size, "user '%.60s': the agent's user must not be %s 0", spec,
			 ret->uid == 0 ? "uid" : "gid");
		return -EINVAL;
	}
	return 0;
}

int privilege_user_add_group(struct privilege_user *u, gid_t gid)
{
	if (gid == 0)
		return -EPERM;
	if (gid == u->gid)
		return 0;
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == gid)
			return 0;
	if (u->n_groups == PRIVILEGE_GROUPS_MAX)
		return -E2BIG;
	u->groups[u->n_groups++] = gid;
	return 0;
}

/* Effective = permitted again (a change of fsuid from 0 clears the file capabilities). */
static int caps_raise_effective(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int privilege_fs_enter(const struct privilege_user *u)
{
	(void)setfsgid(u->gid);
	(void)setfsuid(u->uid);
	/* setfs*id() report nothing: an invalid id reads back the one in force. */
	if ((uid_t)setfsuid((uid_t)-1) != u->uid || (gid_t)setfsgid((gid_t)-1) != u->gid) {
		privilege_fs_leave();
		return -EPERM;
	}
	return caps_raise_effective();
}

void privilege_fs_leave(void)
{
	(void)setfsuid(geteuid());
	(void)setfsgid(getegid());
}

static int switch_user(const struct privilege_user *u)
{
	int r = 0;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (setgroups(u->n_groups, u->groups) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0)
		r = -errno;
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return r;
}

static void format_run_as(char *buf, size_t size)
{
	gid_t groups[PRIVILEGE_GROUPS_MAX + 1];
	int n = getgroups(PRIVILEGE_GROUPS_MAX + 1, groups);
	size_t used;

	used = (size_t)snprintf(buf, size, "uid=%u gid=%u", (unsigned)getuid(), (unsigned)getgid());
	for (int i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u",
					 i ? "," : " groups=", (unsigned)groups[i]);
}

int privilege_drop(struct collector *const *collectors, size_t n, const struct privilege_user *user,
		   struct privilege_result *ret)
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
		format_run_as(ret->run_as, sizeof(ret->run_as));
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
	/* 3. The run-as user, keeping the permitted set across the change of uid. */
	if (user) {
		r = switch_user(user);
		if (r < 0) {
			snprintf(ret->user_error, sizeof(ret->user_error),
				 "cannot switch to uid %u gid %u: %s (needs CAP_SETUID and "
				 "CAP_SETGID at start)",
				 (unsigned)user->uid, (unsigned)user->gid, strerror(-r));
			if (!first)
				first = r;
		} else {
			ret->switched = true;
		}
	}
	/* 4. Ambient set (kernels without it say EINVAL: nothing to clear). */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* 5. Permitted and effective; capset cannot add, so keep only what we have. */
	ret->kept = want & permitted;
	r = caps_set(ret->kept);
	if (r < 0) {
		ret->error = r;
		if (!first)
			first = r;
		ret->kept = permitted;
	}
	/* 6. No exec can ever raise privileges again. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		ret->no_new_privs = true;
	else if (!first)
		first = -errno;
	if (!ret->error)
		ret->error = first;
	privilege_format(ret->kept, ret->kept_names, sizeof(ret->kept_names));
	format_run_as(ret->run_as, sizeof(ret->run_as));
	return first;
}
