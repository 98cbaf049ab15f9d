/* SPDX-License-Identifier: MIT */
/*
 * Host posture Recommendations (posture.h; docs/posture.md).
 *
 * Inputs are digested when observed: the latest ListeningPorts (one struct pst_socket per
 * socket), FirewallConfiguration (posture-fw.c), OSBaseline (one struct pst_check per failed
 * or errored check) and a 24 h window of MessageStatistics samples.  posture_evaluate() runs
 * every rule whose input has been seen at least once and diffs its findings against the
 * reported table:
 *
 *   new finding (rule, path)      → item with Status "New"
 *   same path, other fingerprint  → item with Status "Changed"
 *   reported, not found any more  → item with Status "Resolved", entry removed
 *
 * The fingerprint is a truncated SHA-256 of the evidence that matters (addresses and
 * executables of a port, not its pid; the set of failed checks; the families a hook
 * accepts), so the same finding is never sent twice.  A digest that hit its cap is
 * incomplete: it may raise and change findings but never resolves one it cannot see.
 *
 * Bounds: POSTURE_SOCKETS_MAX sockets, POSTURE_CHECKS_MAX checks, POSTURE_SAMPLES_MAX message
 * samples (the two oldest are merged when full), per-rule caps on reported findings
 * (rule_table[].cap; beyond them findings are counted as untracked, not sent).
 */
#include "posture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/num.h"
#include "common/sha256.h"
#include "common/str.h"
#include "posture-int.h"

#define POSTURE_CHECKS_MAX 1024u
#define POSTURE_OWNERS_MAX 8u /* distinct processes named for one port */
#define POSTURE_WINDOW_NS (24ull * 3600 * 1000000000ull)
#define POSTURE_MESSAGES_MIN 10 /* messages in the window before HOST006 judges */
#define POSTURE_MODULE "host"

struct rule_info {
	const char *id, *type, *severity, *title, *remediation;
	unsigned cap;
};

static const struct rule_info rule_table[_POSTURE_RULE_MAX] = {
	[POSTURE_OPEN_PORTS] = { "HOST001", "IoT_OpenPorts", "Medium", "Open ports on device",
				 "Stop the service or bind it to 127.0.0.1/::1; if it must be "
				 "reachable, restrict it in the host firewall (input policy drop, "
				 "accept only the sources that need it) or add it to "
				 "postureAllowedPorts.",
				 256 },
	[POSTURE_FIREWALL_POLICY] = { "HOST002", "IoT_PermissiveFirewallPolicy", "Medium",
				      "Permissive firewall policy found in one of the chains",
				      "Set the chain's policy to drop (iptables -P INPUT DROP, nft "
				      "'policy drop;') and accept only the traffic the device "
				      "needs.",
				      3 },
	[POSTURE_INPUT_RULES] = { "HOST003", "IoT_PermissiveInputFirewallRules", "Medium",
				  "Permissive firewall rule in the input chain",
				  "Limit the rule to the source addresses and destination ports "
				  "the device needs.",
				  64 },
	[POSTURE_OUTPUT_RULES] = { "HOST004", "IoT_PermissiveOutputFirewallRules", "Medium",
				   "Permissive firewall rule in the output chain",
				   "Limit the rule to the destination addresses and ports the "
				   "device needs (the IoT hub, DNS, NTP, update servers).",
				   64 },
	[POSTURE_BASELINE] = { "HOST005", "IoT_Baseline", "Medium",
			       "Operating system baseline validation has failed",
			       "Fix the failed checks: each OSBaseline item (or `edgesec "
			       "baseline`) "
			       "gives the reason and the remediation.",
			       1 },
	[POSTURE_UNUTILIZED_MESSAGES] = { "HOST006", "IoT_AgentSendsUnutilizedMessages", "Low",
					  "Agent sends unutilized messages",
					  "Raise highPriorityMessageFrequency and "
					  "lowPriorityMessageFrequency so more events share a "
					  "message (IoT Hub meters messages in 4 KB units).",
					  1 },
};

const char *posture_rule_id(enum posture_rule r)
{
	return r >= 0 && r < _POSTURE_RULE_MAX ? rule_table[r].id : NULL;
}

const char *posture_rule_type(enum posture_rule r)
{
	return r >= 0 && r < _POSTURE_RULE_MAX ? rule_table[r].type : NULL;
}

/* ---- text helpers (also used by posture-fw.c) ---- */

void pst_append(char *dst, size_t size, const char *s)
{
	size_t used = strnlen(dst, size), n = strlen(s);

	if (used + 1 >= size)
		return;
	if (n > size - used - 1) {
		n = size - used - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* never cut a UTF-8 sequence */
	}
	memcpy(dst + used, s, n);
	dst[used + n] = '\0';
}

void pst_pointer_escape(char *dst, size_t size, const char *s)
{
	dst[0] = '\0';
	for (; *s; s++) {
		const char *rep = *s == '~' ? "~0" : *s == '/' ? "~1" : NULL;
		char one[2] = { *s, '\0' };

		pst_append(dst, size, rep ? rep : one);
	}
}

void pst_fingerprint(const char *text, size_t len, uint8_t out[16])
{
	uint8_t d[SHA256_DIGEST_LEN];

	sha256_digest(text, len, d);
	memcpy(out, d, 16);
}

void pst_vcopy(char *dst, size_t size, const struct event_value *v, bool *truncated)
{
	size_t n = v->len < size - 1 ? v->len : size - 1;

	if (v->len >= size && truncated)
		*truncated = true;
	memcpy(dst, v->s, n);
	dst[n] = '\0';
}

bool pst_key_is(const struct event_value *v, const char *key)
{
	return v->kind == EVENT_VALUE_EXTRA && v->key_len == strlen(key) &&
	       memcmp(v->key, key, v->key_len) == 0;
}

bool pst_val_is(const struct event_value *v, const char *s)
{
	return v->len == strlen(s) && memcmp(v->s, s, v->len) == 0;
}

/* ---- lifecycle and settings ---- */

struct posture *posture_new(struct event_sink *sink)
{
	struct posture *p = es_calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fw = pfw_new();
	if (!p->fw) {
		es_free(p);
		return NULL;
	}
	p->sink = sink;
	event_builder_init(&p->b);
	for (int r = 0; r < _POSTURE_RULE_MAX; r++)
		p->enabled[r] = true;
	return p;
}

struct posture *posture_free(struct posture *p)
{
	if (!p)
		return NULL;
	event_builder_done(&p->b);
	pfw_free(p->fw);
	es_free(p->sockets);
	es_free(p->checks);
	es_free(p->reported);
	es_free(p);
	return NULL;
}

static void reported_forget(struct posture *p, enum posture_rule rule)
{
	unsigned o = 0;

	for (unsigned i = 0; i < p->n_reported; i++)
		if (p->reported[i].rule != rule)
			p->reported[o++] = p->reported[i];
	p->n_reported = o;
	p->untracked[rule] = 0;
}

/* A port number in [b, e): 1..65535 in decimal. */
static bool port_parse(const char *b, const char *e, unsigned *ret)
{
	uint64_t v;

	if (b >= e || e - b > 5 || num_parse_u64(b, (size_t)(e - b), 10, 65535, &v) < 0 || v < 1)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* One "[tcp/|udp/]PORT[-PORT][@PROCESS]" entry of [s, e). */
static int allowed_parse_one(const char *s, const char *e, struct pst_allowed *a)
{
	const char *at = memchr(s, '@', (size_t)(e - s)), *pe = at ? at : e, *dash;
	unsigned lo, hi;

	memset(a, 0, sizeof(*a));
	if (pe - s > 4 && (!strncmp(s, "tcp/", 4) || !strncmp(s, "udp/", 4))) {
		a->proto = s[0] == 't' ? 6 : 17;
		s += 4;
	}
	dash = memchr(s, '-', (size_t)(pe - s));
	if (!port_parse(s, dash ? dash : pe, &lo))
		return -EINVAL;
	hi = lo;
	if (dash && !port_parse(dash + 1, pe, &hi))
		return -EINVAL;
	if (hi < lo)
		return -EINVAL;
	a->lo = (uint16_t)lo;
	a->hi = (uint16_t)hi;
	if (at) {
		size_t n = (size_t)(e - at - 1);

		if (n == 0 || n >= sizeof(a->process))
			return -EINVAL;
		memcpy(a->process, at + 1, n);
		a->process[n] = '\0';
	}
	return 0;
}

static int allowed_parse(struct posture *p, const char *s, char *err, size_t err_size)
{
	const char *seps = ", \t\n";

	p->n_allowed = 0;
	while (s && *s) {
		size_t skip = strspn(s, seps), n;

		s += skip;
		n = strcspn(s, seps);
		if (!n)
			break;
		if (p->n_allowed >= POSTURE_ALLOWED_PORTS_MAX ||
		    allowed_parse_one(s, s + n, &p->allowed[p->n_allowed]) < 0) {
			if (err && err_size)
				snprintf(err, err_size, "postureAllowedPorts: %s entry '%.*s'",
					 p->n_allowed >= POSTURE_ALLOWED_PORTS_MAX ? "too many, at"
										   : "bad",
					 (int)(n > 64 ? 64 : n), s);
			p->n_allowed = 0;
			return -EINVAL;
		}
		p->n_allowed++;
		s += n;
	}
	return 0;
}

int posture_configure(struct posture *p, const struct posture_settings *s, char *err,
		      size_t err_size)
{
	for (int r = 0; r < _POSTURE_RULE_MAX; r++) {
		if (p->enabled[r] && !s->enabled[r])
			reported_forget(p, (enum posture_rule)r);
		p->enabled[r] = s->enabled[r];
	}
	if (p->hub_output && !s->hub_output)
		reported_forget(p, POSTURE_UNUTILIZED_MESSAGES);
	p->hub_output = s->hub_output;
	if (err && err_size)
		err[0] = '\0';
	return allowed_parse(p, s->allowed_ports, err, err_size);
}

void posture_get_stats(const struct posture *p, struct posture_stats *ret)
{
	*ret = p->stats;
	ret->untracked = 0;
	for (int r = 0; r < _POSTURE_RULE_MAX; r++)
		ret->untracked += p->untracked[r];
	ret->tracked = p->n_reported;
}

/* ---- items and the reported table ---- */

static void item_begin(struct posture *p, enum posture_rule rule, const char *path,
		       const char *status)
{
	const struct rule_info *ri = &rule_table[rule];

	if (!p->open) {
		event_builder_begin(&p->b, EVENT_RECOMMENDATION, p->now);
		p->open = true;
	}
	event_builder_item(&p->b);
	event_add_cstr(&p->b, REC_RULE_ID, ri->id);
	event_add_cstr(&p->b, REC_RECOMMENDATION_TYPE, ri->type);
	event_add_cstr(&p->b, REC_SEVERITY, ri->severity);
	event_add_cstr(&p->b, REC_TITLE, ri->title);
	event_add_cstr(&p->b, REC_MODULE, POSTURE_MODULE);
	event_add_cstr(&p->b, REC_PATH, path);
	event_add_cstr(&p->b, REC_REMEDIATION, ri->remediation);
	event_add_extra_cstr(&p->b, "Status", status);
}

void pst_emit_flush(struct posture *p)
{
	struct event *e;

	if (!p->open)
		return;
	p->open = false;
	if (event_builder_finish(&p->b, &e) < 0) {
		p->stats.errors++;
		return;
	}
	event_sink_submit(p->sink, e);
}

static struct pst_reported *reported_find(struct posture *p, enum posture_rule rule,
					  const char *path)
{
	for (unsigned i = 0; i < p->n_reported; i++)
		if (p->reported[i].rule == rule && strcmp(p->reported[i].path, path) == 0)
			return &p->reported[i];
	return NULL;
}

static unsigned reported_count(const struct posture *p, enum posture_rule rule)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->n_reported; i++)
		n += p->reported[i].rule == rule;
	return n;
}

/* Room for one more entry (the table grows to max: the sum of the per-rule caps). */
static bool reported_reserve(struct posture *p, unsigned max)
{
	unsigned ncap;
	void *q;

	if (p->n_reported < p->cap_reported)
		return true;
	if (p->cap_reported >= max)
		return false;
	ncap = p->cap_reported ? p->cap_reported * 2 : 16;
	if (ncap > max)
		ncap = max;
	q = es_realloc(p->reported, (size_t)ncap * sizeof(*p->reported));
	if (!q)
		return false;
	p->reported = q;
	p->cap_reported = ncap;
	return true;
}

void pst_diff_begin(struct posture *p, enum posture_rule rule)
{
	for (unsigned i = 0; i < p->n_reported; i++)
		if (p->reported[i].rule == rule)
			p->reported[i].seen = false;
	p->untracked[rule] = 0;
}

/* 1 when an item was opened (the caller adds Message and evidence), 0 when nothing is due. */
int pst_diff_offer(struct posture *p, enum posture_rule rule, const char *path,
		   const uint8_t fp[16])
{
	struct pst_reported *r = reported_find(p, rule, path);
	const char *status = "Changed";

	if (r) {
		r->seen = true;
		if (memcmp(r->fp, fp, 16) == 0)
			return 0;
		p->stats.changed++;
	} else {
		unsigned total = 0;

		for (int k = 0; k < _POSTURE_RULE_MAX; k++)
			total += rule_table[k].cap;
		if (reported_count(p, rule) >= rule_table[rule].cap ||
		    !reported_reserve(p, total)) {
			p->untracked[rule]++;
			return 0;
		}
		r = &p->reported[p->n_reported++];
		memset(r, 0, sizeof(*r));
		r->rule = (uint8_t)rule;
		r->seen = true;
		str_copy(r->path, sizeof(r->path), path);
		status = "New";
		p->stats.raised++;
	}
	memcpy(r->fp, fp, 16);
	item_begin(p, rule, path, status);
	return 1;
}

static void resolved_message(enum posture_rule rule, const char *path, char *msg, size_t size)
{
	switch (rule) {
	case POSTURE_OPEN_PORTS:
		snprintf(msg, size,
			 "%s is no longer reachable from outside (closed, loopback only, blocked "
			 "by the firewall or allowed).",
			 path + strlen("/ports/"));
		break;
	case POSTURE_FIREWALL_POLICY:
		snprintf(msg, size, "The %s hook no longer accepts traffic by default.",
			 path + strlen("/firewall/policy/"));
		break;
	case POSTURE_INPUT_RULES:
	case POSTURE_OUTPUT_RULES:
		snprintf(msg, size, "The permissive rule %s is gone.", path);
		break;
	case POSTURE_BASELINE:
		snprintf(msg, size, "Every OS baseline check passes.");
		break;
	default:
		snprintf(msg, size,
			 "Fewer than 10 %% of the messages of the last 24 h were smaller than 4 "
			 "KB.");
		break;
	}
}

/* Reported findings of the rule not offered since pst_diff_begin: Resolved (when the input was
 * complete enough to say so), and forgotten. */
void pst_diff_end(struct posture *p, enum posture_rule rule, bool may_resolve)
{
	unsigned o = 0;

	for (unsigned i = 0; i < p->n_reported; i++) {
		struct pst_reported *r = &p->reported[i];
		char msg[POSTURE_PATH_MAX + 128];

		if (r->rule != rule || r->seen || !may_resolve) {
			p->reported[o++] = *r;
			continue;
		}
		resolved_message(rule, r->path, msg, sizeof(msg));
		item_begin(p, rule, r->path, "Resolved");
		event_add_cstr(&p->b, REC_MESSAGE, msg);
		p->stats.resolved++;
	}
	p->n_reported = o;
}

/* ---- observing ---- */

static void check_finish(struct posture *p, struct pst_check *k, const char *result,
			 const char *cce, const char *desc)
{
	if (!k->id[0])
		str_copy(k->id, sizeof(k->id), cce[0] ? cce : desc);
	if (!strcmp(result, "Fail"))
		k->fail = true;
	else if (strcmp(result, "Err"))
		return; /* Pass/Skip are not failures */
	if (p->n_checks >= p->cap_checks) {
		unsigned ncap = p->cap_checks ? p->cap_checks * 2 : 32;
		void *q;

		if (ncap > POSTURE_CHECKS_MAX)
			ncap = POSTURE_CHECKS_MAX;
		if (p->cap_checks >= POSTURE_CHECKS_MAX ||
		    !(q = es_realloc(p->checks, (size_t)ncap * sizeof(*p->checks)))) {
			p->baseline_complete = false;
			p->stats.inputs_dropped++;
			return;
		}
		p->checks = q;
		p->cap_checks = ncap;
	}
	p->checks[p->n_checks++] = *k;
}

static void observe_baseline(struct posture *p, const struct event *e)
{
	struct event_cursor c;
	struct event_value v;
	struct pst_check k;
	char result[8] = "", cce[64] = "", desc[64] = "";
	bool item = false;

	p->n_checks = 0;
	p->baseline_complete = true;
	event_cursor_init(&c, e);
	for (;;) {
		int more = event_cursor_next(&c, &v);

		if ((!more || v.kind == EVENT_VALUE_ITEM) && item)
			check_finish(p, &k, result, cce, desc);
		if (!more)
			break;
		if (v.kind == EVENT_VALUE_ITEM) {
			memset(&k, 0, sizeof(k));
			result[0] = cce[0] = desc[0] = '\0';
			item = true;
		} else if (v.kind == EVENT_VALUE_FIELD && v.field == OSB_RESULT) {
			pst_vcopy(result, sizeof(result), &v, NULL);
		} else if (v.kind == EVENT_VALUE_FIELD && v.field == OSB_SEVERITY) {
			pst_vcopy(k.severity, sizeof(k.severity), &v, NULL);
		} else if (v.kind == EVENT_VALUE_FIELD && v.field == OSB_CCE_ID) {
			pst_vcopy(cce, sizeof(cce), &v, NULL);
		} else if (v.kind == EVENT_VALUE_FIELD && v.field == OSB_DESCRIPTION) {
			pst_vcopy(desc, sizeof(desc), &v, NULL);
		} else if (pst_key_is(&v, "CheckId")) {
			pst_vcopy(k.id, sizeof(k.id), &v, NULL);
		}
	}
	p->baseline_seen = true;
}

/* ---- HOST006: messages under 4 KB over the last 24 h ---- */

static void samples_add(struct posture *p, uint64_t t, uint64_t sent, uint64_t under)
{
	unsigned o = 0;

	for (unsigned i = 0; i < p->n_samples; i++) /* drop what left the window */
		if (p->samples[i].t + POSTURE_WINDOW_NS > t)
			p->samples[o++] = p->samples[i];
	p->n_samples = o;
	if (p->n_samples == POSTURE_SAMPLES_MAX) { /* merge the two oldest */
		p->samples[1].sent += p->samples[0].sent;
		p->samples[1].under += p->samples[0].under;
		memmove(&p->samples[0], &p->samples[1], (p->n_samples - 1) * sizeof(p->samples[0]));
		p->n_samples--;
	}
	p->samples[p->n_samples++] = (struct pst_sample){ .t = t, .sent = sent, .under = under };
}

static void observe_messages(struct posture *p, const struct event *e)
{
	struct event_cursor c;
	struct event_value v;
	uint64_t sent = 0, under = 0, tot_sent = 0, tot_under = 0;
	uint8_t fp[16] = { 0 };
	char msg[256], n[24];

	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v))
		if (v.kind == EVENT_VALUE_FIELD && v.i > 0 && v.field == MS_MESSAGES_SENT)
			sent = (uint64_t)v.i;
		else if (v.kind == EVENT_VALUE_FIELD && v.i > 0 && v.field == MS_MESSAGES_UNDER_4KB)
			under = (uint64_t)v.i;
	samples_add(p, event_get_time(e), sent, under);
	if (!p->enabled[POSTURE_UNUTILIZED_MESSAGES] || !p->hub_output)
		return;
	for (unsigned i = 0; i < p->n_samples; i++) {
		tot_sent += p->samples[i].sent;
		tot_under += p->samples[i].under;
	}
	if (tot_sent < POSTURE_MESSAGES_MIN)
		return; /* too few to judge: the finding stays as it is */
	p->now = event_get_time(e);
	pst_diff_begin(p, POSTURE_UNUTILIZED_MESSAGES);
	if (tot_under * 10 >= tot_sent &&
	    pst_diff_offer(p, POSTURE_UNUTILIZED_MESSAGES, "/messages", fp)) {
		snprintf(msg, sizeof(msg),
			 "%llu of the %llu messages sent in the last 24 h (%llu %%) were smaller "
			 "than 4 KB, the IoT Hub metering unit.",
			 (unsigned long long)tot_under, (unsigned long long)tot_sent,
			 (unsigned long long)(tot_under * 100 / tot_sent));
		event_add_cstr(&p->b, REC_MESSAGE, msg);
		snprintf(n, sizeof(n), "%llu", (unsigned long long)tot_sent);
		event_add_extra_cstr(&p->b, "MessagesSent", n);
		snprintf(n, sizeof(n), "%llu", (unsigned long long)tot_under);
		event_add_extra_cstr(&p->b, "MessagesUnder4KB", n);
		snprintf(n, sizeof(n), "%llu", (unsigned long long)(tot_under * 100 / tot_sent));
		event_add_extra_cstr(&p->b, "PercentUnder4KB", n);
	}
	pst_diff_end(p, POSTURE_UNUTILIZED_MESSAGES, true);
	pst_emit_flush(p);
}

void posture_observe(struct posture *p, const struct event *e)
{
	switch (event_get_type(e)) {
	case EVENT_LISTENING_PORTS:
		pst_observe_ports(p, e);
		break;
	case EVENT_FIREWALL_CONFIGURATION:
		pst_observe_firewall(p, e);
		break;
	case EVENT_OS_BASELINE:
		observe_baseline(p, e);
		break;
	case EVENT_MESSAGE_STATISTICS:
		observe_messages(p, e);
		break;
	default:
		return;
	}
	p->stats.events_observed++;
}

/* ---- HOST005 ---- */

static int check_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pst_check *)a)->id, ((const struct pst_check *)b)->id);
}

static void baseline_evidence(struct posture *p, unsigned fails, unsigned errs)
{
	static const char *const sev[] = { "Critical", "Important", "Warning", "Informational" };
	char ids[1024] = "", err_ids[512] = "", msg[1400], counts[160] = "", n[16];

	for (unsigned i = 0; i < p->n_checks; i++) {
		char *list = p->checks[i].fail ? ids : err_ids;
		size_t size = p->checks[i].fail ? sizeof(ids) : sizeof(err_ids);

		if (list[0])
			pst_append(list, size, ",");
		pst_append(list, size, p->checks[i].id);
	}
	for (size_t s = 0; s < ARRAY_SIZE(sev); s++) {
		unsigned k = 0;

		for (unsigned i = 0; i < p->n_checks; i++)
			k += p->checks[i].fail && !strcmp(p->checks[i].severity, sev[s]);
		snprintf(n, sizeof(n), "%u", k);
		event_add_extra_cstr(&p->b, sev[s], n);
		if (!k)
			continue;
		snprintf(n, sizeof(n), "%s%u ", counts[0] ? ", " : "", k);
		pst_append(counts, sizeof(counts), n);
		pst_append(counts, sizeof(counts), sev[s]);
	}
	snprintf(msg, sizeof(msg), "%u OS baseline check%s failed (%s)%s: %s", fails,
		 fails == 1 ? "" : "s", counts[0] ? counts : "no severity",
		 errs ? "; some could not be evaluated" : "", ids);
	event_add_cstr(&p->b, REC_MESSAGE, msg);
	event_add_extra_cstr(&p->b, "FailedChecks", ids);
	snprintf(n, sizeof(n), "%u", fails);
	event_add_extra_cstr(&p->b, "FailedCount", n);
	if (errs) {
		event_add_extra_cstr(&p->b, "ErrorChecks", err_ids);
		snprintf(n, sizeof(n), "%u", errs);
		event_add_extra_cstr(&p->b, "ErrorCount", n);
	}
}

static void eval_baseline(struct posture *p)
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_LEN];
	unsigned fails = 0;

	if (!p->enabled[POSTURE_BASELINE] || !p->baseline_seen)
		return;
	qsort(p->checks, p->n_checks, sizeof(*p->checks), check_cmp);
	sha256_init(&h);
	for (unsigned i = 0; i < p->n_checks; i++) {
		fails += p->checks[i].fail;
		sha256_update(&h, p->checks[i].id, strlen(p->checks[i].id) + 1);
		sha256_update(&h, p->checks[i].fail ? "F" : "E", 1);
	}
	sha256_final(&h, d);
	pst_diff_begin(p, POSTURE_BASELINE);
	if (fails && pst_diff_offer(p, POSTURE_BASELINE, "/baseline", d))
		baseline_evidence(p, fails, p->n_checks - fails);
	pst_diff_end(p, POSTURE_BASELINE, p->baseline_complete);
}

void posture_evaluate(struct posture *p, uint64_t now_realtime_ns, const struct posture_host *host)
{
	p->now = now_realtime_ns;
	p->stats.evaluations++;
	pst_eval_ports(p);
	pst_eval_policy(p, host);
	pst_eval_rules(p, POSTURE_INPUT_RULES);
	pst_eval_rules(p, POSTURE_OUTPUT_RULES);
	eval_baseline(p);
	pst_emit_flush(p);
}
