/* SPDX-License-Identifier: MIT */
/*
 * Drift between the deployment manifest and the running IoT Edge modules (see drift.h): for each
 * running module, every privilege-bearing setting (Privileged, CapAdd, host namespaces, bind
 * mounts, devices, device cgroup rules) is looked up in the manifest module of the same name;
 * what the manifest does not grant is a drift.
 *
 * Ownership: drift items own their strings.  Nothing here prints an env value or a password:
 * only capability names, namespace modes, host paths and device paths reach a message.
 */
#include "drift.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/str.h"

static const char *const kind_names[_DRIFT_KIND_MAX] = {
	[DRIFT_PRIVILEGED] = "Privileged",
	[DRIFT_CAPABILITY] = "Capability",
	[DRIFT_HOST_NAMESPACE] = "HostNamespace",
	[DRIFT_HOST_MOUNT] = "HostMount",
	[DRIFT_MOUNT_WRITABLE] = "MountWritable",
	[DRIFT_DEVICE] = "Device",
	[DRIFT_UNDECLARED_MODULE] = "UndeclaredModule",
};

const char *drift_kind_to_string(enum drift_kind k)
{
	return (k >= 0 && k < _DRIFT_KIND_MAX) ? kind_names[k] : "Unknown";
}

struct compare {
	const struct inspected_container *c;
	const struct module_settings *want; /* the manifest module; NULL when undeclared */
	struct drift_list *out;
	int error;
};

static void add(struct compare *x, enum drift_kind kind, enum severity sev, const char *path,
		const char *setting, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(struct compare *x, enum drift_kind kind, enum severity sev, const char *path,
		const char *setting, const char *fmt, ...)
{
	struct drift_list *l = x->out;
	struct drift *d, *items;
	va_list ap;

	if (x->error)
		return;
	if (l->n >= DRIFT_MAX) {
		l->dropped++;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		items = es_realloc(l->items, cap * sizeof(*items));
		if (!items) {
			x->error = -ENOMEM;
			return;
		}
		l->items = items;
		l->cap = cap;
	}
	d = &l->items[l->n];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->severity = sev;
	str_copy(d->setting, sizeof(d->setting), setting);
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	d->module = es_strdup(x->c->ms->name);
	d->container_id = es_strdup(x->c->id);
	d->image = es_strdup(x->c->image ? x->c->image : "");
	d->path = es_strdup(path ? path : "");
	d->manifest_path = es_strdup(x->want ? x->want->path : "");
	if (!d->module || !d->container_id || !d->image || !d->path || !d->manifest_path) {
		es_free(d->module);
		es_free(d->container_id);
		es_free(d->image);
		es_free(d->path);
		es_free(d->manifest_path);
		x->error = -ENOMEM;
		return;
	}
	l->n++;
}

void drift_list_done(struct drift_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		es_free(l->items[i].module);
		es_free(l->items[i].container_id);
		es_free(l->items[i].image);
		es_free(l->items[i].path);
		es_free(l->items[i].manifest_path);
	}
	es_free(l->items);
	memset(l, 0, sizeof(*l));
}

/* "CAP_sys_admin" → "SYS_ADMIN". */
static void cap_name(const char *in, char *out, size_t size)
{
	size_t n = 0;

	if (strncasecmp(in, "CAP_", 4) == 0)
		in += 4;
	for (; *in && n + 1 < size; in++)
		out[n++] = (char)toupper((unsigned char)*in);
	out[n] = '\0';
}

static bool grants_cap(const struct module_settings *want, const char *cap)
{
	for (size_t i = 0; i < want->cap_add.n; i++) {
		char w[64];

		cap_name(want->cap_add.items[i].value, w, sizeof(w));
		if (strcmp(w, "ALL") == 0 || strcmp(w, cap) == 0)
			return true;
	}
	return false;
}

static bool is_on(const struct ms_bool *b)
{
	return b->set && b->value;
}

static void compare_privileges(struct compare *x)
{
	const struct module_settings *run = x->c->ms, *want = x->want;

	if (is_on(&run->privileged) && !is_on(&want->privileged))
		add(x, DRIFT_PRIVILEGED, SEVERITY_CRITICAL, run->privileged.path, "Privileged",
		    "The module runs privileged; its manifest does not ask for it.");
	if (is_on(&want->privileged))
		return;
	for (size_t i = 0; i < run->cap_add.n; i++) {
		char cap[64], setting[72];

		cap_name(run->cap_add.items[i].value, cap, sizeof(cap));
		if (grants_cap(want, cap))
			continue;
		snprintf(setting, sizeof(setting), "CAP_%s", cap);
		add(x, DRIFT_CAPABILITY,
		    strcmp(cap, "ALL") == 0 ? SEVERITY_CRITICAL : SEVERITY_HIGH,
		    run->cap_add.items[i].path, strcmp(cap, "ALL") == 0 ? "ALL" : setting,
		    "The module runs with capability %s; its manifest does not add it.",
		    strcmp(cap, "ALL") == 0 ? "ALL" : setting);
	}
}

static bool is_host(const struct ms_str *s)
{
	return s->value && strcasecmp(s->value, "host") == 0;
}

static void compare_namespaces(struct compare *x)
{
	static const struct {
		const char *key;
		size_t off;
	} modes[] = {
		{ "NetworkMode", offsetof(struct module_settings, network_mode) },
		{ "PidMode", offsetof(struct module_settings, pid_mode) },
		{ "IpcMode", offsetof(struct module_settings, ipc_mode) },
		{ "UTSMode", offsetof(struct module_settings, uts_mode) },
		{ "UsernsMode", offsetof(struct module_settings, userns_mode) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		const struct ms_str *run = (const void *)((const char *)x->c->ms + modes[i].off);
		const struct ms_str *want = (const void *)((const char *)x->want + modes[i].off);
		char setting[48];

		if (!is_host(run) || is_host(want))
			continue;
		snprintf(setting, sizeof(setting), "%s host", modes[i].key);
		add(x, DRIFT_HOST_NAMESPACE, SEVERITY_HIGH, run->path, setting,
		    "The module runs with %s; its manifest does not ask for it.", setting);
	}
}

/* The manifest's bind mount of the same host path, or NULL. */
static const struct ms_mount *wanted_bind(const struct module_settings *want, const char *src)
{
	for (size_t i = 0; i < want->n_mounts; i++) {
		const struct ms_mount *m = &want->mounts[i];
		char p[MS_STRING_MAX + 1];

		if (!m->source || m->source[0] != '/' || (m->type && strcmp(m->type, "bind") != 0))
			continue;
		rules_normalize_path(m->source, p, sizeof(p));
		if (strcmp(p, src) == 0)
			return m;
	}
	return NULL;
}

static void compare_mounts(struct compare *x)
{
	const struct module_settings *run = x->c->ms;

	for (size_t i = 0; i < run->n_mounts; i++) {
		const struct ms_mount *m = &run->mounts[i], *w;
		char src[MS_STRING_MAX + 1], setting[DRIFT_SETTING_MAX];

		if (!m->source || m->source[0] != '/' || (m->type && strcmp(m->type, "bind") != 0))
			continue;
		rules_normalize_path(m->source, src, sizeof(src));
		snprintf(setting, sizeof(setting), "%.120s -> %.120s", src,
			 m->target ? m->target : "");
		w = wanted_bind(x->want, src);
		if (!w)
			add(x, DRIFT_HOST_MOUNT, SEVERITY_HIGH, m->path, setting,
			    "The module mounts the host path %s%s; its manifest does not mount it.",
			    setting, m->read_only ? " read-only" : " writable");
		else if (w->read_only && !m->read_only)
			add(x, DRIFT_MOUNT_WRITABLE, SEVERITY_HIGH, m->path, setting,
			    "The module mounts the host path %s writable; its manifest mounts it "
			    "read-only.",
			    setting);
	}
}

static bool wants_device(const struct module_settings *want, const char *host)
{
	for (size_t i = 0; i < want->n_devices; i++) {
		char p[MS_STRING_MAX + 1];

		if (!want->devices[i].host)
			continue;
		rules_normalize_path(want->devices[i].host, p, sizeof(p));
		if (strcmp(p, host) == 0)
			return true;
	}
	return false;
}

static bool wants_rule(const struct module_settings *want, const char *rule)
{
	for (size_t i = 0; i < want->device_cgroup_rules.n; i++)
		if (strcmp(want->device_cgroup_rules.items[i].value, rule) == 0)
			return true;
	return false;
}

static void compare_devices(struct compare *x)
{
	const struct module_settings *run = x->c->ms;

	if (is_on(&x->want->privileged))
		return;
	for (size_t i = 0; i < run->n_devices; i++) {
		char p[MS_STRING_MAX + 1], setting[DRIFT_SETTING_MAX];

		if (!run->devices[i].host)
			continue;
		rules_normalize_path(run->devices[i].host, p, sizeof(p));
		if (wants_device(x->want, p))
			continue;
		snprintf(setting, sizeof(setting), "%.200s", p);
		add(x, DRIFT_DEVICE, SEVERITY_HIGH, run->devices[i].path, setting,
		    "The module gets the host device %s; its manifest does not give it.", setting);
	}
	for (size_t i = 0; i < run->device_cgroup_rules.n; i++) {
		const struct ms_str *r = &run->device_cgroup_rules.items[i];
		char setting[DRIFT_SETTING_MAX];

		if (wants_rule(x->want, r->value))
			continue;
		snprintf(setting, sizeof(setting), "device cgroup rule '%.200s'", r->value);
		add(x, DRIFT_DEVICE, SEVERITY_HIGH, r->path, setting,
		    "The module runs with the %s; its manifest does not have it.", setting);
	}
}

static const struct module_settings *manifest_module(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n_modules; i++) {
		const struct module_settings *ms = m->modules[i].ms;

		if (!ms->no_container && strcmp(ms->name, name) == 0)
			return ms;
	}
	return NULL;
}

int drift_compare(const struct manifest *m, struct inspected_container *const *cs, size_t n,
		  struct drift_list *out)
{
	for (size_t i = 0; i < n; i++) {
		struct compare x = { .c = cs[i], .out = out };

		if (!cs[i]->edge_module)
			continue;
		x.want = manifest_module(m, cs[i]->ms->name);
		if (!x.want) {
			add(&x, DRIFT_UNDECLARED_MODULE, SEVERITY_HIGH, "", cs[i]->ms->name,
			    "The IoT Edge module %.200s runs but is not in the deployment "
			    "manifest.",
			    cs[i]->ms->name);
		} else {
			compare_privileges(&x);
			compare_namespaces(&x);
			compare_mounts(&x);
			compare_devices(&x);
		}
		if (x.error)
			return x.error;
	}
	return 0;
}
