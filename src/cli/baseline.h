/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `edgesec baseline [--root DIR] [--format text|json] [--profile FILE]
 *                   [--checks FILE [--checks-hash SHA256]]`
 * argv[0] is the verb ("baseline").  Returns the exit code: 0 every check passed or was
 * skipped, 1 a check failed or could not be evaluated, 2 unusable input.
 */
int cli_baseline(int argc, char **argv);
