/* SPDX-License-Identifier: MIT */
/*
 * `edgesec report` and `edgesec snapshot -f text` (report.h): read edgesec messages — a file,
 * stdin, or a snapshot taken now in a child process whose stdout is a pipe — line by line into
 * the report model, then render HTML (the default) or text.
 *
 * Reading is streamed: a line is at most REPORT_LINE_MAX bytes (longer ones are skipped and
 * counted), the model caps what it keeps, so memory stays bounded whatever the input's size.
 * The page is written to -o FILE (created 0600, not through a symlink: it lists accounts,
 * ports and weaknesses of the host) or to stdout; HTML is not written to a terminal.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/timeutil.h"
#include "report/report.h"

#define OUTPUT_MAX (512u * 1024 * 1024)
#define READ_CHUNK (64u * 1024)

enum { OPT_COLOR = 0x100, OPT_STATE_DIR };

struct report_args {
	const char *input; /* NULL: a snapshot now */
	const char *output;
	const char *config, *state_dir;
	enum cli_format format;
	enum cli_color color;
};

static const struct option report_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "config", required_argument, NULL, 'c' },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ NULL, 0, NULL, 0 },
};

static void report_usage(FILE *f)
{
	fprintf(f,
		"Usage: edgesec report [FILE|-] [-o OUT] [-f html|text]\n"
		"\n"
		"Writes the security posture of a host as a self-contained HTML page (no script,\n"
		"no network, no external asset) or as text: posture score, baseline failures with\n"
		"their fix, container findings, alerts timeline, listening ports, users, system.\n"
		"FILE holds edgesec messages: the output of `edgesec snapshot` or a recording of\n"
		"`edgesec run` (JSON Lines; - for stdin).  Without FILE a snapshot is taken now\n"
		"(run it as the agent would run: root).\n"
		"\n"
		"Options:\n"
		"  -o, --output OUT     write the page to OUT (created 0600); default stdout\n"
		"  -f, --format FMT     html (default) or text\n"
		"      --color WHEN     text: auto (default), always or never\n"
		"  -c, --config FILE    without FILE: the configuration for the snapshot\n"
		"      --state-dir DIR  without FILE: where the snapshot keeps its AgentId\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit status: 0 written, 1 the snapshot or writing failed, 2 unusable input.\n"
		"See docs/report.md.\n");
}

static int parse_report_args(int argc, char **argv, struct report_args *a)
{
	static const char shortopts[] = ":ho:f:c:";
	int c;

	memset(a, 0, sizeof(*a));
	a->format = CLI_FORMAT_HTML;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, report_options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			report_usage(stdout);
			return 0;
		case 'o':
			a->output = optarg;
			break;
		case 'f':
			if (cli_format_parse(optarg,
					     CLI_FORMAT_BIT(CLI_FORMAT_HTML) |
						     CLI_FORMAT_BIT(CLI_FORMAT_TEXT),
					     &a->format) < 0)
				return -1;
			break;
		case OPT_COLOR:
			if (cli_color_parse(optarg, &a->color) < 0)
				return -1;
			break;
		case 'c':
			a->config = optarg;
			break;
		case OPT_STATE_DIR:
			a->state_dir = optarg;
			break;
		default:
			cli_bad_option("report", c, argv, report_options, shortopts);
			return -1;
		}
	}
	if (argc - optind > 1) {
		cli_error("report takes one FILE (or - for stdin), not %d", argc - optind);
		return -1;
	}
	a->input = optind < argc ? argv[optind] : NULL;
	if (a->input && (a->config || a->state_dir)) {
		cli_error("--config and --state-dir are for a snapshot taken now (without FILE)");
		return -1;
	}
	return 1;
}

/* Feeds the model from fd, line by line; -errno on a read error. */
static int read_lines(int fd, struct report_model *m)
{
	struct buf pending;
	char *chunk = es_malloc(READ_CHUNK);
	bool skipping = false;
	int r = 0;

	if (!chunk)
		return -ENOMEM;
	buf_init(&pending, REPORT_LINE_MAX + READ_CHUNK);
	for (;;) {
		ssize_t n = read(fd, chunk, READ_CHUNK);
		const char *p = chunk, *end, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		end = chunk + n;
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (!skipping)
				buf_append(&pending, p, (size_t)((nl ? nl : end) - p));
			if (!skipping && pending.len > REPORT_LINE_MAX) {
				skipping = true;
				buf_reset(&pending);
			}
			if (!nl)
				break;
			if (skipping)
				report_model_skip_line(m);
			else if (report_model_add_line(m, pending.data ? pending.data : "",
						       pending.len) < 0)
				r = -ENOMEM;
			skipping = false;
			buf_reset(&pending);
			p = nl + 1;
		}
		if (r < 0)
			break;
	}
	if (r == 0 && skipping)
		report_model_skip_line(m);
	else if (r == 0 && pending.len)
		r = report_model_add_line(m, pending.data, pending.len) < 0 ? -ENOMEM : 0;
	buf_done(&pending);
	es_free(chunk);
	return r;
}

/*
 * Runs `edgesec snapshot` in a child process with its stdout on a pipe and reads what it
 * writes into the model.  Returns the child's exit code, or 1 when it could not run.
 */
static int snapshot_into(const struct agent_options *opts, struct report_model *m)
{
	struct agent_options o = *opts;
	int fds[2], status = 0, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		cli_error("cannot take a snapshot: pipe: %s", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cli_error("cannot take a snapshot: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 1;
	}
	if (pid == 0) {
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(1);
		o.output_path = NULL;
		o.once = true;
		if (o.log_level < 0)
			o.log_level = LOG_LEVEL_WARNING;
		r = agent_run(&o);
		fflush(NULL);
		_exit(r & 0xff);
	}
	close(fds[1]);
	r = read_lines(fds[0], m);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0) {
		cli_error("cannot read the snapshot: %s", strerror(-r));
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cli_error("the snapshot failed (%s %d; its log is above)",
			  WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	return 0;
}

static int write_out(const char *path, const struct buf *b)
{
	int fd = STDOUT_FILENO;
	size_t off = 0;

	if (path && strcmp(path, "-") != 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			cli_error("cannot create %s: %s", path, strerror(errno));
			return 1;
		}
	}
	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_error("cannot write %s: %s", path ? path : "stdout",
				  n < 0 ? strerror(errno) : "short write");
			if (fd != STDOUT_FILENO)
				close(fd);
			return 1;
		}
		off += (size_t)n;
	}
	if (fd != STDOUT_FILENO && close(fd) < 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int render(const struct report_model *m, enum cli_format format, enum cli_color color,
		  const char *source, const char *output)
{
	struct report_options o = {
		.source = source,
		.generated_ns = time_now_realtime_ns(),
		.color = format == CLI_FORMAT_TEXT && !output && cli_color_enabled(color, stdout),
		.width = output ? 0 : cli_term_width(stdout),
	};
	struct buf b;
	int r;

	buf_init(&b, OUTPUT_MAX);
	r = format == CLI_FORMAT_HTML ? report_render_html(m, &o, &b)
				      : report_render_text(m, &o, &b);
	if (r < 0 || b.failed) {
		cli_error("the report is too large or memory ran out");
		buf_done(&b);
		return 1;
	}
	r = write_out(output, &b);
	buf_done(&b);
	return r;
}

static int read_input(const char *path, struct report_model *m)
{
	int fd = STDIN_FILENO, r;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			cli_error("cannot open %s: %s", path, strerror(errno));
			return 2;
		}
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	r = read_lines(fd, m);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r < 0) {
		cli_error("cannot read %s: %s", path, strerror(-r));
		return 2;
	}
	if (report_model_messages(m) == 0) {
		cli_error(
			"%s holds no edgesec message (expected the JSON Lines of edgesec snapshot "
			"or edgesec run)",
			strcmp(path, "-") == 0 ? "the input" : path);
		return 2;
	}
	return 0;
}

int cli_report(int argc, char **argv)
{
	struct report_model *m = NULL;
	struct report_args a;
	int r;

	r = parse_report_args(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (a.format == CLI_FORMAT_HTML && (!a.output || strcmp(a.output, "-") == 0) &&
	    isatty(STDOUT_FILENO) == 1) {
		cli_error(
			"report writes an HTML page: give -o FILE (or -f text for this terminal)");
		return 2;
	}
	json_read_init();
	if (report_model_new(&m) < 0) {
		cli_error("out of memory");
		return 1;
	}
	if (a.input) {
		r = read_input(a.input, m);
	} else {
		struct agent_options o = {
			.config_path = a.config,
			.state_dir = a.state_dir,
			.log_level = _LOG_LEVEL_INVALID,
			.once = true,
		};

		r = snapshot_into(&o, m);
	}
	if (r == 0)
		r = render(m, a.format, a.color,
			   !a.input		       ? "snapshot taken now"
			   : strcmp(a.input, "-") == 0 ? "standard input"
						       : a.input,
			   a.output);
	report_model_free(m);
	return r;
}

int cli_snapshot_text(const struct agent_options *opts)
{
	struct report_model *m = NULL;
	int r;

	if (opts->output_path && strcmp(opts->output_path, "-") != 0) {
		cli_error(
			"snapshot -f text prints on stdout; for a file use edgesec report -o FILE "
			"(or snapshot -f json -o FILE)");
		return 2;
	}
	json_read_init();
	if (report_model_new(&m) < 0) {
		cli_error("out of memory");
		return 1;
	}
	r = snapshot_into(opts, m);
	if (r == 0)
		r = render(m, CLI_FORMAT_TEXT, CLI_COLOR_AUTO, "snapshot", NULL);
	report_model_free(m);
	return r;
}
