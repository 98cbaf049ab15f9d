/* SPDX-License-Identifier: MIT */
/*
 * Secret redaction (common/redact.h): what is caught, what is left alone (false positives),
 * settings, limits, and the event builder's scrubbing (pipeline/event.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/redact.h"
#include "pipeline/event.h"

#define M REDACT_MARKER

static char out[8192];

static const char *red(const char *in)
{
	struct redact_span spans[REDACT_SPANS_MAX];
	unsigned n = redact_find(in, strlen(in), spans);
	size_t len = redact_apply(in, strlen(in), spans, n, out);

	assert_int_equal(len, redact_len(strlen(in), spans, n));
	out[len] = '\0';
	return out;
}

static void check(const char *in, const char *want)
{
	const char *got = red(in);

	if (strcmp(got, want) != 0)
		fail_msg("redact(\"%s\")\n  got  \"%s\"\n  want \"%s\"", in, got, want);
}

static void check_same(const char *in)
{
	check(in, in);
}

static void reset_settings(void)
{
	struct redact_settings s = { .enabled = true, .extra_names = NULL };

	assert_int_equal(redact_configure(&s), 0);
}

/* ---- what is caught ---- */

static void test_connection_strings(void **state)
{
	(void)state;
	/* the example: iotedge config mp --connection-string '...' */
	check("iotedge config mp --connection-string 'HostName=h;DeviceId=d;SharedAccessKey=abc='",
	      "iotedge config mp --connection-string 'HostName=h;DeviceId=d;SharedAccessKey=" M
	      "'");
	check("iotedge config mp --connection-string HostName=h;DeviceId=d;SharedAccessKey=abc=",
	      "iotedge config mp --connection-string HostName=h;DeviceId=d;SharedAccessKey=" M);
	check("iotedge config mp -c HostName=h.azure-devices.net;DeviceId=d;SharedAccessKey=abc=",
	      "iotedge config mp -c HostName=h.azure-devices.net;DeviceId=d;SharedAccessKey=" M);
	/* given to an option, only the known harmless keys stay */
	check("app --connection-string=HostName=h;DeviceId=d;SharedAccessKey=k;Foo=bar",
	      "app --connection-string=HostName=h;DeviceId=d;SharedAccessKey=" M ";Foo=" M);
	check("app --connection-string opaque-secret", "app --connection-string " M);
	check("EDGESEC_CONNECTION_STRING=HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=k run",
	      "EDGESEC_CONNECTION_STRING=HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=" M
	      " run");
	check("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k==;EndpointSuffix=x",
	      "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" M ";EndpointSuffix=x");
}

static void test_sas_tokens(void **state)
{
	(void)state;
	/* sr and se stay: they say which device and until when */
	check("SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fe1&sig=IgKa%3D"
	      "&se=1767225600",
	      "SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fe1&sig=" M
	      "&se=1767225600");
	check("curl -H 'Authorization: SharedAccessSignature sr=h%2Fd&sig=abc%3D&se=1' https://h",
	      "curl -H 'Authorization: SharedAccessSignature sr=h%2Fd&sig=" M "&se=1' https://h");
	check("azcopy copy 'https://a.blob.core.windows.net/c/b?sv=2020-08-04&ss=b&sig=ab%2F%3D"
	      "&se=2030-01-01' .",
	      "azcopy copy 'https://a.blob.core.windows.net/c/b?sv=2020-08-04&ss=b&sig=" M
	      "&se=2030-01-01' .");
	check("curl 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AK&X-Amz-Signature=f00d'",
	      "curl 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AK&X-Amz-Signature=" M "'");
}

static void test_options(void **state)
{
	(void)state;
	check("app --password hunter2 --user bob", "app --password " M " --user bob");
	check("app --password=hunter2 --token=abc --api-key xyz --client-secret cs --secret s "
	      "--passwd p",
	      "app --password=" M " --token=" M " --api-key " M " --client-secret " M " --secret " M
	      " --passwd " M);
	check("vault login -token=s.abc", "vault login -token=" M);
	check("keytool -storepass hunter2 -keypass hunter3",
	      "keytool -storepass " M " -keypass " M);
	check("wget --http-password=hunter2 --user=bob http://x",
	      "wget --http-password=" M " --user=bob http://x");
	check("app --db-password 'a secret'", "app --db-password '" M "'");
	check("curl --oauth2-bearer tok https://x", "curl --oauth2-bearer " M " https://x");
	check("skopeo copy --src-creds bob:pw docker://a docker://b",
	      "skopeo copy --src-creds bob:" M " docker://a docker://b");
}

static void test_program_options(void **state)
{
	(void)state;
	check("sshpass -p hunter2 ssh user@host", "sshpass -p " M " ssh user@host");
	check("sshpass -phunter2 ssh user@host", "sshpass -p" M " ssh user@host");
	/* a password hash is a secret too (offline cracking) */
	check("useradd -m -p '$6$salt$hash' bob", "useradd -m -p '" M "' bob");
	check("mysql -uroot -phunter2 db", "mysql -uroot -p" M " db");
	check("/usr/bin/mysqldump -h db -u root -phunter2 --all-databases",
	      "/usr/bin/mysqldump -h db -u root -p" M " --all-databases");
	check("mosquitto_pub -h host -u user -P hunter2 -t topic",
	      "mosquitto_pub -h host -u user -P " M " -t topic");
	check("docker login -u bob -p hunter2 registry.example",
	      "docker login -u bob -p " M " registry.example");
	check("redis-cli -a hunter2 ping", "redis-cli -a " M " ping");
	check("curl -u admin:hunter2 https://x", "curl -u admin:" M " https://x");
	check("curl --user=admin:hunter2 https://x", "curl --user=admin:" M " https://x");
	check("ldapsearch -D cn=admin -w hunter2 -b dc=x",
	      "ldapsearch -D cn=admin -w " M " -b dc=x");
	check("openssl enc -aes256 -k hunter2 -in x", "openssl enc -aes256 -k " M " -in x");
	/* through a shell */
	check("sh -c \"sshpass -p 'hunter2' ssh host\"", "sh -c \"sshpass -p '" M "' ssh host\"");
	check("sh -c 'mysql -phunter2'", "sh -c 'mysql -p" M "'");
	check("sh -c \"mysql -p'two words' db\"", "sh -c \"mysql -p'" M "' db\"");
	check("sudo mysql -h db -u root -phunter2", "sudo mysql -h db -u root -p" M);
}

static void test_keys(void **state)
{
	(void)state;
	check("env PASSWORD=hunter2 GITHUB_TOKEN=ghp_x AWS_SECRET_ACCESS_KEY=abc PATH=/bin app",
	      "env PASSWORD=" M " GITHUB_TOKEN=" M " AWS_SECRET_ACCESS_KEY=" M " PATH=/bin app");
	check("export MY_SECRET=\"a b c\"", "export MY_SECRET=\"" M "\"");
	check("docker run -e POSTGRES_PASSWORD=pw -e MYSQL_PWD=x img",
	      "docker run -e POSTGRES_PASSWORD=" M " -e MYSQL_PWD=" M " img");
	check("mount -o username=bob,password=hunter2,uid=1000 //s/x /mnt",
	      "mount -o username=bob,password=" M ",uid=1000 //s/x /mnt");
	check("kubectl create secret generic x --from-literal=password=hunter2",
	      "kubectl create secret generic x --from-literal=password=" M);
	check("curl 'https://x/?api_key=abc&q=1'", "curl 'https://x/?api_key=" M "&q=1'");
	check("{\"password\":\"hunter2\",\"user\":\"bob\"}",
	      "{\"password\":\"" M "\",\"user\":\"bob\"}");
	check("{\"client_secret\": \"a b\"}", "{\"client_secret\": \"" M "\"}");
	check("openssl enc -aes256 -pass pass:hunter2 -in x",
	      "openssl enc -aes256 -pass " M " -in x");
	check("openssl rsa -passin pass:hunter2 -in k", "openssl rsa -passin pass:" M " -in k");
	check("TOKEN=Bearer abc123 run", "TOKEN=Bearer " M " run");
}

static void test_headers(void **state)
{
	(void)state;
	check("curl -H Authorization: Bearer eyJhbGciOi.x.y https://example.com",
	      "curl -H Authorization: Bearer " M " https://example.com");
	check("curl -H 'Authorization: Basic dXNlcjpwYXNz' https://x",
	      "curl -H 'Authorization: Basic " M "' https://x");
	check("curl -H 'Proxy-Authorization: abc' https://x",
	      "curl -H 'Proxy-Authorization: " M "' https://x");
	check("curl -H X-Api-Key: abc123 https://x", "curl -H X-Api-Key: " M " https://x");
	check("git -c http.extraheader=\"AUTHORIZATION: bearer tok\" fetch",
	      "git -c http.extraheader=\"AUTHORIZATION: bearer " M "\" fetch");
}

static void test_urls(void **state)
{
	(void)state;
	check("mosquitto_sub -L mqtt://user:pw@host:1883/t",
	      "mosquitto_sub -L mqtt://user:" M "@host:1883/t");
	check("git clone https://user:ghp_abc@github.com/x/y",
	      "git clone https://user:" M "@github.com/x/y");
	check("git clone https://ghp_abcdefghij@github.com/x/y",
	      "git clone https://" M "@github.com/x/y");
	check("psql postgres://user:p@ss@host/db", "psql postgres://user:" M "@host/db");
	check("redis-cli -u redis://:pw@localhost:6379",
	      "redis-cli -u redis://:" M "@localhost:6379");
}

static void test_keys_and_pem(void **state)
{
	(void)state;
	check("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
	      "aws configure set aws_access_key_id " M);
	check("echo -----BEGIN RSA PRIVATE KEY-----MIIEpAIBAAKCAQEA-----END RSA PRIVATE KEY----- "
	      "ok",
	      "echo -----BEGIN RSA PRIVATE KEY-----" M "-----END RSA PRIVATE KEY----- ok");
	check("KEY=\"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE "
	      "KEY-----\"",
	      "KEY=\"" M "\"");
	check("printf '-----BEGIN EC PRIVATE KEY-----\\nMHcCAQ' | x",
	      "printf '-----BEGIN EC PRIVATE KEY-----" M);
}

/* ---- what is left alone ---- */

static void test_false_positives(void **state)
{
	(void)state;
	check_same("app --password-file /etc/pw --no-password --token-ttl 30 --max-tokens 5");
	check_same("psql --no-password -h host");
	check_same("docker run --user 1000:1000 -p 8080:80 nginx");
	check_same("ssh -p 2222 user@host");
	check_same("mysql -uroot -p db");
	check_same("find /var/log -xdev -type f -name '*.gz' -mtime +14 -delete -print");
	check_same("mkdir -p /var/lib/app && sort -u -k 2 x && date -u && uname -a");
	check_same("/usr/sbin/nginx -g daemon off; -c /etc/nginx/nginx.conf");
	check_same("tar -czf /tmp/a.tgz /etc && sh -c 'tar -cvf x y'");
	check_same("curl -fsS --retry 3 -H 'Accept: application/json' https://127.0.0.1:8443/h");
	check_same("docker run -e PASSWORD_FILE=/run/secrets/db -e SSH_AUTH_SOCK=/tmp/a img");
	check_same("setxkbmap keyboard=us monkey=1 tokenizer=bert bypass=true passive=1");
	check_same("ssh git@github.com:org/repo && mail a@b.example");
	check_same("ping [::1]:8080 at 10:30:00 fe80::1");
	/* prose: a plain word, a colon and a blank is not a key (log lines are full of them) */
	check_same("cannot make the SAS token: test: workload API down; bad password: retry");
	check_same("echo -----BEGIN CERTIFICATE-----MIIEpAIBAAKCAQEA-----END CERTIFICATE-----");
	check_same("echo AKIAIOSFODNN7EXAMPL AKIAIOSFODNN7EXAMPLEX xAKIAIOSFODNN7EXAMPLE");
	check_same("iptables -w -t nat -L && wc -w f && grep -P x y && curl -k https://h");
	check_same("systemd-udevd --daemon --resolve-names=early --children-max=8");
	check_same("python3 app.py --config /etc/edge/modules/telemetry.json --log-level info");
	check_same("");
	check_same("-");
	check_same("--");
	check_same("=:@A");
	/* shell variables are references, not secrets (nothing known is lost either way) */
	check("PGPASSWORD=$PW psql", "PGPASSWORD=" M " psql");
}

static void test_already_redacted(void **state)
{
	(void)state;
	check_same("app --password " M " url=https://u:" M "@h TOKEN=" M);
	check_same("Authorization: Bearer " M);
}

/* ---- limits ---- */

static void test_many_secrets_fail_closed(void **state)
{
	char in[4096], secret[16];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "password=s%02dx ", i);
	red(in);
	for (int i = 0; i < 40; i++) {
		snprintf(secret, sizeof(secret), "s%02dx", i);
		assert_null(strstr(out, secret));
	}
}

static void test_redact_text(void **state)
{
	char small[24];
	size_t n;

	(void)state;
	n = redact_text("x SharedAccessKey=abcdef y", 26, small, sizeof(small));
	assert_int_equal(n, strlen(small));
	assert_int_equal(n, sizeof(small) - 1);
	assert_null(strstr(small, "abc"));
	assert_string_equal(small, "x SharedAccessKey=[REDA");
	n = redact_text("nothing", 7, small, sizeof(small));
	assert_string_equal(small, "nothing");
	assert_int_equal(redact_text("x", 1, small, 0), 0);
	redact_text("password=a", 10, small, 1);
	assert_string_equal(small, "");
}

static void test_not_nul_terminated(void **state)
{
	const char in[] = "--password hunter2XYZ";

	(void)state;
	/* the scan stays within len: the value ends where the text ends */
	{
		struct redact_span sp[REDACT_SPANS_MAX];
		unsigned n = redact_find(in, 18, sp);

		assert_int_equal(n, 1);
		assert_int_equal(sp[0].start, 11);
		assert_int_equal(sp[0].end, 18);
	}
}

/* Every log line goes through the rules, whatever the caller passed (and with redaction off). */
static void test_log_lines(void **state)
{
	struct redact_settings off = { .enabled = false };
	char path[] = "/tmp/edgesec-redact-log.XXXXXX", text[4096];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(redact_configure(&off), 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_error("Invalid --hub '%s'", "mqtts://bob:hunter2@hub:8883");
	log_warning("spawned %s",
		    "iotedge config mp --connection-string HostName=h;SharedAccessKey=k3y=");
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	reset_settings();
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	text[n] = '\0';
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "k3y="));
	assert_non_null(strstr(text, "mqtts://bob:" M "@hub:8883"));
	assert_non_null(strstr(text, "SharedAccessKey=" M));
}

/* ---- settings ---- */

static void test_extra_names(void **state)
{
	struct redact_settings s = { .enabled = true,
				     .extra_names = "--vault-token, mycred ,-k,x.y_z" };

	(void)state;
	assert_int_equal(redact_configure(&s), 0);
	check("app --vault-token s.abc --other 1", "app --vault-token " M " --other 1");
	check("MYCRED=abc mycred:def", "MYCRED=" M " mycred:" M);
	check("app -k secret1 -ksecret2 -K x", "app -k " M " -k" M " -K " M);
	check("x.y_z=1", "x.y_z=" M);
	reset_settings();
	check_same("app --vault-token-ttl 5 MYCREDS=1");
	check_same("app -k x");
}

static void test_names_check(void **state)
{
	char err[128], many[4096];
	size_t n = 0;
	struct redact_settings s = { .enabled = true, .extra_names = "a,,b" };

	(void)state;
	assert_int_equal(redact_names_check("", err, sizeof(err)), 0);
	assert_int_equal(redact_names_check(NULL, err, sizeof(err)), 0);
	assert_int_equal(redact_names_check("--a-b, c_d ,e.f", err, sizeof(err)), 0);
	assert_int_equal(redact_names_check("a,,b", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "entry 2"));
	assert_int_equal(redact_names_check("bad name", err, sizeof(err)), -EINVAL);
	assert_int_equal(redact_names_check("--", err, sizeof(err)), -EINVAL);
	assert_int_equal(redact_names_check("p=q", err, sizeof(err)), -EINVAL);
	memset(many, 'a', 65);
	many[65] = '\0';
	assert_int_equal(redact_names_check(many, err, sizeof(err)), -EINVAL);
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "n%d,", i);
	assert_int_equal(redact_names_check(many, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 32"));
	/* rejected whole: the settings in force stay */
	assert_int_equal(redact_configure(&s), -EINVAL);
	assert_true(redact_enabled());
}

/* ---- the event builder ---- */

static struct event *build_process(struct event_builder *b, const char *cmd, const char *parent)
{
	struct event *e = NULL;

	event_builder_begin(b, EVENT_PROCESS_CREATE, 1);
	event_builder_item(b);
	event_add_cstr(b, PC_EXECUTABLE, "/usr/bin/iotedge");
	event_add_int(b, PC_PROCESS_ID, 10);
	event_add_int(b, PC_PARENT_PROCESS_ID, 1);
	event_add_cstr(b, PC_USER_ID, "0");
	event_add_cstr(b, PC_COMMAND_LINE, cmd);
	if (parent)
		event_add_extra_cstr(b, "ParentCommandLine", parent);
	event_add_extra_cstr(b, "Cwd", "/password=notasecret");
	assert_int_equal(event_builder_finish(b, &e), 0);
	return e;
}

/* The value of a field or ExtraDetails key, NUL-terminated in `out`. */
static const char *value_of(const struct event *e, const char *name)
{
	struct event_cursor c;
	struct event_value v;
	const struct event_type_info *ti = event_type_info(event_get_type(e));

	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v)) {
		const char *n = v.kind == EVENT_VALUE_EXTRA   ? v.key
				: v.kind == EVENT_VALUE_FIELD ? ti->fields[v.field].name
							      : NULL;
		size_t nl = v.kind == EVENT_VALUE_EXTRA ? v.key_len : n ? strlen(n) : 0;

		if (n && nl == strlen(name) && memcmp(n, name, nl) == 0 && v.s) {
			memcpy(out, v.s, v.len);
			out[v.len] = '\0';
			return out;
		}
	}
	return NULL;
}

static void test_builder_scrubs(void **state)
{
	struct event_builder b, copy;
	struct redact_stats before, after;
	struct event *e, *e2 = NULL;
	struct event_cursor c;
	struct event_value v;

	(void)state;
	reset_settings();
	redact_get_stats(&before);
	event_builder_init(&b);
	e = build_process(&b,
			  "iotedge config mp --connection-string "
			  "'HostName=h;DeviceId=d;SharedAccessKey=abc='",
			  "sh -c curl -H 'Authorization: Bearer tok' https://u:pw@h");
	assert_string_equal(value_of(e, "CommandLine"),
			    "iotedge config mp --connection-string "
			    "'HostName=h;DeviceId=d;SharedAccessKey=" M "'");
	assert_string_equal(value_of(e, "ParentCommandLine"),
			    "sh -c curl -H 'Authorization: Bearer " M "' https://u:" M "@h");
	/* only the listed keys are scrubbed */
	assert_string_equal(value_of(e, "Cwd"), "/password=notasecret");
	assert_string_equal(value_of(e, "SecretsRedacted"), "3");
	redact_get_stats(&after);
	assert_int_equal(after.values - before.values, 2);
	assert_int_equal(after.secrets - before.secrets, 3);

	/* a copy (aggregation, splitting) keeps the values as they are, counted once */
	event_builder_init(&copy);
	event_builder_begin(&copy, EVENT_PROCESS_CREATE, 1);
	event_cursor_init(&c, e);
	while (event_cursor_next(&c, &v))
		event_add_value(&copy, &v);
	assert_int_equal(event_builder_finish(&copy, &e2), 0);
	assert_string_equal(value_of(e2, "SecretsRedacted"), "3");
	redact_get_stats(&before);
	assert_int_equal(before.secrets, after.secrets);
	event_free(e2);
	event_builder_done(&copy);
	event_free(e);

	/* nothing to redact: no marker, no SecretsRedacted */
	e = build_process(&b, "iotedge list", NULL);
	assert_string_equal(value_of(e, "CommandLine"), "iotedge list");
	assert_null(value_of(e, "SecretsRedacted"));
	event_free(e);
	event_builder_done(&b);
}

static void test_builder_disabled(void **state)
{
	struct redact_settings off = { .enabled = false };
	struct event_builder b;
	struct event *e;
	char text[64];

	(void)state;
	assert_int_equal(redact_configure(&off), 0);
	event_builder_init(&b);
	e = build_process(&b, "app --password hunter2", NULL);
	assert_string_equal(value_of(e, "CommandLine"), "app --password hunter2");
	event_free(e);
	event_builder_done(&b);
	/* logs are redacted whatever the setting */
	redact_text("app --password hunter2", 22, text, sizeof(text));
	assert_string_equal(text, "app --password " M);
	reset_settings();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connection_strings),
		cmocka_unit_test(test_sas_tokens),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_program_options),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_keys_and_pem),
		cmocka_unit_test(test_false_positives),
		cmocka_unit_test(test_already_redacted),
		cmocka_unit_test(test_many_secrets_fail_closed),
		cmocka_unit_test(test_redact_text),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_log_lines),
		cmocka_unit_test(test_extra_names),
		cmocka_unit_test(test_names_check),
		cmocka_unit_test(test_builder_scrubs),
		cmocka_unit_test(test_builder_disabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
