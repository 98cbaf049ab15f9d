/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The containers collector's public lookup, for other collectors (the process collector's
 * container attribution).  Answers from the Docker client's cache; never asks the daemon.
 */

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
