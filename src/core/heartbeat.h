/* SPDX-License-Identifier: MIT */
#pragma once

/* The Heartbeat event (our schema): the agent's health in one payload item. */

#include <stddef.h>
#include <stdint.h>

#include "collectors/collector.h"
#include "host/host.h"
#include "pipeline/pipeline.h"
#include "spool/spool.h"

struct heartbeat_input {
	uint64_t start_monotonic_ns;
	const struct pipeline *pipeline;
	struct collector *const *collectors; /* describe() may be called */
	size_t n_collectors;
	const char *output;
	const char *output_error;	  /* the transport's last failure ("" or NULL: none) */
	const struct spool *spool;	  /* hub mode; NULL otherwise */
	const char *spool_open_error;	  /* non-empty: the file could not be used at start */
	const char *capabilities;	  /* kept after set-up ("cap_sys_ptrace,..."), or NULL */
	const char *run_as;		  /* "uid=10001 gid=10001" after set-up, or NULL */
	const char *missing_capabilities; /* what set-up lacked ("cap_net_admin"), or NULL */
	const char *seccomp;		  /* the system-call filter ("enforce 87"), or NULL */
	const struct host_context *host;  /* root, /proc and namespaces; NULL: not shown */
	/* More ExtraDetails from a module (detection state), or NULL. */
	void (*add_extras)(void *userdata, struct event_builder *b);
	void *extras_userdata;
};

int heartbeat_build(struct event_builder *b, const struct heartbeat_input *in, uint64_t now_ns,
		    struct event **ret);
