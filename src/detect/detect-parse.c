/* SPDX-License-Identifier: MIT */
/*
 * Compiling rules documents into a rule set.
 *
 * A document: {"edgesecRules": 1, "lists": {...}, "appendLists": {...}, "rules": [...],
 * "overrides": {...}} (every member optional).  Sources are compiled in order, in two passes
 * so that every rule sees every list: (A) lists and appendLists of all sources, (B) rules and
 * overrides of all sources.  A source with any error is dropped whole and the rule set is
 * built again without it (at most once per source), so a bad user file never takes the
 * shipped rules, or another user file, with it.
 *
 * Ownership: the rule set owns its rules, lists and strings; cJSON trees live only here.
 */
#include "detect-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/str.h"
#include "detect-overrides.h"

static const char *const severity_names[_DETECT_SEVERITY_MAX] = {
	[DETECT_SEVERITY_INFO] = "Info",	 [DETECT_SEVERITY_LOW] = "Low",
	[DETECT_SEVERITY_MEDIUM] = "Medium",	 [DETECT_SEVERITY_HIGH] = "High",
	[DETECT_SEVERITY_CRITICAL] = "Critical",
};

const char *detect_severity_to_string(enum detect_severity s)
{
	return s >= 0 && s < _DETECT_SEVERITY_MAX ? severity_names[s] : NULL;
}

enum detect_severity detect_severity_from_string(const char *s)
{
	for (int i = 0; i < _DETECT_SEVERITY_MAX; i++)
		if (strcasecmp(s, severity_names[i]) == 0)
			return (enum detect_severity)i;
	return _DETECT_SEVERITY_INVALID;
}

static void sub(char *out, const char *ptr, const char *token)
{
	str_copy(out, JSON_POINTER_MAX, ptr);
	json_pointer_append(out, token);
}

static struct detect_issue *issue_slot(struct detect_report *rep, bool error)
{
	unsigned *n = error ? &rep->n_errors : &rep->n_warnings;

	if (*n >= DETECT_ISSUES_MAX) {
		rep->n_dropped++;
		return NULL;
	}
	return error ? &rep->errors[(*n)++] : &rep->warnings[(*n)++];
}

void detect_parse_issue(struct detect_parse *p, bool error, const char *ptr, const char *fmt, ...)
{
	struct detect_issue *is;
	va_list ap;

	if (error)
		p->errors++;
	if (!p->rep || !(is = issue_slot(p->rep, error)))
		return;
	memset(is, 0, sizeof(*is));
	str_copy(is->file, sizeof(is->file), p->file ? p->file : "");
	str_copy(is->rule_id, sizeof(is->rule_id), p->rule_id ? p->rule_id : "");
	str_copy(is->pointer, sizeof(is->pointer), ptr ? ptr : "");
	va_start(ap, fmt);
	vsnprintf(is->message, sizeof(is->message), fmt, ap);
	va_end(ap);
}

void detect_issue_format(const struct detect_issue *is, char *out, size_t size)
{
	char where[64] = "";

	if (is->line)
		snprintf(where, sizeof(where), ":%u:%u", is->line, is->column);
	snprintf(out, size, "%s%s: %s%s%s%s%s%s", is->file, where, is->rule_id[0] ? "rule '" : "",
		 is->rule_id, is->rule_id[0] ? "': " : "", is->pointer, is->pointer[0] ? ": " : "",
		 is->message);
}

/* ---- lists ---- */

static bool list_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

static struct detect_list *list_find(struct detect_ruleset *rs, const char *name)
{
	for (unsigned i = 0; i < rs->n_lists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return &rs->lists[i];
	return NULL;
}

static void parse_lists(struct detect_parse *p, const cJSON *j, const char *ptr, bool append)
{
	struct detect_ruleset *rs = p->rs;

	if (!j)
		return;
	if (!cJSON_IsObject(j)) {
		detect_parse_issue(p, true, ptr, "expected an object of named lists");
		return;
	}
	for (const cJSON *m = j->child; m; m = m->next) {
		char mp[JSON_POINTER_MAX];
		struct detect_list *l = list_find(rs, m->string);
		struct detect_str *vals;
		unsigned n;

		sub(mp, ptr, m->string);
		if (!list_name_valid(m->string)) {
			detect_parse_issue(p, true, mp,
					   "a list name has letters, digits, '-', '_', "
					   "'.' (at most 63)");
			continue;
		}
		if (!append && l) {
			detect_parse_issue(p, true, mp,
					   "list \"%s\" is already defined (add to it "
					   "with \"appendLists\")",
					   m->string);
			continue;
		}
		if (append && !l) {
			detect_parse_issue(p, true, mp, "no list \"%s\" to append to", m->string);
			continue;
		}
		if (!(vals = detect_strings_parse(p, m, mp, &n)))
			continue;
		if (append) {
			struct detect_str *all =
				es_realloc(l->vals, (size_t)(l->n + n) * sizeof(*all));

			if (!all || l->n + n > DETECT_LIST_MAX) {
				detect_parse_issue(p, true, mp,
						   "list \"%s\" would exceed %u values", m->string,
						   DETECT_LIST_MAX);
				if (all)
					l->vals = all;
				detect_strings_free(vals, n);
				continue;
			}
			memcpy(all + l->n, vals, n * sizeof(*vals));
			l->vals = all;
			l->n += n;
			es_free(vals);
			continue;
		}
		l = es_realloc(rs->lists, (rs->n_lists + 1) * sizeof(*rs->lists));
		if (!l) {
			detect_strings_free(vals, n);
			detect_parse_issue(p, true, mp, "out of memory");
			continue;
		}
		rs->lists = l;
		l = &rs->lists[rs->n_lists++];
		str_copy(l->name, sizeof(l->name), m->string);
		l->vals = vals;
		l->n = n;
	}
}

/* ---- rules ---- */

void detect_rule_free(struct detect_rule *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n_steps; i++) {
		detect_node_free(r->steps[i].match);
		detect_key_free(&r->steps[i].key);
	}
	detect_key_free(&r->dedup);
	es_free(r->name);
	es_free(r->technique);
	es_free(r->tactic);
	es_free(r->description);
	es_free(r->remediation);
	es_free(r->false_positives);
	es_free(r->forgeable);
	es_free(r->source);
	es_free(r);
}

static bool text_member(struct detect_parse *p, const cJSON *j, const char *name, const char *ptr,
			bool required, size_t max, char **ret)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, name);
	char mp[JSON_POINTER_MAX];

	sub(mp, ptr, name);
	if (!m) {
		if (required)
			detect_parse_issue(p, true, ptr, "\"%s\" is required", name);
		return !required;
	}
	if (!cJSON_IsString(m) || !m->valuestring[0] || strlen(m->valuestring) > max) {
		detect_parse_issue(p, true, mp, "expected a non-empty string of at most %zu bytes",
				   max);
		return false;
	}
	*ret = es_strdup(m->valuestring);
	return *ret != NULL;
}

static bool technique_valid(const char *t)
{
	size_t n = strlen(t);

	if ((n != 5 && n != 9) || t[0] != 'T')
		return false;
	for (size_t i = 1; i < n; i++)
		if (i == 5 ? t[i] != '.' : (t[i] < '0' || t[i] > '9'))
			return false;
	return true;
}

static bool parse_events(struct detect_parse *p, const cJSON *j, const char *ptr, uint32_t *ret)
{
	const cJSON *it;
	uint32_t types = 0;
	unsigned i = 0;

	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0) {
		detect_parse_issue(p, true, ptr, "expected a non-empty array of event names");
		return false;
	}
	cJSON_ArrayForEach(it, j) {
		char ip[JSON_POINTER_MAX], n[16];
		enum event_type t;

		snprintf(n, sizeof(n), "%u", i++);
		sub(ip, ptr, n);
		t = cJSON_IsString(it) ? event_type_from_string(it->valuestring)
				       : _EVENT_TYPE_INVALID;
		if (t < 0 || t == EVENT_ALERT) {
			detect_parse_issue(p, true, ip, "%s is not an event name rules can read",
					   cJSON_IsString(it) ? it->valuestring : "this");
			return false;
		}
		types |= 1u << t;
	}
	*ret = types;
	return true;
}

/* "events" + "match" of a rule or a sequence step. */
static bool parse_step(struct detect_parse *p, const cJSON *j, const char *ptr,
		       struct detect_step *st)
{
	char mp[JSON_POINTER_MAX];
	const cJSON *match = cJSON_GetObjectItemCaseSensitive(j, "match");

	sub(mp, ptr, "events");
	if (!parse_events(p, cJSON_GetObjectItemCaseSensitive(j, "events"), mp, &st->types))
		return false;
	sub(mp, ptr, "match");
	st->count = 1;
	if (!match)
		return true; /* every event of these types */
	st->match = detect_cond_parse(p, match, mp, st->types, 0);
	return st->match != NULL;
}

static bool count_member(struct detect_parse *p, const cJSON *j, const char *ptr, uint32_t min,
			 uint32_t *ret)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "count");
	char mp[JSON_POINTER_MAX];

	sub(mp, ptr, "count");
	if (!c) {
		*ret = 1;
		return min <= 1;
	}
	if (!cJSON_IsNumber(c) || !(c->valuedouble >= min) || c->valuedouble > DETECT_COUNT_MAX ||
	    (double)(int64_t)c->valuedouble != c->valuedouble) {
		detect_parse_issue(p, true, mp, "expected an integer from %u to %u", min,
				   DETECT_COUNT_MAX);
		return false;
	}
	*ret = (uint32_t)c->valuedouble;
	return true;
}

static bool only_members(struct detect_parse *p, const cJSON *j, const char *ptr,
			 const char *const *known, size_t n_known)
{
	for (const cJSON *m = j->child; m; m = m->next) {
		bool ok = false;

		for (size_t i = 0; i < n_known; i++)
			ok |= strcmp(m->string, known[i]) == 0;
		if (!ok) {
			char mp[JSON_POINTER_MAX];

			sub(mp, ptr, m->string);
			detect_parse_issue(p, true, mp, "unknown member \"%.60s\"", m->string);
			return false;
		}
	}
	return true;
}

static bool parse_threshold(struct detect_parse *p, struct detect_rule *r, const cJSON *j,
			    const char *ptr)
{
	static const char *const known[] = { "count", "window", "by" };
	char mp[JSON_POINTER_MAX];

	if (!cJSON_IsObject(j) || !only_members(p, j, ptr, known, 3))
		return false;
	if (!count_member(p, j, ptr, 2, &r->steps[0].count))
		return false;
	sub(mp, ptr, "window");
	if (!detect_duration_parse(p, cJSON_GetObjectItemCaseSensitive(j, "window"), mp, 1000,
				   DETECT_WINDOW_MAX_MS, &r->window_ms))
		return false;
	sub(mp, ptr, "by");
	return detect_key_parse(p, cJSON_GetObjectItemCaseSensitive(j, "by"), mp, r->types,
				&r->steps[0].key) == 0;
}

static bool parse_sequence(struct detect_parse *p, struct detect_rule *r, const cJSON *j,
			   const char *ptr)
{
	static const char *const known[] = { "window", "by", "unordered", "steps" };
	static const char *const step_known[] = { "events", "match", "count", "by" };
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps"), *by, *it, *u;
	char mp[JSON_POINTER_MAX], sp[JSON_POINTER_MAX];
	unsigned i = 0;

	if (!cJSON_IsObject(j) || !only_members(p, j, ptr, known, 4))
		return false;
	sub(mp, ptr, "window");
	if (!detect_duration_parse(p, cJSON_GetObjectItemCaseSensitive(j, "window"), mp, 1000,
				   DETECT_WINDOW_MAX_MS, &r->window_ms))
		return false;
	u = cJSON_GetObjectItemCaseSensitive(j, "unordered");
	r->unordered = cJSON_IsTrue(u);
	sub(mp, ptr, "steps");
	if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) < 2 ||
	    cJSON_GetArraySize(steps) > DETECT_STEPS_MAX) {
		detect_parse_issue(p, true, mp, "expected 2 to %u steps", DETECT_STEPS_MAX);
		return false;
	}
	cJSON_ArrayForEach(it, steps) {
		struct detect_step *st = &r->steps[i];
		char n[16];

		snprintf(n, sizeof(n), "%u", i);
		sub(sp, mp, n);
		r->n_steps = ++i;
		if (!cJSON_IsObject(it) || !only_members(p, it, sp, step_known, 4) ||
		    !parse_step(p, it, sp, st) || !count_member(p, it, sp, 1, &st->count))
			return false;
		r->types |= st->types;
		by = cJSON_GetObjectItemCaseSensitive(it, "by");
		if (by) {
			char bp[JSON_POINTER_MAX];

			sub(bp, sp, "by");
			if (detect_key_parse(p, by, bp, st->types, &st->key) < 0)
				return false;
		} else {
			by = cJSON_GetObjectItemCaseSensitive(j, "by");
			sub(sp, ptr, "by");
			if (!by) {
				detect_parse_issue(p, true, ptr,
						   "a sequence needs \"by\" (or \"by\" "
						   "in each step)");
				return false;
			}
			if (detect_key_parse(p, by, sp, st->types, &st->key) < 0)
				return false;
		}
	}
	return true;
}

static bool parse_kind(struct detect_parse *p, struct detect_rule *r, const cJSON *j,
		       const char *ptr)
{
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(j, "threshold");
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "sequence");
	const cJSON *nv = cJSON_GetObjectItemCaseSensitive(j, "newValue");
	char mp[JSON_POINTER_MAX];

	if (!!th + !!seq + !!nv > 1) {
		detect_parse_issue(p, true, ptr,
				   "threshold, sequence and newValue exclude each "
				   "other");
		return false;
	}
	if (seq) {
		r->kind = DETECT_KIND_SEQUENCE;
		if (cJSON_GetObjectItemCaseSensitive(j, "events") ||
		    cJSON_GetObjectItemCaseSensitive(j, "match")) {
			detect_parse_issue(p, true, ptr,
					   "a sequence has its events and match in "
					   "its steps");
			return false;
		}
		sub(mp, ptr, "sequence");
		return parse_sequence(p, r, seq, mp);
	}
	r->n_steps = 1;
	if (!parse_step(p, j, ptr, &r->steps[0]))
		return false;
	r->types = r->steps[0].types;
	if (th) {
		r->kind = DETECT_KIND_THRESHOLD;
		sub(mp, ptr, "threshold");
		return parse_threshold(p, r, th, mp);
	}
	if (nv) {
		static const char *const known[] = { "by" };
		char bp[JSON_POINTER_MAX];

		r->kind = DETECT_KIND_NEW_VALUE;
		sub(mp, ptr, "newValue");
		sub(bp, mp, "by");
		if (!cJSON_IsObject(nv) || !only_members(p, nv, mp, known, 1))
			return false;
		return detect_key_parse(p, cJSON_GetObjectItemCaseSensitive(nv, "by"), bp, r->types,
					&r->steps[0].key) == 0;
	}
	r->kind = DETECT_KIND_SINGLE;
	return true;
}

/* A hash of what the rule's state depends on: its definition as written. */
static uint64_t definition_hash(const cJSON *j)
{
	static const char *const parts[] = { "events", "match", "threshold", "sequence",
					     "newValue" };
	uint64_t h = DETECT_HASH_SEED;

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, parts[i]);
		char *text = m ? cJSON_PrintUnformatted(m) : NULL;

		if (text)
			h = detect_hash(text, strlen(text), h);
		h = detect_hash("|", 1, h);
		es_free(text);
	}
	return h;
}

static bool parse_meta(struct detect_parse *p, struct detect_rule *r, const cJSON *j,
		       const char *ptr)
{
	const cJSON *sev = cJSON_GetObjectItemCaseSensitive(j, "severity");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(j, "enabled");
	char mp[JSON_POINTER_MAX];

	if (!text_member(p, j, "name", ptr, true, 200, &r->name) ||
	    !text_member(p, j, "description", ptr, true, DETECT_TEXT_MAX, &r->description) ||
	    !text_member(p, j, "remediation", ptr, true, DETECT_TEXT_MAX, &r->remediation) ||
	    !text_member(p, j, "technique", ptr, false, 9, &r->technique) ||
	    !text_member(p, j, "tactic", ptr, false, 64, &r->tactic) ||
	    !text_member(p, j, "falsePositives", ptr, false, DETECT_TEXT_MAX,
			 &r->false_positives) ||
	    !text_member(p, j, "forgeable", ptr, false, DETECT_TEXT_MAX, &r->forgeable))
		return false;
	if (r->technique && !technique_valid(r->technique)) {
		sub(mp, ptr, "technique");
		detect_parse_issue(p, true, mp,
				   "a MITRE ATT&CK technique id such as T1059 or "
				   "T1059.004");
		return false;
	}
	sub(mp, ptr, "severity");
	r->severity = cJSON_IsString(sev) ? detect_severity_from_string(sev->valuestring)
					  : _DETECT_SEVERITY_INVALID;
	if (r->severity < 0) {
		detect_parse_issue(p, true, sev ? mp : ptr,
				   "\"severity\" must be Info, Low, Medium, High or Critical");
		return false;
	}
	sub(mp, ptr, "enabled");
	if (en && !cJSON_IsBool(en)) {
		detect_parse_issue(p, true, mp, "expected true or false");
		return false;
	}
	r->enabled = !en || cJSON_IsTrue(en);
	return true;
}

static struct detect_rule *parse_rule(struct detect_parse *p, const cJSON *j, const char *ptr)
{
	static const char *const known[] = {
		"id",	       "name",	      "severity",	"technique", "tactic",
		"description", "remediation", "falsePositives", "forgeable", "enabled",
		"events",      "match",	      "threshold",	"sequence",  "newValue",
		"dedupBy",     "dedupWindow", "comment",
	};
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id"), *m;
	struct detect_rule *r;
	char mp[JSON_POINTER_MAX];

	p->rule_id = NULL;
	p->nodes = 0;
	if (!cJSON_IsObject(j)) {
		detect_parse_issue(p, true, ptr, "expected a rule object");
		return NULL;
	}
	sub(mp, ptr, "id");
	if (!cJSON_IsString(id) || !detect_rule_id_valid(id->valuestring)) {
		detect_parse_issue(
			p, true, id ? mp : ptr,
			"\"id\" is required: letters, digits, '.', '_', '-' (at most %u)",
			DETECT_ID_MAX);
		return NULL;
	}
	p->rule_id = id->valuestring;
	if (!only_members(p, j, ptr, known, ARRAY_SIZE(known)))
		return NULL;
	r = es_calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	str_copy(r->id, sizeof(r->id), id->valuestring);
	r->source = es_strdup(p->file ? p->file : "");
	if (!parse_meta(p, r, j, ptr) || !parse_kind(p, r, j, ptr))
		goto fail;
	if ((m = cJSON_GetObjectItemCaseSensitive(j, "dedupBy"))) {
		sub(mp, ptr, "dedupBy");
		if (detect_key_parse(p, m, mp, r->types, &r->dedup) < 0)
			goto fail;
		/* a missing value is an empty part: an alert always has a dedup key */
		for (unsigned i = 0; i < r->dedup.n; i++)
			r->dedup.parts[i].optional = true;
	}
	if ((m = cJSON_GetObjectItemCaseSensitive(j, "dedupWindow"))) {
		sub(mp, ptr, "dedupWindow");
		if (!detect_duration_parse(p, m, mp, 1000, DETECT_WINDOW_MAX_MS,
					   &r->dedup_window_ms))
			goto fail;
	}
	r->signature = definition_hash(j);
	return r;
fail:
	detect_rule_free(r);
	return NULL;
}

static int ruleset_put(struct detect_ruleset *rs, struct detect_rule *r)
{
	for (unsigned i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i]->id, r->id) == 0) {
			detect_rule_free(rs->rules[i]);
			rs->rules[i] = r;
			return 0;
		}
	if (rs->n == rs->cap) {
		unsigned nc = rs->cap ? rs->cap * 2 : 64;
		struct detect_rule **nr = es_realloc(rs->rules, nc * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		rs->rules = nr;
		rs->cap = nc;
	}
	rs->rules[rs->n++] = r;
	return 0;
}

static void parse_rules(struct detect_parse *p, const cJSON *j)
{
	const cJSON *it;
	unsigned i = 0;

	if (!j)
		return;
	if (!cJSON_IsArray(j)) {
		detect_parse_issue(p, true, "/rules", "expected an array of rules");
		return;
	}
	cJSON_ArrayForEach(it, j) {
		char ptr[JSON_POINTER_MAX];
		struct detect_rule *r;

		snprintf(ptr, sizeof(ptr), "/rules/%u", i++);
		r = parse_rule(p, it, ptr);
		p->rule_id = NULL;
		if (!r)
			continue;
		if (p->rs->n >= DETECT_RULES_MAX || ruleset_put(p->rs, r) < 0) {
			detect_parse_issue(p, true, ptr, "more than %u rules", DETECT_RULES_MAX);
			detect_rule_free(r);
		}
	}
}

/* Pass A of a document: its shape, then its lists. */
void detect_parse_lists_of(struct detect_parse *p, const cJSON *doc)
{
	static const char *const known[] = { "edgesecRules", "lists",	  "appendLists",
					     "rules",	     "overrides", "comment" };
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "edgesecRules");

	if (!cJSON_IsObject(doc)) {
		detect_parse_issue(p, true, "", "expected a JSON object with \"rules\"");
		return;
	}
	if (!only_members(p, doc, "", known, ARRAY_SIZE(known)))
		return;
	if (v && (!cJSON_IsNumber(v) || v->valuedouble != 1)) {
		detect_parse_issue(p, true, "/edgesecRules", "this edgesec reads rules format 1");
		return;
	}
	parse_lists(p, cJSON_GetObjectItemCaseSensitive(doc, "lists"), "/lists", false);
	parse_lists(p, cJSON_GetObjectItemCaseSensitive(doc, "appendLists"), "/appendLists", true);
	v = cJSON_GetObjectItemCaseSensitive(doc, "overrides");
	if (v && !cJSON_IsObject(v))
		detect_parse_issue(p, true, "/overrides", "expected an object of rule ids");
}

/* Pass B: the rules. */
void detect_parse_rules_of(struct detect_parse *p, const cJSON *doc)
{
	parse_rules(p, cJSON_GetObjectItemCaseSensitive(doc, "rules"));
}
