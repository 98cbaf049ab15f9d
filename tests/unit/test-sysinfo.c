/* SPDX-License-Identifier: MIT */
/*
 * mountinfo parsing (BootDevice) and the sysinfo collector on a fake host root: one
 * SystemInformation item with uname/sysinfo values and the host's os-release, found through
 * an absolute symlink resolved inside the host root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/sysinfo/mountinfo.h"
#include "common/alloc.h"

static const char mountinfo[] =
	"22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
	"23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"
	"40 22 8:1 / /boot rw,relatime shared:29 - ext2 /dev/sda1 rw\n"
	"41 22 0:44 / /host\\040root rw master:3 unbindable - xfs /dev/my\\040disk rw\n"
	"garbage line\n"
	"42 22 0:45 / /nosep rw shared:3 ext4 /dev/x rw\n";

static void test_mountinfo(void **state)
{
	char out[64];
	unsigned skipped = 0;

	(void)state;
	assert_int_equal(mountinfo_find_source(mountinfo, sizeof(mountinfo) - 1, "/", out,
					       sizeof(out), &skipped),
			 0);
	assert_string_equal(out, "/dev/mapper/vg-root");
	assert_int_equal(skipped, 2);
	assert_int_equal(mountinfo_find_source(mountinfo, sizeof(mountinfo) - 1, "/host root", out,
					       sizeof(out), NULL),
			 0);
	assert_string_equal(out, "/dev/my disk");
	assert_int_equal(mountinfo_find_source(mountinfo, sizeof(mountinfo) - 1, "/nosep", out,
					       sizeof(out), NULL),
			 -ENOENT);
	assert_int_equal(mountinfo_find_source(mountinfo, sizeof(mountinfo) - 1, "/nothere", out,
					       sizeof(out), NULL),
			 -ENOENT);
	assert_int_equal(mountinfo_find_source(mountinfo, sizeof(mountinfo) - 1, "/", out, 5, NULL),
			 -E2BIG);
	assert_int_equal(mountinfo_find_source("", 0, "/", out, sizeof(out), NULL), -ENOENT);
}

static void test_mountinfo_overmount(void **state)
{
	static const char text[] = "1 0 0:1 / / rw - rootfs rootfs rw\n"
				   "2 1 0:2 / / rw - overlay overlay rw,lowerdir=/a\n";
	char out[64];

	(void)state;
	/* The last mount on "/" is the visible one. */
	assert_int_equal(mountinfo_find_source(text, sizeof(text) - 1, "/", out, sizeof(out), NULL),
			 0);
	assert_string_equal(out, "overlay");
}

static void test_mountinfo_hostile(void **state)
{
	static const char text[] = "1 0 0:1 / / rw - ext4 /dev/a\\000b rw\n"  /* NUL escape */
				   "1 0 0:1 / /x\\0 rw - ext4 /dev/\\12 rw\n" /* short escapes */
				   "1 0 0:1 / /y rw - ext4\n"		      /* no source */
				   "- - - - - - - -\n";
	char out[64];
	unsigned skipped = 0;

	(void)state;
	assert_int_equal(
		mountinfo_find_source(text, sizeof(text) - 1, "/", out, sizeof(out), &skipped),
		-ENOENT);
	assert_int_equal(
		mountinfo_find_source(text, sizeof(text) - 1, "/x\\0", out, sizeof(out), &skipped),
		0);
	assert_string_equal(out, "/dev/\\12");
	assert_int_equal(
		mountinfo_find_source(text, sizeof(text) - 1, "/y", out, sizeof(out), &skipped),
		-ENOENT);
}

/* ---- the collector ---- */

struct sink {
	struct event_sink base;
	struct event *events[4];
	unsigned n;
};

static void sink_submit(struct event_sink *base, struct event *e)
{
	struct sink *s = (struct sink *)base;

	if (s->n < 4)
		s->events[s->n++] = e;
	else
		event_free(e);
}

static int find(const struct event *e, int field, const char *key, struct event_value *ret)
{
	struct event_cursor cur;
	struct event_value v;

	event_cursor_init(&cur, e);
	while (event_cursor_next(&cur, &v))
		if ((key && v.kind == EVENT_VALUE_EXTRA && v.key_len == strlen(key) &&
		     memcmp(v.key, key, v.key_len) == 0) ||
		    (!key && v.kind == EVENT_VALUE_FIELD && (int)v.field == field)) {
			*ret = v;
			return 1;
		}
	return 0;
}

static void assert_str(const struct event *e, int field, const char *key, const char *want)
{
	struct event_value v;

	assert_true(find(e, field, key, &v));
	assert_int_equal(v.len, strlen(want));
	assert_memory_equal(v.s, want, v.len);
}

static void test_collector(void **state)
{
	char root[] = "/tmp/edgesec-sysinfo-XXXXXX", path[600], expect[600];
	struct sink sink = { .base.submit = sink_submit };
	struct collector_params p = { .sink = &sink.base, .host_root = root };
	struct collector *c;
	struct event_value v;
	struct utsname u;
	const struct event *e;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/etc", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/usr", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/usr/lib", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/usr/lib/os-release", root);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("NAME=\"Test OS\"\nPRETTY_NAME='Test OS 1.0'\nID=testos\nVERSION_ID=1.0\n", f);
	fclose(f);
	/* An absolute link, as distributions ship it: must resolve inside the host root. */
	snprintf(path, sizeof(path), "%s/etc/os-release", root);
	assert_int_equal(symlink("/usr/lib/os-release", path), 0);

	assert_int_equal(collector_new(&sysinfo_collector_ops, &p, &c), 0);
	assert_int_equal(collector_start(c), 0);
	assert_int_equal(collector_snapshot(c, 42), 0);
	assert_int_equal(sink.n, 1);
	e = sink.events[0];
	assert_int_equal(event_get_type(e), EVENT_SYSTEM_INFORMATION);
	assert_int_equal(event_get_n_items(e), 1);
	assert_int_equal(uname(&u), 0);
	assert_str(e, SI_OS_NAME, NULL, u.sysname);
	snprintf(expect, sizeof(expect), "%s %s", u.release, u.version);
	assert_str(e, SI_OS_VERSION, NULL, expect);
	assert_str(e, SI_OS_ARCHITECTURE, NULL, u.machine);
	assert_str(e, SI_HOST_NAME, NULL, u.nodename);
	assert_str(e, SI_OS_VENDOR, NULL, "Test OS");
	assert_str(e, 0, "OSPrettyName", "Test OS 1.0");
	assert_str(e, 0, "OSId", "testos");
	assert_str(e, 0, "OSVersionId", "1.0");
	assert_true(find(e, SI_TOTAL_PHYSICAL_MEMORY_KB, NULL, &v));
	assert_true(v.i > 0);
	assert_true(find(e, SI_FREE_PHYSICAL_MEMORY_KB, NULL, &v));
	assert_true(v.i > 0);
	assert_true(find(e, SI_TOTAL_VIRTUAL_MEMORY_KB, NULL, &v));
	assert_true(v.i > 0);
	assert_true(find(e, 0, "BootId", &v));
	assert_int_equal(v.len, 36);
	assert_true(find(e, 0, "UptimeSeconds", &v));
	event_free(sink.events[0]);

	/* No os-release at all: the item is still sent, without OSVendor. */
	unlink(path);
	snprintf(path, sizeof(path), "%s/usr/lib/os-release", root);
	unlink(path);
	sink.n = 0;
	assert_int_equal(collector_snapshot(c, 43), 0);
	assert_int_equal(sink.n, 1);
	assert_false(find(sink.events[0], SI_OS_VENDOR, NULL, &v));
	assert_str(sink.events[0], SI_OS_NAME, NULL, u.sysname);
	event_free(sink.events[0]);
	collector_free(c);

	snprintf(path, sizeof(path), "%s/usr/lib", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/usr", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/etc", root);
	rmdir(path);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_mountinfo_overmount),
		cmocka_unit_test(test_mountinfo_hostile),
		cmocka_unit_test(test_collector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
