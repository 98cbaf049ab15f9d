/* SPDX-License-Identifier: MIT */
/*
 * Drift (scan-manifest --docker-inspect --against MANIFEST) in SARIF 2.1.0: one rule per drift
 * kind (ids "DRIFT-<Kind>", after the EDGE rules in driver.rules), one result per drift item.
 * A result is located where the running container shows the setting (the inspect document,
 * line and column as collect() found them) and related to the module in the manifest
 * (relatedLocations, when the module is declared there; the manifest's text is kept with the
 * file for that).  Messages never hold secrets: drift
 * names settings, not values of env variables or passwords.
 */
#include <stdio.h>
#include <string.h>

#include "analyze/json-locate.h"
#include "scan-manifest-int.h"

static const struct {
	const char *name, *title, *help;
} drift_rules[_DRIFT_KIND_MAX] = {
	[DRIFT_PRIVILEGED] = { "PrivilegedDrift",
			       "Module runs privileged; its manifest does not ask for it",
			       "Redeploy the module from its manifest and find who changed it." },
	[DRIFT_CAPABILITY] = { "CapabilityDrift",
			       "Module runs with a capability its manifest does not add",
			       "Redeploy the module from its manifest and find who changed it." },
	[DRIFT_HOST_NAMESPACE] = { "HostNamespaceDrift",
				   "Module shares a host namespace its manifest does not ask for",
				   "Redeploy the module from its manifest and find who changed "
				   "it." },
	[DRIFT_HOST_MOUNT] = { "HostMountDrift",
			       "Module mounts a host path its manifest does not mount",
			       "Redeploy the module from its manifest and find who changed it." },
	[DRIFT_MOUNT_WRITABLE] = { "MountWritableDrift",
				   "Module mounts writable what its manifest mounts read-only",
				   "Redeploy the module from its manifest and find who changed "
				   "it." },
	[DRIFT_DEVICE] = { "DeviceDrift", "Module gets a host device its manifest does not give",
			   "Redeploy the module from its manifest and find who changed it." },
	[DRIFT_UNDECLARED_MODULE] = { "UndeclaredModule",
				      "An IoT Edge module runs that the manifest does not declare",
				      "Remove the container, or declare the module in the "
				      "deployment manifest." },
};

void sarif_drift_rules(struct jw *w)
{
	for (int k = 0; k < _DRIFT_KIND_MAX; k++) {
		char id[64];

		snprintf(id, sizeof(id), "DRIFT-%s", drift_kind_to_string((enum drift_kind)k));
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_cstr(w, id);
		jw_key(w, "name");
		jw_cstr(w, drift_rules[k].name);
		sarif_write_text(w, "shortDescription", drift_rules[k].title);
		sarif_write_text(w, "fullDescription",
				 "A running IoT Edge module has more than its deployment manifest "
				 "grants (or is not in it): someone or something changed it after "
				 "deployment.");
		sarif_write_text(w, "help", drift_rules[k].help);
		jw_key(w, "properties");
		jw_obj_begin(w);
		jw_key(w, "tags");
		jw_arr_begin(w);
		jw_cstr(w, "security");
		jw_cstr(w, "iot-edge");
		jw_cstr(w, "drift");
		jw_arr_end(w);
		jw_obj_end(w);
		jw_obj_end(w);
	}
}

/* A physicalLocation in uri, with a region when line is known. */
static void physical(struct jw *w, const char *uri, unsigned line, unsigned col)
{
	jw_key(w, "physicalLocation");
	jw_obj_begin(w);
	jw_key(w, "artifactLocation");
	jw_obj_begin(w);
	jw_key(w, "uri");
	jw_cstr(w, uri);
	jw_obj_end(w);
	if (line) {
		jw_key(w, "region");
		jw_obj_begin(w);
		jw_key(w, "startLine");
		jw_uint(w, line);
		jw_key(w, "startColumn");
		jw_uint(w, col);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

void sarif_location(struct jw *w, const char *uri, unsigned line, unsigned col, const char *fqn)
{
	jw_key(w, "locations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	physical(w, uri, line, col);
	jw_key(w, "logicalLocations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "fullyQualifiedName");
	jw_cstr(w, fqn);
	jw_key(w, "kind");
	jw_cstr(w, "member");
	jw_obj_end(w);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_arr_end(w);
}

static void related_manifest(struct jw *w, const struct scan_file *f, const struct drift *d,
			     const char *manifest_uri)
{
	unsigned line = 0, col = 0;

	if (!d->manifest_path || !d->manifest_path[0])
		return; /* an undeclared module has no place in the manifest */
	if (f->against_data)
		(void)json_locate(f->against_data, f->against_len, d->manifest_path, &line, &col);
	jw_key(w, "relatedLocations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "id");
	jw_uint(w, 1);
	sarif_write_text(w, "message", "the module in the deployment manifest");
	physical(w, manifest_uri, line, col);
	jw_obj_end(w);
	jw_arr_end(w);
}

void sarif_drift_result(struct jw *w, const struct scan_report *rep, const struct scan_item *it,
			const char *inspect_uri, const char *manifest_uri)
{
	const struct drift *d = it->d;
	size_t n_rules;
	char id[64];

	rules_table(&n_rules);
	snprintf(id, sizeof(id), "DRIFT-%s", drift_kind_to_string(d->kind));
	jw_obj_begin(w);
	jw_key(w, "ruleId");
	jw_cstr(w, id);
	jw_key(w, "ruleIndex");
	jw_uint(w, n_rules + (size_t)d->kind);
	jw_key(w, "level");
	jw_cstr(w, sarif_level(d->severity));
	sarif_write_text(w, "message", d->message);
	sarif_location(w, inspect_uri, it->line, it->col, d->path[0] ? d->path : "/");
	related_manifest(w, &rep->files[it->file], d, manifest_uri);
	jw_key(w, "properties");
	jw_obj_begin(w);
	jw_key(w, "kind");
	jw_cstr(w, drift_kind_to_string(d->kind));
	jw_key(w, "module");
	jw_cstr(w, d->module);
	jw_key(w, "containerId");
	jw_cstr(w, d->container_id);
	jw_key(w, "image");
	jw_cstr(w, d->image);
	jw_key(w, "setting");
	jw_cstr(w, d->setting);
	jw_key(w, "manifestPath");
	jw_cstr(w, d->manifest_path ? d->manifest_path : "");
	jw_key(w, "severity");
	jw_cstr(w, severity_to_title(d->severity));
	jw_obj_end(w);
	jw_obj_end(w);
}
