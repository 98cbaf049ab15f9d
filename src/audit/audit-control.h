/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The host's kernel-audit state, shared by the users of audit inside this process (the
 * process collector's audit backend, the login collector).  See audit-control.c.
 *
 * audit_control_acquire() takes a reference: the first one takes the host-wide lock, opens
 * the control socket and enables audit when it is off (backlog_wait_time 0); the last
 * audit_control_release() restores what was changed and drops the lock.  Not thread-safe:
 * the agent's collectors run in one loop.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/audit.h>

/* The host-wide lock: <host root>/run/edgesec/audit.lock (the host's own path below). */
#define AUDIT_CONTROL_LOCK_NAME "audit.lock"
#define AUDIT_CONTROL_LOCK_PATH "/run/edgesec/" AUDIT_CONTROL_LOCK_NAME

/*
 * 0, or -errno with a reason in err (-EBUSY: another process holds the host lock).  The lock
 * is AUDIT_CONTROL_LOCK_NAME in run_dirfd, the host's run/edgesec directory (host/host.h:
 * host_run_dir_open()), used on the first acquire only and not kept; a negative run_dirfd
 * (-errno: the directory could not be opened) means no host-wide lock.
 */
int audit_control_acquire(int run_dirfd, char *err, size_t err_size);
/* "" or why the last acquire could take no host-wide lock (it went on without one). */
const char *audit_control_lock_warning(void);
void audit_control_release(void);
/* References held in this process. */
unsigned audit_control_users(void);
/* Audit was off and we turned it on (restored by the last release). */
bool audit_control_enabled_by_us(void);

/*
 * One request on the shared control socket: its reply of type `reply` copied to out (when
 * out is given), or its ack.  0 or -errno.  Only while a reference is held.
 */
int audit_control_request(uint16_t type, const void *data, size_t len, uint16_t reply, void *out,
			  size_t out_size);
int audit_control_get_status(struct audit_status *ret);

/* A new non-blocking socket bound to AUDIT_NLGRP_READLOG (records without being auditd). */
int audit_control_open_reader(int rcvbuf, char *err, size_t err_size);

/* What audit_control_read() met besides records; it adds to these. */
struct audit_read_counts {
	uint64_t overflows; /* ENOBUFS: the kernel dropped records for this socket */
	uint64_t errors;    /* other receive errors (the batch ends) */
	uint64_t foreign;   /* datagrams not sent by the kernel: not parsed */
};

/* One audit record: its netlink message type and text (len bytes, not NUL-terminated). */
typedef void audit_record_fn(void *ctx, unsigned type, const char *text, size_t len);

/*
 * Drains a reader socket: up to max_datagrams datagrams, until EAGAIN, each of its records
 * handed to on_record(ctx, ...).
 */
void audit_control_read(int fd, int max_datagrams, audit_record_fn *on_record, void *ctx,
			struct audit_read_counts *counts);
