/* SPDX-License-Identifier: MIT */
/*
 * Loading: rules files from disk (caps, permissions), the rule set's life, overrides, and the
 * build loop that drops bad sources (see detect-parse.c for the document format).
 */
#include "detect-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/str.h"
#include "detect-overrides.h"

/* detect-parse.c */
void detect_parse_lists_of(struct detect_parse *p, const cJSON *doc);
void detect_parse_rules_of(struct detect_parse *p, const cJSON *doc);

/* ---- the rule set ---- */

static const char *const fixed_slots[_DETECT_SLOT_FIXED_MAX] = {
	[DETECT_SLOT_CONTAINER_ID] = "ContainerId",
	[DETECT_SLOT_CONTAINER_NAME] = "ContainerName",
	[DETECT_SLOT_MODULE] = "IotEdgeModule",
	[DETECT_SLOT_CWD] = "Cwd",
	[DETECT_SLOT_PARENT_EXECUTABLE] = "ParentExecutable",
	[DETECT_SLOT_STDIO_REMOTE] = "StdioRemote",
	[DETECT_SLOT_INTERPRETER] = "Interpreter",
	[DETECT_SLOT_ARGV0] = "Argv0",
	[DETECT_SLOT_EXECUTABLE_PATH] = "ExecutablePath",
	[DETECT_SLOT_KNOWN_AS] = "KnownAs",
};

static const char *const ctx_refs[_DETECT_CTX_MAX] = {
	[DETECT_CTX_CONTAINER_ID] = "ExtraDetails.ContainerId",
	[DETECT_CTX_CONTAINER_ID_FIELD] = "ContainerId",
	[DETECT_CTX_CONTAINER_NAME] = "ExtraDetails.ContainerName",
	[DETECT_CTX_CONTAINER_NAME_FIELD] = "ContainerName",
	[DETECT_CTX_MODULE] = "ExtraDetails.IotEdgeModule",
	[DETECT_CTX_MODULE_FIELD] = "ModuleName",
	[DETECT_CTX_PROCESS_ID] = "ProcessId",
	[DETECT_CTX_EXECUTABLE] = "Executable",
	[DETECT_CTX_COMMAND_LINE] = "CommandLine",
	[DETECT_CTX_USER_NAME] = "UserName",
	[DETECT_CTX_REMOTE_ADDRESS] = "RemoteAddress",
	[DETECT_CTX_STDIO_REMOTE] = "ExtraDetails.StdioRemote",
	[DETECT_CTX_ARG0] = "Arg0",
};

static struct detect_ruleset *ruleset_new(void)
{
	struct detect_ruleset *rs = es_calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	for (int i = 0; i < _DETECT_SLOT_FIXED_MAX; i++)
		if (detect_slot_register(rs, fixed_slots[i], strlen(fixed_slots[i])) != i)
			return detect_ruleset_free(rs);
	for (int i = 0; i < _DETECT_CTX_MAX; i++)
		if (detect_ref_parse(rs, ctx_refs[i], 0, &rs->ctx[i]) < 0)
			return detect_ruleset_free(rs);
	if (detect_key_defaults_init(rs) < 0)
		return detect_ruleset_free(rs);
	return rs;
}

struct detect_ruleset *detect_ruleset_free(struct detect_ruleset *rs)
{
	if (!rs)
		return NULL;
	for (unsigned i = 0; i < rs->n; i++)
		detect_rule_free(rs->rules[i]);
	es_free(rs->rules);
	for (unsigned i = 0; i < rs->n_lists; i++)
		detect_strings_free(rs->lists[i].vals, rs->lists[i].n);
	es_free(rs->lists);
	for (unsigned i = 0; i < rs->n_slots; i++)
		es_free(rs->slot_names[i]);
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		es_free(rs->by_type[t]);
		detect_key_free(&rs->default_key[t]);
		detect_index_free(&rs->index[t]);
	}
	es_free(rs);
	return NULL;
}

unsigned detect_ruleset_count(const struct detect_ruleset *rs)
{
	return rs ? rs->n : 0;
}

/* The step a threshold override changes: the one that counts most. */
static struct detect_step *counting_step(struct detect_rule *r)
{
	struct detect_step *best = NULL;

	if (r->kind == DETECT_KIND_THRESHOLD)
		return &r->steps[0];
	if (r->kind != DETECT_KIND_SEQUENCE)
		return NULL;
	for (unsigned i = 0; i < r->n_steps; i++)
		if (!best || r->steps[i].count > best->count)
			best = &r->steps[i];
	return best;
}

static void apply_override(struct detect_parse *p, struct detect_rule *r,
			   const struct detect_override *o, const char *ptr)
{
	struct detect_step *cs = counting_step(r);

	if (o->has_enabled)
		r->enabled = o->enabled;
	if (o->severity >= 0)
		r->severity = (enum detect_severity)o->severity;
	if (o->has_dedup_window)
		r->dedup_window_ms = o->dedup_window_ms;
	if (o->has_threshold) {
		if (cs && (r->kind != DETECT_KIND_THRESHOLD || o->threshold >= 2))
			cs->count = o->threshold;
		else
			detect_parse_issue(p, false, ptr, "threshold ignored: rule '%s' %s", r->id,
					   cs ? "needs a threshold of at least 2"
					      : "does not count events");
	}
	if (o->has_window) {
		if (r->kind == DETECT_KIND_THRESHOLD || r->kind == DETECT_KIND_SEQUENCE)
			r->window_ms = o->window_ms;
		else
			detect_parse_issue(p, false, ptr, "window ignored: rule '%s' has no window",
					   r->id);
	}
}

static struct detect_rule *rule_find(struct detect_ruleset *rs, const char *id)
{
	for (unsigned i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i]->id, id) == 0)
			return rs->rules[i];
	return NULL;
}

static void apply_overrides(struct detect_parse *p, const cJSON *obj, const char *base_ptr)
{
	for (const cJSON *m = obj ? obj->child : NULL; m; m = m->next) {
		struct detect_override o;
		struct json_error err = { { 0 } };
		struct detect_rule *r;
		char ptr[JSON_POINTER_MAX];

		str_copy(ptr, sizeof(ptr), base_ptr);
		json_pointer_append(ptr, m->string);
		if (!detect_rule_id_valid(m->string) || detect_override_parse(m, &o, &err) < 0) {
			detect_parse_issue(p, true, ptr, "%s",
					   err.message[0] ? err.message : "not a rule id");
			continue;
		}
		r = rule_find(p->rs, m->string);
		if (!r) {
			detect_parse_issue(p, false, ptr, "no rule '%.64s' to override", m->string);
			continue;
		}
		apply_override(p, r, &o, ptr);
	}
}

/* By-type index of the enabled rules, and each rule's state signature. */
static int ruleset_finish(struct detect_ruleset *rs)
{
	for (unsigned i = 0; i < rs->n; i++) {
		struct detect_rule *r = rs->rules[i];
		uint64_t v[3 + DETECT_STEPS_MAX];

		v[0] = r->kind;
		v[1] = r->window_ms;
		v[2] = r->unordered;
		for (unsigned s = 0; s < DETECT_STEPS_MAX; s++)
			v[3 + s] = s < r->n_steps ? r->steps[s].count : 0;
		r->signature = detect_hash(v, sizeof(v), r->signature);
		if (!r->enabled)
			continue;
		for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
			struct detect_rule **nb;

			if (!(r->types & (1u << t)))
				continue;
			nb = es_realloc(rs->by_type[t], (rs->n_by_type[t] + 1) * sizeof(*nb));
			if (!nb)
				return -ENOMEM;
			rs->by_type[t] = nb;
			nb[rs->n_by_type[t]++] = r;
		}
	}
	return 0;
}

/*
 * One build over the sources not skipped.  Returns -1 when all went through, else the index
 * of the first source that had an error (its errors are in rep).
 */
static int build(cJSON **docs, const struct detect_source *srcs, unsigned n, const bool *skip,
		 const cJSON *cfg_overrides, struct detect_ruleset *rs, struct detect_report *rep)
{
	struct detect_parse p = { .rs = rs, .rep = rep };

	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++) {
			if (skip[i])
				continue;
			p.file = srcs[i].name;
			p.errors = 0;
			if (pass == 0) {
				detect_parse_lists_of(&p, docs[i]);
			} else {
				detect_parse_rules_of(&p, docs[i]);
				apply_overrides(
					&p, cJSON_GetObjectItemCaseSensitive(docs[i], "overrides"),
					"/overrides");
			}
			if (p.errors)
				return (int)i;
		}
	p.file = "detectionRules";
	p.errors = 0;
	apply_overrides(&p, cfg_overrides, "");
	return ruleset_finish(rs) < 0 ? -2 : -1;
}

static cJSON *parse_source(const struct detect_source *s, struct detect_report *rep)
{
	struct json_error err = { { 0 } };
	struct detect_parse p = { .rep = rep, .file = s->name };
	cJSON *doc;

	if (s->len > DETECT_FILE_MAX) {
		detect_parse_issue(&p, true, "", "larger than %u bytes", DETECT_FILE_MAX);
		return NULL;
	}
	doc = json_parse(s->data, s->len, &err);
	if (!doc) {
		detect_parse_issue(&p, true, err.pointer, "%s", err.message);
		if (rep && rep->n_errors && rep->n_errors <= DETECT_ISSUES_MAX) {
			rep->errors[rep->n_errors - 1].line = err.line;
			rep->errors[rep->n_errors - 1].column = err.column;
		}
		return NULL;
	}
	return doc;
}

int detect_ruleset_load(const struct detect_source *srcs, unsigned n, const char *overrides_json,
			struct detect_ruleset **ret, struct detect_report *rep)
{
	cJSON **docs = es_calloc(n ? n : 1, sizeof(*docs));
	bool *skip = es_calloc(n ? n : 1, sizeof(*skip));
	cJSON *cfg = overrides_json ? cJSON_Parse(overrides_json) : NULL;
	struct detect_report *scratch = es_calloc(1, sizeof(*scratch));
	struct detect_ruleset *rs = NULL;
	int r = -ENOMEM;

	if (!docs || !skip || !scratch)
		goto out;
	for (unsigned i = 0; i < n; i++)
		skip[i] = !(docs[i] = parse_source(&srcs[i], rep));
	for (unsigned attempt = 0; attempt <= n; attempt++) {
		int bad;

		memset(scratch, 0, sizeof(*scratch));
		if (!(rs = ruleset_new()))
			goto out;
		bad = build(docs, srcs, n, skip, cfg, rs, scratch);
		if (bad == -2)
			goto out;
		if (bad < 0)
			break;
		/* Report that source's errors, drop it, build again without it. */
		for (unsigned e = 0; e < scratch->n_errors; e++)
			if (strcmp(scratch->errors[e].file, srcs[bad].name) == 0) {
				struct detect_issue *is = rep && rep->n_errors < DETECT_ISSUES_MAX
								  ? &rep->errors[rep->n_errors++]
								  : NULL;

				if (is)
					*is = scratch->errors[e];
				else if (rep)
					rep->n_dropped++;
			}
		if (rep)
			rep->n_dropped += scratch->n_dropped;
		skip[bad] = true;
		rs = detect_ruleset_free(rs);
	}
	if (!rs)
		goto out;
	for (unsigned w = 0; rep && w < scratch->n_warnings; w++) {
		if (rep->n_warnings < DETECT_ISSUES_MAX)
			rep->warnings[rep->n_warnings++] = scratch->warnings[w];
		else
			rep->n_dropped++;
	}
	for (unsigned i = 0; rep && i < n; i++) {
		if (skip[i])
			rep->files_skipped++;
		else
			rep->files_loaded++;
	}
	/* lists are spliced into the conditions: not needed after compiling */
	for (unsigned i = 0; i < rs->n_lists; i++)
		detect_strings_free(rs->lists[i].vals, rs->lists[i].n);
	es_free(rs->lists);
	rs->lists = NULL;
	rs->n_lists = 0;
	*ret = rs;
	rs = NULL;
	r = 0;
out:
	for (unsigned i = 0; docs && i < n; i++)
		cJSON_Delete(docs[i]);
	es_free(docs);
	es_free(skip);
	es_free(scratch);
	cJSON_Delete(cfg);
	detect_ruleset_free(rs);
	return r;
}

int detect_ruleset_get(const struct detect_ruleset *rs, unsigned i, struct detect_rule_info *ret)
{
	static const char *const kinds[_DETECT_KIND_MAX] = { "single", "threshold", "sequence",
							     "new-value" };
	const struct detect_rule *r;
	size_t n = 0;

	if (!rs || i >= rs->n)
		return -ENOENT;
	r = rs->rules[i];
	memset(ret, 0, sizeof(*ret));
	ret->id = r->id;
	ret->name = r->name;
	ret->technique = r->technique;
	ret->tactic = r->tactic;
	ret->description = r->description;
	ret->remediation = r->remediation;
	ret->false_positives = r->false_positives;
	ret->forgeable = r->forgeable;
	ret->source = r->source;
	ret->severity = r->severity;
	ret->kind = kinds[r->kind];
	ret->enabled = r->enabled;
	ret->window_ms = r->window_ms;
	ret->count = 1;
	for (unsigned s = 0; s < r->n_steps; s++)
		if (r->steps[s].count > ret->count)
			ret->count = r->steps[s].count;
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		if (r->types & (1u << t))
			n += (size_t)snprintf(ret->events + n, sizeof(ret->events) - n, "%s%s",
					      n ? "," : "",
					      event_type_to_string((enum event_type)t));
	return 0;
}

/* ---- files ---- */

static void file_issue(struct detect_report *rep, const char *file, const char *what, int err)
{
	struct detect_parse p = { .rep = rep, .file = file };

	detect_parse_issue(&p, true, "", "%s: %s", what, strerror(err));
}

/* Rules decide what is an alert: a file others may change is refused. */
static int check_mode(int fd, const char *path, struct detect_report *rep)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		file_issue(rep, path, "cannot stat", errno);
		return -errno;
	}
	if (st.st_mode & S_IWOTH) {
		struct detect_parse p = { .rep = rep, .file = path };

		detect_parse_issue(&p, true, "", "writable by every user: not used (chmod o-w)");
		return -EPERM;
	}
	return 0;
}

static int read_one(const char *path, struct detect_source *out, struct detect_report *rep)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;
	char *data = NULL;
	size_t len = 0;

	if (fd < 0) {
		file_issue(rep, path, "cannot open", errno);
		return -errno;
	}
	r = check_mode(fd, path, rep);
	if (r == 0)
		r = read_fd_capped(fd, DETECT_FILE_MAX, &data, &len);
	close(fd);
	if (r == -EFBIG) {
		struct detect_parse p = { .rep = rep, .file = path };

		detect_parse_issue(&p, true, "", "larger than %u bytes", DETECT_FILE_MAX);
	} else if (r < 0 && r != -EPERM) {
		file_issue(rep, path, "cannot read", -r);
	}
	if (r < 0)
		return r;
	out->name = es_strdup(path);
	out->data = data;
	out->len = len;
	out->shipped = false;
	if (!out->name) {
		es_free(data);
		return -ENOMEM;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned list_dir(DIR *d, char **names)
{
	struct dirent *de;
	unsigned n = 0;

	while ((de = readdir(d)) && n < DETECT_FILES_MAX) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if ((names[n] = es_strdup(de->d_name)))
			n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	return n;
}

int detect_sources_read(const char *path, bool missing_ok, struct detect_source **ret,
			unsigned *ret_n, struct detect_report *rep)
{
	struct detect_source *srcs = es_calloc(DETECT_FILES_MAX, sizeof(*srcs));
	char *names[DETECT_FILES_MAX];
	unsigned n = 0, k;
	struct stat st;
	DIR *d;

	*ret = NULL;
	*ret_n = 0;
	if (!srcs)
		return -ENOMEM;
	if (!path || !path[0] || (stat(path, &st) < 0 && errno == ENOENT && missing_ok)) {
		es_free(srcs);
		return 0;
	}
	if (!(d = opendir(path))) {
		if (errno == ENOTDIR) {
			if (read_one(path, &srcs[0], rep) == 0)
				n = 1;
		} else {
			file_issue(rep, path, "cannot read", errno);
		}
		*ret = srcs;
		*ret_n = n;
		return 0;
	}
	if (check_mode(dirfd(d), path, rep) < 0) {
		closedir(d);
		*ret = srcs;
		return 0;
	}
	k = list_dir(d, names);
	closedir(d);
	for (unsigned i = 0; i < k; i++) {
		char full[4096];

		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, names[i]) < sizeof(full) &&
		    read_one(full, &srcs[n], rep) == 0)
			n++;
		es_free(names[i]);
	}
	*ret = srcs;
	*ret_n = n;
	return 0;
}

void detect_sources_free(struct detect_source *srcs, unsigned n)
{
	for (unsigned i = 0; srcs && i < n; i++) {
		es_free((char *)srcs[i].name);
		es_free((char *)srcs[i].data);
	}
	es_free(srcs);
}

int detect_ruleset_load_all(const char *user_path, bool missing_ok, const char *overrides_json,
			    struct detect_ruleset **ret, struct detect_report *rep)
{
	struct detect_source *user = NULL, *all;
	unsigned n_user = 0, n_builtin = detect_builtin_count(), n = 0;
	int r;

	(void)detect_sources_read(user_path, missing_ok, &user, &n_user, rep);
	all = es_calloc(n_builtin + n_user + 1, sizeof(*all));
	if (!all) {
		detect_sources_free(user, n_user);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n_builtin; i++)
		all[n++] = *detect_builtin(i);
	for (unsigned i = 0; i < n_user; i++)
		all[n++] = user[i];
	r = detect_ruleset_load(all, n, overrides_json, ret, rep);
	detect_sources_free(user, n_user);
	es_free(all);
	return r;
}
