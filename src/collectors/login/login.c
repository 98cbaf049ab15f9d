/* SPDX-License-Identifier: MIT */
/*
 * Login (ASC, triggered) and PrivilegeUse (our schema, triggered): who logged in or failed
 * to, and who used sudo/su.  Two sources, one chosen at start (loginSource):
 *
 * audit (preferred).  PAM sends USER_AUTH/USER_ACCT/USER_START/USER_LOGIN/... records to the
 * kernel when audit is enabled; we read them from the AUDIT_NLGRP_READLOG multicast group,
 * holding a reference on the shared audit state (src/audit/audit-control.c: enables audit
 * when it is off, backlog_wait_time 0, restored by the last user).  No rules are needed: user
 * messages pass the kernel's user filter when it has none.  Records are parsed and turned
 * into verdicts by login-audit-parse.c (which record makes the event, deduplication); only
 * messages from the kernel (nl_pid 0) are accepted.  The records carry the peer's address
 * but not its port: the port is looked up on the reporting process's own TCP socket to that
 * address (login-sock.c) while it still exists, and left out otherwise.
 *
 * utmp (fallback).  <host root>/var/log/wtmp (USER_PROCESS -> Login Success) and btmp (every
 * USER_PROCESS/LOGIN_PROCESS entry -> Login Fail), followed by offset: an inotify watch on
 * the directory wakes us, each file is reopened and read from the last offset in whole
 * 384-byte records.  First run starts at the end (no history replay); a file whose inode
 * changed (rotation) or that shrank (truncation) is read from 0.  At most UTMP_BATCH records
 * per wake-up: beyond that the rest is skipped (counted) and reading resumes at the end.
 * Records appended to a file between our last read and its rotation are not seen.  utmp has
 * no executable: it is read from /proc/<pid>/exe when that process still runs, else
 * "unknown".  su writes its failures to btmp as well: an entry whose process still runs a
 * privilege tool is a PrivilegeUse Fail, one of a process already gone cannot be told from a
 * login and is a Login Fail (with Executable "unknown").
 *
 * auto (default) tries audit and falls back to utmp (describe() says which and why).
 * UserId comes from the record (USER_LOGIN id=) or from <host root>/etc/passwd, parsed by
 * users-parse.c and cached until the file changes.  Malformed records are counted in
 * stats.skipped, socket overflows in stats.lost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit-control.h"
#include "collectors/collector.h"
#include "common/array.h"
#include "common/alloc.h"
#include "common/fileio.h"
#include "common/timeutil.h"
#include "enrich/cgroup-parse.h"
#include "enrich/container-lookup.h"
#include "enrich/users-parse.h"
#include "host/host.h"
#include "login-audit-parse.h"
#include "login-sock.h"
#include "utmp-parse.h"

#define LOGIN_AUDIT_RCVBUF (1 << 20)
#define LOGIN_AUDIT_BATCH 1024
#define LOGIN_PASSWD_MAX (16u << 20)
#define UTMP_BATCH 4096
#define UTMP_CHUNK 64
#define LOGIN_CGROUP_MAX 8192

enum login_source {
	LOGIN_SOURCE_AUDIT,
	LOGIN_SOURCE_UTMP,
};

struct utmp_file {
	const char *path; /* below the host root */
	bool fail;	  /* btmp: every entry is a failed login */
	bool known;	  /* dev/ino/offset are valid */
	dev_t dev;
	ino_t ino;
	off_t offset;
};

struct login_state {
	enum login_source source;
	struct event_builder builder;
	/* audit */
	bool control_held;
	int audit_fd;
	struct login_dedup dedup;
	struct login_audit_record rec;
	/* utmp */
	int inotify_fd;
	struct utmp_file files[2];
	/* <host root>/etc/passwd, for UserId */
	char *passwd;
	struct users_db db;
	bool db_valid;
	struct stat passwd_st;
	char describe[200];
};

/* ---- user ids ---- */

static bool passwd_fresh(struct login_state *s, const struct stat *st)
{
	return s->db_valid && st->st_ino == s->passwd_st.st_ino &&
	       st->st_dev == s->passwd_st.st_dev && st->st_size == s->passwd_st.st_size &&
	       st->st_mtim.tv_sec == s->passwd_st.st_mtim.tv_sec &&
	       st->st_mtim.tv_nsec == s->passwd_st.st_mtim.tv_nsec;
}

static void passwd_drop(struct login_state *s)
{
	if (s->db_valid)
		users_db_done(&s->db);
	es_free(s->passwd);
	s->passwd = NULL;
	s->db_valid = false;
}

/* The uid of name in the host's passwd file: 0 with *ret_uid, or -ENOENT. */
static int uid_of(struct collector *c, const char *name, uint32_t *ret_uid)
{
	struct login_state *s = collector_state(c);
	struct stat st;
	size_t len = strlen(name), n;
	int fd;

	if (!len)
		return -ENOENT;
	fd = host_open_regular(c->params.host, "etc/passwd");
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	if (!passwd_fresh(s, &st)) {
		passwd_drop(s);
		if (read_fd_capped(fd, LOGIN_PASSWD_MAX, &s->passwd, &n) == 0 &&
		    users_db_parse(&s->db, s->passwd, n, NULL, 0) == 0) {
			s->db_valid = true;
			s->passwd_st = st;
		}
	}
	close(fd);
	if (!s->db_valid)
		return -ENOENT;
	for (size_t i = 0; i < s->db.n_users; i++) {
		const struct users_passwd_entry *u = &s->db.users[i];

		if (u->name.len == len && memcmp(u->name.p, name, len) == 0) {
			*ret_uid = u->uid;
			return 0;
		}
	}
	return -ENOENT;
}

static void add_user(struct collector *c, struct event_builder *b, unsigned name_field,
		     unsigned id_field, const char *name, uint32_t id)
{
	char buf[20];

	if (id == LOGIN_AUDIT_ID_NONE && uid_of(c, name, &id) < 0)
		id = LOGIN_AUDIT_ID_NONE;
	if (*name)
		event_add_cstr(b, name_field, name);
	if (id != LOGIN_AUDIT_ID_NONE)
		event_add_str(b, id_field, buf, fmt_u64(buf, id));
	else if (!*name)
		event_add_cstr(b, name_field, "unknown"); /* the schema wants a name or an id */
}

/* A literal IPv4/IPv6 address, rendered canonically; false for "?", names and garbage. */
static bool address_parse(const char *s, char out[INET6_ADDRSTRLEN], int *ret_family,
			  uint8_t addr[16])
{
	if (inet_pton(AF_INET, s, addr) == 1)
		*ret_family = AF_INET;
	else if (inet_pton(AF_INET6, s, addr) == 1)
		*ret_family = AF_INET6;
	else
		return false;
	return inet_ntop(*ret_family, addr, out, INET6_ADDRSTRLEN) != NULL;
}

static void submit(struct collector *c)
{
	struct login_state *s = collector_state(c);

	if (collector_submit_built(c, &s->builder) < 0)
		c->stats.errors++;
}

/* ---- audit source ---- */

/*
 * Who really sent a PAM audit record.  The kernel puts the sender's pid outside msg='...'
 * (trusted); everything inside msg, exe= included, is the sender's own text.  Any process
 * with CAP_AUDIT_WRITE in the initial user namespace can send one, and Docker grants that
 * capability by default, so a container can forge a login.  While the sender still runs:
 * ExtraDetails SenderContainerId / SenderContainerRuntime (/proc/<pid>/cgroup, as the
 * process collector reads it; name, image and IoT Edge module when the containers collector
 * knows the id) and SenderExecutable when its real binary is not the exe= it claims.  A
 * sender already gone cannot be checked: SenderGone.  See docs/internals/evidence.md.
 */
static void sender_add(struct collector *c, struct event_builder *b, uint32_t pid,
		       const char *claimed_exe)
{
	char path[48], buf[LOGIN_CGROUP_MAX], exe[PATH_MAX];
	struct cgroup_container ct;
	struct container_info info;
	ssize_t n = 0, len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	fd = pid && pid != LOGIN_AUDIT_ID_NONE ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : -1;
	if (fd < 0) {
		event_add_extra_cstr(b, "SenderGone", "true");
		return;
	}
	while (len < (ssize_t)sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += n;
	close(fd);
	if (len > 0 && cgroup_container_parse(buf, (size_t)len, &ct) == 0) {
		event_add_extra(b, "SenderContainerId", ct.id, CGROUP_CONTAINER_ID_LEN);
		event_add_extra_cstr(b, "SenderContainerRuntime",
				     cgroup_runtime_to_string(ct.runtime));
		if (container_lookup_find(c->params.containers, ct.id, &info) == 0) {
			if (info.name[0])
				event_add_extra_cstr(b, "SenderContainerName", info.name);
			if (info.image[0])
				event_add_extra_cstr(b, "SenderContainerImage", info.image);
			if (info.module[0])
				event_add_extra_cstr(b, "SenderIotEdgeModule", info.module);
		}
	}
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0) {
		event_add_extra_cstr(b, "SenderGone", "true"); /* exiting: a zombie has no exe */
		return;
	}
	exe[n] = '\0';
	if (!*claimed_exe || strcmp(exe, claimed_exe) != 0)
		event_add_extra_cstr(b, "SenderExecutable", exe);
}

static void emit_login_audit(struct collector *c, const struct login_audit_record *r, bool success)
{
	struct login_state *s = collector_state(c);
	struct event_builder *b = &s->builder;
	char addr[INET6_ADDRSTRLEN], port[8];
	uint8_t bin[16];
	uint16_t rport, lport;
	int family;

	event_builder_begin(b, EVENT_LOGIN, r->time_ns);
	event_builder_item(b);
	event_add_int(b, LOGIN_PROCESS_ID, r->pid);
	add_user(c, b, LOGIN_USER_NAME, LOGIN_USER_ID, r->acct, r->id);
	event_add_cstr(b, LOGIN_OPERATION, *r->op ? r->op : login_audit_type_name(r->type));
	event_add_cstr(b, LOGIN_EXECUTABLE, *r->exe ? r->exe : "unknown");
	if (address_parse(r->addr, addr, &family, bin)) {
		event_add_cstr(b, LOGIN_REMOTE_ADDRESS, addr);
		if (login_sock_ports(host_proc_fd(c->params.host), r->pid, family, bin, &rport,
				     &lport) == 0) {
			snprintf(port, sizeof(port), "%u", rport);
			event_add_cstr(b, LOGIN_REMOTE_PORT, port);
			snprintf(port, sizeof(port), "%u", lport);
			event_add_cstr(b, LOGIN_LOCAL_PORT, port);
		}
	}
	event_add_cstr(b, LOGIN_RESULT, success ? "Success" : "Fail");
	event_add_extra_cstr(b, "Source", "audit");
	event_add_extra_cstr(b, "AuditRecord", login_audit_type_name(r->type));
	if (*r->terminal)
		event_add_extra_cstr(b, "Terminal", r->terminal);
	if (*r->hostname && strcmp(r->hostname, r->addr) != 0)
		event_add_extra_cstr(b, "Hostname", r->hostname);
	if (r->truncated)
		event_add_extra_cstr(b, "Truncated", "true");
	sender_add(c, b, r->pid, r->exe);
	submit(c);
}

static void emit_privilege_use(struct collector *c, const struct login_audit_record *r,
			       bool success)
{
	struct login_state *s = collector_state(c);
	struct event_builder *b = &s->builder;
	const char *tool = strrchr(r->exe, '/');
	char addr[INET6_ADDRSTRLEN];
	uint8_t bin[16];
	int family;

	event_builder_begin(b, EVENT_PRIVILEGE_USE, r->time_ns);
	event_builder_item(b);
	event_add_cstr(b, PU_OPERATION, tool ? tool + 1 : r->exe);
	add_user(c, b, PU_USER_NAME, PU_USER_ID, r->acct, r->id);
	event_add_cstr(b, PU_EXECUTABLE, r->exe);
	event_add_int(b, PU_PROCESS_ID, r->pid);
	if (*r->terminal)
		event_add_cstr(b, PU_TERMINAL, r->terminal);
	if (address_parse(r->addr, addr, &family, bin))
		event_add_cstr(b, PU_REMOTE_ADDRESS, addr);
	event_add_cstr(b, PU_RESULT, success ? "Success" : "Fail");
	if (*r->op)
		event_add_extra_cstr(b, "PamOperation", r->op);
	event_add_extra_cstr(b, "AuditRecord", login_audit_type_name(r->type));
	if (r->uid != LOGIN_AUDIT_ID_NONE)
		event_add_extra_u64(b, "InvokingUserId", r->uid);
	if (r->auid != LOGIN_AUDIT_ID_NONE)
		event_add_extra_u64(b, "LoginUserId", r->auid);
	if (r->truncated)
		event_add_extra_cstr(b, "Truncated", "true");
	event_add_extra_cstr(b, "Source", "audit");
	sender_add(c, b, r->pid, r->exe);
	submit(c);
}

/* What audit_record() needs besides the record: audit_control_read()'s ctx. */
struct audit_batch {
	struct collector *c;
	uint64_t now_ms;
};

static void audit_record(void *ctx, unsigned type, const char *text, size_t len)
{
	const struct audit_batch *batch = ctx;
	struct collector *c = batch->c;
	struct login_state *s = collector_state(c);
	struct login_verdict v;

	if (!login_audit_type_wanted(type))
		return; /* syscall records of other rules, CRED_*, USER_END, ... */
	if (login_audit_parse(type, text, len, &s->rec) < 0) {
		c->stats.skipped++;
		return;
	}
	v = login_audit_verdict(&s->rec, &s->dedup, batch->now_ms);
	if (v.kind == LOGIN_VERDICT_LOGIN)
		emit_login_audit(c, &s->rec, v.success);
	else if (v.kind == LOGIN_VERDICT_PRIVILEGE)
		emit_privilege_use(c, &s->rec, v.success);
}

static void audit_dispatch(struct collector *c)
{
	struct login_state *s = collector_state(c);
	struct audit_batch batch = { c, time_now_monotonic_ns() / NSEC_PER_MSEC };
	struct audit_read_counts counts = { 0 };

	audit_control_read(s->audit_fd, LOGIN_AUDIT_BATCH, audit_record, &batch, &counts);
	c->stats.lost += counts.overflows;
	c->stats.errors += counts.errors;
	c->stats.skipped += counts.foreign;
}

static int audit_source_start(struct collector *c, char *err, size_t err_size)
{
	struct login_state *s = collector_state(c);
	int r, run_dir;

	run_dir = host_run_dir_open(c->params.host); /* the host-wide lock's directory */
	r = audit_control_acquire(run_dir, err, err_size);
	if (run_dir >= 0)
		close(run_dir);
	if (r < 0)
		return r;
	s->control_held = true;
	s->audit_fd = audit_control_open_reader(LOGIN_AUDIT_RCVBUF, err, err_size);
	if (s->audit_fd < 0) {
		r = s->audit_fd;
		audit_control_release();
		s->control_held = false;
		return r;
	}
	snprintf(s->describe, sizeof(s->describe), "source audit (PAM records), audit %s",
		 audit_control_enabled_by_us() ? "enabled by us" : "already enabled");
	return 0;
}

/* ---- utmp source ---- */

static void exe_of(struct collector *c, uint32_t pid, char *out, size_t size)
{
	char path[32];

	snprintf(path, sizeof(path), "%u/exe", pid);
	if (!pid || host_proc_readlink(c->params.host, path, out, size) <= 0)
		snprintf(out, size, "unknown");
}

static void emit_login_utmp(struct collector *c, const struct utmp_entry *u, const char *exe,
			    bool fail)
{
	struct login_state *s = collector_state(c);
	struct event_builder *b = &s->builder;
	char addr[INET6_ADDRSTRLEN];
	uint8_t bin[16];
	int family;

	event_builder_begin(b, EVENT_LOGIN, u->time_ns);
	event_builder_item(b);
	event_add_int(b, LOGIN_PROCESS_ID, u->pid);
	add_user(c, b, LOGIN_USER_NAME, LOGIN_USER_ID, u->user, LOGIN_AUDIT_ID_NONE);
	event_add_cstr(b, LOGIN_OPERATION, fail ? "btmp" : "wtmp");
	event_add_cstr(b, LOGIN_EXECUTABLE, exe);
	if (u->addr_family && inet_ntop(u->addr_family, u->addr, addr, sizeof(addr)))
		event_add_cstr(b, LOGIN_REMOTE_ADDRESS, addr);
	else if (address_parse(u->host, addr, &family, bin))
		event_add_cstr(b, LOGIN_REMOTE_ADDRESS, addr);
	event_add_cstr(b, LOGIN_RESULT, fail ? "Fail" : "Success");
	event_add_extra_cstr(b, "Source", fail ? "btmp" : "wtmp");
	if (*u->line)
		event_add_extra_cstr(b, "Terminal", u->line);
	if (*u->host)
		event_add_extra_cstr(b, "Hostname", u->host);
	submit(c);
}

/* su writes its failures to btmp too: while it still runs, that is seen and not a Login. */
static void emit_privilege_utmp(struct collector *c, const struct utmp_entry *u, const char *exe)
{
	struct login_state *s = collector_state(c);
	struct event_builder *b = &s->builder;
	const char *tool = strrchr(exe, '/');

	event_builder_begin(b, EVENT_PRIVILEGE_USE, u->time_ns);
	event_builder_item(b);
	event_add_cstr(b, PU_OPERATION, tool ? tool + 1 : exe);
	add_user(c, b, PU_USER_NAME, PU_USER_ID, u->user, LOGIN_AUDIT_ID_NONE);
	event_add_cstr(b, PU_EXECUTABLE, exe);
	event_add_int(b, PU_PROCESS_ID, u->pid);
	if (*u->line)
		event_add_cstr(b, PU_TERMINAL, u->line);
	event_add_cstr(b, PU_RESULT, "Fail");
	event_add_extra_cstr(b, "Source", "btmp");
	submit(c);
}

static void utmp_entry(struct collector *c, const struct utmp_file *f, const unsigned char *rec)
{
	char exe[PATH_MAX];
	struct utmp_entry u;

	if (utmp_parse_record(rec, UTMP_RECORD_SIZE, &u) < 0) {
		c->stats.skipped++;
		return;
	}
	if (u.type != UTMP_TYPE_USER_PROCESS && !(f->fail && u.type == UTMP_TYPE_LOGIN_PROCESS))
		return;
	exe_of(c, (uint32_t)u.pid, exe, sizeof(exe));
	switch (login_audit_classify(exe)) {
	case LOGIN_AUDIT_CLASS_PRIVILEGE:
		if (f->fail)
			emit_privilege_utmp(c, &u, exe);
		break;
	case LOGIN_AUDIT_CLASS_SERVICE:
		break;
	case LOGIN_AUDIT_CLASS_LOGIN:
		emit_login_utmp(c, &u, exe, f->fail);
		break;
	}
}

/* Reads what was appended since the last call; at start (initial) only notes the end. */
static void utmp_follow(struct collector *c, struct utmp_file *f, bool initial)
{
	unsigned char chunk[UTMP_CHUNK * UTMP_RECORD_SIZE];
	struct stat st;
	size_t done = 0;
	off_t end;
	int fd = host_open_regular(c->params.host, f->path);

	if (fd < 0) {
		f->known = false;  /* not there (yet): read from 0 once it appears */
		if (fd != -ENOENT) /* a FIFO or device planted there is never read */
			collector_set_error(c, COLLECTOR_STATE_DEGRADED, "utmp: %s: %s", f->path,
					    fileio_strerror(fd));
		return;
	}
	if (fstat(fd, &st) < 0) {
		c->stats.errors++;
		goto out;
	}
	if (initial || !f->known || st.st_ino != f->ino || st.st_dev != f->dev ||
	    st.st_size < f->offset) {
		f->offset = initial ? st.st_size - st.st_size % UTMP_RECORD_SIZE : 0;
		f->ino = st.st_ino;
		f->dev = st.st_dev;
		f->known = true;
	}
	end = st.st_size - (st.st_size - f->offset) % UTMP_RECORD_SIZE; /* whole records */
	while (f->offset < end) {
		size_t want = (size_t)(end - f->offset) < sizeof(chunk) ? (size_t)(end - f->offset)
									: sizeof(chunk);
		ssize_t n;

		if (done >= UTMP_BATCH) {
			c->stats.skipped += (uint64_t)(end - f->offset) / UTMP_RECORD_SIZE;
			f->offset = end;
			break;
		}
		n = pread(fd, chunk, want, f->offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				c->stats.errors++;
			break;
		}
		n -= n % UTMP_RECORD_SIZE;
		if (!n)
			break;
		for (ssize_t i = 0; i < n; i += UTMP_RECORD_SIZE)
			utmp_entry(c, f, chunk + i);
		f->offset += n;
		done += (size_t)n / UTMP_RECORD_SIZE;
	}
out:
	close(fd);
}

static void utmp_dispatch(struct collector *c)
{
	struct login_state *s = collector_state(c);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	/* Which file changed does not matter: both are checked (a stat each). */
	while (read(s->inotify_fd, buf, sizeof(buf)) > 0)
		;
	for (size_t i = 0; i < 2; i++)
		utmp_follow(c, &s->files[i], false);
}

static int utmp_source_start(struct collector *c, char *err, size_t err_size)
{
	struct login_state *s = collector_state(c);
	char dir[64];
	int r, dfd;

	s->files[0] = (struct utmp_file){ .path = "var/log/wtmp", .fail = false };
	s->files[1] = (struct utmp_file){ .path = "var/log/btmp", .fail = true };
	/* <host root>/var/log, resolved inside the root; watched through its fd. */
	dfd = host_open(c->params.host, "var/log", O_PATH | O_DIRECTORY, 0);
	if (dfd < 0) {
		snprintf(err, err_size, "utmp: cannot open %.60s/var/log: %s",
			 host_context_root(c->params.host), strerror(-dfd));
		return dfd;
	}
	snprintf(dir, sizeof(dir), "/proc/self/fd/%d", dfd);
	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inotify_fd < 0 ||
	    inotify_add_watch(s->inotify_fd, dir,
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		r = -errno;
		close(dfd);
		snprintf(err, err_size, "utmp: cannot watch %.60s/var/log: %s",
			 host_context_root(c->params.host), strerror(-r));
		return r;
	}
	close(dfd);
	for (size_t i = 0; i < 2; i++)
		utmp_follow(c, &s->files[i], true);
	return 0;
}

/* ---- collector ops ---- */

static int login_init(struct collector *c)
{
	struct login_state *s = collector_state(c);

	event_builder_init(&s->builder);
	s->audit_fd = s->inotify_fd = -1;
	return 0;
}

static void login_stop(struct collector *c)
{
	struct login_state *s = collector_state(c);

	if (s->audit_fd >= 0)
		close(s->audit_fd);
	if (s->control_held)
		audit_control_release();
	if (s->inotify_fd >= 0)
		close(s->inotify_fd);
	s->audit_fd = s->inotify_fd = -1;
	s->control_held = false;
}

static void login_done(struct collector *c)
{
	struct login_state *s = collector_state(c);

	if (!s)
		return;
	login_stop(c);
	passwd_drop(s);
	event_builder_done(&s->builder);
}

static int login_start(struct collector *c)
{
	struct login_state *s = collector_state(c);
	const char *want = c->params.login_source ? c->params.login_source : "auto";
	char audit_err[120] = "", err[sizeof(c->last_error)];
	bool is_auto = strcmp(want, "auto") == 0;
	int r;

	if (!is_auto && strcmp(want, "audit") != 0 && strcmp(want, "utmp") != 0) {
		collector_set_error(c, COLLECTOR_STATE_FAILED,
				    "loginSource must be auto, audit or utmp, not \"%s\"", want);
		return -EINVAL;
	}
	if (strcmp(want, "utmp") != 0) {
		r = audit_source_start(c, audit_err, sizeof(audit_err));
		if (r == 0) {
			s->source = LOGIN_SOURCE_AUDIT;
			return 0;
		}
		if (!is_auto) {
			collector_set_error(c, COLLECTOR_STATE_FAILED, "%s", audit_err);
			return r;
		}
	}
	r = utmp_source_start(c, err, sizeof(err));
	if (r < 0) {
		if (*audit_err)
			collector_set_error(c, COLLECTOR_STATE_FAILED, "%s; %s", audit_err, err);
		else
			collector_set_error(c, COLLECTOR_STATE_FAILED, "%s", err);
		login_stop(c);
		return r;
	}
	s->source = LOGIN_SOURCE_UTMP;
	snprintf(s->describe, sizeof(s->describe), "source utmp (wtmp/btmp)%s%s%s",
		 *audit_err ? ", audit not available: " : "", audit_err, "");
	return 0;
}

static int login_get_fd(struct collector *c)
{
	struct login_state *s = collector_state(c);

	return s->source == LOGIN_SOURCE_AUDIT ? s->audit_fd : s->inotify_fd;
}

static void login_dispatch(struct collector *c, uint32_t revents)
{
	struct login_state *s = collector_state(c);

	(void)revents;
	if (s->source == LOGIN_SOURCE_AUDIT && s->audit_fd >= 0)
		audit_dispatch(c);
	else if (s->source == LOGIN_SOURCE_UTMP && s->inotify_fd >= 0)
		utmp_dispatch(c);
}

static const char *login_describe(struct collector *c)
{
	struct login_state *s = collector_state(c);

	return *s->describe ? s->describe : NULL;
}

/* Calls after start beyond the base allow-list (core/seccomp.c): the audit source copies
 * sshd's socket for a moment to read its ports (login-sock.c); its audit sockets are opened
 * at start and kept. */
static const struct collector_syscalls login_syscalls[] = {
	{ "source audit", 0, 0, COLLECTOR_SYSCALL_PIDFD },
};

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps login_caps[] = {
	/* audit source: AUDIT_SET at stop (restore the host's audit state); sshd's socket to
	 * the peer through /proc/<pid>/fd (a 0500 directory, ptrace-checked links). */
	{ "source audit", COLLECTOR_CAP(CAP_AUDIT_CONTROL) | COLLECTOR_CAP(CAP_DAC_READ_SEARCH) |
				  COLLECTOR_CAP(CAP_SYS_PTRACE) },
	/* utmp source: /proc/<pid>/exe of the logging-in process; btmp is 0660 root:utmp. */
	{ "source utmp", COLLECTOR_CAP(CAP_SYS_PTRACE) | COLLECTOR_CAP(CAP_DAC_READ_SEARCH) },
};

/* The host namespaces it must share (core/host-check.c), the first unmet one reported. */
static const struct collector_host_need login_host_needs[] = {
	{ "source audit", HOST_NS_NET,
	  "the kernel sends PAM's audit records to the host's network namespace only",
	  "NetworkMode host" },
	{ NULL, HOST_NS_PID, "the executable and ports of login processes are unknown",
	  "PidMode host" },
	{ NULL, HOST_NS_USER, "its capabilities do not reach the host's kernel",
	  "UsernsMode host" },
};

const struct collector_ops login_collector_ops = {
	.name = "login",
	.types = { EVENT_LOGIN, EVENT_PRIVILEGE_USE },
	.n_types = 2,
	.state_size = sizeof(struct login_state),
	.init = login_init,
	.start = login_start,
	.get_fd = login_get_fd,
	.dispatch = login_dispatch,
	.stop = login_stop,
	.done = login_done,
	.describe = login_describe,
	.caps = login_caps,
	.n_caps = ARRAY_SIZE(login_caps),
	.syscalls = login_syscalls,
	.n_syscalls = ARRAY_SIZE(login_syscalls),
	.host_needs = login_host_needs,
	.n_host_needs = ARRAY_SIZE(login_host_needs),
};
