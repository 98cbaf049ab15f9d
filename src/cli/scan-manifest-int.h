/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by scan-manifest.c (the command, findings in SARIF) and scan-manifest-sarif.c
 * (drift in SARIF). */

#include "analyze/drift.h"
#include "common/buf.h"
#include "common/json_write.h"

/* The manifest given with --against, its text (kept for SARIF regions) and the drift. */
struct sarif_against {
	const char *path;
	char *data;
	size_t len;
	const struct drift_list *drift;
};

const char *sarif_level(enum severity s);
const char *sarif_security_severity(enum severity s);
/* {"<key>": {"text": text}} */
void sarif_write_text(struct jw *w, const char *key, const char *text);
/* The artifact URI of a file argument: relative as given, absolute as file://, "-" as stdin. */
void sarif_uri(struct buf *uri, const char *path);
/* One more element of runs[0].artifacts. */
void sarif_artifact(struct jw *w, const char *uri);

/* The drift kinds as reportingDescriptors, appended to driver.rules after the EDGE rules. */
void sarif_drift_rules(struct jw *w);
/* One result per drift item: located in the inspect document, related to the manifest. */
void sarif_drift_results(struct jw *w, const struct sarif_against *a, const char *inspect_uri,
			 const char *inspect_data, size_t inspect_len, const char *manifest_uri);
