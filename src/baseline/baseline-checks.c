/* SPDX-License-Identifier: MIT */
/*
 * The check evaluators (all types but sshd-config, which is baseline-sshd.c).
 *
 * Each evaluator reads files below the root (baseline-root.c) and turns what it finds into
 * Pass / Fail / Err / Skip with a one-line reason.  Reasons name files, line numbers, accounts,
 * packages and units — never file content, and never anything from the password field of
 * /etc/shadow except whether it is empty.  A check never runs a program.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline-int.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/num.h"

#define LINE_MAX_LEN 4096 /* longer lines are matched on their first 4095 bytes */
#define GLOB_FILES_MAX 64 /* files one file-content path may expand to */
#define ACCOUNTS_MAX 65536

void baseline_outcome_set(struct baseline_outcome *o, enum baseline_result r, const char *fmt, ...)
{
	va_list ap;

	o->result = r;
	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
}

bool baseline_next_line(const char **p, const char *end, const char **ret_line, size_t *ret_len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return false;
	nl = memchr(s, '\n', (size_t)(end - s));
	*ret_line = s;
	*ret_len = nl ? (size_t)(nl - s) : (size_t)(end - s);
	*p = nl ? nl + 1 : end;
	return true;
}

/* Splits a line at ':' into at most max fields; returns the number found. */
static size_t split_colon(const char *line, size_t len, const char **f, size_t *fl, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len && n < max; i++) {
		if (i == len || line[i] == ':') {
			f[n] = line + start;
			fl[n++] = i - start;
			start = i + 1;
		}
	}
	return n;
}

static bool span_eq(const char *s, size_t n, const char *z)
{
	return strlen(z) == n && memcmp(s, z, n) == 0;
}

static void add_name(struct buf *b, const char *s, size_t n)
{
	if (b->len)
		buf_puts(b, ", ");
	buf_append(b, s, n);
}

/* --- files ------------------------------------------------------------------------------ */

static void run_exists(const struct baseline_check *c, struct baseline_root *r, bool want,
		       struct baseline_outcome *o)
{
	const char *path = c->paths.v[0];
	struct stat st;
	int e = baseline_root_stat(r, path, &st);

	if (e == -ENOENT || e == -ENOTDIR)
		baseline_outcome_set(o, want ? BASELINE_RESULT_FAIL : BASELINE_RESULT_PASS,
				     "%s does not exist", path);
	else if (e < 0)
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot examine %s: %s", path,
				     strerror(-e));
	else
		baseline_outcome_set(o, want ? BASELINE_RESULT_PASS : BASELINE_RESULT_FAIL,
				     "%s exists", path);
}

/* Resolves a user or group name through the root's own passwd/group file. */
static int lookup_id(struct baseline_root *r, const char *file, const char *name, long *ret_id)
{
	const char *data, *p, *line, *f[4];
	size_t len, ll, fl[4];
	int64_t v;
	int e;

	if (name[0] >= '0' && name[0] <= '9' &&
	    num_parse_i64(name, strlen(name), LONG_MIN, LONG_MAX, &v) == 0) {
		*ret_id = (long)v;
		return 0;
	}
	e = baseline_root_read(r, file, BASELINE_READ_MAX, true, &data, &len);
	if (e < 0)
		return e;
	for (p = data; baseline_next_line(&p, data + len, &line, &ll);) {
		if (split_colon(line, ll, f, fl, 4) < 3 || !span_eq(f[0], fl[0], name))
			continue;
		if (num_parse_i64(f[2], fl[2], LONG_MIN, LONG_MAX, &v) < 0)
			return -EINVAL;
		*ret_id = (long)v;
		return 0;
	}
	return -ENOENT;
}

static bool id_check(struct baseline_root *r, const char *file, const char *name, long actual,
		     const char *what, struct buf *why, bool *err)
{
	long want;
	int e = lookup_id(r, file, name, &want);

	if (e < 0) {
		*err = true;
		buf_printf(why, "%scannot resolve %s '%s' in %s: %s", why->len ? "; " : "", what,
			   name, file, e == -ENOENT ? "not found" : strerror(-e));
		return false;
	}
	if (want == actual)
		return true;
	buf_printf(why, "%s%s is %ld, not %s", why->len ? "; " : "", what, actual, name);
	return false;
}

static void run_mode(const struct baseline_check *c, struct baseline_root *r,
		     struct baseline_outcome *o)
{
	const char *path = c->paths.v[0];
	bool ok = true, err = false;
	struct stat st;
	struct buf why;
	int e = baseline_root_stat(r, path, &st);

	if (e == -ENOENT || e == -ENOTDIR) {
		baseline_outcome_set(o, c->if_missing, "%s does not exist", path);
		return;
	}
	if (e < 0) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot examine %s: %s", path,
				     strerror(-e));
		return;
	}
	buf_init(&why, BASELINE_REASON_MAX);
	if (c->has_max_mode && (st.st_mode & 07777 & ~c->max_mode)) {
		buf_printf(&why, "mode %04o is more permissive than %04o",
			   (unsigned)(st.st_mode & 07777), (unsigned)c->max_mode);
		ok = false;
	}
	if (c->owner)
		ok &= id_check(r, "/etc/passwd", c->owner, (long)st.st_uid, "owner", &why, &err);
	if (c->group)
		ok &= id_check(r, "/etc/group", c->group, (long)st.st_gid, "group", &why, &err);
	if (err)
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "%s: %s", path, why.data);
	else if (!ok)
		baseline_outcome_set(o, BASELINE_RESULT_FAIL, "%s: %s", path, why.data);
	else
		baseline_outcome_set(o, BASELINE_RESULT_PASS, "%s: mode %04o, uid %ld, gid %ld",
				     path, (unsigned)(st.st_mode & 07777), (long)st.st_uid,
				     (long)st.st_gid);
	buf_done(&why);
}

/* 1 and the line number when a line of data matches, 0 when none does, <0 on error. */
static int match_lines(const struct es_regex *re, const char *data, size_t len, unsigned *ret_line)
{
	const char *p = data, *line;
	unsigned no = 0;
	size_t ll;
	int m;

	while (baseline_next_line(&p, data + len, &line, &ll)) {
		size_t n = ll < LINE_MAX_LEN - 1 ? ll : LINE_MAX_LEN - 1;

		no++;
		if (memchr(line, '\0', n))
			continue; /* binary data: not a text line */
		if ((m = es_regex_search(re, line, n, NULL, 0)) != 0) {
			*ret_line = no;
			return m;
		}
	}
	return 0;
}

static void run_content(const struct baseline_check *c, struct baseline_root *r,
			struct baseline_outcome *o)
{
	size_t files = 0;

	for (size_t i = 0; i < c->paths.n; i++) {
		char **paths = NULL;
		size_t n = 0;
		int e = baseline_root_glob(r, c->paths.v[i], GLOB_FILES_MAX, &paths, &n);

		if (e < 0) {
			baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot list %s: %s",
					     c->paths.v[i], strerror(-e));
			return;
		}
		for (size_t j = 0; j < n; j++) {
			const char *data;
			size_t len;
			unsigned line = 0;
			int m;

			e = baseline_root_read(r, paths[j], BASELINE_SMALL_READ_MAX, false, &data,
					       &len);
			if (e == -ENOENT)
				continue;
			if (e < 0) {
				baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot read %s: %s",
						     paths[j], strerror(-e));
				baseline_paths_free(paths, n);
				return;
			}
			files++;
			m = match_lines(c->re, data, len, &line);
			baseline_root_release(r, data);
			if (m < 0) {
				baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot match %s: %s",
						     paths[j], strerror(-m));
				baseline_paths_free(paths, n);
				return;
			}
			if (m && c->expect_present) {
				baseline_outcome_set(o, BASELINE_RESULT_PASS, "%s line %u matches",
						     paths[j], line);
				baseline_paths_free(paths, n);
				return;
			}
			if (m) {
				baseline_outcome_set(o, BASELINE_RESULT_FAIL,
						     "%s line %u matches a forbidden pattern",
						     paths[j], line);
				baseline_paths_free(paths, n);
				return;
			}
		}
		baseline_paths_free(paths, n);
	}
	if (files == 0)
		baseline_outcome_set(o, c->if_missing, "%s does not exist%s", c->paths.v[0],
				     c->paths.n > 1 ? " (nor the other files)" : "");
	else if (c->expect_present)
		baseline_outcome_set(o, BASELINE_RESULT_FAIL, "no line of %s%s matches",
				     c->paths.v[0],
				     c->paths.n > 1 || files > 1 ? " (and others)" : "");
	else
		baseline_outcome_set(o, BASELINE_RESULT_PASS, "no line of %s%s matches",
				     c->paths.v[0],
				     c->paths.n > 1 || files > 1 ? " (and others)" : "");
}

/* --- sysctl ----------------------------------------------------------------------------- */

/* Trims, and collapses runs of blanks into one space (multi-value sysctls). */
static void normalize_value(const char *in, size_t len, char *out, size_t size)
{
	size_t n = 0;
	bool blank = false;

	for (size_t i = 0; i < len && n + 1 < size; i++) {
		if (in[i] == ' ' || in[i] == '\t' || in[i] == '\n') {
			blank = n > 0;
			continue;
		}
		if (blank && n + 2 < size)
			out[n++] = ' ';
		blank = false;
		out[n++] = in[i];
	}
	out[n] = '\0';
}

static bool parse_ll(const char *s, long long *ret)
{
	int64_t v;

	if (num_parse_i64(s, strlen(s), LLONG_MIN, LLONG_MAX, &v) < 0)
		return false;
	*ret = (long long)v;
	return true;
}

static void run_sysctl(const struct baseline_check *c, struct baseline_root *r,
		       struct baseline_outcome *o)
{
	char path[BASELINE_VALUE_MAX + 16], value[BASELINE_VALUE_MAX];
	const char *data;
	size_t len, n;
	long long v;
	int e;

	n = (size_t)snprintf(path, sizeof(path), "/proc/sys/%s", c->keyword);
	for (size_t i = 10; i < n && i < sizeof(path); i++)
		if (path[i] == '.')
			path[i] = '/';
	e = baseline_root_read(r, path, 4096, false, &data, &len);
	if (e == -ENOENT) {
		baseline_outcome_set(o, c->if_missing, "%s does not exist (%s)", c->keyword, path);
		return;
	}
	if (e < 0) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot read %s: %s", path,
				     strerror(-e));
		return;
	}
	normalize_value(data, len, value, sizeof(value));
	baseline_root_release(r, data);
	if (c->values.n) {
		for (size_t i = 0; i < c->values.n; i++)
			if (strcmp(value, c->values.v[i]) == 0) {
				baseline_outcome_set(o, BASELINE_RESULT_PASS, "%s is %s",
						     c->keyword, value);
				return;
			}
		baseline_outcome_set(o, BASELINE_RESULT_FAIL, "%s is %s, expected %s%s", c->keyword,
				     value, c->values.v[0],
				     c->values.n > 1 ? " (or another accepted value)" : "");
		return;
	}
	if (!parse_ll(value, &v)) {
		baseline_outcome_set(o, BASELINE_RESULT_FAIL, "%s is '%s', not a number",
				     c->keyword, value);
		return;
	}
	if ((c->has_min && v < c->min) || (c->has_max && v > c->max))
		baseline_outcome_set(o, BASELINE_RESULT_FAIL, "%s is %lld, outside [%lld, %lld]",
				     c->keyword, v, c->has_min ? c->min : -(1LL << 62),
				     c->has_max ? c->max : (1LL << 62));
	else
		baseline_outcome_set(o, BASELINE_RESULT_PASS, "%s is %lld", c->keyword, v);
}

/* --- packages (dpkg) -------------------------------------------------------------------- */

static bool dpkg_status_installed(const char *s, size_t n)
{
	static const char *const states[] = { "installed",	  "triggers-awaited",
					      "triggers-pending", "half-configured",
					      "unpacked",	  "half-installed" };
	const char *last = s + n;
	size_t words = 0;

	/* "want flag status": the third word says whether files are on disk. */
	while (s < last) {
		const char *w;

		while (s < last && (*s == ' ' || *s == '\t'))
			s++;
		w = s;
		while (s < last && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (s == w)
			break;
		if (++words == 3) {
			for (size_t i = 0; i < ARRAY_SIZE(states); i++)
				if (span_eq(w, (size_t)(s - w), states[i]))
					return true;
			return false;
		}
	}
	return false;
}

/* Index in names of the first installed package, or -1. */
static long dpkg_find(const char *data, size_t len, const struct baseline_strv *names)
{
	const char *p = data, *line, *pkg = NULL;
	size_t ll, pkg_len = 0;
	bool installed = false, more = true;

	while (more) {
		more = baseline_next_line(&p, data + len, &line, &ll);
		if (!more || ll == 0 || (ll == 1 && line[0] == '\r')) {
			for (size_t i = 0; pkg && installed && i < names->n; i++)
				if (span_eq(pkg, pkg_len, names->v[i]))
					return (long)i;
			pkg = NULL;
			installed = false;
			continue;
		}
		if (ll > 8 && strncasecmp(line, "Package:", 8) == 0) {
			pkg = line + 8;
			pkg_len = ll - 8;
			while (pkg_len && (*pkg == ' ' || *pkg == '\t'))
				pkg++, pkg_len--;
			while (pkg_len && (pkg[pkg_len - 1] == ' ' || pkg[pkg_len - 1] == '\r'))
				pkg_len--;
		} else if (ll > 7 && strncasecmp(line, "Status:", 7) == 0) {
			installed = dpkg_status_installed(line + 7, ll - 7);
		}
	}
	return -1;
}

static void run_package(const struct baseline_check *c, struct baseline_root *r, bool want,
			struct baseline_outcome *o)
{
	static const char status[] = "/var/lib/dpkg/status";
	const char *data;
	size_t len;
	long i;
	int e = baseline_root_read(r, status, BASELINE_READ_MAX, true, &data, &len);

	if (e == -ENOENT) {
		baseline_outcome_set(o, BASELINE_RESULT_SKIP, "no dpkg database (%s)", status);
		return;
	}
	if (e < 0) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot read %s: %s", status,
				     strerror(-e));
		return;
	}
	i = dpkg_find(data, len, &c->names);
	if (i >= 0)
		baseline_outcome_set(o, want ? BASELINE_RESULT_PASS : BASELINE_RESULT_FAIL,
				     "package %s is installed", c->names.v[i]);
	else if (c->names.n == 1)
		baseline_outcome_set(o, want ? BASELINE_RESULT_FAIL : BASELINE_RESULT_PASS,
				     "%s is not installed", c->names.v[0]);
	else
		baseline_outcome_set(o, want ? BASELINE_RESULT_FAIL : BASELINE_RESULT_PASS,
				     "none of %s and %zu alternative%s is installed", c->names.v[0],
				     c->names.n - 1, c->names.n > 2 ? "s" : "");
}

/* --- expectedWhen ----------------------------------------------------------------------- */

/* What makes the failure expected here: "package moby-engine is installed", or "" if nothing. */
static void expected_evidence(const struct baseline_check *c, struct baseline_root *r, char *out,
			      size_t size)
{
	const char *data;
	size_t len;
	struct stat st;
	long i;

	out[0] = '\0';
	if (c->expected_packages.n &&
	    baseline_root_read(r, "/var/lib/dpkg/status", BASELINE_READ_MAX, true, &data, &len) ==
		    0 &&
	    (i = dpkg_find(data, len, &c->expected_packages)) >= 0) {
		snprintf(out, size, "package %s is installed", c->expected_packages.v[i]);
		return;
	}
	for (size_t k = 0; k < c->expected_paths.n; k++)
		if (baseline_root_stat(r, c->expected_paths.v[k], &st) == 0) {
			snprintf(out, size, "%s exists", c->expected_paths.v[k]);
			return;
		}
}

void baseline_expected_apply(const struct baseline_check *c, struct baseline_root *r,
			     struct baseline_outcome *o)
{
	char evidence[128], found[BASELINE_REASON_MAX];

	if (o->result != BASELINE_RESULT_FAIL || !c->expected_reason)
		return;
	expected_evidence(c, r, evidence, sizeof(evidence));
	if (!evidence[0])
		return;
	memcpy(found, o->reason, sizeof(found));
	baseline_outcome_set(o, BASELINE_RESULT_SKIP, "%s, but %s: %s", found, evidence,
			     c->expected_reason);
	o->expected = true;
}

/* --- accounts --------------------------------------------------------------------------- */

static int read_accounts(struct baseline_root *r, const char *file, struct baseline_outcome *o,
			 const char **ret_data, size_t *ret_len)
{
	int e = baseline_root_read(r, file, BASELINE_READ_MAX, true, ret_data, ret_len);

	if (e < 0)
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot read %s: %s", file,
				     strerror(-e));
	return e;
}

static void run_empty_passwords(struct baseline_root *r, struct baseline_outcome *o)
{
	static const char *const files[] = { "/etc/passwd", "/etc/shadow" };
	struct buf names;
	unsigned count = 0;

	buf_init(&names, 160);
	for (size_t i = 0; i < 2; i++) {
		const char *data, *p, *line, *f[2];
		size_t len, ll, fl[2];

		if (read_accounts(r, files[i], o, &data, &len) < 0)
			goto out;
		for (p = data; baseline_next_line(&p, data + len, &line, &ll);) {
			/* Only the emptiness of the password field is looked at. */
			if (ll == 0 || strchr("#+-", line[0]) ||
			    split_colon(line, ll, f, fl, 2) < 2 || fl[1] != 0)
				continue;
			count++;
			add_name(&names, f[0], fl[0]);
		}
	}
	if (count)
		baseline_outcome_set(o, BASELINE_RESULT_FAIL, "%u account%s without a password: %s",
				     count, count > 1 ? "s" : "",
				     names.failed ? "(list too long)" : names.data);
	else
		baseline_outcome_set(o, BASELINE_RESULT_PASS,
				     "every account has a password or is locked");
out:
	buf_done(&names);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static void run_uids(struct baseline_root *r, bool unique, struct baseline_outcome *o)
{
	const char *data, *p, *line, *f[3];
	size_t len, ll, fl[3], n = 0;
	long *uids = NULL;
	unsigned count = 0;
	struct buf names;

	if (read_accounts(r, "/etc/passwd", o, &data, &len) < 0)
		return;
	buf_init(&names, 160);
	if (unique && !(uids = es_calloc(ACCOUNTS_MAX, sizeof(long)))) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "out of memory");
		goto out;
	}
	for (p = data; baseline_next_line(&p, data + len, &line, &ll);) {
		int64_t uid;

		if (ll == 0 || line[0] == '#' || split_colon(line, ll, f, fl, 3) < 3 ||
		    num_parse_i64(f[2], fl[2], LONG_MIN, LONG_MAX, &uid) < 0)
			continue;
		if (!unique && uid == 0 && !span_eq(f[0], fl[0], "root")) {
			count++;
			add_name(&names, f[0], fl[0]);
		}
		if (unique && n < ACCOUNTS_MAX)
			uids[n++] = (long)uid;
	}
	if (unique) {
		qsort(uids, n, sizeof(long), cmp_long);
		for (size_t i = 1; i < n; i++)
			if (uids[i] == uids[i - 1] && (i < 2 || uids[i - 1] != uids[i - 2])) {
				count++;
				buf_printf(&names, "%s%ld", names.len ? ", " : "", uids[i]);
			}
		if (count)
			baseline_outcome_set(o, BASELINE_RESULT_FAIL,
					     "UID%s used by more than one account: %s",
					     count > 1 ? "s" : "",
					     names.failed ? "(list too long)" : names.data);
		else
			baseline_outcome_set(o, BASELINE_RESULT_PASS, "every UID is unique");
	} else if (count) {
		baseline_outcome_set(o, BASELINE_RESULT_FAIL,
				     "accounts other than root with UID 0: %s",
				     names.failed ? "(list too long)" : names.data);
	} else {
		baseline_outcome_set(o, BASELINE_RESULT_PASS, "only root has UID 0");
	}
out:
	es_free(uids);
	buf_done(&names);
}

void baseline_check_run(const struct baseline_check *c, struct baseline_root *root,
			struct baseline_outcome *o)
{
	baseline_outcome_set(o, BASELINE_RESULT_ERR, "unknown check type");
	o->expected = false;
	switch (c->meta.type) {
	case BASELINE_CHECK_FILE_EXISTS:
		run_exists(c, root, true, o);
		break;
	case BASELINE_CHECK_FILE_NOT_EXISTS:
		run_exists(c, root, false, o);
		break;
	case BASELINE_CHECK_FILE_MODE:
		run_mode(c, root, o);
		break;
	case BASELINE_CHECK_FILE_CONTENT:
		run_content(c, root, o);
		break;
	case BASELINE_CHECK_SSHD_CONFIG:
		baseline_sshd_run(c, root, o);
		break;
	case BASELINE_CHECK_SYSCTL:
		run_sysctl(c, root, o);
		break;
	case BASELINE_CHECK_PACKAGE_INSTALLED:
		run_package(c, root, true, o);
		break;
	case BASELINE_CHECK_PACKAGE_NOT_INSTALLED:
		run_package(c, root, false, o);
		break;
	case BASELINE_CHECK_SERVICE_ENABLED:
		baseline_service_run(c, root, true, o);
		break;
	case BASELINE_CHECK_SERVICE_DISABLED:
		baseline_service_run(c, root, false, o);
		break;
	case BASELINE_CHECK_MOUNT_OPTIONS:
		baseline_mount_run(c, root, o);
		break;
	case BASELINE_CHECK_NO_EMPTY_PASSWORDS:
		run_empty_passwords(root, o);
		break;
	case BASELINE_CHECK_ONLY_ROOT_UID0:
		run_uids(root, false, o);
		break;
	case BASELINE_CHECK_UNIQUE_UIDS:
		run_uids(root, true, o);
		break;
	case BASELINE_CHECK_PROCESS_RUNNING:
		baseline_process_run(c, root, o);
		break;
	case _BASELINE_CHECK_TYPE_MAX:
	case _BASELINE_CHECK_TYPE_INVALID:
	default:
		break;
	}
	baseline_expected_apply(c, root, o);
}
