/* SPDX-License-Identifier: MIT */
/*
 * Baseline checks files from arbitrary bytes: baseline_profile_parse either fails with a
 * message (and a JSON pointer that is "" or starts with '/') or gives checks whose type,
 * severity and CCE id are valid; every parsed check is then run against two populated fake
 * roots and must give a known result with a NUL-terminated reason:
 *   - a realistic one: sshd_config with Include globs, drop-ins and Match blocks, passwd,
 *     group, shadow, fstab, sysctl.d, dpkg status, systemd units, a proc/ with processes;
 *   - a hostile one: sshd_config files that Include each other in a fan-out (stopped by the
 *     scan's caps; before them a replay never ended), a FIFO where passwd should be,
 *     symlinks leaving the root, proc/ entries with missing or empty status files and a FIFO
 *     as one (process-running).
 * Nothing allocated may stay allocated.  The roots are removed at exit.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline/baseline.h"
#include "common/alloc.h"
#include "common/json_read.h"

static char roots[2][64];

static void put(const char *root, const char *rel, const char *content, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	f = fopen(path, "we");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0 || chmod(path, mode) < 0)
		abort();
}

static void populate_realistic(const char *r)
{
	put(r, "etc/passwd",
	    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
	    "alice:x:1000:1000::/home/alice:/bin/bash\ntwin:x:0:0::/:/bin/sh\n",
	    0644);
	put(r, "etc/group", "root:x:0:\nadm:x:4:alice\nshadow:x:42:\nalice:x:1000:\n", 0644);
	put(r, "etc/shadow", "root:*:19000:0:99999:7:::\nalice::19000:0:99999:7:::\n", 0640);
	put(r, "etc/ssh/sshd_config",
	    "Include /etc/ssh/sshd_config.d/*.conf\n"
	    "PermitRootLogin no\nPasswordAuthentication yes\nMaxAuthTries 6\n"
	    "ClientAliveInterval 5m\nLoginGraceTime 1h30m\nX11Forwarding = yes\n"
	    "Match User alice\n  PermitRootLogin yes\n  Include extra/*.conf\n",
	    0600);
	put(r, "etc/ssh/sshd_config.d/10-hardening.conf",
	    "PasswordAuthentication no\n\"LogLevel\" VERBOSE # comment\n", 0644);
	put(r, "etc/ssh/sshd_config.d/20-loop.conf", "Include /etc/ssh/sshd_config.d/*.conf\n",
	    0644);
	put(r, "etc/ssh/extra/a.conf", "MaxSessions 100\n", 0644);
	put(r, "etc/fstab", "/dev/sda1 / ext4 defaults 0 1\ntmpfs /tmp tmpfs nodev,nosuid 0 0\n",
	    0644);
	put(r, "etc/sysctl.d/99-edge.conf",
	    "net.ipv4.ip_forward = 1\nkernel.randomize_va_space=2\n", 0644);
	put(r, "proc/sys/net/ipv4/ip_forward", "1\n", 0644);
	put(r, "proc/1/comm", "systemd\n", 0644);
	put(r, "proc/1/status", "Name:\tsystemd\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\n", 0644);
	put(r, "proc/700/comm", "auditd\n", 0644);
	put(r, "proc/700/status", "Name:\tauditd\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\n", 0644);
	put(r, "proc/701/comm", "sshd\n", 0644);
	put(r, "proc/701/status", "Name:\tsshd\nState:\tZ (zombie)\nUid:\t0\t0\t0\t0\n", 0644);
	put(r, "var/lib/dpkg/status",
	    "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2\n\n"
	    "Package: telnetd\nStatus: deinstall ok config-files\n\n",
	    0644);
	put(r, "etc/systemd/system/multi-user.target.wants/ssh.service", "[Unit]\n", 0644);
	put(r, "etc/login.defs", "PASS_MAX_DAYS 99999\nUMASK 022\n", 0644);
}

static void populate_hostile(const char *r)
{
	char path[PATH_MAX];

	/* 15 levels of 4 files, each including every file of the next level: no loop, within
	 * the depth limit, and without the scan's caps 4^15 reads. */
	put(r, "etc/ssh/sshd_config", "Include /etc/ssh/l1/*\nPermitRootLogin no\n", 0600);
	for (int l = 1; l <= 15; l++)
		for (int i = 0; i < 4; i++) {
			char rel[64], inc[64];

			snprintf(rel, sizeof(rel), "etc/ssh/l%d/f%d", l, i);
			snprintf(inc, sizeof(inc), "Include /etc/ssh/l%d/*\nX11Forwarding no\n",
				 l + 1);
			put(r, rel, l < 15 ? inc : "MaxAuthTries 3\n", 0644);
		}
	put(r, "etc/group", "root:x:0:\n", 0644);
	snprintf(path, sizeof(path), "%s/etc/passwd", r);
	if (mkfifo(path, 0644) < 0) /* never opened for reading */
		abort();
	snprintf(path, sizeof(path), "%s/etc/shadow", r);
	if (symlink("../../../../../../etc/shadow", path) < 0) /* resolves inside the root */
		abort();
	/* process directories with a name and no status, a status without fields or with
	 * blanks only, a comm without newline, a FIFO as a status (opened non-blocking) */
	put(r, "proc/1/comm", "init", 0644);
	put(r, "proc/1/status", "", 0644);
	put(r, "proc/2/comm", "auditd", 0644);
	put(r, "proc/3/comm", "auditd\n", 0644);
	put(r, "proc/3/status", "Uid:\nState:", 0644);
	put(r, "proc/4/comm", "sshd\n", 0644);
	put(r, "proc/4/status", "Uid:   \t \n", 0644);
	put(r, "proc/5/comm", "sshd\n", 0644);
	snprintf(path, sizeof(path), "%s/proc/5/status", r);
	if (mkfifo(path, 0644) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/etc/fstab", r);
	if (symlink("/proc/self/root/etc/fstab", path) < 0) /* a magic link: refused */
		abort();
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void remove_roots(void)
{
	for (int i = 0; i < 2; i++)
		if (roots[i][0])
			nftw(roots[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_roots(void)
{
	for (int i = 0; i < 2; i++) {
		snprintf(roots[i], sizeof(roots[i]), "/tmp/fuzz-baseline-root-XXXXXX");
		if (!mkdtemp(roots[i]))
			abort();
	}
	atexit(remove_roots);
	populate_realistic(roots[0]);
	populate_hostile(roots[1]);
}

static void run_all(const struct baseline_profile *p, const char *root_path)
{
	struct baseline_root *root = NULL;

	/* A root caches file reads: opened afresh per input. */
	if (baseline_root_open(root_path, &root) < 0)
		abort();
	for (size_t i = 0; i < baseline_profile_count(p); i++) {
		const struct baseline_check *c = baseline_profile_get(p, i);
		const struct baseline_meta *m = baseline_check_meta(c);
		struct baseline_outcome o;

		if (!baseline_check_type_to_string(m->type) ||
		    !baseline_severity_to_string(m->severity) || !m->id[0] ||
		    (m->cce_id[0] && strncmp(m->cce_id, "CCE-", 4) != 0))
			abort();
		baseline_check_run(c, root, &o);
		if (!baseline_result_to_string(o.result) ||
		    !memchr(o.reason, '\0', sizeof(o.reason)))
			abort();
	}
	baseline_root_free(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialized;
	struct baseline_profile *p = NULL;
	struct json_error err;
	size_t before;

	if (!initialized) {
		json_read_init();
		make_roots();
		initialized = true;
	}
	before = es_alloc_in_use();
	if (baseline_profile_parse((const char *)data, size, &p, &err) < 0) {
		if (p || !err.message[0] || (err.pointer[0] && err.pointer[0] != '/'))
			abort();
	} else {
		run_all(p, roots[0]);
		run_all(p, roots[1]);
		baseline_profile_free(p);
	}
	if (es_alloc_in_use() != before)
		abort();
	return 0;
}
