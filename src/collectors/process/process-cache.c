/* SPDX-License-Identifier: MIT */
/*
 * The two bounded caches of the process collector.
 *
 * Users: uid -> name, parsed from <host root>/etc/passwd (read as text through the host context,
 * never through getpwuid()/NSS, capped at PASSWD_FILE_MAX) by the one passwd parser
 * (enrich/users-parse.h, at most USERS_MAX entries; names of USER_NAME_MAX bytes or more are
 * not used).  The file's text and the parsed table are kept until the file changes.  A lookup
 * that misses re-reads the file when its size or mtime changed, at most once per
 * USERS_RECHECK_NS, so a new account is picked up and a flood of unknown uids costs nothing.
 *
 * Pids: executable and command line of the last PIDS_SLOTS execs, direct-mapped by pid, so a
 * ConnectionCreate or ProcessTerminate can name its process without touching /proc.  A
 * collision replaces the older entry (counted in process_pids_evictions()).  The strings live
 * in a byte ring (PIDS_ARENA_BYTES), written one after the other, so memory follows what is
 * stored rather than the worst case: an exec storm touches ~136 KiB, not the 660 KiB that
 * fixed 256 + 1024-byte slots took.  An entry whose bytes the ring has since overwritten
 * reads as a miss: with typical command lines (< 200 bytes)
 * the ring outlives all 512 slots; with 1 KiB ones it keeps the last ~100.
 *
 * Containers: the container (cgroup-parse.h) of the last CONTAINER_SLOTS processes that run in
 * one, read once at exec, direct-mapped by pid in a table of their own, so that an exec storm
 * of host processes, which cycles the pid slots, does not make a container's processes lose
 * their attribution at exit.  A pid slot only remembers "host" (or "in a container").  A
 * collision replaces the older entry (process_pids_container_evictions()).  Every exec of a pid
 * sets or clears its entry, so a stale one cannot outlive the pid's next exec.
 *
 * Fixed size: PIDS_SLOTS * sizeof(struct pid_slot) + PIDS_ARENA_BYTES + CONTAINER_SLOTS *
 * sizeof(struct container_slot), about 12 + 128 + 76 KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "enrich/users-parse.h"
#include "host/host.h"
#include "process-int.h"

#define PASSWD_FILE_MAX (4u << 20)
#define USER_NAME_MAX 64
#define USERS_RECHECK_NS (5ull * 1000000000ull)

#define PIDS_SLOTS 512
#define PIDS_EXE_MAX 256
#define PIDS_CMD_MAX 1024
#define PIDS_ARENA_BYTES (128u << 10) /* ≥ PIDS_EXE_MAX + PIDS_CMD_MAX */
#define CONTAINER_SLOTS 1024

struct process_users {
	struct host_context *host; /* not owned */
	char *passwd;		   /* the file's text; db points into it */
	struct users_db db;
	struct timespec mtime;
	off_t size;
	uint64_t checked_ns;
	bool loaded;
	char name[USER_NAME_MAX]; /* the name last returned */
};

static void users_reload(struct process_users *u)
{
	struct users_db db = { 0 };
	char *data = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	fd = host_open(u->host, "etc/passwd", O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 ||
	    (u->loaded && st.st_size == u->size && st.st_mtim.tv_sec == u->mtime.tv_sec &&
	     st.st_mtim.tv_nsec == u->mtime.tv_nsec)) {
		close(fd);
		return;
	}
	/* Parsed by the one passwd parser (enrich/users-parse.h); kept only when it parsed. */
	if (S_ISREG(st.st_mode) && read_fd_capped(fd, PASSWD_FILE_MAX, &data, &len) == 0 &&
	    users_db_parse(&db, data, len, NULL, 0) == 0) {
		users_db_done(&u->db);
		es_free(u->passwd);
		u->db = db;
		u->passwd = data;
		data = NULL;
		u->mtime = st.st_mtim;
		u->size = st.st_size;
		u->loaded = true;
	}
	close(fd);
	es_free(data);
}

struct process_users *process_users_new(struct host_context *host)
{
	struct process_users *u = es_calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->host = host;
	return u;
}

struct process_users *process_users_free(struct process_users *u)
{
	if (u) {
		users_db_done(&u->db);
		es_free(u->passwd);
		es_free(u);
	}
	return NULL;
}

/* The first entry of uid in file order whose name fits USER_NAME_MAX, copied to u->name. */
static const char *users_find(struct process_users *u, uint32_t uid)
{
	for (size_t i = 0; i < u->db.n_users; i++) {
		const struct users_passwd_entry *e = &u->db.users[i];

		if (e->uid != uid || e->name.len >= USER_NAME_MAX)
			continue;
		memcpy(u->name, e->name.p, e->name.len);
		u->name[e->name.len] = '\0';
		return u->name;
	}
	return NULL;
}

const char *process_users_lookup(struct process_users *u, uint32_t uid, uint64_t now_ns)
{
	const char *name;

	if (!u)
		return NULL;
	name = u->loaded ? users_find(u, uid) : NULL;
	if (name)
		return name;
	if (u->loaded && now_ns - u->checked_ns < USERS_RECHECK_NS)
		return NULL;
	u->checked_ns = now_ns;
	users_reload(u);
	return u->loaded ? users_find(u, uid) : NULL;
}

/* ---- pids ---- */

enum pid_container {
	PID_CONTAINER_UNKNOWN,
	PID_CONTAINER_HOST,
	PID_CONTAINER_IN, /* the container is in the container table, unless evicted */
	PID_CONTAINER_MAX
};

struct pid_slot {
	uint32_t pid;
	uint16_t exe_len, cmd_len;
	bool cmd_truncated;
	uint8_t container; /* enum pid_container */
	uint64_t at;	   /* ring position (bytes ever written) of exe, then cmd */
};

struct container_slot {
	uint32_t pid;
	struct cgroup_container ct;
};

struct process_pids {
	struct pid_slot slots[PIDS_SLOTS];
	struct container_slot containers[CONTAINER_SLOTS];
	uint64_t evictions, container_evictions;
	uint64_t head; /* bytes ever written to arena (offset: head % PIDS_ARENA_BYTES) */
	char arena[PIDS_ARENA_BYTES];
};

struct process_pids *process_pids_new(void)
{
	return es_calloc(1, sizeof(struct process_pids));
}

struct process_pids *process_pids_free(struct process_pids *p)
{
	es_free(p);
	return NULL;
}

/* Room for n contiguous bytes at the head; an entry never wraps (the tail is skipped). */
static char *arena_reserve(struct process_pids *p, size_t n, uint64_t *ret_at)
{
	size_t off = p->head % PIDS_ARENA_BYTES;

	if (off + n > PIDS_ARENA_BYTES) {
		p->head += PIDS_ARENA_BYTES - off;
		off = 0;
	}
	*ret_at = p->head;
	p->head += n;
	return p->arena + off;
}

void process_pids_put(struct process_pids *p, uint32_t pid, const char *exe, size_t exe_len,
		      const char *cmd, size_t cmd_len)
{
	struct pid_slot *s = &p->slots[pid % PIDS_SLOTS];
	char *dst;

	if (!pid)
		return;
	if (s->pid && s->pid != pid)
		p->evictions++;
	s->pid = pid;
	s->container = PID_CONTAINER_UNKNOWN;
	s->exe_len = exe_len < PIDS_EXE_MAX ? exe_len : PIDS_EXE_MAX;
	s->cmd_truncated = cmd_len > PIDS_CMD_MAX;
	s->cmd_len = s->cmd_truncated ? PIDS_CMD_MAX : cmd_len;
	dst = arena_reserve(p, (size_t)s->exe_len + s->cmd_len, &s->at);
	memcpy(dst, exe, s->exe_len);
	memcpy(dst + s->exe_len, cmd, s->cmd_len);
}

int process_pids_get(struct process_pids *p, uint32_t pid, const char **ret_exe,
		     size_t *ret_exe_len, const char **ret_cmd, size_t *ret_cmd_len,
		     int *ret_cmd_truncated)
{
	const struct pid_slot *s = &p->slots[pid % PIDS_SLOTS];
	const char *src;

	if (!pid || s->pid != pid)
		return -ENOENT;
	/* Overwritten once the head went a whole ring past the entry's start (the slot keeps
	 * its container state). */
	if (p->head - s->at > PIDS_ARENA_BYTES)
		return -ENOENT;
	src = p->arena + s->at % PIDS_ARENA_BYTES;
	*ret_exe = src;
	*ret_exe_len = s->exe_len;
	*ret_cmd = src + s->exe_len;
	*ret_cmd_len = s->cmd_len;
	*ret_cmd_truncated = s->cmd_truncated;
	return 0;
}

void process_pids_forget(struct process_pids *p, uint32_t pid)
{
	struct pid_slot *s = &p->slots[pid % PIDS_SLOTS];
	struct container_slot *cs = &p->containers[pid % CONTAINER_SLOTS];

	if (pid && s->pid == pid)
		s->pid = 0;
	if (pid && cs->pid == pid)
		cs->pid = 0;
}

const struct cgroup_container *process_pids_set_container(struct process_pids *p, uint32_t pid,
							  const struct cgroup_container *ct)
{
	struct pid_slot *s = &p->slots[pid % PIDS_SLOTS];
	struct container_slot *cs = &p->containers[pid % CONTAINER_SLOTS];

	if (!pid)
		return NULL;
	if (s->pid == pid)
		s->container = ct ? PID_CONTAINER_IN : PID_CONTAINER_HOST;
	if (!ct) {
		if (cs->pid == pid)
			cs->pid = 0;
		return NULL;
	}
	if (cs->pid && cs->pid != pid)
		p->container_evictions++;
	cs->pid = pid;
	cs->ct = *ct;
	return &cs->ct;
}

void process_pids_forget_container(struct process_pids *p, uint32_t pid)
{
	struct pid_slot *s = &p->slots[pid % PIDS_SLOTS];
	struct container_slot *cs = &p->containers[pid % CONTAINER_SLOTS];

	if (pid && s->pid == pid)
		s->container = PID_CONTAINER_UNKNOWN;
	if (pid && cs->pid == pid)
		cs->pid = 0;
}

int process_pids_get_container(struct process_pids *p, uint32_t pid,
			       const struct cgroup_container **ret_ct)
{
	const struct pid_slot *s = &p->slots[pid % PIDS_SLOTS];
	const struct container_slot *cs = &p->containers[pid % CONTAINER_SLOTS];

	if (!pid)
		return -ENOENT;
	if (cs->pid == pid) {
		*ret_ct = &cs->ct;
		return 1;
	}
	if (s->pid == pid && s->container == PID_CONTAINER_HOST)
		return 0;
	return -ENOENT;
}

uint64_t process_pids_evictions(const struct process_pids *p)
{
	return p ? p->evictions : 0;
}

uint64_t process_pids_container_evictions(const struct process_pids *p)
{
	return p ? p->container_evictions : 0;
}
