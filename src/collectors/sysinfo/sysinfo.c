/* SPDX-License-Identifier: MIT */
/*
 * SystemInformation: one periodic event with one item describing the host.
 *
 * Sources: uname(2) (OSName, OSVersion = "<release> <version>", OsArchitecture, HostName),
 * os-release(5) from <host root>/etc/os-release or <host root>/usr/lib/os-release (OSVendor =
 * NAME; PRETTY_NAME, ID, VERSION_ID in ExtraDetails), /sys/class/dmi/id/bios_version
 * (BIOSVersion), the source of the mount on "/" in the host's init's mountinfo (BootDevice:
 * <host /proc>/1/mountinfo; our own mount table with the host root's mount point when pid 1
 * cannot be read),
 * sysinfo(2) (memory in KiB; virtual = RAM + swap; uptime) and
 * /proc/sys/kernel/random/boot_id.  Anything that cannot be read is left out of the item; only
 * a failing uname(2) or event build fails the snapshot.
 *
 * Kernel facts (uname, sysinfo, /proc, /sys) describe the kernel we run on whatever the host
 * root is; files (os-release) are read below it through the host context.  HostName is the
 * host's: uname's when we share the host's UTS namespace, else <host root>/etc/hostname.  Reads are
 * capped (64 KiB for os-release, 1 MiB for mountinfo).  Parsing is in os-release.c and mountinfo.c
 * (pure, fuzzed). Owns: its event builder (reused across snapshots).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "host/host.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "mountinfo.h"
#include "os-release.h"

#define OS_RELEASE_FILE_MAX (64u * 1024)
#define MOUNTINFO_FILE_MAX (1u << 20)
#define BOOT_DEVICE_MAX 4096

struct sysinfo_state {
	struct event_builder builder;
	struct os_release osr;
	char boot_device[BOOT_DEVICE_MAX];
};

static int sysinfo_init(struct collector *c)
{
	struct sysinfo_state *s = collector_state(c);

	event_builder_init(&s->builder);
	return 0;
}

static void sysinfo_done(struct collector *c)
{
	struct sysinfo_state *s = collector_state(c);

	if (s)
		event_builder_done(&s->builder);
}

/* 0 with s->osr filled, -errno if neither file could be read. */
static int read_os_release(struct collector *c, struct sysinfo_state *s)
{
	static const char *const paths[] = { "etc/os-release", "usr/lib/os-release" };
	int r = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		_cleanup_free_ char *data = NULL;
		size_t len;

		r = host_read_file(c->params.host, paths[i], OS_RELEASE_FILE_MAX, &data, &len);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		os_release_parse(data, len, &s->osr);
		c->stats.skipped += s->osr.skipped;
		return 0;
	}
	return r;
}

static int read_boot_device(struct collector *c, struct sysinfo_state *s)
{
	struct host_context *h = c->params.host;
	_cleanup_free_ char *data = NULL;
	const char *mp = "/";
	unsigned skipped = 0;
	size_t len;
	int r;

	/* The host's mount table is its init's; ours (a container's, or a service's private
	 * mount namespace) shows the host root where it is bound. */
	r = host_proc_read_file(h, "1/mountinfo", MOUNTINFO_FILE_MAX, &data, &len);
	if (r < 0) {
		r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_FILE_MAX, &data, &len);
		mp = host_context_root(h);
	}
	if (r < 0)
		return r;
	r = mountinfo_find_source(data, len, mp, s->boot_device, sizeof(s->boot_device), &skipped);
	c->stats.skipped += skipped;
	return r;
}

/* The host's name: ours in the host's UTS namespace, else <host root>/etc/hostname. */
static const char *host_name(struct collector *c, const struct utsname *u, char *out,
			     size_t out_size)
{
	_cleanup_free_ char *data = NULL;
	size_t len, n;

	if (host_ns_state(c->params.host, HOST_NS_UTS) != HOST_NS_STATE_OWN ||
	    host_read_file(c->params.host, "etc/hostname", 4096, &data, &len) < 0)
		return u->nodename;
	n = strcspn(data, " \t\r\n");
	if (n == 0 || n >= out_size)
		return u->nodename;
	memcpy(out, data, n);
	out[n] = '\0';
	return out;
}

/* A short sysfs/procfs attribute without surrounding blanks; NULL if unreadable or empty. */
static const char *read_attr(const char *path, char *out, size_t out_size)
{
	size_t n;

	if (read_line_at(AT_FDCWD, path, out, out_size) < 0)
		return NULL;
	n = strlen(out);
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return n ? out : NULL;
}

static int64_t kib(unsigned long v, unsigned mem_unit)
{
	unsigned __int128 b = (unsigned __int128)v * (mem_unit ? mem_unit : 1);

	b /= 1024;
	return b > INT64_MAX ? INT64_MAX : (int64_t)b;
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static void add_os_version(struct event_builder *b, const struct utsname *u)
{
	char v[sizeof(u->release) + sizeof(u->version) + 2];
	int n = snprintf(v, sizeof(v), "%s %s", u->release, u->version);

	if (n > 0)
		event_add_str(b, SI_OS_VERSION, v,
			      (size_t)n < sizeof(v) ? (size_t)n : sizeof(v) - 1);
}

static void add_os_release_extras(struct event_builder *b, const struct os_release *o)
{
	if (o->name[0])
		event_add_cstr(b, SI_OS_VENDOR, o->name);
	if (o->pretty_name[0])
		event_add_extra_cstr(b, "OSPrettyName", o->pretty_name);
	if (o->id[0])
		event_add_extra_cstr(b, "OSId", o->id);
	if (o->version_id[0])
		event_add_extra_cstr(b, "OSVersionId", o->version_id);
}

static int sysinfo_snapshot(struct collector *c, uint64_t now)
{
	struct sysinfo_state *s = collector_state(c);
	struct event_builder *b = &s->builder;
	struct utsname u;
	struct sysinfo si;
	char bios[256], boot_id[64], name[256];
	bool have_osr, have_si;
	struct event *e;
	int r;

	if (uname(&u) < 0)
		return -errno;
	have_si = sysinfo(&si) == 0;
	have_osr = read_os_release(c, s) == 0;
	if (read_boot_device(c, s) < 0)
		s->boot_device[0] = '\0';

	event_builder_begin(b, EVENT_SYSTEM_INFORMATION, now);
	event_builder_item(b);
	event_add_cstr(b, SI_OS_NAME, u.sysname);
	add_os_version(b, &u);
	if (have_osr)
		add_os_release_extras(b, &s->osr);
	event_add_cstr(b, SI_OS_ARCHITECTURE, u.machine);
	event_add_cstr(b, SI_HOST_NAME, host_name(c, &u, name, sizeof(name)));
	event_add_cstr(b, SI_BIOS_VERSION,
		       read_attr("/sys/class/dmi/id/bios_version", bios, sizeof(bios)));
	if (s->boot_device[0])
		event_add_cstr(b, SI_BOOT_DEVICE, s->boot_device);
	if (have_si) {
		event_add_int(b, SI_TOTAL_PHYSICAL_MEMORY_KB, kib(si.totalram, si.mem_unit));
		event_add_int(b, SI_FREE_PHYSICAL_MEMORY_KB, kib(si.freeram, si.mem_unit));
		event_add_int(
			b, SI_TOTAL_VIRTUAL_MEMORY_KB,
			add_sat(kib(si.totalram, si.mem_unit), kib(si.totalswap, si.mem_unit)));
		event_add_int(b, SI_FREE_VIRTUAL_MEMORY_KB,
			      add_sat(kib(si.freeram, si.mem_unit), kib(si.freeswap, si.mem_unit)));
		event_add_extra_u64(b, "UptimeSeconds", si.uptime > 0 ? (uint64_t)si.uptime : 0);
	}
	event_add_extra_cstr(
		b, "BootId",
		read_attr("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id)));
	r = event_builder_finish(b, &e);
	if (r < 0)
		return r;
	collector_submit(c, e);
	return 0;
}

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps sysinfo_caps[] = {
	{ NULL, 0 },
};

const struct collector_ops sysinfo_collector_ops = {
	.name = "sysinfo",
	.types = { EVENT_SYSTEM_INFORMATION },
	.n_types = 1,
	.state_size = sizeof(struct sysinfo_state),
	.init = sysinfo_init,
	.snapshot = sysinfo_snapshot,
	.done = sysinfo_done,
	.caps = sysinfo_caps,
	.n_caps = ARRAY_SIZE(sysinfo_caps),
};
