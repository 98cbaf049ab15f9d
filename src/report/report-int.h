/* SPDX-License-Identifier: MIT */
#pragma once

/* The report model, shared by report-model.c and the renderers (not for use outside). */

#include "report.h"

/* Severity on one scale for sorting and colour, whatever the event's own words. */
enum report_sev {
	REPORT_SEV_CRITICAL,
	REPORT_SEV_HIGH,
	REPORT_SEV_MEDIUM,
	REPORT_SEV_LOW,
	REPORT_SEV_INFO,
	_REPORT_SEV_MAX,
};

#define REPORT_FIELDS_MAX 12

/* One row of a table: strings (never NULL once stored; "" when absent), in the spec order. */
struct report_row {
	char *f[REPORT_FIELDS_MAX];
	uint64_t time_ns; /* the event's TimestampUTC (first seen, for accumulated rows) */
	uint64_t last_ns; /* last seen (accumulated rows) */
	unsigned count;	  /* times seen (accumulated rows) */
	enum report_sev sev;
};

struct report_table {
	struct report_row *rows;
	size_t n, cap, max;
	size_t dropped;	  /* rows left out by the cap */
	size_t next;	  /* ring tables: where the next row goes once full */
	uint64_t time_ns; /* periodic tables: the snapshot shown */
	bool seen;	  /* an event of this kind was in the input */
	bool ring;	  /* keep the most recent rows instead of the first ones */
};

/* Field positions of each table (the names are in report-model.c). */
enum {
	BL_CHECK_ID,
	BL_SEVERITY,
	BL_RESULT,
	BL_DESCRIPTION,
	BL_REASON,
	BL_ERROR,
	BL_REMEDIATION,
	BL_CCE_ID,
	BL_SCORE,
	BL_WAIVED,
	_BL_MAX
};
enum {
	REC_F_RULE_ID,
	REC_F_SEVERITY,
	REC_F_TITLE,
	REC_F_MODULE,
	REC_F_CONTAINER_ID,
	REC_F_IMAGE,
	REC_F_PATH,
	REC_F_MESSAGE,
	REC_F_REMEDIATION,
	_REC_F_MAX
};
enum {
	HO_RULE_ID,
	HO_SEVERITY,
	HO_TITLE,
	HO_PATH,
	HO_MESSAGE,
	HO_REMEDIATION,
	HO_STATUS,
	HO_MODULE,
	_HO_MAX
};
enum {
	DR_KIND,
	DR_SEVERITY,
	DR_MODULE,
	DR_SETTING,
	DR_PATH,
	DR_MANIFEST_PATH,
	DR_MESSAGE,
	DR_IMAGE,
	_DR_MAX
};
enum {
	AL_RULE_ID,
	AL_RULE_NAME,
	AL_SEVERITY,
	AL_TECHNIQUE,
	AL_DESCRIPTION,
	AL_REMEDIATION,
	AL_EVIDENCE,
	AL_CONTAINER,
	AL_MODULE,
	AL_REPEAT,
	_AL_MAX
};
enum {
	PO_PROTOCOL,
	PO_LOCAL_ADDRESS,
	PO_LOCAL_PORT,
	PO_REMOTE_ADDRESS,
	PO_REMOTE_PORT,
	PO_USER_ID,
	PO_PROCESS,
	_PO_MAX
};
enum { US_NAME, US_ID, US_GROUP_NAMES, US_GROUP_IDS, US_SHELL, US_HOME, _US_MAX };
enum { CO_NAME, CO_IMAGE, CO_STATE, CO_MODULE, CO_ID, _CO_MAX };
enum {
	SI_F_HOST_NAME,
	SI_F_OS_PRETTY,
	SI_F_OS_NAME,
	SI_F_OS_VERSION,
	SI_F_OS_VENDOR,
	SI_F_ARCH,
	SI_F_UPTIME,
	SI_F_MEM_TOTAL,
	SI_F_MEM_FREE,
	SI_F_BOOT_DEVICE,
	_SI_F_MAX
};

enum report_table_id {
	REPORT_BASELINE,
	REPORT_RECOMMENDATIONS, /* container findings (EDGE rules) */
	REPORT_HOST,		/* host posture findings (HOST rules), New/Changed until Resolved */
	REPORT_DRIFT,
	REPORT_ALERTS,
	REPORT_PORTS,
	REPORT_USERS,
	REPORT_CONTAINERS,
	REPORT_SYSINFO,
	_REPORT_TABLE_MAX,
};

#define REPORT_NAMES_MAX 64 /* distinct event names counted */

struct report_name_count {
	char name[48];
	size_t n;
};

struct report_model {
	struct report_table t[_REPORT_TABLE_MAX];
	char agent_id[40], agent_version[32];
	uint64_t first_ns, last_ns; /* span of the events read */
	size_t lines, messages, events, skipped;
	struct report_name_count names[REPORT_NAMES_MAX];
	size_t n_names, names_dropped;
	size_t firewall_rules; /* items of the latest FirewallConfiguration */
	bool firewall_seen;
};

const char *report_sev_to_string(enum report_sev s); /* "Critical", "High", ... */
enum report_sev report_sev_from_string(const char *s);

/* Rows of a table in the order they were seen (ring tables: oldest first). */
const struct report_row *report_table_row(const struct report_table *t, size_t i);
/* Count of rows of t at each severity. */
void report_table_count(const struct report_table *t, size_t counts[_REPORT_SEV_MAX]);
/* Indexes of t's rows sorted by severity (most severe first), then by time, newest first
 * when newest_first (alerts) or in input order.  es_free the result. */
size_t *report_table_sorted(const struct report_table *t, bool newest_first);

/* The baseline score of the latest OSBaseline (-1 unknown). */
int report_baseline_score(const struct report_model *m);
/* "2026-12-06 20:19:04 UTC" */
void report_format_time(uint64_t ns, char *out, size_t size);
