/* SPDX-License-Identifier: MIT */
/*
 * The checks-file parser: JSON text → struct baseline_profile, or a precise error.
 *
 * Format (docs/baseline.md):
 *   { "name": "...", "version": 1, "description": "...",
 *     "checks": [ { "id", "cceId", "severity", "description", "remediation", "type",
 *                   "parameters": { ...per type... } }, ... ] }
 * Unknown keys are errors (a typo must not silently disable a check).  Every string has a
 * maximum length, lists at most BASELINE_LIST_MAX elements, at most BASELINE_CHECKS_MAX checks,
 * ids are unique.  Regular expressions (POSIX extended, common/regex.h: linear-time matching,
 * capped compile cost, no back-references) are compiled here so that a bad or too costly one
 * is reported with its pointer and its check id.
 * Paths are absolute, without "." or ".." components; only file-content takes a glob, and only
 * in the last component.  No check type can run a command.
 *
 * The parser is pure (no file access); tests/fuzz/fuzz-baseline-checks.c fuzzes it.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "baseline-int.h"
#include "common/alloc.h"
#include "common/num.h"
#include "common/regex.h"
#include "common/str.h"

static const char *const severity_names[_BASELINE_SEVERITY_MAX] = {
	[BASELINE_SEVERITY_CRITICAL] = "Critical",
	[BASELINE_SEVERITY_IMPORTANT] = "Important",
	[BASELINE_SEVERITY_WARNING] = "Warning",
	[BASELINE_SEVERITY_INFORMATIONAL] = "Informational",
};

static const char *const type_names[_BASELINE_CHECK_TYPE_MAX] = {
	[BASELINE_CHECK_FILE_EXISTS] = "file-exists",
	[BASELINE_CHECK_FILE_NOT_EXISTS] = "file-not-exists",
	[BASELINE_CHECK_FILE_MODE] = "file-mode",
	[BASELINE_CHECK_FILE_CONTENT] = "file-content",
	[BASELINE_CHECK_SSHD_CONFIG] = "sshd-config",
	[BASELINE_CHECK_SYSCTL] = "sysctl",
	[BASELINE_CHECK_PACKAGE_INSTALLED] = "package-installed",
	[BASELINE_CHECK_PACKAGE_NOT_INSTALLED] = "package-not-installed",
	[BASELINE_CHECK_SERVICE_ENABLED] = "service-enabled",
	[BASELINE_CHECK_SERVICE_DISABLED] = "service-disabled",
	[BASELINE_CHECK_MOUNT_OPTIONS] = "mount-options",
	[BASELINE_CHECK_NO_EMPTY_PASSWORDS] = "no-empty-passwords",
	[BASELINE_CHECK_ONLY_ROOT_UID0] = "only-root-uid0",
	[BASELINE_CHECK_UNIQUE_UIDS] = "unique-uids",
	[BASELINE_CHECK_PROCESS_RUNNING] = "process-running",
};

static const char *const result_names[_BASELINE_RESULT_MAX] = {
	[BASELINE_RESULT_PASS] = "Pass",
	[BASELINE_RESULT_FAIL] = "Fail",
	[BASELINE_RESULT_ERR] = "Err",
	[BASELINE_RESULT_SKIP] = "Skip",
};

const char *baseline_severity_to_string(enum baseline_severity s)
{
	return s >= 0 && s < _BASELINE_SEVERITY_MAX ? severity_names[s] : NULL;
}

enum baseline_severity baseline_severity_from_string(const char *s)
{
	for (int i = 0; s && i < _BASELINE_SEVERITY_MAX; i++)
		if (strcmp(s, severity_names[i]) == 0)
			return (enum baseline_severity)i;
	return _BASELINE_SEVERITY_INVALID;
}

const char *baseline_check_type_to_string(enum baseline_check_type t)
{
	return t >= 0 && t < _BASELINE_CHECK_TYPE_MAX ? type_names[t] : NULL;
}

enum baseline_check_type baseline_check_type_from_string(const char *s)
{
	for (int i = 0; s && i < _BASELINE_CHECK_TYPE_MAX; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (enum baseline_check_type)i;
	return _BASELINE_CHECK_TYPE_INVALID;
}

const char *baseline_result_to_string(enum baseline_result r)
{
	return r >= 0 && r < _BASELINE_RESULT_MAX ? result_names[r] : NULL;
}

/* Parameters, as bits in the per-type tables. */
enum param {
	P_PATH,
	P_MAX_MODE,
	P_OWNER,
	P_GROUP,
	P_PATTERN,
	P_EXPECT,
	P_IF_MISSING,
	P_KEYWORD,
	P_VALUES,
	P_MIN,
	P_MAX,
	P_TIME,
	P_DEFAULT,
	P_MATCH_BLOCKS,
	P_NAME,
	P_NAMES,
	P_UNITS,
	P_PROCESSES,
	P_MOUNT_POINTS,
	P_FS_TYPES,
	P_OPTIONS,
	P_SOURCE,
	_P_MAX,
};

static const char *const param_names[_P_MAX] = {
	[P_PATH] = "path",
	[P_MAX_MODE] = "maxMode",
	[P_OWNER] = "owner",
	[P_GROUP] = "group",
	[P_PATTERN] = "pattern",
	[P_EXPECT] = "expect",
	[P_IF_MISSING] = "ifMissing",
	[P_KEYWORD] = "keyword",
	[P_VALUES] = "values",
	[P_MIN] = "min",
	[P_MAX] = "max",
	[P_TIME] = "time",
	[P_DEFAULT] = "default",
	[P_MATCH_BLOCKS] = "matchBlocks",
	[P_NAME] = "name",
	[P_NAMES] = "names",
	[P_UNITS] = "units",
	[P_PROCESSES] = "processes",
	[P_MOUNT_POINTS] = "mountPoints",
	[P_FS_TYPES] = "fsTypes",
	[P_OPTIONS] = "options",
	[P_SOURCE] = "source",
};

#define B(p) (1u << (p))

struct type_spec {
	unsigned allowed, required;
	enum baseline_result if_missing; /* default for ifMissing */
};

static const struct type_spec type_specs[_BASELINE_CHECK_TYPE_MAX] = {
	[BASELINE_CHECK_FILE_EXISTS] = { B(P_PATH), B(P_PATH), BASELINE_RESULT_FAIL },
	[BASELINE_CHECK_FILE_NOT_EXISTS] = { B(P_PATH), B(P_PATH), BASELINE_RESULT_PASS },
	[BASELINE_CHECK_FILE_MODE] = { B(P_PATH) | B(P_MAX_MODE) | B(P_OWNER) | B(P_GROUP) |
					       B(P_IF_MISSING),
				       B(P_PATH), BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_FILE_CONTENT] = { B(P_PATH) | B(P_PATTERN) | B(P_EXPECT) | B(P_IF_MISSING),
					  B(P_PATH) | B(P_PATTERN) | B(P_EXPECT),
					  BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_SSHD_CONFIG] = { B(P_KEYWORD) | B(P_VALUES) | B(P_MIN) | B(P_MAX) |
						 B(P_TIME) | B(P_DEFAULT) | B(P_MATCH_BLOCKS),
					 B(P_KEYWORD), BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_SYSCTL] = { B(P_NAME) | B(P_VALUES) | B(P_MIN) | B(P_MAX) | B(P_IF_MISSING),
				    B(P_NAME), BASELINE_RESULT_ERR },
	[BASELINE_CHECK_PACKAGE_INSTALLED] = { B(P_NAMES), B(P_NAMES), BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_PACKAGE_NOT_INSTALLED] = { B(P_NAMES), B(P_NAMES), BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_SERVICE_ENABLED] = { B(P_UNITS), B(P_UNITS), BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_SERVICE_DISABLED] = { B(P_UNITS), B(P_UNITS), BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_MOUNT_OPTIONS] = { B(P_MOUNT_POINTS) | B(P_FS_TYPES) | B(P_OPTIONS) |
						   B(P_SOURCE),
					   B(P_MOUNT_POINTS) | B(P_OPTIONS), BASELINE_RESULT_SKIP },
	[BASELINE_CHECK_NO_EMPTY_PASSWORDS] = { 0, 0, BASELINE_RESULT_ERR },
	[BASELINE_CHECK_ONLY_ROOT_UID0] = { 0, 0, BASELINE_RESULT_ERR },
	[BASELINE_CHECK_UNIQUE_UIDS] = { 0, 0, BASELINE_RESULT_ERR },
	[BASELINE_CHECK_PROCESS_RUNNING] = { B(P_PROCESSES), B(P_PROCESSES), BASELINE_RESULT_ERR },
};

/* What a string parameter may contain. */
enum charset {
	CS_ANY,	    /* printable text */
	CS_NAME,    /* user/group, package, fs type, mount option, sysctl name */
	CS_UNIT,    /* systemd unit name */
	CS_KEYWORD, /* sshd keyword */
};

struct parse_ctx {
	struct json_error *err;
	char ptr[JSON_POINTER_MAX];
};

static int fail(struct parse_ctx *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse_ctx *x, const char *key, const char *fmt, ...)
{
	char p[JSON_POINTER_MAX], msg[JSON_ERROR_MAX];
	va_list ap;

	str_copy(p, sizeof(p), x->ptr);
	if (key)
		json_pointer_append(p, key);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_error_set(x->err, p, "%s", msg);
}

static bool char_ok(unsigned char ch, enum charset cs)
{
	switch (cs) {
	case CS_NAME:
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		       (ch >= '0' && ch <= '9') || strchr("_.+-=", ch);
	case CS_UNIT:
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		       (ch >= '0' && ch <= '9') || strchr(":_.@-\\", ch);
	case CS_KEYWORD:
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		       (ch >= '0' && ch <= '9');
	case CS_ANY:
	default:
		return ch >= 0x20 && ch != 0x7f;
	}
}

/* Validates a string item and returns a copy in *ret (NULL on error). */
static int take_string(struct parse_ctx *x, const char *key, const cJSON *item, size_t min_len,
		       size_t max_len, enum charset cs, char **ret)
{
	const char *s;
	size_t n;

	if (!cJSON_IsString(item))
		return fail(x, key, "must be a string, not %s", json_type_name(item));
	s = item->valuestring;
	n = strlen(s);
	if (n < min_len)
		return fail(x, key, "must not be empty");
	if (n > max_len) {
		char m[24];

		snprintf(m, sizeof(m), "%zu", max_len);
		return fail(x, key, "is too long (the maximum is %s bytes)", m);
	}
	for (size_t i = 0; i < n; i++)
		if (!char_ok((unsigned char)s[i], cs))
			return fail(x, key, "contains a character that is not allowed here");
	*ret = es_strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static void strv_free(struct baseline_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		es_free(v->v[i]);
	es_free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* A string or an array of 1..BASELINE_LIST_MAX strings. */
static int take_list(struct parse_ctx *x, const char *key, const cJSON *item, enum charset cs,
		     struct baseline_strv *ret)
{
	const cJSON *e;
	size_t n = 0, i = 0;
	int r;

	if (cJSON_IsString(item)) {
		ret->v = es_calloc(1, sizeof(char *));
		if (!ret->v)
			return -ENOMEM;
		ret->n = 1;
		return take_string(x, key, item, 1, BASELINE_VALUE_MAX, cs, &ret->v[0]);
	}
	if (!cJSON_IsArray(item))
		return fail(x, key, "must be a string or an array of strings, not %s",
			    json_type_name(item));
	n = (size_t)cJSON_GetArraySize(item);
	if (n == 0 || n > BASELINE_LIST_MAX)
		return fail(x, key, "must hold 1 to 32 strings");
	ret->v = es_calloc(n, sizeof(char *));
	if (!ret->v)
		return -ENOMEM;
	ret->n = n;
	cJSON_ArrayForEach(e, item) {
		char k[16];

		snprintf(k, sizeof(k), "%zu", i);
		json_pointer_append(x->ptr, key);
		r = take_string(x, k, e, 1, BASELINE_VALUE_MAX, cs, &ret->v[i++]);
		*strrchr(x->ptr, '/') = '\0';
		if (r < 0)
			return r;
	}
	return 0;
}

/* Absolute, no "." / ".." components, glob characters only where allowed. */
static int check_path(struct parse_ctx *x, const char *key, const char *p, bool glob_ok)
{
	const char *last = strrchr(p, '/');

	if (p[0] != '/')
		return fail(x, key, "must be an absolute path ('%s')", p);
	for (const char *c = p; *c; c++) {
		if (*c == '/' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return fail(x, key, "must not contain '.' components ('%s')", p);
		if (*c == '/' && c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0'))
			return fail(x, key, "must not contain '..' components ('%s')", p);
		if (strchr("*?[", *c) && (!glob_ok || c < last))
			return fail(x, key,
				    glob_ok ? "may hold glob characters only in its last component "
					      "('%s')"
					    : "must not hold glob characters ('%s')",
				    p);
	}
	return 0;
}

static int take_number(struct parse_ctx *x, const char *key, const cJSON *item, long long *ret)
{
	double d;

	if (!cJSON_IsNumber(item))
		return fail(x, key, "must be a number, not %s", json_type_name(item));
	d = item->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < -1e15 || d > 1e15)
		return fail(x, key, "must be an integer between -10^15 and 10^15");
	*ret = (long long)d;
	return 0;
}

static int take_enum(struct parse_ctx *x, const char *key, const cJSON *item,
		     const char *const *names, int *ret)
{
	if (!cJSON_IsString(item))
		return fail(x, key, "must be a string, not %s", json_type_name(item));
	for (int i = 0; names[i]; i++)
		if (strcmp(item->valuestring, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	return fail(x, key, "has an unknown value '%s'", item->valuestring);
}

static const char *const if_missing_names[] = { "pass", "fail", "err", "skip", NULL };
static const char *const expect_names[] = { "present", "absent", NULL };
static const char *const match_names[] = { "check", "ignore", NULL };
static const char *const source_names[] = { "fstab", "mounts", NULL };

static int parse_mode(struct parse_ctx *x, const cJSON *item, struct baseline_check *c)
{
	const char *s;
	uint64_t v;
	size_t n;
	int r;

	if (!cJSON_IsString(item))
		return fail(x, "maxMode", "must be an octal string such as \"0644\", not %s",
			    json_type_name(item));
	s = item->valuestring;
	n = strlen(s);
	r = n > 5 ? -EINVAL : num_parse_u64(s, n, 8, 07777, &v);
	if (r == -ERANGE)
		return fail(x, "maxMode", "must be at most 07777 ('%s')", s);
	if (r < 0)
		return fail(x, "maxMode", "must be an octal string such as \"0644\" ('%s')", s);
	c->has_max_mode = true;
	c->max_mode = (mode_t)v;
	return 0;
}

static int parse_param(struct parse_ctx *x, enum param p, const cJSON *v, struct baseline_check *c)
{
	const char *key = param_names[p];
	int r = 0, e;

	switch (p) {
	case P_PATH:
		if ((r = take_list(x, key, v, CS_ANY, &c->paths)) < 0)
			return r;
		if (c->meta.type != BASELINE_CHECK_FILE_CONTENT && c->paths.n != 1)
			return fail(x, key, "must be a single path here");
		for (size_t i = 0; i < c->paths.n; i++)
			if ((r = check_path(x, key, c->paths.v[i],
					    c->meta.type == BASELINE_CHECK_FILE_CONTENT)) < 0)
				return r;
		return 0;
	case P_MAX_MODE:
		return parse_mode(x, v, c);
	case P_OWNER:
		return take_string(x, key, v, 1, 32, CS_NAME, &c->owner);
	case P_GROUP:
		return take_string(x, key, v, 1, 32, CS_NAME, &c->group);
	case P_PATTERN: {
		struct es_regex_error re_err;
		char *pat = NULL;

		if ((r = take_string(x, key, v, 1, BASELINE_PATTERN_MAX, CS_ANY, &pat)) < 0)
			return r;
		es_regex_free(c->re); /* a repeated key */
		c->re = NULL;
		e = es_regex_compile(pat, strlen(pat), 0, &c->re, &re_err);
		if (e == -EINVAL || e == -E2BIG)
			r = fail(x, key, "%s (check '%s', byte %zu of '%.80s'): %s",
				 e == -EINVAL ? "is not a valid extended regular expression"
					      : "is over the regular expression cost caps",
				 c->id, re_err.offset, pat, re_err.message);
		else if (e < 0)
			r = fail(x, key, "cannot be compiled: %s", strerror(-e));
		es_free(pat);
		return r;
	}
	case P_EXPECT:
		if ((r = take_enum(x, key, v, expect_names, &e)) == 0)
			c->expect_present = e == 0;
		return r;
	case P_IF_MISSING:
		if ((r = take_enum(x, key, v, if_missing_names, &e)) == 0)
			c->if_missing = (enum baseline_result)e;
		return r;
	case P_KEYWORD:
		return take_string(x, key, v, 1, 64, CS_KEYWORD, &c->keyword);
	case P_VALUES:
		return take_list(x, key, v, CS_ANY, &c->values);
	case P_MIN:
		c->has_min = true;
		return take_number(x, key, v, &c->min);
	case P_MAX:
		c->has_max = true;
		return take_number(x, key, v, &c->max);
	case P_TIME:
		if (!cJSON_IsBool(v))
			return fail(x, key, "must be true or false, not %s", json_type_name(v));
		c->is_time = cJSON_IsTrue(v);
		return 0;
	case P_DEFAULT:
		return take_string(x, key, v, 1, BASELINE_VALUE_MAX, CS_ANY, &c->default_value);
	case P_MATCH_BLOCKS:
		if ((r = take_enum(x, key, v, match_names, &e)) == 0)
			c->check_match_blocks = e == 0;
		return r;
	case P_NAME:
		if ((r = take_string(x, key, v, 1, BASELINE_VALUE_MAX, CS_NAME, &c->keyword)) < 0)
			return r;
		if (c->keyword[0] == '.' || strstr(c->keyword, "..") ||
		    c->keyword[strlen(c->keyword) - 1] == '.')
			return fail(x, key, "is not a dotted sysctl name ('%s')", c->keyword);
		return 0;
	case P_NAMES:
		return take_list(x, key, v, CS_NAME, &c->names);
	case P_UNITS:
		if ((r = take_list(x, key, v, CS_UNIT, &c->names)) < 0)
			return r;
		for (size_t i = 0; i < c->names.n; i++)
			if (c->names.v[i][0] == '.' || !strchr(c->names.v[i], '.'))
				return fail(x, key, "must hold unit names with a suffix ('%s')",
					    c->names.v[i]);
		return 0;
	case P_PROCESSES: /* the kernel's comm: at most 15 bytes */
		if ((r = take_list(x, key, v, CS_NAME, &c->names)) < 0)
			return r;
		for (size_t i = 0; i < c->names.n; i++)
			if (strlen(c->names.v[i]) > 15)
				return fail(x, key,
					    "must hold process names of at most 15 bytes, as the "
					    "kernel keeps them ('%s')",
					    c->names.v[i]);
		return 0;
	case P_MOUNT_POINTS:
		if ((r = take_list(x, key, v, CS_ANY, &c->mount_points)) < 0)
			return r;
		for (size_t i = 0; i < c->mount_points.n; i++)
			if (c->mount_points.v[i][0] != '/' && c->mount_points.v[i][0] != '*')
				return fail(x, key, "must hold absolute paths or patterns ('%s')",
					    c->mount_points.v[i]);
		return 0;
	case P_FS_TYPES:
		return take_list(x, key, v, CS_NAME, &c->fs_types);
	case P_OPTIONS:
		return take_list(x, key, v, CS_NAME, &c->options);
	case P_SOURCE:
		if ((r = take_enum(x, key, v, source_names, &e)) == 0)
			c->mount_source = (enum baseline_mount_source)e;
		return r;
	case _P_MAX:
	default:
		return -EINVAL;
	}
}

static int parse_parameters(struct parse_ctx *x, const cJSON *obj, struct baseline_check *c)
{
	const struct type_spec *spec = &type_specs[c->meta.type];
	unsigned seen = 0;
	const cJSON *v;
	int r;

	if (!cJSON_IsObject(obj))
		return fail(x, NULL, "must be an object, not %s", json_type_name(obj));
	c->if_missing = spec->if_missing;
	c->check_match_blocks = true;
	cJSON_ArrayForEach(v, obj) {
		int p;

		for (p = 0; p < _P_MAX; p++)
			if (strcmp(v->string, param_names[p]) == 0)
				break;
		if (p == _P_MAX || !(spec->allowed & B(p)))
			return fail(x, v->string, "is not a parameter of this check type");
		if (seen & B(p))
			return fail(x, v->string, "is given twice");
		seen |= B(p);
		if ((r = parse_param(x, (enum param)p, v, c)) < 0)
			return r;
	}
	for (int p = 0; p < _P_MAX; p++)
		if ((spec->required & B(p)) && !(seen & B(p)))
			return fail(x, NULL, "lacks the required parameter '%s'", param_names[p]);
	if (c->meta.type == BASELINE_CHECK_FILE_MODE &&
	    !(seen & (B(P_MAX_MODE) | B(P_OWNER) | B(P_GROUP))))
		return fail(x, NULL, "needs at least one of maxMode, owner, group");
	if ((c->meta.type == BASELINE_CHECK_SSHD_CONFIG || c->meta.type == BASELINE_CHECK_SYSCTL) &&
	    !(seen & B(P_VALUES)) == !(seen & (B(P_MIN) | B(P_MAX))))
		return fail(x, NULL, "needs either 'values' or 'min'/'max'");
	if (c->has_min && c->has_max && c->min > c->max)
		return fail(x, "min", "is greater than max");
	return 0;
}

static bool cce_id_valid(const char *s)
{
	size_t i = 4, digits = 0;

	if (s[0] == '\0')
		return true;
	if (strncmp(s, "CCE-", 4) != 0)
		return false;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (digits < 1 || digits > 6 || s[i] != '-')
		return false;
	return s[i + 1] >= '0' && s[i + 1] <= '9' && s[i + 2] == '\0';
}

static bool id_valid(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '.' || *s == '_'))
			return false;
	return true;
}

static const char *const check_keys[] = { "id",		 "cceId", "severity",	"description",
					  "remediation", "type",  "parameters", NULL };
/* Optional keys of a check. */
#define EXPECTED_WHEN "expectedWhen"

/* "expectedWhen": {"packages": [...], "paths": [...], "reason": "..."} (one of the lists). */
static int parse_expected_when(struct parse_ctx *x, const cJSON *obj, struct baseline_check *c)
{
	const cJSON *v;
	int r;

	if (!cJSON_IsObject(obj))
		return fail(x, NULL, "must be an object, not %s", json_type_name(obj));
	cJSON_ArrayForEach(v, obj) {
		if ((strcmp(v->string, "packages") == 0 && c->expected_packages.v) ||
		    (strcmp(v->string, "paths") == 0 && c->expected_paths.v) ||
		    (strcmp(v->string, "reason") == 0 && c->expected_reason))
			r = fail(x, v->string, "is given twice");
		else if (strcmp(v->string, "packages") == 0)
			r = take_list(x, v->string, v, CS_NAME, &c->expected_packages);
		else if (strcmp(v->string, "paths") == 0)
			r = take_list(x, v->string, v, CS_ANY, &c->expected_paths);
		else if (strcmp(v->string, "reason") == 0)
			r = take_string(x, v->string, v, 1, BASELINE_EXPECTED_REASON_MAX, CS_ANY,
					&c->expected_reason);
		else
			r = fail(x, v->string,
				 "is not a key of expectedWhen (packages, paths, reason)");
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->expected_paths.n; i++)
		if ((r = check_path(x, "paths", c->expected_paths.v[i], false)) < 0)
			return r;
	if (!c->expected_reason)
		return fail(x, NULL, "lacks the required key 'reason'");
	if (!c->expected_packages.n && !c->expected_paths.n)
		return fail(x, NULL, "needs 'packages' or 'paths'");
	return 0;
}

static int parse_check(struct parse_ctx *x, const cJSON *obj, struct baseline_check *c)
{
	const cJSON *v;
	int r;

	if (!cJSON_IsObject(obj))
		return fail(x, NULL, "must be an object, not %s", json_type_name(obj));
	cJSON_ArrayForEach(v, obj) {
		int k;

		for (k = 0; check_keys[k]; k++)
			if (strcmp(v->string, check_keys[k]) == 0)
				break;
		if (!check_keys[k] && strcmp(v->string, EXPECTED_WHEN) != 0)
			return fail(x, v->string, "is not a key of a check");
	}
	for (int k = 0; check_keys[k]; k++)
		if (!cJSON_GetObjectItemCaseSensitive(obj, check_keys[k]))
			return fail(x, NULL, "lacks the required key '%s'", check_keys[k]);

	if ((r = take_string(x, "id", cJSON_GetObjectItemCaseSensitive(obj, "id"), 1,
			     BASELINE_ID_MAX, CS_ANY, &c->id)) < 0)
		return r;
	if (!id_valid(c->id))
		return fail(x, "id", "must be lower-case letters, digits, '-', '.', '_' ('%s')",
			    c->id);
	if ((r = take_string(x, "cceId", cJSON_GetObjectItemCaseSensitive(obj, "cceId"), 0, 16,
			     CS_ANY, &c->cce_id)) < 0)
		return r;
	if (!cce_id_valid(c->cce_id))
		return fail(x, "cceId", "must be \"\" or a CCE id such as \"CCE-4238-2\" ('%s')",
			    c->cce_id);
	v = cJSON_GetObjectItemCaseSensitive(obj, "severity");
	if (!cJSON_IsString(v) ||
	    (c->meta.severity = baseline_severity_from_string(v->valuestring)) < 0)
		return fail(x, "severity", "must be %s",
			    "\"Critical\", \"Important\", \"Warning\" or \"Informational\"");
	if ((r = take_string(x, "description", cJSON_GetObjectItemCaseSensitive(obj, "description"),
			     1, BASELINE_TEXT_MAX, CS_ANY, &c->description)) < 0)
		return r;
	if ((r = take_string(x, "remediation", cJSON_GetObjectItemCaseSensitive(obj, "remediation"),
			     1, BASELINE_TEXT_MAX, CS_ANY, &c->remediation)) < 0)
		return r;
	v = cJSON_GetObjectItemCaseSensitive(obj, "type");
	if (!cJSON_IsString(v))
		return fail(x, "type", "must be a string, not %s", json_type_name(v));
	if ((c->meta.type = baseline_check_type_from_string(v->valuestring)) < 0)
		return fail(x, "type", "is not a known check type ('%s')", v->valuestring);
	c->meta.id = c->id;
	c->meta.cce_id = c->cce_id;
	c->meta.description = c->description;
	c->meta.remediation = c->remediation;
	json_pointer_append(x->ptr, "parameters");
	r = parse_parameters(x, cJSON_GetObjectItemCaseSensitive(obj, "parameters"), c);
	*strrchr(x->ptr, '/') = '\0';
	if (r < 0 || !(v = cJSON_GetObjectItemCaseSensitive(obj, EXPECTED_WHEN)))
		return r;
	json_pointer_append(x->ptr, EXPECTED_WHEN);
	r = parse_expected_when(x, v, c);
	*strrchr(x->ptr, '/') = '\0';
	return r;
}

static void check_done(struct baseline_check *c)
{
	es_free(c->id);
	es_free(c->cce_id);
	es_free(c->description);
	es_free(c->remediation);
	strv_free(&c->paths);
	es_free(c->owner);
	es_free(c->group);
	es_regex_free(c->re);
	es_free(c->keyword);
	strv_free(&c->values);
	es_free(c->default_value);
	strv_free(&c->names);
	strv_free(&c->mount_points);
	strv_free(&c->fs_types);
	strv_free(&c->options);
	strv_free(&c->expected_packages);
	strv_free(&c->expected_paths);
	es_free(c->expected_reason);
}

struct baseline_profile *baseline_profile_free(struct baseline_profile *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_checks; i++)
		check_done(&p->checks[i]);
	es_free(p->checks);
	es_free(p);
	return NULL;
}

static int parse_top(struct parse_ctx *x, const cJSON *root, const cJSON **ret_checks)
{
	const cJSON *v;

	if (!cJSON_IsObject(root))
		return fail(x, NULL, "the checks file must be a JSON object, not %s",
			    json_type_name(root));
	cJSON_ArrayForEach(v, root) {
		if (strcmp(v->string, "checks") == 0)
			continue;
		if (strcmp(v->string, "name") == 0 || strcmp(v->string, "description") == 0) {
			if (!cJSON_IsString(v) || strlen(v->valuestring) > BASELINE_TEXT_MAX)
				return fail(x, v->string, "must be a string of at most 1024 bytes");
			continue;
		}
		if (strcmp(v->string, "version") == 0) {
			if (!cJSON_IsNumber(v) || v->valuedouble != 1)
				return fail(x, v->string, "must be 1 (the only format version)");
			continue;
		}
		return fail(x, v->string, "is not a key of a checks file");
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "checks");
	if (!v)
		return fail(x, NULL, "lacks the required key '%s'", "checks");
	if (!cJSON_IsArray(v))
		return fail(x, "checks", "must be an array, not %s", json_type_name(v));
	if (cJSON_GetArraySize(v) > BASELINE_CHECKS_MAX)
		return fail(x, "checks", "holds more than %s checks", "1024");
	*ret_checks = v;
	return 0;
}

int baseline_profile_parse(const char *data, size_t len, struct baseline_profile **ret_profile,
			   struct json_error *err)
{
	struct parse_ctx x = { .err = err };
	struct baseline_profile *p = NULL;
	const cJSON *checks = NULL, *item;
	cJSON *root;
	size_t i = 0;
	int r;

	if (len > BASELINE_FILE_MAX)
		return json_error_set(err, "", "the checks file is larger than %u bytes",
				      BASELINE_FILE_MAX);
	root = json_parse(data, len, err);
	if (!root)
		return -EINVAL;
	if ((r = parse_top(&x, root, &checks)) < 0)
		goto out;
	r = -ENOMEM;
	p = es_calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->checks = es_calloc((size_t)cJSON_GetArraySize(checks) + 1, sizeof(*p->checks));
	if (!p->checks)
		goto out;
	cJSON_ArrayForEach(item, checks) {
		char k[16];

		snprintf(k, sizeof(k), "%zu", i);
		snprintf(x.ptr, sizeof(x.ptr), "/checks");
		json_pointer_append(x.ptr, k);
		p->n_checks = i + 1;
		if ((r = parse_check(&x, item, &p->checks[i])) < 0)
			goto out;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->checks[j].id, p->checks[i].id) == 0) {
				r = fail(&x, "id", "duplicates the id of an earlier check ('%s')",
					 p->checks[i].id);
				goto out;
			}
		i++;
	}
	*ret_profile = p;
	p = NULL;
	r = 0;
out:
	if (r == -ENOMEM && err)
		json_error_set(err, "", "out of memory");
	baseline_profile_free(p);
	cJSON_Delete(root);
	return r;
}

size_t baseline_profile_count(const struct baseline_profile *p)
{
	return p ? p->n_checks : 0;
}

const struct baseline_check *baseline_profile_get(const struct baseline_profile *p, size_t i)
{
	return p && i < p->n_checks ? &p->checks[i] : NULL;
}

const struct baseline_meta *baseline_check_meta(const struct baseline_check *c)
{
	return &c->meta;
}
