/* SPDX-License-Identifier: MIT */
#pragma once

/* The output's listener, module twin and direct methods (agent-control.c). */

struct agent;

/* Listens to a->output; with a control channel, creates the twin and methods.  0 or -errno. */
int agent_control_open(struct agent *a);
/* On the loop, before it runs: the twin's tick timer (hub mode). */
void agent_control_start(struct agent *a);
/* The local configuration file was re-read: ask the twin again. */
void agent_control_reloaded(struct agent *a);
/* After the transport is closed (it may report a disconnect until then). */
void agent_control_free(struct agent *a);
