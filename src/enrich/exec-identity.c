/* SPDX-License-Identifier: MIT */
/*
 * Content identity of executed files (exec-identity.h has the what and the order of checks).
 *
 * Owns: the known table (EXEC_IDENTITY_KNOWN_MAX entries, fixed, allocated with the object),
 * the result cache (limits.cache_entries slots, direct-mapped by a hash of device and inode:
 * a new key replaces the slot's entry, counted in cache_evictions) and one read buffer
 * (HASH_CHUNK bytes).  Nothing grows after exec_identity_new().
 *
 * A known file's hash is computed the first time a candidate of its size turns up, from the
 * file opened again by its path (io->open_known); when that file has changed since it was
 * added (a package upgrade: other inode, size or times) its entry is refreshed from the new
 * file first, so the new bytes are the ones compared.  A known file that cannot be hashed (too
 * large, unreadable) is known by its inode and build-id only.
 *
 * Cached: "known as X by Y", "not known" and "unknown" (too large, out of time), so a file
 * costs at most one open, one build-id read and one hash while its key stays the same; any
 * write to it changes its mtime/ctime and so its key.  A file opened that is not the file of
 * the key (-ESTALE: replaced between the caller's stat and the open) is not cached.
 */
#include "exec-identity.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/sha256.h"
#include "common/timeutil.h"
#include "elf-note.h"

#define HASH_CHUNK (64u << 10)
#define DEFAULT_HASH_MAX (16ull << 20)
#define DEFAULT_TIME_BUDGET_NS (50ull * 1000 * 1000)
#define DEFAULT_CACHE_ENTRIES 256u
#define CACHE_ENTRIES_MAX 65536u

enum hash_state { HASH_NOT_YET, HASH_DONE, HASH_CANNOT };

struct known {
	char names[EXEC_IDENTITY_NAMES_MAX][EXEC_IDENTITY_NAME_MAX];
	unsigned n_names;
	char path[EXEC_IDENTITY_PATH_MAX];
	struct exec_identity_key key;
	uint8_t build_id[ELF_BUILD_ID_MAX];
	size_t build_id_len;
	uint8_t sha[SHA256_DIGEST_LEN];
	enum hash_state hash;
};

enum cached { CACHED_EMPTY, CACHED_KNOWN, CACHED_NONE, CACHED_UNKNOWN };

struct cache_entry {
	struct exec_identity_key key;
	uint8_t what;	/* enum cached */
	uint8_t by;	/* enum exec_identity_by, CACHED_KNOWN */
	uint16_t index; /* known file, CACHED_KNOWN */
	int16_t error;	/* CACHED_UNKNOWN: the negative errno */
};

struct exec_identity {
	struct exec_identity_limits lim;
	struct known known[EXEC_IDENTITY_KNOWN_MAX];
	unsigned n_known;
	struct cache_entry *cache;
	uint8_t *buf; /* HASH_CHUNK */
	struct exec_identity_stats stats;
};

static const char *const by_names[EXEC_IDENTITY_BY_MAX] = {
	[EXEC_IDENTITY_BY_FILE] = "file",
	[EXEC_IDENTITY_BY_SHA256] = "sha256",
	[EXEC_IDENTITY_BY_BUILD_ID] = "build-id",
};

const char *exec_identity_by_to_string(enum exec_identity_by by)
{
	return by < EXEC_IDENTITY_BY_MAX ? by_names[by] : "unknown";
}

struct exec_identity *exec_identity_new(const struct exec_identity_limits *limits)
{
	struct exec_identity *id = es_calloc(1, sizeof(*id));

	if (!id)
		return NULL;
	if (limits)
		id->lim = *limits;
	if (!id->lim.hash_max_bytes)
		id->lim.hash_max_bytes = DEFAULT_HASH_MAX;
	if (!id->lim.time_budget_ns)
		id->lim.time_budget_ns = DEFAULT_TIME_BUDGET_NS;
	if (!id->lim.cache_entries)
		id->lim.cache_entries = DEFAULT_CACHE_ENTRIES;
	if (id->lim.cache_entries > CACHE_ENTRIES_MAX ||
	    (id->lim.cache_entries & (id->lim.cache_entries - 1)))
		id->lim.cache_entries = DEFAULT_CACHE_ENTRIES;
	id->cache = es_calloc(id->lim.cache_entries, sizeof(*id->cache));
	id->buf = es_malloc(HASH_CHUNK);
	if (!id->cache || !id->buf)
		return exec_identity_free(id);
	return id;
}

struct exec_identity *exec_identity_free(struct exec_identity *id)
{
	if (!id)
		return NULL;
	es_free(id->cache);
	es_free(id->buf);
	es_free(id);
	return NULL;
}

void exec_identity_key_of_stat(const struct stat *st, struct exec_identity_key *ret)
{
	ret->dev = (uint64_t)st->st_dev;
	ret->ino = (uint64_t)st->st_ino;
	ret->size = (uint64_t)st->st_size;
	ret->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	ret->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static bool key_equal(const struct exec_identity_key *a, const struct exec_identity_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static ssize_t fd_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(*(int *)ctx, buf, len, (off_t)off);

	return n < 0 ? -errno : n;
}

/* The build-id of an open file, or none (*ret_len 0). */
static void build_id_of(int fd, uint64_t size, uint8_t *ret_id, size_t *ret_len)
{
	struct elf_note_error err;

	if (elf_build_id_read(fd_pread, &fd, size, ret_id, ret_len, &err) < 0)
		*ret_len = 0;
}

static int stat_key(int fd, struct exec_identity_key *ret)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	exec_identity_key_of_stat(&st, ret);
	return 0;
}

static struct known *known_by_inode(struct exec_identity *id, uint64_t dev, uint64_t ino)
{
	for (unsigned i = 0; i < id->n_known; i++)
		if (id->known[i].key.dev == dev && id->known[i].key.ino == ino)
			return &id->known[i];
	return NULL;
}

static int name_put(struct known *k, const char *name)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < k->n_names; i++)
		if (strcmp(k->names[i], name) == 0)
			return -EEXIST;
	if (k->n_names >= EXEC_IDENTITY_NAMES_MAX)
		return -ENOSPC;
	memcpy(k->names[k->n_names++], name, len + 1);
	return 0;
}

int exec_identity_add(struct exec_identity *id, const char *name, const char *path, int fd)
{
	struct exec_identity_key key;
	struct known *k;
	int r;

	if (!id || !name || !path || fd < 0 || !name[0])
		return -EINVAL;
	if (strlen(name) >= EXEC_IDENTITY_NAME_MAX || strlen(path) >= EXEC_IDENTITY_PATH_MAX)
		return -ENAMETOOLONG;
	r = stat_key(fd, &key);
	if (r < 0)
		return r;
	k = known_by_inode(id, key.dev, key.ino);
	if (k)
		return name_put(k, name);
	if (id->n_known >= EXEC_IDENTITY_KNOWN_MAX)
		return -ENOSPC;
	k = &id->known[id->n_known];
	memset(k, 0, sizeof(*k));
	k->key = key;
	memcpy(k->path, path, strlen(path) + 1);
	build_id_of(fd, key.size, k->build_id, &k->build_id_len);
	name_put(k, name);
	id->n_known++;
	return 0;
}

bool exec_identity_has_name(const struct exec_identity *id, unsigned index, const char *name,
			    size_t len)
{
	if (!id || index >= id->n_known)
		return false;
	for (unsigned i = 0; i < id->known[index].n_names; i++)
		if (strlen(id->known[index].names[i]) == len &&
		    memcmp(id->known[index].names[i], name, len) == 0)
			return true;
	return false;
}

/* SHA-256 of the first `size` bytes of fd; -ETIMEDOUT past the deadline (0: none). */
static int hash_fd(struct exec_identity *id, int fd, uint64_t size, uint64_t deadline_ns,
		   uint8_t out[SHA256_DIGEST_LEN])
{
	struct sha256_ctx ctx;
	uint64_t off = 0;

	sha256_init(&ctx);
	while (off < size) {
		size_t want = size - off > HASH_CHUNK ? HASH_CHUNK : (size_t)(size - off);
		ssize_t n = pread(fd, id->buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ESTALE; /* shrank under us */
		sha256_update(&ctx, id->buf, (size_t)n);
		off += (uint64_t)n;
		id->stats.hashed_bytes += (uint64_t)n;
		if (deadline_ns && off < size && time_now_monotonic_ns() > deadline_ns) {
			sha256_final(&ctx, out);
			return -ETIMEDOUT;
		}
	}
	sha256_final(&ctx, out);
	return 0;
}

/* Makes sure k's hash is known (refreshing k from its file when it changed): true if so. */
static bool known_hash(struct exec_identity *id, const struct exec_identity_io *io, struct known *k)
{
	struct exec_identity_key now;
	int fd;

	if (k->hash != HASH_NOT_YET)
		return k->hash == HASH_DONE;
	k->hash = HASH_CANNOT;
	fd = io->open_known ? io->open_known(io->ctx, k->path) : -ENOSYS;
	if (fd < 0) {
		id->stats.errors++;
		return false;
	}
	if (stat_key(fd, &now) == 0 && now.size <= id->lim.hash_max_bytes) {
		if (!key_equal(&now, &k->key)) { /* upgraded since start: the new bytes count */
			k->key = now;
			build_id_of(fd, now.size, k->build_id, &k->build_id_len);
		}
		if (hash_fd(id, fd, now.size, 0, k->sha) == 0)
			k->hash = HASH_DONE;
	}
	close(fd);
	return k->hash == HASH_DONE;
}

static struct cache_entry *cache_slot(struct exec_identity *id, const struct exec_identity_key *key)
{
	uint64_t h = key->ino * 0x9e3779b97f4a7c15ull ^ key->dev * 0xc2b2ae3d27d4eb4full;

	return &id->cache[(h >> 32) & (id->lim.cache_entries - 1)];
}

static int result_of(struct exec_identity *id, unsigned index, enum exec_identity_by by,
		     struct exec_identity_result *ret)
{
	ret->name = id->known[index].names[0];
	ret->path = id->known[index].path;
	ret->by = by;
	ret->index = index;
	id->stats.known_as++;
	return 1;
}

/* Compares an open candidate with the known files: 1 (*ret_index, *ret_by), 0, -errno. */
static int candidate_compare(struct exec_identity *id, const struct exec_identity_io *io, int fd,
			     const struct exec_identity_key *key, unsigned *ret_index,
			     enum exec_identity_by *ret_by)
{
	uint8_t bid[ELF_BUILD_ID_MAX], sha[SHA256_DIGEST_LEN];
	size_t bid_len;
	int by_build_id = -1, hashed = 0, r = 0;

	build_id_of(fd, key->size, bid, &bid_len);
	for (unsigned i = 0; i < id->n_known; i++) {
		struct known *k = &id->known[i];

		if (by_build_id < 0 && bid_len && bid_len == k->build_id_len &&
		    memcmp(bid, k->build_id, bid_len) == 0)
			by_build_id = (int)i;
		if (k->key.size != key->size)
			continue;
		if (key->size > id->lim.hash_max_bytes) {
			r = -EFBIG; /* same size as a known file, too large to hash */
			continue;
		}
		if (!known_hash(id, io, k) || k->key.size != key->size)
			continue;
		if (!hashed) {
			r = hash_fd(id, fd, key->size,
				    time_now_monotonic_ns() + id->lim.time_budget_ns, sha);
			hashed = r == 0 ? 1 : -1;
		}
		if (hashed > 0 && memcmp(sha, k->sha, sizeof(sha)) == 0) {
			*ret_index = i;
			*ret_by = EXEC_IDENTITY_BY_SHA256;
			return 1;
		}
	}
	if (by_build_id >= 0) {
		*ret_index = (unsigned)by_build_id;
		*ret_by = EXEC_IDENTITY_BY_BUILD_ID;
		return 1;
	}
	return r < 0 ? r : 0;
}

static int lookup_open(struct exec_identity *id, const struct exec_identity_key *key,
		       const struct exec_identity_io *io, unsigned *ret_index,
		       enum exec_identity_by *ret_by)
{
	struct exec_identity_key opened;
	int fd, r;

	fd = io && io->open_candidate ? io->open_candidate(io->ctx) : -ENOSYS;
	if (fd < 0) {
		id->stats.errors++;
		return fd;
	}
	id->stats.opened++;
	r = stat_key(fd, &opened);
	if (r == 0 && !key_equal(&opened, key))
		r = -ESTALE;
	if (r == 0)
		r = candidate_compare(id, io, fd, key, ret_index, ret_by);
	close(fd);
	if (r == -EFBIG)
		id->stats.too_big++;
	else if (r == -ETIMEDOUT)
		id->stats.timeouts++;
	else if (r < 0)
		id->stats.errors++;
	return r;
}

int exec_identity_lookup(struct exec_identity *id, const struct exec_identity_key *key,
			 const struct exec_identity_io *io, struct exec_identity_result *ret)
{
	struct cache_entry *e;
	struct known *k;
	enum exec_identity_by by = EXEC_IDENTITY_BY_FILE;
	unsigned index = 0;
	int r;

	if (!id || !key || !ret)
		return -EINVAL;
	id->stats.lookups++;
	k = known_by_inode(id, key->dev, key->ino);
	if (k)
		return result_of(id, (unsigned)(k - id->known), EXEC_IDENTITY_BY_FILE, ret);
	e = cache_slot(id, key);
	if (e->what != CACHED_EMPTY && key_equal(&e->key, key)) {
		id->stats.cache_hits++;
		if (e->what == CACHED_KNOWN)
			return result_of(id, e->index, (enum exec_identity_by)e->by, ret);
		return e->what == CACHED_NONE ? 0 : e->error;
	}
	r = lookup_open(id, key, io, &index, &by);
	if (r == -ESTALE || (r < 0 && r != -EFBIG && r != -ETIMEDOUT))
		return r; /* not the file of the key, or not readable now: ask again next time */
	if (e->what != CACHED_EMPTY)
		id->stats.cache_evictions++;
	e->key = *key;
	e->what = r > 0 ? CACHED_KNOWN : r == 0 ? CACHED_NONE : CACHED_UNKNOWN;
	e->by = (uint8_t)by;
	e->index = (uint16_t)index;
	e->error = (int16_t)(r < 0 ? r : 0);
	return r > 0 ? result_of(id, index, by, ret) : r;
}

void exec_identity_get_stats(const struct exec_identity *id, struct exec_identity_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!id)
		return;
	*ret = id->stats;
	ret->known_files = id->n_known;
	ret->cache_entries = id->lim.cache_entries;
	ret->memory_bytes =
		sizeof(*id) + (size_t)id->lim.cache_entries * sizeof(*id->cache) + HASH_CHUNK;
}
