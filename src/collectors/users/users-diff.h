/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The differences between two LocalUsers snapshots (two parsed passwd/group databases, see
 * users-parse.h), a pure function shared by the users collector and its unit test.
 *
 * Accounts are matched by name (the first passwd entry of a name wins, as with NSS).  Per
 * account, in name order:
 *   only in the new database                  UserAdded
 *   only in the old one                       UserRemoved
 *   uid changed, to 0                         UidChangedToRoot
 *   uid changed otherwise                     UidChanged
 *   set of group ids changed                  GroupMembershipChanged (compare_groups only)
 * An account can produce both a uid and a group change.  Group lists are those of
 * users_db_format_groups() (primary group first); they are compared as sets of ids, so a
 * reordered group file or a renamed group is no change.
 */

#include <stdbool.h>
#include <stddef.h>

#include "enrich/users-parse.h"

#define USERS_DIFF_CHANGES_MAX 4096u /* changes reported per diff; the rest are counted */

enum users_change_type {
	USERS_CHANGE_USER_ADDED,
	USERS_CHANGE_USER_REMOVED,
	USERS_CHANGE_GROUPS_CHANGED,
	USERS_CHANGE_UID_CHANGED,
	USERS_CHANGE_UID_TO_ROOT,
	_USERS_CHANGE_MAX,
};

struct users_change {
	enum users_change_type type;
	const struct users_passwd_entry *user; /* the new entry; NULL for UserRemoved */
	const struct users_passwd_entry *prev; /* the old entry; NULL for UserAdded */
	/* ";"-joined lists of the new and old side ("" where there is no such side). */
	const struct buf *group_ids, *group_names, *prev_group_ids, *prev_group_names;
};

/* "UserAdded", "UserRemoved", "GroupMembershipChanged", "UidChanged", "UidChangedToRoot". */
const char *users_change_type_to_string(enum users_change_type t);

/*
 * Calls change_fn for every change from old_db to new_db.  A negative return of change_fn
 * stops the diff and is returned.  Otherwise returns the number of changes found (those
 * beyond USERS_DIFF_CHANGES_MAX are counted but not reported), or -ENOMEM.
 * compare_groups false: only additions, removals and uid changes (e.g. when one of the two
 * snapshots had no group file).
 */
int users_diff(const struct users_db *old_db, const struct users_db *new_db, bool compare_groups,
	       int (*change_fn)(const struct users_change *change, void *userdata), void *userdata);

/*
 * The users state kept across restarts (common/persist.h, record USERS_SAVED_KEY): what a
 * diff needs and nothing secret.  "U1\n", then one passwd line per account
 * ("name:x:uid:gid:::", no password field, GECOS, home or shell), then, when there was a group
 * file, a NUL and one group line per group ("name:x:gid:members", no password field).  It is
 * parsed back with users_db_parse(), the one parser of these files (fuzzed).
 */
#define USERS_SAVED_KEY "users.state"
#define USERS_SAVED_MAGIC "U1\n"

/* Appends the saved form of db to out (check out->failed). */
void users_saved_format(const struct users_db *db, bool with_groups, struct buf *out);
/*
 * Splits a saved form into its passwd and group texts (pointers into data; *ret_group NULL
 * when it had no group file).  0, or -EBADMSG (not a saved form of this version).
 */
int users_saved_split(const void *data, size_t len, const char **ret_passwd, size_t *ret_passwd_len,
		      const char **ret_group, size_t *ret_group_len);
