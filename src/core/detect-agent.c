/* SPDX-License-Identifier: MIT */
/*
 * The detection engine wired into the agent (see detect-agent.h).
 *
 * Timers: `t_flush` fires right after an Alert was queued (one flush of the High queue per
 * loop iteration, however many alerts it queued: dedup and the per-rule rate bound them);
 * `t_tick` fires at the engine's next deadline (a repeat window ending), at most once a
 * second.
 */
#include "detect-agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/json_write.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "loop/loop.h"
#include "detect/detect.h"
#include "pipeline/pipeline.h"

#define TICK_MIN_NS NSEC_PER_SEC
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct detect_agent {
	struct event_observer observer; /* forwards to the engine, then arms t_tick */
	struct detect_engine *engine;
	struct pipeline *pl;
	struct loop_timer *t_flush, *t_tick;
	uint64_t tick_for_ns;	    /* realtime deadline t_tick is armed for, 0: none */
	uint64_t last_tick_mono_ns; /* last sweep */
	bool enabled;
	struct event_builder builder;
};

static void arm_tick(struct detect_agent *da)
{
	uint64_t deadline = detect_engine_next_deadline(da->engine), now, mono, delay, earliest;

	if (!da->t_tick || !deadline || (da->tick_for_ns && da->tick_for_ns <= deadline))
		return;
	now = time_now_realtime_ns();
	mono = time_now_monotonic_ns();
	delay = deadline > now ? deadline - now : 0;
	earliest = da->last_tick_mono_ns + TICK_MIN_NS;
	if (mono + delay < earliest)
		delay = earliest - mono;
	da->tick_for_ns = deadline;
	loop_timer_arm_in(da->t_tick, delay);
}

static void observe(struct event_observer *o, const struct event *e, uint64_t now_ns)
{
	struct detect_agent *da = container_of(o, struct detect_agent, observer);

	detect_engine_observe(da->engine, e, now_ns);
	if (da->t_tick && detect_engine_next_deadline(da->engine))
		arm_tick(da);
}

static bool consumes(const struct event_observer *o, enum event_type t)
{
	return detect_engine_wants(container_of(o, struct detect_agent, observer)->engine, t);
}

static void on_tick(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct detect_agent *da = userdata;

	(void)l;
	(void)t;
	da->tick_for_ns = 0;
	da->last_tick_mono_ns = time_now_monotonic_ns();
	detect_engine_tick(da->engine, time_now_realtime_ns());
	arm_tick(da);
}

static void on_flush(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct detect_agent *da = userdata;

	(void)l;
	(void)t;
	pipeline_flush(da->pl, EVENT_PRIORITY_HIGH);
}

static void on_alert(void *userdata)
{
	struct detect_agent *da = userdata;

	if (da->t_flush && !loop_timer_deadline(da->t_flush))
		loop_timer_arm_in(da->t_flush, 0);
	if (da->t_tick)
		arm_tick(da);
}

int detect_agent_new(struct pipeline *pl, struct loop *loop, struct detect_agent **ret)
{
	struct detect_settings s = { 0 };
	struct detect_agent *da = es_calloc(1, sizeof(*da));
	int r;

	if (!da)
		return -ENOMEM;
	da->pl = pl;
	da->observer.observe = observe;
	da->observer.consumes = consumes;
	event_builder_init(&da->builder);
	r = detect_engine_new(&s, pipeline_sink(pl), &da->engine);
	if (r < 0)
		goto fail;
	detect_engine_on_alert(da->engine, on_alert, da);
	if (loop) {
		da->t_flush = loop_timer_new(loop, on_flush, da);
		da->t_tick = loop_timer_new(loop, on_tick, da);
		if (!da->t_flush || !da->t_tick) {
			r = -ENOMEM;
			goto fail;
		}
	}
	r = pipeline_add_observer(pl, &da->observer);
	if (r < 0)
		goto fail;
	*ret = da;
	return 0;
fail:
	detect_agent_free(da);
	return r;
}

struct detect_agent *detect_agent_free(struct detect_agent *da)
{
	if (!da)
		return NULL;
	loop_timer_free(da->t_flush);
	loop_timer_free(da->t_tick);
	detect_engine_free(da->engine);
	event_builder_done(&da->builder);
	es_free(da);
	return NULL;
}

/* A rules problem as a ConfigurationError (the agent's other configuration errors look alike). */
static void report_issue(struct detect_agent *da, const struct config *cfg,
			 const struct detect_issue *is, bool error)
{
	char msg[1024];
	struct buf used;
	struct jw w;
	struct event *e;
	bool overrides = strcmp(is->file, "detectionRules") == 0;

	detect_issue_format(is, msg, sizeof(msg));
	if (error)
		log_error("Detection rules: %s%s", msg, overrides ? "" : " (file skipped)");
	else
		log_warning("Detection rules: %s", msg);
	buf_init(&used, 64 * 1024);
	jw_init(&w, &used);
	config_format_reported(cfg, &w);
	event_builder_begin(&da->builder, EVENT_CONFIGURATION_ERROR, time_now_realtime_ns());
	event_builder_item(&da->builder);
	event_add_cstr(&da->builder, CE_CONFIGURATION_NAME,
		       overrides ? "detectionRules" : "detectionRulesPath");
	event_add_cstr(&da->builder, CE_ERROR_TYPE, error ? "TypeMismatch" : "NotOptimal");
	event_add_str(&da->builder, CE_USED_CONFIGURATION, used.data ? used.data : "", used.len);
	event_add_cstr(&da->builder, CE_MESSAGE, msg);
	event_add_extra_cstr(&da->builder, "File", is->file);
	if (is->rule_id[0])
		event_add_extra_cstr(&da->builder, "RuleId", is->rule_id);
	if (is->pointer[0])
		event_add_extra_cstr(&da->builder, "Pointer", is->pointer);
	if (event_builder_finish(&da->builder, &e) == 0)
		event_sink_submit(pipeline_sink(da->pl), e);
	buf_done(&used);
}

/* What the rules just set took from the store of baselines (windows kept across restarts). */
static void log_restored(struct detect_agent *da, const struct detect_stats *b,
			 const struct detect_stats *a)
{
	struct detect_persist_issue is[DETECT_PERSIST_ISSUES_MAX];
	unsigned n = detect_engine_take_persist_issues(da->engine, is, DETECT_PERSIST_ISSUES_MAX);
	uint64_t refused = a->persist_refused - b->persist_refused;

	for (unsigned i = 0; i < n; i++)
		log_warning("Detection: the saved windows of rule '%s' are not used (%s, at byte "
			    "%zu of its record): its threshold/sequence progress starts empty",
			    is[i].rule_id, is[i].message, is[i].offset);
	if (refused > n)
		log_warning("Detection: %llu more saved window records not used",
			    (unsigned long long)(refused - n));
	if (a->persist_restored > b->persist_restored || a->persist_expired > b->persist_expired ||
	    a->persist_stale > b->persist_stale)
		log_info("Detection: %llu threshold/sequence window(s) kept from the last run "
			 "(%llu ended while the agent was stopped, %llu record(s) of changed rules "
			 "dropped)",
			 (unsigned long long)(a->persist_restored - b->persist_restored),
			 (unsigned long long)(a->persist_expired - b->persist_expired),
			 (unsigned long long)(a->persist_stale - b->persist_stale));
}

static void load_rules(struct detect_agent *da, const struct config *cfg)
{
	struct detect_report *rep = es_calloc(1, sizeof(*rep));
	struct detect_ruleset *rs = NULL;
	struct detect_stats st, before;
	bool missing_ok = cfg->detection_rules_path &&
			  strcmp(cfg->detection_rules_path, DETECT_RULES_PATH_DEFAULT) == 0;

	if (!rep)
		return;
	if (detect_ruleset_load_all(cfg->detection_rules_path, missing_ok, cfg->detection_rules,
				    &rs, rep) < 0) {
		log_error("Failed to load the detection rules: out of memory");
		es_free(rep);
		return;
	}
	for (unsigned i = 0; i < rep->n_errors; i++)
		report_issue(da, cfg, &rep->errors[i], true);
	for (unsigned i = 0; i < rep->n_warnings; i++)
		report_issue(da, cfg, &rep->warnings[i], false);
	if (rep->n_dropped)
		log_warning("Detection rules: %u more problems not listed", rep->n_dropped);
	detect_engine_get_stats(da->engine, &before);
	detect_engine_set_rules(da->engine, rs);
	detect_engine_get_stats(da->engine, &st);
	log_restored(da, &before, &st);
	log_info("Detection: %u rules (%u enabled) from %u files%s", st.rules, st.rules_enabled,
		 rep->files_loaded, rep->files_skipped ? " (files skipped: see above)" : "");
	es_free(rep);
}

void detect_agent_configure(struct detect_agent *da, const struct config *cfg)
{
	struct detect_settings s = {
		.dedup_window_ms = cfg->detection_dedup_window_ms,
		.max_state_entries = (size_t)cfg->detection_max_state_entries,
		.max_state_bytes = (size_t)cfg->detection_max_state_mib << 20,
		.alerts_per_minute = (unsigned)cfg->detection_alerts_per_minute,
	};

	detect_engine_configure(da->engine, &s);
	if (!cfg->detection_enabled) {
		if (da->enabled)
			log_info("Detection: off (detectionEnabled false)");
		da->enabled = false;
		detect_engine_set_rules(da->engine, NULL);
		return;
	}
	da->enabled = true;
	load_rules(da, cfg);
}

bool detect_agent_wants(const struct detect_agent *da, enum event_type t)
{
	return da && detect_engine_wants(da->engine, t);
}

void detect_agent_set_persist(struct detect_agent *da, struct persist *p)
{
	if (da)
		detect_engine_set_persist(da->engine, p);
}

void detect_agent_save(struct detect_agent *da)
{
	if (da)
		(void)detect_engine_save(da->engine);
}

void detect_agent_flush(struct detect_agent *da)
{
	if (da)
		detect_engine_flush(da->engine, time_now_realtime_ns());
}

void detect_agent_heartbeat_extras(void *userdata, struct event_builder *b)
{
	struct detect_agent *da = userdata;
	struct detect_stats st;

	if (!da)
		return;
	detect_engine_get_stats(da->engine, &st);
	event_add_extra_u64(b, "DetectionRules", st.rules_enabled);
	event_add_extra_u64(b, "DetectionAlerts", st.alerts);
	event_add_extra_u64(b, "DetectionRepeats", st.repeats);
	event_add_extra_u64(b, "DetectionSuppressed", st.suppressed);
	event_add_extra_u64(b, "DetectionStateEntries", st.state_entries);
	event_add_extra_u64(b, "DetectionStateBytes", st.state_bytes);
	event_add_extra_u64(b, "DetectionStateEvicted", st.state_evicted);
	event_add_extra_u64(b, "DetectionErrors", st.eval_errors + st.key_too_long);
}
