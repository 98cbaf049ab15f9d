/* SPDX-License-Identifier: MIT */
/*
 * LocalUsers snapshot differences (users-diff.c) and the LocalUserChange events the users
 * collector sends after its second snapshot on a fake host root.
 */
#include <errno.h>
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
#include "collectors/users/users-diff.h"

#define CHANGES_MAX 16

struct change_rec {
	enum users_change_type type;
	char name[64], ids[128], prev_ids[128], names[128];
	uint32_t uid, prev_uid;
};

struct changes {
	struct change_rec v[CHANGES_MAX];
	unsigned n;
	int fail;
};

static void copy_buf(char *dst, size_t size, const struct buf *b)
{
	snprintf(dst, size, "%.*s", (int)b->len, b->len ? b->data : "");
}

static int record(const struct users_change *ch, void *userdata)
{
	struct changes *s = userdata;
	struct change_rec *r;
	const struct users_passwd_entry *u = ch->user ? ch->user : ch->prev;

	if (s->fail)
		return s->fail;
	assert_true(s->n < CHANGES_MAX);
	r = &s->v[s->n++];
	r->type = ch->type;
	snprintf(r->name, sizeof(r->name), "%.*s", (int)u->name.len, u->name.p);
	r->uid = u->uid;
	r->prev_uid = ch->prev ? ch->prev->uid : 0;
	copy_buf(r->ids, sizeof(r->ids), ch->group_ids);
	copy_buf(r->prev_ids, sizeof(r->prev_ids), ch->prev_group_ids);
	copy_buf(r->names, sizeof(r->names), ch->group_names);
	return 0;
}

static int diff(const char *pw1, const char *gr1, const char *pw2, const char *gr2, bool groups,
		struct changes *out)
{
	struct users_db a, b;
	int r;

	memset(out, 0, sizeof(*out));
	assert_int_equal(users_db_parse(&a, pw1, strlen(pw1), gr1, gr1 ? strlen(gr1) : 0), 0);
	assert_int_equal(users_db_parse(&b, pw2, strlen(pw2), gr2, gr2 ? strlen(gr2) : 0), 0);
	r = users_diff(&a, &b, groups, record, out);
	users_db_done(&a);
	users_db_done(&b);
	return r;
}

#define PW "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n"
#define GR "root:x:0:\nbob:x:1000:\nwheel:x:10:\ndocker:x:998:\n"

static void test_no_change(void **state)
{
	struct changes c;

	(void)state;
	assert_int_equal(diff(PW, GR, PW, GR, true, &c), 0);
	/* Reordered group file, renamed group: same set of ids, no change. */
	assert_int_equal(diff(PW, "root:x:0:\nwheel:x:10:bob\ndocker:x:998:bob\nbob:x:1000:\n", PW,
			      "docker:x:998:bob\nroot:x:0:\nbob:x:1000:\nadmins:x:10:bob\n", true,
			      &c),
			 0);
	/* Duplicate passwd name: the first entry counts, as with NSS. */
	assert_int_equal(diff(PW "bob:x:0:0::/:/bin/sh\n", GR, PW, GR, true, &c), 0);
}

static void test_added_removed(void **state)
{
	struct changes c;

	(void)state;
	assert_int_equal(diff(PW, GR, PW "eve:x:1001:1000::/home/eve:/bin/sh\n",
			      "root:x:0:\nbob:x:1000:\nwheel:x:10:eve\n", true, &c),
			 1);
	assert_int_equal(c.v[0].type, USERS_CHANGE_USER_ADDED);
	assert_string_equal(c.v[0].name, "eve");
	assert_int_equal(c.v[0].uid, 1001);
	assert_string_equal(c.v[0].ids, "1000;10");
	assert_string_equal(c.v[0].names, "bob;wheel");
	assert_string_equal(c.v[0].prev_ids, "");

	assert_int_equal(diff(PW, GR, "root:x:0:0:root:/root:/bin/bash\n", GR, true, &c), 1);
	assert_int_equal(c.v[0].type, USERS_CHANGE_USER_REMOVED);
	assert_string_equal(c.v[0].name, "bob");
	assert_int_equal(c.v[0].uid, 1000);
	assert_string_equal(c.v[0].prev_ids, "1000");
	assert_string_equal(c.v[0].ids, "");

	/* Everything replaced: removals and additions in name order. */
	assert_int_equal(
		diff(PW, GR, "zed:x:5:5::/:/bin/sh\namy:x:6:6::/:/bin/sh\n", NULL, true, &c), 4);
	assert_string_equal(c.v[0].name, "amy");
	assert_int_equal(c.v[0].type, USERS_CHANGE_USER_ADDED);
	assert_string_equal(c.v[1].name, "bob");
	assert_int_equal(c.v[1].type, USERS_CHANGE_USER_REMOVED);
	assert_string_equal(c.v[2].name, "root");
	assert_string_equal(c.v[3].name, "zed");
}

static void test_groups_changed(void **state)
{
	struct changes c;

	(void)state;
	/* usermod -aG wheel bob */
	assert_int_equal(diff(PW, GR, PW, "root:x:0:\nbob:x:1000:\nwheel:x:10:bob\n", true, &c), 1);
	assert_int_equal(c.v[0].type, USERS_CHANGE_GROUPS_CHANGED);
	assert_string_equal(c.v[0].name, "bob");
	assert_string_equal(c.v[0].ids, "1000;10");
	assert_string_equal(c.v[0].prev_ids, "1000");
	/* Not compared when told so (a snapshot without a group file). */
	assert_int_equal(diff(PW, GR, PW, "root:x:0:\nbob:x:1000:\nwheel:x:10:bob\n", false, &c),
			 0);
	/* Primary group changed. */
	assert_int_equal(diff(PW, GR, "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:10::/:/bin/sh\n",
			      GR, true, &c),
			 1);
	assert_int_equal(c.v[0].type, USERS_CHANGE_GROUPS_CHANGED);
}

static void test_uid_changes(void **state)
{
	struct changes c;

	(void)state;
	assert_int_equal(diff(PW, GR, "root:x:0:0:root:/root:/bin/bash\nbob:x:0:1000::/:/bin/sh\n",
			      GR, true, &c),
			 1);
	assert_int_equal(c.v[0].type, USERS_CHANGE_UID_TO_ROOT);
	assert_int_equal(c.v[0].uid, 0);
	assert_int_equal(c.v[0].prev_uid, 1000);
	/* uid and groups at once: two changes */
	assert_int_equal(diff(PW, GR, "root:x:0:0:root:/root:/bin/bash\nbob:x:1500:10::/:/bin/sh\n",
			      GR, true, &c),
			 2);
	assert_int_equal(c.v[0].type, USERS_CHANGE_UID_CHANGED);
	assert_int_equal(c.v[0].uid, 1500);
	assert_int_equal(c.v[1].type, USERS_CHANGE_GROUPS_CHANGED);
	assert_string_equal(users_change_type_to_string(USERS_CHANGE_UID_TO_ROOT),
			    "UidChangedToRoot");
	assert_string_equal(users_change_type_to_string(USERS_CHANGE_GROUPS_CHANGED),
			    "GroupMembershipChanged");
	assert_null(users_change_type_to_string(_USERS_CHANGE_MAX));
}

static void test_callback_error(void **state)
{
	struct users_db a, b;
	struct changes c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.fail = -EIO;
	assert_int_equal(users_db_parse(&a, PW, strlen(PW), GR, strlen(GR)), 0);
	assert_int_equal(users_db_parse(&b, "x:x:1:1::/:/\n", 13, NULL, 0), 0);
	assert_int_equal(users_diff(&a, &b, true, record, &c), -EIO);
	/* Empty databases. */
	c.fail = 0;
	users_db_done(&b);
	memset(&b, 0, sizeof(b));
	assert_int_equal(users_db_parse(&b, NULL, 0, NULL, 0), 0);
	assert_int_equal(users_diff(&b, &b, true, record, &c), 0);
	assert_int_equal(users_diff(&b, &a, true, record, &c), 2);
	users_db_done(&a);
	users_db_done(&b);
}

/* ---- the collector ---- */

struct sink {
	struct event_sink base;
	struct event *events[16];
	unsigned n;
};

static void sink_submit(struct event_sink *base, struct event *e)
{
	struct sink *s = (struct sink *)base;

	assert_true(s->n < 16);
	s->events[s->n++] = e;
}

static void sink_clear(struct sink *s)
{
	for (unsigned i = 0; i < s->n; i++)
		event_free(s->events[i]);
	s->n = 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The value of a field of the first item, or NULL. */
static const char *field_of(const struct event *e, unsigned field)
{
	static char out[256];
	struct event_cursor cur;
	struct event_value v;

	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v))
		if (v.kind == EVENT_VALUE_FIELD && v.field == field) {
			snprintf(out, sizeof(out), "%.*s", (int)v.len, v.s);
			return out;
		}
	return NULL;
}

static void test_collector_events(void **state)
{
	char root[] = "/tmp/edgesec-udiff-XXXXXX", etc[600], path[700];
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = root };
	struct collector *c;
	const struct event *e;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(etc, "passwd", PW);
	write_file(etc, "group", GR);
	assert_int_equal(collector_new(&users_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	/* First snapshot: LocalUsers only. */
	assert_int_equal(collector_snapshot(c, 1000), 0);
	assert_int_equal(sink.n, 1);
	assert_int_equal(event_get_type(sink.events[0]), EVENT_LOCAL_USERS);
	sink_clear(&sink);
	/* Unchanged: LocalUsers only. */
	assert_int_equal(collector_snapshot(c, 2000), 0);
	assert_int_equal(sink.n, 1);
	sink_clear(&sink);
	/* useradd eve, usermod -aG wheel bob, bob's uid to 0 */
	write_file(etc, "passwd",
		   "root:x:0:0:root:/root:/bin/bash\nbob:x:0:1000::/home/bob:/bin/sh\n"
		   "eve:x:1001:1001::/home/eve:/bin/sh\n");
	write_file(etc, "group", "root:x:0:\nbob:x:1000:\nwheel:x:10:bob\neve:x:1001:\n");
	assert_int_equal(collector_snapshot(c, 3000), 0);
	assert_int_equal(sink.n, 4);
	assert_int_equal(event_get_type(sink.events[0]), EVENT_LOCAL_USERS);
	e = sink.events[1];
	assert_int_equal(event_get_type(e), EVENT_USER_CHANGE);
	assert_int_equal(event_get_time(e), 3000);
	assert_string_equal(field_of(e, UC_CHANGE), "UidChangedToRoot");
	assert_string_equal(field_of(e, UC_USER_NAME), "bob");
	assert_string_equal(field_of(e, UC_USER_ID), "0");
	assert_string_equal(field_of(e, UC_PREVIOUS_USER_ID), "1000");
	e = sink.events[2];
	assert_string_equal(field_of(e, UC_CHANGE), "GroupMembershipChanged");
	assert_string_equal(field_of(e, UC_GROUP_NAMES), "bob;wheel");
	assert_string_equal(field_of(e, UC_PREVIOUS_GROUP_NAMES), "bob");
	assert_string_equal(field_of(e, UC_PREVIOUS_GROUP_IDS), "1000");
	e = sink.events[3];
	assert_string_equal(field_of(e, UC_CHANGE), "UserAdded");
	assert_string_equal(field_of(e, UC_USER_NAME), "eve");
	assert_string_equal(field_of(e, UC_GROUP_IDS), "1001");
	assert_null(field_of(e, UC_PREVIOUS_USER_ID));
	sink_clear(&sink);
	/* No group file: memberships are not compared; userdel eve is. */
	snprintf(path, sizeof(path), "%s/group", etc);
	unlink(path);
	write_file(etc, "passwd",
		   "root:x:0:0:root:/root:/bin/bash\nbob:x:0:1000::/home/bob:/bin/sh\n");
	assert_int_equal(collector_snapshot(c, 4000), 0);
	assert_int_equal(sink.n, 2);
	assert_string_equal(field_of(sink.events[1], UC_CHANGE), "UserRemoved");
	assert_string_equal(field_of(sink.events[1], UC_USER_ID), "1001");
	sink_clear(&sink);
	/* A failed snapshot keeps the previous one. */
	snprintf(path, sizeof(path), "%s/passwd", etc);
	unlink(path);
	assert_int_equal(collector_snapshot(c, 5000), -ENOENT);
	write_file(etc, "passwd", "root:x:0:0:root:/root:/bin/bash\n");
	assert_int_equal(collector_snapshot(c, 6000), 0);
	assert_int_equal(sink.n, 2);
	assert_string_equal(field_of(sink.events[1], UC_CHANGE), "UserRemoved");
	assert_string_equal(field_of(sink.events[1], UC_USER_NAME), "bob");
	sink_clear(&sink);
	collector_free(c);
	unlink(path);
	rmdir(etc);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_change),      cmocka_unit_test(test_added_removed),
		cmocka_unit_test(test_groups_changed), cmocka_unit_test(test_uid_changes),
		cmocka_unit_test(test_callback_error), cmocka_unit_test(test_collector_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
