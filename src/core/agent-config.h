/* SPDX-License-Identifier: MIT */
#pragma once

/* The agent's configuration: load, reload, apply (agent-config.c). */

#include "config/config.h"
#include "pipeline/pipeline.h"

struct agent;

/* Defaults < --config file into a->base and a->cfg, and the log level.  0 or an exit code. */
int agent_config_load(struct agent *a);
/* SIGHUP: re-reads the --config file; an invalid one is rejected whole. */
void agent_config_reload(struct agent *a);
/* The configuration in force changed (a->cfg): tell every part. */
void agent_config_apply(struct agent *a);
/* Log lines and ConfigurationError events (once the pipeline exists) for a report. */
void agent_config_report(struct agent *a, const struct config_report *r, const char *source);
void agent_config_pipeline_settings(const struct config *c, struct pipeline_settings *s);
