/* SPDX-License-Identifier: MIT */
/*
 * Module twin controller (protocol reference §4.4, ASC reference §4).
 *
 * Flow: on every connect, SUBSCRIBE twin responses, desired patches and method calls, then
 * GET the twin ($iothub/twin/GET/?$rid=N, empty body).  A 200 response {"desired":{…},
 * "reported":{…}} is the full desired state: it is applied on top of `base` (defaults < local
 * file), so a key absent from the twin has its base value.  A desired patch
 * ($iothub/twin/PATCH/properties/desired/?$version=V) is applied on top of the configuration
 * in force and changes only the keys it holds (null → base value), but only when V is exactly
 * the previous desired $version + 1; otherwise (or with no $version) the whole twin is read
 * again instead.  Patches that arrive while a GET is outstanding are not applied: the GET
 * answers for them, and if one of them is newer than the GET's $version, GET again.
 *
 * Every update is all-or-nothing (config_apply_document, non-strict: unknown keys are
 * warnings).  After every attempt, accepted or not, the configuration in force is PATCHed to
 * the reported properties ($iothub/twin/PATCH/properties/reported/?$rid=N) in the {"value": …}
 * form of config_format_reported(), so desired vs reported shows a rejection.
 *
 * Ownership: the controller owns no configuration; the caller's `in_force` is replaced in
 * place only by a valid update.  Requests are tracked by $rid in a table of
 * TWIN_REQUESTS_MAX; responses with an unknown $rid are counted and ignored.  Limits: bodies
 * up to TWIN_DOCUMENT_MAX (larger ones are rejected updates); unanswered requests are
 * forgotten after TWIN_REQUEST_TIMEOUT_MS; a failed GET is retried by twin_tick() after
 * TWIN_RETRY_MS; a reported PATCH that could not be sent (table full, 429, 5xx) is sent again
 * from twin_tick() or the next response.
 */
#include "twin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/num.h"
#include "iothub/topic.h"

#define TWIN_TOPIC_GET "$iothub/twin/GET/?$rid="
#define TWIN_TOPIC_REPORTED "$iothub/twin/PATCH/properties/reported/?$rid="
#define TWIN_TOPIC_BUF 96
#define TWIN_VERSION_MAX ((int64_t)1 << 53)

enum twin_request_kind {
	TWIN_REQUEST_NONE,
	TWIN_REQUEST_GET,
	TWIN_REQUEST_REPORTED,
	_TWIN_REQUEST_MAX,
};

struct twin_request {
	enum twin_request_kind kind;
	uint32_t rid;
	uint64_t sent_ms;
};

struct twin {
	struct control_io io;
	struct twin_request requests[TWIN_REQUESTS_MAX];
	uint32_t next_rid;
	bool connected;
	bool need_get;	     /* a GET is wanted (failed, timed out, or no slot) */
	bool report_pending; /* a reported PATCH is wanted */
	uint64_t retry_at_ms;
	bool have_version;
	int64_t version;	 /* desired $version in force */
	int64_t seen_during_get; /* highest patch $version seen while a GET was out; -1 none */
	struct twin_stats stats;
};

static void result_message(struct twin_result *res, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result_message(struct twin_result *res, int error, const char *fmt, ...)
{
	va_list ap;

	if (!res)
		return;
	if (error)
		res->error = error;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
}

/* A rejected update for a reason of the document itself (size, syntax, shape). */
static void result_reject(struct twin_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void result_reject(struct twin_result *res, const char *fmt, ...)
{
	struct config_report *r = &res->report;
	struct config_issue *is;
	va_list ap;

	res->rejected = true;
	if (r->n_errors >= CONFIG_ISSUES_MAX)
		return;
	is = &r->errors[r->n_errors++];
	memset(is, 0, sizeof(*is));
	is->type = CONFIG_ERROR_TYPE_MISMATCH;
	snprintf(is->name, sizeof(is->name), "TwinConfiguration");
	va_start(ap, fmt);
	vsnprintf(is->message, sizeof(is->message), fmt, ap);
	va_end(ap);
}

int twin_new(const struct control_io *io, struct twin **ret)
{
	struct twin *t = es_calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->io = *io;
	t->next_rid = 1;
	t->seen_during_get = -1;
	t->stats.desired_version = -1;
	*ret = t;
	return 0;
}

struct twin *twin_free(struct twin *t)
{
	es_free(t);
	return NULL;
}

void twin_get_stats(const struct twin *t, struct twin_stats *ret)
{
	*ret = t->stats;
	ret->desired_version = t->have_version ? t->version : -1;
}

int twin_format_reported(const struct config *c, struct buf *b)
{
	struct jw w;

	buf_init(b, TWIN_DOCUMENT_MAX);
	jw_init(&w, b);
	config_format_reported(c, &w);
	if (b->failed) {
		buf_done(b);
		return -E2BIG; /* over TWIN_DOCUMENT_MAX, or out of memory */
	}
	return 0;
}

/* ---- requests ---- */

static struct twin_request *request_find(struct twin *t, enum twin_request_kind kind, uint32_t rid)
{
	for (unsigned i = 0; i < TWIN_REQUESTS_MAX; i++) {
		struct twin_request *q = &t->requests[i];

		if (q->kind != TWIN_REQUEST_NONE &&
		    (kind == TWIN_REQUEST_NONE || q->kind == kind) && (rid == 0 || q->rid == rid))
			return q;
	}
	return NULL;
}

static struct twin_request *request_new(struct twin *t, enum twin_request_kind kind,
					uint64_t now_ms)
{
	for (unsigned i = 0; i < TWIN_REQUESTS_MAX; i++) {
		struct twin_request *q = &t->requests[i];

		if (q->kind != TWIN_REQUEST_NONE)
			continue;
		q->kind = kind;
		q->rid = t->next_rid++;
		if (t->next_rid == 0)
			t->next_rid = 1;
		q->sent_ms = now_ms;
		return q;
	}
	return NULL;
}

static int request_send(struct twin *t, const struct twin_request *q, const char *prefix,
			const void *payload, size_t len)
{
	char topic[TWIN_TOPIC_BUF];

	snprintf(topic, sizeof(topic), "%s%" PRIu32, prefix, q->rid);
	return t->io.publish(t->io.userdata, topic, payload, len);
}

static int send_get(struct twin *t, uint64_t now_ms)
{
	struct twin_request *q;
	int r;

	t->need_get = true;
	if (!t->connected)
		return -ENOTCONN;
	if (request_find(t, TWIN_REQUEST_GET, 0))
		return 0; /* the outstanding one answers */
	q = request_new(t, TWIN_REQUEST_GET, now_ms);
	if (!q) {
		t->retry_at_ms = now_ms;
		return -EBUSY;
	}
	r = request_send(t, q, TWIN_TOPIC_GET, "", 0);
	if (r < 0) {
		q->kind = TWIN_REQUEST_NONE;
		t->retry_at_ms = now_ms + TWIN_RETRY_MS;
		return r;
	}
	t->stats.gets++;
	t->need_get = false;
	t->seen_during_get = -1;
	return 0;
}

static int send_reported(struct twin *t, uint64_t now_ms, const struct config *in_force)
{
	struct twin_request *q;
	struct buf b;
	int r;

	t->report_pending = true;
	if (!t->connected)
		return -ENOTCONN;
	r = twin_format_reported(in_force, &b);
	if (r < 0)
		return r;
	q = request_new(t, TWIN_REQUEST_REPORTED, now_ms);
	if (!q) {
		buf_done(&b);
		return -EBUSY;
	}
	r = request_send(t, q, TWIN_TOPIC_REPORTED, b.data, b.len);
	buf_done(&b);
	if (r < 0) {
		q->kind = TWIN_REQUEST_NONE;
		return r;
	}
	t->stats.reported++;
	t->report_pending = false;
	return 0;
}

/* ---- connection ---- */

int twin_handle_connected(struct twin *t, uint64_t now_ms)
{
	static const char *const topics[] = {
		CONTROL_TOPIC_TWIN_RESPONSES,
		CONTROL_TOPIC_TWIN_DESIRED,
		CONTROL_TOPIC_METHODS,
	};
	int first = 0;

	memset(t->requests, 0, sizeof(t->requests));
	t->connected = true;
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++) {
		int r = t->io.subscribe(t->io.userdata, topics[i]);

		if (r < 0 && !first)
			first = r;
	}
	if (first < 0) {
		t->need_get = true;
		t->retry_at_ms = now_ms + TWIN_RETRY_MS;
		return first;
	}
	return send_get(t, now_ms);
}

void twin_handle_disconnected(struct twin *t)
{
	memset(t->requests, 0, sizeof(t->requests));
	t->connected = false;
	t->need_get = true;
}

int twin_refresh(struct twin *t, uint64_t now_ms)
{
	return send_get(t, now_ms);
}

/* ---- numbers ---- */

/* A decimal number of at most 16 digits (no sign, no spaces). */
static int parse_decimal(const char *s, int64_t max, int64_t *ret)
{
	uint64_t v;
	int r;

	if (!s || strlen(s) > 16 || max < 0) /* at most 16 digits */
		return -EINVAL;
	r = num_parse_u64(s, strlen(s), 10, (uint64_t)max, &v);
	if (r < 0)
		return r;
	*ret = (int64_t)v;
	return 0;
}

static int json_version(const cJSON *obj, int64_t *ret)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "$version");

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)TWIN_VERSION_MAX ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -EINVAL;
	*ret = (int64_t)v->valuedouble;
	return 0;
}

/* ---- updates ---- */

/* A patch's issues point into the patch body, not into the wrapper apply_desired() made. */
static void strip_desired_prefix(struct config_issue *is, unsigned from, unsigned n)
{
	static const char prefix[] = "/desired";

	for (unsigned i = from; i < n && i < CONFIG_ISSUES_MAX; i++) {
		char *p = is[i].pointer;
		size_t len = strnlen(p, sizeof(is[i].pointer));

		if (len >= sizeof(prefix) - 1 && memcmp(p, prefix, sizeof(prefix) - 1) == 0 &&
		    (p[sizeof(prefix) - 1] == '/' || p[sizeof(prefix) - 1] == '\0'))
			memmove(p, p + sizeof(prefix) - 1, len - (sizeof(prefix) - 1) + 1);
	}
}

/*
 * Applies `desired` (an object of desired properties, full or patch) on top of `start` and,
 * if the whole of it is valid, makes the result the configuration in force.
 */
static void apply_desired(struct twin *t, const cJSON *desired, const struct config *start,
			  struct config *in_force, const struct config *base, bool patch,
			  struct twin_result *res)
{
	unsigned errors_before = res->report.n_errors, warnings_before = res->report.n_warnings;
	int r;

	struct config candidate;
	struct buf before, after;
	cJSON *wrapper;

	wrapper = cJSON_CreateObject();
	if (!wrapper || config_copy(&candidate, start) < 0) {
		cJSON_Delete(wrapper);
		result_message(res, -ENOMEM, "out of memory applying the twin update");
		return;
	}
	/* {"desired": …} so that no key of the patch is mistaken for a document wrapper. */
	cJSON_AddItemToObject(wrapper, "desired", cJSON_CreateObjectReference(desired->child));
	r = config_apply_document(&candidate, base, wrapper, false, &res->report);
	if (patch) {
		strip_desired_prefix(res->report.errors, errors_before, res->report.n_errors);
		strip_desired_prefix(res->report.warnings, warnings_before, res->report.n_warnings);
	}
	if (r < 0) {
		res->rejected = true;
		t->stats.rejected++;
		config_done(&candidate);
		cJSON_Delete(wrapper);
		return;
	}
	cJSON_Delete(wrapper);
	t->stats.accepted++;
	if (twin_format_reported(in_force, &before) == 0 &&
	    twin_format_reported(&candidate, &after) == 0) {
		res->changed =
			before.len != after.len || memcmp(before.data, after.data, before.len) != 0;
		buf_done(&after);
	} else {
		res->changed = true;
	}
	buf_done(&before);
	if (res->changed) {
		config_done(in_force);
		*in_force = candidate;
	} else {
		config_done(
			&candidate); /* same values: in_force (and its strings) stay as they are */
	}
	config_check_conflicts(in_force, &res->report);
}

/* Parses a twin body; NULL (with the rejection in res) if it is not a JSON object. */
static cJSON *parse_body(struct twin *t, const void *payload, size_t len, const char *what,
			 bool full, struct twin_result *res)
{
	static const char *const full_roots[] = { "/desired", "/properties/desired", NULL };
	struct json_error err;
	cJSON *doc;

	if (len > TWIN_DOCUMENT_MAX) {
		t->stats.oversized++;
		result_reject(res, "%s of %zu bytes is larger than %u bytes", what, len,
			      TWIN_DOCUMENT_MAX);
		return NULL;
	}
	doc = json_parse(payload, len, &err);
	if (!doc) {
		result_reject(res, "%s is not valid JSON: %s", what, err.message);
		return NULL;
	}
	/* cJSON would cut a string at a \u0000: the value would not be the one sent.  In a full
	 * twin only the desired properties are ours to apply (tags and reported are not). */
	if (json_check_no_nul_in(payload, len, full ? full_roots : NULL, &err) < 0) {
		unsigned n = res->report.n_errors;
		char key[64];

		config_key_of_pointer(err.pointer, key, sizeof(key));
		result_reject(res, "%s: %s", key[0] ? key : what, err.message);
		if (key[0] && res->report.n_errors > n) { /* the issue names the setting */
			snprintf(res->report.errors[n].name, sizeof(res->report.errors[n].name),
				 "%s", key);
			snprintf(res->report.errors[n].pointer,
				 sizeof(res->report.errors[n].pointer), "%s", err.pointer);
		}
		cJSON_Delete(doc);
		return NULL;
	}
	if (!cJSON_IsObject(doc)) {
		result_reject(res, "%s is not a JSON object", what);
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

static void handle_full(struct twin *t, const void *payload, size_t len, uint64_t now_ms,
			struct config *in_force, const struct config *base, struct twin_result *res)
{
	const cJSON *desired, *props;
	int64_t v;
	cJSON *doc;

	res->update = TWIN_UPDATE_FULL;
	doc = parse_body(t, payload, len, "the twin document", true, res);
	if (!doc)
		goto rejected;
	desired = cJSON_GetObjectItemCaseSensitive(doc, "desired");
	props = cJSON_GetObjectItemCaseSensitive(doc, "properties");
	if (!cJSON_IsObject(desired) && cJSON_IsObject(props))
		desired = cJSON_GetObjectItemCaseSensitive(props, "desired");
	if (!cJSON_IsObject(desired)) {
		result_reject(res, "the twin document has no \"desired\" object");
		cJSON_Delete(doc);
		goto rejected;
	}
	t->have_version = json_version(desired, &v) == 0;
	if (t->have_version)
		t->version = v;
	apply_desired(t, desired, base, in_force, base, false, res);
	cJSON_Delete(doc);
	/* A patch newer than this document came while the GET was out. */
	if (t->seen_during_get >= 0 && (!t->have_version || t->seen_during_get > t->version)) {
		t->stats.version_gaps++;
		(void)send_get(t, now_ms);
	}
	return;
rejected:
	t->stats.rejected++;
}

static void handle_patch(struct twin *t, const struct iothub_topic *tp, const void *payload,
			 size_t len, uint64_t now_ms, struct config *in_force,
			 const struct config *base, struct twin_result *res)
{
	const char *vs = iothub_property_bag_get(&tp->bag, "$version");
	int64_t v = -1;
	cJSON *doc;

	t->stats.patches++;
	if (vs && parse_decimal(vs, TWIN_VERSION_MAX, &v) < 0)
		v = -1;
	if (request_find(t, TWIN_REQUEST_GET, 0)) {
		/* The outstanding GET answers for it, unless it is newer than the GET. */
		if (v < 0)
			v = TWIN_VERSION_MAX;
		if (v > t->seen_during_get)
			t->seen_during_get = v;
		return;
	}
	res->update = TWIN_UPDATE_PATCH;
	doc = parse_body(t, payload, len, "the desired-properties patch", false, res);
	if (!doc) {
		t->stats.rejected++;
		if (v >= 0 && t->have_version && v == t->version + 1)
			t->version = v;
		else
			t->need_get = true; /* retried by twin_tick() */
		return;
	}
	if (v < 0 && json_version(doc, &v) < 0)
		v = -1;
	if (!t->have_version || v < 0 || v != t->version + 1) {
		t->stats.version_gaps++;
		res->update = TWIN_UPDATE_NONE;
		if (v < 0)
			result_message(res, 0, "desired patch without $version: reading the twin");
		else if (t->have_version)
			result_message(res, 0,
				       "desired $version %" PRId64 " after %" PRId64
				       ": reading the twin",
				       v, t->version);
		else
			result_message(res, 0,
				       "desired $version %" PRId64 " before the twin was "
				       "read: reading the twin",
				       v);
		cJSON_Delete(doc);
		(void)send_get(t, now_ms);
		return;
	}
	t->version = v;
	apply_desired(t, doc, in_force, in_force, base, true, res);
	cJSON_Delete(doc);
}

static void handle_response(struct twin *t, const struct iothub_topic *tp, const void *payload,
			    size_t len, uint64_t now_ms, struct config *in_force,
			    const struct config *base, struct twin_result *res)
{
	const char *rs = iothub_property_bag_get(&tp->bag, "$rid");
	struct twin_request *q = NULL;
	enum twin_request_kind kind;
	int64_t rid;

	if (rs && parse_decimal(rs, UINT32_MAX, &rid) == 0 && rid > 0)
		q = request_find(t, TWIN_REQUEST_NONE, (uint32_t)rid);
	if (!q) {
		t->stats.unexpected++;
		result_message(res, -ESTALE, "twin response %d with an unknown $rid", tp->status);
		return;
	}
	kind = q->kind;
	q->kind = TWIN_REQUEST_NONE;
	if (kind == TWIN_REQUEST_GET) {
		if (tp->status == 200) {
			handle_full(t, payload, len, now_ms, in_force, base, res);
			return;
		}
		t->stats.get_errors++;
		t->need_get = true;
		t->retry_at_ms = now_ms + TWIN_RETRY_MS;
		result_message(res, -EPROTO, "twin GET answered with status %d (retrying in %u s)",
			       tp->status, TWIN_RETRY_MS / 1000);
		return;
	}
	if (tp->status >= 200 && tp->status < 300)
		return;
	t->stats.report_errors++;
	if (tp->status == 429 || tp->status >= 500) {
		t->report_pending = true;
		t->retry_at_ms = now_ms + TWIN_RETRY_MS;
	}
	result_message(res, -EPROTO, "reported properties update answered with status %d%s",
		       tp->status, t->report_pending ? " (retrying)" : "");
}

int twin_handle_message(struct twin *t, const char *topic, const void *payload, size_t len,
			uint64_t now_ms, struct config *in_force, const struct config *base,
			struct twin_result *res)
{
	struct iothub_topic *tp;
	int r;

	memset(res, 0, sizeof(*res));
	if (!topic || (strncmp(topic, "$iothub/twin/", 13) != 0))
		return -ENOENT;
	tp = es_malloc(sizeof(*tp));
	if (!tp) {
		result_message(res, -ENOMEM, "out of memory reading a twin message");
		return 0;
	}
	r = iothub_topic_parse(topic, strnlen(topic, IOTHUB_TOPIC_MAX + 1), tp);
	if (r < 0 ||
	    (tp->kind != IOTHUB_TOPIC_TWIN_RESPONSE && tp->kind != IOTHUB_TOPIC_TWIN_DESIRED)) {
		result_message(res, r < 0 ? r : -EBADMSG, "unexpected twin topic");
		es_free(tp);
		return 0;
	}
	if (tp->kind == IOTHUB_TOPIC_TWIN_RESPONSE)
		handle_response(t, tp, payload, len, now_ms, in_force, base, res);
	else
		handle_patch(t, tp, payload, len, now_ms, in_force, base, res);
	es_free(tp);
	if (res->update != TWIN_UPDATE_NONE) {
		r = send_reported(t, now_ms, in_force);
		if (r < 0 && r != -EBUSY && !res->error)
			result_message(res, r, "failed to send the reported properties: %s",
				       strerror(-r));
	} else if (t->report_pending && now_ms >= t->retry_at_ms) {
		(void)send_reported(t, now_ms, in_force);
	}
	return 0;
}

int twin_tick(struct twin *t, uint64_t now_ms, const struct config *in_force,
	      struct twin_result *res)
{
	int r = 0;

	memset(res, 0, sizeof(*res));
	for (unsigned i = 0; i < TWIN_REQUESTS_MAX; i++) {
		struct twin_request *q = &t->requests[i];

		if (q->kind == TWIN_REQUEST_NONE || now_ms < q->sent_ms + TWIN_REQUEST_TIMEOUT_MS)
			continue;
		t->stats.timeouts++;
		if (q->kind == TWIN_REQUEST_GET)
			t->need_get = true;
		else
			t->report_pending = true;
		t->retry_at_ms = now_ms;
		q->kind = TWIN_REQUEST_NONE;
		result_message(res, -ETIMEDOUT,
			       "twin request $rid=%" PRIu32 " unanswered after %u s", q->rid,
			       TWIN_REQUEST_TIMEOUT_MS / 1000);
		r = -ETIMEDOUT;
	}
	if (!t->connected || now_ms < t->retry_at_ms)
		return r;
	if (t->need_get) {
		int g = send_get(t, now_ms);

		if (g < 0) {
			result_message(res, g, "failed to request the twin: %s", strerror(-g));
			return g;
		}
	}
	if (t->report_pending) {
		int p = send_reported(t, now_ms, in_force);

		if (p < 0 && p != -EBUSY) {
			result_message(res, p, "failed to send the reported properties: %s",
				       strerror(-p));
			return p;
		}
	}
	return r;
}
