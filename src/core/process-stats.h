/* SPDX-License-Identifier: MIT */
#pragma once

/* The agent's own resource use, for Heartbeat and benchmarks. */

#include <stdint.h>

struct process_stats {
	uint64_t rss_kib;
	uint64_t peak_rss_kib;
	uint64_t cpu_user_ms;
	uint64_t cpu_system_ms;
};

int process_stats_read(struct process_stats *ret);
