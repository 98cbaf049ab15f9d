/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/duration.h"
#include "common/fileio.h"
#include "common/str.h"
#include "common/suggest.h"
#include "common/redact.h"
#include "config-int.h"

#define CONFIG_FILE_MAX (1u << 20)

static const char *const group_objects[_CONFIG_GROUP_MAX] = {
	[CONFIG_GROUP_ASC] = ASC_CONFIG_OBJECT,
	[CONFIG_GROUP_EDGESEC] = EDGESEC_CONFIG_OBJECT,
};

static const char *const error_type_names[_CONFIG_ERROR_MAX] = {
	[CONFIG_ERROR_TYPE_MISMATCH] = "TypeMismatch",
	[CONFIG_ERROR_NOT_OPTIMAL] = "NotOptimal",
	[CONFIG_ERROR_CONFLICT] = "Conflict",
};

const char *config_group_object_name(enum config_group g)
{
	return g >= 0 && g < _CONFIG_GROUP_MAX ? group_objects[g] : NULL;
}

const char *config_error_type_to_string(enum config_error_type t)
{
	return t >= 0 && t < _CONFIG_ERROR_MAX ? error_type_names[t] : NULL;
}

#define FIELD(c, e, type) ((type *)((char *)(c) + (e)->offset))
#define CFIELD(c, e, type) ((const type *)((const char *)(c) + (e)->offset))

static void set_default(struct config *c, const struct config_entry *e)
{
	switch (e->type) {
	case CONFIG_DURATION:
		*FIELD(c, e, uint64_t) = (uint64_t)e->def;
		break;
	case CONFIG_INT:
		*FIELD(c, e, int64_t) = e->def;
		break;
	case CONFIG_BOOL:
		*FIELD(c, e, bool) = e->def != 0;
		break;
	case CONFIG_PRIORITY:
		*FIELD(c, e, enum event_priority) = (enum event_priority)e->def;
		break;
	case CONFIG_LOG_LEVEL:
		*FIELD(c, e, enum log_level) = (enum log_level)e->def;
		break;
	case CONFIG_STRING:
	case CONFIG_JSON:
		es_free(*FIELD(c, e, char *));
		*FIELD(c, e, char *) = e->def_str ? es_strdup(e->def_str) : NULL;
		break;
	}
}

/* Types whose value is a heap string owned by the config. */
static bool heap_value(const struct config_entry *e)
{
	return e->type == CONFIG_STRING || e->type == CONFIG_JSON;
}

void config_init_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < config_table_size; i++)
		set_default(c, &config_table[i]);
}

void config_done(struct config *c)
{
	for (size_t i = 0; i < config_table_size; i++)
		if (heap_value(&config_table[i])) {
			es_free(*FIELD(c, &config_table[i], char *));
			*FIELD(c, &config_table[i], char *) = NULL;
		}
}

int config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	for (size_t i = 0; i < config_table_size; i++) {
		const struct config_entry *e = &config_table[i];
		const char *s;

		if (!heap_value(e))
			continue;
		s = *CFIELD(src, e, char *);
		*FIELD(dst, e, char *) = NULL;
		if (s && !(*FIELD(dst, e, char *) = es_strdup(s))) {
			config_done(dst);
			return -ENOMEM;
		}
	}
	return 0;
}

static void copy_value(struct config *dst, const struct config *src, const struct config_entry *e)
{
	switch (e->type) {
	case CONFIG_STRING:
	case CONFIG_JSON: {
		const char *s = *CFIELD(src, e, char *);

		es_free(*FIELD(dst, e, char *));
		*FIELD(dst, e, char *) = s ? es_strdup(s) : NULL;
		break;
	}
	case CONFIG_DURATION:
		*FIELD(dst, e, uint64_t) = *CFIELD(src, e, uint64_t);
		break;
	case CONFIG_INT:
		*FIELD(dst, e, int64_t) = *CFIELD(src, e, int64_t);
		break;
	case CONFIG_BOOL:
		*FIELD(dst, e, bool) = *CFIELD(src, e, bool);
		break;
	case CONFIG_PRIORITY:
		*FIELD(dst, e, enum event_priority) = *CFIELD(src, e, enum event_priority);
		break;
	case CONFIG_LOG_LEVEL:
		*FIELD(dst, e, enum log_level) = *CFIELD(src, e, enum log_level);
		break;
	}
}

/* ---- reports ---- */

static void add_issue(struct config_report *r, bool error, enum config_error_type type,
		      const char *name, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void add_issue(struct config_report *r, bool error, enum config_error_type type,
		      const char *name, const char *pointer, const char *fmt, ...)
{
	struct config_issue *is;
	unsigned *n;
	va_list ap;

	if (!r)
		return;
	n = error ? &r->n_errors : &r->n_warnings;
	/* once per key and place in one update (a key repeated in a JSON object, say) */
	for (unsigned i = 0; !error && i < *n; i++)
		if (strncmp(r->warnings[i].name, name, sizeof(r->warnings[i].name) - 1) == 0 &&
		    strncmp(r->warnings[i].pointer, pointer, sizeof(r->warnings[i].pointer) - 1) ==
			    0)
			return;
	if (*n >= CONFIG_ISSUES_MAX) {
		r->n_dropped++;
		return;
	}
	is = error ? &r->errors[*n] : &r->warnings[*n];
	(*n)++;
	is->type = type;
	str_copy(is->name, sizeof(is->name), name);
	str_copy(is->pointer, sizeof(is->pointer), pointer);
	va_start(ap, fmt);
	vsnprintf(is->message, sizeof(is->message), fmt, ap);
	va_end(ap);
}

/* ---- parsing one value ---- */

static const char *expected(const struct config_entry *e)
{
	switch (e->type) {
	case CONFIG_DURATION:
		return "an ISO-8601 duration string such as \"PT5M\" or \"PT30S\"";
	case CONFIG_INT:
		return "an integer";
	case CONFIG_BOOL:
		return "true or false";
	case CONFIG_PRIORITY:
		return "\"High\", \"Low\" or \"Off\"";
	case CONFIG_STRING:
		return "a string or null";
	case CONFIG_LOG_LEVEL:
		return "\"error\", \"warning\", \"info\" or \"debug\"";
	case CONFIG_JSON:
		return "a JSON object";
	}
	return "a value";
}

static bool valid_utf8(const char *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = utf8_seq_len((const unsigned char *)s + i, len - i)))
			return false;
	return true;
}

/* The check of a string setting (config-int.h); false with an error added to r. */
static bool check_string(const struct config_entry *e, const char *s, const char *ptr,
			 struct config_report *r)
{
	char list[128] = "";
	size_t n = 0;

	switch (e->check) {
	case CONFIG_CHECK_CHOICE:
		for (const char *const *c = e->choices; *c; c++)
			if (strcmp(s, *c) == 0)
				return true;
		for (const char *const *c = e->choices; *c && n < sizeof(list); c++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
					      c == e->choices ? ""
					      : c[1]	      ? ", "
							      : " or ",
					      *c);
		add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
			  "%s: expected %s, got \"%.40s\"", e->name, list, s);
		return false;
	case CONFIG_CHECK_ABSOLUTE:
	case CONFIG_CHECK_ABSOLUTE_OR_EMPTY:
		if (s[0] == '/' || (!s[0] && e->check == CONFIG_CHECK_ABSOLUTE_OR_EMPTY))
			return true;
		/* The agent's working directory is nobody's choice: relative paths are refused. */
		add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
			  "%s: expected an absolute path (starting with /)%s, got \"%.40s\"",
			  e->name, e->check == CONFIG_CHECK_ABSOLUTE ? "" : " or \"\"", s);
		return false;
	default:
		return true;
	}
}

/* RFC 7386: members of patch replace those of target, a null member removes one. */
static void merge_patch(cJSON *target, const cJSON *patch)
{
	for (const cJSON *m = patch->child; m; m = m->next) {
		cJSON *have = cJSON_GetObjectItemCaseSensitive(target, m->string);

		if (cJSON_IsNull(m)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target, m->string);
		} else if (cJSON_IsObject(m) && cJSON_IsObject(have)) {
			merge_patch(have, m);
		} else {
			cJSON *copy = cJSON_Duplicate(m, true);

			if (!copy)
				continue;
			if (have)
				cJSON_ReplaceItemInObjectCaseSensitive(target, m->string, copy);
			else
				cJSON_AddItemToObject(target, m->string, copy);
		}
	}
}

/* A JSON-object setting: the update is merged into the value in force, then checked whole. */
static bool parse_json_value(struct config *c, const struct config_entry *e, const cJSON *v,
			     const char *ptr, struct config_report *r)
{
	const char *cur = *FIELD(c, e, char *);
	struct json_error jerr = { { 0 } };
	cJSON *merged = cur ? cJSON_Parse(cur) : NULL;
	char *text;
	bool ok = false;

	if (!merged)
		merged = cJSON_CreateObject();
	if (!merged)
		return false;
	merge_patch(merged, v);
	if (e->json_check && e->json_check(merged, &jerr) < 0) {
		char where[JSON_POINTER_MAX];
		size_t a = strnlen(ptr, sizeof(where) - 1);
		size_t b = strnlen(jerr.pointer, sizeof(where) - 1 - a);

		memcpy(where, ptr, a); /* the setting's pointer, then the one inside its value */
		memcpy(where + a, jerr.pointer, b);
		where[a + b] = '\0';
		add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, where, "%s: %s", e->name,
			  jerr.message);
		goto out;
	}
	text = cJSON_PrintUnformatted(merged);
	if (!text)
		goto out;
	if (strlen(text) > e->max_len) {
		add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
			  "%s: longer than %zu bytes", e->name, e->max_len);
		es_free(text);
		goto out;
	}
	es_free(*FIELD(c, e, char *));
	*FIELD(c, e, char *) = text;
	ok = true;
out:
	cJSON_Delete(merged);
	return ok;
}

/* Settings whose strings have a syntax of their own. */
static bool valid_string(const struct config_entry *e, const char *s, const char *ptr,
			 struct config_report *r)
{
	char why[128];

	if (e->offset == offsetof(struct config, redact_extra_names) &&
	    redact_names_check(s, why, sizeof(why)) < 0) {
		add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr, "%s: %s", e->name,
			  why);
		return false;
	}
	return true;
}

/* Parses v into c (c is a scratch copy).  Returns false with an error added to r. */
static bool parse_value(struct config *c, const struct config *base, const struct config_entry *e,
			const cJSON *v, const char *ptr, struct config_report *r)
{
	char shown[64];

	if (cJSON_IsNull(v)) {
		copy_value(c, base, e);
		return true;
	}
	str_copy(shown, sizeof(shown), json_type_name(v));
	switch (e->type) {
	case CONFIG_DURATION: {
		const char *why = NULL;
		uint64_t ms;
		char lo[DURATION_STR_MAX], hi[DURATION_STR_MAX];

		if (!cJSON_IsString(v))
			break;
		if (duration_parse(v->valuestring, &ms, &why) < 0) {
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: expected %s; \"%.40s\" is not one (%s)", e->name,
				  expected(e), v->valuestring, why);
			return false;
		}
		if ((int64_t)ms < e->min || (int64_t)ms > e->max) {
			duration_format((uint64_t)e->min, lo);
			duration_format((uint64_t)e->max, hi);
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: \"%.40s\" is out of range (%s to %s)", e->name,
				  v->valuestring, lo, hi);
			return false;
		}
		*FIELD(c, e, uint64_t) = ms;
		return true;
	}
	case CONFIG_INT: {
		double d;

		if (!cJSON_IsNumber(v))
			break;
		d = v->valuedouble;
		if (d != floor(d) || d < -9007199254740991.0 || d > 9007199254740991.0) {
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: expected an integer, got %g", e->name, d);
			return false;
		}
		if ((int64_t)d < e->min || (int64_t)d > e->max) {
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: %" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")",
				  e->name, (int64_t)d, e->min, e->max);
			return false;
		}
		*FIELD(c, e, int64_t) = (int64_t)d;
		return true;
	}
	case CONFIG_BOOL:
		if (!cJSON_IsBool(v))
			break;
		*FIELD(c, e, bool) = cJSON_IsTrue(v);
		return true;
	case CONFIG_PRIORITY: {
		enum event_priority p;

		if (!cJSON_IsString(v))
			break;
		p = event_priority_from_string(v->valuestring);
		if (p < 0) {
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: expected %s, got \"%.40s\"", e->name, expected(e),
				  v->valuestring);
			return false;
		}
		*FIELD(c, e, enum event_priority) = p;
		return true;
	}
	case CONFIG_LOG_LEVEL: {
		enum log_level l;

		if (!cJSON_IsString(v))
			break;
		l = log_level_from_string(v->valuestring);
		if (l < 0) {
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: expected %s, got \"%.40s\"", e->name, expected(e),
				  v->valuestring);
			return false;
		}
		*FIELD(c, e, enum log_level) = l;
		return true;
	}
	case CONFIG_STRING: {
		size_t len;

		if (!cJSON_IsString(v))
			break;
		len = strlen(v->valuestring);
		if (len > e->max_len) {
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: longer than %zu bytes", e->name, e->max_len);
			return false;
		}
		/* Reported properties could not show it as it is (JSON text is UTF-8). */
		if (!valid_utf8(v->valuestring, len)) {
			add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
				  "%s: not valid UTF-8", e->name);
			return false;
		}
		if (!check_string(e, v->valuestring, ptr, r) ||
		    !valid_string(e, v->valuestring, ptr, r))
			return false;
		es_free(*FIELD(c, e, char *));
		*FIELD(c, e, char *) = es_strdup(v->valuestring);
		return true;
	}
	case CONFIG_JSON:
		if (!cJSON_IsObject(v))
			break;
		return parse_json_value(c, e, v, ptr, r);
	}
	add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr, "%s: expected %s, got %s",
		  e->name, expected(e), shown);
	return false;
}

/* {"value": X} → X; a plain value is itself.  NULL with an error for other objects. */
static const cJSON *unwrap(const struct config_entry *e, const cJSON *v, char *ptr,
			   struct config_report *r)
{
	const cJSON *inner;

	if (!cJSON_IsObject(v))
		return v;
	inner = cJSON_GetObjectItemCaseSensitive(v, "value");
	/* A JSON-object setting may be given plain: it is wrapped only when "value" is its one
	 * member (no valid plain value has a member "value"). */
	if (e->type == CONFIG_JSON && (!inner || cJSON_GetArraySize(v) != 1))
		return v;
	if (!inner) {
		add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, e->name, ptr,
			  "%s: expected %s or {\"value\": …}, got an object without \"value\"",
			  e->name, expected(e));
		return NULL;
	}
	/* Members next to "value" mean nothing to us: say so rather than drop them unseen. */
	for (const cJSON *m = v->child; m; m = m->next) {
		char mptr[JSON_POINTER_MAX];

		if (!m->string || m->string[0] == '$' || strcmp(m->string, "value") == 0)
			continue;
		str_copy(mptr, sizeof(mptr), ptr);
		json_pointer_append(mptr, m->string);
		add_issue(r, false, CONFIG_ERROR_TYPE_MISMATCH, e->name, mptr,
			  "%s: unknown member \"%.60s\" next to \"value\" (ignored)", e->name,
			  m->string);
	}
	json_pointer_append(ptr, "value");
	return inner;
}

/*
 * A hint for an unknown key of group g (the top level counts as ASC): the close name the user
 * probably meant, or the group the key belongs to.  "" when there is none.
 */
static void unknown_key_hint(enum config_group g, const char *name, char *out, size_t size)
{
	const struct config_entry *other;
	struct suggest sg;
	const char *best;

	out[0] = '\0';
	other = config_entry_find(g == CONFIG_GROUP_ASC ? CONFIG_GROUP_EDGESEC : CONFIG_GROUP_ASC,
				  name);
	if (other) {
		snprintf(out, size, " (it belongs %s)",
			 other->group == CONFIG_GROUP_EDGESEC
				 ? "in the \"edgesec\" object"
				 : "at the top level or in the ASC object");
		return;
	}
	suggest_init(&sg, name);
	for (size_t i = 0; i < config_table_size; i++)
		if (config_table[i].group == g)
			suggest_add(&sg, config_table[i].name);
	best = suggest_result(&sg);
	if (best)
		snprintf(out, size, " (did you mean \"%s\"?)", best);
}

static int apply_object(struct config *scratch, const struct config *base, enum config_group g,
			const cJSON *obj, const char *pointer, bool strict, struct config_report *r)
{
	const cJSON *item;
	int bad = 0;

	if (!cJSON_IsObject(obj)) {
		add_issue(r, true, CONFIG_ERROR_TYPE_MISMATCH, group_objects[g], pointer,
			  "%s: expected an object, got %s", group_objects[g], json_type_name(obj));
		return -EINVAL;
	}
	cJSON_ArrayForEach(item, obj) {
		char ptr[JSON_POINTER_MAX];
		const struct config_entry *e;
		const cJSON *v;

		str_copy(ptr, sizeof(ptr), pointer);
		json_pointer_append(ptr, item->string ? item->string : "");
		if (!item->string || item->string[0] == '$')
			continue; /* twin metadata such as $version */
		e = config_entry_find(g, item->string);
		if (!e) {
			char hint[96];

			unknown_key_hint(g, item->string, hint, sizeof(hint));
			add_issue(r, strict, CONFIG_ERROR_TYPE_MISMATCH, item->string, ptr,
				  "unknown setting \"%.60s\" in %s%s%s", item->string,
				  group_objects[g], hint, strict ? "" : " (ignored)");
			bad += strict;
			continue;
		}
		if (e->local_only && !strict) {
			add_issue(r, false, CONFIG_ERROR_NOT_OPTIMAL, item->string, ptr,
				  "%s is read only from the local configuration file at start; the "
				  "twin cannot change it (ignored)",
				  e->name);
			continue;
		}
		v = unwrap(e, item, ptr, r);
		if (!v || !parse_value(scratch, base, e, v, ptr, r))
			bad++;
	}
	return bad ? -EINVAL : 0;
}

int config_apply_object(struct config *c, const struct config *base, enum config_group g,
			const cJSON *obj, const char *pointer, bool strict,
			struct config_report *report)
{
	struct config scratch;
	int r;

	if (config_copy(&scratch, c) < 0)
		return -ENOMEM;
	r = apply_object(&scratch, base, g, obj, pointer, strict, report);
	if (r < 0) {
		config_done(&scratch);
		return r;
	}
	config_done(c);
	*c = scratch;
	return 0;
}

static void reset_group(struct config *c, const struct config *base, enum config_group g)
{
	for (size_t i = 0; i < config_table_size; i++)
		if (config_table[i].group == g)
			copy_value(c, base, &config_table[i]);
}

/* Where the settings objects are in a document. */
static const cJSON *find_desired(const cJSON *doc, char *ptr)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(doc, "properties");
	const cJSON *d;

	if (cJSON_IsObject(p) &&
	    cJSON_IsObject(d = cJSON_GetObjectItemCaseSensitive(p, "desired"))) {
		snprintf(ptr, JSON_POINTER_MAX, "/properties/desired");
		return d;
	}
	d = cJSON_GetObjectItemCaseSensitive(doc, "desired");
	if (cJSON_IsObject(d)) {
		snprintf(ptr, JSON_POINTER_MAX, "/desired");
		return d;
	}
	ptr[0] = '\0';
	return doc;
}

int config_apply_document(struct config *c, const struct config *base, const cJSON *doc,
			  bool strict, struct config_report *report)
{
	char ptr[JSON_POINTER_MAX], sub[JSON_POINTER_MAX];
	struct config scratch;
	const cJSON *desired, *item;
	int bad = 0;

	if (!cJSON_IsObject(doc)) {
		add_issue(report, true, CONFIG_ERROR_TYPE_MISMATCH, "configuration", "",
			  "expected a JSON object at the top level, got %s", json_type_name(doc));
		return -EINVAL;
	}
	if (config_copy(&scratch, c) < 0)
		return -ENOMEM;
	desired = find_desired(doc, ptr);
	cJSON_ArrayForEach(item, desired) {
		const struct config_entry *e;
		const cJSON *v;

		str_copy(sub, sizeof(sub), ptr);
		json_pointer_append(sub, item->string ? item->string : "");
		if (!item->string || item->string[0] == '$')
			continue;
		if (strcmp(item->string, ASC_CONFIG_OBJECT) == 0 ||
		    strcmp(item->string, EDGESEC_CONFIG_OBJECT) == 0) {
			enum config_group g = strcmp(item->string, ASC_CONFIG_OBJECT) == 0
						      ? CONFIG_GROUP_ASC
						      : CONFIG_GROUP_EDGESEC;

			if (cJSON_IsNull(item)) /* a removed object: its settings go back to base */
				reset_group(&scratch, base, g);
			else
				bad += apply_object(&scratch, base, g, item, sub, strict, report) <
				       0;
			continue;
		}
		/* ASC keys at the top level: the short form of a local file. */
		e = config_entry_find(CONFIG_GROUP_ASC, item->string);
		if (!e) {
			char hint[96];

			unknown_key_hint(CONFIG_GROUP_ASC, item->string, hint, sizeof(hint));
			add_issue(report, strict, CONFIG_ERROR_TYPE_MISMATCH, item->string, sub,
				  "unknown setting \"%.60s\"%s%s", item->string, hint,
				  strict ? "" : " (ignored)");
			bad += strict;
			continue;
		}
		v = unwrap(e, item, sub, report);
		if (!v || !parse_value(&scratch, base, e, v, sub, report))
			bad++;
	}
	if (bad) {
		config_done(&scratch);
		return -EINVAL;
	}
	config_done(c);
	*c = scratch;
	return 0;
}

void config_key_of_pointer(const char *pointer, char *out, size_t size)
{
	const char *end = pointer + strlen(pointer), *start;

	if (end - pointer >= 6 && strcmp(end - 6, "/value") == 0 && end - 6 > pointer)
		end -= 6;
	for (start = end; start > pointer && start[-1] != '/'; start--)
		;
	snprintf(out, size, "%.*s", (int)(end - start), start);
}

int config_load_file(struct config *c, const char *path, struct config_report *report)
{
	struct json_error jerr;
	char *data = NULL;
	size_t len = 0;
	cJSON *doc;
	struct config base;
	int r;

	r = read_file_capped(path, CONFIG_FILE_MAX, &data, &len);
	if (r < 0) {
		add_issue(report, true, CONFIG_ERROR_TYPE_MISMATCH, "configuration", "",
			  "cannot read %s: %s", path,
			  r == -EFBIG ? "larger than 1 MiB" : fileio_strerror(r));
		return r;
	}
	doc = json_parse(data, len, &jerr);
	if (doc && json_check_no_nul(data, len, &jerr) < 0) {
		char key[64];

		/* "/ho\u0000st" must not become "/ho": the setting is named, nothing applied. */
		config_key_of_pointer(jerr.pointer, key, sizeof(key));
		add_issue(report, true, CONFIG_ERROR_TYPE_MISMATCH, key[0] ? key : "configuration",
			  jerr.pointer, "%s: %s", key[0] ? key : "configuration", jerr.message);
		cJSON_Delete(doc);
		doc = NULL;
		jerr.message[0] = '\0';
	}
	es_free(data);
	if (!doc) {
		if (jerr.message[0])
			add_issue(report, true, CONFIG_ERROR_TYPE_MISMATCH, "configuration", "",
				  "%s", jerr.message);
		return -EINVAL;
	}
	config_init_defaults(&base);
	r = config_apply_document(c, &base, doc, true, report);
	config_done(&base);
	cJSON_Delete(doc);
	return r;
}

void config_check_conflicts(const struct config *c, struct config_report *r)
{
	if (c->max_local_cache_size < c->max_message_size)
		add_issue(r, false, CONFIG_ERROR_CONFLICT, "maxLocalCacheSizeInBytes", "",
			  "maxLocalCacheSizeInBytes (%" PRId64
			  ") is smaller than maxMessageSizeInBytes (%" PRId64 ")",
			  c->max_local_cache_size, c->max_message_size);
	if (c->max_message_size % 4096)
		add_issue(r, false, CONFIG_ERROR_NOT_OPTIMAL, "maxMessageSizeInBytes", "",
			  "maxMessageSizeInBytes (%" PRId64
			  ") is not a multiple of 4096, the IoT Hub billing unit",
			  c->max_message_size);
	if (c->high_priority_message_frequency_ms > c->low_priority_message_frequency_ms)
		add_issue(
			r, false, CONFIG_ERROR_CONFLICT, "highPriorityMessageFrequency", "",
			"highPriorityMessageFrequency is longer than lowPriorityMessageFrequency");
}

/* ---- output ---- */

static void format_value(const struct config *c, const struct config_entry *e, struct jw *w)
{
	char d[DURATION_STR_MAX];

	switch (e->type) {
	case CONFIG_DURATION:
		jw_str(w, d, duration_format(*CFIELD(c, e, uint64_t), d));
		break;
	case CONFIG_INT:
		jw_int(w, *CFIELD(c, e, int64_t));
		break;
	case CONFIG_BOOL:
		jw_bool(w, *CFIELD(c, e, bool));
		break;
	case CONFIG_PRIORITY:
		jw_cstr(w, event_priority_to_string(*CFIELD(c, e, enum event_priority)));
		break;
	case CONFIG_LOG_LEVEL:
		jw_cstr(w, log_level_to_string(*CFIELD(c, e, enum log_level)));
		break;
	case CONFIG_STRING:
		jw_cstr(w, *CFIELD(c, e, char *));
		break;
	case CONFIG_JSON: {
		const char *s = *CFIELD(c, e, char *);

		if (s)
			jw_raw(w, s, strlen(s));
		else
			jw_null(w);
		break;
	}
	}
}

void config_format_group(const struct config *c, enum config_group g, struct jw *w)
{
	jw_obj_begin(w);
	for (size_t i = 0; i < config_table_size; i++) {
		const struct config_entry *e = &config_table[i];

		if (e->group != g)
			continue;
		jw_key(w, e->name);
		jw_obj_begin(w);
		jw_key(w, "value");
		format_value(c, e, w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

void config_format_reported(const struct config *c, struct jw *w)
{
	jw_obj_begin(w);
	for (int g = 0; g < _CONFIG_GROUP_MAX; g++) {
		jw_key(w, group_objects[g]);
		config_format_group(c, (enum config_group)g, w);
	}
	jw_obj_end(w);
}
