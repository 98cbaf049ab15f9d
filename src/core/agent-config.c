/* SPDX-License-Identifier: MIT */
/*
 * The agent's configuration: loading it (defaults < --config file), re-reading it on SIGHUP,
 * and applying the configuration in force to every part whenever it changes (start, SIGHUP,
 * module twin): log level, redaction, pipeline settings, detection, each collector's own
 * settings (collector_ops.configure) and which collectors run (a collector whose event
 * types are all Off and that no detection rule reads is disabled), then the timers.
 *
 * Problems are reported twice, as log lines and as ConfigurationError events (once the
 * pipeline exists): rejected updates, warnings, and a collector's issues with its own
 * settings.  Owns nothing: a->base and a->cfg are the agent's (agent-int.h).
 */
#include "agent-config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent-control.h"
#include "agent-int.h"
#include "agent-output.h"
#include "agent-timers.h"
#include "common/alloc.h"
#include "common/json_write.h"
#include "common/redact.h"
#include "common/timeutil.h"
#include "detect-agent.h"

void agent_config_pipeline_settings(const struct config *c, struct pipeline_settings *s)
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

void agent_config_report(struct agent *a, const struct config_report *r, const char *source)
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

/* A collector whose event types are all Off (and that no detection rule reads) is disabled;
 * it comes back in the state it had. */
static void enable_collectors(struct agent *a)
{
	for (size_t i = 0; i < a->n_collectors; i++) {
		struct collector *c = a->collectors[i];
		bool on = agent_collector_wanted(a, c);

		if (!on && c->state != COLLECTOR_STATE_FAILED &&
		    c->state != COLLECTOR_STATE_DISABLED) {
			a->state_before_disabled[i] = c->state;
			c->state = COLLECTOR_STATE_DISABLED;
		} else if (on && c->state == COLLECTOR_STATE_DISABLED) {
			c->state = a->state_before_disabled[i];
		}
	}
}

/* The configuration in force changed: tell every part. */
void agent_config_apply(struct agent *a)
{
	struct pipeline_settings s;

	if (a->opts.log_level < 0)
		log_set_level(a->cfg.log_level);
	configure_redaction(a);
	agent_config_pipeline_settings(&a->cfg, &s);
	agent_output_limit_settings(a, &s);
	pipeline_apply(a->pipeline, &s);
	detect_agent_configure(a->detect, &a->cfg);
	configure_collectors(a);
	enable_collectors(a);
	if (a->loop)
		agent_timers_rearm(a);
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

int agent_config_load(struct agent *a)
{
	if (load_config(a, &a->base) < 0)
		return 2;
	if (config_copy(&a->cfg, &a->base) < 0)
		return 1;
	if (a->opts.log_level >= 0)
		log_set_level(a->opts.log_level);
	else
		log_set_level(a->cfg.log_level);
	return 0;
}

void agent_config_reload(struct agent *a)
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
	agent_config_report(a, &rep, a->opts.config_path);
	agent_config_apply(a);
	log_info("Reloaded configuration from %s", a->opts.config_path);
	agent_control_reloaded(a);
}
