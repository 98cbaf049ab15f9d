/* SPDX-License-Identifier: MIT */
/*
 * The module-settings model and its filler from a Docker "container create" body.
 *
 * Ownership: a struct module_settings owns every string it points to (all es_malloc'ed, freed
 * by module_settings_free).  The fillers copy what they read; the cJSON tree stays the caller's.
 * Limits: MS_STRING_MAX bytes per string and MS_LIST_MAX entries per list; the excess is counted
 * in ms->dropped.  JSON null is "not set" everywhere, as in the Docker API.
 */
#include "module-settings.h"
#include "module-settings-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/str.h"

static const char *const kind_names[_MODULE_KIND_MAX] = {
	[MODULE_KIND_CUSTOM] = "custom",
	[MODULE_KIND_EDGE_AGENT] = "edgeAgent",
	[MODULE_KIND_EDGE_HUB] = "edgeHub",
};

const char *module_kind_to_string(enum module_kind k)
{
	return (k >= 0 && k < _MODULE_KIND_MAX) ? kind_names[k] : "unknown";
}

static char *dup_bounded(struct module_settings *ms, const char *s)
{
	size_t n = strnlen(s, MS_STRING_MAX + 1);

	if (n > MS_STRING_MAX) {
		ms->dropped++;
		n = MS_STRING_MAX;
	}
	return es_strndup(s, n);
}

static char *path_join(const char *prefix, const char *key)
{
	char p[JSON_POINTER_MAX];

	str_copy(p, sizeof(p), prefix);
	json_pointer_append(p, key);
	return es_strdup(p);
}

static char *path_index(const char *prefix, size_t i)
{
	char tok[24];

	snprintf(tok, sizeof(tok), "%zu", i);
	return path_join(prefix, tok);
}

struct module_settings *module_settings_new(const char *name, enum module_kind kind,
					    const char *path)
{
	struct module_settings *ms = es_calloc(1, sizeof(*ms));

	if (!ms)
		return NULL;
	ms->kind = kind;
	ms->name = dup_bounded(ms, name ? name : "");
	ms->path = es_strdup(path ? path : "");
	if (!ms->name || !ms->path) {
		module_settings_free(ms);
		return NULL;
	}
	return ms;
}

static void str_done(struct ms_str *s)
{
	es_free(s->value);
	es_free(s->path);
}

static void strv_done(struct ms_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		str_done(&v->items[i]);
	es_free(v->items);
	es_free(v->path);
}

/*
 * The scalar and list settings HostConfig holds under one key each, by type: read by
 * module_settings_fill_host_config() and freed by module_settings_free() from this one table.
 */
enum field_kind {
	FIELD_STR,
	FIELD_STRV,
	FIELD_NUM,
	FIELD_BOOL,
};

#define F(kind, key, member)                                                                       \
	{                                                                                          \
		kind, key, offsetof(struct module_settings, member)                                \
	}

static const struct host_config_field {
	enum field_kind kind;
	const char *key;
	size_t off;
} host_config_fields[] = {
	F(FIELD_STR, "NetworkMode", network_mode),
	F(FIELD_STR, "PidMode", pid_mode),
	F(FIELD_STR, "IpcMode", ipc_mode),
	F(FIELD_STR, "UTSMode", uts_mode),
	F(FIELD_STR, "UsernsMode", userns_mode),
	F(FIELD_STR, "CgroupnsMode", cgroupns_mode),
	F(FIELD_STRV, "CapAdd", cap_add),
	F(FIELD_STRV, "CapDrop", cap_drop),
	F(FIELD_STRV, "SecurityOpt", security_opt),
	F(FIELD_STRV, "MaskedPaths", masked_paths),
	F(FIELD_STRV, "ReadonlyPaths", readonly_paths),
	F(FIELD_STRV, "DeviceCgroupRules", device_cgroup_rules),
	F(FIELD_NUM, "Memory", memory),
	F(FIELD_NUM, "MemorySwap", memory_swap),
	F(FIELD_NUM, "NanoCpus", nano_cpus),
	F(FIELD_NUM, "CpuQuota", cpu_quota),
	F(FIELD_NUM, "CpuShares", cpu_shares),
	F(FIELD_NUM, "PidsLimit", pids_limit),
	F(FIELD_BOOL, "Privileged", privileged),
	F(FIELD_BOOL, "ReadonlyRootfs", readonly_rootfs),
	F(FIELD_BOOL, "PublishAllPorts", publish_all_ports),
};

/* The string settings outside that table (read from other places). */
static const size_t other_str_fields[] = {
	offsetof(struct module_settings, image),
	offsetof(struct module_settings, user),
	offsetof(struct module_settings, edgesec_label),
	offsetof(struct module_settings, restart_policy),
	offsetof(struct module_settings, log_driver),
	offsetof(struct module_settings, log_max_size),
	offsetof(struct module_settings, log_max_file),
};

#undef F

#define MEMBER(ms, type, off) ((type *)((char *)(ms) + (off)))

static void field_done(struct module_settings *ms, const struct host_config_field *f)
{
	switch (f->kind) {
	case FIELD_STR:
		str_done(MEMBER(ms, struct ms_str, f->off));
		break;
	case FIELD_STRV:
		strv_done(MEMBER(ms, struct ms_strv, f->off));
		break;
	case FIELD_NUM:
		es_free(MEMBER(ms, struct ms_num, f->off)->path);
		break;
	case FIELD_BOOL:
		es_free(MEMBER(ms, struct ms_bool, f->off)->path);
		break;
	}
}

void module_settings_free(struct module_settings *ms)
{
	if (!ms)
		return;
	es_free(ms->name);
	es_free(ms->path);
	module_settings_accept_labels_free(ms);
	for (size_t i = 0; i < ARRAY_SIZE(host_config_fields); i++)
		field_done(ms, &host_config_fields[i]);
	for (size_t i = 0; i < ARRAY_SIZE(other_str_fields); i++)
		str_done(MEMBER(ms, struct ms_str, other_str_fields[i]));
	for (size_t i = 0; i < ms->n_mounts; i++) {
		es_free(ms->mounts[i].source);
		es_free(ms->mounts[i].target);
		es_free(ms->mounts[i].type);
		es_free(ms->mounts[i].propagation);
		es_free(ms->mounts[i].path);
	}
	es_free(ms->mounts);
	for (size_t i = 0; i < ms->n_devices; i++) {
		es_free(ms->devices[i].host);
		es_free(ms->devices[i].container);
		es_free(ms->devices[i].permissions);
		es_free(ms->devices[i].path);
	}
	es_free(ms->devices);
	for (size_t i = 0; i < ms->n_ports; i++) {
		es_free(ms->ports[i].container_port);
		es_free(ms->ports[i].host_ip);
		es_free(ms->ports[i].host_port);
		es_free(ms->ports[i].path);
	}
	es_free(ms->ports);
	for (size_t i = 0; i < ms->n_env; i++) {
		es_free(ms->env[i].name);
		es_free(ms->env[i].value);
		es_free(ms->env[i].path);
	}
	es_free(ms->env);
	for (size_t i = 0; i < ms->n_registries; i++) {
		es_free(ms->registries[i].name);
		es_free(ms->registries[i].address);
		es_free(ms->registries[i].username);
		es_free(ms->registries[i].path);
		es_free(ms->registries[i].password_path);
	}
	es_free(ms->registries);
	strv_done(&ms->command);
	for (size_t i = 0; i < ms->n_issues; i++) {
		es_free(ms->issues[i].path);
		es_free(ms->issues[i].message);
	}
	es_free(ms->issues);
	es_free(ms);
}

/* Grows an array of `size`-byte elements to hold one more; -ENOSPC at MS_LIST_MAX. */
static int grow(struct module_settings *ms, void **arr, size_t n, size_t size)
{
	void *p;

	if (n >= MS_LIST_MAX) {
		ms->dropped++;
		return -ENOSPC;
	}
	p = es_realloc(*arr, (n + 1) * size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + n * size, 0, size);
	*arr = p;
	return 0;
}

int module_settings_set_str(struct module_settings *ms, struct ms_str *s, const char *value,
			    const char *path)
{
	char *v, *p;

	if (!value)
		return 0;
	v = dup_bounded(ms, value);
	p = es_strdup(path ? path : "");
	if (!v || !p) {
		es_free(v);
		es_free(p);
		return -ENOMEM;
	}
	str_done(s);
	s->value = v;
	s->path = p;
	return 0;
}

int module_settings_add_env(struct module_settings *ms, const char *name, const char *value,
			    const char *path)
{
	struct ms_env *e;
	int r = grow(ms, (void **)&ms->env, ms->n_env, sizeof(*ms->env));

	if (r < 0)
		return r == -ENOSPC ? 0 : r;
	e = &ms->env[ms->n_env];
	e->name = dup_bounded(ms, name);
	e->value = dup_bounded(ms, value ? value : "");
	e->path = es_strdup(path ? path : "");
	ms->n_env++;
	return (e->name && e->value && e->path) ? 0 : -ENOMEM;
}

int module_settings_add_registry(struct module_settings *ms, const struct ms_registry_spec *reg)
{
	struct ms_registry *r;
	int ret = grow(ms, (void **)&ms->registries, ms->n_registries, sizeof(*ms->registries));

	if (ret < 0)
		return ret == -ENOSPC ? 0 : ret;
	r = &ms->registries[ms->n_registries++];
	r->name = dup_bounded(ms, reg->name ? reg->name : "");
	r->address = reg->address ? dup_bounded(ms, reg->address) : NULL;
	r->username = reg->username ? dup_bounded(ms, reg->username) : NULL;
	r->password_set = reg->password_set;
	r->password_placeholder = reg->password_placeholder;
	r->path = es_strdup(reg->path ? reg->path : "");
	r->password_path = es_strdup(reg->password_path ? reg->password_path : "");
	return (r->name && r->path && r->password_path) ? 0 : -ENOMEM;
}

/* ---- placeholders ---- */

static bool is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Length of a placeholder starting at s (prev: the character before, or 0), or 0.  A bare
 * $NAME counts only at a word start, so "pa$$word" stays a literal. */
static size_t placeholder_len(const char *s, char prev)
{
	const char *e;

	if (s[0] == '$' && s[1] == '{') {
		e = strchr(s + 2, '}');
		return e ? (size_t)(e - s) + 1 : 0;
	}
	if (s[0] == '$' && !is_alnum(prev) && prev != '$' &&
	    (s[1] == '_' || (s[1] >= 'A' && s[1] <= 'Z') || (s[1] >= 'a' && s[1] <= 'z'))) {
		size_t n = 2;

		while (s[n] == '_' || (s[n] >= 'A' && s[n] <= 'Z') ||
		       (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9'))
			n++;
		return n;
	}
	if (s[0] == '<' && s[1] && s[1] != '>' && s[1] != '=' && s[1] != ' ') {
		e = strchr(s + 1, '>');
		return (e && !memchr(s + 1, '<', (size_t)(e - s - 1))) ? (size_t)(e - s) + 1 : 0;
	}
	if (s[0] == '{' && s[1] == '{') {
		e = strstr(s + 2, "}}");
		return e ? (size_t)(e - s) + 2 : 0;
	}
	if (s[0] == '#' && s[1] == '{') {
		e = strstr(s + 2, "}#");
		return e ? (size_t)(e - s) + 2 : 0;
	}
	return 0;
}

/*
 * Words that stand for a value to fill in, not for one: REPLACE_ME, changeme, <your-password>
 * (the '<' form is a placeholder anyway), YOUR_API_KEY_HERE, TODO, xxxxxx, ******.  Compared
 * on letters and digits only, lower case, as the whole value.
 */
static bool is_placeholder_word(const char *s)
{
	static const char *const words[] = {
		"replaceme",
		"replacethis",
		"changeme",
		"changethis",
		"changeit",
		"yourpassword",
		"yourpasswordhere",
		"yoursecret",
		"yoursecrethere",
		"yourkey",
		"yourkeyhere",
		"yourapikey",
		"yourtoken",
		"yourtokenhere",
		"enteryourpassword",
		"insertpasswordhere",
		"passwordhere",
		"secrethere",
		"keyhere",
		"placeholder",
		"todo",
		"tbd",
		"fixme",
		"notset",
	};
	char n[64];
	size_t k = 0, stars = 0, len = 0;
	bool all_x = true;

	for (const char *p = s; *p; p++, len++) {
		char c = *p;

		stars += c == '*';
		if (!is_alnum(c))
			continue;
		if (k + 1 >= sizeof(n))
			return false;
		c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		all_x &= c == 'x';
		n[k++] = c;
	}
	n[k] = '\0';
	if ((stars >= 3 && stars == len) || (all_x && k >= 3))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(n, words[i]) == 0)
			return true;
	return false;
}

bool ms_is_placeholder(const char *s)
{
	if (!s)
		return false;
	if (is_placeholder_word(s))
		return true;
	for (const char *p = s; *p; p++)
		if (placeholder_len(p, p > s ? p[-1] : 0))
			return true;
	return false;
}

bool ms_is_only_placeholder(const char *s)
{
	bool any = false;
	char prev = 0;

	if (!s)
		return false;
	if (is_placeholder_word(s))
		return true;
	while (*s) {
		size_t n = placeholder_len(s, prev);

		if (n) {
			any = true;
			s += n;
			prev = 0;
		} else if (*s == ' ' || *s == '"' || *s == '\'') {
			prev = *s++;
		} else {
			return false;
		}
	}
	return any;
}

/* ---- reading the create body ---- */

/*
 * A value of the wrong type: -EINVAL with err naming it, or, when the settings were asked to
 * skip bad values (docker inspect), 0 after counting it in ms->skipped.
 */
static int type_error(struct module_settings *ms, struct json_error *err, const char *path,
		      const char *expected, const cJSON *item)
{
	const char *slash = strrchr(path, '/');
	const char *key = slash ? slash + 1 : path;

	if (ms->record_issues) { /* a manifest: a finding on the module, the rest is read */
		if (*key >= '0' && *key <= '9')
			return module_settings_add_issue(ms, MS_ISSUE_INVALID, path,
							 "an element is %s, Docker expects %s",
							 json_type_name(item), expected);
		return module_settings_add_issue(ms, MS_ISSUE_INVALID, path,
						 "%.60s is %s, Docker expects %s", key,
						 json_type_name(item), expected);
	}
	if (ms->skip_bad_values) {
		ms->skipped++;
		return 0;
	}
	if (*key >= '0' && *key <= '9')
		return json_error_set(err, path, "array element must be %s, not %s", expected,
				      json_type_name(item));
	return json_error_set(err, path, "%s must be %s, not %s", key, expected,
			      json_type_name(item));
}

/* For a bad list element: fail, or (skipping) go on with the next element. */
#define SKIP_ELEMENT(type_error_call)                                                              \
	{                                                                                          \
		int skip_r_ = (type_error_call);                                                   \
		if (skip_r_ < 0)                                                                   \
			return skip_r_;                                                            \
		continue;                                                                          \
	}

/*
 * edgeAgent (Newtonsoft.Json) converts a number or a boolean given for a string setting
 * ("User": 0 runs as "0", root): the converted value is what the rules judge, and the type is
 * an issue.  Likewise "true"/"false" (any case) or a number for a boolean, and a numeric
 * string for a number; anything else does not convert and the deployment fails.
 */
static int read_str_converted(struct module_settings *ms, const cJSON *it, const char *key,
			      const char *p, struct ms_str *out)
{
	char num[64];
	int r;

	if (cJSON_IsBool(it))
		str_copy(num, sizeof(num), cJSON_IsTrue(it) ? "True" : "False");
	else
		snprintf(num, sizeof(num), "%.17g", it->valuedouble);
	r = module_settings_add_issue(ms, MS_ISSUE_INVALID, p,
				      "%.60s is %s, Docker expects a string (edgeAgent converts it "
				      "to \"%s\")",
				      key, json_type_name(it), num);
	return r < 0 ? r : module_settings_set_str(ms, out, num, p);
}

/* A string given for a boolean or a number: 1 with *ret_value when it converts, else 0. */
static int convert_string(const char *s, bool want_bool, double *ret_value)
{
	char *end;

	if (want_bool) {
		if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
			*ret_value = strcasecmp(s, "true") == 0;
			return 1;
		}
		return 0;
	}
	if (!*s)
		return 0;
	*ret_value = strtod(s, &end);
	return *end == '\0';
}

static int read_converted(struct module_settings *ms, const cJSON *it, const char *key,
			  const char *p, bool want_bool, bool *ret_set, double *ret_value)
{
	const char *what = want_bool ? "a boolean" : "a number";

	*ret_set = false;
	if (cJSON_IsString(it) && convert_string(it->valuestring, want_bool, ret_value)) {
		*ret_set = true;
		return module_settings_add_issue(ms, MS_ISSUE_INVALID, p,
						 "%.60s is a string, Docker expects %s (edgeAgent "
						 "converts this one)",
						 key, what);
	}
	if (want_bool && cJSON_IsNumber(it)) {
		*ret_set = true;
		*ret_value = it->valuedouble != 0;
		return module_settings_add_issue(ms, MS_ISSUE_INVALID, p,
						 "%.60s is a number, Docker expects a boolean "
						 "(edgeAgent reads %s)",
						 key, *ret_value ? "true" : "false");
	}
	if (cJSON_IsString(it) && ms_is_only_placeholder(it->valuestring))
		return module_settings_add_issue(
			ms, MS_ISSUE_INVALID, p,
			"%.60s is a placeholder where %s belongs: it is not "
			"judged, and the deployment fails unless it is "
			"replaced by %s",
			key, what, what);
	return module_settings_add_issue(ms, MS_ISSUE_INVALID, p,
					 "%.60s is %s, Docker expects %s: the deployment of the "
					 "module fails",
					 key, json_type_name(it), what);
}

static int read_str(struct module_settings *ms, const cJSON *obj, const char *key,
		    const char *prefix, struct ms_str *out, struct json_error *err)
{
	const cJSON *it = ms_json_get(obj, key);
	_cleanup_free_ char *p = NULL;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsString(it) && ms->record_issues && (cJSON_IsNumber(it) || cJSON_IsBool(it)))
		return read_str_converted(ms, it, key, p, out);
	if (!cJSON_IsString(it))
		return type_error(ms, err, p, "a string", it);
	return module_settings_set_str(ms, out, it->valuestring, p);
}

static int read_bool(struct module_settings *ms, const cJSON *obj, const char *key,
		     const char *prefix, struct ms_bool *out, struct json_error *err)
{
	const cJSON *it = ms_json_get(obj, key);
	char *p;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsBool(it) && ms->record_issues) {
		bool set;
		double v;
		int r = read_converted(ms, it, key, p, true, &set, &v);

		if (r < 0 || !set) {
			es_free(p);
			return r;
		}
		es_free(out->path);
		out->path = p;
		out->set = true;
		out->value = v != 0;
		return 0;
	}
	if (!cJSON_IsBool(it)) {
		int r = type_error(ms, err, p, "a boolean", it);

		es_free(p);
		return r;
	}
	es_free(out->path);
	out->path = p;
	out->set = true;
	out->value = cJSON_IsTrue(it);
	return 0;
}

static int read_num(struct module_settings *ms, const cJSON *obj, const char *key,
		    const char *prefix, struct ms_num *out, struct json_error *err)
{
	const cJSON *it = ms_json_get(obj, key);
	char *p;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsNumber(it) && ms->record_issues) {
		bool set;
		double v;
		int r = read_converted(ms, it, key, p, false, &set, &v);

		if (r < 0 || !set) {
			es_free(p);
			return r;
		}
		es_free(out->path);
		out->path = p;
		out->set = true;
		out->value = v;
		return 0;
	}
	if (!cJSON_IsNumber(it)) {
		int r = type_error(ms, err, p, "a number", it);

		es_free(p);
		return r;
	}
	es_free(out->path);
	out->path = p;
	out->set = true;
	out->value = it->valuedouble;
	return 0;
}

static int read_strv(struct module_settings *ms, const cJSON *obj, const char *key,
		     const char *prefix, struct ms_strv *out, struct json_error *err)
{
	const cJSON *it = ms_json_get(obj, key), *e;
	_cleanup_free_ char *p = NULL;
	size_t i = 0;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsArray(it))
		return type_error(ms, err, p, "an array of strings", it);
	out->set = true;
	es_free(out->path);
	out->path = es_strdup(p);
	cJSON_ArrayForEach(e, it) {
		_cleanup_free_ char *ep = path_index(p, i++);
		int r;

		if (!ep)
			return -ENOMEM;
		if (!cJSON_IsString(e))
			SKIP_ELEMENT(type_error(ms, err, ep, "a string", e));
		r = grow(ms, (void **)&out->items, out->n, sizeof(*out->items));
		if (r == -ENOSPC)
			break;
		if (r < 0)
			return r;
		r = module_settings_set_str(ms, &out->items[out->n++], e->valuestring, ep);
		if (r < 0)
			return r;
	}
	return out->path ? 0 : -ENOMEM;
}

static int add_mount(struct module_settings *ms, const char *source, const char *target,
		     const char *type, const char *propagation, bool read_only, const char *path)
{
	struct ms_mount *m;
	int r = grow(ms, (void **)&ms->mounts, ms->n_mounts, sizeof(*ms->mounts));

	if (r < 0)
		return r == -ENOSPC ? 0 : r;
	m = &ms->mounts[ms->n_mounts++];
	m->source = source ? dup_bounded(ms, source) : NULL;
	m->target = target ? dup_bounded(ms, target) : NULL;
	m->type = es_strdup(type ? type : "bind");
	m->propagation = propagation ? dup_bounded(ms, propagation) : NULL;
	m->read_only = read_only;
	m->path = es_strdup(path);
	return (m->type && m->path) ? 0 : -ENOMEM;
}

int module_settings_add_mount(struct module_settings *ms, const char *source, const char *target,
			      const char *type, const char *propagation, bool read_only,
			      const char *path)
{
	return add_mount(ms, source, target, type, propagation, read_only, path ? path : "");
}

/* Length of a Windows drive prefix ("C:\" or "C:/") at s, else 0. */
static size_t drive_len(const char *s)
{
	if (((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) && s[1] == ':' &&
	    (s[2] == '\\' || s[2] == '/'))
		return 2;
	return 0;
}

/* "src:dst[:opts]" with Windows drive letters allowed in src and dst. */
static int add_bind(struct module_settings *ms, const char *spec, const char *path)
{
	char buf[MS_STRING_MAX + 1];
	char *src = buf, *dst = NULL, *opts = NULL, *c, *o;
	const char *prop = NULL;
	bool ro = false;

	str_copy(buf, sizeof(buf), spec);
	c = strchr(buf + drive_len(buf), ':');
	if (c) {
		*c = '\0';
		dst = c + 1;
		c = strchr(dst + drive_len(dst), ':');
		if (c) {
			*c = '\0';
			opts = c + 1;
		}
	}
	for (o = opts; o && *o;) {
		size_t n = strcspn(o, ",");

		if (n == 2 && strncmp(o, "ro", 2) == 0)
			ro = true;
		else if ((n == 6 && strncmp(o, "shared", 6) == 0) ||
			 (n == 7 && strncmp(o, "rshared", 7) == 0) ||
			 (n == 5 && strncmp(o, "slave", 5) == 0) ||
			 (n == 6 && strncmp(o, "rslave", 6) == 0))
			prop = o[0] == 'r' ? (o[1] == 's' && o[2] == 'h' ? "rshared" : "rslave")
					   : (o[0] == 's' && o[1] == 'h' ? "shared" : "slave");
		o += n;
		if (*o == ',')
			o++;
	}
	return add_mount(ms, src, dst, (src[0] == '/' || drive_len(src)) ? "bind" : "volume", prop,
			 ro, path);
}

static int read_binds(struct module_settings *ms, const cJSON *hc, const char *prefix,
		      struct json_error *err)
{
	const cJSON *it = ms_json_get(hc, "Binds"), *e;
	_cleanup_free_ char *p = NULL;
	size_t i = 0;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsArray(it))
		return type_error(ms, err, p, "an array of strings", it);
	cJSON_ArrayForEach(e, it) {
		_cleanup_free_ char *ep = path_index(p, i++);
		int r;

		if (!ep)
			return -ENOMEM;
		if (!cJSON_IsString(e))
			SKIP_ELEMENT(type_error(ms, err, ep, "a string", e));
		r = add_bind(ms, e->valuestring, ep);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *obj_str(const cJSON *obj, const char *key)
{
	const cJSON *it = ms_json_get(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Checks that obj[key], when present and not null, is a string; -EINVAL otherwise. */
static int check_str(struct module_settings *ms, const cJSON *obj, const char *key,
		     const char *prefix, struct json_error *err)
{
	const cJSON *it = ms_json_get(obj, key);
	_cleanup_free_ char *p = NULL;

	if (!it || cJSON_IsNull(it) || cJSON_IsString(it))
		return 0;
	p = path_join(prefix, it->string);
	return p ? type_error(ms, err, p, "a string", it) : -ENOMEM;
}

static int read_mounts(struct module_settings *ms, const cJSON *hc, const char *prefix,
		       struct json_error *err)
{
	const cJSON *it = ms_json_get(hc, "Mounts"), *e;
	_cleanup_free_ char *p = NULL;
	size_t i = 0;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsArray(it))
		return type_error(ms, err, p, "an array of objects", it);
	cJSON_ArrayForEach(e, it) {
		_cleanup_free_ char *ep = path_index(p, i++);
		const cJSON *ro, *bo;
		int r;

		if (!ep)
			return -ENOMEM;
		if (!cJSON_IsObject(e))
			SKIP_ELEMENT(type_error(ms, err, ep, "an object", e));
		if ((r = check_str(ms, e, "Type", ep, err)) < 0 ||
		    (r = check_str(ms, e, "Source", ep, err)) < 0 ||
		    (r = check_str(ms, e, "Target", ep, err)) < 0)
			return r;
		ro = ms_json_get(e, "ReadOnly");
		bo = ms_json_get(e, "BindOptions");
		r = add_mount(ms, obj_str(e, "Source"), obj_str(e, "Target"),
			      obj_str(e, "Type") ? obj_str(e, "Type") : "volume",
			      cJSON_IsObject(bo) ? obj_str(bo, "Propagation") : NULL,
			      cJSON_IsTrue(ro), ep);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_devices(struct module_settings *ms, const cJSON *hc, const char *prefix,
			struct json_error *err)
{
	const cJSON *it = ms_json_get(hc, "Devices"), *e;
	_cleanup_free_ char *p = NULL;
	size_t i = 0;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsArray(it))
		return type_error(ms, err, p, "an array of objects", it);
	cJSON_ArrayForEach(e, it) {
		_cleanup_free_ char *ep = path_index(p, i++);
		struct ms_device *d;
		const char *host, *cont, *perm;
		int r;

		if (!ep)
			return -ENOMEM;
		if (!cJSON_IsObject(e))
			SKIP_ELEMENT(type_error(ms, err, ep, "an object", e));
		if ((r = check_str(ms, e, "PathOnHost", ep, err)) < 0 ||
		    (r = check_str(ms, e, "PathInContainer", ep, err)) < 0 ||
		    (r = check_str(ms, e, "CgroupPermissions", ep, err)) < 0)
			return r;
		r = grow(ms, (void **)&ms->devices, ms->n_devices, sizeof(*ms->devices));
		if (r == -ENOSPC)
			break;
		if (r < 0)
			return r;
		host = obj_str(e, "PathOnHost");
		cont = obj_str(e, "PathInContainer");
		perm = obj_str(e, "CgroupPermissions");
		d = &ms->devices[ms->n_devices++];
		d->host = host ? dup_bounded(ms, host) : NULL;
		d->container = cont ? dup_bounded(ms, cont) : NULL;
		d->permissions = perm ? dup_bounded(ms, perm) : NULL;
		d->path = es_strdup(ep);
		if (!d->path)
			return -ENOMEM;
	}
	return 0;
}

static int add_port(struct module_settings *ms, const char *cport, const cJSON *binding,
		    const char *path)
{
	struct ms_port *pt;
	const cJSON *hp = ms_json_get(binding, "HostPort");
	const char *ip = obj_str(binding, "HostIp");
	char num[32] = "";
	int r = grow(ms, (void **)&ms->ports, ms->n_ports, sizeof(*ms->ports));

	if (r < 0)
		return r == -ENOSPC ? 0 : r;
	if (cJSON_IsNumber(hp))
		snprintf(num, sizeof(num), "%.0f", hp->valuedouble);
	pt = &ms->ports[ms->n_ports++];
	pt->container_port = dup_bounded(ms, cport);
	pt->host_ip = ip ? dup_bounded(ms, ip) : NULL;
	pt->host_port = cJSON_IsString(hp) ? dup_bounded(ms, hp->valuestring)
					   : (num[0] ? es_strdup(num) : NULL);
	pt->path = es_strdup(path);
	return (pt->container_port && pt->path) ? 0 : -ENOMEM;
}

static int read_ports(struct module_settings *ms, const cJSON *hc, const char *prefix,
		      struct json_error *err)
{
	const cJSON *it = ms_json_get(hc, "PortBindings"), *port, *b;
	_cleanup_free_ char *p = NULL;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsObject(it))
		return type_error(ms, err, p, "an object", it);
	cJSON_ArrayForEach(port, it) {
		_cleanup_free_ char *pp = path_join(p, port->string);
		size_t i = 0;

		if (!pp)
			return -ENOMEM;
		if (cJSON_IsNull(port))
			continue;
		if (!cJSON_IsArray(port))
			SKIP_ELEMENT(type_error(ms, err, pp, "an array of port bindings", port));
		cJSON_ArrayForEach(b, port) {
			_cleanup_free_ char *bp = path_index(pp, i++);
			int r;

			if (!bp)
				return -ENOMEM;
			if (!cJSON_IsObject(b))
				SKIP_ELEMENT(type_error(ms, err, bp, "an object", b));
			if ((r = check_str(ms, b, "HostIp", bp, err)) < 0)
				return r;
			r = add_port(ms, port->string, b, bp);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int read_log_config(struct module_settings *ms, const cJSON *hc, const char *prefix,
			   struct json_error *err)
{
	const cJSON *lc = ms_json_get(hc, "LogConfig"), *cfg;
	_cleanup_free_ char *p = NULL, *cp = NULL;
	int r;

	if (!lc || cJSON_IsNull(lc))
		return 0;
	p = path_join(prefix, lc->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsObject(lc))
		return type_error(ms, err, p, "an object", lc);
	r = read_str(ms, lc, "Type", p, &ms->log_driver, err);
	if (r < 0)
		return r;
	cfg = ms_json_get(lc, "Config");
	if (!cfg || cJSON_IsNull(cfg))
		return 0;
	cp = path_join(p, cfg->string);
	if (!cp)
		return -ENOMEM;
	if (!cJSON_IsObject(cfg))
		return type_error(ms, err, cp, "an object", cfg);
	r = read_str(ms, cfg, "max-size", cp, &ms->log_max_size, err);
	if (r < 0)
		return r;
	return read_str(ms, cfg, "max-file", cp, &ms->log_max_file, err);
}

int module_settings_fill_host_config(struct module_settings *ms, const cJSON *hc,
				     const char *prefix, struct json_error *err)
{
	int r = 0;

	if (!hc || cJSON_IsNull(hc))
		return 0;
	if (!cJSON_IsObject(hc))
		return type_error(ms, err, prefix, "an object", hc);
	for (size_t i = 0; i < ARRAY_SIZE(host_config_fields) && r >= 0; i++) {
		const struct host_config_field *f = &host_config_fields[i];

		switch (f->kind) {
		case FIELD_STR:
			r = read_str(ms, hc, f->key, prefix, MEMBER(ms, struct ms_str, f->off),
				     err);
			break;
		case FIELD_STRV:
			r = read_strv(ms, hc, f->key, prefix, MEMBER(ms, struct ms_strv, f->off),
				      err);
			break;
		case FIELD_NUM:
			r = read_num(ms, hc, f->key, prefix, MEMBER(ms, struct ms_num, f->off),
				     err);
			break;
		case FIELD_BOOL:
			r = read_bool(ms, hc, f->key, prefix, MEMBER(ms, struct ms_bool, f->off),
				      err);
			break;
		}
	}
	if (r >= 0)
		r = read_binds(ms, hc, prefix, err);
	if (r >= 0)
		r = read_mounts(ms, hc, prefix, err);
	if (r >= 0)
		r = read_devices(ms, hc, prefix, err);
	if (r >= 0)
		r = read_ports(ms, hc, prefix, err);
	if (r >= 0)
		r = read_log_config(ms, hc, prefix, err);
	return r < 0 ? r : 0;
}

static int read_env_array(struct module_settings *ms, const cJSON *obj, const char *prefix,
			  struct json_error *err)
{
	const cJSON *it = ms_json_get(obj, "Env"), *e;
	_cleanup_free_ char *p = NULL;
	size_t i = 0;

	if (!it || cJSON_IsNull(it))
		return 0;
	p = path_join(prefix, it->string);
	if (!p)
		return -ENOMEM;
	if (!cJSON_IsArray(it))
		return type_error(ms, err, p, "an array of \"NAME=value\" strings", it);
	cJSON_ArrayForEach(e, it) {
		_cleanup_free_ char *ep = path_index(p, i++);
		char name[256];
		const char *eq;
		size_t n;
		int r;

		if (!ep)
			return -ENOMEM;
		if (!cJSON_IsString(e))
			SKIP_ELEMENT(type_error(ms, err, ep, "a string", e));
		eq = strchr(e->valuestring, '=');
		n = eq ? (size_t)(eq - e->valuestring) : strlen(e->valuestring);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, e->valuestring, n);
		name[n] = '\0';
		r = module_settings_add_env(ms, name, eq ? eq + 1 : "", ep);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Labels["io.edgesec.module"], when it is a string; any other shape is ignored (not judged). */
static int read_edgesec_label(struct module_settings *ms, const cJSON *obj, const char *prefix)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(obj, "Labels"), *v;
	_cleanup_free_ char *lp = NULL, *p = NULL;

	if (!cJSON_IsObject(labels))
		return 0;
	v = cJSON_GetObjectItemCaseSensitive(labels, MS_EDGESEC_LABEL);
	if (!cJSON_IsString(v))
		return 0;
	lp = path_join(prefix, "Labels");
	p = lp ? path_join(lp, MS_EDGESEC_LABEL) : NULL;
	if (!p)
		return -ENOMEM;
	return module_settings_set_str(ms, &ms->edgesec_label, v->valuestring, p);
}

int module_settings_fill_create(struct module_settings *ms, const cJSON *obj, const char *prefix,
				struct json_error *err)
{
	_cleanup_free_ char *hp = NULL;
	const cJSON *hc;
	int r;

	if (!cJSON_IsObject(obj))
		return type_error(ms, err, prefix, "an object", obj);
	r = read_str(ms, obj, "User", prefix, &ms->user, err);
	if (r >= 0)
		r = read_edgesec_label(ms, obj, prefix);
	if (r >= 0 && !ms->image.value)
		r = read_str(ms, obj, "Image", prefix, &ms->image, err);
	if (r >= 0)
		r = read_env_array(ms, obj, prefix, err);
	if (r >= 0) {
		_cleanup_free_ char *lp = path_join(prefix, "Labels");

		r = lp ? module_settings_read_accept_labels(
				 ms, cJSON_GetObjectItemCaseSensitive(obj, "Labels"), lp)
		       : -ENOMEM;
	}
	if (r < 0)
		return r;
	/* the key as written ("hostconfig" is HostConfig too), so the path resolves */
	hc = ms_json_get(obj, "HostConfig");
	hp = path_join(prefix, hc ? hc->string : "HostConfig");
	if (!hp)
		return -ENOMEM;
	r = module_settings_fill_host_config(ms, hc, hp, err);
	if (r >= 0 && ms->record_issues)
		r = ms_lint_create(ms, obj, prefix);
	return r;
}
