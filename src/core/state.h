/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The state directory (--state-dir, default /var/lib/edgesec): what must outlive a restart:
 * the AgentId (a GUID made once, kept in "agent-id"), the spool, the IoT Edge trust bundle.
 * The directory is created 0700; an existing one is refused unless state_dir_check() accepts
 * it, and the path to it may not pass through anything another user controls
 * (common/safefile.h).  Files are written to a random temporary name with O_EXCL|O_NOFOLLOW,
 * fsync'ed and renamed into place (agent-id 0600).
 */

#include <stddef.h>
#include <sys/types.h>

#include "common/guid.h"

#define STATE_DIR_DEFAULT "/var/lib/edgesec"

/*
 * Owner rule with a run-as user (--user): the state directory belongs to that user (uid and
 * gid), mode 0700, and so do the regular files directly in it.  Called as root before
 * set-up: an existing directory (or file in it) with another owner is given to the user
 * (fchown, CAP_CHOWN), a group/other permission bit is removed; symlinks are never followed
 * or changed.  A missing directory is left alone (it is then created as the user).  0, or
 * -errno with one sentence in err (the directory could not be given to the user).
 */
int state_dir_claim(const char *path, uid_t uid, gid_t gid, char *err, size_t err_size);

/*
 * The owner and mode rule, on an open directory: owned by root or by `run_uid`, the user
 * the agent runs as (or will run as, after dropping root), and writable by neither its group
 * nor everyone.  0, or -EPERM/-ENOTDIR with the reason and the fix in `why`.
 */
int state_dir_check(int fd, uid_t run_uid, char *why, size_t why_size);
/*
 * Opens (creating if needed) the directory, walked safely and checked as above; returns a
 * directory fd or -errno with the reason in `why`.
 */
int state_dir_open(const char *path, uid_t run_uid, char *why, size_t why_size);
/*
 * Reads the AgentId, or makes and stores a new one.  *ret_created tells which.  A file that
 * does not hold a GUID is replaced (-EBADMSG is not returned; *ret_replaced is set).
 */
int state_agent_id(int dirfd, char ret_id[GUID_STR_LEN + 1], int *ret_created, int *ret_replaced);
