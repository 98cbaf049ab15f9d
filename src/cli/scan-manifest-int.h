/* SPDX-License-Identifier: MIT */
#pragma once

/* State shared by scan-manifest.c (inputs, analysis, waivers) and scan-manifest-report.c
 * (text, JSON, SARIF).  Not for use outside src/cli/. */

#include <stdbool.h>
#include <stddef.h>

#include "analyze/drift.h"
#include "analyze/manifest.h"
#include "analyze/rules.h"
#include "cli/cli-util.h"
#include "common/buf.h"
#include "common/json_write.h"
#include "common/waivers.h"

#define SCAN_FILES_MAX 1024 /* files in one call */

/* One input file and what came out of it. */
struct scan_file {
	const char *path; /* as given ("-" = stdin) */
	char *data;
	size_t len;
	struct manifest *m; /* NULL when unusable; &stub for docker inspect */
	struct manifest stub;
	struct finding_list l;
	struct drift_list drift;
	struct waivers *waivers; /* its own: sidecar file and acceptance labels */
	bool unusable;		 /* an error was printed; nothing else is reported for it */
	char *against_data;	 /* --against: the manifest's text (drift regions in SARIF) */
	size_t against_len;
};

/* One finding (or drift item) with where it is and whether it is waived. */
struct scan_item {
	const struct finding *f; /* exactly one of f and d */
	const struct drift *d;
	size_t file;
	const char *module;
	enum severity severity;
	unsigned line, col; /* 0 when unknown */
	enum waiver_state ws;
	const struct waiver *w;
};

struct scan_report {
	struct scan_file *files;
	size_t n_files;
	struct scan_item *items; /* shown (passes --severity), in file and document order */
	size_t n_items, cap_items;
	size_t counts[_SEVERITY_MAX]; /* shown and not waived */
	size_t waived, expired, hidden, failing, modules;
	enum severity fail_on;
	unsigned severity_mask; /* bit per enum severity shown */
	bool drift;		/* --against: drift is part of the report */
	const char *against;	/* --against MANIFEST, or NULL */
	bool color;
	unsigned width;
};

/* "file:line:col" (or "file" when the position is unknown; "stdin" for "-"). */
void scan_location(struct buf *b, const struct scan_report *rep, const struct scan_item *it);

void scan_report_text(struct buf *b, const struct scan_report *rep);
void scan_report_json(struct buf *b, const struct scan_report *rep);
void scan_report_sarif(struct buf *b, const struct scan_report *rep);

/* ---- SARIF pieces shared by scan-manifest-report.c and scan-manifest-sarif.c ---- */

const char *sarif_level(enum severity s);
/* {"<key>": {"text": text}} */
void sarif_write_text(struct jw *w, const char *key, const char *text);
/* "locations": [one place: uri at line:col (no region when line is 0), and the JSON
 * pointer fqn as its logical location]: where a finding or a drift item is. */
void sarif_location(struct jw *w, const char *uri, unsigned line, unsigned col, const char *fqn);

/* Drift (--against) in SARIF: the kinds as rules after the EDGE rules (ruleIndex n + kind),
 * and one result per drift item, located in the inspect document and related to the module
 * in the manifest. */
void sarif_drift_rules(struct jw *w);
void sarif_drift_result(struct jw *w, const struct scan_report *rep, const struct scan_item *it,
			const char *inspect_uri, const char *manifest_uri);
