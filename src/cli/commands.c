/* SPDX-License-Identifier: MIT */
/*
 * Command-line handling.  Verbs come from a table; options are parsed with getopt_long from one
 * table shared by run, snapshot and check-config (each verb rejects the ones it does not take);
 * verbs with options of their own (baseline, scan-manifest, report) parse their argv.
 * Conventions shared by every verb (cli-util.h): -f/--format with text for people and json for
 * machines, "edgesec: error: ..." for every problem, "did you mean" for unknown options and
 * verbs.  Errors print one specific line and exit 2; --help prints the usage on stdout and
 * exits 0.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/baseline.h"
#include "cli/rules.h"
#include "cli/cli-util.h"
#include "cli/report.h"
#include "cli/scan-manifest.h"
#include "common/alloc.h"
#include "common/fileio.h"
#include "common/json_read.h"
#include "common/log.h"
#include "common/suggest.h"
#include "common/textesc.h"
#include "config/config.h"
#include "core/agent.h"
#include "version.h"

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_CONFIG = 'c',
	OPT_OUTPUT = 'o',
	OPT_FORMAT = 'f',
	OPT_STATE_DIR = 0x100,
	OPT_LOG_LEVEL,
	OPT_CONNECTION_STRING,
	OPT_HUB,
	OPT_CA_FILE,
	OPT_CAPTURE,
	OPT_REPLAY,
	OPT_RULES,
	OPT_HOST_ROOT,
	OPT_USER,
};

static const struct option options[] = {
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "connection-string", required_argument, NULL, OPT_CONNECTION_STRING },
	{ "hub", required_argument, NULL, OPT_HUB },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "capture", required_argument, NULL, OPT_CAPTURE },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
	{ "user", required_argument, NULL, OPT_USER },
	{ NULL, 0, NULL, 0 },
};

/* Options given, for the verbs to refuse those they do not take. */
enum {
	SEEN_CONFIG = 1u << 0,
	SEEN_OUTPUT = 1u << 1,
	SEEN_STATE_DIR = 1u << 2,
	SEEN_HUB = 1u << 3, /* --connection-string, --hub, --ca-file */
	SEEN_CAPTURE = 1u << 4,
};

struct args {
	const char *verb;
	const char *config;
	const char *output;
	const char *state_dir;
	const char *format; /* NULL: the verb's default */
	unsigned seen;
	char *connection_string; /* a copy; the argv original is wiped */
	const char *hub;
	const char *ca_file;
	const char *capture;
	const char *replay; /* run --replay FILE */
	const char *rules;  /* --rules PATH (with --replay) */
	const char *host_root;
	const char *user;
	enum log_level log_level;
	char **operands;
	int n_operands;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: edgesec COMMAND [OPTIONS]\n"
		"\n"
		"Security agent for Azure IoT Edge devices and Linux hosts.\n"
		"\n"
		"Commands:\n"
		"  run                  run the agent; without a hub it writes each security "
		"message\n"
		"                       as one JSON line to stdout (or --output FILE)\n"
		"  snapshot             run every periodic collector once, print the message "
		"(json;\n"
		"                       -f text: a summary for people), exit\n"
		"  check-config FILE    validate a config file or module-twin document and print\n"
		"                       the configuration that would be in force (FILE may be -)\n"
		"  scan-manifest FILE.. lint IoT Edge deployment manifests offline (FILE may be "
		"-)\n"
		"  baseline             run the OS baseline checks: failures with their fix, a "
		"score\n"
		"  report [FILE]        a self-contained HTML page (or text) from a snapshot or a\n"
		"                       recorded JSON Lines file (default: take a snapshot now)\n"
		"  rules list|check     list the detection rules in force, or check user rules\n"
		"                       files (edgesec rules --help)\n"
		"  help [COMMAND]       this help, or the options of COMMAND\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE    local JSON configuration (twin property names)\n"
		"  -o, --output FILE    append messages to FILE instead of stdout\n"
		"      --state-dir DIR  where the AgentId, spool and baselines are kept (default "
		"/var/lib/edgesec)\n"
		"      --log-level LVL  error, warning, info (default) or debug; logs go to "
		"stderr\n"
		"      --connection-string CS  send to IoT Hub / edgeHub as this module identity\n"
		"                       (HostName=…;DeviceId=…;ModuleId=…;SharedAccessKey=…[;\n"
		"                       GatewayHostName=…]); EDGESEC_CONNECTION_STRING works too\n"
		"      --hub URL        mqtts://host:port (or mqtt:// for plain text) to connect "
		"to\n"
		"      --ca-file FILE   trust anchors (PEM) for TLS to the hub\n"
		"                       with a hub: module twin configuration and direct methods\n"
		"                       As an IoT Edge module (IOTEDGE_WORKLOADURI and\n"
		"                       IOTEDGE_MODULEID set, no connection string) edgesec signs\n"
		"                       through the workload API and connects to edgeHub\n"
		"      --capture MODE   process and connection capture: auto (default: eBPF, else\n"
		"                       audit, else proc connector), ebpf, audit or cnproc\n"
		"      --replay FILE    run: feed recorded events (JSON Lines, as run writes "
		"them)\n"
		"                       through the pipeline and the detection rules, print the\n"
		"                       messages and the Alerts they raise, and exit (FILE may be "
		"-)\n"
		"      --rules PATH     with --replay: user rules file or directory to use "
		"instead\n"
		"                       of detectionRulesPath\n"
		"      --host-root DIR  where the host's root is visible (default /; /host in the\n"
		"                       container image); host files are read below it\n"
		"      --user USER[:GROUP]  run as this user (name or number, not root) once\n"
		"                       set-up is done, keeping only the capabilities in use\n"
		"  -f, --format FMT     text (for people) or json (for machines); run: json only;\n"
		"                       snapshot: json (default) or text; check-config: text\n"
		"                       (default) or json\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"
		"\n"
		"Colour: on a terminal unless NO_COLOR is set (--color always|never where "
		"offered).\n"
		"Exit status: 0 success, 1 runtime failure (or findings), 2 usage or "
		"configuration\n"
		"error.  Each command's own options: edgesec help COMMAND.\n"
		"See man edgesec and docs/ for the configuration keys and the message format.\n");
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int c;

	static const char shortopts[] = ":hVc:o:f:";

	memset(a, 0, sizeof(*a));
	a->log_level = _LOG_LEVEL_INVALID;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, options, NULL)) >= 0) {
		switch (c) {
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("edgesec %s\n", EDGESEC_VERSION);
			return 0;
		case OPT_CONFIG:
			a->config = optarg;
			a->seen |= SEEN_CONFIG;
			break;
		case OPT_OUTPUT:
			a->output = optarg;
			a->seen |= SEEN_OUTPUT;
			break;
		case OPT_STATE_DIR:
			a->state_dir = optarg;
			a->seen |= SEEN_STATE_DIR;
			break;
		case OPT_CONNECTION_STRING:
			/* Keep a copy and blank the argument so ps(1) no longer shows the key. */
			es_free(a->connection_string);
			a->connection_string = es_strdup(optarg);
			explicit_bzero(optarg, strlen(optarg));
			a->seen |= SEEN_HUB;
			break;
		case OPT_HUB:
			a->hub = optarg;
			a->seen |= SEEN_HUB;
			break;
		case OPT_CA_FILE:
			a->ca_file = optarg;
			a->seen |= SEEN_HUB;
			break;
		case OPT_REPLAY:
			a->replay = optarg;
			break;
		case OPT_RULES:
			a->rules = optarg;
			break;
		case OPT_HOST_ROOT:
			if (!optarg[0] || optarg[0] != '/') {
				cli_error("--host-root must be an absolute directory, not '%s'",
					  optarg);
				return -EINVAL;
			}
			a->host_root = optarg;
			break;
		case OPT_USER:
			a->user = optarg;
			break;
		case OPT_CAPTURE:
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "ebpf") != 0 &&
			    strcmp(optarg, "audit") != 0 && strcmp(optarg, "cnproc") != 0) {
				cli_error("--capture must be auto, ebpf, audit or cnproc, not '%s'",
					  optarg);
				return -EINVAL;
			}
			a->capture = optarg;
			a->seen |= SEEN_CAPTURE;
			break;
		case OPT_FORMAT: {
			enum cli_format f;

			if (cli_format_parse(optarg,
					     CLI_FORMAT_BIT(CLI_FORMAT_TEXT) |
						     CLI_FORMAT_BIT(CLI_FORMAT_JSON),
					     &f) < 0)
				return -EINVAL;
			a->format = cli_format_to_string(f);
			break;
		}
		case OPT_LOG_LEVEL:
			a->log_level = log_level_from_string(optarg);
			if (a->log_level < 0) {
				cli_error("--log-level must be error, warning, info or debug, not "
					  "'%s'",
					  optarg);
				return -EINVAL;
			}
			break;
		default:
			return cli_bad_option(NULL, c, argv, options, shortopts);
		}
	}
	/* GNU getopt moved the operands to the end: the verb, then its arguments. */
	if (optind < argc)
		a->verb = argv[optind++];
	a->operands = &argv[optind];
	a->n_operands = argc - optind;
	return 1;
}

static int cmd_run(struct args *a, bool once)
{
	const char *env_cs = getenv("EDGESEC_CONNECTION_STRING");
	struct agent_options o = {
		.config_path = a->config,
		.output_path = a->output,
		.state_dir = a->state_dir,
		.log_level = a->log_level,
		.once = once,
		.connection_string = a->connection_string ? a->connection_string : env_cs,
		.hub_url = a->hub,
		.ca_file = a->ca_file,
		.capture = a->capture,
		.host_root = a->host_root,
		.user = a->user,
	};
	int r;

	if (a->n_operands) {
		cli_error("%s takes no arguments ('%s')", a->verb, a->operands[0]);
		return 2;
	}
	if (!once && a->format && strcmp(a->format, "json") != 0) {
		cli_error("run writes security messages for machines (JSON Lines) and has no "
			  "--format %s; for people: edgesec snapshot -f text, or edgesec report",
			  a->format);
		return 2;
	}

	if (a->rules && !a->replay) {
		cli_error("--rules goes with --replay (the agent reads detectionRulesPath)");
		return 2;
	}
	if (a->replay) {
		struct replay_options ro = { .input_path = a->replay,
					     .config_path = a->config,
					     .rules_path = a->rules,
					     .output_path = a->output };

		if (once || a->connection_string || a->hub) {
			cli_error("--replay goes with run, without a hub");
			return 2;
		}
		if (a->log_level >= 0)
			log_set_level(a->log_level);
		return cli_replay(&ro);
	}
	if (once && (o.connection_string || o.hub_url)) {
		o.connection_string = NULL; /* snapshot prints locally */
		o.hub_url = NULL;
	}
	if (once && a->format && strcmp(a->format, "text") == 0)
		r = cli_snapshot_text(&o);
	else
		r = agent_run(&o);
	if (a->connection_string) {
		explicit_bzero(a->connection_string, strlen(a->connection_string));
		es_free(a->connection_string);
		a->connection_string = NULL;
	}
	return r;
}

static void print_text(const struct config *c)
{
	struct buf b;
	struct jw w;
	cJSON *doc, *group, *item;

	buf_init(&b, 0);
	jw_init(&w, &b);
	config_format_reported(c, &w);
	doc = cJSON_ParseWithLength(b.data, b.len);
	cJSON_ArrayForEach(group, doc) {
		printf("[%s]\n", group->string);
		cJSON_ArrayForEach(item, group) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "value");
			char *s = cJSON_PrintUnformatted(v);
			struct buf shown;

			/* cJSON escapes C0 controls; C1 and bidi controls are escaped here */
			buf_init(&shown, 0);
			if (s)
				text_escape_buf(&shown, s, strlen(s));
			printf("%-38s %s\n", item->string, shown.data ? shown.data : "?");
			buf_done(&shown);
			es_free(s);
		}
	}
	cJSON_Delete(doc);
	buf_done(&b);
}

static int cmd_check_config(struct args *a)
{
	struct config_report rep = { 0 };
	struct config cfg;
	const char *path;
	int r;

	if (a->n_operands != 1) {
		cli_error("check-config needs exactly one FILE (or - for stdin)");
		return 2;
	}
	if (a->seen & ~SEEN_CONFIG) {
		cli_error("check-config takes only -f/--format and FILE (--output, --state-dir, "
			  "--hub, --capture... are for run and snapshot)");
		return 2;
	}
	path = a->operands[0];
	json_read_init();
	config_init_defaults(&cfg);
	r = config_load_file(&cfg, path, &rep);
	for (unsigned i = 0; i < rep.n_errors; i++)
		cli_error("%s: %s%s%s%s", path, rep.errors[i].message,
			  rep.errors[i].pointer[0] ? " (at " : "", rep.errors[i].pointer,
			  rep.errors[i].pointer[0] ? ")" : "");
	if (r < 0) {
		if (rep.n_errors)
			cli_error("%s: rejected, nothing applied", path);
		else
			cli_error("%s: cannot read it: %s", path, fileio_strerror(r));
		config_done(&cfg);
		return 2;
	}
	config_check_conflicts(&cfg, &rep);
	for (unsigned i = 0; i < rep.n_warnings; i++)
		cli_warning("%s: %s (%s)", path, rep.warnings[i].message,
			    config_error_type_to_string(rep.warnings[i].type));
	if (rep.n_dropped)
		cli_warning("%s: %u more issues not listed", path, rep.n_dropped);
	if (!a->format || strcmp(a->format, "text") == 0) {
		print_text(&cfg);
	} else {
		struct buf b;
		struct jw w;
		cJSON *doc;
		char *pretty;

		buf_init(&b, 0);
		jw_init(&w, &b);
		config_format_reported(&cfg, &w);
		doc = cJSON_ParseWithLength(b.data, b.len);
		pretty = doc ? cJSON_Print(doc) : NULL;
		printf("%s\n", pretty ? pretty : b.data);
		es_free(pretty);
		cJSON_Delete(doc);
		buf_done(&b);
	}
	config_done(&cfg);
	return cli_stdout_check("check-config") < 0 ? 1 : 0;
}

/*
 * Verbs with options of their own get argv from the verb on (argv[0] is the verb).  Adding a
 * command is one line here and its usage text above.
 */
struct delegated_verb {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct delegated_verb delegated_verbs[] = {
	{ "baseline", cli_baseline },
	{ "scan-manifest", cli_scan_manifest },
	{ "rules", cli_rules },
	{ "report", cli_report },
	{ NULL, NULL },
};

int cli_stdout_check(const char *what)
{
	int e = errno; /* a failed fwrite() before us left its reason there */

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!errno)
		errno = e;
	cli_error("%s: cannot write to stdout: %s", what, errno ? strerror(errno) : "write error");
	clearerr(stdout);
	return -EIO;
}

static const char *const own_verbs[] = { "run", "snapshot", "check-config", "help", NULL };

static const struct delegated_verb *delegated_find(const char *name)
{
	for (const struct delegated_verb *v = delegated_verbs; v->name; v++)
		if (strcmp(name, v->name) == 0)
			return v;
	return NULL;
}

static int unknown_verb(const char *verb)
{
	struct suggest s;
	const char *hint;

	suggest_init(&s, verb);
	for (int i = 0; own_verbs[i]; i++)
		suggest_add(&s, own_verbs[i]);
	for (const struct delegated_verb *v = delegated_verbs; v->name; v++)
		suggest_add(&s, v->name);
	hint = suggest_result(&s);
	if (hint)
		cli_error("unknown command '%s' (did you mean %s?)", verb, hint);
	else
		cli_error("unknown command '%s' (see edgesec --help)", verb);
	return 2;
}

/* `edgesec help [COMMAND]`. */
static int cmd_help(const struct args *a)
{
	const struct delegated_verb *v;
	char *help_argv[] = { NULL, (char *)"--help", NULL };

	if (a->n_operands == 0) {
		usage(stdout);
		return 0;
	}
	v = delegated_find(a->operands[0]);
	if (v) {
		help_argv[0] = a->operands[0];
		return v->run(2, help_argv);
	}
	for (int i = 0; own_verbs[i]; i++)
		if (strcmp(a->operands[0], own_verbs[i]) == 0) {
			usage(stdout);
			return 0;
		}
	return unknown_verb(a->operands[0]);
}

static int dispatch(int argc, char **argv)
{
	const struct delegated_verb *v;
	struct args a;
	int r;

	if (argc > 1 && (v = delegated_find(argv[1]))) {
		json_read_init();
		return v->run(argc - 1, argv + 1);
	}
	r = parse_args(argc, argv, &a);

	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (!a.verb) {
		usage(stderr);
		return 2;
	}
	if (strcmp(a.verb, "run") == 0)
		return cmd_run(&a, false);
	if (strcmp(a.verb, "snapshot") == 0)
		return cmd_run(&a, true);
	if (strcmp(a.verb, "check-config") == 0)
		return cmd_check_config(&a);
	if (strcmp(a.verb, "help") == 0)
		return cmd_help(&a);
	if ((v = delegated_find(
		     a.verb))) { /* options before the verb: "edgesec -f json baseline" */
		cli_error("put the options of %s after it: edgesec %s [OPTIONS]", a.verb, a.verb);
		return 2;
	}
	return unknown_verb(a.verb);
}

int cli_main(int argc, char **argv)
{
	int r = dispatch(argc, argv);

	/* Whatever the verb printed must have reached stdout: a full disk or a closed file is
	 * a failure, never a silent success. */
	if (cli_stdout_check("output") < 0 && r == 0)
		r = 1;
	return r;
}
