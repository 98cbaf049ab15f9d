/* SPDX-License-Identifier: MIT */
/*
 * File access below a root directory for the baseline checks, through the host context
 * (host/host.h), which owns the one path resolver of the agent.
 *
 * Every path of a check is absolute.  Paths under /proc are the host's /proc (sysctl values,
 * the host's mount table at /proc/1/mounts); every other path is opened below the root with
 * containment: symlinks (absolute ones too) resolve inside the root, so a host root mounted
 * at /host is examined as the host sees it and nothing outside it is ever read, with openat2
 * or without it.  Reads are non-blocking opens of regular files only (a FIFO cannot stall a
 * run), capped.
 *
 * A root owns a small cache of whole files (passwd, group, shadow, dpkg status, fstab, ...)
 * that several checks read; it lives as long as the root (one run).  Up to ROOT_CACHE_MAX
 * entries; beyond that reads are simply not cached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline-int.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "host/host.h"

#define ROOT_CACHE_MAX 16
#define ROOT_GLOB_SCAN_MAX 4096 /* directory entries looked at for one glob */

struct root_cache_entry {
	char *path;
	char *data; /* NULL when the read failed (err) */
	size_t len;
	int err;
};

struct baseline_root {
	struct host_context *host;
	struct host_context *own_host; /* opened by baseline_root_open() */
	struct root_cache_entry cache[ROOT_CACHE_MAX];
	size_t n_cache;
};

int baseline_root_open_host(struct host_context *host, struct baseline_root **ret_root)
{
	struct baseline_root *r = es_calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->host = host;
	*ret_root = r;
	return 0;
}

int baseline_root_open(const char *path, struct baseline_root **ret_root)
{
	struct host_context *h;
	char err[160];
	int e = host_context_open(path, 0, &h, err, sizeof(err));

	if (e < 0)
		return e;
	e = baseline_root_open_host(h, ret_root);
	if (e < 0) {
		host_context_free(h);
		return e;
	}
	(*ret_root)->own_host = h;
	return 0;
}

struct baseline_root *baseline_root_free(struct baseline_root *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_cache; i++) {
		es_free(r->cache[i].path);
		es_free(r->cache[i].data);
	}
	host_context_free(r->own_host);
	es_free(r);
	return NULL;
}

struct host_context *baseline_root_host(struct baseline_root *r)
{
	return r->host;
}

/* "/proc/x/y" -> "x/y" (the host's /proc), else NULL. */
static const char *proc_relative(const char *abs_path)
{
	if (strncmp(abs_path, "/proc", 5) != 0 || (abs_path[5] != '/' && abs_path[5] != '\0'))
		return NULL;
	return abs_path[5] ? abs_path + 6 : ".";
}

int baseline_root_openat(struct baseline_root *r, const char *abs_path, int flags, int *ret_fd)
{
	const char *proc = proc_relative(abs_path);
	int fd = proc ? host_proc_open(r->host, proc, flags)
		      : host_open(r->host, abs_path, flags, 0);

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

int baseline_root_stat(struct baseline_root *r, const char *abs_path, struct stat *ret_st)
{
	int fd, e;

	e = baseline_root_openat(r, abs_path, O_PATH, &fd);
	if (e < 0)
		return e;
	e = fstat(fd, ret_st) < 0 ? -errno : 0;
	close(fd);
	return e;
}

static int read_file(struct baseline_root *r, const char *abs_path, size_t max, char **ret_data,
		     size_t *ret_len)
{
	struct stat st;
	int fd, e;

	e = baseline_root_openat(r, abs_path, O_RDONLY | O_NONBLOCK, &fd);
	if (e < 0)
		return e;
	if (fstat(fd, &st) < 0)
		e = -errno;
	else if (S_ISDIR(st.st_mode))
		e = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		e = -EINVAL; /* FIFOs, devices, sockets: never read */
	else
		e = read_fd_capped(fd, max, ret_data, ret_len);
	close(fd);
	return e;
}

int baseline_root_read(struct baseline_root *r, const char *abs_path, size_t max, bool cache,
		       const char **ret_data, size_t *ret_len)
{
	struct root_cache_entry *ce;
	char *data = NULL;
	size_t len = 0;
	int e;

	for (size_t i = 0; cache && i < r->n_cache; i++) {
		ce = &r->cache[i];
		if (strcmp(ce->path, abs_path) != 0)
			continue;
		if (ce->err < 0)
			return ce->err;
		*ret_data = ce->data;
		*ret_len = ce->len;
		return 0;
	}
	e = read_file(r, abs_path, max, &data, &len);
	if (cache && r->n_cache < ROOT_CACHE_MAX) {
		char *p = es_strdup(abs_path);

		if (p) {
			ce = &r->cache[r->n_cache++];
			*ce = (struct root_cache_entry){
				.path = p, .data = data, .len = len, .err = e < 0 ? e : 0
			};
			if (e < 0)
				return e;
			*ret_data = data;
			*ret_len = len;
			return 0;
		}
	}
	if (e < 0)
		return e;
	if (cache) {
		/* Not cached (cache full): the caller still gets the data; keep it owned here. */
		es_free(data);
		return baseline_root_read(r, abs_path, max, false, ret_data, ret_len);
	}
	*ret_data = data;
	*ret_len = len;
	return 0;
}

void baseline_root_release(struct baseline_root *r, const char *data)
{
	for (size_t i = 0; i < r->n_cache; i++)
		if (r->cache[i].data == data)
			return;
	es_free((void *)data);
}

void baseline_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		es_free(paths[i]);
	es_free(paths);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int baseline_root_glob(struct baseline_root *r, const char *abs_pattern, size_t max,
		       char ***ret_paths, size_t *ret_n)
{
	const char *slash = strrchr(abs_pattern, '/'), *base;
	char dir[BASELINE_VALUE_MAX + 2];
	char **out = NULL;
	size_t n = 0, scanned = 0;
	struct dirent *de;
	DIR *d;
	int fd, e;

	if (!slash || (size_t)(slash - abs_pattern) >= sizeof(dir) - 1)
		return -EINVAL;
	base = slash + 1;
	if (!strpbrk(base, "*?[")) {
		/* No wildcard: the path itself, if it exists. */
		struct stat st;

		e = baseline_root_stat(r, abs_pattern, &st);
		if (e == -ENOENT || e == -ENOTDIR) {
			*ret_paths = NULL;
			*ret_n = 0;
			return 0;
		}
		out = es_calloc(1, sizeof(char *));
		if (!out || !(out[0] = es_strdup(abs_pattern))) {
			es_free(out);
			return -ENOMEM;
		}
		*ret_paths = out;
		*ret_n = 1;
		return 0;
	}
	memcpy(dir, abs_pattern, (size_t)(slash - abs_pattern));
	dir[slash - abs_pattern] = '\0';
	e = baseline_root_openat(r, dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY, &fd);
	if (e == -ENOENT || e == -ENOTDIR) {
		*ret_paths = NULL;
		*ret_n = 0;
		return 0;
	}
	if (e < 0)
		return e;
	d = fdopendir(fd);
	if (!d) {
		e = -errno;
		close(fd);
		return e;
	}
	out = es_calloc(max ? max : 1, sizeof(char *));
	if (!out) {
		closedir(d);
		return -ENOMEM;
	}
	e = 0;
	while ((de = readdir(d)) && scanned++ < ROOT_GLOB_SCAN_MAX) {
		struct buf p;

		if (fnmatch(base, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (n == max) {
			e = -E2BIG;
			break;
		}
		buf_init(&p, 4096);
		buf_printf(&p, "%s/%s", dir, de->d_name);
		if (p.failed) {
			buf_done(&p);
			e = -ENOMEM;
			break;
		}
		out[n++] = buf_steal(&p, NULL);
	}
	closedir(d);
	if (e < 0) {
		baseline_paths_free(out, n);
		return e;
	}
	qsort(out, n, sizeof(char *), cmp_str);
	*ret_paths = out;
	*ret_n = n;
	return 0;
}
