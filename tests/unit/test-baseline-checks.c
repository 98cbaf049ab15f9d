/* SPDX-License-Identifier: MIT */
/*
 * Baseline check types against crafted root trees (mkdtemp): each type passes and fails,
 * errs on unreadable input and skips when not applicable; sshd_config Include / Match /
 * first-value-wins semantics; symlinks never leave the root; process-running over a tree's
 * proc/ copy and over the real /proc (a child of ours with a name of its own).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "baseline/baseline-int.h" /* baseline_sshd_parse_time */
#include "common/buf.h"

static char root[256];

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	assert_true(n < sizeof(tmp));
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0755);
		*p = '/';
	}
}

static void put_mode(const char *rel, const char *content, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdirs(path);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void put(const char *rel, const char *content)
{
	put_mode(rel, content, 0644);
}

static void mkdir_in(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/", root, rel);
	mkdirs(path);
}

static void unlink_in(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
}

static void symlink_in(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdirs(path);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-baseline-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Runs one check of the given type and parameters (a JSON object) against the root. */
static enum baseline_result run(const char *type, const char *params, struct baseline_outcome *o)
{
	struct baseline_profile *p = NULL;
	struct baseline_root *r = NULL;
	struct json_error err;
	struct buf b;

	buf_init(&b, 0);
	buf_printf(
		&b,
		"{\"checks\":[{\"id\":\"t\",\"cceId\":\"\",\"severity\":\"Critical\","
		"\"description\":\"d\",\"remediation\":\"r\",\"type\":\"%s\",\"parameters\":%s}]}",
		type, params);
	if (baseline_profile_parse(b.data, b.len, &p, &err) < 0)
		fail_msg("parse failed: %s at %s", err.message, err.pointer);
	assert_int_equal(baseline_root_open(root, &r), 0);
	baseline_check_run(baseline_profile_get(p, 0), r, o);
	baseline_root_free(r);
	baseline_profile_free(p);
	buf_done(&b);
	return o->result;
}

static void expect_result(enum baseline_result want, const char *type, const char *params, int line)
{
	struct baseline_outcome o;
	enum baseline_result got = run(type, params, &o);

	if (got != want)
		fail_msg("line %d: %s %s: got %s (%s), expected %s", line, type, params,
			 baseline_result_to_string(got), o.reason, baseline_result_to_string(want));
}

#define EXPECT(res, ...) expect_result(res, __VA_ARGS__, __LINE__)

#define PASS BASELINE_RESULT_PASS
#define FAIL BASELINE_RESULT_FAIL
#define ERR BASELINE_RESULT_ERR
#define SKIP BASELINE_RESULT_SKIP

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
			     "syslog:x:104:110::/home/syslog:/usr/sbin/nologin\n"
			     "alice:x:1000:1000::/home/alice:/bin/bash\n";
static const char group[] = "root:x:0:\nadm:x:4:syslog\nshadow:x:42:\nalice:x:1000:\n";

static void test_file_exists(void **state)
{
	(void)state;
	put("etc/issue", "x\n");
	EXPECT(PASS, "file-exists", "{\"path\":\"/etc/issue\"}");
	EXPECT(FAIL, "file-exists", "{\"path\":\"/etc/nothing\"}");
	EXPECT(FAIL, "file-not-exists", "{\"path\":\"/etc/issue\"}");
	EXPECT(PASS, "file-not-exists", "{\"path\":\"/etc/hosts.equiv\"}");
	EXPECT(PASS, "file-not-exists", "{\"path\":\"/etc/issue/below\"}");
}

static void test_file_mode(void **state)
{
	char path[PATH_MAX];
	struct baseline_outcome o;

	(void)state;
	put("etc/passwd", passwd);
	put("etc/group", group);
	put_mode("etc/shadow", "root:*:1::::::\n", 0640);
	snprintf(path, sizeof(path), "%s/etc/shadow", root);
	assert_int_equal(chown(path, 0, 42), 0);
	EXPECT(PASS, "file-mode",
	       "{\"path\":\"/etc/"
	       "passwd\",\"maxMode\":\"0644\",\"owner\":\"root\",\"group\":\"root\"}");
	EXPECT(PASS, "file-mode",
	       "{\"path\":\"/etc/shadow\",\"maxMode\":\"0640\",\"group\":\"shadow\"}");
	EXPECT(FAIL, "file-mode", "{\"path\":\"/etc/shadow\",\"maxMode\":\"0600\"}");
	EXPECT(FAIL, "file-mode", "{\"path\":\"/etc/shadow\",\"group\":\"root\"}");
	EXPECT(PASS, "file-mode", "{\"path\":\"/etc/shadow\",\"owner\":\"0\",\"group\":\"42\"}");
	put_mode("etc/group", group, 0666);
	assert_int_equal(run("file-mode", "{\"path\":\"/etc/group\",\"maxMode\":\"0644\"}", &o),
			 FAIL);
	assert_non_null(strstr(o.reason, "0666"));
	/* An owner that the root's passwd does not know cannot be evaluated. */
	EXPECT(ERR, "file-mode", "{\"path\":\"/etc/passwd\",\"owner\":\"nosuchuser\"}");
	EXPECT(SKIP, "file-mode", "{\"path\":\"/etc/anacrontab\",\"maxMode\":\"0600\"}");
	EXPECT(FAIL, "file-mode",
	       "{\"path\":\"/etc/anacrontab\",\"maxMode\":\"0600\",\"ifMissing\":\"fail\"}");
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	assert_int_equal(chown(path, 1000, 1000), 0);
	EXPECT(FAIL, "file-mode", "{\"path\":\"/etc/passwd\",\"owner\":\"root\"}");
	EXPECT(PASS, "file-mode", "{\"path\":\"/etc/passwd\",\"owner\":\"alice\"}");
}

static void test_file_content(void **state)
{
	char big[8192];
	struct baseline_outcome o;
	FILE *f;
	char path[PATH_MAX];

	(void)state;
	put("etc/rsyslog.conf", "# comment\n$FileCreateMode 0640\n$FileGroup adm\n");
	EXPECT(PASS, "file-content",
	       "{\"path\":\"/etc/"
	       "rsyslog.conf\",\"pattern\":\"^\\\\$FileCreateMode[[:space:]]+0[0-6][04]0\","
	       "\"expect\":\"present\"}");
	EXPECT(FAIL, "file-content",
	       "{\"path\":\"/etc/"
	       "rsyslog.conf\",\"pattern\":\"^\\\\$FileCreateMode[[:space:]]+0600\","
	       "\"expect\":\"present\"}");
	EXPECT(PASS, "file-content",
	       "{\"path\":\"/etc/rsyslog.conf\",\"pattern\":\"imtcp\",\"expect\":\"absent\"}");
	EXPECT(FAIL, "file-content",
	       "{\"path\":\"/etc/rsyslog.conf\",\"pattern\":\"FileGroup\",\"expect\":\"absent\"}");
	/* Globs in the last component, several paths. */
	put("etc/modprobe.d/a.conf", "options x y\n");
	put("etc/modprobe.d/b.conf", "install rds /bin/true\n");
	put("etc/modprobe.d/c.txt", "blacklist tipc\n");
	EXPECT(PASS, "file-content",
	       "{\"path\":[\"/etc/modprobe.conf\",\"/etc/modprobe.d/*.conf\"],"
	       "\"pattern\":\"^install[[:space:]]+rds[[:space:]]\",\"expect\":\"present\"}");
	EXPECT(FAIL, "file-content",
	       "{\"path\":\"/etc/modprobe.d/*.conf\",\"pattern\":\"tipc\",\"expect\":\"present\"}");
	/* Missing: skip by default, or what ifMissing says. */
	EXPECT(SKIP, "file-content",
	       "{\"path\":\"/etc/none\",\"pattern\":\"x\",\"expect\":\"present\"}");
	EXPECT(FAIL, "file-content",
	       "{\"path\":\"/etc/nodir/*.conf\",\"pattern\":\"x\",\"expect\":\"present\","
	       "\"ifMissing\":\"fail\"}");
	/* Unreadable: a directory where a file is expected, an oversized file. */
	mkdir_in("etc/inetd.conf");
	EXPECT(ERR, "file-content",
	       "{\"path\":\"/etc/inetd.conf\",\"pattern\":\"x\",\"expect\":\"absent\"}");
	snprintf(path, sizeof(path), "%s/etc/big.conf", root);
	f = fopen(path, "we");
	assert_non_null(f);
	memset(big, 'a', sizeof(big));
	for (int i = 0; i < 200; i++)
		fwrite(big, 1, sizeof(big), f);
	fclose(f);
	assert_int_equal(run("file-content",
			     "{\"path\":\"/etc/big.conf\",\"pattern\":\"x\",\"expect\":\"absent\"}",
			     &o),
			 ERR);
	assert_non_null(strstr(o.reason, "/etc/big.conf"));
	/* The reason names the line, never its content. */
	put("etc/secret.conf", "a\npassword=hunter2\n");
	assert_int_equal(run("file-content",
			     "{\"path\":\"/etc/"
			     "secret.conf\",\"pattern\":\"^password=\",\"expect\":\"absent\"}",
			     &o),
			 FAIL);
	assert_non_null(strstr(o.reason, "line 2"));
	assert_null(strstr(o.reason, "hunter2"));
}

static void test_sysctl(void **state)
{
	(void)state;
	put("proc/sys/net/ipv4/ip_forward", "0\n");
	put("proc/sys/kernel/randomize_va_space", "2\n");
	put("proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
	EXPECT(PASS, "sysctl", "{\"name\":\"net.ipv4.ip_forward\",\"values\":\"0\"}");
	EXPECT(FAIL, "sysctl", "{\"name\":\"kernel.randomize_va_space\",\"values\":[\"0\",\"1\"]}");
	EXPECT(PASS, "sysctl", "{\"name\":\"kernel.randomize_va_space\",\"min\":1}");
	EXPECT(FAIL, "sysctl", "{\"name\":\"kernel.randomize_va_space\",\"max\":1}");
	EXPECT(PASS, "sysctl",
	       "{\"name\":\"net.ipv4.tcp_rmem\",\"values\":\"4096 131072 6291456\"}");
	EXPECT(FAIL, "sysctl", "{\"name\":\"net.ipv4.tcp_rmem\",\"min\":0}");
	EXPECT(ERR, "sysctl", "{\"name\":\"net.ipv4.tcp_syncookies\",\"values\":\"1\"}");
	EXPECT(SKIP, "sysctl",
	       "{\"name\":\"net.ipv6.conf.all.accept_source_route\",\"values\":\"0\",\"ifMissing\":"
	       "\"skip\"}");
	mkdir_in("proc/sys/net/ipv4/tcp_syncookies");
	EXPECT(ERR, "sysctl",
	       "{\"name\":\"net.ipv4.tcp_syncookies\",\"values\":\"1\",\"ifMissing\":\"skip\"}");
}

static const char dpkg_status[] = "Package: openssh-server\n"
				  "Status: install ok installed\n"
				  "Priority: optional\n"
				  "Description: secure shell\n"
				  " continuation Package: telnetd\n"
				  "\n"
				  "Package: rsh-server\n"
				  "Status: deinstall ok config-files\n"
				  "\n"
				  "Package: auditd\r\n"
				  "Status: hold ok installed\r\n"
				  "\r\n"
				  "Package: telnetd-ssl\n"
				  "Status: purge ok not-installed\n";

static void test_package(void **state)
{
	(void)state;
	EXPECT(SKIP, "package-installed", "{\"names\":\"auditd\"}");
	put("var/lib/dpkg/status", dpkg_status);
	EXPECT(PASS, "package-installed", "{\"names\":\"openssh-server\"}");
	EXPECT(PASS, "package-installed", "{\"names\":\"auditd\"}");
	EXPECT(PASS, "package-installed", "{\"names\":[\"rsyslog\",\"openssh-server\"]}");
	EXPECT(FAIL, "package-installed", "{\"names\":[\"rsyslog\",\"syslog-ng-core\"]}");
	EXPECT(PASS, "package-not-installed", "{\"names\":[\"telnetd\",\"telnetd-ssl\"]}");
	EXPECT(PASS, "package-not-installed", "{\"names\":\"rsh-server\"}");
	EXPECT(FAIL, "package-not-installed", "{\"names\":[\"nis\",\"openssh-server\"]}");
	mkdir_in("var/lib/dpkg/status.d");
	put("var/lib/dpkg/status", "");
	EXPECT(FAIL, "package-installed", "{\"names\":\"auditd\"}");
}

static void test_service(void **state)
{
	(void)state;
	EXPECT(SKIP, "service-enabled", "{\"units\":\"cron.service\"}");
	put("lib/systemd/system/cron.service", "[Unit]\n");
	put("lib/systemd/system/avahi-daemon.service", "[Unit]\n");
	put("lib/systemd/system/cups.service", "[Unit]\n");
	put("lib/systemd/system/rsyslog.service", "[Unit]\n");
	symlink_in("/lib/systemd/system/cron.service",
		   "etc/systemd/system/multi-user.target.wants/cron.service");
	symlink_in("/lib/systemd/system/cups.service",
		   "etc/systemd/system/printer.target.wants/cups.service");
	symlink_in("/dev/null", "etc/systemd/system/avahi-daemon.service");
	symlink_in("/lib/systemd/system/avahi-daemon.service",
		   "etc/systemd/system/multi-user.target.wants/avahi-daemon.service");
	EXPECT(PASS, "service-enabled", "{\"units\":[\"cronie.service\",\"cron.service\"]}");
	EXPECT(FAIL, "service-disabled", "{\"units\":\"cron.service\"}");
	EXPECT(FAIL, "service-disabled", "{\"units\":\"cups.service\"}");
	/* Installed but not enabled. */
	EXPECT(FAIL, "service-enabled", "{\"units\":\"rsyslog.service\"}");
	EXPECT(PASS, "service-disabled", "{\"units\":\"rsyslog.service\"}");
	/* Masked (→ /dev/null) counts as disabled even with a stale wants link. */
	EXPECT(PASS, "service-disabled", "{\"units\":\"avahi-daemon.service\"}");
	EXPECT(FAIL, "service-enabled", "{\"units\":\"avahi-daemon.service\"}");
	/* Not installed. */
	EXPECT(PASS, "service-disabled", "{\"units\":[\"telnet.socket\",\"inetd.service\"]}");
	EXPECT(FAIL, "service-enabled", "{\"units\":\"auditd.service\"}");
	/* Vendor enablement in /lib/systemd/system/<x>.wants counts. */
	put("lib/systemd/system/systemd-journald.service", "[Unit]\n");
	symlink_in("../systemd-journald.service",
		   "lib/systemd/system/sysinit.target.wants/systemd-journald.service");
	EXPECT(PASS, "service-enabled", "{\"units\":\"systemd-journald.service\"}");
}

static void test_mount(void **state)
{
	struct baseline_outcome o;

	(void)state;
	EXPECT(SKIP, "mount-options", "{\"mountPoints\":\"/tmp\",\"options\":\"nodev\"}");
	put("etc/fstab", "# /etc/fstab\n"
			 "UUID=1 / ext4 errors=remount-ro 0 1\n"
			 "tmpfs /tmp tmpfs defaults,nodev,nosuid,noexec 0 0\n"
			 "/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto,nosuid 0 0\n"
			 "srv:/export /mnt/my\\040share nfs4 rw,nosuid 0 0\n");
	EXPECT(PASS, "mount-options",
	       "{\"mountPoints\":\"/tmp\",\"options\":[\"nodev\",\"nosuid\",\"noexec\"]}");
	EXPECT(PASS, "mount-options", "{\"mountPoints\":\"/media/*\",\"options\":\"nosuid\"}");
	EXPECT(FAIL, "mount-options",
	       "{\"mountPoints\":[\"/media/*\",\"/mnt/cdrom*\"],\"options\":\"nodev\"}");
	EXPECT(SKIP, "mount-options", "{\"mountPoints\":\"/var/tmp\",\"options\":\"nodev\"}");
	assert_int_equal(run("mount-options",
			     "{\"mountPoints\":\"*\",\"fsTypes\":[\"nfs\",\"nfs4\"],\"options\":["
			     "\"nosuid\",\"nodev\"]}",
			     &o),
			 FAIL);
	assert_non_null(strstr(o.reason, "/mnt/my share"));
	EXPECT(SKIP, "mount-options",
	       "{\"mountPoints\":\"*\",\"fsTypes\":\"cifs\",\"options\":\"nodev\"}");
	/* The host's mounts are its init's. */
	mkdir_in("proc/1");
	put("proc/1/mounts", "tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n");
	EXPECT(FAIL, "mount-options",
	       "{\"mountPoints\":\"/dev/shm\",\"options\":\"noexec\",\"source\":\"mounts\"}");
	EXPECT(PASS, "mount-options",
	       "{\"mountPoints\":\"/dev/shm\",\"options\":\"nodev\",\"source\":\"mounts\"}");
}

static void test_accounts(void **state)
{
	struct baseline_outcome o;

	(void)state;
	EXPECT(ERR, "no-empty-passwords", "{}");
	EXPECT(ERR, "only-root-uid0", "{}");
	put("etc/passwd", passwd);
	EXPECT(ERR, "no-empty-passwords", "{}"); /* no shadow */
	put_mode("etc/shadow",
		 "root:$6$salt$c2VjcmV0aGFzaA:19000:0:99999:7:::\n"
		 "daemon:*:19000:0:99999:7:::\n"
		 "syslog:!:19000::::::\n"
		 "alice:!$6$x$y:19000::::::\n",
		 0640);
	EXPECT(PASS, "no-empty-passwords", "{}");
	put_mode("etc/shadow",
		 "root:$6$salt$c2VjcmV0aGFzaA:19000:0:99999:7:::\n"
		 "daemon::19000:0:99999:7:::\n",
		 0640);
	assert_int_equal(run("no-empty-passwords", "{}", &o), FAIL);
	assert_non_null(strstr(o.reason, "daemon"));
	assert_null(strstr(o.reason, "c2VjcmV0aGFzaA"));
	assert_null(strstr(o.reason, "$6$"));
	put("etc/passwd", "root:x:0:0::/root:/bin/sh\nguest::1001:1001::/:/bin/sh\n");
	put_mode("etc/shadow", "root:*:1::::::\n", 0640);
	assert_int_equal(run("no-empty-passwords", "{}", &o), FAIL);
	assert_non_null(strstr(o.reason, "guest"));
	/* Unreadable shadow → Err (a directory stands in for a file root could not read). */
	put("etc/passwd", passwd);
	unlink_in("etc/shadow");
	mkdir_in("etc/shadow");
	EXPECT(ERR, "no-empty-passwords", "{}");

	EXPECT(PASS, "only-root-uid0", "{}");
	EXPECT(PASS, "unique-uids", "{}");
	put("etc/passwd", "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n"
			  "a:x:1000:1000::/:/bin/sh\nb:x:1000:1000::/:/bin/sh\n");
	assert_int_equal(run("only-root-uid0", "{}", &o), FAIL);
	assert_non_null(strstr(o.reason, "toor"));
	assert_int_equal(run("unique-uids", "{}", &o), FAIL);
	assert_non_null(strstr(o.reason, "1000"));
}

#define SSHD(params) "sshd-config", params

static void test_sshd_basic(void **state)
{
	struct baseline_outcome o;

	(void)state;
	EXPECT(SKIP, SSHD("{\"keyword\":\"PermitRootLogin\",\"values\":\"no\"}"));
	put("etc/ssh/sshd_config", "# comment\n"
				   "  permitrootlogin   no   # trailing comment\n"
				   "PermitRootLogin yes\n"
				   "PasswordAuthentication=yes\n"
				   "MaxAuthTries = 4\n"
				   "LoginGraceTime 1m\n"
				   "Banner \"/etc/issue net\"\n");
	EXPECT(PASS, SSHD("{\"keyword\":\"PermitRootLogin\",\"values\":\"no\"}"));
	EXPECT(FAIL, SSHD("{\"keyword\":\"PasswordAuthentication\",\"values\":\"no\"}"));
	EXPECT(PASS, SSHD("{\"keyword\":\"MaxAuthTries\",\"max\":4}"));
	EXPECT(FAIL, SSHD("{\"keyword\":\"MaxAuthTries\",\"max\":3}"));
	EXPECT(PASS, SSHD("{\"keyword\":\"LoginGraceTime\",\"min\":1,\"max\":60,\"time\":true}"));
	EXPECT(FAIL, SSHD("{\"keyword\":\"LoginGraceTime\",\"max\":59,\"time\":true}"));
	EXPECT(FAIL, SSHD("{\"keyword\":\"LoginGraceTime\",\"max\":100}")); /* "1m" is no number */
	EXPECT(PASS, SSHD("{\"keyword\":\"Banner\",\"values\":\"/etc/issue net\"}"));
	/* Not set: sshd's default decides, or it fails without one. */
	EXPECT(PASS,
	       SSHD("{\"keyword\":\"PermitEmptyPasswords\",\"values\":\"no\",\"default\":\"no\"}"));
	EXPECT(FAIL, SSHD("{\"keyword\":\"X11Forwarding\",\"values\":\"no\"}"));
	assert_int_equal(run(SSHD("{\"keyword\":\"ClientAliveInterval\",\"min\":1,\"max\":300,"
				  "\"default\":\"0\"}"),
			     &o),
			 FAIL);
	assert_non_null(strstr(o.reason, "default"));
	/* An unreadable sshd_config is an error, not a skip. */
	unlink_in("etc/ssh/sshd_config");
	mkdir_in("etc/ssh/sshd_config");
	EXPECT(ERR, SSHD("{\"keyword\":\"PermitRootLogin\",\"values\":\"no\"}"));
}

static void test_sshd_include(void **state)
{
	struct baseline_outcome o;

	(void)state;
	/* Debian layout: the drop-ins come first, so they win; sorted glob order. */
	put("etc/ssh/sshd_config", "Include sshd_config.d/*.conf\n"
				   "PermitRootLogin no\n"
				   "X11Forwarding yes\n");
	put("etc/ssh/sshd_config.d/50-cloud.conf", "PasswordAuthentication yes\n");
	put("etc/ssh/sshd_config.d/10-hardening.conf", "PasswordAuthentication no\n"
						       "X11Forwarding no\n");
	put("etc/ssh/sshd_config.d/README", "PermitRootLogin yes\n"); /* not *.conf */
	EXPECT(PASS, SSHD("{\"keyword\":\"PasswordAuthentication\",\"values\":\"no\"}"));
	assert_int_equal(run(SSHD("{\"keyword\":\"X11Forwarding\",\"values\":\"no\"}"), &o), PASS);
	assert_non_null(strstr(o.reason, "10-hardening.conf:2"));
	EXPECT(PASS, SSHD("{\"keyword\":\"PermitRootLogin\",\"values\":\"no\"}"));
	/* Absolute include, no match is fine, several arguments. */
	put("etc/ssh/sshd_config", "Include /etc/ssh/none/*.conf /etc/ssh/extra.conf\n"
				   "MaxAuthTries 3\n");
	put("etc/ssh/extra.conf", "MaxAuthTries 10\n");
	EXPECT(FAIL, SSHD("{\"keyword\":\"MaxAuthTries\",\"max\":4}"));
	/* Include loops are bounded. */
	put("etc/ssh/sshd_config", "Include sshd_config\n");
	assert_int_equal(run(SSHD("{\"keyword\":\"MaxAuthTries\",\"max\":4}"), &o), ERR);
	assert_non_null(strstr(o.reason, "nested"));
	/* Unsupported pattern. */
	put("etc/ssh/sshd_config", "Include /etc/*/x.conf\n");
	EXPECT(ERR, SSHD("{\"keyword\":\"MaxAuthTries\",\"max\":4}"));
	/* An absolute symlink resolves inside the root, not on the host. */
	put("etc/ssh/sshd_config", "Include /etc/ssh/link.conf\n");
	put("srv/real.conf", "MaxAuthTries 2\n");
	symlink_in("/srv/real.conf", "etc/ssh/link.conf");
	assert_int_equal(run(SSHD("{\"keyword\":\"MaxAuthTries\",\"max\":4}"), &o), PASS);
	symlink_in("../../../../../../../../etc/passwd", "etc/ssh/link.conf");
	EXPECT(FAIL, SSHD("{\"keyword\":\"MaxAuthTries\",\"max\":4}")); /* not set: no host file */
}

/* Writes n files "etc/ssh/<dir>/fNNN.conf" holding content. */
static void put_many(const char *dir, unsigned n, const char *content)
{
	char rel[128];

	for (unsigned i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "etc/ssh/%s/f%03u.conf", dir, i);
		put(rel, content);
	}
}

/*
 * One scan reads at most BASELINE_SSHD_FILES_MAX files and BASELINE_SSHD_BYTES_MAX bytes and
 * expands BASELINE_SSHD_INCLUDES_MAX patterns: each cap holds exactly at the limit and gives
 * Err one over.  Before, a fan-out of Includes (no loop, within the depth) never ended.
 */
static void test_sshd_include_caps(void **state)
{
	const char *kw = "{\"keyword\":\"X11Forwarding\",\"values\":\"no\"}";
	struct baseline_outcome o;
	struct buf b;
	char *big;

	(void)state;
	/* files: sshd_config + 4 patterns of 64 (the per-pattern maximum) - 1 = the cap */
	assert_int_equal(BASELINE_SSHD_FILES_MAX, 256);
	put("etc/ssh/sshd_config", "Include /etc/ssh/a/* /etc/ssh/b/* /etc/ssh/c/* /etc/ssh/d/*\n"
				   "X11Forwarding no\n");
	put_many("a", 64, "# a\n");
	put_many("b", 64, "# b\n");
	put_many("c", 64, "# c\n");
	put_many("d", 63, "# d\n");
	EXPECT(PASS, SSHD(kw));
	put("etc/ssh/d/f063.conf", "# one file over\n");
	assert_int_equal(run(SSHD(kw), &o), ERR);
	assert_non_null(strstr(o.reason, "more than 256 files"));

	/* a fan-out: 15 levels of 6 files, each including every file of the next level */
	for (unsigned l = 1; l <= 15; l++) {
		char dir[16], inc[64];

		snprintf(dir, sizeof(dir), "l%u", l);
		snprintf(inc, sizeof(inc), "Include /etc/ssh/l%u/*\n", l + 1);
		put_many(dir, 6, l < 15 ? inc : "X11Forwarding no\n");
	}
	put("etc/ssh/sshd_config", "Include /etc/ssh/l1/*\n");
	assert_int_equal(run(SSHD(kw), &o), ERR);
	assert_non_null(strstr(o.reason, "more than"));

	/* bytes: sshd_config + 3 files of 1 MiB + the rest = exactly the cap, then one more */
	big = malloc(BASELINE_SMALL_READ_MAX + 1);
	assert_non_null(big);
	memset(big, '#', BASELINE_SMALL_READ_MAX);
	big[BASELINE_SMALL_READ_MAX] = '\0';
	put("etc/ssh/sshd_config", "Include /etc/ssh/m/*\nX11Forwarding no\n");
	for (unsigned i = 0; i < 3; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "etc/ssh/m/f%u.conf", i);
		put(rel, big);
	}
	{
		size_t rest = BASELINE_SSHD_BYTES_MAX - 3 * BASELINE_SMALL_READ_MAX -
			      strlen("Include /etc/ssh/m/*\nX11Forwarding no\n");

		big[rest] = '\0';
		put("etc/ssh/m/f3.conf", big);
		EXPECT(PASS, SSHD(kw));
		big[rest] = '#'; /* one byte over */
		big[rest + 1] = '\0';
		put("etc/ssh/m/f3.conf", big);
	}
	assert_int_equal(run(SSHD(kw), &o), ERR);
	assert_non_null(strstr(o.reason, "bytes"));
	free(big);

	/* Include patterns: the cap of patterns matching nothing, then one more */
	buf_init(&b, 0);
	for (unsigned i = 0; i < BASELINE_SSHD_INCLUDES_MAX; i++)
		buf_puts(&b, "Include /etc/ssh/none/*.conf\n");
	buf_puts(&b, "X11Forwarding no\n");
	put("etc/ssh/sshd_config", b.data);
	EXPECT(PASS, SSHD(kw));
	buf_reset(&b);
	for (unsigned i = 0; i <= BASELINE_SSHD_INCLUDES_MAX; i++)
		buf_puts(&b, "Include /etc/ssh/none/*.conf\n");
	put("etc/ssh/sshd_config", b.data);
	assert_int_equal(run(SSHD(kw), &o), ERR);
	assert_non_null(strstr(o.reason, "Include patterns"));
	buf_done(&b);
}

static void test_sshd_match(void **state)
{
	struct baseline_outcome o;

	(void)state;
	put("etc/ssh/sshd_config", "PermitRootLogin no\n"
				   "Match Address 10.0.0.0/8\n"
				   "    PermitRootLogin yes\n"
				   "    PasswordAuthentication yes\n"
				   "Match User backup\n"
				   "    PermitRootLogin no\n");
	assert_int_equal(run(SSHD("{\"keyword\":\"PermitRootLogin\",\"values\":\"no\"}"), &o),
			 FAIL);
	assert_non_null(strstr(o.reason, "Match"));
	assert_non_null(strstr(o.reason, "sshd_config:3"));
	EXPECT(PASS, SSHD("{\"keyword\":\"PermitRootLogin\",\"values\":\"no\",\"matchBlocks\":"
			  "\"ignore\"}"));
	/* A value only inside Match is not the global value. */
	EXPECT(PASS, SSHD("{\"keyword\":\"PasswordAuthentication\",\"values\":[\"yes\",\"no\"],"
			  "\"default\":\"yes\"}"));
	EXPECT(FAIL, SSHD("{\"keyword\":\"PasswordAuthentication\",\"values\":\"no\","
			  "\"default\":\"no\"}"));
	EXPECT(PASS, SSHD("{\"keyword\":\"PasswordAuthentication\",\"values\":\"no\","
			  "\"default\":\"no\",\"matchBlocks\":\"ignore\"}"));
	/* A Match block inside an included file ends at the end of that file. */
	put("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n"
				   "X11Forwarding no\n");
	put("etc/ssh/sshd_config.d/a.conf", "Match Group sftp\n  ForceCommand internal-sftp\n");
	assert_int_equal(run(SSHD("{\"keyword\":\"X11Forwarding\",\"values\":\"no\"}"), &o), PASS);
	assert_non_null(strstr(o.reason, "sshd_config:2"));
	/* An Include inside a Match block is conditional. */
	put("etc/ssh/sshd_config", "Match User x\nInclude /etc/ssh/m.conf\n");
	put("etc/ssh/m.conf", "X11Forwarding yes\n");
	EXPECT(FAIL, SSHD("{\"keyword\":\"X11Forwarding\",\"values\":\"no\",\"default\":\"no\"}"));
	EXPECT(PASS, SSHD("{\"keyword\":\"X11Forwarding\",\"values\":\"no\",\"default\":\"no\","
			  "\"matchBlocks\":\"ignore\"}"));
}

static void test_sshd_time(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(baseline_sshd_parse_time("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(baseline_sshd_parse_time("1h30m", &v), 0);
	assert_int_equal(v, 5400);
	assert_int_equal(baseline_sshd_parse_time("2M5s", &v), 0);
	assert_int_equal(v, 125);
	assert_int_equal(baseline_sshd_parse_time("1w", &v), 0);
	assert_int_equal(v, 604800);
	assert_true(baseline_sshd_parse_time("", &v) < 0);
	assert_true(baseline_sshd_parse_time("m", &v) < 0);
	assert_true(baseline_sshd_parse_time("5x", &v) < 0);
	assert_true(baseline_sshd_parse_time("99999999999999", &v) < 0);
}

static void test_fifo_not_read(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/etc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/fstab", root);
	assert_int_equal(mkfifo(path, 0644), 0);
	EXPECT(ERR, "mount-options", "{\"mountPoints\":\"/tmp\",\"options\":\"nodev\"}");
}

/* process-running over a tree's proc/ copy: names, root, zombies, no init, no /proc. */
static void test_process_running_tree(void **state)
{
	const char *auditd = "{\"processes\":[\"auditd\"]}";
	struct baseline_outcome o;

	(void)state;
	EXPECT(ERR, "process-running", auditd); /* no proc/ in the tree: unknown */
	put("proc/812/comm", "auditd\n");
	put("proc/812/status", "Name:\tauditd\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\n");
	EXPECT(ERR, "process-running", auditd); /* init not visible (hidepid): unknown */
	put("proc/1/comm", "systemd\n");
	put("proc/1/status", "Name:\tsystemd\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\n");
	put("proc/self", "not a process\n");
	EXPECT(PASS, "process-running", auditd);
	EXPECT(PASS, "process-running", "{\"processes\":[\"rsyslogd\",\"auditd\"]}");
	EXPECT(FAIL, "process-running", "{\"processes\":[\"auditd2\"]}");
	EXPECT(FAIL, "process-running", "{\"processes\":[\"audit\"]}");
	/* a zombie is not running */
	put("proc/812/status", "Name:\tauditd\nState:\tZ (zombie)\nUid:\t0\t0\t0\t0\n");
	EXPECT(FAIL, "process-running", auditd);
	/* a user's program named auditd does not pass, and the reason names it */
	put("proc/812/status",
	    "Name:\tauditd\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\n");
	assert_int_equal(run("process-running", auditd, &o), FAIL);
	assert_non_null(strstr(o.reason, "pid 812 is named auditd but runs as uid 1000"));
	/* a process gone between the listing and the read */
	unlink_in("proc/812/status");
	EXPECT(FAIL, "process-running", auditd);
	put("proc/813/comm", "auditd\n");
	put("proc/813/status", "Name:\tauditd\nState:\tR (running)\nUid:\t0\t0\t0\t0\n");
	assert_int_equal(run("process-running", auditd, &o), PASS);
	assert_string_equal(o.reason, "auditd runs as root (pid 813)");
}

/* The real /proc: a child of ours with a name of its own (prctl), as root or not. */
static void test_process_running_live(void **state)
{
	const char *name = "{\"processes\":[\"es-ptest-live\"]}";
	struct baseline_profile *p = NULL;
	struct baseline_root *r = NULL;
	struct baseline_outcome o;
	struct json_error err;
	int ready[2], st;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "es-ptest-live", 0, 0, 0);
		if (write(ready[1], "x", 1) == 1)
			pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(baseline_root_open("/", &r), 0);
	{
		char json[512];

		snprintf(json, sizeof(json),
			 "{\"checks\":[{\"id\":\"t\",\"cceId\":\"\",\"severity\":\"Critical\","
			 "\"description\":\"d\",\"remediation\":\"r\",\"type\":\"process-running\","
			 "\"parameters\":%s}]}",
			 name);
		assert_int_equal(baseline_profile_parse(json, strlen(json), &p, &err), 0);
	}
	baseline_check_run(baseline_profile_get(p, 0), r, &o);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (o.result == BASELINE_RESULT_ERR) { /* e.g. a PID namespace of our own */
		printf("process-running here: %s\n", o.reason);
		assert_non_null(strstr(o.reason, "unknown"));
	} else {
		assert_int_equal(o.result,
				 getuid() == 0 ? BASELINE_RESULT_PASS : BASELINE_RESULT_FAIL);
	}
	/* gone now (reaped): fails, after looking at every process again (the same root: a
	 * second listing of the host's /proc starts from its beginning) */
	baseline_check_run(baseline_profile_get(p, 0), r, &o);
	assert_true(o.result == BASELINE_RESULT_FAIL || o.result == BASELINE_RESULT_ERR);
	if (o.result == BASELINE_RESULT_FAIL)
		assert_null(strstr(o.reason, "(0 processes"));
	baseline_profile_free(p);
	baseline_root_free(r);
	/* names are the kernel's comm: at most 15 bytes */
	{
		const char *long_name =
			"{\"checks\":[{\"id\":\"t\",\"cceId\":\"\",\"severity\":"
			"\"Critical\",\"description\":\"d\",\"remediation\":\"r\","
			"\"type\":\"process-running\",\"parameters\":{\"processes\":"
			"[\"a-name-of-16-bytes\"]}}]}";

		assert_int_equal(baseline_profile_parse(long_name, strlen(long_name), &p, &err),
				 -EINVAL);
		assert_non_null(strstr(err.message, "at most 15 bytes"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_package, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_include_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_match, setup, teardown),
		cmocka_unit_test(test_sshd_time),
		cmocka_unit_test_setup_teardown(test_fifo_not_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_running_tree, setup, teardown),
		cmocka_unit_test(test_process_running_live),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
