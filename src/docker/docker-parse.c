/* SPDX-License-Identifier: MIT */
/*
 * Docker Engine API documents → small fixed structs; see docker-parse.h.
 *
 * Everything goes through cJSON (json_parse, allocations through es_malloc) and the typed
 * getters below, which accept only the expected JSON type: a number where a string is
 * expected is treated as missing, never coerced.  Strings are copied with copy_str(), which
 * cuts at the field size on a UTF-8 boundary.
 */
#include "docker-parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_read.h"
#include "common/json_write.h"
#include "common/num.h"

#define SETTINGS_LIST_MAX 64

bool docker_id_valid(const char *id)
{
	size_t n = 0;

	if (!id || !*id)
		return false;
	for (; id[n]; n++) {
		char ch = id[n];

		if (n >= DOCKER_ID_MAX - 1)
			return false;
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	/* "." and ".." would change the path's meaning. */
	return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

static void copy_str(char *out, size_t size, const char *s, size_t len)
{
	size_t n = len < size - 1 ? len : utf8_prefix_len(s, len, size - 1);

	memcpy(out, s, n);
	out[n] = '\0';
}

static const char *get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static void set_str(char *out, size_t size, const char *s)
{
	if (s)
		copy_str(out, size, s, strlen(s));
	else
		out[0] = '\0';
}

static bool get_i64(const cJSON *obj, const char *key, int64_t *ret)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble > 9.2e18 ||
	    v->valuedouble < -9.2e18)
		return false;
	*ret = (int64_t)v->valuedouble;
	return true;
}

/* A decimal integer held in a string (event attributes are all strings). */
static bool str_i64(const char *s, int64_t *ret)
{
	return s && num_parse_i64(s, strlen(s), INT64_MIN, INT64_MAX, ret) == 0;
}

int docker_version_parse(const char *json, size_t len, unsigned *ret_minor)
{
	struct json_error err;
	cJSON *doc = json_parse(json, len, &err);
	const char *v;
	uint64_t minor;
	int r = -EINVAL;

	if (!doc)
		return -EINVAL;
	v = get_str(doc, "ApiVersion");
	if (v && strncmp(v, "1.", 2) == 0 &&
	    num_parse_u64(v + 2, strlen(v + 2), 10, 999, &minor) == 0) {
		*ret_minor = (unsigned)minor;
		r = 0;
	}
	cJSON_Delete(doc);
	return r;
}

void docker_module_name(const cJSON *labels, const char *container_name, char *out, size_t out_size)
{
	const char *module;

	out[0] = '\0';
	if (!cJSON_IsObject(labels) || !get_str(labels, DOCKER_LABEL_EDGE_OWNER))
		return;
	module = get_str(labels, DOCKER_LABEL_EDGE_MODULE);
	if (module && *module)
		set_str(out, out_size, module);
	else if (container_name)
		set_str(out, out_size,
			container_name[0] == '/' ? container_name + 1 : container_name);
}

/* "exec_start: sh -c date" → action "exec_start", command "sh -c date". */
static void split_action(const char *action, struct docker_event *ev)
{
	const char *colon = strchr(action, ':');
	size_t n = colon ? (size_t)(colon - action) : strlen(action);

	copy_str(ev->action, sizeof(ev->action), action, n);
	ev->command[0] = '\0';
	if (colon) {
		colon++;
		while (*colon == ' ')
			colon++;
		set_str(ev->command, sizeof(ev->command), colon);
	}
}

int docker_event_parse(const char *line, size_t len, struct docker_event *ev)
{
	struct json_error err;
	const cJSON *actor, *attrs;
	const char *type, *action;
	cJSON *doc;
	int64_t t;

	memset(ev, 0, sizeof(*ev));
	doc = json_parse(line, len, &err);
	if (!doc)
		return -EINVAL;
	type = get_str(doc, "Type");
	action = get_str(doc, "Action");
	if (!cJSON_IsObject(doc) || !type || !action || !*action) {
		cJSON_Delete(doc);
		return -EINVAL;
	}
	if (strcmp(type, "container") == 0)
		ev->object = DOCKER_OBJECT_CONTAINER;
	else if (strcmp(type, "image") == 0)
		ev->object = DOCKER_OBJECT_IMAGE;
	split_action(action, ev);
	actor = cJSON_GetObjectItemCaseSensitive(doc, "Actor");
	attrs = cJSON_IsObject(actor) ? cJSON_GetObjectItemCaseSensitive(actor, "Attributes")
				      : NULL;
	set_str(ev->id, sizeof(ev->id), cJSON_IsObject(actor) ? get_str(actor, "ID") : NULL);
	if (cJSON_IsObject(attrs)) {
		set_str(ev->name, sizeof(ev->name), get_str(attrs, "name"));
		set_str(ev->image, sizeof(ev->image), get_str(attrs, "image"));
		ev->has_exit_code = str_i64(get_str(attrs, "exitCode"), &ev->exit_code);
		ev->has_signal = str_i64(get_str(attrs, "signal"), &ev->signal);
		if (ev->object == DOCKER_OBJECT_CONTAINER)
			docker_module_name(attrs, ev->name, ev->module, sizeof(ev->module));
	}
	if (get_i64(doc, "timeNano", &t) && t > 0)
		ev->time_ns = (uint64_t)t;
	else if (get_i64(doc, "time", &t) && t > 0 && t < 10000000000LL)
		ev->time_ns = (uint64_t)t * 1000000000ull;
	cJSON_Delete(doc);
	return 0;
}

int docker_list_parse(const char *json, size_t len, char (*ids)[DOCKER_ID_MAX], size_t max,
		      size_t *ret_skipped, size_t *ret_dropped)
{
	struct json_error err;
	cJSON *doc = json_parse(json, len, &err);
	const cJSON *item;
	size_t n = 0;

	*ret_skipped = *ret_dropped = 0;
	if (!doc)
		return -EINVAL;
	if (!cJSON_IsArray(doc)) {
		cJSON_Delete(doc);
		return -EINVAL;
	}
	cJSON_ArrayForEach(item, doc) {
		const char *id = cJSON_IsObject(item) ? get_str(item, "Id") : NULL;

		if (!docker_id_valid(id)) {
			(*ret_skipped)++;
			continue;
		}
		if (n >= max) {
			(*ret_dropped)++;
			continue;
		}
		set_str(ids[n], DOCKER_ID_MAX, id);
		n++;
	}
	cJSON_Delete(doc);
	return (int)n;
}

int docker_inspect_parse(const cJSON *doc, struct docker_container *out, struct buf *settings)
{
	const cJSON *state, *config, *host;
	const char *id, *name;

	memset(out, 0, sizeof(*out));
	id = cJSON_IsObject(doc) ? get_str(doc, "Id") : NULL;
	if (!docker_id_valid(id))
		return -EINVAL;
	set_str(out->id, sizeof(out->id), id);
	name = get_str(doc, "Name");
	set_str(out->name, sizeof(out->name), name && name[0] == '/' ? name + 1 : name);
	set_str(out->image_id, sizeof(out->image_id), get_str(doc, "Image"));
	config = cJSON_GetObjectItemCaseSensitive(doc, "Config");
	host = cJSON_GetObjectItemCaseSensitive(doc, "HostConfig");
	state = cJSON_GetObjectItemCaseSensitive(doc, "State");
	if (cJSON_IsObject(config)) {
		set_str(out->image, sizeof(out->image), get_str(config, "Image"));
		docker_module_name(cJSON_GetObjectItemCaseSensitive(config, "Labels"), out->name,
				   out->module, sizeof(out->module));
	}
	if (cJSON_IsObject(state)) {
		set_str(out->state, sizeof(out->state), get_str(state, "Status"));
		(void)get_i64(state, "Pid", &out->pid);
		(void)get_i64(state, "ExitCode", &out->exit_code);
	}
	if (cJSON_IsObject(host)) {
		set_str(out->cgroup_parent, sizeof(out->cgroup_parent),
			get_str(host, "CgroupParent"));
		out->privileged =
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(host, "Privileged"));
	}
	if (settings)
		docker_settings_write(doc, settings);
	return 0;
}

/* ---- security settings ---- */

static void w_str(struct jw *w, const cJSON *obj, const char *key)
{
	const char *s = get_str(obj, key);

	if (!s)
		return;
	jw_key(w, key);
	jw_cstr(w, s);
}

static void w_bool(struct jw *w, const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsBool(v))
		return;
	jw_key(w, key);
	jw_bool(w, cJSON_IsTrue(v));
}

static void w_int(struct jw *w, const cJSON *obj, const char *key)
{
	int64_t v;

	if (!get_i64(obj, key, &v))
		return;
	jw_key(w, key);
	jw_int(w, v);
}

/* A list of strings (non-strings skipped), at most SETTINGS_LIST_MAX. */
static void w_strv(struct jw *w, const cJSON *obj, const char *key)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
	unsigned n = 0;

	if (!cJSON_IsArray(arr))
		return;
	jw_key(w, key);
	jw_arr_begin(w);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || !it->valuestring)
			continue;
		if (n++ >= SETTINGS_LIST_MAX)
			break;
		jw_cstr(w, it->valuestring);
	}
	jw_arr_end(w);
}

static void w_mounts(struct jw *w, const cJSON *mounts)
{
	const cJSON *list = cJSON_IsArray(mounts) ? mounts : NULL, *m;
	unsigned n = 0;

	jw_key(w, "HostMounts");
	jw_arr_begin(w);
	cJSON_ArrayForEach(m, list) {
		const char *type = get_str(m, "Type");

		if (!cJSON_IsObject(m) || !type || strcmp(type, "bind") != 0)
			continue;
		if (n++ >= SETTINGS_LIST_MAX)
			break;
		jw_obj_begin(w);
		w_str(w, m, "Source");
		w_str(w, m, "Destination");
		w_bool(w, m, "RW");
		w_str(w, m, "Propagation");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void w_devices(struct jw *w, const cJSON *host)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(host, "Devices"), *d;
	unsigned n = 0;

	if (!cJSON_IsArray(arr))
		return;
	jw_key(w, "Devices");
	jw_arr_begin(w);
	cJSON_ArrayForEach(d, arr) {
		const char *p = cJSON_IsObject(d) ? get_str(d, "PathOnHost") : NULL;

		if (!p)
			continue;
		if (n++ >= SETTINGS_LIST_MAX)
			break;
		jw_cstr(w, p);
	}
	jw_arr_end(w);
}

/* HostConfig.PortBindings: {"80/tcp":[{"HostIp":"","HostPort":"8080"}]}. */
static void w_ports(struct jw *w, const cJSON *host)
{
	const cJSON *pb = cJSON_GetObjectItemCaseSensitive(host, "PortBindings"), *port, *b;
	unsigned n = 0;

	if (!cJSON_IsObject(pb))
		return;
	jw_key(w, "PublishedPorts");
	jw_arr_begin(w);
	cJSON_ArrayForEach(port, pb) {
		const cJSON *bindings = cJSON_IsArray(port) ? port : NULL;

		cJSON_ArrayForEach(b, bindings) {
			if (!cJSON_IsObject(b) || n++ >= SETTINGS_LIST_MAX)
				continue;
			jw_obj_begin(w);
			jw_key(w, "ContainerPort");
			jw_cstr(w, port->string ? port->string : "");
			w_str(w, b, "HostIp");
			w_str(w, b, "HostPort");
			jw_obj_end(w);
		}
	}
	jw_arr_end(w);
}

void docker_settings_write(const cJSON *doc, struct buf *out)
{
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(doc, "HostConfig");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(doc, "Config");
	size_t start = out->len;
	struct jw w;

	if (!cJSON_IsObject(host))
		host = NULL;
	if (!cJSON_IsObject(config))
		config = NULL;
	jw_init(&w, out);
	jw_obj_begin(&w);
	if (host)
		w_bool(&w, host, "Privileged");
	if (config) {
		const char *user = get_str(config, "User");

		jw_key(&w, "User");
		jw_cstr(&w, user ? user : "");
	}
	if (host) {
		w_bool(&w, host, "ReadonlyRootfs");
		w_str(&w, host, "NetworkMode");
		w_str(&w, host, "PidMode");
		w_str(&w, host, "IpcMode");
		w_str(&w, host, "UTSMode");
		w_str(&w, host, "UsernsMode");
		w_str(&w, host, "CgroupnsMode");
		w_strv(&w, host, "CapAdd");
		w_strv(&w, host, "CapDrop");
		w_strv(&w, host, "SecurityOpt");
		w_devices(&w, host);
		w_ports(&w, host);
		w_int(&w, host, "Memory");
		w_int(&w, host, "NanoCpus");
		w_int(&w, host, "PidsLimit");
	}
	w_str(&w, doc, "AppArmorProfile");
	w_mounts(&w, cJSON_GetObjectItemCaseSensitive(doc, "Mounts"));
	jw_obj_end(&w);
	if (out->failed || out->len - start > DOCKER_SETTINGS_MAX) {
		/* Too large (hostile lists): a valid, empty object rather than a cut one. */
		out->failed = false;
		buf_truncate(out, start);
		buf_puts(out, "{}");
	}
}
