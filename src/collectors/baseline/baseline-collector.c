/* SPDX-License-Identifier: MIT */
/*
 * OSBaseline: one periodic event per snapshot with one item per check whose result is Fail or
 * Err (passing and skipped checks are not sent; `edgesec baseline` shows them).
 *
 * Item: Description, CceId ("" when none), Result "Fail" | "Err", Error (the reason for Err,
 * "" for Fail), Severity; ExtraDetails CheckId, Remediation, Score (the run's posture score,
 * 0-100, baseline_score_percent; the same on every item), Waived (how many checks the waivers
 * file accepted in this run), for Fail Reason (which file, line, account or unit — never file
 * content or password hashes), and WaiverExpired (the date) when only an expired waiver names
 * the check.  Checks accepted by an active waiver (baselineWaiversFile, common/waivers.h) are
 * not sent; an event without items means every evaluated check passed or was waived.
 *
 * The checks come from the shipped profile (rules/baseline/debian.json, installed under
 * /usr/share/edgesec/baseline/; see baseline_profile_default_path) and, when
 * baselineCustomChecksEnabled, from the custom checks file whose SHA-256 must equal
 * baselineCustomChecksFileHash.  Both are re-read on every snapshot, so a changed file is
 * picked up without restart; they are also checked when the configuration names them
 * (configure: a bad file or hash is a ConfigurationError then, not only a degraded state at
 * the next snapshot).  The checks read files through params.host only (below the host
 * root, and the host's /proc); nothing is executed.  Owns: its event builder and copies of
 * the configured paths.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "baseline-collector.h"
#include "baseline/baseline.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/waivers.h"
#include "config/config.h"

struct baseline_state {
	struct event_builder builder;
	char *profile_path;
	bool custom_enabled;
	char *custom_path, *custom_hash;
	char *waivers_path; /* NULL: no waivers */
};

/* A failing check of the run, kept until the score is known. */
struct failure {
	const struct baseline_meta *m;
	struct baseline_outcome o;
	const char *waiver_expired; /* the date, or NULL */
};

struct baseline_run {
	struct failure *v;
	size_t n;
	struct baseline_score score;
};

static int baseline_init(struct collector *c)
{
	struct baseline_state *s = collector_state(c);

	event_builder_init(&s->builder);
	return 0;
}

static void baseline_done(struct collector *c)
{
	struct baseline_state *s = collector_state(c);

	if (!s)
		return;
	event_builder_done(&s->builder);
	es_free(s->profile_path);
	es_free(s->custom_path);
	es_free(s->custom_hash);
	es_free(s->waivers_path);
}

static int dup_opt(const char *in, char **out)
{
	char *p = NULL;

	if (in && !(p = es_strdup(in)))
		return -ENOMEM;
	es_free(*out);
	*out = p;
	return 0;
}

int baseline_collector_configure(struct collector *c, const struct baseline_collector_config *cfg)
{
	struct baseline_state *s = collector_state(c);

	if (!s)
		return -EINVAL;
	if (dup_opt(cfg->profile_path, &s->profile_path) < 0 ||
	    dup_opt(cfg->custom_path, &s->custom_path) < 0 ||
	    dup_opt(cfg->custom_hash, &s->custom_hash) < 0 ||
	    dup_opt(cfg->waivers_path && cfg->waivers_path[0] ? cfg->waivers_path : NULL,
		    &s->waivers_path) < 0)
		return -ENOMEM;
	s->custom_enabled = cfg->custom_enabled;
	return 0;
}

/* Runs every check of p; keeps the failures not accepted by an active waiver. */
/*
 * The collector's settings from the configuration.  The custom checks file (validity and
 * SHA-256) and the waivers file are checked here so that a bad one becomes an issue (a
 * ConfigurationError), not a silent skip.
 */
static int baseline_configure(struct collector *c, const struct config *cfg,
			      struct collector_issues *ret)
{
	const struct baseline_collector_config bc = {
		.custom_enabled = cfg->baseline_custom_checks_enabled,
		.custom_path = cfg->baseline_custom_checks_file_path,
		.custom_hash = cfg->baseline_custom_checks_file_hash,
		.waivers_path = cfg->baseline_waivers_file,
	};
	char err[COLLECTOR_ISSUE_MESSAGE_MAX];
	int r = baseline_collector_configure(c, &bc);

	if (bc.custom_enabled) {
		struct baseline_profile *p = NULL;

		if (baseline_custom_checks_load(bc.custom_path, bc.custom_hash, &p, err,
						sizeof(err)) < 0)
			collector_issue_add(ret, "baselineCustomChecksFilePath",
					    "Custom baseline checks not used", "%s", err);
		else
			baseline_profile_free(p);
	}
	if (bc.waivers_path && bc.waivers_path[0]) {
		struct waivers *w = NULL;

		if (waivers_load(bc.waivers_path, 0, &w, err, sizeof(err)) == 0)
			waivers_free(w);
		else
			collector_issue_add(ret, "baselineWaiversFile",
					    "Baseline waivers not applied", "%s", err);
	}
	return r;
}

static int run_checks(const struct baseline_profile *p, struct baseline_root *root,
		      struct waivers *waivers, struct baseline_run *run)
{
	int64_t now = (int64_t)time(NULL);
	size_t n = baseline_profile_count(p);
	struct failure *v = es_realloc(run->v, (run->n + n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	run->v = v;
	for (size_t i = 0; i < n; i++) {
		const struct baseline_check *chk = baseline_profile_get(p, i);
		struct failure *f = &run->v[run->n];
		const struct waiver *w = NULL;
		enum waiver_state ws = WAIVER_STATE_NONE;

		f->m = baseline_check_meta(chk);
		f->waiver_expired = NULL;
		baseline_check_run(chk, root, &f->o);
		if (f->o.result == BASELINE_RESULT_FAIL || f->o.result == BASELINE_RESULT_ERR)
			ws = waivers_match(waivers, f->m->id, NULL, now, &w);
		baseline_score_add(&run->score, f->m->severity, &f->o, ws == WAIVER_STATE_ACTIVE);
		if (f->o.result != BASELINE_RESULT_FAIL && f->o.result != BASELINE_RESULT_ERR)
			continue;
		if (ws == WAIVER_STATE_ACTIVE)
			continue;
		if (ws == WAIVER_STATE_EXPIRED)
			f->waiver_expired = w->expires;
		run->n++;
	}
	return 0;
}

static void add_failures(struct event_builder *b, const struct baseline_run *run)
{
	char score[16], waived[16];
	int pct = baseline_score_percent(&run->score);

	snprintf(score, sizeof(score), "%d", pct < 0 ? 100 : pct);
	snprintf(waived, sizeof(waived), "%u", run->score.waived);
	for (size_t i = 0; i < run->n; i++) {
		const struct failure *f = &run->v[i];

		event_builder_item(b);
		event_add_cstr(b, OSB_DESCRIPTION, f->m->description);
		event_add_cstr(b, OSB_CCE_ID, f->m->cce_id);
		event_add_cstr(b, OSB_RESULT, baseline_result_to_string(f->o.result));
		event_add_cstr(b, OSB_ERROR, f->o.result == BASELINE_RESULT_ERR ? f->o.reason : "");
		event_add_cstr(b, OSB_SEVERITY, baseline_severity_to_string(f->m->severity));
		event_add_extra_cstr(b, "CheckId", f->m->id);
		event_add_extra_cstr(b, "Remediation", f->m->remediation);
		if (f->o.result == BASELINE_RESULT_FAIL)
			event_add_extra_cstr(b, "Reason", f->o.reason);
		event_add_extra_cstr(b, "Score", score);
		event_add_extra_cstr(b, "Waived", waived);
		if (f->waiver_expired)
			event_add_extra_cstr(b, "WaiverExpired", f->waiver_expired);
	}
}

/* The waivers file, when configured; a bad one degrades the collector and applies none. */
static struct waivers *load_waivers(struct collector *c)
{
	struct baseline_state *s = collector_state(c);
	struct waivers *w = NULL;
	char err[512];

	if (!s->waivers_path)
		return NULL;
	if (waivers_load(s->waivers_path, 0, &w, err, sizeof(err)) < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "baseline waivers not applied: %s",
				    err);
		return NULL;
	}
	return w;
}

static int load_profiles(struct collector *c, struct baseline_profile **ret_shipped,
			 struct baseline_profile **ret_custom)
{
	struct baseline_state *s = collector_state(c);
	char path_buf[4096], err[512];
	const char *path = s->profile_path;
	int r;

	if (!path)
		path = baseline_profile_default_path(path_buf, sizeof(path_buf));
	if (!path) {
		collector_set_error(
			c, COLLECTOR_STATE_DEGRADED,
			"baseline profile not found (install debian.json under "
			"/usr/share/edgesec/baseline/ or set EDGESEC_BASELINE_PROFILE)");
		return -ENOENT;
	}
	r = baseline_profile_load(path, NULL, ret_shipped, err, sizeof(err));
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "%s", err);
		return r;
	}
	if (!s->custom_enabled)
		return 0;
	r = baseline_custom_checks_load(s->custom_path, s->custom_hash, ret_custom, err,
					sizeof(err));
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED,
				    "custom baseline checks skipped: %s", err);
		return 1;
	}
	return 0;
}

static int baseline_snapshot(struct collector *c, uint64_t now)
{
	struct baseline_state *s = collector_state(c);
	struct baseline_profile *shipped = NULL, *custom = NULL;
	struct baseline_root *root = NULL;
	struct waivers *waivers = NULL;
	struct baseline_run run = { 0 };
	struct event *e;
	int r;

	r = baseline_root_open_host(c->params.host, &root);
	if (r < 0)
		return r;
	r = load_profiles(c, &shipped, &custom);
	if (r < 0)
		goto out;
	if (r == 0 && c->state == COLLECTOR_STATE_DEGRADED) {
		c->state = COLLECTOR_STATE_RUNNING;
		c->last_error[0] = '\0';
	}
	waivers = load_waivers(c);
	r = run_checks(shipped, root, waivers, &run);
	if (r == 0 && custom)
		r = run_checks(custom, root, waivers, &run);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "cannot run the baseline: %s",
				    strerror(-r));
		goto out;
	}
	event_builder_begin(&s->builder, EVENT_OS_BASELINE, now);
	add_failures(&s->builder, &run);
	r = event_builder_finish(&s->builder, &e);
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_DEGRADED,
				    "cannot build OSBaseline event: %s", strerror(-r));
		goto out;
	}
	collector_submit(c, e);
	r = 0;
out:
	es_free(run.v);
	waivers_free(waivers);
	baseline_profile_free(custom);
	baseline_profile_free(shipped);
	baseline_root_free(root);
	return r;
}

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps baseline_caps[] = {
	/* files of any mode: /etc/shadow, sshd_config, ... (read only). */
	{ NULL, COLLECTOR_CAP(CAP_DAC_READ_SEARCH) },
};

/* The host namespaces it must share (core/host-check.c), the first unmet one reported. */
static const struct collector_host_need baseline_host_needs[] = {
	{ NULL, HOST_NS_NET, "net.* sysctls are those of its own network namespace",
	  "NetworkMode host" },
	{ NULL, _HOST_NS_MAX, "sysctl and mount checks have no host /proc", "PidMode host" },
};

const struct collector_ops baseline_collector_ops = {
	.name = "baseline",
	.types = { EVENT_OS_BASELINE },
	.n_types = 1,
	.state_size = sizeof(struct baseline_state),
	.init = baseline_init,
	.snapshot = baseline_snapshot,
	.done = baseline_done,
	.configure = baseline_configure,
	.caps = baseline_caps,
	.n_caps = ARRAY_SIZE(baseline_caps),
	.host_needs = baseline_host_needs,
	.n_host_needs = ARRAY_SIZE(baseline_host_needs),
};
