/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The ports of a login's connection: the reporting process's (sshd's) own TCP socket to the
 * peer address.  See login-sock.c.
 */

#include <stdint.h>

/*
 * 0 with the remote and local ports, -ENOENT when no such socket (any more), -errno.  proc_fd
 * is the host's /proc (host/host.h), where pid is looked up.
 */
int login_sock_ports(int proc_fd, uint32_t pid, int family, const uint8_t addr[16],
		     uint16_t *ret_rport, uint16_t *ret_lport);
