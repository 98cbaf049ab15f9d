/* SPDX-License-Identifier: MIT */
#include "heartbeat.h"

#include "common/alloc.h"
#include "common/json_write.h"
#include "common/redact.h"
#include "common/timeutil.h"
#include "process-stats.h"

/* "LostByType": {"ProcessCreate": n, ...}, only the types with losses, only if any. */
static void format_lost_by_type(struct jw *w, const struct collector_stats *st)
{
	bool any = false;

	for (int t = 0; t < _EVENT_TYPE_MAX; t++) {
		if (!st->lost_by_type[t])
			continue;
		if (!any) {
			jw_key(w, "LostByType");
			jw_obj_begin(w);
			any = true;
		}
		jw_key(w, event_type_to_string((enum event_type)t));
		jw_uint(w, st->lost_by_type[t]);
	}
	if (any)
		jw_obj_end(w);
}

static void format_collectors(const struct heartbeat_input *in, struct buf *out)
{
	struct jw w;

	jw_init(&w, out);
	jw_arr_begin(&w);
	for (size_t i = 0; i < in->n_collectors; i++) {
		struct collector *c = in->collectors[i];
		const char *detail = collector_describe(c);

		jw_obj_begin(&w);
		jw_key(&w, "Name");
		jw_cstr(&w, c->ops->name);
		jw_key(&w, "State");
		jw_cstr(&w, collector_state_to_string(collector_state_shown(c)));
		jw_key(&w, "Events");
		jw_uint(&w, c->stats.events);
		jw_key(&w, "Items");
		jw_uint(&w, c->stats.items);
		jw_key(&w, "Runs");
		jw_uint(&w, c->stats.runs);
		jw_key(&w, "Errors");
		jw_uint(&w, c->stats.errors);
		jw_key(&w, "Skipped");
		jw_uint(&w, c->stats.skipped);
		jw_key(&w, "Lost");
		jw_uint(&w, c->stats.lost);
		format_lost_by_type(&w, &c->stats);
		if (detail && detail[0]) {
			jw_key(&w, "Detail");
			jw_cstr(&w, detail);
		}
		if (c->last_error[0]) {
			jw_key(&w, "LastError");
			jw_cstr(&w, c->last_error);
		}
		if (c->host_limit[0]) {
			jw_key(&w, "HostLimit");
			jw_cstr(&w, c->host_limit);
		}
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
}

/*
 * SpoolState: "file", "memory" (the file could not be used at start) or "memory-failover"
 * (it failed at run time); SpoolError says why.  Counters are totals since start.
 */
static void add_spool(struct event_builder *b, const struct heartbeat_input *in)
{
	struct spool_stats st;
	const char *why = "";

	if (!in->spool)
		return;
	spool_get_stats(in->spool, &st);
	if (st.failovers) {
		event_add_extra_cstr(b, "SpoolState", "memory-failover");
		why = spool_last_error(in->spool);
	} else if (st.memory) {
		event_add_extra_cstr(b, "SpoolState", "memory");
		why = in->spool_open_error ? in->spool_open_error : "";
	} else {
		event_add_extra_cstr(b, "SpoolState", "file");
	}
	if (why[0])
		event_add_extra_cstr(b, "SpoolError", why);
	event_add_extra_u64(b, "SpoolEntries", st.rows);
	event_add_extra_u64(b, "SpoolBytes", st.bytes);
	event_add_extra_u64(b, "SpoolMaxBytes", st.max_bytes);
	event_add_extra_u64(b, "SpoolInFlight", st.inflight);
	event_add_extra_u64(b, "SpoolEvicted", st.evicted_low + st.evicted_high);
	event_add_extra_u64(b, "SpoolRejected", st.rejected);
	event_add_extra_u64(b, "SpoolDuplicates", st.duplicates);
	event_add_extra_u64(b, "SpoolErrors", st.errors);
	event_add_extra_u64(b, "SpoolFailovers", st.failovers);
	event_add_extra_u64(b, "SpoolLost", st.lost);
}

int heartbeat_build(struct event_builder *b, const struct heartbeat_input *in, uint64_t now_ns,
		    struct event **ret)
{
	struct pipeline_stats ps;
	struct process_stats pr;
	struct redact_stats rs;
	struct buf collectors;
	int r;

	pipeline_get_stats(in->pipeline, &ps);
	(void)process_stats_read(&pr);
	buf_init(&collectors, 64 * 1024);
	format_collectors(in, &collectors);

	event_builder_begin(b, EVENT_HEARTBEAT, now_ns);
	event_builder_item(b);
	event_add_int(b, HB_UPTIME_SECONDS,
		      (int64_t)((time_now_monotonic_ns() - in->start_monotonic_ns) / NSEC_PER_SEC));
	event_add_int(b, HB_RSS_KIB, (int64_t)pr.rss_kib);
	event_add_int(b, HB_PEAK_RSS_KIB, (int64_t)pr.peak_rss_kib);
	event_add_int(b, HB_CPU_USER_MS, (int64_t)pr.cpu_user_ms);
	event_add_int(b, HB_CPU_SYSTEM_MS, (int64_t)pr.cpu_system_ms);
	event_add_int(b, HB_HEAP_BYTES, (int64_t)es_alloc_in_use());
	event_add_int(b, HB_QUEUE_HIGH_EVENTS, (int64_t)ps.high_events);
	event_add_int(b, HB_QUEUE_HIGH_BYTES, (int64_t)ps.high_bytes);
	event_add_int(b, HB_QUEUE_LOW_EVENTS, (int64_t)ps.low_events);
	event_add_int(b, HB_QUEUE_LOW_BYTES, (int64_t)ps.low_bytes);
	event_add_int(b, HB_CACHE_LIMIT_BYTES, (int64_t)ps.budget_bytes);
	event_add_int(b, HB_AGGREGATION_ENTRIES, (int64_t)ps.aggregation.entries);
	event_add_int(b, HB_EVENTS_COLLECTED, (int64_t)ps.submitted);
	event_add_int(b, HB_EVENTS_DROPPED,
		      (int64_t)(ps.high.dropped + ps.low.dropped + ps.messages.oversize_dropped));
	event_add_int(b, HB_EVENTS_TRUNCATED, (int64_t)ps.messages.truncated);
	event_add_int(b, HB_MESSAGES_SENT, (int64_t)ps.messages.messages);
	event_add_int(b, HB_MESSAGES_FAILED, (int64_t)ps.messages.failed);
	if (collectors.failed)
		event_add_json(b, HB_COLLECTORS, "[]", 2);
	else
		event_add_json(b, HB_COLLECTORS, collectors.data, collectors.len);
	event_add_cstr(b, HB_OUTPUT, in->output);
	if (in->output_error && in->output_error[0])
		event_add_extra_cstr(b, "OutputLastError", in->output_error);
	event_add_extra_u64(b, "EventsFiltered", ps.filtered);
	event_add_extra_u64(b, "EventsConsumedByRules", ps.consumed);
	event_add_extra_u64(b, "EventsLostAtSource", ps.lost_at_source);
	event_add_extra_u64(b, "EventsAggregated", ps.aggregation.absorbed);
	event_add_extra_u64(b, "AggregationBypassed", ps.aggregation.bypassed);
	event_add_extra_u64(b, "HeapPeakBytes", es_alloc_peak());
	redact_get_stats(&rs);
	event_add_extra_cstr(b, "Redaction", redact_enabled() ? "on" : "off");
	event_add_extra_u64(b, "SecretsRedacted", rs.secrets);
	add_spool(b, in);
	if (in->capabilities && in->capabilities[0])
		event_add_extra_cstr(b, "Capabilities", in->capabilities);
	if (in->run_as && in->run_as[0])
		event_add_extra_cstr(b, "RunAs", in->run_as);
	if (in->missing_capabilities && in->missing_capabilities[0])
		event_add_extra_cstr(b, "MissingCapabilities", in->missing_capabilities);
	if (in->seccomp && in->seccomp[0])
		event_add_extra_cstr(b, "Seccomp", in->seccomp);
	if (in->host) {
		char ns[128];

		event_add_extra_cstr(b, "HostRoot", host_context_root(in->host));
		event_add_extra_cstr(b, "HostProc", host_context_proc_path(in->host));
		host_ns_format(in->host, ns, sizeof(ns));
		event_add_extra_cstr(b, "HostNamespaces", ns);
	}
	if (in->add_extras)
		in->add_extras(in->extras_userdata, b);
	r = event_builder_finish(b, ret);
	buf_done(&collectors);
	return r;
}
