/* SPDX-License-Identifier: MIT */
/*
 * Kernel audit records -> one audit event -> the process collector's view; see audit-parse.h.
 * The record syntax (stamp, fields, quoting, hex) is audit/audit-record.c's.
 */
#include "audit-parse.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/audit.h>

#include "common/array.h"
#include "common/num.h"

#define SADDR_MAX 128 /* sizeof(struct sockaddr_storage) */

struct audit_syscall_entry {
	uint32_t arch, nr;
	enum audit_kind kind;
};

/* Numbers of the ABIs the backend installs rules for (stable kernel ABI). */
static const struct audit_syscall_entry syscall_table[] = {
	{ AUDIT_ARCH_X86_64, 59, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_X86_64, 322, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_X86_64, 42, AUDIT_KIND_CONNECT },
	{ AUDIT_ARCH_X86_64, 43, AUDIT_KIND_ACCEPT },
	{ AUDIT_ARCH_X86_64, 288, AUDIT_KIND_ACCEPT },
	{ AUDIT_ARCH_I386, 11, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_I386, 358, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_I386, 362, AUDIT_KIND_CONNECT },
	{ AUDIT_ARCH_I386, 364, AUDIT_KIND_ACCEPT },
	{ AUDIT_ARCH_AARCH64, 221, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_AARCH64, 281, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_AARCH64, 203, AUDIT_KIND_CONNECT },
	{ AUDIT_ARCH_AARCH64, 202, AUDIT_KIND_ACCEPT },
	{ AUDIT_ARCH_AARCH64, 242, AUDIT_KIND_ACCEPT },
	{ AUDIT_ARCH_ARM, 11, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_ARM, 387, AUDIT_KIND_EXEC },
	{ AUDIT_ARCH_ARM, 283, AUDIT_KIND_CONNECT },
	{ AUDIT_ARCH_ARM, 285, AUDIT_KIND_ACCEPT },
	{ AUDIT_ARCH_ARM, 366, AUDIT_KIND_ACCEPT },
	{ AUDIT_ARCH_X86_64, 231, AUDIT_KIND_EXIT },
	{ AUDIT_ARCH_I386, 252, AUDIT_KIND_EXIT },
	{ AUDIT_ARCH_AARCH64, 94, AUDIT_KIND_EXIT },
	{ AUDIT_ARCH_ARM, 248, AUDIT_KIND_EXIT },
};

/* An unsigned number of exactly len (at most 20) digits in base; -ERANGE above max, -EBADMSG
 * if malformed. */
static int num_parse(const char *s, size_t len, unsigned base, uint64_t max, uint64_t *ret)
{
	int r = len > 20 ? -EINVAL : num_parse_u64(s, len, base, max, ret);

	return r == -EINVAL ? -EBADMSG : r;
}

static int u32_parse(const char *s, size_t len, unsigned base, uint32_t *ret)
{
	uint64_t v;
	int r = num_parse(s, len, base, UINT32_MAX, &v);

	if (r == 0)
		*ret = (uint32_t)v;
	return r;
}

static bool field_next(const char **pos, const char *end, struct audit_field *f)
{
	return audit_field_next(pos, end, AUDIT_FIELDS_KERNEL, f);
}

static bool key_is(const struct audit_field *f, const char *k)
{
	return audit_field_is(f, k);
}

static int syscall_field(struct audit_event *ev, const struct audit_field *f)
{
	size_t n;
	int r = 0;

	if (key_is(f, "arch"))
		r = u32_parse(f->val, f->vlen, 16, &ev->arch);
	else if (key_is(f, "syscall"))
		r = u32_parse(f->val, f->vlen, 10, &ev->syscall);
	else if (key_is(f, "success"))
		ev->success = f->vlen == 3 && memcmp(f->val, "yes", 3) == 0;
	else if (key_is(f, "exit")) {
		bool neg = f->vlen && f->val[0] == '-';
		uint64_t v;

		r = num_parse(f->val + neg, f->vlen - neg, 10, INT64_MAX, &v);
		if (r == 0) {
			ev->exit = neg ? -(int64_t)v : (int64_t)v;
			ev->has_exit = true;
		}
	} else if (f->klen == 2 && f->key[0] == 'a' && f->key[1] >= '0' && f->key[1] <= '3')
		r = num_parse(f->val, f->vlen, 16, UINT64_MAX, &ev->a[f->key[1] - '0']);
	else if (key_is(f, "pid"))
		r = u32_parse(f->val, f->vlen, 10, &ev->pid);
	else if (key_is(f, "ppid"))
		r = u32_parse(f->val, f->vlen, 10, &ev->ppid);
	else if (key_is(f, "uid"))
		r = u32_parse(f->val, f->vlen, 10, &ev->uid);
	else if (key_is(f, "gid"))
		r = u32_parse(f->val, f->vlen, 10, &ev->gid);
	else if (key_is(f, "comm")) {
		if (audit_value_decode(f->val, f->vlen, ev->comm, AUDIT_COMM_MAX, &n) >= 0)
			ev->comm[n] = '\0';
	} else if (key_is(f, "exe")) {
		if (audit_value_decode(f->val, f->vlen, ev->exe, sizeof(ev->exe) - 1, &n) >= 0)
			ev->exe_len = n;
	}
	return r;
}

static int syscall_parse(struct audit_event *ev, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	struct audit_field f;
	unsigned seen = 0;

	while (field_next(&p, end, &f)) {
		if (syscall_field(ev, &f) < 0)
			return -EBADMSG;
		seen |= key_is(&f, "arch") | key_is(&f, "syscall") << 1 | key_is(&f, "pid") << 2;
	}
	if (seen != 7)
		return -EBADMSG;
	ev->have |= AUDIT_HAVE_SYSCALL;
	return 0;
}

static void args_stop(struct audit_event *ev)
{
	ev->args_stopped = true;
	ev->flags |= PROCESS_EXEC_ARGS_TRUNCATED;
}

static void args_bytes(void *userdata, const char *bytes, size_t n)
{
	struct audit_event *ev = userdata;

	argv_build_bytes(&ev->argv, ev->args, bytes, n);
}

/*
 * One value (quoted or hex) into the argv builder, decoded piecewise ("(null)": an empty
 * argument); -EBADMSG if malformed.
 */
static int args_feed(struct audit_event *ev, const struct audit_field *f)
{
	return audit_value_each(f->val, f->vlen, args_bytes, ev);
}

/* Appends one decoded value (and ends the argument when it is a whole one). */
static void args_append(struct audit_event *ev, const struct audit_field *f, bool end_arg)
{
	if (args_feed(ev, f) < 0) {
		args_stop(ev);
		return;
	}
	if (end_arg)
		argv_build_end_arg(&ev->argv, ev->args);
}

/* "aI", "aI_len" or "aI[J]": 0 with I (and J, or -1, or -2 for _len), else -EBADMSG. */
static int arg_key_parse(const struct audit_field *f, uint32_t *ret_i, int32_t *ret_j)
{
	size_t k = 1;
	uint32_t i = 0, j = 0;

	if (f->klen < 2 || f->key[0] != 'a')
		return -EBADMSG;
	while (k < f->klen && f->key[k] >= '0' && f->key[k] <= '9')
		k++;
	if (u32_parse(f->key + 1, k - 1, 10, &i) < 0)
		return -EBADMSG;
	if (k == f->klen) {
		*ret_i = i, *ret_j = -1;
		return 0;
	}
	if (f->klen - k == 4 && memcmp(f->key + k, "_len", 4) == 0) {
		*ret_i = i, *ret_j = -2;
		return 0;
	}
	if (f->key[k] != '[' || f->key[f->klen - 1] != ']' ||
	    u32_parse(f->key + k + 1, f->klen - k - 2, 10, &j) < 0 || j > INT32_MAX)
		return -EBADMSG;
	*ret_i = i, *ret_j = (int32_t)j;
	return 0;
}

static void execve_arg(struct audit_event *ev, const struct audit_field *f)
{
	uint32_t i;
	int32_t j;

	if (arg_key_parse(f, &i, &j) < 0) {
		args_stop(ev);
		return;
	}
	/* A new argument ends the split one before it. */
	if (ev->chunk_next >= 0 && i == ev->arg_next + 1 && j != 0 && !ev->args_stopped) {
		argv_build_end_arg(&ev->argv, ev->args);
		ev->arg_next++;
		ev->chunk_next = -1;
	}
	if (ev->args_stopped)
		return;
	if (i != ev->arg_next) {
		args_stop(ev);
	} else if (j == -2) {
		if (ev->chunk_next >= 0)
			args_stop(ev);
		else
			ev->chunk_next = 0;
	} else if (j == -1) {
		if (ev->chunk_next >= 0) {
			args_stop(ev);
			return;
		}
		args_append(ev, f, true);
		ev->arg_next++;
	} else if (j == ev->chunk_next) {
		args_append(ev, f, false);
		ev->chunk_next++;
	} else {
		args_stop(ev);
	}
}

static int execve_parse(struct audit_event *ev, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	struct audit_field f;

	while (field_next(&p, end, &f)) {
		if (key_is(&f, "argc")) {
			if (u32_parse(f.val, f.vlen, 10, &ev->argc) < 0)
				return -EBADMSG;
			continue;
		}
		execve_arg(ev, &f);
	}
	ev->have |= AUDIT_HAVE_EXECVE;
	return 0;
}

static int cwd_parse(struct audit_event *ev, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	struct audit_field f;
	size_t n;
	int r;

	while (field_next(&p, end, &f)) {
		if (!key_is(&f, "cwd"))
			continue;
		r = audit_value_decode(f.val, f.vlen, ev->cwd, sizeof(ev->cwd) - 1, &n);
		if (r < 0)
			return -EBADMSG;
		if (r > 0)
			ev->flags |= PROCESS_EXEC_CWD_TRUNCATED;
		ev->cwd[n] = '\0';
		ev->cwd_len = strnlen(ev->cwd, n);
		ev->have |= AUDIT_HAVE_CWD;
		return 0;
	}
	return -EBADMSG;
}

static int path_parse(struct audit_event *ev, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	struct audit_field f, name = { 0 };
	uint32_t item = UINT32_MAX;
	size_t n;

	while (field_next(&p, end, &f)) {
		if (key_is(&f, "item") && u32_parse(f.val, f.vlen, 10, &item) < 0)
			return -EBADMSG;
		else if (key_is(&f, "name"))
			name = f;
	}
	if (item == UINT32_MAX)
		return -EBADMSG;
	if (item != 0 || !name.key || (ev->have & AUDIT_HAVE_PATH0))
		return 0;
	if (audit_value_decode(name.val, name.vlen, ev->path0, sizeof(ev->path0) - 1, &n) < 0)
		return 0; /* name=(null): no path */
	ev->path0_len = strnlen(ev->path0, n);
	ev->have |= AUDIT_HAVE_PATH0;
	return 0;
}

static int title_parse(struct audit_event *ev, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	struct audit_field f;

	while (field_next(&p, end, &f))
		if (key_is(&f, "proctitle")) {
			if (audit_value_decode(f.val, f.vlen, ev->title, sizeof(ev->title),
					       &ev->title_len) < 0)
				return -EBADMSG;
			ev->have |= AUDIT_HAVE_TITLE;
			return 0;
		}
	return -EBADMSG;
}

static int sockaddr_parse(struct audit_event *ev, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	unsigned char sa[SADDR_MAX];
	struct audit_field f;
	uint16_t family;
	size_t n;

	while (field_next(&p, end, &f)) {
		if (!key_is(&f, "saddr"))
			continue;
		if (audit_value_decode(f.val, f.vlen, (char *)sa, sizeof(sa), &n) < 0 || n < 2)
			return -EBADMSG;
		memcpy(&family, sa, sizeof(family)); /* sa_family_t, host order */
		memset(ev->addr, 0, sizeof(ev->addr));
		ev->port = 0;
		if (family == AF_INET) {
			if (n < 8)
				return -EBADMSG;
			memcpy(ev->addr, sa + 4, 4);
		} else if (family == AF_INET6) {
			if (n < 24)
				return -EBADMSG;
			memcpy(ev->addr, sa + 8, 16);
		}
		if (family == AF_INET || family == AF_INET6)
			ev->port = (uint16_t)(sa[2] << 8 | sa[3]);
		ev->family = family;
		ev->have |= AUDIT_HAVE_SOCKADDR;
		return 0;
	}
	return -EBADMSG;
}

void audit_event_init(struct audit_event *ev, const struct audit_stamp *stamp)
{
	/* The large buffers are written before they are read; clear only the rest. */
	memset(ev, 0, offsetof(struct audit_event, path0));
	ev->stamp = *stamp;
	ev->path0_len = 0;
	ev->cwd[0] = '\0';
	ev->cwd_len = 0;
	ev->argc = 0;
	ev->arg_next = 0;
	ev->chunk_next = -1;
	ev->args_stopped = false;
	argv_build_init(&ev->argv, sizeof(ev->args));
	ev->title_len = 0;
	ev->family = 0;
	ev->port = 0;
	memset(ev->addr, 0, sizeof(ev->addr));
}

bool audit_type_is_syscall_part(unsigned type)
{
	switch (type) {
	case AUDIT_SYSCALL:
	case AUDIT_EXECVE:
	case AUDIT_CWD:
	case AUDIT_PATH:
	case AUDIT_PROCTITLE:
	case AUDIT_SOCKADDR:
	case AUDIT_EOE:
		return true;
	default:
		return false;
	}
}

int audit_event_add(struct audit_event *ev, unsigned type, const char *body, size_t len)
{
	if (!body)
		return -EBADMSG;
	switch (type) {
	case AUDIT_SYSCALL:
		return (ev->have & AUDIT_HAVE_SYSCALL) ? -EBADMSG : syscall_parse(ev, body, len);
	case AUDIT_EXECVE:
		return execve_parse(ev, body, len);
	case AUDIT_CWD:
		return cwd_parse(ev, body, len);
	case AUDIT_PATH:
		return path_parse(ev, body, len);
	case AUDIT_PROCTITLE:
		return title_parse(ev, body, len);
	case AUDIT_SOCKADDR:
		return sockaddr_parse(ev, body, len);
	case AUDIT_EOE:
		ev->have |= AUDIT_HAVE_EOE;
		return 0;
	default:
		return 0;
	}
}

enum audit_kind audit_event_kind(const struct audit_event *ev)
{
	if (!(ev->have & AUDIT_HAVE_SYSCALL))
		return AUDIT_KIND_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(syscall_table); i++)
		if (syscall_table[i].arch == ev->arch && syscall_table[i].nr == ev->syscall)
			return syscall_table[i].kind;
	return AUDIT_KIND_NONE;
}

int audit_event_socket_fd(const struct audit_event *ev)
{
	switch (audit_event_kind(ev)) {
	case AUDIT_KIND_CONNECT:
		return ev->a[0] <= INT32_MAX ? (int)ev->a[0] : -1;
	case AUDIT_KIND_ACCEPT:
		return ev->exit >= 0 && ev->exit <= INT32_MAX ? (int)ev->exit : -1;
	default:
		return -1;
	}
}

/* " (deleted)" at the end of a d_path: the file has no name any more. */
static bool path_deleted(const char *p, size_t len)
{
	static const char suffix[] = " (deleted)";

	return len >= sizeof(suffix) - 1 &&
	       memcmp(p + len - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0;
}

static void exec_view(struct audit_event *ev, struct process_view *v)
{
	struct process_view_exec *x = &v->exec;
	bool relative_at = ev->path0_len && ev->path0[0] != '/' &&
			   audit_event_kind(ev) == AUDIT_KIND_EXEC && ev->syscall != 59 &&
			   ev->syscall != 11 && ev->syscall != 221;

	x->flags = ev->flags;
	/* The path as given to execve; for execveat relative to a dirfd, the resolved exe. */
	if (ev->path0_len && !relative_at) {
		x->exe = ev->path0, x->exe_len = ev->path0_len;
		/* the task's binary, for the front end's interpreter check */
		x->exe_real = ev->exe, x->exe_real_len = ev->exe_len;
	} else {
		x->exe = ev->exe, x->exe_len = ev->exe_len;
	}
	/* SYSCALL exe is d_path() of the task's binary: " (deleted)" when it has no name. */
	if (path_deleted(ev->exe, ev->exe_len)) {
		x->flags |= PROCESS_EXEC_EXE_DELETED;
		x->exe_real = NULL, x->exe_real_len = 0;
	}
	if (ev->cwd_len && ev->cwd[0] == '/')
		x->cwd_parts = ev->cwd + 1, x->cwd_len = ev->cwd_len;
	if (ev->have & AUDIT_HAVE_EXECVE) {
		/* a split last argument ends with the event; missing ones count as omitted */
		if (ev->args_stopped || (ev->argc && ev->arg_next < ev->argc &&
					 !(ev->chunk_next >= 0 && ev->arg_next + 1 == ev->argc)))
			argv_build_stop(&ev->argv, ev->args, ev->argc);
		argv_build_finish(&ev->argv, ev->args, x);
		x->flags |= ev->flags & PROCESS_EXEC_ARGS_TRUNCATED;
	} else if (ev->have & AUDIT_HAVE_TITLE) {
		x->args = ev->title; /* the kernel keeps only 128 bytes of it */
		x->args_len = ev->title_len;
		if (ev->title_len >= 128)
			x->flags |= PROCESS_EXEC_ARGS_TRUNCATED;
	} else {
		x->flags |= PROCESS_EXEC_ARGS_FAULT;
	}
}

int audit_event_view(struct audit_event *ev, int64_t realtime_to_boot_ns,
		     struct process_view *ret_view)
{
	enum audit_kind kind = audit_event_kind(ev);
	struct process_view v;

	memset(&v, 0, sizeof(v));
	v.time_ns = ev->stamp.time_ms * 1000000ull + (uint64_t)realtime_to_boot_ns;
	v.pid = ev->pid;
	v.tid = ev->pid;
	v.ppid = ev->ppid;
	v.uid = ev->uid;
	v.gid = ev->gid;
	memcpy(v.comm, ev->comm, sizeof(v.comm) - 1);
	switch (kind) {
	case AUDIT_KIND_EXEC:
		if (!ev->success)
			return -ENOMSG;
		v.type = PROCESS_RECORD_EXEC;
		exec_view(ev, &v);
		break;
	case AUDIT_KIND_EXIT:
		v.type = PROCESS_RECORD_EXIT;
		v.exit.exit_code = (uint32_t)(ev->a[0] & 0xff) << 8;
		break;
	case AUDIT_KIND_CONNECT:
	case AUDIT_KIND_ACCEPT:
		if (!ev->has_exit)
			return -ENOMSG; /* a task that died inside the syscall */
		/* accept() without an address buffer has no SOCKADDR: family 0, looked up. */
		if (kind == AUDIT_KIND_CONNECT && !(ev->have & AUDIT_HAVE_SOCKADDR))
			return -ENOMSG;
		if ((ev->have & AUDIT_HAVE_SOCKADDR) && ev->family != AF_INET &&
		    ev->family != AF_INET6)
			return -ENOMSG;
		if (kind == AUDIT_KIND_ACCEPT ? ev->exit < 0
					      : ev->exit != 0 && ev->exit != -EINPROGRESS)
			return -ENOMSG;
		v.type = PROCESS_RECORD_CONNECT;
		v.conn.family = ev->family;
		v.conn.direction =
			kind == AUDIT_KIND_CONNECT ? PROCESS_DIRECTION_OUT : PROCESS_DIRECTION_IN;
		v.conn.remote_port = ev->port;
		memcpy(v.conn.remote_addr, ev->addr, sizeof(ev->addr));
		break;
	default:
		return -ENOMSG;
	}
	*ret_view = v;
	return 0;
}

size_t audit_syscalls_of(uint32_t arch, enum audit_kind kind, uint32_t *nrs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(syscall_table); i++)
		if (syscall_table[i].arch == arch && syscall_table[i].kind == kind && n < max)
			nrs[n++] = syscall_table[i].nr;
	return n;
}
