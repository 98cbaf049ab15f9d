/* SPDX-License-Identifier: MIT */
/*
 * The Docker Engine API client; see docker-client.h and docs/internals/docker.md.
 *
 * Calls (one HTTP request per connection, http-client.h), each in a fixed slot registered in
 * the client's own epoll set:
 *   VERSION    GET /version                      → API version min(daemon, 1.41), ≥ 1.40
 *   EVENTS     GET /v1.NN/events?filters=…       → endless chunked stream of JSON lines
 *   LIST       GET /v1.NN/containers/json?all=1  → ids for the resync
 *   INSPECT    GET /v1.NN/containers/{id}/json   → up to DOCKER_INSPECT_CONCURRENCY for the
 *              resync, plus one for the event being handled
 *
 * Connection cycle: VERSION → EVENTS; once the events response headers arrive (the daemon
 * is subscribed, so nothing after this point can be missed) → LIST → INSPECT each → prune the
 * cache of containers that are gone → CONNECTED.  After a reconnect the events request
 * carries since=<last event time> so the daemon replays what it still holds; replayed events
 * already seen are skipped by time.
 *
 * Events: every complete line is appended to a bounded pending queue (lines, not parsed
 * structs: a line is usually a few hundred bytes).  The queue is drained in order only when
 * CONNECTED, so events that arrive during a resync are handled after it, in order.  An event
 * that needs the container's settings (create, start, restart) waits for its inspect before it
 * is delivered, and the queue waits behind it: delivery order is the daemon's order.
 *
 * Failures: a transport error or an unexpected status on any call closes every call and
 * schedules a reconnect after an exponential backoff (DOCKER_BACKOFF_MIN_MS doubling to
 * DOCKER_BACKOFF_MAX_MS, ±25 % jitter), reset once a resync completes.  An inspect that
 * answers 404 just means the container is gone.  The state is logged only when it changes
 * to a different stable state (never once per retry).
 */
#include "docker-client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/json_read.h"
#include "common/log.h"
#include "common/str.h"
#include "common/timeutil.h"
#include "http/http-client.h"

#define VERSION_BODY_MAX (64u << 10)
#define LIST_BODY_MAX (8u << 20)
#define INSPECT_BODY_MAX (1u << 20)
#define PATH_MAX_LEN 512
#define DESCRIBE_MAX 256
#define TICK_MS 1000u

/* Only these reach a request: a filter of fixed text, URL-encoded. */
#define EVENTS_FILTER "%7B%22type%22%3A%5B%22container%22%2C%22image%22%5D%7D"

enum call_kind {
	CALL_VERSION,
	CALL_EVENTS,
	CALL_LIST,
	CALL_EVENT_INSPECT,
	CALL_SYNC_INSPECT, /* first of DOCKER_INSPECT_CONCURRENCY slots */
};

#define N_SLOTS (CALL_SYNC_INSPECT + DOCKER_INSPECT_CONCURRENCY)

struct call_slot {
	struct docker_client *dc;
	enum call_kind kind;
	bool active;
	uint32_t registered;  /* epoll events registered */
	uint64_t deadline_ns; /* 0: none (the events stream) */
	struct http_call http;
	struct buf body;
	char id[DOCKER_ID_MAX]; /* inspect */
};

struct pending_line {
	char *data;
	size_t len;
	uint64_t conn; /* the events connection it came from */
};

struct docker_client {
	char *socket_path;
	struct docker_client_callbacks cb;
	void *userdata;
	int epfd, timerfd;
	enum docker_state state;
	int last_errno;
	enum docker_state logged_state;
	int logged_errno;
	bool logged_any;
	unsigned api_minor;    /* negotiated; 0 before */
	unsigned daemon_minor; /* what /version said */
	char api_version[16];  /* "1.41" */
	char describe[DESCRIBE_MAX];
	unsigned attempts;	  /* failed connects since the last good resync */
	uint64_t reconnect_at_ns; /* monotonic; 0: none */
	struct docker_client_stats stats;

	/* The events stream: the current, partial line. */
	struct buf line;
	bool line_discarding;
	uint64_t last_event_ns;	  /* timeNano of the last event handled */
	uint64_t replay_floor_ns; /* events at or before this were handled before a reconnect */
	uint64_t replay_conn;	  /* the connection the floor applies to */

	/* Resync. */
	bool list_started;
	uint64_t generation;
	char (*todo)[DOCKER_ID_MAX]; /* ids still to inspect */
	size_t n_todo, todo_next;

	/* Pending event lines (a ring) and the event waiting for its inspect. */
	struct pending_line pending[DOCKER_PENDING_MAX];
	size_t pending_head, pending_count, pending_bytes;
	struct docker_event *current;
	bool current_waiting;
	bool current_replay_checked; /* current came from a connection with a replay floor */

	struct docker_cache cache;
	struct call_slot slots[N_SLOTS];
};

static const char *const state_names[_DOCKER_STATE_MAX] = {
	[DOCKER_STATE_CONNECTING] = "connecting", [DOCKER_STATE_SYNCING] = "syncing",
	[DOCKER_STATE_CONNECTED] = "connected",	  [DOCKER_STATE_ABSENT] = "absent",
	[DOCKER_STATE_TOO_OLD] = "too-old",	  [DOCKER_STATE_DISCONNECTED] = "disconnected",
};

const char *docker_state_to_string(enum docker_state s)
{
	return s >= 0 && s < _DOCKER_STATE_MAX ? state_names[s] : NULL;
}

static void start_connect(struct docker_client *dc);
static void drain(struct docker_client *dc);
static void sync_next(struct docker_client *dc);

/* ---- state ---- */

static void update_describe(struct docker_client *dc)
{
	uint64_t now = time_now_monotonic_ns();
	uint64_t wait_s = dc->reconnect_at_ns > now
				  ? (dc->reconnect_at_ns - now + NSEC_PER_SEC - 1) / NSEC_PER_SEC
				  : 0;

	switch (dc->state) {
	case DOCKER_STATE_CONNECTING:
		snprintf(dc->describe, sizeof(dc->describe), "docker %s: connecting",
			 dc->socket_path);
		break;
	case DOCKER_STATE_SYNCING:
		snprintf(dc->describe, sizeof(dc->describe), "docker %s: API %s, resyncing",
			 dc->socket_path, dc->api_version);
		break;
	case DOCKER_STATE_CONNECTED:
		snprintf(dc->describe, sizeof(dc->describe),
			 "docker %s: connected, API %s, following events", dc->socket_path,
			 dc->api_version);
		break;
	case DOCKER_STATE_ABSENT:
		snprintf(dc->describe, sizeof(dc->describe),
			 "docker %s: daemon absent (%s); retrying in %llu s", dc->socket_path,
			 strerror(dc->last_errno), (unsigned long long)wait_s);
		break;
	case DOCKER_STATE_TOO_OLD:
		snprintf(dc->describe, sizeof(dc->describe),
			 "docker %s: daemon API 1.%u is older than 1.%u; retrying in %llu s",
			 dc->socket_path, dc->daemon_minor, DOCKER_API_MIN_MINOR,
			 (unsigned long long)wait_s);
		break;
	default:
		snprintf(dc->describe, sizeof(dc->describe),
			 "docker %s: daemon went away (%s); reconnecting in %llu s",
			 dc->socket_path, strerror(dc->last_errno), (unsigned long long)wait_s);
		break;
	}
}

static void set_state(struct docker_client *dc, enum docker_state s, int err)
{
	bool stable = s == DOCKER_STATE_CONNECTED || s == DOCKER_STATE_ABSENT ||
		      s == DOCKER_STATE_TOO_OLD || s == DOCKER_STATE_DISCONNECTED;
	bool changed = s != dc->state || err != dc->last_errno;

	dc->state = s;
	dc->last_errno = err;
	update_describe(dc);
	/* Log once per change of stable state: retries that fail the same way stay quiet. */
	if (stable && (!dc->logged_any || dc->logged_state != s || dc->logged_errno != err)) {
		if (s == DOCKER_STATE_CONNECTED)
			log_info("Docker: %s", dc->describe);
		else
			log_warning("Docker: %s", dc->describe);
		dc->logged_any = true;
		dc->logged_state = s;
		dc->logged_errno = err;
	}
	if (changed && dc->cb.on_state)
		dc->cb.on_state(dc->userdata, s);
}

/* ---- timer ---- */

static void arm_timer(struct docker_client *dc)
{
	uint64_t when = dc->reconnect_at_ns;
	struct itimerspec its = { 0 };

	for (size_t i = 0; i < N_SLOTS; i++) {
		uint64_t d = dc->slots[i].active ? dc->slots[i].deadline_ns : 0;

		if (d && (!when || d < when))
			when = d;
	}
	if (when) {
		its.it_value.tv_sec = (time_t)(when / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(when % NSEC_PER_SEC);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	(void)timerfd_settime(dc->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static uint64_t backoff_ms(struct docker_client *dc)
{
	uint64_t ms = DOCKER_BACKOFF_MIN_MS;
	uint32_t rnd = 0;

	for (unsigned i = 0; i < dc->attempts && ms < DOCKER_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > DOCKER_BACKOFF_MAX_MS)
		ms = DOCKER_BACKOFF_MAX_MS;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)time_now_monotonic_ns();
	/* ±25 % so that many agents do not hammer a restarting daemon in step. */
	return ms * 3 / 4 + (uint64_t)rnd % (ms / 2 + 1);
}

/* ---- calls ---- */

static void slot_close(struct call_slot *s)
{
	if (!s->active)
		return;
	if (s->http.fd >= 0)
		(void)epoll_ctl(s->dc->epfd, EPOLL_CTL_DEL, s->http.fd, NULL);
	http_call_close(&s->http);
	buf_done(&s->body);
	s->active = false;
	s->registered = 0;
	s->deadline_ns = 0;
}

static void close_all(struct docker_client *dc)
{
	for (size_t i = 0; i < N_SLOTS; i++)
		slot_close(&dc->slots[i]);
	buf_reset(&dc->line);
	dc->line_discarding = false;
	dc->list_started = false;
	dc->n_todo = dc->todo_next = 0;
	dc->current_waiting = false; /* a cut event inspect is redone after the resync */
}

/* Every call is closed; reconnect after the backoff.  err decides ABSENT vs DISCONNECTED. */
static void fail_connection(struct docker_client *dc, int err)
{
	enum docker_state s = DOCKER_STATE_DISCONNECTED;

	close_all(dc);
	if (err == -ENOENT || err == -ECONNREFUSED || err == -EACCES || err == -ENOTDIR ||
	    err == -ENAMETOOLONG)
		s = DOCKER_STATE_ABSENT;
	dc->reconnect_at_ns = time_now_monotonic_ns() + backoff_ms(dc) * NSEC_PER_MSEC;
	if (dc->attempts < 30)
		dc->attempts++;
	/* A waiting event keeps waiting: it is delivered after the next resync. */
	set_state(dc, s, err < 0 ? -err : err);
	arm_timer(dc);
}

static int slot_body(void *userdata, const char *data, size_t len);
static int events_body(void *userdata, const char *data, size_t len);

static int slot_start(struct docker_client *dc, struct call_slot *s, const char *path,
		      uint64_t body_max)
{
	struct http_request req = { .method = "GET", .path = path };
	bool stream = s->kind == CALL_EVENTS;
	struct epoll_event ev = { 0 };
	int r;

	buf_init(&s->body, stream ? 0 : body_max);
	r = http_call_start(&s->http, dc->socket_path, &req, stream ? 0 : body_max,
			    stream ? events_body : slot_body, s);
	if (r < 0) {
		buf_done(&s->body);
		return r;
	}
	s->active = true;
	s->deadline_ns =
		stream ? 0 : time_now_monotonic_ns() + DOCKER_CALL_TIMEOUT_MS * NSEC_PER_MSEC;
	s->registered = http_call_wanted_events(&s->http);
	ev.events = s->registered;
	ev.data.ptr = s;
	if (epoll_ctl(dc->epfd, EPOLL_CTL_ADD, s->http.fd, &ev) < 0) {
		r = -errno;
		slot_close(s);
		return r;
	}
	arm_timer(dc);
	return 0;
}

static int slot_body(void *userdata, const char *data, size_t len)
{
	struct call_slot *s = userdata;

	buf_append(&s->body, data, len);
	return s->body.failed ? -E2BIG : 0;
}

/* ---- events stream ---- */

static void pending_push(struct docker_client *dc, const char *line, size_t len)
{
	struct pending_line *p;
	char *copy;

	if (dc->pending_count >= DOCKER_PENDING_MAX ||
	    dc->pending_bytes + len > DOCKER_PENDING_BYTES || !(copy = es_malloc(len + 1))) {
		dc->stats.queue_dropped++;
		return;
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	p = &dc->pending[(dc->pending_head + dc->pending_count) % DOCKER_PENDING_MAX];
	p->data = copy;
	p->len = len;
	p->conn = dc->stats.connects;
	dc->pending_count++;
	dc->pending_bytes += len;
}

static void on_line(struct docker_client *dc, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return;
	pending_push(dc, line, len);
}

static int events_body(void *userdata, const char *data, size_t len)
{
	struct call_slot *s = userdata;
	struct docker_client *dc = s->dc;

	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		if (dc->line_discarding) {
			/* The rest of an over-long line. */
		} else if (dc->line.len + n > DOCKER_EVENT_LINE_MAX) {
			dc->stats.lines_too_long++;
			dc->line_discarding = true;
			buf_reset(&dc->line);
		} else {
			buf_append(&dc->line, data, n);
		}
		if (nl) {
			if (!dc->line_discarding)
				on_line(dc, dc->line.data ? dc->line.data : "", dc->line.len);
			dc->line_discarding = false;
			buf_reset(&dc->line);
			n++;
		}
		data += n;
		len -= n;
	}
	return 0;
}

/* ---- resync ---- */

static void start_list(struct docker_client *dc)
{
	char path[PATH_MAX_LEN];
	int r;

	dc->list_started = true;
	snprintf(path, sizeof(path), "/v%s/containers/json?all=1", dc->api_version);
	r = slot_start(dc, &dc->slots[CALL_LIST], path, LIST_BODY_MAX);
	if (r < 0)
		fail_connection(dc, r);
}

static void list_done(struct docker_client *dc, struct call_slot *s)
{
	size_t skipped, dropped;
	int n;

	if (!dc->todo)
		dc->todo = es_malloc(sizeof(*dc->todo) * DOCKER_LIST_MAX);
	n = dc->todo ? docker_list_parse(s->body.data ? s->body.data : "", s->body.len, dc->todo,
					 DOCKER_LIST_MAX, &skipped, &dropped)
		     : -ENOMEM;
	slot_close(s);
	if (n < 0) {
		fail_connection(dc, -EPROTO);
		return;
	}
	dc->stats.list_dropped += dropped;
	dc->n_todo = (size_t)n;
	dc->todo_next = 0;
	dc->generation++;
	sync_next(dc);
}

static int start_inspect(struct docker_client *dc, struct call_slot *s, const char *id)
{
	char path[PATH_MAX_LEN];

	if (!docker_id_valid(id))
		return -EINVAL;
	str_copy(s->id, sizeof(s->id), id);
	snprintf(path, sizeof(path), "/v%s/containers/%s/json", dc->api_version, id);
	return slot_start(dc, s, path, INSPECT_BODY_MAX);
}

static void resync_finish(struct docker_client *dc)
{
	(void)docker_cache_prune(&dc->cache, dc->generation);
	es_free(dc->todo); /* 128 KiB, needed only during a resync */
	dc->todo = NULL;
	dc->n_todo = dc->todo_next = 0;
	dc->stats.resyncs++;
	dc->attempts = 0;
	set_state(dc, DOCKER_STATE_CONNECTED, 0);
	if (dc->cb.on_synced)
		dc->cb.on_synced(dc->userdata);
	drain(dc);
}

/* Starts inspects while slots are free; finishes the resync when all are done. */
static void sync_next(struct docker_client *dc)
{
	bool busy = false;

	for (unsigned k = 0; k < DOCKER_INSPECT_CONCURRENCY; k++) {
		struct call_slot *s = &dc->slots[CALL_SYNC_INSPECT + k];

		while (!s->active && dc->todo_next < dc->n_todo) {
			int r = start_inspect(dc, s, dc->todo[dc->todo_next++]);

			if (r == -EINVAL)
				continue;
			if (r < 0) {
				fail_connection(dc, r);
				return;
			}
		}
		busy |= s->active;
	}
	if (!busy && dc->todo_next >= dc->n_todo && dc->state == DOCKER_STATE_SYNCING)
		resync_finish(dc);
}

/*
 * An inspect answered: update the cache.  Returns the entry, or NULL when the container is
 * gone (404: removed from the cache) or the answer was unusable.
 */
static const struct docker_cache_entry *inspect_done(struct docker_client *dc, struct call_slot *s,
						     bool from_event)
{
	struct docker_cache_entry *e = NULL;
	struct docker_container c;
	struct json_error err;
	struct buf settings;
	cJSON *doc;

	if (s->http.resp.status == 404) {
		docker_cache_remove(&dc->cache, s->id);
		return NULL;
	}
	doc = s->http.resp.status == 200
		      ? json_parse(s->body.data ? s->body.data : "", s->body.len, &err)
		      : NULL;
	buf_init(&settings, DOCKER_SETTINGS_MAX + 64);
	if (!doc || docker_inspect_parse(doc, &c, &settings) < 0) {
		dc->stats.inspect_failed++;
	} else {
		e = docker_cache_put(&dc->cache, &c, settings.data, settings.len, s->body.data,
				     s->body.len, dc->generation);
		if (e && dc->cb.on_inspect)
			dc->cb.on_inspect(dc->userdata, doc, e, from_event);
	}
	buf_done(&settings);
	cJSON_Delete(doc);
	return e;
}

/* ---- event handling ---- */

static bool needs_inspect(const struct docker_event *ev)
{
	return ev->object == DOCKER_OBJECT_CONTAINER &&
	       (strcmp(ev->action, "create") == 0 || strcmp(ev->action, "start") == 0 ||
		strcmp(ev->action, "restart") == 0 || strcmp(ev->action, "rename") == 0 ||
		strcmp(ev->action, "update") == 0);
}

/* What an event tells about a cached container without asking the daemon. */
static void apply_event(struct docker_client *dc, const struct docker_event *ev,
			struct docker_cache_entry *e)
{
	(void)dc;
	if (!e)
		return;
	if (ev->name[0])
		str_copy(e->c.name, sizeof(e->c.name), ev->name);
	if (strcmp(ev->action, "die") == 0) {
		snprintf(e->c.state, sizeof(e->c.state), "exited");
		e->c.pid = 0;
		if (ev->has_exit_code)
			e->c.exit_code = ev->exit_code;
	} else if (strcmp(ev->action, "pause") == 0) {
		snprintf(e->c.state, sizeof(e->c.state), "paused");
	} else if (strcmp(ev->action, "unpause") == 0) {
		snprintf(e->c.state, sizeof(e->c.state), "running");
	}
}

static void deliver(struct docker_client *dc, const struct docker_event *ev,
		    const struct docker_cache_entry *e)
{
	if (ev->time_ns)
		dc->last_event_ns = ev->time_ns;
	if (dc->cb.on_event)
		dc->cb.on_event(dc->userdata, ev, e);
}

/* Handles one event; false when it now waits for an inspect. */
static bool handle_event(struct docker_client *dc, const struct docker_event *ev)
{
	struct docker_cache_entry *e;

	if (dc->current_replay_checked && ev->time_ns && ev->time_ns <= dc->replay_floor_ns) {
		dc->stats.replayed_skipped++;
		return true;
	}
	if (ev->object == DOCKER_OBJECT_IMAGE) {
		deliver(dc, ev, NULL);
		return true;
	}
	if (ev->object != DOCKER_OBJECT_CONTAINER || !docker_id_valid(ev->id))
		return true;
	if (needs_inspect(ev)) {
		struct call_slot *s = &dc->slots[CALL_EVENT_INSPECT];
		int r = start_inspect(dc, s, ev->id);

		if (r == 0)
			return false;
		if (r != -EINVAL) {
			fail_connection(dc, r);
			return false;
		}
	}
	e = docker_cache_get(&dc->cache, ev->id);
	apply_event(dc, ev, e);
	deliver(dc, ev, e);
	if (strcmp(ev->action, "destroy") == 0)
		docker_cache_remove(&dc->cache, ev->id);
	return true;
}

/* The event that waited for its inspect is delivered (e NULL: from the cache, if any). */
static void event_inspect_finish(struct docker_client *dc, const struct docker_cache_entry *e)
{
	dc->current_waiting = false;
	if (!e)
		e = docker_cache_get(&dc->cache, dc->current->id);
	deliver(dc, dc->current, e);
	dc->current->action[0] = '\0';
	drain(dc);
}

static void event_inspect_done(struct docker_client *dc, struct call_slot *s)
{
	const struct docker_cache_entry *e = inspect_done(dc, s, true);

	slot_close(s);
	event_inspect_finish(dc, e);
}

/* Handles queued lines in order while connected and nothing waits. */
static void drain(struct docker_client *dc)
{
	while (dc->state == DOCKER_STATE_CONNECTED && !dc->current_waiting) {
		struct pending_line *p;
		int r;

		if (dc->current && dc->current->action[0]) {
			/* An event whose inspect was cut by a reconnect: handle it again. */
		} else {
			if (!dc->pending_count)
				return;
			p = &dc->pending[dc->pending_head];
			dc->pending_head = (dc->pending_head + 1) % DOCKER_PENDING_MAX;
			dc->pending_count--;
			dc->pending_bytes -= p->len;
			dc->stats.events++;
			dc->current_replay_checked = p->conn == dc->replay_conn;
			r = docker_event_parse(p->data, p->len, dc->current);
			es_free(p->data);
			p->data = NULL;
			if (r < 0) {
				dc->stats.lines_bad++;
				continue;
			}
		}
		if (!handle_event(dc, dc->current)) {
			dc->current_waiting = dc->slots[CALL_EVENT_INSPECT].active;
			return;
		}
		dc->current->action[0] = '\0';
	}
}

/* ---- connect ---- */

/* The time of the newest event received so far: the newest queued line's, else the last handled. */
static uint64_t newest_known_event_ns(struct docker_client *dc)
{
	struct docker_event *ev = dc->pending_count ? es_malloc(sizeof(*ev)) : NULL;
	uint64_t t = dc->last_event_ns;

	/* From the newest line back to the first that parses (garbage lines have no time). */
	for (size_t k = dc->pending_count; ev && k > 0; k--) {
		const struct pending_line *p =
			&dc->pending[(dc->pending_head + k - 1) % DOCKER_PENDING_MAX];

		if (docker_event_parse(p->data, p->len, ev) == 0 && ev->time_ns) {
			if (ev->time_ns > t)
				t = ev->time_ns;
			break;
		}
	}
	es_free(ev);
	return t;
}

static void start_events(struct docker_client *dc)
{
	char path[PATH_MAX_LEN];
	int r;

	if (dc->last_event_ns || dc->pending_count) {
		uint64_t floor = newest_known_event_ns(dc);

		/* since=<s>.<ns>: what the daemon still holds from after the last event. */
		dc->replay_floor_ns = floor;
		dc->replay_conn = dc->stats.connects + 1;
		snprintf(path, sizeof(path), "/v%s/events?filters=%s&since=%llu.%09llu",
			 dc->api_version, EVENTS_FILTER, (unsigned long long)(floor / NSEC_PER_SEC),
			 (unsigned long long)(floor % NSEC_PER_SEC));
	} else {
		snprintf(path, sizeof(path), "/v%s/events?filters=%s", dc->api_version,
			 EVENTS_FILTER);
	}
	r = slot_start(dc, &dc->slots[CALL_EVENTS], path, 0);
	if (r < 0) {
		fail_connection(dc, r);
		return;
	}
	dc->stats.connects++;
	set_state(dc, DOCKER_STATE_SYNCING, 0);
}

static void version_done(struct docker_client *dc, struct call_slot *s)
{
	unsigned minor = 0;
	int r = s->http.resp.status == 200 ? docker_version_parse(s->body.data ? s->body.data : "",
								  s->body.len, &minor)
					   : -EPROTO;

	slot_close(s);
	if (r < 0) {
		fail_connection(dc, -EPROTO);
		return;
	}
	dc->daemon_minor = minor;
	if (minor < DOCKER_API_MIN_MINOR) {
		close_all(dc);
		dc->attempts = 30; /* the daemon will not change soon: retry at the longest delay */
		dc->reconnect_at_ns = time_now_monotonic_ns() + backoff_ms(dc) * NSEC_PER_MSEC;
		set_state(dc, DOCKER_STATE_TOO_OLD, 0);
		arm_timer(dc);
		return;
	}
	dc->api_minor = minor < DOCKER_API_MAX_MINOR ? minor : DOCKER_API_MAX_MINOR;
	snprintf(dc->api_version, sizeof(dc->api_version), "1.%u", dc->api_minor);
	start_events(dc);
}

static void start_connect(struct docker_client *dc)
{
	int r;

	close_all(dc);
	dc->reconnect_at_ns = 0;
	dc->api_version[0] = '\0';
	dc->state = DOCKER_STATE_CONNECTING;
	update_describe(dc);
	r = slot_start(dc, &dc->slots[CALL_VERSION], "/version", VERSION_BODY_MAX);
	if (r < 0)
		fail_connection(dc, r);
}

/* ---- dispatch ---- */

static void slot_finished(struct docker_client *dc, struct call_slot *s)
{
	int status = s->http.resp.status;

	switch (s->kind) {
	case CALL_VERSION:
		version_done(dc, s);
		break;
	case CALL_EVENTS:
		/* The stream never ends while the daemon runs: it went away. */
		fail_connection(dc, status == 200 ? -ECONNRESET : -EPROTO);
		break;
	case CALL_LIST:
		if (status != 200) {
			fail_connection(dc, -EPROTO);
			return;
		}
		list_done(dc, s);
		break;
	case CALL_EVENT_INSPECT:
		event_inspect_done(dc, s);
		break;
	default:
		(void)inspect_done(dc, s, false);
		slot_close(s);
		sync_next(dc);
		break;
	}
}

static void slot_io(struct docker_client *dc, struct call_slot *s)
{
	int r = http_call_io(&s->http);
	uint32_t want;

	if (r == HTTP_FEED_DONE) {
		slot_finished(dc, s);
		return;
	}
	if (r < 0) {
		if (r == -E2BIG &&
		    (s->kind == CALL_SYNC_INSPECT || s->kind == CALL_EVENT_INSPECT)) {
			/* An inspect document over its cap: the container is skipped, not the link.
			 */
			dc->stats.inspect_failed++;
			slot_close(s);
			if (s->kind == CALL_EVENT_INSPECT)
				event_inspect_finish(dc, NULL);
			else
				sync_next(dc);
			return;
		}
		/* A stream cut mid-chunk by a daemon that stops is a reset, not a protocol fault.
		 */
		if (s->kind == CALL_EVENTS && s->http.resp.status == 200 && r == -EPROTO)
			r = -ECONNRESET;
		fail_connection(dc, r);
		return;
	}
	/* The events stream is subscribed once its headers arrived: now take the list. */
	if (s->kind == CALL_EVENTS && s->http.resp.headers_done && !dc->list_started) {
		if (s->http.resp.status != 200) {
			fail_connection(dc, -EPROTO);
			return;
		}
		start_list(dc);
	}
	if (s->kind == CALL_EVENTS)
		drain(dc);
	if (!s->active)
		return;
	want = http_call_wanted_events(&s->http);
	if (want != s->registered) {
		struct epoll_event ev = { .events = want, .data.ptr = s };

		if (epoll_ctl(dc->epfd, EPOLL_CTL_MOD, s->http.fd, &ev) < 0) {
			fail_connection(dc, -errno);
			return;
		}
		s->registered = want;
	}
}

static void on_timer(struct docker_client *dc)
{
	uint64_t now = time_now_monotonic_ns(), ticks;

	(void)!read(dc->timerfd, &ticks, sizeof(ticks));
	for (size_t i = 0; i < N_SLOTS; i++) {
		struct call_slot *s = &dc->slots[i];

		if (s->active && s->deadline_ns && s->deadline_ns <= now) {
			fail_connection(dc, -ETIMEDOUT);
			return;
		}
	}
	if (dc->reconnect_at_ns && dc->reconnect_at_ns <= now) {
		start_connect(dc);
		return;
	}
	arm_timer(dc);
}

void docker_client_dispatch(struct docker_client *dc)
{
	struct epoll_event evs[N_SLOTS + 1];
	int n = epoll_wait(dc->epfd, evs, (int)(ARRAY_SIZE(evs)), 0);

	for (int i = 0; i < n; i++) {
		struct call_slot *s = evs[i].data.ptr;

		if (!s) {
			on_timer(dc);
			continue;
		}
		/* A slot closed by an earlier event of this round. */
		if (s->active)
			slot_io(dc, s);
	}
}

/* ---- lifetime ---- */

int docker_client_new(const char *socket_path, const struct docker_client_callbacks *cb,
		      void *userdata, struct docker_client **ret)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	/* calloc, not malloc + memset: the struct is ~160 KiB (the cache's fixed tables), and
	 * fresh zeroed pages stay unbacked until used instead of all being made resident. */
	struct docker_client *dc = es_calloc(1, sizeof(*dc));
	int r;

	if (!dc)
		return -ENOMEM;
	dc->epfd = dc->timerfd = -1;
	dc->cb = *cb;
	dc->userdata = userdata;
	buf_init(&dc->line, DOCKER_EVENT_LINE_MAX + 1);
	docker_cache_init(&dc->cache);
	for (size_t i = 0; i < N_SLOTS; i++) {
		dc->slots[i].dc = dc;
		dc->slots[i].kind = i < CALL_SYNC_INSPECT ? (enum call_kind)i : CALL_SYNC_INSPECT;
		dc->slots[i].http.fd = -1;
	}
	dc->socket_path = es_strdup(socket_path);
	dc->current = es_malloc(sizeof(*dc->current));
	if (!dc->socket_path || !dc->current) {
		r = -ENOMEM;
		goto fail;
	}
	memset(dc->current, 0, sizeof(*dc->current));
	dc->epfd = epoll_create1(EPOLL_CLOEXEC);
	dc->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (dc->epfd < 0 || dc->timerfd < 0 ||
	    epoll_ctl(dc->epfd, EPOLL_CTL_ADD, dc->timerfd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	dc->state = DOCKER_STATE_CONNECTING;
	update_describe(dc);
	*ret = dc;
	return 0;
fail:
	docker_client_free(dc);
	return r;
}

struct docker_client *docker_client_free(struct docker_client *dc)
{
	if (!dc)
		return NULL;
	close_all(dc);
	for (size_t i = 0; i < dc->pending_count; i++)
		es_free(dc->pending[(dc->pending_head + i) % DOCKER_PENDING_MAX].data);
	if (dc->timerfd >= 0)
		close(dc->timerfd);
	if (dc->epfd >= 0)
		close(dc->epfd);
	docker_cache_done(&dc->cache);
	buf_done(&dc->line);
	es_free(dc->todo);
	es_free(dc->current);
	es_free(dc->socket_path);
	es_free(dc);
	return NULL;
}

void docker_client_start(struct docker_client *dc)
{
	start_connect(dc);
}

int docker_client_fd(const struct docker_client *dc)
{
	return dc->epfd;
}

enum docker_state docker_client_state(const struct docker_client *dc)
{
	return dc->state;
}

const char *docker_client_describe(const struct docker_client *dc)
{
	return dc->describe;
}

const struct docker_client_stats *docker_client_stats(const struct docker_client *dc)
{
	return &dc->stats;
}

struct docker_cache *docker_client_cache(struct docker_client *dc)
{
	return &dc->cache;
}

const char *docker_client_api_version(const struct docker_client *dc)
{
	return dc->api_version;
}
