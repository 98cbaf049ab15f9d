/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * On-device detection: a rules engine over the live event stream that raises Alert events
 * (docs/detection.md).
 *
 * Rules are data: JSON documents (the shipped catalogue, compiled into the binary from
 * rules/detection/, and user files) are compiled into a rule set; the engine runs a rule set
 * over every event the pipeline's sink receives (as a pipeline observer, so before the
 * priority filter and aggregation) and submits Alert events back to the sink.
 *
 * Ownership: the engine owns its rule set (detect_engine_set_rules takes it) and all keyed
 * state; events are only lent to it.  Single-threaded (the loop thread).
 * Limits: every table has a cap (detect-int.h); state beyond its caps is evicted, oldest
 * first, and counted (struct detect_stats, shown in Heartbeat).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json_read.h"
#include "pipeline/event.h"

#define DETECT_ID_MAX 64
#define DETECT_FILES_MAX 64
#define DETECT_ISSUES_MAX 32
#define DETECT_FILE_MAX (4u << 20)			 /* bytes of one rules file */
#define DETECT_RULES_PATH_DEFAULT "/etc/edgesec/rules.d" /* detectionRulesPath's default */

enum detect_severity {
	DETECT_SEVERITY_INFO,
	DETECT_SEVERITY_LOW,
	DETECT_SEVERITY_MEDIUM,
	DETECT_SEVERITY_HIGH,
	DETECT_SEVERITY_CRITICAL,
	_DETECT_SEVERITY_MAX,
	_DETECT_SEVERITY_INVALID = -22,
};

/* "Info", "Low", "Medium", "High", "Critical" (the Recommendation scale). */
const char *detect_severity_to_string(enum detect_severity s);
enum detect_severity detect_severity_from_string(const char *s); /* case-insensitive */

/* One problem in a rules document: which file, which rule, which member, what. */
struct detect_issue {
	char file[256];
	char rule_id[DETECT_ID_MAX + 1]; /* "" when not inside a rule */
	char pointer[JSON_POINTER_MAX];	 /* JSON pointer of the member in the file */
	unsigned line, column;		 /* syntax errors only; 0 otherwise */
	char message[256];
};

struct detect_report {
	unsigned n_errors, n_warnings, n_dropped;
	struct detect_issue errors[DETECT_ISSUES_MAX];
	struct detect_issue warnings[DETECT_ISSUES_MAX];
	unsigned files_loaded, files_skipped;
};

/* "file: rule 'id': /pointer: message" into out. */
void detect_issue_format(const struct detect_issue *is, char *out, size_t size);

/* A rules document in memory. */
struct detect_source {
	const char *name; /* file name, for messages */
	const char *data;
	size_t len;
	bool shipped;
};

/* The shipped catalogue (the files of rules/detection, compiled in). */
unsigned detect_builtin_count(void);
const struct detect_source *detect_builtin(unsigned i);

/*
 * The rules files of a user path: a directory (its *.json files in name order, at most
 * DETECT_FILES_MAX) or one file.  A missing path gives no source and no error when
 * `missing_ok`.  Unreadable files are reported and left out.  Free with
 * detect_sources_free().
 */
int detect_sources_read(const char *path, bool missing_ok, struct detect_source **ret,
			unsigned *ret_n, struct detect_report *rep);
void detect_sources_free(struct detect_source *srcs, unsigned n);

struct detect_ruleset;

/*
 * Compiles the sources in order (a rule with the id of an earlier one replaces it; lists and
 * overrides of all files are seen by all rules), then applies `overrides_json` (the
 * detectionRules setting; NULL for none).  A source with any error is skipped whole and its
 * errors are in rep; the others are used.  Returns 0 (even if sources were skipped), or
 * -ENOMEM.
 */
int detect_ruleset_load(const struct detect_source *srcs, unsigned n, const char *overrides_json,
			struct detect_ruleset **ret, struct detect_report *rep);
/* The shipped catalogue, then the files of user_path (detect_sources_read), then overrides. */
int detect_ruleset_load_all(const char *user_path, bool missing_ok, const char *overrides_json,
			    struct detect_ruleset **ret, struct detect_report *rep);
struct detect_ruleset *detect_ruleset_free(struct detect_ruleset *rs);
unsigned detect_ruleset_count(const struct detect_ruleset *rs);

/* A rule as users see it (edgesec rules list, docs). */
struct detect_rule_info {
	const char *id, *name, *technique, *tactic, *description, *remediation, *false_positives,
		*forgeable, *source;
	enum detect_severity severity;
	const char *kind; /* "single", "threshold", "sequence", "new-value" */
	bool enabled;
	char events[256]; /* "ProcessCreate,ConnectionCreate" */
	uint32_t count;	  /* threshold (or the counting step of a sequence); 1 otherwise */
	uint64_t window_ms;
};
int detect_ruleset_get(const struct detect_ruleset *rs, unsigned i, struct detect_rule_info *ret);

/* ---- the engine ---- */

struct detect_settings {
	uint64_t dedup_window_ms;   /* default of the rules that name none */
	size_t max_state_entries;   /* keyed entries of every kind, in all */
	size_t max_state_bytes;	    /* their memory */
	bool trust_event_time;	    /* replay: event times drive windows even far from now */
	unsigned alerts_per_minute; /* new alerts per rule per minute; 0: the default */
};

struct detect_stats {
	uint64_t events, items, matches, alerts, repeats, summaries, suppressed;
	uint64_t state_evicted, state_expired, key_too_long, eval_errors;
	/* threshold/sequence windows kept across restarts (detect-windows.c): entries restored,
	 * dropped at load (their window ended while the agent was stopped, or a time ahead of
	 * the clock), records of a changed rule dropped, records refused (not valid), entries
	 * left out of saves by the caps */
	uint64_t persist_restored, persist_expired, persist_stale, persist_refused;
	uint64_t persist_omitted;
	size_t state_entries, state_bytes;
	unsigned rules, rules_enabled;
	uint64_t consumed_by_type[_EVENT_TYPE_MAX];
};

struct detect_engine;

/* Alerts go to `out` (the pipeline's sink).  -ENOMEM. */
int detect_engine_new(const struct detect_settings *s, struct event_sink *out,
		      struct detect_engine **ret);
struct detect_engine *detect_engine_free(struct detect_engine *de);
void detect_engine_configure(struct detect_engine *de, const struct detect_settings *s);
/*
 * Takes ownership of rs (NULL: no rules).  The state of a rule whose id and stateful
 * definition are unchanged is kept; the rest is dropped.
 */
void detect_engine_set_rules(struct detect_engine *de, struct detect_ruleset *rs);
const struct detect_ruleset *detect_engine_rules(const struct detect_engine *de);
/* The pipeline observer that feeds the engine. */
struct event_observer *detect_engine_observer(struct detect_engine *de);
/* Runs the rules over one event (what the observer does). */
void detect_engine_observe(struct detect_engine *de, const struct event *e, uint64_t now_ns);
/* True when an enabled rule reads events of type t. */
bool detect_engine_wants(const struct detect_engine *de, enum event_type t);
/* Repeat summaries whose window ended, state expiry.  Call at least every second. */
void detect_engine_tick(struct detect_engine *de, uint64_t now_ns);
/* Realtime at which detect_engine_tick() has work (a repeat window ends), or 0. */
uint64_t detect_engine_next_deadline(const struct detect_engine *de);
/* Every pending summary now (shutdown, end of a replay). */
void detect_engine_flush(struct detect_engine *de, uint64_t now_ns);
/*
 * The store of baselines kept across restarts (common/persist.h, borrowed; NULL: none): the
 * values seen by new-value rules are restored from it (a rule whose definition is unchanged
 * then has no baseline to take: its first event is already compared) and saved to it by
 * detect_engine_save().  Not set for `edgesec run --replay`.
 */
struct persist;
void detect_engine_set_persist(struct detect_engine *de, struct persist *p);
/*
 * The same, with the wall clock of the start given: threshold and sequence windows saved by
 * detect_engine_save() are restored with their event times, except those whose window ended
 * before now_ns (the agent was stopped longer) or with a time more than a second after it.
 * detect_engine_set_persist() gives time_now_realtime_ns().
 */
void detect_engine_set_persist_at(struct detect_engine *de, struct persist *p, uint64_t now_ns);

/* A saved record that was refused (not valid): the rule started with no saved state. */
#define DETECT_PERSIST_ISSUES_MAX 8
struct detect_persist_issue {
	char rule_id[DETECT_ID_MAX + 1];
	char message[96];
	size_t offset; /* byte of the record where it went wrong */
};
/* Takes (and clears) the issues noted since the last call, at most DETECT_PERSIST_ISSUES_MAX
 * (more are only counted in stats.persist_refused).  Returns how many were put in out. */
unsigned detect_engine_take_persist_issues(struct detect_engine *de,
					   struct detect_persist_issue *out, unsigned max);
/*
 * Puts the value sets that changed since the last save, and every threshold/sequence rule's
 * live windows, into the store (the caller writes the store with persist_flush()).  A set
 * larger than PERSIST_RECORD_MAX keeps its most recently seen values, the windows share
 * 2 MiB (the most recent entries first; the rest counted with persist_note_omitted() and
 * stats.persist_omitted).  Returns the number of records put.
 */
int detect_engine_save(struct detect_engine *de);
/* Called after each Alert submitted (the agent flushes the High queue soon after). */
void detect_engine_on_alert(struct detect_engine *de, void (*fn)(void *userdata), void *userdata);
void detect_engine_get_stats(const struct detect_engine *de, struct detect_stats *ret);
