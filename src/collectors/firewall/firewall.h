/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The FirewallConfiguration collector (firewall.c): nftables and legacy x_tables
 * (iptables-legacy) rules in one event.  nftables is read when built with libnftables
 * (cmake/firewall-deps.cmake, EDGESEC_HAVE_NFTABLES); without it only legacy tables are
 * read, and when there are none the snapshot fails with -EOPNOTSUPP and the collector reports
 * "built without libnftables".
 */

#include "collectors/collector.h"

extern const struct collector_ops firewall_collector_ops;
