/* SPDX-License-Identifier: MIT */
/*
 * IoT Edge workload-API identity; see workload.h.
 *
 * Environment → struct workload_identity (validated: ids and host names go into URL paths,
 * usernames and the SAS audience, so only the characters IoT Hub allows pass).  Two ways to
 * ask edged, each request with a deadline of WORKLOAD_TIMEOUT_MS:
 *   - on the loop, for the agent (workload_client_attach, workload_password_start): the
 *     trust bundle (until one fetch succeeded) then the signature, each an http_call_start()
 *     watched by the loop; the result goes to the transport's done() from the loop, never
 *     from inside start(), so a hung edged costs one connection attempt, never the loop;
 *   - blocking, for tools and tests (workload_password, workload_sign,
 *     workload_fetch_trust_bundle): one http_unix_request() per call.
 *
 * Error reporting: every failure sets last_error to one line ("workload API sign: HTTP 500:
 * <edged's message>", "workload API unix socket /x: No such file or directory", ...); it is
 * logged when it differs from the previous one (so a retry loop does not flood the log), and
 * a success after a failure is logged once.  The digest, the string to sign and the token are
 * never put in an error text; edged's own message is reduced to printable ASCII and passed
 * through sas_redact.
 *
 * The trust bundle is written with safefile_write_atomic() (a random temporary name made with
 * O_EXCL|O_NOFOLLOW, 0600, fsync'd and renamed over <path>), so the transport never reads
 * half a bundle and nothing planted in the directory is written through.
 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/base64.h"
#include "common/buf.h"
#include "common/json_read.h"
#include "common/json_write.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/safefile.h"
#include "http/http-client.h"
#include "transport/mqtt/sas.h"

#define UNIX_URI_PREFIX "unix://"
#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----"

/* ---- environment ---- */

const char *workload_getenv(void *userdata, const char *name)
{
	(void)userdata;
	return getenv(name);
}

static int env_error(char *err, size_t err_size, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int env_error(char *err, size_t err_size, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && err_size) {
		va_start(ap, fmt);
		vsnprintf(err, err_size, fmt, ap);
		va_end(ap);
	}
	return r;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* IoT Hub ids minus what breaks a topic or a path (same set as connection strings). */
static bool valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IOTHUB_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("-:.%_*?!(),=@$'", s[i]))
			return false;
	return true;
}

static bool valid_host(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MQTT_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("-._", s[i]))
			return false;
	return true;
}

static bool valid_api_version(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= WORKLOAD_API_VERSION_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

bool workload_env_present(workload_getenv_fn get, void *userdata)
{
	const char *uri = get(userdata, "IOTEDGE_WORKLOADURI");
	const char *module = get(userdata, "IOTEDGE_MODULEID");

	return uri && uri[0] && module && module[0];
}

static int copy_var(workload_getenv_fn get, void *userdata, const char *name, bool host, char *dst,
		    size_t dst_size, char *err, size_t err_size)
{
	const char *v = get(userdata, name);

	if (!v || !v[0])
		return env_error(err, err_size, -EINVAL, "%s is not set", name);
	if (host ? !valid_host(v) : !valid_id(v))
		return env_error(err, err_size, -EINVAL, "%s is not a valid %s", name,
				 host ? "host name" : "identifier");
	snprintf(dst, dst_size, "%s", v);
	return 0;
}

int workload_identity_from_env(workload_getenv_fn get, void *userdata,
			       struct workload_identity *ret, char *err, size_t err_size)
{
	const char *uri = get(userdata, "IOTEDGE_WORKLOADURI");
	const char *scheme = get(userdata, "IOTEDGE_AUTHSCHEME");
	const char *ver = get(userdata, "IOTEDGE_APIVERSION");
	const char *path;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!uri || !uri[0])
		return env_error(err, err_size, -EINVAL, "IOTEDGE_WORKLOADURI is not set");
	if (strncmp(uri, UNIX_URI_PREFIX, strlen(UNIX_URI_PREFIX)) != 0)
		return env_error(err, err_size, -EOPNOTSUPP,
				 "IOTEDGE_WORKLOADURI must be unix:///path/to/workload.sock "
				 "(other schemes such as http:// are not supported)");
	path = uri + strlen(UNIX_URI_PREFIX);
	if (path[0] != '/' || strlen(path) >= sizeof(ret->socket_path))
		return env_error(err, err_size, -EINVAL,
				 "IOTEDGE_WORKLOADURI must name an absolute socket path of at "
				 "most %zu bytes",
				 sizeof(ret->socket_path) - 1);
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return env_error(err, err_size, -EINVAL,
					 "IOTEDGE_WORKLOADURI holds a control character");
	snprintf(ret->socket_path, sizeof(ret->socket_path), "%s", path);
	if (scheme && scheme[0] && strcmp(scheme, "sasToken") != 0)
		return env_error(err, err_size, -EOPNOTSUPP,
				 "IOTEDGE_AUTHSCHEME \"%.40s\" is not supported (only sasToken)",
				 scheme);
	if ((r = copy_var(get, userdata, "IOTEDGE_MODULEID", false, ret->module_id,
			  sizeof(ret->module_id), err, err_size)) < 0 ||
	    (r = copy_var(get, userdata, "IOTEDGE_DEVICEID", false, ret->device_id,
			  sizeof(ret->device_id), err, err_size)) < 0 ||
	    (r = copy_var(get, userdata, "IOTEDGE_MODULEGENERATIONID", false, ret->generation_id,
			  sizeof(ret->generation_id), err, err_size)) < 0 ||
	    (r = copy_var(get, userdata, "IOTEDGE_IOTHUBHOSTNAME", true, ret->hub_host,
			  sizeof(ret->hub_host), err, err_size)) < 0 ||
	    (r = copy_var(get, userdata, "IOTEDGE_GATEWAYHOSTNAME", true, ret->gateway_host,
			  sizeof(ret->gateway_host), err, err_size)) < 0)
		return r;
	if (!strchr(ret->hub_host, '.'))
		return env_error(err, err_size, -EINVAL,
				 "IOTEDGE_IOTHUBHOSTNAME must be a fully qualified name");
	if (!ver || !ver[0])
		ver = WORKLOAD_API_VERSION_DEFAULT;
	if (!valid_api_version(ver))
		return env_error(err, err_size, -EINVAL,
				 "IOTEDGE_APIVERSION is not a valid version");
	snprintf(ret->api_version, sizeof(ret->api_version), "%s", ver);
	return 0;
}

/* ---- response parsers ---- */

static bool b64_char(unsigned char c)
{
	return is_alnum((char)c) || c == '+' || c == '/';
}

/* Standard base64 of exactly 32 bytes: 43 characters and one '='. */
static bool valid_digest(const char *s, size_t n)
{
	if (n != 44 || s[43] != '=')
		return false;
	for (size_t i = 0; i < 43; i++)
		if (!b64_char((unsigned char)s[i]))
			return false;
	return true;
}

static cJSON *parse_object(const char *body, size_t len, const char *what, char *err,
			   size_t err_size)
{
	struct json_error jerr = { { 0 } };
	cJSON *doc = json_parse(body, len, &jerr);

	if (!doc) {
		env_error(err, err_size, 0, "%s answer is not JSON: %.120s", what, jerr.message);
		return NULL;
	}
	if (!cJSON_IsObject(doc)) {
		env_error(err, err_size, 0, "%s answer is a JSON %s, not an object", what,
			  json_type_name(doc));
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

int workload_parse_sign_response(const char *body, size_t len, char *digest, size_t digest_size,
				 char *err, size_t err_size)
{
	cJSON *doc = parse_object(body, len, "sign", err, err_size);
	const cJSON *d;
	int r = 0;

	if (!doc)
		return -EPROTO;
	d = cJSON_GetObjectItemCaseSensitive(doc, "digest");
	if (!cJSON_IsString(d))
		r = env_error(err, err_size, -EPROTO, "sign answer has no \"digest\" string");
	else if (!valid_digest(d->valuestring, strlen(d->valuestring)))
		r = env_error(err, err_size, -EPROTO,
			      "sign answer's digest is not base64 of a 32-byte HMAC");
	else if (digest_size <= strlen(d->valuestring))
		r = env_error(err, err_size, -ENOBUFS, "digest buffer too small");
	else
		memcpy(digest, d->valuestring, strlen(d->valuestring) + 1);
	if (cJSON_IsString(d))
		explicit_bzero(d->valuestring, strlen(d->valuestring));
	cJSON_Delete(doc);
	return r;
}

int workload_parse_trust_bundle(const char *body, size_t len, char **ret_pem, size_t *ret_len,
				char *err, size_t err_size)
{
	cJSON *doc = parse_object(body, len, "trust-bundle", err, err_size);
	const cJSON *c;
	size_t n;
	int r = 0;

	*ret_pem = NULL;
	*ret_len = 0;
	if (!doc)
		return -EPROTO;
	c = cJSON_GetObjectItemCaseSensitive(doc, "certificate");
	if (!cJSON_IsString(c)) {
		r = env_error(err, err_size, -EPROTO,
			      "trust-bundle answer has no \"certificate\" string");
	} else if (!strstr(c->valuestring, PEM_CERT_BEGIN)) {
		r = env_error(err, err_size, -EPROTO,
			      "trust-bundle answer holds no PEM certificate");
	} else {
		n = strlen(c->valuestring);
		*ret_pem = es_memdup(c->valuestring, n + 1);
		if (!*ret_pem)
			r = env_error(err, err_size, -ENOMEM, "out of memory");
		else
			*ret_len = n;
	}
	cJSON_Delete(doc);
	return r;
}

void workload_parse_error_message(const char *body, size_t len, char *out, size_t out_size)
{
	struct json_error jerr;
	cJSON *doc;
	const cJSON *m;
	size_t o = 0;

	if (!out_size)
		return;
	out[0] = '\0';
	doc = json_parse(body, len, &jerr);
	if (!doc)
		return;
	m = cJSON_GetObjectItemCaseSensitive(doc, "message");
	if (cJSON_IsString(m)) {
		char raw[WORKLOAD_ERROR_MAX];

		for (const char *p = m->valuestring; *p && o + 1 < sizeof(raw); p++)
			raw[o++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
		raw[o] = '\0';
		sas_redact(raw, out, out_size);
	}
	cJSON_Delete(doc);
}

/* ---- client ---- */

enum async_step {
	STEP_IDLE,
	STEP_BUNDLE, /* GET /trust-bundle in flight */
	STEP_SIGN,   /* POST .../sign in flight */
	STEP_REPORT, /* the answer is ready; handed over from the timer */
};

struct workload_client {
	struct workload_identity id;
	char *bundle_path;
	bool bundle_ok;
	char last_error[WORKLOAD_ERROR_MAX];
	char last_logged[WORKLOAD_ERROR_MAX];
	struct workload_stats st;

	/* asynchronous password (workload_client_attach) */
	struct loop *loop;
	struct loop_timer *timer; /* request deadline, or "report now" */
	struct http_call call;	  /* ~17 KiB: the response parser's header buffer */
	bool call_open;
	uint32_t call_events;
	enum async_step step;
	uint64_t expiry;
	mqtt_password_done_fn done;
	void *done_ctx;
	struct buf body;
	struct buf sr; /* URL-encoded audience of the token being made */
	int result;
	char token[SAS_TOKEN_MAX];
};

int workload_client_new(const struct workload_identity *id, const char *trust_bundle_path,
			struct workload_client **ret)
{
	struct workload_client *c = es_calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->id = *id;
	c->call.fd = -1;
	c->bundle_ok = !trust_bundle_path; /* other trust anchors are in use */
	c->bundle_path = es_strdup(trust_bundle_path ? trust_bundle_path : "");
	if (!c->bundle_path) {
		es_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

static void async_close_call(struct workload_client *c)
{
	if (!c->call_open)
		return;
	if (c->call.fd >= 0)
		loop_remove_fd(c->loop, c->call.fd);
	http_call_close(&c->call);
	c->call_open = false;
	c->call_events = 0;
}

void workload_client_free(struct workload_client *c)
{
	if (!c)
		return;
	async_close_call(c);
	loop_timer_free(c->timer);
	if (c->body.data)
		explicit_bzero(c->body.data, c->body.cap);
	buf_done(&c->body);
	buf_done(&c->sr);
	es_free(c->bundle_path);
	explicit_bzero(c, sizeof(*c));
	es_free(c);
}

const char *workload_last_error(const struct workload_client *c)
{
	return c->last_error;
}

void workload_get_stats(const struct workload_client *c, struct workload_stats *ret)
{
	*ret = c->st;
}

static int set_error(struct workload_client *c, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_error(struct workload_client *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
	if (strcmp(c->last_error, c->last_logged) != 0) {
		log_error("IoT Edge workload API: %s (retrying with the hub connection's backoff)",
			  c->last_error);
		snprintf(c->last_logged, sizeof(c->last_logged), "%s", c->last_error);
	}
	return r;
}

static void set_ok(struct workload_client *c)
{
	if (c->last_logged[0])
		log_info("IoT Edge workload API at %s answers again", c->id.socket_path);
	c->last_error[0] = c->last_logged[0] = '\0';
}

/* ---- requests: built and judged the same way for both paths ---- */

static void base64_append(struct buf *b, const void *data, size_t len)
{
	size_t need = 4 * ((len + 2) / 3) + 1;

	if (!buf_reserve(b, need)) {
		b->failed = true;
		return;
	}
	b->len += base64_encode(data, len, b->data + b->len);
}

static void bundle_path_format(const struct workload_client *c, struct buf *path)
{
	buf_puts(path, "/trust-bundle?api-version=");
	buf_puts(path, c->id.api_version);
}

static void sign_request_format(const struct workload_client *c, const void *data, size_t len,
				struct buf *path, struct buf *req)
{
	struct jw w;
	struct buf *v;

	buf_puts(path, "/modules/");
	iothub_url_encode(path, c->id.module_id, strlen(c->id.module_id));
	buf_puts(path, "/genid/");
	iothub_url_encode(path, c->id.generation_id, strlen(c->id.generation_id));
	buf_puts(path, "/sign?api-version=");
	buf_puts(path, c->id.api_version);
	jw_init(&w, req);
	jw_obj_begin(&w);
	jw_key(&w, "keyId");
	jw_cstr(&w, "primary");
	jw_key(&w, "algo");
	jw_cstr(&w, "HMACSHA256");
	jw_key(&w, "data");
	v = jw_value_begin(&w);
	buf_putc(v, '"');
	base64_append(v, data, len);
	buf_putc(v, '"');
	jw_obj_end(&w);
}

/* The outcome of a request (r from the HTTP layer, the status, the body) as 0 or an error. */
static int judge(struct workload_client *c, const char *what, int r, int status,
		 const struct buf *body)
{
	char msg[160];

	if (r == -ETIMEDOUT)
		return set_error(c, r, "%s: no answer from %s within %d ms", what,
				 c->id.socket_path, WORKLOAD_TIMEOUT_MS);
	if (r == -EPROTO)
		return set_error(c, r, "%s: malformed HTTP answer", what);
	if (r < 0)
		return set_error(c, r, "%s: unix socket %s: %s", what, c->id.socket_path,
				 strerror(-r));
	if (status == 200)
		return 0;
	workload_parse_error_message(body->data ? body->data : "", body->len, msg, sizeof(msg));
	return set_error(c, -EPROTO, "%s: HTTP %d%s%s", what, status, msg[0] ? ": " : "", msg);
}

/* In the (checked) state directory: random temporary name, O_EXCL|O_NOFOLLOW, rename. */
static int write_bundle(struct workload_client *c, const char *pem, size_t len)
{
	const char *slash = strrchr(c->bundle_path, '/');
	char dir[PATH_MAX];
	int dirfd, r;

	if ((size_t)snprintf(dir, sizeof(dir), "%.*s",
			     slash ? (int)(slash - c->bundle_path) + 1 : 1,
			     slash ? c->bundle_path : ".") >= sizeof(dir))
		return -ENAMETOOLONG;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	r = safefile_write_atomic(dirfd, slash ? slash + 1 : c->bundle_path, pem, len, 0600);
	close(dirfd);
	return r;
}

/* A 200 trust-bundle answer: parse and write the file. */
static int take_bundle(struct workload_client *c, const struct buf *body)
{
	char err[WORKLOAD_ERROR_MAX], *pem = NULL;
	size_t pem_len = 0;
	int r;

	r = workload_parse_trust_bundle(body->data ? body->data : "", body->len, &pem, &pem_len,
					err, sizeof(err));
	if (r < 0) {
		set_error(c, r, "%s", err);
	} else if ((r = write_bundle(c, pem, pem_len)) < 0) {
		set_error(c, r, "cannot write the trust bundle to %s: %s", c->bundle_path,
			  strerror(-r));
	} else {
		c->bundle_ok = true;
		c->st.bundle_fetches++;
		log_info("IoT Edge trust bundle (%zu bytes) written to %s", pem_len,
			 c->bundle_path);
	}
	es_free(pem);
	if (r < 0)
		c->st.bundle_failures++;
	return r;
}

/* A 200 sign answer: the digest. */
static int take_digest(struct workload_client *c, const struct buf *body, char *digest,
		       size_t digest_size)
{
	char err[WORKLOAD_ERROR_MAX];
	int r = workload_parse_sign_response(body->data ? body->data : "", body->len, digest,
					     digest_size, err, sizeof(err));

	if (r < 0)
		set_error(c, r, "%s", err);
	return r;
}

/* sr and the string to sign for a token expiring at `expiry`. */
static int token_input(struct workload_client *c, uint64_t expiry, struct buf *sr, struct buf *sts)
{
	sas_resource_format(sr, c->id.hub_host, c->id.device_id, c->id.module_id);
	sas_string_to_sign(sts, sr->data ? sr->data : "", expiry);
	if (sr->failed || sts->failed)
		return set_error(c, -ENOMEM, "out of memory");
	return 0;
}

static int token_finish(struct workload_client *c, const char *sr, const char *digest,
			uint64_t expiry, char *out, size_t out_size)
{
	int r = sas_token_format(sr, digest, expiry, out, out_size);

	if (r < 0)
		return set_error(c, r, "the SAS token does not fit");
	return 0;
}

/* ---- blocking path ---- */

static int request(struct workload_client *c, const char *what, const char *method,
		   const char *path, const void *req_body, size_t req_len, struct buf *body)
{
	struct http_request req = {
		.method = method,
		.path = path,
		.host = "localhost",
		.body = req_body,
		.body_len = req_len,
	};
	int status = 0, r;

	r = http_unix_request(c->id.socket_path, &req, WORKLOAD_TIMEOUT_MS, WORKLOAD_BODY_MAX, body,
			      &status);
	return judge(c, what, r, status, body);
}

int workload_fetch_trust_bundle(struct workload_client *c)
{
	struct buf path, body;
	int r;

	buf_init(&path, 1024);
	buf_init(&body, WORKLOAD_BODY_MAX + 1);
	bundle_path_format(c, &path);
	r = path.failed ? -ENOMEM : request(c, "trust-bundle", "GET", path.data, NULL, 0, &body);
	if (r == 0)
		r = take_bundle(c, &body);
	else
		c->st.bundle_failures++;
	buf_done(&path);
	buf_done(&body);
	return r;
}

int workload_sign(struct workload_client *c, const void *data, size_t len, char *digest,
		  size_t digest_size)
{
	struct buf path, req, body;
	int r;

	buf_init(&path, 2048);
	buf_init(&req, 16384);
	buf_init(&body, WORKLOAD_BODY_MAX + 1);
	sign_request_format(c, data, len, &path, &req);
	if (path.failed || req.failed)
		r = set_error(c, -ENOMEM, "sign: request too large");
	else
		r = request(c, "sign", "POST", path.data, req.data, req.len, &body);
	if (r == 0)
		r = take_digest(c, &body, digest, digest_size);
	if (r == 0)
		c->st.signs++;
	else
		c->st.sign_failures++;
	if (body.data)
		explicit_bzero(body.data, body.cap);
	buf_done(&path);
	buf_done(&req);
	buf_done(&body);
	return r;
}

int workload_password(void *userdata, uint64_t expiry, char *out, size_t out_size)
{
	struct workload_client *c = userdata;
	char digest[WORKLOAD_DIGEST_MAX];
	struct buf sr, sts;
	int r;

	if (!c->bundle_ok && (r = workload_fetch_trust_bundle(c)) < 0)
		goto fail;
	buf_init(&sr, 2048);
	buf_init(&sts, 2048);
	r = token_input(c, expiry, &sr, &sts);
	if (r == 0)
		r = workload_sign(c, sts.data, sts.len, digest, sizeof(digest));
	if (r == 0)
		r = token_finish(c, sr.data, digest, expiry, out, out_size);
	explicit_bzero(digest, sizeof(digest));
	buf_done(&sr);
	buf_done(&sts);
	if (r == 0) {
		set_ok(c);
		return 0;
	}
fail:
	snprintf(out, out_size, "%s", c->last_error);
	return r;
}

/* ---- asynchronous path (on the loop) ---- */

static void async_on_io(struct loop *l, int fd, uint32_t events, void *userdata);

/* Hands the result over from the timer, so done() never runs inside password_start(). */
static void async_report_later(struct workload_client *c, int r)
{
	async_close_call(c);
	c->result = r;
	c->step = STEP_REPORT;
	loop_timer_arm_in(c->timer, 0);
}

static void async_report(struct workload_client *c)
{
	mqtt_password_done_fn done = c->done;
	void *ctx = c->done_ctx;
	int r = c->result;

	c->step = STEP_IDLE;
	c->done = NULL;
	loop_timer_disarm(c->timer);
	if (r == 0)
		set_ok(c);
	if (done)
		done(ctx, r, r == 0 ? c->token : c->last_error);
	explicit_bzero(c->token, sizeof(c->token));
}

static int async_append_body(void *userdata, const char *data, size_t len)
{
	struct workload_client *c = userdata;

	buf_append(&c->body, data, len);
	return c->body.failed ? -E2BIG : 0;
}

static void async_watch(struct workload_client *c)
{
	uint32_t want = http_call_wanted_events(&c->call);

	if (want == c->call_events)
		return;
	if (c->call_events)
		loop_remove_fd(c->loop, c->call.fd);
	c->call_events = 0;
	if (loop_add_fd(c->loop, c->call.fd, want, async_on_io, c) == 0)
		c->call_events = want;
}

/* Starts the request of the current step; failures are reported from the timer. */
static void async_send(struct workload_client *c)
{
	struct http_request req = { .host = "localhost" };
	struct buf path, body, sts;
	const char *what = c->step == STEP_BUNDLE ? "trust-bundle" : "sign";
	int r = 0;

	buf_init(&path, 2048);
	buf_init(&body, 16384);
	buf_init(&sts, 2048);
	buf_reset(&c->body);
	if (c->step == STEP_BUNDLE) {
		req.method = "GET";
		bundle_path_format(c, &path);
	} else {
		buf_reset(&c->sr);
		r = token_input(c, c->expiry, &c->sr, &sts);
		req.method = "POST";
		sign_request_format(c, sts.data, sts.len, &path, &body);
		req.body = body.data;
		req.body_len = body.len;
	}
	if (r == 0 && (path.failed || body.failed))
		r = set_error(c, -ENOMEM, "%s: request too large", what);
	req.path = path.data;
	if (r == 0) {
		r = http_call_start(&c->call, c->id.socket_path, &req, WORKLOAD_BODY_MAX,
				    async_append_body, c);
		if (r < 0)
			judge(c, what, r, 0, &c->body);
	}
	buf_done(&path);
	buf_done(&body);
	buf_done(&sts);
	if (r < 0) {
		if (c->step == STEP_BUNDLE)
			c->st.bundle_failures++;
		else
			c->st.sign_failures++;
		async_report_later(c, r);
		return;
	}
	c->call_open = true;
	c->call_events = 0;
	async_watch(c);
	loop_timer_arm_in(c->timer, (uint64_t)WORKLOAD_TIMEOUT_MS * NSEC_PER_MSEC);
}

/* The request of the current step ended with r (HTTP_FEED_DONE or -errno). */
static void async_finish(struct workload_client *c, int r)
{
	int status = c->call.resp.status;
	char digest[WORKLOAD_DIGEST_MAX];

	async_close_call(c);
	loop_timer_disarm(c->timer);
	if (c->step == STEP_BUNDLE) {
		r = judge(c, "trust-bundle", r == HTTP_FEED_DONE ? 0 : r, status, &c->body);
		if (r == 0)
			r = take_bundle(c, &c->body);
		else
			c->st.bundle_failures++;
		if (r < 0) {
			async_report_later(c, r);
			return;
		}
		c->step = STEP_SIGN;
		async_send(c);
		return;
	}
	r = judge(c, "sign", r == HTTP_FEED_DONE ? 0 : r, status, &c->body);
	if (r == 0)
		r = take_digest(c, &c->body, digest, sizeof(digest));
	if (r == 0)
		r = token_finish(c, c->sr.data, digest, c->expiry, c->token, sizeof(c->token));
	explicit_bzero(digest, sizeof(digest));
	if (c->body.data)
		explicit_bzero(c->body.data, c->body.cap);
	if (r == 0)
		c->st.signs++;
	else
		c->st.sign_failures++;
	async_report_later(c, r);
}

static void async_on_io(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct workload_client *c = userdata;
	int r;

	(void)l;
	(void)fd;
	(void)events;
	if (!c->call_open)
		return;
	r = http_call_io(&c->call);
	if (r == HTTP_FEED_MORE) {
		async_watch(c);
		return;
	}
	async_finish(c, r);
}

static void async_on_timer(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct workload_client *c = userdata;

	(void)l;
	(void)t;
	if (c->step == STEP_REPORT) {
		async_report(c);
		return;
	}
	if (c->step == STEP_BUNDLE || c->step == STEP_SIGN)
		async_finish(c, -ETIMEDOUT);
}

int workload_client_attach(struct workload_client *c, struct loop *l)
{
	if (c->loop)
		return -EALREADY;
	c->timer = loop_timer_new(l, async_on_timer, c);
	if (!c->timer)
		return -ENOMEM;
	c->loop = l;
	buf_init(&c->body, WORKLOAD_BODY_MAX + 1);
	buf_init(&c->sr, 2048);
	return 0;
}

int workload_password_start(void *userdata, uint64_t expiry, mqtt_password_done_fn done, void *ctx)
{
	struct workload_client *c = userdata;

	if (!c->loop)
		return -EINVAL;
	if (c->step != STEP_IDLE)
		return -EBUSY;
	c->expiry = expiry;
	c->done = done;
	c->done_ctx = ctx;
	c->step = c->bundle_ok ? STEP_SIGN : STEP_BUNDLE;
	async_send(c);
	return 0;
}
