/* SPDX-License-Identifier: MIT */
/*
 * LocalUsers: one periodic event with one item per account of the host.
 *
 * Reads <host_root>/etc/passwd and <host_root>/etc/group as text (capped at 16 MiB each) and
 * parses them with users-parse.c — never through getpwent()/NSS, so it works on a host root
 * mounted into a container and never talks to LDAP/SSSD, and never reads /etc/shadow.
 * Item: UserName, UserId (decimal string), GroupIds/GroupNames (primary group first, then the
 * groups listing the user, in group-file order, ";"-joined, names and ids in the same order),
 * ExtraDetails Home and Shell.  Malformed lines are skipped and counted in stats.skipped.
 * A missing /etc/group is not an error (every group is then shown by its number); a missing
 * or unreadable /etc/passwd fails the snapshot.
 * Owns: its event builder and two string buffers, reused across snapshots.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/hostfs.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "users-parse.h"

#define USERS_FILE_MAX (16u << 20)
#define USERS_GROUP_LIST_MAX (1u << 20)

struct users_state {
	struct event_builder builder;
	struct buf ids, names;
};

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

static int users_snapshot(struct collector *c, uint64_t now)
{
	struct users_state *s = collector_state(c);
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t passwd_len = 0, group_len = 0;
	struct users_db db;
	struct event *e;
	int r;

	r = hostfs_read_file(c->params.host_root, "etc/passwd", USERS_FILE_MAX, &passwd,
			     &passwd_len);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "read etc/passwd: %s",
				    strerror(-r));
		return r;
	}
	r = hostfs_read_file(c->params.host_root, "etc/group", USERS_FILE_MAX, &group, &group_len);
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
	users_db_done(&db);
	r = event_builder_finish(&s->builder, &e);
	if (r < 0)
		return r;
	if (c->state == COLLECTOR_STATE_DEGRADED) {
		c->state = COLLECTOR_STATE_RUNNING; /* the files are readable again */
		c->last_error[0] = '\0';
	}
	collector_submit(c, e);
	return 0;
}

const struct collector_ops users_collector_ops = {
	.name = "users",
	.types = { EVENT_LOCAL_USERS },
	.n_types = 1,
	.state_size = sizeof(struct users_state),
	.init = users_init,
	.snapshot = users_snapshot,
	.done = users_done,
};
