/* SPDX-License-Identifier: MIT */
/*
 * The scan-manifest command: read a manifest (capped at MANIFEST_MAX_SIZE; "-" = stdin), parse
 * it (analyze/manifest.h), run the rules, and print the findings as text, JSON or SARIF 2.1.0.
 *
 * Output is built in one bounded buffer (OUTPUT_MAX) with the JSON writer, so it is always
 * valid JSON whatever the input holds, and written at once.  Errors go to stderr as one line
 * "edgesec: FILE: error: ... (at POINTER, line L, column C)".  Neither path ever prints an env
 * value or a password: findings only carry names (rules.h).
 */
#include "scan-manifest.h"
#include "scan-manifest-int.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/drift.h"
#include "analyze/inspect.h"
#include "analyze/json-locate.h"
#include "analyze/manifest.h"
#include "analyze/rules.h"
#include "cli/commands.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/json_write.h"
#include "common/textesc.h"
#include "version.h"

#define OUTPUT_MAX (256u * 1024 * 1024)
#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

enum format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_SARIF,
};

struct scan_args {
	const char *path;
	enum format format;
	enum severity fail_on;
	bool docker_inspect; /* the input is `docker inspect` output, not a manifest */
	const char *against; /* with docker_inspect: the manifest to compare with (drift) */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: edgesec scan-manifest FILE|- [--format text|json|sarif] [--fail-on "
		"SEVERITY]\n"
		"                             [--docker-inspect [--against MANIFEST]]\n"
		"\n"
		"Analyzes an IoT Edge deployment manifest or template offline and reports risky\n"
		"module settings (see docs/rules.md).\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT     text (default), json or sarif (SARIF 2.1.0)\n"
		"      --fail-on SEV    critical, high (default), medium, low or info: exit 1 when "
		"a\n"
		"                       finding has at least this severity\n"
		"      --docker-inspect FILE is `docker inspect` output (one object or an array):\n"
		"                       the same rules on the containers' effective settings\n"
		"      --against MANIFEST  with --docker-inspect: also report the IoT Edge "
		"modules\n"
		"                       that run with more than MANIFEST grants, or are not in it\n"
		"                       (drift; in every format)\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit status: 0 no finding at or above the threshold, 1 findings, 2 unusable "
		"input.\n");
}

static int parse_args(int argc, char **argv, struct scan_args *a)
{
	enum { OPT_FAIL_ON = 0x100, OPT_DOCKER_INSPECT, OPT_AGAINST };
	static const struct option options[] = {
		{ "against", required_argument, NULL, OPT_AGAINST },
		{ "docker-inspect", no_argument, NULL, OPT_DOCKER_INSPECT },
		{ "format", required_argument, NULL, 'f' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->fail_on = SEVERITY_HIGH;
	optind = 0; /* full re-initialisation: the command may run more than once per process */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				a->format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				a->format = FORMAT_JSON;
			else if (strcmp(optarg, "sarif") == 0)
				a->format = FORMAT_SARIF;
			else
				return fprintf(stderr, "edgesec: --format must be text, json or sarif, "
						       "not '%s'\n", optarg), -EINVAL;
			break;
		case OPT_AGAINST:
			a->against = optarg;
			break;
		case OPT_DOCKER_INSPECT:
			a->docker_inspect = true;
			break;
		case OPT_FAIL_ON:
			a->fail_on = severity_from_string(optarg);
			if (a->fail_on < 0)
				return fprintf(stderr, "edgesec: --fail-on must be critical, high, "
						       "medium, low or info, not '%s'\n", optarg), -EINVAL;
			break;
		default:
			fprintf(stderr, "edgesec: scan-manifest: unknown option or missing value '%s' "
					"(see edgesec scan-manifest --help)\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (a->against && !a->docker_inspect) {
		fprintf(stderr, "edgesec: --against needs --docker-inspect\n");
		return -EINVAL;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "edgesec: scan-manifest needs exactly one FILE (or - for stdin)\n");
		return -EINVAL;
	}
	a->path = argv[optind];
	return 1;
}

/* ---- errors ---- */

/* Appends s with control characters escaped (textesc.h), so one finding stays one line and
 * a module name cannot drive the terminal. */
static void put_text(struct buf *b, const char *s)
{
	text_escape_buf(b, s, strlen(s));
}

static void print_error(const char *path, const char *data, size_t len,
			const struct json_error *err)
{
	unsigned line = 0, col = 0;
	struct buf b;

	/* Keys quoted in the message and the pointer come from the input: escaped. */
	buf_init(&b, 4 * (JSON_ERROR_MAX + JSON_POINTER_MAX));
	put_text(&b, err->message);
	if (err->pointer[0]) {
		/* Syntax errors carry their position in the message; value errors get it here. */
		buf_puts(&b, " (at ");
		put_text(&b, err->pointer);
		if (data && json_locate(data, len, err->pointer, &line, &col) == 0)
			buf_printf(&b, ", line %u, column %u", line, col);
		buf_putc(&b, ')');
	}
	fprintf(stderr, "edgesec: %s: error: %s\n", path, b.data ? b.data : err->message);
	buf_done(&b);
}

/* ---- text ---- */

static void format_text(struct buf *b, const char *path, const struct finding_list *l,
			const size_t counts[_SEVERITY_MAX], enum severity fail_on,
			const struct manifest *m, const struct drift_list *drift)
{
	size_t total = 0, failing = 0;

	for (size_t i = 0; drift && i < drift->n; i++) {
		const struct drift *d = &drift->items[i];

		put_text(b, path);
		buf_printf(b, ": %s drift %s [", severity_to_title(d->severity),
			   drift_kind_to_string(d->kind));
		put_text(b, d->module);
		buf_puts(b, "] ");
		put_text(b, d->message);
		buf_puts(b, " (at ");
		put_text(b, d->path);
		buf_puts(b, ")\n");
	}
	if (drift)
		buf_printf(b, "%zu drift item%s against the manifest\n", drift->n,
			   drift->n == 1 ? "" : "s");

	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];

		put_text(b, path);
		buf_printf(b, ": %s %s [", severity_to_title(f->rule->severity), f->rule->id);
		put_text(b, f->module);
		buf_puts(b, "] ");
		put_text(b, f->message);
		buf_puts(b, " (at ");
		put_text(b, f->path);
		if (f->embedded_path) {
			buf_puts(b, " -> ");
			put_text(b, f->embedded_path);
		}
		buf_puts(b, ")\n");
	}
	for (int s = _SEVERITY_MAX - 1; s >= 0; s--) {
		total += counts[s];
		if (s >= (int)fail_on)
			failing += counts[s];
	}
	buf_printf(b, "%zu finding%s: %zu critical, %zu high, %zu medium, %zu low, %zu info; "
		      "%zu at or above %s\n",
		   total, total == 1 ? "" : "s", counts[SEVERITY_CRITICAL], counts[SEVERITY_HIGH],
		   counts[SEVERITY_MEDIUM], counts[SEVERITY_LOW], counts[SEVERITY_INFO], failing,
		   severity_to_string(fail_on));
	if (l->dropped)
		buf_printf(b, "%zu more findings were not recorded (limit %u)\n", l->dropped,
			   FINDINGS_MAX);
	if (m->dropped_modules)
		buf_printf(b, "%zu modules beyond the first %u were not analyzed\n",
			   m->dropped_modules, MANIFEST_MAX_MODULES);
}

/* ---- JSON ---- */

static void write_summary(struct jw *w, const struct finding_list *l,
			  const size_t counts[_SEVERITY_MAX], const struct manifest *m)
{
	jw_key(w, "summary");
	jw_obj_begin(w);
	for (int s = _SEVERITY_MAX - 1; s >= 0; s--) {
		jw_key(w, severity_to_string((enum severity)s));
		jw_uint(w, counts[s]);
	}
	jw_key(w, "total");
	jw_uint(w, l->n);
	jw_key(w, "modules");
	jw_uint(w, m->n_modules);
	if (l->dropped) {
		jw_key(w, "droppedFindings");
		jw_uint(w, l->dropped);
	}
	if (m->dropped_modules) {
		jw_key(w, "droppedModules");
		jw_uint(w, m->dropped_modules);
	}
	jw_obj_end(w);
}

static void write_drift(struct jw *w, const struct drift_list *drift)
{
	jw_key(w, "drift");
	jw_arr_begin(w);
	for (size_t i = 0; i < drift->n; i++) {
		const struct drift *d = &drift->items[i];

		jw_obj_begin(w);
		jw_key(w, "kind");
		jw_cstr(w, drift_kind_to_string(d->kind));
		jw_key(w, "severity");
		jw_cstr(w, severity_to_title(d->severity));
		jw_key(w, "module");
		jw_cstr(w, d->module);
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
	jw_arr_end(w);
	if (drift->dropped) {
		jw_key(w, "droppedDrift");
		jw_uint(w, drift->dropped);
	}
}

static void format_json(struct jw *w, const struct finding_list *l,
			const size_t counts[_SEVERITY_MAX], const struct manifest *m,
			const struct drift_list *drift)
{
	jw_obj_begin(w);
	jw_key(w, "findings");
	jw_arr_begin(w);
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];

		jw_obj_begin(w);
		jw_key(w, "ruleId");
		jw_cstr(w, f->rule->id);
		jw_key(w, "severity");
		jw_cstr(w, severity_to_title(f->rule->severity));
		jw_key(w, "module");
		jw_cstr(w, f->module);
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
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (drift)
		write_drift(w, drift);
	write_summary(w, l, counts, m);
	jw_obj_end(w);
}

/* ---- SARIF ---- */

const char *sarif_level(enum severity s)
{
	return s >= SEVERITY_HIGH ? "error" : s == SEVERITY_MEDIUM ? "warning" : "note";
}

const char *sarif_security_severity(enum severity s)
{
	static const char *const scores[_SEVERITY_MAX] = { "0.0", "3.0", "5.5", "8.0", "9.5" };

	return scores[s];
}

void sarif_write_text(struct jw *w, const char *key, const char *text)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_key(w, "text");
	jw_cstr(w, text);
	jw_obj_end(w);
}

static void sarif_rules(struct jw *w)
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
		sarif_write_text(w, "shortDescription", r->title);
		sarif_write_text(w, "fullDescription", r->rationale);
		sarif_write_text(w, "help", r->remediation);
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
		jw_cstr(w, sarif_security_severity(r->severity));
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
	sarif_drift_rules(w); /* after the rules: ruleIndex n + kind */
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

static size_t rule_index(const struct rule *r)
{
	size_t n;
	const struct rule *rules = rules_table(&n);

	return (size_t)(r - rules);
}

static void sarif_result(struct jw *w, const struct finding *f, const char *uri,
			 struct json_locator *loc)
{
	unsigned line = 0, col = 0;
	bool located = json_locator_find(loc, f->path, &line, &col) == 0;

	jw_obj_begin(w);
	jw_key(w, "ruleId");
	jw_cstr(w, f->rule->id);
	jw_key(w, "ruleIndex");
	jw_uint(w, rule_index(f->rule));
	jw_key(w, "level");
	jw_cstr(w, sarif_level(f->rule->severity));
	sarif_write_text(w, "message", f->message);
	jw_key(w, "locations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "physicalLocation");
	jw_obj_begin(w);
	jw_key(w, "artifactLocation");
	jw_obj_begin(w);
	jw_key(w, "uri");
	jw_cstr(w, uri);
	jw_obj_end(w);
	if (located) {
		jw_key(w, "region");
		jw_obj_begin(w);
		jw_key(w, "startLine");
		jw_uint(w, line);
		jw_key(w, "startColumn");
		jw_uint(w, col);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_key(w, "logicalLocations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "fullyQualifiedName");
	jw_cstr(w, f->path);
	jw_key(w, "kind");
	jw_cstr(w, "member");
	jw_obj_end(w);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_arr_end(w);
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

void sarif_uri(struct buf *uri, const char *path)
{
	char *canonical = NULL;

	/* Relative paths stay relative (what code-scanning upload expects); absolute ones
	 * become file:// URIs without "." or ".." segments, as SARIF requires. */
	if (path[0] == '/') {
		canonical = realpath(path, NULL);
		buf_puts(uri, "file://");
	}
	uri_encode(uri, strcmp(path, "-") == 0 ? "stdin" : canonical ? canonical : path);
	free(canonical); /* realpath() allocates with malloc */
}

static void format_sarif(struct jw *w, const char *path, const struct finding_list *l,
			 const char *data, size_t len, const struct sarif_against *against)
{
	struct json_locator *loc = es_malloc(sizeof(*loc));
	struct buf uri, muri;

	buf_init(&uri, 16384);
	buf_init(&muri, 16384);
	sarif_uri(&uri, path);
	if (against)
		sarif_uri(&muri, against->path);
	jw_obj_begin(w);
	jw_key(w, "$schema");
	jw_cstr(w, SARIF_SCHEMA);
	jw_key(w, "version");
	jw_cstr(w, "2.1.0");
	jw_key(w, "runs");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "tool");
	jw_obj_begin(w);
	jw_key(w, "driver");
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_cstr(w, "edgesec");
	jw_key(w, "version");
	jw_cstr(w, EDGESEC_VERSION);
	/* A real place: the man page, or the page the build names (EDGESEC_HOMEPAGE_URL). */
	if (EDGESEC_HOMEPAGE_URL[0]) {
		jw_key(w, "informationUri");
		jw_cstr(w, EDGESEC_HOMEPAGE_URL);
	}
	sarif_rules(w);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_key(w, "artifacts");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "location");
	jw_obj_begin(w);
	jw_key(w, "uri");
	jw_cstr(w, uri.data ? uri.data : "stdin");
	jw_obj_end(w);
	jw_obj_end(w);
	if (against)
		sarif_artifact(w, muri.data ? muri.data : "stdin");
	jw_arr_end(w);
	jw_key(w, "results");
	jw_arr_begin(w);
	if (loc)
		json_locator_init(loc, data, len);
	for (size_t i = 0; i < l->n && loc; i++)
		sarif_result(w, &l->items[i], uri.data ? uri.data : "stdin", loc);
	if (!loc)
		w->b->failed = true;
	es_free(loc);
	if (against)
		sarif_drift_results(w, against, uri.data ? uri.data : "stdin", data, len,
				    muri.data ? muri.data : "stdin");
	jw_arr_end(w);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_obj_end(w);
	buf_done(&uri);
	buf_done(&muri);
}

/* ---- command ---- */

static int fail_code(const size_t counts[_SEVERITY_MAX], enum severity fail_on)
{
	for (int s = fail_on; s < _SEVERITY_MAX; s++)
		if (counts[s])
			return 1;
	return 0;
}

/* "/HostConfig/..." → "/<index>/HostConfig/..." for the findings from l->items[start]. */
static int prefix_paths(struct finding_list *l, size_t start, size_t index)
{
	for (size_t k = start; k < l->n; k++) {
		size_t n = strlen(l->items[k].path) + 24;
		char *p = es_malloc(n);

		if (!p)
			return -ENOMEM;
		snprintf(p, n, "/%zu%s", index, l->items[k].path);
		es_free(l->items[k].path);
		l->items[k].path = p;
	}
	return 0;
}

/* Reads and parses the manifest at path and appends the drift of cs against it; errors are
 * printed here (they are about another file than the input). */
static int compare_with(const char *path, struct inspected_container **cs, size_t n, bool array,
			struct drift_list *drift, struct sarif_against *keep)
{
	struct manifest *m = NULL;
	struct json_error err;
	char *data = NULL;
	size_t len = 0;
	int r = read_file_capped(path, MANIFEST_MAX_SIZE, &data, &len);

	if (r < 0) {
		fprintf(stderr, "edgesec: %s: error: cannot read: %s\n", path, fileio_strerror(r));
		return -EIO;
	}
	r = manifest_parse(data, len, &m, &err);
	if (r < 0) {
		print_error(path, data, len, &err);
		es_free(data);
		return -EIO;
	}
	/* cs may hold NULL where a container could not be read (no memory): skip those. */
	for (size_t i = 0; i < n && r >= 0; i++) {
		size_t start = drift->n;

		if (!cs[i])
			continue;
		r = drift_compare(m, &cs[i], 1, drift);
		for (size_t k = start; r >= 0 && array && k < drift->n; k++) {
			struct drift *d = &drift->items[k];
			size_t size = strlen(d->path) + 24;
			char *p = es_malloc(size);

			if (!p) {
				r = -ENOMEM;
				break;
			}
			snprintf(p, size, "/%zu%s", i, d->path);
			es_free(d->path);
			d->path = p;
		}
	}
	manifest_free(m);
	keep->path = path; /* the text stays for SARIF's regions in the manifest */
	keep->data = data;
	keep->len = len;
	keep->drift = drift;
	return r;
}

/*
 * docker inspect output → findings: every object of the array (or the one object) is a
 * container; anything else is unusable input.  The containers' count goes into *stub so the
 * report's summary counts them as modules.
 */
static int analyze_inspect(const struct scan_args *a, const char *data, size_t len,
			   struct finding_list *l, struct manifest *stub, struct drift_list *drift,
			   struct sarif_against *against, struct json_error *err)
{
	struct rules_context ctx = { 0 };
	struct inspect_document d;
	int r;

	r = inspect_document_parse(data, len, &d, err);
	for (size_t i = 0; i < d.n && r >= 0; i++)
		rules_context_add_module(&ctx, d.cs[i]->ms);
	for (size_t i = 0; i < d.n && r >= 0; i++) {
		size_t start = l->n;

		r = rules_check_module(d.cs[i]->ms, &ctx, l);
		if (r >= 0 && d.array)
			r = prefix_paths(l, start, i);
	}
	if (r >= 0 && a->against)
		r = compare_with(a->against, d.cs, d.n, d.array, drift, against);
	stub->envelope = "docker-inspect";
	stub->n_modules = d.n;
	stub->dropped_modules = d.dropped;
	inspect_document_done(&d);
	if (r == -ENOMEM && !err->message[0])
		json_error_set(err, "", "out of memory");
	return r;
}

static int scan(const struct scan_args *a, const char *data, size_t len)
{
	struct finding_list l = { 0 };
	struct manifest *m = NULL, inspect_stub = { 0 };
	struct drift_list drift = { 0 };
	struct json_error err;
	size_t counts[_SEVERITY_MAX];
	struct sarif_against against = { 0 };
	struct buf out;
	struct jw w;
	int r;

	if (a->docker_inspect) {
		m = &inspect_stub;
		r = analyze_inspect(a, data, len, &l, m, &drift, &against, &err);
		if (r < 0) {
			if (r != -EIO)
				print_error(a->path, data, len, &err);
			finding_list_done(&l);
			drift_list_done(&drift);
			es_free(against.data);
			return 2;
		}
	}
	r = m ? 0 : manifest_parse(data, len, &m, &err);
	if (r < 0) {
		print_error(a->path, data, len, &err);
		return 2;
	}
	r = a->docker_inspect ? 0 : manifest_analyze(m, &l);
	if (r < 0) {
		fprintf(stderr, "edgesec: %s: error: failed to analyze the manifest: %s\n", a->path,
			strerror(-r));
		finding_list_done(&l);
		if (m != &inspect_stub)
			manifest_free(m);
		return 2;
	}
	finding_list_count(&l, counts);
	buf_init(&out, OUTPUT_MAX);
	jw_init(&w, &out);
	if (a->format == FORMAT_TEXT)
		format_text(&out, a->path, &l, counts, a->fail_on, m, a->against ? &drift : NULL);
	else if (a->format == FORMAT_JSON)
		format_json(&w, &l, counts, m, a->against ? &drift : NULL);
	else
		format_sarif(&w, a->path, &l, data, len, against.data ? &against : NULL);
	if (a->format != FORMAT_TEXT)
		buf_putc(&out, '\n');
	if (out.failed) {
		fprintf(stderr, "edgesec: %s: error: the report is larger than %u bytes\n", a->path,
			OUTPUT_MAX);
		r = 2;
	} else {
		r = fail_code(counts, a->fail_on);
		for (size_t i = 0; i < drift.n; i++)
			if (drift.items[i].severity >= a->fail_on)
				r = 1;
		/* A truncated report (SARIF for CI, say) must not pass for a clean one. */
		fwrite(out.data, 1, out.len, stdout); /* a short write leaves ferror() set */
		if (cli_stdout_check("scan-manifest") < 0)
			r = 2;
	}
	buf_done(&out);
	finding_list_done(&l);
	drift_list_done(&drift);
	es_free(against.data);
	if (m != &inspect_stub)
		manifest_free(m);
	return r;
}

int cli_scan_manifest(int argc, char **argv)
{
	struct scan_args a;
	char *data = NULL;
	size_t len = 0;
	int r;

	r = parse_args(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	/* Regular files are measured before they are read; stdin is cut at the cap. */
	r = read_file_capped(a.path, MANIFEST_MAX_SIZE, &data, &len);
	if (r == -EFBIG || (r == -ENOMEM && strcmp(a.path, "-") == 0)) {
		fprintf(stderr, "edgesec: %s: error: larger than %u bytes (or out of memory)\n",
			a.path, MANIFEST_MAX_SIZE);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "edgesec: %s: error: cannot read: %s\n", a.path,
			fileio_strerror(r));
		return 2;
	}
	r = scan(&a, data, len);
	es_free(data);
	return r;
}
