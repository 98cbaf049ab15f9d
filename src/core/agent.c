/* SPDX-License-Identifier: MIT */
/*
 * The agent's wiring and lifecycle.
 *
 * Start:  configuration (defaults < --config file) → host context (root, /proc, namespaces)
 *         → [as the run-as user's fsuid: state dir and AgentId → output] → pipeline →
 *         collectors → host check (which collector misses a host namespace) → loop, where
 *         capabilities are dropped and the run-as user taken (core/privilege.c).  The first
 * snapshot and a Heartbeat are taken at once and flushed, so output appears within a second of
 * starting. Timers (all on the one loop): snapshot (snapshotFrequency), High and Low flush
 *         (high/lowPriorityMessageFrequency; in local mode at most localFlushInterval),
 *         Heartbeat (heartbeatInterval), and the next aggregation window end.
 * Signals: SIGINT/SIGTERM stop the loop; then collectors stop, aggregation windows close early
 *         and every queued event is written before exit.  SIGHUP re-reads the --config file;
 *         an invalid file is rejected whole and the configuration in force stays.
 * Ownership: the agent owns everything it creates and frees it in agent_done().
 */
#include "agent.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit-control.h"
#include "collectors/collector.h"
#include "common/alloc.h"
#include "common/guid.h"
#include "common/json_read.h"
#include "common/redact.h"
#include "common/safefile.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "control/methods.h"
#include "control/twin.h"
#include "detect-agent.h"
#include "host/host.h"
#include "heartbeat.h"
#include "host-check.h"
#include "loop/loop.h"
#include "pipeline/format.h"
#include "pipeline/pipeline.h"
#include "privilege.h"
#include "state.h"
#include "spool/spool.h"
#include "transport/mqtt/connection-string.h"
#include "transport/mqtt/mqtt.h"
#include "transport/transport.h"
#include "transport/workload/workload.h"
#include "version.h"

#define MAX_COLLECTORS 16
#define TWIN_TICK_MS 5000u

struct agent;

struct collector_watch {
	struct agent *agent;
	struct collector *collector;
};

struct agent {
	struct agent_options opts;
	struct collector_watch watches[MAX_COLLECTORS];
	struct config base; /* defaults < file: what null in a twin patch restores */
	struct config cfg;  /* in force */
	struct loop *loop;
	struct pipeline *pipeline;
	struct detect_agent *detect; /* on-device detection (core/detect-agent.h) */
	struct transport *output;
	struct spool *spool;			/* hub mode only */
	char spool_open_error[SPOOL_ERROR_MAX]; /* why the file could not be used at start */
	struct connection_string *identity;	/* hub mode with a connection string */
	struct workload_identity *workload_id;	/* hub mode as an IoT Edge module */
	struct workload_client *workload;
	struct collector *collectors[MAX_COLLECTORS];
	enum collector_state state_before_disabled[MAX_COLLECTORS];
	size_t n_collectors;
	struct loop_timer *t_snapshot, *t_high, *t_low, *t_heartbeat, *t_aggregation;
	char *host_root, *capture; /* the collectors' copies: never pointers into cfg */
	char *login_source;
	char *docker_socket;
	char *deployment_manifest;
	struct twin *twin;	   /* hub mode only */
	struct methods *methods;   /* hub mode only */
	struct loop_timer *t_twin; /* twin_tick() every TWIN_TICK_MS, hub mode only */
	struct event_builder builder;
	uint64_t start_mono_ns;
	char agent_id[GUID_STR_LEN + 1];
	bool local_mode;
	uint64_t publish_errors_logged;
	struct privilege_result privilege; /* what privilege_drop() kept */
	struct host_context *host;	   /* shared by every collector */
	struct privilege_user user;	   /* --user, when have_user */
	bool have_user;
	struct privilege_missing missing; /* capabilities set-up lacked */
};

/* ---- configuration ---- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void pipeline_settings_from(const struct config *c, struct pipeline_settings *s)
{
	memset(s, 0, sizeof(*s));
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		s->priority[t] = c->event_priority[t];
		s->aggregation_enabled[t] = c->aggregation_enabled[t];
		s->aggregation_interval_ms[t] = c->aggregation_interval_ms[t];
	}
	s->cache_budget_bytes = (size_t)c->max_local_cache_size;
	s->max_message_bytes = (size_t)c->max_message_size;
	s->aggregation_max_entries = (size_t)c->aggregation_max_entries;
	s->aggregation_max_bytes = (size_t)c->aggregation_max_bytes;
}

static uint64_t flush_interval_ms(const struct agent *a, enum event_priority p)
{
	uint64_t f = p == EVENT_PRIORITY_HIGH ? a->cfg.high_priority_message_frequency_ms
					      : a->cfg.low_priority_message_frequency_ms;

	return a->local_mode ? min_u64(f, a->cfg.local_flush_interval_ms) : f;
}

static void report_issue_event(struct agent *a, const struct config_issue *is)
{
	struct buf used;
	struct jw w;
	struct event *e;

	buf_init(&used, 64 * 1024);
	jw_init(&w, &used);
	config_format_reported(&a->cfg, &w);
	event_builder_begin(&a->builder, EVENT_CONFIGURATION_ERROR, time_now_realtime_ns());
	event_builder_item(&a->builder);
	event_add_cstr(&a->builder, CE_CONFIGURATION_NAME, is->name);
	event_add_cstr(&a->builder, CE_ERROR_TYPE, config_error_type_to_string(is->type));
	event_add_str(&a->builder, CE_USED_CONFIGURATION, used.data ? used.data : "", used.len);
	event_add_cstr(&a->builder, CE_MESSAGE, is->message);
	if (is->pointer[0])
		event_add_extra_cstr(&a->builder, "Pointer", is->pointer);
	if (event_builder_finish(&a->builder, &e) == 0)
		event_sink_submit(pipeline_sink(a->pipeline), e);
	buf_done(&used);
}

static void report_config(struct agent *a, const struct config_report *r, const char *source)
{
	for (unsigned i = 0; i < r->n_errors; i++) {
		log_error("Rejected configuration from %s: %s%s%s", source, r->errors[i].message,
			  r->errors[i].pointer[0] ? " at " : "", r->errors[i].pointer);
		if (a->pipeline)
			report_issue_event(a, &r->errors[i]);
	}
	for (unsigned i = 0; i < r->n_warnings; i++) {
		log_warning("Configuration from %s: %s", source, r->warnings[i].message);
		if (a->pipeline)
			report_issue_event(a, &r->warnings[i]);
	}
	if (r->n_dropped) {
		struct config_issue more = { .type = CONFIG_ERROR_TYPE_MISMATCH };

		snprintf(more.name, sizeof(more.name), "configuration");
		snprintf(more.message, sizeof(more.message),
			 "%u more issues in this update are not listed (at most %u of each kind)",
			 r->n_dropped, CONFIG_ISSUES_MAX);
		log_warning("Configuration from %s: %s", source, more.message);
		if (a->pipeline)
			report_issue_event(a, &more);
	}
}

static void rearm_flush_timers(struct agent *a);

/*
 * Every collector's own settings (collector_ops.configure): what it cannot use becomes a log
 * line and a ConfigurationError event named after the setting.
 */
static void configure_collectors(struct agent *a)
{
	for (size_t i = 0; i < a->n_collectors; i++) {
		struct collector_issues is;

		(void)collector_configure(a->collectors[i], &a->cfg, &is);
		for (unsigned k = 0; k < is.n; k++) {
			struct config_issue ci = { .type = CONFIG_ERROR_TYPE_MISMATCH };

			snprintf(ci.name, sizeof(ci.name), "%s", is.v[k].setting);
			snprintf(ci.message, sizeof(ci.message), "%s", is.v[k].message);
			log_error("%s: %s", is.v[k].consequence, ci.message);
			if (a->pipeline)
				report_issue_event(a, &ci);
		}
		if (is.dropped)
			log_warning("Collector %s: %u more configuration issues not listed",
				    a->collectors[i]->ops->name, is.dropped);
	}
}

/* Secret redaction in event data (common/redact.h); the value was checked when parsed. */
static void configure_redaction(struct agent *a)
{
	struct redact_settings rs = { a->cfg.redact_secrets, a->cfg.redact_extra_names };
	bool was = redact_enabled();

	if (redact_configure(&rs) < 0)
		log_error("Failed to apply redactExtraNames; the names in force stay");
	if (was && !rs.enabled)
		log_warning(
			"redactSecrets is false: command lines in events are no longer redacted "
			"(log lines still are)");
	else if (!was && rs.enabled)
		log_info("redactSecrets is true: secrets in command lines are redacted again");
}

/* The configuration in force changed: tell every part. */
static void apply_config(struct agent *a)
{
	struct pipeline_settings s;

	if (a->opts.log_level < 0)
		log_set_level(a->cfg.log_level);
	configure_redaction(a);
	pipeline_settings_from(&a->cfg, &s);
	pipeline_apply(a->pipeline, &s);
	detect_agent_configure(a->detect, &a->cfg);
	configure_collectors(a);
	for (size_t i = 0; i < a->n_collectors; i++) {
		struct collector *c = a->collectors[i];
		bool on = false;

		for (unsigned k = 0; k < c->ops->n_types; k++)
			on |= a->cfg.event_priority[c->ops->types[k]] != EVENT_PRIORITY_OFF ||
			      detect_agent_wants(a->detect, c->ops->types[k]);
		if (!on && c->state != COLLECTOR_STATE_FAILED &&
		    c->state != COLLECTOR_STATE_DISABLED) {
			a->state_before_disabled[i] = c->state;
			c->state = COLLECTOR_STATE_DISABLED;
		} else if (on && c->state == COLLECTOR_STATE_DISABLED) {
			c->state = a->state_before_disabled[i];
		}
	}
	if (a->loop)
		rearm_flush_timers(a);
}

static int load_config(struct agent *a, struct config *ret_base)
{
	/* ~53 KiB: on the heap, so the stack pages it would touch once are not resident for
	 * the life of the agent (docs/internals/memory.md). */
	_cleanup_free_ struct config_report *rep = NULL;

	config_init_defaults(ret_base);
	if (!a->opts.config_path)
		return 0;
	rep = es_calloc(1, sizeof(*rep));
	if (!rep) {
		config_done(ret_base);
		return -ENOMEM;
	}
	if (config_load_file(ret_base, a->opts.config_path, rep) < 0) {
		for (unsigned i = 0; i < rep->n_errors; i++)
			log_error("%s: %s%s%s", a->opts.config_path, rep->errors[i].message,
				  rep->errors[i].pointer[0] ? " at " : "", rep->errors[i].pointer);
		config_done(ret_base);
		return -EINVAL;
	}
	return 0;
}

static void reload_config(struct agent *a)
{
	struct config base, cfg;
	struct config_report rep = { 0 };

	if (!a->opts.config_path) {
		log_info("SIGHUP: no --config file to reload");
		return;
	}
	if (load_config(a, &base) < 0) {
		log_error("Failed to reload %s, keeping the configuration in force",
			  a->opts.config_path);
		return;
	}
	if (config_copy(&cfg, &base) < 0) {
		config_done(&base);
		return;
	}
	config_done(&a->base);
	config_done(&a->cfg);
	a->base = base;
	a->cfg = cfg;
	config_check_conflicts(&a->cfg, &rep);
	report_config(a, &rep, a->opts.config_path);
	apply_config(a);
	log_info("Reloaded configuration from %s", a->opts.config_path);
	/* The twin's values go back on top of the new base when the GET is answered. */
	if (a->twin)
		(void)twin_refresh(a->twin, time_now_monotonic_ns() / NSEC_PER_MSEC);
}

/* ---- output ---- */

static int on_publish(void *userdata, const struct message *m)
{
	struct agent *a = userdata;
	int r = transport_publish(a->output, m);

	if (r < 0 && a->publish_errors_logged++ < 10)
		log_error("Failed to write a message to %s: %s", transport_describe(a->output),
			  strerror(-r));
	/* Nobody reads our output any more (closed pipe): stop rather than drop everything. */
	if (r == -EPIPE && a->loop)
		loop_quit(a->loop, 1);
	return r;
}

static void flush(struct agent *a, enum event_priority p)
{
	pipeline_flush(a->pipeline, p);
}

static void arm_aggregation_timer(struct agent *a);

/* After new events: send at once what already fills a message. */
static void after_events(struct agent *a)
{
	if (a->t_aggregation)
		arm_aggregation_timer(a);
	if (pipeline_message_ready(a->pipeline, EVENT_PRIORITY_HIGH))
		flush(a, EVENT_PRIORITY_HIGH);
	if (pipeline_message_ready(a->pipeline, EVENT_PRIORITY_LOW))
		flush(a, EVENT_PRIORITY_LOW);
}

/* ---- periodic work ---- */

static bool collector_wanted(const struct agent *a, const struct collector *c)
{
	for (unsigned k = 0; k < c->ops->n_types; k++)
		if (a->cfg.event_priority[c->ops->types[k]] != EVENT_PRIORITY_OFF ||
		    detect_agent_wants(a->detect, c->ops->types[k]))
			return true;
	return false;
}

static void take_snapshot(struct agent *a, bool with_statistics)
{
	uint64_t now = time_now_realtime_ns();

	for (size_t i = 0; i < a->n_collectors; i++) {
		struct collector *c = a->collectors[i];
		int r;

		if (!collector_is_periodic(c) || !collector_wanted(a, c))
			continue;
		r = collector_snapshot(c, now);
		if (r < 0 && r != -ENODEV)
			log_warning("Failed to take a %s snapshot: %s%s%s", c->ops->name,
				    strerror(-r), c->last_error[0] ? ": " : "", c->last_error);
	}
	if (with_statistics) {
		const struct spool *sp = transport_spool(a->output);

		if (sp) {
			struct spool_stats sst;

			spool_get_stats(sp, &sst);
			pipeline_set_spool_evictions(a->pipeline, EVENT_PRIORITY_LOW,
						     sst.evicted_low);
			pipeline_set_spool_evictions(a->pipeline, EVENT_PRIORITY_HIGH,
						     sst.evicted_high);
		}
		pipeline_emit_statistics(a->pipeline, now);
	}
	after_events(a);
}

static void heartbeat_input_from(const struct agent *a, struct heartbeat_input *in)
{
	*in = (struct heartbeat_input){
		.start_monotonic_ns = a->start_mono_ns,
		.pipeline = a->pipeline,
		.collectors = a->collectors,
		.n_collectors = a->n_collectors,
		.output = transport_describe(a->output),
		.output_error = transport_last_error(a->output),
		.spool = transport_spool(a->output),
		.spool_open_error = a->spool_open_error,
		.capabilities = a->privilege.kept_names,
		.add_extras = detect_agent_heartbeat_extras,
		.extras_userdata = a->detect,
		.run_as = a->privilege.run_as,
		.missing_capabilities = a->missing.names,
		.host = a->host,
	};
}

static void emit_heartbeat(struct agent *a)
{
	struct heartbeat_input in;
	struct event *e;
	int r;

	heartbeat_input_from(a, &in);
	r = heartbeat_build(&a->builder, &in, time_now_realtime_ns(), &e);

	if (r < 0)
		log_warning("Failed to build the Heartbeat event: %s", strerror(-r));
	else
		event_sink_submit(pipeline_sink(a->pipeline), e);
}

static void on_snapshot_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;

	(void)l;
	take_snapshot(a, true);
	loop_timer_arm_in(t, a->cfg.snapshot_frequency_ms * NSEC_PER_MSEC);
}

static void on_flush_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;
	enum event_priority p = t == a->t_high ? EVENT_PRIORITY_HIGH : EVENT_PRIORITY_LOW;

	(void)l;
	flush(a, p);
	loop_timer_arm_in(t, flush_interval_ms(a, p) * NSEC_PER_MSEC);
}

static void on_heartbeat_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;

	(void)l;
	emit_heartbeat(a);
	after_events(a);
	loop_timer_arm_in(t, a->cfg.heartbeat_interval_ms * NSEC_PER_MSEC);
}

static void arm_aggregation_timer(struct agent *a)
{
	uint64_t deadline = pipeline_next_deadline(a->pipeline), now = time_now_realtime_ns();

	if (!deadline) {
		loop_timer_disarm(a->t_aggregation);
		return;
	}
	loop_timer_arm_in(a->t_aggregation, deadline > now ? deadline - now : 0);
}

static void on_aggregation_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;

	(void)l;
	(void)t;
	pipeline_tick(a->pipeline, time_now_realtime_ns());
	after_events(a);
	arm_aggregation_timer(a);
}

/* A changed frequency takes effect now: a timer never waits longer than its new interval. */
static void rearm_flush_timers(struct agent *a)
{
	struct {
		struct loop_timer *t;
		uint64_t ms;
	} timers[] = {
		{ a->t_high, flush_interval_ms(a, EVENT_PRIORITY_HIGH) },
		{ a->t_low, flush_interval_ms(a, EVENT_PRIORITY_LOW) },
		{ a->t_snapshot, a->cfg.snapshot_frequency_ms },
		{ a->t_heartbeat, a->cfg.heartbeat_interval_ms },
	};
	uint64_t now = time_now_monotonic_ns();

	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		uint64_t want = now + timers[i].ms * NSEC_PER_MSEC, have;

		if (!timers[i].t)
			continue;
		have = loop_timer_deadline(timers[i].t);
		if (!have || have > want)
			loop_timer_arm(timers[i].t, want);
	}
}

/* ---- loop callbacks ---- */

static void on_collector_fd(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct collector_watch *w = userdata;
	const struct collector_stats *st = &w->collector->stats;
	uint64_t before = st->lost + st->skipped, typed_before[_EVENT_TYPE_MAX], typed = 0;

	(void)l;
	(void)fd;
	memcpy(typed_before, st->lost_by_type, sizeof(typed_before));
	collector_dispatch(w->collector, events);
	/*
	 * Records lost in the kernel and records the collector could not turn into events (a
	 * process or socket gone before it was read) are both events nobody will see: they go
	 * into DroppedEventsStatistics, under their event type where the collector knows it
	 * (lost_by_type), the rest under the collector's first type.
	 */
	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		uint64_t n = st->lost_by_type[t] - typed_before[t];

		if (n)
			pipeline_count_lost(w->agent->pipeline, (enum event_type)t, n);
		typed += n;
	}
	if (st->lost + st->skipped > before + typed)
		pipeline_count_lost(w->agent->pipeline, w->collector->ops->types[0],
				    st->lost + st->skipped - before - typed);
	after_events(w->agent);
}

static void on_signal(struct loop *l, int signo, void *userdata)
{
	struct agent *a = userdata;

	if (signo == SIGHUP) {
		reload_config(a);
		return;
	}
	log_info("Received %s, flushing and stopping", signo == SIGINT ? "SIGINT" : "SIGTERM");
	loop_quit(l, 0);
}

/* ---- lifecycle ---- */

static void agent_done(struct agent *a)
{
	for (size_t i = 0; i < a->n_collectors; i++)
		collector_free(a->collectors[i]);
	a->detect = detect_agent_free(a->detect); /* before the pipeline it observes */
	a->host = host_context_free(a->host);	  /* after the collectors */
	a->pipeline = pipeline_free(a->pipeline);
	a->output = transport_close(a->output);
	a->twin = twin_free(a->twin); /* after the transport: it may report a disconnect */
	es_free(a->host_root);	      /* after the collectors */
	es_free(a->capture);
	es_free(a->login_source);
	es_free(a->docker_socket);
	es_free(a->deployment_manifest);
	a->host_root = a->capture = a->login_source = a->docker_socket = NULL;
	a->deployment_manifest = NULL;
	a->methods = methods_free(a->methods);
	a->spool = spool_free(a->spool);
	if (a->identity) {
		connection_string_wipe(a->identity);
		es_free(a->identity);
	}
	workload_client_free(a->workload); /* after the transport: it signs through it */
	es_free(a->workload_id);
	a->loop = loop_free(a->loop);
	event_builder_done(&a->builder);
	config_done(&a->cfg);
	config_done(&a->base);
}

/* The user the agent runs as from set-up to exit (--user, else who started it). */
static uid_t run_uid(const struct agent *a)
{
	return a->have_user ? a->user.uid : geteuid();
}

static int open_state(struct agent *a)
{
	const char *dir = a->opts.state_dir ? a->opts.state_dir : STATE_DIR_DEFAULT;
	char why[SAFEFILE_WHY_MAX] = "";
	int created, replaced, fd, r;

	fd = state_dir_open(dir, run_uid(a), why, sizeof(why));
	if (fd < 0) {
		log_error("Failed to open the state directory %s: %s (choose another with "
			  "--state-dir)",
			  dir, why[0] ? why : strerror(-fd));
		return fd;
	}
	r = state_agent_id(fd, a->agent_id, &created, &replaced);
	close(fd);
	if (r < 0) {
		log_error("Failed to read or store the AgentId in %s: %s", dir, strerror(-r));
		return r;
	}
	if (replaced)
		log_warning("%s/agent-id did not hold a GUID; made a new AgentId", dir);
	log_info("AgentId %s (%s)", a->agent_id, created ? "new" : "kept");
	return 0;
}

/* ---- module twin and direct methods (src/control, docs/internals/twin.md) ---- */

static uint64_t now_ms(void)
{
	return time_now_monotonic_ns() / NSEC_PER_MSEC;
}

static int control_subscribe(void *userdata, const char *pattern)
{
	struct agent *a = userdata;

	return transport_control_subscribe(a->output, pattern);
}

static int control_publish(void *userdata, const char *topic, const void *payload, size_t len)
{
	struct agent *a = userdata;

	return transport_control_publish(a->output, topic, payload, len);
}

static void handle_twin_result(struct agent *a, const struct twin_result *res)
{
	if (res->error)
		log_warning("Module twin: %s", res->message);
	else if (res->message[0])
		log_info("Module twin: %s", res->message);
	if (res->update == TWIN_UPDATE_NONE)
		return;
	if (res->changed) {
		apply_config(a);
		log_info("Applied the module twin's configuration (%s)",
			 res->update == TWIN_UPDATE_FULL ? "full twin" : "desired patch");
	}
	/* Errors (rejected whole) and warnings → log lines and ConfigurationError events. */
	report_config(a, &res->report, "the module twin");
}

static void on_transport_message(void *userdata, const char *topic, const void *payload, size_t len)
{
	struct agent *a = userdata;
	struct twin_result *res;
	struct methods_result mres;

	res = es_malloc(sizeof(*res)); /* ~55 KB: the config_report */
	if (!res) {
		log_error("Failed to handle a hub message: out of memory");
		return;
	}
	if (twin_handle_message(a->twin, topic, payload, len, now_ms(), &a->cfg, &a->base, res) !=
	    -ENOENT) {
		handle_twin_result(a, res);
		es_free(res);
		return;
	}
	es_free(res);
	if (methods_handle_message(a->methods, topic, payload, len, &mres) == -ENOENT) {
		log_debug("Ignored a hub message (%zu bytes)", len);
		return;
	}
	if (mres.error)
		log_warning("Direct method %s ($rid %s) answered %d: %s",
			    mres.name[0] ? mres.name : "(invalid name)", mres.rid, mres.status,
			    mres.message);
	else
		log_info("Direct method %s answered %d", mres.name, mres.status);
	after_events(a);
}

static void on_twin_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct agent *a = userdata;
	struct twin_result *res = es_malloc(sizeof(*res));

	(void)l;
	if (res) {
		if (twin_tick(a->twin, now_ms(), &a->cfg, res) < 0 || res->message[0])
			log_warning("Module twin: %s", res->message);
		es_free(res);
	}
	loop_timer_arm_in(t, TWIN_TICK_MS * NSEC_PER_MSEC);
}

/* Direct method "snapshot": collect the periodic events and send them now. */
static int method_snapshot(void *userdata, const cJSON *args, struct jw *w)
{
	struct agent *a = userdata;

	(void)args;
	take_snapshot(a, true);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_HIGH);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_LOW);
	jw_key_lit(w, "agentId");
	jw_cstr(w, a->agent_id);
	return 0;
}

/* Direct method "get-status": the Heartbeat event, built now (not queued). */
static int method_get_status(void *userdata, struct jw *w)
{
	struct agent *a = userdata;
	struct heartbeat_input in;
	struct event *e;
	int r;

	heartbeat_input_from(a, &in);
	r = heartbeat_build(&a->builder, &in, time_now_realtime_ns(), &e);
	if (r < 0)
		return r;
	event_format(e, w);
	event_free(e);
	return 0;
}

/*
 * Direct method "scan": run by the collector that offers a method of that name (the
 * containers collector: the deployment analysis now); its events are sent at once.
 */
static int method_scan(void *userdata, const cJSON *args, struct jw *w)
{
	struct agent *a = userdata;
	const char *name = methods_kind_to_string(METHODS_SCAN);
	struct collector *c = NULL;
	int r;

	for (size_t i = 0; i < a->n_collectors && !c; i++)
		if (collector_has_method(a->collectors[i], name))
			c = a->collectors[i];
	if (!c || !collector_wanted(a, c))
		return -EOPNOTSUPP; /* no collector offers it, or its events are Off */
	r = collector_call_method(c, name, time_now_realtime_ns(), args, w);
	if (r < 0)
		return r;
	pipeline_flush(a->pipeline, EVENT_PRIORITY_HIGH);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_LOW);
	return 0;
}

static int open_control(struct agent *a)
{
	struct control_io io = { control_subscribe, control_publish, a };
	struct methods_handlers mh = { method_snapshot, method_get_status, method_scan, a };

	if (twin_new(&io, &a->twin) < 0 || methods_new(&io, &mh, &a->methods) < 0)
		return -ENOMEM;
	return 0;
}

static void on_transport_event(void *userdata, enum transport_event ev, const char *detail)
{
	struct agent *a = userdata;
	int r;

	switch (ev) {
	case TRANSPORT_EVENT_CONNECTED:
		log_info("Connected to the hub (%s)", detail ? detail : "");
		/* Subscribe (twin, desired patches, methods), then GET the twin. */
		if (a->twin && (r = twin_handle_connected(a->twin, now_ms())) < 0)
			log_warning("Failed to request the module twin: %s (retrying)",
				    strerror(-r));
		break;
	case TRANSPORT_EVENT_CONNECT_FAILED:
	case TRANSPORT_EVENT_DISCONNECTED:
		log_warning("Hub connection: %s: %s", transport_event_to_string(ev),
			    detail ? detail : "");
		if (ev == TRANSPORT_EVENT_DISCONNECTED && a->twin)
			twin_handle_disconnected(a->twin);
		break;
	case TRANSPORT_EVENT_LOG:
		log_debug("%s: %s", a->output->ops->name, detail ? detail : "");
		break;
	default:
		log_debug("Hub connection: %s %s", transport_event_to_string(ev),
			  detail ? detail : "");
		break;
	}
}

/* The spool file failed at run time; the spool carries on in memory (see spool.h). */
static void on_spool_failover(void *userdata, const char *reason)
{
	(void)userdata;
	log_error("Spool: %s; messages are lost if the agent stops while the hub is unreachable",
		  reason);
}

static int open_spool(struct agent *a, const char *dir)
{
	struct spool_settings ss = {
		.dir = dir,
		.max_bytes = (uint64_t)a->cfg.spool_max_bytes,
		.sync = SPOOL_SYNC_NORMAL,
		.on_failover = on_spool_failover,
		.userdata = a,
	};
	struct spool_error serr = { { 0 } };
	int r = spool_open(&ss, &a->spool, &serr);

	if (r >= 0)
		return 0;
	log_error("Failed to open the spool in %s: %s; carrying on in memory (messages are lost "
		  "if the agent stops while the hub is unreachable)",
		  dir, serr.message);
	snprintf(a->spool_open_error, sizeof(a->spool_open_error), "%s", serr.message);
	return spool_open_memory(ss.max_bytes, &a->spool);
}

/*
 * IoT Edge module identity (src/transport/workload): the IOTEDGE_* environment, SAS tokens
 * signed by the workload API, edgeHub at IOTEDGE_GATEWAYHOSTNAME:8883 verified against the
 * trust bundle (written under the state dir), unless --ca-file names other trust anchors.
 * A workload API that does not answer is not fatal: every connection attempt asks again,
 * without blocking the loop.
 */
static int open_workload_identity(struct agent *a, const char *state_dir, struct mqtt_settings *ms,
				  char *bundle, size_t bundle_size)
{
	char err[WORKLOAD_ERROR_MAX];
	struct workload_identity *id;
	int r;

	id = a->workload_id = es_calloc(1, sizeof(*a->workload_id));
	if (!id)
		return 1;
	r = workload_identity_from_env(workload_getenv, NULL, id, err, sizeof(err));
	if (r < 0) {
		log_error("Invalid IoT Edge module environment: %s", err);
		return 2;
	}
	if (snprintf(bundle, bundle_size, "%s/workload-trust-bundle.pem", state_dir) >=
	    (int)bundle_size) {
		log_error("The state directory path is too long: %s", state_dir);
		return 2;
	}
	if (workload_client_new(id, a->opts.ca_file ? NULL : bundle, &a->workload) < 0)
		return 1;
	if (workload_client_attach(a->workload, a->loop) < 0)
		return 1;
	log_info("IoT Edge module %s/%s (hub %s, workload API %s, api-version %s)", id->device_id,
		 id->module_id, id->hub_host, id->socket_path, id->api_version);
	/* The trust bundle is fetched, then the token signed, before each connection attempt
	 * (the bundle only until one fetch succeeded), on the loop. */
	ms->hub_host = id->hub_host;
	ms->device_id = id->device_id;
	ms->module_id = id->module_id;
	ms->password_start = workload_password_start;
	ms->password_userdata = a->workload;
	ms->endpoint.port = 8883;
	ms->endpoint.tls = true;
	snprintf(ms->endpoint.host, sizeof(ms->endpoint.host), "%s", id->gateway_host);
	if (!a->opts.ca_file)
		ms->ca_file = bundle; /* copied by mqtt_transport_open */
	return 0;
}

/*
 * A SAS token is a password valid until it expires: over plain mqtt:// anyone on the path
 * can read it and connect as the module.  Said once, when the hub is set up (the hub is
 * fixed for the life of the process; reconnects do not repeat it).
 */
static void warn_plaintext_token(const struct mqtt_settings *ms)
{
	if (ms->endpoint.tls || (!ms->password && !ms->password_start))
		return;
	log_warning("The hub mqtt://%s:%u is not encrypted: the SAS token of %s/%s goes over the "
		    "network in clear and lets anyone who sees it connect as this module until it "
		    "expires; use mqtts:// with --ca-file",
		    ms->endpoint.host, (unsigned)ms->endpoint.port, ms->device_id, ms->module_id);
}

/* Hub mode: spool + MQTT.  Returns 0, or an exit code. */
static int open_hub(struct agent *a, const char *state_dir)
{
	struct mqtt_settings ms = { 0 };
	char bundle_path[4096] = "";
	int r;

	if (a->opts.connection_string) {
		struct connection_string_error cerr = { { 0 } };

		a->identity = es_calloc(1, sizeof(*a->identity));
		if (!a->identity)
			return 1;
		r = connection_string_parse(a->opts.connection_string,
					    strlen(a->opts.connection_string), a->identity, &cerr);
		if (r < 0) {
			log_error("Invalid connection string: %s", cerr.message);
			return 2;
		}
		mqtt_settings_from_connection_string(&ms, a->identity);
		ms.endpoint.port = 8883;
		ms.endpoint.tls = true;
		snprintf(ms.endpoint.host, sizeof(ms.endpoint.host), "%s",
			 a->identity->gateway_host_name[0] ? a->identity->gateway_host_name
							   : a->identity->host_name);
	} else if (workload_env_present(workload_getenv, NULL)) {
		r = open_workload_identity(a, state_dir, &ms, bundle_path, sizeof(bundle_path));
		if (r != 0)
			return r;
	} else {
		/* A plain broker: the AgentId stands for the device, "edgesec" for the module. */
		ms.device_id = a->agent_id;
		ms.module_id = "edgesec";
	}
	if (a->opts.hub_url &&
	    mqtt_endpoint_parse(a->opts.hub_url, strlen(a->opts.hub_url), &ms.endpoint) < 0) {
		log_error("Invalid --hub '%s': expected mqtt://host:port or mqtts://host:port",
			  a->opts.hub_url);
		return 2;
	}
	if (a->opts.ca_file)
		ms.ca_file = a->opts.ca_file;
	warn_plaintext_token(&ms);
	if (ms.endpoint.tls && !ms.ca_file) {
		log_error("TLS needs trust anchors: give --ca-file FILE (PEM), or use mqtt:// "
			  "explicitly for a plain-text broker");
		return 2;
	}
	ms.client_type = "edgesec/" EDGESEC_VERSION;
	if (open_spool(a, state_dir) < 0)
		return 1;
	r = mqtt_transport_open(a->loop, &ms, a->spool, &a->output);
	if (r < 0) {
		log_error("Failed to set up the MQTT transport: %s", strerror(-r));
		return 1;
	}
	return 0;
}

static int open_output(struct agent *a)
{
	const char *dir = a->opts.state_dir ? a->opts.state_dir : STATE_DIR_DEFAULT;
	char why[SAFEFILE_WHY_MAX] = "";
	int r;

	/* Under IoT Edge (IOTEDGE_WORKLOADURI + IOTEDGE_MODULEID) the module talks to edgeHub. */
	if (a->opts.connection_string || a->opts.hub_url ||
	    (!a->opts.once && workload_env_present(workload_getenv, NULL))) {
		a->local_mode = false;
		r = open_hub(a, dir);
		if (r != 0)
			return r;
	} else {
		r = transport_local_open(a->opts.output_path, run_uid(a), &a->output, why,
					 sizeof(why));
		if (r < 0) {
			log_error("Failed to open the output %s: %s", a->opts.output_path,
				  why[0] ? why : strerror(-r));
			return 1;
		}
	}
	/* Its connection events, and the module twin and direct methods over its control
	 * channel when it has one (hub mode). */
	transport_set_listener(a->output,
			       &(struct transport_listener){ .on_event = on_transport_event,
							     .on_message = on_transport_message,
							     .userdata = a });
	if (transport_has_control(a->output) && open_control(a) < 0)
		return 1;
	return 0;
}

static int start_collectors(struct agent *a)
{
	struct collector_params p = { .sink = pipeline_sink(a->pipeline) };

	/* Collectors keep these pointers; a->cfg is replaced by SIGHUP and twin updates. */
	a->host_root = es_strdup(host_context_root(a->host));
	if (!a->host_root)
		return -ENOMEM;
	if (!a->opts.capture && a->cfg.capture && !(a->capture = es_strdup(a->cfg.capture)))
		return -ENOMEM;
	p.host = a->host;
	p.host_root = a->host_root;
	p.capture = a->opts.capture ? a->opts.capture : a->capture;
	if (a->cfg.login_source && !(a->login_source = es_strdup(a->cfg.login_source)))
		return -ENOMEM;
	p.login_source = a->login_source;
	if (a->cfg.docker_socket && !(a->docker_socket = es_strdup(a->cfg.docker_socket)))
		return -ENOMEM;
	p.docker_socket = a->docker_socket;
	if (a->cfg.deployment_manifest &&
	    !(a->deployment_manifest = es_strdup(a->cfg.deployment_manifest)))
		return -ENOMEM;
	p.deployment_manifest = a->deployment_manifest;
	p.one_shot = a->opts.once;
	p.hub_output = !a->local_mode;

	for (size_t i = 0; i < collector_n_builtins; i++) {
		struct collector *c;
		int r, fd;

		/* `edgesec snapshot` needs only the periodic collectors. */
		if (a->opts.once && !collector_builtins[i]->snapshot)
			continue;
		r = collector_new(collector_builtins[i], &p, &c);
		if (r < 0)
			return r;
		a->collectors[a->n_collectors++] = c;
		if (collector_start(c) < 0) {
			log_warning("Collector %s is not available: %s", c->ops->name,
				    c->last_error);
			continue;
		}
		fd = collector_get_fd(c);
		if (fd < 0 || a->opts.once)
			continue;
		a->watches[i] = (struct collector_watch){ .agent = a, .collector = c };
		r = loop_add_fd(a->loop, fd, EPOLLIN, on_collector_fd, &a->watches[i]);
		if (r < 0)
			log_warning("Failed to watch collector %s: %s", c->ops->name, strerror(-r));
	}
	return 0;
}

/* The host context: --host-root, else edgesec.hostRoot.  0 or an exit code. */
static int open_host(struct agent *a)
{
	const char *root = a->opts.host_root ? a->opts.host_root : a->cfg.host_root;
	char err[256], ns[128];
	int r = host_context_open(root, HOST_CONTEXT_OWN_PROC, &a->host, err, sizeof(err));

	if (r < 0) {
		log_error("%s (set --host-root or edgesec.hostRoot to where the host's root is)",
			  err);
		return r == -ENOMEM ? 1 : 2;
	}
	host_ns_format(a->host, ns, sizeof(ns));
	log_info("Host root %s, host /proc %s, namespaces %s", host_context_root(a->host),
		 host_context_proc_path(a->host)[0] ? host_context_proc_path(a->host) : "(none)",
		 ns);
	return 0;
}

/*
 * --user: who the agent becomes after set-up, and the state directory given to it (as root,
 * before anything is created).  The Docker socket's group joins the user's groups so the
 * containers collector can still connect.  0 or an exit code.
 */
static int prepare_user(struct agent *a)
{
	const char *dir = a->opts.state_dir ? a->opts.state_dir : STATE_DIR_DEFAULT;
	const char *sock = a->cfg.docker_socket;
	char err[512];
	struct stat st;
	int r;

	if (!a->opts.user || a->opts.once)
		return 0;
	r = privilege_user_parse(a->opts.user, &a->user, err, sizeof(err));
	if (r < 0) {
		log_error("--user: %s", err);
		return 2;
	}
	if (geteuid() != 0) {
		if (geteuid() == a->user.uid)
			return 0; /* already that user */
		log_error("--user %s: switching users needs to start as root (uid 0)",
			  a->opts.user);
		return 2;
	}
	if (sock && sock[0] && stat(sock, &st) == 0) {
		if (st.st_gid == 0)
			log_warning("The Docker socket %s belongs to group root: as uid %u the "
				    "containers collector cannot reconnect to it (give dockerd a "
				    "group, e.g. --group docker)",
				    sock, (unsigned)a->user.uid);
		else if (privilege_user_add_group(&a->user, st.st_gid) < 0)
			log_warning("Too many supplementary groups for %s", sock);
	}
	r = state_dir_claim(dir, a->user.uid, a->user.gid, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return 1;
	}
	a->have_user = true;
	return 0;
}

/*
 * Before set-up: every capability the collectors would use and the process lacks, named with
 * what is lost, once (the collectors then say how they fell back).  Quiet for an agent
 * started without any capability (a plain user's `edgesec run`): that is one line.
 */
static void check_capabilities(struct agent *a)
{
	if (privilege_check_start(a->have_user, &a->missing) < 0 || !a->missing.missing)
		return;
	if (geteuid() != 0 && a->missing.n_lines >= 5) {
		log_info("Running without privileges: collectors that need capabilities are "
			 "limited (missing %s)",
			 a->missing.names);
		return;
	}
	for (unsigned i = 0; i < a->missing.n_lines; i++)
		log_warning("Capability check: %s", a->missing.lines[i]);
}

/* After start: which collector misses a host namespace, and the audit lock. */
static void report_host_limits(struct agent *a)
{
	const char *w = audit_control_lock_warning();

	(void)host_check_collectors(a->host, a->collectors, a->n_collectors);
	for (size_t i = 0; i < a->n_collectors; i++)
		if (a->collectors[i]->host_limit[0])
			log_warning("Collector %s is degraded: %s", a->collectors[i]->ops->name,
				    a->collectors[i]->host_limit);
	if (w[0])
		log_warning("Kernel audit: %s", w);
}

static int agent_init(struct agent *a, const struct agent_options *opts)
{
	_cleanup_free_ struct config_report *rep = es_calloc(1, sizeof(*rep)); /* ~53 KiB */
	struct pipeline_settings s;
	bool fs_user;
	int r;

	if (!rep)
		return 1;

	a->opts = *opts;
	a->local_mode = true;
	a->start_mono_ns = time_now_monotonic_ns();
	event_builder_init(&a->builder);
	json_read_init();
	if (load_config(a, &a->base) < 0)
		return 2;
	if (config_copy(&a->cfg, &a->base) < 0)
		return 1;
	if (opts->log_level >= 0)
		log_set_level(opts->log_level);
	else
		log_set_level(a->cfg.log_level);
	if ((r = open_host(a)) != 0)
		return r;
	if ((r = prepare_user(a)) != 0)
		return r;
	check_capabilities(a);
	/* What set-up creates (state dir, AgentId, spool, output) belongs to the run-as user.
	 * Without CAP_SETUID/CAP_SETGID it cannot (the capability check said so): go on. */
	fs_user = a->have_user && (r = privilege_fs_enter(&a->user)) == 0;
	if (a->have_user && !fs_user)
		log_error("Cannot create files as uid %u: %s (needs CAP_SETUID and CAP_SETGID); "
			  "they will be root's",
			  (unsigned)a->user.uid, strerror(-r));
	r = open_state(a) < 0 ? 1 : 0;
	if (r == 0 && (r = loop_new(on_signal, a, &a->loop)) < 0) {
		log_error("Failed to set up the event loop: %s", strerror(-r));
		r = 1;
	}
	if (r == 0)
		r = open_output(a);
	if (fs_user)
		privilege_fs_leave();
	if (r != 0)
		return r;
	pipeline_settings_from(&a->cfg, &s);
	a->pipeline = pipeline_new(a->agent_id, EDGESEC_VERSION, &s, on_publish, a);
	if (!a->pipeline)
		return 1;
	if (detect_agent_new(a->pipeline, a->loop, &a->detect) < 0)
		return 1;
	if (start_collectors(a) < 0)
		return 1;
	report_host_limits(a);
	for (size_t i = 0; i < a->n_collectors; i++) { /* e.g. host posture reads every event */
		struct event_observer *o = collector_observer(a->collectors[i]);

		if (o && pipeline_add_observer(a->pipeline, o) < 0)
			log_warning("Failed to watch events for the %s collector",
				    a->collectors[i]->ops->name);
	}
	apply_config(a);
	config_check_conflicts(&a->cfg, rep);
	report_config(a, rep, opts->config_path ? opts->config_path : "defaults");
	return 0;
}

static int agent_loop(struct agent *a)
{
	int r;

	a->t_snapshot = loop_timer_new(a->loop, on_snapshot_timer, a);
	a->t_high = loop_timer_new(a->loop, on_flush_timer, a);
	a->t_low = loop_timer_new(a->loop, on_flush_timer, a);
	a->t_heartbeat = loop_timer_new(a->loop, on_heartbeat_timer, a);
	a->t_aggregation = loop_timer_new(a->loop, on_aggregation_timer, a);
	if (a->twin) {
		a->t_twin = loop_timer_new(a->loop, on_twin_timer, a);
		loop_timer_arm_in(a->t_twin, TWIN_TICK_MS * NSEC_PER_MSEC);
	}
	/* ---- least privilege (core/privilege.c): set-up is over, keep what collectors use ---- */
	r = privilege_drop(a->collectors, a->n_collectors, a->have_user ? &a->user : NULL,
			   &a->privilege);
	if (a->privilege.user_error[0])
		log_error("%s; carrying on as %s", a->privilege.user_error, a->privilege.run_as);
	if (r < 0)
		log_warning("Could not drop every capability: %s; kept %s", strerror(-r),
			    a->privilege.kept_names);
	else
		log_info("Capabilities kept: %s; running as %s; no_new_privs set",
			 a->privilege.kept_names, a->privilege.run_as);
	/* ---- end of least privilege ---- */
	emit_heartbeat(a);
	take_snapshot(a, true);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_HIGH);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_LOW);
	rearm_flush_timers(a);
	/* Start-up (BTF parsing for CO-RE above all) freed a few MiB: give them back. */
	(void)malloc_trim(0);
	log_info("edgesec %s running: output %s", EDGESEC_VERSION, transport_describe(a->output));
	r = loop_run(a->loop);
	for (size_t i = 0; i < a->n_collectors; i++)
		collector_stop(a->collectors[i]);
	detect_agent_flush(a->detect);
	pipeline_flush_all(a->pipeline);
	return r < 0 ? 1 : r;
}

int agent_run(const struct agent_options *opts)
{
	struct agent a = { 0 };
	int r = agent_init(&a, opts);

	if (r == 0 && opts->once) {
		take_snapshot(&a, false);
		pipeline_flush_together(a.pipeline);
	} else if (r == 0) {
		r = agent_loop(&a);
	}
	/* Local output that could not be written (a full disk, /dev/full) is a failure. */
	if (r == 0 && a.local_mode && a.output && a.publish_errors_logged) {
		log_error("%llu message(s) could not be written to %s",
			  (unsigned long long)a.publish_errors_logged,
			  transport_describe(a.output));
		r = 1;
	}
	agent_done(&a);
	return r;
}
