/* SPDX-License-Identifier: MIT */
/*
 * The edgesec module's documented privileges (rules-int.h).  The deployment template
 * (deploy/deployment.template.json) grants exactly these, docs/security.md explains each,
 * and the rules report each as AcceptedRisk (Info) with its reason instead of its own
 * severity, so a reviewer still sees them and `--fail-on` does not trip on them.
 *
 * The module is recognised by its image (the repository's last path component is
 * "edgesec": edgesec:0.1.0, myregistry.azurecr.io/security/edgesec:1.2@sha256:...) or by the
 * label io.edgesec.module=true, which the image carries.  Neither can be verified offline:
 * anyone may name an image edgesec.  That is why only the documented set is accepted, each
 * item exactly (a capability by name; a mount by host path, container path and read-only)
 * and the findings stay in the report: a module that calls itself edgesec and asks for more
 * (Privileged, SYS_MODULE, a writable or different host mount) is reported as any other.
 */
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "rules-int.h"

struct accepted_item {
	enum rule_index rule;
	const char *what;   /* capability, SecurityOpt value, or host path; NULL: any */
	const char *target; /* container path of a mount (must match), or NULL */
	const char *reason;
};

static const struct accepted_item items[] = {
	{ R_CAP_DANGEROUS, "SYS_ADMIN", NULL,
	  "load and attach the eBPF programs at start (Docker before 23 knows no BPF/PERFMON "
	  "capabilities); dropped from every set once started" },
	{ R_CAP_DANGEROUS, "BPF", NULL, "load the eBPF programs at start; dropped once started" },
	{ R_CAP_DANGEROUS, "PERFMON", NULL,
	  "attach the eBPF programs to tracepoints at start; dropped once started" },
	{ R_CAP_DANGEROUS, "SYS_PTRACE", NULL,
	  "read /proc/<pid>/exe, cwd and fd of host processes (executables, socket owners)" },
	{ R_CAP_DANGEROUS, "DAC_READ_SEARCH", NULL,
	  "read host files whatever their mode (/etc/shadow for empty passwords, sshd_config), "
	  "never write" },
	{ R_CAP_DANGEROUS, "NET_ADMIN", NULL, "list the host firewall (nftables, iptables)" },
	{ R_CAP_DANGEROUS, "AUDIT_CONTROL", NULL,
	  "enable kernel audit for PAM's login records and restore it at stop" },
	{ R_HOST_NETWORK, NULL, NULL,
	  "the host's listening ports and firewall; kernel audit records reach the host's "
	  "network namespace only" },
	{ R_HOST_PID, NULL, NULL, "the host's processes in /proc (executables, owners, logins)" },
	{ R_HOST_CGROUPNS, NULL, NULL, "attribute host processes to containers by cgroup path" },
	{ R_LABEL, "label=disable", NULL, "set by the Docker daemon for PidMode host" },
	{ R_LABEL, "label:disable", NULL, "set by the Docker daemon for PidMode host" },
	{ R_RUNTIME_SOCKET, "/var/run/docker.sock", "/var/run/docker.sock",
	  "container events and inventory through the Engine API (GET requests only)" },
	{ R_RUNTIME_SOCKET, "/run/docker.sock", "/var/run/docker.sock",
	  "container events and inventory through the Engine API (GET requests only)" },
	{ R_MOUNT_READONLY, "/etc", "/host/etc",
	  "users, groups, sshd and the baseline's configuration files, read-only" },
	{ R_MOUNT_READONLY, "/var/log", "/host/var/log",
	  "login records (wtmp, btmp) when kernel audit is not available, read-only" },
	{ R_USER_DEFAULT, NULL, NULL,
	  "starts as root to load eBPF and enable audit, then runs as uid 10001 (--user)" },
	{ R_USER_ROOT, NULL, NULL,
	  "starts as root to load eBPF and enable audit, then runs as uid 10001 (--user)" },
};

/* The image reference's repository name: "edgesec" of "reg.io/a/edgesec:1@sha256:..". */
static bool image_is_edgesec(const char *image)
{
	const char *at = image ? strchr(image, '@') : NULL, *last, *p;
	size_t n;

	if (!image)
		return false;
	n = at ? (size_t)(at - image) : strlen(image);
	last = image;
	for (p = image; p < image + n; p++)
		if (*p == '/')
			last = p + 1;
	for (p = last; p < image + n && *p != ':'; p++)
		;
	return (size_t)(p - last) == 7 && strncmp(last, "edgesec", 7) == 0;
}

bool accepted_module_is_edgesec(const struct module_settings *ms)
{
	const char *label = ms->edgesec_label.value;

	return image_is_edgesec(ms->image.value) || (label && strcasecmp(label, "true") == 0);
}

static bool mount_matches(const struct accepted_item *a, const struct ms_mount *m)
{
	char src[MS_STRING_MAX + 1], dst[MS_STRING_MAX + 1];

	if (!m || !m->source || !m->target || !m->read_only)
		return false;
	rules_normalize_path(m->source, src, sizeof(src));
	rules_normalize_path(m->target, dst, sizeof(dst));
	return strcmp(src, a->what) == 0 && strcmp(dst, a->target) == 0;
}

const char *accepted_reason(enum rule_index r, const char *detail, const struct ms_mount *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		const struct accepted_item *a = &items[i];

		if (a->rule != r)
			continue;
		if (a->target) {
			if (mount_matches(a, m))
				return a->reason;
			continue;
		}
		if (!a->what || (detail && strcasecmp(detail, a->what) == 0))
			return a->reason;
	}
	return NULL;
}
