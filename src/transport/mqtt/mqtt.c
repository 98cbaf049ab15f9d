/* SPDX-License-Identifier: MIT */
/*
 * MQTT transport: libmosquitto without its thread, driven from our epoll loop.
 *
 * States: WAITING --timer--> CONNECTING --CONNACK 0--> CONNECTED --renewal--> DRAINING
 *         any failure or loss --> WAITING (backoff); DRAINING --PUBACKs or 5 s--> CONNECTING.
 * One libmosquitto object per connection attempt: it is created at connect and destroyed at
 * teardown, so the library never re-sends anything on its own; the spool is the only queue
 * and at-least-once redelivery is ours (in-flight entries go back to unsent on a disconnect
 * and are sent again after the next CONNACK; the spool counts them as duplicates).
 *
 * I/O: the socket is watched for EPOLLIN, plus EPOLLOUT only while mosquitto_want_write()
 * (the interest is re-registered when it changes).  A readable event reads packets until the
 * TLS layer holds no more decrypted bytes (SSL_pending), because such bytes never make the fd
 * readable again.  One timer drives the rest: the backoff delay, the connect timeout,
 * mosquitto_loop_misc() every keepalive/4 (PINGREQ, ping timeout) and the token renewal.
 *
 * Backoff: attempt k waits min(max, min * 2^k) ms with jitter (uniform in [d/2, d]); k is
 * reset only after a connection stayed up 30 s, so a broker that accepts and drops at once
 * does not make us reconnect in a tight loop.
 *
 * Secrets: the password is made just before the CONNECT, handed to libmosquitto (which keeps
 * its own copy until the object is destroyed) and wiped here; every string passed to the listener
 * (transport_notify_event) or kept as last error goes through sas_redact().
 *
 * Asynchronous password (password_start, the IoT Edge workload API): each attempt first asks
 * for a token and stays WAITING (password_pending) until the provider answers through
 * password_done() or connect_timeout_ms passes; only then does it connect.  A failure there
 * is a failed attempt like any other (CONNECT_FAILED with the provider's reason, backoff).
 *
 * Limits: DNS resolution inside mosquitto_connect_async() blocks (use addresses or a local
 * resolver); libmosquitto allocates with malloc, not through es_malloc.
 */
#include "mqtt.h"

#include <errno.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "mosq-lib.h"
#include "sas.h"
#include "iothub/topic.h"

#define STABLE_CONNECTION_NS (30 * NSEC_PER_SEC)
#define DRAIN_TIMEOUT_NS (5 * NSEC_PER_SEC)
#define READS_PER_EVENT_MAX 1024
#define SPOOL_IDLE_CHECKPOINT_NS (1 * NSEC_PER_SEC)

struct inflight_slot {
	uint64_t spool_id;
	int mid; /* libmosquitto message id; 0 = free */
};

struct mqtt {
	struct transport *t;
	struct loop *loop;
	struct loop_timer *timer;
	struct loop_timer *spool_timer; /* spool_flush() soon after puts/acks; idle checkpoint */
	struct spool *spool;
	struct mosquitto *mosq;
	struct mqtt_settings s; /* strings point into the copies below */
	char *host, *ca_file, *hub, *device, *module, *api_version, *client_type;
	char *client_id, *username;
	enum mqtt_state state;
	int fd;
	uint32_t events;
	unsigned attempt;
	uint64_t retry_at, connect_deadline, connected_at, renew_at, drain_deadline, misc_at;
	struct inflight_slot *slots;
	unsigned n_inflight;
	bool got_connack, connack_ok, lost, in_teardown;
	bool password_pending, have_password; /* asynchronous password */
	uint64_t password_deadline;
	char password[SAS_TOKEN_MAX];
	int connack_rc;
	uint64_t rng;
	struct mqtt_stats st;
	char last_error[MQTT_ERROR_MAX];
	char tls_error[MQTT_ERROR_MAX];
	char description[MQTT_HOST_MAX + 64];
};

/* libmosquitto, loaded by the first mqtt_transport_open() (mosq-lib.h). */
static const struct mosq_lib *mosq_api;

static const char *const state_names[_MQTT_STATE_MAX] = {
	[MQTT_STATE_WAITING] = "waiting",
	[MQTT_STATE_CONNECTING] = "connecting",
	[MQTT_STATE_CONNECTED] = "connected",
	[MQTT_STATE_DRAINING] = "draining",
};

const char *mqtt_state_to_string(enum mqtt_state st)
{
	return (unsigned)st < _MQTT_STATE_MAX ? state_names[st] : "?";
}

static void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void emit(struct mqtt *m, enum transport_event ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void emit(struct mqtt *m, enum transport_event ev, const char *fmt, ...)
{
	char raw[512], clean[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	sas_redact(raw, clean, sizeof(clean));
	if (ev == TRANSPORT_EVENT_CONNECT_FAILED || ev == TRANSPORT_EVENT_DISCONNECTED)
		str_copy(m->last_error, sizeof(m->last_error), clean);
	transport_notify_event(m->t, ev, clean);
}

static uint64_t rng_next(struct mqtt *m)
{
	/* xorshift64*: jitter only, not security */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 2685821657736338717ull;
}

/* ---- timer ---- */

static void rearm(struct mqtt *m)
{
	uint64_t at = 0;

	switch (m->state) {
	case MQTT_STATE_WAITING:
		at = m->password_pending ? m->password_deadline : m->retry_at;
		break;
	case MQTT_STATE_CONNECTING:
		at = m->connect_deadline < m->misc_at ? m->connect_deadline : m->misc_at;
		break;
	case MQTT_STATE_CONNECTED:
		at = m->renew_at < m->misc_at ? m->renew_at : m->misc_at;
		break;
	case MQTT_STATE_DRAINING:
		at = m->drain_deadline < m->misc_at ? m->drain_deadline : m->misc_at;
		break;
	default:
		break;
	}
	loop_timer_arm(m->timer, at);
}

static uint64_t misc_interval_ns(const struct mqtt *m)
{
	uint64_t s = m->s.keepalive_s / 4;

	return (s ? s : 1) * NSEC_PER_SEC;
}

/* ---- fd interest ---- */

static void on_io(struct loop *l, int fd, uint32_t events, void *userdata);

static void watch_update(struct mqtt *m)
{
	int fd = m->mosq ? mosq_api->socket(m->mosq) : -1;
	uint32_t want = EPOLLIN;

	if (fd >= 0 && mosq_api->want_write(m->mosq))
		want |= EPOLLOUT;
	if (fd == m->fd && (fd < 0 || want == m->events))
		return;
	if (m->fd >= 0)
		loop_remove_fd(m->loop, m->fd);
	m->fd = -1;
	if (fd >= 0 && loop_add_fd(m->loop, fd, want, on_io, m) == 0) {
		m->fd = fd;
		m->events = want;
	}
}

/* ---- connection lifecycle ---- */

static void schedule_retry(struct mqtt *m)
{
	uint64_t d = m->s.backoff_min_ms;
	unsigned shift = m->attempt < 20 ? m->attempt : 20;

	d <<= shift;
	if (d > m->s.backoff_max_ms)
		d = m->s.backoff_max_ms;
	d = d / 2 + rng_next(m) % (d / 2 + 1);
	m->attempt++;
	m->st.last_backoff_ms = (unsigned)d;
	m->state = MQTT_STATE_WAITING;
	m->retry_at = time_now_monotonic_ns() + d * NSEC_PER_MSEC;
	emit(m, TRANSPORT_EVENT_RETRY, "in %" PRIu64 " ms (attempt %u)", d, m->attempt);
	rearm(m);
}

static void requeue_inflight(struct mqtt *m)
{
	int n = spool_requeue_inflight(m->spool);

	if (n > 0)
		m->st.requeued += (uint64_t)n;
	memset(m->slots, 0, sizeof(*m->slots) * m->s.inflight_max);
	m->n_inflight = 0;
}

/* Drops the connection (graceful: send DISCONNECT first).  Does not schedule anything. */
static void teardown(struct mqtt *m, bool graceful)
{
	if (!m->mosq)
		return;
	m->in_teardown = true;
	if (m->fd >= 0)
		loop_remove_fd(m->loop, m->fd);
	m->fd = -1;
	m->events = 0;
	if (graceful)
		(void)mosq_api->disconnect(m->mosq);
	mosq_api->destroy(m->mosq);
	m->mosq = NULL;
	m->in_teardown = false;
	if (m->state == MQTT_STATE_CONNECTED || m->state == MQTT_STATE_DRAINING) {
		m->st.disconnects++;
		if (time_now_monotonic_ns() - m->connected_at >= STABLE_CONNECTION_NS)
			m->attempt = 0;
	}
	requeue_inflight(m);
}

static void fail(struct mqtt *m, const char *what, int rc)
{
	char reason[MQTT_ERROR_MAX];
	bool was_up = m->state == MQTT_STATE_CONNECTED || m->state == MQTT_STATE_DRAINING;

	if (rc == MOSQ_ERR_ERRNO)
		snprintf(reason, sizeof(reason), "%s", strerror(errno));
	else
		snprintf(reason, sizeof(reason), "%s", mosq_api->strerror(rc));
	if (m->tls_error[0]) {
		size_t n = strlen(reason);

		snprintf(reason + n, sizeof(reason) - n, " (%.180s)", m->tls_error);
	}
	teardown(m, false);
	if (was_up) {
		emit(m, TRANSPORT_EVENT_DISCONNECTED, "%s: %s", what, reason);
	} else {
		m->st.connect_failures++;
		emit(m, TRANSPORT_EVENT_CONNECT_FAILED, "%s %s: %s", what, m->description, reason);
	}
	schedule_retry(m);
}

static void cb_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	m->got_connack = true;
	m->connack_ok = rc == 0;
	m->connack_rc = rc;
}

static void cb_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	(void)rc;
	if (!m->in_teardown)
		m->lost = true;
}

static void cb_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mqtt *m = obj;

	(void)mosq;
	for (unsigned i = 0; i < m->s.inflight_max; i++) {
		struct inflight_slot *sl = &m->slots[i];

		if (sl->mid != mid)
			continue;
		if (spool_ack(m->spool, sl->spool_id) == 0)
			m->st.acked++;
		sl->mid = 0;
		m->n_inflight--;
		return;
	}
}

static void cb_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (msg->topic)
		transport_notify_message(m->t, msg->topic, msg->payload,
					 msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0);
}

static void cb_log(struct mosquitto *mosq, void *obj, int level, const char *str)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) {
		char clean[MQTT_ERROR_MAX];

		sas_redact(str, clean, sizeof(clean));
		str_copy(m->tls_error, sizeof(m->tls_error), clean);
	}
	emit(m, TRANSPORT_EVENT_LOG, "%s", str);
}

static int setup_mosq(struct mqtt *m)
{
	char password[SAS_TOKEN_MAX];
	int rc;

	m->mosq = mosq_api->new (m->client_id, true, m);
	if (!m->mosq)
		return MOSQ_ERR_NOMEM;
	mosq_api->int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* PUBLISHes are written as soon as they are made: without TCP_NODELAY a message smaller
	 * than a segment waits for the broker's delayed ACK (Nagle), up to 40 ms per window */
	mosq_api->int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosq_api->connect_callback_set(m->mosq, cb_connect);
	mosq_api->disconnect_callback_set(m->mosq, cb_disconnect);
	mosq_api->publish_callback_set(m->mosq, cb_publish);
	mosq_api->message_callback_set(m->mosq, cb_message);
	mosq_api->log_callback_set(m->mosq, cb_log);
	mosq_api->max_inflight_messages_set(m->mosq, m->s.inflight_max);
	if (m->have_password) {
		rc = mosq_api->username_pw_set(m->mosq, m->username, m->password);
		explicit_bzero(m->password, sizeof(m->password));
		m->have_password = false;
	} else if (m->s.password) {
		uint64_t expiry = time_now_realtime_ns() / NSEC_PER_SEC + m->s.token_lifetime_s;

		password[0] = '\0';
		if (m->s.password(m->s.password_userdata, expiry, password, sizeof(password)) < 0) {
			char reason[MQTT_ERROR_MAX];

			/* a failing callback may leave a reason (never a secret) in the buffer */
			password[sizeof(password) - 1] = '\0';
			sas_redact(password, reason, sizeof(reason));
			explicit_bzero(password, sizeof(password));
			snprintf(m->tls_error, sizeof(m->tls_error),
				 "cannot make the SAS token%s%.200s", reason[0] ? ": " : "",
				 reason);
			return MOSQ_ERR_AUTH;
		}
		rc = mosq_api->username_pw_set(m->mosq, m->username, password);
		explicit_bzero(password, sizeof(password));
	} else {
		rc = mosq_api->username_pw_set(m->mosq, m->username, NULL);
	}
	if (rc != MOSQ_ERR_SUCCESS)
		return rc;
	if (m->s.endpoint.tls) {
		rc = mosq_api->tls_set(m->mosq, m->ca_file, NULL, NULL, NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(m->tls_error, sizeof(m->tls_error), "cannot use CA file %s",
				 m->ca_file ? m->ca_file : "(none)");
			return rc;
		}
		rc = mosq_api->tls_opts_set(m->mosq, SSL_VERIFY_PEER, NULL, NULL);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosq_api->tls_insecure_set(m->mosq, false); /* verify the host name */
	}
	return rc;
}

static void connect_start(struct mqtt *m)
{
	uint64_t now = time_now_monotonic_ns();
	int rc;

	m->st.connect_attempts++;
	m->got_connack = m->connack_ok = m->lost = false;
	m->tls_error[0] = '\0';
	m->state = MQTT_STATE_CONNECTING;
	m->connect_deadline = now + (uint64_t)m->s.connect_timeout_ms * NSEC_PER_MSEC;
	m->misc_at = now + misc_interval_ns(m);
	emit(m, TRANSPORT_EVENT_CONNECTING, "%s", m->description);
	rc = setup_mosq(m);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosq_api->connect_async(m->mosq, m->host, m->s.endpoint.port,
					     (int)m->s.keepalive_s);
	if (rc != MOSQ_ERR_SUCCESS) {
		fail(m, "Failed to connect to", rc);
		return;
	}
	watch_update(m);
	rearm(m);
}

/* An attempt that failed before connecting (no password): counted, reported, retried. */
static void fail_before_connect(struct mqtt *m, const char *reason)
{
	m->st.connect_attempts++;
	m->st.connect_failures++;
	emit(m, TRANSPORT_EVENT_CONNECT_FAILED,
	     "Failed to connect to %s: cannot make the SAS token: %s", m->description, reason);
	schedule_retry(m);
}

static void password_done(void *ctx, int err, const char *text)
{
	struct mqtt *m = ctx;

	if (!m->password_pending) /* late, after the deadline */
		return;
	m->password_pending = false;
	if (err < 0) {
		fail_before_connect(m, text && text[0] ? text : strerror(-err));
		return;
	}
	if (!text || strlen(text) >= sizeof(m->password)) {
		fail_before_connect(m, "the token does not fit");
		return;
	}
	memcpy(m->password, text, strlen(text) + 1);
	m->have_password = true;
	connect_start(m);
}

/* A new connection attempt: ask for the password first when it is asynchronous. */
static void begin_attempt(struct mqtt *m)
{
	uint64_t now = time_now_monotonic_ns();
	int r;

	if (!m->s.password_start) {
		connect_start(m);
		return;
	}
	m->state = MQTT_STATE_WAITING;
	m->password_pending = true;
	m->password_deadline = now + (uint64_t)m->s.connect_timeout_ms * NSEC_PER_MSEC;
	r = m->s.password_start(m->s.password_userdata,
				time_now_realtime_ns() / NSEC_PER_SEC + m->s.token_lifetime_s,
				password_done, m);
	if (r < 0) {
		m->password_pending = false;
		fail_before_connect(m, strerror(-r));
		return;
	}
	rearm(m);
}

/* ---- sending ---- */

static int build_topic(struct mqtt *m, const struct spool_entry *e, struct buf *b)
{
	struct iothub_property_bag bag = { 0 };

	iothub_property_bag_add(&bag, "$.ct", "application/json");
	iothub_property_bag_add(&bag, "$.ce", "utf-8");
	iothub_property_bag_add(&bag, "$.mid", e->mid);
	if (e->schema == EVENT_SCHEMA_ASC)
		iothub_property_bag_add(&bag, "$.ifid", IOTHUB_IFID_SECURITY);
	else
		iothub_property_bag_add(&bag, IOTHUB_EDGESEC_SCHEMA_KEY,
					IOTHUB_EDGESEC_SCHEMA_VALUE);
	return iothub_topic_format_telemetry(b, m->device, m->module, &bag);
}

static struct inflight_slot *free_slot(struct mqtt *m)
{
	for (unsigned i = 0; i < m->s.inflight_max; i++)
		if (!m->slots[i].mid)
			return &m->slots[i];
	return NULL;
}

/* Sends spooled messages while connected and the window has room. */
static void pump(struct mqtt *m)
{
	struct buf topic;

	buf_init(&topic, IOTHUB_TOPIC_MAX + 1);
	while (m->state == MQTT_STATE_CONNECTED && m->n_inflight < m->s.inflight_max) {
		struct inflight_slot *sl = free_slot(m);
		struct spool_entry e;
		int mid = 0, rc;

		if (!sl || spool_take(m->spool, &e) < 0)
			break;
		buf_reset(&topic);
		if (build_topic(m, &e, &topic) < 0) {
			/* cannot happen with validated ids; do not loop on it */
			m->st.publish_errors++;
			spool_ack(m->spool, e.id);
			spool_entry_done(&e);
			continue;
		}
		rc = mosq_api->publish(m->mosq, &mid, topic.data, (int)e.len, e.body, 1, false);
		if (rc != MOSQ_ERR_SUCCESS) {
			m->st.publish_errors++;
			spool_entry_done(&e);
			m->lost = true; /* handled by the caller like a connection loss */
			break;
		}
		sl->mid = mid;
		sl->spool_id = e.id;
		m->n_inflight++;
		m->st.published++;
		spool_entry_done(&e);
	}
	buf_done(&topic);
}

static void spool_activity(struct mqtt *m);

/* After any libmosquitto call: react to what the callbacks recorded. */
static void settle_connection(struct mqtt *m, int rc)
{
	if (m->got_connack && m->state == MQTT_STATE_CONNECTING) {
		m->got_connack = false;
		if (!m->connack_ok) { /* libmosquitto may also return an error for it */
			str_copy(m->tls_error, sizeof(m->tls_error),
				 mosq_api->connack_string(m->connack_rc));
			fail(m, "Connection refused by", MOSQ_ERR_CONN_REFUSED);
			return;
		}
		if (rc != MOSQ_ERR_SUCCESS || m->lost)
			goto lost;
		m->state = MQTT_STATE_CONNECTED;
		m->st.connects++;
		m->connected_at = time_now_monotonic_ns();
		m->renew_at =
			m->connected_at + (uint64_t)m->s.token_lifetime_s * 8 / 10 * NSEC_PER_SEC;
		m->last_error[0] = '\0';
		emit(m, TRANSPORT_EVENT_CONNECTED, "%s", m->description);
	}
	if (rc == MOSQ_ERR_SUCCESS && !m->lost && m->mosq)
		pump(m);
lost:
	if (rc != MOSQ_ERR_SUCCESS || m->lost) {
		fail(m,
		     m->state == MQTT_STATE_CONNECTING ? "Failed to connect to" : "Connection lost",
		     rc != MOSQ_ERR_SUCCESS ? rc : MOSQ_ERR_CONN_LOST);
		return;
	}
	if (m->state == MQTT_STATE_DRAINING && m->n_inflight == 0) {
		teardown(m, true);
		begin_attempt(m);
		return;
	}
	watch_update(m);
	rearm(m);
}

static void settle(struct mqtt *m, int rc)
{
	settle_connection(m, rc);
	spool_activity(m);
}

/*
 * The spool batches its writes.  Puts are committed when the loop comes back from what made
 * them (the timer is due at once: all messages of one pipeline flush go in one transaction);
 * deletes of acknowledged entries wait up to SPOOL_FLUSH_DELAY_MS, never postponed by more
 * activity.  Once a second passes without anything to flush, a PASSIVE checkpoint runs while
 * the loop is idle.
 */
static void spool_activity(struct mqtt *m)
{
	uint64_t want, have;

	if (!spool_flush_pending(m->spool))
		return;
	want = time_now_monotonic_ns();
	if (!spool_puts_pending(m->spool))
		want += SPOOL_FLUSH_DELAY_MS * NSEC_PER_MSEC;
	have = loop_timer_deadline(m->spool_timer);
	if (!have || have > want)
		loop_timer_arm(m->spool_timer, want);
}

static void on_spool_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct mqtt *m = userdata;

	(void)l;
	if (spool_flush_pending(m->spool)) {
		spool_flush(m->spool);
		loop_timer_arm_in(t, SPOOL_IDLE_CHECKPOINT_NS);
	} else {
		spool_checkpoint(m->spool);
	}
}

static void on_io(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct mqtt *m = userdata;
	int rc = MOSQ_ERR_SUCCESS;

	(void)l;
	if (!m->mosq)
		return;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		SSL *ssl = mosq_api->ssl_get(m->mosq);

		for (int i = 0; i < READS_PER_EVENT_MAX; i++) {
			rc = mosq_api->loop_read(m->mosq, 1);
			if (rc != MOSQ_ERR_SUCCESS || m->lost || !ssl ||
			    mosq_api->ssl_pending(ssl) <= 0)
				break;
		}
	}
	if (rc == MOSQ_ERR_SUCCESS && !m->lost && (events & EPOLLOUT))
		rc = mosq_api->loop_write(m->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && !m->lost && (events & (EPOLLERR | EPOLLHUP))) {
		/* Hung up: read what is left, then give up.  libmosquitto does not notice a
		 * refused non-blocking connect under TLS (it keeps returning success), and the
		 * level-triggered EPOLLHUP would then spin until the connect timeout. */
		int err = 0;
		socklen_t len = sizeof(err);

		for (int i = 0; i < READS_PER_EVENT_MAX && rc == MOSQ_ERR_SUCCESS && !m->lost &&
				!m->got_connack;
		     i++)
			rc = mosq_api->loop_read(m->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS || m->lost || m->got_connack) {
			settle(m, rc);
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
			errno = err;
			rc = MOSQ_ERR_ERRNO;
		} else {
			if (m->state == MQTT_STATE_CONNECTING)
				str_copy(m->tls_error, sizeof(m->tls_error),
					 "refused or closed by the server");
			rc = MOSQ_ERR_CONN_LOST;
		}
	}
	settle(m, rc);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct mqtt *m = userdata;
	uint64_t now = time_now_monotonic_ns();
	int rc = MOSQ_ERR_SUCCESS;

	(void)l;
	(void)t;
	switch (m->state) {
	case MQTT_STATE_WAITING:
		if (m->password_pending && now >= m->password_deadline) {
			char reason[64];

			m->password_pending = false;
			snprintf(reason, sizeof(reason), "no token within %u ms",
				 m->s.connect_timeout_ms);
			fail_before_connect(m, reason);
			return;
		}
		if (!m->password_pending && now >= m->retry_at) {
			begin_attempt(m);
			return;
		}
		break;
	case MQTT_STATE_CONNECTING:
		if (now >= m->connect_deadline) {
			snprintf(m->tls_error, sizeof(m->tls_error), "no CONNACK within %u ms",
				 m->s.connect_timeout_ms);
			fail(m, "Failed to connect to", MOSQ_ERR_TIMEOUT);
			return;
		}
		break;
	case MQTT_STATE_CONNECTED:
		if (now >= m->renew_at) {
			m->st.token_renewals++;
			m->state = MQTT_STATE_DRAINING;
			m->drain_deadline = now + DRAIN_TIMEOUT_NS;
			emit(m, TRANSPORT_EVENT_TOKEN_RENEWAL, "reconnecting with a new token");
		}
		break;
	case MQTT_STATE_DRAINING:
		if (now >= m->drain_deadline) {
			teardown(m, true);
			begin_attempt(m);
			return;
		}
		break;
	default:
		break;
	}
	if (now >= m->misc_at && m->mosq) {
		m->misc_at = now + misc_interval_ns(m);
		rc = mosq_api->loop_misc(m->mosq);
	}
	settle(m, rc);
}

/* ---- transport ops ---- */

static int mqtt_publish(struct transport *t, const struct message *msg)
{
	struct mqtt *m = t->priv;
	int r = spool_put(m->spool, msg->schema, msg->priority, msg->body, msg->len, NULL, NULL);

	if (r < 0) {
		t->write_errors++;
		return r;
	}
	if (m->state == MQTT_STATE_CONNECTED && m->mosq)
		settle(m, MOSQ_ERR_SUCCESS);
	else
		spool_activity(m);
	return 0;
}

static void mqtt_close(struct transport *t)
{
	struct mqtt *m = t->priv;

	teardown(m, true);
	explicit_bzero(m->password, sizeof(m->password));
	loop_timer_free(m->timer);
	loop_timer_free(m->spool_timer);
	spool_flush(m->spool);
	es_free(m->slots);
	es_free(m->host);
	es_free(m->ca_file);
	es_free(m->hub);
	es_free(m->device);
	es_free(m->module);
	es_free(m->api_version);
	es_free(m->client_type);
	es_free(m->client_id);
	es_free(m->username);
	es_free(m);
}

static const char *mqtt_describe(const struct transport *t)
{
	return ((const struct mqtt *)t->priv)->description;
}

static const char *mqtt_last_error(const struct transport *t)
{
	return ((const struct mqtt *)t->priv)->last_error;
}

static const struct spool *mqtt_spool(const struct transport *t)
{
	return ((const struct mqtt *)t->priv)->spool;
}

/* The control channel (twin, methods): QoS 1, not spooled, only while connected. */
static int mqtt_subscribe(struct transport *t, const char *filter)
{
	struct mqtt *m = t->priv;
	int rc;

	if (m->state != MQTT_STATE_CONNECTED && m->state != MQTT_STATE_DRAINING)
		return -ENOTCONN;
	rc = mosq_api->subscribe(m->mosq, NULL, filter, 1);
	watch_update(m);
	return rc == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

static int mqtt_publish_direct(struct transport *t, const char *topic, const void *payload,
			       size_t len)
{
	struct mqtt *m = t->priv;
	int rc;

	if (m->state != MQTT_STATE_CONNECTED && m->state != MQTT_STATE_DRAINING)
		return -ENOTCONN;
	if (len > 256 * 1024)
		return -EINVAL;
	rc = mosq_api->publish(m->mosq, NULL, topic, (int)len, payload, 1, false);
	watch_update(m);
	return rc == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

static const struct transport_ops mqtt_ops = {
	.name = "mqtt",
	.publish = mqtt_publish,
	.close = mqtt_close,
	.describe = mqtt_describe,
	.last_error = mqtt_last_error,
	.spool = mqtt_spool,
	.subscribe = mqtt_subscribe,
	.publish_direct = mqtt_publish_direct,
};

void mqtt_transport_get_stats(const struct transport *t, struct mqtt_stats *ret)
{
	const struct mqtt *m = t->priv;

	*ret = m->st;
	ret->state = m->state;
	ret->inflight = m->n_inflight;
}

/* ---- identity helpers ---- */

int mqtt_password_from_connection_string(void *userdata, uint64_t expiry, char *out,
					 size_t out_size)
{
	const struct connection_string *cs = userdata;

	return sas_token_make(&cs->key, cs->host_name, cs->device_id, cs->module_id, expiry, out,
			      out_size);
}

void mqtt_settings_from_connection_string(struct mqtt_settings *s,
					  const struct connection_string *cs)
{
	s->hub_host = cs->host_name;
	s->device_id = cs->device_id;
	s->module_id = cs->module_id;
	s->password = mqtt_password_from_connection_string;
	s->password_userdata = (void *)cs;
}

/* ---- open ---- */

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = es_strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static int make_identity_strings(struct mqtt *m)
{
	struct buf b;

	buf_init(&b, 2048);
	buf_puts(&b, m->device);
	buf_putc(&b, '/');
	buf_puts(&b, m->module);
	m->client_id = b.failed ? NULL : buf_steal(&b, NULL);
	if (m->hub) {
		buf_init(&b, 2048);
		buf_printf(&b, "%s/%s/%s/?api-version=", m->hub, m->device, m->module);
		iothub_url_encode(&b, m->api_version, strlen(m->api_version));
		buf_puts(&b, "&DeviceClientType=");
		iothub_url_encode(&b, m->client_type, strlen(m->client_type));
		m->username = b.failed ? NULL : buf_steal(&b, NULL);
		if (!m->username)
			return -ENOMEM;
	}
	return m->client_id ? 0 : -ENOMEM;
}

static void apply_defaults(struct mqtt_settings *s)
{
	if (!s->keepalive_s)
		s->keepalive_s = 60;
	if (!s->inflight_max)
		s->inflight_max = 16;
	if (!s->token_lifetime_s)
		s->token_lifetime_s = 3600;
	if (!s->backoff_min_ms)
		s->backoff_min_ms = 1000;
	if (!s->backoff_max_ms)
		s->backoff_max_ms = 60000;
	if (s->backoff_max_ms < s->backoff_min_ms)
		s->backoff_max_ms = s->backoff_min_ms;
	if (!s->connect_timeout_ms)
		s->connect_timeout_ms = 30000;
}

int mqtt_transport_open(struct loop *l, const struct mqtt_settings *s, struct spool *sp,
			struct transport **ret)
{
	char why[160];
	struct transport *t;
	struct mqtt *m;
	bool oom = false;
	int r;

	if (!l || !s || !sp || !s->endpoint.host[0] || !s->device_id || !s->module_id ||
	    (s->endpoint.tls && !s->ca_file) || s->keepalive_s > 65535 || s->inflight_max > 1024)
		return -EINVAL;
	if (!mosq_api) {
		mosq_api = mosq_lib_get(why, sizeof(why));
		if (!mosq_api) {
			log_error("MQTT transport: cannot load libmosquitto: %s", why);
			return -ELIBACC;
		}
	}
	t = es_calloc(1, sizeof(*t));
	m = es_calloc(1, sizeof(*m));
	if (!t || !m) {
		es_free(t);
		es_free(m);
		return -ENOMEM;
	}
	t->ops = &mqtt_ops;
	t->priv = m;
	m->t = t;
	m->loop = l;
	m->spool = sp;
	m->fd = -1;
	m->s = *s;
	apply_defaults(&m->s);
	m->host = dup_or_null(s->endpoint.host, &oom);
	m->ca_file = dup_or_null(s->ca_file, &oom);
	m->hub = dup_or_null(s->hub_host, &oom);
	m->device = dup_or_null(s->device_id, &oom);
	m->module = dup_or_null(s->module_id, &oom);
	m->api_version = dup_or_null(s->api_version ? s->api_version : MQTT_API_VERSION, &oom);
	m->client_type = dup_or_null(s->client_type ? s->client_type : "edgesec", &oom);
	m->slots = es_calloc(m->s.inflight_max, sizeof(*m->slots));
	m->timer = loop_timer_new(l, on_timer, m);
	m->spool_timer = loop_timer_new(l, on_spool_timer, m);
	if (getrandom(&m->rng, sizeof(m->rng), GRND_NONBLOCK) != sizeof(m->rng))
		m->rng = time_now_monotonic_ns();
	m->rng |= 1;
	snprintf(m->description, sizeof(m->description), "%s://%s%s%s:%u (%s/%s)",
		 s->endpoint.tls ? "mqtts" : "mqtt", strchr(s->endpoint.host, ':') ? "[" : "",
		 s->endpoint.host, strchr(s->endpoint.host, ':') ? "]" : "", s->endpoint.port,
		 s->device_id, s->module_id);
	r = oom || !m->slots		   ? -ENOMEM
	    : !m->timer || !m->spool_timer ? -ENOSPC
					   : make_identity_strings(m);
	if (r < 0) {
		transport_close(t);
		return r;
	}
	/* requeue what a previous connection of this process left in flight, connect at once */
	spool_requeue_inflight(sp);
	m->state = MQTT_STATE_WAITING;
	m->retry_at = time_now_monotonic_ns();
	rearm(m);
	*ret = t;
	return 0;
}
