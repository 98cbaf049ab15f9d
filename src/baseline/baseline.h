/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The OS baseline engine: data-driven posture checks (CIS-style) run against a root tree.
 *
 * A checks file (JSON, docs/baseline.md) is parsed by baseline_profile_parse() into a profile:
 * a list of checks, each with an id, a CCE id (or ""), a severity, a description, a
 * remediation, a type and the type's parameters.  No check type can run a command: every
 * check only reads files below the root directory given to baseline_root_open() and the
 * host's /proc (process-running lists its process directories).
 *
 * Running a check gives Pass, Fail, Err (the check could not be evaluated; the reason says
 * why) or Skip (not applicable, e.g. sshd is not installed), with a one-line reason.
 * The library does not log.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json_read.h"

/* Limits of the checks-file parser. */
#define BASELINE_FILE_MAX (1u << 20) /* bytes of a checks file */
#define BASELINE_CHECKS_MAX 1024     /* checks in one file */
#define BASELINE_ID_MAX 64	     /* characters of an id */
#define BASELINE_TEXT_MAX 1024	     /* description, remediation */
#define BASELINE_VALUE_MAX 256	     /* any other string parameter */
#define BASELINE_PATTERN_MAX 256     /* a regular expression */
#define BASELINE_LIST_MAX 32	     /* elements of a list parameter */
#define BASELINE_REASON_MAX 256	     /* a result's reason, NUL included */
/* Bytes of expectedWhen's reason. */
#define BASELINE_EXPECTED_REASON_MAX 160
#define BASELINE_SHA256_HEX_LEN 64

enum baseline_severity {
	BASELINE_SEVERITY_CRITICAL,
	BASELINE_SEVERITY_IMPORTANT,
	BASELINE_SEVERITY_WARNING,
	BASELINE_SEVERITY_INFORMATIONAL,
	_BASELINE_SEVERITY_MAX,
	_BASELINE_SEVERITY_INVALID = -22,
};

enum baseline_check_type {
	BASELINE_CHECK_FILE_EXISTS,
	BASELINE_CHECK_FILE_NOT_EXISTS,
	BASELINE_CHECK_FILE_MODE,
	BASELINE_CHECK_FILE_CONTENT,
	BASELINE_CHECK_SSHD_CONFIG,
	BASELINE_CHECK_SYSCTL,
	BASELINE_CHECK_PACKAGE_INSTALLED,
	BASELINE_CHECK_PACKAGE_NOT_INSTALLED,
	BASELINE_CHECK_SERVICE_ENABLED,
	BASELINE_CHECK_SERVICE_DISABLED,
	BASELINE_CHECK_MOUNT_OPTIONS,
	BASELINE_CHECK_NO_EMPTY_PASSWORDS,
	BASELINE_CHECK_ONLY_ROOT_UID0,
	BASELINE_CHECK_UNIQUE_UIDS,
	BASELINE_CHECK_PROCESS_RUNNING,
	_BASELINE_CHECK_TYPE_MAX,
	_BASELINE_CHECK_TYPE_INVALID = -22,
};

enum baseline_result {
	BASELINE_RESULT_PASS,
	BASELINE_RESULT_FAIL,
	BASELINE_RESULT_ERR,
	BASELINE_RESULT_SKIP,
	_BASELINE_RESULT_MAX,
	_BASELINE_RESULT_INVALID = -22,
};

/* "Critical", "Important", "Warning", "Informational" (the ASC Severity values). */
const char *baseline_severity_to_string(enum baseline_severity s);
enum baseline_severity baseline_severity_from_string(const char *s);
/* "file-exists", "sshd-config", ... (the checks file's "type" values). */
const char *baseline_check_type_to_string(enum baseline_check_type t);
enum baseline_check_type baseline_check_type_from_string(const char *s);
/* "Pass", "Fail", "Err", "Skip" (the first three are the ASC Result values). */
const char *baseline_result_to_string(enum baseline_result r);

/* What a check says about itself; strings live as long as the profile. */
struct baseline_meta {
	const char *id;
	const char *cce_id; /* "" when there is none */
	const char *description;
	const char *remediation;
	enum baseline_severity severity;
	enum baseline_check_type type;
};

struct baseline_outcome {
	enum baseline_result result;
	/*
	 * The check would fail, but its "expectedWhen" condition holds on this host (e.g. IP
	 * forwarding with Docker/IoT Edge installed): result is Skip and the reason says why.
	 */
	bool expected;
	char reason[BASELINE_REASON_MAX]; /* never a secret (no hash, no file content) */
};

struct baseline_check;	 /* opaque */
struct baseline_profile; /* opaque: a parsed checks file */
struct baseline_root;	 /* opaque: a root directory and its per-run file cache */

/*
 * Parses a checks file held in data[0..len).  Pure: reads no file.  On error returns -EINVAL
 * (-ENOMEM) and fills err: line/column for JSON syntax, a JSON pointer for a wrong value.
 */
int baseline_profile_parse(const char *data, size_t len, struct baseline_profile **ret_profile,
			   struct json_error *err);
struct baseline_profile *baseline_profile_free(struct baseline_profile *p);
size_t baseline_profile_count(const struct baseline_profile *p);
const struct baseline_check *baseline_profile_get(const struct baseline_profile *p, size_t i);
const struct baseline_meta *baseline_check_meta(const struct baseline_check *c);

/*
 * Reads and parses a checks file (at most BASELINE_FILE_MAX bytes).  When sha256_hex is not
 * NULL the file's SHA-256 must equal it (64 hex digits, any case) before it is parsed.
 * On failure returns a negative errno and writes one precise sentence to err, e.g.
 * "SHA-256 of '/etc/x.json' is 3a..., but the configured hash is 9f...".
 */
int baseline_profile_load(const char *path, const char *sha256_hex,
			  struct baseline_profile **ret_profile, char *err, size_t err_size);

/*
 * The agent's custom checks (twin baselineCustomChecksEnabled / FilePath / FileHash): path and
 * hash are both required and validated; the message in err is meant for a ConfigurationError.
 */
int baseline_custom_checks_load(const char *path, const char *sha256_hex,
				struct baseline_profile **ret_profile, char *err, size_t err_size);

/*
 * Where the shipped profile is: $EDGESEC_BASELINE_PROFILE if set, else the first readable of
 * EDGESEC_BASELINE_PROFILE_PATH (compile-time), /usr/share/edgesec/baseline/debian.json,
 * /usr/local/share/edgesec/baseline/debian.json, <dir of the executable>/rules/baseline/
 * debian.json and <dir of the executable>/../share/edgesec/baseline/debian.json (make install
 * with any PREFIX).  Returns NULL if none exists.
 */
const char *baseline_profile_default_path(char *buf, size_t size);

/*
 * Opens a root directory ("/" or a mounted host root) for running checks against it.  /proc
 * paths are <path>/proc when that is a procfs (our own /proc when path is "/"), else absent.
 */
int baseline_root_open(const char *path, struct baseline_root **ret_root);
/* The same over the agent's host context (host/host.h), which stays the caller's. */
struct host_context;
int baseline_root_open_host(struct host_context *host, struct baseline_root **ret_root);
struct baseline_root *baseline_root_free(struct baseline_root *r);

/* Runs one check; never fails (problems become BASELINE_RESULT_ERR with a reason). */
void baseline_check_run(const struct baseline_check *c, struct baseline_root *root,
			struct baseline_outcome *ret_outcome);

/*
 * The posture score: the severity weights of the passed checks over those of the evaluated
 * ones (Pass, Fail, Err), out of 100.  Skipped checks (including expected settings) and
 * waived ones are left out.  Weights: Critical 10, Important 5, Warning 2, Informational 1,
 * so one critical failure weighs as much as five warnings.
 */
struct baseline_score {
	unsigned n[_BASELINE_RESULT_MAX]; /* results of the checks not waived */
	unsigned waived;		  /* Fail or Err under an active waiver */
	unsigned expected;		  /* Skip because the setting is expected here */
	unsigned earned, possible;	  /* weights of Pass; of Pass + Fail + Err */
};

unsigned baseline_severity_weight(enum baseline_severity s);
void baseline_score_add(struct baseline_score *s, enum baseline_severity severity,
			const struct baseline_outcome *o, bool waived);
/* 0-100, rounded down (only a run without failure gives 100); -1 when nothing was evaluated. */
int baseline_score_percent(const struct baseline_score *s);

/* SHA-256 (FIPS 180-4). */
#define BASELINE_SHA256_LEN 32
void baseline_sha256(const void *data, size_t len, uint8_t out[BASELINE_SHA256_LEN]);
/* Lower-case hex of a digest into out (65 bytes with the NUL). */
void baseline_sha256_hex(const uint8_t digest[BASELINE_SHA256_LEN],
			 char out[BASELINE_SHA256_HEX_LEN + 1]);
