/* SPDX-License-Identifier: MIT */
#pragma once

/* The settings table, shared by config.c and config-table.c. */

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum config_type {
	CONFIG_DURATION,  /* ISO-8601 string → uint64_t milliseconds */
	CONFIG_INT,	  /* JSON integer → int64_t */
	CONFIG_BOOL,	  /* bool */
	CONFIG_PRIORITY,  /* "High" | "Low" | "Off" (any case) → enum event_priority */
	CONFIG_STRING,	  /* string or null → char * (NULL allowed) */
	CONFIG_LOG_LEVEL, /* "error" | "warning" | "info" | "debug" → enum log_level */
	CONFIG_JSON,	  /* a JSON object → char * (compact JSON text); see json_check */
};

/* What a CONFIG_STRING value must be beyond valid UTF-8 of at most max_len bytes. */
enum config_check {
	CONFIG_CHECK_NONE,
	CONFIG_CHECK_CHOICE,   /* one of `choices` (case-sensitive, as the collectors read it) */
	CONFIG_CHECK_ABSOLUTE, /* an absolute path ("/..."); never null or "" */
	CONFIG_CHECK_ABSOLUTE_OR_EMPTY, /* an absolute path, "" or null (off) */
	_CONFIG_CHECK_MAX,
};

struct config_entry {
	enum config_group group;
	const char *name;
	enum config_type type;
	size_t offset;
	int64_t min, max;	 /* INT: value range; DURATION: milliseconds */
	int64_t def;		 /* default for INT, BOOL, PRIORITY, LOG_LEVEL, DURATION (ms) */
	const char *def_str;	 /* default for STRING */
	size_t max_len;		 /* STRING: longest accepted value */
	const char *description; /* one line, shown by check-config --describe and docs */
	/*
	 * CONFIG_JSON: checks the whole value after the update was merged into it (RFC 7386
	 * merge patch: members given replace, members set to null are removed); fills err
	 * (pointer relative to the value) and returns -EINVAL when it is not acceptable.
	 */
	int (*json_check)(const cJSON *value, struct json_error *err);
	enum config_check check;    /* STRING: the same check for files, twin and check-config */
	const char *const *choices; /* CONFIG_CHECK_CHOICE: NULL-terminated */
	/*
	 * Read from the local file at start only: an update that is not strict (the module
	 * twin) leaves it as it is, with a warning (a seccomp filter cannot be removed).
	 */
	bool local_only;
};

extern const struct config_entry config_table[];
extern const size_t config_table_size;

const struct config_entry *config_entry_find(enum config_group g, const char *name);
