/* SPDX-License-Identifier: MIT */
/*
 * ExtraDetails KnownAs / KnownAsBy: a renamed copy of a known binary (`cp /bin/bash
 * /tmp/kworker`, `cp $(which ncat) /var/tmp/updater`) named by what its content is.
 *
 * At start the known binaries are looked up on the host (through the host context, so
 * --host-root is honoured): each name of known_names[] in each directory of known_dirs[],
 * symlinks resolved inside the root; one file found under several names (sh -> dash, a hard
 * link) is one entry with those names, the first in known_names[] order being the one reported.
 * The list is the shells, interpreters and network/attack/tunnel tools the shipped rules name
 * (rules/detection/00-lists.json): a name absent from the host costs nothing.
 *
 * Per exec (process_known_as_add()): the executed file is stat'ed through /proc/<pid>/exe (the
 * file the process really runs: a deleted copy, a copy in a container's file system), one
 * fstatat, and its link read (readlinkat) to check it is still the exec's file (not a later
 * exec of the same pid) when a known file was found or the program is outside known_dirs[];
 * enrich/exec-identity.c then decides from its inode, its cache, or by reading it (opened
 * through the same link and checked to be the same inode).  A process already gone falls back,
 * for a host process (no container) whose file was not deleted, to the path it ran, opened
 * through the host context (racy: the path may name another file by then; counted).  Not
 * reported when the program already has that name (basename of Executable, ExecutablePath or
 * Interpreter is one of the known file's names), nor for another link to a known file inside
 * known_dirs[] (a packaged alias such as perl5.36.0): a packaged binary at its own path is
 * not renamed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/array.h"
#include "process-int.h"

static const char *const known_dirs[] = {
	"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/local/sbin",
};

/* Canonical names before the aliases that lead to the same file (dash before sh). */
static const char *const known_names[] = {
	/* shells (busybox and toybox: multi-call, the rules take the applet) */
	"bash",
	"dash",
	"ash",
	"zsh",
	"ksh93",
	"ksh",
	"mksh",
	"pdksh",
	"tcsh",
	"csh",
	"fish",
	"yash",
	"posh",
	"sh",
	"rbash",
	"busybox",
	"toybox",
	/* script interpreters */
	"python3",
	"python2",
	"python",
	"perl",
	"ruby",
	"php",
	"node",
	"nodejs",
	"lua5.4",
	"lua5.3",
	"lua5.2",
	"lua5.1",
	"lua",
	"luajit",
	"tclsh",
	"gawk",
	"mawk",
	"nawk",
	"awk",
	"pwsh",
	/* netcat and relays */
	"ncat",
	"nc.openbsd",
	"nc.traditional",
	"netcat",
	"nc",
	"socat",
	"pwncat",
	"rustcat",
	/* attack, discovery and tunnel tools */
	"nmap",
	"masscan",
	"zmap",
	"hping3",
	"hydra",
	"medusa",
	"ncrack",
	"john",
	"hashcat",
	"sqlmap",
	"nikto",
	"gobuster",
	"ffuf",
	"bettercap",
	"ettercap",
	"arpspoof",
	"proxychains4",
	"proxychains",
	"chisel",
	"ngrok",
	"frpc",
	"frps",
	"gost",
	"iodine",
	"dns2tcp",
	"ptunnel",
	"rinetd",
	"microsocks",
	"3proxy",
	"xmrig",
	/* downloaders, ssh, firewall and module tools the rules name */
	"curl",
	"wget",
	"ssh",
	"autossh",
	"dbclient",
	"xtables-nft-multi",
	"xtables-legacy-multi",
	"nft",
	"kmod",
};

struct exec_known_io {
	struct host_context *host;
	int proc_fd;
	uint32_t pid;
	const char *path; /* fallback: the path run, through the host context */
};

static int open_known(void *ctx, const char *path)
{
	const struct exec_known_io *io = ctx;

	return host_open_regular(io->host, path);
}

static int open_candidate(void *ctx)
{
	const struct exec_known_io *io = ctx;
	char link[32];
	int fd;

	if (io->path)
		return host_open_regular(io->host, io->path);
	snprintf(link, sizeof(link), "%u/exe", io->pid);
	fd = openat(io->proc_fd, link, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

struct exec_identity *process_known_new(struct host_context *host)
{
	struct exec_identity *id = exec_identity_new(NULL);
	char path[EXEC_IDENTITY_PATH_MAX];

	if (!id || !host)
		return id;
	for (size_t n = 0; n < ARRAY_SIZE(known_names); n++)
		for (size_t d = 0; d < ARRAY_SIZE(known_dirs); d++) {
			int fd;

			snprintf(path, sizeof(path), "%s/%s", known_dirs[d], known_names[n]);
			fd = host_open_regular(host, path);
			if (fd < 0)
				continue;
			exec_identity_add(id, known_names[n], path, fd); /* -EEXIST: usrmerge */
			close(fd);
		}
	return id;
}

static const char *base_of(const char *s, size_t len, size_t *ret_len)
{
	const char *slash = len ? memrchr(s, '/', len) : NULL;
	const char *b = slash ? slash + 1 : s;

	*ret_len = len - (size_t)(b - s);
	return b;
}

static bool has_name(const struct exec_identity *id, unsigned index, const char *s, size_t len)
{
	size_t blen;
	const char *b;

	if (!s || !len)
		return false;
	b = base_of(s, len, &blen);
	return exec_identity_has_name(id, index, b, blen);
}

/* The path is directly in one of known_dirs[]. */
static bool in_known_dir(const char *s, size_t len)
{
	size_t blen, dlen;

	base_of(s, len, &blen);
	dlen = len - blen;

	for (size_t d = 0; d < ARRAY_SIZE(known_dirs); d++)
		if (dlen == strlen(known_dirs[d]) + 1 && memcmp(s, known_dirs[d], dlen - 1) == 0)
			return true;
	return false;
}

/*
 * Whether /proc/<pid>/exe still names the file of this exec (same base name, " (deleted)"
 * aside): a process that has exec'd again since (`bash -c 'sleep 1'` execs sleep) does not.
 * The base name only: the link's directory is as our root sees the file (a container's file
 * by its overlay path), the exec's as the process sees it.
 */
static bool exe_link_is(int proc_fd, const char *link, const char *path, size_t len)
{
	static const char deleted[] = " (deleted)";
	char target[PROCESS_EXE_MAX];
	ssize_t n = readlinkat(proc_fd, link, target, sizeof(target));
	size_t blen, tlen;
	const char *b, *tb;

	if (n <= 0 || (size_t)n >= sizeof(target))
		return false;
	tlen = (size_t)n;
	if (tlen > sizeof(deleted) - 1 &&
	    memcmp(target + tlen - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1) == 0)
		tlen -= sizeof(deleted) - 1;
	b = base_of(path, len, &blen);
	tb = base_of(target, tlen, &tlen);
	return blen == tlen && memcmp(b, tb, blen) == 0;
}

void process_known_as_add(struct process_state *s, struct host_context *host,
			  struct event_builder *b, const struct exec_known_what *w)
{
	struct exec_known_io io = { .host = host, .proc_fd = s->proc_fd, .pid = w->pid };
	struct exec_identity_io ops = { open_candidate, open_known, &io };
	struct exec_identity_result res;
	struct exec_identity_key key;
	const char *real = w->path_len ? w->path : w->exe;
	size_t real_len = w->path_len ? w->path_len : w->exe_len;
	char link[32], path[PROCESS_EXE_MAX + 1];
	struct stat st;
	int r;

	if (!s->known || s->proc_fd < 0)
		return;
	if (w->interp_len) { /* a script: the process runs its interpreter */
		real = w->interp;
		real_len = w->interp_len;
	}
	snprintf(link, sizeof(link), "%u/exe", w->pid);
	r = -ENOENT;
	if (fstatat(s->proc_fd, link, &st, 0) == 0 && S_ISREG(st.st_mode)) {
		exec_identity_key_of_stat(&st, &key);
		r = exec_identity_lookup(s->known, &key, &ops, &res);
		/*
		 * The link names what the process runs now: the exec's file unless it has exec'd
		 * again since (`bash -c 'sleep 1'`).  Checked when it matters: a known file found,
		 * or none for a program outside the system directories (a copy there may re-exec at
		 * once); a packaged program, the common case, costs the fstatat alone.
		 */
		if ((r > 0 || !in_known_dir(real, real_len)) &&
		    !exe_link_is(s->proc_fd, link, real, real_len))
			r = -ESTALE;
		else if (r <= 0)
			return;
	}
	if (r < 0) {
		/* gone or exec'd again: a host process's file by its path, unless deleted or in
		 * the system directories (short-lived packaged programs are most execs: no second
		 * lookup for them); racy, counted */
		if (w->in_container || w->deleted || !real_len || real[0] != '/' ||
		    real_len >= sizeof(path) || !host || in_known_dir(real, real_len))
			return;
		memcpy(path, real, real_len);
		path[real_len] = '\0';
		if (host_stat(host, path, &st) < 0 || !S_ISREG(st.st_mode))
			return;
		io.path = path;
		s->known_by_path++;
		exec_identity_key_of_stat(&st, &key);
		if (exec_identity_lookup(s->known, &key, &ops, &res) <= 0)
			return;
	}
	if (has_name(s->known, res.index, w->exe, w->exe_len) ||
	    has_name(s->known, res.index, w->path, w->path_len) ||
	    has_name(s->known, res.index, w->interp, w->interp_len))
		return; /* already named so */
	if (res.by == EXEC_IDENTITY_BY_FILE && in_known_dir(real, real_len))
		return; /* a packaged alias (hard link) at its own path */
	event_add_extra_cstr(b, "KnownAs", res.name);
	event_add_extra_cstr(b, "KnownAsBy", exec_identity_by_to_string(res.by));
}
