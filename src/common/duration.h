/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ISO-8601 durations as the ASC twin uses them ("PT7M", "PT5H", "P1D", "PT5S", "PT0.5S").
 * Accepted: P[nY][nM][nW][nD][T[nH][nM][nS]], components in that order, a decimal fraction
 * only on the last component (as in the twin schema's pattern).  A year counts as 365 days and
 * a month as 30 days.  Values are milliseconds; anything beyond ~292 million years is refused.
 */

#include <stddef.h>
#include <stdint.h>

#define DURATION_STR_MAX 40

/* 0 on success; -EINVAL with *ret_why set to a short reason on failure. */
int duration_parse(const char *s, uint64_t *ret_ms, const char **ret_why);
/* Canonical form ("P1DT2H", "PT1M30S", "PT0.25S", "PT0S"); returns the length. */
size_t duration_format(uint64_t ms, char out[DURATION_STR_MAX]);
