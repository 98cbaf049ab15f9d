/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What each collector cannot see from where the agent runs: after the collectors start, the
 * agent compares the namespaces it is in with the host's (host/host.h) and marks every
 * collector that needs one it does not share (and has no host /proc when it needs one).
 * See host-check.c for the table.
 */

#include <stddef.h>

#include "collectors/collector.h"
#include "host/host.h"

/*
 * Sets c->host_limit of each collector that is limited here (one sentence: which namespace,
 * what is lost, what to change) and returns how many are.  Collectors that failed or are
 * disabled are left alone.
 */
size_t host_check_collectors(const struct host_context *h, struct collector *const *collectors,
			     size_t n);
