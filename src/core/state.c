/* SPDX-License-Identifier: MIT */
/*
 * The state directory (see state.h).  Its path is walked with common/safefile (every
 * directory and link on it trusted), then the directory itself must pass state_dir_check():
 * it holds the AgentId, the spool and the IoT Edge trust bundle, so only root or the agent's
 * user may own it and nobody else may write to it.  Files in it are written with
 * safefile_write_atomic() (random temporary name, O_EXCL|O_NOFOLLOW, fsync, rename).
 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/safefile.h"

#define AGENT_ID_FILE "agent-id"
#define STATE_CLAIM_ENTRIES_MAX 1024 /* entries of the state directory looked at */

/* Creates what is missing of the path: parents 0755, the state directory itself 0700. */
static int mkdir_p(const char *path)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, path, len + 1);
	for (size_t i = 1; i < len; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		tmp[i] = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Gives the regular files directly in dfd to uid:gid; the first failure, or 0. */
static int claim_entries(int dfd, uid_t uid, gid_t gid, char *err, size_t err_size)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	unsigned seen = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	while ((de = readdir(d)) && seen++ < STATE_CLAIM_ENTRIES_MAX) {
		struct stat st;

		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || (st.st_uid == uid && st.st_gid == gid))
			continue;
		if (fchownat(dirfd(d), de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && !r) {
			r = -errno;
			snprintf(err, err_size,
				 "cannot give %s in the state directory to uid %u: %s", de->d_name,
				 (unsigned)uid, strerror(-r));
		}
	}
	closedir(d);
	return r;
}

int state_dir_claim(const char *path, uid_t uid, gid_t gid, char *err, size_t err_size)
{
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0; /* created as the user */
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, err_size, "state directory %s: %s", path, strerror(-r));
		goto out;
	}
	/* The mode is changed by its owner: root before giving it away, the user after (as its
	 * fsuid: root would need CAP_FOWNER for a directory it does not own). */
	if ((st.st_mode & 077) && st.st_uid == uid) {
		int prev = setfsuid(uid);

		if (fchmod(fd, st.st_mode & 0700) < 0)
			r = -errno;
		(void)setfsuid((uid_t)prev);
	} else if ((st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) < 0) {
		r = -errno;
	}
	if (!r && (st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
		r = -errno;
	if (r < 0) {
		snprintf(err, err_size,
			 "state directory %s is owned by uid %u (mode %04o), not by the agent's "
			 "uid %u, and cannot be given to it: %s (run: chown %u:%u %s; chmod 0700 "
			 "%s)",
			 path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)uid,
			 strerror(-r), (unsigned)uid, (unsigned)gid, path, path);
		goto out;
	}
	r = claim_entries(fd, uid, gid, err, err_size);
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int state_dir_check(int fd, uid_t run_uid, char *why, size_t why_size)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(why, why_size, "cannot stat it: %s", strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, why_size, "not a directory");
		return -ENOTDIR;
	}
	if (st.st_uid != 0 && st.st_uid != run_uid) {
		snprintf(why, why_size,
			 "owned by uid %u, not by root or the agent's user (uid %u); fix with "
			 "chown",
			 (unsigned)st.st_uid, (unsigned)run_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, why_size,
			 "writable by %s (mode %04o): others could replace the AgentId or the "
			 "spool; fix with chmod 0700",
			 st.st_mode & S_IWOTH ? "every user" : "its group",
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int state_dir_open(const char *path, uid_t run_uid, char *why, size_t why_size)
{
	int r = mkdir_p(path), fd;

	if (r < 0) {
		snprintf(why, why_size, "cannot create it: %s", strerror(-r));
		return r;
	}
	r = safefile_open_dir(path, run_uid, &fd, why, why_size);
	if (r < 0)
		return r;
	r = state_dir_check(fd, run_uid, why, why_size);
	/* Fail early if we cannot write here, rather than at the first state change. */
	if (r == 0 && faccessat(fd, ".", W_OK, AT_EACCESS) < 0) {
		r = -errno;
		snprintf(why, why_size, "not writable: %s", strerror(errno));
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int state_agent_id(int dirfd, char ret_id[GUID_STR_LEN + 1], int *ret_created, int *ret_replaced)
{
	char line[128], text[GUID_STR_LEN + 2];
	uint8_t g[16];
	int r;

	*ret_created = 0;
	*ret_replaced = 0;
	r = read_line_at(dirfd, AGENT_ID_FILE, line, sizeof(line));
	if (r == 0 && guid_parse(line, g)) {
		guid_format(g, ret_id);
		return 0;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	*ret_replaced = r == 0;
	guid_generate(g);
	guid_format(g, text);
	text[GUID_STR_LEN] = '\n';
	r = safefile_write_atomic(dirfd, AGENT_ID_FILE, text, GUID_STR_LEN + 1, 0600);
	if (r < 0)
		return r;
	guid_format(g, ret_id);
	*ret_created = 1;
	return 0;
}
