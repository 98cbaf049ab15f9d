/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Running containers → the module-settings model.  A `docker inspect` document (the cJSON of
 * GET /containers/{id}/json, as the Docker client hands it over) fills one struct
 * module_settings, so the rules (rules.h) judge a running container exactly as they judge a
 * manifest module.  Finding paths are JSON pointers into the inspect document
 * ("/HostConfig/CapAdd/0", "/Mounts/2", "/Config/Env/3").
 *
 * What is read: Name, Id, Image, State.Status, Config.{Image, User, Env, Labels},
 * HostConfig (the same reader as createOptions: Privileged, CapAdd/CapDrop, the namespace
 * modes, Binds, Mounts, Devices, DeviceCgroupRules, SecurityOpt, MaskedPaths/ReadonlyPaths,
 * ReadonlyRootfs, limits, LogConfig, PortBindings), HostConfig.RestartPolicy.Name and the
 * resolved top-level Mounts[] (bind mounts not already in HostConfig, with RW).
 *
 * IoT Edge: a container is a module when its label net.azure-devices.edge.owner is
 * Microsoft.Azure.Devices.Edge.Agent; the module name is the container name, the image is the
 * label net.azure-devices.edge.original-image when present (what the manifest asked for), else
 * Config.Image.  The workload socket bind that IoT Edge itself gives every module (target
 * /var/run/iotedge/workload.sock) and the management socket it gives edgeAgent
 * (target /var/run/iotedge/mgmt.sock) are not the deployment's doing: they are left out and
 * counted in `runtime_mounts`.
 *
 * The document is untrusted: a value of the wrong type is skipped and counted (`skipped`),
 * never an error; lists are bounded as in module-settings.h.
 */

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "analyze/module-settings.h"
#include "analyze/rules.h"
#include "common/json_read.h"

#define INSPECT_EDGE_OWNER_LABEL "net.azure-devices.edge.owner"
#define INSPECT_EDGE_OWNER "Microsoft.Azure.Devices.Edge.Agent"
#define INSPECT_ORIGINAL_IMAGE_LABEL "net.azure-devices.edge.original-image"
#define INSPECT_ID_MAX 128

struct inspected_container {
	struct module_settings *ms;  /* name = container name without the leading '/' */
	char id[INSPECT_ID_MAX + 1]; /* full container id; "" if absent */
	char *image;		     /* ms->image.value or "" (never NULL) */
	char *image_id;		     /* top-level Image ("sha256:..."), "" if absent */
	char *status;		     /* State.Status ("running", "created", ...), "" if absent */
	bool edge_module;	     /* carries the IoT Edge owner label */
	size_t runtime_mounts;	     /* IoT Edge's own socket binds, left out */
	size_t skipped;		     /* values of the wrong type that were ignored */
};

/* 0 and *ret on success; -ENOMEM; -EINVAL only when `inspect` is not a JSON object. */
int inspect_container(const cJSON *inspect, struct inspected_container **ret);
void inspected_container_free(struct inspected_container *c);

/*
 * Runs the rules on running containers (the deployment-wide context, e.g. which protocols the
 * modules use, is gathered from all of them first) and appends the findings; 0 or -ENOMEM.
 * finding.module is the container name.
 */
int analyze_containers(struct inspected_container *const *cs, size_t n, struct finding_list *out);
/* The same for one inspect document: inspect_container + analyze_containers. */
int analyze_container(const cJSON *inspect, struct finding_list *out);

/* The container whose name is `name`, or NULL. */
const struct inspected_container *inspect_find(struct inspected_container *const *cs, size_t n,
					       const char *name);

/*
 * A whole `docker inspect` document, as the command prints it: one container object or an
 * array of them (inspect-document.c).  Read element by element (one JSON tree at a time, each
 * within json_tree_budget()), at most INSPECT_MAX_CONTAINERS kept, the rest counted in
 * `dropped`.  -EINVAL with err (line/column or JSON pointer) when it is not such a document.
 */
#define INSPECT_MAX_CONTAINERS 4096

struct inspect_document {
	struct inspected_container **cs;
	size_t n, cap;
	size_t dropped; /* containers beyond INSPECT_MAX_CONTAINERS */
	bool array;	/* the document was an array (finding paths get "/<index>") */
};

int inspect_document_parse(const char *data, size_t len, struct inspect_document *d,
			   struct json_error *err);
void inspect_document_done(struct inspect_document *d);
