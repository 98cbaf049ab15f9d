/* SPDX-License-Identifier: MIT */
/* Placeholder: being written. */
#include "collectors/collector.h"

const struct collector_ops sysinfo_collector_ops = {
	.name = "sysinfo",
};
