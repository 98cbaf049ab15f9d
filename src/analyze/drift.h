/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Desired-vs-running drift: the deployment manifest says what each IoT Edge module may do; the
 * running containers (inspect.h) say what it does.  A drift is a module that runs with MORE
 * than its manifest asks for, or a module that runs without being in the manifest:
 *
 *   Privileged        runs privileged, the manifest does not ask for it          critical
 *   Capability        a capability the manifest does not add (ALL: critical)     high
 *   HostNamespace     host network/PID/IPC/UTS/user namespace not asked for      high
 *   HostMount         a host path bind-mounted that the manifest does not mount  high
 *   MountWritable     mounted writable where the manifest mounts it read-only    high
 *   Device            a host device or device cgroup rule the manifest lacks     high
 *   UndeclaredModule  an IoT Edge module (owner label) not in the manifest       high
 *
 * Less than asked (a dropped capability, a module not running) is not drift.  Only IoT Edge
 * modules are compared; other containers are not the deployment's.  The cgroup namespace is
 * not compared: its default is the daemon's (host on cgroup v1) and manifests rarely set it.
 * A manifest that asks for Privileged covers capabilities and devices; CapAdd ALL covers every
 * capability.  Comparison is by module name = container name; capability names with or
 * without CAP_, any case; host paths normalised ("//", "/./", trailing '/').
 *
 * Bounds: at most DRIFT_MAX items per list, the excess counted in `dropped`.
 */

#include <stddef.h>

#include "analyze/inspect.h"
#include "analyze/manifest.h"
#include "analyze/rules.h"

#define DRIFT_MAX 10000
#define DRIFT_SETTING_MAX 256

enum drift_kind {
	DRIFT_PRIVILEGED,
	DRIFT_CAPABILITY,
	DRIFT_HOST_NAMESPACE,
	DRIFT_HOST_MOUNT,
	DRIFT_MOUNT_WRITABLE,
	DRIFT_DEVICE,
	DRIFT_UNDECLARED_MODULE,
	_DRIFT_KIND_MAX,
};

struct drift {
	enum drift_kind kind;
	enum severity severity;
	char *module;
	char *container_id;
	char *image;
	char setting[DRIFT_SETTING_MAX]; /* "CAP_NET_ADMIN", "NetworkMode host", "/etc -> /x" */
	char *path;			 /* JSON pointer into the inspect document */
	char *manifest_path;		 /* the module in the manifest; "" when undeclared */
	char message[FINDING_MESSAGE_MAX];
};

struct drift_list {
	struct drift *items;
	size_t n, cap;
	size_t dropped;
};

/* Appends the drift of every IoT Edge container in cs against manifest m; 0 or -ENOMEM. */
int drift_compare(const struct manifest *m, struct inspected_container *const *cs, size_t n,
		  struct drift_list *out);
void drift_list_done(struct drift_list *l);

const char *drift_kind_to_string(enum drift_kind k); /* "Privileged", "Capability", ... */
