/* SPDX-License-Identifier: MIT */
/*
 * The agent's store of baselines (see agent-persist.h and common/persist.h).
 *
 * Opened with the state directory (as the run-as user, so the file is its own), before the
 * collectors start and before the rules are loaded, so that the users collector's first
 * comparison and the new-value rules' first events are measured against what was saved at
 * the last run.  Written: by the users collector after a change, and here after every
 * snapshot, at every Heartbeat and at shutdown (only when something changed).  Losing the
 * last seconds to a crash only means a change is reported again at the next start, never
 * that one is missed.  Owns the store; the log lines about it are all here.
 */
#include "agent-persist.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "agent-int.h"
#include "common/log.h"
#include "common/persist.h"
#include "detect-agent.h"
#include "pipeline/event.h"

void agent_persist_open(struct agent *a, int dirfd, const char *dir, bool agent_id_new)
{
	struct persist_error err = { { 0 } };
	struct persist_stats st;
	int r;

	r = persist_new(dirfd, PERSIST_FILE, a->have_user ? a->user.uid : geteuid(), &a->persist);
	if (r < 0) {
		log_warning("Baselines: cannot keep them in %s (%s): they are kept in memory only, "
			    "and the next start takes fresh ones",
			    dir, strerror(-r));
		a->persist = NULL;
		a->persist_start = "memory";
		return;
	}
	r = persist_load(a->persist, &err);
	persist_get_stats(a->persist, &st);
	a->persist_start = r == 0			  ? "kept"
			   : r == -ENOENT && agent_id_new ? "new"
			   : r == -ENOENT		  ? "missing"
							  : "unusable";
	if (r == 0)
		log_info("Baselines: %zu kept in %s/%s (%zu bytes): changes made while the agent "
			 "was not running are reported",
			 st.records, dir, PERSIST_FILE, st.file_bytes);
	else if (r == -ENOENT && agent_id_new)
		log_info("Baselines: none saved in %s yet: this start takes them", dir);
	else if (r == -ENOENT) /* an attacker's way to a fresh baseline, or an older version */
		log_warning("Baselines: none in %s although its AgentId is from an earlier run "
			    "(the file was removed, or the earlier runs were `edgesec snapshot` or "
			    "a version that kept none): "
			    "this start takes new baselines; changes made while the agent was "
			    "stopped are not reported",
			    dir);
	else if (err.offset)
		log_warning("Baselines: %s/%s is not used (%s, at byte %zu): starting fresh "
			    "baselines; the file is replaced at the next save",
			    dir, PERSIST_FILE, err.message, err.offset);
	else
		log_warning("Baselines: %s/%s is not used (%s): starting fresh baselines; the "
			    "file is replaced at the next save",
			    dir, PERSIST_FILE, err.message[0] ? err.message : strerror(-r));
}

void agent_persist_save(struct agent *a)
{
	struct persist_stats st;
	uint64_t left_out;

	if (!a->persist)
		return;
	detect_agent_save(a->detect);
	(void)persist_flush(a->persist);
	persist_get_stats(a->persist, &st);
	if (st.last_write_error && !a->persist_error_logged) {
		log_warning("Baselines: failed to save them in the state directory: %s; they are "
			    "kept in memory (tried again at every save)",
			    strerror(-st.last_write_error));
		a->persist_error_logged = true;
	} else if (!st.last_write_error && a->persist_error_logged) {
		log_info("Baselines: saved again");
		a->persist_error_logged = false;
	}
	left_out = st.refused + st.omitted;
	if (left_out > a->persist_left_out_logged) {
		log_warning(
			"Baselines: %llu record(s) and %llu value(s) not saved so far (caps: %u "
			"bytes a record, %u in all): those start fresh at the next start",
			(unsigned long long)st.refused, (unsigned long long)st.omitted,
			PERSIST_RECORD_MAX, PERSIST_TOTAL_MAX);
		a->persist_left_out_logged = left_out;
	}
}

void agent_persist_heartbeat_extras(struct agent *a, struct event_builder *b)
{
	struct persist_stats st;

	event_add_extra_cstr(b, "Baselines", a->persist_start ? a->persist_start : "memory");
	if (!a->persist)
		return;
	persist_get_stats(a->persist, &st);
	if (st.last_write_error)
		event_add_extra_cstr(b, "BaselinesSaveError", strerror(-st.last_write_error));
	if (st.refused + st.omitted)
		event_add_extra_u64(b, "BaselinesNotSaved", st.refused + st.omitted);
}

void agent_persist_close(struct agent *a)
{
	agent_persist_save(a);
	a->persist = persist_free(a->persist);
}
