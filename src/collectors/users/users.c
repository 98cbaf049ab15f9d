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
 * LocalUserChange (our schema, triggered): the accounts are compared with the last state
 * seen (users-diff.c) and each change is sent as its own event: UserAdded, UserRemoved,
 * UidChanged, UidChangedToRoot, GroupMembershipChanged.  Group memberships are only compared
 * when both states had a group file.  The last state is kept as its two file buffers and
 * their parsed database, at most USERS_PREV_MAX bytes; a larger one is not kept (the next
 * comparison then sends no changes) and the loss is counted in stats.skipped.
 *
 * Changes are seen at once, not only at the next snapshot: an inotify watch on <hostRoot>/etc
 * (a directory watch: shadow-utils and sed -i replace the files by rename) wakes the collector
 * when passwd or group is replaced or written, or when a *.lock of passwd, group, shadow or
 * gshadow goes away (only the names of shadow and gshadow are looked at, never their
 * contents).  While a fresh lock is held the comparison waits (a 100 ms timer, re-armed), so
 * that a user and its new group are compared together.  A user added and removed before we
 * get to read (useradd x && userdel x) is not lost: shadow-utils keeps the version it
 * replaced as passwd- and group-; when a backup was rewritten since the last comparison, the
 * state it holds is compared first (last state -> backup -> current), which gives UserAdded
 * then UserRemoved.  The collector's fd is an epoll fd holding the inotify fd and the timer.
 * Without inotify (no <hostRoot>/etc to watch) the collector is degraded and compares at
 * every snapshot only.  The periodic LocalUsers snapshot is unchanged.
 *
 * Across restarts (collector_params.persist, common/persist.h): after every comparison the
 * state just read is saved (users_saved_format(): names, uids, gids, group member lists; no
 * password field, GECOS, home or shell) and written at once when it changed.  At the first
 * comparison after a start, the saved state is the last state: what changed while the agent
 * was not running (stopped, killed, before its start after a reboot) is sent as
 * LocalUserChange with ExtraDetails.WhileAgentStopped "true" (the backups are not compared
 * then: they may be older than the saved state).  No saved state (first start, a store that
 * could not be read, a state over the store's caps): the first read is the baseline, as
 * before.
 * Owns: its event builder, three buffers, the last state, the epoll, inotify and timer fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/persist.h"
#include "host/host.h"
#include "common/timeutil.h"
#include "users-diff.h"
#include "enrich/users-parse.h"

#define USERS_FILE_MAX (16u << 20)
#define USERS_GROUP_LIST_MAX (1u << 20)
#define USERS_PREV_MAX (4u << 20) /* passwd + group bytes kept for the next diff */

#define USERS_LOCK_RETRY_NS (100ull * 1000000ull)

/* The last state compared: the file contents its database points into. */
struct users_prev {
	char *passwd, *group; /* group NULL: there was no group file */
	size_t passwd_len, group_len;
	struct users_db db;
	bool valid;
};

/* What a backup file (passwd-, group-) was at the last comparison. */
struct users_file_id {
	bool known;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct users_state {
	struct event_builder builder;
	struct buf ids, names;
	struct users_prev prev;
	struct users_file_id backup[2]; /* etc/passwd-, etc/group- */
	struct buf saved;		/* the saved form, built at each comparison */
	bool restore_tried;		/* the saved state was looked for */
	bool from_store; /* the last state is the saved one: changes happened while stopped */
	int epoll_fd, inotify_fd, timer_fd;
	uint64_t lock_waits;	/* comparisons put off because a lock was held */
	uint64_t backup_states; /* intermediate states taken from the backups */
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

	s->epoll_fd = s->inotify_fd = s->timer_fd = -1;
	event_builder_init(&s->builder);
	buf_init(&s->ids, USERS_GROUP_LIST_MAX);
	buf_init(&s->names, USERS_GROUP_LIST_MAX);
	buf_init(&s->saved, PERSIST_RECORD_MAX);
	return 0;
}

static void users_done(struct collector *c)
{
	struct users_state *s = collector_state(c);

	if (!s)
		return;
	if (c->ops->stop)
		c->ops->stop(c);
	event_builder_done(&s->builder);
	buf_done(&s->ids);
	buf_done(&s->names);
	buf_done(&s->saved);
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
	bool while_stopped; /* compared with the state saved before the agent's start */
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
	if (x->while_stopped)
		event_add_extra_cstr(b, "WhileAgentStopped", "true");
	if (event_builder_finish(b, &e) < 0) {
		x->c->stats.errors++;
		return 0;
	}
	collector_submit(x->c, e);
	return 0;
}

static char *bytes_dup(const char *p, size_t len)
{
	char *d = p ? es_malloc(len + 1) : NULL;

	if (d) {
		memcpy(d, p, len);
		d[len] = '\0';
	}
	return d;
}

/*
 * The state saved before this start becomes the last state (once, when there is none yet).
 * A saved form that does not parse is dropped (counted in stats.errors): a fresh baseline.
 */
static void users_restore(struct collector *c)
{
	struct users_state *s = collector_state(c);
	const char *pw, *gr;
	size_t pw_len, gr_len, len;
	const void *data;

	if (s->restore_tried || s->prev.valid || !c->params.persist)
		return;
	s->restore_tried = true;
	if (persist_get(c->params.persist, USERS_SAVED_KEY, &data, &len) < 0)
		return;
	if (users_saved_split(data, len, &pw, &pw_len, &gr, &gr_len) < 0) {
		c->stats.errors++;
		persist_remove(c->params.persist, USERS_SAVED_KEY);
		return;
	}
	s->prev.passwd = bytes_dup(pw, pw_len);
	s->prev.group = gr ? bytes_dup(gr, gr_len) : NULL;
	s->prev.passwd_len = pw_len;
	s->prev.group_len = gr ? gr_len : 0;
	if (!s->prev.passwd || (gr && !s->prev.group) ||
	    users_db_parse(&s->prev.db, s->prev.passwd, pw_len, s->prev.group, gr_len) < 0) {
		users_prev_clear(&s->prev);
		c->stats.errors++;
		return;
	}
	s->prev.valid = true;
	s->from_store = true;
}

/* Saves the state just read (and writes the store if it changed). */
static void users_save(struct collector *c, const struct users_db *db, bool with_groups)
{
	struct users_state *s = collector_state(c);
	struct persist *p = c->params.persist;

	if (!p)
		return;
	buf_reset(&s->saved);
	users_saved_format(db, with_groups, &s->saved);
	if (s->saved.failed) {
		persist_remove(p, USERS_SAVED_KEY); /* never a stale state */
		persist_note_omitted(p, 1);
	} else {
		(void)persist_put(p, USERS_SAVED_KEY, s->saved.data, s->saved.len); /* counted */
	}
	(void)persist_flush(p); /* a failure is counted in the store; core/ logs it */
}

/* Diffs against the previous snapshot, then keeps this one (taking the buffers). */
static void users_changes(struct collector *c, uint64_t now, char **passwd, size_t passwd_len,
			  char **group, size_t group_len, struct users_db *db)
{
	struct users_state *s = collector_state(c);
	struct users_change_ctx x = { .c = c, .now = now, .while_stopped = s->from_store };
	int r;

	if (s->prev.valid) {
		r = users_diff(&s->prev.db, db, s->prev.group && *group, emit_change, &x);
		if (r < 0)
			c->stats.errors++;
		else if ((unsigned)r > USERS_DIFF_CHANGES_MAX)
			c->stats.skipped += (unsigned)r - USERS_DIFF_CHANGES_MAX;
	}
	s->from_store = false;
	users_save(c, db, *group != NULL);
	users_prev_clear(&s->prev);
	if (passwd_len + group_len > USERS_PREV_MAX) {
		c->stats.skipped++;
		users_db_done(db);
		return;
	}
	s->prev.db = *db;
	s->prev.passwd = *passwd;
	s->prev.group = *group;
	s->prev.passwd_len = passwd_len;
	s->prev.group_len = *group ? group_len : 0;
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
	for (size_t i = 0; i < ARRAY_SIZE(locks); i++) {
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

/* Whether a backup file was rewritten since the last comparison (and remember it now). */
static bool backup_changed(struct collector *c, struct users_file_id *id, const char *path)
{
	struct users_file_id now = { 0 };
	struct stat st;
	bool changed;
	int fd = host_open(c->params.host, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);

	if (fd >= 0 && fstat(fd, &st) == 0)
		now = (struct users_file_id){ true, st.st_dev, st.st_ino, st.st_size, st.st_mtim };
	if (fd >= 0)
		close(fd);
	changed = now.known &&
		  (!id->known || now.dev != id->dev || now.ino != id->ino || now.size != id->size ||
		   now.mtime.tv_sec != id->mtime.tv_sec || now.mtime.tv_nsec != id->mtime.tv_nsec);
	*id = now;
	return changed;
}

/*
 * A state between the last one compared and the current one, from the backups shadow-utils
 * writes (passwd-, group-: the version each commit replaced): compared first, so a user added
 * and removed before we could read the files still shows as UserAdded then UserRemoved.
 * Only a backup rewritten since the last comparison is used; the other file comes from the
 * last state.
 */
static void users_backups_compare(struct collector *c, uint64_t now)
{
	struct users_state *s = collector_state(c);
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t passwd_len = 0, group_len = 0;
	struct users_db db;
	bool pc, gc;

	users_restore(c);
	pc = backup_changed(c, &s->backup[0], "etc/passwd-");
	gc = backup_changed(c, &s->backup[1], "etc/group-");

	/* after a restart the backups may be older than the saved state: not compared */
	if (!s->prev.valid || s->from_store || (!pc && !gc))
		return;
	if (pc &&
	    host_read_file(c->params.host, "etc/passwd-", USERS_FILE_MAX, &passwd, &passwd_len) < 0)
		return;
	if (!pc) {
		passwd = bytes_dup(s->prev.passwd, s->prev.passwd_len);
		passwd_len = s->prev.passwd_len;
	}
	if (gc &&
	    host_read_file(c->params.host, "etc/group-", USERS_FILE_MAX, &group, &group_len) < 0)
		return;
	if (!gc && s->prev.group) {
		group = bytes_dup(s->prev.group, s->prev.group_len);
		group_len = s->prev.group_len;
	}
	if (!passwd || users_db_parse(&db, passwd, passwd_len, group, group_len) < 0)
		return;
	s->backup_states++;
	users_changes(c, now, &passwd, passwd_len, &group, group_len, &db);
}

/* A comparison now (inotify or timer): LocalUserChange only, no LocalUsers. */
static void users_check(struct collector *c)
{
	struct users_state *s = collector_state(c);
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t passwd_len = 0, group_len = 0;
	uint64_t now = time_now_realtime_ns();
	struct users_db db;
	int r;

	if (users_files_locked(c->params.host)) {
		struct itimerspec its = { .it_value = { 0, USERS_LOCK_RETRY_NS } };

		s->lock_waits++;
		if (s->timer_fd >= 0)
			(void)timerfd_settime(s->timer_fd, 0, &its, NULL);
		return;
	}
	if (host_read_file(c->params.host, "etc/passwd", USERS_FILE_MAX, &passwd, &passwd_len) <
	    0) {
		c->stats.errors++;
		return;
	}
	r = host_read_file(c->params.host, "etc/group", USERS_FILE_MAX, &group, &group_len);
	if (r < 0 && r != -ENOENT) {
		c->stats.errors++;
		return;
	}
	if (users_db_parse(&db, passwd, passwd_len, group, group_len) < 0) {
		c->stats.errors++;
		return;
	}
	users_backups_compare(c, now);
	users_changes(c, now, &passwd, passwd_len, &group, group_len, &db);
}

/* The names that matter in <hostRoot>/etc: the account files and their locks. */
static bool users_name_relevant(const char *name)
{
	static const char *const names[] = { "passwd",	   "group",	  "passwd.lock",
					     "group.lock", "shadow.lock", "gshadow.lock",
					     "shadow",	   "gshadow" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void users_dispatch(struct collector *c, uint32_t revents)
{
	struct users_state *s = collector_state(c);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false;
	uint64_t expirations;
	ssize_t n;

	(void)revents;
	while ((n = read(s->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p + sizeof(struct inotify_event) <= buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				relevant = true; /* events lost: compare anyway */
			else if (ev->len && users_name_relevant(ev->name))
				relevant = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (s->timer_fd >= 0 && read(s->timer_fd, &expirations, sizeof(expirations)) > 0)
		relevant = true;
	if (relevant)
		users_check(c);
}

static int users_watch_add(struct users_state *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int users_start(struct collector *c)
{
	struct users_state *s = collector_state(c);
	char dir[PATH_MAX];
	int r, etc_fd;

	if (c->params.one_shot)
		return 0; /* `edgesec snapshot`: no loop */
	/* <host root>/etc resolved inside the root, watched through its descriptor's magic link */
	etc_fd = host_open(c->params.host, "etc", O_PATH | O_DIRECTORY, 0);
	if (etc_fd < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED,
				    "cannot open etc below the host root (%s): changes are seen at "
				    "snapshots only",
				    strerror(-etc_fd));
		return 0;
	}
	snprintf(dir, sizeof(dir), "/proc/self/fd/%d", etc_fd);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->epoll_fd < 0 || s->inotify_fd < 0 || s->timer_fd < 0 ||
	    inotify_add_watch(s->inotify_fd, dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_CREATE) < 0 ||
	    (r = users_watch_add(s, s->inotify_fd)) < 0 ||
	    (r = users_watch_add(s, s->timer_fd)) < 0) {
		collector_set_error(
			c, COLLECTOR_STATE_DEGRADED,
			"cannot watch etc below the host root (%s): changes are seen at "
			"snapshots only",
			strerror(errno));
		close(etc_fd);
		c->ops->stop(c);
		return 0;
	}
	close(etc_fd); /* the watch stays on the directory */
	return 0;
}

static int users_get_fd(struct collector *c)
{
	struct users_state *s = collector_state(c);

	return s->epoll_fd;
}

static void users_stop(struct collector *c)
{
	struct users_state *s = collector_state(c);

	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	if (s->inotify_fd >= 0)
		close(s->inotify_fd);
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	s->epoll_fd = s->inotify_fd = s->timer_fd = -1;
}

static const char *users_describe(struct collector *c)
{
	struct users_state *s = collector_state(c);

	return s->inotify_fd >= 0 ? "changes at once (inotify on etc), snapshot periodic"
				  : "changes at snapshots only";
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
	if (users_files_locked(c->params.host)) {
		users_db_done(&db); /* being edited: compare at the next snapshot or wake-up */
	} else {
		users_backups_compare(c, now);
		users_changes(c, now, &passwd, passwd_len, &group, group_len, &db);
	}
	return 0;
}

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps users_caps[] = {
	{ NULL, 0 },
};

const struct collector_ops users_collector_ops = {
	.name = "users",
	.types = { EVENT_LOCAL_USERS, EVENT_USER_CHANGE },
	.n_types = 2,
	.state_size = sizeof(struct users_state),
	.init = users_init,
	.start = users_start,
	.get_fd = users_get_fd,
	.dispatch = users_dispatch,
	.snapshot = users_snapshot,
	.stop = users_stop,
	.done = users_done,
	.describe = users_describe,
	.caps = users_caps,
	.n_caps = ARRAY_SIZE(users_caps),
};
