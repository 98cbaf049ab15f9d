/* SPDX-License-Identifier: MIT */
/*
 * Direct methods dispatcher (protocol reference §4.5).
 *
 * A call arrives on $iothub/methods/POST/{name}/?$rid={rid} with a JSON or empty body; the
 * answer goes to $iothub/methods/res/{status}/?$rid={rid} (rid URL-encoded again) with a
 * JSON body, always an object except for get-status (the Heartbeat payload).
 *   snapshot    200 {"result":"snapshot taken", …handler's members}
 *   get-status  200 <the Heartbeat payload>
 *   scan        200 {"result":"scan done", …} with a handler, else 501 {"error":…}
 *   other name  404 {"error":"unknown method","method":name}
 *   bad name    400 {"error":"invalid method name"} (not echoed: not printable or > 64)
 *   bad body    400 {"error":"invalid JSON payload",…}; over METHODS_PAYLOAD_MAX: 413
 *   handler     <0 → 500 {"error":"method failed","method":name,"reason":strerror}
 * A call without a usable $rid (missing, > 64 bytes or not printable) cannot be answered
 * and is only counted.  Names are echoed only through the JSON writer (escaped).
 *
 * Ownership: the dispatcher holds copies of the io and handler tables and no other state
 * than counters; handlers run synchronously on the loop and must not block.  Every buffer is
 * bounded (METHODS_RESPONSE_MAX for the body; an overflow becomes a 500).
 */
#include "methods.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "iothub/topic.h"

#define METHODS_TOPIC_PREFIX "$iothub/methods/POST/"
#define METHODS_RESPONSE_PREFIX "$iothub/methods/res/"

struct methods {
	struct control_io io;
	struct methods_handlers h;
	struct methods_stats stats;
};

static const char *const kind_names[_METHODS_MAX] = {
	[METHODS_SNAPSHOT] = "snapshot",
	[METHODS_GET_STATUS] = "get-status",
	[METHODS_SCAN] = "scan",
};

const char *methods_kind_to_string(enum methods_kind k)
{
	return (unsigned)k < _METHODS_MAX ? kind_names[k] : "unknown";
}

int methods_new(const struct control_io *io, const struct methods_handlers *h, struct methods **ret)
{
	struct methods *m = es_calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->io = *io;
	if (h)
		m->h = *h;
	*ret = m;
	return 0;
}

struct methods *methods_free(struct methods *m)
{
	es_free(m);
	return NULL;
}

void methods_get_stats(const struct methods *m, struct methods_stats *ret)
{
	*ret = m->stats;
}

/* 1..max printable ASCII bytes (space included). */
static bool printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static void set_message(struct methods_result *res, int error, const char *what)
{
	res->error = error;
	snprintf(res->message, sizeof(res->message), "%s", what);
}

/* Starts an error body {"error": what …; the caller adds members and closes it. */
static void error_begin(struct buf *b, struct jw *w, const char *what)
{
	buf_reset(b);
	jw_init(w, b);
	jw_obj_begin(w);
	jw_key_lit(w, "error");
	jw_cstr(w, what);
}

static int respond(struct methods *m, const char *rid, int status, struct buf *body,
		   struct methods_result *res)
{
	struct buf topic;
	int r;

	buf_init(&topic, IOTHUB_TOPIC_MAX);
	buf_puts(&topic, METHODS_RESPONSE_PREFIX);
	buf_put_i64(&topic, status);
	buf_puts(&topic, "/?$rid=");
	iothub_url_encode(&topic, rid, strlen(rid));
	if (topic.failed) {
		buf_done(&topic);
		return -ENOMEM;
	}
	r = m->io.publish(m->io.userdata, topic.data, body->data ? body->data : "", body->len);
	buf_done(&topic);
	res->status = status;
	if (r < 0) {
		m->stats.publish_errors++;
		set_message(res, r, "failed to publish the method response");
		return r;
	}
	res->responded = true;
	if (status >= 500)
		m->stats.failures++;
	else if (status == 400 || status == 413)
		m->stats.bad_requests++;
	return 0;
}

static int find_kind(const char *name)
{
	for (int k = 0; k < _METHODS_MAX; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

/* Runs a known method; fills body and returns the status. */
static int run(struct methods *m, enum methods_kind k, const cJSON *args, struct buf *b,
	       struct methods_result *res)
{
	struct jw w;
	int r;

	jw_init(&w, b);
	switch (k) {
	case METHODS_GET_STATUS:
		if (!m->h.get_status)
			goto not_implemented;
		r = m->h.get_status(m->h.userdata, &w);
		break;
	case METHODS_SNAPSHOT:
	case METHODS_SCAN:
		if (!(k == METHODS_SNAPSHOT ? m->h.snapshot : m->h.scan))
			goto not_implemented;
		jw_obj_begin(&w);
		jw_key_lit(&w, "result");
		jw_cstr(&w, k == METHODS_SNAPSHOT ? "snapshot taken" : "scan done");
		r = (k == METHODS_SNAPSHOT ? m->h.snapshot : m->h.scan)(m->h.userdata, args, &w);
		jw_obj_end(&w);
		break;
	default:
		return 500;
	}
	if (r < 0) {
		set_message(res, r, "the method handler failed");
		error_begin(b, &w, "method failed");
		jw_key_lit(&w, "method");
		jw_cstr(&w, kind_names[k]);
		jw_key_lit(&w, "reason");
		jw_cstr(&w, strerror(-r));
		jw_obj_end(&w);
		return 500;
	}
	if (b->failed || b->len == 0) {
		const char *what = b->failed ? "response too large" : "empty response";

		set_message(res, b->failed ? -E2BIG : -ENODATA, what);
		error_begin(b, &w, what);
		jw_obj_end(&w);
		return 500;
	}
	return 200;
not_implemented:
	error_begin(b, &w, "not implemented");
	jw_key_lit(&w, "method");
	jw_cstr(&w, kind_names[k]);
	jw_obj_end(&w);
	return 501;
}

/* Status and body for a call whose name and rid are valid. */
static int dispatch(struct methods *m, const char *name, const void *payload, size_t len,
		    struct buf *b, struct methods_result *res)
{
	struct json_error err;
	cJSON *args = NULL;
	struct jw w;
	int k = find_kind(name), status;

	if (k < 0) {
		m->stats.unknown++;
		error_begin(b, &w, "unknown method");
		jw_key_lit(&w, "method");
		jw_cstr(&w, name);
		jw_obj_end(&w);
		return 404;
	}
	m->stats.by_kind[k]++;
	if (len > METHODS_PAYLOAD_MAX) {
		error_begin(b, &w, "payload too large");
		jw_key_lit(&w, "limit");
		jw_uint(&w, METHODS_PAYLOAD_MAX);
		jw_obj_end(&w);
		return 413;
	}
	if (len > 0) {
		args = json_parse(payload, len, &err);
		if (!args) {
			error_begin(b, &w, "invalid JSON payload");
			jw_key_lit(&w, "reason");
			jw_cstr(&w, err.message);
			jw_obj_end(&w);
			return 400;
		}
	}
	status = run(m, (enum methods_kind)k, args, b, res);
	cJSON_Delete(args);
	return status;
}

/* The $rid of a method topic that iothub_topic_parse refused (e.g. a name too long). */
static void salvage_rid(const char *topic, size_t len, struct iothub_property_bag *bag)
{
	const char *q = memrchr(topic, '?', len);

	bag->n = 0;
	if (q && q > topic && q[-1] == '/')
		(void)iothub_property_bag_parse(q + 1, len - (size_t)(q + 1 - topic), bag);
}

int methods_handle_message(struct methods *m, const char *topic, const void *payload, size_t len,
			   struct methods_result *res)
{
	struct iothub_topic *tp;
	const char *rid;
	struct buf b;
	struct jw w;
	size_t tlen;
	int status, r;

	memset(res, 0, sizeof(*res));
	if (!topic || strncmp(topic, METHODS_TOPIC_PREFIX, strlen(METHODS_TOPIC_PREFIX)) != 0)
		return -ENOENT;
	m->stats.calls++;
	tp = es_malloc(sizeof(*tp));
	if (!tp) {
		set_message(res, -ENOMEM, "out of memory reading a method call");
		return 0;
	}
	tlen = strnlen(topic, IOTHUB_TOPIC_MAX + 1);
	r = iothub_topic_parse(topic, tlen, tp);
	if (r < 0 || tp->kind != IOTHUB_TOPIC_METHOD) {
		tp->name[0] = '\1'; /* not a valid name */
		tp->name[1] = '\0';
		if (tlen <= IOTHUB_TOPIC_MAX)
			salvage_rid(topic, tlen, &tp->bag);
		else
			tp->bag.n = 0;
	}
	rid = iothub_property_bag_get(&tp->bag, "$rid");
	if (!rid || !printable(rid, METHODS_RID_MAX)) {
		m->stats.unanswerable++;
		set_message(res, -EBADMSG, "method call without a valid $rid: not answered");
		es_free(tp);
		return 0;
	}
	snprintf(res->rid, sizeof(res->rid), "%s", rid);
	buf_init(&b, METHODS_RESPONSE_MAX);
	if (printable(tp->name, METHODS_NAME_MAX)) {
		memcpy(res->name, tp->name, strnlen(tp->name, METHODS_NAME_MAX) + 1);
		status = dispatch(m, tp->name, payload, len, &b, res);
	} else {
		set_message(res, -EINVAL, "invalid method name");
		error_begin(&b, &w, "invalid method name");
		jw_obj_end(&w);
		status = 400;
	}
	r = respond(m, res->rid, status, &b, res);
	buf_done(&b);
	es_free(tp);
	(void)r;
	return 0;
}
