/* SPDX-License-Identifier: MIT */
/* Decoder of the eBPF process records; see process-decode.h. */
#include "process-decode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void header_copy(const struct process_record_header *h, struct process_view *v)
{
	v->type = h->type;
	v->time_ns = h->time_ns;
	v->pid = h->pid;
	v->tid = h->tid;
	v->ppid = h->ppid;
	v->uid = h->uid;
	v->gid = h->gid;
	memcpy(v->comm, h->comm, PROCESS_COMM_LEN);
	v->comm[PROCESS_COMM_LEN] = '\0';
}

/* Cuts must lie inside argv, in order, each after the previous one. */
static int cuts_check(const struct process_view_exec *x)
{
	uint32_t prev = 0;

	for (unsigned i = 0; i < x->n_cuts; i++) {
		struct process_argv_cut c = process_view_cut(x, i);

		if (c.at > x->args_len || c.at < prev || !c.cut)
			return -EBADMSG;
		prev = c.at;
	}
	return 0;
}

static int exec_decode(const unsigned char *p, size_t len, struct process_view *v)
{
	struct process_exec_record r;
	const char *data = (const char *)p + PROCESS_EXEC_RECORD_FIXED;
	size_t cuts_bytes;

	if (len < PROCESS_EXEC_RECORD_FIXED || len > sizeof(r))
		return -EBADMSG;
	memcpy(&r, p, PROCESS_EXEC_RECORD_FIXED);
	/* Each length bounded first, so the sum below cannot wrap. */
	cuts_bytes = (size_t)r.n_cuts * sizeof(struct process_argv_cut);
	if (r.exe_len >= PROCESS_EXE_MAX || r.interp_len >= PROCESS_EXE_MAX ||
	    r.cwd_len >= PROCESS_CWD_MAX || r.path_len >= PROCESS_PATH_MAX ||
	    r.cgroup_len >= PROCESS_CGROUP_NAMES_MAX || r.stdin_len >= PROCESS_PATH_MAX ||
	    r.args_len > PROCESS_ARGS_MAX || r.n_cuts > PROCESS_ARGV_CUTS ||
	    PROCESS_EXEC_RECORD_FIXED + (size_t)r.exe_len + r.interp_len + r.cwd_len + r.path_len +
			    r.cgroup_len + r.stdin_len + r.args_len + cuts_bytes !=
		    len)
		return -EBADMSG;
	v->exec.flags = r.flags;
	v->exec.exe = data;
	v->exec.exe_len = strnlen(data, r.exe_len);
	data += r.exe_len;
	v->exec.interp = data;
	v->exec.interp_len = strnlen(data, r.interp_len);
	data += r.interp_len;
	v->exec.cwd_parts = data;
	v->exec.cwd_len = r.cwd_len;
	data += r.cwd_len;
	v->exec.path_parts = data;
	v->exec.path_len = r.path_len;
	data += r.path_len;
	v->exec.cgroup_parts = data;
	v->exec.cgroup_len = r.cgroup_len;
	data += r.cgroup_len;
	v->exec.stdin_parts = data;
	v->exec.stdin_len = r.stdin_len;
	data += r.stdin_len;
	v->exec.args = data;
	v->exec.args_len = r.args_len;
	v->exec.cuts = data + r.args_len;
	v->exec.n_cuts = r.n_cuts;
	v->exec.argc = r.argc;
	v->exec.args_omitted = r.args_omitted;
	v->exec.cgroup_id = r.cgroup_id;
	memcpy(v->exec.stdio, r.stdio, sizeof(r.stdio));
	for (int i = 0; i < 3; i++)
		if (v->exec.stdio[i] >= PROCESS_STDIO_MAX)
			v->exec.stdio[i] = PROCESS_STDIO_OTHER;
	v->exec.stdio_family = 0;
	if ((r.stdio_family == AF_INET || r.stdio_family == AF_INET6) && r.stdio_port) {
		v->exec.stdio_family = r.stdio_family;
		v->exec.stdio_port = r.stdio_port;
		memcpy(v->exec.stdio_addr, r.stdio_addr, 16);
	}
	return cuts_check(&v->exec);
}

struct process_argv_cut process_view_cut(const struct process_view_exec *x, unsigned i)
{
	struct process_argv_cut c = { 0, 0 };

	if (x->cuts && i < x->n_cuts)
		memcpy(&c, (const char *)x->cuts + (size_t)i * sizeof(c), sizeof(c));
	return c;
}

const char *process_stdio_to_string(uint8_t kind)
{
	static const char *const names[PROCESS_STDIO_MAX] = {
		[PROCESS_STDIO_NONE] = "none",	 [PROCESS_STDIO_SOCKET] = "socket",
		[PROCESS_STDIO_PIPE] = "pipe",	 [PROCESS_STDIO_TTY] = "tty",
		[PROCESS_STDIO_FILE] = "file",	 [PROCESS_STDIO_NULL] = "null",
		[PROCESS_STDIO_OTHER] = "other",
	};

	return kind < PROCESS_STDIO_MAX ? names[kind] : "other";
}

static int listen_decode(const unsigned char *p, size_t len, struct process_view *v)
{
	struct process_listen_record r;

	if (len != sizeof(r))
		return -EBADMSG;
	memcpy(&r, p, sizeof(r));
	if ((r.family != AF_INET && r.family != AF_INET6) ||
	    (r.protocol != IPPROTO_TCP && r.protocol != IPPROTO_UDP))
		return -EBADMSG;
	v->listen.family = r.family;
	v->listen.protocol = r.protocol;
	v->listen.local_port = r.local_port;
	v->listen.netns_ino = r.netns_ino;
	v->listen.cgroup_id = r.cgroup_id;
	memcpy(v->listen.local_addr, r.local_addr, 16);
	if (r.family == AF_INET)
		memset(v->listen.local_addr + 4, 0, 12);
	return 0;
}

int process_record_decode(const void *buf, size_t len, struct process_view *ret_view)
{
	const unsigned char *p = buf;
	struct process_record_header h;
	struct process_view v;

	if (!buf || len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (h.size != len)
		return -EBADMSG;
	memset(&v, 0, sizeof(v));
	header_copy(&h, &v);
	switch (h.type) {
	case PROCESS_RECORD_EXEC:
		if (exec_decode(p, len, &v) < 0)
			return -EBADMSG;
		break;
	case PROCESS_RECORD_EXIT: {
		struct process_exit_record r;

		if (len != sizeof(r))
			return -EBADMSG;
		memcpy(&r, p, sizeof(r));
		v.exit.exit_code = r.exit_code;
		break;
	}
	case PROCESS_RECORD_CONNECT: {
		struct process_connect_record r;

		if (len != sizeof(r))
			return -EBADMSG;
		memcpy(&r, p, sizeof(r));
		if ((r.family != AF_INET && r.family != AF_INET6) ||
		    (r.protocol != IPPROTO_TCP && r.protocol != IPPROTO_UDP) ||
		    (r.direction != PROCESS_DIRECTION_IN && r.direction != PROCESS_DIRECTION_OUT))
			return -EBADMSG;
		v.conn.family = r.family;
		v.conn.protocol = r.protocol;
		v.conn.direction = r.direction;
		v.conn.local_port = r.local_port;
		v.conn.remote_port = r.remote_port;
		v.conn.flags = r.flags;
		memcpy(v.conn.local_addr, r.local_addr, 16);
		memcpy(v.conn.remote_addr, r.remote_addr, 16);
		break;
	}
	case PROCESS_RECORD_LISTEN:
		if (listen_decode(p, len, &v) < 0)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	*ret_view = v;
	return 0;
}

/* Copies n bytes of argv to out, NUL separators as spaces (memcpy, then memchr for NULs). */
static void args_copy(char *out, const char *args, size_t n)
{
	char *p = out, *end = out + n;

	if (!n)
		return; /* args may be NULL then */
	memcpy(out, args, n);
	while (p < end && (p = memchr(p, '\0', (size_t)(end - p))))
		*p++ = ' ';
}

size_t process_args_join(const char *args, size_t len, char *out, size_t out_size)
{
	size_t n;

	if (!out_size)
		return 0;
	while (len && args[len - 1] == '\0')
		len--;
	n = len < out_size - 1 ? len : out_size - 1;
	args_copy(out, args, n);
	out[n] = '\0';
	return n;
}

/* Appends text (NUL-terminated) if it fits whole; false otherwise. */
static bool put_text(char *out, size_t out_size, size_t *n, const char *text, size_t len)
{
	if (*n + len + 1 > out_size)
		return false;
	memcpy(out + *n, text, len);
	*n += len;
	return true;
}

static size_t cmdline_format(const struct process_view_exec *x, char *out, size_t out_size,
			     bool keep_nul)
{
	size_t len = x->args_len, n = 0, pos = 0;
	char mark[64];

	if (!out_size)
		return 0;
	if (!x->args)
		len = 0;
	while (len && x->args[len - 1] == '\0')
		len--;
	/* The bytes between cuts are copied whole; a marker goes in at each cut. */
	for (unsigned ci = 0; ci <= x->n_cuts; ci++) {
		struct process_argv_cut c = process_view_cut(x, ci);
		size_t end = ci < x->n_cuts && c.at < len ? c.at : len, seg, take;
		int m;

		if (end < pos)
			end = pos;
		seg = end - pos;
		take = seg < out_size - 1 - n ? seg : out_size - 1 - n;
		if (take && keep_nul)
			memcpy(out + n, x->args + pos, take);
		else if (take)
			args_copy(out + n, x->args + pos, take);
		n += take;
		pos = end;
		if (take < seg)
			goto done;
		if (ci == x->n_cuts)
			break;
		m = snprintf(mark, sizeof(mark), "\xe2\x80\xa6[cut %u bytes]\xe2\x80\xa6", c.cut);
		if (m > 0 && !put_text(out, out_size, &n, mark, (size_t)m))
			goto done;
	}
	if (x->args_omitted) {
		int m = snprintf(mark, sizeof(mark), "%s\xe2\x80\xa6[omitted %u args]",
				 n ? " " : "", x->args_omitted);

		if (m > 0)
			(void)put_text(out, out_size, &n, mark, (size_t)m);
	}
done:
	out[n] = '\0';
	return n;
}

size_t process_cmdline_format(const struct process_view_exec *x, char *out, size_t out_size)
{
	return cmdline_format(x, out, out_size, false);
}

size_t process_cmdline_format_args(const struct process_view_exec *x, char *out, size_t out_size)
{
	return cmdline_format(x, out, out_size, true);
}

size_t process_cwd_format(const char *parts, size_t len, char *out, size_t out_size)
{
	size_t end = len, n = 0;

	if (!out_size)
		return 0;
	/* Walk the components from the outermost (last) to the innermost (first). */
	while (end > 0) {
		size_t start = end - 1, clen;

		if (parts[start] == '\0' && start > 0)
			start--; /* skip the terminator of this component */
		while (start > 0 && parts[start - 1] != '\0')
			start--;
		clen = strnlen(parts + start, end - start);
		if (clen && !(clen == 1 && parts[start] == '/')) {
			if (n + 1 + clen + 1 > out_size)
				break;
			out[n++] = '/';
			memcpy(out + n, parts + start, clen);
			n += clen;
		}
		end = start;
	}
	if (n == 0 && out_size > 1)
		out[n++] = '/';
	out[n] = '\0';
	return n;
}

int process_addr_format(uint16_t family, const uint8_t addr[16], char out[PROCESS_ADDR_STR_MAX])
{
	int af = family == AF_INET ? AF_INET : family == AF_INET6 ? AF_INET6 : -1;

	if (af < 0 || !inet_ntop(af, addr, out, PROCESS_ADDR_STR_MAX))
		return -EAFNOSUPPORT;
	return 0;
}

int process_exit_status(uint32_t wait_status, int *ret_signal)
{
	int sig = wait_status & 0x7f;

	if (ret_signal)
		*ret_signal = sig;
	return sig ? 128 + sig : (int)((wait_status >> 8) & 0xff);
}
