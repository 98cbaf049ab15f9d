/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A Docker/Moby Engine API client for the event loop: negotiates the API version, follows
 * the /events stream (containers and images), and keeps the container cache (docker-cache.h)
 * right with a full resync (list + inspect) after every (re)connect.  Everything is
 * non-blocking: the client owns one epoll descriptor (its HTTP calls and one timerfd) that the
 * owner watches for EPOLLIN and hands to docker_client_dispatch().
 * Design, states and bounds: docs/internals/docker.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "docker-cache.h"
#include "docker-parse.h"

enum docker_state {
	DOCKER_STATE_CONNECTING,   /* asking /version */
	DOCKER_STATE_SYNCING,	   /* events stream open, listing and inspecting */
	DOCKER_STATE_CONNECTED,	   /* in sync, following events */
	DOCKER_STATE_ABSENT,	   /* no socket or nobody listening; retrying */
	DOCKER_STATE_TOO_OLD,	   /* the daemon's API is older than 1.40; retrying slowly */
	DOCKER_STATE_DISCONNECTED, /* the daemon went away or answered wrongly; retrying */
	_DOCKER_STATE_MAX,
};

const char *docker_state_to_string(enum docker_state s);

struct docker_client_stats {
	uint64_t connects;	   /* times the events stream was opened */
	uint64_t resyncs;	   /* resyncs completed */
	uint64_t events;	   /* event lines handled */
	uint64_t lines_bad;	   /* event lines that were not events */
	uint64_t lines_too_long;   /* event lines over DOCKER_EVENT_LINE_MAX, skipped */
	uint64_t queue_dropped;	   /* event lines dropped: the pending queue was full */
	uint64_t replayed_skipped; /* events seen before a reconnect and replayed by `since` */
	uint64_t inspect_failed;   /* inspect calls that failed or returned garbage */
	uint64_t list_dropped;	   /* containers beyond DOCKER_LIST_MAX in one list */
};

/* Limits (docs/internals/docker.md). */
#define DOCKER_EVENT_LINE_MAX (64u << 10)
#define DOCKER_PENDING_MAX 1024u	/* queued event lines */
#define DOCKER_PENDING_BYTES (4u << 20) /* bytes of queued event lines */
#define DOCKER_INSPECT_CONCURRENCY 4u
#define DOCKER_CALL_TIMEOUT_MS 15000u /* version, list and inspect calls */
#define DOCKER_BACKOFF_MIN_MS 250u
#define DOCKER_BACKOFF_MAX_MS 30000u

struct docker_client_callbacks {
	/*
	 * A container or image event, in the daemon's order.  `entry` is the cache entry of
	 * the container (for start/create just re-inspected; for destroy the entry about to
	 * be removed), or NULL.
	 */
	void (*on_event)(void *userdata, const struct docker_event *ev,
			 const struct docker_cache_entry *entry);
	/* A container was inspected (resync or event); doc is the whole inspect document. */
	void (*on_inspect)(void *userdata, const cJSON *doc, const struct docker_cache_entry *entry,
			   bool from_event);
	/* The state changed (describe() text changed). */
	void (*on_state)(void *userdata, enum docker_state state);
	/* A resync completed: the cache now matches the daemon (before queued events run). */
	void (*on_synced)(void *userdata);
};

struct docker_client;

/* Copies socket_path.  Does not connect yet. */
int docker_client_new(const char *socket_path, const struct docker_client_callbacks *cb,
		      void *userdata, struct docker_client **ret);
struct docker_client *docker_client_free(struct docker_client *dc);
/* First connection attempt (non-blocking). */
void docker_client_start(struct docker_client *dc);
/* The descriptor to watch for EPOLLIN. */
int docker_client_fd(const struct docker_client *dc);
/* Does all pending work without blocking. */
void docker_client_dispatch(struct docker_client *dc);

enum docker_state docker_client_state(const struct docker_client *dc);
/* A one-line description of the state for Heartbeat (stable between changes). */
const char *docker_client_describe(const struct docker_client *dc);
const struct docker_client_stats *docker_client_stats(const struct docker_client *dc);
struct docker_cache *docker_client_cache(struct docker_client *dc);
/* "1.41" once negotiated, else "". */
const char *docker_client_api_version(const struct docker_client *dc);
