/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The security-relevant settings of one IoT Edge module (one container), whatever they were
 * read from: a deployment manifest (settings.image + createOptions, env, restartPolicy) or,
 * later, `docker inspect`.  The rules (rules.h) look at nothing else, so the offline scanner and
 * the agent judge a module the same way.
 *
 * The struct is public on purpose: it is a plain data model shared by two fillers and the rules,
 * and tests build it directly.  Every value carries the JSON pointer it was read from (`path`),
 * relative to the document the filler was given plus the prefix the caller passed, so a finding
 * can say exactly where the setting is.
 *
 * Bounds: strings are cut at MS_STRING_MAX bytes, each list keeps at most MS_LIST_MAX entries;
 * what does not fit is counted in `dropped` (and ignored by the rules).  Secrets (env values,
 * registry passwords) are kept only as far as the rules need them and are never printed by this
 * module or by the rules.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/json_read.h"

#define MS_STRING_MAX 4096
/* The label that marks a container as the edgesec module (deploy/Dockerfile sets it). */
#define MS_EDGESEC_LABEL "io.edgesec.module"
#define MS_LIST_MAX 256

enum module_kind {
	MODULE_KIND_CUSTOM,
	MODULE_KIND_EDGE_AGENT,
	MODULE_KIND_EDGE_HUB,
	_MODULE_KIND_MAX,
};

/* A string setting and where it came from; value NULL = not set. */
struct ms_str {
	char *value;
	char *path;
};

struct ms_bool {
	bool set;
	bool value;
	char *path;
};

struct ms_num {
	bool set;
	double value;
	char *path;
};

struct ms_strv {
	bool set; /* the key was present (an empty list is not the same as no list) */
	char *path;
	struct ms_str *items;
	size_t n;
};

struct ms_mount {
	char *source; /* host path, volume name or NULL (tmpfs) */
	char *target;
	char *type; /* "bind", "volume", "tmpfs", ... */
	char *propagation;
	bool read_only;
	char *path;
};

struct ms_device {
	char *host;
	char *container;
	char *permissions;
	char *path;
};

struct ms_port {
	char *container_port; /* "8883/tcp" */
	char *host_ip;	      /* NULL or "" = all addresses */
	char *host_port;
	char *path;
};

struct ms_env {
	char *name;
	char *value; /* may be a secret: never print it */
	char *path;
	bool ignored; /* given where Docker does not read it (HostConfig.Env): not set in the
		       * container, but still in the deployment (secrets are judged) */
};

/*
 * What a manifest asks of Docker that Docker cannot take as given (module_settings_add_issue,
 * filled when record_issues is set): a value of the wrong type, a placeholder where a number
 * belongs, a createOptions string that is not JSON, a key Docker does not know or ignores
 * where it is.  Each becomes a finding on the module; the rest of the module is still read.
 */
enum ms_issue_kind {
	MS_ISSUE_INVALID, /* the deployment of the module would fail or change meaning */
	MS_ISSUE_IGNORED, /* a key Docker does not read there: a setting silently lost */
	_MS_ISSUE_KIND_MAX,
};

struct ms_issue {
	enum ms_issue_kind kind;
	char *path;
	char *message; /* names keys and types, never quotes a value */
};

struct ms_registry {
	char *name;
	char *address;
	char *username;
	bool password_set;	   /* a non-empty password is present */
	bool password_placeholder; /* ... and it is a template placeholder */
	char *path;
	char *password_path;
};

/*
 * An acceptance label of the module (createOptions.Labels, or Config.Labels of docker inspect):
 * "io.edgesec.accept.<RULE>": "<reason>" accepts the rule's findings on this module,
 * "io.edgesec.accept.<RULE>.expires": "YYYY-MM-DD" limits it in time.  Kept as given (key
 * without the prefix); the scan turns them into waivers (common/waivers.h, docs/rules.md).
 */
#define MS_ACCEPT_LABEL_PREFIX "io.edgesec.accept."
#define MS_ACCEPT_LABELS_MAX 64 /* more are counted in dropped */
#define MS_ACCEPT_VALUE_MAX 512

struct ms_label {
	char *key; /* "EDGE010" or "EDGE010.expires" */
	char *value;
	char *path;
};

struct module_settings {
	char *name;
	enum module_kind kind;
	char *path; /* where the module is defined */
	/* Deployment-level data only (e.g. registry credentials without an edgeAgent module in
	 * a layered deployment): the container rules do not apply. */
	bool no_container;

	struct ms_str image;
	struct ms_str user;
	struct ms_str edgesec_label; /* label io.edgesec.module (Labels of the create body) */
	struct ms_str restart_policy;
	struct ms_bool privileged;
	struct ms_bool readonly_rootfs;
	struct ms_bool publish_all_ports;
	struct ms_str network_mode, pid_mode, ipc_mode, uts_mode, userns_mode, cgroupns_mode;
	struct ms_strv cap_add, cap_drop;
	struct ms_strv security_opt;
	struct ms_strv masked_paths, readonly_paths;
	struct ms_strv device_cgroup_rules;
	struct ms_mount *mounts;
	size_t n_mounts;
	struct ms_device *devices;
	size_t n_devices;
	struct ms_port *ports;
	size_t n_ports;
	struct ms_env *env;
	size_t n_env;
	struct ms_registry *registries; /* edgeAgent only: runtime.settings.registryCredentials */
	size_t n_registries;
	struct ms_num memory, memory_swap, nano_cpus, cpu_quota, cpu_shares, pids_limit;
	struct ms_str log_driver;
	struct ms_str log_max_size;
	struct ms_str log_max_file;
	struct ms_strv command; /* Entrypoint then Cmd, one argument each (may hold secrets) */
	struct ms_issue *issues;
	size_t n_issues;
	struct ms_label *accept; /* acceptance labels (above) */
	size_t n_accept;

	size_t dropped; /* list entries or string bytes that did not fit */
	/* Set by a filler of untrusted documents (docker inspect): a value of the wrong type is
	 * skipped and counted in `skipped` instead of failing the whole fill. */
	bool skip_bad_values;
	size_t skipped;
	/*
	 * Set by the manifest filler: Docker's and edgeAgent's reading is followed (keys match
	 * case-insensitively, the last of duplicates wins, "true" and "1" given as strings are
	 * converted), and what they would reject or ignore is recorded in `issues` instead of
	 * failing the fill.
	 */
	bool record_issues;
};

struct module_settings *module_settings_new(const char *name, enum module_kind kind,
					    const char *path);
void module_settings_free(struct module_settings *ms);

/*
 * Reads a Docker "container create" body (createOptions): Image, User, Env, HostConfig.  `prefix`
 * is the JSON pointer of `obj`.  Wrong types of the fields it reads give -EINVAL with err
 * naming the pointer (or are skipped and counted, with ms->skip_bad_values); unknown fields are
 * ignored.
 */
int module_settings_fill_create(struct module_settings *ms, const cJSON *obj, const char *prefix,
				struct json_error *err);
/* Reads the HostConfig object alone (shared by the create body and docker inspect). */
int module_settings_fill_host_config(struct module_settings *ms, const cJSON *hc,
				     const char *prefix, struct json_error *err);

/* Keeps the acceptance labels of a Labels object (prefix: its JSON pointer); only -ENOMEM. */
int module_settings_read_accept_labels(struct module_settings *ms, const cJSON *labels,
				       const char *prefix);
void module_settings_accept_labels_free(struct module_settings *ms);

/* Setters used by the fillers (copies are bounded; a NULL value is ignored). */
int module_settings_set_str(struct module_settings *ms, struct ms_str *s, const char *value,
			    const char *path);
int module_settings_add_env(struct module_settings *ms, const char *name, const char *value,
			    const char *path);
/* type: "bind", "volume", "tmpfs"... (NULL = "bind"); source/target/propagation may be NULL. */
int module_settings_add_mount(struct module_settings *ms, const char *source, const char *target,
			      const char *type, const char *propagation, bool read_only,
			      const char *path);
struct ms_registry_spec {
	const char *name, *address, *username, *path, *password_path;
	bool password_set, password_placeholder;
};
int module_settings_add_registry(struct module_settings *ms, const struct ms_registry_spec *reg);

/* Records an issue (bounded by MS_LIST_MAX, the excess counted in dropped); 0 or -ENOMEM. */
int module_settings_add_issue(struct module_settings *ms, enum ms_issue_kind kind, const char *path,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A string (or its part) that is a template placeholder: ${X}, $X, <x>, {{x}}, #{x}#, or a
 * placeholder word standing for the whole value (REPLACE_ME, changeme, your-password...). */
bool ms_is_placeholder(const char *s);
/* The whole string is nothing but placeholders (and separators). */
bool ms_is_only_placeholder(const char *s);

const char *module_kind_to_string(enum module_kind k);
