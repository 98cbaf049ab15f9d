/* SPDX-License-Identifier: MIT */
/*
 * The reports of scan-manifest (scan-manifest-int.h):
 *
 * text  — per file, findings grouped by module, the module with the most severe finding first,
 *         most severe first inside a module; one line per finding: file:line:col, severity,
 *         rule id, the message and the fix; then the waived findings with their reason and
 *         source; then one summary line.  Colour only when rep->color; strings from the input
 *         go through text_put_plain (no control character reaches the terminal).
 * json  — version 1, docs/schemas/edgesec-scan.schema.json: files, findings (shown, not
 *         waived), waived, drift (with --against), summary.
 * sarif — SARIF 2.1.0: one run, one artifact per file, waived findings as suppressions
 *         ("inSource" for a label or sidecar file, "external" for --waivers).
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/json_write.h"
#include "common/text.h"
#include "scan-manifest-int.h"
#include "version.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define SHORT_FIX_MAX 160

static const char *file_name(const struct scan_report *rep, size_t i)
{
	return strcmp(rep->files[i].path, "-") == 0 ? "stdin" : rep->files[i].path;
}

void scan_location(struct buf *b, const struct scan_report *rep, const struct scan_item *it)
{
	text_put_plain(b, file_name(rep, it->file));
	if (it->line)
		buf_printf(b, ":%u:%u", it->line, it->col);
}

/* ---- text ---- */

struct text_ctx {
	struct buf *b;
	const struct scan_report *rep;
	const struct cli_palette *c;
};

static const char *sev_color(const struct text_ctx *t, enum severity s)
{
	static const char crit[] = "\033[1;31m";

	if (!t->rep->color)
		return "";
	return s == SEVERITY_CRITICAL ? crit
	       : s == SEVERITY_HIGH   ? t->c->red
	       : s == SEVERITY_MEDIUM ? t->c->yellow
	       : s == SEVERITY_LOW    ? t->c->blue
				      : t->c->dim;
}

static void put_upper(struct buf *b, const char *s, size_t pad)
{
	size_t n = 0;

	for (; *s; s++, n++)
		buf_putc(b, (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s);
	for (; n < pad; n++)
		buf_putc(b, ' ');
}

/* The remediation, cut after its first sentence when long. */
static void put_short_fix(struct buf *b, const char *fix)
{
	const char *end = strstr(fix, ". ");
	size_t n = strlen(fix);

	if (n > SHORT_FIX_MAX && end && (size_t)(end - fix) < SHORT_FIX_MAX)
		n = (size_t)(end - fix) + 1;
	else if (n > SHORT_FIX_MAX)
		n = SHORT_FIX_MAX;
	for (size_t i = 0; i < n; i++)
		buf_putc(b, ((unsigned char)fix[i] < 0x20 || fix[i] == 0x7f) ? '?' : fix[i]);
	if (n < strlen(fix))
		buf_puts(b, "...");
}

static void text_item(struct text_ctx *t, const struct scan_item *it)
{
	struct buf *b = t->b;

	buf_puts(b, "    ");
	scan_location(b, t->rep, it);
	buf_printf(b, "  %s", sev_color(t, it->severity));
	put_upper(b, severity_to_string(it->severity), 8);
	buf_printf(b, "%s  ", t->c->reset);
	if (it->f) {
		buf_printf(b, "%s%-7s%s  ", t->c->bold, it->f->rule->id, t->c->reset);
		text_put_plain(b, it->f->message);
		if (it->f->embedded_path) {
			buf_puts(b, " [createOptions ");
			text_put_plain(b, it->f->embedded_path);
			buf_puts(b, "]");
		}
	} else {
		buf_printf(b, "%sdrift %s%s  ", t->c->bold, drift_kind_to_string(it->d->kind),
			   t->c->reset);
		text_put_plain(b, it->d->message);
	}
	if (it->ws == WAIVER_STATE_ACTIVE) {
		buf_printf(b, "  %s", t->c->cyan);
		text_put_plain(b, it->module);
		buf_puts(b, ": ");
		text_put_plain(b, it->w->reason);
		buf_puts(b, " [");
		text_put_plain(b, it->w->source ? it->w->source : "waivers");
		if (it->w->expires[0])
			buf_printf(b, ", until %s", it->w->expires);
		buf_printf(b, "]%s\n", t->c->reset);
		return;
	}
	if (it->ws == WAIVER_STATE_EXPIRED)
		buf_printf(b, "  %s(waiver expired on %s)%s", t->c->yellow, it->w->expires,
			   t->c->reset);
	if (it->f) {
		buf_printf(b, "  %sfix:%s ", t->c->green, t->c->reset);
		put_short_fix(b, it->f->rule->remediation);
	}
	buf_puts(b, "\n");
}

struct sort_key {
	size_t item;
	int module_sev; /* most severe finding of its module */
	size_t module_first;
};

static int cmp_keys(const void *pa, const void *pb, void *ctx)
{
	const struct sort_key *a = pa, *b = pb;
	const struct scan_item *items = ctx, *ia = &items[a->item], *ib = &items[b->item];

	if (a->module_sev != b->module_sev)
		return b->module_sev - a->module_sev;
	if (a->module_first != b->module_first)
		return a->module_first < b->module_first ? -1 : 1;
	if (ia->severity != ib->severity)
		return (int)ib->severity - (int)ia->severity;
	if (ia->line != ib->line)
		return ia->line < ib->line ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

static int cmp_module(const void *pa, const void *pb, void *ctx)
{
	const struct sort_key *a = pa, *b = pb;
	const struct scan_item *items = ctx;
	int c = strcmp(items[a->item].module, items[b->item].module);

	return c ? c : a->item < b->item ? -1 : a->item > b->item;
}

/* The file's findings (waived or not), grouped by module and sorted; es_free.  Two sorts: by
 * module to find each module's most severe finding and first appearance, then for output. */
static struct sort_key *file_keys(const struct scan_report *rep, size_t file, bool waived,
				  size_t *ret_n)
{
	struct sort_key *k = es_calloc(rep->n_items + 1, sizeof(*k));
	size_t n = 0;

	if (!k)
		return NULL;
	for (size_t i = 0; i < rep->n_items; i++) {
		const struct scan_item *it = &rep->items[i];

		if (it->file == file && (it->ws == WAIVER_STATE_ACTIVE) == waived)
			k[n++].item = i;
	}
	qsort_r(k, n, sizeof(*k), cmp_module, rep->items);
	for (size_t i = 0, start = 0; i <= n; i++) {
		int sev = 0;

		if (i < n &&
		    strcmp(rep->items[k[i].item].module, rep->items[k[start].item].module) == 0)
			continue;
		for (size_t j = start; j < i; j++)
			if ((int)rep->items[k[j].item].severity > sev)
				sev = (int)rep->items[k[j].item].severity;
		for (size_t j = start; j < i; j++) {
			k[j].module_sev = sev;
			k[j].module_first = k[start].item; /* the group is sorted by item */
		}
		start = i;
	}
	qsort_r(k, n, sizeof(*k), cmp_keys, rep->items);
	*ret_n = n;
	return k;
}

static void text_file(struct text_ctx *t, size_t file)
{
	const struct scan_report *rep = t->rep;
	const struct scan_file *f = &rep->files[file];
	size_t n = 0, nw = 0;
	struct sort_key *k = file_keys(rep, file, false, &n);
	struct sort_key *kw = file_keys(rep, file, true, &nw);
	const char *module = NULL;

	if (!k || !kw) {
		t->b->failed = true;
		goto out;
	}
	buf_puts(t->b, t->c->bold);
	text_put_plain(t->b, file_name(rep, file));
	buf_printf(t->b, "%s  %s, %zu module%s, %zu finding%s", t->c->reset,
		   strcmp(f->m->envelope, "docker-inspect") == 0 ? "docker inspect"
								 : "deployment manifest",
		   f->m->n_modules, f->m->n_modules == 1 ? "" : "s", n, n == 1 ? "" : "s");
	if (nw)
		buf_printf(t->b, ", %zu waived", nw);
	buf_puts(t->b, "\n");
	for (size_t i = 0; i < n; i++) {
		const struct scan_item *it = &rep->items[k[i].item];

		if (!module || strcmp(module, it->module) != 0) {
			module = it->module;
			buf_printf(t->b, "  %s", t->c->bold);
			text_put_plain(t->b, module[0] ? module : "(deployment)");
			buf_printf(t->b, "%s\n", t->c->reset);
		}
		text_item(t, it);
	}
	if (nw)
		buf_printf(t->b, "  %sWaived%s\n", t->c->bold, t->c->reset);
	for (size_t i = 0; i < nw; i++)
		text_item(t, &rep->items[kw[i].item]);
	if (f->l.dropped)
		buf_printf(t->b, "  %zu more findings were not recorded (limit %u)\n", f->l.dropped,
			   FINDINGS_MAX);
	if (f->m->dropped_modules)
		buf_printf(t->b, "  %zu modules beyond the first %u were not analyzed\n",
			   f->m->dropped_modules, MANIFEST_MAX_MODULES);
	buf_puts(t->b, "\n");
out:
	es_free(k);
	es_free(kw);
}

void scan_report_text(struct buf *b, const struct scan_report *rep)
{
	struct text_ctx t = { b, rep, cli_palette_get(rep->color) };
	size_t total = 0, usable = 0;

	for (size_t i = 0; i < rep->n_files; i++)
		if (!rep->files[i].unusable) {
			text_file(&t, i);
			usable++;
		}
	for (int s = 0; s < _SEVERITY_MAX; s++)
		total += rep->counts[s];
	buf_printf(b,
		   "%s%zu file%s, %zu module%s: %zu finding%s%s (%s%zu critical%s, %s%zu high%s, "
		   "%zu medium, %zu low, %zu info), %zu waived",
		   t.c->bold, usable, usable == 1 ? "" : "s", rep->modules,
		   rep->modules == 1 ? "" : "s", total, total == 1 ? "" : "s", t.c->reset,
		   sev_color(&t, SEVERITY_CRITICAL), rep->counts[SEVERITY_CRITICAL], t.c->reset,
		   sev_color(&t, SEVERITY_HIGH), rep->counts[SEVERITY_HIGH], t.c->reset,
		   rep->counts[SEVERITY_MEDIUM], rep->counts[SEVERITY_LOW],
		   rep->counts[SEVERITY_INFO], rep->waived);
	if (rep->expired)
		buf_printf(b, ", %zu with an expired waiver", rep->expired);
	if (rep->hidden)
		buf_printf(b, ", %zu hidden by --severity", rep->hidden);
	buf_printf(b, "; %zu at or above %s\n", rep->failing, severity_to_string(rep->fail_on));
	if (usable < rep->n_files)
		buf_printf(b, "%zu file%s could not be scanned (see the errors above)\n",
			   rep->n_files - usable, rep->n_files - usable == 1 ? "" : "s");
}

/* ---- JSON ---- */

static void json_waiver(struct jw *w, const struct scan_item *it)
{
	if (it->ws == WAIVER_STATE_NONE)
		return;
	jw_key(w, "waiver");
	jw_obj_begin(w);
	jw_key(w, "active");
	jw_bool(w, it->ws == WAIVER_STATE_ACTIVE);
	jw_key(w, "reason");
	jw_cstr(w, it->w->reason);
	jw_key(w, "expires");
	jw_cstr(w, it->w->expires[0] ? it->w->expires : NULL);
	jw_key(w, "source");
	jw_cstr(w, it->w->source ? it->w->source : "");
	jw_obj_end(w);
}

static void json_position(struct jw *w, const struct scan_report *rep, const struct scan_item *it)
{
	jw_key(w, "file");
	jw_cstr(w, file_name(rep, it->file));
	jw_key(w, "line");
	if (it->line)
		jw_uint(w, it->line);
	else
		jw_null(w);
	jw_key(w, "column");
	if (it->line)
		jw_uint(w, it->col);
	else
		jw_null(w);
}

static void json_finding(struct jw *w, const struct scan_report *rep, const struct scan_item *it)
{
	const struct finding *f = it->f;

	jw_obj_begin(w);
	jw_key(w, "ruleId");
	jw_cstr(w, f->rule->id);
	jw_key(w, "severity");
	jw_cstr(w, severity_to_title(f->rule->severity));
	jw_key(w, "module");
	jw_cstr(w, f->module);
	json_position(w, rep, it);
	jw_key(w, "path");
	jw_cstr(w, f->path);
	if (f->embedded_path) {
		jw_key(w, "createOptionsPath");
		jw_cstr(w, f->embedded_path);
	}
	jw_key(w, "title");
	jw_cstr(w, f->rule->title);
	jw_key(w, "message");
	jw_cstr(w, f->message);
	jw_key(w, "remediation");
	jw_cstr(w, f->rule->remediation);
	json_waiver(w, it);
	jw_obj_end(w);
}

static void json_drift(struct jw *w, const struct scan_report *rep, const struct scan_item *it)
{
	const struct drift *d = it->d;

	jw_obj_begin(w);
	jw_key(w, "kind");
	jw_cstr(w, drift_kind_to_string(d->kind));
	jw_key(w, "severity");
	jw_cstr(w, severity_to_title(d->severity));
	jw_key(w, "module");
	jw_cstr(w, d->module);
	json_position(w, rep, it);
	jw_key(w, "containerId");
	jw_cstr(w, d->container_id);
	jw_key(w, "image");
	jw_cstr(w, d->image);
	jw_key(w, "setting");
	jw_cstr(w, d->setting);
	jw_key(w, "path");
	jw_cstr(w, d->path);
	jw_key(w, "manifestPath");
	jw_cstr(w, d->manifest_path);
	jw_key(w, "message");
	jw_cstr(w, d->message);
	jw_obj_end(w);
}

static void json_files(struct jw *w, const struct scan_report *rep)
{
	jw_key(w, "files");
	jw_arr_begin(w);
	for (size_t i = 0; i < rep->n_files; i++) {
		const struct scan_file *f = &rep->files[i];

		jw_obj_begin(w);
		jw_key(w, "path");
		jw_cstr(w, file_name(rep, i));
		jw_key(w, "scanned");
		jw_bool(w, !f->unusable);
		if (!f->unusable) {
			jw_key(w, "kind");
			jw_cstr(w, strcmp(f->m->envelope, "docker-inspect") == 0 ? "docker-inspect"
										 : "manifest");
			jw_key(w, "modules");
			jw_uint(w, f->m->n_modules);
			if (f->l.dropped) {
				jw_key(w, "droppedFindings");
				jw_uint(w, f->l.dropped);
			}
			if (f->m->dropped_modules) {
				jw_key(w, "droppedModules");
				jw_uint(w, f->m->dropped_modules);
			}
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_summary(struct jw *w, const struct scan_report *rep)
{
	size_t total = 0;

	jw_key(w, "summary");
	jw_obj_begin(w);
	for (int s = _SEVERITY_MAX - 1; s >= 0; s--) {
		jw_key(w, severity_to_string((enum severity)s));
		jw_uint(w, rep->counts[s]);
		total += rep->counts[s];
	}
	jw_key(w, "total");
	jw_uint(w, total);
	jw_key(w, "modules");
	jw_uint(w, rep->modules);
	jw_key(w, "waived");
	jw_uint(w, rep->waived);
	jw_key(w, "expiredWaivers");
	jw_uint(w, rep->expired);
	jw_key(w, "hidden");
	jw_uint(w, rep->hidden);
	jw_key(w, "failOn");
	jw_cstr(w, severity_to_string(rep->fail_on));
	jw_key(w, "failing");
	jw_uint(w, rep->failing);
	jw_obj_end(w);
}

void scan_report_json(struct buf *b, const struct scan_report *rep)
{
	struct jw w;

	jw_init(&w, b);
	jw_obj_begin(&w);
	jw_key(&w, "version");
	jw_int(&w, 1);
	json_files(&w, rep);
	for (int waived = 0; waived < 2; waived++) {
		jw_key(&w, waived ? "waived" : "findings");
		jw_arr_begin(&w);
		for (size_t i = 0; i < rep->n_items; i++) {
			const struct scan_item *it = &rep->items[i];

			if (it->f && (it->ws == WAIVER_STATE_ACTIVE) == waived)
				json_finding(&w, rep, it);
		}
		jw_arr_end(&w);
	}
	if (rep->drift) {
		jw_key(&w, "drift");
		jw_arr_begin(&w);
		for (size_t i = 0; i < rep->n_items; i++)
			if (rep->items[i].d)
				json_drift(&w, rep, &rep->items[i]);
		jw_arr_end(&w);
	}
	json_summary(&w, rep);
	jw_obj_end(&w);
	buf_putc(b, '\n');
}

/* ---- SARIF ---- */

const char *sarif_level(enum severity s)
{
	return s >= SEVERITY_HIGH ? "error" : s == SEVERITY_MEDIUM ? "warning" : "note";
}

static const char *security_severity(enum severity s)
{
	static const char *const scores[_SEVERITY_MAX] = { "0.0", "3.0", "5.5", "8.0", "9.5" };

	return scores[s];
}

static void write_text_obj(struct jw *w, const char *key, const char *text)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_key(w, "text");
	jw_cstr(w, text);
	jw_obj_end(w);
}

void sarif_write_text(struct jw *w, const char *key, const char *text)
{
	write_text_obj(w, key, text);
}

static void sarif_rules(struct jw *w, bool drift)
{
	size_t n;
	const struct rule *rules = rules_table(&n);

	jw_key(w, "rules");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = &rules[i];

		jw_obj_begin(w);
		jw_key(w, "id");
		jw_cstr(w, r->id);
		jw_key(w, "name");
		jw_cstr(w, r->name);
		write_text_obj(w, "shortDescription", r->title);
		write_text_obj(w, "fullDescription", r->rationale);
		write_text_obj(w, "help", r->remediation);
		jw_key(w, "defaultConfiguration");
		jw_obj_begin(w);
		jw_key(w, "level");
		jw_cstr(w, sarif_level(r->severity));
		jw_obj_end(w);
		jw_key(w, "properties");
		jw_obj_begin(w);
		jw_key(w, "severity");
		jw_cstr(w, severity_to_title(r->severity));
		jw_key(w, "security-severity");
		jw_cstr(w, security_severity(r->severity));
		if (r->asc_type) {
			jw_key(w, "ascRecommendationType");
			jw_cstr(w, r->asc_type);
		}
		jw_key(w, "tags");
		jw_arr_begin(w);
		jw_cstr(w, "security");
		jw_cstr(w, "iot-edge");
		jw_arr_end(w);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	if (drift)
		sarif_drift_rules(w); /* ruleIndex n + kind */
	jw_arr_end(w);
}

/* Percent-encodes a file path into a URI reference (RFC 3986 unreserved and '/' kept). */
static void uri_encode(struct buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			buf_putc(b, (char)*p);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
	}
}

/* Relative paths stay relative (what code-scanning upload expects); absolute ones become
 * file:// URIs without "." or ".." segments, as SARIF requires. */
static void file_uri(struct buf *uri, const char *path)
{
	char *canonical = NULL;

	buf_reset(uri);
	if (path[0] == '/') {
		canonical = realpath(path, NULL);
		buf_puts(uri, "file://");
	}
	uri_encode(uri, strcmp(path, "-") == 0 ? "stdin" : canonical ? canonical : path);
	free(canonical); /* realpath() allocates with malloc */
	buf_putc(uri, '\0');
}

static void sarif_suppression(struct jw *w, const struct scan_item *it)
{
	if (it->ws != WAIVER_STATE_ACTIVE)
		return;
	jw_key(w, "suppressions");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "kind");
	jw_cstr(w, it->w->source && strncmp(it->w->source, "label ", 6) == 0 ? "inSource"
									     : "external");
	jw_key(w, "status");
	jw_cstr(w, "accepted");
	jw_key(w, "justification");
	jw_cstr(w, it->w->reason);
	jw_obj_end(w);
	jw_arr_end(w);
}

static void sarif_result(struct jw *w, const struct scan_item *it, const char *uri)
{
	const struct finding *f = it->f;
	size_t n;

	jw_obj_begin(w);
	jw_key(w, "ruleId");
	jw_cstr(w, f->rule->id);
	jw_key(w, "ruleIndex");
	jw_uint(w, (size_t)(f->rule - rules_table(&n)));
	jw_key(w, "level");
	jw_cstr(w, sarif_level(f->rule->severity));
	write_text_obj(w, "message", f->message);
	sarif_location(w, uri, it->line, it->col, it->f->path);
	sarif_suppression(w, it);
	jw_key(w, "properties");
	jw_obj_begin(w);
	jw_key(w, "module");
	jw_cstr(w, f->module);
	jw_key(w, "jsonPointer");
	jw_cstr(w, f->path);
	if (f->embedded_path) {
		jw_key(w, "createOptionsPath");
		jw_cstr(w, f->embedded_path);
	}
	jw_key(w, "severity");
	jw_cstr(w, severity_to_title(f->rule->severity));
	jw_obj_end(w);
	jw_obj_end(w);
}

/* {"location": {"uri": ...}} of one file argument (uri is the scratch buffer). */
static void sarif_artifact(struct jw *w, struct buf *uri, const char *path)
{
	file_uri(uri, path);
	jw_obj_begin(w);
	jw_key(w, "location");
	jw_obj_begin(w);
	jw_key(w, "uri");
	jw_cstr(w, uri->data ? uri->data : "stdin");
	jw_obj_end(w);
	jw_obj_end(w);
}

static void sarif_artifacts(struct jw *w, const struct scan_report *rep, struct buf *uri)
{
	jw_key(w, "artifacts");
	jw_arr_begin(w);
	for (size_t i = 0; i < rep->n_files; i++)
		sarif_artifact(w, uri, rep->files[i].path);
	if (rep->against)
		sarif_artifact(w, uri, rep->against);
	jw_arr_end(w);
}

void scan_report_sarif(struct buf *b, const struct scan_report *rep)
{
	struct buf uri, muri;
	struct jw w;

	jw_init(&w, b);
	buf_init(&uri, 16384);
	buf_init(&muri, 16384);
	if (rep->against)
		file_uri(&muri, rep->against);
	jw_obj_begin(&w);
	jw_key(&w, "$schema");
	jw_cstr(&w, SARIF_SCHEMA);
	jw_key(&w, "version");
	jw_cstr(&w, "2.1.0");
	jw_key(&w, "runs");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_key(&w, "tool");
	jw_obj_begin(&w);
	jw_key(&w, "driver");
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_cstr(&w, "edgesec");
	jw_key(&w, "version");
	jw_cstr(&w, EDGESEC_VERSION);
	/* A real place: the man page, or the page the build names (EDGESEC_HOMEPAGE_URL). */
	if (EDGESEC_HOMEPAGE_URL[0]) {
		jw_key(&w, "informationUri");
		jw_cstr(&w, EDGESEC_HOMEPAGE_URL);
	}
	sarif_rules(&w, rep->drift);
	jw_obj_end(&w);
	jw_obj_end(&w);
	sarif_artifacts(&w, rep, &uri);
	jw_key(&w, "results");
	jw_arr_begin(&w);
	for (size_t i = 0; i < rep->n_items; i++) {
		file_uri(&uri, rep->files[rep->items[i].file].path);
		if (rep->items[i].f)
			sarif_result(&w, &rep->items[i], uri.data ? uri.data : "stdin");
		else if (rep->items[i].d)
			sarif_drift_result(&w, rep, &rep->items[i], uri.data ? uri.data : "stdin",
					   muri.data ? muri.data : "stdin");
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	buf_putc(b, '\n');
	if (uri.failed || muri.failed)
		b->failed = true;
	buf_done(&uri);
	buf_done(&muri);
}
