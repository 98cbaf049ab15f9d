/* SPDX-License-Identifier: MIT */
/*
 * IoT Edge workload-API identity: the IOTEDGE_* environment, the sign / trust-bundle answer
 * parsers, and workload_password() against a one-shot workload API on a real unix socket (a
 * forked child that signs with a test key): the token must be exactly the one sas.c makes
 * from the key itself.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/json_read.h"
#include "common/timeutil.h"
#include "loop/loop.h"
#include "transport/mqtt/sas.h"
#include "transport/workload/workload.h"

#define KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define CA_PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

/* ---- environment ---- */

struct env {
	const char *names[12];
	const char *values[12];
};

static const char *env_get(void *userdata, const char *name)
{
	struct env *e = userdata;

	for (size_t i = 0; i < 12 && e->names[i]; i++)
		if (strcmp(e->names[i], name) == 0)
			return e->values[i];
	return NULL;
}

static void env_set(struct env *e, const char *name, const char *value)
{
	size_t i = 0;

	while (e->names[i] && strcmp(e->names[i], name) != 0)
		i++;
	e->names[i] = name;
	e->values[i] = value;
}

static void env_default(struct env *e)
{
	memset(e, 0, sizeof(*e));
	env_set(e, "IOTEDGE_WORKLOADURI", "unix:///var/run/iotedge/workload.sock");
	env_set(e, "IOTEDGE_MODULEID", "secagent");
	env_set(e, "IOTEDGE_DEVICEID", "edge01");
	env_set(e, "IOTEDGE_MODULEGENERATIONID", "637000000000000000");
	env_set(e, "IOTEDGE_IOTHUBHOSTNAME", "contoso.azure-devices.net");
	env_set(e, "IOTEDGE_GATEWAYHOSTNAME", "edgehost");
	env_set(e, "IOTEDGE_AUTHSCHEME", "sasToken");
}

static void test_env_complete(void **state)
{
	struct workload_identity id;
	struct env e;
	char err[256] = "";

	(void)state;
	env_default(&e);
	assert_true(workload_env_present(env_get, &e));
	assert_int_equal(workload_identity_from_env(env_get, &e, &id, err, sizeof(err)), 0);
	assert_string_equal(id.socket_path, "/var/run/iotedge/workload.sock");
	assert_string_equal(id.module_id, "secagent");
	assert_string_equal(id.device_id, "edge01");
	assert_string_equal(id.generation_id, "637000000000000000");
	assert_string_equal(id.hub_host, "contoso.azure-devices.net");
	assert_string_equal(id.gateway_host, "edgehost");
	/* no IOTEDGE_APIVERSION: the oldest version every runtime knows */
	assert_string_equal(id.api_version, "2018-06-28");
	env_set(&e, "IOTEDGE_APIVERSION", "2022-08-03");
	assert_int_equal(workload_identity_from_env(env_get, &e, &id, err, sizeof(err)), 0);
	assert_string_equal(id.api_version, "2022-08-03");
}

static void expect_env_error(struct env *e, int want, const char *in_message)
{
	struct workload_identity id;
	char err[256] = "";

	assert_int_equal(workload_identity_from_env(env_get, e, &id, err, sizeof(err)), want);
	if (!strstr(err, in_message))
		fail_msg("error \"%s\" does not mention \"%s\"", err, in_message);
}

static void test_env_errors(void **state)
{
	struct env e;

	(void)state;
	env_default(&e);
	env_set(&e, "IOTEDGE_WORKLOADURI", "http://127.0.0.1:15581");
	expect_env_error(&e, -EOPNOTSUPP, "unix:///");
	env_set(&e, "IOTEDGE_WORKLOADURI", "unix://relative.sock");
	expect_env_error(&e, -EINVAL, "absolute");
	env_set(&e, "IOTEDGE_WORKLOADURI",
		"unix:///a/very/long/path/that/does/not/fit/into/"
		"sun_path/because/it/is/longer/than/one/hundred/and/"
		"eight/bytes/workload.sock");
	expect_env_error(&e, -EINVAL, "at most 107");

	env_default(&e);
	env_set(&e, "IOTEDGE_AUTHSCHEME", "x509");
	expect_env_error(&e, -EOPNOTSUPP, "only sasToken");
	env_default(&e);
	env_set(&e, "IOTEDGE_DEVICEID", NULL);
	expect_env_error(&e, -EINVAL, "IOTEDGE_DEVICEID is not set");
	env_default(&e);
	env_set(&e, "IOTEDGE_MODULEID", "sec/agent");
	expect_env_error(&e, -EINVAL, "IOTEDGE_MODULEID is not a valid identifier");
	env_default(&e);
	env_set(&e, "IOTEDGE_GATEWAYHOSTNAME", "edge host");
	expect_env_error(&e, -EINVAL, "IOTEDGE_GATEWAYHOSTNAME is not a valid host name");
	env_default(&e);
	env_set(&e, "IOTEDGE_IOTHUBHOSTNAME", "contoso");
	expect_env_error(&e, -EINVAL, "fully qualified");
	env_default(&e);
	env_set(&e, "IOTEDGE_APIVERSION", "2022-08-03&x=1");
	expect_env_error(&e, -EINVAL, "IOTEDGE_APIVERSION");

	env_default(&e);
	env_set(&e, "IOTEDGE_WORKLOADURI", NULL);
	assert_false(workload_env_present(env_get, &e));
}

/* ---- answer parsers ---- */

static int parse_sign(const char *body, char *digest, char *err)
{
	return workload_parse_sign_response(body, strlen(body), digest, WORKLOAD_DIGEST_MAX, err,
					    256);
}

static void test_sign_response(void **state)
{
	char digest[WORKLOAD_DIGEST_MAX], err[256];

	(void)state;
	assert_int_equal(parse_sign("{\"digest\":\"" KEY "\"}", digest, err), 0);
	assert_string_equal(digest, KEY);
	assert_int_equal(parse_sign("{\"digest\":\"abc=\"}", digest, err), -EPROTO);
	assert_non_null(strstr(err, "32-byte"));
	assert_null(strstr(err, "abc")); /* a digest is never quoted */
	assert_int_equal(parse_sign("{\"digest\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"}",
				    digest, err),
			 -EPROTO);
	assert_int_equal(parse_sign("{\"digest\":\"AAECAwQFBgcICQoLDA0ODxAREh!UFRYXGBkaGxwdHh8=\"}",
				    digest, err),
			 -EPROTO);
	assert_int_equal(parse_sign("{\"digest\":42}", digest, err), -EPROTO);
	assert_non_null(strstr(err, "no \"digest\""));
	assert_int_equal(parse_sign("[\"digest\"]", digest, err), -EPROTO);
	assert_non_null(strstr(err, "not an object"));
	assert_int_equal(parse_sign("<html>", digest, err), -EPROTO);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(parse_sign("", digest, err), -EPROTO);
}

static void test_trust_bundle_response(void **state)
{
	char err[256], *pem = NULL;
	size_t len = 0;
	const char *ok = "{\"certificate\":\"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END "
			 "CERTIFICATE-----\\n\"}";

	(void)state;
	assert_int_equal(workload_parse_trust_bundle(ok, strlen(ok), &pem, &len, err, sizeof(err)),
			 0);
	assert_string_equal(pem, CA_PEM);
	assert_int_equal(len, strlen(CA_PEM));
	es_free(pem);
	assert_int_equal(workload_parse_trust_bundle("{\"certificate\":\"\"}", 18, &pem, &len, err,
						     sizeof(err)),
			 -EPROTO);
	assert_null(pem);
	assert_non_null(strstr(err, "no PEM certificate"));
	assert_int_equal(
		workload_parse_trust_bundle("{\"cert\":1}", 10, &pem, &len, err, sizeof(err)),
		-EPROTO);
	assert_non_null(strstr(err, "no \"certificate\""));
}

static void test_error_message(void **state)
{
	const char *b1 = "{\"message\":\"api-version not specified\"}";
	const char *b2 = "{\"message\":\"bad\\nline\\u0001 sig=c2VjcmV0\"}";
	char out[64];

	(void)state;
	workload_parse_error_message(b1, strlen(b1), out, sizeof(out));
	assert_string_equal(out, "api-version not specified");
	workload_parse_error_message(b2, strlen(b2), out, sizeof(out));
	assert_string_equal(out, "bad?line? sig=" SAS_REDACTED);
	workload_parse_error_message("nope", 4, out, sizeof(out));
	assert_string_equal(out, "");
}

/* ---- workload_password against a real socket ---- */

/* Serves `answers` requests: sign with KEY, or the trust bundle; then exits. */
static void serve(int lfd, int answers)
{
	struct sas_key key;

	sas_key_from_base64(KEY, strlen(KEY), &key);
	for (int i = 0; i < answers; i++) {
		char req[8192], body[512];
		size_t n = 0;
		int fd = accept(lfd, NULL, NULL);
		const char *hdr_end, *cl;

		if (fd < 0)
			_exit(2);
		for (;;) {
			ssize_t k = read(fd, req + n, sizeof(req) - 1 - n);

			if (k <= 0)
				_exit(3);
			n += (size_t)k;
			req[n] = '\0';
			hdr_end = strstr(req, "\r\n\r\n");
			cl = strcasestr(req, "Content-Length: ");
			if (hdr_end && (!cl || strlen(hdr_end + 4) >= strtoul(cl + 16, NULL, 10)))
				break;
		}
		if (strncmp(req, "GET /trust-bundle?api-version=2022-08-03 ", 41) == 0) {
			snprintf(body, sizeof(body), "{\"certificate\":\"%s\"}",
				 "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END "
				 "CERTIFICATE-----\\n");
		} else if (strncmp(req,
				   "POST /modules/secagent/genid/gen1/sign?api-version=2022-08-03 ",
				   62) == 0) {
			const char *d = strstr(hdr_end, "\"data\":\"");
			unsigned char sts[1024];
			char sig[SAS_SIGNATURE_MAX];
			int len;

			if (!d || !strstr(hdr_end, "\"keyId\":\"primary\"") ||
			    !strstr(hdr_end, "\"algo\":\"HMACSHA256\""))
				_exit(4);
			d += 8;
			len = EVP_DecodeBlock(sts, (const unsigned char *)d,
					      (int)(strchr(d, '"') - d));
			/* padding decodes as zero bytes; the string to sign holds no NUL */
			if (len < 0 || sas_sign(&key, sts, strnlen((char *)sts, (size_t)len), sig,
						sizeof(sig)) < 0)
				_exit(5);
			snprintf(body, sizeof(body), "{\"digest\":\"%s\"}", sig);
		} else {
			snprintf(body, sizeof(body), "{\"message\":\"not found\"}");
		}
		dprintf(fd,
			"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: "
			"%zu\r\nConnection: close\r\n\r\n%s",
			body[2] == 'm' ? "404 Not Found" : "200 OK", strlen(body), body);
		close(fd);
	}
	_exit(0);
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/*
 * A child process that answers `answers` requests (serve()) on a fresh listener at path: a
 * fresh socket, as the old one's backlog may still hold an abandoned connection.
 */
static pid_t server_start(const char *path, int answers)
{
	int lfd;
	pid_t pid;

	unlink(path);
	lfd = listen_at(path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		serve(lfd, answers);
	close(lfd);
	return pid;
}

/* The child of server_start() answered every request it was told to. */
static void server_wait(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_password_through_socket(void **state)
{
	char dir[] = "/tmp/esworkload-unit.XXXXXX", sock[64], bundle[64];
	char token[SAS_TOKEN_MAX], want[SAS_TOKEN_MAX];
	struct workload_identity id = {
		.module_id = "secagent",
		.device_id = "edge01",
		.generation_id = "gen1",
		.hub_host = "contoso.azure-devices.net",
		.gateway_host = "edgehost",
		.api_version = "2022-08-03",
	};
	struct workload_client *c;
	struct workload_stats st;
	struct sas_key key;
	struct stat sb;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/workload.sock", dir);
	snprintf(bundle, sizeof(bundle), "%s/bundle.pem", dir);
	snprintf(id.socket_path, sizeof(id.socket_path), "%s", sock);
	assert_int_equal(workload_client_new(&id, bundle, &c), 0);

	/* nobody there: a clear reason, nothing written */
	assert_true(workload_password(c, 2000000000, token, sizeof(token)) < 0);
	assert_non_null(strstr(token, "No such file or directory"));
	assert_non_null(strstr(workload_last_error(c), "trust-bundle: unix socket"));

	pid = server_start(sock, 3);

	assert_int_equal(workload_password(c, 2000000000, token, sizeof(token)), 0);
	assert_string_equal(workload_last_error(c), "");
	assert_int_equal(sas_key_from_base64(KEY, strlen(KEY), &key), 0);
	assert_int_equal(sas_token_make(&key, "contoso.azure-devices.net", "edge01", "secagent",
					2000000000, want, sizeof(want)),
			 0);
	assert_string_equal(token, want);
	assert_int_equal(stat(bundle, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* second token: the bundle is not fetched again */
	assert_int_equal(workload_password(c, 2000000100, token, sizeof(token)), 0);
	assert_non_null(strstr(token, "&se=2000000100"));
	workload_get_stats(c, &st);
	assert_int_equal(st.signs, 2);
	assert_int_equal(st.bundle_fetches, 1);
	server_wait(pid);

	workload_client_free(c);
	unlink(sock);
	unlink(bundle);
	rmdir(dir);
}

/* ---- the asynchronous path on a real loop ---- */

struct async_ctx {
	struct loop *loop;
	int calls, err, ticks;
	bool inside_start;
	char text[SAS_TOKEN_MAX];
};

static void on_done(void *ctx, int err, const char *text)
{
	struct async_ctx *a = ctx;

	if (a->inside_start)
		fail_msg("done() called from inside password_start()");
	a->calls++;
	a->err = err;
	snprintf(a->text, sizeof(a->text), "%s", text);
	loop_quit(a->loop, 0);
}

static void on_tick(struct loop *l, struct loop_timer *t, void *userdata)
{
	struct async_ctx *a = userdata;

	(void)l;
	a->ticks++;
	loop_timer_arm_in(t, 100 * NSEC_PER_MSEC);
}

static void on_watchdog(struct loop *l, struct loop_timer *t, void *userdata)
{
	(void)t;
	(void)userdata;
	loop_quit(l, 1);
}

/*
 * Starts a password request on a fresh loop (loop_quit() is final) and runs it until done()
 * or 10 s.  The client (with its bundle state) is made anew too, since it keeps its loop.
 */
static int run_request(const struct workload_identity *id, const char *bundle, bool bundle_ok,
		       struct async_ctx *a, uint64_t expiry)
{
	struct loop_timer *tick, *dog;
	struct workload_client *c;
	int r;

	assert_int_equal(loop_new(NULL, NULL, &a->loop), 0);
	assert_int_equal(workload_client_new(id, bundle_ok ? NULL : bundle, &c), 0);
	assert_int_equal(workload_password_start(c, 1, on_done, a), -EINVAL); /* no loop yet */
	assert_int_equal(workload_client_attach(c, a->loop), 0);
	tick = loop_timer_new(a->loop, on_tick, a);
	dog = loop_timer_new(a->loop, on_watchdog, a);

	loop_timer_arm_in(tick, 100 * NSEC_PER_MSEC);
	loop_timer_arm_in(dog, 10 * NSEC_PER_SEC);
	a->inside_start = true;
	r = workload_password_start(c, expiry, on_done, a);
	a->inside_start = false;
	assert_int_equal(r, 0);
	assert_int_equal(workload_password_start(c, expiry, on_done, a), -EBUSY);
	r = loop_run(a->loop);
	loop_timer_free(tick);
	loop_timer_free(dog);
	if (a->err == 0)
		assert_string_equal(workload_last_error(c), "");
	else
		assert_string_equal(workload_last_error(c), a->text);
	workload_client_free(c);
	a->loop = loop_free(a->loop);
	return r;
}

static void test_password_async(void **state)
{
	char dir[] = "/tmp/esworkload-unit.XXXXXX", sock[64], bundle[64];
	char want[SAS_TOKEN_MAX];
	struct workload_identity id = {
		.module_id = "secagent",
		.device_id = "edge01",
		.generation_id = "gen1",
		.hub_host = "contoso.azure-devices.net",
		.gateway_host = "edgehost",
		.api_version = "2022-08-03",
	};
	struct async_ctx a = { 0 };
	struct sas_key key;
	struct stat sb;
	uint64_t t0;
	int lfd;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/workload.sock", dir);
	snprintf(bundle, sizeof(bundle), "%s/bundle.pem", dir);
	snprintf(id.socket_path, sizeof(id.socket_path), "%s", sock);

	/* 1. nobody listening: the reason comes back through done(), from the loop */
	assert_int_equal(run_request(&id, bundle, false, &a, 2000000000), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.err, -ENOENT);
	assert_non_null(strstr(a.text, "trust-bundle: unix socket"));

	/* 2. a workload API that accepts and never answers: a timeout, the loop kept running */
	lfd = listen_at(sock);
	a.ticks = 0;
	t0 = time_now_monotonic_ns();
	assert_int_equal(run_request(&id, bundle, false, &a, 2000000000), 0);
	assert_int_equal(a.calls, 2);
	assert_int_equal(a.err, -ETIMEDOUT);
	assert_non_null(strstr(a.text, "trust-bundle: no answer from"));
	assert_true(time_now_monotonic_ns() - t0 >= (uint64_t)WORKLOAD_TIMEOUT_MS * NSEC_PER_MSEC);
	/* never blocked: the 100 ms tick kept running during the wait (a blocked loop would run
	 * it once at most; not a count per elapsed time, which a loaded machine stretches) */
	assert_true(a.ticks >= 5);

	/* 3. a workload API that answers: bundle, then the token sas.c would make (a fresh
	 * socket: the old backlog still holds the abandoned connection) */
	close(lfd);
	pid = server_start(sock, 2);
	assert_int_equal(run_request(&id, bundle, false, &a, 2000000000), 0);
	assert_int_equal(a.calls, 3);
	assert_int_equal(a.err, 0);
	assert_int_equal(sas_key_from_base64(KEY, strlen(KEY), &key), 0);
	assert_int_equal(sas_token_make(&key, "contoso.azure-devices.net", "edge01", "secagent",
					2000000000, want, sizeof(want)),
			 0);
	assert_string_equal(a.text, want);
	assert_int_equal(stat(bundle, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	server_wait(pid);

	/* 4. with other trust anchors (bundle_ok): only the sign request */
	pid = server_start(sock, 1);
	assert_int_equal(run_request(&id, bundle, true, &a, 2000000000), 0);
	assert_int_equal(a.err, 0);
	assert_string_equal(a.text, want);
	server_wait(pid);

	unlink(sock);
	unlink(bundle);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_complete),
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_sign_response),
		cmocka_unit_test(test_trust_bundle_response),
		cmocka_unit_test(test_error_message),
		cmocka_unit_test(test_password_through_socket),
		cmocka_unit_test(test_password_async),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
