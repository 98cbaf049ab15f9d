/* SPDX-License-Identifier: MIT */
/*
 * The message builder: no body ever exceeds maxMessageSizeInBytes, every body is a valid
 * envelope, ASC and edgesec events never share a message, large periodic events are split
 * without losing items, a huge value is truncated with a marker and counted, and the
 * statistics add up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/alloc.h"
#include "common/array.h"
#include "pipeline/event.h"
#include "pipeline/format.h"
#include "pipeline/message.h"
#include "pipeline/truncate.h"

#define AGENT_ID "0b6f4d5e-1c2a-4b3c-8d9e-0f1a2b3c4d5e"

/* What the publish callback saw. */
struct sink {
	size_t max;
	unsigned messages, events, items, under_4kb;
	size_t bytes;
	unsigned asc_messages, edgesec_messages;
	int fail; /* publish returns -EIO while set */
	/* ListeningPorts LocalPort values seen (test_split_listening_ports) */
	unsigned char *port_seen;
	size_t n_ports;
	/* the last ProcessCreate seen (test_truncate_command_line) */
	char *last_command_line;
	char *last_truncated_fields;
	/* ProcessIds in the order published and events per message (test_carry_over_order) */
	int64_t pids[512];
	size_t n_pids;
	unsigned per_message[512];
};

static void check_event_schema(const cJSON *ev, enum event_schema want)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(ev, "Name");
	enum event_type t;

	assert_true(cJSON_IsString(name));
	t = event_type_from_string(name->valuestring);
	assert_true(t >= 0);
	if (event_type_info(t)->schema != want)
		fail_msg("%s in a message of the other schema", name->valuestring);
}

static void record_item(struct sink *s, const char *name, const cJSON *item)
{
	if (strcmp(name, "ListeningPorts") == 0 && s->port_seen) {
		const cJSON *lp = cJSON_GetObjectItemCaseSensitive(item, "LocalPort");
		unsigned long port;

		assert_true(cJSON_IsString(lp));
		port = strtoul(lp->valuestring, NULL, 10);
		assert_true(port < s->n_ports);
		assert_int_equal(s->port_seen[port], 0); /* never twice */
		s->port_seen[port] = 1;
	}
	if (strcmp(name, "ProcessCreate") == 0) {
		const cJSON *cl = cJSON_GetObjectItemCaseSensitive(item, "CommandLine");
		const cJSON *tf = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(item, "ExtraDetails"), "TruncatedFields");

		const cJSON *pid = cJSON_GetObjectItemCaseSensitive(item, "ProcessId");

		if (cJSON_IsNumber(pid) && s->n_pids < ARRAY_SIZE(s->pids))
			s->pids[s->n_pids++] = (int64_t)pid->valuedouble;
		free(s->last_command_line);
		free(s->last_truncated_fields);
		s->last_command_line = strdup(cl->valuestring);
		s->last_truncated_fields = tf ? strdup(tf->valuestring) : NULL;
	}
}

static int publish(void *userdata, const struct message *m)
{
	struct sink *s = userdata;
	cJSON *doc, *events, *ev;
	const char *ver;
	enum event_schema schema;
	unsigned n = 0;

	if (m->len > s->max)
		fail_msg("message of %zu bytes, max %zu", m->len, s->max);
	doc = cJSON_ParseWithLength(m->body, m->len);
	if (!doc)
		fail_msg("message body does not parse: %.300s", m->body);
	assert_true(cJSON_IsObject(doc));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "AgentId")->valuestring,
			    AGENT_ID);
	assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "AgentVersion")));
	ver = cJSON_GetObjectItemCaseSensitive(doc, "MessageSchemaVersion")->valuestring;
	if (strcmp(ver, ASC_MESSAGE_SCHEMA_VERSION) == 0) {
		schema = EVENT_SCHEMA_ASC;
		s->asc_messages++;
	} else {
		assert_string_equal(ver, EDGESEC_MESSAGE_SCHEMA_VERSION);
		schema = EVENT_SCHEMA_EDGESEC;
		s->edgesec_messages++;
	}
	assert_int_equal(m->schema, schema);
	assert_int_equal(cJSON_GetArraySize(doc), 4); /* nothing but the envelope */
	events = cJSON_GetObjectItemCaseSensitive(doc, "Events");
	assert_true(cJSON_IsArray(events));
	assert_true(cJSON_GetArraySize(events) >= 1);
	cJSON_ArrayForEach(ev, events) {
		const cJSON *payload = cJSON_GetObjectItemCaseSensitive(ev, "Payload"), *item;
		const char *name = cJSON_GetObjectItemCaseSensitive(ev, "Name")->valuestring;

		check_event_schema(ev, schema);
		cJSON_ArrayForEach(item, payload) {
			record_item(s, name, item);
			s->items++;
		}
		n++;
	}
	assert_int_equal(n, m->n_events);
	if (s->messages < ARRAY_SIZE(s->per_message))
		s->per_message[s->messages] = n;
	s->events += n;
	s->messages++;
	s->bytes += m->len;
	s->under_4kb += m->len < 4096;
	cJSON_Delete(doc);
	return s->fail ? -5 : 0;
}

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

static void random_text(char *out, size_t len)
{
	static const char *const pieces[] = { "a",    "Z",	   " ",
					      "\"",   "\\",	   "\n",
					      "\x01", "\xc3\xa9",  "\xe2\x82\xac",
					      "\xff", "/usr/bin/", "--opt=" };
	size_t n = 0;

	while (n < len) {
		const char *p = pieces[rnd(12)];
		size_t l = strlen(p);

		if (n + l > len)
			l = len - n;
		memcpy(out + n, p, l);
		n += l;
	}
}

static char text[1u << 20];

/* A random event; *ret_items is its payload item count. */
static struct event *random_event(unsigned *ret_items)
{
	struct event_builder b;
	struct event *e = NULL;
	unsigned kind = (unsigned)rnd(5), items = 1;

	event_builder_init(&b);
	switch (kind) {
	case 0: {
		size_t len = rnd(8) == 0 ? rnd(300000) : rnd(300);

		random_text(text, len);
		event_builder_begin(&b, EVENT_PROCESS_CREATE, 1700000000000000000ull);
		event_builder_item(&b);
		event_add_cstr(&b, PC_EXECUTABLE, "/bin/sh");
		event_add_int(&b, PC_PROCESS_ID, (int64_t)rnd(1 << 22));
		event_add_int(&b, PC_PARENT_PROCESS_ID, 1);
		event_add_cstr(&b, PC_USER_ID, "0");
		event_add_str(&b, PC_COMMAND_LINE, text, len);
		if (rnd(2))
			event_add_extra(&b, "Container", text, len < 100 ? len : 100);
		break;
	}
	case 1:
		items = (unsigned)rnd(300) + 1;
		event_builder_begin(&b, EVENT_LISTENING_PORTS, 1700000000000000000ull);
		for (unsigned i = 0; i < items; i++) {
			char port[12];

			snprintf(port, sizeof(port), "%u", i);
			event_builder_item(&b);
			event_add_cstr(&b, LP_LOCAL_ADDRESS, "0.0.0.0");
			event_add_cstr(&b, LP_LOCAL_PORT, port);
			event_add_cstr(&b, LP_PROTOCOL, "tcp");
		}
		break;
	case 2:
		event_builder_begin(&b, EVENT_HEARTBEAT, 1700000000000000000ull);
		event_builder_item(&b);
		for (unsigned f = 0; f < _HB_MAX; f++)
			if (f == HB_COLLECTORS)
				event_add_json(&b, f, "[{\"Name\":\"ports\"}]", 18);
			else if (f == HB_OUTPUT)
				event_add_cstr(&b, f, "stdout");
			else
				event_add_int(&b, f, (int64_t)rnd(1000000));
		break;
	case 3: {
		size_t len = rnd(2000);

		random_text(text, len);
		items = (unsigned)rnd(20) + 1;
		event_builder_begin(&b, EVENT_LOCAL_USERS, 1700000000000000000ull);
		for (unsigned i = 0; i < items; i++) {
			event_builder_item(&b);
			event_add_str(&b, LU_GROUP_IDS, "0;1;2", 5);
			event_add_str(&b, LU_GROUP_NAMES, text, len);
			event_add_cstr(&b, LU_USER_ID, "1000");
			event_add_cstr(&b, LU_USER_NAME, "alice");
		}
		break;
	}
	default:
		items = 0; /* an empty periodic event */
		event_builder_begin(&b, EVENT_SYSTEM_INFORMATION, 1700000000000000000ull);
		break;
	}
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	*ret_items = items;
	return e;
}

static void test_random_sizes(void **state)
{
	static const size_t fixed[] = { 1024, 2048, 4096, 8192, 65536, 204800, 262144 };

	(void)state;
	for (size_t round = 0; round < 14; round++) {
		size_t max = round < 7 ? fixed[round] : 1024 + rnd(262144 - 1024);
		struct sink s = { .max = max };
		struct message_builder *mb =
			message_builder_new(AGENT_ID, "0.1.0", max, publish, &s);
		struct message_stats st;
		unsigned in_items = 0;

		assert_non_null(mb);
		for (int i = 0; i < 200; i++) {
			unsigned items;
			struct event *e = random_event(&items);

			in_items += items;
			message_builder_add(mb, e);
			if (rnd(10) == 0)
				message_builder_flush(mb);
		}
		message_builder_flush(mb);
		message_builder_get_stats(mb, &st);
		assert_int_equal(st.messages, s.messages);
		assert_int_equal(st.events, s.events);
		assert_int_equal(st.failed, 0);
		assert_true(s.asc_messages > 0);
		assert_true(s.edgesec_messages > 0);
		/* From 4 KiB on everything fits once split or shortened: no item is lost. */
		if (max >= 4096) {
			assert_int_equal(st.oversize_dropped, 0);
			assert_int_equal(s.items, in_items);
		}
		message_builder_free(mb);
		free(s.last_command_line);
		free(s.last_truncated_fields);
	}
}

static void test_split_listening_ports(void **state)
{
	static const size_t sizes[] = { 8192, 65536, 262144 };

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		unsigned char seen[5000] = { 0 };
		struct sink s = { .max = sizes[k], .port_seen = seen, .n_ports = 5000 };
		struct message_builder *mb =
			message_builder_new(AGENT_ID, "0.1.0", sizes[k], publish, &s);
		struct message_stats st;
		struct event_builder b;
		struct event *e = NULL;

		event_builder_init(&b);
		event_builder_begin(&b, EVENT_LISTENING_PORTS, 1700000000000000000ull);
		for (unsigned i = 0; i < 5000; i++) {
			char port[12];

			snprintf(port, sizeof(port), "%u", i);
			event_builder_item(&b);
			event_add_cstr(&b, LP_LOCAL_ADDRESS,
				       "0000:0000:0000:0000:0000:ffff:7f00:0001");
			event_add_cstr(&b, LP_LOCAL_PORT, port);
			event_add_cstr(&b, LP_PROTOCOL, "tcp");
		}
		assert_int_equal(event_builder_finish(&b, &e), 0);
		event_builder_done(&b);
		message_builder_add(mb, e);
		message_builder_flush(mb);
		for (unsigned i = 0; i < 5000; i++)
			if (!seen[i])
				fail_msg("port %u lost (max %zu)", i, sizes[k]);
		assert_int_equal(s.items, 5000);
		assert_true(s.messages > 1);
		message_builder_get_stats(mb, &st);
		assert_true(st.split > 0);
		assert_int_equal(st.oversize_dropped, 0);
		assert_int_equal(st.truncated, 0);
		message_builder_free(mb);
	}
}

static void test_truncate_command_line(void **state)
{
	static const size_t lens[] = { 1u << 20, (1u << 20) + 4096 };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct sink s = { .max = 204800 };
		struct message_builder *mb =
			message_builder_new(AGENT_ID, "0.1.0", 204800, publish, &s);
		struct message_stats st;
		struct event_builder b;
		struct event *e = NULL;
		char *big = malloc(lens[k]);
		size_t cl;

		assert_non_null(big);
		for (size_t i = 0; i < lens[k]; i++)
			big[i] = (char)('a' + i % 26);
		event_builder_init(&b);
		event_builder_begin(&b, EVENT_PROCESS_CREATE, 1700000000000000000ull);
		event_builder_item(&b);
		event_add_cstr(&b, PC_EXECUTABLE, "/usr/bin/python3");
		event_add_int(&b, PC_PROCESS_ID, 77);
		event_add_int(&b, PC_PARENT_PROCESS_ID, 1);
		event_add_cstr(&b, PC_USER_ID, "0");
		event_add_str(&b, PC_COMMAND_LINE, big, lens[k]);
		assert_int_equal(event_builder_finish(&b, &e), 0);
		event_builder_done(&b);
		message_builder_add(mb, e);
		message_builder_flush(mb);

		assert_int_equal(s.messages, 1);
		assert_int_equal(s.events, 1);
		assert_non_null(s.last_command_line);
		cl = strlen(s.last_command_line);
		assert_true(cl > 100000); /* shortened, not emptied */
		assert_true(cl < lens[k]);
		assert_string_equal(s.last_command_line + cl - TRUNCATION_MARKER_LEN,
				    "...[truncated]");
		assert_memory_equal(s.last_command_line, big, cl - TRUNCATION_MARKER_LEN);
		assert_non_null(s.last_truncated_fields);
		assert_non_null(strstr(s.last_truncated_fields, "CommandLine"));
		message_builder_get_stats(mb, &st);
		assert_int_equal(st.truncated, 1);
		assert_int_equal(st.oversize_dropped, 0);
		free(big);
		free(s.last_command_line);
		free(s.last_truncated_fields);
		message_builder_free(mb);
	}
}

static struct event *small_pc(void)
{
	struct event_builder b;
	struct event *e = NULL;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_PROCESS_CREATE, 1700000000000000000ull);
	event_builder_item(&b);
	event_add_cstr(&b, PC_EXECUTABLE, "/bin/ls");
	event_add_int(&b, PC_PROCESS_ID, 5);
	event_add_int(&b, PC_PARENT_PROCESS_ID, 1);
	event_add_cstr(&b, PC_USER_ID, "0");
	event_add_cstr(&b, PC_COMMAND_LINE, "ls -l");
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	return e;
}

static void test_statistics(void **state)
{
	struct sink s = { .max = 8192 };
	struct message_builder *mb = message_builder_new(AGENT_ID, "0.1.0", 8192, publish, &s);
	struct message_stats st, iv;

	(void)state;
	/* 101 small events fill more than one 8 KiB message. */
	for (int i = 0; i < 101; i++)
		message_builder_add(mb, small_pc());
	message_builder_flush(mb);
	/* and one more alone makes a message under 4 KiB */
	message_builder_add(mb, small_pc());
	message_builder_flush(mb);
	message_builder_get_stats(mb, &st);
	assert_true(st.messages >= 3);
	assert_int_equal(st.messages, s.messages);
	assert_int_equal(st.events, 102);
	assert_int_equal(st.under_4kb, s.under_4kb);
	assert_true(st.under_4kb >= 1);
	assert_true(st.under_4kb < st.messages);
	assert_int_equal(st.bytes, s.bytes);
	message_builder_take_interval(mb, &iv);
	assert_int_equal(iv.messages, st.messages);
	assert_int_equal(iv.events, 102);
	message_builder_take_interval(mb, &iv);
	assert_int_equal(iv.messages, 0);
	assert_int_equal(iv.events, 0);

	/* A failed publish is counted with its events. */
	s.fail = 1;
	message_builder_add(mb, small_pc());
	message_builder_add(mb, small_pc());
	message_builder_flush(mb);
	message_builder_get_stats(mb, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.events_lost_in_failed, 2);
	assert_int_equal(st.events, 102);
	message_builder_take_interval(mb, &iv);
	assert_int_equal(iv.failed, 1);
	assert_int_equal(iv.messages, 0);
	/* Flushing with nothing open publishes nothing. */
	s.fail = 0;
	message_builder_flush(mb);
	message_builder_get_stats(mb, &st);
	assert_int_equal(st.messages + st.failed, s.messages);
	message_builder_free(mb);
	free(s.last_command_line);
	free(s.last_truncated_fields);
}

/* Changing the size sends the open messages first; bodies respect the new size after. */
static void test_set_max_size(void **state)
{
	struct sink s = { .max = 65536 };
	struct message_builder *mb = message_builder_new(AGENT_ID, "0.1.0", 65536, publish, &s);

	(void)state;
	for (int i = 0; i < 50; i++)
		message_builder_add(mb, small_pc());
	assert_int_equal(s.messages, 0);
	message_builder_set_max_size(mb, 2048);
	assert_int_equal(s.messages, 1);
	s.max = 2048;
	for (int i = 0; i < 50; i++)
		message_builder_add(mb, small_pc());
	message_builder_flush(mb);
	assert_int_equal(s.events, 100);
	/* Below the minimum it is raised to MESSAGE_SIZE_MIN, never to 0. */
	message_builder_set_max_size(mb, 10);
	s.max = MESSAGE_SIZE_MIN;
	message_builder_add(mb, small_pc());
	message_builder_flush(mb);
	assert_int_equal(s.events, 101);
	message_builder_free(mb);
	free(s.last_command_line);
	free(s.last_truncated_fields);
}

static struct event *sized_pc(int64_t pid, size_t cmd_len)
{
	struct event_builder b;
	struct event *e = NULL;
	char cmd[4096];

	assert_true(cmd_len < sizeof(cmd));
	for (size_t i = 0; i < cmd_len; i++)
		cmd[i] = (char)('a' + (pid + (int64_t)i) % 26);
	event_builder_init(&b);
	event_builder_begin(&b, EVENT_PROCESS_CREATE, 1700000000000000000ull);
	event_builder_item(&b);
	event_add_cstr(&b, PC_EXECUTABLE, "/bin/ls");
	event_add_int(&b, PC_PROCESS_ID, pid);
	event_add_int(&b, PC_PARENT_PROCESS_ID, 1);
	event_add_cstr(&b, PC_USER_ID, "0");
	event_add_str(&b, PC_COMMAND_LINE, cmd, cmd_len);
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	return e;
}

static size_t formatted_len(const struct event *e)
{
	struct buf b;
	struct jw w;
	size_t n;

	buf_init(&b, 0);
	jw_init(&w, &b);
	event_format(e, &w);
	n = b.len;
	buf_done(&b);
	return n;
}

/*
 * An event that does not fit behind the others is serialized once, into the full message, and
 * carried over to the next one: the messages hold the events in order, none is lost or
 * doubled, and they are packed exactly as greedily as a fresh serialization would pack them.
 */
static void test_carry_over_order(void **state)
{
	static const size_t maxes[] = { 1024, 1500, 2048, 4096 };

	(void)state;
	for (size_t m = 0; m < ARRAY_SIZE(maxes); m++) {
		struct sink s = { .max = maxes[m] };
		struct message_builder *mb =
			message_builder_new(AGENT_ID, "0.1.0", maxes[m], publish, &s);
		size_t prefix = 0, used = 0, len[300];
		unsigned want[300], n_want = 0;

		assert_non_null(mb);
		for (int i = 0; i < 300; i++) {
			struct event *e = sized_pc(i, 10 + rnd(maxes[m] / 2));

			len[i] = formatted_len(e);
			message_builder_add(mb, e);
			if (i == 0) {
				/* the envelope's size, from a message holding event 0 alone */
				message_builder_flush(mb);
				prefix = s.bytes - len[0] - 2;
				want[n_want++] = 1;
				continue;
			}
			if (used && used + 1 + len[i] + 2 <= maxes[m]) {
				used += 1 + len[i];
				want[n_want - 1]++;
			} else {
				used = prefix + len[i];
				want[n_want++] = 1;
			}
		}
		message_builder_flush(mb);
		assert_int_equal(s.n_pids, 300);
		for (size_t i = 0; i < 300; i++)
			assert_int_equal(s.pids[i], (int64_t)i);
		assert_int_equal(s.messages, n_want);
		for (unsigned i = 0; i < n_want; i++)
			assert_int_equal(s.per_message[i], want[i]);
		message_builder_free(mb);
		free(s.last_command_line);
		free(s.last_truncated_fields);
	}
}

static void test_no_leak(void **state)
{
	size_t before = es_alloc_in_use();
	struct sink s = { .max = 4096 };
	struct message_builder *mb = message_builder_new(AGENT_ID, "0.1.0", 4096, publish, &s);

	(void)state;
	for (int i = 0; i < 50; i++) {
		unsigned items;

		message_builder_add(mb, random_event(&items));
	}
	message_builder_flush(mb);
	assert_null(message_builder_free(mb));
	assert_null(message_builder_free(NULL));
	assert_int_equal(es_alloc_in_use(), before);
	free(s.last_command_line);
	free(s.last_truncated_fields);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_sizes),
		cmocka_unit_test(test_split_listening_ports),
		cmocka_unit_test(test_truncate_command_line),
		cmocka_unit_test(test_statistics),
		cmocka_unit_test(test_set_max_size),
		cmocka_unit_test(test_carry_over_order),
		cmocka_unit_test(test_no_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
