#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MQTT over TLS to a real mosquitto with a CA made here: every message arrives at the peer
# (IoT Hub role) on the module's telemetry topic with $.ct, $.ce, $.mid and the ASC marker
# ($.ifid) or edgesec's own marker; no key or token reaches the logs.
source "$(dirname "$0")/mqtt-env.sh"

make_certs
write_broker_conf
start_broker
start_peer

rc=0
"$DRIVER" drive --hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem" \
	--state-dir "$WORK" --count 50 --interval-ms 5 --timeout-s 30 \
	>"$WORK/driver.out" 2>"$WORK/driver.err" || rc=$?
cat "$WORK/driver.out"
if [ $rc -ne 0 ]; then
	echo "FAIL: the publisher did not get every PUBACK"
	tail -20 "$WORK/driver.err"
	exit 1
fi
grep -q '^spool_memory=0' "$WORK/driver.out" || { echo "FAIL: spool not on disk"; exit 1; }
for _ in $(seq 50); do
	[ "$(wc -l <"$WORK/received.jsonl" 2>/dev/null || echo 0)" -ge 50 ] && break
	sleep 0.1
done
check_received 50
no_secrets "$WORK/driver.err" "$WORK/driver.out" "$WORK/mosquitto.log"
echo "PASS: 50 messages over TLS with the right topic and properties"
