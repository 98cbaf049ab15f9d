/* SPDX-License-Identifier: MIT */
/*
 * Audit records of a login carry the peer's address, not its port.  The process that sent
 * the record (sshd's per-connection monitor) still holds the connection while PAM runs, so
 * its sockets are looked at: for each "socket:[...]" fd in <host /proc>/<pid>/fd (at most
 * LOGIN_SOCK_FDS_MAX fds), pidfd_open + pidfd_getfd duplicate it for a moment, and a TCP
 * socket whose peer is the record's address gives the remote port (getpeername) and the
 * local one (getsockname).  An IPv4 peer also matches a v4-mapped IPv6 socket.  When the
 * process is gone or holds no such socket the ports are left out of the event.  Nothing is
 * read from or written to the socket.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/num.h"
#include "login-sock.h"

#define LOGIN_SOCK_FDS_MAX 256

static bool peer_matches(const struct sockaddr_storage *ss, int family, const uint8_t addr[16],
			 uint16_t *port)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (ss->ss_family == AF_INET && family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		*port = ntohs(in->sin_port);
		return memcmp(&in->sin_addr, addr, 4) == 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		const uint8_t *a = in6->sin6_addr.s6_addr;

		*port = ntohs(in6->sin6_port);
		if (family == AF_INET6)
			return memcmp(a, addr, 16) == 0;
		return memcmp(a, mapped, 12) == 0 && memcmp(a + 12, addr, 4) == 0;
	}
	return false;
}

/* A decimal fd name of /proc/<pid>/fd, or -1. */
static int fd_number(const char *s)
{
	uint64_t v;

	return num_parse_u64(s, strlen(s), 10, INT_MAX, &v) == 0 ? (int)v : -1;
}

static uint16_t sock_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

int login_sock_ports(int proc_fd, uint32_t pid, int family, const uint8_t addr[16],
		     uint16_t *ret_rport, uint16_t *ret_lport)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	char path[40], link[64];
	struct dirent *de;
	unsigned seen = 0;
	int pidfd, dfd, r = -ENOENT;
	DIR *d;

	if (proc_fd < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "%u/fd", pid);
	dfd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0) {
		r = -errno;
		closedir(d);
		return r;
	}
	while ((de = readdir(d)) && seen < LOGIN_SOCK_FDS_MAX && r == -ENOENT) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int proto = 0, fd, sfd;
		socklen_t plen = sizeof(proto);
		ssize_t n;
		uint16_t rport;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		seen++;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:[", 8) != 0)
			continue;
		fd = fd_number(de->d_name);
		if (fd < 0)
			continue;
		sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		if (sfd < 0)
			continue;
		if (getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) == 0 &&
		    proto == IPPROTO_TCP && getpeername(sfd, (struct sockaddr *)&ss, &len) == 0 &&
		    peer_matches(&ss, family, addr, &rport)) {
			len = sizeof(ss);
			if (getsockname(sfd, (struct sockaddr *)&ss, &len) == 0) {
				*ret_rport = rport;
				*ret_lport = sock_port(&ss);
				r = 0;
			}
		}
		close(sfd);
	}
	close(pidfd);
	closedir(d);
	return r;
#else
	(void)pid, (void)family, (void)addr, (void)ret_rport, (void)ret_lport;
	return -ENOSYS;
#endif
}
