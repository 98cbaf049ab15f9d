/* SPDX-License-Identifier: MIT */
/*
 * What the manifest filler checks beyond the settings the rules read: how Docker and edgeAgent
 * match keys (case-insensitively, the last duplicate winning), which keys of a create body
 * they know (a misspelled or misplaced key is silently ignored: a hardening the author
 * believes in is not applied), HostConfig.Env (ignored by Docker, yet its secrets sit in the
 * deployment), the command line, and the issues list that turns all of it into findings.
 *
 * The key lists are the Docker Engine API's ContainerConfig (plus HostConfig and
 * NetworkingConfig) and HostConfig fields, API 1.41-1.45.  Limits: MS_LIST_MAX issues per
 * module (the excess counted in dropped); messages quote at most 60 bytes of a key.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/str.h"
#include "module-settings-int.h"

/* ---- key matching ---- */

/* The next character of s folded for comparison (ASCII lower case; the three non-ASCII
 * letters .NET and Go fold onto ASCII ones); advances *s. */
static int fold_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;

	if (p[0] == 0xc5 && p[1] == 0xbf) { /* U+017F LATIN SMALL LETTER LONG S */
		*s += 2;
		return 's';
	}
	if (p[0] == 0xc4 && p[1] == 0xb1) { /* U+0131 LATIN SMALL LETTER DOTLESS I */
		*s += 2;
		return 'i';
	}
	if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) { /* U+212A KELVIN SIGN */
		*s += 3;
		return 'k';
	}
	(*s)++;
	return (p[0] >= 'A' && p[0] <= 'Z') ? p[0] + 32 : p[0];
}

bool ms_key_equal(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	while (*a && *b)
		if (fold_next(&a) != fold_next(&b))
			return false;
	return !*a && !*b;
}

const cJSON *ms_json_get(const cJSON *obj, const char *key)
{
	const cJSON *found = NULL, *it;

	if (!cJSON_IsObject(obj))
		return NULL;
	cJSON_ArrayForEach(it, obj)
		if (ms_key_equal(it->string, key))
			found = it; /* the last one wins, as in Go and Newtonsoft */
	return found;
}

/* ---- issues ---- */

int module_settings_add_issue(struct module_settings *ms, enum ms_issue_kind kind, const char *path,
			      const char *fmt, ...)
{
	struct ms_issue *is;
	char msg[512];
	va_list ap;

	if (ms->n_issues >= MS_LIST_MAX) {
		ms->dropped++;
		return 0;
	}
	is = es_realloc(ms->issues, (ms->n_issues + 1) * sizeof(*is));
	if (!is)
		return -ENOMEM;
	ms->issues = is;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	is = &ms->issues[ms->n_issues];
	is->kind = kind;
	is->path = es_strdup(path ? path : "");
	is->message = es_strdup(msg);
	if (!is->path || !is->message) {
		es_free(is->path);
		es_free(is->message);
		return -ENOMEM;
	}
	ms->n_issues++;
	return 0;
}

/* ---- the keys Docker knows ---- */

static const char *const create_keys[] = {
	"Hostname",	   "Domainname",   "User",
	"AttachStdin",	   "AttachStdout", "AttachStderr",
	"ExposedPorts",	   "Tty",	   "OpenStdin",
	"StdinOnce",	   "Env",	   "Cmd",
	"Healthcheck",	   "ArgsEscaped",  "Image",
	"Volumes",	   "WorkingDir",   "Entrypoint",
	"NetworkDisabled", "MacAddress",   "OnBuild",
	"Labels",	   "StopSignal",   "StopTimeout",
	"Shell",	   "HostConfig",   "NetworkingConfig",
};

static const char *const host_config_keys[] = {
	"CpuShares",
	"Memory",
	"CgroupParent",
	"BlkioWeight",
	"BlkioWeightDevice",
	"BlkioDeviceReadBps",
	"BlkioDeviceWriteBps",
	"BlkioDeviceReadIOps",
	"BlkioDeviceWriteIOps",
	"CpuPeriod",
	"CpuQuota",
	"CpuRealtimePeriod",
	"CpuRealtimeRuntime",
	"CpusetCpus",
	"CpusetMems",
	"Devices",
	"DeviceCgroupRules",
	"DeviceRequests",
	"KernelMemory",
	"KernelMemoryTCP",
	"MemoryReservation",
	"MemorySwap",
	"MemorySwappiness",
	"NanoCpus",
	"OomKillDisable",
	"Init",
	"PidsLimit",
	"Ulimits",
	"CpuCount",
	"CpuPercent",
	"IOMaximumIOps",
	"IOMaximumBandwidth",
	"Binds",
	"ContainerIDFile",
	"LogConfig",
	"NetworkMode",
	"PortBindings",
	"RestartPolicy",
	"AutoRemove",
	"VolumeDriver",
	"VolumesFrom",
	"Mounts",
	"ConsoleSize",
	"Annotations",
	"CapAdd",
	"CapDrop",
	"CgroupnsMode",
	"Dns",
	"DnsOptions",
	"DnsSearch",
	"ExtraHosts",
	"GroupAdd",
	"IpcMode",
	"Cgroup",
	"Links",
	"OomScoreAdj",
	"PidMode",
	"Privileged",
	"PublishAllPorts",
	"ReadonlyRootfs",
	"SecurityOpt",
	"StorageOpt",
	"Tmpfs",
	"UTSMode",
	"UsernsMode",
	"ShmSize",
	"Sysctls",
	"Runtime",
	"Isolation",
	"MaskedPaths",
	"ReadonlyPaths",
	"Capabilities",
};

static const char *find_key(const char *key, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ms_key_equal(key, list[i]))
			return list[i];
	return NULL;
}

/* Optimal string alignment distance of two short keys, case-insensitive; 3 when larger. */
static unsigned distance(const char *a, const char *b)
{
	unsigned d[40][40];
	size_t n = strlen(a), m = strlen(b);

	if (n >= 40 || m >= 40 || (n > m ? n - m : m - n) > 2)
		return 3;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			unsigned ca = (unsigned char)a[i - 1] | 0x20,
				 cb = (unsigned char)b[j - 1] | 0x20;
			unsigned best = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == ((unsigned char)b[j - 2] | 0x20) &&
			    cb == ((unsigned char)a[i - 2] | 0x20) && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

/* The closest known key (distance 1, or 2 for keys of 6 bytes or more), or NULL. */
static const char *did_you_mean(const char *key)
{
	static const char *const *const lists[] = { create_keys, host_config_keys };
	static const size_t sizes[] = { ARRAY_SIZE(create_keys), ARRAY_SIZE(host_config_keys) };
	const char *best = NULL;
	unsigned best_d = strlen(key) >= 6 ? 3 : 2;

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < sizes[l]; i++) {
			unsigned d = distance(key, lists[l][i]);

			if (d < best_d) {
				best_d = d;
				best = lists[l][i];
			}
		}
	return best;
}

static char *join(const char *prefix, const char *key)
{
	char p[JSON_POINTER_MAX];

	str_copy(p, sizeof(p), prefix);
	json_pointer_append(p, key);
	return es_strdup(p);
}

static int unknown_key(struct module_settings *ms, const char *key, const char *path,
		       const char *where)
{
	const char *near = did_you_mean(key);

	if (near)
		return module_settings_add_issue(
			ms, MS_ISSUE_IGNORED, path,
			"%s key \"%.60s\" is not a Docker setting (did you "
			"mean %s?): it is ignored",
			where, key, near);
	return module_settings_add_issue(ms, MS_ISSUE_IGNORED, path,
					 "%s key \"%.60s\" is not a Docker setting: it is ignored",
					 where, key);
}

/* HostConfig.Env: Docker ignores it, so nothing is set; its entries are kept as ignored env
 * (their secrets are still in the deployment). */
static int read_ignored_env(struct module_settings *ms, const cJSON *env, const char *path)
{
	const cJSON *e, *arr = cJSON_IsArray(env) ? env : NULL;
	size_t i = 0;

	cJSON_ArrayForEach(e, arr) {
		char name[256], idx[24];
		_cleanup_free_ char *ep = NULL;
		const char *eq;
		size_t n, before = ms->n_env;
		int r;

		snprintf(idx, sizeof(idx), "%zu", i++);
		if (!cJSON_IsString(e))
			continue;
		ep = join(path, idx);
		if (!ep)
			return -ENOMEM;
		eq = strchr(e->valuestring, '=');
		n = eq ? (size_t)(eq - e->valuestring) : strlen(e->valuestring);
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1),
			 e->valuestring);
		r = module_settings_add_env(ms, name, eq ? eq + 1 : "", ep);
		if (r < 0)
			return r;
		if (ms->n_env > before)
			ms->env[before].ignored = true;
	}
	return 0;
}

static int lint_host_config(struct module_settings *ms, const cJSON *hc, const char *prefix)
{
	const cJSON *it;
	int r = 0;

	cJSON_ArrayForEach(it, hc) {
		_cleanup_free_ char *p = join(prefix, it->string ? it->string : "");

		if (!p)
			return -ENOMEM;
		if (!it->string ||
		    find_key(it->string, host_config_keys, ARRAY_SIZE(host_config_keys)))
			continue;
		if (ms_key_equal(it->string, "Env")) {
			r = module_settings_add_issue(
				ms, MS_ISSUE_IGNORED, p,
				"HostConfig.Env is ignored by Docker: these "
				"variables are not set (Env belongs at the top "
				"level of createOptions)");
			if (r >= 0)
				r = read_ignored_env(ms, it, p);
		} else if (find_key(it->string, create_keys, ARRAY_SIZE(create_keys))) {
			r = module_settings_add_issue(
				ms, MS_ISSUE_IGNORED, p,
				"%s belongs at the top level of createOptions, "
				"not in HostConfig: Docker ignores it there",
				find_key(it->string, create_keys, ARRAY_SIZE(create_keys)));
		} else {
			r = unknown_key(ms, it->string, p, "HostConfig");
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int ms_lint_create(struct module_settings *ms, const cJSON *obj, const char *prefix)
{
	const cJSON *it;
	int r = 0;

	cJSON_ArrayForEach(it, obj) {
		_cleanup_free_ char *p = join(prefix, it->string ? it->string : "");
		const char *hk;

		if (!p)
			return -ENOMEM;
		if (!it->string)
			continue;
		if (ms_key_equal(it->string, "HostConfig")) {
			/* only the last HostConfig counts (ms_json_get): lint that one */
			if (it == ms_json_get(obj, "HostConfig") && cJSON_IsObject(it))
				r = lint_host_config(ms, it, p);
		} else if (find_key(it->string, create_keys, ARRAY_SIZE(create_keys))) {
			continue;
		} else if ((hk = find_key(it->string, host_config_keys,
					  ARRAY_SIZE(host_config_keys)))) {
			r = module_settings_add_issue(
				ms, MS_ISSUE_IGNORED, p,
				"%s belongs in HostConfig; at the top level of "
				"createOptions Docker ignores it",
				hk);
		} else {
			r = unknown_key(ms, it->string, p, "createOptions");
		}
		if (r < 0)
			return r;
	}
	return ms_read_command(ms, obj, prefix);
}

/* ---- the command line ---- */

static int add_arg(struct module_settings *ms, const char *arg, size_t len, const char *path)
{
	struct ms_strv *v = &ms->command;
	struct ms_str *items;
	char *copy;

	if (v->n >= MS_LIST_MAX) {
		ms->dropped++;
		return 0;
	}
	items = es_realloc(v->items, (v->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	v->items = items;
	memset(&items[v->n], 0, sizeof(items[v->n]));
	copy = es_strndup(arg, len < MS_STRING_MAX ? len : MS_STRING_MAX);
	if (!copy || module_settings_set_str(ms, &items[v->n], copy, path) < 0) {
		es_free(copy);
		return -ENOMEM;
	}
	es_free(copy);
	v->n++;
	v->set = true;
	return 0;
}

/* A string command is split on blanks (Docker runs it through /bin/sh -c). */
static int read_one_command(struct module_settings *ms, const cJSON *v, const char *path)
{
	const cJSON *e, *arr = cJSON_IsArray(v) ? v : NULL;
	size_t i = 0;
	int r = 0;

	if (cJSON_IsString(v)) {
		for (const char *s = v->valuestring; *s && r >= 0;) {
			size_t n = strcspn(s, " \t\n");

			if (n)
				r = add_arg(ms, s, n, path);
			s += n;
			s += strspn(s, " \t\n");
		}
		return r;
	}
	cJSON_ArrayForEach(e, arr) {
		char idx[24];
		_cleanup_free_ char *ep = NULL;

		snprintf(idx, sizeof(idx), "%zu", i++);
		ep = join(path, idx);
		if (!ep)
			return -ENOMEM;
		if (cJSON_IsString(e) &&
		    (r = add_arg(ms, e->valuestring, strlen(e->valuestring), ep)) < 0)
			return r;
	}
	return 0;
}

int ms_read_command(struct module_settings *ms, const cJSON *obj, const char *prefix)
{
	static const char *const keys[] = { "Entrypoint", "Cmd" };

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		const cJSON *v = ms_json_get(obj, keys[k]);
		_cleanup_free_ char *p = NULL;
		int r;

		if (!v || cJSON_IsNull(v))
			continue;
		p = join(prefix, v->string);
		if (!p)
			return -ENOMEM;
		r = read_one_command(ms, v, p);
		if (r < 0)
			return r;
	}
	return 0;
}
