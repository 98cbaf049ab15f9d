/* SPDX-License-Identifier: MIT */
/*
 * passwd/group parsing and the group-membership index.
 *
 * Lookups: users_db_parse() builds two sorted arrays once per snapshot, so listing every
 * user's groups costs O((users + memberships) log n) instead of users x groups:
 *   - by_gid:  group indices sorted by (gid, file index) for the primary group's name
 *              (the first entry with a gid wins, like getgrgid);
 *   - members: (member name, group index) sorted by (name, index), so a user's supplementary
 *              groups come out in group-file order.
 */
#include "users-parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/num.h"

#define PASSWD_FIELDS 7
#define GROUP_FIELDS 4

struct users_membership {
	struct users_str name;
	uint32_t group;
};

int users_parse_id(const char *s, size_t len, uint32_t *ret_id)
{
	uint64_t v;

	/* at most 10 digits; (uid_t)-1 is not an id */
	if (len > 10 || num_parse_u64(s, len, 10, UINT32_MAX - 1, &v) < 0)
		return -EINVAL;
	*ret_id = (uint32_t)v;
	return 0;
}

/* Splits a line on ':' into exactly n fields; false if the count differs. */
static bool split_fields(const char *p, size_t len, struct users_str *f, unsigned n)
{
	unsigned k = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != ':')
			continue;
		if (k == n)
			return false;
		f[k].p = p + start;
		f[k].len = (uint32_t)(i - start);
		k++;
		start = i + 1;
	}
	return k == n;
}

static bool name_ok(const struct users_str *s)
{
	return s->len > 0 && s->p[0] != '+' && s->p[0] != '-';
}

static bool group_name_ok(const struct users_str *s)
{
	if (!name_ok(s))
		return false;
	for (uint32_t i = 0; i < s->len; i++)
		if (s->p[i] == ';' || s->p[i] == ',')
			return false;
	return true;
}

typedef int (*line_fn)(struct users_db *db, const char *p, size_t len);

static int parse_passwd_line(struct users_db *db, const char *p, size_t len)
{
	struct users_str f[PASSWD_FIELDS];
	struct users_passwd_entry *u;

	if (!split_fields(p, len, f, PASSWD_FIELDS) || !name_ok(&f[0]))
		return -EINVAL;
	if (db->n_users >= USERS_MAX)
		return -E2BIG;
	u = &db->users[db->n_users];
	if (users_parse_id(f[2].p, f[2].len, &u->uid) < 0 ||
	    users_parse_id(f[3].p, f[3].len, &u->gid) < 0)
		return -EINVAL;
	u->name = f[0];
	u->home = f[5];
	u->shell = f[6];
	db->n_users++;
	return 0;
}

static int parse_group_line(struct users_db *db, const char *p, size_t len)
{
	struct users_str f[GROUP_FIELDS];
	struct users_group_entry *g;

	if (!split_fields(p, len, f, GROUP_FIELDS) || !group_name_ok(&f[0]))
		return -EINVAL;
	if (db->n_groups >= USERS_GROUPS_MAX)
		return -E2BIG;
	g = &db->groups[db->n_groups];
	if (users_parse_id(f[2].p, f[2].len, &g->gid) < 0)
		return -EINVAL;
	g->name = f[0];
	g->members = f[3];
	db->n_groups++;
	return 0;
}

static size_t count_lines(const char *buf, size_t len)
{
	size_t n = 1;

	for (const char *p = buf; p && (p = memchr(p, '\n', len - (size_t)(p - buf))); p++)
		n++;
	return n;
}

static void parse_lines(struct users_db *db, const char *buf, size_t len, line_fn fn)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, l;
		const char *p = buf + pos;

		pos = end + 1;
		l = (size_t)(buf + end - p);
		while (l && (*p == ' ' || *p == '\t'))
			p++, l--;
		if (!l || *p == '#')
			continue;
		if (l > USERS_LINE_MAX || memchr(p, '\0', l) || fn(db, p, l) < 0)
			db->skipped++;
	}
}

static int str_cmp(const struct users_str *a, const struct users_str *b)
{
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int membership_cmp(const void *x, const void *y)
{
	const struct users_membership *a = x, *b = y;
	int c = str_cmp(&a->name, &b->name);

	if (c)
		return c;
	return a->group < b->group ? -1 : a->group > b->group;
}

static int gid_cmp(const void *x, const void *y, void *userdata)
{
	const struct users_db *db = userdata;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	uint32_t ga = db->groups[a].gid, gb = db->groups[b].gid;

	if (ga != gb)
		return ga < gb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static size_t count_members(const struct users_db *db)
{
	size_t n = 0;

	for (size_t i = 0; i < db->n_groups; i++) {
		const struct users_str *m = &db->groups[i].members;

		n += m->len ? 1 : 0;
		for (uint32_t k = 0; k < m->len; k++)
			n += m->p[k] == ',';
	}
	return n;
}

static void index_members(struct users_db *db, size_t cap)
{
	for (size_t i = 0; i < db->n_groups; i++) {
		const struct users_str *m = &db->groups[i].members;
		uint32_t start = 0;

		for (uint32_t k = 0; k <= m->len; k++) {
			if (k < m->len && m->p[k] != ',')
				continue;
			if (k > start) {
				if (db->n_members < cap)
					db->members[db->n_members++] = (struct users_membership){
						.name = { m->p + start, k - start },
						.group = (uint32_t)i,
					};
				else
					db->skipped++;
			}
			start = k + 1;
		}
	}
	qsort(db->members, db->n_members, sizeof(db->members[0]), membership_cmp);
}

int users_db_parse(struct users_db *db, const char *passwd, size_t passwd_len, const char *group,
		   size_t group_len)
{
	size_t nu = passwd_len ? count_lines(passwd, passwd_len) : 0;
	size_t ng = group_len ? count_lines(group, group_len) : 0, nm;

	memset(db, 0, sizeof(*db));
	nu = nu < USERS_MAX ? nu : USERS_MAX;
	ng = ng < USERS_GROUPS_MAX ? ng : USERS_GROUPS_MAX;
	db->users = es_calloc(nu ? nu : 1, sizeof(*db->users));
	db->groups = es_calloc(ng ? ng : 1, sizeof(*db->groups));
	if (!db->users || !db->groups)
		goto fail;
	if (passwd_len)
		parse_lines(db, passwd, passwd_len, parse_passwd_line);
	if (group_len)
		parse_lines(db, group, group_len, parse_group_line);
	nm = count_members(db);
	nm = nm < USERS_MEMBERSHIPS_MAX ? nm : USERS_MEMBERSHIPS_MAX;
	db->members = es_calloc(nm ? nm : 1, sizeof(*db->members));
	db->by_gid = es_calloc(db->n_groups ? db->n_groups : 1, sizeof(*db->by_gid));
	if (!db->members || !db->by_gid)
		goto fail;
	index_members(db, nm);
	for (size_t i = 0; i < db->n_groups; i++)
		db->by_gid[i] = (uint32_t)i;
	qsort_r(db->by_gid, db->n_groups, sizeof(db->by_gid[0]), gid_cmp, db);
	return 0;
fail:
	users_db_done(db);
	return -ENOMEM;
}

void users_db_done(struct users_db *db)
{
	es_free(db->users);
	es_free(db->groups);
	es_free(db->members);
	es_free(db->by_gid);
	memset(db, 0, sizeof(*db));
}

/* The first group (in file order) with this gid, or NULL. */
static const struct users_group_entry *group_by_gid(const struct users_db *db, uint32_t gid)
{
	size_t lo = 0, hi = db->n_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (db->groups[db->by_gid[mid]].gid < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < db->n_groups && db->groups[db->by_gid[lo]].gid == gid)
		return &db->groups[db->by_gid[lo]];
	return NULL;
}

/* Index of the first membership of name, or n_members. */
static size_t first_membership(const struct users_db *db, const struct users_str *name)
{
	size_t lo = 0, hi = db->n_members;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (str_cmp(&db->members[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A small open-addressing set of gids, so repeated gids are dropped in O(1). */
#define GID_SET_SIZE (2 * USERS_GROUPS_PER_USER_MAX)

struct gid_set {
	uint32_t v[GID_SET_SIZE];
	uint8_t used[GID_SET_SIZE];
};

/* true if gid was added, false if it was already there. */
static bool gid_set_add(struct gid_set *s, uint32_t gid)
{
	size_t h = (gid * 2654435761u) % GID_SET_SIZE;

	while (s->used[h]) {
		if (s->v[h] == gid)
			return false;
		h = (h + 1) % GID_SET_SIZE;
	}
	s->used[h] = 1;
	s->v[h] = gid;
	return true;
}

static void append_group(struct buf *ids, struct buf *names, uint32_t gid,
			 const struct users_group_entry *g, bool first)
{
	if (!first) {
		buf_putc(ids, ';');
		buf_putc(names, ';');
	}
	buf_put_u64(ids, gid);
	if (g)
		buf_append(names, g->name.p, g->name.len);
	else
		buf_put_u64(names, gid);
}

int users_db_format_groups(const struct users_db *db, const struct users_passwd_entry *u,
			   struct buf *ids, struct buf *names, bool *ret_truncated)
{
	struct gid_set set_storage, *set = &set_storage;
	bool truncated = false;
	int n = 1;

	memset(set->used, 0, sizeof(set->used));
	gid_set_add(set, u->gid);
	append_group(ids, names, u->gid, group_by_gid(db, u->gid), true);
	for (size_t i = first_membership(db, &u->name);
	     i < db->n_members && str_cmp(&db->members[i].name, &u->name) == 0; i++) {
		const struct users_group_entry *g = &db->groups[db->members[i].group];

		if (n >= USERS_GROUPS_PER_USER_MAX) {
			truncated = true;
			break;
		}
		if (!gid_set_add(set, g->gid))
			continue;
		append_group(ids, names, g->gid, g, false);
		n++;
	}
	if (ret_truncated)
		*ret_truncated = truncated;
	return n;
}
