/* SPDX-License-Identifier: MIT */
/*
 * bench/rules: the detection engine on one core (figures only, never pass/fail on speed).
 *
 * 1. Events per second through the engine (detect_engine_observe, the observer's whole cost)
 *    for a realistic mix of events, side by side in one run: no rules, the shipped rules, and
 *    the shipped rules plus 500 synthetic rules.  The mix: 70% ProcessCreate (typical system
 *    command lines with ExtraDetails Cwd, ParentExecutable, Stdin/Stdout, and a container for
 *    some), 20% ConnectionCreate, 10% Login; none of them fires a rule (the no-match path is
 *    what a busy device pays for).  Best of 5 rounds, CPU ns per event (thread CPU time).
 * 2. Memory under a flood of distinct keys: 1,000,000 failed logins from distinct addresses
 *    into the shipped brute-force rules with the default state cap; heap in use, entries,
 *    evictions.
 * 3. The cost of an alert: a flood of exec events that all fire exec-temp-dir with distinct
 *    keys (rate-limited) and with one key (folded into repeats).
 * End-to-end latency (exec → Alert line) is measured by bench/rules-latency.sh.
 *
 * Usage: rules [-n EVENTS] [-s SECTIONS] [-r SETS]   (default -n 200000 -s 123 -r 012: the
 *        sections above, and for section 1 the rule sets 0 none, 1 shipped, 2 + synthetic)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/timeutil.h"
#include "detect/detect.h"

#define EVENTS_DEFAULT 200000u
#define MIX 64 /* distinct prepared events, cycled */
#define SYNTHETIC_RULES 500

static const char *const commands[] = {
	"/usr/bin/ls -la /var/lib/apt/lists",
	"/bin/sh -c run-parts --report /etc/cron.hourly",
	"/usr/bin/python3 /usr/bin/unattended-upgrade --dry-run",
	"/usr/sbin/sshd -D -R",
	"/usr/bin/systemctl is-active --quiet nginx.service",
	"/usr/bin/grep -E ^(root|admin): /etc/group",
	"/usr/bin/dpkg --compare-versions 1.2.3 lt 1.2.4",
	"/usr/bin/git rev-parse --show-toplevel",
	"/usr/bin/cc -O2 -c src/detect/detect.c -o build/detect.o",
	"/usr/local/bin/edge-module --config /etc/module/config.json --port 5000",
};

static void discard(struct event_sink *sink, struct event *e)
{
	(void)sink;
	event_free(e);
}

/* CPU time of this thread: on a shared machine wall time mostly measures the neighbours. */
static double ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct event *make_exec(struct event_builder *b, unsigned i, uint64_t time_ns,
			       const char *exe, const char *cmd)
{
	struct event *e = NULL;

	event_builder_begin(b, EVENT_PROCESS_CREATE, time_ns);
	event_builder_item(b);
	event_add_cstr(b, PC_EXECUTABLE, exe);
	event_add_int(b, PC_PROCESS_ID, 1000 + i);
	event_add_int(b, PC_PARENT_PROCESS_ID, 999);
	event_add_cstr(b, PC_USER_ID, i % 3 ? "0" : "1000");
	event_add_cstr(b, PC_USER_NAME, i % 3 ? "root" : "pi");
	event_add_cstr(b, PC_COMMAND_LINE, cmd);
	event_add_extra_cstr(b, "Cwd", "/home/pi/project");
	event_add_extra_cstr(b, "ParentExecutable", "/bin/bash");
	event_add_extra_cstr(b, "ParentCommandLine", "-bash");
	event_add_extra_cstr(b, "Stdin", "tty");
	event_add_extra_cstr(b, "Stdout", i % 2 ? "pipe" : "tty");
	event_add_extra_cstr(b, "Stderr", "tty");
	if (i % 4 == 0) {
		event_add_extra_cstr(b, "ContainerId",
				     "4f1c0e5d9a8b7c6d5e4f3a2b1c0d9e8f"
				     "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d");
		event_add_extra_cstr(b, "ContainerRuntime", "docker");
		event_add_extra_cstr(b, "ContainerName", "tempSensor");
		event_add_extra_cstr(b, "IotEdgeModule", "tempSensor");
	}
	(void)event_builder_finish(b, &e);
	return e;
}

static struct event *make_event(struct event_builder *b, unsigned i)
{
	struct event *e = NULL;
	char port[8];

	if (i % 10 < 7) {
		const char *cmd = commands[i % (ARRAY_SIZE(commands))];
		char exe[128];
		const char *sp = strchr(cmd, ' ');

		snprintf(exe, sizeof(exe), "%.*s", (int)(sp - cmd), cmd);
		return make_exec(b, i, 1000000000ull * (i + 1), exe, cmd);
	}
	if (i % 10 < 9) {
		snprintf(port, sizeof(port), "%u", 443 + i % 3);
		event_builder_begin(b, EVENT_CONNECTION_CREATE, 1000000000ull * (i + 1));
		event_builder_item(b);
		event_add_cstr(b, CC_REMOTE_ADDRESS, "192.0.2.10");
		event_add_cstr(b, CC_REMOTE_PORT, port);
		event_add_cstr(b, CC_LOCAL_ADDRESS, "10.0.0.2");
		event_add_cstr(b, CC_LOCAL_PORT, "51234");
		event_add_cstr(b, CC_DIRECTION, "Out");
		event_add_cstr(b, CC_PROTOCOL, "tcp");
		event_add_int(b, CC_PROCESS_ID, 1000 + i);
		event_add_cstr(b, CC_EXECUTABLE, "/usr/bin/curl");
		event_add_cstr(b, CC_COMMAND_LINE, "curl -s https://example.com/health");
	} else {
		event_builder_begin(b, EVENT_LOGIN, 1000000000ull * (i + 1));
		event_builder_item(b);
		event_add_int(b, LOGIN_PROCESS_ID, 900);
		event_add_cstr(b, LOGIN_USER_NAME, "pi");
		event_add_cstr(b, LOGIN_OPERATION, "PAM:session_open");
		event_add_cstr(b, LOGIN_EXECUTABLE, "/usr/sbin/sshd");
		event_add_cstr(b, LOGIN_REMOTE_ADDRESS, "10.0.0.5");
		event_add_cstr(b, LOGIN_RESULT, "Success");
	}
	(void)event_builder_finish(b, &e);
	return e;
}

/* 500 rules of the shapes users write, none of which matches the mix. */
static char *synthetic_rules(void)
{
	static const char *const fields[] = { "Executable", "CommandLine", "ExtraDetails.Cwd",
					      "Args", "ExtraDetails.ParentExecutable" };
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "{\"rules\":[");
	for (unsigned i = 0; i < SYNTHETIC_RULES; i++) {
		const char *f = fields[i % 5];

		buf_printf(&b,
			   "%s{\"id\":\"synthetic-%u\",\"name\":\"s\",\"severity\":\"Low\","
			   "\"description\":\"d\",\"remediation\":\"r\",\"events\":[\"%s\"],"
			   "\"match\":",
			   i ? "," : "", i, i % 7 == 6 ? "ConnectionCreate" : "ProcessCreate");
		switch (i % 4) {
		case 0:
			buf_printf(
				&b,
				"{\"field\":\"%s\",\"transform\":\"basename\",\"in\":[\"tool%ua\","
				"\"tool%ub\",\"tool%uc\"]}}",
				i % 7 == 6 ? "Executable" : f, i, i, i);
			break;
		case 1:
			buf_printf(&b,
				   "{\"all\":[{\"field\":\"%s\",\"prefix\":\"/opt/vendor%u/\"},"
				   "{\"inContainer\":true}]}}",
				   i % 7 == 6 ? "Executable" : f, i);
			break;
		case 2:
			buf_printf(&b, "{\"field\":\"%s\",\"contains\":\"--secret-flag-%u\"}}",
				   i % 7 == 6 ? "CommandLine" : f, i);
			break;
		default:
			buf_printf(
				&b,
				"{\"any\":[{\"field\":\"%s\",\"glob\":\"*/evil%u/*\"},{\"field\":"
				"\"%s\",\"suffix\":\".x%u\"}]}}",
				i % 7 == 6 ? "Executable" : f, i, i % 7 == 6 ? "Executable" : f, i);
			break;
		}
	}
	buf_puts(&b, "]}");
	return buf_steal(&b, NULL);
}

static struct detect_ruleset *ruleset(bool shipped, const char *extra)
{
	struct detect_source srcs[40];
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	unsigned n = 0;

	for (unsigned i = 0; shipped && i < detect_builtin_count() && n < 39; i++)
		srcs[n++] = *detect_builtin(i);
	if (extra)
		srcs[n++] = (struct detect_source){ .name = "synthetic",
						    .data = extra,
						    .len = strlen(extra) };
	if (detect_ruleset_load(srcs, n, NULL, &rs, &rep) < 0 || rep.n_errors) {
		fprintf(stderr, "rules: the rules do not compile\n");
		exit(1);
	}
	return rs;
}

static double run_mix(struct detect_ruleset *rs, struct event **mix, unsigned n, uint64_t *alerts)
{
	struct event_sink sink = { .submit = discard };
	struct detect_settings s = { .trust_event_time = true };
	struct detect_engine *de;
	struct detect_stats st;
	double best = 1e18;

	if (detect_engine_new(&s, &sink, &de) < 0)
		exit(1);
	detect_engine_set_rules(de, rs);
	for (int round = 0; round < 5; round++) {
		double t0 = ns_now(), dt;

		for (unsigned i = 0; i < n; i++)
			detect_engine_observe(de, mix[i % MIX], 1000000000ull * (i / MIX + 1));
		dt = (ns_now() - t0) / n;
		if (dt < best)
			best = dt;
	}
	detect_engine_get_stats(de, &st);
	*alerts = st.alerts;
	detect_engine_free(de);
	return best;
}

static const char *only_sets = "012";

static void bench_throughput(unsigned n)
{
	struct event_builder b;
	struct event *mix[MIX];
	char *synth = synthetic_rules();
	struct {
		const char *title;
		struct detect_ruleset *rs;
	} sets[] = {
		{ "no rules (observer only)", NULL },
		{ "shipped rules", ruleset(true, NULL) },
		{ "shipped + 500 synthetic", ruleset(true, synth) },
	};
	double base = 0;

	event_builder_init(&b);
	for (unsigned i = 0; i < MIX; i++)
		mix[i] = make_event(&b, i);
	printf("1. throughput, %u events per round, best of 5 (70%% ProcessCreate, 20%% "
	       "ConnectionCreate, 10%% Login; no alert)\n",
	       n);
	printf("   %-28s %8s %12s %14s %7s\n", "rule set", "rules", "CPU ns/event", "events/s",
	       "alerts");
	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		unsigned nr = detect_ruleset_count(sets[k].rs);
		uint64_t alerts = 0;
		double ns;

		if (!strchr(only_sets, (char)('0' + k))) {
			detect_ruleset_free(sets[k].rs);
			continue;
		}
		ns = run_mix(sets[k].rs, mix, n, &alerts);

		if (k == 0)
			base = ns;
		printf("   %-28s %8u %12.1f %14.0f %7llu\n", sets[k].title, nr, ns, 1e9 / ns,
		       (unsigned long long)alerts);
	}
	(void)base;
	for (unsigned i = 0; i < MIX; i++)
		event_free(mix[i]);
	event_builder_done(&b);
	es_free(synth);
}

static void bench_key_flood(void)
{
	struct event_sink sink = { .submit = discard };
	struct detect_settings s = { .trust_event_time = true };
	struct event_builder b;
	struct detect_engine *de;
	struct detect_stats st;
	size_t heap0 = es_alloc_in_use();
	double t0;
	const unsigned n = 1000000;

	if (detect_engine_new(&s, &sink, &de) < 0)
		exit(1);
	detect_engine_set_rules(de, ruleset(true, NULL));
	event_builder_init(&b);
	t0 = ns_now();
	for (unsigned i = 0; i < n; i++) {
		char addr[32];
		struct event *e = NULL;

		snprintf(addr, sizeof(addr), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255,
			 i & 255);
		event_builder_begin(&b, EVENT_LOGIN, 1000000000ull + i * 1000ull);
		event_builder_item(&b);
		event_add_int(&b, LOGIN_PROCESS_ID, 900);
		event_add_cstr(&b, LOGIN_USER_NAME, i % 2 ? "root" : "admin");
		event_add_cstr(&b, LOGIN_OPERATION, "PAM:authentication");
		event_add_cstr(&b, LOGIN_EXECUTABLE, "/usr/sbin/sshd");
		event_add_cstr(&b, LOGIN_REMOTE_ADDRESS, addr);
		event_add_cstr(&b, LOGIN_RESULT, "Fail");
		if (event_builder_finish(&b, &e) == 0) {
			detect_engine_observe(de, e, 0);
			event_free(e);
		}
	}
	detect_engine_get_stats(de, &st);
	printf("2. memory under a flood of distinct keys: %u failed logins from distinct "
	       "addresses (shipped rules, default caps)\n",
	       n);
	printf("   %.0f ns/event; state entries %zu, state bytes %zu, evicted %llu, heap in use "
	       "%.1f MiB above the start; alerts %llu (bruteforce-user by name), repeats %llu\n",
	       (ns_now() - t0) / n, st.state_entries, st.state_bytes,
	       (unsigned long long)st.state_evicted,
	       (double)(es_alloc_in_use() - heap0) / 1048576.0, (unsigned long long)st.alerts,
	       (unsigned long long)st.repeats);
	detect_engine_free(de);
	event_builder_done(&b);
}

static void bench_alert_flood(void)
{
	struct event_sink sink = { .submit = discard };
	struct detect_settings s = { .trust_event_time = true };
	struct event_builder b;

	event_builder_init(&b);
	printf("3. alerts under a flood: 100000 execs from /dev/shm in 10 s (event time) that all "
	       "fire "
	       "exec-temp-dir\n");
	for (int same = 0; same < 2; same++) {
		struct detect_engine *de;
		struct detect_stats st;
		double t0;

		if (detect_engine_new(&s, &sink, &de) < 0)
			exit(1);
		detect_engine_set_rules(de, ruleset(true, NULL));
		t0 = ns_now();
		for (unsigned i = 0; i < 100000; i++) {
			char exe[64];
			struct event *e;

			snprintf(exe, sizeof(exe), "/dev/shm/x%u", same ? 0 : i);
			/* 10,000 execs a second: the whole flood within 10 s */
			e = make_exec(&b, i, 1000000000ull + i * 100000ull, exe, exe);
			detect_engine_observe(de, e, 0);
			event_free(e);
		}
		detect_engine_flush(de, 1000000000ull * 200000);
		detect_engine_get_stats(de, &st);
		printf("   %-22s %8.0f ns/event; Alert events sent %llu (alerts %llu, summaries "
		       "%llu), folded repeats %llu, suppressed by the rate %llu\n",
		       same ? "one key (repeats)" : "distinct keys", (ns_now() - t0) / 100000,
		       (unsigned long long)(st.alerts + st.summaries),
		       (unsigned long long)st.alerts, (unsigned long long)st.summaries,
		       (unsigned long long)st.repeats, (unsigned long long)st.suppressed);
		detect_engine_free(de);
	}
	event_builder_done(&b);
}

int main(int argc, char **argv)
{
	unsigned n = EVENTS_DEFAULT;
	const char *sections = "123";
	int c;

	while ((c = getopt(argc, argv, "n:s:r:")) >= 0) {
		if (c == 'n')
			n = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 's')
			sections = optarg;
		else if (c == 'r')
			only_sets = optarg;
		else {
			fprintf(stderr, "usage: rules [-n EVENTS] [-s SECTIONS] [-r SETS]\n");
			return 2;
		}
	}
	json_read_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bench/rules: the detection engine on one core (%ld CPUs online)\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (strchr(sections, '1'))
		bench_throughput(n ? n : EVENTS_DEFAULT);
	if (strchr(sections, '2'))
		bench_key_flood();
	if (strchr(sections, '3'))
		bench_alert_flood();
	return 0;
}
