#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HOST006 IoT_AgentSendsUnutilizedMessages on real behaviour: the agent sends to a real
# mosquitto over TLS (mqtt-env.sh) with one-second flushes, so nearly every message it sends is
# under 4 KB; once at least 10 messages were sent the Recommendation must arrive at the IoT
# Hub side (the test peer), once, with the counts of the agent's own MessageStatistics, and
# validate against the edgesec schema.  The benign case: the same agent writing locally
# (stdout/file, no hub metering) never raises it.
source "$(dirname "$0")/mqtt-env.sh"
: "${EDGESEC:?}"

make_certs
write_broker_conf
start_broker
start_peer

cat >"$WORK/config.json" <<'CONF'
{"highPriorityMessageFrequency": "PT1S", "lowPriorityMessageFrequency": "PT1S",
 "snapshotFrequency": "PT1S",
 "eventPriorityProcessCreate": "Off", "eventPriorityProcessTerminate": "Off",
 "eventPriorityConnectionCreate": "Off",
 "edgesec": {"heartbeatInterval": "PT1S", "dockerSocket": ""}}
CONF
HUB=(--hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem" --config "$WORK/config.json"
	--state-dir "$WORK/state")
READ="python3 $SOURCE_DIR/tests/integration/posture-read.py"
msgs=$WORK/messages.jsonl

payloads() { # the message bodies the peer received, one per line
	"$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["payload"])' "$WORK/received.jsonl" >"$msgs"
}

"$EDGESEC" run "${HUB[@]}" 2>"$WORK/agent.err" &
AGENT=$!
found=
for _ in $(seq 150); do
	payloads
	if [ "$($READ "$msgs" count HOST006 /messages New)" -ge 1 ]; then
		found=1
		break
	fi
	kill -0 $AGENT 2>/dev/null || { echo "FAIL: the agent exited"; tail "$WORK/agent.err"; exit 1; }
	sleep 0.2
done
[ -n "$found" ] || { echo "FAIL: no HOST006 within 30 s"; $READ "$msgs" items; exit 1; }
sleep 4 # a few more snapshots: it must not be raised again
kill -TERM $AGENT
wait $AGENT || { echo "FAIL: agent exit code $?"; exit 1; }
sleep 1
payloads
"$PY" - "$msgs" <<'PY'
import json, sys
items, sent, under = [], 0, 0
for line in open(sys.argv[1]):
    m = json.loads(line)
    for ev in m["Events"]:
        for it in ev["Payload"]:
            if ev["Name"] == "Recommendation" and it["RuleId"] == "HOST006":
                items.append(it)
            if ev["Name"] == "MessageStatistics":
                sent += it["MessagesSent"]
                under += it["MessagesUnder4KB"]
assert len(items) == 1, f"HOST006 sent {len(items)} times: {items}"
it = items[0]
ed = it["ExtraDetails"]
assert it["RecommendationType"] == "IoT_AgentSendsUnutilizedMessages", it
assert it["Severity"] == "Low" and it["Module"] == "host" and ed["Status"] == "New", it
n, u = int(ed["MessagesSent"]), int(ed["MessagesUnder4KB"])
assert n >= 10 and u * 10 >= n, ed
assert int(ed["PercentUnder4KB"]) == u * 100 // n, ed
# the counts are the agent's own MessageStatistics (those that had arrived when it judged)
assert n <= sent and u <= under, (ed, sent, under)
print(f"ok: HOST006 once: {it['Message']}")
PY
TOOLS="$SOURCE_DIR/tests/tools"
if [ ! -d "$TOOLS/node_modules/ajv" ]; then
	npm ci --prefix "$TOOLS" --no-audit --no-fund >/dev/null 2>&1 ||
		{ echo "FAIL: npm ci --prefix $TOOLS failed"; exit 1; }
fi
node "$TOOLS/validate-messages.mjs" --quiet "$msgs" || { echo "FAIL: schema validation"; exit 1; }

# Benign: writing locally, the same small messages are not an IoT Hub cost.  (mqtt-env.sh
# exports a connection string, which would make this agent a hub client too.)
env -u EDGESEC_CONNECTION_STRING "$EDGESEC" run --config "$WORK/config.json" --state-dir "$WORK/state" \
	--output "$WORK/local.jsonl" 2>"$WORK/local.err" &
AGENT=$!
for _ in $(seq 150); do
	[ "$($READ "$WORK/local.jsonl" snapshots 2>/dev/null || echo 0)" -ge 12 ] && break
	kill -0 $AGENT 2>/dev/null || { echo "FAIL: the local agent exited"; tail "$WORK/local.err"; exit 1; }
	sleep 0.2
done
kill -TERM $AGENT
wait $AGENT || { echo "FAIL: local agent exit code $?"; exit 1; }
[ "$($READ "$WORK/local.jsonl" snapshots)" -ge 12 ] || { echo "FAIL: too few local snapshots"; exit 1; }
[ "$($READ "$WORK/local.jsonl" count HOST006 /messages New)" = 0 ] ||
	{ echo "FAIL: HOST006 raised for local output"; exit 1; }
echo "PASS: HOST006 raised once from real hub traffic, never for local output"
