/* SPDX-License-Identifier: MIT */
/*
 * The store of baselines kept across restarts (see persist.h for the file format, the caps
 * and who uses it).
 *
 * In memory: an array of at most PERSIST_RECORDS_MAX records sorted by key (the file's order),
 * each value its own allocation; `bytes` is the sum of the values.  Owns: the records, a
 * duplicate of the state directory's descriptor.  Writing is all or nothing (a new file
 * renamed over the old one), so a crash leaves the previous file or the new one, never half.
 */
#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "bytes.h"
#include "fileio.h"
#include "safefile.h"
#include "sha256.h"

struct persist_record {
	char key[PERSIST_KEY_MAX + 1];
	uint8_t *data;
	size_t len;
};

struct persist {
	int dirfd; /* -1: memory only */
	uid_t uid;
	char name[256];
	struct persist_record *recs; /* PERSIST_RECORDS_MAX of them, n used, sorted */
	size_t n, bytes;
	bool dirty;
	struct persist_stats stats;
};

static int fail(struct persist_error *err, int r, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct persist_error *err, int r, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		err->offset = offset;
	}
	return r;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	le_put(p, v, 4);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	le_put(p, v, 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)le_get(p, 4);
}

static uint64_t get_u64(const uint8_t *p)
{
	return le_get(p, 8);
}

static bool key_valid_n(const char *key, size_t n)
{
	if (n == 0 || n > PERSIST_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

bool persist_key_valid(const char *key)
{
	return key && key_valid_n(key, strnlen(key, PERSIST_KEY_MAX + 1));
}

static void records_clear(struct persist *p)
{
	for (size_t i = 0; i < p->n; i++)
		es_free(p->recs[i].data);
	p->n = 0;
	p->bytes = 0;
}

int persist_new(int dirfd, const char *name, uid_t uid, struct persist **ret)
{
	struct persist *p;

	if (!name || !*name || strchr(name, '/') || strlen(name) >= sizeof(p->name))
		return -EINVAL;
	p = es_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->recs = es_calloc(PERSIST_RECORDS_MAX, sizeof(*p->recs));
	if (!p->recs) {
		es_free(p);
		return -ENOMEM;
	}
	p->dirfd = -1;
	if (dirfd >= 0 && (p->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3)) < 0) {
		int r = -errno;

		es_free(p->recs);
		es_free(p);
		return r;
	}
	p->uid = uid;
	memcpy(p->name, name, strlen(name) + 1);
	*ret = p;
	return 0;
}

struct persist *persist_free(struct persist *p)
{
	if (!p)
		return NULL;
	records_clear(p);
	es_free(p->recs);
	if (p->dirfd >= 0)
		close(p->dirfd);
	es_free(p);
	return NULL;
}

/* Index of key, or -(insertion point) - 1. */
static long record_find(const struct persist *p, const char *key)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->recs[mid].key, key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static void record_remove_at(struct persist *p, size_t i)
{
	p->bytes -= p->recs[i].len;
	es_free(p->recs[i].data);
	memmove(&p->recs[i], &p->recs[i + 1], (p->n - i - 1) * sizeof(*p->recs));
	p->n--;
	p->dirty = true;
}

void persist_remove(struct persist *p, const char *key)
{
	long i = p && key ? record_find(p, key) : -1;

	if (i >= 0)
		record_remove_at(p, (size_t)i);
}

int persist_get(const struct persist *p, const char *key, const void **ret_data, size_t *ret_len)
{
	long i = p && key ? record_find(p, key) : -1;

	if (i < 0)
		return -ENOENT;
	*ret_data = p->recs[i].data;
	*ret_len = p->recs[i].len;
	return 0;
}

static int refuse(struct persist *p, long i, int r)
{
	if (i >= 0)
		record_remove_at(p, (size_t)i);
	p->stats.refused++;
	return r;
}

int persist_put(struct persist *p, const char *key, const void *data, size_t len)
{
	long i;
	size_t old, pos;
	uint8_t *copy;

	if (!p || !persist_key_valid(key) || (len && !data))
		return -EINVAL;
	i = record_find(p, key);
	old = i >= 0 ? p->recs[i].len : 0;
	if (i >= 0 && old == len && (len == 0 || memcmp(p->recs[i].data, data, len) == 0))
		return 0;
	if (len > PERSIST_RECORD_MAX)
		return refuse(p, i, -E2BIG);
	if (p->bytes - old + len > PERSIST_TOTAL_MAX || (i < 0 && p->n >= PERSIST_RECORDS_MAX))
		return refuse(p, i, -ENOSPC);
	copy = es_malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	if (i < 0) {
		pos = (size_t)(-i - 1);
		memmove(&p->recs[pos + 1], &p->recs[pos], (p->n - pos) * sizeof(*p->recs));
		p->n++;
		memset(&p->recs[pos], 0, sizeof(*p->recs));
		memcpy(p->recs[pos].key, key, strlen(key) + 1);
	} else {
		pos = (size_t)i;
		es_free(p->recs[pos].data);
	}
	p->recs[pos].data = copy;
	p->recs[pos].len = len;
	p->bytes = p->bytes - old + len;
	p->dirty = true;
	return 0;
}

void persist_note_omitted(struct persist *p, uint64_t n)
{
	if (p)
		p->stats.omitted += n;
}

bool persist_dirty(const struct persist *p)
{
	return p && p->dirty;
}

void persist_get_stats(const struct persist *p, struct persist_stats *ret)
{
	*ret = p->stats;
	ret->records = p->n;
	ret->bytes = p->bytes;
}

/* ---- the file ---- */

int persist_format(const struct persist *p, uint8_t **ret_data, size_t *ret_len)
{
	size_t len = PERSIST_HEADER_LEN + PERSIST_TRAILER_LEN, off;
	uint8_t *d;

	for (size_t i = 0; i < p->n; i++)
		len += 1 + strlen(p->recs[i].key) + 4 + p->recs[i].len;
	d = es_malloc(len);
	if (!d)
		return -ENOMEM;
	memcpy(d, PERSIST_MAGIC, 8);
	put_u32(d + 8, PERSIST_VERSION);
	put_u32(d + 12, (uint32_t)p->n);
	put_u64(d + 16, len - PERSIST_HEADER_LEN - PERSIST_TRAILER_LEN);
	off = PERSIST_HEADER_LEN;
	for (size_t i = 0; i < p->n; i++) {
		size_t kl = strlen(p->recs[i].key);

		d[off++] = (uint8_t)kl;
		memcpy(d + off, p->recs[i].key, kl);
		off += kl;
		put_u32(d + off, (uint32_t)p->recs[i].len);
		off += 4;
		if (p->recs[i].len)
			memcpy(d + off, p->recs[i].data, p->recs[i].len);
		off += p->recs[i].len;
	}
	sha256_digest(d, off, d + off);
	*ret_data = d;
	*ret_len = len;
	return 0;
}

static int parse_header(const uint8_t *d, size_t len, uint32_t *ret_n, struct persist_error *err)
{
	uint64_t body;
	uint32_t version;

	if (len < PERSIST_HEADER_LEN + PERSIST_TRAILER_LEN)
		return fail(err, -EBADMSG, len, "truncated: %zu bytes", len);
	if (memcmp(d, PERSIST_MAGIC, 8) != 0)
		return fail(err, -EBADMSG, 0, "not an edgesec baselines file (wrong magic)");
	version = get_u32(d + 8);
	if (version != PERSIST_VERSION)
		return fail(err, -EBADMSG, 8, "format version %u, this agent reads %u", version,
			    PERSIST_VERSION);
	*ret_n = get_u32(d + 12);
	if (*ret_n > PERSIST_RECORDS_MAX)
		return fail(err, -EBADMSG, 12, "%u records (at most %u)", *ret_n,
			    PERSIST_RECORDS_MAX);
	body = get_u64(d + 16);
	if (body != len - PERSIST_HEADER_LEN - PERSIST_TRAILER_LEN)
		return fail(err, -EBADMSG, 16, "body of %llu bytes in a file of %zu (truncated?)",
			    (unsigned long long)body, len);
	return 0;
}

/* One record at *off of the body ending at end; checks and copies it into p. */
static int parse_record(struct persist *p, const uint8_t *d, size_t *off, size_t end,
			struct persist_error *err)
{
	size_t o = *off, kl;
	uint32_t vl;
	struct persist_record *rec = &p->recs[p->n];

	if (end - o < 1)
		return fail(err, -EBADMSG, o, "truncated record");
	kl = d[o++];
	if (end - o < kl + 4 || !key_valid_n((const char *)d + o, kl))
		return fail(err, -EBADMSG, o - 1, "bad or truncated key");
	memcpy(rec->key, d + o, kl);
	rec->key[kl] = '\0';
	if (p->n && strcmp(p->recs[p->n - 1].key, rec->key) >= 0)
		return fail(err, -EBADMSG, o - 1, "keys out of order or repeated");
	o += kl;
	vl = get_u32(d + o);
	o += 4;
	if (vl > PERSIST_RECORD_MAX || end - o < vl || p->bytes + vl > PERSIST_TOTAL_MAX)
		return fail(err, -EBADMSG, o - 4, "value of %u bytes: truncated or over the caps",
			    vl);
	rec->data = es_malloc(vl ? vl : 1);
	if (!rec->data)
		return fail(err, -ENOMEM, o, "out of memory");
	if (vl)
		memcpy(rec->data, d + o, vl);
	rec->len = vl;
	p->bytes += vl;
	p->n++;
	*off = o + vl;
	return 0;
}

int persist_parse(struct persist *p, const void *data, size_t len, struct persist_error *err)
{
	const uint8_t *d = data;
	uint8_t sum[SHA256_DIGEST_LEN];
	size_t off = PERSIST_HEADER_LEN, end;
	uint32_t n = 0;
	int r;

	records_clear(p);
	p->dirty = false;
	if (len > PERSIST_FILE_MAX)
		return fail(err, -EBADMSG, 0, "%zu bytes (at most %u)", len, PERSIST_FILE_MAX);
	r = parse_header(d, len, &n, err);
	if (r < 0)
		return r;
	end = len - PERSIST_TRAILER_LEN;
	sha256_digest(d, end, sum);
	if (memcmp(sum, d + end, sizeof(sum)) != 0)
		return fail(err, -EBADMSG, end, "checksum mismatch (corrupt or changed)");
	for (uint32_t i = 0; i < n && r == 0; i++)
		r = parse_record(p, d, &off, end, err);
	if (r == 0 && off != end)
		r = fail(err, -EBADMSG, off, "%zu bytes after the last record", end - off);
	if (r < 0)
		records_clear(p);
	return r;
}

/* The file, judged on its descriptor as the state directory is (state_dir_check). */
static int check_file(const struct persist *p, int fd, struct persist_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fail(err, -errno, 0, "cannot stat it: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, -EPERM, 0, "not a regular file");
	if (st.st_uid != 0 && st.st_uid != p->uid)
		return fail(err, -EPERM, 0, "owned by uid %u, not by root or the agent's user (%u)",
			    (unsigned)st.st_uid, (unsigned)p->uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return fail(err, -EPERM, 0, "writable by others (mode %04o)",
			    (unsigned)(st.st_mode & 07777));
	if (st.st_nlink != 1)
		return fail(err, -EPERM, 0, "%lu hard links", (unsigned long)st.st_nlink);
	return 0;
}

int persist_load(struct persist *p, struct persist_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int fd, r;

	records_clear(p);
	p->dirty = false;
	if (p->dirfd < 0)
		return -ENOENT;
	fd = file_open_regular(p->dirfd, p->name, O_NOFOLLOW);
	if (fd == -ELOOP)
		return fail(err, -EPERM, 0, "a symbolic link (not followed)");
	if (fd == -FILEIO_ENOTREG || fd == -EISDIR)
		return fail(err, -EPERM, 0, "not a regular file");
	if (fd < 0)
		return fd == -ENOENT ? fd : fail(err, fd, 0, "cannot open it: %s", strerror(-fd));
	r = check_file(p, fd, err);
	if (r == 0) {
		r = read_fd_capped(fd, PERSIST_FILE_MAX, &data, &len);
		if (r == -EFBIG)
			r = fail(err, -EFBIG, 0, "larger than %u bytes", PERSIST_FILE_MAX);
		else if (r < 0)
			r = fail(err, r, 0, "cannot read it: %s", strerror(-r));
	}
	close(fd);
	if (r == 0)
		r = persist_parse(p, data, len, err);
	if (r == 0) {
		p->stats.loaded = p->n;
		p->stats.file_bytes = len;
	}
	return r;
}

int persist_flush(struct persist *p)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len;
	int r;

	if (!p || !p->dirty || p->dirfd < 0)
		return 0;
	r = persist_format(p, &data, &len);
	if (r == 0)
		r = safefile_write_atomic(p->dirfd, p->name, data, len, 0600);
	if (r < 0) {
		p->stats.write_errors++;
		p->stats.last_write_error = r;
		return r;
	}
	p->dirty = false;
	p->stats.writes++;
	p->stats.last_write_error = 0;
	p->stats.file_bytes = len;
	return 0;
}
