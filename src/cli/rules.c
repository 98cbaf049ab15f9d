/* SPDX-License-Identifier: MIT */
/*
 * Detection rules on the command line (docs/detection.md):
 *   edgesec rules list  [--rules PATH] [--config FILE] [--format text|json]
 *   edgesec rules check FILE...
 *   edgesec run --replay FILE [--rules PATH] [--config FILE] [--output FILE]
 *
 * `run --replay` feeds recorded events (JSON Lines: messages as `edgesec run` writes them, or
 * one event object per line) through the pipeline and the rules with their recorded times,
 * writes the resulting messages (the events, then the Alerts they raised) and exits, so rules
 * can be tested offline.  Events are ordered by time first (a recorded stream holds its Low
 * messages after its High ones).  Aggregation is off: every recorded event is written as read.
 *
 * Exit: 0 all good; 1 some input lines or rules files had errors (reported on stderr, the
 * rest was used); 2 usage, unreadable input or configuration.
 */
#include "rules.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "common/alloc.h"
#include "common/duration.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "config/config.h"
#include "detect/detect.h"

static void print_issues(const struct detect_report *rep)
{
	char line[1024];

	for (unsigned i = 0; i < rep->n_errors; i++) {
		detect_issue_format(&rep->errors[i], line, sizeof(line));
		cli_error("%s", line);
	}
	for (unsigned i = 0; i < rep->n_warnings; i++) {
		detect_issue_format(&rep->warnings[i], line, sizeof(line));
		cli_warning("%s", line);
	}
	if (rep->n_dropped)
		cli_warning("%u more problems not listed", rep->n_dropped);
}

/* The configuration of --config (or defaults); false after reporting why not. */
static bool load_config(const char *path, struct config *cfg)
{
	struct config_report rep = { 0 };

	config_init_defaults(cfg);
	if (!path)
		return true;
	if (config_load_file(cfg, path, &rep) < 0) {
		for (unsigned i = 0; i < rep.n_errors; i++)
			cli_error("%s: %s%s%s", path, rep.errors[i].message,
				  rep.errors[i].pointer[0] ? " at " : "", rep.errors[i].pointer);
		config_done(cfg);
		return false;
	}
	return true;
}

/* The rules of cfg, with --rules in place of detectionRulesPath. */
static int load_rules(const struct config *cfg, const char *rules_path, struct detect_ruleset **ret,
		      struct detect_report *rep)
{
	const char *path = rules_path ? rules_path : cfg->detection_rules_path;
	bool missing_ok = !rules_path && path && strcmp(path, DETECT_RULES_PATH_DEFAULT) == 0;

	return detect_ruleset_load_all(path, missing_ok, cfg->detection_rules, ret, rep);
}

/* ---- rules list ---- */

static void list_text(const struct detect_ruleset *rs)
{
	struct detect_rule_info ri;

	printf("%-30s %-8s %-10s %-10s %-3s %s\n", "ID", "SEVERITY", "TECHNIQUE", "KIND", "ON",
	       "NAME");
	for (unsigned i = 0; detect_ruleset_get(rs, i, &ri) == 0; i++)
		printf("%-30s %-8s %-10s %-10s %-3s %s\n", ri.id,
		       detect_severity_to_string(ri.severity), ri.technique ? ri.technique : "-",
		       ri.kind, ri.enabled ? "yes" : "no", ri.name);
}

static void list_json(const struct detect_ruleset *rs)
{
	struct detect_rule_info ri;
	struct buf b;
	struct jw w;

	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_arr_begin(&w);
	for (unsigned i = 0; detect_ruleset_get(rs, i, &ri) == 0; i++) {
		char d[DURATION_STR_MAX];

		jw_obj_begin(&w);
		jw_key_lit(&w, "id");
		jw_cstr(&w, ri.id);
		jw_key_lit(&w, "name");
		jw_cstr(&w, ri.name);
		jw_key_lit(&w, "severity");
		jw_cstr(&w, detect_severity_to_string(ri.severity));
		jw_key_lit(&w, "technique");
		jw_cstr(&w, ri.technique);
		jw_key_lit(&w, "tactic");
		jw_cstr(&w, ri.tactic);
		jw_key_lit(&w, "kind");
		jw_cstr(&w, ri.kind);
		jw_key_lit(&w, "enabled");
		jw_bool(&w, ri.enabled);
		jw_key_lit(&w, "events");
		jw_cstr(&w, ri.events);
		jw_key_lit(&w, "count");
		jw_uint(&w, ri.count);
		jw_key_lit(&w, "window");
		if (ri.window_ms)
			jw_str(&w, d, duration_format(ri.window_ms, d));
		else
			jw_null(&w);
		jw_key_lit(&w, "description");
		jw_cstr(&w, ri.description);
		jw_key_lit(&w, "remediation");
		jw_cstr(&w, ri.remediation);
		jw_key_lit(&w, "falsePositives");
		jw_cstr(&w, ri.false_positives);
		jw_key_lit(&w, "forgeable");
		jw_cstr(&w, ri.forgeable);
		jw_key_lit(&w, "source");
		jw_cstr(&w, ri.source);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	printf("%s\n", b.data ? b.data : "[]");
	buf_done(&b);
}

static void rules_usage(FILE *f)
{
	fprintf(f, "Usage: edgesec rules list [--rules PATH] [--config FILE] [--format text|json]\n"
		   "       edgesec rules check FILE...\n"
		   "\n"
		   "list   the detection rules in force: the shipped catalogue, the user rules of\n"
		   "       --rules PATH (default: detectionRulesPath of --config, else\n"
		   "       " DETECT_RULES_PATH_DEFAULT ") and the detectionRules overrides\n"
		   "check  compile user rules files (with the shipped catalogue, whose lists they\n"
		   "       may use) and report every problem with its file, rule id and member\n"
		   "\n"
		   "To test rules on recorded events: edgesec run --replay FILE [--rules PATH].\n"
		   "Exit status: 0 no problem, 1 a rules file has errors, 2 usage error.\n"
		   "The rule language is described in docs/detection.md.\n");
}

struct rules_args {
	const char *rules, *config;
	enum cli_format format;
	int first_operand;
};

static int parse_rules_args(int argc, char **argv, struct rules_args *a)
{
	static const char shortopts[] = "+:hc:f:";
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "rules", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) >= 0) {
		switch (c) {
		case 'h':
			rules_usage(stdout);
			return 0;
		case 'r':
			a->rules = optarg;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'f':
			if (cli_format_parse(optarg,
					     CLI_FORMAT_BIT(CLI_FORMAT_TEXT) |
						     CLI_FORMAT_BIT(CLI_FORMAT_JSON),
					     &a->format) < 0)
				return -1;
			break;
		default:
			cli_bad_option("rules", c, argv, opts, shortopts);
			return -1;
		}
	}
	a->first_operand = optind;
	return 1;
}

static int rules_list(const struct rules_args *a)
{
	struct detect_report *rep = es_calloc(1, sizeof(*rep));
	struct detect_ruleset *rs = NULL;
	struct config cfg;
	int r = 2;

	if (!rep || !load_config(a->config, &cfg)) {
		es_free(rep);
		return 2;
	}
	if (load_rules(&cfg, a->rules, &rs, rep) == 0) {
		print_issues(rep);
		if (a->format == CLI_FORMAT_JSON)
			list_json(rs);
		else
			list_text(rs);
		r = rep->n_errors ? 1 : 0;
	}
	detect_ruleset_free(rs);
	config_done(&cfg);
	es_free(rep);
	return r;
}

static int rules_check(int n, char **files)
{
	struct detect_report *rep = es_calloc(1, sizeof(*rep));
	struct detect_source *srcs = es_calloc((size_t)n + detect_builtin_count(), sizeof(*srcs));
	struct detect_source *read = NULL;
	struct detect_ruleset *rs = NULL;
	unsigned n_srcs = 0, n_read, bad_files = 0, n_builtin = 0;
	int r = 2;

	if (!rep || !srcs)
		goto out;
	/* The shipped files, but for the ones being checked (a rules developer's new copy). */
	for (unsigned i = 0; i < detect_builtin_count(); i++) {
		const char *bn = strrchr(detect_builtin(i)->name, '/') + 1;
		bool replaced = false;

		for (int k = 0; k < n; k++) {
			const char *fn = strrchr(files[k], '/');

			replaced |= strcmp(fn ? fn + 1 : files[k], bn) == 0;
		}
		if (!replaced)
			srcs[n_srcs++] = *detect_builtin(i);
	}
	n_builtin = n_srcs;
	for (int i = 0; i < n; i++) {
		if (detect_sources_read(files[i], false, &read, &n_read, rep) < 0)
			goto out;
		if (n_read == 1) {
			srcs[n_srcs++] = read[0];
			es_free(read); /* the source's strings now belong to srcs */
		} else {
			bad_files++;
			detect_sources_free(read, n_read);
		}
		read = NULL;
	}
	if (detect_ruleset_load(srcs, n_srcs, NULL, &rs, rep) < 0)
		goto out;
	print_issues(rep);
	printf("%u rules in force (%u files checked, %u with errors)\n", detect_ruleset_count(rs),
	       (unsigned)n, rep->files_skipped + bad_files);
	r = rep->n_errors || bad_files ? 1 : 0;
out:
	for (unsigned i = n_builtin; srcs && i < n_srcs; i++) {
		es_free((char *)srcs[i].name);
		es_free((char *)srcs[i].data);
	}
	es_free(srcs);
	detect_ruleset_free(rs);
	es_free(rep);
	return r;
}

int cli_rules(int argc, char **argv)
{
	struct rules_args a;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int r;

	json_read_init();
	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		rules_usage(sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	r = parse_rules_args(argc - 1, argv + 1, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (strcmp(sub, "list") == 0) {
		if (a.first_operand < argc - 1) {
			cli_error("rules list takes no files");
			return 2;
		}
		return rules_list(&a);
	}
	if (strcmp(sub, "check") == 0) {
		if (a.first_operand >= argc - 1) {
			cli_error("rules check needs at least one FILE");
			return 2;
		}
		return rules_check(argc - 1 - a.first_operand, argv + 1 + a.first_operand);
	}
	cli_error("rules: unknown command '%s' (list or check)", sub);
	return 2;
}
