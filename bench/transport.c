/* SPDX-License-Identifier: MIT */
/*
 * bench/transport: the publisher side of bench/transport.sh.
 *
 * Synthetic ProcessCreate / ConnectionCreate events go through the real pipeline (agent
 * defaults, aggregation off, maxMessageSizeInBytes = --message-bytes, 4096 by default), whose
 * publish callback is the real MQTT transport: every message is written to the SQLite spool
 * (WAL, synchronous=NORMAL unless --sync full), sent with QoS 1 over TLS by libmosquitto on
 * our loop, and deleted from the spool on its PUBACK.  With --fixed 1 the pipeline is left
 * out and every body is exactly --message-bytes bytes (the unit the target is in).
 *
 * Production starts at the first CONNACK (the TLS handshake is not timed) and is held back
 * while the spool holds --backlog entries or more (unsent + in flight), so the figure is the
 * sustained rate of the whole path, not how fast the spool can absorb a burst.  The run ends
 * when --messages messages were built and the spool is empty (every one PUBACKed), or at
 * --timeout-s.
 *
 * Prints key=value lines (bench/transport.sh formats them):
 *   t0_realtime          CLOCK_REALTIME (s) of the first event, for end-to-end figures
 *   seconds              first event → last PUBACK
 *   messages, events, bytes, bytes_min, bytes_max
 *   write_bytes, cancelled_write_bytes   /proc/self/io deltas over the timed part
 *   wchar                all write() bytes of the process (spool files + TLS socket)
 *   tcp_bytes            TCP bytes of the MQTT connection acknowledged by the broker (TLS
 *                        handshake included): wchar - tcp_bytes = write()s to the spool files
 *   spool_commits        SQLite transactions the spool wrote (its batching at work)
 *   spool_file_growth    size of spool.db + spool.db-wal at the end minus at the start
 *   vm_hwm_kib, vm_rss_kib, cpu_user, cpu_sys (s)
 * Exit 0 when every message was acknowledged, 1 on timeout or SIGINT/SIGTERM, 2 on a setup
 * error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/array.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "pipeline/event.h"
#include "pipeline/pipeline.h"
#include "spool/spool.h"
#include "transport/mqtt/mqtt.h"

#define AGENT_ID "00000000-0000-4000-8000-0000000b3e7c"
#define BENCH_CS                                                                                   \
	"HostName=hub.example.net;DeviceId=edge01;ModuleId=secagent;"                              \
	"SharedAccessKey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

struct bench {
	struct loop *loop;
	struct transport *t;
	struct spool *sp;
	struct pipeline *pl;
	struct event_builder b;
	struct loop_timer *tick, *deadline;
	const char *state_dir;
	uint64_t want_messages, backlog;
	uint64_t seq, rng;
	bool connected, producing, tail_flushed;
	size_t fixed_bytes; /* > 0: bodies of exactly this size, published without the pipeline */
	uint64_t t0_ns, t_end_ns;
	double t0_realtime;
	/* what the pipeline handed to the transport */
	uint64_t messages, events, bytes, bytes_min, bytes_max, publish_failures;
	uint64_t disconnects;
	char cmd[320];
};

/* ---- synthetic events (same shape as bench/pipeline's) ---- */

static const char *const exes[] = {
	"/usr/bin/python3.11", "/usr/sbin/nginx",    "/bin/sh",
	"/usr/bin/curl",       "/usr/local/bin/app", "/usr/bin/find",
};
#define N_EXES ARRAY_SIZE(exes)

static uint64_t rnd(struct bench *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

static struct event *next_event(struct bench *b, uint64_t now)
{
	uint64_t r = rnd(b), seq = b->seq++;
	const char *exe = exes[r % N_EXES];
	/* command lines of 60-200 bytes */
	int n = snprintf(b->cmd, sizeof(b->cmd),
			 "%s --config /etc/edge/modules/m%" PRIu64 ".json --instance=%" PRIu64 "%s",
			 exe, r % 97, seq,
			 r % 3 ? "" : " --extra=/opt/vendor/share/plugins/enabled.d/*.conf --v");
	struct event *e = NULL;

	if (seq % 3 == 2) {
		char port[24];

		event_builder_begin(&b->b, EVENT_CONNECTION_CREATE, now);
		event_builder_item(&b->b);
		event_add_cstr(&b->b, CC_REMOTE_ADDRESS, "127.0.0.1");
		snprintf(port, sizeof(port), "%" PRIu64, 1 + r % 65535);
		event_add_cstr(&b->b, CC_REMOTE_PORT, port);
		event_add_cstr(&b->b, CC_LOCAL_ADDRESS, "127.0.0.1");
		snprintf(port, sizeof(port), "%" PRIu64, 32768 + seq % 28000);
		event_add_cstr(&b->b, CC_LOCAL_PORT, port);
		event_add_cstr(&b->b, CC_DIRECTION, "Out");
		event_add_cstr(&b->b, CC_PROTOCOL, "tcp");
		event_add_int(&b->b, CC_PROCESS_ID, (int64_t)(1000 + seq % 4000000));
		event_add_cstr(&b->b, CC_USER_ID, "1000");
		event_add_cstr(&b->b, CC_EXECUTABLE, exe);
		event_add_str(&b->b, CC_COMMAND_LINE, b->cmd, (size_t)n);
		event_add_extra_cstr(&b->b, "ContainerName", "telemetry");
	} else {
		event_builder_begin(&b->b, EVENT_PROCESS_CREATE, now);
		event_builder_item(&b->b);
		event_add_cstr(&b->b, PC_EXECUTABLE, exe);
		event_add_int(&b->b, PC_PROCESS_ID, (int64_t)(1000 + seq % 4000000));
		event_add_int(&b->b, PC_PARENT_PROCESS_ID, (int64_t)(1 + r % 900));
		event_add_cstr(&b->b, PC_USER_ID, "0");
		event_add_cstr(&b->b, PC_USER_NAME, "root");
		event_add_str(&b->b, PC_COMMAND_LINE, b->cmd, (size_t)n);
		event_add_extra_cstr(&b->b, "Cwd", "/var/lib/app");
		event_add_extra_cstr(&b->b, "ParentExecutable", "/usr/bin/bash");
	}
	if (event_builder_finish(&b->b, &e) < 0)
		return NULL;
	return e;
}

/* ---- the pipeline's publish callback: the real transport ---- */

static int publish(void *userdata, const struct message *m)
{
	struct bench *b = userdata;
	int r = transport_publish(b->t, m);

	if (r < 0) {
		b->publish_failures++;
		return r;
	}
	b->messages++;
	b->events += m->n_events;
	b->bytes += m->len;
	if (!b->bytes_min || m->len < b->bytes_min)
		b->bytes_min = m->len;
	if (m->len > b->bytes_max)
		b->bytes_max = m->len;
	return 0;
}

/* {"seq":N,"Events":[],"pad":"xxx…"} of exactly fixed_bytes bytes */
static void publish_fixed(struct bench *b)
{
	static char body[1 << 20];
	struct message m = { .schema = EVENT_SCHEMA_ASC,
			     .priority = EVENT_PRIORITY_LOW,
			     .body = body };
	int n = snprintf(body, sizeof(body), "{\"seq\":%" PRIu64 ",\"Events\":[],\"pad\":\"",
			 b->seq++);

	while ((size_t)n + 2 < b->fixed_bytes)
		body[n++] = 'x';
	body[n++] = '"';
	body[n++] = '}';
	m.len = (size_t)n;
	publish(b, &m);
}

static void on_mqtt_event(void *userdata, enum transport_event ev, const char *detail)
{
	struct bench *b = userdata;

	if (ev == TRANSPORT_EVENT_LOG)
		return;
	if (ev == TRANSPORT_EVENT_CONNECTED)
		b->connected = true;
	else if (ev == TRANSPORT_EVENT_DISCONNECTED) {
		b->connected = false;
		b->disconnects++;
	}
	if (ev != TRANSPORT_EVENT_CONNECTING)
		fprintf(stderr, "mqtt: %s: %s\n", transport_event_to_string(ev), detail);
}

static void on_tick(struct loop *l, struct loop_timer *timer, void *userdata)
{
	struct bench *b = userdata;
	struct spool_stats sst;
	uint64_t now = time_now_realtime_ns();

	spool_get_stats(b->sp, &sst);
	if (b->connected && !b->producing && !b->tail_flushed) {
		b->producing = true;
		b->t0_ns = time_now_monotonic_ns();
		b->t0_realtime = (double)now / 1e9;
	}
	if (b->producing) {
		/* fixed-size bodies straight to the transport (what the target is stated in) */
		while (b->fixed_bytes && b->messages < b->want_messages && sst.rows < b->backlog) {
			publish_fixed(b);
			spool_get_stats(b->sp, &sst);
		}
		/* build events until the spool holds `backlog` entries or enough messages exist */
		while (b->messages < b->want_messages && sst.rows < b->backlog) {
			struct event *e = next_event(b, now);
			uint64_t before = b->messages;

			if (e)
				event_sink_submit(pipeline_sink(b->pl), e);
			if (b->messages != before)
				spool_get_stats(b->sp, &sst);
		}
		if (b->messages >= b->want_messages) {
			pipeline_flush_all(b->pl); /* the partial last message, if any */
			b->producing = false;
			b->tail_flushed = true;
			spool_get_stats(b->sp, &sst);
		}
	}
	if (b->tail_flushed && sst.rows == 0) {
		b->t_end_ns = time_now_monotonic_ns();
		loop_quit(l, 0);
		return;
	}
	/* backlog full or waiting for PUBACKs: look again in 1 ms (acks arrive on the socket) */
	loop_timer_arm_in(timer, b->producing && sst.rows < b->backlog ? 1 : NSEC_PER_MSEC);
}

static void on_deadline(struct loop *l, struct loop_timer *t, void *userdata)
{
	(void)t;
	(void)userdata;
	loop_quit(l, 1);
}

static void on_signal(struct loop *l, int signo, void *userdata)
{
	(void)signo;
	(void)userdata;
	loop_quit(l, 3); /* SIGINT / SIGTERM: stop, print what was done */
}

/* ---- /proc figures ---- */

struct io {
	uint64_t wchar, write_bytes, cancelled;
};

static void read_io(struct io *io)
{
	FILE *f = fopen("/proc/self/io", "re");
	char key[64];
	unsigned long long v;

	memset(io, 0, sizeof(*io));
	if (!f)
		return;
	while (fscanf(f, "%63[^:]: %llu\n", key, &v) == 2) {
		if (!strcmp(key, "wchar"))
			io->wchar = v;
		else if (!strcmp(key, "write_bytes"))
			io->write_bytes = v;
		else if (!strcmp(key, "cancelled_write_bytes"))
			io->cancelled = v;
	}
	fclose(f);
}

/* Bytes the broker acknowledged on our TCP sockets (the MQTT connection, TLS included). */
static uint64_t tcp_bytes_acked(void)
{
	uint64_t sum = 0;

	for (int fd = 3; fd < 1024; fd++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		memset(&ti, 0, sizeof(ti));
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    len >= offsetof(struct tcp_info, tcpi_bytes_acked) +
				    sizeof(ti.tcpi_bytes_acked))
			sum += ti.tcpi_bytes_acked;
	}
	return sum;
}

static long status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t n = strlen(field);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static uint64_t spool_file_bytes(const char *dir)
{
	static const char *const names[] = { SPOOL_FILE_NAME, SPOOL_FILE_NAME "-wal" };
	uint64_t sum = 0;
	char path[4096];
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0)
			sum += (uint64_t)st.st_size;
	}
	return sum;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: transport --hub mqtts://HOST:PORT --ca-file PEM --state-dir DIR\n"
		"       [--messages N (10000)] [--message-bytes B (4096)] [--backlog K (512)]\n"
		"       [--timeout-s S (120)] [--sync normal|full] [--fixed 0|1]\n"
		"       [--inflight N (0 = the transport's default, 16)]\n"
		"--fixed 1: bodies of exactly --message-bytes bytes, without the pipeline.\n"
		"Identity from EDGESEC_CONNECTION_STRING (a fixed test one otherwise).\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct bench b = { .want_messages = 10000, .backlog = 512, .rng = 0x9E3779B97F4A7C15ull };
	struct mqtt_settings ms = { .client_type = "edgesec/bench" };
	struct spool_settings ss = { .max_bytes = 256u << 20 };
	struct spool_error serr = { { 0 } };
	struct connection_string cs;
	struct connection_string_error cerr = { { 0 } };
	struct pipeline_settings ps;
	struct config c;
	struct io io0, io1;
	struct rusage ru;
	struct mqtt_stats mst;
	struct spool_stats sst;
	const char *hub = NULL, *env = getenv("EDGESEC_CONNECTION_STRING");
	unsigned long message_bytes = 4096, timeout_s = 120;
	uint64_t file0, file1, tcp_sent;
	double secs;
	int r;

	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return usage();
		if (!strcmp(k, "--hub"))
			hub = v;
		else if (!strcmp(k, "--ca-file"))
			ms.ca_file = v;
		else if (!strcmp(k, "--state-dir"))
			b.state_dir = ss.dir = v;
		else if (!strcmp(k, "--messages"))
			b.want_messages = strtoull(v, NULL, 10);
		else if (!strcmp(k, "--message-bytes"))
			message_bytes = strtoul(v, NULL, 10);
		else if (!strcmp(k, "--fixed"))
			b.fixed_bytes = strcmp(v, "0") != 0;
		else if (!strcmp(k, "--inflight"))
			ms.inflight_max = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "--backlog"))
			b.backlog = strtoull(v, NULL, 10);
		else if (!strcmp(k, "--timeout-s"))
			timeout_s = strtoul(v, NULL, 10);
		else if (!strcmp(k, "--sync"))
			ss.sync = !strcmp(v, "full") ? SPOOL_SYNC_FULL : SPOOL_SYNC_NORMAL;
		else
			return usage();
	}
	if (!hub || !b.state_dir || !b.want_messages || !b.backlog ||
	    message_bytes < MESSAGE_SIZE_MIN ||
	    mqtt_endpoint_parse(hub, strlen(hub), &ms.endpoint) < 0)
		return usage();
	if (b.fixed_bytes)
		b.fixed_bytes = message_bytes;
	if (b.fixed_bytes > (1u << 20) - 64)
		return usage();
	if (!env)
		env = BENCH_CS;
	if (connection_string_parse(env, strlen(env), &cs, &cerr) < 0) {
		fprintf(stderr, "transport: bad connection string: %s\n", cerr.message);
		return 2;
	}
	mqtt_settings_from_connection_string(&ms, &cs);

	r = spool_open(&ss, &b.sp, &serr);
	if (r < 0) {
		fprintf(stderr, "transport: cannot open the spool in %s: %s\n", ss.dir,
			serr.message);
		return 2;
	}
	/* the agent's defaults (as core/agent.c maps them), aggregation off */
	config_init_defaults(&c);
	memset(&ps, 0, sizeof(ps));
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		ps.priority[t] = c.event_priority[t];
		ps.aggregation_enabled[t] = false;
		ps.aggregation_interval_ms[t] = c.aggregation_interval_ms[t];
	}
	ps.cache_budget_bytes = (size_t)c.max_local_cache_size;
	ps.max_message_bytes = message_bytes;
	ps.aggregation_max_entries = (size_t)c.aggregation_max_entries;
	ps.aggregation_max_bytes = (size_t)c.aggregation_max_bytes;
	config_done(&c);

	if (loop_new(on_signal, NULL, &b.loop) < 0 ||
	    mqtt_transport_open(b.loop, &ms, b.sp, &b.t) < 0) {
		fprintf(stderr, "transport: cannot set up the loop / MQTT transport\n");
		return 2;
	}
	transport_set_listener(
		b.t, &(struct transport_listener){ .on_event = on_mqtt_event, .userdata = &b });
	b.pl = pipeline_new(AGENT_ID, "bench", &ps, publish, &b);
	if (!b.pl) {
		fprintf(stderr, "transport: pipeline_new failed\n");
		return 2;
	}
	event_builder_init(&b.b);
	b.tick = loop_timer_new(b.loop, on_tick, &b);
	b.deadline = loop_timer_new(b.loop, on_deadline, &b);
	loop_timer_arm_in(b.tick, 1);
	loop_timer_arm_in(b.deadline, (uint64_t)timeout_s * NSEC_PER_SEC);

	file0 = spool_file_bytes(b.state_dir);
	read_io(&io0);
	r = loop_run(b.loop);
	read_io(&io1);
	tcp_sent = tcp_bytes_acked(); /* before transport_close: the connection is still up */
	file1 = spool_file_bytes(b.state_dir);
	if (!b.t_end_ns)
		b.t_end_ns = time_now_monotonic_ns();
	secs = b.t0_ns ? (double)(b.t_end_ns - b.t0_ns) / 1e9 : 0.0;

	mqtt_transport_get_stats(b.t, &mst);
	spool_get_stats(b.sp, &sst);
	printf("result=%s\n", r == 0 ? "ok" : r == 3 ? "interrupted" : "timeout");
	printf("t0_realtime=%.6f\nseconds=%.6f\n", b.t0_realtime, secs);
	printf("messages=%" PRIu64 "\nevents=%" PRIu64 "\nbytes=%" PRIu64 "\nbytes_min=%" PRIu64
	       "\nbytes_max=%" PRIu64 "\npublish_failures=%" PRIu64 "\n",
	       b.messages, b.events, b.bytes, b.bytes_min, b.bytes_max, b.publish_failures);
	printf("published=%" PRIu64 "\nacked=%" PRIu64 "\nconnects=%" PRIu64
	       "\ndisconnects=%" PRIu64 "\nspool_rows=%" PRIu64 "\nspool_duplicates=%" PRIu64
	       "\nspool_evicted=%" PRIu64 "\nspool_memory=%d\n",
	       mst.published, mst.acked, mst.connects, b.disconnects, sst.rows, sst.duplicates,
	       sst.evicted_low + sst.evicted_high, sst.memory);
	printf("spool_commits=%" PRIu64 "\nspool_checkpoints=%" PRIu64 "\n", sst.commits,
	       sst.checkpoints);
	printf("write_bytes=%" PRIu64 "\ncancelled_write_bytes=%" PRIu64 "\nwchar=%" PRIu64
	       "\ntcp_bytes=%" PRIu64 "\n",
	       io1.write_bytes - io0.write_bytes, io1.cancelled - io0.cancelled,
	       io1.wchar - io0.wchar, tcp_sent);
	printf("spool_file_growth=%" PRId64 "\nspool_file_bytes=%" PRIu64 "\n",
	       (int64_t)(file1 - file0), file1);
	printf("vm_hwm_kib=%ld\nvm_rss_kib=%ld\n", status_kib("VmHWM"), status_kib("VmRSS"));
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_user=%.3f\ncpu_sys=%.3f\n",
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	printf("last_error=%s\n", transport_last_error(b.t));
	fflush(stdout);

	transport_close(b.t);
	pipeline_free(b.pl);
	event_builder_done(&b.b);
	loop_timer_free(b.tick);
	loop_timer_free(b.deadline);
	loop_free(b.loop);
	spool_free(b.sp);
	connection_string_wipe(&cs);
	return r == 0 ? 0 : 1;
}
