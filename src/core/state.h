/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The state directory (--state-dir, default /var/lib/edgesec): what must outlive a restart.
 * Today that is the AgentId, a GUID made once and kept in "agent-id".  The directory is
 * created 0700; files are written to a temporary name, fsync'ed and renamed into place.
 */

#include "common/guid.h"

#define STATE_DIR_DEFAULT "/var/lib/edgesec"

/* Opens (creating if needed) the directory; returns an O_PATH|O_DIRECTORY fd or -errno. */
int state_dir_open(const char *path);
/*
 * Reads the AgentId, or makes and stores a new one.  *ret_created tells which.  A file that
 * does not hold a GUID is replaced (-EBADMSG is not returned; *ret_replaced is set).
 */
int state_agent_id(int dirfd, char ret_id[GUID_STR_LEN + 1], int *ret_created, int *ret_replaced);
