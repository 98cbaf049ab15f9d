/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "redact.h"
#include "textesc.h"

enum log_level log_max_level = LOG_LEVEL_INFO;
static bool with_time = true;
static bool journal_prefix;

/* syslog(3) priorities, for the journal's "<N>" line prefix (sd-daemon(3)) */
static const int level_priorities[_LOG_LEVEL_MAX] = {
	[LOG_LEVEL_ERROR] = 3,
	[LOG_LEVEL_WARNING] = 4,
	[LOG_LEVEL_INFO] = 6,
	[LOG_LEVEL_DEBUG] = 7,
};

static const char *const level_names[_LOG_LEVEL_MAX] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

const char *log_level_to_string(enum log_level l)
{
	return (l >= 0 && l < _LOG_LEVEL_MAX) ? level_names[l] : NULL;
}

enum log_level log_level_from_string(const char *s)
{
	for (int i = 0; i < _LOG_LEVEL_MAX; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (enum log_level)i;
	if (strcasecmp(s, "warn") == 0)
		return LOG_LEVEL_WARNING;
	return _LOG_LEVEL_INVALID;
}

void log_set_level(enum log_level l)
{
	if (l >= 0 && l < _LOG_LEVEL_MAX)
		log_max_level = l;
}

void log_set_timestamps(bool on)
{
	with_time = on;
}

void log_set_journal(bool on)
{
	journal_prefix = on;
}

void log_emit(enum log_level l, const char *fmt, ...)
{
	char line[2048], msg[1536], clean[1536], ts[32] = "";
	va_list ap;
	int n = 0, m;

	/* journald reads the prefix as the record's PRIORITY (and strips it) */
	if (journal_prefix && l >= 0 && l < _LOG_LEVEL_MAX)
		n = snprintf(line, sizeof(line), "<%d>", level_priorities[l]);
	if (with_time) {
		struct timespec now;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s.%03ldZ ", ts,
			      now.tv_nsec / 1000000);
	}
	m = snprintf(line + n, sizeof(line) - (size_t)n, "edgesec[%d]: %s: ", (int)getpid(),
		     log_level_to_string(l));
	n += m;
	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Whatever a caller passed, no secret the redaction rules know reaches the log. */
	if (m < 0)
		m = 0;
	if ((size_t)m >= sizeof(msg))
		m = (int)sizeof(msg) - 1;
	m = (int)redact_text(msg, (size_t)m, clean, sizeof(clean));
	/*
	 * Logged values come from input (paths, names, twin values): control characters are
	 * escaped, so a value can neither break the one-record-per-line format nor drive the
	 * terminal that shows the log.
	 */
	n += (int)text_escape(line + n, sizeof(line) - (size_t)n - 1, clean, (size_t)m);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
