/* SPDX-License-Identifier: MIT */
#pragma once

/* Detection rules on the command line: `edgesec rules list|check`, `edgesec run --replay`. */

/* argv[0] is the verb ("rules").  Returns the exit code (0, 1 rule errors, 2 usage). */
int cli_rules(int argc, char **argv);

struct replay_options {
	const char *input_path;	 /* JSON Lines, "-" for stdin */
	const char *config_path; /* NULL: defaults */
	const char *rules_path;	 /* NULL: detectionRulesPath */
	const char *output_path; /* NULL or "-": stdout */
};

/* Returns the exit code: 0, 1 (bad lines or rules, the rest was used), 2. */
int cli_replay(const struct replay_options *o);
