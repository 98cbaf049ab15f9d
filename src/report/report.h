/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The posture report: edgesec's own messages (the JSON Lines of `edgesec snapshot` or of a
 * recorded `edgesec run`) → a model of the host's posture → a self-contained HTML page (no
 * script, no network, no external asset; every input string escaped) or text for a terminal.
 *
 * The model keeps the latest periodic state (SystemInformation, LocalUsers, ListeningPorts,
 * OSBaseline, ContainerInventory, Recommendation) and accumulates the triggered events that
 * matter to an operator (Alert, DriftAlert), each capped (REPORT_*_MAX) with a count of what
 * was left out.  Lines that are not messages are counted and skipped.  docs/report.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define REPORT_LINE_MAX (4u << 20) /* bytes of one input line; longer ones are skipped */
#define REPORT_ALERTS_MAX 2000	   /* alerts kept (the most recent) */
#define REPORT_FINDINGS_MAX 2000   /* distinct container findings kept */
#define REPORT_ROWS_MAX 4096	   /* baseline items, ports, users, containers per snapshot */
#define REPORT_STRING_MAX 4096	   /* bytes of one input string kept (longer: cut, marked) */

struct report_model; /* opaque */

/* What the renderers are told besides the model. */
struct report_options {
	const char *source;    /* where the input came from ("snapshot taken now", a path) */
	uint64_t generated_ns; /* when the report is made (realtime) */
	bool color;	       /* text: ANSI colours */
	unsigned width;	       /* text: wrap at this column; 0 = no wrapping */
};

/* The posture score and its parts; a part is -1 when the input had no data for it. */
struct report_posture {
	int score;	/* 0-100, or -1 when no part is known */
	int baseline;	/* the OSBaseline Score (100 for an empty OSBaseline event) */
	int host;	/* 100 minus the weights of the open host posture findings (HOST rules) */
	int containers; /* 100 minus the weights of the container findings, at least 0 */
};

int report_model_new(struct report_model **ret_model);
struct report_model *report_model_free(struct report_model *m);

/*
 * Adds one input line (without its newline).  Returns 1 when it was a message, 0 when it was
 * skipped (blank, not JSON, not a message: counted), -ENOMEM.
 */
int report_model_add_line(struct report_model *m, const char *line, size_t len);
/* Notes a line that was too long to be read (counted with the skipped ones). */
void report_model_skip_line(struct report_model *m);
/* Messages read so far. */
size_t report_model_messages(const struct report_model *m);

/*
 * Posture = the mean of the known parts.  Baseline part: the OSBaseline Score.  Host part:
 * 100 − Σ weights of the open host posture findings (HOST rules but HOST005, which is the
 * baseline again), known when the input had any.  Container part: 100 − Σ weights of the
 * current container Recommendations and distinct DriftAlert findings, known when the input had
 * container data.  Weights Critical 25, High 10, Medium 4, Low 1; a part is at least 0.
 */
void report_posture_compute(const struct report_model *m, struct report_posture *ret_posture);

/* Renders into out (bounded by the caller's buf cap); 0 or -ENOMEM / -E2BIG (out->failed). */
int report_render_html(const struct report_model *m, const struct report_options *o,
		       struct buf *out);
int report_render_text(const struct report_model *m, const struct report_options *o,
		       struct buf *out);
