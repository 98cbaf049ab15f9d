/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Configuration: one typed table of settings (config-table.c), in two groups that map to the
 * two desired-property objects of the module twin:
 *   ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration  (the ASC properties)
 *   edgesec                                                   (our own settings)
 * Every value may be given plain or wrapped as {"value": …}; null means "back to the base
 * value" (built-in default, or the local file's value under a twin).
 *
 * Updates are all-or-nothing: config_apply_object() validates every key of the object first
 * and changes nothing if any is wrong.  Conflicts between valid values (cache smaller than a
 * message, …) do not reject the update; they are reported as warnings with the ASC
 * ConfigurationError types (TypeMismatch, NotOptimal, Conflict).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/json_read.h"
#include "common/json_write.h"
#include "common/log.h"
#include "pipeline/event.h"

#define ASC_CONFIG_OBJECT "ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration"
#define EDGESEC_CONFIG_OBJECT "edgesec"

enum config_group {
	CONFIG_GROUP_ASC,
	CONFIG_GROUP_EDGESEC,
	_CONFIG_GROUP_MAX,
};

enum config_error_type {
	CONFIG_ERROR_TYPE_MISMATCH, /* "TypeMismatch": a value was rejected */
	CONFIG_ERROR_NOT_OPTIMAL,   /* "NotOptimal" */
	CONFIG_ERROR_CONFLICT,	    /* "Conflict" */
	_CONFIG_ERROR_MAX,
};

struct config {
	/* ASC */
	uint64_t high_priority_message_frequency_ms;
	uint64_t low_priority_message_frequency_ms;
	uint64_t snapshot_frequency_ms;
	int64_t max_local_cache_size;
	int64_t max_message_size;
	enum event_priority event_priority[_EVENT_TYPE_MAX];
	enum event_priority connected_hardware_priority; /* accepted; not collected on Linux */
	bool aggregation_enabled[_EVENT_TYPE_MAX];
	uint64_t aggregation_interval_ms[_EVENT_TYPE_MAX];
	bool baseline_custom_checks_enabled;
	char *baseline_custom_checks_file_path;
	char *baseline_custom_checks_file_hash;
	char *hub_resource_id;
	/* edgesec */
	enum log_level log_level;
	uint64_t heartbeat_interval_ms;
	uint64_t local_flush_interval_ms;
	int64_t aggregation_max_entries;
	int64_t aggregation_max_bytes;
	char *baseline_waivers_file; /* "" = no waivers */
	char *host_root;
	int64_t spool_max_bytes;
	char *capture;		   /* process capture: "auto", "ebpf", "audit" or "cnproc" */
	char *login_source;	   /* login collector: "auto", "audit" or "utmp" */
	char *docker_socket;	   /* the Docker Engine API socket; "" = no container collector */
	char *deployment_manifest; /* "" = no drift detection */
	char *seccomp;		   /* "enforce", "log" or "off": local file only (core/seccomp.h) */
	/* host posture Recommendations (analyze/posture.h, docs/posture.md) */
	bool posture_open_ports, posture_firewall_policy, posture_input_rules;
	bool posture_output_rules, posture_baseline, posture_unutilized_messages;
	char *posture_allowed_ports; /* "[tcp/|udp/]PORT[-PORT][@PROCESS]" list */
	/* on-device detection (src/detect/, docs/detection.md) */
	bool detection_enabled;
	char *detection_rules_path;	     /* user rules: a directory of *.json or one file */
	char *detection_rules;		     /* JSON object: rule id → overrides (CONFIG_JSON) */
	int64_t detection_max_state_entries; /* keys held by stateful rules and dedup, in all */
	int64_t detection_max_state_mib;     /* their memory, MiB */
	int64_t detection_alerts_per_minute; /* new alerts of one rule per minute; then a summary */
	uint64_t detection_dedup_window_ms;  /* repeats of one alert within it are folded */
	/* secrets in event data (common/redact.h) */
	bool redact_secrets;	  /* scrub command lines before events are queued */
	char *redact_extra_names; /* comma-separated extra option and key names */
};

#define CONFIG_ISSUES_MAX 32

struct config_issue {
	enum config_error_type type;
	char name[64];			/* the property ("maxMessageSizeInBytes") */
	char pointer[JSON_POINTER_MAX]; /* where in the document */
	char message[256];
};

/*
 * What an update found.  A warning is recorded once per (name, pointer) in one report, so a
 * key repeated in one document warns once; issues beyond CONFIG_ISSUES_MAX are counted in
 * n_dropped (the caller says how many were not listed), never lost silently.
 */
struct config_report {
	unsigned n_errors, n_warnings;
	struct config_issue errors[CONFIG_ISSUES_MAX];
	struct config_issue warnings[CONFIG_ISSUES_MAX];
	unsigned n_dropped;
};

const char *config_group_object_name(enum config_group g);
const char *config_error_type_to_string(enum config_error_type t);

void config_init_defaults(struct config *c);
void config_done(struct config *c);
int config_copy(struct config *dst, const struct config *src);

/*
 * Apply one settings object (the body of ASC_CONFIG_OBJECT or of "edgesec").  `base` gives
 * the values null restores.  `strict`: unknown keys are errors (local files) rather than
 * warnings (twin); not strict (the twin), a local-only setting is left as it is, with a
 * warning.  Returns 0, or -EINVAL with report->errors filled and c unchanged.
 */
int config_apply_object(struct config *c, const struct config *base, enum config_group g,
			const cJSON *obj, const char *pointer, bool strict,
			struct config_report *report);

/*
 * Apply a whole document: a local config file, a full module twin ({"properties":
 * {"desired": …}}), a "desired" object, or a desired-properties patch.  The ASC object and
 * "edgesec" may appear at the top level; ASC keys may also appear bare at the top level.
 * All-or-nothing across both groups.
 */
int config_apply_document(struct config *c, const struct config *base, const cJSON *doc,
			  bool strict, struct config_report *report);

/*
 * The setting a JSON pointer into a config or twin document is about: its last token, or the
 * one before a trailing "/value" ({"hostRoot": {"value": ...}}).  "" for the empty pointer.
 */
void config_key_of_pointer(const char *pointer, char *out, size_t size);

/* Read and apply a local JSON config file (strict).  Syntax errors land in report too.  A
 * string holding \u0000 is an error naming the setting (cJSON would cut it short). */
int config_load_file(struct config *c, const char *path, struct config_report *report);

/* Cross-checks of valid values (ASC §2.11): appended to report->warnings. */
void config_check_conflicts(const struct config *c, struct config_report *report);

/* The configuration in force, in the twin's reported-properties form. */
void config_format_reported(const struct config *c, struct jw *w);
/* The same for one group (the body of its object). */
void config_format_group(const struct config *c, enum config_group g, struct jw *w);
