/* SPDX-License-Identifier: MIT */
/*
 * Deployment manifest parser: finds the modulesContent object under any of the envelopes people
 * use, walks $edgeAgent (systemModules, modules, runtime registry credentials, layered
 * "properties.desired.*" keys) and $edgeHub (routes), and fills one struct module_settings per
 * module through module_settings_fill_create().
 *
 * Ownership: struct manifest owns its modules; the cJSON tree lives only during parsing.
 * Limits: MANIFEST_MAX_SIZE input bytes, MANIFEST_MAX_MODULES modules (excess counted),
 * MANIFEST_CREATE_OPTIONS_MAX bytes of reassembled createOptions, and a JSON tree of at most
 * json_tree_budget() of the text it comes from (the document, a createOptions string).  Error
 * messages name the JSON pointer and never quote values.
 */
#include "manifest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/num.h"
#include "common/str.h"

#define DESIRED "properties.desired"
#define DESIRED_DOT "properties.desired."

struct parse {
	struct manifest *m;
	struct json_error *err;
	struct module_settings *agent; /* receives the registry credentials */
	struct module_settings *hub;   /* edgeHub's module: deployment issues of $edgeHub */
	char agent_path[JSON_POINTER_MAX];
	char hub_path[JSON_POINTER_MAX];
};

static int deployment_issue(struct parse *p, bool hub, int r);

static void ptr_child(char out[JSON_POINTER_MAX], const char *base, const char *token)
{
	str_copy(out, JSON_POINTER_MAX, base);
	json_pointer_append(out, token);
}

static int type_error(struct parse *p, const char *ptr, const char *what, const char *expected,
		      const cJSON *item)
{
	return json_error_set(p->err, ptr, "%s must be %s, not %s", what, expected,
			      json_type_name(item));
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static bool present(const cJSON *it)
{
	return it && !cJSON_IsNull(it);
}

static int check_schema(struct parse *p, const cJSON *desired, const char *ptr, const char *who)
{
	const cJSON *sv = get(desired, "schemaVersion");
	char sp[JSON_POINTER_MAX];

	if (!present(sv))
		return 0;
	ptr_child(sp, ptr, "schemaVersion");
	if (!cJSON_IsString(sv))
		return type_error(p, sp, "schemaVersion", "a string such as \"1.1\"", sv);
	if (ms_is_only_placeholder(sv->valuestring))
		return json_error_set(
			p->err, sp,
			"%s schemaVersion is a placeholder where a version such as "
			"\"1.1\" belongs: edgeAgent refuses the deployment unless it is "
			"replaced",
			who);
	if (strncmp(sv->valuestring, "1.", 2) != 0 || !isdigit((unsigned char)sv->valuestring[2]))
		return json_error_set(
			p->err, sp,
			"%s schemaVersion \"%.16s\" is not supported (expected 1.0 to 1.4)", who,
			sv->valuestring);
	return 0;
}

/* ---- modules ---- */

static int add_module(struct parse *p, struct module_settings *ms, struct manifest_module **ret)
{
	struct manifest *m = p->m;
	struct manifest_module *mods;

	if (m->n_modules >= MANIFEST_MAX_MODULES) {
		m->dropped_modules++;
		module_settings_free(ms);
		*ret = NULL;
		return 0;
	}
	if (m->n_modules == m->cap_modules) {
		size_t cap = m->cap_modules ? m->cap_modules * 2 : 16;

		mods = es_realloc(m->modules, cap * sizeof(*mods));
		if (!mods) {
			module_settings_free(ms);
			return -ENOMEM;
		}
		m->modules = mods;
		m->cap_modules = cap;
	}
	*ret = &m->modules[m->n_modules++];
	memset(*ret, 0, sizeof(**ret));
	(*ret)->ms = ms;
	return 0;
}

static int scalar_string(const cJSON *v, char *out, size_t size)
{
	if (cJSON_IsString(v))
		return -1; /* caller uses valuestring */
	if (cJSON_IsBool(v))
		str_copy(out, size, cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNumber(v))
		snprintf(out, size, "%.17g", v->valuedouble);
	else if (cJSON_IsNull(v))
		out[0] = '\0';
	else
		return -EINVAL;
	return 0;
}

static int parse_env(struct parse *p, struct module_settings *ms, const cJSON *env, const char *ptr)
{
	const cJSON *e;

	if (!present(env))
		return 0;
	if (!cJSON_IsObject(env))
		return type_error(p, ptr, "env", "an object of {\"NAME\": {\"value\": ...}}", env);
	cJSON_ArrayForEach(e, env) {
		char ep[JSON_POINTER_MAX], vp[JSON_POINTER_MAX], num[64];
		const cJSON *v = e;
		int r;

		ptr_child(ep, ptr, e->string);
		str_copy(vp, sizeof(vp), ep);
		if (cJSON_IsObject(e)) {
			v = get(e, "value");
			ptr_child(vp, ep, "value");
			if (!v) { /* one bad variable is a finding; the others are still read */
				r = module_settings_add_issue(ms, MS_ISSUE_INVALID, ep,
							      "env variable %.60s has no \"value\"",
							      e->string);
				if (r < 0)
					return r;
				continue;
			}
		}
		r = scalar_string(v, num, sizeof(num));
		if (r == -EINVAL) {
			r = module_settings_add_issue(
				ms, MS_ISSUE_INVALID, vp,
				"env variable %.60s is %s, edgeAgent expects a "
				"string, number or boolean",
				e->string, json_type_name(v));
			if (r < 0)
				return r;
			continue;
		}
		r = module_settings_add_env(ms, e->string, r < 0 ? v->valuestring : num, vp);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The chunk number of "createOptionsNN", or -1. */
static int chunk_number(const char *key)
{
	uint32_t n;

	if (strncmp(key, "createOptions", 13) != 0 || strlen(key + 13) != 2 ||
	    num_parse_u32(key + 13, 2, 10, &n) < 0)
		return -1;
	return (int)n;
}

static int reassemble(struct parse *p, const cJSON *settings, const cJSON *co, const char *sptr,
		      struct buf *b)
{
	const cJSON *it;
	int last = 0;

	buf_append(b, co->valuestring, strlen(co->valuestring));
	for (int k = 1; k <= 99; k++) {
		char key[24], cp[JSON_POINTER_MAX];

		snprintf(key, sizeof(key), "createOptions%02d", k);
		it = get(settings, key);
		if (!it)
			break;
		ptr_child(cp, sptr, key);
		if (!cJSON_IsString(it))
			return type_error(p, cp, key, "a string (a piece of createOptions)", it);
		buf_append(b, it->valuestring, strlen(it->valuestring));
		last = k;
	}
	cJSON_ArrayForEach(it, settings) {
		int k = chunk_number(it->string);
		char cp[JSON_POINTER_MAX];

		if (k > last + 1 || k == 0) {
			ptr_child(cp, sptr, it->string);
			return json_error_set(
				p->err, cp,
				"%s does not follow createOptions%02d: the pieces must be "
				"numbered 01, 02, ... without gaps",
				it->string, k - 1);
		}
	}
	if (b->failed)
		return json_error_set(p->err, sptr, "createOptions is larger than %u bytes",
				      MANIFEST_CREATE_OPTIONS_MAX);
	return 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static int parse_create_options(struct parse *p, struct manifest_module *mm, const cJSON *settings,
				const char *sptr)
{
	const cJSON *co = get(settings, "createOptions"), *it;
	char cp[JSON_POINTER_MAX];
	struct json_error jerr;
	struct buf b;
	cJSON *doc;
	int r;

	ptr_child(cp, sptr, "createOptions");
	if (!present(co)) {
		cJSON_ArrayForEach(it, settings)
			if (chunk_number(it->string) >= 0)
				return json_error_set(p->err, cp,
						      "%s is given without createOptions",
						      it->string);
		return 0;
	}
	mm->create_options_path = es_strdup(cp);
	if (!mm->create_options_path)
		return -ENOMEM;
	if (cJSON_IsObject(co))
		return module_settings_fill_create(mm->ms, co, cp, p->err);
	if (!cJSON_IsString(co))
		return type_error(p, cp, "createOptions", "a JSON string or an object", co);
	mm->create_options_string = true;
	buf_init(&b, MANIFEST_CREATE_OPTIONS_MAX);
	r = reassemble(p, settings, co, sptr, &b);
	if (r < 0 || blank(b.data ? b.data : "", b.len))
		goto out;
	doc = json_parse_capped(b.data, b.len, json_tree_budget(b.len), &jerr);
	if (!doc) {
		r = json_error_set(p->err, cp, "createOptions is not valid JSON (%s of the string)",
				   jerr.message);
		goto out;
	}
	if (!cJSON_IsObject(doc))
		r = type_error(p, cp, "createOptions", "a JSON object", doc);
	else
		r = module_settings_fill_create(mm->ms, doc, cp, p->err);
	cJSON_Delete(doc);
out:
	buf_done(&b);
	return r;
}

static int parse_module_body(struct parse *p, struct manifest_module *mm, const cJSON *node,
			     const char *ptr);

/*
 * One module.  What is wrong inside it (a value of the wrong type, createOptions that do not
 * parse) is an issue of that module, reported as a finding; the module keeps what could be
 * read and the other modules are read as usual.
 */
static int parse_module(struct parse *p, const cJSON *node, const char *name, enum module_kind kind,
			const char *ptr)
{
	struct manifest_module *mm;
	struct module_settings *ms;
	int r;

	ms = module_settings_new(name, kind, ptr);
	if (!ms)
		return -ENOMEM;
	ms->record_issues = true;
	r = add_module(p, ms, &mm);
	if (r < 0 || !mm)
		return r;
	if (kind == MODULE_KIND_EDGE_AGENT && !p->agent)
		p->agent = ms;
	if (kind == MODULE_KIND_EDGE_HUB && !p->hub)
		p->hub = ms;
	r = cJSON_IsObject(node) ? parse_module_body(p, mm, node, ptr)
				 : type_error(p, ptr, "a module", "an object", node);
	if (r != -EINVAL)
		return r;
	r = module_settings_add_issue(ms, MS_ISSUE_INVALID, p->err->pointer, "%s", p->err->message);
	memset(p->err, 0, sizeof(*p->err));
	return r;
}

/* r of one part of a module: -EINVAL becomes an issue of the module and the next part is
 * read; other errors pass. */
static int module_part(struct parse *p, struct module_settings *ms, int r)
{
	if (r != -EINVAL)
		return r;
	r = module_settings_add_issue(ms, MS_ISSUE_INVALID, p->err->pointer, "%s", p->err->message);
	memset(p->err, 0, sizeof(*p->err));
	return r;
}

static int parse_image(struct parse *p, struct module_settings *ms, const cJSON *settings,
		       const char *sp)
{
	const cJSON *it = get(settings, "image");
	char ep[JSON_POINTER_MAX];

	if (!present(it))
		return 0;
	ptr_child(ep, sp, "image");
	if (!cJSON_IsString(it))
		return type_error(p, ep, "settings.image", "a string", it);
	return module_settings_set_str(ms, &ms->image, it->valuestring, ep);
}

static int parse_module_body(struct parse *p, struct manifest_module *mm, const cJSON *node,
			     const char *ptr)
{
	struct module_settings *ms = mm->ms;
	const cJSON *settings, *it;
	char sp[JSON_POINTER_MAX], ep[JSON_POINTER_MAX];
	int r = 0;

	it = get(node, "restartPolicy");
	if (present(it)) {
		ptr_child(sp, ptr, "restartPolicy");
		r = module_part(p, ms,
				cJSON_IsString(it)
					? module_settings_set_str(ms, &ms->restart_policy,
								  it->valuestring, sp)
					: type_error(p, sp, "restartPolicy", "a string", it));
		if (r < 0)
			return r;
	}
	ptr_child(sp, ptr, "settings");
	settings = get(node, "settings");
	if (present(settings) && !cJSON_IsObject(settings))
		r = module_part(p, ms, type_error(p, sp, "settings", "an object", settings));
	else if (present(settings) &&
		 (r = module_part(p, ms, parse_image(p, ms, settings, sp))) >= 0)
		r = module_part(p, ms, parse_create_options(p, mm, settings, sp));
	if (r < 0)
		return r;
	ptr_child(ep, ptr, "env");
	return parse_env(p, ms, get(node, "env"), ep);
}

static int parse_module_map(struct parse *p, const cJSON *map, const char *ptr, bool system)
{
	const cJSON *it;

	if (!present(map))
		return 0;
	if (!cJSON_IsObject(map))
		return type_error(p, ptr, system ? "systemModules" : "modules", "an object", map);
	cJSON_ArrayForEach(it, map) {
		char mp[JSON_POINTER_MAX];
		enum module_kind kind = MODULE_KIND_CUSTOM;
		int r;

		if (system && strcmp(it->string, "edgeAgent") == 0)
			kind = MODULE_KIND_EDGE_AGENT;
		else if (system && strcmp(it->string, "edgeHub") == 0)
			kind = MODULE_KIND_EDGE_HUB;
		ptr_child(mp, ptr, it->string);
		r = parse_module(p, it, it->string, kind, mp);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- registry credentials ---- */

static int opt_string(struct parse *p, const cJSON *obj, const char *key, const char *ptr,
		      const char **ret)
{
	const cJSON *it = get(obj, key);
	char kp[JSON_POINTER_MAX];

	*ret = NULL;
	if (!present(it))
		return 0;
	ptr_child(kp, ptr, key);
	if (!cJSON_IsString(it))
		return type_error(p, kp, key, "a string", it);
	*ret = it->valuestring;
	return 0;
}

/* The system module *slot ($edgeAgent or $edgeHub), made once, with no container of its own. */
static int ensure_system_module(struct parse *p, struct module_settings **slot, const char *name,
				enum module_kind kind, const char *path)
{
	struct manifest_module *mm;
	struct module_settings *ms;
	int r;

	if (*slot)
		return 0;
	ms = module_settings_new(name, kind, path);
	if (!ms)
		return -ENOMEM;
	ms->no_container = true;
	r = add_module(p, ms, &mm);
	if (r < 0)
		return r;
	*slot = mm ? ms : NULL;
	return *slot ? 0 : -ENOSPC;
}

static int ensure_agent(struct parse *p)
{
	return ensure_system_module(p, &p->agent, "$edgeAgent", MODULE_KIND_EDGE_AGENT,
				    p->agent_path);
}

static int ensure_hub(struct parse *p)
{
	return ensure_system_module(p, &p->hub, "$edgeHub", MODULE_KIND_EDGE_HUB, p->hub_path);
}

/*
 * r from a part of the deployment's own structure ($edgeAgent's or $edgeHub's desired
 * properties, registry credentials, routes): -EINVAL becomes an issue of edgeAgent or edgeHub
 * (a finding; the rest of the manifest is read), other errors pass.
 */
static int deployment_issue(struct parse *p, bool hub, int r)
{
	struct module_settings *ms;
	int e;

	if (r != -EINVAL)
		return r;
	e = hub ? ensure_hub(p) : ensure_agent(p);
	if (e == -ENOSPC) /* no room for one more module: counted in dropped_modules */
		e = 0;
	ms = hub ? p->hub : p->agent;
	if (e == 0 && ms)
		e = module_settings_add_issue(ms, MS_ISSUE_INVALID, p->err->pointer, "%s",
					      p->err->message);
	memset(p->err, 0, sizeof(*p->err));
	return e;
}

static int parse_registry(struct parse *p, const char *name, const cJSON *cred, const char *ptr)
{
	struct ms_registry_spec reg = { .name = name, .path = ptr };
	const char *password;
	char pp[JSON_POINTER_MAX];
	int r;

	if (!cJSON_IsObject(cred))
		return deployment_issue(
			p, false, type_error(p, ptr, "registry credentials", "an object", cred));
	if ((r = opt_string(p, cred, "username", ptr, &reg.username)) < 0 ||
	    (r = opt_string(p, cred, "password", ptr, &password)) < 0 ||
	    (r = opt_string(p, cred, "address", ptr, &reg.address)) < 0)
		return deployment_issue(p, false, r);
	ptr_child(pp, ptr, "password");
	reg.password_path = pp;
	reg.password_set = password && password[0];
	reg.password_placeholder = reg.password_set && ms_is_placeholder(password);
	r = ensure_agent(p);
	if (r == -ENOSPC)
		return 0;
	return r < 0 ? r : module_settings_add_registry(p->agent, &reg);
}

static int parse_runtime(struct parse *p, const cJSON *runtime, const char *ptr)
{
	const cJSON *settings, *creds, *it;
	char sp[JSON_POINTER_MAX], cp[JSON_POINTER_MAX];

	if (!present(runtime))
		return 0;
	if (!cJSON_IsObject(runtime))
		return deployment_issue(p, false,
					type_error(p, ptr, "runtime", "an object", runtime));
	settings = get(runtime, "settings");
	ptr_child(sp, ptr, "settings");
	if (!present(settings))
		return 0;
	if (!cJSON_IsObject(settings))
		return deployment_issue(
			p, false, type_error(p, sp, "runtime.settings", "an object", settings));
	creds = get(settings, "registryCredentials");
	ptr_child(cp, sp, "registryCredentials");
	if (!present(creds))
		return 0;
	if (!cJSON_IsObject(creds))
		return deployment_issue(
			p, false, type_error(p, cp, "registryCredentials", "an object", creds));
	cJSON_ArrayForEach(it, creds) {
		char rp[JSON_POINTER_MAX];
		int r;

		ptr_child(rp, cp, it->string);
		r = parse_registry(p, it->string, it, rp);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- $edgeAgent and $edgeHub ---- */

static int parse_agent_desired(struct parse *p, const cJSON *d, const char *ptr)
{
	char cp[JSON_POINTER_MAX];
	int r;

	if (!cJSON_IsObject(d))
		return deployment_issue(p, false, type_error(p, ptr, DESIRED, "an object", d));
	r = deployment_issue(p, false, check_schema(p, d, ptr, "$edgeAgent"));
	if (r < 0)
		return r;
	ptr_child(cp, ptr, "systemModules");
	r = deployment_issue(p, false, parse_module_map(p, get(d, "systemModules"), cp, true));
	if (r < 0)
		return r;
	ptr_child(cp, ptr, "modules");
	r = deployment_issue(p, false, parse_module_map(p, get(d, "modules"), cp, false));
	if (r < 0)
		return r;
	ptr_child(cp, ptr, "runtime");
	return parse_runtime(p, get(d, "runtime"), cp);
}

/* Layered deployments: "properties.desired.modules.<name>" and friends. */
static int parse_agent_layered(struct parse *p, const cJSON *it, const char *ptr)
{
	const char *rest = it->string + strlen(DESIRED_DOT);

	p->m->layered = true;
	if (strncmp(rest, "modules.", 8) == 0 && rest[8])
		return parse_module(p, it, rest + 8, MODULE_KIND_CUSTOM, ptr);
	if (strncmp(rest, "systemModules.", 14) == 0 && rest[14]) {
		enum module_kind kind = strcmp(rest + 14, "edgeAgent") == 0 ? MODULE_KIND_EDGE_AGENT
					: strcmp(rest + 14, "edgeHub") == 0 ? MODULE_KIND_EDGE_HUB
									    : MODULE_KIND_CUSTOM;

		return parse_module(p, it, rest + 14, kind, ptr);
	}
	if (strncmp(rest, "runtime.settings.registryCredentials.", 37) == 0 && rest[37])
		return parse_registry(p, rest + 37, it, ptr);
	return 0;
}

static int parse_agent(struct parse *p, const cJSON *agent, const char *ptr)
{
	const cJSON *it;
	char cp[JSON_POINTER_MAX];
	int r;

	str_copy(p->agent_path, sizeof(p->agent_path), ptr);
	if (!cJSON_IsObject(agent))
		return deployment_issue(p, false,
					type_error(p, ptr, "$edgeAgent", "an object", agent));
	it = get(agent, DESIRED);
	if (present(it)) {
		ptr_child(cp, ptr, DESIRED);
		r = parse_agent_desired(p, it, cp);
		if (r < 0)
			return r;
	}
	cJSON_ArrayForEach(it, agent) {
		if (strncmp(it->string, DESIRED_DOT, strlen(DESIRED_DOT)) != 0)
			continue;
		ptr_child(cp, ptr, it->string);
		r = parse_agent_layered(p, it, cp);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_route(struct parse *p, const cJSON *route, const char *ptr)
{
	const cJSON *r;
	char rp[JSON_POINTER_MAX];

	if (cJSON_IsString(route)) {
		manifest_route_note(p->m, route->valuestring);
		return 0;
	}
	if (!cJSON_IsObject(route))
		return type_error(p, ptr, "a route", "a string or an object with \"route\"", route);
	r = get(route, "route");
	ptr_child(rp, ptr, "route");
	if (!cJSON_IsString(r))
		return type_error(p, rp, "route", "a string", r);
	manifest_route_note(p->m, r->valuestring);
	return 0;
}

static int parse_hub(struct parse *p, const cJSON *hub, const char *ptr)
{
	const cJSON *d, *routes, *it;
	char dp[JSON_POINTER_MAX], rp[JSON_POINTER_MAX];
	int r;

	str_copy(p->hub_path, sizeof(p->hub_path), ptr);
	if (!cJSON_IsObject(hub))
		return deployment_issue(p, true, type_error(p, ptr, "$edgeHub", "an object", hub));
	d = get(hub, DESIRED);
	ptr_child(dp, ptr, DESIRED);
	if (present(d) && !cJSON_IsObject(d))
		return deployment_issue(p, true, type_error(p, dp, DESIRED, "an object", d));
	if (present(d)) {
		r = deployment_issue(p, true, check_schema(p, d, dp, "$edgeHub"));
		if (r < 0)
			return r;
		routes = get(d, "routes");
		ptr_child(rp, dp, "routes");
		if (present(routes) && !cJSON_IsObject(routes)) {
			r = deployment_issue(p, true,
					     type_error(p, rp, "routes", "an object", routes));
			if (r < 0)
				return r;
			routes = NULL;
		}
		if (!present(routes))
			routes = NULL;
		cJSON_ArrayForEach(it, routes) {
			char ip[JSON_POINTER_MAX];

			ptr_child(ip, rp, it->string);
			r = deployment_issue(p, true, check_route(p, it, ip));
			if (r < 0)
				return r;
			p->m->n_routes++;
		}
	}
	cJSON_ArrayForEach(it, hub) {
		if (strncmp(it->string, DESIRED_DOT "routes.", strlen(DESIRED_DOT "routes.")) != 0)
			continue;
		ptr_child(rp, ptr, it->string);
		r = deployment_issue(p, true, check_route(p, it, rp));
		if (r < 0)
			return r;
		p->m->n_routes++;
		p->m->layered = true;
	}
	return 0;
}

/* ---- envelope ---- */

static const cJSON *find_content(struct parse *p, const cJSON *root, char *ptr)
{
	static const char *const keys[] = { "modulesContent", "moduleContent" };
	const cJSON *content, *it;

	ptr[0] = '\0';
	for (size_t i = 0; i < 2; i++) {
		it = get(root, keys[i]);
		if (it) {
			p->m->envelope = keys[i];
			ptr_child(ptr, "", keys[i]);
			return it;
		}
	}
	content = get(root, "content");
	if (cJSON_IsObject(content)) {
		for (size_t i = 0; i < 2; i++) {
			it = get(content, keys[i]);
			if (it) {
				p->m->envelope =
					i == 0 ? "content.modulesContent" : "content.moduleContent";
				ptr_child(ptr, "", "content");
				json_pointer_append(ptr, keys[i]);
				return it;
			}
		}
	}
	if (get(root, "$edgeAgent") || get(root, "$edgeHub")) {
		p->m->envelope = "bare";
		return root;
	}
	return NULL;
}

static int parse_root(struct parse *p, const cJSON *root)
{
	char ptr[JSON_POINTER_MAX], cp[JSON_POINTER_MAX];
	const cJSON *mc, *agent, *hub;
	int r;

	if (!cJSON_IsObject(root))
		return type_error(p, "", "a deployment manifest", "a JSON object", root);
	mc = find_content(p, root, ptr);
	if (!mc)
		return json_error_set(
			p->err, "",
			"no deployment found: expected modulesContent, "
			"content.modulesContent, moduleContent or $edgeAgent/$edgeHub "
			"at the top level");
	if (!cJSON_IsObject(mc))
		return type_error(p, ptr, "modulesContent", "an object", mc);
	agent = get(mc, "$edgeAgent");
	hub = get(mc, "$edgeHub");
	if (!agent && !hub)
		return json_error_set(p->err, ptr,
				      "modulesContent has neither $edgeAgent nor $edgeHub");
	if (agent) {
		ptr_child(cp, ptr, "$edgeAgent");
		r = parse_agent(p, agent, cp);
		if (r < 0)
			return r;
	}
	if (hub) {
		ptr_child(cp, ptr, "$edgeHub");
		r = parse_hub(p, hub, cp);
		if (r < 0)
			return r;
	}
	return 0;
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_modules; i++) {
		module_settings_free(m->modules[i].ms);
		es_free(m->modules[i].create_options_path);
	}
	es_free(m->modules);
	es_free(m);
}

int manifest_parse(const char *data, size_t len, struct manifest **ret_manifest,
		   struct json_error *err)
{
	struct parse p = { .err = err };
	cJSON *root;
	int r;

	memset(err, 0, sizeof(*err));
	if (len > MANIFEST_MAX_SIZE)
		return json_error_set(err, "", "the manifest is larger than %u bytes",
				      MANIFEST_MAX_SIZE);
	json_read_init();
	/* The tree is bounded by the input's size: "[0,0,...]" would cost 40 times it. */
	root = json_parse_capped(data, len, json_tree_budget(len), err);
	if (!root)
		return -EINVAL;
	p.m = es_calloc(1, sizeof(*p.m));
	if (!p.m) {
		cJSON_Delete(root);
		return -ENOMEM;
	}
	r = parse_root(&p, root);
	cJSON_Delete(root);
	if (r < 0) {
		if (r == -ENOMEM && !err->message[0])
			json_error_set(err, "", "out of memory");
		manifest_free(p.m);
		return r;
	}
	*ret_manifest = p.m;
	return 0;
}

int manifest_load(const char *path, struct manifest **ret_manifest, struct json_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int r;

	memset(err, 0, sizeof(*err));
	r = read_file_capped(path, MANIFEST_MAX_SIZE, &data, &len);
	if (r < 0) {
		snprintf(err->message, sizeof(err->message), "cannot read the manifest: %s",
			 fileio_strerror(r));
		return r;
	}
	r = manifest_parse(data, len, ret_manifest, err);
	es_free(data);
	return r;
}

/* Case-insensitive substring search bounded to [s, end). */
static const char *find_ci(const char *s, const char *end, const char *what)
{
	size_t n = strlen(what);

	for (; s + n <= end; s++)
		if (strncasecmp(s, what, n) == 0)
			return s;
	return NULL;
}

void manifest_route_note(struct manifest *m, const char *route)
{
	const char *end = route + strlen(route);
	const char *from = find_ci(route, end, "FROM"), *where, *into, *src_end;

	if (!from)
		return;
	where = find_ci(from, end, " WHERE ");
	into = find_ci(from, end, " INTO ");
	src_end = where ? where : into ? into : end;
	/* A module sends (its outputs) or receives (BrokeredEndpoint("/modules/...")). */
	if (find_ci(from, src_end, "/messages/modules/") ||
	    (into && find_ci(into, end, "/modules/")))
		m->routes_modules = true;
	/* A source of all messages ("/" then "*", "/messages/" then "*") or twin notifications
	 * takes what devices (leaf devices, child edge devices) send too, unless the condition
	 * keeps modules only. */
	if (!find_ci(from, src_end, "/messages/modules/") &&
	    (find_ci(from, src_end, "/*") || find_ci(from, src_end, "/twinChangeNotifications"))) {
		const char *def =
			where ? find_ci(where, into ? into : end, "IS_DEFINED($connectionModuleId)")
			      : NULL;
		bool modules_only = def && !find_ci(where, def, "NOT");

		if (!modules_only)
			m->routes_devices = true;
		m->routes_modules = true;
	}
}

int manifest_analyze(const struct manifest *m, struct finding_list *out)
{
	struct rules_context ctx = { .routes_modules = m->routes_modules,
				     .routes_devices = m->routes_devices };

	for (size_t i = 0; i < m->n_modules; i++)
		rules_context_add_module(&ctx, m->modules[i].ms);
	for (size_t i = 0; i < m->n_modules; i++) {
		const struct manifest_module *mm = &m->modules[i];
		size_t start = out->n, plen;
		int r = rules_check_module(mm->ms, &ctx, out);

		if (r < 0)
			return r;
		if (!mm->create_options_string)
			continue;
		plen = strlen(mm->create_options_path);
		for (size_t k = start; k < out->n; k++) {
			struct finding *f = &out->items[k];

			if (strncmp(f->path, mm->create_options_path, plen) != 0 ||
			    f->path[plen] != '/')
				continue;
			f->embedded_path = es_strdup(f->path + plen);
			if (!f->embedded_path)
				return -ENOMEM;
			f->path[plen] = '\0';
		}
	}
	return 0;
}
