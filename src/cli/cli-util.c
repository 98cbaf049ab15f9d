/* SPDX-License-Identifier: MIT */
/*
 * Shared command-line conventions (cli-util.h): the error prefix, the -f/--format values,
 * colour and terminal width, "did you mean" for options (common/suggest.h).  Text from input is
 * made terminal-safe by common/text.h.
 */
#include "cli-util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/redact.h"
#include "common/suggest.h"
#include "common/textesc.h"

static const char *const format_names[_CLI_FORMAT_MAX] = {
	[CLI_FORMAT_TEXT] = "text",
	[CLI_FORMAT_JSON] = "json",
	[CLI_FORMAT_SARIF] = "sarif",
	[CLI_FORMAT_HTML] = "html",
};

static const char *const color_names[_CLI_COLOR_MAX] = {
	[CLI_COLOR_AUTO] = "auto",
	[CLI_COLOR_ALWAYS] = "always",
	[CLI_COLOR_NEVER] = "never",
};

/* Problems often quote an argument: a mistyped --connection-strng=... must not print the key. */
static void vreport(const char *what, const char *fmt, va_list ap)
{
	char msg[1024], clean[1024], shown[4 * sizeof(msg)];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	/* A mistyped --connection-strng=... must not print the key. */
	n = (int)redact_text(msg, (size_t)n, clean, sizeof(clean));
	/* Messages quote names from input (keys, paths, ids): no raw control character. */
	text_escape(shown, sizeof(shown), clean, (size_t)n);
	fprintf(stderr, "edgesec: %s: %s\n", what, shown);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning", fmt, ap);
	va_end(ap);
}

const char *cli_format_to_string(enum cli_format f)
{
	return f >= 0 && f < _CLI_FORMAT_MAX ? format_names[f] : NULL;
}

/* "text, json or sarif" from a mask of names[]. */
static void list_names(char *out, size_t size, const char *const *names, unsigned n, unsigned mask)
{
	unsigned total = 0, seen = 0;
	size_t len = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		total += (mask >> i) & 1;
	for (unsigned i = 0; i < n && len < size; i++) {
		if (!((mask >> i) & 1))
			continue;
		seen++;
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					seen == 1	? ""
					: seen == total ? " or "
							: ", ",
					names[i]);
	}
}

static int bad_value(const char *option, const char *value, const char *const *names, unsigned n,
		     unsigned mask)
{
	char list[128];
	struct suggest s;
	const char *hint;

	list_names(list, sizeof(list), names, n, mask);
	suggest_init(&s, value);
	for (unsigned i = 0; i < n; i++)
		if ((mask >> i) & 1)
			suggest_add(&s, names[i]);
	hint = suggest_result(&s);
	if (hint)
		cli_error("%s must be %s, not '%s' (did you mean %s?)", option, list, value, hint);
	else
		cli_error("%s must be %s, not '%s'", option, list, value);
	return -EINVAL;
}

int cli_format_parse(const char *value, unsigned allowed, enum cli_format *ret_format)
{
	for (int f = 0; f < _CLI_FORMAT_MAX; f++)
		if ((allowed & CLI_FORMAT_BIT(f)) && strcmp(value, format_names[f]) == 0) {
			*ret_format = (enum cli_format)f;
			return 0;
		}
	return bad_value("--format", value, format_names, _CLI_FORMAT_MAX, allowed);
}

int cli_color_parse(const char *value, enum cli_color *ret_color)
{
	for (int c = 0; c < _CLI_COLOR_MAX; c++)
		if (strcmp(value, color_names[c]) == 0) {
			*ret_color = (enum cli_color)c;
			return 0;
		}
	return bad_value("--color", value, color_names, _CLI_COLOR_MAX, 0x7);
}

bool cli_color_enabled(enum cli_color mode, FILE *stream)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

	if (mode == CLI_COLOR_ALWAYS)
		return true;
	if (mode == CLI_COLOR_NEVER || (no_color && no_color[0]))
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(stream)) == 1;
}

const struct cli_palette *cli_palette_get(bool on)
{
	static const struct cli_palette colors = {
		.reset = "\033[0m",
		.bold = "\033[1m",
		.dim = "\033[2m",
		.red = "\033[31m",
		.green = "\033[32m",
		.yellow = "\033[33m",
		.blue = "\033[34m",
		.magenta = "\033[35m",
		.cyan = "\033[36m",
	};
	static const struct cli_palette plain = { "", "", "", "", "", "", "", "", "" };

	return on ? &colors : &plain;
}

unsigned cli_term_width(FILE *stream)
{
	struct winsize ws;

	if (isatty(fileno(stream)) != 1 || ioctl(fileno(stream), TIOCGWINSZ, &ws) < 0 ||
	    ws.ws_col == 0)
		return 0;
	return ws.ws_col;
}

static const char *option_name(const struct option *options, int val)
{
	for (const struct option *o = options; o->name; o++)
		if (o->val == val)
			return o->name;
	return NULL;
}

int cli_bad_option(const char *verb, int c, char **argv, const struct option *options,
		   const char *shortopts)
{
	const char *arg = argv[optind - 1], *hint, *name;
	char see[64], word[SUGGEST_WORD_MAX + 1];
	struct suggest s;
	size_t n;

	snprintf(see, sizeof(see), "see edgesec %s%s--help", verb ? verb : "", verb ? " " : "");
	if (c == ':') {
		name = option_name(options, optopt);
		if (name)
			cli_error("option '--%s' needs a value (%s)", name, see);
		else
			cli_error("option '-%c' needs a value (%s)", optopt, see);
		return -EINVAL;
	}
	if (optopt && strchr(shortopts, optopt)) { /* a short option that takes no value */
		cli_error("option '-%c' is not accepted here (%s)", optopt, see);
		return -EINVAL;
	}
	if (optopt || strncmp(arg, "--", 2) != 0) {
		cli_error("unknown option '-%c' (%s)", optopt ? optopt : '?', see);
		return -EINVAL;
	}
	n = strcspn(arg + 2, "=");
	snprintf(word, sizeof(word), "%.*s", (int)(n < SUGGEST_WORD_MAX ? n : SUGGEST_WORD_MAX),
		 arg + 2);
	suggest_init(&s, word);
	for (const struct option *o = options; o->name; o++)
		suggest_add(&s, o->name);
	hint = suggest_result(&s);
	if (hint)
		cli_error("unknown option '--%s' (did you mean --%s?)", word, hint);
	else
		cli_error("unknown option '--%s' (%s)", word, see);
	return -EINVAL;
}
