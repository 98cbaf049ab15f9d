/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The typed event model.  Every security or operational record is a `struct event`: a type
 * (ProcessCreate, ListeningPorts, Heartbeat, ...), a time, a random id and one or more payload
 * items.  An item holds typed fields (the names and types come from the event type's table,
 * which mirrors the ASC payload schemas) and free-form ExtraDetails (string → string).
 *
 * Collectors build events with a `struct event_builder` and hand them to an event sink; they
 * never see the event's layout.  An event is one allocation (header + encoded values), so it is
 * cheap to queue, account and free.
 *
 * Adding an event type: add it to enum event_type, declare its field enum below, and add its
 * row to the table in event.c (and, for our own events, to docs/schemas/).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum event_type {
	EVENT_PROCESS_CREATE,
	EVENT_PROCESS_TERMINATE,
	EVENT_CONNECTION_CREATE,
	EVENT_LOGIN,
	EVENT_LISTENING_PORTS,
	EVENT_SYSTEM_INFORMATION,
	EVENT_LOCAL_USERS,
	EVENT_FIREWALL_CONFIGURATION,
	EVENT_OS_BASELINE,
	EVENT_DIAGNOSTIC,
	EVENT_CONFIGURATION_ERROR,
	EVENT_DROPPED_EVENTS_STATISTICS,
	EVENT_MESSAGE_STATISTICS,
	/* edgesec's own schema (docs/schemas/edgesec-message.schema.json) */
	EVENT_HEARTBEAT,
	EVENT_USER_CHANGE,     /* LocalUserChange: a difference between two LocalUsers snapshots */
	EVENT_PRIVILEGE_USE,   /* PrivilegeUse: sudo/su/pkexec authentication, not a login */
	EVENT_CONTAINER_EVENT, /* ContainerEvent: a Docker container or image event */
	EVENT_CONTAINER_INVENTORY, /* ContainerInventory: every container and its settings */
	EVENT_RECOMMENDATION,	   /* Recommendation: rule findings on running containers */
	EVENT_DRIFT_ALERT,     /* DriftAlert: a module runs with more than its manifest grants */
	EVENT_ALERT,	       /* Alert: a detection rule fired on the device (src/detect/) */
	EVENT_LISTENER_CREATE, /* ListenerCreate: TCP listen() or UDP bind() (eBPF) */
	_EVENT_TYPE_MAX,
	_EVENT_TYPE_INVALID = -22,
};

enum event_schema {
	EVENT_SCHEMA_ASC,     /* validates against the published ASC for IoT schema */
	EVENT_SCHEMA_EDGESEC, /* our own schema; travels in separate messages */
	_EVENT_SCHEMA_MAX,
};

enum event_class {
	EVENT_CLASS_SECURITY,
	EVENT_CLASS_OPERATIONAL,
	EVENT_CLASS_DIAGNOSTIC,
	_EVENT_CLASS_MAX,
};

enum event_category {
	EVENT_CATEGORY_PERIODIC,
	EVENT_CATEGORY_TRIGGERED,
	_EVENT_CATEGORY_MAX,
};

/* Which queue an event goes to (ASC eventPriority<Name>); OFF means not collected. */
enum event_priority {
	EVENT_PRIORITY_OFF,
	EVENT_PRIORITY_LOW,
	EVENT_PRIORITY_HIGH,
	_EVENT_PRIORITY_MAX,
	_EVENT_PRIORITY_INVALID = -22,
};

const char *event_priority_to_string(enum event_priority p);   /* "Off", "Low", "High" */
enum event_priority event_priority_from_string(const char *s); /* case-insensitive */

enum field_type {
	FIELD_STRING,
	FIELD_INT,
	FIELD_BOOL,
	FIELD_JSON, /* a JSON value produced by common/json_write (own schema only) */
	_FIELD_TYPE_MAX,
};

#define FIELD_F_REQUIRED 0x1u /* the schema requires it in every item */
#define FIELD_F_LONG 0x2u     /* may be shortened (with a marker) when an event is too large */
/*
 * Free text that may carry secrets (a command line): the builder redacts it
 * (common/redact.h) before the event exists.  ExtraDetails keys of the same kind are listed
 * in event.c (scrub_key).
 */
#define FIELD_F_SCRUB 0x4u

struct event_field_info {
	const char *name;
	enum field_type type;
	unsigned flags;
};

struct event_type_info {
	const char *name; /* ASC "Name" */
	enum event_schema schema;
	enum event_class class_;
	enum event_category category;
	const struct event_field_info *fields;
	unsigned n_fields;
};

/* Field indices, in the order of the tables in event.c (one compact line per event type). */
/* clang-format off */
enum { PC_EXECUTABLE, PC_PROCESS_ID, PC_PARENT_PROCESS_ID, PC_USER_ID, PC_USER_NAME,
       PC_COMMAND_LINE, _PC_MAX };
enum { PT_EXECUTABLE, PT_PROCESS_ID, PT_EXIT_STATUS, _PT_MAX };
enum { CC_REMOTE_ADDRESS, CC_REMOTE_PORT, CC_LOCAL_ADDRESS, CC_LOCAL_PORT, CC_DIRECTION,
       CC_PROTOCOL, CC_PROCESS_ID, CC_USER_ID, CC_EXECUTABLE, CC_COMMAND_LINE, _CC_MAX };
enum { LOGIN_PROCESS_ID, LOGIN_USER_ID, LOGIN_USER_NAME, LOGIN_OPERATION, LOGIN_EXECUTABLE,
       LOGIN_REMOTE_ADDRESS, LOGIN_REMOTE_PORT, LOGIN_LOCAL_PORT, LOGIN_RESULT, _LOGIN_MAX };
enum { LP_REMOTE_ADDRESS, LP_REMOTE_PORT, LP_LOCAL_ADDRESS, LP_LOCAL_PORT, LP_PROTOCOL, _LP_MAX };
enum { SI_OS_NAME, SI_OS_VERSION, SI_OS_VENDOR, SI_OS_ARCHITECTURE, SI_HOST_NAME,
       SI_BIOS_VERSION, SI_BOOT_DEVICE, SI_TOTAL_PHYSICAL_MEMORY_KB, SI_FREE_PHYSICAL_MEMORY_KB,
       SI_TOTAL_VIRTUAL_MEMORY_KB, SI_FREE_VIRTUAL_MEMORY_KB, _SI_MAX };
enum { LU_GROUP_IDS, LU_GROUP_NAMES, LU_USER_ID, LU_USER_NAME, _LU_MAX };
enum { FW_PRIORITY, FW_DIRECTION, FW_CHAIN_NAME, FW_APPLICATION, FW_ENABLED, FW_ACTION,
       FW_SOURCE_ADDRESS, FW_SOURCE_PORT, FW_DESTINATION_ADDRESS, FW_DESTINATION_PORT,
       FW_PROTOCOL, _FW_MAX };
enum { OSB_DESCRIPTION, OSB_CCE_ID, OSB_RESULT, OSB_ERROR, OSB_SEVERITY, _OSB_MAX };
enum { DIAG_CORRELATION_ID, DIAG_SEVERITY, DIAG_MESSAGE, DIAG_PROCESS_ID, DIAG_THREAD_ID,
       _DIAG_MAX };
enum { CE_CONFIGURATION_NAME, CE_ERROR_TYPE, CE_USED_CONFIGURATION, CE_MESSAGE, _CE_MAX };
enum { DES_QUEUE, DES_COLLECTED_EVENTS, DES_DROPPED_EVENTS, _DES_MAX };
enum { MS_MESSAGES_SENT, MS_MESSAGES_UNDER_4KB, MS_TOTAL_FAILED, _MS_MAX };
enum { HB_UPTIME_SECONDS, HB_RSS_KIB, HB_PEAK_RSS_KIB, HB_CPU_USER_MS, HB_CPU_SYSTEM_MS,
       HB_HEAP_BYTES, HB_QUEUE_HIGH_EVENTS, HB_QUEUE_HIGH_BYTES, HB_QUEUE_LOW_EVENTS,
       HB_QUEUE_LOW_BYTES, HB_CACHE_LIMIT_BYTES, HB_AGGREGATION_ENTRIES, HB_EVENTS_COLLECTED,
       HB_EVENTS_DROPPED, HB_EVENTS_TRUNCATED, HB_MESSAGES_SENT, HB_MESSAGES_FAILED,
       HB_COLLECTORS, HB_OUTPUT, _HB_MAX };
/* Change: UserAdded, UserRemoved, GroupMembershipChanged, UidChanged, UidChangedToRoot. */
enum { UC_CHANGE, UC_USER_NAME, UC_USER_ID, UC_PREVIOUS_USER_ID, UC_GROUP_NAMES,
       UC_PREVIOUS_GROUP_NAMES, UC_GROUP_IDS, UC_PREVIOUS_GROUP_IDS, _UC_MAX };
enum { CEV_ACTION, CEV_OBJECT_TYPE, CEV_CONTAINER_ID, CEV_CONTAINER_NAME, CEV_IMAGE,
       CEV_MODULE_NAME, CEV_EXIT_CODE, CEV_SIGNAL, CEV_COMMAND, CEV_SECURITY_SETTINGS, _CEV_MAX };
enum { CINV_CONTAINER_ID, CINV_CONTAINER_NAME, CINV_IMAGE, CINV_IMAGE_ID, CINV_STATE,
       CINV_MODULE_NAME, CINV_PROCESS_ID, CINV_EXIT_CODE, CINV_SECURITY_SETTINGS, _CINV_MAX };

/* PrivilegeUse (our schema): one sudo/su/... authentication or session (login collector). */
enum { PU_OPERATION, PU_USER_NAME, PU_USER_ID, PU_EXECUTABLE, PU_PROCESS_ID, PU_TERMINAL,
       PU_REMOTE_ADDRESS, PU_RESULT, _PU_MAX };

/* One item per rule finding (src/analyze/analyze-events.h). */
enum { REC_RULE_ID, REC_RECOMMENDATION_TYPE, REC_SEVERITY, REC_TITLE, REC_MODULE,
       REC_CONTAINER_ID, REC_IMAGE, REC_PATH, REC_MESSAGE, REC_REMEDIATION, _REC_MAX };
/* Kind: Privileged, Capability, HostNamespace, HostMount, MountWritable, Device,
 * UndeclaredModule (src/analyze/drift.h). */
enum { DA_KIND, DA_SEVERITY, DA_MODULE, DA_CONTAINER_ID, DA_IMAGE, DA_SETTING, DA_PATH,
       DA_MANIFEST_PATH, DA_MESSAGE, _DA_MAX };

/*
 * Alert (our schema): one detection rule fired, or a summary of its repeats (RepeatCount > 0).
 * Fields in docs/detection.md; built by src/detect/detect-alert.c.
 */
enum { AL_RULE_ID, AL_RULE_NAME, AL_SEVERITY, AL_TECHNIQUE, AL_TACTIC, AL_DESCRIPTION,
       AL_REMEDIATION, AL_FALSE_POSITIVES, AL_FORGEABLE_EVIDENCE, AL_EVIDENCE, AL_ALERT_KEY,
       AL_REPEAT_COUNT, AL_FIRST_SEEN, AL_LAST_SEEN, AL_FIRST_ALERT_ID, AL_CONTAINER_ID,
       AL_CONTAINER_NAME, AL_MODULE, AL_PROCESS_ID, AL_EXECUTABLE, AL_COMMAND_LINE,
       AL_USER_NAME, AL_REMOTE_ADDRESS, _AL_MAX };
/* clang-format on */

/*
 * ListenerCreate (our schema): one TCP socket that began listening, seen by the kernel at
 * listen(), or one UDP socket bound by bind() (process collector, eBPF capture), with the
 * process that listens.
 */
enum {
	LC_LOCAL_ADDRESS,
	LC_LOCAL_PORT,
	LC_PROTOCOL,
	LC_PROCESS_ID,
	LC_USER_ID,
	LC_EXECUTABLE,
	LC_COMMAND_LINE,
	_LC_MAX
};

/* Largest value a field may hold; larger input is cut by the builder and marked. */
#define EVENT_FIELD_MAX (1u << 20)
/* Most payload items in one event (more: event_builder_finish() returns -E2BIG). */
#define EVENT_ITEMS_MAX 65535u
/* Largest encoded event the builder will produce. */
#define EVENT_DATA_MAX (8u << 20)

const struct event_type_info *event_type_info(enum event_type t);
const char *event_type_to_string(enum event_type t);
enum event_type event_type_from_string(const char *s);
int event_field_lookup(enum event_type t, const char *name);

struct event; /* opaque; see pipeline/event-int.h */

enum event_type event_get_type(const struct event *e);
uint64_t event_get_time(const struct event *e);
unsigned event_get_n_items(const struct event *e);
/* Bytes the event occupies in memory; what the cache budget counts. */
size_t event_get_size(const struct event *e);
/* The event's Id (random at creation; a replayed event keeps its recorded one). */
void event_get_id(const struct event *e, uint8_t ret_id[16]);
void event_set_id(struct event *e, const uint8_t id[16]);
void event_free(struct event *e);
/* An owned copy (same id) of an event, e.g. of one that was only lent; NULL without memory. */
struct event *event_copy(const struct event *e);

/*
 * Builder.  Reusable: init once, then begin/item/add.../finish as often as needed.
 * Errors (a value on a field of the wrong type, too much data, no memory) are remembered and
 * reported by event_builder_finish(), so call sites stay linear.
 */
struct event_builder {
	struct buf data;
	enum event_type type;
	uint64_t time_ns;
	unsigned n_items;
	uint64_t item_fields;	 /* bit per field set in the current item */
	uint64_t item_truncated; /* bit per field cut in the current item */
	unsigned item_redacted;	 /* secrets redacted in the current item */
	int error;
	bool truncated;
};

void event_builder_init(struct event_builder *b);
void event_builder_done(struct event_builder *b);
void event_builder_begin(struct event_builder *b, enum event_type type, uint64_t time_ns);
void event_builder_item(struct event_builder *b);
/* A FIELD_F_SCRUB field, or an ExtraDetails key listed in event.c, is redacted first. */
void event_add_str(struct event_builder *b, unsigned field, const char *s, size_t len);
void event_add_cstr(struct event_builder *b, unsigned field, const char *s); /* NULL: skipped */
/*
 * Counts n secrets the caller redacted itself before adding a value (the process collector's
 * argv-aware redact_args_join()) as if the builder had: SecretsRedacted and the Heartbeat.
 */
void event_add_redacted(struct event_builder *b, unsigned n);
void event_add_int(struct event_builder *b, unsigned field, int64_t v);
void event_add_bool(struct event_builder *b, unsigned field, bool v);
void event_add_json(struct event_builder *b, unsigned field, const char *json, size_t len);
void event_add_extra(struct event_builder *b, const char *key, const char *val, size_t len);
void event_add_extra_n(struct event_builder *b, const char *key, size_t key_len, const char *val,
		       size_t len);
void event_add_extra_cstr(struct event_builder *b, const char *key, const char *val);
void event_add_extra_u64(struct event_builder *b, const char *key, uint64_t v);
/*
 * 0 and *ret_event on success.  -EINVAL if an item lacks a required field, a triggered event
 * has no item, or a value did not match its field; -E2BIG / -ENOMEM otherwise.
 */
int event_builder_finish(struct event_builder *b, struct event **ret_event);
struct event_sink;
/*
 * Finishes the event and hands it to the sink: 0, or the errors of event_builder_finish()
 * (nothing is submitted then).  A sink with submit_lent reads the event where the builder
 * built it and copies it only if it keeps it (the pipeline: an event that aggregation absorbs
 * is never allocated); other sinks get an allocated copy through submit.  The way collectors
 * submit what they build.
 */
int event_builder_submit(struct event_builder *b, struct event_sink *sink);

/* Re-add a value read with an event_cursor (copying or rewriting an event); as it is. */
struct event_value;
void event_add_value(struct event_builder *b, const struct event_value *v);

/* Walking an event's values in order (serialization, identity, tests). */
enum event_value_kind {
	EVENT_VALUE_ITEM,  /* a new payload item starts */
	EVENT_VALUE_FIELD, /* a typed field of the current item */
	EVENT_VALUE_EXTRA, /* an ExtraDetails entry of the current item */
};

struct event_value {
	enum event_value_kind kind;
	unsigned field;
	enum field_type type;
	int64_t i;
	const char *s; /* string, JSON or ExtraDetails value; not NUL-terminated */
	size_t len;
	const char *key; /* ExtraDetails key */
	size_t key_len;
};

struct event_cursor {
	const unsigned char *p, *end;
	enum event_type type;
	const struct event_type_info *ti; /* of type, looked up once */
};

void event_cursor_init(struct event_cursor *c, const struct event *e);
/* 1 with *v filled, 0 at the end. */
int event_cursor_next(struct event_cursor *c, struct event_value *v);

/*
 * Where events go: the pipeline, or a test's collector of events.  submit takes ownership of
 * an allocated event.  submit_lent (optional) is given an event that stays its builder's: it
 * is valid only during the call, and the sink copies it (event_copy) if it keeps it.
 */
struct event_sink {
	void (*submit)(struct event_sink *sink, struct event *e);
	void (*submit_lent)(struct event_sink *sink, const struct event *e);
};

static inline void event_sink_submit(struct event_sink *sink, struct event *e)
{
	sink->submit(sink, e);
}
