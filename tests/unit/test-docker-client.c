/* SPDX-License-Identifier: MIT */
/*
 * The Docker client (src/docker/docker-client.c) against a scripted fake daemon on a real unix
 * socket, driven from one thread: the fake daemon answers /version, /containers/json and
 * inspect calls, holds the /events stream open and writes chunked event lines when the test
 * says so.  Checks negotiation (too old, newer than ours), the resync (a container gone by
 * inspect time is not cached), event order with an inspect in between, over-long and garbage
 * lines (counted and skipped), lines split across chunks, and the reconnect with since=.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/json_read.h"
#include "common/timeutil.h"
#include "docker/docker-client.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define MAX_CONNS 16
#define MAX_SEEN 16

struct fake_conn {
	int fd;
	char req[8192];
	size_t len;
};

struct fake {
	char path[108];
	int listen_fd;
	struct fake_conn conns[MAX_CONNS];
	const char *api_version;
	int events_fd; /* the open /events stream, or -1 */
	char events_path[512];
	unsigned events_requests;
	bool have_c;	      /* container C exists (inspect answers) */
	const char *greeting; /* an event line sent with the events headers, before the list */
};

struct seen {
	unsigned n;
	char action[MAX_SEEN][DOCKER_ACTION_MAX];
	char id[MAX_SEEN][DOCKER_ID_MAX];
	char entry_name[MAX_SEEN][DOCKER_NAME_MAX];
	bool entry_settings[MAX_SEEN];
	int64_t exit_code[MAX_SEEN];
	unsigned inspected;
	unsigned synced;
};

static void on_event(void *userdata, const struct docker_event *ev,
		     const struct docker_cache_entry *e)
{
	struct seen *s = userdata;

	if (s->n >= MAX_SEEN)
		return;
	snprintf(s->action[s->n], DOCKER_ACTION_MAX, "%s", ev->action);
	snprintf(s->id[s->n], DOCKER_ID_MAX, "%s", ev->id);
	snprintf(s->entry_name[s->n], DOCKER_NAME_MAX, "%s", e ? e->c.name : "");
	s->entry_settings[s->n] = e && strstr(e->settings, "\"Privileged\":true");
	s->exit_code[s->n] = ev->has_exit_code ? ev->exit_code : -1;
	s->n++;
}

static void on_inspect(void *userdata, const cJSON *doc, const struct docker_cache_entry *e,
		       bool from_event)
{
	struct seen *s = userdata;

	(void)doc;
	(void)e;
	(void)from_event;
	s->inspected++;
}

static void on_synced(void *userdata)
{
	struct seen *s = userdata;

	s->synced++;
}

static const struct docker_client_callbacks callbacks = {
	.on_event = on_event,
	.on_inspect = on_inspect,
	.on_synced = on_synced,
};

static void fake_init(struct fake *f, const char *api_version)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->api_version = api_version;
	f->events_fd = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		f->conns[i].fd = -1;
	snprintf(f->path, sizeof(f->path), "/tmp/esdocker-unit-%d.sock", (int)getpid());
	unlink(f->path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 16), 0);
}

static void fake_done(struct fake *f)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (f->conns[i].fd >= 0)
			close(f->conns[i].fd);
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	unlink(f->path);
}

static void send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			(void)poll(&p, 1, 1000);
			continue;
		}
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int status, const char *body)
{
	char head[256];
	int n = snprintf(
		head, sizeof(head),
		"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n",
		status, strlen(body));

	send_all(fd, head, (size_t)n);
	send_all(fd, body, strlen(body));
}

static const char *inspect_doc(const char *id, const char *name, bool privileged)
{
	static char doc[1024];

	snprintf(doc, sizeof(doc),
		 "{\"Id\":\"%s\",\"Name\":\"/%s\",\"Image\":\"sha256:1\",\"State\":{\"Status\":"
		 "\"running\",\"Pid\":42},\"Config\":{\"Image\":\"busybox\"},\"HostConfig\":"
		 "{\"Privileged\":%s}}",
		 id, name, privileged ? "true" : "false");
	return doc;
}

/* Answers one complete request; returns true when the connection stays open (events). */
static bool fake_answer(struct fake *f, int fd, const char *req)
{
	char path[512] = "";

	(void)sscanf(req, "GET %511s ", path);
	if (strcmp(path, "/version") == 0) {
		char body[128];

		snprintf(body, sizeof(body), "{\"Version\":\"x\",\"ApiVersion\":\"%s\"}",
			 f->api_version);
		respond(fd, 200, body);
	} else if (strncmp(path, "/v1.41/events?", 14) == 0) {
		static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					   "Transfer-Encoding: chunked\r\n\r\n";

		snprintf(f->events_path, sizeof(f->events_path), "%s", path);
		f->events_requests++;
		send_all(fd, head, sizeof(head) - 1);
		f->events_fd = fd;
		if (f->greeting) {
			char size[16];
			int n = snprintf(size, sizeof(size), "%zx\r\n", strlen(f->greeting));

			send_all(fd, size, (size_t)n);
			send_all(fd, f->greeting, strlen(f->greeting));
			send_all(fd, "\r\n", 2);
			f->greeting = NULL;
		}
		return true;
	} else if (strcmp(path, "/v1.41/containers/json?all=1") == 0) {
		respond(fd, 200, "[{\"Id\":\"" ID_A "\"},{\"Id\":\"" ID_B "\"},{\"Id\":\"../x\"}]");
	} else if (strcmp(path, "/v1.41/containers/" ID_A "/json") == 0) {
		respond(fd, 200, inspect_doc(ID_A, "alpha", false));
	} else if (strcmp(path, "/v1.41/containers/" ID_C "/json") == 0 && f->have_c) {
		respond(fd, 200, inspect_doc(ID_C, "gamma", true));
	} else {
		respond(fd, 404, "{\"message\":\"No such container\"}");
	}
	return false;
}

static void fake_io(struct fake *f)
{
	int fd;

	while ((fd = accept4(f->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (int i = 0; i < MAX_CONNS; i++)
			if (f->conns[i].fd < 0) {
				f->conns[i].fd = fd;
				f->conns[i].len = 0;
				fd = -1;
				break;
			}
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < MAX_CONNS; i++) {
		struct fake_conn *c = &f->conns[i];
		ssize_t n;

		if (c->fd < 0 || c->fd == f->events_fd)
			continue;
		n = recv(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len, 0);
		if (n <= 0)
			continue;
		c->len += (size_t)n;
		c->req[c->len] = '\0';
		if (!strstr(c->req, "\r\n\r\n"))
			continue;
		if (!fake_answer(f, c->fd, c->req)) {
			close(c->fd);
		} else {
			c->len = 0;
			continue;
		}
		c->fd = -1;
	}
}

/* Runs the fake daemon and the client for ms milliseconds. */
static void pump(struct fake *f, struct docker_client *dc, int ms)
{
	uint64_t end = time_now_monotonic_ns() + (uint64_t)ms * NSEC_PER_MSEC;

	while (time_now_monotonic_ns() < end) {
		struct pollfd p[2] = { { .fd = docker_client_fd(dc), .events = POLLIN },
				       { .fd = f ? f->listen_fd : -1, .events = POLLIN } };

		(void)poll(p, 2, 5);
		if (f)
			fake_io(f);
		docker_client_dispatch(dc);
	}
}

static void send_chunk(struct fake *f, const char *data, size_t len)
{
	char head[32];
	int n = snprintf(head, sizeof(head), "%zx\r\n", len);

	assert_true(f->events_fd >= 0);
	send_all(f->events_fd, head, (size_t)n);
	send_all(f->events_fd, data, len);
	send_all(f->events_fd, "\r\n", 2);
}

static void send_line(struct fake *f, const char *line)
{
	send_chunk(f, line, strlen(line));
}

static void test_absent(void **state)
{
	struct docker_client *dc;
	struct seen seen = { 0 };

	(void)state;
	assert_int_equal(
		docker_client_new("/tmp/esdocker-unit-none/docker.sock", &callbacks, &seen, &dc),
		0);
	docker_client_start(dc);
	pump(NULL, dc, 50);
	assert_int_equal(docker_client_state(dc), DOCKER_STATE_ABSENT);
	assert_non_null(strstr(docker_client_describe(dc), "daemon absent"));
	docker_client_free(dc);
}

static void test_too_old(void **state)
{
	struct docker_client *dc;
	struct seen seen = { 0 };
	struct fake f;

	(void)state;
	fake_init(&f, "1.38");
	assert_int_equal(docker_client_new(f.path, &callbacks, &seen, &dc), 0);
	docker_client_start(dc);
	pump(&f, dc, 200);
	assert_int_equal(docker_client_state(dc), DOCKER_STATE_TOO_OLD);
	assert_non_null(strstr(docker_client_describe(dc), "API 1.38 is older than 1.40"));
	assert_int_equal(f.events_requests, 0);
	docker_client_free(dc);
	fake_done(&f);
}

static void test_sync_events_reconnect(void **state)
{
	char event[512], *big;
	struct docker_client *dc;
	const struct docker_client_stats *st;
	struct seen seen = { 0 };
	struct fake f;
	size_t half;

	(void)state;
	fake_init(&f, "1.45"); /* newer than ours: we speak 1.41 */
	/*
	 * An event that arrives before the resync is done waits for it: it is delivered with
	 * the cache entry that only the resync creates.
	 */
	f.greeting = "{\"Type\":\"container\",\"Action\":\"pause\",\"Actor\":{\"ID\":\"" ID_A
		     "\",\"Attributes\":{}},\"timeNano\":999999999999998976}\n";
	assert_int_equal(docker_client_new(f.path, &callbacks, &seen, &dc), 0);
	st = docker_client_stats(dc);
	docker_client_start(dc);
	pump(&f, dc, 300);
	assert_int_equal(docker_client_state(dc), DOCKER_STATE_CONNECTED);
	assert_string_equal(docker_client_api_version(dc), "1.41");
	assert_null(strstr(f.events_path, "since="));
	/* B answered 404 (gone since the list), the bad id was never asked for. */
	assert_non_null(docker_cache_get(docker_client_cache(dc), ID_A));
	assert_null(docker_cache_get(docker_client_cache(dc), ID_B));
	assert_int_equal(docker_client_cache(dc)->n, 1);
	assert_int_equal(seen.inspected, 1);
	assert_int_equal(seen.synced, 1);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.action[0], "pause");
	assert_string_equal(seen.entry_name[0], "alpha");
	assert_string_equal(docker_cache_get(docker_client_cache(dc), ID_A)->c.state, "paused");
	seen.n = 0;

	/* Garbage, an over-long line in pieces, then a die split across two chunks. */
	send_line(&f, "not json\n");
	big = malloc(DOCKER_EVENT_LINE_MAX + 100);
	assert_non_null(big);
	memset(big, 'x', DOCKER_EVENT_LINE_MAX + 99);
	big[DOCKER_EVENT_LINE_MAX + 99] = '\n';
	send_chunk(&f, big, 40000);
	send_chunk(&f, big + 40000, DOCKER_EVENT_LINE_MAX + 100 - 40000);
	free(big);
	snprintf(event, sizeof(event),
		 "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"%s\","
		 "\"Attributes\":{\"exitCode\":\"3\",\"name\":\"alpha\"}},\"timeNano\":%llu}\n",
		 ID_A, 1000000000000000000ull);
	half = strlen(event) / 2;
	send_chunk(&f, event, half);
	send_chunk(&f, event + half, strlen(event) - half);
	/* A start of a new container: delivered after its inspect, with its settings.  (Times are
	 * multiples of 1024 ns: timeNano goes through a double.) */
	f.have_c = true;
	snprintf(event, sizeof(event),
		 "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"%s\","
		 "\"Attributes\":{\"name\":\"gamma\"}},\"timeNano\":%llu}\n"
		 "{\"Type\":\"container\",\"Action\":\"destroy\",\"Actor\":{\"ID\":\"%s\","
		 "\"Attributes\":{\"name\":\"alpha\"}},\"timeNano\":%llu}\n",
		 ID_C, 1000000000000001024ull, ID_A, 1000000000000002048ull);
	send_line(&f, event);
	pump(&f, dc, 300);
	assert_int_equal(st->lines_bad, 1);
	assert_int_equal(st->lines_too_long, 1);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.action[0], "die");
	assert_int_equal(seen.exit_code[0], 3);
	assert_string_equal(seen.entry_name[0], "alpha");
	assert_string_equal(seen.action[1], "start");
	assert_string_equal(seen.id[1], ID_C);
	assert_string_equal(seen.entry_name[1], "gamma");
	assert_true(seen.entry_settings[1]);
	assert_string_equal(seen.action[2], "destroy");
	assert_string_equal(seen.entry_name[2], "alpha");
	assert_null(docker_cache_get(docker_client_cache(dc), ID_A));
	assert_string_equal(docker_cache_get(docker_client_cache(dc), ID_C)->c.state, "running");

	/* The daemon drops the stream: reconnect after the backoff, resync, since=. */
	close(f.events_fd);
	for (int i = 0; i < MAX_CONNS; i++)
		if (f.conns[i].fd == f.events_fd)
			f.conns[i].fd = -1;
	f.events_fd = -1;
	f.have_c = false; /* C went away meanwhile: the resync drops it */
	pump(&f, dc, 50);
	assert_int_equal(docker_client_state(dc), DOCKER_STATE_DISCONNECTED);
	pump(&f, dc, 1500);
	assert_int_equal(docker_client_state(dc), DOCKER_STATE_CONNECTED);
	assert_int_equal(st->connects, 2);
	assert_int_equal(st->resyncs, 2);
	assert_int_equal(seen.synced, 2);
	assert_non_null(strstr(f.events_path, "&since=1000000000.000002048"));
	assert_null(docker_cache_get(docker_client_cache(dc), ID_C));
	assert_non_null(docker_cache_get(docker_client_cache(dc), ID_A));
	/* The daemon replays the destroy: not delivered twice. */
	snprintf(event, sizeof(event),
		 "{\"Type\":\"container\",\"Action\":\"destroy\",\"Actor\":{\"ID\":\"%s\","
		 "\"Attributes\":{\"name\":\"alpha\"}},\"timeNano\":%llu}\n",
		 ID_A, 1000000000000002048ull);
	send_line(&f, event);
	pump(&f, dc, 100);
	assert_int_equal(seen.n, 3);
	assert_int_equal(st->replayed_skipped, 1);
	docker_client_free(dc);
	fake_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_too_old),
		cmocka_unit_test(test_sync_events_reconnect),
	};

	json_read_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
