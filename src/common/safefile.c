/* SPDX-License-Identifier: MIT */
/*
 * Safe creation and opening of the agent's files (see safefile.h for the rules).
 *
 * The path walk keeps the part of the path still to go in `rest` and the physical path
 * walked so far in `walked` (for messages).  A symbolic link puts its target in front of
 * what is left; an absolute target starts again at "/".  At most WALK_LINKS_MAX links, as
 * the kernel.  Every descriptor is O_CLOEXEC; the walk holds at most two.
 */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "str.h"

#define WALK_LINKS_MAX 40
#define WALK_REST_MAX (2 * PATH_MAX)

static int fail(char *why, size_t why_size, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *why, size_t why_size, int r, const char *fmt, ...)
{
	va_list ap;

	if (why && why_size) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return r;
}

static bool trusted(uid_t owner, uid_t uid)
{
	return owner == 0 || owner == uid;
}

/* A directory on a path: trusted, and not writable by every user unless sticky. */
static int check_dir(const struct stat *st, const char *name, uid_t uid, char *why, size_t n)
{
	if (!trusted(st->st_uid, uid))
		return fail(why, n, -EPERM,
			    "directory %s is owned by uid %u, not by root or the agent's user (uid "
			    "%u)",
			    name, (unsigned)st->st_uid, (unsigned)uid);
	if ((st->st_mode & S_IWOTH) && !(st->st_mode & S_ISVTX))
		return fail(why, n, -EPERM,
			    "directory %s is writable by every user (mode %04o, not sticky; fix "
			    "with chmod o-w)",
			    name, (unsigned)(st->st_mode & 07777));
	return 0;
}

/* Takes the first component of *p (skipping slashes) into comp; false at the end. */
static bool next_component(const char **p, char comp[NAME_MAX + 1], int *ret_err)
{
	size_t l;

	while (**p == '/')
		(*p)++;
	if (!**p)
		return false;
	l = strcspn(*p, "/");
	if (l > NAME_MAX) {
		*ret_err = -ENAMETOOLONG;
		return false;
	}
	memcpy(comp, *p, l);
	comp[l] = '\0';
	*p += l;
	return true;
}

/* rest = target + "/" + p */
static int path_splice(char rest[WALK_REST_MAX], const char *target, const char *p)
{
	char tmp[WALK_REST_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s/%s", target, p);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(rest, tmp, (size_t)n + 1);
	return 0;
}

static void walked_push(char walked[PATH_MAX], const char *comp)
{
	size_t l = strlen(walked);

	if (strcmp(comp, "..") == 0) {
		char *slash = strrchr(walked, '/');

		if (slash)
			*slash = '\0';
		return;
	}
	snprintf(walked + l, PATH_MAX - l, "/%s", comp);
}

/* The symbolic link `child` (an O_PATH descriptor) on the walk: follow it if trusted. */
static int follow(int *fd, int child, const struct stat *st, const char *walked, const char *comp,
		  char rest[WALK_REST_MAX], const char **p, uid_t uid, char *why, size_t n)
{
	char target[PATH_MAX];
	ssize_t len;
	int r;

	if (!trusted(st->st_uid, uid))
		return fail(why, n, -EPERM,
			    "%s/%s is a symbolic link owned by uid %u, not by root or the agent's "
			    "user: not followed",
			    walked, comp, (unsigned)st->st_uid);
	len = readlinkat(child, "", target, sizeof(target) - 1);
	if (len <= 0)
		return fail(why, n, len < 0 ? -errno : -ENOENT, "cannot read the link %s/%s",
			    walked, comp);
	target[len] = '\0';
	r = path_splice(rest, target, *p);
	if (r < 0)
		return fail(why, n, r, "the path through %s/%s is too long", walked, comp);
	*p = rest;
	if (target[0] == '/') {
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (root < 0)
			return fail(why, n, -errno, "cannot open /");
		close(*fd);
		*fd = root;
	}
	return 0;
}

static int walk(const char *path, uid_t uid, int *ret_fd, char *why, size_t n)
{
	char rest[WALK_REST_MAX], comp[NAME_MAX + 1], walked[PATH_MAX] = "";
	const char *p = rest;
	int fd, child, r = 0, links = 0;
	struct stat st;

	if (path[0] == '/' ? str_copy(rest, sizeof(rest), path)
			   : !getcwd(rest, PATH_MAX) || path_splice(rest, rest, path) < 0)
		return fail(why, n, -ENAMETOOLONG, "the path %.200s is too long", path);
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || (r = check_dir(&st, "/", uid, why, n)) < 0)
		goto out;
	while (next_component(&p, comp, &r)) {
		if (strcmp(comp, ".") == 0)
			continue;
		child = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0 || fstat(child, &st) < 0) {
			r = fail(why, n, -errno, "%s/%s: %s", walked, comp, strerror(errno));
			if (child >= 0)
				close(child);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			r = ++links > WALK_LINKS_MAX
				    ? fail(why, n, -ELOOP, "too many symbolic links in %.200s",
					   path)
				    : follow(&fd, child, &st, walked, comp, rest, &p, uid, why, n);
			close(child);
			if (r < 0)
				goto out;
			if (*rest == '/')
				walked[0] = '\0';
			continue;
		}
		walked_push(walked, comp);
		if (!S_ISDIR(st.st_mode))
			r = fail(why, n, -ENOTDIR, "%s is not a directory", walked);
		else
			r = check_dir(&st, walked, uid, why, n);
		close(fd);
		fd = child;
		if (r < 0)
			goto out;
	}
	if (r < 0) {
		fail(why, n, r, "a name in %.200s is too long", path);
		goto out;
	}
	*ret_fd = fd;
	return 0;
out:
	if (fd >= 0)
		close(fd);
	return r < 0 ? r : fail(why, n, -errno, "cannot open /");
}

int safefile_open_dir(const char *path, uid_t uid, int *ret_fd, char *why, size_t why_size)
{
	int fd, r;

	if (!path || !*path)
		return fail(why, why_size, -EINVAL, "empty path");
	r = walk(path, uid, &fd, why, why_size);
	if (r < 0)
		return r;
	/* readable, so that it can be fsync'ed; O_PATH if we may not read it */
	r = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r >= 0) {
		close(fd);
		fd = r;
	}
	*ret_fd = fd;
	return 0;
}

/* ---- new files ---- */

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* .NAME.<16 random hex digits>.tmp, created with O_EXCL|O_NOFOLLOW; the fd. */
static int create_temp(int dirfd, const char *name, mode_t mode, char tmp[NAME_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	char suffix[17];

	for (int attempt = 0; attempt < 8; attempt++) {
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		for (size_t i = 0; i < sizeof(rnd); i++) {
			suffix[2 * i] = hex[rnd[i] >> 4];
			suffix[2 * i + 1] = hex[rnd[i] & 15];
		}
		suffix[16] = '\0';
		if ((size_t)snprintf(tmp, NAME_MAX + 1, ".%s.%s.tmp", name, suffix) > NAME_MAX)
			return -ENAMETOOLONG;
		fd = openat(dirfd, tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int safefile_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd, r;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	fd = create_temp(dirfd, name, mode, tmp);
	if (fd < 0)
		return fd;
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return r;
	}
	(void)fsync(dirfd); /* the rename itself; fails harmlessly on an O_PATH descriptor */
	return 0;
}

/* ---- appending to a file ---- */

/* The file opened for appending, judged on its descriptor. */
static int check_append_target(int fd, const char *path, uid_t uid, char *why, size_t n)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fail(why, n, -errno, "cannot stat %s", path);
	if (S_ISCHR(st.st_mode))
		return st.st_uid == 0 ? 0
				      : fail(why, n, -EPERM,
					     "%s is a character device not owned by root", path);
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		return fail(why, n, -EPERM, "%s is not a regular file, a FIFO or a device", path);
	if (!trusted(st.st_uid, uid))
		return fail(why, n, -EPERM,
			    "%s is owned by uid %u, not by root or the agent's user (uid %u): "
			    "another user could read or change what the agent writes",
			    path, (unsigned)st.st_uid, (unsigned)uid);
	if (S_ISFIFO(st.st_mode))
		return 0;
	if (st.st_nlink != 1)
		return fail(why, n, -EPERM,
			    "%s has %lu hard links: it may be another file under a second name",
			    path, (unsigned long)st.st_nlink);
	if (st.st_mode & S_IWOTH)
		return fail(why, n, -EPERM, "%s is writable by every user (mode %04o)", path,
			    (unsigned)(st.st_mode & 07777));
	return 0;
}

int safefile_open_append(const char *path, uid_t uid, int *ret_fd, char *why, size_t why_size)
{
	const int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	const char *slash = path ? strrchr(path, '/') : NULL, *base;
	char dir[PATH_MAX];
	int dirfd, fd, r, fl;
	struct stat st;

	if (!path || !*path)
		return fail(why, why_size, -EINVAL, "empty path");
	base = slash ? slash + 1 : path;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return fail(why, why_size, -EISDIR, "%s names a directory", path);
	if ((size_t)snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1,
			     slash ? path : ".") >= sizeof(dir))
		return fail(why, why_size, -ENAMETOOLONG, "the path is too long");
	r = safefile_open_dir(dir, uid, &dirfd, why, why_size);
	if (r < 0)
		return r;
	/* O_NONBLOCK: a FIFO planted by someone else must not block us before it is judged */
	fd = openat(dirfd, base, flags | O_CREAT | O_NONBLOCK, 0600);
	if (fd < 0 && errno == ENXIO && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISFIFO(st.st_mode) && trusted(st.st_uid, uid))
		fd = openat(dirfd, base, flags); /* our own FIFO: wait for its reader */
	r = fd < 0 ? -errno : 0;
	/* some kernels say EACCES for O_CREAT on another user's link in a sticky directory */
	if (r == -EACCES && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		r = -ELOOP;
	close(dirfd);
	if (r == -ELOOP)
		return fail(why, why_size, r,
			    "%s is a symbolic link: not followed (give the target's path, or - for "
			    "stdout)",
			    path);
	if (r < 0)
		return fail(why, why_size, r, "cannot open %s: %s", path, strerror(-r));
	r = check_append_target(fd, path, uid, why, why_size);
	if (r == 0 && (fl = fcntl(fd, F_GETFL)) >= 0 && (fl & O_NONBLOCK))
		r = fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ? -errno : 0;
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}
