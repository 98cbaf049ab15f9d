/* SPDX-License-Identifier: MIT */
/*
 * MQTT transport.
 *
 * Without arguments (CTest): cmocka tests against a fake broker in this process (plain TCP on
 * 127.0.0.1, explicitly mqtt://) that parses the CONNECT packet byte by byte — client id,
 * username, and the SAS token verified with HMAC-SHA256 against the test key — then takes a
 * PUBLISH and checks topic, properties and QoS, and answers PUBACK; a second broker refuses
 * every CONNECT and the attempts must back off.
 *
 * With "drive ..." it is the publisher of tests/integration/test-mqtt-*.sh (the agent is not
 * wired to the transport yet): see usage().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/timeutil.h"
#include "transport/mqtt/mqtt.h"

#define TEST_KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define TEST_CS                                                                                    \
	"HostName=hub.example.net;DeviceId=edge01;ModuleId=secagent;SharedAccessKey=" TEST_KEY

/* ---- fake broker ---- */

struct fake {
	struct loop *loop;
	int lfd, cfd;
	uint16_t port;
	unsigned char in[65536];
	size_t in_len;
	int connack_rc;
	unsigned connects, publishes;
	uint64_t accept_ns[64];
	char client_id[256], username[512], password[1024];
	char topic[1024], payload[1024];
	int qos;
	struct transport *t;
	struct spool *sp;
	bool done;
};

static void fake_close_client(struct fake *f)
{
	if (f->cfd >= 0) {
		loop_remove_fd(f->loop, f->cfd);
		close(f->cfd);
	}
	f->cfd = -1;
	f->in_len = 0;
}

static size_t get_str(const unsigned char *p, size_t n, size_t off, char *out, size_t out_size)
{
	size_t l;

	assert_true(off + 2 <= n);
	l = (size_t)p[off] << 8 | p[off + 1];
	assert_true(off + 2 + l <= n && l < out_size);
	memcpy(out, p + off + 2, l);
	out[l] = '\0';
	return off + 2 + l;
}

static void fake_packet(struct fake *f, unsigned char type, const unsigned char *p, size_t n)
{
	if (type >> 4 == 1) { /* CONNECT */
		unsigned char ack[4] = { 0x20, 2, 0, (unsigned char)f->connack_rc };
		size_t off;
		unsigned char flags;

		assert_true(n >= 10);
		assert_memory_equal(p, "\0\4MQTT\4", 7); /* MQTT 3.1.1 */
		flags = p[7];
		off = get_str(p, n, 10, f->client_id, sizeof(f->client_id));
		assert_true(flags & 0x80);
		off = get_str(p, n, off, f->username, sizeof(f->username));
		assert_true(flags & 0x40);
		get_str(p, n, off, f->password, sizeof(f->password));
		f->connects++;
		assert_int_equal(write(f->cfd, ack, 4), 4);
		if (f->connack_rc)
			fake_close_client(f);
	} else if (type >> 4 == 3) { /* PUBLISH */
		size_t off = get_str(p, n, 0, f->topic, sizeof(f->topic));
		unsigned char ack[4] = { 0x40, 2, p[off], p[off + 1] };

		f->qos = (type >> 1) & 3;
		off += 2;
		assert_true(n - off < sizeof(f->payload));
		memcpy(f->payload, p + off, n - off);
		f->payload[n - off] = '\0';
		f->publishes++;
		assert_int_equal(write(f->cfd, ack, 4), 4);
	}
}

static void fake_on_client(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct fake *f = userdata;
	ssize_t r = read(fd, f->in + f->in_len, sizeof(f->in) - f->in_len);

	(void)l;
	(void)events;
	if (r <= 0) {
		fake_close_client(f);
		return;
	}
	f->in_len += (size_t)r;
	for (;;) {
		size_t len = 0, i = 1, shift = 0;

		while (i < f->in_len && i < 5) {
			len |= (size_t)(f->in[i] & 127) << shift;
			shift += 7;
			if (!(f->in[i++] & 128))
				break;
		}
		if (i >= f->in_len + 1 || f->in_len < i + len || f->in_len < 2)
			return;
		fake_packet(f, f->in[0], f->in + i, len);
		if (f->cfd < 0)
			return;
		memmove(f->in, f->in + i + len, f->in_len - i - len);
		f->in_len -= i + len;
	}
}

static void fake_on_accept(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct fake *f = userdata;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	(void)events;
	if (c < 0)
		return;
	fake_close_client(f);
	if (f->connects + 1 < 64)
		f->accept_ns[f->connects] = time_now_monotonic_ns();
	f->cfd = c;
	assert_int_equal(loop_add_fd(l, c, EPOLLIN, fake_on_client, f), 0);
}

static void fake_start(struct fake *f, struct loop *l)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	f->loop = l;
	f->cfd = -1;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
	assert_int_equal(loop_add_fd(l, f->lfd, EPOLLIN, fake_on_accept, f), 0);
}

static void fake_stop(struct fake *f)
{
	fake_close_client(f);
	loop_remove_fd(f->loop, f->lfd);
	close(f->lfd);
}

static void on_deadline(struct loop *l, struct loop_timer *t, void *userdata)
{
	(void)t;
	(void)userdata;
	loop_quit(l, 1);
}

static void on_event_print(void *userdata, enum transport_event ev, const char *detail)
{
	(void)userdata;
	if (ev != TRANSPORT_EVENT_LOG)
		fprintf(stderr, "mqtt: %s: %s\n", transport_event_to_string(ev), detail);
}

static const struct transport_listener print_listener = { .on_event = on_event_print };

/* ---- SAS verification, independent of sas.c ---- */

static void verify_sas_lifetime(const char *password, uint64_t now_s, unsigned lifetime_s)
{
	char sr[256] = "", sig[128] = "", sts[512];
	unsigned char key[64], mac[32], b64[64];
	unsigned int mac_len;
	unsigned long long se = 0;
	int keylen;

	assert_int_equal(sscanf(password, "SharedAccessSignature sr=%255[^&]&sig=%127[^&]&se=%llu",
				sr, sig, &se),
			 3);
	assert_string_equal(sr, "hub.example.net%2Fdevices%2Fedge01%2Fmodules%2Fsecagent");
	assert_true(se >= now_s + lifetime_s - lifetime_s / 36 &&
		    se <= now_s + lifetime_s + lifetime_s / 36 + 10);
	keylen = EVP_DecodeBlock(key, (const unsigned char *)TEST_KEY, (int)strlen(TEST_KEY)) - 1;
	assert_int_equal(keylen, 32);
	snprintf(sts, sizeof(sts), "%s\n%llu", sr, se);
	HMAC(EVP_sha256(), key, keylen, (unsigned char *)sts, strlen(sts), mac, &mac_len);
	EVP_EncodeBlock(b64, mac, 32);
	/* sig is URL-encoded: '+' '/' '=' become %2B %2F %3D */
	{
		char enc[128];
		size_t o = 0;

		for (size_t i = 0; b64[i]; i++) {
			if (b64[i] == '+' || b64[i] == '/' || b64[i] == '=')
				o += (size_t)snprintf(enc + o, sizeof(enc) - o, "%%%02X", b64[i]);
			else
				enc[o++] = (char)b64[i];
		}
		enc[o] = '\0';
		assert_string_equal(sig, enc);
	}
}

static void verify_sas(const char *password, uint64_t now_s)
{
	verify_sas_lifetime(password, now_s, 3600);
}

static void test_connect_fields_and_publish(void **state)
{
	struct connection_string cs;
	struct mqtt_settings s = { .client_type = "edgesec/9.9" };
	struct fake f = { 0 };
	struct loop *l;
	struct loop_timer *deadline;
	struct spool *sp;
	struct transport *t;
	struct mqtt_stats st;
	struct spool_stats sst;
	struct iothub_topic *topic = calloc(1, sizeof(*topic));
	struct message msg = { .schema = EVENT_SCHEMA_ASC,
			       .priority = EVENT_PRIORITY_HIGH,
			       .body = "{\"x\":1}",
			       .len = 7 };
	uint64_t now_s = time_now_realtime_ns() / NSEC_PER_SEC;
	char url[64];

	(void)state;
	assert_int_equal(loop_new(NULL, NULL, &l), 0);
	fake_start(&f, l);
	assert_int_equal(connection_string_parse(TEST_CS, strlen(TEST_CS), &cs, NULL), 0);
	snprintf(url, sizeof(url), "mqtt://127.0.0.1:%u", f.port);
	assert_int_equal(mqtt_endpoint_parse(url, strlen(url), &s.endpoint), 0);
	mqtt_settings_from_connection_string(&s, &cs);
	assert_int_equal(spool_open_memory(1 << 20, &sp), 0);
	assert_int_equal(mqtt_transport_open(l, &s, sp, &t), 0);
	transport_set_listener(t, &print_listener);
	assert_int_equal(transport_publish(t, &msg), 0); /* spooled before the connection */
	deadline = loop_timer_new(l, on_deadline, NULL);
	loop_timer_arm_in(deadline, 10 * NSEC_PER_SEC);
	while (f.publishes == 0 && loop_timer_deadline(deadline)) {
		struct loop_timer *tick = loop_timer_new(l, on_deadline, NULL);

		loop_timer_arm_in(tick, 50 * NSEC_PER_MSEC);
		loop_run(l); /* returns at every tick; the loop has no "run once" */
		loop_timer_free(tick);
		if (time_now_realtime_ns() / NSEC_PER_SEC > now_s + 10)
			break;
	}
	assert_int_equal(f.connects, 1);
	assert_string_equal(f.client_id, "edge01/secagent");
	assert_string_equal(f.username, "hub.example.net/edge01/secagent/?api-version=2021-04-12"
					"&DeviceClientType=edgesec%2F9.9");
	verify_sas(f.password, now_s);
	assert_int_equal(f.publishes, 1);
	assert_int_equal(f.qos, 1);
	assert_string_equal(f.payload, "{\"x\":1}");
	assert_int_equal(iothub_topic_parse(f.topic, strlen(f.topic), topic), 0);
	assert_int_equal(topic->kind, IOTHUB_TOPIC_TELEMETRY);
	assert_string_equal(topic->device_id, "edge01");
	assert_string_equal(iothub_property_bag_get(&topic->bag, "$.ct"), "application/json");
	assert_string_equal(iothub_property_bag_get(&topic->bag, "$.ce"), "utf-8");
	assert_string_equal(iothub_property_bag_get(&topic->bag, "$.mid"), "1");
	assert_string_equal(iothub_property_bag_get(&topic->bag, "$.ifid"), IOTHUB_IFID_SECURITY);
	assert_non_null(strstr(f.topic, "%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1"));
	/* let the PUBACK arrive */
	for (int i = 0; i < 20; i++) {
		struct loop_timer *tick = loop_timer_new(l, on_deadline, NULL);

		spool_get_stats(sp, &sst);
		if (sst.rows == 0)
			break;
		loop_timer_arm_in(tick, 50 * NSEC_PER_MSEC);
		loop_run(l);
		loop_timer_free(tick);
	}
	spool_get_stats(sp, &sst);
	assert_int_equal(sst.rows, 0);
	assert_int_equal(sst.deleted, 1);
	mqtt_transport_get_stats(t, &st);
	assert_int_equal(st.state, MQTT_STATE_CONNECTED);
	assert_int_equal(st.acked, 1);
	assert_null(strstr(transport_describe(t), "Shared"));
	transport_close(t);
	spool_free(sp);
	fake_stop(&f);
	loop_timer_free(deadline);
	loop_free(l);
	connection_string_wipe(&cs);
	free(topic);
}

/* ---- asynchronous password (the workload-API form) ---- */

struct async_provider {
	struct loop_timer *timer;
	struct sas_key key;
	mqtt_password_done_fn done;
	void *ctx;
	uint64_t expiry;
	unsigned starts;
	bool inside_start;
	unsigned failed_events;
	char last_failure[512];
	struct fake *f;
};

static void provider_answer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct async_provider *p = userdata;
	char token[SAS_TOKEN_MAX];

	(void)l;
	(void)t;
	if (p->starts == 1) { /* the first attempt: the signer is down */
		p->done(p->ctx, -EIO, "test: workload API down");
		return;
	}
	assert_int_equal(sas_token_make(&p->key, "hub.example.net", "edge01", "secagent", p->expiry,
					token, sizeof(token)),
			 0);
	p->done(p->ctx, 0, token);
}

static int provider_start(void *userdata, uint64_t expiry, mqtt_password_done_fn done, void *ctx)
{
	struct async_provider *p = userdata;

	p->starts++;
	p->done = done;
	p->ctx = ctx;
	p->expiry = expiry;
	loop_timer_arm_in(p->timer, 20 * NSEC_PER_MSEC); /* "I/O" on the loop */
	return 0;
}

static void provider_on_event(void *userdata, enum transport_event ev, const char *detail)
{
	struct async_provider *p = userdata;

	if (ev == TRANSPORT_EVENT_CONNECT_FAILED) {
		p->failed_events++;
		snprintf(p->last_failure, sizeof(p->last_failure), "%s", detail);
	}
}

static void until_two_connects(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct async_provider *p = userdata;

	if (p->f->connects >= 2)
		loop_quit(l, 0);
	else
		loop_timer_arm_in(t, 20 * NSEC_PER_MSEC);
}

/*
 * password_start: a failed signature is a failed attempt with the provider's reason and a
 * retry; the transport connects only with the token it was handed; the renewal (2 s token
 * lifetime → at 1.6 s) asks for a new one without blocking and reconnects with it.
 */
static void test_async_password_and_renewal(void **state)
{
	struct async_provider p = { 0 };
	struct mqtt_settings s = {
		.hub_host = "hub.example.net",
		.device_id = "edge01",
		.module_id = "secagent",
		.client_type = "edgesec/9.9",
		.password_start = provider_start,
		.password_userdata = &p,
		.token_lifetime_s = 2,
		.backoff_min_ms = 50,
		.backoff_max_ms = 100,
	};
	struct fake f = { 0 };
	struct loop *l;
	struct loop_timer *check, *deadline;
	struct spool *sp;
	struct transport *t;
	struct mqtt_stats st;
	uint64_t now_s = time_now_realtime_ns() / NSEC_PER_SEC;
	char url[64];

	(void)state;
	assert_int_equal(loop_new(NULL, NULL, &l), 0);
	fake_start(&f, l);
	p.f = &f;
	p.timer = loop_timer_new(l, provider_answer, &p);
	assert_int_equal(sas_key_from_base64(TEST_KEY, strlen(TEST_KEY), &p.key), 0);
	snprintf(url, sizeof(url), "mqtt://127.0.0.1:%u", f.port);
	assert_int_equal(mqtt_endpoint_parse(url, strlen(url), &s.endpoint), 0);
	assert_int_equal(spool_open_memory(1 << 20, &sp), 0);
	assert_int_equal(mqtt_transport_open(l, &s, sp, &t), 0);
	transport_set_listener(
		t, &(struct transport_listener){ .on_event = provider_on_event, .userdata = &p });
	check = loop_timer_new(l, until_two_connects, &p);
	deadline = loop_timer_new(l, on_deadline, NULL);
	loop_timer_arm_in(check, 20 * NSEC_PER_MSEC);
	loop_timer_arm_in(deadline, 10 * NSEC_PER_SEC);
	assert_int_equal(loop_run(l), 0); /* 1: the deadline fired */

	assert_int_equal(f.connects, 2);
	assert_int_equal(p.starts, 3); /* failed, first connect, renewal */
	assert_int_equal(p.failed_events, 1);
	assert_non_null(
		strstr(p.last_failure, "cannot make the SAS token: test: workload API down"));
	assert_string_equal(f.client_id, "edge01/secagent");
	verify_sas_lifetime(f.password, now_s, 2); /* the renewal's token */
	mqtt_transport_get_stats(t, &st);
	assert_int_equal(st.connect_failures, 1);
	assert_int_equal(st.token_renewals, 1);
	assert_int_equal(st.connects, 2);

	loop_timer_free(check);
	loop_timer_free(deadline);
	transport_close(t);
	loop_timer_free(p.timer);
	sas_key_wipe(&p.key);
	spool_free(sp);
	fake_stop(&f);
	loop_free(l);
}

static void test_refused_backs_off(void **state)
{
	struct connection_string cs;
	struct mqtt_settings s = { .backoff_min_ms = 100, .backoff_max_ms = 800 };
	struct fake f = { .connack_rc = 5 };
	struct loop *l;
	struct loop_timer *deadline;
	struct spool *sp;
	struct transport *t;
	struct mqtt_stats st;
	char url[64];

	(void)state;
	assert_int_equal(loop_new(NULL, NULL, &l), 0);
	fake_start(&f, l);
	assert_int_equal(connection_string_parse(TEST_CS, strlen(TEST_CS), &cs, NULL), 0);
	snprintf(url, sizeof(url), "mqtt://127.0.0.1:%u", f.port);
	assert_int_equal(mqtt_endpoint_parse(url, strlen(url), &s.endpoint), 0);
	mqtt_settings_from_connection_string(&s, &cs);
	assert_int_equal(spool_open_memory(1 << 20, &sp), 0);
	assert_int_equal(mqtt_transport_open(l, &s, sp, &t), 0);
	transport_set_listener(t, &print_listener);
	deadline = loop_timer_new(l, on_deadline, NULL);
	loop_timer_arm_in(deadline, 3 * NSEC_PER_SEC);
	loop_run(l);
	mqtt_transport_get_stats(t, &st);
	print_message("attempts in 3 s: %" PRIu64 "\n", st.connect_attempts);
	/* 100, 200, 400, 800, 800 ms (jitter halves at most): 4..10 attempts, never dozens */
	assert_true(st.connect_attempts >= 4 && st.connect_attempts <= 10);
	assert_int_equal(st.connects, 0);
	assert_true(st.connect_attempts - st.connect_failures <= 1); /* one may be under way */
	assert_true(f.connects >= 4);
	for (unsigned i = 2; i < f.connects && i < 64; i++) /* later gaps are longer */
		assert_true(f.accept_ns[i] - f.accept_ns[i - 1] >= 90 * NSEC_PER_MSEC);
	assert_non_null(strstr(transport_last_error(t), "not authorised"));
	transport_close(t);
	spool_free(sp);
	fake_stop(&f);
	loop_timer_free(deadline);
	loop_free(l);
}

/* ---- driver for the integration tests ---- */

struct drive {
	struct loop *loop;
	struct transport *t;
	struct spool *sp;
	struct loop_timer *tick;
	unsigned count, sent, interval_ms, body_size;
	uint64_t deadline;
};

static void drive_tick(struct loop *l, struct loop_timer *timer, void *userdata)
{
	struct drive *d = userdata;
	struct spool_stats sst;

	if (d->sent < d->count) {
		char body[8192];
		int n = snprintf(body, sizeof(body), "{\"seq\":%u,\"pad\":\"", d->sent);
		struct message msg = {
			.schema = d->sent % 2 ? EVENT_SCHEMA_EDGESEC : EVENT_SCHEMA_ASC,
			.priority = d->sent % 3 ? EVENT_PRIORITY_LOW : EVENT_PRIORITY_HIGH,
			.body = body
		};

		while ((unsigned)n < d->body_size && (size_t)n < sizeof(body) - 3)
			body[n++] = 'x';
		n += snprintf(body + n, sizeof(body) - (size_t)n, "\"}");
		msg.len = (size_t)n;
		if (transport_publish(d->t, &msg) == 0)
			d->sent++;
	}
	spool_get_stats(d->sp, &sst);
	if (d->sent == d->count && sst.rows == 0) {
		loop_quit(l, 0);
		return;
	}
	if (time_now_monotonic_ns() >= d->deadline) {
		loop_quit(l, 1);
		return;
	}
	loop_timer_arm_in(timer,
			  (uint64_t)(d->sent < d->count ? d->interval_ms : 50) * NSEC_PER_MSEC);
}

static int usage(void)
{
	fprintf(stderr, "usage: test-mqtt-transport drive --hub URL [--ca-file PEM] "
			"[--state-dir DIR] [--count N] [--interval-ms MS] [--timeout-s S]\n"
			"       [--backoff-min-ms MS] [--backoff-max-ms MS] [--body-size B]\n"
			"The connection string comes from EDGESEC_CONNECTION_STRING.\n");
	return 2;
}

static int drive_main(int argc, char **argv)
{
	struct mqtt_settings s = { .client_type = "edgesec/test", .keepalive_s = 10 };
	struct spool_settings ss = { .max_bytes = 64 << 20 };
	struct drive d = { .count = 10, .interval_ms = 10, .body_size = 64 };
	struct connection_string cs;
	struct connection_string_error cerr = { { 0 } };
	struct spool_error serr = { { 0 } };
	const char *hub = NULL, *env = getenv("EDGESEC_CONNECTION_STRING");
	unsigned timeout_s = 30;
	struct mqtt_stats st;
	struct spool_stats sst;
	int r;

	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		unsigned long n = strtoul(v, NULL, 10);

		if (!strcmp(k, "--hub"))
			hub = v;
		else if (!strcmp(k, "--ca-file"))
			s.ca_file = v;
		else if (!strcmp(k, "--state-dir"))
			ss.dir = v;
		else if (!strcmp(k, "--count"))
			d.count = (unsigned)n;
		else if (!strcmp(k, "--interval-ms"))
			d.interval_ms = (unsigned)n;
		else if (!strcmp(k, "--timeout-s"))
			timeout_s = (unsigned)n;
		else if (!strcmp(k, "--backoff-min-ms"))
			s.backoff_min_ms = (unsigned)n;
		else if (!strcmp(k, "--backoff-max-ms"))
			s.backoff_max_ms = (unsigned)n;
		else if (!strcmp(k, "--body-size"))
			d.body_size = (unsigned)n;
		else
			return usage();
	}
	if (!hub || !env || mqtt_endpoint_parse(hub, strlen(hub), &s.endpoint) < 0)
		return usage();
	if (connection_string_parse(env, strlen(env), &cs, &cerr) < 0) {
		fprintf(stderr, "Failed to parse the connection string: %s\n", cerr.message);
		return 2;
	}
	mqtt_settings_from_connection_string(&s, &cs);
	if (!s.endpoint.tls)
		fprintf(stderr, "warning: plain MQTT without TLS (asked for with mqtt://)\n");
	r = spool_open(&ss, &d.sp, &serr);
	if (r < 0) {
		fprintf(stderr, "Failed to open the spool: %s; carrying on in memory\n",
			serr.message);
		if (spool_open_memory(ss.max_bytes, &d.sp) < 0)
			return 2;
	}
	if (loop_new(NULL, NULL, &d.loop) < 0 || mqtt_transport_open(d.loop, &s, d.sp, &d.t) < 0) {
		fprintf(stderr, "Failed to set up the transport\n");
		return 2;
	}
	transport_set_listener(d.t, &print_listener);
	d.deadline = time_now_monotonic_ns() + timeout_s * NSEC_PER_SEC;
	d.tick = loop_timer_new(d.loop, drive_tick, &d);
	loop_timer_arm_in(d.tick, 1);
	r = loop_run(d.loop);
	mqtt_transport_get_stats(d.t, &st);
	spool_get_stats(d.sp, &sst);
	printf("result=%s\nsent=%u\nconnect_attempts=%" PRIu64 "\nconnects=%" PRIu64
	       "\nconnect_failures=%" PRIu64 "\ndisconnects=%" PRIu64 "\npublished=%" PRIu64
	       "\nacked=%" PRIu64 "\nrequeued=%" PRIu64 "\nspool_rows=%" PRIu64
	       "\nspool_duplicates=%" PRIu64 "\nspool_memory=%d\nlast_error=%s\n",
	       r == 0 ? "ok" : "timeout", d.sent, st.connect_attempts, st.connects,
	       st.connect_failures, st.disconnects, st.published, st.acked, st.requeued, sst.rows,
	       sst.duplicates, sst.memory, transport_last_error(d.t));
	transport_close(d.t);
	loop_timer_free(d.tick);
	loop_free(d.loop);
	spool_free(d.sp);
	connection_string_wipe(&cs);
	return r == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_fields_and_publish),
		cmocka_unit_test(test_refused_backs_off),
		cmocka_unit_test(test_async_password_and_renewal),
	};

	if (argc > 1 && !strcmp(argv[1], "drive"))
		return drive_main(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
