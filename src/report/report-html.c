/* SPDX-License-Identifier: MIT */
/*
 * The HTML posture page (report.h): one self-contained document.
 *
 * No script, no external asset, no network: styles are inline (<style>), graphics are inline
 * SVG, and a Content-Security-Policy meta element (default-src 'none') stops a browser from
 * fetching anything or running anything even if an injection slipped through.  Every string
 * that comes from the input (event fields: command lines, container names, paths, reasons)
 * goes through html_put(), which escapes the five HTML metacharacters and replaces control
 * characters, so it can only ever be text.  Elements carry ids and data-count attributes that
 * tests read (tests/integration/test-report-html.sh).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "report-int.h"

/* Colours of the severities (background of badges, dots on the timeline). */
static const char *const sev_colors[_REPORT_SEV_MAX] = {
	"#b42318", "#e8590c", "#c28a00", "#2f6fb3", "#6b7785",
};

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"style-src 'unsafe-inline'; img-src data:\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<meta name=\"generator\" content=\"edgesec report\">\n";

static const char page_style[] =
	"<style>\n"
	":root{--ink:#16202c;--muted:#5d6b7a;--line:#e3e8ef;--bg:#f3f5f8;--card:#fff;"
	"--crit:#b42318;--high:#e8590c;--med:#c28a00;--low:#2f6fb3;--info:#6b7785;--ok:#1f8a4c}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 "
	"system-ui,-apple-system,"
	"'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
	"header.top{background:linear-gradient(120deg,#0d1b2a,#1b3a5c);color:#fff;padding:28px 0 "
	"76px}\n"
	".wrap{max-width:1180px;margin:0 auto;padding:0 28px}\n"
	"header.top h1{margin:0;font-size:26px;font-weight:650;letter-spacing:-.01em}\n"
	"header.top .sub{color:#b9c8da;margin-top:6px;font-size:14px}\n"
	"header.top .meta{display:flex;flex-wrap:wrap;gap:6px 22px;margin-top:14px;color:#c9d6e4;"
	"font-size:12.5px}\n"
	"header.top .meta b{color:#fff;font-weight:600}\n"
	".brand{font-size:12px;letter-spacing:.14em;text-transform:uppercase;color:#8fb3d9;"
	"margin-bottom:8px;font-weight:600}\n"
	".cards{display:grid;grid-template-columns:1.5fr 1fr 1fr 1fr "
	"1fr;gap:14px;margin-top:-52px}\n"
	".card{background:var(--card);border-radius:12px;box-shadow:0 1px 2px rgba(16,24,40,.06),"
	"0 4px 14px rgba(16,24,40,.07);padding:18px 20px}\n"
	".card h3{margin:0 0 8px;font-size:12px;text-transform:uppercase;letter-spacing:.08em;"
	"color:var(--muted);font-weight:650}\n"
	".card .big{font-size:30px;font-weight:700;line-height:1.1}\n"
	".card .note{color:var(--muted);font-size:12.5px;margin-top:6px}\n"
	".gauge{display:flex;align-items:center;gap:16px}\n"
	".gauge .parts{font-size:13px;color:var(--muted)}\n"
	".gauge .parts b{color:var(--ink);font-size:15px}\n"
	".chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:10px}\n"
	".chip{display:inline-flex;align-items:center;gap:5px;border-radius:999px;padding:2px 9px;"
	"font-size:12px;font-weight:600;background:#eef1f5;color:var(--ink)}\n"
	".chip i{width:8px;height:8px;border-radius:50%;display:inline-block}\n"
	"section.block{background:var(--card);border-radius:12px;margin:22px 0;padding:20px 22px;"
	"box-shadow:0 1px 2px rgba(16,24,40,.06),0 4px 14px rgba(16,24,40,.05)}\n"
	"section.block>h2{margin:0 0 4px;font-size:18px;font-weight:650}\n"
	"section.block>.lead{color:var(--muted);margin:0 0 14px;font-size:13px}\n"
	"table{width:100%;border-collapse:collapse}\n"
	"th{text-align:left;font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;"
	"color:var(--muted);font-weight:650;padding:8px 10px;border-bottom:1px solid var(--line)}\n"
	"td{padding:10px;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"tr:last-child td{border-bottom:0}\n"
	".sev{display:inline-block;min-width:68px;text-align:center;border-radius:6px;padding:2px "
	"8px;"
	"font-size:11.5px;font-weight:700;color:#fff;letter-spacing:.02em}\n"
	".s0{background:var(--crit)}.s1{background:var(--high)}.s2{background:var(--med)}"
	".s3{background:var(--low)}.s4{background:var(--info)}\n"
	".title{font-weight:600}\n"
	".id{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted)}\n"
	"code,.mono{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
	"word-break:break-all}\n"
	"code{background:#f1f4f8;border:1px solid var(--line);border-radius:5px;padding:1px 5px}\n"
	".fix{color:#1d5c3a;background:#edf7f0;border-left:3px solid var(--ok);padding:4px 8px;"
	"border-radius:0 6px 6px 0;margin-top:6px;font-size:13px}\n"
	".found{color:#3d4a57;font-size:13px;margin-top:3px}\n"
	".tag{display:inline-block;font-size:11px;font-weight:650;border-radius:5px;padding:0 6px;"
	"margin-left:6px;background:#eef1f5;color:var(--muted)}\n"
	".warn{background:#fff4e5;color:#8a4b00}\n"
	".empty{padding:18px;border:1px dashed var(--line);border-radius:10px;color:var(--muted);"
	"text-align:center}\n"
	".good{color:var(--ok);font-weight:600}\n"
	"tr.root td{background:#fff6f5}\n"
	".timeline{width:100%;height:auto;margin:4px 0 14px;border:1px solid var(--line);"
	"border-radius:10px;background:#fbfcfe}\n"
	"dl.sys{display:grid;grid-template-columns:190px 1fr;gap:8px 18px;margin:0}\n"
	"dl.sys dt{color:var(--muted)}dl.sys dd{margin:0;font-weight:500}\n"
	"footer{color:var(--muted);font-size:12px;margin:26px 0 40px}\n"
	"@media (max-width:900px){.cards{grid-template-columns:1fr 1fr}}\n"
	"@media "
	"print{body{background:#fff}header.top{padding-bottom:28px}.cards{margin-top:16px}}\n"
	"</style>\n</head>\n";

/* Text from the input, safe in element content and in quoted attribute values. */
static void html_put(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
			else
				buf_putc(b, (char)c);
		}
	}
}

static const char *score_color(int score)
{
	return score < 0     ? "#8a96a3"
	       : score >= 90 ? "#1f8a4c"
	       : score >= 70 ? "#c28a00"
	       : score >= 50 ? "#e8590c"
			     : "#b42318";
}

static void sev_badge(struct buf *b, enum report_sev s, const char *label)
{
	buf_printf(b, "<span class=\"sev s%d\">", (int)s);
	html_put(b, label && label[0] ? label : report_sev_to_string(s));
	buf_puts(b, "</span>");
}

static void chips(struct buf *b, const size_t counts[_REPORT_SEV_MAX])
{
	bool any = false;

	buf_puts(b, "<div class=\"chips\">");
	for (int s = 0; s < _REPORT_SEV_MAX; s++) {
		if (!counts[s])
			continue;
		buf_printf(b, "<span class=\"chip\"><i style=\"background:%s\"></i>%zu %s</span>",
			   sev_colors[s], counts[s], report_sev_to_string((enum report_sev)s));
		any = true;
	}
	if (!any)
		buf_puts(b, "<span class=\"chip\"><i style=\"background:#1f8a4c\"></i>none</span>");
	buf_puts(b, "</div>");
}

/* The ring gauge of the posture score. */
static void gauge_svg(struct buf *b, int score)
{
	const double r = 52, c = 2 * M_PI * r;
	double filled = score < 0 ? 0 : c * score / 100.0;

	buf_printf(
		b,
		"<svg width=\"132\" height=\"132\" viewBox=\"0 0 132 132\" role=\"img\" "
		"aria-label=\"posture score\"><circle cx=\"66\" cy=\"66\" r=\"52\" fill=\"none\" "
		"stroke=\"#e8edf3\" stroke-width=\"13\"/>"
		"<circle cx=\"66\" cy=\"66\" r=\"52\" fill=\"none\" stroke=\"%s\" "
		"stroke-width=\"13\" stroke-linecap=\"round\" stroke-dasharray=\"%.1f %.1f\" "
		"transform=\"rotate(-90 66 66)\"/>"
		"<text x=\"66\" y=\"72\" text-anchor=\"middle\" font-size=\"34\" "
		"font-weight=\"700\" "
		"fill=\"#16202c\" font-family=\"system-ui,sans-serif\">",
		score_color(score), filled, c);
	if (score < 0)
		buf_puts(b, "n/a");
	else
		buf_printf(b, "%d", score);
	buf_puts(b, "</text><text x=\"66\" y=\"92\" text-anchor=\"middle\" font-size=\"11\" "
		    "fill=\"#5d6b7a\" font-family=\"system-ui,sans-serif\">of 100</text></svg>");
}

static void part(struct buf *b, const char *name, int v)
{
	buf_printf(b, "<div>%s: <b style=\"color:%s\">", name, score_color(v));
	if (v < 0)
		buf_puts(b, "no data");
	else
		buf_printf(b, "%d", v);
	buf_puts(b, "</b></div>");
}

static void header(struct buf *b, const struct report_model *m, const struct report_options *o)
{
	const struct report_row *si = report_table_row(&m->t[REPORT_SYSINFO], 0);
	char t1[40], t2[40], gen[40];

	buf_puts(b, "<title>edgesec posture report");
	if (si && si->f[SI_F_HOST_NAME][0]) {
		buf_puts(b, " — ");
		html_put(b, si->f[SI_F_HOST_NAME]);
	}
	buf_puts(b, "</title>\n");
	buf_puts(b, page_style);
	buf_puts(b, "<body>\n<header class=\"top\"><div class=\"wrap\">"
		    "<div class=\"brand\">edgesec · security posture report</div><h1 id=\"host\">");
	html_put(b, si && si->f[SI_F_HOST_NAME][0] ? si->f[SI_F_HOST_NAME] : "unknown host");
	buf_puts(b, "</h1><div class=\"sub\">");
	if (si) {
		html_put(b,
			 si->f[SI_F_OS_PRETTY][0] ? si->f[SI_F_OS_PRETTY] : si->f[SI_F_OS_VENDOR]);
		buf_puts(b, " · ");
		html_put(b, si->f[SI_F_ARCH]);
		buf_puts(b, " · kernel ");
		html_put(b, si->f[SI_F_OS_VERSION]);
	} else {
		buf_puts(b, "no SystemInformation event in the input");
	}
	report_format_time(m->first_ns, t1, sizeof(t1));
	report_format_time(m->last_ns, t2, sizeof(t2));
	report_format_time(o->generated_ns, gen, sizeof(gen));
	buf_puts(b, "</div><div class=\"meta\"><span>Data <b>");
	html_put(b, t1);
	if (m->last_ns != m->first_ns) {
		buf_puts(b, "</b> → <b>");
		html_put(b, t2);
	}
	buf_puts(b, "</b></span><span>Agent <b>");
	html_put(b, m->agent_version[0] ? m->agent_version : "?");
	buf_puts(b, "</b> <span class=\"mono\">");
	html_put(b, m->agent_id);
	buf_puts(b, "</span></span><span>Source <b>");
	html_put(b, o->source ? o->source : "?");
	buf_puts(b, "</b></span><span>Generated <b>");
	html_put(b, gen);
	buf_puts(b, "</b></span></div></div></header>\n");
}

static void exposure_counts(const struct report_model *m, size_t *ret_open, size_t *ret_root)
{
	const struct report_table *p = &m->t[REPORT_PORTS], *u = &m->t[REPORT_USERS];

	*ret_open = *ret_root = 0;
	for (size_t i = 0; i < p->n; i++) {
		const char *a = p->rows[i].f[PO_LOCAL_ADDRESS];

		*ret_open += strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0 || !a[0];
	}
	for (size_t i = 0; i < u->n; i++)
		*ret_root += strcmp(u->rows[i].f[US_ID], "0") == 0;
}

static void count_card(struct buf *b, const char *id, const char *title, size_t total,
		       const size_t counts[_REPORT_SEV_MAX])
{
	buf_printf(b,
		   "<div class=\"card\" id=\"%s\" data-count=\"%zu\"><h3>%s</h3>"
		   "<div class=\"big\">%zu</div>",
		   id, total, title, total);
	chips(b, counts);
	buf_puts(b, "</div>");
}

static void summary_cards(struct buf *b, const struct report_model *m)
{
	const struct report_table *al = &m->t[REPORT_ALERTS], *rec = &m->t[REPORT_RECOMMENDATIONS];
	struct report_posture p;
	size_t counts[_REPORT_SEV_MAX], extra[_REPORT_SEV_MAX], open, root;

	report_posture_compute(m, &p);
	buf_printf(b,
		   "<div class=\"wrap\"><div class=\"cards\">"
		   "<div class=\"card\" id=\"posture\" data-score=\"%d\"><h3>Posture score</h3>"
		   "<div class=\"gauge\">",
		   p.score);
	gauge_svg(b, p.score);
	buf_puts(b, "<div class=\"parts\">");
	part(b, "Host baseline", p.baseline);
	part(b, "Host findings", p.host);
	part(b, "Containers", p.containers);
	buf_puts(b, "<div class=\"note\">mean of the known parts</div></div></div></div>");
	report_table_count(al, counts);
	count_card(b, "card-alerts", "Alerts", al->n + al->dropped, counts);
	report_table_count(rec, counts);
	report_table_count(&m->t[REPORT_DRIFT], extra);
	for (int k = 0; k < _REPORT_SEV_MAX; k++)
		counts[k] += extra[k];
	report_table_count(&m->t[REPORT_HOST], extra);
	for (int k = 0; k < _REPORT_SEV_MAX; k++)
		counts[k] += extra[k];
	count_card(b, "card-findings", "Open findings",
		   rec->n + m->t[REPORT_DRIFT].n + m->t[REPORT_HOST].n, counts);
	report_table_count(&m->t[REPORT_BASELINE], counts);
	count_card(b, "card-baseline", "Baseline failures", m->t[REPORT_BASELINE].n, counts);
	exposure_counts(m, &open, &root);
	buf_printf(b,
		   "<div class=\"card\" id=\"card-exposure\" data-ports=\"%zu\" "
		   "data-users=\"%zu\"><h3>Exposure</h3><div class=\"big\">%zu</div>"
		   "<div class=\"note\">listening port%s · <b>%zu</b> on every interface</div>"
		   "<div class=\"note\"><b>%zu</b> local users · <b>%zu</b> with UID 0</div></div>"
		   "</div></div>\n",
		   m->t[REPORT_PORTS].n, m->t[REPORT_USERS].n, m->t[REPORT_PORTS].n,
		   m->t[REPORT_PORTS].n == 1 ? "" : "s", open, m->t[REPORT_USERS].n, root);
}

static void section_open(struct buf *b, const char *id, const char *title, size_t count,
			 const char *lead)
{
	buf_printf(b, "<section class=\"block\" id=\"%s\" data-count=\"%zu\"><h2>%s</h2>", id,
		   count, title);
	if (lead)
		buf_printf(b, "<p class=\"lead\">%s</p>", lead);
}

static void empty(struct buf *b, const char *text)
{
	buf_printf(b, "<div class=\"empty\">%s</div>", text);
}

static void baseline_section(struct buf *b, const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_BASELINE];
	size_t *idx;

	section_open(b, "baseline", "Baseline failures", t->n,
		     "OS hardening checks (CIS-style) that failed or could not be evaluated, most "
		     "severe first, with the fix. Waived checks are not listed.");
	if (!t->seen) {
		empty(b, "No OSBaseline event in the input.");
		buf_puts(b, "</section>\n");
		return;
	}
	if (!t->n) {
		empty(b, "<span class=\"good\">Every evaluated check passed.</span>");
		buf_puts(b, "</section>\n");
		return;
	}
	if (!(idx = report_table_sorted(t, false)))
		return;
	buf_puts(b, "<table><thead><tr><th style=\"width:92px\">Severity</th><th>Check</th>"
		    "</tr></thead><tbody>");
	for (size_t i = 0; i < t->n; i++) {
		const struct report_row *r = report_table_row(t, idx[i]);
		bool err = strcmp(r->f[BL_RESULT], "Err") == 0;

		buf_puts(b, "<tr class=\"finding\"><td>");
		sev_badge(b, r->sev, r->f[BL_SEVERITY]);
		buf_puts(b, "</td><td><div class=\"title\">");
		html_put(b, r->f[BL_DESCRIPTION]);
		if (err)
			buf_puts(b, "<span class=\"tag warn\">could not be evaluated</span>");
		buf_puts(b, "</div><div class=\"id\">");
		html_put(b, r->f[BL_CHECK_ID]);
		if (r->f[BL_CCE_ID][0]) {
			buf_puts(b, " · ");
			html_put(b, r->f[BL_CCE_ID]);
		}
		buf_puts(b, "</div><div class=\"found\">Found: ");
		html_put(b, err ? r->f[BL_ERROR] : r->f[BL_REASON]);
		buf_puts(b, "</div>");
		if (r->f[BL_REMEDIATION][0]) {
			buf_puts(b, "<div class=\"fix\">");
			html_put(b, r->f[BL_REMEDIATION]);
			buf_puts(b, "</div>");
		}
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table></section>\n");
	es_free(idx);
}

static void finding_row(struct buf *b, const struct report_row *r, bool drift)
{
	buf_puts(b, "<tr class=\"finding\"><td>");
	sev_badge(b, r->sev, NULL);
	buf_puts(b, "</td><td class=\"mono\">");
	html_put(b, r->f[drift ? DR_MODULE : REC_F_MODULE]);
	buf_puts(b, "</td><td><div class=\"title\">");
	html_put(b, drift ? r->f[DR_SETTING] : r->f[REC_F_TITLE]);
	if (drift) {
		buf_puts(b, "<span class=\"tag warn\">drift: ");
		html_put(b, r->f[DR_KIND]);
		buf_puts(b, "</span>");
		if (r->count > 1)
			buf_printf(b, "<span class=\"tag\">seen %u times</span>", r->count);
	}
	buf_puts(b, "</div><div class=\"id\">");
	html_put(b, drift ? "DriftAlert" : r->f[REC_F_RULE_ID]);
	buf_puts(b, " · ");
	html_put(b, r->f[drift ? DR_PATH : REC_F_PATH]);
	buf_puts(b, "</div><div class=\"found\">");
	html_put(b, r->f[drift ? DR_MESSAGE : REC_F_MESSAGE]);
	buf_puts(b, "</div>");
	if (!drift && r->f[REC_F_REMEDIATION][0]) {
		buf_puts(b, "<div class=\"fix\">");
		html_put(b, r->f[REC_F_REMEDIATION]);
		buf_puts(b, "</div>");
	}
	buf_puts(b, "</td></tr>");
}

static void containers_section(struct buf *b, const struct report_model *m)
{
	const struct report_table *rec = &m->t[REPORT_RECOMMENDATIONS], *dr = &m->t[REPORT_DRIFT];
	size_t *ir, *id;

	section_open(b, "containers", "Container findings", rec->n + dr->n,
		     "Risky settings of the running containers (Recommendation) and modules that "
		     "run with more than their deployment manifest grants (DriftAlert).");
	if (!rec->seen && !dr->seen && !m->t[REPORT_CONTAINERS].seen) {
		empty(b, "No container data in the input (no Docker engine, or the containers "
			 "collector is off).");
		buf_puts(b, "</section>\n");
		return;
	}
	if (!rec->n && !dr->n) {
		empty(b, "<span class=\"good\">No risky container setting found.</span>");
		buf_puts(b, "</section>\n");
		return;
	}
	ir = report_table_sorted(rec, false);
	id = report_table_sorted(dr, false);
	if (ir && id) {
		buf_puts(b, "<table><thead><tr><th style=\"width:92px\">Severity</th>"
			    "<th style=\"width:170px\">Module</th><th>Finding</th></tr></thead>"
			    "<tbody>");
		/* Both lists are sorted: merge them, most severe first, drift first on a tie. */
		for (size_t i = 0, k = 0; i < dr->n || k < rec->n;) {
			const struct report_row *d = i < dr->n ? report_table_row(dr, id[i]) : NULL;
			const struct report_row *r =
				k < rec->n ? report_table_row(rec, ir[k]) : NULL;

			if (d && (!r || d->sev <= r->sev))
				finding_row(b, d, true), i++;
			else
				finding_row(b, r, false), k++;
		}
		buf_puts(b, "</tbody></table>");
	}
	es_free(ir);
	es_free(id);
	buf_puts(b, "</section>\n");
}

static void host_row(struct buf *b, const struct report_row *r)
{
	buf_puts(b, "<tr class=\"finding\"><td>");
	sev_badge(b, r->sev, NULL);
	buf_puts(b, "</td><td><div class=\"title\">");
	html_put(b, r->f[HO_TITLE][0] ? r->f[HO_TITLE] : r->f[HO_RULE_ID]);
	if (strcmp(r->f[HO_STATUS], "Changed") == 0)
		buf_puts(b, "<span class=\"tag\">changed</span>");
	buf_puts(b, "</div><div class=\"id\">");
	html_put(b, r->f[HO_RULE_ID]);
	buf_puts(b, " · ");
	html_put(b, r->f[HO_PATH]);
	buf_puts(b, "</div><div class=\"found\">");
	html_put(b, r->f[HO_MESSAGE]);
	buf_puts(b, "</div>");
	if (r->f[HO_REMEDIATION][0]) {
		buf_puts(b, "<div class=\"fix\">");
		html_put(b, r->f[HO_REMEDIATION]);
		buf_puts(b, "</div>");
	}
	buf_puts(b, "</td></tr>");
}

static void host_section(struct buf *b, const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_HOST];
	size_t *idx;

	section_open(b, "host", "Host findings", t->n,
		     "What the agent judged on the device itself (open ports against the firewall, "
		     "permissive firewall policy and rules, baseline, unutilized messages), still "
		     "open at the end of the input.");
	if (!t->seen || !t->n) {
		empty(b,
		      t->seen ? "<span class=\"good\">Every host finding was resolved.</span>"
			      : "No host posture Recommendation in the input (the posture checks "
				"are off, or found nothing).");
		buf_puts(b, "</section>\n");
		return;
	}
	if (!(idx = report_table_sorted(t, false)))
		return;
	buf_puts(b, "<table><thead><tr><th style=\"width:92px\">Severity</th><th>Finding</th>"
		    "</tr></thead><tbody>");
	for (size_t i = 0; i < t->n; i++)
		host_row(b, report_table_row(t, idx[i]));
	buf_puts(b, "</tbody></table></section>\n");
	es_free(idx);
}

/* Alerts on a time axis, one lane per severity. */
static void timeline_svg(struct buf *b, const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_ALERTS];
	const double x0 = 110, x1 = 1080, lane = 26, top = 16;
	uint64_t lo = m->first_ns, hi = m->last_ns;
	char tl[40], th[40];

	buf_printf(b,
		   "<svg class=\"timeline\" viewBox=\"0 0 1100 %d\" role=\"img\" "
		   "aria-label=\"alerts over time\">",
		   (int)(top + lane * _REPORT_SEV_MAX + 30));
	for (int s = 0; s < _REPORT_SEV_MAX; s++) {
		double y = top + lane * s + lane / 2;

		buf_printf(b,
			   "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
			   "stroke=\"#e3e8ef\"/><text x=\"14\" y=\"%.1f\" font-size=\"12\" "
			   "fill=\"#5d6b7a\" font-family=\"system-ui,sans-serif\">%s</text>",
			   x0, x1, y, y, y + 4, report_sev_to_string((enum report_sev)s));
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct report_row *r = report_table_row(t, i);
		double x = hi > lo ? x0 + (x1 - x0) * (double)(r->time_ns - lo) / (double)(hi - lo)
				   : (x0 + x1) / 2;

		if (r->time_ns < lo)
			x = x0;
		buf_printf(b,
			   "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\" "
			   "fill-opacity=\".8\" stroke=\"#fff\" stroke-width=\"1.5\"><title>",
			   x, top + lane * r->sev + lane / 2, sev_colors[r->sev]);
		html_put(b, r->f[AL_RULE_NAME][0] ? r->f[AL_RULE_NAME] : r->f[AL_RULE_ID]);
		buf_puts(b, "</title></circle>");
	}
	report_format_time(lo, tl, sizeof(tl));
	report_format_time(hi, th, sizeof(th));
	buf_printf(b,
		   "<text x=\"%.0f\" y=\"%d\" font-size=\"11.5\" fill=\"#5d6b7a\" "
		   "font-family=\"system-ui,sans-serif\">%s</text><text x=\"%.0f\" y=\"%d\" "
		   "font-size=\"11.5\" fill=\"#5d6b7a\" text-anchor=\"end\" "
		   "font-family=\"system-ui,sans-serif\">%s</text></svg>",
		   x0, (int)(top + lane * _REPORT_SEV_MAX + 20), tl, x1,
		   (int)(top + lane * _REPORT_SEV_MAX + 20), th);
}

static void alert_row(struct buf *b, const struct report_row *r)
{
	char when[40];
	const char *where = r->f[AL_CONTAINER][0] ? r->f[AL_CONTAINER] : r->f[AL_MODULE];

	report_format_time(r->time_ns, when, sizeof(when));
	buf_puts(b, "<tr class=\"alert\"><td class=\"mono\" style=\"white-space:nowrap\">");
	html_put(b, when);
	buf_puts(b, "</td><td>");
	sev_badge(b, r->sev, NULL);
	buf_puts(b, "</td><td><div class=\"title\">");
	html_put(b, r->f[AL_RULE_NAME][0] ? r->f[AL_RULE_NAME] : r->f[AL_RULE_ID]);
	if (r->f[AL_REPEAT][0] && strcmp(r->f[AL_REPEAT], "1") != 0 &&
	    strcmp(r->f[AL_REPEAT], "0") != 0) {
		buf_puts(b, "<span class=\"tag\">×");
		html_put(b, r->f[AL_REPEAT]);
		buf_puts(b, "</span>");
	}
	buf_puts(b, "</div><div class=\"id\">");
	html_put(b, r->f[AL_RULE_NAME][0] ? r->f[AL_RULE_ID] : "");
	if (r->f[AL_TECHNIQUE][0]) {
		buf_puts(b, r->f[AL_RULE_NAME][0] ? " · " : "");
		html_put(b, r->f[AL_TECHNIQUE]);
	}
	if (where[0]) {
		buf_puts(b, " · in <span class=\"where\">");
		html_put(b, where);
		buf_puts(b, "</span>");
	}
	buf_puts(b, "</div><div class=\"found\">");
	html_put(b, r->f[AL_DESCRIPTION]);
	buf_puts(b, "</div>");
	if (r->f[AL_EVIDENCE][0]) {
		buf_puts(b, "<div class=\"found\">Evidence: <code class=\"evidence\">");
		html_put(b, r->f[AL_EVIDENCE]);
		buf_puts(b, "</code></div>");
	}
	if (r->f[AL_REMEDIATION][0]) {
		buf_puts(b, "<div class=\"fix\">");
		html_put(b, r->f[AL_REMEDIATION]);
		buf_puts(b, "</div>");
	}
	buf_puts(b, "</td></tr>");
}

static void alerts_section(struct buf *b, const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_ALERTS];

	section_open(b, "alerts", "Alerts timeline", t->n + t->dropped,
		     "Detections of the rules engine (Alert events), newest first.");
	if (!t->n) {
		empty(b, m->last_ns > m->first_ns ? "<span class=\"good\">No alert in this "
						    "recording.</span>"
						  : "No alert in the input. A snapshot holds none: "
						    "record <code>edgesec run</code> to see them.");
		buf_puts(b, "</section>\n");
		return;
	}
	if (t->dropped)
		buf_printf(b,
			   "<p class=\"lead\">%zu older alerts are not shown (the report keeps "
			   "the %u most recent).</p>",
			   t->dropped, REPORT_ALERTS_MAX);
	timeline_svg(b, m);
	/* Newest first regardless of severity: the table is a timeline (input order). */
	buf_puts(b, "<table><thead><tr><th style=\"width:170px\">Time</th>"
		    "<th style=\"width:92px\">Severity</th><th>Alert</th></tr></thead><tbody>");
	for (size_t i = t->n; i-- > 0;)
		alert_row(b, report_table_row(t, i));
	buf_puts(b, "</tbody></table></section>\n");
}

static void ports_section(struct buf *b, const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_PORTS];

	section_open(b, "ports", "Listening ports", t->n, NULL);
	if (!t->seen || !t->n) {
		empty(b,
		      t->seen ? "No listening socket." : "No ListeningPorts event in the input.");
		buf_puts(b, "</section>\n");
		return;
	}
	buf_puts(b, "<table><thead><tr><th>Protocol</th><th>Address</th><th>Port</th>"
		    "<th>Reachable from</th><th>User id</th></tr></thead><tbody>");
	for (size_t i = 0; i < t->n; i++) {
		const struct report_row *r = &t->rows[i];
		const char *a = r->f[PO_LOCAL_ADDRESS];
		bool all = strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;
		bool local = strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0;

		buf_puts(b, "<tr class=\"port\"><td>");
		html_put(b, r->f[PO_PROTOCOL]);
		buf_puts(b, "</td><td class=\"mono\">");
		html_put(b, a);
		buf_puts(b, "</td><td class=\"mono\">");
		html_put(b, r->f[PO_LOCAL_PORT]);
		buf_printf(b, "</td><td>%s</td><td class=\"mono\">",
			   all	   ? "<span class=\"tag warn\">every interface</span>"
			   : local ? "this host only"
				   : "one interface");
		html_put(b, r->f[PO_USER_ID]);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table></section>\n");
}

static void users_section(struct buf *b, const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_USERS];

	section_open(b, "users", "Local users", t->n, "Accounts with UID 0 are highlighted.");
	if (!t->seen || !t->n) {
		empty(b, "No LocalUsers event in the input.");
		buf_puts(b, "</section>\n");
		return;
	}
	buf_puts(b, "<table><thead><tr><th>User</th><th>UID</th><th>Groups</th><th>Shell</th>"
		    "</tr></thead><tbody>");
	for (size_t i = 0; i < t->n; i++) {
		const struct report_row *r = &t->rows[i];
		bool root = strcmp(r->f[US_ID], "0") == 0;

		buf_printf(b, "<tr class=\"user%s\"><td class=\"title\">", root ? " root" : "");
		html_put(b, r->f[US_NAME]);
		if (root)
			buf_puts(b, "<span class=\"tag warn\">UID 0</span>");
		buf_puts(b, "</td><td class=\"mono\">");
		html_put(b, r->f[US_ID]);
		buf_puts(b, "</td><td>");
		html_put(b, r->f[US_GROUP_NAMES]);
		buf_puts(b, "</td><td class=\"mono\">");
		html_put(b, r->f[US_SHELL]);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table></section>\n");
}

static void inventory_section(struct buf *b, const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_CONTAINERS];

	if (!t->seen)
		return;
	section_open(b, "inventory", "Containers", t->n, NULL);
	if (!t->n) {
		empty(b, "No container.");
		buf_puts(b, "</section>\n");
		return;
	}
	buf_puts(b, "<table><thead><tr><th>Name</th><th>Module</th><th>Image</th><th>State</th>"
		    "</tr></thead><tbody>");
	for (size_t i = 0; i < t->n; i++) {
		const struct report_row *r = &t->rows[i];

		buf_puts(b, "<tr class=\"container\"><td class=\"mono\">");
		html_put(b, r->f[CO_NAME]);
		buf_puts(b, "</td><td>");
		html_put(b, r->f[CO_MODULE]);
		buf_puts(b, "</td><td class=\"mono\">");
		html_put(b, r->f[CO_IMAGE]);
		buf_puts(b, "</td><td>");
		html_put(b, r->f[CO_STATE]);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table></section>\n");
}

static void sys_row(struct buf *b, const char *name, const char *value, const char *unit)
{
	if (!value || !value[0])
		return;
	buf_printf(b, "<dt>%s</dt><dd>", name);
	html_put(b, value);
	buf_printf(b, "%s</dd>", unit);
}

static void system_section(struct buf *b, const struct report_model *m)
{
	const struct report_row *r = report_table_row(&m->t[REPORT_SYSINFO], 0);

	section_open(b, "system", "System", r ? 1 : 0, NULL);
	if (!r) {
		empty(b, "No SystemInformation event in the input.");
		buf_puts(b, "</section>\n");
		return;
	}
	buf_puts(b, "<dl class=\"sys\">");
	sys_row(b, "Host name", r->f[SI_F_HOST_NAME], "");
	sys_row(b, "Operating system", r->f[SI_F_OS_PRETTY], "");
	sys_row(b, "Kernel", r->f[SI_F_OS_VERSION], "");
	sys_row(b, "Architecture", r->f[SI_F_ARCH], "");
	sys_row(b, "Uptime", r->f[SI_F_UPTIME], " s");
	sys_row(b, "Memory (total)", r->f[SI_F_MEM_TOTAL], " KiB");
	sys_row(b, "Memory (free)", r->f[SI_F_MEM_FREE], " KiB");
	sys_row(b, "Boot device", r->f[SI_F_BOOT_DEVICE], "");
	if (m->firewall_seen)
		buf_printf(b, "<dt>Firewall rules</dt><dd>%zu</dd>", m->firewall_rules);
	buf_puts(b, "</dl></section>\n");
}

static void footer(struct buf *b, const struct report_model *m)
{
	buf_printf(b,
		   "<footer id=\"input\" data-messages=\"%zu\" data-skipped=\"%zu\">Input: %zu "
		   "lines, %zu messages, %zu events",
		   m->messages, m->skipped, m->lines, m->messages, m->events);
	for (size_t i = 0; i < m->n_names; i++) {
		buf_puts(b, i ? ", " : " (");
		html_put(b, m->names[i].name);
		buf_printf(b, " %zu", m->names[i].n);
	}
	if (m->n_names)
		buf_puts(b, ")");
	if (m->skipped)
		buf_printf(b, "; %zu lines were not messages and were skipped", m->skipped);
	buf_puts(b, ".<br>This page is self-contained: no script, no external resource, no network "
		    "request. Posture score: the mean of the known parts: the host baseline score "
		    "(severity-weighted share of passed checks), the host findings score and the "
		    "container score (each 100 minus 25 per critical, 10 per high, 4 per medium, 1 "
		    "per low open finding).</footer>\n");
}

int report_render_html(const struct report_model *m, const struct report_options *o,
		       struct buf *out)
{
	buf_puts(out, page_head);
	header(out, m, o);
	summary_cards(out, m);
	buf_puts(out, "<main class=\"wrap\">\n");
	alerts_section(out, m);
	host_section(out, m);
	containers_section(out, m);
	baseline_section(out, m);
	ports_section(out, m);
	users_section(out, m);
	inventory_section(out, m);
	system_section(out, m);
	footer(out, m);
	buf_puts(out, "</main>\n</body>\n</html>\n");
	return out->failed ? -ENOMEM : 0;
}
