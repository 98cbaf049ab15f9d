/* SPDX-License-Identifier: MIT */
/*
 * Every setting edgesec understands.  Names, types and defaults of the ASC group follow the
 * published twin schema (asc-schemas/security_module_twin); the "edgesec" group is ours.
 * docs/configuration.md lists the same table for users.
 */
#include <stddef.h>
#include <string.h>

#include "common/array.h"
#include "config-int.h"
#include "detect/detect-overrides.h"

#define SECONDS(s) ((int64_t)(s)*1000) /* in milliseconds, as every duration here */
#define MINUTES(m) SECONDS((m)*60)
#define HOURS(h) MINUTES((h)*60)
#define DAYS(d) HOURS((d)*24)

#define OFF(field) offsetof(struct config, field)

#define DURATION(g, n, f, lo, hi, d, desc)                                                         \
	{                                                                                          \
		CONFIG_GROUP_##g, n, CONFIG_DURATION, OFF(f), lo, hi, d, NULL, 0, desc             \
	}
#define INT(g, n, f, lo, hi, d, desc)                                                              \
	{                                                                                          \
		CONFIG_GROUP_##g, n, CONFIG_INT, OFF(f), lo, hi, d, NULL, 0, desc                  \
	}
#define BOOL(g, n, f, d, desc)                                                                     \
	{                                                                                          \
		CONFIG_GROUP_##g, n, CONFIG_BOOL, OFF(f), 0, 1, d, NULL, 0, desc                   \
	}
#define PRIO(g, n, f, d, desc)                                                                     \
	{                                                                                          \
		CONFIG_GROUP_##g, n, CONFIG_PRIORITY, OFF(f), 0, 0, EVENT_PRIORITY_##d, NULL, 0,   \
			desc                                                                       \
	}
#define STR(g, n, f, d, len, desc)                                                                 \
	{                                                                                          \
		CONFIG_GROUP_##g, n, CONFIG_STRING, OFF(f), 0, 0, 0, d, len, desc                  \
	}

/* Strings with a check (config-int.h): a path, or one of a list of words. */
#define PATH(g, n, f, d, len, chk, desc)                                                           \
	{                                                                                          \
		CONFIG_GROUP_##g, n, CONFIG_STRING, OFF(f), 0, 0, 0, d, len, desc, NULL, chk, NULL \
	}
#define CHOICE(g, n, f, d, len, list, desc)                                                        \
	{                                                                                          \
		CONFIG_GROUP_##g, n, CONFIG_STRING, OFF(f), 0, 0, 0, d, len, desc, NULL,           \
			CONFIG_CHECK_CHOICE, list                                                  \
	}

static const char *const capture_choices[] = { "auto", "ebpf", "audit", "cnproc", NULL };
static const char *const login_source_choices[] = { "auto", "audit", "utmp", NULL };
static const char *const seccomp_choices[] = { "enforce", "log", "off", NULL };

#define EVENT_PRIO(name, type, d)                                                                  \
	PRIO(ASC, "eventPriority" name, event_priority[type], d,                                   \
	     "queue for " name " events: High, Low or Off (not collected)")
#define AGGREGATION(name, type)                                                                    \
	BOOL(ASC, "aggregationEnabled" name, aggregation_enabled[type], 1,                         \
	     "merge identical " name " events within the aggregation interval"),                   \
		DURATION(ASC, "aggregationInterval" name, aggregation_interval_ms[type],           \
			 SECONDS(1), DAYS(7), HOURS(1), "aggregation window for " name " events")

const struct config_entry config_table[] = {
	DURATION(ASC, "highPriorityMessageFrequency", high_priority_message_frequency_ms,
		 SECONDS(1), DAYS(365), MINUTES(7),
		 "longest wait before high-priority events are sent"),
	DURATION(ASC, "lowPriorityMessageFrequency", low_priority_message_frequency_ms, SECONDS(1),
		 DAYS(365), HOURS(5), "longest wait before low-priority events are sent"),
	DURATION(ASC, "snapshotFrequency", snapshot_frequency_ms, SECONDS(1), DAYS(365), HOURS(13),
		 "period of the periodic collectors (ports, users, system, firewall, baseline)"),
	INT(ASC, "maxLocalCacheSizeInBytes", max_local_cache_size, 8192, 1073741824, 2560000,
	    "bytes of events held in memory before the oldest low-priority ones are dropped"),
	INT(ASC, "maxMessageSizeInBytes", max_message_size, 8192, 262144, 204800,
	    "largest message sent (IoT Hub allows 256 KiB)"),
	PRIO(ASC, "eventPriorityConnectedHardware", connected_hardware_priority, LOW,
	     "accepted for compatibility; there is no connected-hardware collector on Linux"),
	EVENT_PRIO("ListeningPorts", EVENT_LISTENING_PORTS, HIGH),
	EVENT_PRIO("ProcessCreate", EVENT_PROCESS_CREATE, LOW),
	EVENT_PRIO("ProcessTerminate", EVENT_PROCESS_TERMINATE, LOW),
	EVENT_PRIO("SystemInformation", EVENT_SYSTEM_INFORMATION, LOW),
	EVENT_PRIO("LocalUsers", EVENT_LOCAL_USERS, HIGH),
	EVENT_PRIO("Login", EVENT_LOGIN, HIGH),
	EVENT_PRIO("ConnectionCreate", EVENT_CONNECTION_CREATE, LOW),
	EVENT_PRIO("FirewallConfiguration", EVENT_FIREWALL_CONFIGURATION, LOW),
	EVENT_PRIO("OSBaseline", EVENT_OS_BASELINE, LOW),
	EVENT_PRIO("Diagnostic", EVENT_DIAGNOSTIC, LOW),
	EVENT_PRIO("ConfigurationError", EVENT_CONFIGURATION_ERROR, LOW),
	EVENT_PRIO("DroppedEventsStatistics", EVENT_DROPPED_EVENTS_STATISTICS, LOW),
	EVENT_PRIO("MessageStatistics", EVENT_MESSAGE_STATISTICS, LOW),
	AGGREGATION("ProcessCreate", EVENT_PROCESS_CREATE),
	AGGREGATION("ConnectionCreate", EVENT_CONNECTION_CREATE),
	AGGREGATION("ProcessTerminate", EVENT_PROCESS_TERMINATE),
	BOOL(ASC, "baselineCustomChecksEnabled", baseline_custom_checks_enabled, 0,
	     "also run the custom baseline checks file"),
	PATH(ASC, "baselineCustomChecksFilePath", baseline_custom_checks_file_path, NULL, 4096,
	     CONFIG_CHECK_ABSOLUTE_OR_EMPTY,
	     "absolute path of the custom baseline checks file on the device"),
	STR(ASC, "baselineCustomChecksFileHash", baseline_custom_checks_file_hash, NULL, 128,
	    "SHA-256 (hex) the custom checks file must have"),
	STR(ASC, "hubResourceId", hub_resource_id, "", 1024, "IoT Hub resource id (informational)"),

	{ CONFIG_GROUP_EDGESEC, "logLevel", CONFIG_LOG_LEVEL, OFF(log_level), 0, 0, LOG_LEVEL_INFO,
	  NULL, 0, "error, warning, info or debug" },
	DURATION(EDGESEC, "heartbeatInterval", heartbeat_interval_ms, SECONDS(1), DAYS(1),
		 MINUTES(5), "period of the Heartbeat event"),
	DURATION(EDGESEC, "localFlushInterval", local_flush_interval_ms, SECONDS(1), DAYS(1),
		 SECONDS(10),
		 "in local mode (stdout/file), longest wait before queued events are written"),
	PRIO(EDGESEC, "eventPriorityHeartbeat", event_priority[EVENT_HEARTBEAT], LOW,
	     "queue for Heartbeat events: High, Low or Off"),
	PRIO(EDGESEC, "eventPriorityLocalUserChange", event_priority[EVENT_USER_CHANGE], HIGH,
	     "queue for LocalUserChange events (user added/removed, groups or uid changed)"),
	PRIO(EDGESEC, "eventPriorityPrivilegeUse", event_priority[EVENT_PRIVILEGE_USE], HIGH,
	     "queue for PrivilegeUse events (sudo, su, pkexec authentications)"),
	PRIO(EDGESEC, "eventPriorityListenerCreate", event_priority[EVENT_LISTENER_CREATE], HIGH,
	     "queue for ListenerCreate events (TCP listen() or UDP bind(); eBPF capture)"),
	PRIO(EDGESEC, "eventPriorityContainerEvent", event_priority[EVENT_CONTAINER_EVENT], HIGH,
	     "queue for ContainerEvent events (Docker container and image events)"),
	PRIO(EDGESEC, "eventPriorityContainerInventory", event_priority[EVENT_CONTAINER_INVENTORY],
	     LOW, "queue for ContainerInventory events (every container and its settings)"),
	PRIO(EDGESEC, "eventPriorityRecommendation", event_priority[EVENT_RECOMMENDATION], LOW,
	     "queue for Recommendation events (rule findings on running containers)"),
	PRIO(EDGESEC, "eventPriorityDriftAlert", event_priority[EVENT_DRIFT_ALERT], HIGH,
	     "queue for DriftAlert events (a module runs with more than its manifest grants)"),
	PATH(EDGESEC, "deploymentManifest", deployment_manifest, "", 4096,
	     CONFIG_CHECK_ABSOLUTE_OR_EMPTY,
	     "absolute path of the IoT Edge deployment manifest to compare running modules with "
	     "(empty: no drift detection)"),
	INT(EDGESEC, "aggregationMaxEntries", aggregation_max_entries, 1, 1000000, 10000,
	    "distinct events held for aggregation; beyond it events pass unaggregated"),
	INT(EDGESEC, "aggregationMaxBytes", aggregation_max_bytes, 65536, 268435456, 4194304,
	    "bytes of events held for aggregation"),
	PATH(EDGESEC, "baselineWaiversFile", baseline_waivers_file, "", 4096,
	     CONFIG_CHECK_ABSOLUTE_OR_EMPTY,
	     "absolute path of the baseline waivers file (accepted failures with a reason; "
	     "empty: none)"),
	INT(EDGESEC, "spoolMaxBytes", spool_max_bytes, 65536, 17179869184LL, 67108864,
	    "bytes of messages kept on disk while the hub cannot be reached"),
	PATH(EDGESEC, "hostRoot", host_root, "/", 4096, CONFIG_CHECK_ABSOLUTE,
	     "absolute path where the host's root file system is visible (\"/host\" inside a "
	     "container)"),
	CHOICE(EDGESEC, "capture", capture, "auto", 6, capture_choices,
	       "process capture: auto (eBPF, else audit, else proc connector), ebpf, audit or "
	       "cnproc"),
	CHOICE(EDGESEC, "loginSource", login_source, "auto", 5, login_source_choices,
	       "login events from: auto (kernel audit, else wtmp/btmp), audit or utmp"),
	/* the system-call allow-list (core/seccomp.h): local file only, never from the twin */
	{ CONFIG_GROUP_EDGESEC, "seccomp", CONFIG_STRING, OFF(seccomp), 0, 0, 0, "enforce", 7,
	  "system-call allow-list after set-up: enforce (others fail with EPERM), log (others "
	  "run and the kernel logs them) or off; read at start from the local file only",
	  NULL, CONFIG_CHECK_CHOICE, seccomp_choices, true },
	/* Host posture Recommendations (docs/posture.md); each can be switched off. */
	BOOL(EDGESEC, "postureOpenPorts", posture_open_ports, 1,
	     "Recommendation HOST001 (IoT_OpenPorts): ports reachable from outside the device"),
	BOOL(EDGESEC, "posturePermissiveFirewallPolicy", posture_firewall_policy, 1,
	     "Recommendation HOST002 (IoT_PermissiveFirewallPolicy): a hook that accepts by "
	     "default"),
	BOOL(EDGESEC, "posturePermissiveInputFirewallRules", posture_input_rules, 1,
	     "Recommendation HOST003 (IoT_PermissiveInputFirewallRules): input accepted from any "
	     "source to any port"),
	BOOL(EDGESEC, "posturePermissiveOutputFirewallRules", posture_output_rules, 1,
	     "Recommendation HOST004 (IoT_PermissiveOutputFirewallRules): output accepted to any "
	     "destination"),
	BOOL(EDGESEC, "postureBaseline", posture_baseline, 1,
	     "Recommendation HOST005 (IoT_Baseline): a summary of the failed OS baseline checks"),
	BOOL(EDGESEC, "postureUnutilizedMessages", posture_unutilized_messages, 1,
	     "Recommendation HOST006 (IoT_AgentSendsUnutilizedMessages): 10 % or more of the "
	     "messages of the last 24 h under 4 KB (hub output only)"),
	STR(EDGESEC, "postureAllowedPorts", posture_allowed_ports, "", 1024,
	    "ports expected to be reachable, not reported by HOST001: comma-separated "
	    "[tcp/|udp/]PORT[-PORT][@PROCESS] (PROCESS: process name or executable path)"),
	PATH(EDGESEC, "dockerSocket", docker_socket, "/var/run/docker.sock", 107,
	     CONFIG_CHECK_ABSOLUTE_OR_EMPTY,
	     "absolute path of the Docker Engine API unix socket, used as given (not under "
	     "hostRoot); \"\" turns the container collector off"),

	/* ---- on-device detection (src/detect/, docs/detection.md) ---- */
	BOOL(EDGESEC, "detectionEnabled", detection_enabled, 1,
	     "run the detection rules on the device and raise Alert events"),
	PRIO(EDGESEC, "eventPriorityAlert", event_priority[EVENT_ALERT], HIGH,
	     "queue for Alert events (detection rules); an Alert is sent at once"),
	PATH(EDGESEC, "detectionRulesPath", detection_rules_path, "/etc/edgesec/rules.d", 4096,
	     CONFIG_CHECK_ABSOLUTE_OR_EMPTY,
	     "user detection rules: a directory (every *.json in name order) or one file; \"\" "
	     "for none"),
	{ CONFIG_GROUP_EDGESEC, "detectionRules", CONFIG_JSON, OFF(detection_rules), 0, 0, 0, "{}",
	  65536,
	  "per rule id: {\"enabled\": bool, \"threshold\": n, \"window\": duration, "
	  "\"dedupWindow\": duration, \"severity\": s}; merged member by member",
	  detect_overrides_check },
	INT(EDGESEC, "detectionMaxStateEntries", detection_max_state_entries, 64, 1000000, 20000,
	    "keys held by threshold, sequence, new-value and repeat state, in all; the oldest are "
	    "evicted beyond it (counted)"),
	INT(EDGESEC, "detectionMaxStateMiB", detection_max_state_mib, 1, 256, 8,
	    "memory of that state, in MiB; the oldest entries are evicted beyond it (counted)"),
	INT(EDGESEC, "detectionAlertsPerMinute", detection_alerts_per_minute, 1, 6000, 30,
	    "new alerts of one rule per minute; beyond it they are counted and sent as one "
	    "suppressed summary a minute"),
	DURATION(EDGESEC, "detectionDedupWindow", detection_dedup_window_ms, SECONDS(1), DAYS(1),
		 MINUTES(10),
		 "repeats of one alert (same rule and key) within it are folded into one summary "
		 "with RepeatCount"),

	/* secrets in event data (common/redact.h, docs/security.md) */
	BOOL(EDGESEC, "redactSecrets", redact_secrets, 1,
	     "replace passwords, tokens, keys and connection strings in command lines with "
	     "[REDACTED] before events are queued (logs are always redacted)"),
	STR(EDGESEC, "redactExtraNames", redact_extra_names, "", 1024,
	    "comma-separated extra option or key names whose values are secrets (e.g. "
	    "\"--vault-token,MY_CRED,-k\"); at most 32 names of up to 64 letters, digits, '_', "
	    "'.' or '-'"),
};

const size_t config_table_size = ARRAY_SIZE(config_table);

const struct config_entry *config_entry_find(enum config_group g, const char *name)
{
	for (size_t i = 0; i < config_table_size; i++)
		if (config_table[i].group == g && strcmp(config_table[i].name, name) == 0)
			return &config_table[i];
	return NULL;
}
