/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The detection engine's shared state (the files of src/detect only): compiled rules, the field
 * view of one payload item, the keyed state store.  The public interface is detect.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/json_read.h"
#include "detect.h"
#include "pipeline/event.h"

#define DETECT_STEPS_MAX 8
#define DETECT_KEY_PARTS_MAX 4
#define DETECT_KEY_ALTS_MAX 4
#define DETECT_SLOTS_MAX 128 /* distinct ExtraDetails keys the rules read, in all */
#define DETECT_VIEW_FIELDS_MAX 64
#define DETECT_ARGS_MAX 256	/* arguments of a CommandLine the view splits */
#define DETECT_ARG_INDEX_MAX 15 /* Arg0 .. Arg15 */
#define DETECT_KEY_MAX 1024	/* bytes of one state key (parts joined with 0x1f) */
#define DETECT_KEY_PART_MAX 240 /* a longer part is kept as head + hash */
#define DETECT_PATH_MAX 4096	/* abspath scratch */
#define DETECT_FOLD_MAX 4096	/* longest value lower-cased once per item; longer: per byte */
#define DETECT_EVIDENCE_VALUE_MAX 512
#define DETECT_SNIPPET_MAX 4096 /* bytes of one evidence element (then cut) */
#define DETECT_COUNT_MAX 10000	/* largest count of a threshold or sequence step */
#define DETECT_WINDOW_MAX_MS (7ull * 24 * 3600 * 1000)
#define DETECT_LIST_MAX 4096	    /* values in one list */
#define DETECT_RULES_MAX 2048	    /* rules in one rule set */
#define DETECT_NODES_MAX 256	    /* conditions in one rule */
#define DETECT_NESTING_MAX 16	    /* depth of all/any/not */
#define DETECT_GLOB_STARS_MAX 8	    /* '*' in one glob pattern */
#define DETECT_STRING_MAX 4096	    /* a literal value in a rule */
#define DETECT_TEXT_MAX 2048	    /* description, remediation, ... */
#define DETECT_ALERTS_PER_MINUTE 30 /* new alerts of one rule per minute; beyond: suppressed */
#define DETECT_STATE_BYTES_MAX (8u << 20)

/* ---- references to event values ---- */

enum detect_ref_kind {
	DETECT_REF_FIELD, /* a typed field, by its name (index per event type) */
	DETECT_REF_EXTRA, /* ExtraDetails.<key>, by slot */
	DETECT_REF_ARGS,  /* every argument of CommandLine but the first (any of them) */
	DETECT_REF_ARG,	  /* ArgN: the N-th space-separated word of CommandLine */
	_DETECT_REF_MAX,
};

#define DETECT_TR_BASENAME 0x1u
#define DETECT_TR_DIRNAME 0x2u
#define DETECT_TR_ABSPATH 0x4u /* relative to ExtraDetails.Cwd, then normalized */

struct detect_ref {
	enum detect_ref_kind kind;
	uint8_t transform;
	uint16_t slot;		       /* EXTRA: slot; ARG: index */
	int8_t field[_EVENT_TYPE_MAX]; /* FIELD: index in each event type, -1 if none */
	uint8_t role;		       /* DETECT_ROLE_*: the fields the index knows */
};

#define DETECT_ROLE_OTHER 0
#define DETECT_ROLE_EXECUTABLE 1
#define DETECT_ROLE_COMMAND_LINE 2

struct detect_str {
	char *s;
	uint32_t len;
};

/* A set of strings for "in" (open addressing; values lower-cased when nocase). */
struct detect_set {
	struct detect_str *slots;
	uint32_t mask;
	uint32_t n;
};

enum detect_op {
	DETECT_OP_EQUALS,
	DETECT_OP_IN,
	DETECT_OP_PREFIX,
	DETECT_OP_SUFFIX,
	DETECT_OP_CONTAINS,
	DETECT_OP_GLOB,
	DETECT_OP_REGEX,
	DETECT_OP_GT,
	DETECT_OP_GE,
	DETECT_OP_LT,
	DETECT_OP_LE,
	DETECT_OP_EXISTS,
	DETECT_OP_IN_CONTAINER,
	DETECT_OP_GROUP_ADDED, /* an item of ref (";"-list) in the set, not in ref2 */
	DETECT_OP_PROGRAM,     /* one of the item's program names (detect_view_names) in the set */
	_DETECT_OP_MAX,
};

enum detect_node_kind {
	DETECT_NODE_ALL,
	DETECT_NODE_ANY,
	DETECT_NODE_NOT,
	DETECT_NODE_LEAF,
	_DETECT_NODE_MAX,
};

struct es_regex;

/*
 * "contains" with many needles: a bitmap of the needles' first two bytes (lower-cased for
 * nocase) and the needles grouped by first byte, so the subject is scanned once.
 */
#define DETECT_MULTI_MIN 4
#define DETECT_MULTI_BITS 4096u
struct detect_multi {
	uint8_t bigram[DETECT_MULTI_BITS / 8]; /* hashed first two bytes of the needles */
	uint16_t start[257]; /* needles with first byte b: order[start[b] .. start[b + 1]) */
	uint16_t *order;
};

struct detect_node {
	enum detect_node_kind kind;
	unsigned n_kids;
	struct detect_node **kids;
	/* leaf */
	struct detect_ref ref, ref2;
	enum detect_op op;
	bool nocase;
	bool want; /* exists / inContainer: true or false */
	struct detect_str *vals;
	unsigned n_vals;
	struct detect_set set;
	int64_t num;
	struct es_regex *re;
	struct detect_multi *multi; /* contains with DETECT_MULTI_MIN needles or more */
};

/* ---- keys (threshold, sequence, new value, dedup) ---- */

enum detect_key_kind {
	DETECT_KEY_REF,		 /* a field's value */
	DETECT_KEY_ARG_AFTER,	 /* the argument after one of these flags (-o FILE, --out=FILE) */
	DETECT_KEY_URL_BASENAME, /* the last path segment of the first URL argument */
	DETECT_KEY_REGEX,	 /* a capture group of a regex over a field */
	_DETECT_KEY_MAX,
};

struct detect_key_alt {
	enum detect_key_kind kind;
	struct detect_node *when; /* NULL: always */
	struct detect_ref ref;	  /* REF; for the others the words of CommandLine */
	uint8_t transform;
	struct detect_str *flags;
	unsigned n_flags;
	struct es_regex *re; /* REGEX */
	unsigned group;
};

struct detect_key_part {
	char label[64]; /* shown in AlertKey: "RemoteAddress", "DownloadedFile" */
	bool optional;	/* no value: empty, rather than no key */
	struct detect_key_alt alts[DETECT_KEY_ALTS_MAX];
	unsigned n_alts;
};

struct detect_key {
	struct detect_key_part *parts; /* n of them (allocated) */
	unsigned n;
};

/* ---- rules ---- */

enum detect_kind {
	DETECT_KIND_SINGLE,    /* one matching event */
	DETECT_KIND_THRESHOLD, /* count >= N within a window, per key */
	DETECT_KIND_SEQUENCE,  /* steps in order (or in any order) within a window, per key */
	DETECT_KIND_NEW_VALUE, /* a key not seen before; the first event is the baseline */
	_DETECT_KIND_MAX,
};

struct detect_step {
	uint32_t types; /* bit per event type */
	struct detect_node *match;
	uint32_t count;
	struct detect_key key;
};

struct detect_rule_rt;

struct detect_rule {
	char id[DETECT_ID_MAX + 1];
	char *name, *technique, *tactic, *description, *remediation, *false_positives, *forgeable;
	char *source; /* file name it came from */
	enum detect_severity severity;
	enum detect_kind kind;
	bool enabled;
	bool unordered;
	struct detect_step steps[DETECT_STEPS_MAX];
	unsigned n_steps;
	uint32_t types;
	uint64_t window_ms;
	struct detect_key dedup;  /* n == 0: the type's identity fields */
	uint64_t dedup_window_ms; /* 0: the engine's default */
	uint64_t signature;	  /* of what the state depends on, to keep state on reload */
	struct detect_rule_rt *rt;
	uint64_t mark;	   /* the item it last ran on (detect-index.c) */
	uint64_t lit_mark; /* the item whose command line holds one of its literals */
};

/* Program name → the rules that require it (detect-index.c). */
struct detect_bucket {
	const char *name; /* borrowed from a rule's condition */
	uint32_t len;
	unsigned n;
	struct detect_rule **rules;
};

/* Command-line literal → the rules that require it (detect-index.c). */
struct detect_literal {
	char *s; /* lower-cased */
	uint32_t len;
	unsigned n_rules;
	struct detect_rule **rules;
};

struct detect_literals {
	struct detect_literal *needles;
	unsigned n;
	uint8_t bigram[65536 / 8];  /* first two bytes of the two-byte literals */
	uint8_t trigram[65536 / 8]; /* hashed first three bytes of the longer ones */
	uint16_t start[257];
	uint16_t *order;
	struct detect_rule **all; /* every rule filed by a literal */
	unsigned n_all;
};

struct detect_name_index {
	struct detect_bucket *buckets;
	uint32_t mask;
	struct detect_literals *lit; /* NULL: no rule of this type requires a literal */
	struct detect_rule **always; /* rules that require no name and no literal */
	unsigned n_always, n_indexed;
	bool built;
};

/* The values an Alert copies from the triggering item (detect-alert.c). */
enum {
	DETECT_CTX_CONTAINER_ID,
	DETECT_CTX_CONTAINER_ID_FIELD,
	DETECT_CTX_CONTAINER_NAME,
	DETECT_CTX_CONTAINER_NAME_FIELD,
	DETECT_CTX_MODULE,
	DETECT_CTX_MODULE_FIELD,
	DETECT_CTX_PROCESS_ID,
	DETECT_CTX_EXECUTABLE,
	DETECT_CTX_COMMAND_LINE,
	DETECT_CTX_USER_NAME,
	DETECT_CTX_REMOTE_ADDRESS,
	DETECT_CTX_STDIO_REMOTE,
	DETECT_CTX_ARG0,
	_DETECT_CTX_MAX,
};

/* One list defined in a rules file ("@name"). */
struct detect_list {
	char name[64];
	struct detect_str *vals;
	unsigned n;
};

struct detect_ruleset {
	struct detect_rule **rules;
	unsigned n, cap;
	struct detect_list *lists;
	unsigned n_lists;
	char *slot_names[DETECT_SLOTS_MAX];
	uint8_t slot_len[DETECT_SLOTS_MAX];
	unsigned n_slots;
	uint16_t slot_index[256]; /* hash of key → slot + 1, 0 empty (linear probing) */
	struct detect_rule **by_type[_EVENT_TYPE_MAX];
	unsigned n_by_type[_EVENT_TYPE_MAX];
	struct detect_key default_key[_EVENT_TYPE_MAX]; /* dedup key of rules naming none */
	struct detect_ref ctx[_DETECT_CTX_MAX];		/* where alerts take their context */
	struct detect_name_index index[_EVENT_TYPE_MAX];
};

/* ---- the field view of one payload item ---- */

struct detect_val {
	const char *s;
	uint32_t len;
	int64_t i;
	bool is_int;
};

struct detect_view {
	enum event_type type;
	const struct event *e;
	unsigned item;	 /* 1-based */
	uint64_t fields; /* bit per typed field present */
	uint64_t extras[DETECT_SLOTS_MAX / 64];
	struct detect_val f[DETECT_VIEW_FIELDS_MAX];
	struct detect_val x[DETECT_SLOTS_MAX];
	struct event_cursor item_start; /* at the item's first value (evidence) */
	bool args_done;
	unsigned n_args;
	struct detect_val args[DETECT_ARGS_MAX];
	/* past the split words (more than DETECT_ARGS_MAX): the rest, scanned on demand */
	const char *args_rest, *args_end;
	char path[DETECT_PATH_MAX]; /* abspath scratch */
	/* the last string lower-cased for a nocase comparison (by address and length) */
	const char *folded_src;
	uint32_t folded_len;
	char folded[DETECT_FOLD_MAX];
	/* the program's names: basenames of Executable, Interpreter, Argv0 and Arg0, the
	 * applet (Arg1) when one of them is a multi-call binary (busybox nc ...), and of
	 * ExecutablePath (the file run, symlinks resolved) */
	bool names_done;
	unsigned n_names;
	struct detect_val names[7];
	uint64_t name_hash[7];
	/* hashes of the strings looked up in sets, by address and length (this item only) */
	unsigned n_hashed;
	struct {
		const char *s;
		uint32_t len;
		uint64_t h;
	} hashed[4];
};

/* Fixed slots registered in every rule set (used for alerts and evidence). */
enum {
	DETECT_SLOT_CONTAINER_ID,
	DETECT_SLOT_CONTAINER_NAME,
	DETECT_SLOT_MODULE,
	DETECT_SLOT_CWD,
	DETECT_SLOT_PARENT_EXECUTABLE,
	DETECT_SLOT_STDIO_REMOTE,
	DETECT_SLOT_INTERPRETER,
	DETECT_SLOT_ARGV0,
	DETECT_SLOT_EXECUTABLE_PATH,
	DETECT_SLOT_KNOWN_AS,
	_DETECT_SLOT_FIXED_MAX,
};

/* detect-match.c */
/* name: a typed field, "ExtraDetails.<key>", "Args" or "Arg<N>".  -ENOENT unknown field. */
int detect_ref_parse(struct detect_ruleset *rs, const char *name, uint8_t transform,
		     struct detect_ref *ret);
/* False when a typed field (or Args) exists in none of these event types. */
bool detect_ref_in_types(const struct detect_ref *r, uint32_t types);
int detect_slot_register(struct detect_ruleset *rs, const char *key, size_t len);
int detect_slot_find(const struct detect_ruleset *rs, const char *key, size_t len);
/* Fills v with item `item` (1-based) of e; returns 0, or -ENOENT past the last item. */
void detect_view_begin(struct detect_view *v, const struct event *e);
int detect_view_next_item(struct detect_view *v, const struct detect_ruleset *rs,
			  struct event_cursor *c);
/* One value of a reference (for ARGS: the first argument); false when absent. */
bool detect_ref_get(struct detect_view *v, const struct detect_ref *r, struct detect_val *ret);
bool detect_node_eval(const struct detect_node *n, struct detect_view *v);
void detect_view_split_args(struct detect_view *v);
/* The words of CommandLine after the first (what Args tests): the split ones, then the rest
 * of a longer command line scanned word by word, so padding cannot push an argument out. */
struct detect_arg_iter {
	unsigned i;    /* next split word */
	const char *s; /* past the split words: where the scan goes on */
};
void detect_args_begin(struct detect_view *v, struct detect_arg_iter *it);
bool detect_args_next(struct detect_view *v, struct detect_arg_iter *it, struct detect_val *ret);
/* Transformed string value: basename/dirname are substrings, abspath uses v->path. */
bool detect_transform(struct detect_view *v, uint8_t tr, const char *s, size_t len,
		      const char **ret_s, size_t *ret_len);
bool detect_glob_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase);
/* s lower-cased (cached for the item), or NULL when longer than DETECT_FOLD_MAX. */
const char *detect_view_fold(struct detect_view *v, const char *s, size_t len);
/* The program's names of the item (distinct, at most 5), with their hashes. */
void detect_view_names(struct detect_view *v);
/* detect_hash of s (cached for the item by address and length). */
uint64_t detect_view_hash(struct detect_view *v, const char *s, size_t len);
uint64_t detect_hash(const void *p, size_t len, uint64_t h);
#define DETECT_HASH_SEED 0xcbf29ce484222325ull
/* detect-strings.c */
static inline unsigned char detect_lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}
bool detect_eq_n(const char *a, const char *b, size_t n, bool nocase);
bool detect_contains(const char *s, size_t len, const char *needle, size_t nlen, bool nocase);
bool detect_contains_multi(const struct detect_node *n, const char *s, size_t len, bool nocase);
int detect_multi_build(struct detect_node *n);
void detect_multi_free(struct detect_multi *m);
void detect_set_free(struct detect_set *set);
int detect_set_add(struct detect_set *set, const char *s, size_t len, bool nocase);
bool detect_set_has(const struct detect_set *set, const char *s, size_t len, bool nocase);
bool detect_set_has_hashed(const struct detect_set *set, const char *s, size_t len, uint64_t h);

/* detect-index.c: run fn on the rules that may match the item (each once). */
int detect_index_build(struct detect_ruleset *rs);
void detect_index_free(struct detect_name_index *ix);
void detect_index_each(const struct detect_ruleset *rs, struct detect_view *v, uint64_t mark,
		       void (*fn)(struct detect_rule *r, void *ud), void *ud);

/* detect-key.c */
/* Builds the key into out (parts joined by 0x1f); false when a part has no value. */
bool detect_key_build(const struct detect_key *k, struct detect_view *v, char *out,
		      size_t *ret_len);
/* "Label=value, Label=value" for AlertKey. */
void detect_key_describe(const struct detect_key *k, const char *key, size_t len, struct buf *b);
/* The default dedup key of an event type (identity fields). */
int detect_key_defaults_init(struct detect_ruleset *rs);

/* ---- compiling (detect-parse.c, detect-cond.c) ---- */

struct detect_parse {
	struct detect_ruleset *rs;
	struct detect_report *rep;
	const char *file;
	const char *rule_id;
	unsigned errors; /* in the current source */
	unsigned nodes;	 /* conditions in the current rule */
};

void detect_parse_issue(struct detect_parse *p, bool error, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A list value: strings, "@list" references spliced in.  NULL (error reported) on failure. */
struct detect_str *detect_strings_parse(struct detect_parse *p, const cJSON *j, const char *ptr,
					unsigned *ret_n);
void detect_strings_free(struct detect_str *v, unsigned n);
/* A condition over events of `types`.  NULL (error reported) on failure. */
struct detect_node *detect_cond_parse(struct detect_parse *p, const cJSON *j, const char *ptr,
				      uint32_t types, unsigned depth);
void detect_node_free(struct detect_node *n);
/* A key specification (by, dedupBy): an array of parts.  -EINVAL (reported). */
int detect_key_parse(struct detect_parse *p, const cJSON *j, const char *ptr, uint32_t types,
		     struct detect_key *ret);
void detect_key_free(struct detect_key *k);
void detect_rule_free(struct detect_rule *r);
/* "PT5M" → ms; false with an error reported. */
bool detect_duration_parse(struct detect_parse *p, const cJSON *j, const char *ptr, uint64_t min_ms,
			   uint64_t max_ms, uint64_t *ret);
