/* SPDX-License-Identifier: MIT */
#pragma once

#include "core/agent.h"

/*
 * `edgesec report [FILE|-] [-o OUT] [-f html|text] [--color WHEN] [-c CONFIG] [--state-dir DIR]`:
 * the posture report (src/report/report.h) of a snapshot or a recorded JSON Lines file, or of
 * a snapshot taken now when FILE is not given.  argv[0] is the verb.  Returns the exit code:
 * 0 written, 1 the snapshot or the output failed, 2 unusable input or usage error.
 */
int cli_report(int argc, char **argv);

/*
 * `edgesec snapshot -f text`: takes the snapshot in a child process (its messages through a
 * pipe, logs at warning level unless asked otherwise) and prints the text report.
 */
int cli_snapshot_text(const struct agent_options *o);
