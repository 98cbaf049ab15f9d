/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Pure parsers for the Docker Engine API documents edgesec reads: /version, one line of the
 * /events stream, the /containers/json list and a /containers/{id}/json inspect document.
 * No I/O, no global state: the daemon is trusted a little (a root-owned socket) but every
 * document is parsed as hostile.  Strings are copied into fixed, NUL-terminated fields and
 * cut at their size; lists are capped.  Nothing here keeps the container's environment or
 * its labels other than the IoT Edge ones (edgeAgent's labels hold env and createOptions,
 * which may carry secrets).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/buf.h"

#define DOCKER_ID_MAX 128 /* a full id is 64 hex digits; names are shorter than this */
#define DOCKER_NAME_MAX 256
#define DOCKER_IMAGE_MAX 512
#define DOCKER_ACTION_MAX 64
#define DOCKER_COMMAND_MAX 4096
#define DOCKER_STATE_MAX 32
#define DOCKER_SETTINGS_MAX (16u << 10) /* the security settings JSON of one container */
#define DOCKER_LIST_MAX 1024		/* containers taken from one /containers/json */

/* Our API version range: at least 1.40 (moby's default minimum), at most 1.41 (20.10). */
#define DOCKER_API_MIN_MINOR 40
#define DOCKER_API_MAX_MINOR 41

/* IoT Edge labels. */
#define DOCKER_LABEL_EDGE_OWNER "net.azure-devices.edge.owner"
#define DOCKER_LABEL_EDGE_MODULE "net.azure-devices.edge.module"

/* True for a container id or name that may go into a request path: [A-Za-z0-9_.-], 1..128. */
bool docker_id_valid(const char *id);

/* ApiVersion of a /version body ("1.41") → *minor (41).  -EINVAL unless "1.<n>". */
int docker_version_parse(const char *json, size_t len, unsigned *ret_minor);

enum docker_object {
	DOCKER_OBJECT_OTHER,
	DOCKER_OBJECT_CONTAINER,
	DOCKER_OBJECT_IMAGE,
};

/* One line of GET /events. */
struct docker_event {
	enum docker_object object;
	char action[DOCKER_ACTION_MAX];	  /* "start", "exec_create" (the command split off) */
	char command[DOCKER_COMMAND_MAX]; /* exec_create/exec_start: "sh -c ..." */
	char id[DOCKER_ID_MAX];		  /* Actor.ID: container id, image reference or id */
	char name[DOCKER_NAME_MAX];	  /* Attributes.name (container name, image name) */
	char image[DOCKER_IMAGE_MAX];	  /* Attributes.image */
	char module[DOCKER_NAME_MAX];	  /* IoT Edge module name; "" for other containers */
	bool has_exit_code, has_signal;
	int64_t exit_code;
	int64_t signal;
	uint64_t time_ns; /* timeNano, or time * 1e9 */
};

/*
 * Parses one event line.  0 with *ev filled; -EINVAL for a line that is not an event object
 * (not JSON, no Type/Action).  Objects other than containers and images give object OTHER.
 */
int docker_event_parse(const char *line, size_t len, struct docker_event *ev);

/* What edgesec keeps of a container (cache entry, inventory item). */
struct docker_container {
	char id[DOCKER_ID_MAX];
	char name[DOCKER_NAME_MAX]; /* without the leading '/' */
	char image[DOCKER_IMAGE_MAX];
	char image_id[DOCKER_ID_MAX];
	char module[DOCKER_NAME_MAX]; /* "" unless an IoT Edge module */
	char state[DOCKER_STATE_MAX]; /* created, running, paused, restarting, exited, dead */
	char cgroup_parent[DOCKER_NAME_MAX];
	int64_t pid;
	int64_t exit_code;
	bool privileged;
};

/*
 * The ids of a /containers/json body, in order, at most max of them (the rest counted in
 * *ret_dropped).  Items without a valid Id are skipped and counted in *ret_skipped.
 * Returns the number of ids written to ids[][DOCKER_ID_MAX] or -EINVAL for a body that is not
 * a JSON array.
 */
int docker_list_parse(const char *json, size_t len, char (*ids)[DOCKER_ID_MAX], size_t max,
		      size_t *ret_skipped, size_t *ret_dropped);

/*
 * An inspect document (parsed by the caller with json_parse) → *out, and the security
 * settings as one JSON object appended to settings (see docker_settings_write).  -EINVAL if
 * doc is not an object with a valid Id.
 */
int docker_inspect_parse(const cJSON *doc, struct docker_container *out, struct buf *settings);

/*
 * The effective security settings of an inspect document as a JSON object:
 * {"Privileged","User","ReadonlyRootfs","NetworkMode","PidMode","IpcMode","UTSMode",
 *  "UsernsMode","CgroupnsMode","CapAdd":[..],"CapDrop":[..],"SecurityOpt":[..],
 *  "Devices":[host paths],"HostMounts":[{"Source","Destination","RW","Propagation"}],
 *  "PublishedPorts":[{"HostIp","HostPort","ContainerPort"}],"Memory","NanoCpus","PidsLimit"}.
 * Missing values are left out; lists hold at most 64 entries.
 */
void docker_settings_write(const cJSON *doc, struct buf *out);

/* The IoT Edge module name of a container with these labels (an object) and name; "" if none. */
void docker_module_name(const cJSON *labels, const char *container_name, char *out,
			size_t out_size);
