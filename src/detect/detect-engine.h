/* SPDX-License-Identifier: MIT */
#pragma once

/* The engine and its keyed state (detect.c, detect-state.c, detect-alert.c only). */

#include "detect-int.h"
#include <sys/types.h>

#include "pipeline/pipeline.h"

enum detect_state_kind {
	DETECT_STATE_MATCH, /* threshold / sequence progress */
	DETECT_STATE_SEEN,  /* a value of a new-value rule */
	DETECT_STATE_DEDUP, /* an alert sent; its repeats are counted */
	_DETECT_STATE_MAX,
};

/* Progress of one step: the times of its last `count` events (a ring), and evidence. */
struct detect_step_state {
	uint32_t n, head, cap;
	uint64_t *times;
	char *first, *last; /* evidence elements (JSON) of its first and latest event */
};

struct detect_entry {
	struct detect_entry *hnext;	    /* hash chain */
	struct detect_entry *gprev, *gnext; /* engine-wide, least recently used first */
	struct detect_entry *rprev, *rnext; /* the rule's, least recently used first */
	struct detect_rule_rt *rt;
	uint64_t hash;
	uint64_t last_ns; /* last touched (event time) */
	size_t bytes;	  /* charged to the state budget */
	enum detect_state_kind kind;
	union {
		struct {
			struct detect_step_state *steps;
			unsigned n_steps;
		} match;
		struct {
			uint64_t first_ns, last_ns, window_end_ns, repeats;
			struct event *first; /* the alert as sent */
			uint8_t last_id[16];
			int64_t last_pid;
			bool have_last;
		} dedup;
	} u;
	uint16_t key_len;
	char key[];
};

/* Per rule state, kept across reloads while the rule's definition is unchanged. */
struct detect_rule_rt {
	struct detect_rule_rt *next;
	const struct detect_rule *rule; /* NULL once the rule is gone (then freed) */
	char id[DETECT_ID_MAX + 1];
	uint64_t signature;
	struct detect_entry *head, *tail; /* this rule's entries, LRU first */
	size_t n_entries;
	uint64_t baseline_seq; /* new value: the event that is the baseline */
	bool baseline_done;
	bool persist_dirty;	/* new value: its set changed since it was last saved */
	bool restore_tried;	/* its saved set or windows were looked for (detect-persist.c) */
	uint64_t rate_start_ns; /* current minute of the alert rate */
	unsigned rate_count;
	uint64_t suppressed, suppressed_first_ns, suppressed_last_ns;
	uint64_t matches, alerts;
};

struct detect_engine {
	struct event_observer observer;
	struct detect_settings settings;
	struct event_sink *out;
	struct detect_ruleset *rules;
	struct detect_rule_rt *rts;
	struct event_builder builder;
	struct buf evidence, snippet, key_text;
	/*
	 * The field view (~20 KiB): on the heap rather than the loop's stack.  observe() is never
	 * re-entered while it uses it: alerts raised meanwhile wait in `pending`.
	 */
	struct detect_view *view;
	/* state */
	struct detect_entry **buckets;
	size_t n_buckets, n_entries, bytes;
	struct detect_entry *lru_head, *lru_tail;
	uint64_t now_ns;    /* the engine's clock: latest event or tick time */
	uint64_t seq;	    /* events observed */
	uint64_t items_seq; /* items observed (rule marks, detect-index.c) */
	uint64_t next_deadline_ns;
	unsigned busy; /* inside observe/sweep: alerts wait in `pending` */
	struct event **pending;
	unsigned n_pending;
	void (*on_alert)(void *userdata);
	void *on_alert_userdata;
	struct detect_stats stats;
	struct persist *persist; /* new-value sets and windows kept across restarts; NULL: none */
	uint64_t persist_now_ns; /* wall clock when the store was set: saved windows' expiry */
	struct detect_persist_issue issues[DETECT_PERSIST_ISSUES_MAX]; /* refused records */
	unsigned n_issues;
};

/* detect-state.c */
struct detect_entry *detect_state_find(struct detect_engine *de, struct detect_rule_rt *rt,
				       enum detect_state_kind kind, const char *key, size_t len);
/* Finds or creates; NULL when it cannot be held (counted). */
struct detect_entry *detect_state_get(struct detect_engine *de, struct detect_rule_rt *rt,
				      enum detect_state_kind kind, const char *key, size_t len,
				      bool *ret_created);
void detect_state_touch(struct detect_engine *de, struct detect_entry *e);
/* Frees the entry (a dedup entry with repeats emits its summary first). */
void detect_state_drop(struct detect_engine *de, struct detect_entry *e, bool expired);
void detect_state_charge(struct detect_engine *de, struct detect_entry *e, ssize_t delta);
/* Repeat summaries due and expired progress; recomputes next_deadline_ns. */
void detect_state_sweep(struct detect_engine *de, uint64_t now_ns, bool all);
void detect_state_drop_rt(struct detect_engine *de, struct detect_rule_rt *rt);

/* detect-persist.c: after detect_engine_set_rules (rt of rules gone or disabled were
 * dropped and their saved sets removed) */
void detect_persist_restore(struct detect_engine *de);
void detect_persist_forget(struct detect_engine *de, const char *rule_id);

/* detect-windows.c: threshold and sequence progress kept across restarts */
bool detect_windows_kind(const struct detect_rule *r);
void detect_windows_restore(struct detect_engine *de, struct detect_rule_rt *rt);
void detect_windows_forget(struct detect_engine *de, const char *rule_id);
int detect_windows_save(struct detect_engine *de);

/* detect.c */
void detect_submit(struct detect_engine *de, struct event *e);
/* The step states of a new threshold/sequence entry (charged to the budget); false: ENOMEM. */
bool detect_match_init(struct detect_engine *de, struct detect_entry *e,
		       const struct detect_rule *r);

/* detect-alert.c */
int detect_snippet_build(const struct detect_view *v, uint32_t count, struct buf *out);
int detect_alert_build(struct detect_engine *de, const struct detect_rule *r, struct detect_view *v,
		       const struct buf *evidence, const struct buf *key, uint64_t now_ns,
		       struct event **ret);
int detect_alert_summary(struct detect_engine *de, const struct event *first, uint64_t repeats,
			 uint64_t first_ns, uint64_t last_ns, const uint8_t last_id[16],
			 int64_t last_pid, uint64_t now_ns, struct event **ret);
int detect_alert_suppressed(struct detect_engine *de, const struct detect_rule *r, uint64_t n,
			    uint64_t first_ns, uint64_t last_ns, uint64_t now_ns,
			    struct event **ret);
