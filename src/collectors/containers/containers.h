/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The containers collector's public lookup, for other collectors (the process collector's
 * container attribution).  Answers from the Docker client's cache; never asks the daemon.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "docker/docker-parse.h"

struct container_info {
	char id[DOCKER_ID_MAX];
	char name[DOCKER_NAME_MAX];
	char image[DOCKER_IMAGE_MAX];
	char module[DOCKER_NAME_MAX]; /* "" unless an IoT Edge module */
	int64_t pid;		      /* host pid of its init process; 0 when not running */
};

/*
 * Fills *out for a container id (full, or a unique prefix of at least 12 characters).
 * 0; -ENOENT when unknown; -ENODEV when the containers collector is not running.
 */
int containers_lookup(const char *container_id, struct container_info *out);

struct collector;

struct containers_scan_result {
	size_t containers; /* inspect documents analyzed */
	size_t findings;   /* rule findings (sent as one Recommendation event) */
	size_t drift;	   /* drift items (sent as one DriftAlert event) */
	bool drift_checked; /* a deployment manifest is configured and was readable */
};

/*
 * The direct method "scan": analyzes every container now (Recommendation, DriftAlert
 * submitted through the collector).  -EAGAIN while not in sync with the Docker daemon.
 */
int containers_scan(struct collector *c, uint64_t now_realtime_ns,
		    struct containers_scan_result *ret);
