/* SPDX-License-Identifier: MIT */
/*
 * The rule table: for each rule its stable id, name, severity, title, message template ("{}" is
 * the finding's detail), remediation, rationale and matching ASC recommendation type; and the
 * severity names.  Pure data plus lookups; the checks are in rules.c.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "rules-int.h"

#define C SEVERITY_CRITICAL
#define H SEVERITY_HIGH
#define M SEVERITY_MEDIUM
#define L SEVERITY_LOW
#define I SEVERITY_INFO

const struct rule rule_table[_R_MAX] = {
	[R_PRIVILEGED] = { "EDGE001", "PrivilegedContainer", C, "Module runs privileged",
			   "The module runs privileged (HostConfig.Privileged).",
			   "Remove Privileged; grant only the devices and capabilities the module "
			   "needs.",
			   "A privileged container has every capability, every device and no "
			   "seccomp/AppArmor confinement: it is root on the host.",
			   "IoT_PrivilegedDockerOptions" },
	[R_CAP_ALL] = { "EDGE002", "AllCapabilitiesAdded", C, "Module adds all capabilities",
			"The module adds every Linux capability (CapAdd {}).",
			"Replace CapAdd ALL by the few capabilities the module needs, after "
			"CapDrop ALL.",
			"CapAdd ALL gives the container almost everything Privileged does.",
			"IoT_PrivilegedDockerOptions" },
	[R_CAP_DANGEROUS] = { "EDGE003", "DangerousCapability", H,
			      "Module adds a dangerous capability",
			      "The module adds the capability {}.",
			      "Remove the capability, or justify it and confine the module "
			      "otherwise (read-only root, no host mounts).",
			      "Capabilities such as SYS_ADMIN, SYS_PTRACE, SYS_MODULE or NET_ADMIN "
			      "allow container escape or host tampering.",
			      "IoT_PrivilegedDockerOptions" },
	[R_HOST_NETWORK] = { "EDGE004", "HostNetwork", H, "Module uses the host network",
			     "The module shares the host network namespace (NetworkMode host).",
			     "Use the azure-iot-edge bridge network and publish only the ports "
			     "needed.",
			     "Host networking lets the module bind any host port, reach host-local "
			     "services and sniff traffic.",
			     "IoT_PrivilegedDockerOptions" },
	[R_HOST_PID] = { "EDGE005", "HostPid", H, "Module uses the host PID namespace",
			 "The module shares the host PID namespace (PidMode host).",
			 "Remove PidMode host unless the module must observe host processes.",
			 "With the host PID namespace a module sees, signals and (with SYS_PTRACE) "
			 "traces every host process.",
			 "IoT_PrivilegedDockerOptions" },
	[R_HOST_IPC] = { "EDGE006", "HostIpc", M, "Module uses the host IPC namespace",
			 "The module shares the host IPC namespace (IpcMode host).",
			 "Remove IpcMode host; use private IPC.",
			 "Host IPC exposes host shared memory and SysV IPC objects to the module.",
			 NULL },
	[R_HOST_UTS] = { "EDGE007", "HostUts", L, "Module uses the host UTS namespace",
			 "The module shares the host UTS namespace (UTSMode host).",
			 "Remove UTSMode host.",
			 "With host UTS (and SYS_ADMIN) a module can change the host name.", NULL },
	[R_HOST_USERNS] = { "EDGE008", "HostUserns", M,
			    "Module opts out of user-namespace remapping",
			    "The module uses the host user namespace (UsernsMode host).",
			    "Remove UsernsMode host so daemon-wide user-namespace remapping "
			    "applies.",
			    "UsernsMode host makes container root the host root even where the "
			    "daemon remaps users.",
			    NULL },
	[R_HOST_CGROUPNS] = { "EDGE009", "HostCgroupns", M, "Module uses the host cgroup namespace",
			      "The module uses the host cgroup namespace (CgroupnsMode host).",
			      "Use CgroupnsMode private.",
			      "The host cgroup namespace exposes the host's cgroup hierarchy to "
			      "the module.",
			      NULL },
	[R_RUNTIME_SOCKET] = { "EDGE010", "ContainerRuntimeSocket", C,
			       "Module mounts a container runtime or IoT Edge management socket",
			       "The module mounts {} from the host.",
			       "Do not mount runtime sockets into modules; a read-only bind does "
			       "not make the API read-only.",
			       "Access to the Docker/containerd socket or the IoT Edge management "
			       "socket is full control of the host.",
			       "IoT_PrivilegedDockerOptions" },
	[R_MOUNT_WRITABLE] = { "EDGE011", "SensitiveHostMountWritable", H,
			       "Module mounts a sensitive host path writable",
			       "The module mounts the sensitive host path {} writable.",
			       "Mount only the specific files needed, read-only (:ro or ReadOnly "
			       "true).",
			       "Writable access to host system, identity or runtime paths allows "
			       "host takeover or identity theft.",
			       "IoT_PrivilegedDockerOptions" },
	[R_MOUNT_READONLY] = { "EDGE012", "SensitiveHostMount", M,
			       "Module mounts a sensitive host path read-only",
			       "The module mounts the sensitive host path {} read-only.",
			       "Mount only the specific files needed.",
			       "Even read-only, host system and IoT Edge identity paths disclose "
			       "keys, credentials and configuration.",
			       NULL },
	[R_DEVICE] = { "EDGE013", "SensitiveDevice", H, "Module gets a sensitive host device",
		       "The module gets the host device {}.",
		       "Remove the device; give a module only the device nodes it needs (cameras, "
		       "serial ports).",
		       "Raw memory, raw disks and the TPM give access to all host data and to the "
		       "device identity.",
		       "IoT_PrivilegedDockerOptions" },
	[R_DEVICE_RULE_WILDCARD] = { "EDGE014", "WildcardDeviceCgroupRule", H,
				     "Module allows all devices in a device cgroup rule",
				     "The device cgroup rule '{}' allows a wildcard of devices.",
				     "List the exact device major:minor numbers needed.",
				     "A wildcard device rule lets the module create and open any "
				     "device node, including raw disks.",
				     NULL },
	[R_APPARMOR] = { "EDGE015", "AppArmorUnconfined", H, "Module disables AppArmor",
			 "The module runs without AppArmor confinement ({}).",
			 "Remove apparmor=unconfined; use the default or a custom profile.",
			 "AppArmor's docker-default profile blocks many container-escape paths.",
			 NULL },
	[R_SECCOMP] = { "EDGE016", "SeccompUnconfined", H, "Module disables seccomp",
			"The module runs without a seccomp filter ({}).",
			"Remove seccomp=unconfined; use the default or a custom profile.",
			"The default seccomp profile blocks dangerous system calls (mount, kexec, "
			"bpf, ...).",
			NULL },
	[R_LABEL] = { "EDGE017", "SelinuxLabelDisabled", M, "Module disables SELinux labelling",
		      "The module disables SELinux separation ({}).", "Remove label=disable.",
		      "Without SELinux labels the module is not separated from the host and other "
		      "containers by MAC.",
		      NULL },
	[R_NO_NEW_PRIVS] = { "EDGE018", "NoNewPrivilegesMissing", L,
			     "Module may gain privileges through setuid binaries",
			     "The module does not set no-new-privileges.",
			     "Add \"no-new-privileges\" to HostConfig.SecurityOpt.",
			     "no-new-privileges stops setuid/setcap binaries from raising "
			     "privileges inside the container.",
			     NULL },
	[R_MASKED_PATHS] = { "EDGE019", "SystemPathsUnmasked", H, "Module unmasks kernel paths",
			     "The module clears {}, exposing /proc and /sys paths normally hidden "
			     "or read-only.",
			     "Remove the empty MaskedPaths/ReadonlyPaths (or "
			     "systempaths=unconfined).",
			     "Masked paths hide /proc/kcore, /proc/sysrq-trigger and similar host "
			     "kernel interfaces.",
			     NULL },
	[R_USER_ROOT] = { "EDGE020", "RunsAsRoot", M, "Module runs as root",
			  "The module runs as root (User {}).",
			  "Run as an unprivileged user (User \"1000:1000\" or a user created in "
			  "the image).",
			  "Root inside the container is host root for any escape and for files on "
			  "host mounts.",
			  NULL },
	[R_USER_DEFAULT] = { "EDGE021", "DefaultUser", I, "Module runs as the image's default user",
			     "The module sets no User; it runs as the image's default user, often "
			     "root.",
			     "Set User to an unprivileged user.",
			     "Most images default to root; an explicit non-root User makes the "
			     "intent visible and checkable.",
			     NULL },
	[R_WRITABLE_ROOTFS] = { "EDGE022", "WritableRootFilesystem", L,
				"Module has a writable root filesystem",
				"The module's root filesystem is writable (ReadonlyRootfs not "
				"set).",
				"Set HostConfig.ReadonlyRootfs true and mount volumes or tmpfs "
				"where the module writes.",
				"A read-only root filesystem stops an attacker from dropping tools "
				"or changing binaries.",
				NULL },
	[R_NO_MEMORY_LIMIT] = { "EDGE023", "NoMemoryLimit", L, "Module has no memory limit",
				"The module has no memory limit (HostConfig.Memory).",
				"Set HostConfig.Memory (and MemorySwap) to what the module needs.",
				"Without a limit one module can exhaust the device's memory and "
				"take edgeHub and edgeAgent down.",
				NULL },
	[R_NO_CPU_LIMIT] = { "EDGE024", "NoCpuLimit", L, "Module has no CPU limit",
			     "The module has no CPU limit (HostConfig.NanoCpus or CpuQuota).",
			     "Set HostConfig.NanoCpus (or CpuPeriod/CpuQuota).",
			     "Without a limit one module can starve the others, including the "
			     "security module.",
			     NULL },
	[R_NO_PIDS_LIMIT] = { "EDGE025", "NoPidsLimit", L, "Module has no process limit",
			      "The module has no process limit (HostConfig.PidsLimit).",
			      "Set HostConfig.PidsLimit.",
			      "A fork bomb in one module can exhaust the host's process table.",
			      NULL },
	[R_LOGGING_DISABLED] = { "EDGE026", "LoggingDisabled", M, "Module logging is disabled",
				 "The module's logging is disabled (LogConfig.Type none).",
				 "Use the json-file or local log driver with max-size and "
				 "max-file.",
				 "Without logs, incidents cannot be investigated and GetModuleLogs "
				 "returns nothing.",
				 "IoT_EdgeLoggingOptions" },
	[R_LOG_UNBOUNDED] = { "EDGE027", "UnboundedLogs", L, "Module logs are not rotated",
			      "The module's {} log has no max-size.",
			      "Set LogConfig.Config max-size and max-file (or configure log "
			      "rotation in daemon.json).",
			      "Unrotated json-file logs grow until the device's disk is full.",
			      NULL },
	[R_PORT_ALL_ADDRESSES] = { "EDGE028", "PortOnAllAddresses", M,
				   "Module publishes a host port on all addresses",
				   "The module publishes {} on all host addresses.",
				   "Bind the port to a specific address (HostIp) or do not publish "
				   "it.",
				   "Ports published on 0.0.0.0 are reachable from every network "
				   "the device is on.",
				   "IoT_OpenPorts" },
	[R_DEBUG_PORT] = { "EDGE029", "DebugPort", M, "Module publishes a debugger port",
			   "The module publishes the debugger port {}.",
			   "Remove debug port bindings from production deployments.",
			   "Remote debugger ports give code execution inside the module to anyone "
			   "who can reach them.",
			   NULL },
	[R_IMAGE_UNPINNED] = { "EDGE030", "UnpinnedImage", M, "Module image is not pinned",
			       "The image {} is not pinned to a version or digest.",
			       "Use a specific version tag, ideally with a digest (@sha256:...).",
			       "Floating tags such as latest change what runs without a deployment "
			       "change.",
			       NULL },
	[R_IMAGE_DEBUG] = { "EDGE031", "DebugImage", M, "Module uses a debug image",
			    "The module uses the debug image {}.",
			    "Deploy the release build of the module.",
			    "Debug images carry debuggers and relaxed settings that do not belong "
			    "in production.",
			    NULL },
	[R_RUNTIME_OUTDATED] = { "EDGE032", "OutdatedEdgeRuntime", M,
				 "IoT Edge runtime image is out of support",
				 "The IoT Edge runtime image {} is older than 1.5, the supported "
				 "release.",
				 "Update edgeAgent and edgeHub to "
				 "mcr.microsoft.com/azureiotedge-agent:1.5 / azureiotedge-hub:1.5.",
				 "Releases out of support receive no security fixes.", NULL },
	[R_ENV_SECRET] = { "EDGE033", "PlaintextSecretInEnv", H,
			   "Secret in plain text in the deployment",
			   "The environment variable {} holds a plaintext secret (value not "
			   "shown).",
			   "Pass secrets at deployment time (pipeline variables, placeholders) or "
			   "read them from a secret store.",
			   "Deployment manifests are stored in source control and in the module "
			   "twin; anyone who reads them gets the secret.",
			   NULL },
	[R_REGISTRY_PASSWORD] = { "EDGE034", "PlaintextRegistryPassword", H,
				  "Registry password in plain text",
				  "The registry credentials {} contain a plaintext password (value "
				  "not shown).",
				  "Use a placeholder ($CONTAINER_REGISTRY_PASSWORD) filled at "
				  "deployment time, and a pull-only token.",
				  "A password in the manifest is disclosed to everyone who reads "
				  "the manifest or the edgeAgent twin.",
				  NULL },
	[R_REGISTRY_ADMIN] = { "EDGE035", "AcrAdminUser", M,
			       "Registry credentials look like the ACR admin user",
			       "The registry credentials {} use the registry name as user name, as "
			       "the ACR admin user does.",
			       "Disable the ACR admin user; use a service principal or a "
			       "repository-scoped pull token.",
			       "The ACR admin account can push and delete images, not only pull "
			       "them.",
			       "IoT_ACRAuthentication" },
	[R_HUB_PROTOCOL_HEAD] = { "EDGE036", "UnusedProtocolHead", L,
				  "edgeHub protocol head enabled but unused",
				  "edgeHub's {} head is enabled, its port is not published and no "
				  "module is configured for it.",
				  "Disable it with the edgeHub env variable amqpSettings__enabled "
				  "/ mqttSettings__enabled / httpSettings__enabled = false.",
				  "Every enabled protocol head costs memory and is attack surface.",
				  "IoT_EdgeHubMemOptimize" },
	[R_ACCEPTED_RISK] = { "EDGE037", "AcceptedRisk", I,
			      "Documented privilege of the edgesec module",
			      "Accepted for the edgesec module: {}.",
			      "Nothing to do while the privilege matches the documented set "
			      "(docs/security.md); anything beyond it is reported by its own rule.",
			      "The security module must see the whole host; each privilege it "
			      "needs is granted explicitly, documented with its reason and "
			      "reported here so it stays visible.",
			      NULL },
	[R_INVALID_SETTING] = { "EDGE038", "InvalidModuleSetting", H,
				"Module setting Docker or edgeAgent cannot take as given",
				"The module's settings are not what Docker expects: {}.",
				"Give the setting the type Docker documents (a JSON boolean, "
				"number, string or object), make createOptions valid JSON, and "
				"fill placeholders before deploying.",
				"edgeAgent refuses or converts what does not fit: the module is "
				"not deployed, or deployed with a meaning nobody reviewed "
				"(\"Privileged\": \"true\" runs privileged). The other settings of "
				"the module are still analyzed.",
				NULL },
	[R_IGNORED_SETTING] = { "EDGE039", "IgnoredModuleSetting", M,
				"Module setting ignored by Docker", "{}.",
				"Use the key Docker documents, at the level it belongs (top level "
				"of createOptions or HostConfig); keys match without regard to "
				"case.",
				"A misspelled or misplaced key is dropped without a word: a limit "
				"or a hardening the manifest seems to apply is not applied, and "
				"variables put in HostConfig.Env are not set.",
				NULL },
	[R_SECRET_IN_COMMAND] = { "EDGE040", "PlaintextSecretInCommand", H,
				  "Secret in plain text on the module's command line",
				  "The module's command line passes a plaintext secret in {} "
				  "(value not shown).",
				  "Pass the secret through a placeholder filled at deployment time "
				  "or a file mounted from a secret store, not as an argument.",
				  "Command lines are stored in the manifest and the twin, and "
				  "every process on the host can read them in /proc.",
				  NULL },
	[R_DOCKER_API_TCP] = { "EDGE041", "UnencryptedDockerApi", C,
			       "Module talks to a Docker daemon over plain TCP",
			       "The module's {} points at a Docker API over TCP without TLS.",
			       "Use the local socket through the IoT Edge runtime, or TLS with "
			       "client certificates (port 2376, DOCKER_TLS_VERIFY=1).",
			       "A Docker API without TLS is root on its host for anyone who can "
			       "reach the port; the module relies on it, so it is open.",
			       NULL },
};

#undef C
#undef H
#undef M
#undef L
#undef I

static const char *const severity_names[_SEVERITY_MAX] = {
	[SEVERITY_INFO] = "info", [SEVERITY_LOW] = "low",	    [SEVERITY_MEDIUM] = "medium",
	[SEVERITY_HIGH] = "high", [SEVERITY_CRITICAL] = "critical",
};

static const char *const severity_titles[_SEVERITY_MAX] = {
	[SEVERITY_INFO] = "Info", [SEVERITY_LOW] = "Low",	    [SEVERITY_MEDIUM] = "Medium",
	[SEVERITY_HIGH] = "High", [SEVERITY_CRITICAL] = "Critical",
};

const struct rule *rules_table(size_t *ret_n)
{
	*ret_n = _R_MAX;
	return rule_table;
}

const struct rule *rule_find(const char *id)
{
	for (size_t i = 0; i < _R_MAX; i++)
		if (strcmp(rule_table[i].id, id) == 0)
			return &rule_table[i];
	return NULL;
}

const char *severity_to_string(enum severity s)
{
	return (s >= 0 && s < _SEVERITY_MAX) ? severity_names[s] : "unknown";
}

const char *severity_to_title(enum severity s)
{
	return (s >= 0 && s < _SEVERITY_MAX) ? severity_titles[s] : "Unknown";
}

enum severity severity_from_string(const char *s)
{
	for (int i = 0; i < _SEVERITY_MAX; i++)
		if (s && strcasecmp(s, severity_names[i]) == 0)
			return (enum severity)i;
	return _SEVERITY_INVALID;
}
