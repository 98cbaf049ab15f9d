/* SPDX-License-Identifier: MIT */
/*
 * Containers: Docker/Moby containers and images, through the Docker Engine API client
 * (src/docker/docker-client.h), which does the I/O inside the loop and keeps the cache.
 *
 * ContainerEvent (our schema, triggered): one event per container event create, start,
 * restart, stop, die (ExitCode), kill (Signal), oom, pause, unpause, rename, update,
 * exec_create / exec_start / exec_die (Command), destroy, and per image event pull, delete,
 * import, load, tag, untag.  Item: Action, ObjectType ("container"/"image"), ContainerId,
 * ContainerName, Image, ModuleName (IoT Edge module: a container labelled
 * net.azure-devices.edge.owner; the module name is its net.azure-devices.edge.module label or
 * else the container name, which edged sets to the module name), and on create/start/restart
 * SecuritySettings (docker_settings_write(): privileged, capabilities, namespaces, host mounts,
 * devices, published ports, limits) from the inspect document taken for that event.
 *
 * ContainerInventory (our schema, periodic): at each snapshot and after every resync (so the
 * first one does not wait for the next snapshot), one item per container of the cache (only
 * when in sync with the daemon; otherwise no event, and Heartbeat says why):
 * ContainerId, ContainerName, Image, ImageId, State, ModuleName, ProcessId, ExitCode,
 * SecuritySettings.
 *
 * State: RUNNING while connecting, resyncing or connected; DEGRADED (last_error = the client's
 * description) while the daemon is absent, too old or gone.  stats.skipped counts event lines
 * that were not events or were too long, stats.lost event lines dropped by the full queue.
 * The direct method "scan" (its table's methods) runs the deployment analysis now.
 * Owns: the Docker client (and so the cache) and its event builder.  Provides the container
 * lookup it is given (collector_params.containers, enrich/container-lookup.h) from init until
 * done, so the process and login collectors can name a process's container.
 */
#include "containers.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "collectors/collector.h"
#include "common/alloc.h"
#include "common/array.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/log.h"
#include "common/str.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "docker/docker-client.h"
#include "analyze/analyze-events.h"
#include "enrich/container-lookup.h"
#include "containers-analysis.h"

struct containers_state {
	struct collector *c;
	struct docker_client *client;
	struct event_builder builder;
	struct containers_analysis *analysis; /* Recommendation and DriftAlert */
	bool synced;			      /* on_synced() ran (inventory sent) */
};

/*
 * A container's whole inspect document is available here: `why` is "event" (inspected for a
 * create/start/restart event, before its ContainerEvent is sent) or "resync" (after a
 * (re)connect; the whole cache is analyzed once the resync is complete, in on_synced()).
 */
static void containers_analyze_hook(struct containers_state *s, const cJSON *inspect_doc,
				    const struct docker_cache_entry *entry, const char *why)
{
	if (strcmp(why, "event") != 0 || !entry)
		return;
	containers_analysis_one(s->analysis, s->c, docker_client_cache(s->client), entry->c.id,
				inspect_doc, time_now_realtime_ns());
}

static void sync_stats(struct containers_state *s)
{
	const struct docker_client_stats *st = docker_client_stats(s->client);
	uint64_t analysis_skipped, analysis_errors;

	containers_analysis_counters(s->analysis, &analysis_skipped, &analysis_errors);
	s->c->stats.skipped = st->lines_bad + st->lines_too_long + analysis_skipped;
	s->c->stats.lost = st->queue_dropped;
	s->c->stats.errors = st->inspect_failed + analysis_errors;
}

static bool emits_event(const struct docker_event *ev)
{
	static const char *const container_actions[] = {
		"create", "start",	 "restart",    "stop",	   "die",
		"kill",	  "oom",	 "pause",      "unpause",  "rename",
		"update", "exec_create", "exec_start", "exec_die", "destroy",
	};
	static const char *const image_actions[] = {
		"pull", "delete", "import", "load", "tag", "untag",
	};
	const char *const *list =
		ev->object == DOCKER_OBJECT_IMAGE ? image_actions : container_actions;
	size_t n = ev->object == DOCKER_OBJECT_IMAGE ? ARRAY_SIZE(image_actions)
						     : ARRAY_SIZE(container_actions);

	for (size_t i = 0; i < n; i++)
		if (strcmp(ev->action, list[i]) == 0)
			return true;
	return false;
}

static bool with_settings(const struct docker_event *ev)
{
	return strcmp(ev->action, "create") == 0 || strcmp(ev->action, "start") == 0 ||
	       strcmp(ev->action, "restart") == 0;
}

static void nonempty(struct event_builder *b, unsigned field, const char *s)
{
	if (s && *s)
		event_add_cstr(b, field, s);
}

static void on_event(void *userdata, const struct docker_event *ev,
		     const struct docker_cache_entry *e)
{
	struct containers_state *s = userdata;
	struct event_builder *b = &s->builder;
	uint64_t now = time_now_realtime_ns();
	struct event *out;

	sync_stats(s);
	if (!emits_event(ev))
		return;
	event_builder_begin(b, EVENT_CONTAINER_EVENT, ev->time_ns ? ev->time_ns : now);
	event_builder_item(b);
	event_add_cstr(b, CEV_ACTION, ev->action);
	if (ev->object == DOCKER_OBJECT_IMAGE) {
		event_add_cstr(b, CEV_OBJECT_TYPE, "image");
		nonempty(b, CEV_IMAGE, ev->id);
	} else {
		event_add_cstr(b, CEV_OBJECT_TYPE, "container");
		event_add_cstr(b, CEV_CONTAINER_ID, ev->id);
		nonempty(b, CEV_CONTAINER_NAME, ev->name[0] ? ev->name : e ? e->c.name : NULL);
		nonempty(b, CEV_IMAGE, ev->image[0] ? ev->image : e ? e->c.image : NULL);
		nonempty(b, CEV_MODULE_NAME, ev->module[0] ? ev->module : e ? e->c.module : NULL);
		if (ev->has_exit_code)
			event_add_int(b, CEV_EXIT_CODE, ev->exit_code);
		if (ev->has_signal)
			event_add_int(b, CEV_SIGNAL, ev->signal);
		if (ev->command[0])
			event_add_cstr(b, CEV_COMMAND, ev->command);
		if (e && with_settings(ev))
			event_add_json(b, CEV_SECURITY_SETTINGS, e->settings, e->settings_len);
		/* plain, for the detection rules (no JSON parsing on the event path) */
		if (e && with_settings(ev) && e->c.privileged)
			event_add_extra_cstr(b, "Privileged", "true");
	}
	if (event_builder_finish(b, &out) < 0) {
		s->c->stats.errors++;
		return;
	}
	collector_submit(s->c, out);
}

static void on_inspect(void *userdata, const cJSON *doc, const struct docker_cache_entry *e,
		       bool from_event)
{
	containers_analyze_hook(userdata, doc, e, from_event ? "event" : "resync");
}

static void on_state(void *userdata, enum docker_state st)
{
	struct containers_state *s = userdata;

	if (s->c->state == COLLECTOR_STATE_DISABLED || s->c->state == COLLECTOR_STATE_STOPPED)
		return;
	if (st == DOCKER_STATE_ABSENT || st == DOCKER_STATE_TOO_OLD ||
	    st == DOCKER_STATE_DISCONNECTED) {
		collector_set_error(s->c, COLLECTOR_STATE_DEGRADED, "%s",
				    docker_client_describe(s->client));
	} else {
		s->c->state = COLLECTOR_STATE_RUNNING;
		s->c->last_error[0] = '\0';
	}
}

static void on_synced(void *userdata);

/* The container lookup's provider (container_lookup_fn): the cache, never the daemon. */
static int containers_lookup(void *userdata, const char *container_id, struct container_info *out)
{
	struct containers_state *s = userdata;
	const struct docker_cache_entry *e;

	/* The same sizes: what the cache holds fits without cutting. */
	_Static_assert(sizeof(out->id) == DOCKER_ID_MAX && sizeof(out->name) == DOCKER_NAME_MAX &&
			       sizeof(out->image) == DOCKER_IMAGE_MAX &&
			       sizeof(out->module) == DOCKER_NAME_MAX,
		       "container_info and the Docker cache differ");

	if (!s->client)
		return -ENOENT;
	e = docker_cache_get(docker_client_cache(s->client), container_id);
	if (!e)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	str_copy(out->id, sizeof(out->id), e->c.id);
	str_copy(out->name, sizeof(out->name), e->c.name);
	str_copy(out->image, sizeof(out->image), e->c.image);
	str_copy(out->module, sizeof(out->module), e->c.module);
	out->pid = e->c.pid;
	return 0;
}

static int containers_init(struct collector *c)
{
	struct containers_state *s = collector_state(c);
	const struct docker_client_callbacks cb = {
		.on_event = on_event,
		.on_inspect = on_inspect,
		.on_state = on_state,
		.on_synced = on_synced,
	};
	const char *path = c->params.docker_socket;
	int r;

	s->c = c;
	event_builder_init(&s->builder);
	if (!path || !*path) {
		/* A setting, not a fault, but nothing to run: listed as failed with the reason. */
		collector_set_error(c, COLLECTOR_STATE_FAILED,
				    "dockerSocket is empty: no container collection");
		return 0;
	}
	r = docker_client_new(path, &cb, s, &s->client);
	if (r < 0)
		return r;
	{
		const char *why = NULL;

		r = containers_analysis_new(c->params.deployment_manifest, &s->analysis, &why);
		if (r < 0)
			return r;
		if (why)
			log_warning("containers: %s", why);
	}
	return container_lookup_provide(c->params.containers, containers_lookup, s);
}

static int containers_start(struct collector *c)
{
	struct containers_state *s = collector_state(c);

	if (s->client)
		docker_client_start(s->client);
	return 0;
}

static int containers_get_fd(struct collector *c)
{
	struct containers_state *s = collector_state(c);

	return s->client ? docker_client_fd(s->client) : -1;
}

static void containers_dispatch(struct collector *c, uint32_t revents)
{
	struct containers_state *s = collector_state(c);

	(void)revents;
	if (!s->client)
		return;
	docker_client_dispatch(s->client);
	sync_stats(s);
}

/* One ContainerInventory from the cache; `analyze`: then Recommendation (and DriftAlert). */
static int emit_inventory(struct containers_state *s, uint64_t now_realtime_ns, bool analyze)
{
	struct event_builder *b = &s->builder;
	struct docker_cache *dc = docker_client_cache(s->client);
	struct event *out;
	int r;

	event_builder_begin(b, EVENT_CONTAINER_INVENTORY, now_realtime_ns);
	for (size_t i = 0; i < DOCKER_CACHE_MAX; i++) {
		const struct docker_cache_entry *e = dc->entries[i];

		if (!e)
			continue;
		event_builder_item(b);
		event_add_cstr(b, CINV_CONTAINER_ID, e->c.id);
		event_add_cstr(b, CINV_CONTAINER_NAME, e->c.name);
		event_add_cstr(b, CINV_IMAGE, e->c.image);
		nonempty(b, CINV_IMAGE_ID, e->c.image_id);
		event_add_cstr(b, CINV_STATE, e->c.state[0] ? e->c.state : "unknown");
		nonempty(b, CINV_MODULE_NAME, e->c.module);
		if (e->c.pid > 0)
			event_add_int(b, CINV_PROCESS_ID, e->c.pid);
		if (strcmp(e->c.state, "exited") == 0 || strcmp(e->c.state, "dead") == 0)
			event_add_int(b, CINV_EXIT_CODE, e->c.exit_code);
		event_add_json(b, CINV_SECURITY_SETTINGS, e->settings, e->settings_len);
	}
	r = event_builder_finish(b, &out);
	if (r < 0)
		return r;
	collector_submit(s->c, out);
	if (analyze)
		containers_analysis_all(s->analysis, s->c, dc, now_realtime_ns, NULL);
	return 0;
}

/* After every (re)connect: the inventory at once, not at the next snapshot (hours away). */
static void on_synced(void *userdata)
{
	struct containers_state *s = userdata;

	s->synced = true;
	if (emit_inventory(s, time_now_realtime_ns(), true) < 0)
		s->c->stats.errors++;
}

/*
 * `edgesec snapshot` runs no loop: drive the client here until its first sync (which sends
 * the inventory and the analysis) or until ONE_SHOT_WAIT_MS.  Returns true when synced.
 */
#define ONE_SHOT_WAIT_MS 5000
static bool one_shot_sync(struct containers_state *s)
{
	uint64_t deadline = time_now_monotonic_ns() + ONE_SHOT_WAIT_MS * NSEC_PER_MSEC;

	while (!s->synced) {
		uint64_t now = time_now_monotonic_ns();
		struct pollfd pfd = { .fd = docker_client_fd(s->client), .events = POLLIN };
		enum docker_state st = docker_client_state(s->client);

		if (now >= deadline || st == DOCKER_STATE_ABSENT || st == DOCKER_STATE_TOO_OLD)
			return false;
		if (poll(&pfd, 1, (int)((deadline - now) / NSEC_PER_MSEC) + 1) > 0)
			docker_client_dispatch(s->client);
	}
	return true;
}

static int containers_snapshot(struct collector *c, uint64_t now_realtime_ns)
{
	struct containers_state *s = collector_state(c);

	if (c->params.one_shot && s->client && !s->synced) {
		if (!one_shot_sync(s))
			log_warning("containers: %s: no ContainerInventory",
				    docker_client_describe(s->client));
		return 0; /* synced: the inventory and analysis went out with the sync */
	}
	/* Not in sync: no inventory rather than a wrong one (Heartbeat tells why). */
	if (!s->client || docker_client_state(s->client) != DOCKER_STATE_CONNECTED)
		return 0;
	return emit_inventory(s, now_realtime_ns, true);
}

int containers_scan(struct collector *c, uint64_t now_realtime_ns,
		    struct containers_scan_result *ret)
{
	struct containers_state *s = collector_state(c);
	struct analyze_stats st = { 0 };

	memset(ret, 0, sizeof(*ret));
	if (!s->client || docker_client_state(s->client) != DOCKER_STATE_CONNECTED)
		return -EAGAIN;
	containers_analysis_all(s->analysis, c, docker_client_cache(s->client), now_realtime_ns,
				&st);
	ret->containers = st.containers;
	ret->findings = st.findings;
	ret->drift = st.drift;
	ret->drift_checked = containers_analysis_has_manifest(s->analysis);
	return 0;
}

static const char *containers_describe(struct collector *c)
{
	struct containers_state *s = collector_state(c);

	return s->client ? docker_client_describe(s->client) : "dockerSocket is empty";
}

static void containers_done(struct collector *c)
{
	struct containers_state *s = collector_state(c);

	container_lookup_withdraw(c->params.containers, s);
	s->client = docker_client_free(s->client);
	s->analysis = containers_analysis_free(s->analysis);
	event_builder_done(&s->builder);
}

/*
 * The direct method "scan": the deployment analysis now, over every running container
 * (Recommendation, and DriftAlert when a deployment manifest is configured); its figures are
 * the members of the response.
 */
static int containers_method_scan(struct collector *c, uint64_t now_realtime_ns,
				  const struct cJSON *args, struct jw *w)
{
	struct containers_scan_result res;
	int r;

	(void)args;
	r = containers_scan(c, now_realtime_ns, &res);
	if (r < 0)
		return r; /* -EAGAIN: not in sync with the Docker daemon (see get-status) */
	jw_key_lit(w, "containers");
	jw_int(w, (int64_t)res.containers);
	jw_key_lit(w, "findings");
	jw_int(w, (int64_t)res.findings);
	jw_key_lit(w, "driftChecked");
	jw_bool(w, res.drift_checked);
	jw_key_lit(w, "drift");
	jw_int(w, (int64_t)res.drift);
	return 0;
}

/* The Docker socket is reconnected to after --user: its group must be the user's too. */
static const char *containers_run_as_socket(const struct config *cfg)
{
	return cfg->docker_socket;
}

static const struct collector_method containers_methods[] = {
	{ "scan", containers_method_scan },
};

/* Sockets after start (core/seccomp.c): the Docker API socket, again after each loss. */
static const struct collector_syscalls containers_syscalls[] = {
	{ NULL, COLLECTOR_FAMILY(AF_UNIX), 0, 0 },
};

/* Capabilities used after start, per backend (core/privilege.c; why: docs/security.md). */
static const struct collector_caps containers_caps[] = {
	/* the Docker socket is connected to as its owner (uid 0); nothing else. */
	{ NULL, 0 },
};

const struct collector_ops containers_collector_ops = {
	.name = "containers",
	.types = { EVENT_CONTAINER_EVENT, EVENT_CONTAINER_INVENTORY, EVENT_RECOMMENDATION,
		   EVENT_DRIFT_ALERT },
	.n_types = 4,
	.state_size = sizeof(struct containers_state),
	.init = containers_init,
	.start = containers_start,
	.get_fd = containers_get_fd,
	.dispatch = containers_dispatch,
	.snapshot = containers_snapshot,
	.done = containers_done,
	.describe = containers_describe,
	.run_as_socket = containers_run_as_socket,
	.socket_hint = "give dockerd a group, e.g. --group docker",
	.methods = containers_methods,
	.n_methods = ARRAY_SIZE(containers_methods),
	.caps = containers_caps,
	.n_caps = ARRAY_SIZE(containers_caps),
	.syscalls = containers_syscalls,
	.n_syscalls = ARRAY_SIZE(containers_syscalls),
};
