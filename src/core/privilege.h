/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Least privilege: once every collector is started (BPF programs loaded and attached, netlink
 * sockets bound, audit rules added), the agent keeps only the capabilities its running
 * collectors still use and sets no_new_privs.  See privilege.c and docs/security.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collectors/collector.h"

#define PRIVILEGE_GROUPS_MAX 8

/*
 * The dedicated user the agent runs as after set-up (--user): a uid that is not 0, its group,
 * and the supplementary groups it keeps (the Docker socket's group, added by the agent).
 */
struct privilege_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVILEGE_GROUPS_MAX];
	size_t n_groups;
};

struct privilege_result {
	uint64_t kept;	       /* capability bit mask kept in the effective/permitted sets */
	bool bounding_dropped; /* the bounding set holds only `kept` */
	bool no_new_privs;
	bool switched;	      /* now running as the privilege_user */
	int error;	      /* first failure (-errno), or 0 */
	char kept_names[160]; /* "cap_dac_read_search,cap_sys_ptrace" or "none" */
	char run_as[64];      /* "uid=10001 gid=10001 groups=106" (what holds either way) */
	char user_error[160]; /* why the switch to the user failed ("" when it did not) */
};

/*
 * "NAME", "UID", "NAME:GROUP" or "UID:GID" (names from our own root's passwd and group
 * files; a NAME alone takes its primary group).  uid 0 and gid 0 are refused.  0, or -errno
 * with one sentence in err.
 */
int privilege_user_parse(const char *spec, struct privilege_user *ret, char *err, size_t err_size);
/* Adds a supplementary group (0 and duplicates are not added).  0, -EPERM for 0, -E2BIG. */
int privilege_user_add_group(struct privilege_user *u, gid_t gid);

/*
 * From now on files are created and opened as u (setfsuid/setfsgid) while the capabilities
 * stay as they are: what set-up creates in the state directory (AgentId, spool) and the
 * output file belong to u from the start.  0 or -errno.  privilege_fs_leave() goes back.
 */
int privilege_fs_enter(const struct privilege_user *u);
void privilege_fs_leave(void);

/* The capabilities collector c uses after its start (bit mask, 1 << CAP_*). */
uint64_t privilege_needed_by(struct collector *c);

/*
 * Drops every capability the n collectors do not need from the bounding, inheritable,
 * ambient, permitted and effective sets, switches to user (when not NULL: uid, gid and
 * supplementary groups, keeping the needed capabilities across the switch) and sets
 * PR_SET_NO_NEW_PRIVS.  Call once, after set-up.  Failing collectors (FAILED, never started)
 * need nothing.  Returns 0 or the first -errno; *ret says what holds either way.
 */
int privilege_drop(struct collector *const *collectors, size_t n, const struct privilege_user *user,
		   struct privilege_result *ret);

/* What set-up would use and the process does not have (its effective set at start). */
struct privilege_missing {
	uint64_t missing;   /* capability mask */
	char names[160];    /* "cap_net_admin,cap_audit_read" or "" */
	unsigned n_lines;   /* lines[] filled */
	char lines[8][240]; /* one sentence per missing need: capability, what is lost */
};

/*
 * Compares the effective set with what the collectors use at start (eBPF, audit, firewall,
 * other processes' /proc entries, files of any mode) and, with want_user, what switching
 * users takes.  Fills *ret; 0 or -errno (capget failed).
 */
int privilege_check_start(bool want_user, struct privilege_missing *ret);

/* "cap_net_admin,cap_sys_ptrace" for a mask; "none" for 0. */
void privilege_format(uint64_t mask, char *buf, size_t size);
