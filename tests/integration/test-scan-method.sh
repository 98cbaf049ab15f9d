#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The direct method "scan" end to end: the real agent (connection-string identity, TLS to a
# private mosquitto) watches a private dockerd; a test peer in the IoT Hub role calls
# $iothub/methods/POST/scan and must get 200 with the analysis figures of the running
# containers, and the Recommendation event of that analysis must arrive in the telemetry at
# once, naming the risky container's rule (EDGE003, CAP_SYS_ADMIN).  Until the agent is in
# sync with the daemon the method answers 500 (EAGAIN): the peer calls again, for 60 s at
# most.
#
# The method is offered by the containers collector through its table (collector_ops.methods)
# and wired by core/agent-control.c without knowing which collector offers it; the twin test
# checks the not-in-sync answer, this one the answer that does the work.
#
# Needs root (dockerd), dockerd and busybox-static (docker-env.sh), mosquitto, openssl and
# python3-paho-mqtt (mqtt-env.sh); skips (77) naming what is missing.  Everything is removed
# on exit: the containers, the private dockerd and its directories, the broker.
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR, BUILD_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_root "(dockerd)"
: "${EDGESEC:?EDGESEC must name the edgesec binary}"
[ -x "$EDGESEC" ] || fail "$EDGESEC is not an executable"
. "${SOURCE_DIR:?SOURCE_DIR must name the source tree}/tests/integration/docker-env.sh"
docker_env_require
. "$SOURCE_DIR/tests/integration/mqtt-env.sh" # sets -e and its own trap (replaced below)
set +e

prefix="esscan-$$"
dtmp=$(mktemp -d /tmp/esscan-XXXXXX) || fail "mktemp"
AGENT=
all_cleanup() {
	[ -n "$AGENT" ] && stop_pid "$AGENT" 10
	docker_env_stop "$prefix-risky" "$prefix-hardened"
	docker_env_cleanup_mounts "$dtmp"
	cleanup # mqtt-env.sh: the peer, the broker, $WORK
}
trap all_cleanup EXIT
trap 'exit 1' INT TERM

# 1. A private dockerd with one risky and one hardened running container.
docker_env_start "$dtmp"
docker_env_import_busybox esscan/busybox:1 sh sleep
dk run -d --name "$prefix-risky" --network none --cap-add SYS_ADMIN \
	esscan/busybox:1 sleep 600 >/dev/null || fail "run risky"
dk run -d --name "$prefix-hardened" --network none --user 1000:1000 --read-only \
	--security-opt no-new-privileges --memory 64m --cpus 0.5 --pids-limit 64 --cap-drop ALL \
	--log-opt max-size=1m --log-opt max-file=2 esscan/busybox:1 sleep 600 >/dev/null ||
	fail "run hardened"

# 2. The broker and the agent (snapshots and flushes far apart: what arrives is the scan's).
make_certs
write_broker_conf
start_broker
cat >"$WORK/config.json" <<CONF
{"highPriorityMessageFrequency": "PT1H", "lowPriorityMessageFrequency": "PT1H",
 "snapshotFrequency": "PT1H",
 "edgesec": {"heartbeatInterval": "PT1H", "dockerSocket": "$DOCKER_ENV_SOCK"}}
CONF

"$PY" - "$PORT_PLAIN" "$prefix" >"$WORK/scan-peer.log" 2>&1 <<'PY' &
import json, queue, sys, time
import paho.mqtt.client as mqtt

port, prefix = int(sys.argv[1]), sys.argv[2]
q = queue.Queue()


def on_connect(c, userdata, flags, rc):
    c.subscribe("$iothub/methods/res/#", qos=1)
    c.subscribe("devices/+/modules/+/messages/events/#", qos=1)
    print("peer ready", flush=True)


def on_message(c, userdata, m):
    q.put((m.topic, m.payload.decode("utf-8", "replace")))


c = mqtt.Client(client_id="scan-peer", clean_session=True)
c.on_connect = on_connect
c.on_message = on_message
c.connect("127.0.0.1", port)
c.loop_start()

deadline = time.time() + 60
answer, rid, telemetry = None, 0, []
while time.time() < deadline and answer is None:
    rid += 1
    c.publish("$iothub/methods/POST/scan/?$rid=s-%d" % rid, b"", qos=1)
    until = time.time() + 2
    while time.time() < until:
        try:
            t, p = q.get(timeout=0.2)
        except queue.Empty:
            continue
        if t.startswith("devices/"):
            telemetry.append(p)
        elif t == "$iothub/methods/res/200/?$rid=s-%d" % rid:
            answer = json.loads(p)
            break
        elif t.startswith("$iothub/methods/res/500/"):
            print("not ready yet: %s" % p, flush=True)
            break
assert answer is not None, "no 200 answer to scan within 60 s"
print("scan answered: %s" % json.dumps(answer), flush=True)
assert answer["result"] == "scan done", answer
assert answer["containers"] == 2, answer
assert answer["findings"] >= 1, answer
assert answer["driftChecked"] is False and answer["drift"] == 0, answer

# The analysis' Recommendation event is sent at once (the queues flush after the method).
found = False
until = time.time() + 10
while time.time() < until and not found:
    for p in telemetry:
        if '"Recommendation"' in p and prefix + "-risky" in p and "EDGE003" in p:
            found = True
    telemetry = []
    try:
        t, p = q.get(timeout=0.5)
        telemetry.append(p)
    except queue.Empty:
        pass
assert found, "no Recommendation naming %s-risky and EDGE003 arrived" % prefix
print("PEER DONE", flush=True)
PY
SCAN_PEER=$!
for _ in $(seq 50); do
	grep -q "peer ready" "$WORK/scan-peer.log" 2>/dev/null && break
	sleep 0.1
done

"$EDGESEC" run --hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem" \
	--config "$WORK/config.json" --state-dir "$WORK/state" 2>"$WORK/agent.err" &
AGENT=$!

rc=0
wait $SCAN_PEER || rc=$?
cat "$WORK/scan-peer.log"
if [ $rc -ne 0 ] || ! grep -q "PEER DONE" "$WORK/scan-peer.log"; then
	tail -30 "$WORK/agent.err"
	fail "the scan peer's checks failed (agent log above)"
fi
grep -q "Direct method scan answered 200" "$WORK/agent.err" ||
	fail "the agent did not log the scan's answer"
no_secrets "$WORK/agent.err" "$WORK/mosquitto.log"
echo "PASS: the scan method analyzed the running containers and sent its findings"
