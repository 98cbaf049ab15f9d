/* SPDX-License-Identifier: MIT */
#pragma once

/* The agent's identity and output: state directory, AgentId, transport (agent-output.c). */

#include "pipeline/message.h"
#include "pipeline/pipeline.h"

struct agent;

/* The state directory and the AgentId in it.  0 or -errno (logged). */
int agent_state_open(struct agent *a);
/* Local or hub output, from the options.  0 or an exit code (logged). */
int agent_output_open(struct agent *a);
/* Caps the message size of pipeline settings at what the output keeps whole (the journal's
 * line length when local output is a journal stream), else leaves them as configured. */
void agent_output_limit_settings(const struct agent *a, struct pipeline_settings *s);
/* The pipeline's publish callback (userdata: the agent). */
int agent_output_publish(void *userdata, const struct message *m);
/* The transport, then the spool and the identity it used. */
void agent_output_close(struct agent *a);
