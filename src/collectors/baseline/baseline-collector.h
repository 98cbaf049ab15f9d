/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The OSBaseline collector: runs the shipped baseline profile (and the custom checks file when
 * configured) against the host root on every snapshot and submits one OSBaseline event whose
 * items are the failed and errored checks only.
 */

#include <stdbool.h>

#include "collectors/collector.h"

extern const struct collector_ops baseline_collector_ops;

struct baseline_collector_config {
	const char *profile_path; /* NULL: baseline_profile_default_path() */
	bool custom_enabled;	  /* baselineCustomChecksEnabled */
	const char *custom_path;  /* baselineCustomChecksFilePath */
	const char *custom_hash;  /* baselineCustomChecksFileHash */
	const char *waivers_path; /* baselineWaiversFile; NULL or "": none */
};

/*
 * Sets (or changes, on a configuration update) what the collector runs; the strings are
 * copied.  Validate the custom file first with baseline_custom_checks_load() (baseline.h) to
 * raise a ConfigurationError; a custom file that fails at snapshot time is skipped and the
 * collector reports itself degraded with the same message.
 */
int baseline_collector_configure(struct collector *c, const struct baseline_collector_config *cfg);
