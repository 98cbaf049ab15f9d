/* SPDX-License-Identifier: MIT */
/*
 * LocalUsers: one periodic event with one item per account of the host.
 *
 * Reads <host root>/etc/passwd and <host root>/etc/group as text (capped at 16 MiB each) and
 * parses them with users-parse.c — never through getpwent()/NSS, so it works on a host root
 * mounted into a container and never talks to LDAP/SSSD, and never reads /etc/shadow.
 * Item: UserName, UserId (decimal string), GroupIds/GroupNames (primary group first, then the
 * groups listing the user, in group-file order, ";"-joined, names and ids in the same order),
 * ExtraDetails Home and Shell.  Malformed lines are skipped and counted in stats.skipped.
 * A missing /etc/group is not an error (every group is then shown by its number); a missing
 * or unreadable /etc/passwd fails the snapshot.
 *
 * LocalUserChange (our schema, triggered): after every snapshot but the first, the accounts
 * are compared with the previous snapshot (users-diff.c) and each change is sent as its own
 * event: UserAdded, UserRemoved, UidChanged, UidChangedToRoot, GroupMembershipChanged.
 * Group memberships are only compared when both snapshots had a group file.  The previous
 * snapshot is kept as its two file buffers and their parsed database, at most
 * USERS_PREV_MAX bytes; a larger one is not kept (the next snapshot then sends no changes)
 * and the loss is counted in stats.skipped.  A failed snapshot keeps the previous one.
 * Owns: its event builder, two string buffers and the previous snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "host/host.h"
#include "users-diff.h"
#include "users-parse.h"

#define USERS_FILE_MAX (16u << 20)
#define USERS_GROUP_LIST_MAX (1u << 20)
#define USERS_PREV_MAX (4u << 20) /* passwd + group bytes kept for the next diff */

/* The previous snapshot: the file contents its database points into. */
struct users_prev {
	char *passwd, *group; /* group NULL: there was no group file */
	struct users_db db;
	bool valid;
};

struct users_state {
	struct event_builder builder;
	struct buf ids, names;
	struct users_prev prev;
};

static void users_prev_clear(struct users_prev *p)
{
	if (p->valid)
		users_db_done(&p->db);
	es_free(p->passwd);
	es_free(p->group);
	memset(p, 0, sizeof(*p));
}

static int users_init(struct collector *c)
{
	struct users_state *s = collector_state(c);

	event_builder_init(&s->builder);
	buf_init(&s->ids, USERS_GROUP_LIST_MAX);
	buf_init(&s->names, USERS_GROUP_LIST_MAX);
	return 0;
}

static void users_done(struct collector *c)
{
	struct users_state *s = collector_state(c);

	if (!s)
		return;
	event_builder_done(&s->builder);
	buf_done(&s->ids);
	buf_done(&s->names);
	users_prev_clear(&s->prev);
}

static void add_user(struct users_state *s, const struct users_db *db,
		     const struct users_passwd_entry *u)
{
	struct event_builder *b = &s->builder;
	bool truncated = false;
	char uid[20];

	buf_reset(&s->ids);
	buf_reset(&s->names);
	users_db_format_groups(db, u, &s->ids, &s->names, &truncated);
	event_builder_item(b);
	event_add_str(b, LU_USER_NAME, u->name.p, u->name.len);
	event_add_str(b, LU_USER_ID, uid, fmt_u64(uid, u->uid));
	/* A failed (over-long) list is sent empty rather than cut in the middle of an entry. */
	event_add_str(b, LU_GROUP_IDS, s->ids.failed ? "" : s->ids.data,
		      s->ids.failed ? 0 : s->ids.len);
	event_add_str(b, LU_GROUP_NAMES, s->names.failed ? "" : s->names.data,
		      s->names.failed ? 0 : s->names.len);
	event_add_extra(b, "Home", u->home.p, u->home.len);
	event_add_extra(b, "Shell", u->shell.p, u->shell.len);
	if (truncated || s->ids.failed || s->names.failed)
		event_add_extra_cstr(b, "GroupsTruncated", "true");
}

struct users_change_ctx {
	struct collector *c;
	uint64_t now;
};

static void add_list(struct event_builder *b, unsigned field, const struct buf *l)
{
	if (!l->failed)
		event_add_str(b, field, l->data, l->len);
}

/* One LocalUserChange event per change. */
static int emit_change(const struct users_change *ch, void *userdata)
{
	struct users_change_ctx *x = userdata;
	struct users_state *s = collector_state(x->c);
	struct event_builder *b = &s->builder;
	const struct users_passwd_entry *u = ch->user ? ch->user : ch->prev;
	char uid[20], prev_uid[20];
	struct event *e;

	event_builder_begin(b, EVENT_USER_CHANGE, x->now);
	event_builder_item(b);
	event_add_cstr(b, UC_CHANGE, users_change_type_to_string(ch->type));
	event_add_str(b, UC_USER_NAME, u->name.p, u->name.len);
	event_add_str(b, UC_USER_ID, uid, fmt_u64(uid, u->uid));
	if (ch->user) {
		add_list(b, UC_GROUP_IDS, ch->group_ids);
		add_list(b, UC_GROUP_NAMES, ch->group_names);
	}
	if (ch->type == USERS_CHANGE_UID_CHANGED || ch->type == USERS_CHANGE_UID_TO_ROOT)
		event_add_str(b, UC_PREVIOUS_USER_ID, prev_uid, fmt_u64(prev_uid, ch->prev->uid));
	if (ch->type == USERS_CHANGE_USER_REMOVED || ch->type == USERS_CHANGE_GROUPS_CHANGED) {
		add_list(b, UC_PREVIOUS_GROUP_IDS, ch->prev_group_ids);
		add_list(b, UC_PREVIOUS_GROUP_NAMES, ch->prev_group_names);
	}
	if (event_builder_finish(b, &e) < 0) {
		x->c->stats.errors++;
		return 0;
	}
	collector_submit(x->c, e);
	return 0;
}

/* Diffs against the previous snapshot, then keeps this one (taking the buffers). */
static void users_changes(struct collector *c, uint64_t now, char **passwd, char **group,
			  size_t size, struct users_db *db)
{
	struct users_state *s = collector_state(c);
	struct users_change_ctx x = { .c = c, .now = now };
	int r;

	if (s->prev.valid) {
		r = users_diff(&s->prev.db, db, s->prev.group && *group, emit_change, &x);
		if (r < 0)
			c->stats.errors++;
		else if ((unsigned)r > USERS_DIFF_CHANGES_MAX)
			c->stats.skipped += (unsigned)r - USERS_DIFF_CHANGES_MAX;
	}
	users_prev_clear(&s->prev);
	if (size > USERS_PREV_MAX) {
		c->stats.skipped++;
		users_db_done(db);
		return;
	}
	s->prev.db = *db;
	s->prev.passwd = *passwd;
	s->prev.group = *group;
	s->prev.valid = true;
	*passwd = NULL;
	*group = NULL;
}

/*
 * shadow-utils (useradd, usermod, userdel, groupadd, vipw...) holds <file>.lock next to each
 * file it rewrites, from before the first write to after the last: passwd and group are
 * written one after the other, so a read in between sees a user whose new group does not
 * exist yet.  While a lock younger than USERS_LOCK_FRESH_S exists, the comparison waits for
 * the next snapshot (an older lock is a leftover of a crash and is ignored).
 */
#define USERS_LOCK_FRESH_S 10
static bool users_files_locked(struct host_context *host)
{
	static const char *const locks[] = { "etc/passwd.lock", "etc/group.lock", "etc/shadow.lock",
					     "etc/gshadow.lock" };
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++) {
		struct stat st;
		int fd = host_open(host, locks[i], O_PATH, 0);

		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && st.st_mtime + USERS_LOCK_FRESH_S >= now.tv_sec) {
			close(fd);
			return true;
		}
		close(fd);
	}
	return false;
}

static int users_snapshot(struct collector *c, uint64_t now)
{
	struct users_state *s = collector_state(c);
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t passwd_len = 0, group_len = 0;
	struct users_db db;
	struct event *e;
	int r;

	r = host_read_file(c->params.host, "etc/passwd", USERS_FILE_MAX, &passwd, &passwd_len);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "read etc/passwd: %s",
				    strerror(-r));
		return r;
	}
	r = host_read_file(c->params.host, "etc/group", USERS_FILE_MAX, &group, &group_len);
	if (r < 0 && r != -ENOENT) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "read etc/group: %s",
				    strerror(-r));
		return r;
	}
	r = users_db_parse(&db, passwd, passwd_len, group, group_len);
	if (r < 0)
		return r;
	c->stats.skipped += db.skipped;
	event_builder_begin(&s->builder, EVENT_LOCAL_USERS, now);
	for (size_t i = 0; i < db.n_users; i++)
		add_user(s, &db, &db.users[i]);
	r = event_builder_finish(&s->builder, &e);
	if (r < 0) {
		users_db_done(&db);
		return r;
	}
	if (c->state == COLLECTOR_STATE_DEGRADED) {
		c->state = COLLECTOR_STATE_RUNNING; /* the files are readable again */
		c->last_error[0] = '\0';
	}
	collector_submit(c, e);
	if (users_files_locked(c->params.host))
		users_db_done(&db); /* being edited: compare at the next snapshot */
	else
		users_changes(c, now, &passwd, &group, passwd_len + group_len, &db);
	return 0;
}

const struct collector_ops users_collector_ops = {
	.name = "users",
	.types = { EVENT_LOCAL_USERS, EVENT_USER_CHANGE },
	.n_types = 2,
	.state_size = sizeof(struct users_state),
	.init = users_init,
	.snapshot = users_snapshot,
	.done = users_done,
};
