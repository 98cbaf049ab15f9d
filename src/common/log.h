/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Logging to stderr, one line per record: "edgesec[pid]: <level>: <message>".  The level is
 * checked before the arguments are evaluated.  Library-style modules (parsers, pipeline) do not
 * log; core/ and cli/ do, once, as "Failed to <verb> <object>: <reason>".
 * Control characters in the message are escaped (common/textesc.h), so values from input are
 * safe to log.  Secrets must never be passed to these functions; as a second line of defence
 * every message goes through redact_text() (common/redact.h) before it is written.
 */

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	_LOG_LEVEL_MAX,
	_LOG_LEVEL_INVALID = -22,
};

extern enum log_level log_max_level;

const char *log_level_to_string(enum log_level l);
enum log_level log_level_from_string(const char *s);
void log_set_level(enum log_level l);
void log_set_timestamps(bool on);
/* Each line starts with "<N>", its syslog priority (error 3, warning 4, info 6, debug 7), which
 * journald turns into the record's PRIORITY: for stderr connected to the journal
 * (common/journal.h), so that `journalctl -p warning` finds the agent's warnings. */
void log_set_journal(bool on);
void log_emit(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at(l, ...)                                                                             \
	do {                                                                                       \
		if ((l) <= log_max_level)                                                          \
			log_emit((l), __VA_ARGS__);                                                \
	} while (0)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_at(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)
