/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Content identity of executed files: is this file, whatever its name, one of a short list of
 * known binaries (the shells, interpreters and tools the detection rules name, found on the
 * host at start)?  So `cp /bin/bash /tmp/kworker` is still known as bash.
 *
 * The caller (the process collector) adds the known files (exec_identity_add(), an open fd of
 * each) and, per exec, asks about the executed file by its stat key (exec_identity_lookup());
 * all file access goes through the caller's functions (struct exec_identity_io), so this
 * module does no path resolution of its own.  Cheap first:
 *   1. the very file of a known binary (same device and inode: a hard link) -> "file";
 *   2. the result cache, keyed by (dev, inode, size, mtime, ctime);
 *   3. the candidate is opened once: its ELF build-id (elf-note.h) is read, and when its size
 *      equals a known binary's it is hashed (SHA-256, common/sha256.h) and compared with that
 *      binary's hash (computed once, lazily) -> "sha256"; else an equal build-id -> "build-id"
 *      (survives appended bytes and edits outside the note).
 * Bounds: EXEC_IDENTITY_KNOWN_MAX known files of EXEC_IDENTITY_NAMES_MAX names each; a file
 * larger than limits.hash_max_bytes is never hashed (build-id only); hashing a candidate stops
 * at limits.time_budget_ns (then "unknown", cached); the cache is direct-mapped with
 * limits.cache_entries slots (a power of two) and counts the entries it replaces.
 * Not thread-safe; no global state.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define EXEC_IDENTITY_KNOWN_MAX 96u
#define EXEC_IDENTITY_NAMES_MAX 6u
#define EXEC_IDENTITY_NAME_MAX 24u  /* bytes with the NUL */
#define EXEC_IDENTITY_PATH_MAX 128u /* bytes with the NUL */

struct exec_identity_key {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

enum exec_identity_by {
	EXEC_IDENTITY_BY_FILE,	   /* the known file itself (another link to it) */
	EXEC_IDENTITY_BY_SHA256,   /* same bytes */
	EXEC_IDENTITY_BY_BUILD_ID, /* same ELF build-id, other bytes (appended, patched) */
	EXEC_IDENTITY_BY_MAX
};

struct exec_identity_result {
	const char *name; /* the known binary's first name (valid while the table lives) */
	const char *path; /* where it was found */
	enum exec_identity_by by;
	unsigned index; /* of the known file, for exec_identity_has_name() */
};

struct exec_identity_limits {
	uint64_t hash_max_bytes; /* 0: 16 MiB */
	uint64_t time_budget_ns; /* per lookup, hashing a candidate; 0: 50 ms */
	unsigned cache_entries;	 /* power of two; 0: 256 */
};

struct exec_identity_io {
	/* Opens the file asked about (O_RDONLY|O_CLOEXEC): fd or -errno. */
	int (*open_candidate)(void *ctx);
	/* Opens a known file again by the path it was added with: fd or -errno. */
	int (*open_known)(void *ctx, const char *path);
	void *ctx;
};

struct exec_identity_stats {
	uint64_t lookups, cache_hits, cache_evictions, opened, hashed_bytes, too_big, timeouts,
		errors, known_as;
	unsigned known_files, cache_entries;
	size_t memory_bytes;
};

struct exec_identity;

struct exec_identity *exec_identity_new(const struct exec_identity_limits *limits);
struct exec_identity *exec_identity_free(struct exec_identity *id);

void exec_identity_key_of_stat(const struct stat *st, struct exec_identity_key *ret);

/*
 * Adds a known binary: name (the name the rules know it by), the path it was found at and an
 * open fd of it (read now for its stat and build-id; not kept).  A file already known (same
 * device and inode) gets name as another name.  0, -EEXIST (that name already there), -ENOSPC
 * (table full), -ENAMETOOLONG, -EINVAL (not a regular file), -errno.
 */
int exec_identity_add(struct exec_identity *id, const char *name, const char *path, int fd);

/*
 * What the file with this key is: 1 with *ret filled, 0 not a known binary, negative errno
 * when it could not be told (-EFBIG too large to hash, -ETIMEDOUT out of time, -ESTALE the
 * file opened is not the one of the key, -errno opening it).
 */
int exec_identity_lookup(struct exec_identity *id, const struct exec_identity_key *key,
			 const struct exec_identity_io *io, struct exec_identity_result *ret);

/* Whether the known file of a result has this name (one of the names it was added with). */
bool exec_identity_has_name(const struct exec_identity *id, unsigned index, const char *name,
			    size_t len);

/* "file", "sha256", "build-id". */
const char *exec_identity_by_to_string(enum exec_identity_by by);

void exec_identity_get_stats(const struct exec_identity *id, struct exec_identity_stats *ret);
