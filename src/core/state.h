/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The state directory (--state-dir, default /var/lib/edgesec): what must outlive a restart.
 * Today that is the AgentId, a GUID made once and kept in "agent-id".  The directory is
 * created 0700; files are written to a temporary name, fsync'ed and renamed into place.
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

/* Opens (creating if needed) the directory; returns an O_PATH|O_DIRECTORY fd or -errno. */
int state_dir_open(const char *path);
/*
 * Reads the AgentId, or makes and stores a new one.  *ret_created tells which.  A file that
 * does not hold a GUID is replaced (-EBADMSG is not returned; *ret_replaced is set).
 */
int state_agent_id(int dirfd, char ret_id[GUID_STR_LEN + 1], int *ret_created, int *ret_replaced);
