/* SPDX-License-Identifier: MIT */
/*
 * passwd/group parsing and group lists (users-parse.c), and the users collector on a fake
 * host root: one LocalUsers item per account with the right fields; its state kept across
 * restarts (common/persist.h): changes made while it was stopped are reported, marked.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "enrich/users-parse.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/persist.h"

static void str_eq(const struct users_str *s, const char *want)
{
	assert_int_equal(s->len, strlen(want));
	assert_memory_equal(s->p, want, s->len);
}

static void parse(struct users_db *db, const char *pw, const char *gr)
{
	assert_int_equal(users_db_parse(db, pw, pw ? strlen(pw) : 0, gr, gr ? strlen(gr) : 0), 0);
}

/* The ";"-lists of user i. */
static void groups_of(const struct users_db *db, size_t i, char *ids, char *names)
{
	struct buf bi, bn;

	buf_init(&bi, 1 << 20);
	buf_init(&bn, 1 << 20);
	users_db_format_groups(db, &db->users[i], &bi, &bn, NULL);
	assert_false(bi.failed);
	assert_false(bn.failed);
	memcpy(ids, bi.data ? bi.data : "", bi.len + 1);
	memcpy(names, bn.data ? bn.data : "", bn.len + 1);
	buf_done(&bi);
	buf_done(&bn);
}

static void test_parse_id(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(users_parse_id("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(users_parse_id("4294967294", 10, &v), 0);
	assert_int_equal(v, 4294967294u);
	assert_int_equal(users_parse_id("4294967295", 10, &v), -EINVAL);
	assert_int_equal(users_parse_id("99999999999", 11, &v), -EINVAL);
	assert_int_equal(users_parse_id("", 0, &v), -EINVAL);
	assert_int_equal(users_parse_id("-1", 2, &v), -EINVAL);
	assert_int_equal(users_parse_id("+1", 2, &v), -EINVAL);
	assert_int_equal(users_parse_id(" 1", 2, &v), -EINVAL);
	assert_int_equal(users_parse_id("1a", 2, &v), -EINVAL);
	assert_int_equal(users_parse_id("0x10", 4, &v), -EINVAL);
	assert_int_equal(v, 4294967294u); /* untouched on failure */
}

static void test_passwd_fields(void **state)
{
	struct users_db db;

	(void)state;
	parse(&db,
	      "root:x:0:0:root:/root:/bin/bash\n"
	      "alice:x:1000:1000:Alice A,,,:/home/alice:/bin/zsh\n"
	      "nohome:x:1001:1001:::\n",
	      NULL);
	assert_int_equal(db.n_users, 3);
	assert_int_equal(db.skipped, 0);
	str_eq(&db.users[1].name, "alice");
	assert_int_equal(db.users[1].uid, 1000);
	assert_int_equal(db.users[1].gid, 1000);
	str_eq(&db.users[1].home, "/home/alice");
	str_eq(&db.users[1].shell, "/bin/zsh");
	str_eq(&db.users[2].home, "");
	str_eq(&db.users[2].shell, "");
	users_db_done(&db);
}

static void test_passwd_malformed(void **state)
{
	static const char pw[] = "good:x:1:1::/:/bin/sh\n"
				 "\n"
				 "# a comment\n"
				 "   \t\n"
				 "short:x:2:2\n"
				 "toolong:x:3:3::/:/bin/sh:extra\n"
				 ":x:4:4::/:/bin/sh\n"
				 "+nis::::::\n"
				 "-baduser:x:5:5::/:/bin/sh\n"
				 "nonnum:x:abc:1::/:/bin/sh\n"
				 "neg:x:-1:1::/:/bin/sh\n"
				 "noid:x::1::/:/bin/sh\n"
				 "huge:x:1:99999999999::/:/bin/sh\n"
				 "withnul:x:6:6::/:/bin/\0sh\n"
				 "  indented:x:7:7::/:/bin/sh\n"
				 "last:x:8:8::/:/bin/sh";
	struct users_db db;

	(void)state;
	assert_int_equal(users_db_parse(&db, pw, sizeof(pw) - 1, NULL, 0), 0);
	assert_int_equal(db.n_users, 3);
	str_eq(&db.users[0].name, "good");
	str_eq(&db.users[1].name, "indented");
	str_eq(&db.users[2].name, "last");
	assert_int_equal(db.skipped, 10);
	users_db_done(&db);
}

static void test_huge_line(void **state)
{
	size_t n = 100000;
	char *pw = malloc(n + 64);
	struct users_db db;

	(void)state;
	assert_non_null(pw);
	memcpy(pw, "big:x:1:1:", 10);
	memset(pw + 10, 'g', n);
	memcpy(pw + 10 + n, ":/:/bin/sh\nok:x:2:2::/:/bin/sh\n", 32);
	parse(&db, pw, NULL);
	assert_int_equal(db.n_users, 1);
	str_eq(&db.users[0].name, "ok");
	assert_int_equal(db.skipped, 1);
	users_db_done(&db);
	free(pw);
}

static void test_groups_order(void **state)
{
	static const char pw[] = "root:x:0:0::/root:/bin/bash\n"
				 "alice:x:1000:1000::/home/alice:/bin/bash\n"
				 "bob:x:1001:4242::/home/bob:/bin/bash\n"
				 "carol:x:1002:27::/home/carol:/bin/bash\n";
	static const char gr[] = "root:x:0:\n"
				 "adm:x:4:syslog,alice\n"
				 "sudo:x:27:bob,alice,carol\n"
				 "alice:x:1000:\n"
				 "audio:x:29:alice,alice\n" /* listed twice: once */
				 "alias:x:27:alice\n"	    /* gid 27 again: once */
				 "bad;name:x:50:alice\n"    /* skipped */
				 "docker:x:999:bob,carol\n";
	struct users_db db;
	char ids[256], names[256];

	(void)state;
	parse(&db, pw, gr);
	assert_int_equal(db.n_users, 4);
	assert_int_equal(db.n_groups, 7);
	assert_int_equal(db.skipped, 1);

	groups_of(&db, 0, ids, names);
	assert_string_equal(ids, "0");
	assert_string_equal(names, "root");

	groups_of(&db, 1, ids, names);
	assert_string_equal(ids, "1000;4;27;29");
	assert_string_equal(names, "alice;adm;sudo;audio");

	/* primary gid without a group entry: its number as the name */
	groups_of(&db, 2, ids, names);
	assert_string_equal(ids, "4242;27;999");
	assert_string_equal(names, "4242;sudo;docker");

	/* member of the primary group too: not repeated */
	groups_of(&db, 3, ids, names);
	assert_string_equal(ids, "27;999");
	assert_string_equal(names, "sudo;docker");
	users_db_done(&db);
}

static void test_group_first_gid_wins(void **state)
{
	struct users_db db;
	char ids[64], names[64];

	(void)state;
	parse(&db, "u:x:1:500::/:/bin/sh\n", "first:x:500:\nsecond:x:500:\n");
	groups_of(&db, 0, ids, names);
	assert_string_equal(ids, "500");
	assert_string_equal(names, "first");
	users_db_done(&db);
}

static void test_group_malformed(void **state)
{
	static const char gr[] = "ok:x:1:a,b\n"
				 "few:x:2\n"
				 "many:x:3:a:b\n"
				 ":x:4:\n"
				 "nonnum:x:x:\n"
				 "comma,name:x:5:\n"
				 "+nis:::\n"
				 "trailing:x:6:a,,b,\n";
	struct users_db db;

	(void)state;
	parse(&db, NULL, gr);
	assert_int_equal(db.n_groups, 2);
	assert_int_equal(db.skipped, 6);
	assert_int_equal(db.n_members, 4); /* a, b, a, b */
	users_db_done(&db);
}

static void test_empty_inputs(void **state)
{
	struct users_db db;

	(void)state;
	assert_int_equal(users_db_parse(&db, NULL, 0, NULL, 0), 0);
	assert_int_equal(db.n_users, 0);
	users_db_done(&db);
	users_db_done(&db); /* twice is fine */
}

static void test_many_groups_truncated(void **state)
{
	struct buf gr, bi, bn;
	struct users_db db;
	bool truncated = false;
	int n;

	(void)state;
	buf_init(&gr, 0);
	for (int i = 0; i < USERS_GROUPS_PER_USER_MAX + 10; i++)
		buf_printf(&gr, "g%d:x:%d:u\n", i, 10000 + i);
	parse(&db, "u:x:1:1::/:/bin/sh\n", gr.data);
	buf_init(&bi, 1 << 20);
	buf_init(&bn, 1 << 20);
	n = users_db_format_groups(&db, &db.users[0], &bi, &bn, &truncated);
	assert_int_equal(n, USERS_GROUPS_PER_USER_MAX);
	assert_true(truncated);
	buf_done(&bi);
	buf_done(&bn);
	buf_done(&gr);
	users_db_done(&db);
}

/* ---- the collector on a fake host root ---- */

struct sink {
	struct event_sink base;
	struct event *events[8];
	unsigned n;
};

static void sink_submit(struct event_sink *base, struct event *e)
{
	struct sink *s = (struct sink *)base;

	if (s->n < 8)
		s->events[s->n++] = e;
	else
		event_free(e);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The string value of field/extra key in item (0-based) of e, or NULL. */
static char *value_of(const struct event *e, unsigned item, int field, const char *key)
{
	static char out[512];
	struct event_cursor cur;
	struct event_value v;
	int at = -1;

	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v)) {
		if (v.kind == EVENT_VALUE_ITEM) {
			at++;
			continue;
		}
		if (at != (int)item)
			continue;
		if ((key && v.kind == EVENT_VALUE_EXTRA && v.key_len == strlen(key) &&
		     memcmp(v.key, key, v.key_len) == 0) ||
		    (!key && v.kind == EVENT_VALUE_FIELD && (int)v.field == field)) {
			snprintf(out, sizeof(out), "%.*s", (int)v.len, v.s);
			return out;
		}
	}
	return NULL;
}

static void test_collector(void **state)
{
	char root[] = "/tmp/edgesec-users-XXXXXX", etc[600];
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = root };
	struct collector *c;
	const struct event *e;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(etc, "passwd",
		   "root:x:0:0:root:/root:/bin/bash\nbroken\n"
		   "eve:x:1005:1005:Eve:/home/eve:/bin/sh\n");
	write_file(etc, "group", "root:x:0:\nwheel:x:10:eve\neve:x:1005:\n");
	write_file(etc, "shadow", "SHOULD NOT BE READ\n");

	assert_int_equal(collector_new(&users_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(sink.n, 1);
	e = sink.events[0];
	assert_int_equal(event_get_type(e), EVENT_LOCAL_USERS);
	assert_int_equal(event_get_n_items(e), 2);
	assert_int_equal(c->stats.skipped, 1);
	assert_string_equal(value_of(e, 1, LU_USER_NAME, NULL), "eve");
	assert_string_equal(value_of(e, 1, LU_USER_ID, NULL), "1005");
	assert_string_equal(value_of(e, 1, LU_GROUP_IDS, NULL), "1005;10");
	assert_string_equal(value_of(e, 1, LU_GROUP_NAMES, NULL), "eve;wheel");
	assert_string_equal(value_of(e, 1, 0, "Home"), "/home/eve");
	assert_string_equal(value_of(e, 1, 0, "Shell"), "/bin/sh");
	event_free(sink.events[0]);

	/* No group file: still works, groups by number. */
	snprintf(etc, sizeof(etc), "%s/etc/group", root);
	unlink(etc);
	sink.n = 0;
	assert_int_equal(collector_snapshot(c, 2000), 0);
	assert_int_equal(sink.n, 1);
	assert_string_equal(value_of(sink.events[0], 1, LU_GROUP_NAMES, NULL), "1005");
	event_free(sink.events[0]);

	/* No passwd file: the snapshot fails and says why. */
	snprintf(etc, sizeof(etc), "%s/etc/passwd", root);
	unlink(etc);
	sink.n = 0;
	assert_int_equal(collector_snapshot(c, 3000), -ENOENT);
	assert_int_equal(sink.n, 0);
	assert_non_null(strstr(c->last_error, "passwd"));
	collector_free(c);

	snprintf(etc, sizeof(etc), "%s/etc/shadow", root);
	unlink(etc);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	rmdir(etc);
	rmdir(root);
}

/* Events of type t among the sink's, freeing all of them. */
static unsigned take_count(struct sink *sink, enum event_type t)
{
	unsigned n = 0;

	for (size_t i = 0; i < sink->n; i++) {
		n += event_get_type(sink->events[i]) == t;
		event_free(sink->events[i]);
	}
	sink->n = 0;
	return n;
}

/*
 * useradd rewrites passwd, then group, under shadow-utils' <file>.lock files: while a fresh
 * lock exists the comparison waits (a half-done change is not reported), and the change is
 * reported once the lock is gone; a stale lock (a crashed tool's) does not hold it back.
 */
static void test_collector_waits_for_shadow_utils_lock(void **state)
{
	char root[] = "/tmp/edgesec-users-XXXXXX", etc[600], lock[700];
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = root };
	struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
	struct collector *c;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	snprintf(lock, sizeof(lock), "%s/passwd.lock", etc);
	write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/bash\n");
	write_file(etc, "group", "root:x:0:\n");
	assert_int_equal(collector_new(&users_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 0);

	/* useradd half way: passwd has the user, group not yet, the lock is held. */
	write_file(etc, "passwd.lock", "");
	write_file(etc, "passwd",
		   "root:x:0:0:root:/root:/bin/bash\nnew:x:1001:1001::/home/new:/bin/sh\n");
	assert_int_equal(collector_snapshot(c, 2000), 0);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 0);

	/* done: group written, lock removed → UserAdded, once */
	write_file(etc, "group", "root:x:0:\nnew:x:1001:\n");
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(collector_snapshot(c, 3000), 0);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 1);

	/* a stale lock (mtime long ago) does not stop the comparison */
	write_file(etc, "passwd.lock", "");
	assert_int_equal(utimensat(AT_FDCWD, lock, old, 0), 0);
	write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/bash\n");
	assert_int_equal(collector_snapshot(c, 4000), 0);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 1); /* UserRemoved */
	collector_free(c);

	unlink(lock);
	snprintf(lock, sizeof(lock), "%s/passwd", etc);
	unlink(lock);
	snprintf(lock, sizeof(lock), "%s/group", etc);
	unlink(lock);
	rmdir(etc);
	rmdir(root);
}

/* The change of the one LocalUserChange among the sink's events, or NULL. */
static const char *change_of(struct sink *sink, unsigned i)
{
	unsigned k = 0;

	for (size_t j = 0; j < sink->n; j++)
		if (event_get_type(sink->events[j]) == EVENT_USER_CHANGE && k++ == i)
			return value_of(sink->events[j], 0, UC_CHANGE, NULL);
	return NULL;
}

/*
 * Changes are reported when the files change, without waiting for a snapshot; and a user
 * added and removed before the files could be read (useradd x && userdel x) is still
 * reported as UserAdded then UserRemoved, from the backup (passwd-) shadow-utils leaves.
 */
static void test_collector_immediate(void **state)
{
	char root[] = "/tmp/edgesec-users-XXXXXX", etc[600], path[700];
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = root };
	static const char *const files[] = { "passwd", "group", "passwd-", "passwd+" };
	struct pollfd pfd;
	struct collector *c;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/bash\n");
	write_file(etc, "group", "root:x:0:\n");
	assert_int_equal(collector_new(&users_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	assert_true(collector_get_fd(c) >= 0);
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(take_count(&sink, EVENT_LOCAL_USERS), 1);

	/* replaced by rename, as shadow-utils and sed -i do: reported on the fd's wake-up */
	write_file(etc, "passwd+", "root:x:0:0:root:/root:/bin/bash\na:x:1001:0::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/passwd", etc);
	snprintf(etc + strlen(etc), sizeof(etc) - strlen(etc), "/passwd+");
	assert_int_equal(rename(etc, path), 0);
	etc[strlen(etc) - strlen("/passwd+")] = '\0';
	pfd = (struct pollfd){ .fd = collector_get_fd(c), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	collector_dispatch(c, POLLIN);
	assert_int_equal(sink.n, 1);
	assert_string_equal(change_of(&sink, 0), "UserAdded");
	assert_string_equal(value_of(sink.events[0], 0, UC_USER_NAME, NULL), "a");
	take_count(&sink, EVENT_USER_CHANGE);

	/* useradd b && userdel b before we read: passwd- holds the state with b */
	write_file(
		etc, "passwd-",
		"root:x:0:0:root:/root:/bin/bash\na:x:1001:0::/:/bin/sh\nb:x:1002:0::/:/bin/sh\n");
	write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/bash\na:x:1001:0::/:/bin/sh\n");
	pfd = (struct pollfd){ .fd = collector_get_fd(c), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	collector_dispatch(c, POLLIN);
	assert_int_equal(sink.n, 2);
	assert_string_equal(change_of(&sink, 0), "UserAdded");
	assert_string_equal(value_of(sink.events[0], 0, UC_USER_NAME, NULL), "b");
	assert_string_equal(change_of(&sink, 1), "UserRemoved");
	assert_string_equal(value_of(sink.events[1], 0, UC_USER_NAME, NULL), "b");
	take_count(&sink, EVENT_USER_CHANGE);

	/* the same backup again (nothing rewritten it): no replay */
	write_file(etc, "group", "root:x:0:\nwheel:x:10:\n");
	pfd = (struct pollfd){ .fd = collector_get_fd(c), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	collector_dispatch(c, POLLIN);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 0);
	collector_free(c);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", etc, files[i]);
		unlink(path);
	}
	rmdir(etc);
	rmdir(root);
}

/* A user added to sudo and a uid made 0 while the agent was stopped: reported at the next
 * start, marked; an older backup (passwd-) is not replayed then; the saved state holds no
 * password field, home or shell; a restart with nothing changed reports nothing; without a
 * store the first read is the baseline, as before. */
static struct collector *users_start_with(struct collector_params *p, struct persist **store,
					  int dfd)
{
	struct collector *c;

	assert_int_equal(persist_new(dfd, PERSIST_FILE, geteuid(), store), 0);
	(void)persist_load(*store, &(struct persist_error){ { 0 } });
	p->persist = *store;
	assert_int_equal(collector_new(&users_collector_ops, p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	return c;
}

static void test_collector_persist(void **state)
{
	char root[] = "/tmp/edgesec-users-XXXXXX", etc[600], path[700];
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = root };
	static const char *const files[] = { "passwd", "group", "passwd-" };
	struct persist *store;
	struct collector *c;
	const void *saved;
	size_t saved_len;
	char *text;
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(root));
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(etc, "passwd",
		   "root:$6$salt$SECRETHASH:0:0:root:/root:/bin/bash\n"
		   "eve:x:1005:1005:Eve:/home/eve:/bin/sh\n");
	write_file(etc, "group", "root:x:0:\nsudo:x:27:\neve:x:1005:\n");

	c = users_start_with(&p, &store, dfd);
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 0);
	assert_int_equal(persist_get(store, "users.state", &saved, &saved_len), 0);
	text = es_strndup(saved, saved_len);
	assert_non_null(strstr(text, "root:x:0:0:::\n"));
	assert_null(strstr(text, "SECRETHASH"));
	assert_null(strstr(text, "/home/eve"));
	assert_null(strstr(text, "/bin/sh"));
	es_free(text);
	assert_false(persist_dirty(store)); /* written at once */
	collector_free(c);
	persist_free(store);

	/* while stopped: mal added in sudo, eve given uid 0; passwd- is an older state */
	write_file(etc, "passwd",
		   "root:x:0:0:root:/root:/bin/bash\neve:x:0:1005:Eve:/home/eve:/bin/sh\n"
		   "mal:x:1001:1001::/home/mal:/bin/sh\n");
	write_file(etc, "group", "root:x:0:\nsudo:x:27:mal\neve:x:1005:\nmal:x:1001:\n");
	write_file(etc, "passwd-", "root:x:0:0:root:/root:/bin/bash\nghost:x:1009:0::/:/bin/sh\n");
	c = users_start_with(&p, &store, dfd);
	assert_int_equal(collector_snapshot(c, 2000), 0);
	assert_int_equal(sink.n, 3); /* LocalUsers, then the two changes */
	assert_string_equal(change_of(&sink, 0), "UidChangedToRoot");
	assert_string_equal(value_of(sink.events[1], 0, UC_USER_NAME, NULL), "eve");
	assert_string_equal(value_of(sink.events[1], 0, 0, "WhileAgentStopped"), "true");
	assert_string_equal(change_of(&sink, 1), "UserAdded");
	assert_string_equal(value_of(sink.events[2], 0, UC_USER_NAME, NULL), "mal");
	assert_string_equal(value_of(sink.events[2], 0, UC_GROUP_NAMES, NULL), "mal;sudo");
	assert_string_equal(value_of(sink.events[2], 0, 0, "WhileAgentStopped"), "true");
	take_count(&sink, EVENT_USER_CHANGE);
	/* a change while running is not marked */
	write_file(etc, "group", "root:x:0:\nsudo:x:27:\neve:x:1005:\nmal:x:1001:\n");
	assert_int_equal(collector_snapshot(c, 3000), 0);
	assert_int_equal(sink.n, 2);
	assert_string_equal(change_of(&sink, 0), "GroupMembershipChanged");
	assert_null(value_of(sink.events[1], 0, 0, "WhileAgentStopped"));
	take_count(&sink, EVENT_USER_CHANGE);
	collector_free(c);
	persist_free(store);

	/* restarted with nothing changed: nothing reported */
	c = users_start_with(&p, &store, dfd);
	assert_int_equal(collector_snapshot(c, 4000), 0);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 0);
	collector_free(c);
	persist_free(store);

	/* no store (`edgesec snapshot`): the first read is the baseline */
	write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/bash\n");
	p.persist = NULL;
	assert_int_equal(collector_new(&users_collector_ops, &p, &c), 0);
	assert_int_equal(collector_snapshot(c, 5000), 0);
	assert_int_equal(take_count(&sink, EVENT_USER_CHANGE), 0);
	collector_free(c);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", etc, files[i]);
		unlink(path);
	}
	rmdir(etc);
	snprintf(path, sizeof(path), "%s/%s", root, PERSIST_FILE);
	unlink(path);
	close(dfd);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_collector_immediate),
		cmocka_unit_test(test_collector_persist),
		cmocka_unit_test(test_passwd_fields),
		cmocka_unit_test(test_passwd_malformed),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_groups_order),
		cmocka_unit_test(test_group_first_gid_wins),
		cmocka_unit_test(test_group_malformed),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_many_groups_truncated),
		cmocka_unit_test(test_collector),
		cmocka_unit_test(test_collector_waits_for_shadow_utils_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
