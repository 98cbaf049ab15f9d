/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * passwd(5) and group(5) parsing, pure functions over buffers (no NSS, no I/O): the one parser
 * of these files, used by the users collector (accounts and groups), the process collector
 * (uid -> UserName) and the login collector (account name -> UserId), their tests and the
 * fuzzer (tests/fuzz/fuzz-passwd-group.c).
 *
 * The parsed entries point into the caller's buffers, which must outlive the database.
 * Blank lines and lines starting with '#' are ignored (as nss_files does); malformed lines
 * (wrong field count, empty or NIS "+"/"-" names, non-numeric or out-of-range ids, NUL bytes,
 * lines longer than USERS_LINE_MAX, group names containing ';' or ',') and entries beyond the
 * limits are skipped and counted in ->skipped.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define USERS_LINE_MAX 4096
#define USERS_MAX 65535 /* one event carries at most 65535 items */
#define USERS_GROUPS_MAX 65536
#define USERS_MEMBERSHIPS_MAX (1u << 20) /* user names listed in group member lists */
#define USERS_GROUPS_PER_USER_MAX 1024

struct users_str {
	const char *p;
	uint32_t len;
};

struct users_passwd_entry {
	struct users_str name, home, shell;
	uint32_t uid, gid;
};

struct users_group_entry {
	struct users_str name, members; /* members: the raw comma-separated list */
	uint32_t gid;
};

struct users_membership; /* (member name, group index), sorted; see users-parse.c */

struct users_db {
	struct users_passwd_entry *users;
	size_t n_users;
	struct users_group_entry *groups;
	size_t n_groups;
	struct users_membership *members;
	size_t n_members;
	uint32_t *by_gid; /* group indices sorted by (gid, index) */
	uint64_t skipped;
};

/* A decimal id 0..4294967294 (no sign, no blanks, at most 10 digits).  0 or -EINVAL. */
int users_parse_id(const char *s, size_t len, uint32_t *ret_id);

/*
 * Parses both files into db (which must be zeroed or done) and builds the lookup indexes.
 * Either buffer may be NULL with length 0.  0, or -ENOMEM (db is then empty).
 */
int users_db_parse(struct users_db *db, const char *passwd, size_t passwd_len, const char *group,
		   size_t group_len);
void users_db_done(struct users_db *db);

/*
 * The groups of user u: the primary group first, then every group whose member list names
 * the user, in group-file order, without repeating a gid.  Appends the ";"-joined ids to ids
 * and the names (a gid without a group entry: its number) to names, in the same order.
 * Returns the number of groups, with *ret_truncated (may be NULL) set when more than
 * USERS_GROUPS_PER_USER_MAX were found and the rest left out.  Buffer overflow is reported
 * through the buffers' `failed` flags.
 */
int users_db_format_groups(const struct users_db *db, const struct users_passwd_entry *u,
			   struct buf *ids, struct buf *names, bool *ret_truncated);
