/* SPDX-License-Identifier: MIT */
#pragma once

/* The edgesec command line: verbs and their options. */

/* Parses argv and runs the chosen command; returns the process exit code. */
int cli_main(int argc, char **argv);
