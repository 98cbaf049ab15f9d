/* SPDX-License-Identifier: MIT */
/*
 * The deployment-analysis rule engine: one check function per concern walks a struct
 * module_settings and emits findings of the rules described in rules-table.c (indexed by enum
 * rule_index, rules-int.h).
 *
 * Ownership: findings own their module name and path copies; the rule pointers point into the
 * static table.  Limits: at most FINDINGS_MAX findings per list (excess counted in `dropped`),
 * messages cut at FINDING_MESSAGE_MAX.  Secrets: the checks that look at env values and
 * registry passwords only ever put the variable or registry NAME into a finding.
 */
#include "rules-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/num.h"
#include "common/str.h"

void finding_list_done(struct finding_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		es_free(l->items[i].module);
		es_free(l->items[i].path);
		es_free(l->items[i].embedded_path);
		es_free(l->items[i].message);
	}
	es_free(l->items);
	memset(l, 0, sizeof(*l));
}

void finding_list_count(const struct finding_list *l, size_t counts[_SEVERITY_MAX])
{
	memset(counts, 0, sizeof(size_t) * _SEVERITY_MAX);
	for (size_t i = 0; i < l->n; i++)
		counts[l->items[i].rule->severity]++;
}

/* Copies tmpl into out, replacing the first "{}" by detail. */
static void format_message(char *out, size_t size, const char *tmpl, const char *detail)
{
	const char *mark = strstr(tmpl, "{}");

	if (!mark) {
		str_copy(out, size, tmpl);
		return;
	}
	snprintf(out, size, "%.*s%s%s", (int)(mark - tmpl), tmpl, detail ? detail : "", mark + 2);
}

/* ---- emitting ---- */

struct check {
	const struct module_settings *ms;
	const struct rules_context *ctx;
	struct finding_list *out;
	int error;
	bool edgesec; /* the edgesec module: its documented privileges are accepted */
	const struct ms_mount *mount; /* the mount being judged (check_mounts), or NULL */
};

static void emit(struct check *c, enum rule_index r, const char *path, const char *detail)
{
	struct finding_list *l = c->out;
	struct finding *f, *items;
	char accepted[FINDING_DETAIL_MAX * 2];
	const char *why;
	char message[FINDING_MESSAGE_MAX];

	if (c->error)
		return;
	/* The edgesec module's documented privilege: AcceptedRisk naming the rule and why. */
	why = c->edgesec ? accepted_reason(r, detail, c->mount) : NULL;
	if (why) {
		snprintf(accepted, sizeof(accepted), "%s %s%s%.200s: %s", rule_table[r].id,
			 rule_table[r].name, detail ? " " : "", detail ? detail : "", why);
		r = R_ACCEPTED_RISK;
		detail = accepted;
	}
	if (l->n >= FINDINGS_MAX) {
		l->dropped++;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;

		items = es_realloc(l->items, cap * sizeof(*items));
		if (!items) {
			c->error = -ENOMEM;
			return;
		}
		l->items = items;
		l->cap = cap;
	}
	f = &l->items[l->n];
	f->rule = &rule_table[r];
	f->embedded_path = NULL;
	/* Heap copies of their exact size: thousands of findings, most messages short. */
	format_message(message, sizeof(message), rule_table[r].message, detail);
	f->message = es_strdup(message);
	f->module = es_strdup(c->ms->name);
	f->path = es_strdup(path && path[0] ? path : c->ms->path);
	if (!f->module || !f->path || !f->message) {
		es_free(f->module);
		es_free(f->path);
		es_free(f->message);
		c->error = -ENOMEM;
		return;
	}
	l->n++;
}

/* ---- checks ---- */

static bool is_host(const struct ms_str *s)
{
	return s->value && strcasecmp(s->value, "host") == 0;
}

static void check_privileges(struct check *c)
{
	static const char *const dangerous[] = {
		"SYS_ADMIN", "SYS_PTRACE",   "SYS_MODULE",	"SYS_RAWIO",
		"NET_ADMIN", "NET_RAW",	     "DAC_READ_SEARCH", "DAC_OVERRIDE",
		"BPF",	     "PERFMON",	     "SYS_BOOT",	"SYS_TIME",
		"MKNOD",     "SETFCAP",	     "LINUX_IMMUTABLE", "AUDIT_CONTROL",
		"MAC_ADMIN", "MAC_OVERRIDE", "SYSLOG",		"CHECKPOINT_RESTORE",
	};
	const struct module_settings *ms = c->ms;

	if (ms->privileged.set && ms->privileged.value)
		emit(c, R_PRIVILEGED, ms->privileged.path, NULL);
	for (size_t i = 0; i < ms->cap_add.n; i++) {
		const char *cap = ms->cap_add.items[i].value;

		if (strncasecmp(cap, "CAP_", 4) == 0)
			cap += 4;
		if (strcasecmp(cap, "ALL") == 0) {
			emit(c, R_CAP_ALL, ms->cap_add.items[i].path, "ALL");
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(dangerous); k++)
			if (strcasecmp(cap, dangerous[k]) == 0)
				emit(c, R_CAP_DANGEROUS, ms->cap_add.items[i].path, dangerous[k]);
	}
	if (is_host(&ms->network_mode))
		emit(c, R_HOST_NETWORK, ms->network_mode.path, NULL);
	if (is_host(&ms->pid_mode))
		emit(c, R_HOST_PID, ms->pid_mode.path, NULL);
	if (is_host(&ms->ipc_mode))
		emit(c, R_HOST_IPC, ms->ipc_mode.path, NULL);
	if (is_host(&ms->uts_mode))
		emit(c, R_HOST_UTS, ms->uts_mode.path, NULL);
	if (is_host(&ms->userns_mode))
		emit(c, R_HOST_USERNS, ms->userns_mode.path, NULL);
	if (is_host(&ms->cgroupns_mode))
		emit(c, R_HOST_CGROUPNS, ms->cgroupns_mode.path, NULL);
}

/* Normalises a host path: collapses "//", drops "/./" and a trailing '/'. */
void rules_normalize_path(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = in; *p && n + 1 < size; p++) {
		if (*p == '/' && n > 0 && out[n - 1] == '/')
			continue;
		if (*p == '.' && n > 0 && out[n - 1] == '/' && (p[1] == '/' || p[1] == '\0'))
			continue;
		out[n++] = *p;
	}
	while (n > 1 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool is_runtime_socket(const char *p)
{
	static const char *const sockets[] = {
		"/var/run/docker.sock",
		"/run/docker.sock",
		"/run/containerd/containerd.sock",
		"/var/run/containerd/containerd.sock",
		"/run/podman/podman.sock",
		"/var/run/podman/podman.sock",
		"/run/crio/crio.sock",
		"/var/run/crio/crio.sock",
		"/var/run/iotedge/mgmt.sock",
		"/run/iotedge/mgmt.sock",
		"/var/run/iotedge/workload.sock",
		"/run/iotedge/workload.sock",
		"/var/run/docker",
		"/run/docker",
		"/run/containerd",
		"/var/run/containerd",
		"/var/run/iotedge",
		"/run/iotedge",
		"/var/run",
		"/run",
	};

	return in_list(p, sockets, ARRAY_SIZE(sockets));
}

static bool is_sensitive_path(const char *p)
{
	static const char *const exact[] = {
		"/",	"/etc", "/home",    "/proc",	"/sys",	    "/dev",
		"/usr", "/var", "/lib",	    "/lib64",	"/bin",	    "/sbin",
		"/opt", "/srv", "/var/log", "/usr/lib", "/usr/bin", "/usr/sbin",
	};
	static const char *const trees[] = {
		"/var/lib/aziot",
		"/etc/aziot",
		"/run/aziot",
		"/var/run/aziot",
		"/var/lib/iotedge",
		"/etc/iotedge",
		"/var/lib/docker",
		"/var/lib/containerd",
		"/etc/docker",
		"/root",
		"/boot",
		"/lib/modules",
		"/usr/lib/modules",
		"/proc",
		"/sys/kernel",
		"/sys/firmware",
		"/sys/fs/cgroup",
		"/etc/shadow",
		"/etc/gshadow",
		"/etc/sudoers",
		"/etc/sudoers.d",
		"/etc/ssh",
		"/etc/passwd",
		"/etc/systemd",
		"/run/systemd",
		"/var/run/systemd",
		"/etc/cron.d",
		"/etc/ssl/private",
	};

	if (in_list(p, exact, ARRAY_SIZE(exact)))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(trees); i++)
		if (path_under(p, trees[i]))
			return true;
	return false;
}

static bool is_sensitive_device(const char *p)
{
	static const char *const exact[] = { "/dev/mem",    "/dev/kmem", "/dev/port", "/dev",
					     "/dev/mapper", "/dev/disk", "/dev/kvm" };
	static const char *const prefixes[] = { "/dev/sd",   "/dev/hd",	    "/dev/vd",	"/dev/xvd",
						"/dev/nvme", "/dev/mmcblk", "/dev/tpm", "/dev/dm-",
						"/dev/md",   "/dev/disk/",  "/dev/loop" };

	if (in_list(p, exact, ARRAY_SIZE(exact)))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static void check_mounts(struct check *c)
{
	const struct module_settings *ms = c->ms;

	for (size_t i = 0; i < ms->n_mounts; i++) {
		const struct ms_mount *m = &ms->mounts[i];
		char src[MS_STRING_MAX + 1], detail[FINDING_DETAIL_MAX];
		bool shared = m->propagation && strstr(m->propagation, "shared");

		if (!m->source || m->source[0] != '/' || (m->type && strcmp(m->type, "bind") != 0))
			continue;
		rules_normalize_path(m->source, src, sizeof(src));
		snprintf(detail, sizeof(detail), "%.100s%s%.100s%s", src, m->target ? " -> " : "",
			 m->target ? m->target : "", shared ? " (shared propagation)" : "");
		c->mount = m;
		if (is_runtime_socket(src))
			emit(c, R_RUNTIME_SOCKET, m->path, detail);
		else if (is_sensitive_device(src) && strcmp(src, "/dev") != 0)
			emit(c, R_DEVICE, m->path, detail);
		else if (is_sensitive_path(src))
			emit(c, m->read_only ? R_MOUNT_READONLY : R_MOUNT_WRITABLE, m->path,
			     detail);
		c->mount = NULL;
	}
}

static void check_devices(struct check *c)
{
	const struct module_settings *ms = c->ms;

	for (size_t i = 0; i < ms->n_devices; i++) {
		char p[MS_STRING_MAX + 1], detail[FINDING_DETAIL_MAX];

		if (!ms->devices[i].host)
			continue;
		rules_normalize_path(ms->devices[i].host, p, sizeof(p));
		if (!is_sensitive_device(p))
			continue;
		snprintf(detail, sizeof(detail), "%.200s", p);
		emit(c, R_DEVICE, ms->devices[i].path, detail);
	}
	for (size_t i = 0; i < ms->device_cgroup_rules.n; i++) {
		const struct ms_str *r = &ms->device_cgroup_rules.items[i];
		char detail[FINDING_DETAIL_MAX];

		if (!strchr(r->value, '*') && r->value[0] != 'a')
			continue;
		snprintf(detail, sizeof(detail), "%.200s", r->value);
		emit(c, R_DEVICE_RULE_WILDCARD, r->path, detail);
	}
}

/* "name=value" or the deprecated "name:value"; true if opt is name set to value. */
static bool opt_is(const char *opt, const char *name, const char *value)
{
	size_t n = strlen(name);

	return strncasecmp(opt, name, n) == 0 && (opt[n] == '=' || opt[n] == ':') &&
	       strcasecmp(opt + n + 1, value) == 0;
}

static void check_security_opt(struct check *c)
{
	const struct module_settings *ms = c->ms;
	bool nnp = false;

	for (size_t i = 0; i < ms->security_opt.n; i++) {
		const struct ms_str *o = &ms->security_opt.items[i];
		char detail[FINDING_DETAIL_MAX];

		snprintf(detail, sizeof(detail), "%.200s", o->value);
		if (opt_is(o->value, "apparmor", "unconfined"))
			emit(c, R_APPARMOR, o->path, detail);
		else if (opt_is(o->value, "seccomp", "unconfined"))
			emit(c, R_SECCOMP, o->path, detail);
		else if (opt_is(o->value, "label", "disable"))
			emit(c, R_LABEL, o->path, detail);
		else if (opt_is(o->value, "systempaths", "unconfined"))
			emit(c, R_MASKED_PATHS, o->path, "system paths (systempaths=unconfined)");
		else if (strcasecmp(o->value, "no-new-privileges") == 0 ||
			 opt_is(o->value, "no-new-privileges", "true"))
			nnp = true;
	}
	if (!nnp)
		emit(c, R_NO_NEW_PRIVS, ms->security_opt.path, NULL);
	if (ms->masked_paths.set && ms->masked_paths.n == 0)
		emit(c, R_MASKED_PATHS, ms->masked_paths.path, "MaskedPaths");
	if (ms->readonly_paths.set && ms->readonly_paths.n == 0)
		emit(c, R_MASKED_PATHS, ms->readonly_paths.path, "ReadonlyPaths");
}

static bool user_is_root(const char *u)
{
	size_t n = strcspn(u, ":");

	return (n == 4 && strncmp(u, "root", 4) == 0) || (n == 1 && u[0] == '0');
}

static void check_user_and_limits(struct check *c)
{
	const struct module_settings *ms = c->ms;
	bool custom = ms->kind == MODULE_KIND_CUSTOM;

	if (ms->user.value && ms->user.value[0] && !ms_is_placeholder(ms->user.value)) {
		if (user_is_root(ms->user.value)) {
			char detail[FINDING_DETAIL_MAX];

			snprintf(detail, sizeof(detail), "%.100s", ms->user.value);
			emit(c, R_USER_ROOT, ms->user.path, detail);
		}
	} else if (custom && !(ms->user.value && ms->user.value[0])) {
		emit(c, R_USER_DEFAULT, ms->user.path, NULL);
	}
	if (custom && !(ms->readonly_rootfs.set && ms->readonly_rootfs.value))
		emit(c, R_WRITABLE_ROOTFS, ms->readonly_rootfs.path, NULL);
	if (!(ms->memory.set && ms->memory.value > 0))
		emit(c, R_NO_MEMORY_LIMIT, ms->memory.path, NULL);
	if (!((ms->nano_cpus.set && ms->nano_cpus.value > 0) ||
	      (ms->cpu_quota.set && ms->cpu_quota.value > 0)))
		emit(c, R_NO_CPU_LIMIT, ms->nano_cpus.path, NULL);
	if (!(ms->pids_limit.set && ms->pids_limit.value > 0))
		emit(c, R_NO_PIDS_LIMIT, ms->pids_limit.path, NULL);
}

static void check_logging(struct check *c)
{
	const struct module_settings *ms = c->ms;
	const char *d = ms->log_driver.value;

	if (!d)
		return;
	if (strcasecmp(d, "none") == 0)
		emit(c, R_LOGGING_DISABLED, ms->log_driver.path, NULL);
	else if (strcasecmp(d, "json-file") == 0 &&
		 !(ms->log_max_size.value && ms->log_max_size.value[0]))
		emit(c, R_LOG_UNBOUNDED, ms->log_driver.path, "json-file");
}

static bool is_debug_port(unsigned port)
{
	/* debugpy, Node inspector, Chrome DevTools, Delve, JDWP, VS remote debugger (msvsmon). */
	static const unsigned ports[] = { 5678, 9229, 9222, 2345, 5005, 4020, 4022, 4024, 4026 };

	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		if (ports[i] == port)
			return true;
	return false;
}

static bool all_addresses(const char *ip)
{
	return !ip || !ip[0] || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0 ||
	       strcmp(ip, "[::]") == 0;
}

/* The leading decimal digits of s ("8080/tcp"), or 0 when none or above 65535. */
static unsigned port_number(const char *s)
{
	uint64_t v;
	size_t used;

	if (!s || num_scan_u64(s, strlen(s), 10, 65535, &v, &used) < 0)
		return 0;
	return (unsigned)v;
}

static void image_split(const char *image, char *name, size_t name_size, const char **ret_tag,
			bool *ret_digest);

/* The IoT Edge API proxy module (nested edge), whatever registry or placeholder it comes from. */
static bool image_is_api_proxy(const char *image)
{
	char name[256];
	const char *tag;
	bool digest;

	if (!image)
		return false;
	image_split(image, name, sizeof(name), &tag, &digest);
	return strcmp(name, "azureiotedge-api-proxy") == 0;
}

static void check_ports(struct check *c)
{
	const struct module_settings *ms = c->ms;

	if (ms->publish_all_ports.set && ms->publish_all_ports.value)
		emit(c, R_PORT_ALL_ADDRESSES, ms->publish_all_ports.path,
		     "every exposed port (PublishAllPorts)");
	for (size_t i = 0; i < ms->n_ports; i++) {
		const struct ms_port *p = &ms->ports[i];
		unsigned cport = port_number(p->container_port);
		char detail[FINDING_DETAIL_MAX];

		snprintf(detail, sizeof(detail), "%.60s (host port %.40s)", p->container_port,
			 p->host_port && p->host_port[0] ? p->host_port : "ephemeral");
		if (is_debug_port(cport) || is_debug_port(port_number(p->host_port))) {
			emit(c, R_DEBUG_PORT, p->path, detail);
			continue;
		}
		if (!all_addresses(p->host_ip))
			continue;
		/* edgeHub's protocol ports are its job on a gateway. */
		if (ms->kind == MODULE_KIND_EDGE_HUB &&
		    (cport == 443 || cport == 5671 || cport == 8883))
			continue;
		/* So is 443 of the nested-edge API proxy (child devices pull images through it). */
		if (cport == 443 && image_is_api_proxy(ms->image.value))
			continue;
		/* Docker ignores port bindings on the host network: nothing is published. */
		if (is_host(&ms->network_mode))
			continue;
		emit(c, R_PORT_ALL_ADDRESSES, p->path, detail);
	}
}

/* ---- images ---- */

/* Splits an image reference: ret_name = last path component, ret_tag (NULL if none). */
static void image_split(const char *image, char *name, size_t name_size, const char **ret_tag,
			bool *ret_digest)
{
	const char *slash = strrchr(image, '/');
	const char *last = slash ? slash + 1 : image;
	const char *colon = strrchr(last, ':');
	size_t n = colon ? (size_t)(colon - last) : strcspn(last, "@");

	*ret_digest = strchr(image, '@') != NULL;
	*ret_tag = colon ? colon + 1 : NULL;
	if (n >= name_size)
		n = name_size - 1;
	memcpy(name, last, n);
	name[n] = '\0';
}

bool rules_image_is_unpinned(const char *image)
{
	char name[256];
	const char *tag;
	bool digest;

	if (!image || !image[0] || ms_is_only_placeholder(image))
		return false;
	image_split(image, name, sizeof(name), &tag, &digest);
	if (digest)
		return false;
	if (!tag)
		return !ms_is_placeholder(name);
	if (ms_is_placeholder(tag))
		return false;
	return strcasecmp(tag, "latest") == 0 || strncasecmp(tag, "latest-", 7) == 0 ||
	       strncasecmp(tag, "latest_", 7) == 0 || tag[0] == '\0';
}

bool rules_image_is_debug(const char *image)
{
	char name[256];
	const char *tag;
	bool digest;

	if (!image)
		return false;
	if (strncmp(image, "${MODULES.", 10) == 0)
		return strstr(image, ".debug}") != NULL;
	image_split(image, name, sizeof(name), &tag, &digest);
	return tag && strcasestr(tag, "debug") != NULL;
}

/* edgeAgent/edgeHub image older than 1.5; placeholders and floating tags are not judged. */
static bool image_is_outdated_runtime(const char *image)
{
	char name[256];
	const char *tag, *end;
	bool digest;
	uint64_t major, minor;
	size_t used;

	if (!image)
		return false;
	image_split(image, name, sizeof(name), &tag, &digest);
	if (strcmp(name, "azureiotedge-agent") != 0 && strcmp(name, "azureiotedge-hub") != 0)
		return false;
	if (!tag || ms_is_placeholder(tag) || !isdigit((unsigned char)tag[0]))
		return false;
	if (num_scan_u64(tag, strlen(tag), 10, UINT64_MAX, &major, &used) < 0)
		return false; /* a major version beyond 2^64 */
	end = tag + used;
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return major < 1;
	if (num_scan_u64(end + 1, strlen(end + 1), 10, UINT64_MAX, &minor, &used) < 0)
		return major < 1;
	return major < 1 || (major == 1 && minor < 5);
}

static void check_image(struct check *c)
{
	const struct ms_str *img = &c->ms->image;
	char detail[FINDING_DETAIL_MAX];

	if (!img->value)
		return;
	snprintf(detail, sizeof(detail), "%.200s", img->value);
	if (rules_image_is_unpinned(img->value))
		emit(c, R_IMAGE_UNPINNED, img->path, detail);
	if (rules_image_is_debug(img->value))
		emit(c, R_IMAGE_DEBUG, img->path, detail);
	if (image_is_outdated_runtime(img->value))
		emit(c, R_RUNTIME_OUTDATED, img->path, detail);
}

/* ---- secrets ---- */

/* Lower-cased name without '_', '-', '.'. */
static void normalize_name(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++)
		if (*in != '_' && *in != '-' && *in != '.')
			out[n++] = (char)tolower((unsigned char)*in);
	out[n] = '\0';
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool name_is_secret(const char *name)
{
	static const char *const words[] = {
		"password",	    "passwd",	 "passphrase", "secret",    "token",
		"apikey",	    "accesskey", "accountkey", "sharedkey", "privatekey",
		"connectionstring", "connstr",	 "credential", "saskey"
	};
	static const char *const not_secret[] = {
		"file",	   "path", "dir",  "name",   "url",    "uri",	 "endpoint", "id",
		"enabled", "type", "size", "length", "header", "policy", "version"
	};
	char n[256];

	normalize_name(name, n, sizeof(n));
	for (size_t i = 0; i < ARRAY_SIZE(not_secret); i++)
		if (ends_with(n, not_secret[i]))
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(n, words[i]))
			return true;
	return ends_with(n, "key") || ends_with(n, "pwd") || ends_with(n, "pass");
}

/* A key=value marker of connection strings followed by a literal (non-placeholder) value. */
static bool value_has_embedded_secret(const char *v)
{
	static const char *const markers[] = {
		"sharedaccesskey=", "accountkey=", "sig=",
		"password=",	    "pwd=",	   "sharedaccesssignature="
	};

	for (size_t i = 0; i < ARRAY_SIZE(markers); i++) {
		const char *p = strcasestr(v, markers[i]);
		char part[MS_STRING_MAX + 1];
		size_t n;

		if (!p)
			continue;
		p += strlen(markers[i]);
		n = strcspn(p, ";&");
		if (n == 0)
			continue;
		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		if (!ms_is_placeholder(part))
			return true;
	}
	return false;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* "scheme://user:password@host": a literal (non-placeholder) password in a URL. */
static bool value_has_url_password(const char *v)
{
	for (const char *p = strstr(v, "://"); p; p = strstr(p + 3, "://")) {
		const char *auth = p + 3, *end = auth + strcspn(auth, "/?#@ \t"), *colon;
		char pw[MS_STRING_MAX + 1];

		if (*end != '@')
			continue;
		colon = memchr(auth, ':', (size_t)(end - auth));
		if (!colon || colon + 1 == end)
			continue;
		snprintf(pw, sizeof(pw), "%.*s", (int)(end - colon - 1), colon + 1);
		if (!ms_is_placeholder(pw))
			return true;
	}
	return false;
}

bool rules_env_is_secret(const char *name, const char *value)
{
	if (!value || !value[0])
		return false;
	if (value_has_embedded_secret(value) || value_has_url_password(value))
		return true;
	if (!name || !name_is_secret(name) || ms_is_placeholder(value))
		return false;
	if (strcasecmp(value, "true") == 0 || strcasecmp(value, "false") == 0 ||
	    strcasecmp(value, "null") == 0 || strcasecmp(value, "none") == 0)
		return false;
	if (value[0] == '/' || (all_digits(value) && strlen(value) < 8))
		return false;
	if (strncasecmp(value, "http", 4) == 0 && !strchr(value, '@'))
		return false;
	return true;
}

static void check_env(struct check *c)
{
	const struct module_settings *ms = c->ms;

	for (size_t i = 0; i < ms->n_env; i++) {
		char detail[FINDING_DETAIL_MAX];

		if (!rules_env_is_secret(ms->env[i].name, ms->env[i].value))
			continue;
		snprintf(detail, sizeof(detail), "%.200s", ms->env[i].name);
		emit(c, R_ENV_SECRET, ms->env[i].path, detail);
	}
}

static void check_registries(struct check *c)
{
	const struct module_settings *ms = c->ms;

	for (size_t i = 0; i < ms->n_registries; i++) {
		const struct ms_registry *r = &ms->registries[i];
		char detail[FINDING_DETAIL_MAX], label[256];
		const char *addr = r->address ? r->address : "";
		size_t n;

		snprintf(detail, sizeof(detail), "'%.80s' (%.120s)", r->name, addr);
		if (r->password_set && !r->password_placeholder)
			emit(c, R_REGISTRY_PASSWORD, r->password_path, detail);
		if (!r->username || ms_is_placeholder(r->username) || ms_is_placeholder(addr))
			continue;
		if (strncasecmp(addr, "https://", 8) == 0)
			addr += 8;
		n = strcspn(addr, ".");
		if (n == 0 || n >= sizeof(label) || !strcasestr(addr, ".azurecr."))
			continue;
		snprintf(label, sizeof(label), "%.*s", (int)n, addr);
		if (strcasecmp(label, r->username) == 0)
			emit(c, R_REGISTRY_ADMIN, r->path, detail);
	}
}

/* ---- edgeHub protocol heads ---- */

static bool env_says_disabled(const struct module_settings *ms, const char *name,
			      const char **ret_path)
{
	for (size_t i = 0; i < ms->n_env; i++) {
		if (ms->env[i].ignored || strcasecmp(ms->env[i].name, name) != 0)
			continue;
		*ret_path = ms->env[i].path;
		return strcasecmp(ms->env[i].value, "false") == 0;
	}
	return false;
}

static bool publishes(const struct module_settings *ms, unsigned port)
{
	for (size_t i = 0; i < ms->n_ports; i++)
		if (port_number(ms->ports[i].container_port) == port)
			return true;
	return false;
}

void rules_context_add_module(struct rules_context *ctx, const struct module_settings *ms)
{
	if (ms->kind == MODULE_KIND_EDGE_HUB)
		return;
	for (size_t i = 0; i < ms->n_env; i++) {
		const char *n = ms->env[i].name, *v = ms->env[i].value;

		if (ms->env[i].ignored)
			continue;
		if (strcasestr(n, "amqp") || strcasestr(v, "amqp"))
			ctx->amqp_used = true;
		if (strcasestr(n, "mqtt") || strcasestr(v, "mqtt"))
			ctx->mqtt_used = true;
	}
}

static void check_hub_heads(struct check *c)
{
	static const struct {
		const char *env, *label;
		unsigned port;
	} heads[] = {
		{ "amqpSettings__enabled", "AMQP (port 5671)", 5671 },
		{ "mqttSettings__enabled", "MQTT (port 8883)", 8883 },
		{ "httpSettings__enabled", "HTTPS (port 443)", 443 },
	};
	const struct module_settings *ms = c->ms;

	if (ms->kind != MODULE_KIND_EDGE_HUB || !c->ctx || ms->no_container)
		return;
	/* On the host network every head listens on the host: published by nature. */
	if (is_host(&ms->network_mode))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
		const char *path = NULL;
		bool used = publishes(ms, heads[i].port);

		if (env_says_disabled(ms, heads[i].env, &path) || used)
			continue;
		if ((heads[i].port == 5671 && c->ctx->amqp_used) ||
		    (heads[i].port == 8883 && c->ctx->mqtt_used))
			continue;
		/* Routes that need a head: devices may use any of the three; modules use AMQP
		 * or MQTT, whichever their SDK picks, unless their env names the protocol. */
		if (c->ctx->routes_devices || (c->ctx->routes_modules && heads[i].port != 443 &&
					       !c->ctx->amqp_used && !c->ctx->mqtt_used))
			continue;
		emit(c, R_HUB_PROTOCOL_HEAD, path, heads[i].label);
	}
}

/* ---- what Docker cannot take as given, secrets on the command line, DOCKER_HOST ---- */

static void check_issues(struct check *c)
{
	const struct module_settings *ms = c->ms;

	for (size_t i = 0; i < ms->n_issues; i++)
		emit(c,
		     ms->issues[i].kind == MS_ISSUE_IGNORED ? R_IGNORED_SETTING : R_INVALID_SETTING,
		     ms->issues[i].path, ms->issues[i].message);
}

/*
 * "--password=x", "--password x", "PASSWORD=x", and any argument that is a URL with a
 * password or a connection string with a key; "-p x" is not judged (too many meanings).  The
 * finding is at the argument that holds the secret and names the option, never the value.
 */
static void check_command(struct check *c)
{
	const struct ms_strv *v = &c->ms->command;

	for (size_t i = 0; i < v->n; i++) {
		const char *arg = v->items[i].value, *flag = arg, *eq, *next;
		char name[128], detail[FINDING_DETAIL_MAX];
		size_t at = i;

		while (*flag == '-')
			flag++;
		eq = strchr(flag, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? (size_t)(eq - flag) : strlen(flag)),
			 flag);
		next = i + 1 < v->n ? v->items[i + 1].value : NULL;
		if (eq && rules_env_is_secret(name, eq + 1)) {
			snprintf(detail, sizeof(detail), "%.100s", name);
		} else if (!eq && flag != arg && next && next[0] != '-' &&
			   rules_env_is_secret(name, next)) {
			snprintf(detail, sizeof(detail), "the value of %.100s", arg);
			at = ++i; /* the value is the next argument: judged here, not again */
		} else if (value_has_url_password(arg) || value_has_embedded_secret(arg)) {
			snprintf(detail, sizeof(detail),
				 "an argument (a URL or connection string)");
		} else {
			continue;
		}
		emit(c, R_SECRET_IN_COMMAND, v->items[at].path, detail);
	}
}

static const struct ms_env *env_find(const struct module_settings *ms, const char *name)
{
	const struct ms_env *found = NULL;

	for (size_t i = 0; i < ms->n_env; i++)
		if (!ms->env[i].ignored && strcmp(ms->env[i].name, name) == 0)
			found = &ms->env[i]; /* the last one is the one set */
	return found;
}

/* DOCKER_HOST=tcp://... without DOCKER_TLS_VERIFY: the Docker API in plain text. */
static void check_docker_host(struct check *c)
{
	const struct ms_env *host = env_find(c->ms, "DOCKER_HOST");
	const struct ms_env *tls = env_find(c->ms, "DOCKER_TLS_VERIFY");
	char detail[FINDING_DETAIL_MAX];

	if (!host || ms_is_only_placeholder(host->value))
		return;
	if (strncasecmp(host->value, "tcp://", 6) != 0 &&
	    strncasecmp(host->value, "http://", 7) != 0)
		return;
	/* The client turns TLS on for any non-empty DOCKER_TLS_VERIFY; port 2375 is plain text by
	 * convention whatever the client does. */
	if (tls && tls->value[0] && !strstr(host->value, ":2375"))
		return;
	/* (anything before an '@' is left out: it would be credentials) */
	snprintf(detail, sizeof(detail), "DOCKER_HOST (tcp://%.120s)",
		 strrchr(host->value, '@') ? strrchr(host->value, '@') + 1
					   : strstr(host->value, "://") + 3);
	emit(c, R_DOCKER_API_TCP, host->path, detail);
}

int rules_check_module(const struct module_settings *ms, const struct rules_context *ctx,
		       struct finding_list *out)
{
	struct check c = { .ms = ms, .ctx = ctx, .out = out };

	c.edgesec = accepted_module_is_edgesec(ms);
	check_issues(&c);
	if (ms->no_container) {
		check_env(&c);
		check_registries(&c);
		return c.error;
	}
	check_privileges(&c);
	check_mounts(&c);
	check_devices(&c);
	check_security_opt(&c);
	check_user_and_limits(&c);
	check_logging(&c);
	check_ports(&c);
	check_image(&c);
	check_env(&c);
	check_registries(&c);
	check_hub_heads(&c);
	check_command(&c);
	check_docker_host(&c);
	return c.error;
}
