/* SPDX-License-Identifier: MIT */
/*
 * LocalUsers snapshot differences (see users-diff.h).  Both user lists are sorted by name
 * (pointers, so the databases stay untouched) and walked in step; group lists are formatted
 * with users_db_format_groups() into four bounded buffers owned by the walk.
 */
#include "users-diff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define USERS_DIFF_LIST_MAX (1u << 20)

struct users_diff_walk {
	struct buf ids, names, prev_ids, prev_names;
	int (*change_fn)(const struct users_change *change, void *userdata);
	void *userdata;
	unsigned found;
};

static const char *const change_names[_USERS_CHANGE_MAX] = {
	[USERS_CHANGE_USER_ADDED] = "UserAdded",
	[USERS_CHANGE_USER_REMOVED] = "UserRemoved",
	[USERS_CHANGE_GROUPS_CHANGED] = "GroupMembershipChanged",
	[USERS_CHANGE_UID_CHANGED] = "UidChanged",
	[USERS_CHANGE_UID_TO_ROOT] = "UidChangedToRoot",
};

const char *users_change_type_to_string(enum users_change_type t)
{
	return (t >= 0 && t < _USERS_CHANGE_MAX) ? change_names[t] : NULL;
}

static int name_cmp(const struct users_passwd_entry *a, const struct users_passwd_entry *b)
{
	uint32_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
	int r = memcmp(a->name.p, b->name.p, n);

	if (r)
		return r;
	return a->name.len < b->name.len ? -1 : a->name.len > b->name.len;
}

static int entry_ptr_cmp(const void *x, const void *y)
{
	const struct users_passwd_entry *a = *(const struct users_passwd_entry *const *)x;
	const struct users_passwd_entry *b = *(const struct users_passwd_entry *const *)y;
	int r = name_cmp(a, b);

	if (r)
		return r;
	return a < b ? -1 : a > b; /* file order: the first entry of a name wins */
}

/* The users of db sorted by name, one per name.  NULL on allocation failure. */
static const struct users_passwd_entry **users_sorted(const struct users_db *db, size_t *ret_n)
{
	const struct users_passwd_entry **v = es_calloc(db->n_users + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < db->n_users; i++)
		v[i] = &db->users[i];
	qsort(v, db->n_users, sizeof(*v), entry_ptr_cmp);
	for (size_t i = 0; i < db->n_users; i++)
		if (n == 0 || name_cmp(v[n - 1], v[i]) != 0)
			v[n++] = v[i];
	*ret_n = n;
	return v;
}

static void groups_format(const struct users_db *db, const struct users_passwd_entry *u,
			  struct buf *ids, struct buf *names)
{
	buf_reset(ids);
	buf_reset(names);
	if (u)
		users_db_format_groups(db, u, ids, names, NULL);
}

static int u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* The sorted, unique ids of a ";"-list into v (at most USERS_GROUPS_PER_USER_MAX). */
static size_t ids_parse(const struct buf *b, uint32_t *v)
{
	size_t n = 0, start = 0, out = 0;

	for (size_t i = 0; i <= b->len && n < USERS_GROUPS_PER_USER_MAX; i++) {
		if (i < b->len && b->data[i] != ';')
			continue;
		if (users_parse_id(b->data + start, i - start, &v[n]) == 0)
			n++;
		start = i + 1;
	}
	qsort(v, n, sizeof(*v), u32_cmp);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	return out;
}

/* True if the two id lists hold different sets; false when either could not be formatted. */
static bool groups_differ(const struct buf *a, const struct buf *b)
{
	uint32_t va[USERS_GROUPS_PER_USER_MAX], vb[USERS_GROUPS_PER_USER_MAX];
	size_t na, nb;

	if (a->failed || b->failed)
		return false;
	if (a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0))
		return false;
	na = ids_parse(a, va);
	nb = ids_parse(b, vb);
	return na != nb || memcmp(va, vb, na * sizeof(*va)) != 0;
}

static int report(struct users_diff_walk *w, enum users_change_type type,
		  const struct users_passwd_entry *user, const struct users_passwd_entry *prev)
{
	struct users_change ch = {
		.type = type,
		.user = user,
		.prev = prev,
		.group_ids = &w->ids,
		.group_names = &w->names,
		.prev_group_ids = &w->prev_ids,
		.prev_group_names = &w->prev_names,
	};

	if (w->found++ >= USERS_DIFF_CHANGES_MAX)
		return 0;
	return w->change_fn(&ch, w->userdata);
}

static int user_compare(struct users_diff_walk *w, const struct users_db *old_db,
			const struct users_db *new_db, const struct users_passwd_entry *o,
			const struct users_passwd_entry *n, bool compare_groups)
{
	int r = 0;

	groups_format(new_db, n, &w->ids, &w->names);
	groups_format(old_db, o, &w->prev_ids, &w->prev_names);
	if (!o)
		return report(w, USERS_CHANGE_USER_ADDED, n, NULL);
	if (!n)
		return report(w, USERS_CHANGE_USER_REMOVED, NULL, o);
	if (o->uid != n->uid)
		r = report(w, n->uid == 0 ? USERS_CHANGE_UID_TO_ROOT : USERS_CHANGE_UID_CHANGED, n,
			   o);
	if (r >= 0 && compare_groups && groups_differ(&w->ids, &w->prev_ids))
		r = report(w, USERS_CHANGE_GROUPS_CHANGED, n, o);
	return r;
}

int users_diff(const struct users_db *old_db, const struct users_db *new_db, bool compare_groups,
	       int (*change_fn)(const struct users_change *change, void *userdata), void *userdata)
{
	struct users_diff_walk w = { .change_fn = change_fn, .userdata = userdata };
	const struct users_passwd_entry **ov, **nv;
	size_t on = 0, nn = 0, i = 0, j = 0;
	int r = 0;

	ov = users_sorted(old_db, &on);
	nv = users_sorted(new_db, &nn);
	if (!ov || !nv) {
		r = -ENOMEM;
		goto out;
	}
	buf_init(&w.ids, USERS_DIFF_LIST_MAX);
	buf_init(&w.names, USERS_DIFF_LIST_MAX);
	buf_init(&w.prev_ids, USERS_DIFF_LIST_MAX);
	buf_init(&w.prev_names, USERS_DIFF_LIST_MAX);
	while (r >= 0 && (i < on || j < nn)) {
		int c = i == on ? 1 : j == nn ? -1 : name_cmp(ov[i], nv[j]);

		if (c < 0)
			r = user_compare(&w, old_db, new_db, ov[i++], NULL, compare_groups);
		else if (c > 0)
			r = user_compare(&w, old_db, new_db, NULL, nv[j++], compare_groups);
		else
			r = user_compare(&w, old_db, new_db, ov[i++], nv[j++], compare_groups);
	}
	buf_done(&w.ids);
	buf_done(&w.names);
	buf_done(&w.prev_ids);
	buf_done(&w.prev_names);
out:
	es_free(ov);
	es_free(nv);
	return r < 0 ? r : (int)w.found;
}

/* ---- the saved form (kept across restarts) ---- */

static void put_id_line(struct buf *out, const struct users_str *name, uint32_t id, uint32_t id2,
			bool with_id2)
{
	buf_append(out, name->p, name->len);
	buf_puts(out, ":x:");
	buf_put_u64(out, id);
	buf_putc(out, ':');
	if (with_id2)
		buf_put_u64(out, id2);
}

void users_saved_format(const struct users_db *db, bool with_groups, struct buf *out)
{
	buf_puts(out, USERS_SAVED_MAGIC);
	for (size_t i = 0; i < db->n_users; i++) {
		put_id_line(out, &db->users[i].name, db->users[i].uid, db->users[i].gid, true);
		buf_puts(out, ":::\n");
	}
	if (!with_groups)
		return;
	buf_putc(out, '\0');
	for (size_t i = 0; i < db->n_groups; i++) {
		const struct users_group_entry *g = &db->groups[i];

		put_id_line(out, &g->name, g->gid, 0, false);
		buf_append(out, g->members.p, g->members.len);
		buf_putc(out, '\n');
	}
}

int users_saved_split(const void *data, size_t len, const char **ret_passwd, size_t *ret_passwd_len,
		      const char **ret_group, size_t *ret_group_len)
{
	const size_t m = sizeof(USERS_SAVED_MAGIC) - 1;
	const char *p = data, *nul;

	if (!data || len < m || memcmp(p, USERS_SAVED_MAGIC, m) != 0)
		return -EBADMSG;
	p += m;
	len -= m;
	nul = memchr(p, '\0', len);
	*ret_passwd = p;
	*ret_passwd_len = nul ? (size_t)(nul - p) : len;
	*ret_group = nul ? nul + 1 : NULL;
	*ret_group_len = nul ? len - (size_t)(nul - p) - 1 : 0;
	return 0;
}
