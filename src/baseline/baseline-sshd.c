/* SPDX-License-Identifier: MIT */
/*
 * sshd-config checks: the effective value of one sshd_config keyword, read the way sshd reads
 * its configuration (without running sshd):
 *
 *  - keywords are case-insensitive; "Keyword value", "Keyword=value", "Keyword = value";
 *    arguments may be double-quoted; '#' starts a comment at the start of a line or of an
 *    argument; the first argument is the value compared;
 *  - the first value obtained wins (later lines for the same keyword are ignored), across
 *    Include files in the order sshd reads them;
 *  - Include takes one or more paths, relative ones relative to /etc/ssh; the last component
 *    may be a glob (matches read in sorted order, no match is not an error, as in sshd);
 *    nesting is limited to 16 levels, 64 files per pattern, and one scan (one keyword) reads
 *    at most SSHD_FILES_MAX files and SSHD_BYTES_MAX bytes and expands SSHD_INCLUDES_MAX
 *    Include patterns in total: files that Include each other in a fan-out (each level
 *    including every file of the next) would otherwise be read 64^16 times;
 *  - Match blocks: a Match line starts a conditional block that lasts until the next Match or
 *    the end of the file it is in (an Include inside a Match block is conditional too).
 *    The global value (outside any Match) is the one checked against the check's values /
 *    range, falling back to the check's "default" (sshd's compiled-in default) when the
 *    keyword is not set.  We do not evaluate Match criteria (user, address, ...): with
 *    "matchBlocks": "check" (the default) the first value set inside each Match block must
 *    also comply, because for the connections it matches it overrides the global value;
 *    "ignore" looks at the global value only.
 *
 * /etc/ssh/sshd_config missing means sshd is not installed: the check is skipped.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "baseline-int.h"
#include "common/alloc.h"
#include "common/num.h"
#include "common/str.h"

#define SSHD_CONFIG "/etc/ssh/sshd_config"
#define SSHD_DEPTH_MAX 16
#define SSHD_GLOB_MAX 64
#define SSHD_MATCH_VALUES_MAX 32
#define SSHD_ARG_MAX 256
#define SSHD_FILES_MAX BASELINE_SSHD_FILES_MAX
#define SSHD_BYTES_MAX BASELINE_SSHD_BYTES_MAX
#define SSHD_INCLUDES_MAX BASELINE_SSHD_INCLUDES_MAX

struct sshd_value {
	char value[SSHD_ARG_MAX];
	char where[128];
};

struct sshd_scan {
	struct baseline_root *r;
	const char *keyword;
	struct sshd_value global;
	bool have_global;
	struct sshd_value matches[SSHD_MATCH_VALUES_MAX];
	size_t n_matches;
	unsigned blocks;	   /* Match blocks seen so far (block ids) */
	unsigned last_match_block; /* block id of the last recorded Match value */
	unsigned n_files, n_includes;
	size_t n_bytes;
	char error[BASELINE_REASON_MAX];
};

int baseline_sshd_parse_time(const char *s, long long *ret_seconds)
{
	long long total = 0;

	if (!*s)
		return -EINVAL;
	while (*s) {
		long long mult = 1;
		uint64_t v;
		size_t used;

		if (num_scan_u64(s, strlen(s), 10, 1000000000, &v, &used) < 0)
			return -EINVAL;
		s += used;
		switch (*s) {
		case '\0':
			break;
		case 's':
		case 'S':
			s++;
			break;
		case 'm':
		case 'M':
			mult = 60, s++;
			break;
		case 'h':
		case 'H':
			mult = 3600, s++;
			break;
		case 'd':
		case 'D':
			mult = 86400, s++;
			break;
		case 'w':
		case 'W':
			mult = 604800, s++;
			break;
		default:
			return -EINVAL;
		}
		total += (long long)v * mult;
		if (total > (1LL << 40))
			return -EINVAL;
	}
	*ret_seconds = total;
	return 0;
}

/* The next argument of a config line into out; false at the end or at a comment. */
static bool next_arg(const char **p, const char *end, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s >= end || *s == '#')
		return false;
	if (*s == '"') {
		for (s++; s < end && *s != '"'; s++)
			if (n + 1 < size)
				out[n++] = *s;
		if (s < end)
			s++;
	} else {
		for (; s < end && *s != ' ' && *s != '\t' && *s != '\r'; s++)
			if (n + 1 < size)
				out[n++] = *s;
	}
	out[n] = '\0';
	*p = s;
	return true;
}

/* Splits "Keyword value", "Keyword=value" or "Keyword = value". */
static bool split_keyword(const char *line, size_t len, char *kw, size_t kw_size,
			  const char **ret_rest)
{
	const char *s = line, *end = line + len;
	size_t n = 0;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s >= end || *s == '#')
		return false;
	for (; s < end && *s != ' ' && *s != '\t' && *s != '=' && *s != '\r'; s++)
		if (n + 1 < kw_size)
			kw[n++] = *s;
	kw[n] = '\0';
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s < end && *s == '=')
		s++;
	*ret_rest = s;
	return n > 0;
}

static int scan_file(struct sshd_scan *sc, const char *path, unsigned depth, bool in_match,
		     unsigned block);

static int scan_include(struct sshd_scan *sc, const char *arg, unsigned depth, bool in_match,
			unsigned block)
{
	char pattern[SSHD_ARG_MAX + 16];
	char **paths = NULL;
	size_t n = 0;
	int e;

	if (arg[0] == '/')
		str_copy(pattern, sizeof(pattern), arg);
	else
		snprintf(pattern, sizeof(pattern), "/etc/ssh/%s", arg);
	if (++sc->n_includes > SSHD_INCLUDES_MAX) {
		snprintf(sc->error, sizeof(sc->error),
			 "more than %u Include patterns in total: not followed", SSHD_INCLUDES_MAX);
		return -E2BIG;
	}
	if (strpbrk(pattern, "*?[") && strpbrk(pattern, "*?[") < strrchr(pattern, '/')) {
		snprintf(sc->error, sizeof(sc->error),
			 "Include %.160s: globs in directory components are not supported", arg);
		return -EINVAL;
	}
	e = baseline_root_glob(sc->r, pattern, SSHD_GLOB_MAX, &paths, &n);
	if (e < 0) {
		snprintf(sc->error, sizeof(sc->error), "Include %.160s: %s", arg, strerror(-e));
		return e;
	}
	for (size_t i = 0; i < n && e >= 0; i++)
		e = scan_file(sc, paths[i], depth + 1, in_match, block);
	baseline_paths_free(paths, n);
	return e;
}

static void record(struct sshd_scan *sc, const char *value, const char *path, unsigned line,
		   bool in_match, unsigned block)
{
	struct sshd_value *v;

	if (!in_match) {
		if (sc->have_global)
			return; /* the first value wins */
		v = &sc->global;
		sc->have_global = true;
	} else {
		if (block == sc->last_match_block || sc->n_matches == SSHD_MATCH_VALUES_MAX)
			return;
		sc->last_match_block = block;
		v = &sc->matches[sc->n_matches++];
	}
	str_copy(v->value, sizeof(v->value), value);
	snprintf(v->where, sizeof(v->where), "%s:%u", path, line);
}

static int scan_file(struct sshd_scan *sc, const char *path, unsigned depth, bool in_match,
		     unsigned block)
{
	const char *data, *p, *line;
	unsigned no = 0;
	size_t len, ll;
	int e = 0;

	if (depth > SSHD_DEPTH_MAX) {
		snprintf(sc->error, sizeof(sc->error), "%s: Include nested too deeply", path);
		return -ELOOP;
	}
	if (++sc->n_files > SSHD_FILES_MAX) {
		snprintf(sc->error, sizeof(sc->error),
			 "%s: more than %u files read through Include in total", path,
			 SSHD_FILES_MAX);
		return -E2BIG;
	}
	e = baseline_root_read(sc->r, path, BASELINE_SMALL_READ_MAX, false, &data, &len);
	if (e < 0) {
		snprintf(sc->error, sizeof(sc->error), "cannot read %s: %s", path, strerror(-e));
		return e;
	}
	sc->n_bytes += len;
	if (sc->n_bytes > SSHD_BYTES_MAX) {
		baseline_root_release(sc->r, data);
		snprintf(sc->error, sizeof(sc->error),
			 "%s: more than %u bytes read through Include in total", path,
			 SSHD_BYTES_MAX);
		return -E2BIG;
	}
	for (p = data; e >= 0 && baseline_next_line(&p, data + len, &line, &ll);) {
		char kw[64], arg[SSHD_ARG_MAX];
		const char *rest;

		no++;
		if (!split_keyword(line, ll, kw, sizeof(kw), &rest))
			continue;
		if (strcasecmp(kw, "Match") == 0) {
			in_match = true;
			block = ++sc->blocks;
		} else if (strcasecmp(kw, "Include") == 0) {
			while (e >= 0 && next_arg(&rest, line + ll, arg, sizeof(arg)))
				e = scan_include(sc, arg, depth, in_match, block);
		} else if (strcasecmp(kw, sc->keyword) == 0 &&
			   next_arg(&rest, line + ll, arg, sizeof(arg))) {
			record(sc, arg, path, no, in_match, block);
		}
	}
	baseline_root_release(sc->r, data);
	return e;
}

static bool value_ok(const struct baseline_check *c, const char *v, char *why, size_t size)
{
	long long n;

	if (c->values.n) {
		for (size_t i = 0; i < c->values.n; i++)
			if (strcasecmp(v, c->values.v[i]) == 0)
				return true;
		snprintf(why, size, "expected %s%s", c->values.v[0],
			 c->values.n > 1 ? " (or another accepted value)" : "");
		return false;
	}
	if (c->is_time) {
		if (baseline_sshd_parse_time(v, &n) < 0) {
			snprintf(why, size, "not a time value");
			return false;
		}
	} else {
		int64_t x;

		if (num_parse_i64(v, strlen(v), LLONG_MIN, LLONG_MAX, &x) < 0) {
			snprintf(why, size, "not a number");
			return false;
		}
		n = x;
	}
	if (c->has_min && n < c->min) {
		snprintf(why, size, "below the minimum %lld", c->min);
		return false;
	}
	if (c->has_max && n > c->max) {
		snprintf(why, size, "above the maximum %lld", c->max);
		return false;
	}
	return true;
}

void baseline_sshd_run(const struct baseline_check *c, struct baseline_root *r,
		       struct baseline_outcome *o)
{
	struct sshd_scan *sc;
	struct stat st;
	char why[96];
	int e;

	e = baseline_root_stat(r, SSHD_CONFIG, &st);
	if (e == -ENOENT || e == -ENOTDIR) {
		baseline_outcome_set(o, BASELINE_RESULT_SKIP, "sshd is not installed (no %s)",
				     SSHD_CONFIG);
		return;
	}
	sc = es_calloc(1, sizeof(*sc));
	if (!sc) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "out of memory");
		return;
	}
	sc->r = r;
	sc->keyword = c->keyword;
	if (scan_file(sc, SSHD_CONFIG, 0, false, 0) < 0) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "%s", sc->error);
		goto out;
	}
	for (size_t i = 0; c->check_match_blocks && i < sc->n_matches; i++)
		if (!value_ok(c, sc->matches[i].value, why, sizeof(why))) {
			baseline_outcome_set(o, BASELINE_RESULT_FAIL,
					     "%s %s in a Match block (%s): %s", c->keyword,
					     sc->matches[i].value, sc->matches[i].where, why);
			goto out;
		}
	if (sc->have_global) {
		bool ok = value_ok(c, sc->global.value, why, sizeof(why));

		baseline_outcome_set(o, ok ? BASELINE_RESULT_PASS : BASELINE_RESULT_FAIL,
				     "%s %s (%s)%s%s", c->keyword, sc->global.value,
				     sc->global.where, ok ? "" : ": ", ok ? "" : why);
	} else if (c->default_value) {
		bool ok = value_ok(c, c->default_value, why, sizeof(why));

		baseline_outcome_set(o, ok ? BASELINE_RESULT_PASS : BASELINE_RESULT_FAIL,
				     "%s not set; sshd's default is %s%s%s", c->keyword,
				     c->default_value, ok ? "" : ": ", ok ? "" : why);
	} else {
		baseline_outcome_set(o, BASELINE_RESULT_FAIL, "%s is not set in %s", c->keyword,
				     SSHD_CONFIG);
	}
out:
	es_free(sc);
}
