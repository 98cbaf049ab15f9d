/* SPDX-License-Identifier: MIT */
/*
 * Matching: the field view of one payload item (one pass over its values, no copy, no
 * allocation), the ExtraDetails slot table, transforms, and the evaluation of a condition
 * tree.  Everything here runs for every event at exec-storm rates: no allocation, no JSON.
 *
 * Costs: strings are compared in place; "in" is a hash probe; a glob is O(pattern × subject)
 * (no backtracking explosion: one resume point); a regex is linear-time (common/regex).
 */
#include "detect-int.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/num.h"
#include "common/regex.h"

uint64_t detect_hash(const void *p, size_t len, uint64_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- ExtraDetails slots ---- */

/* Slot lookup runs for every ExtraDetails key of every item: a cheap hash of a few bytes. */
static unsigned slot_hash(const char *key, size_t len)
{
	const unsigned char *k = (const unsigned char *)key;

	return len ? (unsigned)(len * 31 + k[0] * 7 + k[len - 1] * 3 + k[len / 2]) : 0;
}

int detect_slot_find(const struct detect_ruleset *rs, const char *key, size_t len)
{
	unsigned h = slot_hash(key, len);

	for (unsigned i = 0; i < 256; i++) {
		unsigned idx = (h + i) & 255, s = rs->slot_index[idx];

		if (!s)
			return -ENOENT;
		s--;
		if (rs->slot_len[s] == len && memcmp(rs->slot_names[s], key, len) == 0)
			return (int)s;
	}
	return -ENOENT;
}

int detect_slot_register(struct detect_ruleset *rs, const char *key, size_t len)
{
	int s = detect_slot_find(rs, key, len);
	uint64_t h;

	if (s >= 0)
		return s;
	if (rs->n_slots >= DETECT_SLOTS_MAX || len == 0 || len > 200)
		return -E2BIG;
	rs->slot_names[rs->n_slots] = es_strndup(key, len);
	if (!rs->slot_names[rs->n_slots])
		return -ENOMEM;
	rs->slot_len[rs->n_slots] = (uint8_t)len;
	h = slot_hash(key, len);
	for (unsigned i = 0; i < 256; i++) {
		unsigned idx = (unsigned)(h + i) & 255;

		if (!rs->slot_index[idx]) {
			rs->slot_index[idx] = (uint16_t)(rs->n_slots + 1);
			break;
		}
	}
	return (int)rs->n_slots++;
}

/* ---- the view ---- */

void detect_view_begin(struct detect_view *v, const struct event *e)
{
	v->type = event_get_type(e);
	v->e = e;
	v->item = 0;
}

int detect_view_next_item(struct detect_view *v, const struct detect_ruleset *rs,
			  struct event_cursor *c)
{
	struct event_value val;

	if (event_cursor_next(c, &val) != 1 || val.kind != EVENT_VALUE_ITEM)
		return -ENOENT;
	v->item++;
	v->item_start = *c;
	v->fields = 0;
	v->folded_src = NULL;
	v->n_hashed = 0;
	v->names_done = false;
	memset(v->extras, 0, sizeof(v->extras));
	v->args_done = false;
	for (;;) {
		struct event_cursor here = *c;

		if (event_cursor_next(c, &val) != 1)
			break;
		if (val.kind == EVENT_VALUE_ITEM) {
			*c = here;
			break;
		}
		if (val.kind == EVENT_VALUE_FIELD) {
			struct detect_val *f;

			if (val.field >= DETECT_VIEW_FIELDS_MAX)
				continue;
			f = &v->f[val.field];
			f->s = val.s;
			f->len = (uint32_t)val.len;
			f->i = val.i;
			f->is_int = val.type == FIELD_INT || val.type == FIELD_BOOL;
			v->fields |= 1ull << val.field;
		} else {
			int s = detect_slot_find(rs, val.key, val.key_len);

			/* A repeated key keeps its first value, as in the output. */
			if (s < 0 || (v->extras[s / 64] & (1ull << (s % 64))))
				continue;
			v->x[s].s = val.s;
			v->x[s].len = (uint32_t)val.len;
			v->x[s].is_int = false;
			v->extras[s / 64] |= 1ull << (s % 64);
		}
	}
	return 0;
}

static int command_line_field(enum event_type t)
{
	if (t == EVENT_PROCESS_CREATE)
		return PC_COMMAND_LINE;
	if (t == EVENT_CONNECTION_CREATE)
		return CC_COMMAND_LINE;
	return -1;
}

/* Words of CommandLine (argv joined with single spaces by the collectors). */
void detect_view_split_args(struct detect_view *v)
{
	int f = command_line_field(v->type);
	const char *s, *end;

	v->args_done = true;
	v->n_args = 0;
	v->args_rest = v->args_end = NULL;
	if (f < 0 || !(v->fields & (1ull << f)))
		return;
	s = v->f[f].s;
	end = s + v->f[f].len;
	while (s < end && v->n_args < DETECT_ARGS_MAX) {
		const char *w;

		while (s < end && *s == ' ')
			s++;
		if (s >= end)
			break;
		w = s;
		while (s < end && *s != ' ')
			s++;
		v->args[v->n_args].s = w;
		v->args[v->n_args].len = (uint32_t)(s - w);
		v->args[v->n_args].is_int = false;
		v->n_args++;
	}
	v->args_rest = s;
	v->args_end = end;
}

void detect_args_begin(struct detect_view *v, struct detect_arg_iter *it)
{
	if (!v->args_done)
		detect_view_split_args(v);
	it->i = 1;
	it->s = v->args_rest;
}

bool detect_args_next(struct detect_view *v, struct detect_arg_iter *it, struct detect_val *ret)
{
	const char *w;

	if (it->i < v->n_args) {
		*ret = v->args[it->i++];
		return true;
	}
	if (v->n_args < DETECT_ARGS_MAX || !it->s)
		return false; /* the command line was split whole */
	while (it->s < v->args_end && *it->s == ' ')
		it->s++;
	if (it->s >= v->args_end)
		return false;
	w = it->s;
	it->s = memchr(w, ' ', (size_t)(v->args_end - w));
	if (!it->s)
		it->s = v->args_end;
	ret->s = w;
	ret->len = (uint32_t)(it->s - w);
	ret->is_int = false;
	return true;
}

bool detect_ref_get(struct detect_view *v, const struct detect_ref *r, struct detect_val *ret)
{
	int f;

	switch (r->kind) {
	case DETECT_REF_FIELD:
		f = r->field[v->type];
		if (f < 0 || !(v->fields & (1ull << f)))
			return false;
		*ret = v->f[f];
		return true;
	case DETECT_REF_EXTRA:
		if (!(v->extras[r->slot / 64] & (1ull << (r->slot % 64))))
			return false;
		*ret = v->x[r->slot];
		return true;
	case DETECT_REF_ARGS:
	case DETECT_REF_ARG: {
		unsigned idx = r->kind == DETECT_REF_ARGS ? 1 : r->slot;

		if (!v->args_done)
			detect_view_split_args(v);
		if (idx >= v->n_args)
			return false;
		*ret = v->args[idx];
		return true;
	}
	default:
		return false;
	}
}

/* ---- transforms ---- */

/* Lexical normalization of an absolute path: no "", "." or ".." segments. */
static bool path_normalize(const char *s, size_t len, char *out, size_t size, size_t *ret_len)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && s[j] != '/')
			j++;
		if (j - i == 0 || (j - i == 1 && s[i] == '.')) {
			/* nothing */
		} else if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n + 1 + (j - i) >= size)
				return false;
			out[n++] = '/';
			memcpy(out + n, s + i, j - i);
			n += j - i;
		}
		i = j + 1;
	}
	if (n == 0)
		out[n++] = '/';
	*ret_len = n;
	return true;
}

bool detect_transform(struct detect_view *v, uint8_t tr, const char *s, size_t len,
		      const char **ret_s, size_t *ret_len)
{
	if (tr & DETECT_TR_ABSPATH) {
		char joined[DETECT_PATH_MAX];
		size_t n;

		if (len && s[0] == '/') {
			if (!path_normalize(s, len, v->path, sizeof(v->path), &n))
				return false;
		} else {
			const struct detect_val *cwd = &v->x[DETECT_SLOT_CWD];

			if (!(v->extras[0] & (1ull << DETECT_SLOT_CWD)) || !cwd->len ||
			    cwd->s[0] != '/' || cwd->len + 1 + len >= sizeof(joined))
				return false;
			memcpy(joined, cwd->s, cwd->len);
			joined[cwd->len] = '/';
			memcpy(joined + cwd->len + 1, s, len);
			if (!path_normalize(joined, cwd->len + 1 + len, v->path, sizeof(v->path),
					    &n))
				return false;
		}
		s = v->path;
		len = n;
	}
	if (tr & (DETECT_TR_BASENAME | DETECT_TR_DIRNAME)) {
		const char *slash = len ? memrchr(s, '/', len) : NULL;

		if (tr & DETECT_TR_BASENAME) {
			if (slash) {
				len -= (size_t)(slash + 1 - s);
				s = slash + 1;
			}
		} else {
			len = slash ? (size_t)(slash - s) : 0;
		}
	}
	*ret_s = s;
	*ret_len = len;
	return true;
}

/* ---- string operations ---- */

/* The hash of a string looked up in a set, computed once per item. */
uint64_t detect_view_hash(struct detect_view *v, const char *s, size_t len)
{
	uint64_t h;

	for (unsigned i = 0; i < v->n_hashed; i++)
		if (v->hashed[i].s == s && v->hashed[i].len == len)
			return v->hashed[i].h;
	h = detect_hash(s, len, DETECT_HASH_SEED);
	if (v->n_hashed < ARRAY_SIZE(v->hashed)) {
		v->hashed[v->n_hashed].s = s;
		v->hashed[v->n_hashed].len = (uint32_t)len;
		v->hashed[v->n_hashed].h = h;
		v->n_hashed++;
	}
	return h;
}

/* ---- sets ---- */

static int executable_field(enum event_type t)
{
	static int8_t cache[_EVENT_TYPE_MAX];
	static bool ready;

	if (!ready) {
		for (int i = 0; i < _EVENT_TYPE_MAX; i++)
			cache[i] = (int8_t)event_field_lookup((enum event_type)i, "Executable");
		ready = true;
	}
	return (unsigned)t < _EVENT_TYPE_MAX ? cache[t] : -1;
}

static void add_name(struct detect_view *v, const char *s, size_t len)
{
	const char *slash = len ? memrchr(s, '/', len) : NULL;

	if (slash) {
		len -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	if (!len)
		return;
	for (unsigned i = 0; i < v->n_names; i++)
		if (v->names[i].len == len && memcmp(v->names[i].s, s, len) == 0)
			return;
	v->names[v->n_names].s = s;
	v->names[v->n_names].len = (uint32_t)len;
	v->name_hash[v->n_names] = detect_hash(s, len, DETECT_HASH_SEED);
	v->n_names++;
}

/* A multi-call binary (runs the applet named by its link or its first argument): the
 * basename of s is busybox or toybox. */
static bool is_multicall(const char *s, size_t len)
{
	const char *slash = len ? memrchr(s, '/', len) : NULL;

	if (slash) {
		len -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	return (len == 7 && memcmp(s, "busybox", 7) == 0) ||
	       (len == 6 && memcmp(s, "toybox", 6) == 0);
}

static bool names_has_multicall(const struct detect_view *v)
{
	for (unsigned i = 0; i < v->n_names; i++)
		if (is_multicall(v->names[i].s, v->names[i].len))
			return true;
	return false;
}

void detect_view_names(struct detect_view *v)
{
	int f = executable_field(v->type);
	bool known = v->extras[0] & (1ull << DETECT_SLOT_KNOWN_AS);
	bool known_multicall =
		known && is_multicall(v->x[DETECT_SLOT_KNOWN_AS].s, v->x[DETECT_SLOT_KNOWN_AS].len);

	if (v->names_done)
		return;
	v->names_done = true;
	v->n_names = 0;
	if (f >= 0 && (v->fields & (1ull << f)) && !v->f[f].is_int)
		add_name(v, v->f[f].s, v->f[f].len);
	if (v->extras[0] & (1ull << DETECT_SLOT_INTERPRETER))
		add_name(v, v->x[DETECT_SLOT_INTERPRETER].s, v->x[DETECT_SLOT_INTERPRETER].len);
	if (v->extras[0] & (1ull << DETECT_SLOT_ARGV0))
		add_name(v, v->x[DETECT_SLOT_ARGV0].s, v->x[DETECT_SLOT_ARGV0].len);
	if (!v->args_done)
		detect_view_split_args(v);
	if (v->n_args)
		add_name(v, v->args[0].s, v->args[0].len);
	/* `busybox nc -e sh`: the applet is the program, also for a renamed copy of busybox
	 * known by its content (KnownAs busybox: `/tmp/bb nc -e sh`); a renamed busybox run
	 * with argv[0] `sh` has that name already (Argv0). */
	if (v->n_args > 1 && (names_has_multicall(v) || known_multicall))
		add_name(v, v->args[1].s, v->args[1].len);
	/* What the file is by its content (a renamed copy of bash is bash), except a multi-call
	 * binary, whose applet counts instead (above). */
	if (known && !known_multicall)
		add_name(v, v->x[DETECT_SLOT_KNOWN_AS].s, v->x[DETECT_SLOT_KNOWN_AS].len);
	/* The file run behind any symlink (ln -s /usr/bin/nc /tmp/innocent), except a multi-call
	 * binary: busybox reached through a link runs the applet the link names (already a
	 * name), and counting "busybox" too would make every applet (cat, wget) a shell. */
	if ((v->extras[0] & (1ull << DETECT_SLOT_EXECUTABLE_PATH)) &&
	    !is_multicall(v->x[DETECT_SLOT_EXECUTABLE_PATH].s,
			  v->x[DETECT_SLOT_EXECUTABLE_PATH].len))
		add_name(v, v->x[DETECT_SLOT_EXECUTABLE_PATH].s,
			 v->x[DETECT_SLOT_EXECUTABLE_PATH].len);
}

static bool program_in(const struct detect_node *n, struct detect_view *v)
{
	detect_view_names(v);
	for (unsigned i = 0; i < v->n_names; i++)
		if (detect_set_has_hashed(&n->set, v->names[i].s, v->names[i].len, v->name_hash[i]))
			return true;
	return false;
}

/* ---- conditions ---- */

static bool parse_i64(const char *s, size_t len, int64_t *ret)
{
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	if (i >= len || len - i > 18 || num_parse_u64(s + i, len - i, 10, UINT64_MAX, &v) < 0)
		return false;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

static bool match_num(const struct detect_node *n, int64_t x)
{
	switch (n->op) {
	case DETECT_OP_GT:
		return x > n->num;
	case DETECT_OP_GE:
		return x >= n->num;
	case DETECT_OP_LT:
		return x < n->num;
	case DETECT_OP_LE:
		return x <= n->num;
	default:
		return false;
	}
}

/* s is already lower-cased when `folded`: then nocase needles (stored lower-cased) use memcmp. */
static bool match_str(const struct detect_node *n, struct detect_view *v, const char *s, size_t len,
		      bool folded)
{
	bool nocase = n->nocase && !folded;
	int64_t x;

	switch (n->op) {
	case DETECT_OP_EQUALS:
		return n->vals[0].len == len && detect_eq_n(n->vals[0].s, s, len, nocase);
	case DETECT_OP_IN:
		if (nocase)
			return detect_set_has(&n->set, s, len, true);
		return detect_set_has_hashed(&n->set, s, len, detect_view_hash(v, s, len));
	case DETECT_OP_PREFIX:
		for (unsigned i = 0; i < n->n_vals; i++)
			if (n->vals[i].len <= len &&
			    detect_eq_n(n->vals[i].s, s, n->vals[i].len, nocase))
				return true;
		return false;
	case DETECT_OP_SUFFIX:
		for (unsigned i = 0; i < n->n_vals; i++)
			if (n->vals[i].len <= len &&
			    detect_eq_n(n->vals[i].s, s + len - n->vals[i].len, n->vals[i].len,
					nocase))
				return true;
		return false;
	case DETECT_OP_CONTAINS:
		if (n->multi)
			return detect_contains_multi(n, s, len, nocase);
		for (unsigned i = 0; i < n->n_vals; i++)
			if (detect_contains(s, len, n->vals[i].s, n->vals[i].len, nocase))
				return true;
		return false;
	case DETECT_OP_GLOB:
		for (unsigned i = 0; i < n->n_vals; i++)
			if (detect_glob_match(n->vals[i].s, n->vals[i].len, s, len, n->nocase))
				return true;
		return false;
	case DETECT_OP_REGEX:
		return n->re && es_regex_search(n->re, s, len, NULL, 0) == 1;
	case DETECT_OP_GT:
	case DETECT_OP_GE:
	case DETECT_OP_LT:
	case DETECT_OP_LE:
		return parse_i64(s, len, &x) && match_num(n, x);
	default:
		return false;
	}
}

/* The lower-cased copy of s (cached for the item), or NULL when too long. */
const char *detect_view_fold(struct detect_view *v, const char *s, size_t len)
{
	if (len > sizeof(v->folded))
		return NULL;
	if (v->folded_src != s || v->folded_len != len) {
		for (size_t i = 0; i < len; i++)
			v->folded[i] = (char)detect_lc((unsigned char)s[i]);
		v->folded_src = s;
		v->folded_len = (uint32_t)len;
	}
	return v->folded;
}

static bool foldable(enum detect_op op)
{
	return op == DETECT_OP_EQUALS || op == DETECT_OP_IN || op == DETECT_OP_PREFIX ||
	       op == DETECT_OP_SUFFIX || op == DETECT_OP_CONTAINS;
}

static bool match_val(const struct detect_node *n, struct detect_view *v,
		      const struct detect_val *val)
{
	const char *s;
	size_t len;
	char num[24];

	if (val->is_int) {
		if (n->op >= DETECT_OP_GT && n->op <= DETECT_OP_LE)
			return match_num(n, val->i);
		if (val->i < 0) {
			num[0] = '-';
			len = 1 + fmt_u64(num + 1, (uint64_t)0 - (uint64_t)val->i);
		} else {
			len = fmt_u64(num, (uint64_t)val->i);
		}
		return match_str(n, v, num, len, false);
	}
	if (!n->ref.transform) {
		s = val->s;
		len = val->len;
	} else if (!detect_transform(v, n->ref.transform, val->s, val->len, &s, &len)) {
		return false;
	}
	if (n->nocase && foldable(n->op)) {
		const char *f = detect_view_fold(v, s, len);

		if (f)
			return match_str(n, v, f, len, true);
	}
	return match_str(n, v, s, len, false);
}

/* Is item (len bytes) one of the ";"-separated items of list? */
static bool list_has(const struct detect_val *list, const char *item, size_t len)
{
	const char *p = list->s, *end = list->s + list->len;

	while (p <= end) {
		const char *q = memchr(p, ';', (size_t)(end - p));

		if (!q)
			q = end;
		if ((size_t)(q - p) == len && memcmp(p, item, len) == 0)
			return true;
		p = q + 1;
	}
	return false;
}

/* A group of the set in GroupNames that PreviousGroupNames did not have. */
static bool group_added(const struct detect_node *n, struct detect_view *v)
{
	struct detect_val now, before = { .s = "", .len = 0 };
	const char *p, *end;

	if (!detect_ref_get(v, &n->ref, &now) || now.is_int)
		return false;
	if (!detect_ref_get(v, &n->ref2, &before) || before.is_int)
		before.len = 0;
	for (p = now.s, end = now.s + now.len; p < end;) {
		const char *q = memchr(p, ';', (size_t)(end - p));

		if (!q)
			q = end;
		if (q > p && detect_set_has(&n->set, p, (size_t)(q - p), false) &&
		    !list_has(&before, p, (size_t)(q - p)))
			return true;
		p = q + 1;
	}
	return false;
}

static bool leaf_eval(const struct detect_node *n, struct detect_view *v)
{
	struct detect_val val;

	if (n->op == DETECT_OP_PROGRAM)
		return program_in(n, v);
	if (n->op == DETECT_OP_GROUP_ADDED)
		return group_added(n, v);
	if (n->op == DETECT_OP_IN_CONTAINER) {
		bool in = (v->extras[0] & (1ull << DETECT_SLOT_CONTAINER_ID)) &&
			  v->x[DETECT_SLOT_CONTAINER_ID].len > 0;

		return in == n->want;
	}
	if (n->op == DETECT_OP_EXISTS)
		return detect_ref_get(v, &n->ref, &val) == n->want;
	if (n->ref.kind == DETECT_REF_ARGS) {
		struct detect_arg_iter it;

		detect_args_begin(v, &it);
		while (detect_args_next(v, &it, &val))
			if (match_val(n, v, &val))
				return true;
		return false;
	}
	return detect_ref_get(v, &n->ref, &val) && match_val(n, v, &val);
}

bool detect_node_eval(const struct detect_node *n, struct detect_view *v)
{
	if (!n)
		return true; /* a rule without "match" */
	switch (n->kind) {
	case DETECT_NODE_LEAF:
		return leaf_eval(n, v);
	case DETECT_NODE_ALL:
		for (unsigned i = 0; i < n->n_kids; i++)
			if (!detect_node_eval(n->kids[i], v))
				return false;
		return true;
	case DETECT_NODE_ANY:
		for (unsigned i = 0; i < n->n_kids; i++)
			if (detect_node_eval(n->kids[i], v))
				return true;
		return false;
	case DETECT_NODE_NOT:
		return !detect_node_eval(n->kids[0], v);
	default:
		return false;
	}
}

/* ---- references ---- */

int detect_ref_parse(struct detect_ruleset *rs, const char *name, uint8_t transform,
		     struct detect_ref *ret)
{
	size_t len = strlen(name);
	bool found = false;

	memset(ret, 0, sizeof(*ret));
	ret->transform = transform;
	if (len > 256)
		return -E2BIG;
	if (strncmp(name, "ExtraDetails.", 13) == 0) {
		int s = detect_slot_register(rs, name + 13, len - 13);

		if (s < 0)
			return s;
		ret->kind = DETECT_REF_EXTRA;
		ret->slot = (uint16_t)s;
		return 0;
	}
	if (strcmp(name, "Args") == 0) {
		ret->kind = DETECT_REF_ARGS;
		return 0;
	}
	if (strncmp(name, "Arg", 3) == 0 && len >= 4 && len <= 5 &&
	    isdigit((unsigned char)name[3]) && (len == 4 || isdigit((unsigned char)name[4]))) {
		uint64_t idx;

		if (num_parse_u64(name + 3, len - 3, 10, DETECT_ARG_INDEX_MAX, &idx) < 0 ||
		    (len == 5 && name[3] == '0'))
			return -ERANGE;
		ret->kind = DETECT_REF_ARG;
		ret->slot = (uint16_t)idx;
		return 0;
	}
	ret->kind = DETECT_REF_FIELD;
	if (strcmp(name, "Executable") == 0)
		ret->role = DETECT_ROLE_EXECUTABLE;
	else if (strcmp(name, "CommandLine") == 0)
		ret->role = DETECT_ROLE_COMMAND_LINE;
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		int f = event_field_lookup((enum event_type)t, name);

		ret->field[t] = (int8_t)(f >= 0 && f < DETECT_VIEW_FIELDS_MAX ? f : -1);
		found |= f >= 0;
	}
	return found ? 0 : -ENOENT;
}

bool detect_ref_in_types(const struct detect_ref *r, uint32_t types)
{
	if (r->kind == DETECT_REF_EXTRA)
		return true;
	if (r->kind != DETECT_REF_FIELD)
		return (types & ((1u << EVENT_PROCESS_CREATE) | (1u << EVENT_CONNECTION_CREATE))) !=
		       0;
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		if ((types & (1u << t)) && r->field[t] >= 0)
			return true;
	return false;
}
