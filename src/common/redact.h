/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Secret redaction in free text: command lines, Docker exec commands, log lines.
 *
 * redact_find() returns the byte ranges of a text that hold secrets (passwords, tokens, keys,
 * the signature of a SAS token, the password of a URL, private-key PEM bodies ...; the full
 * list is in docs/security.md); redact_apply() writes the text with each range replaced by
 * REDACT_MARKER.  What surrounds a secret stays (the option name, the key, the host of a
 * URL, sr= and se= of a SAS token), so an event still says what ran and where it connected.
 *
 * Two users, one rule set:
 *  - the event builder (pipeline/event.c) scrubs the fields flagged FIELD_F_SCRUB and the
 *    ExtraDetails listed in event.c before an event exists, so no collector, queue, spool,
 *    rule or output ever holds the secret; redact_settings.enabled switches this off;
 *  - log_emit() (common/log.c) and the MQTT/workload error texts (redact_text()) always.
 *
 * The scan is one pass over the bytes; only a few characters ('=', ':', '@', '-', 'A', '_', 'J',
 * and a blank after a name's last letter) make it look closer.  Text already redacted is
 * left as it is (a marker is never a secret), so scrubbing twice changes nothing.
 *
 * State: the settings are process-wide (one loop thread; set by core/ when the configuration
 * changes).  Counters are totals since start.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REDACT_MARKER "[REDACTED]"
#define REDACT_MARKER_LEN (sizeof(REDACT_MARKER) - 1)
/* Ranges found in one text at most; past that, everything from the last one on is redacted. */
#define REDACT_SPANS_MAX 32u
/* redactExtraNames: entries, and the longest name. */
#define REDACT_EXTRA_MAX 32u
#define REDACT_NAME_MAX 64u

/* Bytes [start, end) of the text are a secret. */
struct redact_span {
	uint32_t start, end;
};

struct redact_settings {
	bool enabled; /* scrub event data (logs are always scrubbed) */
	/*
	 * Comma-separated extra names, matched without case: as an option (`--NAME X`,
	 * `--NAME=X`, `-NAME X`; a one-letter name as `-N X` and `-NX`), and as a key
	 * (`NAME=X`, `NAME: X`).  Leading dashes are ignored.  NULL or "" = none.
	 */
	const char *extra_names;
};

struct redact_stats {
	uint64_t values;  /* event values that had something redacted */
	uint64_t secrets; /* ranges replaced in event values */
};

/*
 * Checks an extra-names list: 0, or -EINVAL with a reason in err (an entry that is empty,
 * too long, has characters other than letters, digits, '_', '.', '-', or one entry too many).
 */
int redact_names_check(const char *list, char *err, size_t err_size);
/* Applies settings; an invalid extra-names list is rejected whole (-EINVAL, nothing changes). */
int redact_configure(const struct redact_settings *s);
bool redact_enabled(void);

/* The secrets in s[0..len): sorted, non-overlapping ranges; returns how many (0 = none). */
unsigned redact_find(const char *s, size_t len, struct redact_span spans[REDACT_SPANS_MAX]);
/*
 * The same for an argv whose arguments are separated by NULs (/proc/PID/cmdline style): a
 * value that is an argument by itself, or that follows its name at the start of one
 * (`--password` `my pw`, `--password=my pw`, `-pmy pw`, `PASSWORD=my pw`, `Authorization:
 * Bearer a b`), is redacted to the end of that argument, blanks included.  Inside an argument
 * (`sh -c '...'`) the rules of redact_find() apply.
 */
unsigned redact_find_args(const char *s, size_t len, struct redact_span spans[REDACT_SPANS_MAX]);
/* What redacting can add to a text: every span replaced by a longer marker. */
#define REDACT_GROWTH_MAX (REDACT_SPANS_MAX * REDACT_MARKER_LEN)
#define REDACT_HAVE_ARGS 1
/*
 * An argv (NUL-separated, trailing NULs dropped) as one command line: secrets redacted with
 * redact_find_args() when event scrubbing is enabled, each separator made a space.  Writes
 * into out (NUL-terminated; cut to out_size - 1 bytes after the redacting and never inside a
 * UTF-8 sequence; len + REDACT_GROWTH_MAX + 1 bytes is always enough), returns the length and
 * in *ret_secrets how many ranges were redacted (for event_add_redacted()).
 */
size_t redact_args_join(const char *args, size_t len, char *out, size_t out_size,
			unsigned *ret_secrets);
/* Length of the text once the n spans are replaced. */
size_t redact_len(size_t len, const struct redact_span *spans, unsigned n);
/* Writes the text with the spans replaced into out (redact_len() bytes, no NUL). */
size_t redact_apply(const char *s, size_t len, const struct redact_span *spans, unsigned n,
		    char *out);
/*
 * For logs and error texts: s redacted into out, NUL-terminated, cut to out_size - 1 bytes
 * if needed (a cut never leaves part of a secret: ranges are replaced before the cut).
 * Returns the length written.  Uses the rules whether or not event scrubbing is enabled.
 */
size_t redact_text(const char *s, size_t len, char *out, size_t out_size);

/* Event builder accounting (pipeline/event.c) and the Heartbeat. */
void redact_stats_add(unsigned secrets);
void redact_get_stats(struct redact_stats *ret);
