/* SPDX-License-Identifier: MIT */
/*
 * The agent's lifecycle and wiring.  core/ is split by concern, each file with its header and
 * the shared state in agent-int.h:
 *   agent.c          start, run, stop: host context, run-as user, capability check,
 *                    collectors (started from their tables), least privilege, signals;
 *   agent-config.c   configuration: load, SIGHUP reload, apply to every part;
 *   agent-output.c   state directory and AgentId, the output (local, or spool + MQTT with
 *                    its identity), the pipeline's publish callback;
 *   agent-control.c  the output's listener, module twin and direct methods;
 *   agent-timers.c   periodic work: snapshot, flushes, Heartbeat, aggregation, collector fds;
 *   detect-agent.c   on-device detection (observer, timers, configuration).
 * Nothing here knows a particular collector or transport: they are wired through their
 * tables (collectors/collector.h, transport/transport.h).
 *
 * Start:  configuration (defaults < --config file) → host context (root, /proc, namespaces)
 *         → [as the run-as user's fsuid: state dir and AgentId → output] → its listener and
 *         control channel → pipeline → collectors → host check (which collector misses a
 *         host namespace) → loop, where capabilities are dropped and the run-as user taken
 *         (core/privilege.c), then the system-call allow-list installed (core/seccomp.c).
 *         The first snapshot and a Heartbeat are taken at once and flushed, so output
 *         appears within a second of starting.
 * Signals: SIGINT/SIGTERM stop the loop; then collectors stop, aggregation windows close early
 *         and every queued event is written before exit.  SIGHUP re-reads the --config file;
 *         an invalid file is rejected whole and the configuration in force stays.
 * Ownership: the agent owns everything it creates and frees it in agent_done().
 */
#include "agent.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent-config.h"
#include "agent-control.h"
#include "agent-int.h"
#include "agent-output.h"
#include "agent-persist.h"
#include "agent-timers.h"
#include "audit/audit-control.h"
#include "common/alloc.h"
#include "common/json_read.h"
#include "common/timeutil.h"
#include "detect-agent.h"
#include "enrich/container-lookup.h"
#include "host-check.h"
#include "host/host.h"
#include "loop/loop.h"
#include "seccomp.h"
#include "state.h"
#include "transport/transport.h"
#include "version.h"

static void on_signal(struct loop *l, int signo, void *userdata)
{
	struct agent *a = userdata;

	if (signo == SIGHUP) {
		agent_config_reload(a);
		return;
	}
	log_info("Received %s, flushing and stopping", signo == SIGINT ? "SIGINT" : "SIGTERM");
	loop_quit(l, 0);
}

static int start_collectors(struct agent *a)
{
	struct collector_params p = { .sink = pipeline_sink(a->pipeline) };

	/* Collectors keep these pointers; a->cfg is replaced by SIGHUP and twin updates. */
	a->host_root = es_strdup(host_context_root(a->host));
	if (!a->host_root)
		return -ENOMEM;
	if (!a->opts.capture && a->cfg.capture && !(a->capture = es_strdup(a->cfg.capture)))
		return -ENOMEM;
	a->containers = container_lookup_new();
	if (!a->containers)
		return -ENOMEM;
	p.host = a->host;
	p.containers = a->containers;
	p.persist = a->persist;
	p.host_root = a->host_root;
	p.capture = a->opts.capture ? a->opts.capture : a->capture;
	if (a->cfg.login_source && !(a->login_source = es_strdup(a->cfg.login_source)))
		return -ENOMEM;
	p.login_source = a->login_source;
	if (a->cfg.docker_socket && !(a->docker_socket = es_strdup(a->cfg.docker_socket)))
		return -ENOMEM;
	p.docker_socket = a->docker_socket;
	if (a->cfg.deployment_manifest &&
	    !(a->deployment_manifest = es_strdup(a->cfg.deployment_manifest)))
		return -ENOMEM;
	p.deployment_manifest = a->deployment_manifest;
	p.one_shot = a->opts.once;
	p.hub_output = !a->local_mode;

	for (size_t i = 0; i < collector_n_builtins && i < AGENT_COLLECTORS_MAX; i++) {
		struct collector *c;
		int r;

		/* `edgesec snapshot` needs only the periodic collectors. */
		if (a->opts.once && !collector_builtins[i]->snapshot)
			continue;
		r = collector_new(collector_builtins[i], &p, &c);
		if (r < 0)
			return r;
		a->collectors[a->n_collectors++] = c;
		if (collector_start(c) < 0) {
			log_warning("Collector %s is not available: %s", c->ops->name,
				    c->last_error);
			continue;
		}
		if (a->opts.once)
			continue;
		r = agent_collector_watch(a, i, c);
		if (r < 0)
			log_warning("Failed to watch collector %s: %s", c->ops->name, strerror(-r));
	}
	return 0;
}

/* The host context: --host-root, else edgesec.hostRoot.  0 or an exit code. */
static int open_host(struct agent *a)
{
	const char *root = a->opts.host_root ? a->opts.host_root : a->cfg.host_root;
	char err[256], ns[128];
	int r = host_context_open(root, HOST_CONTEXT_OWN_PROC, &a->host, err, sizeof(err));

	if (r < 0) {
		log_error("%s (set --host-root or edgesec.hostRoot to where the host's root is)",
			  err);
		return r == -ENOMEM ? 1 : 2;
	}
	host_ns_format(a->host, ns, sizeof(ns));
	log_info("Host root %s, host /proc %s, namespaces %s", host_context_root(a->host),
		 host_context_proc_path(a->host)[0] ? host_context_proc_path(a->host) : "(none)",
		 ns);
	return 0;
}

/*
 * The group of each socket a collector reconnects to after the switch of user
 * (collector_ops.run_as_socket: the Docker socket) joins the user's groups.
 */
static void add_socket_groups(struct agent *a)
{
	for (size_t i = 0; i < collector_n_builtins; i++) {
		const struct collector_ops *ops = collector_builtins[i];
		const char *sock = ops->run_as_socket ? ops->run_as_socket(&a->cfg) : NULL;
		struct stat st;

		if (!sock || !sock[0] || stat(sock, &st) < 0)
			continue;
		if (st.st_gid == 0)
			log_warning(
				"The socket %s of the %s collector belongs to group root: as uid "
				"%u the collector cannot reconnect to it (%s)",
				sock, ops->name, (unsigned)a->user.uid,
				ops->socket_hint ? ops->socket_hint : "give it a group");
		else if (privilege_user_add_group(&a->user, st.st_gid) < 0)
			log_warning("Too many supplementary groups for %s", sock);
	}
}

/*
 * --user: who the agent becomes after set-up, and the state directory given to it (as root,
 * before anything is created), with the groups of the sockets collectors reconnect to.
 * 0 or an exit code.
 */
static int prepare_user(struct agent *a)
{
	const char *dir = a->opts.state_dir ? a->opts.state_dir : STATE_DIR_DEFAULT;
	char err[512];
	int r;

	if (!a->opts.user || a->opts.once)
		return 0;
	r = privilege_user_parse(a->opts.user, &a->user, err, sizeof(err));
	if (r < 0) {
		log_error("--user: %s", err);
		return 2;
	}
	if (geteuid() != 0) {
		if (geteuid() == a->user.uid)
			return 0; /* already that user */
		log_error("--user %s: switching users needs to start as root (uid 0)",
			  a->opts.user);
		return 2;
	}
	add_socket_groups(a);
	r = state_dir_claim(dir, a->user.uid, a->user.gid, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return 1;
	}
	a->have_user = true;
	return 0;
}

/*
 * Before set-up: every capability the collectors would use and the process lacks, named with
 * what is lost, once (the collectors then say how they fell back).  Quiet for an agent
 * started without any capability (a plain user's `edgesec run`): that is one line.
 */
static void check_capabilities(struct agent *a)
{
	if (privilege_check_start(a->have_user, &a->missing) < 0 || !a->missing.missing)
		return;
	if (geteuid() != 0 && a->missing.n_lines >= 5) {
		log_info("Running without privileges: collectors that need capabilities are "
			 "limited (missing %s)",
			 a->missing.names);
		return;
	}
	for (unsigned i = 0; i < a->missing.n_lines; i++)
		log_warning("Capability check: %s", a->missing.lines[i]);
}

/* After start: which collector misses a host namespace, and the audit lock. */
static void report_host_limits(struct agent *a)
{
	const char *w = audit_control_lock_warning();

	(void)host_check_collectors(a->host, a->collectors, a->n_collectors);
	for (size_t i = 0; i < a->n_collectors; i++)
		if (a->collectors[i]->host_limit[0])
			log_warning("Collector %s is degraded: %s", a->collectors[i]->ops->name,
				    a->collectors[i]->host_limit);
	if (w[0])
		log_warning("Kernel audit: %s", w);
}

static int agent_init(struct agent *a, const struct agent_options *opts)
{
	_cleanup_free_ struct config_report *rep = es_calloc(1, sizeof(*rep)); /* ~53 KiB */
	struct pipeline_settings s;
	bool fs_user;
	int r;

	if (!rep)
		return 1;

	a->opts = *opts;
	a->local_mode = true;
	a->start_mono_ns = time_now_monotonic_ns();
	event_builder_init(&a->builder);
	json_read_init();
	if ((r = agent_config_load(a)) != 0)
		return r;
	if ((r = open_host(a)) != 0)
		return r;
	if ((r = prepare_user(a)) != 0)
		return r;
	check_capabilities(a);
	/* What set-up creates (state dir, AgentId, spool, output) belongs to the run-as user.
	 * Without CAP_SETUID/CAP_SETGID it cannot (the capability check said so): go on. */
	fs_user = a->have_user && (r = privilege_fs_enter(&a->user)) == 0;
	if (a->have_user && !fs_user)
		log_error("Cannot create files as uid %u: %s (needs CAP_SETUID and CAP_SETGID); "
			  "they will be root's",
			  (unsigned)a->user.uid, strerror(-r));
	r = agent_state_open(a) < 0 ? 1 : 0;
	if (r == 0 && (r = loop_new(on_signal, a, &a->loop)) < 0) {
		log_error("Failed to set up the event loop: %s", strerror(-r));
		r = 1;
	}
	if (r == 0)
		r = agent_output_open(a);
	if (fs_user)
		privilege_fs_leave();
	if (r != 0)
		return r;
	/* Its connection events; the module twin and direct methods over its control channel. */
	if (agent_control_open(a) < 0)
		return 1;
	agent_config_pipeline_settings(&a->cfg, &s);
	agent_output_limit_settings(a, &s);
	a->pipeline = pipeline_new(a->agent_id, EDGESEC_VERSION, &s, agent_output_publish, a);
	if (!a->pipeline)
		return 1;
	if (detect_agent_new(a->pipeline, a->loop, &a->detect) < 0)
		return 1;
	detect_agent_set_persist(a->detect, a->persist); /* before the rules are loaded */
	if (start_collectors(a) < 0)
		return 1;
	report_host_limits(a);
	for (size_t i = 0; i < a->n_collectors; i++) { /* e.g. host posture reads every event */
		struct event_observer *o = collector_observer(a->collectors[i]);

		if (o && pipeline_add_observer(a->pipeline, o) < 0)
			log_warning("Failed to watch events for the %s collector",
				    a->collectors[i]->ops->name);
	}
	agent_config_apply(a);
	config_check_conflicts(&a->cfg, rep);
	agent_config_report(a, rep, opts->config_path ? opts->config_path : "defaults");
	return 0;
}

/*
 * The system-call allow-list (core/seccomp.c), after the drop (it needs no_new_privs).  The
 * mode is the local file's (edgesec.seccomp; the twin cannot change it).
 */
static void install_seccomp(struct agent *a)
{
	int policy = seccomp_policy_from_string(a->base.seccomp);
	struct collector_syscalls needs;

	if (policy < 0) /* the table's check makes this unreachable */
		policy = SECCOMP_POLICY_ENFORCE;
	seccomp_needs_of(a->collectors, a->n_collectors, &needs);
	if (seccomp_install(policy, &needs, &a->seccomp) < 0)
		log_error("Seccomp filter (%s) not installed: %s: %s",
			  seccomp_policy_to_string(policy), a->seccomp.why,
			  strerror(-a->seccomp.error));
	else if (a->seccomp.policy == SECCOMP_POLICY_OFF)
		log_warning("Seccomp filter: off (edgesec.seccomp): every system call is allowed");
	else
		log_info("Seccomp filter: %s, %u system calls allowed, sockets %s, others %s",
			 seccomp_policy_to_string(a->seccomp.policy), a->seccomp.n_allowed,
			 a->seccomp.sockets,
			 a->seccomp.policy == SECCOMP_POLICY_LOG ? "logged by the kernel"
								 : "fail with EPERM");
}

static int agent_loop(struct agent *a)
{
	int r;

	agent_timers_start(a);
	agent_control_start(a);
	/* ---- least privilege (core/privilege.c): set-up is over, keep what collectors use ---- */
	r = privilege_drop(a->collectors, a->n_collectors, a->have_user ? &a->user : NULL,
			   &a->privilege);
	if (a->privilege.user_error[0])
		log_error("%s; carrying on as %s", a->privilege.user_error, a->privilege.run_as);
	if (r < 0)
		log_warning("Could not drop every capability: %s; kept %s", strerror(-r),
			    a->privilege.kept_names);
	else
		log_info("Capabilities kept: %s; running as %s; no_new_privs set",
			 a->privilege.kept_names, a->privilege.run_as);
	install_seccomp(a);
	/* ---- end of least privilege ---- */
	agent_heartbeat_emit(a);
	agent_snapshot_take(a, true);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_HIGH);
	pipeline_flush(a->pipeline, EVENT_PRIORITY_LOW);
	agent_timers_rearm(a);
	/* Start-up (BTF parsing for CO-RE above all) freed a few MiB: give them back. */
	(void)malloc_trim(0);
	log_info("edgesec %s running: output %s", EDGESEC_VERSION, transport_describe(a->output));
	r = loop_run(a->loop);
	for (size_t i = 0; i < a->n_collectors; i++)
		collector_stop(a->collectors[i]);
	detect_agent_flush(a->detect);
	agent_persist_save(a);
	pipeline_flush_all(a->pipeline);
	return r < 0 ? 1 : r;
}

static void agent_done(struct agent *a)
{
	for (size_t i = 0; i < a->n_collectors; i++)
		collector_free(a->collectors[i]);
	agent_persist_close(a);				      /* after the collectors */
	a->detect = detect_agent_free(a->detect);	      /* before the pipeline it observes */
	a->host = host_context_free(a->host);		      /* after the collectors */
	a->containers = container_lookup_free(a->containers); /* after the collectors */
	a->pipeline = pipeline_free(a->pipeline);
	agent_output_close(a);
	agent_control_free(a); /* after the transport: it may report a disconnect */
	es_free(a->host_root); /* after the collectors */
	es_free(a->capture);
	es_free(a->login_source);
	es_free(a->docker_socket);
	es_free(a->deployment_manifest);
	a->host_root = a->capture = a->login_source = a->docker_socket = NULL;
	a->deployment_manifest = NULL;
	a->loop = loop_free(a->loop);
	event_builder_done(&a->builder);
	config_done(&a->cfg);
	config_done(&a->base);
}

int agent_run(const struct agent_options *opts)
{
	struct agent a = { 0 };
	int r = agent_init(&a, opts);

	if (r == 0 && opts->once) {
		agent_snapshot_take(&a, false);
		pipeline_flush_together(a.pipeline);
	} else if (r == 0) {
		r = agent_loop(&a);
	}
	/* Local output that could not be written (a full disk, /dev/full) is a failure. */
	if (r == 0 && a.local_mode && a.output && a.publish_errors_logged) {
		log_error("%llu message(s) could not be written to %s",
			  (unsigned long long)a.publish_errors_logged,
			  transport_describe(a.output));
		r = 1;
	}
	agent_done(&a);
	return r;
}
