/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The agent's shared state, for the files of core/ that make up the agent (agent.c and the
 * agent-*.c files; agent.c's comment says which does what).  One struct, grouped by the file
 * that owns each part; every other file only reads what is not its own.  Nothing outside
 * core/ includes this.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent.h"
#include "collectors/collector.h"
#include "common/guid.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "privilege.h"
#include "seccomp.h"
#include "spool/spool.h"

#define AGENT_COLLECTORS_MAX 16

struct agent;
struct connection_string;
struct container_lookup;
struct detect_agent;
struct host_context;
struct loop;
struct loop_timer;
struct methods;
struct persist;
struct transport;
struct twin;
struct workload_client;
struct workload_identity;

/* A collector's fd on the loop (agent-timers.c). */
struct collector_watch {
	struct agent *agent;
	struct collector *collector;
};

struct agent {
	/* agent.c: lifecycle, host, user, collectors */
	struct agent_options opts;
	struct loop *loop;
	struct host_context *host;  /* shared by every collector */
	struct privilege_user user; /* --user, when have_user */
	bool have_user;
	struct privilege_missing missing;  /* capabilities set-up lacked */
	struct privilege_result privilege; /* what privilege_drop() kept */
	struct seccomp_result seccomp;	   /* the system-call filter in force */
	/* container attribution, shared by every collector (enrich/container-lookup.h) */
	struct container_lookup *containers;
	struct collector *collectors[AGENT_COLLECTORS_MAX];
	size_t n_collectors;
	char *host_root, *capture; /* the collectors' copies: never pointers into cfg */
	char *login_source;
	char *docker_socket;
	char *deployment_manifest;
	struct pipeline *pipeline;
	struct detect_agent *detect; /* on-device detection (core/detect-agent.h) */
	/* agent-persist.c: baselines kept across restarts; NULL (snapshot, no store): none */
	struct persist *persist;
	const char *persist_start; /* "kept", "new", "missing", "unusable", "memory" */
	bool persist_error_logged;
	uint64_t persist_left_out_logged;
	struct event_builder builder;
	uint64_t start_mono_ns;

	/* agent-config.c */
	struct config base; /* defaults < file: what null in a twin patch restores */
	struct config cfg;  /* in force */
	enum collector_state state_before_disabled[AGENT_COLLECTORS_MAX];

	/* agent-output.c */
	char agent_id[GUID_STR_LEN + 1];
	bool local_mode;
	struct transport *output;
	size_t output_line_max; /* local output to the journal: its longest line, else 0 */
	uint64_t publish_errors_logged;
	struct spool *spool;			/* hub mode only */
	char spool_open_error[SPOOL_ERROR_MAX]; /* why the file could not be used at start */
	struct connection_string *identity;	/* hub mode with a connection string */
	struct workload_identity *workload_id;	/* hub mode as an IoT Edge module */
	struct workload_client *workload;

	/* agent-control.c: hub mode only (a transport with a control channel) */
	struct twin *twin;
	struct methods *methods;
	struct loop_timer *t_twin; /* twin_tick() every few seconds */

	/* agent-timers.c */
	struct collector_watch watches[AGENT_COLLECTORS_MAX];
	struct loop_timer *t_snapshot, *t_high, *t_low, *t_heartbeat, *t_aggregation;
};
