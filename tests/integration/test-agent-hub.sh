#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The real agent against a real mosquitto over TLS (CA made here), as a module identity from a
# connection string:
#  1. messages reach the IoT Hub side on devices/edge01/modules/secagent/messages/events/
#     with $.ct/$.ce/$.mid, the ASC marker $.ifid on ASC messages and edgesec's own marker on
#     ours; the bodies are the agent's messages (ASC envelope, AgentId);
#  2. store and forward: with the broker down the agent spools; SIGKILL; broker up; a new
#     agent sends every spooled message (each spool id arrives as a $.mid);
#  3. the key and tokens never appear in the agent's logs.
source "$(dirname "$0")/mqtt-env.sh"
: "${EDGESEC:?}"

make_certs
write_broker_conf
start_broker
start_peer

STATE=$WORK/state
cat >"$WORK/config.json" <<'CONF'
{"highPriorityMessageFrequency": "PT1S", "lowPriorityMessageFrequency": "PT1S",
 "snapshotFrequency": "PT2S", "edgesec": {"heartbeatInterval": "PT2S"}}
CONF
HUB=(--hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem" --config "$WORK/config.json"
	--state-dir "$STATE")

"$EDGESEC" run "${HUB[@]}" 2>"$WORK/agent1.err" &
AGENT=$!
# Polls (60 s at most) until the broker's side has received both kinds of message with the
# four snapshot/heartbeat events; the checks on every message hold at each poll.
check_received() {
	[ -s "$STATE/agent-id" ] && [ -s "$WORK/received.jsonl" ] || return 3
	"$PY" - "$WORK/received.jsonl" "$(cat "$STATE/agent-id")" <<'PY'
import json, sys, urllib.parse
path, agent_id = sys.argv[1], sys.argv[2]
prefix = "devices/edge01/modules/secagent/messages/events/"
asc = own = 0
names = set()
for line in open(path):
    if not line.endswith("\n"):
        break # the peer is writing it now
    r = json.loads(line)
    assert r["topic"].startswith(prefix), r["topic"]
    props = dict(urllib.parse.parse_qsl(r["topic"][len(prefix):], keep_blank_values=True))
    body = json.loads(r["payload"])
    assert props["$.ct"] == "application/json" and props["$.ce"] == "utf-8" and props["$.mid"]
    assert body["AgentId"] == agent_id, body["AgentId"]
    names.update(e["Name"] for e in body["Events"])
    if body["MessageSchemaVersion"] == "1.0":
        assert props.get("$.ifid") == "urn:azureiot:Security:SecurityAgent:1", props
        asc += 1
    else:
        assert "$.ifid" not in props and props.get("edgesec-schema") == "edgesec/1.0", props
        own += 1
if asc < 1 or own < 1 or not {"ListeningPorts", "LocalUsers", "SystemInformation", "Heartbeat"} <= names:
    sys.exit(3) # not yet
print(f"ASC messages {asc}, edgesec messages {own}, events {sorted(names)}")
PY
}
rc=3
for _ in $(seq 300); do # 3: not yet; anything else: done (0) or a failed assertion
	rc=0
	check_received 2>"$WORK/check.err" || rc=$?
	[ $rc -eq 3 ] || break
	sleep 0.2
done
if [ $rc -ne 0 ]; then
	echo "FAIL: the broker did not receive the agent's messages as expected (rc $rc)"
	cat "$WORK/check.err"
	tail "$WORK/agent1.err"
	exit 1
fi
kill -TERM $AGENT
rc=0
wait $AGENT || rc=$?
[ $rc -eq 0 ] || { echo "FAIL: agent exit code $rc"; tail "$WORK/agent1.err"; exit 1; }
echo "PASS: agent messages arrive through the broker with the right topic and properties"

# --- store and forward across a broker outage and a SIGKILL ---
stop_broker
"$EDGESEC" run "${HUB[@]}" 2>"$WORK/agent2.err" &
AGENT=$!
for _ in $(seq 150); do # until something is spooled (30 s at most); then a little more
	n=$(sqlite3 "$STATE/spool.db" "SELECT count(*) FROM spool;" 2>/dev/null) || n=0
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.2
done
sleep 2
kill -KILL $AGENT
wait $AGENT 2>/dev/null || true
# The spool is the agent's own SQLite file; its mids are what must arrive.
mapfile -t SPOOLED < <(sqlite3 "$STATE/spool.db" "SELECT CASE WHEN mid = '' THEN id ELSE mid END FROM spool ORDER BY id;")
if [ ${#SPOOLED[@]} -eq 0 ]; then
	echo "FAIL: nothing spooled while the broker was down"
	exit 1
fi
echo "spooled while the broker was down: ${#SPOOLED[@]} messages"
: >"$WORK/received.jsonl"
start_broker
"$EDGESEC" run "${HUB[@]}" 2>"$WORK/agent3.err" &
AGENT=$!
for _ in $(seq 300); do # 60 s at most
	missing=$("$PY" - "$WORK/received.jsonl" "${SPOOLED[@]}" <<'PY'
import json, sys, urllib.parse
seen = set()
for line in open(sys.argv[1]):
    if not line.endswith("\n"):
        break
    r = json.loads(line)
    q = r["topic"].split("/messages/events/", 1)[1]
    seen.add(dict(urllib.parse.parse_qsl(q))["$.mid"])
print(len(set(sys.argv[2:]) - seen))
PY
)
	[ "$missing" = 0 ] && break
	sleep 0.2
done
kill -TERM $AGENT
wait $AGENT || true
if [ "$missing" != 0 ]; then
	echo "FAIL: $missing spooled messages never arrived (spooled: ${SPOOLED[*]})"
	cut -c1-160 "$WORK/received.jsonl"
	tail -20 "$WORK/agent3.err"
	exit 1
fi
echo "PASS: all ${#SPOOLED[@]} messages spooled before SIGKILL arrived after restart"
no_secrets "$WORK"/agent*.err "$WORK/mosquitto.log"
KEY_PLAIN=$(echo "$EDGESEC_CONNECTION_STRING" | sed 's/.*SharedAccessKey=//')
if grep -rF "$KEY_PLAIN" "$WORK"/agent*.err; then
	echo "FAIL: the key reached the logs"
	exit 1
fi
echo "PASS: no key or token in the logs"
