/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The agent: owns the configuration, the loop, the collectors, the pipeline and the output,
 * and wires them together through their interfaces (collectors/collector.h,
 * transport/transport.h).  Its files are core/agent*.c (agent.c says which does what) with
 * their shared state in agent-int.h; this is the only entry point outside core/.
 */

#include <stdbool.h>

#include "common/log.h"

struct agent_options {
	const char *config_path;  /* NULL: defaults only */
	const char *output_path;  /* NULL or "-": stdout */
	const char *state_dir;	  /* NULL: STATE_DIR_DEFAULT */
	enum log_level log_level; /* _LOG_LEVEL_INVALID: from config */
	/* Hub connection; all NULL = local mode (stdout/file).  The connection string is a
	 * secret: it is never logged and is wiped from memory when the agent stops. */
	const char *connection_string;
	const char *hub_url;   /* mqtt[s]://host:port: where to connect (overrides the gateway) */
	const char *ca_file;   /* trust anchors for TLS */
	const char *capture;   /* --capture auto|ebpf|audit|cnproc; NULL: edgesec.capture */
	const char *host_root; /* --host-root DIR; NULL: edgesec.hostRoot */
	/* --user NAME|UID[:GROUP|:GID]: the dedicated user to run as after set-up (state dir,
	 * spool and output are created as it); NULL: the uid stays as started. */
	const char *user;
	bool once; /* `edgesec snapshot`: one snapshot, flush, exit */
};

/* Runs until SIGINT/SIGTERM (or after one snapshot with `once`); returns an exit code. */
int agent_run(const struct agent_options *opts);
