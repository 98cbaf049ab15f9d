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

#include "collectors/collector.h"

struct privilege_result {
	uint64_t kept;	       /* capability bit mask kept in the effective/permitted sets */
	bool bounding_dropped; /* the bounding set holds only `kept` */
	bool no_new_privs;
	int error;	      /* first failure (-errno) of the capset, or 0 */
	char kept_names[160]; /* "cap_dac_read_search,cap_sys_ptrace" or "none" */
};

/* The capabilities collector c uses after its start (bit mask, 1 << CAP_*). */
uint64_t privilege_needed_by(struct collector *c);

/*
 * Drops every capability the n collectors do not need from the bounding, inheritable,
 * ambient, permitted and effective sets and sets PR_SET_NO_NEW_PRIVS.  Call once, after
 * set-up.  Failing collectors (FAILED, never started) need nothing.  Returns 0 or the first
 * -errno; *ret says what holds either way.
 */
int privilege_drop(struct collector *const *collectors, size_t n, struct privilege_result *ret);

/* "cap_net_admin,cap_sys_ptrace" for a mask; "none" for 0. */
void privilege_format(uint64_t mask, char *buf, size_t size);
