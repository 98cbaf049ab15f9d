/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * IoT Edge module identity through the workload API (protocol reference §1–3, §9).
 *
 * Under IoT Edge the module never sees its key: edged signs for it.  This module
 *   - reads the IOTEDGE_* environment (workload_identity_from_env);
 *   - asks the workload API over its unix socket to HMAC the SAS string-to-sign
 *     (POST /modules/{m}/genid/{g}/sign?api-version=V, body {"keyId":"primary",
 *     "algo":"HMACSHA256","data":"<base64>"}, answer {"digest":"<base64>"}) and turns the
 *     digest into the same token sas.c makes: workload_password_start (a
 *     mqtt_password_start_fn, on the loop, never blocking) for the agent, workload_password
 *     (a blocking mqtt_password_fn) for tools and tests;
 *   - fetches the trust bundle (GET /trust-bundle?api-version=V, answer {"certificate":"<PEM>"})
 *     into a private file (0600) that the MQTT transport uses as its CA file.
 *
 * Every request has a deadline of WORKLOAD_TIMEOUT_MS and happens only when the transport
 * (re)connects (docs/internals/mqtt.md).  Errors are kept as
 * a one-line reason (workload_last_error), logged once per change of reason, and handed to
 * the transport so its backoff retries and its last error (Heartbeat) shows them.  Digests
 * and tokens are never logged or kept in error texts.
 *
 * The response parsers are pure functions over untrusted bytes (fuzz-workload).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop/loop.h"
#include "transport/mqtt/connection-string.h"
#include "transport/mqtt/mqtt.h"
#include "iothub/topic.h"

#define WORKLOAD_SOCKET_PATH_MAX 108u /* sun_path */
#define WORKLOAD_API_VERSION_MAX 32u
#define WORKLOAD_API_VERSION_DEFAULT "2018-06-28"
#define WORKLOAD_TIMEOUT_MS 2000
#define WORKLOAD_BODY_MAX (256u << 10) /* a trust bundle holds a few certificates */
#define WORKLOAD_ERROR_MAX 256u
#define WORKLOAD_DIGEST_MAX 64u /* base64 of a 32-byte HMAC is 44 characters */

struct workload_identity {
	char socket_path[WORKLOAD_SOCKET_PATH_MAX];
	char module_id[IOTHUB_ID_MAX];
	char device_id[IOTHUB_ID_MAX];
	char generation_id[IOTHUB_ID_MAX];
	char hub_host[MQTT_HOST_MAX];	  /* IOTEDGE_IOTHUBHOSTNAME: audience and username */
	char gateway_host[MQTT_HOST_MAX]; /* IOTEDGE_GATEWAYHOSTNAME: where edgeHub listens */
	char api_version[WORKLOAD_API_VERSION_MAX];
};

/* Returns the value of an environment variable or NULL (getenv, or a table in tests). */
typedef const char *(*workload_getenv_fn)(void *userdata, const char *name);

/*
 * Fills *ret from IOTEDGE_WORKLOADURI (unix:///path only), IOTEDGE_MODULEID, IOTEDGE_DEVICEID,
 * IOTEDGE_MODULEGENERATIONID, IOTEDGE_IOTHUBHOSTNAME, IOTEDGE_GATEWAYHOSTNAME,
 * IOTEDGE_APIVERSION (default WORKLOAD_API_VERSION_DEFAULT) and IOTEDGE_AUTHSCHEME (absent or
 * "sasToken").  -EINVAL / -EOPNOTSUPP with a message naming the variable in err.
 */
int workload_identity_from_env(workload_getenv_fn get, void *userdata,
			       struct workload_identity *ret, char *err, size_t err_size);
/* True when the environment asks for the workload identity (IOTEDGE_WORKLOADURI + MODULEID). */
bool workload_env_present(workload_getenv_fn get, void *userdata);
/* A workload_getenv_fn over getenv(3). */
const char *workload_getenv(void *userdata, const char *name);

/*
 * Parsers of the 200 answers.  The digest must be standard base64 of 32 bytes; the
 * certificate must hold at least one PEM certificate block and no NUL.  *ret_pem is es_free'd
 * by the caller.  On error err says why (never quoting a digest).
 */
int workload_parse_sign_response(const char *body, size_t len, char *digest, size_t digest_size,
				 char *err, size_t err_size);
int workload_parse_trust_bundle(const char *body, size_t len, char **ret_pem, size_t *ret_len,
				char *err, size_t err_size);
/* The "message" of an error answer, printable ASCII, truncated; "" when there is none. */
void workload_parse_error_message(const char *body, size_t len, char *out, size_t out_size);

struct workload_stats {
	uint64_t signs;		 /* digests received */
	uint64_t sign_failures;	 /* requests that gave no digest */
	uint64_t bundle_fetches; /* trust bundles written */
	uint64_t bundle_failures;
};

struct workload_client;

/*
 * trust_bundle_path: where the bundle is written (the transport's CA file); NULL when other
 * trust anchors are used (--ca-file) and the bundle is not needed.  Copies *id.
 */
int workload_client_new(const struct workload_identity *id, const char *trust_bundle_path,
			struct workload_client **ret);
void workload_client_free(struct workload_client *c);

/* GET /trust-bundle and replace the file atomically (0600).  0 or -errno. */
int workload_fetch_trust_bundle(struct workload_client *c);
/* POST .../sign: the base64 digest of data into digest.  0 or -errno. */
int workload_sign(struct workload_client *c, const void *data, size_t len, char *digest,
		  size_t digest_size);

/*
 * A mqtt_password_fn (userdata: the client): the SAS token for the module, signed by edged.
 * Fetches the trust bundle first if no fetch has succeeded yet.  On failure it returns
 * -errno and leaves the reason (no secret) in out.
 */
int workload_password(void *userdata, uint64_t expiry, char *out, size_t out_size);

/*
 * The asynchronous form for the agent.  workload_client_attach() gives the client its loop
 * (once); workload_password_start() is a mqtt_password_start_fn (userdata: the client): it
 * fetches the trust bundle if no fetch has succeeded yet, then signs, with non-blocking
 * http_call requests watched on the loop, and calls done(ctx, 0, token) or
 * done(ctx, -errno, reason) from the loop — never from inside the start call.  One request
 * at a time (-EBUSY otherwise).  workload_client_free() cancels a request in flight without
 * calling done.
 */
int workload_client_attach(struct workload_client *c, struct loop *l);
int workload_password_start(void *userdata, uint64_t expiry, mqtt_password_done_fn done, void *ctx);

/* The reason of the last failure, "" after a success. */
const char *workload_last_error(const struct workload_client *c);
void workload_get_stats(const struct workload_client *c, struct workload_stats *ret);
