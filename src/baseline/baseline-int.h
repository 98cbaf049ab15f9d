/* SPDX-License-Identifier: MIT */
#pragma once

/* State shared by the files of the baseline module (not for use outside src/baseline/). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "baseline.h"
#include "common/regex.h"

/* A list parameter (a string or an array of strings in the file). */
struct baseline_strv {
	char **v;
	size_t n;
};

enum baseline_mount_source {
	BASELINE_MOUNT_FSTAB,
	BASELINE_MOUNT_MOUNTS,
	_BASELINE_MOUNT_SOURCE_MAX,
};

struct baseline_check {
	struct baseline_meta meta;
	/* Owned copies of the strings meta points to. */
	char *id, *cce_id, *description, *remediation;

	/* file-*: paths (absolute; file-content allows a glob in the last component) */
	struct baseline_strv paths;
	/* file-mode */
	bool has_max_mode;
	mode_t max_mode;
	char *owner, *group;
	/* file-content */
	struct es_regex *re;
	bool expect_present;
	/* the result when the file does not exist (file-mode, file-content, sysctl) */
	enum baseline_result if_missing;
	/* sshd-config / sysctl: accepted values (case-insensitive for sshd), or a range */
	char *keyword;
	struct baseline_strv values;
	bool has_min, has_max, is_time;
	long long min, max;
	char *default_value; /* sshd's built-in default, NULL = a missing keyword fails */
	bool check_match_blocks;
	/* package-*: names; service-*: units; process-running: processes; mount-options */
	struct baseline_strv names;
	struct baseline_strv mount_points, fs_types, options;
	enum baseline_mount_source mount_source;
	/* expectedWhen: a failure is expected (Skip) when a package is installed or a path
	 * exists (baseline-checks.c baseline_expected_apply) */
	struct baseline_strv expected_packages, expected_paths;
	char *expected_reason;
};

struct baseline_profile {
	struct baseline_check *checks;
	size_t n_checks;
};

/* Root access (baseline-root.c). */
#define BASELINE_READ_MAX (32u << 20) /* dpkg status can be large */
#define BASELINE_SMALL_READ_MAX (1u << 20)
/* One sshd-config scan (one keyword), Include files counted: files read, bytes read, Include
 * patterns expanded.  A fan-out of files Including each other stops there (Err). */
#define BASELINE_SSHD_FILES_MAX 256
#define BASELINE_SSHD_BYTES_MAX (4u << 20)
#define BASELINE_SSHD_INCLUDES_MAX 256

/* The host context the root reads through (host/host.h). */
struct host_context *baseline_root_host(struct baseline_root *r);
/* Opens an absolute path below the root (never escaping it); -errno. */
int baseline_root_openat(struct baseline_root *r, const char *abs_path, int flags, int *ret_fd);
/* fstat-like on an absolute path below the root, following symlinks inside the root. */
int baseline_root_stat(struct baseline_root *r, const char *abs_path, struct stat *ret_st);
/* Reads a regular file below the root (cached for the root's lifetime when cache is true). */
int baseline_root_read(struct baseline_root *r, const char *abs_path, size_t max, bool cache,
		       const char **ret_data, size_t *ret_len);
/* Releases data returned with cache == false. */
void baseline_root_release(struct baseline_root *r, const char *data);
/*
 * Expands a path whose last component may hold glob characters into at most max sorted
 * absolute paths (es_free each and the array).  No match gives 0 paths.
 */
int baseline_root_glob(struct baseline_root *r, const char *abs_pattern, size_t max,
		       char ***ret_paths, size_t *ret_n);
void baseline_paths_free(char **paths, size_t n);

/* Evaluators (baseline-checks.c, baseline-sshd.c). */
void baseline_outcome_set(struct baseline_outcome *o, enum baseline_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void baseline_service_run(const struct baseline_check *c, struct baseline_root *r, bool want,
			  struct baseline_outcome *o);
void baseline_mount_run(const struct baseline_check *c, struct baseline_root *r,
			struct baseline_outcome *o);
void baseline_sshd_run(const struct baseline_check *c, struct baseline_root *r,
		       struct baseline_outcome *o);
void baseline_process_run(const struct baseline_check *c, struct baseline_root *r,
			  struct baseline_outcome *o);
/* Parses an sshd time value ("90", "1m30s", "2h"); -EINVAL if malformed. */
int baseline_sshd_parse_time(const char *s, long long *ret_seconds);

/* Turns a Fail into an expected Skip when c's expectedWhen condition holds (baseline-checks.c). */
void baseline_expected_apply(const struct baseline_check *c, struct baseline_root *r,
			     struct baseline_outcome *o);

/* Splits the next line off [*p, end) without its newline; false at the end. */
bool baseline_next_line(const char **p, const char *end, const char **ret_line, size_t *ret_len);
