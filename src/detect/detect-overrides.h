/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Per-rule overrides: the detectionRules setting (twin "edgesec" object, local config) and
 * the "overrides" object of a rules file share this form:
 *   {"<rule id>": {"enabled": bool, "threshold": n, "window": "PT5M",
 *                  "dedupWindow": "PT10M", "severity": "High"}, ...}
 * Every member is optional; unknown members are errors (a typo must not pass silently).
 */

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/json_read.h"

#define DETECT_OVERRIDES_MAX 1024

struct detect_override {
	bool has_enabled, enabled;
	bool has_threshold;
	uint32_t threshold;
	bool has_window;
	uint64_t window_ms;
	bool has_dedup_window;
	uint64_t dedup_window_ms;
	int severity; /* enum detect_severity, or -1 */
};

/* True for a valid rule id: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, not "value". */
bool detect_rule_id_valid(const char *id);
/* One member's value ({"enabled": …}) → *ret.  -EINVAL with err (pointer relative to it). */
int detect_override_parse(const cJSON *v, struct detect_override *ret, struct json_error *err);
/* The whole object (config's json_check).  -EINVAL with err. */
int detect_overrides_check(const cJSON *v, struct json_error *err);
