/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Baselines kept across agent restarts: a small store of named records (key -> bytes) in one
 * file of the state directory, so that what changed while the agent was not running (a user
 * added, a port that began listening) is still a change at the next start
 * (docs/security.md, "Files"; docs/detection.md).
 *
 * Who uses it: core/ makes the store at start (agent run only: never for `edgesec snapshot`
 * or `run --replay`), loads the file, and lends the store to the users collector
 * (collector_params.persist) and to the detection engine (detect_engine_set_persist).  Each
 * client owns the records under its own key prefix ("users.", "newValue.") and the meaning of
 * their bytes; the store only keeps bytes.  Single-threaded (the loop thread).
 *
 * File (PERSIST_FILE, mode 0600, written with safefile_write_atomic(): O_EXCL|O_NOFOLLOW
 * temporary name, fsync, rename), all integers little-endian:
 *   header  "EDGESECP" (8 bytes), version u32 (PERSIST_VERSION), records u32, body bytes u64
 *   body    per record, keys in strictly increasing byte order (no duplicates):
 *           key length u8 (1..PERSIST_KEY_MAX), key ([A-Za-z0-9._:-]), value length u32,
 *           value (at most PERSIST_RECORD_MAX bytes)
 *   trailer SHA-256 of header and body (32 bytes)
 * The parser is strict: a wrong magic or version, a size that does not add up, a bad key,
 * order or checksum, a value or a total over the caps rejects the whole file (the store is
 * then empty: a fresh baseline).  It is fuzzed (tests/fuzz/fuzz-persist.c).  The file is read
 * with O_NOFOLLOW, and only if it is a regular file with one link, owned by root or the
 * agent's user and writable by nobody else (as the state directory itself, state_dir_check).
 *
 * Caps: a record holds at most PERSIST_RECORD_MAX bytes, the store PERSIST_TOTAL_MAX bytes in
 * at most PERSIST_RECORDS_MAX records.  A put over a cap is refused, the key's previous record
 * is removed (a stale baseline would report old changes as new) and stats.refused counts it;
 * a client that saves only part of what it holds says so with persist_note_omitted().
 * Library code: nothing is logged here; the caller logs from the results and the stats.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PERSIST_FILE "baselines"
#define PERSIST_VERSION 1u
#define PERSIST_MAGIC "EDGESECP"
#define PERSIST_HEADER_LEN 24u
#define PERSIST_TRAILER_LEN 32u
#define PERSIST_KEY_MAX 96u
#define PERSIST_RECORD_MAX (4u << 20)
#define PERSIST_TOTAL_MAX (8u << 20)
#define PERSIST_RECORDS_MAX 256u
/* The largest file the parser accepts (and the cap of the read). */
#define PERSIST_FILE_MAX                                                                           \
	(PERSIST_HEADER_LEN + PERSIST_TOTAL_MAX +                                                  \
	 PERSIST_RECORDS_MAX * (1u + PERSIST_KEY_MAX + 4u) + PERSIST_TRAILER_LEN)

/* Why a file was not used: what, and at which byte of it (0 when not about a place). */
struct persist_error {
	char message[200];
	size_t offset;
};

struct persist_stats {
	uint64_t loaded;       /* records read from the file at start */
	uint64_t writes;       /* files written */
	uint64_t write_errors; /* failed writes (the store stays in memory, dirty) */
	int last_write_error;  /* -errno of the last failed write, 0 after a success */
	uint64_t refused;      /* records not saved: over a cap */
	uint64_t omitted;      /* parts of records clients left out (persist_note_omitted) */
	size_t records, bytes; /* held now: records and value bytes */
	size_t file_bytes;     /* size of the last file read or written */
};

struct persist;

/*
 * A new, empty store for the file `name` in the directory dirfd (borrowed: duplicated with
 * O_CLOEXEC), trusted files owned by root or `uid`.  dirfd < 0: memory only (flush does
 * nothing).  0 or -ENOMEM, -EINVAL (a name with '/'), -errno of the dup.
 */
int persist_new(int dirfd, const char *name, uid_t uid, struct persist **ret);
struct persist *persist_free(struct persist *p);

/*
 * Reads the file into the store (replacing what it held).  0 (loaded), -ENOENT (no file yet),
 * -EBADMSG (not a valid store: err says why and where), -EPERM (owner, mode, links or kind:
 * err says which), -EFBIG, other -errno.  On any failure the store is empty.
 */
int persist_load(struct persist *p, struct persist_error *err);
/* The parser of the file's bytes (pure; what persist_load uses).  Same results. */
int persist_parse(struct persist *p, const void *data, size_t len, struct persist_error *err);
/* The file's bytes for what the store holds (es_free).  -ENOMEM. */
int persist_format(const struct persist *p, uint8_t **ret_data, size_t *ret_len);

/* True for 1..PERSIST_KEY_MAX bytes of [A-Za-z0-9._:-]. */
bool persist_key_valid(const char *key);
/* The record of key (owned by the store, valid until the next put/remove/load).  -ENOENT. */
int persist_get(const struct persist *p, const char *key, const void **ret_data, size_t *ret_len);
/*
 * Sets key to a copy of data.  Unchanged bytes do not make the store dirty.  -EINVAL (key),
 * -E2BIG (over PERSIST_RECORD_MAX), -ENOSPC (over PERSIST_TOTAL_MAX or PERSIST_RECORDS_MAX),
 * -ENOMEM; on a refusal the key's previous record is removed and stats.refused counted.
 */
int persist_put(struct persist *p, const char *key, const void *data, size_t len);
/* Removes key (no error when absent). */
void persist_remove(struct persist *p, const char *key);
/* A client saved only part of its state: n things were left out (stats.omitted). */
void persist_note_omitted(struct persist *p, uint64_t n);
bool persist_dirty(const struct persist *p);
/*
 * Writes the file when the store changed since the last write (or load).  0 (written or
 * nothing to do), -errno (stats.write_errors; the store stays dirty for the next try).
 */
int persist_flush(struct persist *p);
void persist_get_stats(const struct persist *p, struct persist_stats *ret);
