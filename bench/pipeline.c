/* SPDX-License-Identifier: MIT */
/*
 * bench/pipeline: throughput of the event pipeline on one core, without a kernel source.
 *
 * A synthetic replay source builds realistic ProcessCreate and ConnectionCreate events in
 * memory with the same event builder the collectors use, and submits them to the real
 * pipeline (pipeline_new + event_builder_submit, as collectors do) whose publish callback only
 * counts messages and bytes.  A full message is flushed as soon as pipeline_message_ready() says so
 * (as core/ does after every batch of events); everything left is flushed at the end.  The timed
 * part is therefore: event construction + priority filter + aggregation + queues + serialization
 * into size-capped ASC messages.
 *
 * Scenarios (each runs in its own child process, so peak RSS is per scenario):
 *   a  aggregation off: every event is serialized
 *   b  aggregation on, 1% distinct identities (each identity seen ~100 times)
 *   c  aggregation on, every event distinct: the table fills up, then every event bypasses it
 *
 * Usage: pipeline [-n EVENTS] [-s SCENARIOS]   (default -n 2000000 -s abc)
 * Prints figures only; it never fails on speed.  Exit 1 only if an event is unaccounted for
 * (every event must be serialized, absorbed into an aggregate, or counted as dropped).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/array.h"
#include "common/buf.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "pipeline/event.h"
#include "pipeline/pipeline.h"

#define TARGET_EVENTS_PER_SEC 1000000.0
#define AGENT_ID "00000000-0000-4000-8000-00000000be9c"

struct counts {
	uint64_t messages, bytes, events;
};

struct scenario {
	char key;
	const char *title;
	bool aggregation;
	unsigned distinct_per_mille; /* identities per 1000 events; 1000 = all distinct */
	bool raise_limits;	     /* room for every identity in the aggregation table */
};

static const struct scenario scenarios[] = {
	{ 'a', "aggregation off, all events serialized", false, 1000, false },
	{ 'b', "aggregation on, 1% distinct identities", true, 10, true },
	{ 'c', "aggregation on, all events distinct (table full, bypass)", true, 1000, false },
};

/* ---- the synthetic source ---- */

static const char *const executables[] = {
	"/usr/bin/python3.11",
	"/usr/sbin/nginx",
	"/bin/sh",
	"/usr/bin/curl",
	"/usr/local/bin/app",
	"/usr/bin/logrotate",
	"/usr/bin/find",
	"/usr/lib/systemd/systemd-udevd",
};
#define N_EXE ARRAY_SIZE(executables)

static const char *const arguments[] = {
	"--config /etc/edge/modules/telemetry.json --log-level info --metrics-port 9600",
	"-g daemon off; -c /etc/nginx/nginx.conf",
	"-c 'tar -czf /var/backups/app-$(date +%F).tar.gz /var/lib/app/data && sync'",
	"-fsS --retry 3 --max-time 10 -H 'Accept: application/json' https://127.0.0.1:8443/health",
	"--worker 4 --queue-dir /var/spool/app --batch-size 512 --flush-interval 5s --compress",
	"/etc/logrotate.conf --state /var/lib/logrotate/status",
	"/var/log -xdev -type f -name '*.gz' -mtime +14 -delete -print",
	"--daemon --resolve-names=early --children-max=8 --exec-delay=0 --event-timeout=180",
};

static const char *const users[][2] = {
	{ "0", "root" },
	{ "1000", "edge" },
	{ "33", "www-data" },
	{ "998", "iotedge" },
};

static const char *const remotes[] = {
	"127.0.0.1", "::1", "127.0.0.53", "fe80::1c2d:3eff:fe4f:5a6b", "127.10.20.30",
};

struct source {
	struct event_builder b;
	uint64_t distinct; /* identities in the stream; each event picks one */
	uint64_t rng;
	char cmd[256];
};

static uint64_t next_random(struct source *s)
{
	/* xorshift64*: cheap, deterministic */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1Dull;
}

/* CommandLine of 60-200 bytes that is unique to identity `id`. */
static size_t make_cmdline(struct source *s, const char *exe, uint64_t id)
{
	const char *args = arguments[id % N_EXE];
	size_t n = 0, l = strlen(exe), al = strlen(args);
	char num[20];
	size_t nl = fmt_u64(num, id);

	memcpy(s->cmd, exe, l);
	n = l;
	s->cmd[n++] = ' ';
	memcpy(s->cmd + n, args, al);
	n += al;
	memcpy(s->cmd + n, " --instance=", 12);
	n += 12;
	memcpy(s->cmd + n, num, nl);
	n += nl;
	/* Some identities get a longer tail, so lengths spread over 60-200 bytes. */
	if (id % 3 == 0) {
		static const char tail[] =
			" --extra-args=/opt/vendor/share/plugins/enabled.d/*.conf";

		memcpy(s->cmd + n, tail, sizeof(tail) - 1);
		n += sizeof(tail) - 1;
	}
	return n;
}

static int make_process_create(struct source *s, uint64_t id, uint64_t seq, uint64_t now,
			       struct event_sink *sink)
{
	const char *exe = executables[id % N_EXE];
	const char *const *u = users[id % 4];
	size_t n = make_cmdline(s, exe, id);

	event_builder_begin(&s->b, EVENT_PROCESS_CREATE, now);
	event_builder_item(&s->b);
	event_add_cstr(&s->b, PC_EXECUTABLE, exe);
	event_add_int(&s->b, PC_PROCESS_ID, (int64_t)(1000 + seq % 4000000));
	event_add_int(&s->b, PC_PARENT_PROCESS_ID, (int64_t)(1 + id % 900));
	event_add_cstr(&s->b, PC_USER_ID, u[0]);
	event_add_cstr(&s->b, PC_USER_NAME, u[1]);
	event_add_str(&s->b, PC_COMMAND_LINE, s->cmd, n);
	event_add_extra_cstr(&s->b, "Cwd", id & 1 ? "/var/lib/app" : "/");
	event_add_extra_cstr(&s->b, "ParentExecutable", "/usr/bin/bash");
	return event_builder_submit(&s->b, sink);
}

static int make_connection_create(struct source *s, uint64_t id, uint64_t seq, uint64_t now,
				  struct event_sink *sink)
{
	const char *exe = executables[id % N_EXE];
	char port[20];
	size_t n = make_cmdline(s, exe, id);

	event_builder_begin(&s->b, EVENT_CONNECTION_CREATE, now);
	event_builder_item(&s->b);
	event_add_cstr(&s->b, CC_REMOTE_ADDRESS, remotes[id % 5]);
	event_add_str(&s->b, CC_REMOTE_PORT, port, fmt_u64(port, 1 + id % 65535));
	event_add_cstr(&s->b, CC_LOCAL_ADDRESS, "127.0.0.1");
	/* the ephemeral port changes every time: not part of the identity ("Out") */
	event_add_str(&s->b, CC_LOCAL_PORT, port, fmt_u64(port, 32768 + seq % 28000));
	event_add_cstr(&s->b, CC_DIRECTION, "Out");
	event_add_cstr(&s->b, CC_PROTOCOL, "tcp");
	event_add_int(&s->b, CC_PROCESS_ID, (int64_t)(1000 + seq % 4000000));
	event_add_cstr(&s->b, CC_USER_ID, users[id % 4][0]);
	event_add_cstr(&s->b, CC_EXECUTABLE, exe);
	event_add_str(&s->b, CC_COMMAND_LINE, s->cmd, n);
	event_add_extra_cstr(&s->b, "ContainerName", "telemetry");
	return event_builder_submit(&s->b, sink);
}

/*
 * Builds the seq-th event of the stream and submits it as the collectors do
 * (event_builder_submit): 2 of 3 are ProcessCreate, 1 of 3 ConnectionCreate.
 */
static int source_next(struct source *s, uint64_t seq, uint64_t now, struct event_sink *sink)
{
	uint64_t id = s->distinct ? next_random(s) % s->distinct : seq;

	if (id % 3 == 2)
		return make_connection_create(s, id, seq, now, sink);
	return make_process_create(s, id, seq, now, sink);
}

/* ---- measuring ---- */

static int count_message(void *userdata, const struct message *m)
{
	struct counts *c = userdata;

	c->messages++;
	c->bytes += m->len;
	c->events += m->n_events;
	return 0;
}

static double seconds_since(const struct timespec *t0, clockid_t clock)
{
	struct timespec t1;

	clock_gettime(clock, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void settings_for(const struct scenario *sc, struct pipeline_settings *s)
{
	struct config c;

	/* The agent's defaults (as core/agent.c maps them), then the scenario's changes. */
	config_init_defaults(&c);
	memset(s, 0, sizeof(*s));
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		s->priority[t] = c.event_priority[t];
		s->aggregation_enabled[t] = sc->aggregation && c.aggregation_enabled[t];
		s->aggregation_interval_ms[t] = c.aggregation_interval_ms[t];
	}
	s->cache_budget_bytes = (size_t)c.max_local_cache_size;
	s->max_message_bytes = (size_t)c.max_message_size;
	s->aggregation_max_entries = (size_t)c.aggregation_max_entries;
	s->aggregation_max_bytes = (size_t)c.aggregation_max_bytes;
	if (sc->raise_limits) {
		/* the largest values the configuration accepts */
		s->aggregation_max_entries = 1000000;
		s->aggregation_max_bytes = 256u << 20;
	}
	config_done(&c);
}

static int run_scenario(const struct scenario *sc, uint64_t n)
{
	struct pipeline_settings set;
	struct counts out = { 0 };
	struct source src = { .rng = 0x9E3779B97F4A7C15ull };
	struct pipeline_stats st;
	struct pipeline *pl;
	struct event_sink *sink;
	struct timespec t0, c0;
	struct rusage ru;
	uint64_t failed = 0, lost;
	double secs, cpu, eps;

	settings_for(sc, &set);
	pl = pipeline_new(AGENT_ID, "bench", &set, count_message, &out);
	if (!pl) {
		fprintf(stderr, "pipeline_new failed\n");
		return 1;
	}
	event_builder_init(&src.b);
	src.distinct = sc->distinct_per_mille >= 1000 ? 0 : n * sc->distinct_per_mille / 1000;
	sink = pipeline_sink(pl);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	uint64_t now = time_now_realtime_ns();
	for (uint64_t i = 0; i < n; i++) {
		if ((i & 1023) == 0)
			now = time_now_realtime_ns();
		if (source_next(&src, i, now, sink) < 0) {
			failed++;
			continue;
		}
		if (pipeline_message_ready(pl, EVENT_PRIORITY_LOW))
			pipeline_flush(pl, EVENT_PRIORITY_LOW);
		if (pipeline_message_ready(pl, EVENT_PRIORITY_HIGH))
			pipeline_flush(pl, EVENT_PRIORITY_HIGH);
	}
	pipeline_flush_all(pl); /* closes the aggregation window and sends what is left */
	secs = seconds_since(&t0, CLOCK_MONOTONIC);
	cpu = seconds_since(&c0, CLOCK_PROCESS_CPUTIME_ID);

	pipeline_get_stats(pl, &st);
	getrusage(RUSAGE_SELF, &ru);
	eps = (double)n / secs;
	lost = st.high.dropped + st.low.dropped + st.messages.oversize_dropped + st.messages.failed;

	printf("(%c) %s\n", sc->key, sc->title);
	printf("    events in          %" PRIu64 " (%" PRIu64 " distinct identities%s)\n", n,
	       src.distinct ? src.distinct : n,
	       sc->raise_limits ? "; aggregationMaxEntries=1000000, aggregationMaxBytes=256MiB"
				: "; default limits");
	printf("    events/s           %.0f   (%.1f ns/event, wall clock, one core)\n", eps,
	       secs * 1e9 / (double)n);
	printf("    vs target 1M/s     %.2fx\n", eps / TARGET_EVENTS_PER_SEC);
	/* What one core does when it is ours: wall clock on a shared machine counts the time
	 * other processes had the core. */
	printf("    events/CPU-second  %.0f   (%.1f ns CPU/event; %.2fx the target)\n",
	       (double)n / cpu, cpu * 1e9 / (double)n, (double)n / cpu / TARGET_EVENTS_PER_SEC);
	printf("    CPU user+sys       %.2f s of %.2f s wall\n",
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
	       secs);
	printf("    events out         %" PRIu64 " in %" PRIu64 " messages (%.0f bytes/message)\n",
	       out.events, out.messages, out.messages ? (double)out.bytes / out.messages : 0.0);
	printf("    output bytes/event %.1f per input event (%" PRIu64 " bytes in all)\n",
	       (double)out.bytes / (double)n, out.bytes);
	printf("    aggregation        absorbed %" PRIu64 ", entries emitted %" PRIu64
	       ", bypassed %" PRIu64 "\n",
	       st.aggregation.absorbed, st.aggregation.entries_emitted, st.aggregation.bypassed);
	printf("    dropped            %" PRIu64 " (queues %" PRIu64 ", too large %" PRIu64
	       ", build failures %" PRIu64 ")\n",
	       lost + failed, st.high.dropped + st.low.dropped, st.messages.oversize_dropped,
	       failed);
	printf("    peak RSS           %ld KiB\n", ru.ru_maxrss);
	if (lost)
		printf("    note: the queues dropped events (counted, lowest priority oldest "
		       "first): "
		       "see bench/README.md\n");
	fflush(stdout);

	event_builder_done(&src.b);
	pipeline_free(pl);
	/* Every event in must be accounted for: serialized, absorbed into an aggregate, or counted.
	 */
	if (out.events + st.aggregation.absorbed + lost + failed != n) {
		fprintf(stderr, "pipeline: %" PRIu64 " events unaccounted for\n",
			n - (out.events + st.aggregation.absorbed + lost + failed));
		return 1;
	}
	return 0;
}

static int run_child(const struct scenario *sc, uint64_t n)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(run_scenario(sc, n));
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "scenario %c failed (status %d)\n", sc->key, status);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *which = "abc";
	uint64_t n = 2000000;
	int c, bad = 0;

	while ((c = getopt(argc, argv, "n:s:h")) >= 0) {
		switch (c) {
		case 'n': {
			char *end;

			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || *end || n == 0) {
				fprintf(stderr, "pipeline: -n needs a positive number\n");
				return 2;
			}
			break;
		}
		case 's':
			which = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n EVENTS] [-s abc]\n", argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	printf("bench/pipeline: %" PRIu64 " synthetic events per scenario "
	       "(2/3 ProcessCreate, 1/3 ConnectionCreate); target %.0f events/s\n",
	       n, TARGET_EVENTS_PER_SEC);
	printf("\n");
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (strchr(which, scenarios[i].key))
			bad |= run_child(&scenarios[i], n);
	return bad;
}
