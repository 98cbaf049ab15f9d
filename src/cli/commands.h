/* SPDX-License-Identifier: MIT */
#pragma once

/* The edgesec command line: verbs and their options. */

/* Parses argv and runs the chosen command; returns the process exit code. */
int cli_main(int argc, char **argv);

/*
 * Flushes stdout and checks that nothing written to it failed (a full disk, a closed file):
 * 0, or -EIO after saying so on stderr ("edgesec: WHAT: cannot write to stdout: ...").  Every
 * verb that prints a report calls it; cli_main() calls it again before returning.
 */
int cli_stdout_check(const char *what);
