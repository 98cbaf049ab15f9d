/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Container attribution, the explicit interface between the collector that knows the
 * containers (the provider: the containers collector, from the Docker client's cache) and the
 * collectors that name a process's container (process, login: cgroup-parse.h gives them the
 * id, this gives them its name, image and IoT Edge module).
 *
 * One lookup is made by core/ and handed to every collector (collector_params.containers);
 * core/ owns it and frees it after the collectors.  A provider attaches itself with
 * container_lookup_provide() and must withdraw before its state goes away.  Lookups never do
 * I/O and never block: they answer from the provider's memory.  One thread (the loop's).
 */

#include <stdint.h>

#define CONTAINER_INFO_ID_MAX 128 /* a full id is 64 hex digits */
#define CONTAINER_INFO_NAME_MAX 256
#define CONTAINER_INFO_IMAGE_MAX 512

struct container_info {
	char id[CONTAINER_INFO_ID_MAX];
	char name[CONTAINER_INFO_NAME_MAX];
	char image[CONTAINER_INFO_IMAGE_MAX];
	char module[CONTAINER_INFO_NAME_MAX]; /* "" unless an IoT Edge module */
	int64_t pid;			      /* host pid of its init process; 0 when not running */
};

/*
 * The provider's answer for a container id (full, or a unique prefix of at least 12
 * characters): 0 with *ret filled, -ENOENT when unknown.
 */
typedef int (*container_lookup_fn)(void *userdata, const char *container_id,
				   struct container_info *ret);

struct container_lookup;

/* NULL when out of memory. */
struct container_lookup *container_lookup_new(void);
/* NULL; accepts NULL. */
struct container_lookup *container_lookup_free(struct container_lookup *l);

/* -EBUSY when another provider is attached; l may be NULL (then nothing happens, 0). */
int container_lookup_provide(struct container_lookup *l, container_lookup_fn fn, void *userdata);
/* Detaches the provider with this userdata (no-op otherwise; l may be NULL). */
void container_lookup_withdraw(struct container_lookup *l, void *userdata);

/*
 * Fills *ret for a container id.  0; -ENOENT when the provider does not know it; -ENODEV when
 * there is no provider (no lookup given, or no containers collector running).
 */
int container_lookup_find(const struct container_lookup *l, const char *container_id,
			  struct container_info *ret);
