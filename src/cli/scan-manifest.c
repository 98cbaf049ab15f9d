/* SPDX-License-Identifier: MIT */
/*
 * The scan-manifest command: read one or more manifests (each capped at MANIFEST_MAX_SIZE;
 * "-" = stdin), parse them (analyze/manifest.h) or docker inspect output, run the rules, apply
 * the waivers, and report as text (for people), JSON or SARIF 2.1.0 (scan-manifest-report.c).
 *
 * Waivers (common/waivers.h): --waivers FILE for every input; per manifest, the sidecar file
 * "<manifest without .json>.waivers.json" beside it and the modules' acceptance labels
 * ("io.edgesec.accept.<RULE>", module-settings.h) — both ignored with --no-inline-waivers.  A
 * waived finding is reported apart with its reason and source and does not count for the exit
 * status; an expired waiver hides nothing.  --severity LIST shows only those levels; hidden
 * findings do not count for the exit status either (as in Trivy).
 *
 * Output is built in one bounded buffer (OUTPUT_MAX) and written at once; JSON through the
 * JSON writer, so it is always valid JSON whatever the input holds.  Errors go to stderr as one
 * line "edgesec: error: FILE: ... (at POINTER, line L, column C)"; an unusable file does not
 * stop the others, and makes the exit status 2.  Neither path ever prints an env value or a
 * password: findings only carry names (rules.h).
 */
#include "scan-manifest.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "analyze/inspect.h"
#include "analyze/json-locate.h"
#include "common/alloc.h"
#include "common/fileio.h"
#include "common/json_read.h"
#include "scan-manifest-int.h"

#define OUTPUT_MAX (256u * 1024 * 1024)

struct scan_args {
	const char **paths;
	size_t n_paths;
	enum cli_format format;
	enum cli_color color;
	enum severity fail_on;
	unsigned severity_mask;
	const char *waivers;
	bool no_inline;
	bool docker_inspect; /* the input is `docker inspect` output, not a manifest */
	const char *against; /* with docker_inspect: the manifest to compare with (drift) */
};

enum {
	OPT_FAIL_ON = 0x100,
	OPT_DOCKER_INSPECT,
	OPT_AGAINST,
	OPT_SEVERITY,
	OPT_WAIVERS,
	OPT_NO_INLINE,
	OPT_COLOR,
};

static const struct option scan_options[] = {
	{ "against", required_argument, NULL, OPT_AGAINST },
	{ "docker-inspect", no_argument, NULL, OPT_DOCKER_INSPECT },
	{ "format", required_argument, NULL, 'f' },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	{ "waivers", required_argument, NULL, OPT_WAIVERS },
	{ "no-inline-waivers", no_argument, NULL, OPT_NO_INLINE },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: edgesec scan-manifest FILE... [-f text|json|sarif] [--fail-on SEVERITY]\n"
		"                             [--severity LIST] [--waivers FILE] "
		"[--no-inline-waivers]\n"
		"                             [--docker-inspect [--against MANIFEST]]\n"
		"\n"
		"Analyzes IoT Edge deployment manifests or templates offline and reports risky\n"
		"module settings (see docs/rules.md): by module, most severe first, with the "
		"file,\n"
		"line and column, the rule and the fix.  FILE may be - (stdin).\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT     text (default), json or sarif (SARIF 2.1.0)\n"
		"      --fail-on SEV    critical, high (default), medium, low or info: exit 1 when "
		"a\n"
		"                       finding shown and not waived has at least this severity\n"
		"      --severity LIST  show only these levels (comma-separated, e.g. "
		"critical,high)\n"
		"      --waivers FILE   accepted findings: rule id, optional module, reason, "
		"optional\n"
		"                       expiry (docs/waivers.md)\n"
		"      --no-inline-waivers  ignore the manifests' acceptance labels\n"
		"                       (io.edgesec.accept.RULE) and sidecar files "
		"(NAME.waivers.json)\n"
		"      --color WHEN     auto (default: on a terminal, unless NO_COLOR is set), "
		"always\n"
		"                       or never\n"
		"      --docker-inspect FILE is `docker inspect` output (one object or an array):\n"
		"                       the same rules on the containers' effective settings\n"
		"      --against MANIFEST  with --docker-inspect: also report the IoT Edge "
		"modules\n"
		"                       that run with more than MANIFEST grants, or are not in it\n"
		"                       (drift; text or json output)\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit status: 0 no finding at or above the threshold, 1 findings, 2 unusable "
		"input.\n");
}

/* "critical,high" → a bit per severity; -1 on an unknown name (reported). */
static int parse_severity_list(const char *s, unsigned *ret_mask)
{
	char word[32];
	unsigned mask = 0;

	while (*s) {
		size_t n = strcspn(s, ",");
		enum severity sev;

		snprintf(word, sizeof(word), "%.*s",
			 (int)(n < sizeof(word) - 1 ? n : sizeof(word) - 1), s);
		sev = severity_from_string(word);
		if (sev < 0) {
			cli_error("--severity takes critical, high, medium, low and info separated "
				  "by commas, not '%s'",
				  word);
			return -1;
		}
		mask |= 1u << sev;
		s += n + (s[n] == ',');
	}
	if (!mask) {
		cli_error("--severity needs at least one level");
		return -1;
	}
	*ret_mask = mask;
	return 0;
}

static int parse_option(int c, struct scan_args *a)
{
	switch (c) {
	case 'f':
		return cli_format_parse(optarg,
					CLI_FORMAT_BIT(CLI_FORMAT_TEXT) |
						CLI_FORMAT_BIT(CLI_FORMAT_JSON) |
						CLI_FORMAT_BIT(CLI_FORMAT_SARIF),
					&a->format);
	case OPT_AGAINST:
		a->against = optarg;
		return 0;
	case OPT_DOCKER_INSPECT:
		a->docker_inspect = true;
		return 0;
	case OPT_FAIL_ON:
		a->fail_on = severity_from_string(optarg);
		if (a->fail_on >= 0)
			return 0;
		cli_error("--fail-on must be critical, high, medium, low or info, not '%s'",
			  optarg);
		return -1;
	case OPT_SEVERITY:
		return parse_severity_list(optarg, &a->severity_mask);
	case OPT_WAIVERS:
		a->waivers = optarg;
		return 0;
	case OPT_NO_INLINE:
		a->no_inline = true;
		return 0;
	case OPT_COLOR:
		return cli_color_parse(optarg, &a->color);
	default:
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct scan_args *a)
{
	static const char shortopts[] = ":f:h";
	int c;

	memset(a, 0, sizeof(*a));
	a->fail_on = SEVERITY_HIGH;
	a->severity_mask = (1u << _SEVERITY_MAX) - 1;
	optind = 0; /* full re-initialisation: the command may run more than once per process */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, scan_options, NULL)) >= 0) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == '?' || c == ':')
			return cli_bad_option("scan-manifest", c, argv, scan_options, shortopts);
		if (parse_option(c, a) < 0)
			return -EINVAL;
	}
	if (a->against && !a->docker_inspect) {
		cli_error("--against needs --docker-inspect");
		return -EINVAL;
	}
	if (argc - optind < 1 || argc - optind > SCAN_FILES_MAX) {
		cli_error("scan-manifest needs 1 to %u FILEs (- for stdin)", SCAN_FILES_MAX);
		return -EINVAL;
	}
	a->paths = (const char **)&argv[optind];
	a->n_paths = (size_t)(argc - optind);
	return 1;
}

/* ---- errors ---- */

static void print_error(const char *path, const char *data, size_t len,
			const struct json_error *err)
{
	unsigned line = 0, col = 0;
	char where[JSON_POINTER_MAX + 64] = "";

	if (err->pointer[0]) {
		/* Syntax errors carry their position in the message; value errors get it here. */
		if (data && json_locate(data, len, err->pointer, &line, &col) == 0)
			snprintf(where, sizeof(where), " (at %s, line %u, column %u)", err->pointer,
				 line, col);
		else
			snprintf(where, sizeof(where), " (at %s)", err->pointer);
	}
	cli_error("%s: %s%s", path, err->message, where);
}

/* ---- docker inspect ---- */

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
			struct scan_file *f)
{
	struct drift_list *drift = &f->drift;
	struct manifest *m = NULL;
	struct json_error err;
	char *data = NULL;
	size_t len = 0;
	int r = read_file_capped(path, MANIFEST_MAX_SIZE, &data, &len);

	if (r < 0) {
		cli_error("%s: cannot read: %s", path, fileio_strerror(r));
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
	/* The text stays with the file: SARIF places drift in the manifest too. */
	es_free(f->against_data);
	f->against_data = data;
	f->against_len = len;
	return r;
}

/* The acceptance labels of a module → waivers (with the module's name). */
static int labels_to_waivers(const struct module_settings *ms, struct waivers *w)
{
	for (size_t i = 0; i < ms->n_accept; i++) {
		const struct ms_label *l = &ms->accept[i];
		const char *expires = NULL;
		char source[320], key[80];
		int r;

		if (strchr(l->key, '.'))
			continue; /* "RULE.expires" (and unknown suffixes) go with their rule */
		snprintf(key, sizeof(key), "%s.expires", l->key);
		for (size_t k = 0; k < ms->n_accept; k++)
			if (strcmp(ms->accept[k].key, key) == 0)
				expires = ms->accept[k].value;
		snprintf(source, sizeof(source), "label %s%s of module %s", MS_ACCEPT_LABEL_PREFIX,
			 l->key, ms->name);
		r = waivers_add(w, l->key, ms->name, l->value, expires, source);
		if (r == -EINVAL)
			cli_warning("%s: %s: not used (the reason is empty, or %s.expires is not a "
				    "date YYYY-MM-DD)",
				    ms->name, source, l->key);
		else if (r < 0)
			return r;
	}
	return 0;
}

/*
 * docker inspect output → findings: every object of the array (or the one object) is a
 * container; anything else is unusable input.  The containers' count goes into the stub so
 * the report counts them as modules; their acceptance labels go into labels.
 */
static int analyze_inspect(const struct scan_args *a, struct scan_file *f, struct waivers *labels,
			   struct json_error *err)
{
	struct rules_context ctx = { 0 };
	struct inspect_document d;
	int r;

	/* Element by element (one container's tree at a time), at most INSPECT_MAX_CONTAINERS. */
	r = inspect_document_parse(f->data, f->len, &d, err);
	for (size_t i = 0; i < d.n && r >= 0; i++)
		rules_context_add_module(&ctx, d.cs[i]->ms);
	for (size_t i = 0; i < d.n && r >= 0; i++) {
		size_t start = f->l.n;

		r = rules_check_module(d.cs[i]->ms, &ctx, &f->l);
		if (r >= 0 && d.array)
			r = prefix_paths(&f->l, start, i);
		if (r >= 0 && labels)
			r = labels_to_waivers(d.cs[i]->ms, labels);
	}
	if (r >= 0 && a->against)
		r = compare_with(a->against, d.cs, d.n, d.array, f);
	f->stub.envelope = "docker-inspect";
	f->stub.n_modules = d.n;
	f->stub.dropped_modules = d.dropped;
	inspect_document_done(&d);
	if (r == -ENOMEM && !err->message[0])
		json_error_set(err, "", "out of memory");
	return r;
}

/* ---- one file ---- */

static int read_input(struct scan_file *f)
{
	/* Regular files are measured before they are read; stdin is cut at the cap. */
	int r = read_file_capped(f->path, MANIFEST_MAX_SIZE, &f->data, &f->len);

	if (r == -EFBIG || (r == -ENOMEM && strcmp(f->path, "-") == 0))
		cli_error("%s: larger than %u bytes (or out of memory)", f->path,
			  MANIFEST_MAX_SIZE);
	else if (r < 0)
		cli_error("%s: cannot read: %s", f->path, fileio_strerror(r));
	return r;
}

/* "deploy/x.template.json" → "deploy/x.template.waivers.json"; NULL for stdin. */
static char *sidecar_path(const char *path)
{
	size_t n = strlen(path), size;
	char *p;

	if (strcmp(path, "-") == 0)
		return NULL;
	if (n > 5 && strcmp(path + n - 5, ".json") == 0)
		n -= 5;
	size = n + sizeof(".waivers.json");
	if (!(p = es_malloc(size)))
		return NULL;
	snprintf(p, size, "%.*s.waivers.json", (int)n, path);
	return p;
}

/* The waivers this file brings: its sidecar file (if any) and its modules' labels. */
static int inline_waivers(struct scan_file *f)
{
	_cleanup_free_ char *side = sidecar_path(f->path);
	struct waivers *sw = NULL;
	struct stat st;
	char err[768];
	int r;

	for (size_t i = 0; f->m != &f->stub && i < f->m->n_modules; i++)
		if ((r = labels_to_waivers(f->m->modules[i].ms, f->waivers)) < 0)
			return r;
	if (!side || stat(side, &st) < 0)
		return 0;
	if (waivers_load(side, WAIVERS_ALLOW_MODULE, &sw, err, sizeof(err)) < 0) {
		cli_error("%s", err);
		return -EIO;
	}
	return waivers_merge(f->waivers, sw);
}

/* Reads, parses and analyzes one input; 0, or -1 when it is unusable (reported). */
static int scan_one(const struct scan_args *a, struct scan_file *f)
{
	struct json_error err;
	int r;

	if (!(f->waivers = waivers_new())) {
		cli_error("out of memory");
		return -1;
	}
	if (read_input(f) < 0)
		return -1;
	if (a->docker_inspect) {
		f->m = &f->stub;
		r = analyze_inspect(a, f, a->no_inline ? NULL : f->waivers, &err);
		if (r < 0 && r != -EIO)
			print_error(f->path, f->data, f->len, &err);
		return r < 0 ? -1 : 0;
	}
	r = manifest_parse(f->data, f->len, &f->m, &err);
	if (r < 0) {
		print_error(f->path, f->data, f->len, &err);
		return -1;
	}
	r = manifest_analyze(f->m, &f->l);
	if (r < 0) {
		cli_error("%s: failed to analyze the manifest: %s", f->path, strerror(-r));
		return -1;
	}
	if (!a->no_inline && (r = inline_waivers(f)) < 0) {
		if (r != -EIO)
			cli_error("%s: cannot apply its waivers: %s", f->path, strerror(-r));
		return -1;
	}
	return 0;
}

/* ---- the report ---- */

static int add_item(struct scan_report *rep, const struct scan_item *it)
{
	if (!((rep->severity_mask >> it->severity) & 1)) {
		rep->hidden++;
		return 0;
	}
	if (rep->n_items == rep->cap_items) {
		size_t cap = rep->cap_items ? rep->cap_items * 2 : 64;
		struct scan_item *items = es_realloc(rep->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		rep->items = items;
		rep->cap_items = cap;
	}
	rep->items[rep->n_items++] = *it;
	if (it->ws == WAIVER_STATE_ACTIVE) {
		rep->waived++;
		return 0;
	}
	rep->expired += it->ws == WAIVER_STATE_EXPIRED;
	rep->counts[it->severity]++;
	rep->failing += it->severity >= rep->fail_on;
	return 0;
}

/* The file's own waivers (sidecar, labels), then the --waivers file: active wins. */
static void match(struct waivers *own, struct waivers *global, struct scan_item *it, int64_t now)
{
	const struct waiver *w = NULL;
	enum waiver_state ws = waivers_match(own, it->f->rule->id, it->module, now, &w);

	if (ws != WAIVER_STATE_ACTIVE) {
		const struct waiver *g = NULL;
		enum waiver_state gs = waivers_match(global, it->f->rule->id, it->module, now, &g);

		if (gs == WAIVER_STATE_ACTIVE || ws == WAIVER_STATE_NONE) {
			ws = gs;
			w = g;
		}
	}
	it->ws = ws;
	it->w = w;
}

/* Every finding and drift item of every usable file, located and matched against waivers. */
static int collect(struct scan_report *rep, struct waivers *w)
{
	int64_t now = (int64_t)time(NULL);
	struct json_locator *loc = es_malloc(sizeof(*loc));
	int r = 0;

	if (!loc)
		return -ENOMEM;
	for (size_t i = 0; i < rep->n_files && r == 0; i++) {
		struct scan_file *f = &rep->files[i];

		if (f->unusable)
			continue;
		rep->modules += f->m->n_modules;
		json_locator_init(loc, f->data, f->len);
		for (size_t k = 0; k < f->l.n && r == 0; k++) {
			struct scan_item it = { .f = &f->l.items[k], .file = i };

			it.module = it.f->module;
			it.severity = it.f->rule->severity;
			(void)json_locator_find(loc, it.f->path, &it.line, &it.col);
			match(f->waivers, w, &it, now);
			r = add_item(rep, &it);
		}
		for (size_t k = 0; k < f->drift.n && r == 0; k++) {
			struct scan_item it = { .d = &f->drift.items[k], .file = i };

			it.module = it.d->module;
			it.severity = it.d->severity;
			(void)json_locator_find(loc, it.d->path, &it.line, &it.col);
			r = add_item(rep, &it);
		}
	}
	es_free(loc);
	return r;
}

/* Names the waivers that matched nothing (a typo, a fixed problem, a removed module). */
static void report_unused(const struct waivers *w)
{
	for (size_t i = 0; i < waivers_count(w); i++) {
		const struct waiver *v = waivers_get(w, i);

		if (v->uses)
			continue;
		if (!rule_find(v->id))
			cli_warning(
				"%s: the waiver for %s names no rule (docs/rules.md lists them)",
				v->source ? v->source : "waivers", v->id);
		else
			cli_warning("%s: the waiver for %s%s%s matches no finding",
				    v->source ? v->source : "waivers", v->id,
				    v->module ? " in module " : "", v->module ? v->module : "");
	}
}

static int render(const struct scan_args *a, struct scan_report *rep)
{
	struct buf out;
	int r = 0;

	rep->color = a->format == CLI_FORMAT_TEXT && cli_color_enabled(a->color, stdout);
	rep->width = a->format == CLI_FORMAT_TEXT ? cli_term_width(stdout) : 0;
	buf_init(&out, OUTPUT_MAX);
	if (a->format == CLI_FORMAT_TEXT)
		scan_report_text(&out, rep);
	else if (a->format == CLI_FORMAT_JSON)
		scan_report_json(&out, rep);
	else
		scan_report_sarif(&out, rep);
	if (out.failed) {
		cli_error("the report is larger than %u bytes", OUTPUT_MAX);
		r = -E2BIG;
	} else {
		fwrite(out.data, 1, out.len, stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			cli_error("cannot write the report: %s", strerror(errno));
			r = -EIO;
		}
	}
	buf_done(&out);
	return r;
}

static int run_scan(const struct scan_args *a, struct scan_report *rep)
{
	struct waivers *w = waivers_new(), *fw = NULL;
	char err[768];
	bool unusable = false;
	size_t usable = 0;
	int r = 0;

	if (!w)
		return -ENOMEM;
	if (a->waivers) {
		if (waivers_load(a->waivers, WAIVERS_ALLOW_MODULE, &fw, err, sizeof(err)) < 0) {
			cli_error("%s", err);
			waivers_free(w);
			return -EINVAL;
		}
		r = waivers_merge(w, fw);
	}
	for (size_t i = 0; i < rep->n_files && r >= 0; i++) {
		rep->files[i].path = a->paths[i];
		if (scan_one(a, &rep->files[i]) < 0)
			rep->files[i].unusable = unusable = true;
		else
			usable++;
	}
	if (r >= 0)
		r = collect(rep, w);
	if (r >= 0 && usable) /* nothing but errors: no report */
		r = render(a, rep);
	for (size_t i = 0; r >= 0 && i < rep->n_files; i++)
		report_unused(rep->files[i].waivers);
	if (r >= 0)
		report_unused(w);
	waivers_free(w);
	return r < 0 ? r : unusable ? -EINVAL : 0;
}

int cli_scan_manifest(int argc, char **argv)
{
	struct scan_report rep = { 0 };
	struct scan_args a;
	int r;

	r = parse_args(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	json_read_init();
	rep.fail_on = a.fail_on;
	rep.severity_mask = a.severity_mask;
	rep.drift = a.against != NULL;
	rep.against = a.against;
	rep.n_files = a.n_paths;
	rep.files = es_calloc(a.n_paths, sizeof(*rep.files));
	if (!rep.files) {
		cli_error("out of memory");
		return 2;
	}
	r = run_scan(&a, &rep);
	for (size_t i = 0; i < rep.n_files; i++) {
		struct scan_file *f = &rep.files[i];

		finding_list_done(&f->l);
		drift_list_done(&f->drift);
		if (f->m != &f->stub)
			manifest_free(f->m);
		waivers_free(f->waivers);
		es_free(f->data);
		es_free(f->against_data);
	}
	es_free(rep.files);
	es_free(rep.items);
	if (r < 0)
		return 2;
	return rep.failing ? 1 : 0;
}
