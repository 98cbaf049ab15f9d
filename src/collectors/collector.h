/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The collector interface.  A collector is a table of operations; the loop does not know
 * which kernel interface is behind it.  Periodic collectors implement snapshot(); triggered
 * ones expose an fd (get_fd) and turn readiness into events in dispatch(); one that needs a
 * timer of its own keeps it as that fd (a timerfd: the users collector's debounce).  Every
 * operation is optional: the wrappers below supply no-op defaults.
 *
 * Everything core/ needs to know about a collector is in its table, so core/ wires them all
 * the same way and never asks which one it holds: its settings (configure(), with the
 * problems it finds returned as issues), the events it reads from the pipeline (observer()),
 * the direct methods it answers (methods: the containers collector's "scan"), the
 * capabilities it keeps after start (caps, read by core/privilege.c), the host namespaces
 * it must share (host_needs, read by core/host-check.c), the socket families and system calls
 * it makes after start beyond the agent's base list (syscalls, read by core/seccomp.c) and the
 * socket it reconnects to as the run-as user (run_as_socket).
 *
 * Collectors include the layers below them (scripts/check-includes.py), never another
 * collector.  They submit events to the sink they are given and never log (core/ logs what
 * they report through their state, stats and issues).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "pipeline/event.h"

struct cJSON;
struct config;
struct event_observer;
struct jw;

/* A capability as a bit of collector_caps.running: COLLECTOR_CAP(CAP_NET_ADMIN). */
#define COLLECTOR_CAP(x) (1ull << (x))
#define COLLECTOR_ISSUES_MAX 4
#define COLLECTOR_ISSUE_MESSAGE_MAX 256

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
struct persist;		 /* common/persist.h */

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
	/* Baselines kept across restarts (common/persist.h), shared and owned by the caller: the
	 * users collector keeps its last state there.  NULL (`edgesec snapshot`, tests, no
	 * usable state directory): in memory only, the first read after start is the baseline. */
	struct persist *persist;
	/* `edgesec snapshot`: no loop runs, so snapshot() may wait (briefly, bounded) for what
	 * it would otherwise get from its fd (the containers collector's first sync). */
	bool one_shot;
	/* Messages go to an IoT hub (billed per message and 4 KB), not to a local file. */
	bool hub_output;
};

struct collector;

/*
 * Capabilities a collector still uses after its start, for one backend: an entry applies when
 * collector_describe() starts with `backend` (NULL: any).  The first entry that applies wins;
 * a collector with none that applies keeps a conservative read-side set (core/privilege.c).
 */
struct collector_caps {
	const char *backend;
	uint64_t running; /* COLLECTOR_CAP(CAP_...) | ... ; 0: none */
};

/*
 * What a collector does after its start that the agent's base allow-list (core/seccomp.c)
 * does not let through, for one backend (as caps); every entry that applies adds (a NULL
 * entry for all backends, then one per backend).  Sockets are judged by family, netlink ones
 * by protocol too: a family or protocol no running collector names fails with EPERM.
 */
#define COLLECTOR_FAMILY(af) (1ull << (af))	 /* AF_* < 64 */
#define COLLECTOR_NETLINK(proto) (1u << (proto)) /* NETLINK_* < 32 */
/* pidfd_open + pidfd_getfd: a copy of another process's fd (its socket's address) */
#define COLLECTOR_SYSCALL_PIDFD (1u << 0)
/* ioctl(PERF_EVENT_IOC_DISABLE): libbpf detaching perf-event links at stop */
#define COLLECTOR_SYSCALL_PERF_IOCTL (1u << 1)
#define COLLECTOR_SYSCALL_ALL ((1u << 2) - 1)

struct collector_syscalls {
	const char *backend;
	uint64_t families; /* COLLECTOR_FAMILY(AF_NETLINK) | ... */
	uint32_t netlink;  /* COLLECTOR_NETLINK(NETLINK_SOCK_DIAG) | ... */
	uint32_t calls;	   /* COLLECTOR_SYSCALL_* */
};

/*
 * A host namespace (or the host's /proc) a collector must share to see the host, for one
 * backend (as above).  core/host-check.c reports the first unmet need of each collector as
 * its host_limit: "not in the host's <ns> namespace: <lost> (give the module <fix>)".
 */
struct collector_host_need {
	const char *backend;
	enum host_ns ns; /* _HOST_NS_MAX: needs the host's /proc */
	const char *lost;
	const char *fix; /* the module setting that gives it ("NetworkMode host") */
};

/*
 * A setting of a collector's own that cannot be used, from configure(): core/ logs
 * "<consequence>: <message>" and sends a ConfigurationError event named after `setting`.
 * At most COLLECTOR_ISSUES_MAX per call; more are counted in `dropped`.
 */
struct collector_issue {
	const char *setting;	 /* "postureAllowedPorts" (static storage) */
	const char *consequence; /* "Allowed ports not used" (static storage) */
	char message[COLLECTOR_ISSUE_MESSAGE_MAX];
};

struct collector_issues {
	unsigned n, dropped;
	struct collector_issue v[COLLECTOR_ISSUES_MAX];
};

/* A direct method a collector answers (control/methods.h names them). */
struct collector_method {
	const char *name; /* "scan" */
	/* Runs it now: events go through the sink (core/ sends them at once); members of the
	 * response object go to w.  args is the request body (NULL when empty).  0 or -errno
	 * (-EAGAIN: not ready, try again). */
	int (*call)(struct collector *c, uint64_t now_realtime_ns, const struct cJSON *args,
		    struct jw *w);
};

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
	/* Its settings, at start (after start()) and after every configuration change; called
	 * in every state.  Problems go to *ret (zeroed by the caller); 0 or -errno. */
	int (*configure)(struct collector *c, const struct config *cfg,
			 struct collector_issues *ret);
	/* The pipeline observer it reads every event through (core/ registers it), or NULL. */
	struct event_observer *(*observer)(struct collector *c);
	const struct collector_method *methods;
	unsigned n_methods;
	const struct collector_caps *caps;
	unsigned n_caps;
	const struct collector_host_need *host_needs;
	unsigned n_host_needs;
	const struct collector_syscalls *syscalls;
	unsigned n_syscalls;
	/* A unix socket it connects to again after the agent became its run-as user (--user):
	 * the path the configuration names ("" or NULL: none), asked before the collector
	 * exists; core/ adds the socket's group to the user's groups.  socket_hint says how to
	 * give the socket a group when it has none ("dockerd --group docker"). */
	const char *(*run_as_socket)(const struct config *cfg);
	const char *socket_hint;
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

/* ops->configure() with *ret zeroed first; 0 without one. */
int collector_configure(struct collector *c, const struct config *cfg,
			struct collector_issues *ret);
/* Adds an issue (dropped and counted when full). */
void collector_issue_add(struct collector_issues *is, const char *setting, const char *consequence,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* ops->observer() or NULL. */
struct event_observer *collector_observer(struct collector *c);
bool collector_has_method(const struct collector *c, const char *name);
/* Runs the method `name`; -ENOENT when the collector has none of that name. */
int collector_call_method(struct collector *c, const char *name, uint64_t now_realtime_ns,
			  const struct cJSON *args, struct jw *w);
/* True when the backend running now is `backend`: collector_describe() starts with it
 * (NULL: any backend).  For the caps, host_needs and syscalls entries. */
bool collector_backend_is(struct collector *c, const char *backend);

/* The built-in collectors. */
extern const struct collector_ops sysinfo_collector_ops;
extern const struct collector_ops users_collector_ops;
extern const struct collector_ops ports_collector_ops;
extern const struct collector_ops firewall_collector_ops;
extern const struct collector_ops process_collector_ops;
extern const struct collector_ops login_collector_ops;
extern const struct collector_ops baseline_collector_ops;
extern const struct collector_ops containers_collector_ops;
extern const struct collector_ops posture_collector_ops;
/* All of them in snapshot order (core/ starts them in this order): posture is last, its
 * snapshot judges what the others just sent. */
extern const struct collector_ops *const collector_builtins[];
extern const size_t collector_n_builtins;
