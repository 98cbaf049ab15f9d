/* SPDX-License-Identifier: MIT */
/*
 * `edgesec baseline`: runs the OS baseline checks once and reports them.
 *
 * The shipped profile (--profile FILE, else baseline_profile_default_path()) runs first, then
 * the checks of --checks FILE, whose SHA-256 must equal --checks-hash when given (as the agent
 * requires for baselineCustomChecksFilePath).  --root DIR examines another root tree (a mounted
 * image, a host root inside a container).  --waivers FILE accepts failures (check id, reason,
 * optional expiry; common/waivers.h): a waived check is shown apart, left out of the score and
 * of the exit status; an expired waiver no longer hides anything and is named.
 *
 * Text (for people): failures first, most severe first, each with what was found and the fix;
 * then errors, expected settings, waivers, passes and skips (--fails-only stops after the
 * errors); then the score and the counts.  JSON (for machines; docs/schemas/
 * edgesec-baseline.schema.json): {version, root, score, counts, bySeverity, results[]} with
 * the results in profile order.  Nothing is executed; the checks only read files below the root.
 *
 * Exit: 0 all checks Pass or Skip (or are waived), 1 any other Fail or Err, 2 unusable input
 * (options, profile, checks file, hash, waivers file, root).
 */
#include "baseline.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "baseline/baseline.h"
#include "cli/cli-util.h"
#include "cli/commands.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/waivers.h"

#define OUTPUT_MAX (16u * 1024 * 1024)
#include "host/host.h"

enum {
	OPT_ROOT = 0x100,
	OPT_CHECKS,
	OPT_CHECKS_HASH,
	OPT_PROFILE,
	OPT_WAIVERS,
	OPT_FAILS_ONLY,
	OPT_COLOR,
};

static const struct option baseline_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "format", required_argument, NULL, 'f' },
	{ "checks", required_argument, NULL, OPT_CHECKS },
	{ "checks-hash", required_argument, NULL, OPT_CHECKS_HASH },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "waivers", required_argument, NULL, OPT_WAIVERS },
	{ "fails-only", no_argument, NULL, OPT_FAILS_ONLY },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ NULL, 0, NULL, 0 },
};

struct baseline_args {
	const char *root, *checks, *checks_hash, *profile, *waivers;
	enum cli_format format;
	enum cli_color color;
	bool fails_only;
};

/* One check's result with its waiver state. */
struct row {
	const struct baseline_meta *m;
	struct baseline_outcome o;
	enum waiver_state waiver;
	const struct waiver *w;
};

struct run {
	struct row *rows;
	size_t n;
	struct baseline_score score;
	struct baseline_score by_severity[_BASELINE_SEVERITY_MAX];
};

static void baseline_usage(FILE *f)
{
	fprintf(f,
		"Usage: edgesec baseline [OPTIONS]\n"
		"\n"
		"Runs the OS baseline checks (CIS-style, data-driven; nothing is executed) and\n"
		"reports them: failures first with their fix, then a posture score out of 100.\n"
		"\n"
		"Options:\n"
		"      --root DIR          check the root tree at DIR (default /)\n"
		"  -f, --format FMT        text (default) or json\n"
		"      --fails-only        show only failures and errors (text and json)\n"
		"      --waivers FILE      accepted failures: check id, reason, optional expiry\n"
		"      --profile FILE      the profile to run instead of the shipped one\n"
		"      --checks FILE       also run the checks of FILE (custom checks)\n"
		"      --checks-hash HEX   SHA-256 that FILE must have\n"
		"      --color WHEN        auto (default: on a terminal, unless NO_COLOR is set),\n"
		"                          always or never\n"
		"  -h, --help              show this help\n"
		"\n"
		"Exit status: 0 all checks pass, are skipped or waived, 1 a check fails or errs,\n"
		"2 unusable input.  See docs/baseline.md (checks, waivers, score).\n");
}

/* 1 to run, 0 after --help, -1 on a usage error (already reported). */
static int parse_baseline_args(int argc, char **argv, struct baseline_args *a)
{
	static const char shortopts[] = "+:hf:";
	int c;

	memset(a, 0, sizeof(*a));
	a->root = "/";
	optind = 0; /* GNU: re-initialize, another parser may have run */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, baseline_options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			baseline_usage(stdout);
			return 0;
		case OPT_ROOT:
			a->root = optarg;
			break;
		case 'f':
			if (cli_format_parse(optarg,
					     CLI_FORMAT_BIT(CLI_FORMAT_TEXT) |
						     CLI_FORMAT_BIT(CLI_FORMAT_JSON),
					     &a->format) < 0)
				return -1;
			break;
		case OPT_CHECKS:
			a->checks = optarg;
			break;
		case OPT_CHECKS_HASH:
			a->checks_hash = optarg;
			break;
		case OPT_PROFILE:
			a->profile = optarg;
			break;
		case OPT_WAIVERS:
			a->waivers = optarg;
			break;
		case OPT_FAILS_ONLY:
			a->fails_only = true;
			break;
		case OPT_COLOR:
			if (cli_color_parse(optarg, &a->color) < 0)
				return -1;
			break;
		default:
			cli_bad_option("baseline", c, argv, baseline_options, shortopts);
			return -1;
		}
	}
	if (optind < argc) {
		cli_error("baseline takes no arguments ('%s'; the root is given with --root DIR)",
			  argv[optind]);
		return -1;
	}
	if (a->checks_hash && !a->checks) {
		cli_error("--checks-hash needs --checks FILE");
		return -1;
	}
	return 1;
}

static int load_all(const struct baseline_args *a, struct baseline_profile **ret_shipped,
		    struct baseline_profile **ret_custom, struct waivers **ret_waivers)
{
	char path_buf[4096], err[768];
	const char *profile = a->profile;

	if (!profile)
		profile = baseline_profile_default_path(path_buf, sizeof(path_buf));
	if (!profile) {
		cli_error("the shipped baseline profile was not found "
			  "(/usr/share/edgesec/baseline/debian.json); use --profile FILE or set "
			  "EDGESEC_BASELINE_PROFILE");
		return -1;
	}
	if (baseline_profile_load(profile, NULL, ret_shipped, err, sizeof(err)) < 0 ||
	    (a->checks &&
	     baseline_profile_load(a->checks, a->checks_hash, ret_custom, err, sizeof(err)) < 0) ||
	    (a->waivers && waivers_load(a->waivers, 0, ret_waivers, err, sizeof(err)) < 0)) {
		cli_error("%s", err);
		return -1;
	}
	return 0;
}

static int run_profile(const struct baseline_profile *p, struct baseline_root *root,
		       struct waivers *waivers, struct run *run)
{
	int64_t now = (int64_t)time(NULL);
	size_t n = baseline_profile_count(p);
	struct row *rows = es_realloc(run->rows, (run->n + n + 1) * sizeof(*rows));

	if (!rows)
		return -1;
	run->rows = rows;
	for (size_t i = 0; i < n; i++) {
		const struct baseline_check *c = baseline_profile_get(p, i);
		struct row *r = &run->rows[run->n++];
		bool waived;

		memset(r, 0, sizeof(*r));
		r->m = baseline_check_meta(c);
		baseline_check_run(c, root, &r->o);
		if (r->o.result == BASELINE_RESULT_FAIL || r->o.result == BASELINE_RESULT_ERR)
			r->waiver = waivers_match(waivers, r->m->id, NULL, now, &r->w);
		waived = r->waiver == WAIVER_STATE_ACTIVE;
		baseline_score_add(&run->score, r->m->severity, &r->o, waived);
		baseline_score_add(&run->by_severity[r->m->severity], r->m->severity, &r->o,
				   waived);
	}
	return 0;
}

/* Names the waivers that matched no failing check (a typo, or a problem that was fixed). */
static void report_unused_waivers(const struct waivers *w, const struct run *run)
{
	for (size_t i = 0; i < waivers_count(w); i++) {
		const struct waiver *v = waivers_get(w, i);
		bool known = false;

		if (v->uses)
			continue;
		for (size_t k = 0; k < run->n && !known; k++)
			known = strcasecmp(run->rows[k].m->id, v->id) == 0;
		if (known)
			cli_warning("the waiver for '%s' is not needed: the check does not fail",
				    v->id);
		else
			cli_warning("the waiver for '%s' names no check of the profile", v->id);
	}
}

/* ---- JSON ---- */

static void json_counts(struct jw *w, const struct baseline_score *s)
{
	int score = baseline_score_percent(s);

	jw_key(w, "score");
	if (score < 0)
		jw_null(w);
	else
		jw_int(w, score);
	jw_key(w, "counts");
	jw_obj_begin(w);
	jw_key(w, "pass");
	jw_uint(w, s->n[BASELINE_RESULT_PASS]);
	jw_key(w, "fail");
	jw_uint(w, s->n[BASELINE_RESULT_FAIL]);
	jw_key(w, "err");
	jw_uint(w, s->n[BASELINE_RESULT_ERR]);
	jw_key(w, "skip");
	jw_uint(w, s->n[BASELINE_RESULT_SKIP]);
	jw_key(w, "expected");
	jw_uint(w, s->expected);
	jw_key(w, "waived");
	jw_uint(w, s->waived);
	jw_obj_end(w);
}

static void json_row(struct jw *w, const struct row *r)
{
	jw_obj_begin(w);
	jw_key(w, "id");
	jw_cstr(w, r->m->id);
	jw_key(w, "cceId");
	jw_cstr(w, r->m->cce_id);
	jw_key(w, "severity");
	jw_cstr(w, baseline_severity_to_string(r->m->severity));
	jw_key(w, "result");
	jw_cstr(w, baseline_result_to_string(r->o.result));
	jw_key(w, "description");
	jw_cstr(w, r->m->description);
	jw_key(w, "reason");
	jw_cstr(w, r->o.reason);
	jw_key(w, "remediation");
	jw_cstr(w, r->m->remediation);
	jw_key(w, "expected");
	jw_bool(w, r->o.expected);
	if (r->waiver != WAIVER_STATE_NONE) {
		jw_key(w, "waiver");
		jw_obj_begin(w);
		jw_key(w, "active");
		jw_bool(w, r->waiver == WAIVER_STATE_ACTIVE);
		jw_key(w, "reason");
		jw_cstr(w, r->w->reason);
		jw_key(w, "expires");
		jw_cstr(w, r->w->expires[0] ? r->w->expires : NULL);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static void format_json(struct jw *w, const struct baseline_args *a, const struct run *run)
{
	jw_obj_begin(w);
	jw_key(w, "version");
	jw_int(w, 1);
	jw_key(w, "root");
	jw_cstr(w, a->root);
	json_counts(w, &run->score);
	jw_key(w, "bySeverity");
	jw_obj_begin(w);
	for (int s = 0; s < _BASELINE_SEVERITY_MAX; s++) {
		jw_key(w, baseline_severity_to_string((enum baseline_severity)s));
		jw_obj_begin(w);
		json_counts(w, &run->by_severity[s]);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_key(w, "results");
	jw_arr_begin(w);
	for (size_t i = 0; i < run->n; i++) {
		const struct row *r = &run->rows[i];
		bool failing = (r->o.result == BASELINE_RESULT_FAIL ||
				r->o.result == BASELINE_RESULT_ERR) &&
			       r->waiver != WAIVER_STATE_ACTIVE;

		if (!a->fails_only || failing)
			json_row(w, r);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* ---- text ---- */

enum section {
	SECTION_FAILED,
	SECTION_ERRORS,
	SECTION_EXPECTED,
	SECTION_WAIVED,
	SECTION_PASSED,
	SECTION_SKIPPED,
	_SECTION_MAX,
};

static enum section row_section(const struct row *r)
{
	if (r->waiver == WAIVER_STATE_ACTIVE)
		return SECTION_WAIVED;
	switch (r->o.result) {
	case BASELINE_RESULT_FAIL:
		return SECTION_FAILED;
	case BASELINE_RESULT_ERR:
		return SECTION_ERRORS;
	case BASELINE_RESULT_PASS:
		return SECTION_PASSED;
	default:
		return r->o.expected ? SECTION_EXPECTED : SECTION_SKIPPED;
	}
}

struct text_ctx {
	struct buf *b;
	const struct cli_palette *c;
	unsigned width;
};

static const char *severity_color(const struct text_ctx *t, enum baseline_severity s)
{
	return s == BASELINE_SEVERITY_CRITICAL	  ? t->c->red
	       : s == BASELINE_SEVERITY_IMPORTANT ? t->c->yellow
						  : "";
}

/* FAIL/ERR rows: a head line, then what was found, the waiver note and the fix. */
static void text_detailed(struct text_ctx *t, const struct row *r, const char *tag,
			  const char *tag_color)
{
	buf_printf(t->b, "  %s%s%-4s%s %s%-13s%s %s", t->c->bold, tag_color, tag, t->c->reset,
		   severity_color(t, r->m->severity), baseline_severity_to_string(r->m->severity),
		   t->c->reset, t->c->bold);
	text_put_plain(t->b, r->m->id);
	buf_printf(t->b, "%s\n        ", t->c->reset);
	text_put_wrapped(t->b, r->m->description, 8, 8, t->width);
	buf_printf(t->b, "\n        %sfound:%s ", t->c->dim, t->c->reset);
	text_put_wrapped(t->b, r->o.reason, 15, 15, t->width);
	if (r->waiver == WAIVER_STATE_EXPIRED) {
		buf_printf(t->b, "\n        %swaiver expired on %s:%s ", t->c->yellow,
			   r->w->expires, t->c->reset);
		text_put_wrapped(t->b, r->w->reason, 37, 15, t->width);
	}
	buf_printf(t->b, "\n        %sfix:%s   ", t->c->green, t->c->reset);
	text_put_wrapped(t->b, r->m->remediation, 15, 15, t->width);
	buf_puts(t->b, "\n");
}

/* Other rows: one line each. */
static void text_line(struct text_ctx *t, const struct row *r, const char *tag,
		      const char *tag_color)
{
	buf_printf(t->b, "  %s%-4s%s %-13s %-36s ", tag_color, tag, t->c->reset,
		   baseline_severity_to_string(r->m->severity), r->m->id);
	if (r->waiver == WAIVER_STATE_ACTIVE) {
		text_put_plain(t->b, r->w->reason);
		if (r->w->expires[0])
			buf_printf(t->b, " (until %s)", r->w->expires);
	} else {
		text_put_wrapped(t->b, r->o.reason, 58, 58, t->width);
	}
	buf_puts(t->b, "\n");
}

static void text_section(struct text_ctx *t, const struct run *run, enum section sec)
{
	static const struct {
		const char *title, *tag;
	} info[_SECTION_MAX] = {
		[SECTION_FAILED] = { "Failed", "FAIL" },
		[SECTION_ERRORS] = { "Could not be evaluated", "ERR" },
		[SECTION_EXPECTED] = { "Expected on this host", "OK" },
		[SECTION_WAIVED] = { "Waived", "WAIV" },
		[SECTION_PASSED] = { "Passed", "PASS" },
		[SECTION_SKIPPED] = { "Not applicable", "SKIP" },
	};
	const char *colors[_SECTION_MAX] = { t->c->red,	 t->c->magenta, t->c->cyan,
					     t->c->cyan, t->c->green,	t->c->dim };
	size_t n = 0;

	for (size_t i = 0; i < run->n; i++)
		n += row_section(&run->rows[i]) == sec;
	if (!n)
		return;
	buf_printf(t->b, "%s%s (%zu)%s%s\n", t->c->bold, info[sec].title, n, t->c->reset,
		   sec == SECTION_EXPECTED || sec == SECTION_WAIVED ? ", not in the score" : "");
	/* Most severe first; profile order within a severity. */
	for (int s = 0; s < _BASELINE_SEVERITY_MAX; s++)
		for (size_t i = 0; i < run->n; i++) {
			const struct row *r = &run->rows[i];

			if (row_section(r) != sec || (int)r->m->severity != s)
				continue;
			if (sec == SECTION_FAILED || sec == SECTION_ERRORS)
				text_detailed(t, r, info[sec].tag, colors[sec]);
			else
				text_line(t, r, info[sec].tag, colors[sec]);
		}
	buf_puts(t->b, "\n");
}

static void text_summary(struct text_ctx *t, const struct run *run, bool fails_only)
{
	const struct baseline_score *s = &run->score;
	int score = baseline_score_percent(s);
	const char *score_color = score >= 90	? t->c->green
				  : score >= 70 ? t->c->yellow
						: t->c->red;
	const char *sep = "";

	if (score < 0)
		buf_printf(t->b, "%sScore: n/a%s (no check applies to this root)\n", t->c->bold,
			   t->c->reset);
	else
		buf_printf(t->b, "%sScore: %s%d/100%s  ", t->c->bold, score_color, score,
			   t->c->reset);
	for (int i = 0; score >= 0 && i < _BASELINE_SEVERITY_MAX; i++) {
		const struct baseline_score *v = &run->by_severity[i];
		unsigned evaluated = v->n[BASELINE_RESULT_PASS] + v->n[BASELINE_RESULT_FAIL] +
				     v->n[BASELINE_RESULT_ERR];

		if (!evaluated)
			continue;
		buf_printf(t->b, "%s%s %u/%u passed", sep,
			   baseline_severity_to_string((enum baseline_severity)i),
			   v->n[BASELINE_RESULT_PASS], evaluated);
		sep = ", ";
	}
	if (score >= 0)
		buf_printf(t->b, "  (weights 10/5/2/1)\n");
	buf_printf(t->b, "%zu checks: %u passed, %u failed, %u errors, %u skipped", run->n,
		   s->n[BASELINE_RESULT_PASS], s->n[BASELINE_RESULT_FAIL],
		   s->n[BASELINE_RESULT_ERR], s->n[BASELINE_RESULT_SKIP]);
	if (s->expected)
		buf_printf(t->b, " (%u expected on this host)", s->expected);
	buf_printf(t->b, ", %u waived\n", s->waived);
	if (fails_only)
		buf_printf(t->b,
			   "%s(--fails-only: passed, skipped and waived checks not shown)%s\n",
			   t->c->dim, t->c->reset);
}

static void format_text(struct buf *b, const struct baseline_args *a, const struct run *run)
{
	bool color = cli_color_enabled(a->color, stdout);
	struct text_ctx t = { b, cli_palette_get(color), cli_term_width(stdout) };

	buf_printf(b, "%sOS baseline of %s%s", t.c->bold, a->root, t.c->reset);
	buf_printf(b, "  %zu checks%s%s\n\n", run->n, a->checks ? " (with custom checks)" : "",
		   a->waivers ? ", waivers applied" : "");
	for (int sec = 0; sec < _SECTION_MAX; sec++) {
		if (a->fails_only && sec > SECTION_ERRORS)
			break;
		text_section(&t, run, (enum section)sec);
	}
	if (a->fails_only && !run->score.n[BASELINE_RESULT_FAIL] &&
	    !run->score.n[BASELINE_RESULT_ERR])
		buf_printf(b, "No failures.\n\n");
	text_summary(&t, run, a->fails_only);
}

int cli_baseline(int argc, char **argv)
{
	struct baseline_profile *shipped = NULL, *custom = NULL;
	struct baseline_root *root = NULL;
	struct waivers *waivers = NULL;
	struct run run = { 0 };
	struct host_context *host = NULL;
	struct baseline_args a;
	char err[256];
	struct buf b;
	int r, ret = 2;

	r = parse_baseline_args(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	json_read_init();
	if (load_all(&a, &shipped, &custom, &waivers) < 0)
		goto out;
	/* The tree's /proc if it has one, else ours: the same view as the agent's hostRoot. */
	r = host_context_open(a.root, HOST_CONTEXT_TREE_PROC, &host, err, sizeof(err));
	if (r < 0) {
		cli_error("cannot open root directory '%s': %s", a.root, err);
		goto out;
	}
	r = baseline_root_open_host(host, &root);
	if (r < 0) {
		cli_error("cannot open root directory '%s': %s", a.root, strerror(-r));
		goto out;
	}
	if (run_profile(shipped, root, waivers, &run) < 0 ||
	    (custom && run_profile(custom, root, waivers, &run) < 0)) {
		cli_error("out of memory");
		goto out;
	}
	report_unused_waivers(waivers, &run);
	buf_init(&b, OUTPUT_MAX);
	if (a.format == CLI_FORMAT_JSON) {
		struct jw w;

		jw_init(&w, &b);
		format_json(&w, &a, &run);
		buf_putc(&b, '\n');
	} else {
		format_text(&b, &a, &run);
	}
	if (b.failed) {
		cli_error("output too large or out of memory");
	} else {
		fwrite(b.data, 1, b.len, stdout); /* a short write leaves ferror() set */
		ret = run.score.n[BASELINE_RESULT_FAIL] || run.score.n[BASELINE_RESULT_ERR] ? 1 : 0;
		if (cli_stdout_check("baseline") < 0)
			ret = 2; /* a cut report must not pass for a complete one */
	}
	buf_done(&b);
out:
	es_free(run.rows);
	waivers_free(waivers);
	baseline_root_free(root);
	host_context_free(host); /* after the root that uses it */
	baseline_profile_free(custom);
	baseline_profile_free(shipped);
	return ret;
}
