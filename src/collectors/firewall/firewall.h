/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The FirewallConfiguration collector (firewall.c).  Built with libnftables when
 * cmake/firewall-deps.cmake is included (EDGESEC_HAVE_NFTABLES); without it, its snapshot
 * fails with -EOPNOTSUPP and the collector reports "built without libnftables".
 */

#include "collectors/collector.h"

extern const struct collector_ops firewall_collector_ops;
