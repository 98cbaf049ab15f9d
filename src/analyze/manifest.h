/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * IoT Edge deployment manifests (and templates) → one struct module_settings per module.
 *
 * Accepted: the envelopes {"modulesContent": …}, {"content": {"modulesContent": …}}, the legacy
 * "moduleContent" (both places), a bare {"$edgeAgent": …, "$edgeHub": …} object, and layered
 * deployments ("properties.desired.modules.<name>" keys); $edgeAgent/$edgeHub schemaVersion
 * 1.x; system and custom modules; createOptions as an object or a string (split over
 * createOptions01…createOptions99); env values as {"value": x} or plain scalars.
 *
 * Unusable input gives -EINVAL and a json_error: line/column for syntax errors, a JSON pointer
 * for wrong values.  Error messages never quote input values (they may be secrets).
 */

#include <stdbool.h>
#include <stddef.h>

#include "analyze/module-settings.h"
#include "analyze/rules.h"
#include "common/json_read.h"

#define MANIFEST_MAX_SIZE (32u * 1024 * 1024)
#define MANIFEST_MAX_MODULES 4096
#define MANIFEST_CREATE_OPTIONS_MAX (4u * 1024 * 1024)

struct manifest_module {
	struct module_settings *ms;
	char *create_options_path;  /* pointer of createOptions; NULL if absent */
	bool create_options_string; /* given as a (possibly split) string */
};

struct manifest {
	const char *envelope; /* static: "modulesContent", "content.modulesContent", ... */
	struct manifest_module *modules;
	size_t n_modules, cap_modules;
	size_t dropped_modules; /* beyond MANIFEST_MAX_MODULES */
	size_t n_routes;
	bool layered;
	/* What edgeHub's routes say about who talks to it (manifest_route_note): modules send
	 * or receive messages, devices (leaf or child edge devices) send them.  Either needs
	 * a protocol head, whichever the SDK picks. */
	bool routes_modules, routes_devices;
};

int manifest_parse(const char *data, size_t len, struct manifest **ret_manifest,
		   struct json_error *err);
void manifest_free(struct manifest *m);
/* Reads the file (at most MANIFEST_MAX_SIZE bytes) and parses it; -errno of the read with
 * err naming it, or manifest_parse's result. */
int manifest_load(const char *path, struct manifest **ret_manifest, struct json_error *err);

/* Notes what one route ("FROM ... [WHERE ...] INTO ...") says about who talks to edgeHub. */
void manifest_route_note(struct manifest *m, const char *route);

/* Runs the rules on every module; findings inside string createOptions get embedded_path. */
int manifest_analyze(const struct manifest *m, struct finding_list *out);
