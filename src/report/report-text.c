/* SPDX-License-Identifier: MIT */
/*
 * The posture report as text for a terminal (report.h): the same content as the HTML page,
 * shorter — posture, baseline failures with their fix, container findings, the latest alerts,
 * listening ports, UID-0 accounts and the system line.  Input strings go through
 * text_put_plain / text_put_wrapped (no control character reaches the terminal).  Colour only
 * when o->color.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"
#include "report-int.h"

#define TEXT_ALERTS_SHOWN 20

struct text_ctx {
	struct buf *b;
	const struct report_options *o;
	const char *bold, *dim, *reset, *sev[_REPORT_SEV_MAX], *good;
};

static void text_init(struct text_ctx *t, struct buf *b, const struct report_options *o)
{
	static const char *const sev_ansi[_REPORT_SEV_MAX] = { "\033[1;31m", "\033[31m", "\033[33m",
							       "\033[34m", "\033[2m" };

	memset(t, 0, sizeof(*t));
	t->b = b;
	t->o = o;
	t->bold = o->color ? "\033[1m" : "";
	t->dim = o->color ? "\033[2m" : "";
	t->reset = o->color ? "\033[0m" : "";
	t->good = o->color ? "\033[32m" : "";
	for (int i = 0; i < _REPORT_SEV_MAX; i++)
		t->sev[i] = o->color ? sev_ansi[i] : "";
}

static void heading(struct text_ctx *t, const char *title, size_t n)
{
	buf_printf(t->b, "\n%s%s (%zu)%s\n", t->bold, title, n, t->reset);
}

/* The severity in its colour; label: the event's own word (baseline: "Important"), or NULL. */
static void sev_tag(struct text_ctx *t, enum report_sev s, const char *label)
{
	const char *word = label && label[0] ? label : report_sev_to_string(s);
	size_t n = strlen(word);

	buf_printf(t->b, "  %s", t->sev[s]);
	text_put_plain(t->b, word);
	buf_puts(t->b, t->reset);
	for (; n < 10; n++)
		buf_putc(t->b, ' ');
	buf_putc(t->b, ' ');
}

static void posture(struct text_ctx *t, const struct report_model *m)
{
	const struct report_row *si = report_table_row(&m->t[REPORT_SYSINFO], 0);
	struct report_posture p;
	char when[40];

	report_posture_compute(m, &p);
	report_format_time(m->last_ns, when, sizeof(when));
	buf_printf(t->b, "%sSecurity posture of ", t->bold);
	text_put_plain(t->b, si && si->f[SI_F_HOST_NAME][0] ? si->f[SI_F_HOST_NAME] : "this host");
	buf_printf(t->b, "%s  (%s)\n", t->reset, when);
	if (si) {
		buf_puts(t->b, "  ");
		text_put_plain(t->b, si->f[SI_F_OS_PRETTY][0] ? si->f[SI_F_OS_PRETTY]
							      : si->f[SI_F_OS_VENDOR]);
		buf_puts(t->b, ", ");
		text_put_plain(t->b, si->f[SI_F_ARCH]);
		buf_puts(t->b, ", kernel ");
		text_put_plain(t->b, si->f[SI_F_OS_VERSION]);
		buf_puts(t->b, "\n");
	}
	if (p.score < 0)
		buf_printf(t->b, "\n%sPosture: n/a%s (no baseline or container data)\n", t->bold,
			   t->reset);
	else
		buf_printf(t->b, "\n%sPosture: %d/100%s", t->bold, p.score, t->reset);
	if (p.score >= 0 && p.baseline >= 0)
		buf_printf(t->b, "  host baseline %d", p.baseline);
	if (p.score >= 0 && p.host >= 0)
		buf_printf(t->b, "  host findings %d", p.host);
	if (p.score >= 0 && p.containers >= 0)
		buf_printf(t->b, "  containers %d", p.containers);
	if (p.score >= 0)
		buf_puts(t->b, "\n");
}

static void baseline(struct text_ctx *t, const struct report_model *m)
{
	const struct report_table *tb = &m->t[REPORT_BASELINE];
	unsigned w = t->o->width;
	size_t *idx;

	if (!tb->seen)
		return;
	heading(t, "Baseline failures", tb->n);
	if (!tb->n) {
		buf_printf(t->b, "  %severy evaluated check passed%s\n", t->good, t->reset);
		return;
	}
	if (!(idx = report_table_sorted(tb, false)))
		return;
	for (size_t i = 0; i < tb->n; i++) {
		const struct report_row *r = report_table_row(tb, idx[i]);
		bool err = strcmp(r->f[BL_RESULT], "Err") == 0;

		sev_tag(t, r->sev, r->f[BL_SEVERITY]);
		buf_puts(t->b, t->bold);
		text_put_plain(t->b, r->f[BL_CHECK_ID]);
		buf_printf(t->b, "%s%s\n               ", t->reset,
			   err ? " (could not be evaluated)" : "");
		text_put_wrapped(t->b, err ? r->f[BL_ERROR] : r->f[BL_REASON], 15, 15, w);
		buf_printf(t->b, "\n               %sfix:%s ", t->good, t->reset);
		text_put_wrapped(t->b, r->f[BL_REMEDIATION], 20, 20, w);
		buf_puts(t->b, "\n");
	}
	es_free(idx);
}

static void host_findings(struct text_ctx *t, const struct report_model *m)
{
	const struct report_table *tb = &m->t[REPORT_HOST];
	size_t *idx;

	if (!tb->seen)
		return;
	heading(t, "Host findings", tb->n);
	if (!(idx = report_table_sorted(tb, false)))
		return;
	for (size_t i = 0; i < tb->n; i++) {
		const struct report_row *r = report_table_row(tb, idx[i]);

		sev_tag(t, r->sev, NULL);
		text_put_plain(t->b, r->f[HO_RULE_ID]);
		buf_puts(t->b, " ");
		text_put_wrapped(t->b, r->f[HO_MESSAGE][0] ? r->f[HO_MESSAGE] : r->f[HO_TITLE], 22,
				 15, t->o->width);
		buf_puts(t->b, "\n");
	}
	if (!tb->n)
		buf_printf(t->b, "  %severy host finding was resolved%s\n", t->good, t->reset);
	es_free(idx);
}

static void finding_line(struct text_ctx *t, const struct report_row *r, bool drift)
{
	sev_tag(t, r->sev, NULL);
	text_put_plain(t->b, r->f[drift ? DR_MODULE : REC_F_MODULE]);
	buf_puts(t->b, drift ? ": drift " : ": ");
	text_put_plain(t->b, r->f[drift ? DR_KIND : REC_F_RULE_ID]);
	buf_puts(t->b, drift ? ": " : " ");
	text_put_wrapped(t->b, r->f[drift ? DR_MESSAGE : REC_F_TITLE], 40, 15, t->o->width);
	buf_puts(t->b, "\n");
}

static void findings(struct text_ctx *t, const struct report_model *m)
{
	const struct report_table *rec = &m->t[REPORT_RECOMMENDATIONS], *dr = &m->t[REPORT_DRIFT];
	size_t *ir, *id;

	if (!rec->seen && !dr->seen && !m->t[REPORT_CONTAINERS].seen)
		return;
	heading(t, "Container findings", rec->n + dr->n);
	ir = report_table_sorted(rec, false);
	id = report_table_sorted(dr, false);
	/* Both sorted: merged, most severe first, drift first on a tie. */
	for (size_t i = 0, k = 0; ir && id && (i < dr->n || k < rec->n);) {
		const struct report_row *d = i < dr->n ? report_table_row(dr, id[i]) : NULL;
		const struct report_row *r = k < rec->n ? report_table_row(rec, ir[k]) : NULL;

		if (d && (!r || d->sev <= r->sev))
			finding_line(t, d, true), i++;
		else
			finding_line(t, r, false), k++;
	}
	if (!rec->n && !dr->n)
		buf_printf(t->b, "  %sno risky container setting%s\n", t->good, t->reset);
	es_free(ir);
	es_free(id);
}

static void alerts(struct text_ctx *t, const struct report_model *m)
{
	const struct report_table *tb = &m->t[REPORT_ALERTS];
	size_t shown = 0;

	if (!tb->seen)
		return;
	heading(t, "Alerts", tb->n + tb->dropped);
	for (size_t i = tb->n; i-- > 0 && shown < TEXT_ALERTS_SHOWN; shown++) {
		const struct report_row *r = report_table_row(tb, i);
		const char *where = r->f[AL_CONTAINER][0] ? r->f[AL_CONTAINER] : r->f[AL_MODULE];
		char when[40];

		report_format_time(r->time_ns, when, sizeof(when));
		buf_printf(t->b, "  %s%s%s", t->dim, when, t->reset);
		sev_tag(t, r->sev, NULL);
		text_put_plain(t->b, r->f[AL_RULE_NAME][0] ? r->f[AL_RULE_NAME] : r->f[AL_RULE_ID]);
		if (where[0]) {
			buf_puts(t->b, " in ");
			text_put_plain(t->b, where);
		}
		buf_puts(t->b, "\n");
	}
	if (tb->n > shown)
		buf_printf(t->b, "  %s... %zu older alerts (edgesec report writes them all)%s\n",
			   t->dim, tb->n + tb->dropped - shown, t->reset);
}

static void exposure(struct text_ctx *t, const struct report_model *m)
{
	const struct report_table *p = &m->t[REPORT_PORTS], *u = &m->t[REPORT_USERS];

	if (p->seen) {
		heading(t, "Listening ports", p->n);
		for (size_t i = 0; i < p->n; i++) {
			const struct report_row *r = &p->rows[i];
			const char *a = r->f[PO_LOCAL_ADDRESS];
			bool all = strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;

			buf_puts(t->b, "  ");
			text_put_plain(t->b, r->f[PO_PROTOCOL]);
			buf_puts(t->b, " ");
			text_put_plain(t->b, a);
			buf_puts(t->b, " port ");
			text_put_plain(t->b, r->f[PO_LOCAL_PORT]);
			buf_printf(t->b, "%s\n", all ? "  (every interface)" : "");
		}
	}
	if (u->seen) {
		size_t root = 0;

		for (size_t i = 0; i < u->n; i++)
			root += strcmp(u->rows[i].f[US_ID], "0") == 0;
		heading(t, "Local users", u->n);
		buf_printf(t->b, "  %zu with UID 0:", root);
		for (size_t i = 0; i < u->n; i++)
			if (strcmp(u->rows[i].f[US_ID], "0") == 0) {
				buf_puts(t->b, " ");
				text_put_plain(t->b, u->rows[i].f[US_NAME]);
			}
		buf_puts(t->b, "\n");
	}
}

int report_render_text(const struct report_model *m, const struct report_options *o,
		       struct buf *out)
{
	struct text_ctx t;

	text_init(&t, out, o);
	posture(&t, m);
	alerts(&t, m);
	host_findings(&t, m);
	findings(&t, m);
	baseline(&t, m);
	exposure(&t, m);
	buf_printf(out, "\n%s%zu messages, %zu events read", t.dim, m->messages, m->events);
	if (m->skipped)
		buf_printf(out, ", %zu lines skipped (not messages)", m->skipped);
	buf_printf(out, "%s\n", t.reset);
	return out->failed ? -ENOMEM : 0;
}
