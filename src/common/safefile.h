/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Creating and opening the agent's own files so that another user of the host cannot point
 * them somewhere else (docs/security.md, "Files").
 *
 * The agent runs as root (or as a dedicated user): a file it writes where another user can
 * plant a symbolic link, a hard link, a FIFO or a file of their own would let that user make
 * it overwrite or append to any file, block it, or read what it writes.  So:
 *
 *  - trusted = owned by root or by `uid` (the user the agent runs, or will run, as);
 *  - a path is walked one component at a time: every directory on it must be trusted and
 *    not writable by others (unless sticky, like /tmp); a symbolic link on it is followed
 *    only if it is trusted too (as the kernel's fs.protected_symlinks does in sticky
 *    directories), so a link planted by another user is never followed;
 *  - new files are made with O_CREAT|O_EXCL|O_NOFOLLOW under a random temporary name,
 *    written, fsync'ed and renamed into place (readers never see half a file);
 *  - an existing file is opened with O_NOFOLLOW and judged on the open descriptor (fstat),
 *    not on its name, so a swap between check and use changes nothing.
 *
 * Functions return 0 or -errno and, on failure, a reason (without secrets) in `why`.
 */

#include <stddef.h>
#include <sys/types.h>

#define SAFEFILE_WHY_MAX 256u

/*
 * Opens the directory `path` (absolute or relative to the working directory) after the walk
 * above; *ret_fd is an O_PATH|O_DIRECTORY descriptor.  -EPERM when something on the path is
 * not trusted, -ELOOP for too many links, -ENOTDIR, -ENOENT ...
 */
int safefile_open_dir(const char *path, uid_t uid, int *ret_fd, char *why, size_t why_size);

/*
 * Writes `name` in dirfd atomically: a new file .NAME.XXXXXXXXXXXXXXXX.tmp (random suffix,
 * O_CREAT|O_EXCL|O_NOFOLLOW, `mode`), the data, fsync, renameat over NAME, fsync of the
 * directory.  The temporary file is removed on failure.
 */
int safefile_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/*
 * Opens `path` for appending (created 0600 if missing): its directory is opened with
 * safefile_open_dir(), the file with O_NOFOLLOW, then the descriptor must be a regular file
 * that is trusted, has one link and is not writable by others; a FIFO that is trusted; or a
 * character device of root (/dev/null).  -ELOOP for a symbolic link, -EPERM otherwise.
 */
int safefile_open_append(const char *path, uid_t uid, int *ret_fd, char *why, size_t why_size);
