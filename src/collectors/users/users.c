/* SPDX-License-Identifier: MIT */
/* Placeholder: being written. */
#include "collectors/collector.h"

const struct collector_ops users_collector_ops = {
	.name = "users",
};
