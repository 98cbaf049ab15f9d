/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The collector interface.  A collector is a table of operations; the loop does not know
 * which kernel interface is behind it.  Periodic collectors implement snapshot(); triggered
 * ones expose an fd (get_fd) and turn readiness into events in dispatch().  Every operation
 * is optional: the wrappers below supply no-op defaults.
 *
 * Collectors include only common/ and pipeline/event.h.  They submit events to the sink they
 * are given and never log (core/ logs what they report through their state and stats).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "pipeline/event.h"

enum collector_state {
	COLLECTOR_STATE_NEW,
	COLLECTOR_STATE_RUNNING,
	COLLECTOR_STATE_DEGRADED, /* works with a fallback or partial data */
	COLLECTOR_STATE_FAILED,	  /* cannot work here; see last_error */
	COLLECTOR_STATE_DISABLED, /* its events are Off */
	COLLECTOR_STATE_STOPPED,
	_COLLECTOR_STATE_MAX,
};

struct collector_stats {
	uint64_t events;  /* events submitted */
	uint64_t items;	  /* payload items in them */
	uint64_t errors;  /* failed runs or reads */
	uint64_t skipped; /* malformed or vanished records, counted and skipped */
	uint64_t lost;	  /* records lost before they could be read (kernel drops) */
	uint64_t runs;	  /* snapshots taken / dispatches handled */
	/* The part of lost whose event type is known (kernel losses per record type); the
	 * rest of lost + skipped is charged to the collector's first type. */
	uint64_t lost_by_type[_EVENT_TYPE_MAX];
};

struct container_lookup; /* enrich/container-lookup.h */

struct collector_params {
	struct event_sink *sink;
	/* The host (host/host.h): its root, /proc and namespaces; every host file and every
	 * /proc/<pid> read goes through it.  Shared and owned by the caller.  When NULL,
	 * collector_new() opens one for host_root (NULL = "/") that the collector owns, as an
	 * offline tree (host.h: <host_root>/proc is its /proc). */
	struct host_context *host;
	const char *host_root;
	const char *capture;	  /* process capture: "auto" (or NULL), "ebpf", "audit", "cnproc" */
	const char *login_source; /* login collector: "auto" (or NULL), "audit", "utmp" */
	const char *docker_socket; /* the Docker API socket; NULL or "": no container collector */
	const char *deployment_manifest; /* containers: manifest for drift; NULL or "": none */
	/* Container attribution (enrich/container-lookup.h), shared and owned by the caller: the
	 * containers collector provides it, process and login ask it.  NULL: no names. */
	struct container_lookup *containers;
	/* `edgesec snapshot`: no loop runs, so snapshot() may wait (briefly, bounded) for what
	 * it would otherwise get from its fd (the containers collector's first sync). */
	bool one_shot;
};

struct collector;

struct collector_ops {
	const char *name;
	/* Event types it produces; it is not run when all of them are Off. */
	enum event_type types[4];
	unsigned n_types;
	size_t state_size; /* bytes of private state, zeroed, at collector_state() */
	int (*init)(struct collector *c);
	int (*start)(struct collector *c);
	int (*get_fd)(struct collector *c);
	void (*dispatch)(struct collector *c, uint32_t revents);
	int (*snapshot)(struct collector *c, uint64_t now_realtime_ns);
	void (*stop)(struct collector *c);
	void (*done)(struct collector *c);
	/* A short description of how it works right now (backend chosen), for Heartbeat. */
	const char *(*describe)(struct collector *c);
};

struct collector {
	const struct collector_ops *ops;
	struct collector_params params;
	enum collector_state state;
	struct collector_stats stats;
	char last_error[160];
	/* Set by core/host-check.c: what the collector cannot see from where the agent runs
	 * ("not in the host's network namespace: ..."); shown in Heartbeat as HostLimit. */
	char host_limit[200];
	struct host_context *own_host; /* opened by collector_new() when params.host was NULL */
	void *priv;
};

const char *collector_state_to_string(enum collector_state s);
/* The state to show: "running" with a host_limit is shown as degraded. */
enum collector_state collector_state_shown(const struct collector *c);

int collector_new(const struct collector_ops *ops, const struct collector_params *p,
		  struct collector **ret);
struct collector *collector_free(struct collector *c);
static inline void *collector_state(struct collector *c)
{
	return c->priv;
}
int collector_start(struct collector *c);
int collector_get_fd(struct collector *c);
void collector_dispatch(struct collector *c, uint32_t revents);
/* Takes a snapshot if the collector has one; -EOPNOTSUPP otherwise. */
int collector_snapshot(struct collector *c, uint64_t now_realtime_ns);
bool collector_is_periodic(const struct collector *c);
/* ops->describe() or NULL. */
const char *collector_describe(struct collector *c);
void collector_stop(struct collector *c);
/* Records a failure reason (and the state) for Heartbeat and logs. */
void collector_set_error(struct collector *c, enum collector_state s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Submits e to the collector's sink and counts it. */
void collector_submit(struct collector *c, struct event *e);
/*
 * Finishes the builder's event and submits it (event_builder_submit: the pipeline reads it in
 * place and allocates it only if it keeps it), counted like collector_submit().  0, or the
 * builder's error (nothing submitted, nothing counted).
 */
int collector_submit_built(struct collector *c, struct event_builder *b);

/* The built-in collectors (core/ registers them). */
extern const struct collector_ops sysinfo_collector_ops;
extern const struct collector_ops users_collector_ops;
extern const struct collector_ops ports_collector_ops;
extern const struct collector_ops process_collector_ops;
extern const struct collector_ops login_collector_ops;
extern const struct collector_ops containers_collector_ops;
