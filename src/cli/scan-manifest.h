/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `edgesec scan-manifest FILE|- [--format text|json|sarif] [--fail-on SEVERITY]`: the offline
 * deployment analyzer.  argv[0] is the verb itself.  Returns the exit code: 0 nothing at or
 * above the threshold, 1 findings at or above it, 2 unusable input or usage error.
 */
int cli_scan_manifest(int argc, char **argv);
