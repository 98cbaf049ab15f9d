/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared by the rule table (rules-table.c: ids, severities, texts) and the engine (rules.c: the
 * checks that emit findings): the index of every rule in the table.  Adding a rule: a value
 * here, its row in rules-table.c, its check in rules.c, its line in docs/rules.md.
 */

#include "analyze/rules.h"

enum rule_index {
	R_PRIVILEGED,
	R_CAP_ALL,
	R_CAP_DANGEROUS,
	R_HOST_NETWORK,
	R_HOST_PID,
	R_HOST_IPC,
	R_HOST_UTS,
	R_HOST_USERNS,
	R_HOST_CGROUPNS,
	R_RUNTIME_SOCKET,
	R_MOUNT_WRITABLE,
	R_MOUNT_READONLY,
	R_DEVICE,
	R_DEVICE_RULE_WILDCARD,
	R_APPARMOR,
	R_SECCOMP,
	R_LABEL,
	R_NO_NEW_PRIVS,
	R_MASKED_PATHS,
	R_USER_ROOT,
	R_USER_DEFAULT,
	R_WRITABLE_ROOTFS,
	R_NO_MEMORY_LIMIT,
	R_NO_CPU_LIMIT,
	R_NO_PIDS_LIMIT,
	R_LOGGING_DISABLED,
	R_LOG_UNBOUNDED,
	R_PORT_ALL_ADDRESSES,
	R_DEBUG_PORT,
	R_IMAGE_UNPINNED,
	R_IMAGE_DEBUG,
	R_RUNTIME_OUTDATED,
	R_ENV_SECRET,
	R_REGISTRY_PASSWORD,
	R_REGISTRY_ADMIN,
	R_HUB_PROTOCOL_HEAD,
	R_ACCEPTED_RISK,
	R_INVALID_SETTING,   /* EDGE038 */
	R_IGNORED_SETTING,   /* EDGE039 */
	R_SECRET_IN_COMMAND, /* EDGE040 */
	R_DOCKER_API_TCP,    /* EDGE041 */
	_R_MAX,
};

extern const struct rule rule_table[_R_MAX];

/*
 * The edgesec module's own documented privileges (accepted.c, docs/security.md): a module
 * recognised as edgesec (image repository "edgesec" or label io.edgesec.module=true) gets an
 * AcceptedRisk finding instead of rule r for exactly the privileges the deployment template
 * grants it, each with a one-line reason; anything beyond keeps its rule and severity.
 */
bool accepted_module_is_edgesec(const struct module_settings *ms);
/*
 * The reason rule r is accepted for the edgesec module with this detail (capability name,
 * SecurityOpt value) or mount (m, for the mount rules), or NULL when it is not.
 */
const char *accepted_reason(enum rule_index r, const char *detail, const struct ms_mount *m);
