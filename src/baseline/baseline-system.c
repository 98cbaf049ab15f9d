/* SPDX-License-Identifier: MIT */
/*
 * System-state evaluators: systemd units (service-enabled / service-disabled) and mount
 * options (mount-options), from files below the root only — no D-Bus, no systemctl, no
 * mount(8).  See docs/baseline.md for what "enabled" and "masked" mean here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline-int.h"
#include "common/array.h"
#include "common/str.h"

#define UNIT_DIR_SCAN_MAX 4096

static bool span_eq(const char *s, size_t n, const char *z)
{
	return strlen(z) == n && memcmp(s, z, n) == 0;
}

/* --- systemd services ------------------------------------------------------------------- */

static const char *const unit_dirs[] = { "/etc/systemd/system", "/usr/lib/systemd/system",
					 "/lib/systemd/system" };

enum unit_state { UNIT_ABSENT, UNIT_DISABLED, UNIT_ENABLED, UNIT_MASKED };

static bool name_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Whether dir/<x>.wants/unit or dir/<x>.requires/unit exists; *via gets <x>.wants. */
static bool unit_wanted_in(int dfd, const char *unit, char *via, size_t via_size)
{
	struct dirent *de;
	size_t scanned = 0;
	bool found = false;
	int fd = dup(dfd);
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (!found && (de = readdir(d)) && scanned++ < UNIT_DIR_SCAN_MAX) {
		struct stat st;
		int sub;

		if (!name_ends(de->d_name, ".wants") && !name_ends(de->d_name, ".requires"))
			continue;
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (fstatat(sub, unit, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			str_copy(via, via_size, de->d_name);
			found = true;
		}
		close(sub);
	}
	closedir(d);
	return found;
}

static enum unit_state unit_state(struct baseline_root *r, const char *unit, char *via,
				  size_t via_size)
{
	bool present = false, wanted = false;

	for (size_t i = 0; i < ARRAY_SIZE(unit_dirs); i++) {
		struct stat st;
		char target[64];
		ssize_t n;
		int dfd;

		if (baseline_root_openat(r, unit_dirs[i], O_RDONLY | O_DIRECTORY, &dfd) < 0)
			continue;
		if (fstatat(dfd, unit, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			present = true;
			n = readlinkat(dfd, unit, target, sizeof(target) - 1);
			if (i == 0 && ((n == 9 && memcmp(target, "/dev/null", 9) == 0) ||
				       (S_ISCHR(st.st_mode)))) {
				close(dfd);
				return UNIT_MASKED;
			}
		}
		if (!wanted && unit_wanted_in(dfd, unit, via, via_size))
			wanted = present = true;
		close(dfd);
	}
	if (wanted)
		return UNIT_ENABLED;
	return present ? UNIT_DISABLED : UNIT_ABSENT;
}

static bool has_systemd(struct baseline_root *r)
{
	static const char *const dirs[] = { "/etc/systemd", "/usr/lib/systemd", "/lib/systemd" };
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (baseline_root_stat(r, dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	return false;
}

void baseline_service_run(const struct baseline_check *c, struct baseline_root *r, bool want,
			  struct baseline_outcome *o)
{
	enum unit_state best = UNIT_ABSENT;
	const char *best_unit = c->names.v[0];
	char via[256] = "";

	if (!has_systemd(r)) {
		baseline_outcome_set(o, BASELINE_RESULT_SKIP, "systemd not found");
		return;
	}
	for (size_t i = 0; i < c->names.n; i++) {
		char v[256] = "";
		enum unit_state s = unit_state(r, c->names.v[i], v, sizeof(v));

		/* Enabled beats disabled beats masked beats absent when reporting. */
		if (s == UNIT_ENABLED || (best != UNIT_ENABLED && s > best && s != UNIT_MASKED) ||
		    (best == UNIT_ABSENT && s == UNIT_MASKED)) {
			best = s;
			best_unit = c->names.v[i];
			str_copy(via, sizeof(via), v);
		}
	}
	switch (best) {
	case UNIT_ENABLED:
		baseline_outcome_set(o, want ? BASELINE_RESULT_PASS : BASELINE_RESULT_FAIL,
				     "%s is enabled (%s)", best_unit, via);
		break;
	case UNIT_MASKED:
		baseline_outcome_set(o, want ? BASELINE_RESULT_FAIL : BASELINE_RESULT_PASS,
				     "%s is masked", best_unit);
		break;
	case UNIT_DISABLED:
		baseline_outcome_set(o, want ? BASELINE_RESULT_FAIL : BASELINE_RESULT_PASS,
				     "%s is not enabled", best_unit);
		break;
	case UNIT_ABSENT:
	default:
		baseline_outcome_set(o, want ? BASELINE_RESULT_FAIL : BASELINE_RESULT_PASS,
				     "%s is not installed", best_unit);
		break;
	}
}

/* --- mounts ----------------------------------------------------------------------------- */

/* Next whitespace-separated field of [*p, end). */
static bool next_field(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s >= end)
		return false;
	*ret = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*ret_len = (size_t)(s - *ret);
	*p = s;
	return true;
}

/* fstab/mounts escape blanks as \040 etc. */
static void unescape(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < size; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
					  (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

static bool has_option(const char *opts, size_t n, const char *want)
{
	size_t w = strlen(want), start = 0;

	for (size_t i = 0; i <= n; i++)
		if (i == n || opts[i] == ',') {
			if (i - start == w && memcmp(opts + start, want, w) == 0)
				return true;
			start = i + 1;
		}
	return false;
}

static bool in_list(const struct baseline_strv *v, const char *s, size_t n)
{
	for (size_t i = 0; i < v->n; i++)
		if (span_eq(s, n, v->v[i]))
			return true;
	return false;
}

void baseline_mount_run(const struct baseline_check *c, struct baseline_root *r,
			struct baseline_outcome *o)
{
	const char *file =
		c->mount_source == BASELINE_MOUNT_FSTAB ? "/etc/fstab" : "/proc/1/mounts";
	const char *data, *p, *line;
	unsigned matched = 0;
	size_t len, ll;
	int e = baseline_root_read(r, file, BASELINE_SMALL_READ_MAX, true, &data, &len);

	if (e == -ENOENT) {
		baseline_outcome_set(o, BASELINE_RESULT_SKIP, "%s does not exist", file);
		return;
	}
	if (e < 0) {
		baseline_outcome_set(o, BASELINE_RESULT_ERR, "cannot read %s: %s", file,
				     strerror(-e));
		return;
	}
	for (p = data; baseline_next_line(&p, data + len, &line, &ll);) {
		const char *q = line, *end = line + ll, *f[4];
		size_t fl[4], nf = 0;
		char mp[1024];
		bool hit = false;

		while (nf < 4 && next_field(&q, end, &f[nf], &fl[nf]))
			nf++;
		if (nf < 4 || f[0][0] == '#')
			continue;
		unescape(f[1], fl[1], mp, sizeof(mp));
		for (size_t i = 0; i < c->mount_points.n && !hit; i++)
			hit = fnmatch(c->mount_points.v[i], mp, 0) == 0;
		if (!hit || (c->fs_types.n && !in_list(&c->fs_types, f[2], fl[2])))
			continue;
		matched++;
		for (size_t i = 0; i < c->options.n; i++)
			if (!has_option(f[3], fl[3], c->options.v[i])) {
				baseline_outcome_set(o, BASELINE_RESULT_FAIL,
						     "%s is mounted without %s (%s)", mp,
						     c->options.v[i], file);
				return;
			}
	}
	if (!matched)
		baseline_outcome_set(o, BASELINE_RESULT_SKIP, "no matching mount in %s", file);
	else
		baseline_outcome_set(o, BASELINE_RESULT_PASS, "%u matching mount%s in %s ha%s %s%s",
				     matched, matched > 1 ? "s" : "", file,
				     matched > 1 ? "ve" : "s", c->options.v[0],
				     c->options.n > 1 ? " and the other options" : "");
}
