/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Pure parser of /proc/<pid>/cgroup text -> the container the process runs in.
 *
 * No I/O, no allocation, linear in the input and looks at no more than CGROUP_PARSE_MAX bytes.
 * Recognised layouts (cgroup v1 "N:controllers:PATH" and v2 "0::PATH" lines alike):
 *
 *   /docker/<id>[/...]                     Docker, cgroupfs driver (v1, v2)     docker
 *   /moby/<id>[/...]                       Moby engine (same API as Docker)     docker
 *   .../docker-<id>.scope                  Docker, systemd driver               docker
 *   .../cri-containerd-<id>.scope          containerd CRI, systemd driver       cri-containerd
 *   .../<slice>:cri-containerd:<id>        containerd CRI, runc "slice:prefix:name" form
 *   .../nerdctl-<id>.scope                 containerd (nerdctl), systemd driver containerd
 *   .../crio-<id>.scope                    CRI-O, systemd driver                crio
 *   .../libpod-<id>.scope[/...]            Podman                               podman
 *   /kubepods[.slice]/.../<id>             Kubernetes, cgroupfs driver          cri
 *
 * <id> is exactly 64 lowercase hex characters; anything else (63 or 65 characters, uppercase,
 * other letters, "libpod-conmon-<id>.scope") is not a container.  A bare 64-hex directory is
 * accepted only below /docker, /moby or /kubepods, so a host cgroup that merely looks like an
 * id is never taken for a container.  The outermost match wins: the container that the host's
 * engine knows (for docker-in-docker, the outer container; the inner id is ignored).
 */

#include <stddef.h>

#define CGROUP_CONTAINER_ID_LEN 64
/* The parser ignores input beyond this many bytes. */
#define CGROUP_PARSE_MAX (64u << 10)

enum cgroup_runtime {
	CGROUP_RUNTIME_DOCKER,
	CGROUP_RUNTIME_CONTAINERD,
	CGROUP_RUNTIME_CRI_CONTAINERD,
	CGROUP_RUNTIME_CRIO,
	CGROUP_RUNTIME_PODMAN,
	CGROUP_RUNTIME_CRI, /* kubepods with the cgroupfs driver: the path does not name it */
	CGROUP_RUNTIME_MAX
};

struct cgroup_container {
	char id[CGROUP_CONTAINER_ID_LEN + 1]; /* NUL-terminated, lowercase hex */
	enum cgroup_runtime runtime;
};

/*
 * 0 and *ret filled when buf names a container; -ENOENT for a host process (or text that
 * names none); -EINVAL for NULL arguments.
 */
int cgroup_container_parse(const char *buf, size_t len, struct cgroup_container *ret);

/*
 * The cgroup v2 path (the "0::PATH" line) in *ret_path (not NUL-terminated; may be "/" or
 * begin with "/.." for a cgroup outside the reader's cgroup namespace) and *ret_len: 0, or
 * -ENOENT when there is no such line.
 */
int cgroup_v2_path(const char *buf, size_t len, const char **ret_path, size_t *ret_len);

/* "docker", "containerd", "cri-containerd", "crio", "podman", "cri"; NULL when out of range. */
const char *cgroup_runtime_to_string(enum cgroup_runtime r);
