/* SPDX-License-Identifier: MIT */
/*
 * docker inspect → struct module_settings (see inspect.h).  Config is read with the
 * createOptions reader (User, Image, Env) and HostConfig with the shared HostConfig reader, in
 * skip-bad-values mode, so the manifest and running containers go through one code path; this
 * file adds what only inspect has: the name, id, labels, the resolved top-level Mounts and
 * RestartPolicy.
 *
 * Ownership: a struct inspected_container owns its strings and settings; the cJSON stays the
 * caller's.  Strings are bounded like every module-settings string.
 */
#include "inspect.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/str.h"

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* obj[key] when it is a string; counts a present value of another type as skipped. */
static const char *get_str(struct inspected_container *c, const cJSON *obj, const char *key)
{
	const cJSON *it = get(obj, key);

	if (cJSON_IsString(it))
		return it->valuestring;
	if (it && !cJSON_IsNull(it))
		c->skipped++;
	return NULL;
}

static char *dup_capped(const char *s)
{
	return es_strndup(s ? s : "", s ? strnlen(s, MS_STRING_MAX) : 0);
}

static bool is_iotedge_socket_target(const char *target, bool edge_agent)
{
	char t[64];
	size_t n;

	if (!target)
		return false;
	/* "/var/run/iotedge/workload.sock" and "/run/..." alike, trailing '/' ignored. */
	n = strnlen(target, sizeof(t) - 1);
	memcpy(t, target, n);
	t[n] = '\0';
	while (n > 1 && t[n - 1] == '/')
		t[--n] = '\0';
	if (strncmp(t, "/var/run/", 9) == 0)
		memmove(t, t + 4, strlen(t + 4) + 1);
	return strcmp(t, "/run/iotedge/workload.sock") == 0 ||
	       (edge_agent && strcmp(t, "/run/iotedge/mgmt.sock") == 0);
}

static void mount_free(struct ms_mount *m)
{
	es_free(m->source);
	es_free(m->target);
	es_free(m->type);
	es_free(m->propagation);
	es_free(m->path);
}

/* Leaves out the sockets IoT Edge binds into its own modules (inspect.h). */
static void drop_runtime_mounts(struct inspected_container *c)
{
	struct module_settings *ms = c->ms;
	size_t k = 0;

	if (!c->edge_module)
		return;
	for (size_t i = 0; i < ms->n_mounts; i++) {
		if (is_iotedge_socket_target(ms->mounts[i].target,
					     ms->kind == MODULE_KIND_EDGE_AGENT)) {
			mount_free(&ms->mounts[i]);
			c->runtime_mounts++;
			continue;
		}
		ms->mounts[k++] = ms->mounts[i];
	}
	ms->n_mounts = k;
}

static bool has_target(const struct module_settings *ms, const char *target)
{
	for (size_t i = 0; i < ms->n_mounts; i++)
		if (ms->mounts[i].target && strcmp(ms->mounts[i].target, target) == 0)
			return true;
	return false;
}

/* The resolved Mounts[]: binds HostConfig did not already name (e.g. from a volume plugin or
 * an older API), with their effective RW. */
static int read_resolved_mounts(struct inspected_container *c, const cJSON *doc)
{
	const cJSON *mounts = get(doc, "Mounts"), *m;
	size_t i = 0;

	if (!mounts || cJSON_IsNull(mounts))
		return 0;
	if (!cJSON_IsArray(mounts)) {
		c->skipped++;
		return 0;
	}
	cJSON_ArrayForEach(m, mounts) {
		const char *type, *src, *dst, *prop;
		const cJSON *rw;
		char path[48];
		int r;

		snprintf(path, sizeof(path), "/Mounts/%zu", i++);
		if (!cJSON_IsObject(m)) {
			c->skipped++;
			continue;
		}
		type = get_str(c, m, "Type");
		src = get_str(c, m, "Source");
		dst = get_str(c, m, "Destination");
		prop = get_str(c, m, "Propagation");
		rw = get(m, "RW");
		if (rw && !cJSON_IsBool(rw))
			c->skipped++;
		if (!type || strcmp(type, "bind") != 0 || !src || !dst || has_target(c->ms, dst))
			continue;
		r = module_settings_add_mount(c->ms, src, dst, "bind", prop, !cJSON_IsTrue(rw),
					      path);
		if (r < 0)
			return r;
	}
	return 0;
}

static enum module_kind kind_of(const char *name, bool edge_module)
{
	if (edge_module && strcmp(name, "edgeAgent") == 0)
		return MODULE_KIND_EDGE_AGENT;
	if (edge_module && strcmp(name, "edgeHub") == 0)
		return MODULE_KIND_EDGE_HUB;
	return MODULE_KIND_CUSTOM;
}

static int fill(struct inspected_container *c, const cJSON *doc)
{
	const cJSON *config = get(doc, "Config"), *labels = get(config, "Labels");
	const cJSON *hc = get(doc, "HostConfig"), *restart = get(hc, "RestartPolicy");
	const char *name = get_str(c, doc, "Name"), *id = get_str(c, doc, "Id");
	const char *owner, *original, *restart_name;
	struct json_error err;
	int r;

	if (labels && !cJSON_IsNull(labels) && !cJSON_IsObject(labels)) {
		c->skipped++;
		labels = NULL;
	}
	owner = get_str(c, labels, INSPECT_EDGE_OWNER_LABEL);
	original = get_str(c, labels, INSPECT_ORIGINAL_IMAGE_LABEL);
	c->edge_module = owner && strcmp(owner, INSPECT_EDGE_OWNER) == 0;
	if (name && name[0] == '/')
		name++;
	str_copy(c->id, sizeof(c->id), id ? id : "");
	c->ms = module_settings_new(name ? name : "", kind_of(name ? name : "", c->edge_module),
				    "");
	if (!c->ms)
		return -ENOMEM;
	c->ms->skip_bad_values = true;
	if (original && original[0]) {
		r = module_settings_set_str(c->ms, &c->ms->image, original,
					    "/Config/Labels/" INSPECT_ORIGINAL_IMAGE_LABEL);
		if (r < 0)
			return r;
	}
	/* With skip_bad_values these return only -ENOMEM. */
	if (config && !cJSON_IsNull(config)) {
		r = module_settings_fill_create(c->ms, config, "/Config", &err);
		if (r < 0)
			return r;
	}
	r = module_settings_fill_host_config(c->ms, hc, "/HostConfig", &err);
	if (r < 0)
		return r;
	restart_name = get_str(c, restart, "Name");
	if (restart_name) {
		r = module_settings_set_str(c->ms, &c->ms->restart_policy, restart_name,
					    "/HostConfig/RestartPolicy/Name");
		if (r < 0)
			return r;
	}
	r = read_resolved_mounts(c, doc);
	if (r < 0)
		return r;
	drop_runtime_mounts(c);
	c->image = dup_capped(c->ms->image.value);
	c->image_id = dup_capped(get_str(c, doc, "Image"));
	c->status = dup_capped(get_str(c, get(doc, "State"), "Status"));
	c->skipped += c->ms->skipped;
	return (c->image && c->image_id && c->status) ? 0 : -ENOMEM;
}

int inspect_container(const cJSON *inspect, struct inspected_container **ret)
{
	struct inspected_container *c;
	int r;

	*ret = NULL;
	if (!cJSON_IsObject(inspect))
		return -EINVAL;
	c = es_calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = fill(c, inspect);
	if (r < 0) {
		inspected_container_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void inspected_container_free(struct inspected_container *c)
{
	if (!c)
		return;
	module_settings_free(c->ms);
	es_free(c->image);
	es_free(c->image_id);
	es_free(c->status);
	es_free(c);
}

int analyze_containers(struct inspected_container *const *cs, size_t n, struct finding_list *out)
{
	struct rules_context ctx = { 0 };

	for (size_t i = 0; i < n; i++)
		rules_context_add_module(&ctx, cs[i]->ms);
	for (size_t i = 0; i < n; i++) {
		int r = rules_check_module(cs[i]->ms, &ctx, out);

		if (r < 0)
			return r;
	}
	return 0;
}

int analyze_container(const cJSON *inspect, struct finding_list *out)
{
	struct inspected_container *c;
	int r = inspect_container(inspect, &c);

	if (r < 0)
		return r;
	r = analyze_containers(&c, 1, out);
	inspected_container_free(c);
	return r;
}

const struct inspected_container *inspect_find(struct inspected_container *const *cs, size_t n,
					       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (name && strcmp(cs[i]->ms->name, name) == 0)
			return cs[i];
	return NULL;
}
