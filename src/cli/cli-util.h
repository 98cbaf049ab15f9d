/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What every verb shares for output people read (docs/edgesec.1, "CONVENTIONS"):
 *   - one prefix for problems: "edgesec: error: ..." / "edgesec: warning: ..." on stderr;
 *   - -f/--format FMT with text (for people, the default) and json (for machines), plus the
 *     verb's own (sarif, html); an unknown value is refused with the list and a suggestion;
 *   - "did you mean" for unknown options (getopt_long's table) and verbs;
 *   - colour only when the stream is a terminal, NO_COLOR is unset or empty and TERM is not
 *     "dumb" (--color auto), or when asked (--color always / never).
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/text.h"

enum cli_format {
	CLI_FORMAT_TEXT,
	CLI_FORMAT_JSON,
	CLI_FORMAT_SARIF,
	CLI_FORMAT_HTML,
	_CLI_FORMAT_MAX,
	_CLI_FORMAT_INVALID = -22,
};
#define CLI_FORMAT_BIT(f) (1u << (f))

enum cli_color {
	CLI_COLOR_AUTO,
	CLI_COLOR_ALWAYS,
	CLI_COLOR_NEVER,
	_CLI_COLOR_MAX,
	_CLI_COLOR_INVALID = -22,
};

/* Escape sequences, or "" each when colour is off. */
struct cli_palette {
	const char *reset, *bold, *dim, *red, *green, *yellow, *blue, *magenta, *cyan;
};

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *cli_format_to_string(enum cli_format f);
/* Parses an -f/--format value among the allowed ones (CLI_FORMAT_BIT mask); reports errors. */
int cli_format_parse(const char *value, unsigned allowed, enum cli_format *ret_format);
/* Parses a --color value (auto, always, never); reports errors. */
int cli_color_parse(const char *value, enum cli_color *ret_color);
bool cli_color_enabled(enum cli_color mode, FILE *stream);
const struct cli_palette *cli_palette_get(bool on);
/* Columns of the terminal on stream, 0 when it is not a terminal. */
unsigned cli_term_width(FILE *stream);

/*
 * Reports what getopt_long returned for a bad option (c is '?' or ':', with optstring
 * starting with ':'): a missing value, or an unknown option with the closest known one.
 * verb is the command ("baseline"; NULL for the top level).  Always returns -EINVAL.
 */
int cli_bad_option(const char *verb, int c, char **argv, const struct option *options,
		   const char *shortopts);
