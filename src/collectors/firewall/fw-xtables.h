/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading a legacy x_tables table (iptables-legacy, ip6tables-legacy) of the current network
 * namespace from the kernel: IPT_SO_GET_INFO then IPT_SO_GET_ENTRIES (IP6T_* for AF_INET6) on
 * a raw socket.  Needs CAP_NET_ADMIN (and CAP_NET_RAW for the socket).  No command is run.
 *
 * The table is asked for only when /proc/self/net/ip_tables_names (ip6_tables_names) lists it:
 * asking the kernel for a table that is not there would load its module
 * (request_module("iptable_filter")) or instantiate the table in this namespace, and so
 * change the firewall being observed.  A missing names file means the x_tables core is not
 * in the kernel or not loaded: no legacy rules.
 */

#include <stddef.h>

#include "fw-xtables-parse.h"

/*
 * Reads table `name` of `family` (AF_INET, AF_INET6) into *t; t->entries is a buffer of the
 * caller's (es_free).  0 on success, -ENOENT when the table does not exist here (not listed,
 * or gone), -EPERM without CAP_NET_ADMIN, -E2BIG beyond FW_XT_BLOB_MAX, -errno otherwise.
 */
int fw_xt_read(int family, const char *name, struct fw_xt_table *t);
