/* SPDX-License-Identifier: MIT */
/*
 * `edgesec baseline`: runs the OS baseline checks once and prints every result.
 *
 * The shipped profile (--profile FILE, else baseline_profile_default_path()) runs first, then
 * the checks of --checks FILE, whose SHA-256 must equal --checks-hash when given (as the agent
 * requires for baselineCustomChecksFilePath).  --root DIR examines another root tree (a mounted
 * image, a host root inside a container).  Text output is a table with a summary line; JSON
 * output is an array of {id, cceId, severity, result, description, reason, remediation}.
 * Nothing is executed; the checks only read files below the root.
 *
 * Exit: 0 all checks Pass or Skip, 1 any Fail or Err, 2 unusable input (options, profile,
 * checks file, hash, root).
 */
#include "baseline.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "baseline/baseline.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/textesc.h"

enum {
	OPT_ROOT = 0x100,
	OPT_FORMAT,
	OPT_CHECKS,
	OPT_CHECKS_HASH,
	OPT_PROFILE,
};

static const struct option baseline_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "checks", required_argument, NULL, OPT_CHECKS },
	{ "checks-hash", required_argument, NULL, OPT_CHECKS_HASH },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ NULL, 0, NULL, 0 },
};

struct baseline_args {
	const char *root, *checks, *checks_hash, *profile;
	bool json;
};

struct baseline_counts {
	unsigned n[_BASELINE_RESULT_MAX];
};

static void baseline_usage(FILE *f)
{
	fprintf(f, "Usage: edgesec baseline [OPTIONS]\n"
		   "\n"
		   "Runs the OS baseline checks (CIS-style, data-driven; nothing is executed) and "
		   "prints\n"
		   "every result.\n"
		   "\n"
		   "Options:\n"
		   "      --root DIR          check the root tree at DIR (default /)\n"
		   "      --format FMT        text (default) or json\n"
		   "      --profile FILE      the profile to run instead of the shipped one\n"
		   "      --checks FILE       also run the checks of FILE (custom checks)\n"
		   "      --checks-hash HEX   SHA-256 that FILE must have\n"
		   "  -h, --help              show this help\n"
		   "\n"
		   "Exit status: 0 all checks pass or are skipped, 1 a check fails or errs,\n"
		   "2 unusable input.  The checks file format is described in docs/baseline.md.\n");
}

/* 1 to run, 0 after --help, -1 on a usage error (already reported). */
static int parse_baseline_args(int argc, char **argv, struct baseline_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->root = "/";
	optind = 0; /* GNU: re-initialize, another parser may have run */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", baseline_options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			baseline_usage(stdout);
			return 0;
		case OPT_ROOT:
			a->root = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr,
					"edgesec baseline: --format must be text or json, not "
					"'%s'\n",
					optarg);
				return -1;
			}
			a->json = strcmp(optarg, "json") == 0;
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
		default:
			fprintf(stderr,
				"edgesec baseline: unknown option or missing value '%s' "
				"(see edgesec baseline --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "edgesec baseline: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (a->checks_hash && !a->checks) {
		fprintf(stderr, "edgesec baseline: --checks-hash needs --checks FILE\n");
		return -1;
	}
	return 1;
}

static void run_profile(const struct baseline_profile *p, struct baseline_root *root, bool json,
			struct jw *w, struct baseline_counts *counts)
{
	for (size_t i = 0; i < baseline_profile_count(p); i++) {
		const struct baseline_check *c = baseline_profile_get(p, i);
		const struct baseline_meta *m = baseline_check_meta(c);
		struct baseline_outcome o;

		baseline_check_run(c, root, &o);
		counts->n[o.result]++;
		if (!json) {
			/* ids come from the checks file, reasons quote the files checked */
			char id[4 * sizeof(o.reason)], reason[4 * sizeof(o.reason)];

			text_escape(id, sizeof(id), m->id, strlen(m->id));
			text_escape(reason, sizeof(reason), o.reason, strlen(o.reason));
			printf("%-5s %-13s %-36s %s\n", baseline_result_to_string(o.result),
			       baseline_severity_to_string(m->severity), id, reason);
			continue;
		}
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_cstr(w, m->id);
		jw_key(w, "cceId");
		jw_cstr(w, m->cce_id);
		jw_key(w, "severity");
		jw_cstr(w, baseline_severity_to_string(m->severity));
		jw_key(w, "result");
		jw_cstr(w, baseline_result_to_string(o.result));
		jw_key(w, "description");
		jw_cstr(w, m->description);
		jw_key(w, "reason");
		jw_cstr(w, o.reason);
		jw_key(w, "remediation");
		jw_cstr(w, m->remediation);
		jw_obj_end(w);
	}
}

/* A checks-file error quotes the file's ids and keys: escaped for the terminal. */
static void print_load_error(const char *err)
{
	char shown[4 * 768];

	text_escape(shown, sizeof(shown), err, strlen(err));
	fprintf(stderr, "edgesec baseline: %s\n", shown);
}

static int load_all(const struct baseline_args *a, struct baseline_profile **ret_shipped,
		    struct baseline_profile **ret_custom)
{
	char path_buf[4096], err[768];
	const char *profile = a->profile;

	if (!profile)
		profile = baseline_profile_default_path(path_buf, sizeof(path_buf));
	if (!profile) {
		fprintf(stderr, "edgesec baseline: the shipped profile was not found "
				"(/usr/share/edgesec/baseline/debian.json); use --profile FILE or "
				"set EDGESEC_BASELINE_PROFILE\n");
		return -1;
	}
	if (baseline_profile_load(profile, NULL, ret_shipped, err, sizeof(err)) < 0) {
		print_load_error(err);
		return -1;
	}
	if (a->checks &&
	    baseline_profile_load(a->checks, a->checks_hash, ret_custom, err, sizeof(err)) < 0) {
		print_load_error(err);
		return -1;
	}
	return 0;
}

int cli_baseline(int argc, char **argv)
{
	struct baseline_profile *shipped = NULL, *custom = NULL;
	struct baseline_root *root = NULL;
	struct baseline_counts counts = { 0 };
	struct baseline_args a;
	struct buf b;
	struct jw w;
	int r, ret = 2;

	r = parse_baseline_args(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	json_read_init();
	if (load_all(&a, &shipped, &custom) < 0)
		goto out;
	r = baseline_root_open(a.root, &root);
	if (r < 0) {
		fprintf(stderr, "edgesec baseline: cannot open root directory '%s': %s\n", a.root,
			strerror(-r));
		goto out;
	}
	buf_init(&b, 0);
	jw_init(&w, &b);
	if (a.json)
		jw_arr_begin(&w);
	else
		printf("%-5s %-13s %-36s %s\n", "RESULT", "SEVERITY", "CHECK", "REASON");
	run_profile(shipped, root, a.json, &w, &counts);
	if (custom)
		run_profile(custom, root, a.json, &w, &counts);
	if (a.json) {
		jw_arr_end(&w);
		printf("%s\n", b.failed ? "[]" : b.data);
	} else {
		printf("\n%u checks: %u pass, %u fail, %u error, %u skipped\n",
		       counts.n[0] + counts.n[1] + counts.n[2] + counts.n[3],
		       counts.n[BASELINE_RESULT_PASS], counts.n[BASELINE_RESULT_FAIL],
		       counts.n[BASELINE_RESULT_ERR], counts.n[BASELINE_RESULT_SKIP]);
	}
	ret = b.failed								? 2
	      : counts.n[BASELINE_RESULT_FAIL] || counts.n[BASELINE_RESULT_ERR] ? 1
										: 0;
	if (b.failed)
		fprintf(stderr, "edgesec baseline: output too large or out of memory\n");
	if (cli_stdout_check("baseline") < 0)
		ret = 2; /* a cut report must not pass for a complete one */
	buf_done(&b);
out:
	baseline_root_free(root);
	baseline_profile_free(custom);
	baseline_profile_free(shipped);
	return ret;
}
