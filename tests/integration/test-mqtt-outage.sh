#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Broker stopped for ~10 s while messages are published, then restarted on the same port:
# every message arrives (counted by $.mid); duplicates only from at-least-once redelivery:
# no more than the publisher re-sent (spool_duplicates) plus what the broker redelivered to
# the peer with the DUP flag (its own QoS 1 leg across the restart).
source "$(dirname "$0")/mqtt-env.sh"

make_certs
write_broker_conf
start_broker
start_peer

N=300
"$DRIVER" drive --hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem" \
	--state-dir "$WORK" --count $N --interval-ms 50 --timeout-s 90 \
	--backoff-min-ms 200 --backoff-max-ms 2000 \
	>"$WORK/driver.out" 2>"$WORK/driver.err" &
DRIVER_PID=$!
sleep 3
stop_broker
echo "broker stopped"
sleep 10
start_broker
echo "broker started again"
rc=0
wait $DRIVER_PID || rc=$?
cat "$WORK/driver.out"
[ $rc -eq 0 ] || { echo "FAIL: the publisher did not deliver everything"; tail -20 "$WORK/driver.err"; exit 1; }
grep -q '^disconnects=[1-9]' "$WORK/driver.out" || { echo "FAIL: no outage seen"; exit 1; }
for _ in $(seq 100); do
	python3 "$HERE/mqtt-check.py" "$WORK/received.jsonl" $N >/dev/null 2>&1 && break
	sleep 0.2
done
out=$(check_received $N) || { echo "$out"; echo "FAIL: messages lost"; exit 1; }
echo "$out"
dups=$(sed -n 's/.* duplicates=\([0-9]*\).*/\1/p' <<<"$out")
flagged=$(sed -n 's/.*broker_redelivered=\([0-9]*\).*/\1/p' <<<"$out")
resent=$(sed -n 's/^spool_duplicates=//p' "$WORK/driver.out")
if [ "$dups" -gt $((resent + flagged)) ]; then
	echo "FAIL: $dups duplicates but only $resent re-sends and $flagged broker redeliveries"
	exit 1
fi
no_secrets "$WORK/driver.err" "$WORK/driver.out"
echo "PASS: $N messages through a 10 s outage, $dups duplicates (re-sent $resent, broker redelivered $flagged)"
