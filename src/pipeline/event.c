/* SPDX-License-Identifier: MIT */
/*
 * Event types and the event builder.
 *
 * Encoding of an event's data (host byte order, read with memcpy):
 *   0xF0                              a payload item starts
 *   field(<0xF0) + int64              FIELD_INT
 *   field + uint8                     FIELD_BOOL
 *   field + uint32 len + bytes        FIELD_STRING, FIELD_JSON
 *   0xF1 + uint32 klen + key + uint32 vlen + value      an ExtraDetails entry
 * Values longer than EVENT_FIELD_MAX are cut on a UTF-8 boundary, TRUNCATION_MARKER is
 * appended and the item gets ExtraDetails "TruncatedFields" naming them.
 *
 * The builder writes the encoded values behind room for the event header in its own buffer,
 * so a finished event already exists there, complete, before anything is allocated:
 * event_builder_submit() lends that event to a sink that can read it in place (the pipeline:
 * observers and the aggregator read it, and only an event that is kept costs an allocation,
 * one copy of header and data); event_builder_finish() returns such a copy.
 *
 * Secrets: fields flagged FIELD_F_SCRUB (command lines) and the ExtraDetails of scrub_key()
 * are redacted here, at the one place every event is made, so no collector can forget it and
 * nothing downstream (observers and rules, queues, spool, output) ever holds the secret.
 * The item gets ExtraDetails "SecretsRedacted" (how many).  Values re-added from an existing
 * event (event_add_value) are already clean and are copied as they are.
 */
#include "event-int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/guid.h"
#include "common/json_write.h"
#include "common/redact.h"
#include "truncate.h"

#define TAG_ITEM EVENT_TAG_ITEM
#define TAG_EXTRA EVENT_TAG_EXTRA

#define S FIELD_STRING
#define I FIELD_INT
#define B FIELD_BOOL
#define J FIELD_JSON
#define R FIELD_F_REQUIRED
#define L FIELD_F_LONG
#define X FIELD_F_SCRUB

static const struct event_field_info process_create_fields[_PC_MAX] = {
	{ "Executable", S, R | L }, { "ProcessId", I, R }, { "ParentProcessId", I, R },
	{ "UserId", S, R },	    { "UserName", S, 0 },  { "CommandLine", S, R | L | X },
};
static const struct event_field_info process_terminate_fields[_PT_MAX] = {
	{ "Executable", S, R | L },
	{ "ProcessId", I, R },
	{ "ExitStatus", I, R },
};
static const struct event_field_info connection_create_fields[_CC_MAX] = {
	{ "RemoteAddress", S, R },   { "RemotePort", S, R }, { "LocalAddress", S, 0 },
	{ "LocalPort", S, 0 },	     { "Direction", S, R },  { "Protocol", S, R },
	{ "ProcessId", I, R },	     { "UserId", S, 0 },     { "Executable", S, R | L },
	{ "CommandLine", S, L | X },
};
static const struct event_field_info login_fields[_LOGIN_MAX] = {
	{ "ProcessId", I, R },	{ "UserId", S, 0 },	    { "UserName", S, 0 },
	{ "Operation", S, R },	{ "Executable", S, R | L }, { "RemoteAddress", S, 0 },
	{ "RemotePort", S, 0 }, { "LocalPort", S, 0 },	    { "Result", S, R },
};
static const struct event_field_info listening_ports_fields[_LP_MAX] = {
	{ "RemoteAddress", S, 0 }, { "RemotePort", S, 0 }, { "LocalAddress", S, 0 },
	{ "LocalPort", S, R },	   { "Protocol", S, R },
};
static const struct event_field_info system_information_fields[_SI_MAX] = {
	{ "OSName", S, 0 },
	{ "OSVersion", S, L },
	{ "OSVendor", S, 0 },
	{ "OsArchitecture", S, 0 },
	{ "HostName", S, 0 },
	{ "BIOSVersion", S, 0 },
	{ "BootDevice", S, 0 },
	{ "TotalPhysicalMemoryInKB", I, 0 },
	{ "FreePhysicalMemoryInKB", I, 0 },
	{ "TotalVirtualMemoryInKB", I, 0 },
	{ "FreeVirtualMemoryInKB", I, 0 },
};
static const struct event_field_info local_users_fields[_LU_MAX] = {
	{ "GroupIds", S, R | L },
	{ "GroupNames", S, R | L },
	{ "UserId", S, R },
	{ "UserName", S, R },
};
static const struct event_field_info firewall_fields[_FW_MAX] = {
	{ "Priority", I, 0 },	     { "Direction", S, 0 },  { "ChainName", S, 0 },
	{ "Application", S, L },     { "Enabled", B, R },    { "Action", S, R },
	{ "SourceAddress", S, L },   { "SourcePort", S, L }, { "DestinationAddress", S, L },
	{ "DestinationPort", S, L }, { "Protocol", S, 0 },
};
static const struct event_field_info os_baseline_fields[_OSB_MAX] = {
	{ "Description", S, R | L }, { "CceId", S, R },	   { "Result", S, R },
	{ "Error", S, R | L },	     { "Severity", S, R },
};
static const struct event_field_info diagnostic_fields[_DIAG_MAX] = {
	{ "CorrelationId", S, 0 }, { "Severity", S, R }, { "Message", S, R | L },
	{ "ProcessId", I, R },	   { "ThreadId", I, R },
};
static const struct event_field_info configuration_error_fields[_CE_MAX] = {
	{ "ConfigurationName", S, R },
	{ "ErrorType", S, R },
	{ "UsedConfiguration", S, R | L },
	{ "Message", S, R | L },
};
static const struct event_field_info dropped_events_fields[_DES_MAX] = {
	{ "Queue", S, R },
	{ "CollectedEvents", I, R },
	{ "DroppedEvents", I, R },
};
static const struct event_field_info message_statistics_fields[_MS_MAX] = {
	{ "MessagesSent", I, R },
	{ "MessagesUnder4KB", I, R },
	{ "TotalFailed", I, R },
};
static const struct event_field_info heartbeat_fields[_HB_MAX] = {
	{ "UptimeSeconds", I, R },   { "RssKiB", I, R },	  { "PeakRssKiB", I, R },
	{ "CpuUserMs", I, R },	     { "CpuSystemMs", I, R },	  { "HeapBytes", I, R },
	{ "QueueHighEvents", I, R }, { "QueueHighBytes", I, R },  { "QueueLowEvents", I, R },
	{ "QueueLowBytes", I, R },   { "CacheLimitBytes", I, R }, { "AggregationEntries", I, R },
	{ "EventsCollected", I, R }, { "EventsDropped", I, R },	  { "EventsTruncated", I, R },
	{ "MessagesSent", I, R },    { "MessagesFailed", I, R },  { "Collectors", J, R },
	{ "Output", S, R },
};

static const struct event_field_info user_change_fields[_UC_MAX] = {
	{ "Change", S, R },	    { "UserName", S, R },	  { "UserId", S, R },
	{ "PreviousUserId", S, 0 }, { "GroupNames", S, L },	  { "PreviousGroupNames", S, L },
	{ "GroupIds", S, L },	    { "PreviousGroupIds", S, L },
};
static const struct event_field_info privilege_use_fields[_PU_MAX] = {
	{ "Operation", S, R },	    { "UserName", S, R },  { "UserId", S, 0 },
	{ "Executable", S, R | L }, { "ProcessId", I, R }, { "Terminal", S, 0 },
	{ "RemoteAddress", S, 0 },  { "Result", S, R },
};

static const struct event_field_info container_event_fields[_CEV_MAX] = {
	{ "Action", S, R },	      { "ObjectType", S, R }, { "ContainerId", S, 0 },
	{ "ContainerName", S, 0 },    { "Image", S, 0 },      { "ModuleName", S, 0 },
	{ "ExitCode", I, 0 },	      { "Signal", I, 0 },     { "Command", S, L | X },
	{ "SecuritySettings", J, 0 },
};

static const struct event_field_info container_inventory_fields[_CINV_MAX] = {
	{ "ContainerId", S, R }, { "ContainerName", S, R }, { "Image", S, R },
	{ "ImageId", S, 0 },	 { "State", S, R },	    { "ModuleName", S, 0 },
	{ "ProcessId", I, 0 },	 { "ExitCode", I, 0 },	    { "SecuritySettings", J, R },
};

static const struct event_field_info recommendation_fields[_REC_MAX] = {
	{ "RuleId", S, R },	 { "RecommendationType", S, 0 },
	{ "Severity", S, R },	 { "Title", S, R },
	{ "Module", S, R },	 { "ContainerId", S, 0 },
	{ "Image", S, L },	 { "Path", S, R | L },
	{ "Message", S, R | L }, { "Remediation", S, R | L },
};

static const struct event_field_info drift_alert_fields[_DA_MAX] = {
	{ "Kind", S, R },	 { "Severity", S, R },	   { "Module", S, R },
	{ "ContainerId", S, 0 }, { "Image", S, L },	   { "Setting", S, R | L },
	{ "Path", S, L },	 { "ManifestPath", S, L }, { "Message", S, R | L },
};

static const struct event_field_info alert_fields[_AL_MAX] = {
	{ "RuleId", S, R },	     { "RuleName", S, R },	 { "Severity", S, R },
	{ "Technique", S, 0 },	     { "Tactic", S, 0 },	 { "Description", S, R | L },
	{ "Remediation", S, R | L }, { "FalsePositives", S, L }, { "ForgeableEvidence", S, L },
	{ "Evidence", J, R },	     { "AlertKey", S, L },	 { "RepeatCount", I, R },
	{ "FirstSeen", S, R },	     { "LastSeen", S, R },	 { "FirstAlertId", S, 0 },
	{ "ContainerId", S, 0 },     { "ContainerName", S, 0 },	 { "Module", S, 0 },
	{ "ProcessId", I, 0 },	     { "Executable", S, L },	 { "CommandLine", S, L },
	{ "UserName", S, 0 },	     { "RemoteAddress", S, 0 },
};

static const struct event_field_info listener_create_fields[_LC_MAX] = {
	{ "LocalAddress", S, R },    { "LocalPort", S, R }, { "Protocol", S, R },
	{ "ProcessId", I, R },	     { "UserId", S, 0 },    { "Executable", S, R | L },
	{ "CommandLine", S, L | X },
};

#undef S
#undef I
#undef B
#undef J
#undef R
#undef L
#undef X

/* ExtraDetails whose values are free text that may carry secrets, like FIELD_F_SCRUB. */
static bool scrub_key(const char *key, size_t klen)
{
	switch (klen) {
	case 7:
		return memcmp(key, "Command", 7) == 0;
	case 11:
		return memcmp(key, "CommandLine", 11) == 0;
	case 17:
		return memcmp(key, "ParentCommandLine", 17) == 0;
	default:
		return false;
	}
}

#define T(name, schema, cls, cat, fields)                                                          \
	{                                                                                          \
		name, EVENT_SCHEMA_##schema, EVENT_CLASS_##cls, EVENT_CATEGORY_##cat, fields,      \
			ARRAY_SIZE(fields)                                                         \
	}

static const struct event_type_info type_table[_EVENT_TYPE_MAX] = {
	[EVENT_PROCESS_CREATE] =
		T("ProcessCreate", ASC, SECURITY, TRIGGERED, process_create_fields),
	[EVENT_PROCESS_TERMINATE] =
		T("ProcessTerminate", ASC, SECURITY, TRIGGERED, process_terminate_fields),
	[EVENT_CONNECTION_CREATE] =
		T("ConnectionCreate", ASC, SECURITY, TRIGGERED, connection_create_fields),
	[EVENT_LOGIN] = T("Login", ASC, SECURITY, TRIGGERED, login_fields),
	[EVENT_LISTENING_PORTS] =
		T("ListeningPorts", ASC, SECURITY, PERIODIC, listening_ports_fields),
	[EVENT_SYSTEM_INFORMATION] =
		T("SystemInformation", ASC, SECURITY, PERIODIC, system_information_fields),
	[EVENT_LOCAL_USERS] = T("LocalUsers", ASC, SECURITY, PERIODIC, local_users_fields),
	[EVENT_FIREWALL_CONFIGURATION] =
		T("FirewallConfiguration", ASC, SECURITY, PERIODIC, firewall_fields),
	[EVENT_OS_BASELINE] = T("OSBaseline", ASC, SECURITY, PERIODIC, os_baseline_fields),
	[EVENT_DIAGNOSTIC] = T("Diagnostic", ASC, DIAGNOSTIC, TRIGGERED, diagnostic_fields),
	[EVENT_CONFIGURATION_ERROR] =
		T("ConfigurationError", ASC, OPERATIONAL, TRIGGERED, configuration_error_fields),
	[EVENT_DROPPED_EVENTS_STATISTICS] =
		T("DroppedEventsStatistics", ASC, OPERATIONAL, PERIODIC, dropped_events_fields),
	[EVENT_MESSAGE_STATISTICS] =
		T("MessageStatistics", ASC, OPERATIONAL, PERIODIC, message_statistics_fields),
	[EVENT_HEARTBEAT] = T("Heartbeat", EDGESEC, OPERATIONAL, PERIODIC, heartbeat_fields),
	[EVENT_USER_CHANGE] =
		T("LocalUserChange", EDGESEC, SECURITY, TRIGGERED, user_change_fields),
	[EVENT_PRIVILEGE_USE] =
		T("PrivilegeUse", EDGESEC, SECURITY, TRIGGERED, privilege_use_fields),
	[EVENT_CONTAINER_EVENT] =
		T("ContainerEvent", EDGESEC, SECURITY, TRIGGERED, container_event_fields),
	[EVENT_CONTAINER_INVENTORY] =
		T("ContainerInventory", EDGESEC, SECURITY, PERIODIC, container_inventory_fields),
	[EVENT_RECOMMENDATION] =
		T("Recommendation", EDGESEC, SECURITY, PERIODIC, recommendation_fields),
	[EVENT_DRIFT_ALERT] = T("DriftAlert", EDGESEC, SECURITY, TRIGGERED, drift_alert_fields),
	[EVENT_ALERT] = T("Alert", EDGESEC, SECURITY, TRIGGERED, alert_fields),
	[EVENT_LISTENER_CREATE] =
		T("ListenerCreate", EDGESEC, SECURITY, TRIGGERED, listener_create_fields),
};

static const char *const priority_names[_EVENT_PRIORITY_MAX] = {
	[EVENT_PRIORITY_OFF] = "Off",
	[EVENT_PRIORITY_LOW] = "Low",
	[EVENT_PRIORITY_HIGH] = "High",
};

const char *event_priority_to_string(enum event_priority p)
{
	return (p >= 0 && p < _EVENT_PRIORITY_MAX) ? priority_names[p] : NULL;
}

enum event_priority event_priority_from_string(const char *s)
{
	for (int p = 0; p < _EVENT_PRIORITY_MAX; p++)
		if (strcasecmp(priority_names[p], s) == 0)
			return (enum event_priority)p;
	return _EVENT_PRIORITY_INVALID;
}

/* The builder's per-value lookup, inlined (the exported function is the same). */
static inline const struct event_type_info *type_info(enum event_type t)
{
	return (unsigned)t < _EVENT_TYPE_MAX ? &type_table[t] : NULL;
}

const struct event_type_info *event_type_info(enum event_type t)
{
	return type_info(t);
}

const char *event_type_to_string(enum event_type t)
{
	return (t >= 0 && t < _EVENT_TYPE_MAX) ? type_table[t].name : NULL;
}

enum event_type event_type_from_string(const char *s)
{
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		if (strcmp(type_table[t].name, s) == 0)
			return (enum event_type)t;
	return _EVENT_TYPE_INVALID;
}

int event_field_lookup(enum event_type t, const char *name)
{
	const struct event_type_info *ti = event_type_info(t);

	if (!ti)
		return -EINVAL;
	for (unsigned i = 0; i < ti->n_fields; i++)
		if (strcmp(ti->fields[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

enum event_type event_get_type(const struct event *e)
{
	return (enum event_type)e->type;
}

uint64_t event_get_time(const struct event *e)
{
	return e->time_ns;
}

unsigned event_get_n_items(const struct event *e)
{
	return e->n_items;
}

size_t event_get_size(const struct event *e)
{
	return e->size;
}

void event_get_id(const struct event *e, uint8_t ret_id[16])
{
	memcpy(ret_id, e->id, sizeof(e->id));
}

void event_set_id(struct event *e, const uint8_t id[16])
{
	memcpy(e->id, id, sizeof(e->id));
}

void event_free(struct event *e)
{
	es_free(e);
}

struct event *event_new_raw(enum event_type type, uint64_t time_ns, unsigned n_items,
			    const void *data, size_t len)
{
	struct event *e;

	if (len > EVENT_DATA_MAX || n_items > UINT16_MAX)
		return NULL;
	e = es_malloc(sizeof(*e) + len);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->type = (uint16_t)type;
	e->time_ns = time_ns;
	e->n_items = (uint16_t)n_items;
	e->data_len = (uint32_t)len;
	e->size = (uint32_t)(sizeof(*e) + len);
	guid_generate(e->id);
	if (len)
		memcpy(e->data, data, len);
	return e;
}

struct event *event_copy(const struct event *e)
{
	struct event *c = es_malloc(e->size);

	if (!c)
		return NULL;
	memcpy(c, e, EVENT_HEADER_SIZE + (size_t)e->data_len);
	c->next = NULL;
	return c;
}

/* ---- builder ---- */

/* The builder's buffer: EVENT_HEADER_SIZE bytes for the header, then the encoded values. */
#define HDR EVENT_HEADER_SIZE

void event_builder_init(struct event_builder *b)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->data, HDR + EVENT_DATA_MAX);
}

void event_builder_done(struct event_builder *b)
{
	buf_done(&b->data);
}

void event_builder_begin(struct event_builder *b, enum event_type type, uint64_t time_ns)
{
	buf_reset(&b->data);
	if (buf_reserve(&b->data, HDR)) /* else data.failed: finish reports -ENOMEM */
		b->data.len = HDR;
	b->truncated = false;
	b->type = type;
	b->time_ns = time_ns;
	b->n_items = 0;
	b->item_fields = 0;
	b->item_truncated = 0;
	b->item_redacted = 0;
	b->error = event_type_info(type) ? 0 : -EINVAL;
}

static void put_u32(struct buf *d, size_t v)
{
	uint32_t u = (uint32_t)v;

	buf_append(d, &u, sizeof(u));
}

static void close_item(struct event_builder *b)
{
	const struct event_type_info *ti = type_info(b->type);
	char names[512];
	size_t n = 0;

	if (b->n_items && b->item_redacted) {
		unsigned count = b->item_redacted;

		b->item_redacted = 0;
		event_add_extra_u64(b, "SecretsRedacted", count);
	}
	if (!b->n_items || !b->item_truncated || !ti)
		return;
	for (unsigned f = 0; f < ti->n_fields; f++) {
		size_t l = strlen(ti->fields[f].name);

		if (!(b->item_truncated & (1ull << f)) || n + l + 1 >= sizeof(names))
			continue;
		if (n)
			names[n++] = ',';
		memcpy(names + n, ti->fields[f].name, l);
		n += l;
	}
	if ((b->item_truncated & (1ull << 63)) && n + 13 < sizeof(names)) {
		if (n)
			names[n++] = ',';
		memcpy(names + n, "ExtraDetails", 12);
		n += 12;
	}
	b->item_truncated = 0;
	event_add_extra(b, "TruncatedFields", names, n);
}

void event_builder_item(struct event_builder *b)
{
	const struct event_type_info *ti = type_info(b->type);

	close_item(b);
	if (b->n_items >= EVENT_ITEMS_MAX) {
		b->error = -E2BIG;
		return;
	}
	if (b->n_items && ti && !b->error) {
		for (unsigned f = 0; f < ti->n_fields; f++)
			if ((ti->fields[f].flags & FIELD_F_REQUIRED) &&
			    !(b->item_fields & (1ull << f)))
				b->error = -EINVAL;
	}
	buf_putc(&b->data, (char)TAG_ITEM);
	b->n_items++;
	b->item_fields = 0;
}

static inline bool field_ok(struct event_builder *b, unsigned field, enum field_type type)
{
	const struct event_type_info *ti = type_info(b->type);

	if (b->error)
		return false;
	if (!ti || !b->n_items || field >= ti->n_fields || ti->fields[field].type != type ||
	    (b->item_fields & (1ull << field))) {
		b->error = -EINVAL;
		return false;
	}
	b->item_fields |= 1ull << field;
	return true;
}

static void put_string(struct event_builder *b, const char *s, size_t len, unsigned field)
{
	if (len > EVENT_FIELD_MAX) {
		size_t keep = utf8_prefix_len(s, len, EVENT_FIELD_MAX);

		put_u32(&b->data, keep + TRUNCATION_MARKER_LEN);
		buf_append(&b->data, s, keep);
		buf_append(&b->data, TRUNCATION_MARKER, TRUNCATION_MARKER_LEN);
		b->truncated = true;
		b->item_truncated |= 1ull << (field < 63 ? field : 63);
		return;
	}
	put_u32(&b->data, len);
	buf_append(&b->data, s, len);
}

/*
 * The common case of a value: its tag, a 32-bit length and the bytes, written after one
 * reservation (the hot path of every collector).
 */
static void put_tagged(struct buf *d, unsigned tag, const void *s, size_t len)
{
	uint32_t u = (uint32_t)len;
	char *o;

	if (!buf_reserve(d, 5 + len))
		return;
	o = d->data + d->len;
	o[0] = (char)tag;
	memcpy(o + 1, &u, sizeof(u));
	if (len)
		memcpy(o + 5, s, len);
	d->len += 5 + len;
	d->data[d->len] = '\0';
}

/* A string value of a field already checked with field_ok(). */
static inline void add_str_checked(struct event_builder *b, unsigned field, const char *s,
				   size_t len)
{
	if (!s)
		len = 0;
	if (len <= EVENT_FIELD_MAX) {
		put_tagged(&b->data, field, s, len);
		return;
	}
	buf_putc(&b->data, (char)field);
	put_string(b, s, len, field);
}

/*
 * The secrets in s[0..len), if any: a redacted copy in *ret_copy (es_malloc'ed) and its
 * length; 0 when there is nothing to redact (the common case costs one scan).  -ENOMEM
 * when the copy cannot be made: the caller then fails the event rather than keep a secret.
 */
static ssize_t scrub(struct event_builder *b, const char *s, size_t len, char **ret_copy)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	unsigned n;
	char *copy;
	size_t out;

	if (!s || !len || !redact_enabled() || !(n = redact_find(s, len, spans)))
		return 0;
	out = redact_len(len, spans, n);
	copy = es_malloc(out ? out : 1);
	if (!copy)
		return -ENOMEM;
	redact_apply(s, len, spans, n, copy);
	redact_stats_add(n);
	b->item_redacted += n;
	*ret_copy = copy;
	return (ssize_t)out;
}

void event_add_redacted(struct event_builder *b, unsigned n)
{
	if (!n)
		return;
	redact_stats_add(n);
	b->item_redacted += n;
}

/* A FIELD_F_SCRUB field (checked with field_ok()): redacted, then added. */
static __attribute__((noinline)) void add_str_scrubbed(struct event_builder *b, unsigned field,
						       const char *s, size_t len)
{
	char *copy = NULL;
	ssize_t n = scrub(b, s, len, &copy);

	if (n < 0) {
		b->error = (int)n;
		return;
	}
	add_str_checked(b, field, n ? copy : s, n ? (size_t)n : len);
	es_free(copy);
}

void event_add_str(struct event_builder *b, unsigned field, const char *s, size_t len)
{
	if (!field_ok(b, field, FIELD_STRING))
		return;
	if (type_info(b->type)->fields[field].flags & FIELD_F_SCRUB)
		add_str_scrubbed(b, field, s, len);
	else
		add_str_checked(b, field, s, len);
}

void event_add_cstr(struct event_builder *b, unsigned field, const char *s)
{
	if (s)
		event_add_str(b, field, s, strlen(s));
}

void event_add_int(struct event_builder *b, unsigned field, int64_t v)
{
	char *o;

	if (!field_ok(b, field, FIELD_INT) || !buf_reserve(&b->data, 1 + sizeof(v)))
		return;
	o = b->data.data + b->data.len;
	o[0] = (char)field;
	memcpy(o + 1, &v, sizeof(v));
	b->data.len += 1 + sizeof(v);
	b->data.data[b->data.len] = '\0';
}

void event_add_bool(struct event_builder *b, unsigned field, bool v)
{
	if (!field_ok(b, field, FIELD_BOOL))
		return;
	buf_putc(&b->data, (char)field);
	buf_putc(&b->data, v ? 1 : 0);
}

void event_add_json(struct event_builder *b, unsigned field, const char *json, size_t len)
{
	if (!field_ok(b, field, FIELD_JSON))
		return;
	if (len > EVENT_FIELD_MAX) {
		b->error = -E2BIG; /* a JSON value cannot be cut safely */
		return;
	}
	buf_putc(&b->data, (char)field);
	put_u32(&b->data, len);
	buf_append(&b->data, json, len);
}

void event_add_extra(struct event_builder *b, const char *key, const char *val, size_t len)
{
	event_add_extra_n(b, key, strlen(key), val, len);
}

static void add_extra_raw(struct event_builder *b, const char *key, size_t klen, const char *val,
			  size_t len);

static __attribute__((noinline)) void add_extra_scrubbed(struct event_builder *b, const char *key,
							 size_t klen, const char *val, size_t len)
{
	char *copy = NULL;
	ssize_t n = scrub(b, val, len, &copy);

	if (n < 0) {
		b->error = (int)n;
		return;
	}
	add_extra_raw(b, key, klen, n ? copy : val, n ? (size_t)n : len);
	es_free(copy);
}

void event_add_extra_n(struct event_builder *b, const char *key, size_t klen, const char *val,
		       size_t len)
{
	if (!b->error && scrub_key(key, klen))
		add_extra_scrubbed(b, key, klen, val, len);
	else
		add_extra_raw(b, key, klen, val, len);
}

static void add_extra_raw(struct event_builder *b, const char *key, size_t klen, const char *val,
			  size_t len)
{
	if (b->error)
		return;
	if (!b->n_items || klen > 256) {
		b->error = -EINVAL;
		return;
	}
	if (!val)
		len = 0;
	if (len <= EVENT_FIELD_MAX) {
		uint32_t k = (uint32_t)klen, l = (uint32_t)len;
		char *o;

		if (!buf_reserve(&b->data, 1 + 4 + klen + 4 + len))
			return;
		o = b->data.data + b->data.len;
		o[0] = (char)TAG_EXTRA;
		memcpy(o + 1, &k, sizeof(k));
		if (klen)
			memcpy(o + 5, key, klen);
		memcpy(o + 5 + klen, &l, sizeof(l));
		if (len)
			memcpy(o + 9 + klen, val, len);
		b->data.len += 9 + klen + len;
		b->data.data[b->data.len] = '\0';
		return;
	}
	buf_putc(&b->data, (char)TAG_EXTRA);
	put_u32(&b->data, klen);
	buf_append(&b->data, key, klen);
	put_string(b, val, len, 63);
}

void event_add_extra_cstr(struct event_builder *b, const char *key, const char *val)
{
	if (val)
		event_add_extra(b, key, val, strlen(val));
}

void event_add_extra_u64(struct event_builder *b, const char *key, uint64_t v)
{
	char d[20];

	event_add_extra(b, key, d, fmt_u64(d, v));
}

void event_add_value(struct event_builder *b, const struct event_value *v)
{
	switch (v->kind) {
	case EVENT_VALUE_ITEM:
		event_builder_item(b);
		break;
	case EVENT_VALUE_EXTRA:
		add_extra_raw(b, v->key, v->key_len, v->s, v->len);
		break;
	case EVENT_VALUE_FIELD:
		if (v->type == FIELD_INT)
			event_add_int(b, v->field, v->i);
		else if (v->type == FIELD_BOOL)
			event_add_bool(b, v->field, v->i != 0);
		else if (v->type == FIELD_JSON)
			event_add_json(b, v->field, v->s, v->len);
		else if (field_ok(b, v->field, FIELD_STRING))
			add_str_checked(b, v->field, v->s, v->len);
		break;
	}
}

/* Closes the last item and checks the event: 0, or the error event_builder_finish() reports. */
static int builder_close(struct event_builder *b)
{
	const struct event_type_info *ti = type_info(b->type);

	if (b->n_items) {
		close_item(b);
		if (!b->error)
			for (unsigned f = 0; f < ti->n_fields; f++)
				if ((ti->fields[f].flags & FIELD_F_REQUIRED) &&
				    !(b->item_fields & (1ull << f)))
					b->error = -EINVAL;
	}
	if (!b->error && ti->category == EVENT_CATEGORY_TRIGGERED && !b->n_items)
		b->error = -EINVAL;
	if (!b->error && (b->data.failed || b->data.len < HDR))
		b->error = b->data.len >= HDR && b->data.len - HDR + 16 > EVENT_DATA_MAX ? -E2BIG
											 : -ENOMEM;
	return b->error;
}

/* The finished event, in place at the start of the builder's buffer (after builder_close). */
static struct event *builder_event(struct event_builder *b)
{
	struct event *e = (struct event *)(void *)b->data.data;
	size_t len = b->data.len - HDR;

	e->next = NULL;
	e->time_ns = b->time_ns;
	e->size = (uint32_t)(sizeof(*e) + len);
	e->data_len = (uint32_t)len;
	e->type = (uint16_t)b->type;
	e->n_items = (uint16_t)b->n_items;
	e->flags = b->truncated ? EVENT_F_TRUNCATED : 0;
	e->priority = 0;
	guid_generate(e->id);
	return e;
}

int event_builder_finish(struct event_builder *b, struct event **ret_event)
{
	struct event *e;
	int r = builder_close(b);

	if (r < 0)
		return r;
	e = event_copy(builder_event(b));
	if (!e)
		return -ENOMEM;
	*ret_event = e;
	return 0;
}

int event_builder_submit(struct event_builder *b, struct event_sink *sink)
{
	struct event *e;
	int r = builder_close(b);

	if (r < 0)
		return r;
	e = builder_event(b);
	if (sink->submit_lent) {
		sink->submit_lent(sink, e);
		return 0;
	}
	e = event_copy(e);
	if (!e)
		return -ENOMEM;
	sink->submit(sink, e);
	return 0;
}

/* ---- cursor ---- */

void event_cursor_init(struct event_cursor *c, const struct event *e)
{
	c->p = e->data;
	c->end = e->data + e->data_len;
	c->type = (enum event_type)e->type;
	c->ti = event_type_info(c->type);
}

int event_cursor_next(struct event_cursor *c, struct event_value *v)
{
	return event_cursor_step(c, v);
}
