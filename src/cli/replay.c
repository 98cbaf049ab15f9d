/* SPDX-License-Identifier: MIT */
/*
 * `edgesec run --replay FILE` (see rules.c for the contract): recorded events → pipeline and
 * detection → messages on stdout (or --output FILE), then exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "common/alloc.h"
#include "common/json_read.h"
#include "common/safefile.h"
#include "config/config.h"
#include "detect/detect.h"
#include "pipeline/pipeline.h"
#include "replay/replay.h"
#include "rules.h"
#include "transport/transport.h"
#include "version.h"

#define REPLAY_EVENTS_MAX 1000000u
#define REPLAY_AGENT_ID "00000000-0000-4000-8000-000000000000"

struct timed {
	struct event *e;
	uint64_t time;
	unsigned index;
};

static int cmp_timed(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Reads every line of path into out; returns the number of bad lines, or -errno. */
static int read_events(const char *path, struct replay_line *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	struct event_builder b;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0, bad = 0;
	uint64_t last = 0;

	if (!f)
		return -errno;
	event_builder_init(&b);
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct replay_error err = { { 0 } };
		unsigned before = out->n;
		int r;

		lineno++;
		r = replay_parse_line(line, (size_t)n, last, &b, out, &err);
		if (r == -ENOMEM) {
			cli_error("%s:%u: out of memory", path, lineno);
			bad++;
			break;
		}
		if (r < 0) {
			cli_warning("%s:%u: %s (line skipped)", path, lineno, err.message);
			bad++;
			continue;
		}
		if (out->n > before)
			last = event_get_time(out->events[out->n - 1]);
		if (out->n > REPLAY_EVENTS_MAX) {
			cli_error("%s:%u: more than %u events; split the file", path, lineno,
				  REPLAY_EVENTS_MAX);
			bad++;
			break;
		}
	}
	free(line);
	event_builder_done(&b);
	if (f != stdin)
		fclose(f);
	return (int)bad;
}

static int on_publish(void *userdata, const struct message *m)
{
	return transport_publish(userdata, m);
}

static void print_rule_issues(const struct detect_report *rep)
{
	char line[1024];

	for (unsigned i = 0; i < rep->n_errors; i++) {
		detect_issue_format(&rep->errors[i], line, sizeof(line));
		cli_error("%s (file skipped)", line);
	}
	for (unsigned i = 0; i < rep->n_warnings; i++) {
		detect_issue_format(&rep->warnings[i], line, sizeof(line));
		cli_warning("%s", line);
	}
}

static struct detect_engine *make_engine(const struct config *cfg, const char *rules_path,
					 struct pipeline *pl, bool *ret_rule_errors)
{
	struct detect_settings s = {
		.dedup_window_ms = cfg->detection_dedup_window_ms,
		.max_state_entries = (size_t)cfg->detection_max_state_entries,
		.max_state_bytes = (size_t)cfg->detection_max_state_mib << 20,
		.alerts_per_minute = (unsigned)cfg->detection_alerts_per_minute,
		.trust_event_time = true,
	};
	struct detect_report *rep = es_calloc(1, sizeof(*rep));
	const char *path = rules_path ? rules_path : cfg->detection_rules_path;
	struct detect_ruleset *rs = NULL;
	struct detect_engine *de = NULL;

	if (!rep || detect_engine_new(&s, pipeline_sink(pl), &de) < 0)
		goto out;
	if (cfg->detection_enabled &&
	    detect_ruleset_load_all(
		    path, !rules_path && path && strcmp(path, DETECT_RULES_PATH_DEFAULT) == 0,
		    cfg->detection_rules, &rs, rep) == 0) {
		print_rule_issues(rep);
		*ret_rule_errors = rep->n_errors > 0;
		detect_engine_set_rules(de, rs);
	}
	if (pipeline_add_observer(pl, detect_engine_observer(de)) < 0)
		de = detect_engine_free(de);
out:
	es_free(rep);
	return de;
}

static void feed(struct pipeline *pl, struct detect_engine *de, struct replay_line *in)
{
	struct timed *order = es_calloc(in->n ? in->n : 1, sizeof(*order));
	uint64_t last = 0;

	if (!order)
		return;
	for (unsigned i = 0; i < in->n; i++)
		order[i] = (struct timed){ in->events[i], event_get_time(in->events[i]), i };
	qsort(order, in->n, sizeof(*order), cmp_timed);
	for (unsigned i = 0; i < in->n; i++) {
		uint64_t deadline = detect_engine_next_deadline(de);

		if (deadline && order[i].time >= deadline)
			detect_engine_tick(de, order[i].time);
		last = order[i].time;
		in->events[order[i].index] = NULL;
		event_sink_submit(pipeline_sink(pl), order[i].e);
	}
	detect_engine_flush(de, last);
	es_free(order);
}

int cli_replay(const struct replay_options *o)
{
	struct config cfg;
	struct replay_line in = { 0 };
	struct pipeline_settings ps = { 0 };
	struct transport *out = NULL;
	struct pipeline *pl = NULL;
	struct detect_engine *de = NULL;
	char why[SAFEFILE_WHY_MAX] = "";
	bool rule_errors = false;
	int bad, r = 2;

	json_read_init();
	config_init_defaults(&cfg);
	if (o->config_path) {
		struct config_report rep = { 0 };

		if (config_load_file(&cfg, o->config_path, &rep) < 0) {
			for (unsigned i = 0; i < rep.n_errors; i++)
				cli_error("%s: %s", o->config_path, rep.errors[i].message);
			goto out;
		}
	}
	bad = read_events(o->input_path, &in);
	if (bad < 0) {
		cli_error("cannot read %s: %s", o->input_path, strerror(-bad));
		goto out;
	}
	if (transport_local_open(o->output_path, geteuid(), &out, why, sizeof(why)) < 0) {
		cli_error("cannot open the output %s: %s", o->output_path, why);
		goto out;
	}
	for (int t = 0; t < _EVENT_TYPE_MAX; t++)
		ps.priority[t] = cfg.event_priority[t];
	ps.cache_budget_bytes = 1u << 30; /* the whole replay fits: nothing dropped */
	ps.max_message_bytes = (size_t)cfg.max_message_size;
	ps.aggregation_max_entries = 1;
	ps.aggregation_max_bytes = 65536;
	pl = pipeline_new(in.agent_id[0] ? in.agent_id : REPLAY_AGENT_ID, EDGESEC_VERSION, &ps,
			  on_publish, out);
	if (!pl || !(de = make_engine(&cfg, o->rules_path, pl, &rule_errors)))
		goto out;
	feed(pl, de, &in);
	pipeline_flush_all(pl);
	if (in.skipped_alerts)
		cli_warning("%u recorded Alert events were not replayed", in.skipped_alerts);
	r = bad || rule_errors ? 1 : 0;
out:
	pipeline_free(pl);
	detect_engine_free(de);
	transport_close(out);
	replay_line_done(&in);
	config_done(&cfg);
	return r;
}
