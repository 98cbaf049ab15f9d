/* SPDX-License-Identifier: MIT */
/*
 * The report model (report.h): edgesec messages, one per line, → tables of rows.
 *
 * Each line is parsed on its own (cJSON, REPORT_LINE_MAX bytes); a line that is not a message
 * ({..., "Events": [...]}) is counted and skipped, so a log line or a truncated last line in a
 * recording does not stop the report.  Periodic events replace their table when a newer
 * snapshot arrives (events with the same TimestampUTC are one snapshot split into several
 * messages: their items are appended).  Alerts keep the REPORT_ALERTS_MAX most recent in a
 * ring; DriftAlert items are merged by (Kind, Module, Setting) with a count.  Every string
 * is copied, cut at REPORT_STRING_MAX bytes on a UTF-8 boundary with "…" appended.  Owns:
 * every row and string.  The renderers escape; nothing here is trusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/num.h"
#include "common/str.h"
#include "common/timeutil.h"
#include "report-int.h"

/* Field names of each table, looked up in the item, then in its ExtraDetails. */
static const char *const baseline_names[_BL_MAX] = {
	"CheckId", "Severity",	  "Result", "Description", "Reason",
	"Error",   "Remediation", "CceId",  "Score",	   "Waived",
};
static const char *const rec_names[_REC_F_MAX] = {
	"RuleId", "Severity", "Title",	 "Module",	"ContainerId",
	"Image",  "Path",     "Message", "Remediation",
};
static const char *const host_names[_HO_MAX] = {
	"RuleId", "Severity", "Title", "Path", "Message", "Remediation", "Status", "Module",
};
static const char *const drift_names[_DR_MAX] = {
	"Kind", "Severity", "Module", "Setting", "Path", "ManifestPath", "Message", "Image",
};
static const char *const alert_names[_AL_MAX] = {
	"RuleId",      "RuleName", "Severity",	    "Technique", "Description",
	"Remediation", "Evidence", "ContainerName", "Module",	 "RepeatCount",
};
static const char *const port_names[_PO_MAX] = {
	"Protocol", "LocalAddress", "LocalPort", "RemoteAddress", "RemotePort", "UserId", "Process",
};
static const char *const user_names[_US_MAX] = {
	"UserName", "UserId", "GroupNames", "GroupIds", "Shell", "Home",
};
static const char *const container_names[_CO_MAX] = {
	"ContainerName", "Image", "State", "ModuleName", "ContainerId",
};
static const char *const sysinfo_names[_SI_F_MAX] = {
	"HostName",
	"OSPrettyName",
	"OSName",
	"OSVersion",
	"OSVendor",
	"OsArchitecture",
	"UptimeSeconds",
	"TotalPhysicalMemoryInKB",
	"FreePhysicalMemoryInKB",
	"BootDevice",
};

struct table_spec {
	const char *event_name;
	const char *const *fields;
	unsigned n_fields;
	int sev_field; /* -1: none */
	bool periodic;
};

#define SPEC(name, f, sev, per)                                                                    \
	{                                                                                          \
		name, f, ARRAY_SIZE(f), sev, per                                                   \
	}

static const struct table_spec specs[_REPORT_TABLE_MAX] = {
	[REPORT_BASELINE] = SPEC("OSBaseline", baseline_names, BL_SEVERITY, true),
	/* Recommendation items go to one of these two by their rule (add_recommendation). */
	[REPORT_RECOMMENDATIONS] = SPEC("Recommendation", rec_names, REC_F_SEVERITY, false),
	[REPORT_HOST] = SPEC("Recommendation", host_names, HO_SEVERITY, false),
	[REPORT_DRIFT] = SPEC("DriftAlert", drift_names, DR_SEVERITY, false),
	[REPORT_ALERTS] = SPEC("Alert", alert_names, AL_SEVERITY, false),
	[REPORT_PORTS] = SPEC("ListeningPorts", port_names, -1, true),
	[REPORT_USERS] = SPEC("LocalUsers", user_names, -1, true),
	[REPORT_CONTAINERS] = SPEC("ContainerInventory", container_names, -1, true),
	[REPORT_SYSINFO] = SPEC("SystemInformation", sysinfo_names, -1, true),
};

static const char *const sev_names[_REPORT_SEV_MAX] = {
	[REPORT_SEV_CRITICAL] = "Critical", [REPORT_SEV_HIGH] = "High",
	[REPORT_SEV_MEDIUM] = "Medium",	    [REPORT_SEV_LOW] = "Low",
	[REPORT_SEV_INFO] = "Info",
};

const char *report_sev_to_string(enum report_sev s)
{
	return s >= 0 && s < _REPORT_SEV_MAX ? sev_names[s] : "Info";
}

enum report_sev report_sev_from_string(const char *s)
{
	static const struct {
		const char *name;
		enum report_sev sev;
	} words[] = {
		{ "critical", REPORT_SEV_CRITICAL }, { "high", REPORT_SEV_HIGH },
		{ "important", REPORT_SEV_HIGH },    { "error", REPORT_SEV_HIGH },
		{ "medium", REPORT_SEV_MEDIUM },     { "moderate", REPORT_SEV_MEDIUM },
		{ "warning", REPORT_SEV_MEDIUM },    { "low", REPORT_SEV_LOW },
	};

	for (size_t i = 0; s && i < ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i].name) == 0)
			return words[i].sev;
	return REPORT_SEV_INFO;
}

int report_model_new(struct report_model **ret_model)
{
	struct report_model *m = es_calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	for (int i = 0; i < _REPORT_TABLE_MAX; i++)
		m->t[i].max = REPORT_ROWS_MAX;
	m->t[REPORT_ALERTS].max = REPORT_ALERTS_MAX;
	m->t[REPORT_ALERTS].ring = true;
	m->t[REPORT_DRIFT].max = REPORT_FINDINGS_MAX;
	m->t[REPORT_RECOMMENDATIONS].max = REPORT_FINDINGS_MAX;
	m->t[REPORT_HOST].max = REPORT_FINDINGS_MAX;
	m->t[REPORT_SYSINFO].max = 1;
	*ret_model = m;
	return 0;
}

static void row_free(struct report_row *r)
{
	for (int i = 0; i < REPORT_FIELDS_MAX; i++)
		es_free(r->f[i]);
	memset(r, 0, sizeof(*r));
}

static void table_clear(struct report_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		row_free(&t->rows[i]);
	t->n = 0;
	t->next = 0;
	t->dropped = 0;
}

struct report_model *report_model_free(struct report_model *m)
{
	if (!m)
		return NULL;
	for (int i = 0; i < _REPORT_TABLE_MAX; i++) {
		table_clear(&m->t[i]);
		es_free(m->t[i].rows);
	}
	es_free(m);
	return NULL;
}

size_t report_model_messages(const struct report_model *m)
{
	return m->messages;
}

void report_model_skip_line(struct report_model *m)
{
	m->lines++;
	m->skipped++;
}

/* A copy of s[0..len) cut at REPORT_STRING_MAX bytes (on a UTF-8 boundary, "…" appended). */
static char *copy_capped(const char *s, size_t len)
{
	size_t keep = len;
	char *out;

	if (len > REPORT_STRING_MAX)
		keep = utf8_prefix_len(s, len, REPORT_STRING_MAX);
	out = es_malloc(keep + 4);
	if (!out)
		return NULL;
	memcpy(out, s, keep);
	if (keep < len)
		memcpy(out + keep, "\xe2\x80\xa6", 3), keep += 3;
	out[keep] = '\0';
	return out;
}

/* Any JSON value as text: strings as they are, numbers without a needless fraction, objects
 * and arrays as compact JSON.  NULL on allocation failure. */
static char *value_text(const cJSON *v)
{
	char num[64];
	char *json, *out;

	if (!v || cJSON_IsNull(v))
		return es_strdup("");
	if (cJSON_IsString(v))
		return copy_capped(v->valuestring, strlen(v->valuestring));
	if (cJSON_IsBool(v))
		return es_strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == (double)(long long)d && d > -9e15 && d < 9e15)
			snprintf(num, sizeof(num), "%lld", (long long)d);
		else
			snprintf(num, sizeof(num), "%g", d);
		return es_strdup(num);
	}
	json = cJSON_PrintUnformatted(v);
	if (!json)
		return NULL;
	out = copy_capped(json, strlen(json));
	es_free(json);
	return out;
}

static const cJSON *item_field(const cJSON *item, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, name), *extra;

	if (v)
		return v;
	extra = cJSON_GetObjectItemCaseSensitive(item, "ExtraDetails");
	return cJSON_IsObject(extra) ? cJSON_GetObjectItemCaseSensitive(extra, name) : NULL;
}

static int row_fill(struct report_row *r, const struct table_spec *spec, const cJSON *item,
		    uint64_t ts)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < spec->n_fields; i++)
		if (!(r->f[i] = value_text(item_field(item, spec->fields[i])))) {
			row_free(r);
			return -ENOMEM;
		}
	r->time_ns = r->last_ns = ts;
	r->count = 1;
	r->sev = spec->sev_field >= 0 ? report_sev_from_string(r->f[spec->sev_field])
				      : REPORT_SEV_INFO;
	return 0;
}

static struct report_row *table_slot(struct report_table *t)
{
	struct report_row *slot;

	if (t->n < t->max) {
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 16;
			struct report_row *rows;

			if (cap > t->max)
				cap = t->max;
			rows = es_realloc(t->rows, cap * sizeof(*rows));
			if (!rows)
				return NULL;
			t->rows = rows;
			t->cap = cap;
		}
		return &t->rows[t->n++];
	}
	t->dropped++;
	if (!t->ring)
		return NULL;
	slot = &t->rows[t->next];
	row_free(slot);
	t->next = (t->next + 1) % t->max;
	return slot;
}

const struct report_row *report_table_row(const struct report_table *t, size_t i)
{
	if (i >= t->n)
		return NULL;
	return t->ring && t->n == t->max ? &t->rows[(t->next + i) % t->max] : &t->rows[i];
}

/* DriftAlert items: the same (Kind, Module, Setting) again only counts. */
static struct report_row *drift_find(struct report_table *t, const struct report_row *r)
{
	for (size_t i = 0; i < t->n; i++) {
		struct report_row *o = &t->rows[i];

		if (strcmp(o->f[DR_KIND], r->f[DR_KIND]) == 0 &&
		    strcmp(o->f[DR_MODULE], r->f[DR_MODULE]) == 0 &&
		    strcmp(o->f[DR_SETTING], r->f[DR_SETTING]) == 0)
			return o;
	}
	return NULL;
}

/* Stores r (taken over) in t; a full table counts it as dropped. */
static int table_append(struct report_table *t, struct report_row *r)
{
	struct report_row *slot = table_slot(t);

	if (!slot) {
		row_free(r);
		return t->n < t->max ? -ENOMEM : 0;
	}
	*slot = *r;
	return 0;
}

static int add_item(struct report_model *m, enum report_table_id id, const cJSON *item, uint64_t ts)
{
	struct report_table *t = &m->t[id];
	struct report_row r, *same;
	int e;

	if (!cJSON_IsObject(item))
		return 0;
	if ((e = row_fill(&r, &specs[id], item, ts)) < 0)
		return e;
	if (id == REPORT_DRIFT && (same = drift_find(t, &r))) {
		same->count++;
		if (ts > same->last_ns)
			same->last_ns = ts;
		row_free(&r);
		return 0;
	}
	return table_append(t, &r);
}

/* "2026-12-06T20:19:04.944Z" (or with an offset) → ns since the epoch; 0 when malformed. */
static uint64_t parse_time(const char *s)
{
	uint64_t ns;

	return time_parse_rfc3339(s, &ns) == 0 ? ns : 0;
}

void report_format_time(uint64_t ns, char *out, size_t size)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (!ns || !gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, size, "unknown time");
}

static void count_name(struct report_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_names; i++)
		if (strcmp(m->names[i].name, name) == 0) {
			m->names[i].n++;
			return;
		}
	if (m->n_names == REPORT_NAMES_MAX || strlen(name) >= sizeof(m->names[0].name)) {
		m->names_dropped++;
		return;
	}
	str_copy(m->names[m->n_names].name, sizeof(m->names[0].name), name);
	m->names[m->n_names++].n = 1;
}

static void table_remove(struct report_table *t, size_t i)
{
	row_free(&t->rows[i]);
	memmove(&t->rows[i], &t->rows[i + 1], (t->n - i - 1) * sizeof(t->rows[0]));
	t->n--;
}

/* A host posture item (docs/posture.md): one finding per RuleId + Path, New or Changed until
 * Resolved. */
static int add_host_item(struct report_model *m, const cJSON *item, uint64_t ts)
{
	struct report_table *t = &m->t[REPORT_HOST];
	struct report_row r;
	int e;

	if ((e = row_fill(&r, &specs[REPORT_HOST], item, ts)) < 0)
		return e;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].f[HO_RULE_ID], r.f[HO_RULE_ID]) == 0 &&
		    strcmp(t->rows[i].f[HO_PATH], r.f[HO_PATH]) == 0) {
			r.time_ns = t->rows[i].time_ns;
			table_remove(t, i);
			break;
		}
	if (strcmp(r.f[HO_STATUS], "Resolved") == 0) {
		row_free(&r);
		return 0;
	}
	return table_append(t, &r);
}

static bool is_host_item(const cJSON *item)
{
	const cJSON *rule = cJSON_GetObjectItemCaseSensitive(item, "RuleId");
	const cJSON *module = cJSON_GetObjectItemCaseSensitive(item, "Module");

	return (cJSON_IsString(rule) && strncmp(rule->valuestring, "HOST", 4) == 0) ||
	       (cJSON_IsString(module) && strcmp(module->valuestring, "host") == 0);
}

/*
 * Container findings: a Recommendation event carries every finding of the modules it names
 * (one container after a change, or all of them at a snapshot), so those modules' older rows
 * are replaced; a ContainerInventory drops the rows older than it (prune_containers).
 */
static int add_recommendation(struct report_model *m, const cJSON *payload, uint64_t ts)
{
	struct report_table *t = &m->t[REPORT_RECOMMENDATIONS];
	const cJSON *item;
	int e;

	cJSON_ArrayForEach(item, payload) {
		const cJSON *mod = cJSON_GetObjectItemCaseSensitive(item, "Module");

		if (!cJSON_IsObject(item) || is_host_item(item))
			continue;
		t->seen = true;
		for (size_t i = t->n; cJSON_IsString(mod) && i-- > 0;)
			if (t->rows[i].last_ns != ts &&
			    strcmp(t->rows[i].f[REC_F_MODULE], mod->valuestring) == 0)
				table_remove(t, i);
	}
	cJSON_ArrayForEach(item, payload) {
		if (!cJSON_IsObject(item))
			continue;
		if (is_host_item(item)) {
			m->t[REPORT_HOST].seen = true;
			e = add_host_item(m, item, ts);
		} else {
			e = add_item(m, REPORT_RECOMMENDATIONS, item, ts);
		}
		if (e < 0)
			return e;
	}
	return 0;
}

/* A container inventory at ts: container findings older than it are no longer current (the
 * snapshot's full analysis, at the same ts, sends every current one again). */
static void prune_containers(struct report_model *m, uint64_t ts)
{
	struct report_table *t = &m->t[REPORT_RECOMMENDATIONS];

	for (size_t i = t->n; i-- > 0;)
		if (t->rows[i].last_ns < ts)
			table_remove(t, i);
}

static int add_event(struct report_model *m, const cJSON *ev)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(ev, "Name");
	const cJSON *ts_item = cJSON_GetObjectItemCaseSensitive(ev, "TimestampUTC");
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(ev, "Payload"), *item;
	uint64_t ts = cJSON_IsString(ts_item) ? parse_time(ts_item->valuestring) : 0;
	struct report_table *t;
	int id, e;

	if (!cJSON_IsObject(ev) || !cJSON_IsString(name))
		return 0;
	m->events++;
	count_name(m, name->valuestring);
	if (ts && (!m->first_ns || ts < m->first_ns))
		m->first_ns = ts;
	if (ts > m->last_ns)
		m->last_ns = ts;
	if (strcmp(name->valuestring, "FirewallConfiguration") == 0 && cJSON_IsArray(payload)) {
		m->firewall_seen = true;
		m->firewall_rules = (size_t)cJSON_GetArraySize(payload);
		return 0;
	}
	if (strcmp(name->valuestring, "Recommendation") == 0)
		return cJSON_IsArray(payload) ? add_recommendation(m, payload, ts) : 0;
	if (strcmp(name->valuestring, "ContainerInventory") == 0)
		prune_containers(m, ts);
	for (id = 0; id < _REPORT_TABLE_MAX; id++)
		if (strcmp(name->valuestring, specs[id].event_name) == 0)
			break;
	if (id == _REPORT_TABLE_MAX)
		return 0;
	t = &m->t[id];
	if (specs[id].periodic) {
		if (t->seen && ts < t->time_ns)
			return 0; /* older than the snapshot shown */
		if (!t->seen || ts != t->time_ns)
			table_clear(t);
		t->time_ns = ts;
	}
	t->seen = true;
	if (!cJSON_IsArray(payload))
		return 0;
	cJSON_ArrayForEach(item, payload) {
		if ((e = add_item(m, (enum report_table_id)id, item, ts)) < 0)
			return e;
	}
	return 0;
}

int report_model_add_line(struct report_model *m, const char *line, size_t len)
{
	const cJSON *events, *ev, *v;
	struct json_error err;
	cJSON *doc;
	int r = 1;

	m->lines++;
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0 || len > REPORT_LINE_MAX || !(doc = json_parse(line, len, &err))) {
		m->skipped += len != 0;
		return 0;
	}
	events = cJSON_GetObjectItemCaseSensitive(doc, "Events");
	if (!cJSON_IsObject(doc) || !cJSON_IsArray(events)) {
		m->skipped++;
		cJSON_Delete(doc);
		return 0;
	}
	m->messages++;
	v = cJSON_GetObjectItemCaseSensitive(doc, "AgentId");
	if (cJSON_IsString(v))
		snprintf(m->agent_id, sizeof(m->agent_id), "%.36s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(doc, "AgentVersion");
	if (cJSON_IsString(v))
		snprintf(m->agent_version, sizeof(m->agent_version), "%.31s", v->valuestring);
	cJSON_ArrayForEach(ev, events) {
		if (add_event(m, ev) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	cJSON_Delete(doc);
	return r;
}

void report_table_count(const struct report_table *t, size_t counts[_REPORT_SEV_MAX])
{
	memset(counts, 0, _REPORT_SEV_MAX * sizeof(counts[0]));
	for (size_t i = 0; i < t->n; i++)
		counts[t->rows[i].sev]++;
}

struct sort_ctx {
	const struct report_table *t;
	bool newest_first;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *x = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const struct report_row *ra = report_table_row(x->t, ia);
	const struct report_row *rb = report_table_row(x->t, ib);

	if (ra->sev != rb->sev)
		return ra->sev < rb->sev ? -1 : 1;
	if (x->newest_first && ra->time_ns != rb->time_ns)
		return ra->time_ns > rb->time_ns ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

size_t *report_table_sorted(const struct report_table *t, bool newest_first)
{
	struct sort_ctx x = { t, newest_first };
	size_t *idx = es_malloc((t->n + 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		idx[i] = i;
	qsort_r(idx, t->n, sizeof(*idx), cmp_rows, &x);
	return idx;
}

int report_baseline_score(const struct report_model *m)
{
	const struct report_table *t = &m->t[REPORT_BASELINE];
	const char *score;
	uint64_t v;

	if (!t->seen)
		return -1;
	if (t->n == 0)
		return 100; /* an empty OSBaseline: every evaluated check passed or was waived */
	score = t->rows[0].f[BL_SCORE];
	if (!score || num_parse_u64(score, strlen(score), 10, 100, &v) < 0)
		return -1; /* an older agent: no Score */
	return (int)v;
}

static const unsigned finding_weights[_REPORT_SEV_MAX] = { 25, 10, 4, 1, 0 };

/* Σ weights of t's rows; HOST005 (the baseline summary) is the baseline part already. */
static unsigned penalty_of(const struct report_table *t, bool host)
{
	unsigned p = 0;

	for (size_t i = 0; i < t->n; i++)
		if (!host || strcmp(t->rows[i].f[HO_RULE_ID], "HOST005") != 0)
			p += finding_weights[t->rows[i].sev];
	return p;
}

void report_posture_compute(const struct report_model *m, struct report_posture *ret)
{
	const struct report_table *rec = &m->t[REPORT_RECOMMENDATIONS],
				  *drift = &m->t[REPORT_DRIFT];
	unsigned penalty;
	int parts = 0, sum = 0;

	ret->baseline = report_baseline_score(m);
	ret->containers = ret->host = -1;
	if (rec->seen || drift->seen || m->t[REPORT_CONTAINERS].seen) {
		penalty = penalty_of(rec, false) + penalty_of(drift, false);
		ret->containers = penalty >= 100 ? 0 : 100 - (int)penalty;
	}
	if (m->t[REPORT_HOST].seen) {
		penalty = penalty_of(&m->t[REPORT_HOST], true);
		ret->host = penalty >= 100 ? 0 : 100 - (int)penalty;
	}
	if (ret->baseline >= 0)
		sum += ret->baseline, parts++;
	if (ret->host >= 0)
		sum += ret->host, parts++;
	if (ret->containers >= 0)
		sum += ret->containers, parts++;
	ret->score = parts ? sum / parts : -1;
}
