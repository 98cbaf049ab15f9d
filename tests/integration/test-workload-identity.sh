#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The real agent as an IoT Edge module: IOTEDGE_* environment pointing at a test workload API
# (workload-server.py on a unix socket, signing with the test module key), no connection
# string, no --ca-file (the trust bundle is the CA), --hub at a TLS front door (sas-gate.py)
# that checks client id, username and that the SAS token verifies against the module key,
# then relays to the test mosquitto where the IoT Hub peer collects telemetry.
#  1. telemetry arrives; the CONNECT verified; the trust bundle file is the CA, mode 0600;
#  2. workload API absent: the agent keeps running and retrying, logs the reason once, and
#     connects once the API appears;
#  3. workload API answering 500, then garbage: same; the Heartbeat that reaches the hub
#     afterwards carries the last failure (OutputLastError);
#  4. a workload API that signs with another key gets CONNACK 5 (the check can fail);
#  5. no key, digest or token in the logs.
source "$(dirname "$0")/mqtt-env.sh"
: "${EDGESEC:?}"
unset EDGESEC_CONNECTION_STRING # the workload identity is used only without one

make_certs
write_broker_conf
start_broker
start_peer

PORT_GATE=$(free_port)
SOCK=$WORK/esworkload.sock
MODE=$WORK/esworkload.mode
VERDICTS=$WORK/esworkload-verdicts.jsonl
WL_PID=
GATE_PID=
AGENT=
cleanup_workload() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null || true
	[ -n "$WL_PID" ] && kill "$WL_PID" 2>/dev/null || true
	[ -n "$GATE_PID" ] && kill "$GATE_PID" 2>/dev/null || true
	cleanup
}
trap cleanup_workload EXIT

"$PY" "$HERE/sas-gate.py" "$PORT_GATE" "$WORK/pki/server.pem" "$WORK/pki/server.key" \
	"$PORT_PLAIN" "$KEY_B64" hub.example.net edge01 secagent "$VERDICTS" \
	>"$WORK/gate.log" 2>&1 &
GATE_PID=$!
wait_port "$PORT_GATE"

start_workload() {
	"$PY" "$HERE/workload-server.py" "$SOCK" "$KEY_B64" secagent esworkload-gen-1 \
		"$WORK/pki/ca.pem" "$MODE" >>"$WORK/workload.log" 2>&1 &
	WL_PID=$!
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	echo "FAIL: the workload server did not start"
	cat "$WORK/workload.log"
	exit 1
}
stop_workload() {
	kill "$WL_PID"
	wait "$WL_PID" 2>/dev/null || true
	WL_PID=
	rm -f "$SOCK"
}

STATE=$WORK/state
cat >"$WORK/config.json" <<'CONF'
{"highPriorityMessageFrequency": "PT1S", "lowPriorityMessageFrequency": "PT1S",
 "snapshotFrequency": "PT2S", "edgesec": {"heartbeatInterval": "PT2S"}}
CONF
export IOTEDGE_WORKLOADURI="unix://$SOCK" IOTEDGE_MODULEID=secagent IOTEDGE_DEVICEID=edge01 \
	IOTEDGE_MODULEGENERATIONID=esworkload-gen-1 IOTEDGE_IOTHUBHOSTNAME=hub.example.net \
	IOTEDGE_GATEWAYHOSTNAME=localhost IOTEDGE_APIVERSION=2022-08-03 IOTEDGE_AUTHSCHEME=sasToken
RUN=(run --hub "mqtts://127.0.0.1:$PORT_GATE" --config "$WORK/config.json" --state-dir "$STATE")

# wait_telemetry SECONDS: true once the peer got a Heartbeat from edge01/secagent
count_from_module() {
	grep -c '"topic": "devices/edge01/modules/secagent/messages/events/' \
		"$WORK/received.jsonl" 2>/dev/null || true
}
wait_telemetry() {
	local before=$1 limit=$2
	for _ in $(seq $((limit * 5))); do
		[ "$(count_from_module)" -gt "$before" ] && return 0
		sleep 0.2
	done
	return 1
}
stop_agent() {
	kill -TERM "$AGENT"
	local rc=0
	wait "$AGENT" || rc=$?
	AGENT=
	[ $rc -eq 0 ] || { echo "FAIL: agent exit code $rc"; exit 1; }
}
alive() {
	kill -0 "$AGENT" 2>/dev/null || { echo "FAIL: the agent died ($1)"; tail -20 "$2"; exit 1; }
}

# --- 1. the happy path ---
echo ok >"$MODE"
start_workload
"$EDGESEC" "${RUN[@]}" 2>"$WORK/agent1.err" &
AGENT=$!
if ! wait_telemetry 0 20; then
	echo "FAIL: no telemetry through the workload identity"
	tail -20 "$WORK/agent1.err"
	cat "$VERDICTS" "$WORK/workload.log" 2>/dev/null
	exit 1
fi
stop_agent
"$PY" - "$VERDICTS" "$WORK/workload.log" <<'PY'
import json, sys
verdicts = [json.loads(l) for l in open(sys.argv[1])]
assert verdicts and all(v["ok"] for v in verdicts), verdicts
v = verdicts[0]
assert v["client_id"] == "edge01/secagent", v
assert v["username"].startswith("hub.example.net/edge01/secagent/?api-version="), v
reqs = [json.loads(l) for l in open(sys.argv[2]) if l.startswith('{"method"')]
paths = [r["path"] for r in reqs if r["status"] == 200]
assert "/trust-bundle?api-version=2022-08-03" in paths, reqs
assert "/modules/secagent/genid/esworkload-gen-1/sign?api-version=2022-08-03" in paths, reqs
print(f"CONNECTs verified: {len(verdicts)}; workload requests: {len(reqs)}")
PY
BUNDLE=$STATE/workload-trust-bundle.pem
cmp -s "$BUNDLE" "$WORK/pki/ca.pem" || { echo "FAIL: the trust bundle file is not the CA"; exit 1; }
[ "$(stat -c %a "$BUNDLE")" = 600 ] || { echo "FAIL: trust bundle mode $(stat -c %a "$BUNDLE")"; exit 1; }
echo "PASS: SAS token signed by the workload API verifies; telemetry arrives; CA from the trust bundle"

# --- 2. workload API absent, then present ---
stop_workload
rm -f "$BUNDLE"
"$EDGESEC" "${RUN[@]}" 2>"$WORK/agent2.err" &
AGENT=$!
sleep 5
alive "workload API absent" "$WORK/agent2.err"
n=$(grep -c "IoT Edge workload API: trust-bundle: unix socket $SOCK: No such file or directory" \
	"$WORK/agent2.err" || true)
attempts=$(grep -c 'cannot make the SAS token' "$WORK/agent2.err" || true)
if [ "$n" != 1 ] || [ "$attempts" -lt 2 ]; then
	echo "FAIL: expected the reason logged once and several attempts (got $n, $attempts)"
	tail -20 "$WORK/agent2.err"
	exit 1
fi
before=$(count_from_module)
start_workload
if ! wait_telemetry "$before" 40; then
	echo "FAIL: no connection after the workload API appeared"
	tail -20 "$WORK/agent2.err"
	exit 1
fi
grep -q 'IoT Edge workload API at .* answers again' "$WORK/agent2.err" ||
	{ echo "FAIL: recovery not logged"; exit 1; }
stop_agent
echo "PASS: workload API absent: $attempts attempts, reason logged once, connected when it came"

# --- 3. 500, then garbage, then good ---
echo 500 >"$MODE"
: >"$WORK/received.jsonl"
"$EDGESEC" "${RUN[@]}" 2>"$WORK/agent3.err" &
AGENT=$!
sleep 4
alive "workload API answering 500" "$WORK/agent3.err"
grep -q 'IoT Edge workload API: trust-bundle: HTTP 500: test: identity service unavailable' \
	"$WORK/agent3.err" || { echo "FAIL: 500 not reported"; tail "$WORK/agent3.err"; exit 1; }
echo garbage >"$MODE"
sleep 8
alive "workload API answering garbage" "$WORK/agent3.err"
grep -q 'IoT Edge workload API: trust-bundle answer is not JSON' "$WORK/agent3.err" ||
	{ echo "FAIL: garbage not reported"; tail "$WORK/agent3.err"; exit 1; }
[ "$(count_from_module)" = 0 ] || { echo "FAIL: connected without a signature"; exit 1; }
echo ok >"$MODE"
if ! wait_telemetry 0 40; then
	echo "FAIL: no connection after the workload API recovered"
	tail -20 "$WORK/agent3.err"
	exit 1
fi
sleep 1
stop_agent
"$PY" - "$WORK/received.jsonl" <<'PY'
import json, sys
seen = []
for line in open(sys.argv[1]):
    body = json.loads(json.loads(line)["payload"])
    for e in body["Events"]:
        if e["Name"] == "Heartbeat":
            seen.append(e["Payload"][0].get("ExtraDetails", {}).get("OutputLastError", ""))
print("Heartbeat OutputLastError values:", sorted(set(seen)))
assert any("workload API" in s or "SAS token" in s for s in seen), seen
PY
echo "PASS: workload API answering 500 or garbage: agent kept running, retried, Heartbeat shows why"

# --- 4. the gate really checks: a workload API with another key gets no connection ---
stop_workload
WRONG_KEY=$(head -c 32 /dev/urandom | base64 -w0)
"$PY" "$HERE/workload-server.py" "$SOCK" "$WRONG_KEY" secagent esworkload-gen-1 \
	"$WORK/pki/ca.pem" "$MODE" >>"$WORK/workload.log" 2>&1 &
WL_PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
: >"$VERDICTS"
: >"$WORK/received.jsonl"
"$EDGESEC" "${RUN[@]}" 2>"$WORK/agent4.err" &
AGENT=$!
sleep 4
alive "token signed with another key" "$WORK/agent4.err"
stop_agent
[ "$(count_from_module)" = 0 ] || { echo "FAIL: a wrongly signed token connected"; exit 1; }
grep -q '"ok": false, "reason": "signature does not verify' "$VERDICTS" ||
	{ echo "FAIL: the gate did not refuse the wrong signature"; cat "$VERDICTS"; exit 1; }
grep -q 'not authori[sz]ed' "$WORK/agent4.err" ||
	{ echo "FAIL: the refusal is not in the agent's log"; tail "$WORK/agent4.err"; exit 1; }
echo "PASS: a token signed with another key is refused (CONNACK 5) and reported"

no_secrets "$WORK"/agent*.err "$WORK/mosquitto.log" "$WORK/gate.log"
if grep -q '"digest"' "$WORK"/agent*.err; then
	echo "FAIL: a digest reached the logs"
	exit 1
fi
echo "PASS: no key, digest or token in the logs"
