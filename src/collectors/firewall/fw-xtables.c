/* SPDX-License-Identifier: MIT */
/*
 * Legacy x_tables from the kernel (see fw-xtables.h).  The sequence is the one the kernel
 * defines for its getsockopt interface: GET_INFO gives the blob's size and the hook offsets,
 * GET_ENTRIES copies exactly that many bytes and fails with EAGAIN when the table was
 * replaced in between (its size changed): retried a few times.  Nothing here parses the
 * blob; fw-xtables-parse.c does.
 */
#include "fw-xtables.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/str.h"

#define NAMES_FILE_MAX 4096u
#define READ_ATTEMPTS 3

/* Whether the per-namespace list of the family's tables names `name`. */
static int table_listed(int family, const char *name)
{
	const char *path = family == AF_INET ? "/proc/self/net/ip_tables_names"
					     : "/proc/self/net/ip6_tables_names";
	size_t len, n = strlen(name);
	char *data = NULL;
	const char *p;
	int r;

	r = read_file_capped(path, NAMES_FILE_MAX, &data, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (p = data; p < data + len;) {
		const char *eol = memchr(p, '\n', (size_t)(data + len - p));
		size_t l = eol ? (size_t)(eol - p) : (size_t)(data + len - p);

		if (l == n && memcmp(p, name, n) == 0) {
			es_free(data);
			return 1;
		}
		p += l + 1;
	}
	es_free(data);
	return 0;
}

static int sockopt_errno(void)
{
	/* No such table, or no x_tables for this family in the kernel. */
	if (errno == ENOENT || errno == ENOPROTOOPT)
		return -ENOENT;
	return -errno;
}

static int read_once(int fd, int family, const char *name, struct fw_xt_table *t)
{
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt_info = family == AF_INET ? IPT_SO_GET_INFO : IP6T_SO_GET_INFO;
	int opt_entries = family == AF_INET ? IPT_SO_GET_ENTRIES : IP6T_SO_GET_ENTRIES;
	/* ipt_getinfo and ip6t_getinfo, ipt_get_entries and ip6t_get_entries share layouts. */
	struct ipt_getinfo info;
	struct ipt_get_entries *get;
	socklen_t len = sizeof(info);
	size_t total;

	memset(&info, 0, sizeof(info));
	str_copy(info.name, sizeof(info.name), name);
	if (getsockopt(fd, level, opt_info, &info, &len) < 0)
		return sockopt_errno();
	if (len != sizeof(info))
		return -EIO;
	if (info.size > FW_XT_BLOB_MAX)
		return -E2BIG;
	total = sizeof(*get) + info.size;
	get = es_calloc(1, total);
	if (!get)
		return -ENOMEM;
	memcpy(get->name, info.name, sizeof(get->name));
	get->size = info.size;
	len = (socklen_t)total;
	if (getsockopt(fd, level, opt_entries, get, &len) < 0) {
		int r = sockopt_errno();

		es_free(get);
		return r;
	}
	t->family = family;
	t->valid_hooks = info.valid_hooks;
	for (unsigned h = 0; h < FW_XT_HOOKS && h < NF_INET_NUMHOOKS; h++) {
		t->hook_entry[h] = info.hook_entry[h];
		t->underflow[h] = info.underflow[h];
	}
	/* The entries are read in place: move them to the front of the buffer. */
	memmove(get, get->entrytable, info.size);
	t->entries = get;
	t->size = info.size;
	return 0;
}

int fw_xt_read(int family, const char *name, struct fw_xt_table *t)
{
	int fd, r;

	memset(t, 0, sizeof(*t));
	t->name = name;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (strlen(name) >= XT_TABLE_MAXNAMELEN)
		return -EINVAL;
	r = table_listed(family, name);
	if (r <= 0)
		return r == 0 ? -ENOENT : r;
	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < READ_ATTEMPTS; i++) {
		r = read_once(fd, family, name, t);
		if (r != -EAGAIN)
			break;
	}
	close(fd);
	return r;
}
