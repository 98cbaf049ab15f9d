/* SPDX-License-Identifier: MIT */
/*
 * Where the agent's messages go, and who it is: the state directory and AgentId, then the
 * output.  Local mode: stdout or an append-only file (transport/local.c).  Hub mode (a
 * connection string, --hub, or the IoT Edge module environment): the spool (a file in the
 * state directory, memory when it cannot be used) and the MQTT transport, with the identity
 * from the connection string, the IoT Edge workload API, or for a plain broker the AgentId.
 * After opening, only transport.h is used (agent-control.c listens to it); the publish
 * callback the pipeline calls is here.
 *
 * Local output that is a journal stream (a systemd service's stdout: JOURNAL_STREAM names its
 * device and inode) caps messages below journald's LineMax (48 KiB unless journald.conf
 * says otherwise): journald cuts a longer line into several records, and a message would no
 * longer be one JSON document in the journal (`journalctl -u edgesec -o cat | jq`).
 *
 * Owns the transport, the spool, the parsed connection string (wiped at close) and the
 * workload identity and client; closes them in the order they depend on each other.
 */
#include "agent-output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent-int.h"
#include "agent-persist.h"
#include "common/alloc.h"
#include "common/journal.h"
#include "common/safefile.h"
#include "loop/loop.h"
#include "spool/spool.h"
#include "state.h"
#include "transport/mqtt/connection-string.h"
#include "transport/mqtt/mqtt.h"
#include "transport/transport.h"
#include "transport/workload/workload.h"
#include "version.h"

/* The user the agent runs as from set-up to exit (--user, else who started it). */
static uid_t run_uid(const struct agent *a)
{
	return a->have_user ? a->user.uid : geteuid();
}

int agent_state_open(struct agent *a)
{
	const char *dir = a->opts.state_dir ? a->opts.state_dir : STATE_DIR_DEFAULT;
	char why[SAFEFILE_WHY_MAX] = "";
	int created, replaced, fd, r;

	fd = state_dir_open(dir, run_uid(a), why, sizeof(why));
	if (fd < 0) {
		log_error("Failed to open the state directory %s: %s (choose another with "
			  "--state-dir)",
			  dir, why[0] ? why : strerror(-fd));
		return fd;
	}
	r = state_agent_id(fd, a->agent_id, &created, &replaced);
	if (r == 0 && !a->opts.once) /* `edgesec snapshot` keeps no baselines */
		agent_persist_open(a, fd, dir, created);
	close(fd);
	if (r < 0) {
		log_error("Failed to read or store the AgentId in %s: %s", dir, strerror(-r));
		return r;
	}
	if (replaced)
		log_warning("%s/agent-id did not hold a GUID; made a new AgentId", dir);
	log_info("AgentId %s (%s)", a->agent_id, created ? "new" : "kept");
	return 0;
}

int agent_output_publish(void *userdata, const struct message *m)
{
	struct agent *a = userdata;
	int r = transport_publish(a->output, m);

	if (r < 0 && a->publish_errors_logged++ < 10)
		log_error("Failed to write a message to %s: %s", transport_describe(a->output),
			  strerror(-r));
	/* Nobody reads our output any more (closed pipe): stop rather than drop everything. */
	if (r == -EPIPE && a->loop)
		loop_quit(a->loop, 1);
	return r;
}

/* The spool file failed at run time; the spool carries on in memory (see spool.h). */
static void on_spool_failover(void *userdata, const char *reason)
{
	(void)userdata;
	log_error("Spool: %s; messages are lost if the agent stops while the hub is unreachable",
		  reason);
}

static int open_spool(struct agent *a, const char *dir)
{
	struct spool_settings ss = {
		.dir = dir,
		.max_bytes = (uint64_t)a->cfg.spool_max_bytes,
		.sync = SPOOL_SYNC_NORMAL,
		.on_failover = on_spool_failover,
		.userdata = a,
	};
	struct spool_error serr = { { 0 } };
	int r = spool_open(&ss, &a->spool, &serr);

	if (r >= 0)
		return 0;
	log_error("Failed to open the spool in %s: %s; carrying on in memory (messages are lost "
		  "if the agent stops while the hub is unreachable)",
		  dir, serr.message);
	snprintf(a->spool_open_error, sizeof(a->spool_open_error), "%s", serr.message);
	return spool_open_memory(ss.max_bytes, &a->spool);
}

/*
 * IoT Edge module identity (src/transport/workload): the IOTEDGE_* environment, SAS tokens
 * signed by the workload API, edgeHub at IOTEDGE_GATEWAYHOSTNAME:8883 verified against the
 * trust bundle (written under the state dir), unless --ca-file names other trust anchors.
 * A workload API that does not answer is not fatal: every connection attempt asks again,
 * without blocking the loop.
 */
static int open_workload_identity(struct agent *a, const char *state_dir, struct mqtt_settings *ms,
				  char *bundle, size_t bundle_size)
{
	char err[WORKLOAD_ERROR_MAX];
	struct workload_identity *id;
	int r;

	id = a->workload_id = es_calloc(1, sizeof(*a->workload_id));
	if (!id)
		return 1;
	r = workload_identity_from_env(workload_getenv, NULL, id, err, sizeof(err));
	if (r < 0) {
		log_error("Invalid IoT Edge module environment: %s", err);
		return 2;
	}
	if (snprintf(bundle, bundle_size, "%s/workload-trust-bundle.pem", state_dir) >=
	    (int)bundle_size) {
		log_error("The state directory path is too long: %s", state_dir);
		return 2;
	}
	if (workload_client_new(id, a->opts.ca_file ? NULL : bundle, &a->workload) < 0)
		return 1;
	if (workload_client_attach(a->workload, a->loop) < 0)
		return 1;
	log_info("IoT Edge module %s/%s (hub %s, workload API %s, api-version %s)", id->device_id,
		 id->module_id, id->hub_host, id->socket_path, id->api_version);
	/* The trust bundle is fetched, then the token signed, before each connection attempt
	 * (the bundle only until one fetch succeeded), on the loop. */
	ms->hub_host = id->hub_host;
	ms->device_id = id->device_id;
	ms->module_id = id->module_id;
	ms->password_start = workload_password_start;
	ms->password_userdata = a->workload;
	ms->endpoint.port = 8883;
	ms->endpoint.tls = true;
	snprintf(ms->endpoint.host, sizeof(ms->endpoint.host), "%s", id->gateway_host);
	if (!a->opts.ca_file)
		ms->ca_file = bundle; /* copied by mqtt_transport_open */
	return 0;
}

/*
 * A SAS token is a password valid until it expires: over plain mqtt:// anyone on the path
 * can read it and connect as the module.  Said once, when the hub is set up (the hub is
 * fixed for the life of the process; reconnects do not repeat it).
 */
static void warn_plaintext_token(const struct mqtt_settings *ms)
{
	if (ms->endpoint.tls || (!ms->password && !ms->password_start))
		return;
	log_warning("The hub mqtt://%s:%u is not encrypted: the SAS token of %s/%s goes over the "
		    "network in clear and lets anyone who sees it connect as this module until it "
		    "expires; use mqtts:// with --ca-file",
		    ms->endpoint.host, (unsigned)ms->endpoint.port, ms->device_id, ms->module_id);
}

/* Hub mode: spool + MQTT.  Returns 0, or an exit code. */
static int open_hub(struct agent *a, const char *state_dir)
{
	struct mqtt_settings ms = { 0 };
	char bundle_path[4096] = "";
	int r;

	if (a->opts.connection_string) {
		struct connection_string_error cerr = { { 0 } };

		a->identity = es_calloc(1, sizeof(*a->identity));
		if (!a->identity)
			return 1;
		r = connection_string_parse(a->opts.connection_string,
					    strlen(a->opts.connection_string), a->identity, &cerr);
		if (r < 0) {
			log_error("Invalid connection string: %s", cerr.message);
			return 2;
		}
		mqtt_settings_from_connection_string(&ms, a->identity);
		ms.endpoint.port = 8883;
		ms.endpoint.tls = true;
		snprintf(ms.endpoint.host, sizeof(ms.endpoint.host), "%s",
			 a->identity->gateway_host_name[0] ? a->identity->gateway_host_name
							   : a->identity->host_name);
	} else if (workload_env_present(workload_getenv, NULL)) {
		r = open_workload_identity(a, state_dir, &ms, bundle_path, sizeof(bundle_path));
		if (r != 0)
			return r;
	} else {
		/* A plain broker: the AgentId stands for the device, "edgesec" for the module. */
		ms.device_id = a->agent_id;
		ms.module_id = "edgesec";
	}
	if (a->opts.hub_url &&
	    mqtt_endpoint_parse(a->opts.hub_url, strlen(a->opts.hub_url), &ms.endpoint) < 0) {
		log_error("Invalid --hub '%s': expected mqtt://host:port or mqtts://host:port",
			  a->opts.hub_url);
		return 2;
	}
	if (a->opts.ca_file)
		ms.ca_file = a->opts.ca_file;
	warn_plaintext_token(&ms);
	if (ms.endpoint.tls && !ms.ca_file) {
		log_error("TLS needs trust anchors: give --ca-file FILE (PEM), or use mqtt:// "
			  "explicitly for a plain-text broker");
		return 2;
	}
	ms.client_type = "edgesec/" EDGESEC_VERSION;
	if (open_spool(a, state_dir) < 0)
		return 1;
	r = mqtt_transport_open(a->loop, &ms, a->spool, &a->output);
	if (r < 0) {
		log_error("Failed to set up the MQTT transport: %s", strerror(-r));
		return 1;
	}
	return 0;
}

/* journald's default LineMax; a line must end within it (body + "\n"). */
#define JOURNAL_LINE_MAX (48u * 1024u)

/* The standard stream local output writes to (transport/local.c), else -1 for a file. */
static int local_std_fd(const char *path)
{
	if (!path || strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	return -1;
}

void agent_output_limit_settings(const struct agent *a, struct pipeline_settings *s)
{
	if (a->output_line_max && s->max_message_bytes > a->output_line_max)
		s->max_message_bytes = a->output_line_max;
}

int agent_output_open(struct agent *a)
{
	const char *dir = a->opts.state_dir ? a->opts.state_dir : STATE_DIR_DEFAULT;
	char why[SAFEFILE_WHY_MAX] = "";
	int r;

	/* Under IoT Edge (IOTEDGE_WORKLOADURI + IOTEDGE_MODULEID) the module talks to edgeHub. */
	if (a->opts.connection_string || a->opts.hub_url ||
	    (!a->opts.once && workload_env_present(workload_getenv, NULL))) {
		a->local_mode = false;
		return open_hub(a, dir);
	}
	r = transport_local_open(a->opts.output_path, run_uid(a), &a->output, why, sizeof(why));
	if (r < 0) {
		log_error("Failed to open the output %s: %s", a->opts.output_path,
			  why[0] ? why : strerror(-r));
		return 1;
	}
	if (journal_stream_is(local_std_fd(a->opts.output_path))) {
		a->output_line_max = JOURNAL_LINE_MAX - 1;
		log_info("Output is the journal: messages are capped at %zu bytes (journald "
			 "splits longer lines)",
			 a->output_line_max);
	}
	return 0;
}

void agent_output_close(struct agent *a)
{
	a->output = transport_close(a->output);
	a->spool = spool_free(a->spool); /* after the transport that sends from it */
	if (a->identity) {
		connection_string_wipe(a->identity);
		es_free(a->identity);
		a->identity = NULL;
	}
	workload_client_free(a->workload); /* after the transport: it signs through it */
	a->workload = NULL;
	es_free(a->workload_id);
	a->workload_id = NULL;
}
