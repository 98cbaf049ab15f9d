/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The deployment-analysis rule set.  Rules judge one struct module_settings at a time (plus a
 * small context gathered from all modules of the deployment, for the edgeHub protocol-head
 * rule) and produce findings.  Rule ids are stable (EDGE001...); docs/rules.md lists them.
 *
 * A finding carries a message built from the rule's text and a short detail naming the setting
 * (capability, host path, env variable NAME...).  Secret values are never part of a finding.
 */

#include <stdbool.h>
#include <stddef.h>

#include "analyze/module-settings.h"

enum severity {
	SEVERITY_INFO,
	SEVERITY_LOW,
	SEVERITY_MEDIUM,
	SEVERITY_HIGH,
	SEVERITY_CRITICAL,
	_SEVERITY_MAX,
	_SEVERITY_INVALID = -22,
};

struct rule {
	const char *id;	  /* "EDGE001" */
	const char *name; /* PascalCase, for SARIF rule.name */
	enum severity severity;
	const char *title;   /* one line */
	const char *message; /* "{}" is replaced by the finding's detail */
	const char *remediation;
	const char *rationale;
	const char *asc_type; /* matching ASC recommendation type, or NULL */
};

#define FINDING_DETAIL_MAX 256
#define FINDING_MESSAGE_MAX 768
#define FINDINGS_MAX 100000

struct finding {
	const struct rule *rule;
	char *module;
	char *path; /* JSON pointer of the setting (see module_settings) */
	/* When the setting sits inside a JSON document embedded in a string (createOptions given
	 * as a string): path points at that string and embedded_path inside it; else NULL. */
	char *embedded_path;
	char *message; /* at most FINDING_MESSAGE_MAX - 1 bytes; heap, exactly as long */
};

struct finding_list {
	struct finding *items;
	size_t n, cap;
	size_t dropped; /* findings beyond FINDINGS_MAX */
};

/* What the deployment as a whole uses; built from every module before the rules run. */
struct rules_context {
	bool amqp_used, mqtt_used;
	/* From edgeHub's routes (manifests only): modules exchange messages through edgeHub,
	 * devices send messages to it.  Both need protocol heads the routes cannot name. */
	bool routes_modules, routes_devices;
};

const struct rule *rules_table(size_t *ret_n);
const struct rule *rule_find(const char *id);

const char *severity_to_string(enum severity s);   /* "high" */
const char *severity_to_title(enum severity s);	   /* "High" */
enum severity severity_from_string(const char *s); /* case-insensitive; _SEVERITY_INVALID */

void rules_context_add_module(struct rules_context *ctx, const struct module_settings *ms);
/* Runs every rule on ms and appends the findings; 0 or -ENOMEM. */
int rules_check_module(const struct module_settings *ms, const struct rules_context *ctx,
		       struct finding_list *out);

void finding_list_done(struct finding_list *l);
/* Counts findings by severity into counts[_SEVERITY_MAX]. */
void finding_list_count(const struct finding_list *l, size_t counts[_SEVERITY_MAX]);

/* Helpers the rules use, exported for tests. */
bool rules_env_is_secret(const char *name, const char *value);
/* Image reference checks; false for placeholders. */
bool rules_image_is_unpinned(const char *image);
bool rules_image_is_debug(const char *image);
/* A host path with "//" collapsed, "/./" dropped and no trailing '/' (also used by drift). */
void rules_normalize_path(const char *in, char *out, size_t size);
