/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Waivers: accepted findings, each with a reason and an optional expiry date, read from a JSON
 * file that `edgesec baseline` (check ids) and `edgesec scan-manifest` (rule ids, optionally
 * per module) share (docs/waivers.md):
 *
 *   { "version": 1,
 *     "waivers": [ { "id": "ip-forwarding-disabled", "reason": "router appliance",
 *                    "expires": "2026-06-30" },
 *                  { "id": "EDGE010", "module": "monitor", "reason": "reads container stats" } ] }
 *
 * A waiver applies up to and including its expiry day (UTC); after that it no longer hides
 * anything and callers say it expired.  Unknown keys are errors, as in the checks file: a typo
 * must not silently widen a waiver.  The parser is pure; tests/fuzz/fuzz-waivers.c fuzzes it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json_read.h"

#define WAIVERS_FILE_MAX (256u * 1024) /* bytes of a waivers file */
#define WAIVERS_MAX 1024	       /* waivers in one file */
#define WAIVER_ID_MAX 64	       /* characters of a check or rule id */
#define WAIVER_MODULE_MAX 256	       /* characters of a module name */
#define WAIVER_REASON_MAX 512	       /* characters of a reason */
#define WAIVER_DATE_LEN 10	       /* "YYYY-MM-DD" */

/* waivers_parse() flags */
#define WAIVERS_ALLOW_MODULE 0x1u /* "module" is accepted (scan-manifest) */

struct waiver {
	const char *id;
	const char *module; /* NULL: every module */
	const char *reason;
	char expires[WAIVER_DATE_LEN + 1]; /* "" when it never expires */
	int64_t expires_at;		   /* first UTC second it no longer applies; 0 = never */
	unsigned uses;			   /* findings it matched (active or expired) */
	const char *source; /* where it comes from: the file, or "label ... of module ..." */
};

enum waiver_state {
	WAIVER_STATE_NONE,    /* no waiver names this finding */
	WAIVER_STATE_ACTIVE,  /* a waiver applies */
	WAIVER_STATE_EXPIRED, /* only expired waivers name it */
	_WAIVER_STATE_MAX,
};

struct waivers; /* opaque */

/* Parses data[0..len); -EINVAL with err filled (pointer or line/column), -ENOMEM. */
int waivers_parse(const char *data, size_t len, unsigned flags, struct waivers **ret_waivers,
		  struct json_error *err);
/* Reads (at most WAIVERS_FILE_MAX bytes) and parses path; one sentence in err on failure. */
int waivers_load(const char *path, unsigned flags, struct waivers **ret_waivers, char *err,
		 size_t err_size);
struct waivers *waivers_free(struct waivers *w);

/* An empty set (NULL when out of memory), to which waivers_add() and waivers_merge() add. */
struct waivers *waivers_new(void);
/*
 * Adds a waiver made elsewhere (an acceptance label): the strings are copied; module may be
 * NULL, expires NULL or "YYYY-MM-DD".  -EINVAL for a bad date or an empty id or reason,
 * -E2BIG beyond WAIVERS_MAX, -ENOMEM.
 */
int waivers_add(struct waivers *w, const char *id, const char *module, const char *reason,
		const char *expires, const char *source);
/* Moves every waiver of src into dst and frees src; -E2BIG / -ENOMEM leave both intact. */
int waivers_merge(struct waivers *dst, struct waivers *src);

size_t waivers_count(const struct waivers *w);
const struct waiver *waivers_get(const struct waivers *w, size_t i);

/*
 * The waiver for a finding of id (case-insensitive) on module (NULL: none; only waivers
 * without a module match then) at now (seconds since the epoch).  An active waiver wins over
 * an expired one; a waiver naming the module wins over one for every module.  Counts the
 * use.  ret_waiver (may be NULL) gets the waiver for ACTIVE and EXPIRED.
 */
enum waiver_state waivers_match(struct waivers *w, const char *id, const char *module, int64_t now,
				const struct waiver **ret_waiver);

/* Parses "YYYY-MM-DD" (a real date); the first second after that day (UTC) in ret_end. */
int waiver_date_parse(const char *s, int64_t *ret_end);
