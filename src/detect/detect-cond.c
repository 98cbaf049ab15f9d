/* SPDX-License-Identifier: MIT */
/*
 * Compiling conditions and key specifications of a rule (the language is in
 * docs/detection.md).  Every error names the JSON pointer of the member at fault; the
 * caller adds the file and the rule id.
 *
 * Condition object, exactly one of:
 *   {"all": [c, ...]}  {"any": [c, ...]}  {"not": c}
 *   {"field": F, ["transform": T,] ["nocase": true,] OP: VALUE}
 *        OP: equals in prefix suffix contains glob regex gt ge lt le exists
 *   {"inContainer": bool}   {"parentIs": VALUE}  (basename of ExtraDetails.ParentExecutable)
 */
#include "detect-int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/duration.h"
#include "common/regex.h"
#include "common/str.h"

static const char *const op_names[_DETECT_OP_MAX] = {
	[DETECT_OP_EQUALS] = "equals",
	[DETECT_OP_IN] = "in",
	[DETECT_OP_PREFIX] = "prefix",
	[DETECT_OP_SUFFIX] = "suffix",
	[DETECT_OP_CONTAINS] = "contains",
	[DETECT_OP_GLOB] = "glob",
	[DETECT_OP_REGEX] = "regex",
	[DETECT_OP_GT] = "gt",
	[DETECT_OP_GE] = "ge",
	[DETECT_OP_LT] = "lt",
	[DETECT_OP_LE] = "le",
	[DETECT_OP_EXISTS] = "exists",
};

static void sub(char *out, const char *ptr, const char *token)
{
	str_copy(out, JSON_POINTER_MAX, ptr);
	json_pointer_append(out, token);
}

static void sub_index(char *out, const char *ptr, unsigned i)
{
	char n[16];

	snprintf(n, sizeof(n), "%u", i);
	sub(out, ptr, n);
}

void detect_strings_free(struct detect_str *v, unsigned n)
{
	for (unsigned i = 0; v && i < n; i++)
		es_free(v[i].s);
	es_free(v);
}

static const struct detect_list *find_list(const struct detect_ruleset *rs, const char *name)
{
	for (unsigned i = 0; i < rs->n_lists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return &rs->lists[i];
	return NULL;
}

static bool push_str(struct detect_str **v, unsigned *n, unsigned *cap, const char *s, size_t len)
{
	if (*n == *cap) {
		unsigned nc = *cap ? *cap * 2 : 8;
		struct detect_str *nv = es_realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return false;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n].s = es_strndup(s, len);
	if (!(*v)[*n].s)
		return false;
	(*v)[*n].len = (uint32_t)len;
	(*n)++;
	return true;
}

/* One string element: "@list" splices the list, "@@x" is the literal "@x". */
static bool push_element(struct detect_parse *p, const cJSON *j, const char *ptr,
			 struct detect_str **v, unsigned *n, unsigned *cap)
{
	const char *s = j->valuestring;
	size_t len = strlen(s);
	const struct detect_list *l;

	if (len > DETECT_STRING_MAX) {
		detect_parse_issue(p, true, ptr, "longer than %u bytes", DETECT_STRING_MAX);
		return false;
	}
	if (s[0] != '@' || s[1] == '@')
		return push_str(v, n, cap, s + (s[0] == '@'), len - (s[0] == '@'));
	l = find_list(p->rs, s + 1);
	if (!l) {
		detect_parse_issue(p, true, ptr,
				   "no list named \"%.60s\" (lists are defined in "
				   "\"lists\" of a rules file)",
				   s + 1);
		return false;
	}
	for (unsigned i = 0; i < l->n; i++)
		if (!push_str(v, n, cap, l->vals[i].s, l->vals[i].len))
			return false;
	return true;
}

struct detect_str *detect_strings_parse(struct detect_parse *p, const cJSON *j, const char *ptr,
					unsigned *ret_n)
{
	struct detect_str *v = NULL;
	unsigned n = 0, cap = 0, i = 0;
	const cJSON *it;
	char ip[JSON_POINTER_MAX];
	bool ok = true;

	if (cJSON_IsString(j)) {
		ok = push_element(p, j, ptr, &v, &n, &cap);
	} else if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(it, j) {
			sub_index(ip, ptr, i++);
			if (!cJSON_IsString(it)) {
				detect_parse_issue(p, true, ip, "expected a string, got %s",
						   json_type_name(it));
				ok = false;
				break;
			}
			if (!(ok = push_element(p, it, ip, &v, &n, &cap)))
				break;
		}
	} else {
		detect_parse_issue(p, true, ptr, "expected a string or an array of strings, got %s",
				   json_type_name(j));
		ok = false;
	}
	if (ok && n == 0) {
		detect_parse_issue(p, true, ptr, "no value (an empty list matches nothing)");
		ok = false;
	}
	if (ok && n > DETECT_LIST_MAX) {
		detect_parse_issue(p, true, ptr, "more than %u values", DETECT_LIST_MAX);
		ok = false;
	}
	if (!ok) {
		detect_strings_free(v, n);
		return NULL;
	}
	*ret_n = n;
	return v;
}

void detect_node_free(struct detect_node *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n->n_kids; i++)
		detect_node_free(n->kids[i]);
	es_free(n->kids);
	detect_strings_free(n->vals, n->n_vals);
	detect_set_free(&n->set);
	detect_multi_free(n->multi);
	es_regex_free(n->re);
	es_free(n);
}

static bool parse_transform(struct detect_parse *p, const cJSON *j, const char *ptr, uint8_t *ret)
{
	static const struct {
		const char *name;
		uint8_t bit;
	} names[] = { { "basename", DETECT_TR_BASENAME },
		      { "dirname", DETECT_TR_DIRNAME },
		      { "abspath", DETECT_TR_ABSPATH } };
	const cJSON *it;
	uint8_t tr = 0;

	if (!j) {
		*ret = 0;
		return true;
	}
	if (cJSON_IsArray(j) && cJSON_GetArraySize(j) > 0) {
		it = j->child;
	} else if (cJSON_IsString(j)) {
		it = j;
	} else {
		detect_parse_issue(p, true, ptr,
				   "expected basename, dirname or abspath (or a list)");
		return false;
	}
	for (; it; it = it == j ? NULL : it->next) {
		bool known = false;

		for (size_t i = 0; cJSON_IsString(it) && i < 3; i++)
			if (strcmp(it->valuestring, names[i].name) == 0) {
				tr |= names[i].bit;
				known = true;
			}
		if (!known) {
			detect_parse_issue(p, true, ptr,
					   "unknown transform (basename, dirname or abspath)");
			return false;
		}
	}
	if ((tr & DETECT_TR_BASENAME) && (tr & DETECT_TR_DIRNAME)) {
		detect_parse_issue(p, true, ptr, "basename and dirname exclude each other");
		return false;
	}
	*ret = tr;
	return true;
}

static bool parse_ref(struct detect_parse *p, const cJSON *field, const cJSON *transform,
		      const char *ptr, uint32_t types, struct detect_ref *ret)
{
	char fp[JSON_POINTER_MAX], tp[JSON_POINTER_MAX];
	uint8_t tr;
	int r;

	sub(fp, ptr, "field");
	sub(tp, ptr, "transform");
	if (!cJSON_IsString(field)) {
		detect_parse_issue(p, true, fp, "expected a field name (string)");
		return false;
	}
	if (!parse_transform(p, transform, tp, &tr))
		return false;
	r = detect_ref_parse(p->rs, field->valuestring, tr, ret);
	if (r == -E2BIG && strncmp(field->valuestring, "ExtraDetails.", 13) == 0) {
		detect_parse_issue(p, true, fp,
				   "too many distinct ExtraDetails keys in the rules "
				   "(at most %u) or key too long",
				   DETECT_SLOTS_MAX);
		return false;
	}
	if (r < 0) {
		detect_parse_issue(p, true, fp,
				   "unknown field \"%.60s\" (a payload field such as Executable, "
				   "ExtraDetails.<key>, Args or Arg<N>)",
				   field->valuestring);
		return false;
	}
	if (!detect_ref_in_types(ret, types)) {
		detect_parse_issue(p, true, fp,
				   "\"%.60s\" is not a field of any event type of "
				   "this rule",
				   field->valuestring);
		return false;
	}
	return true;
}

static bool parse_values(struct detect_parse *p, struct detect_node *n, const cJSON *v,
			 const char *ptr)
{
	if (n->op == DETECT_OP_EQUALS && cJSON_IsNumber(v)) {
		char num[32];

		snprintf(num, sizeof(num), "%.0f", v->valuedouble);
		n->vals = es_calloc(1, sizeof(*n->vals));
		if (!n->vals || !(n->vals[0].s = es_strdup(num)))
			return false;
		n->vals[0].len = (uint32_t)strlen(num);
		n->n_vals = 1;
		return true;
	}
	n->vals = detect_strings_parse(p, v, ptr, &n->n_vals);
	if (!n->vals)
		return false;
	if (n->op == DETECT_OP_EQUALS && n->n_vals > 1)
		n->op = DETECT_OP_IN;
	if (n->op == DETECT_OP_IN) {
		for (unsigned i = 0; i < n->n_vals; i++)
			if (detect_set_add(&n->set, n->vals[i].s, n->vals[i].len, n->nocase) < 0)
				return false;
		detect_strings_free(n->vals, n->n_vals);
		n->vals = NULL;
		n->n_vals = 0;
	}
	/* nocase needles are kept lower-cased: the subject is lower-cased once per item */
	for (unsigned i = 0; n->nocase && n->op != DETECT_OP_GLOB && i < n->n_vals; i++)
		for (uint32_t k = 0; k < n->vals[i].len; k++)
			if (n->vals[i].s[k] >= 'A' && n->vals[i].s[k] <= 'Z')
				n->vals[i].s[k] = (char)(n->vals[i].s[k] + 32);
	if (detect_multi_build(n) < 0)
		return false;
	for (unsigned i = 0; n->op == DETECT_OP_GLOB && i < n->n_vals; i++) {
		unsigned stars = 0;

		for (uint32_t k = 0; k < n->vals[i].len; k++)
			stars += n->vals[i].s[k] == '*';
		if (stars > DETECT_GLOB_STARS_MAX) {
			detect_parse_issue(p, true, ptr, "a glob may hold at most %u '*'",
					   DETECT_GLOB_STARS_MAX);
			return false;
		}
	}
	return true;
}

static bool compile_regex(struct detect_parse *p, const cJSON *v, bool nocase, const char *ptr,
			  struct es_regex **ret)
{
	struct es_regex_error err = { { 0 } };
	int r;

	if (!cJSON_IsString(v)) {
		detect_parse_issue(p, true, ptr, "expected a regular expression (string)");
		return false;
	}
	r = es_regex_compile(v->valuestring, strlen(v->valuestring), nocase ? ES_REGEX_ICASE : 0,
			     ret, &err);
	if (r < 0) {
		detect_parse_issue(p, true, ptr, "%s at offset %zu%s", err.message, err.offset,
				   r == -E2BIG ? " (over the cost limit of a rule regex)" : "");
		return false;
	}
	return true;
}

static bool parse_regex(struct detect_parse *p, struct detect_node *n, const cJSON *v,
			const char *ptr)
{
	return compile_regex(p, v, n->nocase, ptr, &n->re);
}

static bool parse_op(struct detect_parse *p, struct detect_node *n, const cJSON *v, const char *ptr)
{
	switch (n->op) {
	case DETECT_OP_REGEX:
		return parse_regex(p, n, v, ptr);
	case DETECT_OP_GT:
	case DETECT_OP_GE:
	case DETECT_OP_LT:
	case DETECT_OP_LE:
		/* range first: casting a double outside int64_t is undefined */
		if (!cJSON_IsNumber(v) ||
		    !(v->valuedouble >= -9.2e18 && v->valuedouble <= 9.2e18) ||
		    (double)(int64_t)v->valuedouble != v->valuedouble) {
			detect_parse_issue(p, true, ptr, "expected an integer");
			return false;
		}
		n->num = (int64_t)v->valuedouble;
		return true;
	case DETECT_OP_EXISTS:
		if (!cJSON_IsBool(v)) {
			detect_parse_issue(p, true, ptr, "expected true or false");
			return false;
		}
		n->want = cJSON_IsTrue(v);
		return true;
	default:
		return parse_values(p, n, v, ptr);
	}
}

static struct detect_node *new_node(struct detect_parse *p, enum detect_node_kind kind,
				    const char *ptr)
{
	struct detect_node *n;

	if (++p->nodes > DETECT_NODES_MAX) {
		detect_parse_issue(p, true, ptr, "more than %u conditions in one rule",
				   DETECT_NODES_MAX);
		return NULL;
	}
	n = es_calloc(1, sizeof(*n));
	if (n)
		n->kind = kind;
	return n;
}

static struct detect_node *parse_leaf(struct detect_parse *p, const cJSON *j, const char *ptr,
				      uint32_t types)
{
	struct detect_node *n = new_node(p, DETECT_NODE_LEAF, ptr);
	const cJSON *op = NULL, *nocase;
	char mp[JSON_POINTER_MAX];

	if (!n)
		return NULL;
	for (const cJSON *m = j->child; m; m = m->next) {
		int k = -1;

		for (int o = 0; o < DETECT_OP_IN_CONTAINER; o++)
			if (strcmp(m->string, op_names[o]) == 0)
				k = o;
		sub(mp, ptr, m->string);
		if (k < 0 && strcmp(m->string, "field") != 0 &&
		    strcmp(m->string, "transform") != 0 && strcmp(m->string, "nocase") != 0) {
			detect_parse_issue(p, true, mp, "unknown member \"%.60s\" in a condition",
					   m->string);
			goto fail;
		}
		if (k >= 0 && op) {
			detect_parse_issue(p, true, mp, "one operator per condition (also \"%s\")",
					   op->string);
			goto fail;
		}
		if (k >= 0) {
			op = m;
			n->op = (enum detect_op)k;
		}
	}
	if (!op) {
		detect_parse_issue(p, true, ptr,
				   "a condition needs an operator (equals, in, prefix, "
				   "suffix, contains, glob, regex, gt, ge, lt, le, "
				   "exists)");
		goto fail;
	}
	nocase = cJSON_GetObjectItemCaseSensitive(j, "nocase");
	sub(mp, ptr, "nocase");
	if (nocase && !cJSON_IsBool(nocase)) {
		detect_parse_issue(p, true, mp, "expected true or false");
		goto fail;
	}
	n->nocase = cJSON_IsTrue(nocase);
	if (!parse_ref(p, cJSON_GetObjectItemCaseSensitive(j, "field"),
		       cJSON_GetObjectItemCaseSensitive(j, "transform"), ptr, types, &n->ref))
		goto fail;
	sub(mp, ptr, op->string);
	if (!parse_op(p, n, op, mp))
		goto fail;
	return n;
fail:
	detect_node_free(n);
	return NULL;
}

/* {"inContainer": bool}, {"parentIs": VALUE}, {"groupAdded": VALUE}, {"program": VALUE}. */
static struct detect_node *parse_helper(struct detect_parse *p, const cJSON *j, const char *ptr,
					uint32_t types)
{
	struct detect_node *n = new_node(p, DETECT_NODE_LEAF, ptr);
	char mp[JSON_POINTER_MAX];

	if (!n)
		return NULL;
	sub(mp, ptr, j->child->string);
	if (strcmp(j->child->string, "inContainer") == 0) {
		n->op = DETECT_OP_IN_CONTAINER;
		if (!cJSON_IsBool(j->child)) {
			detect_parse_issue(p, true, mp, "expected true or false");
			goto fail;
		}
		n->want = cJSON_IsTrue(j->child);
		return n;
	}
	if (strcmp(j->child->string, "program") == 0) {
		n->op = DETECT_OP_IN; /* parse_values fills the set */
		if (!parse_values(p, n, j->child, mp))
			goto fail;
		n->op = DETECT_OP_PROGRAM;
		return n;
	}
	if (strcmp(j->child->string, "groupAdded") == 0) {
		if (!(types & (1u << EVENT_USER_CHANGE))) {
			detect_parse_issue(p, true, mp, "groupAdded reads LocalUserChange events");
			goto fail;
		}
		n->op = DETECT_OP_IN; /* parse_values fills the set */
		if (detect_ref_parse(p->rs, "GroupNames", 0, &n->ref) < 0 ||
		    detect_ref_parse(p->rs, "PreviousGroupNames", 0, &n->ref2) < 0 ||
		    !parse_values(p, n, j->child, mp))
			goto fail;
		n->op = DETECT_OP_GROUP_ADDED;
		return n;
	}
	n->op = DETECT_OP_IN;
	if (detect_ref_parse(p->rs, "ExtraDetails.ParentExecutable", DETECT_TR_BASENAME, &n->ref) <
		    0 ||
	    !parse_values(p, n, j->child, mp))
		goto fail;
	return n;
fail:
	detect_node_free(n);
	return NULL;
}

static struct detect_node *parse_group(struct detect_parse *p, const cJSON *j, const char *ptr,
				       uint32_t types, unsigned depth)
{
	const char *name = j->child->string;
	enum detect_node_kind kind = strcmp(name, "all") == 0	? DETECT_NODE_ALL
				     : strcmp(name, "any") == 0 ? DETECT_NODE_ANY
								: DETECT_NODE_NOT;
	const cJSON *v = j->child;
	char mp[JSON_POINTER_MAX], ip[JSON_POINTER_MAX];
	struct detect_node *n = new_node(p, kind, ptr);
	unsigned i = 0;
	const cJSON *it;

	if (!n)
		return NULL;
	sub(mp, ptr, name);
	if (kind == DETECT_NODE_NOT) {
		n->kids = es_calloc(1, sizeof(*n->kids));
		if (!n->kids || !(n->kids[0] = detect_cond_parse(p, v, mp, types, depth + 1)))
			goto fail;
		n->n_kids = 1;
		return n;
	}
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		detect_parse_issue(p, true, mp, "expected a non-empty array of conditions");
		goto fail;
	}
	n->kids = es_calloc((size_t)cJSON_GetArraySize(v), sizeof(*n->kids));
	if (!n->kids)
		goto fail;
	cJSON_ArrayForEach(it, v) {
		sub_index(ip, mp, i);
		if (!(n->kids[i] = detect_cond_parse(p, it, ip, types, depth + 1)))
			goto fail;
		n->n_kids = ++i;
	}
	return n;
fail:
	detect_node_free(n);
	return NULL;
}

struct detect_node *detect_cond_parse(struct detect_parse *p, const cJSON *j, const char *ptr,
				      uint32_t types, unsigned depth)
{
	const char *first;

	if (depth > DETECT_NESTING_MAX) {
		detect_parse_issue(p, true, ptr, "conditions nested deeper than %u",
				   DETECT_NESTING_MAX);
		return NULL;
	}
	if (!cJSON_IsObject(j) || !j->child) {
		detect_parse_issue(p, true, ptr, "expected a condition object, got %s",
				   cJSON_IsObject(j) ? "an empty object" : json_type_name(j));
		return NULL;
	}
	first = j->child->string;
	if (strcmp(first, "all") == 0 || strcmp(first, "any") == 0 || strcmp(first, "not") == 0 ||
	    strcmp(first, "inContainer") == 0 || strcmp(first, "parentIs") == 0 ||
	    strcmp(first, "groupAdded") == 0 || strcmp(first, "program") == 0) {
		if (j->child->next) {
			char mp[JSON_POINTER_MAX];

			sub(mp, ptr, j->child->next->string);
			detect_parse_issue(p, true, mp,
					   "\"%s\" must be the only member of its object", first);
			return NULL;
		}
		if (first[0] == 'i' || first[0] == 'p' || first[0] == 'g')
			return parse_helper(p, j, ptr, types);
		return parse_group(p, j, ptr, types, depth);
	}
	return parse_leaf(p, j, ptr, types);
}

/* ---- keys ---- */

void detect_key_free(struct detect_key *k)
{
	for (unsigned i = 0; k->parts && i < k->n; i++)
		for (unsigned a = 0; a < k->parts[i].n_alts; a++) {
			detect_node_free(k->parts[i].alts[a].when);
			detect_strings_free(k->parts[i].alts[a].flags, k->parts[i].alts[a].n_flags);
			es_regex_free(k->parts[i].alts[a].re);
		}
	es_free(k->parts);
	memset(k, 0, sizeof(*k));
}

static bool parse_alt(struct detect_parse *p, const cJSON *j, const char *ptr, uint32_t types,
		      struct detect_key_alt *a, char *label, size_t label_size)
{
	const cJSON *m;
	char mp[JSON_POINTER_MAX];

	if (cJSON_IsString(j)) {
		cJSON field = { .type = cJSON_String, .valuestring = j->valuestring };

		a->kind = DETECT_KEY_REF;
		str_copy(label, label_size,
			 strncmp(j->valuestring, "ExtraDetails.", 13) == 0 ? j->valuestring + 13
									   : j->valuestring);
		return parse_ref(p, &field, NULL, ptr, types, &a->ref);
	}
	if (!cJSON_IsObject(j)) {
		detect_parse_issue(p, true, ptr, "expected a field name or a key object");
		return false;
	}
	for (m = j->child; m; m = m->next) {
		static const char *const known[] = { "field",	    "transform", "argAfter",
						     "urlBasename", "when",	 "label",
						     "optional",    "firstOf",	 "regex",
						     "group" };
		bool ok = false;

		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			ok |= strcmp(m->string, known[i]) == 0;
		if (!ok) {
			sub(mp, ptr, m->string);
			detect_parse_issue(p, true, mp, "unknown member \"%.60s\" in a key",
					   m->string);
			return false;
		}
	}
	sub(mp, ptr, "transform");
	if (!parse_transform(p, cJSON_GetObjectItemCaseSensitive(j, "transform"), mp,
			     &a->transform))
		return false;
	if ((m = cJSON_GetObjectItemCaseSensitive(j, "when"))) {
		sub(mp, ptr, "when");
		if (!(a->when = detect_cond_parse(p, m, mp, types, 1)))
			return false;
	}
	if ((m = cJSON_GetObjectItemCaseSensitive(j, "argAfter"))) {
		a->kind = DETECT_KEY_ARG_AFTER;
		sub(mp, ptr, "argAfter");
		if (!(a->flags = detect_strings_parse(p, m, mp, &a->n_flags)))
			return false;
		for (unsigned i = 0; i < a->n_flags; i++)
			if (a->flags[i].len < 2 || a->flags[i].s[0] != '-') {
				detect_parse_issue(p, true, mp, "a flag starts with '-'");
				return false;
			}
		str_copy(label, label_size, "Argument");
	} else if ((m = cJSON_GetObjectItemCaseSensitive(j, "urlBasename"))) {
		a->kind = DETECT_KEY_URL_BASENAME;
		if (!cJSON_IsTrue(m)) {
			sub(mp, ptr, "urlBasename");
			detect_parse_issue(p, true, mp, "expected true");
			return false;
		}
		str_copy(label, label_size, "UrlFile");
	} else {
		const cJSON *re = cJSON_GetObjectItemCaseSensitive(j, "regex");
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "group");

		a->kind = re ? DETECT_KEY_REGEX : DETECT_KEY_REF;
		if (!parse_ref(p, cJSON_GetObjectItemCaseSensitive(j, "field"), NULL, ptr, types,
			       &a->ref))
			return false;
		a->ref.transform = 0; /* the alternative's transform applies */
		m = cJSON_GetObjectItemCaseSensitive(j,
						     "field"); /* a string: parse_ref checked it */
		str_copy(label, label_size,
			 strncmp(m->valuestring, "ExtraDetails.", 13) == 0 ? m->valuestring + 13
									   : m->valuestring);
		sub(mp, ptr, "regex");
		if (re && !compile_regex(p, re, false, mp, &a->re))
			return false;
		sub(mp, ptr, "group");
		if (g && (!re || !cJSON_IsNumber(g) || g->valuedouble < 0 ||
			  g->valuedouble >= es_regex_n_groups(a->re) ||
			  (double)(int64_t)g->valuedouble != g->valuedouble)) {
			detect_parse_issue(p, true, mp,
					   "a capture group of \"regex\" (0 = the whole "
					   "match)");
			return false;
		}
		a->group =
			g ? (unsigned)g->valuedouble : (re && es_regex_n_groups(a->re) > 1 ? 1 : 0);
	}
	if (a->kind != DETECT_KEY_REF &&
	    (types & ~((1u << EVENT_PROCESS_CREATE) | (1u << EVENT_CONNECTION_CREATE))) != 0) {
		detect_parse_issue(p, true, ptr,
				   "argAfter and urlBasename read CommandLine: only "
				   "for ProcessCreate and ConnectionCreate");
		return false;
	}
	return true;
}

static bool parse_part(struct detect_parse *p, const cJSON *j, const char *ptr, uint32_t types,
		       struct detect_key_part *part)
{
	const cJSON *alts =
		cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "firstOf") : NULL;
	const cJSON *label =
		cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "label") : NULL;
	const cJSON *opt =
		cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "optional") : NULL;
	char mp[JSON_POINTER_MAX], ip[JSON_POINTER_MAX];
	const cJSON *it;

	if (opt && !cJSON_IsBool(opt)) {
		sub(mp, ptr, "optional");
		detect_parse_issue(p, true, mp, "expected true or false");
		return false;
	}
	part->optional = cJSON_IsTrue(opt);
	if (!alts) {
		part->n_alts = 1;
		if (!parse_alt(p, j, ptr, types, &part->alts[0], part->label, sizeof(part->label)))
			return false;
	} else {
		unsigned i = 0;

		sub(mp, ptr, "firstOf");
		if (!cJSON_IsArray(alts) || cJSON_GetArraySize(alts) < 1 ||
		    cJSON_GetArraySize(alts) > DETECT_KEY_ALTS_MAX) {
			detect_parse_issue(p, true, mp, "expected 1 to %u alternatives",
					   DETECT_KEY_ALTS_MAX);
			return false;
		}
		cJSON_ArrayForEach(it, alts) {
			sub_index(ip, mp, i);
			part->n_alts = i + 1;
			if (!parse_alt(p, it, ip, types, &part->alts[i], part->label,
				       sizeof(part->label)))
				return false;
			i++;
		}
	}
	if (label) {
		sub(mp, ptr, "label");
		if (!cJSON_IsString(label) || !label->valuestring[0] ||
		    strlen(label->valuestring) >= sizeof(part->label)) {
			detect_parse_issue(p, true, mp, "expected a short name");
			return false;
		}
		str_copy(part->label, sizeof(part->label), label->valuestring);
	}
	return true;
}

int detect_key_parse(struct detect_parse *p, const cJSON *j, const char *ptr, uint32_t types,
		     struct detect_key *ret)
{
	char ip[JSON_POINTER_MAX];
	const cJSON *it;
	unsigned i = 0;

	memset(ret, 0, sizeof(*ret));
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) < 1 ||
	    cJSON_GetArraySize(j) > DETECT_KEY_PARTS_MAX) {
		detect_parse_issue(p, true, ptr, "expected an array of 1 to %u key fields",
				   DETECT_KEY_PARTS_MAX);
		return -EINVAL;
	}
	ret->parts = es_calloc((size_t)cJSON_GetArraySize(j), sizeof(*ret->parts));
	if (!ret->parts)
		return -ENOMEM;
	cJSON_ArrayForEach(it, j) {
		sub_index(ip, ptr, i);
		ret->n = i + 1;
		if (!parse_part(p, it, ip, types, &ret->parts[i])) {
			detect_key_free(ret);
			return -EINVAL;
		}
		i++;
	}
	return 0;
}

bool detect_duration_parse(struct detect_parse *p, const cJSON *j, const char *ptr, uint64_t min_ms,
			   uint64_t max_ms, uint64_t *ret)
{
	const char *why = NULL;
	uint64_t ms;

	if (!cJSON_IsString(j)) {
		detect_parse_issue(p, true, ptr, "expected an ISO-8601 duration such as \"PT5M\"");
		return false;
	}
	if (duration_parse(j->valuestring, &ms, &why) < 0) {
		detect_parse_issue(p, true, ptr, "\"%.40s\" is not an ISO-8601 duration (%s)",
				   j->valuestring, why);
		return false;
	}
	if (ms < min_ms || ms > max_ms) {
		char lo[DURATION_STR_MAX], hi[DURATION_STR_MAX];

		duration_format(min_ms, lo);
		duration_format(max_ms, hi);
		detect_parse_issue(p, true, ptr, "\"%.40s\" is out of range (%s to %s)",
				   j->valuestring, lo, hi);
		return false;
	}
	*ret = ms;
	return true;
}
