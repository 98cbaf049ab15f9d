#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Wrong CA, and a server certificate for another host name: no connection, a clear error, and
# the attempts back off (counted over a few seconds).
source "$(dirname "$0")/mqtt-env.sh"

make_certs
write_broker_conf
start_broker

# run_reject NAME PORT CA: the publisher must fail every attempt, with backoff
run_reject() {
	local name=$1 port=$2 ca=$3 rc=0 attempts
	"$DRIVER" drive --hub "mqtts://127.0.0.1:$port" --ca-file "$ca" --state-dir "$WORK" \
		--count 1 --timeout-s 6 --backoff-min-ms 200 --backoff-max-ms 2000 \
		>"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	cat "$WORK/$name.out"
	[ $rc -eq 1 ] || { echo "FAIL($name): expected no connection, rc=$rc"; exit 1; }
	grep -q '^connects=0$' "$WORK/$name.out" || { echo "FAIL($name): it connected"; exit 1; }
	attempts=$(sed -n 's/^connect_attempts=//p' "$WORK/$name.out")
	# 200, 400, 800, 1600, 2000 ms with jitter in [d/2, d]: 4..9 attempts in 6 s
	if [ "$attempts" -lt 3 ] || [ "$attempts" -gt 9 ]; then
		echo "FAIL($name): $attempts attempts in 6 s: no backoff"
		exit 1
	fi
	grep -qi 'certificate verify failed' "$WORK/$name.out" ||
		{ echo "FAIL($name): unclear error"; tail "$WORK/$name.err"; exit 1; }
	no_secrets "$WORK/$name.out" "$WORK/$name.err"
	echo "ok: $name: $attempts attempts, error: $(sed -n 's/^last_error=//p' "$WORK/$name.out")"
}

run_reject wrong-ca "$PORT_TLS" "$WORK/pki/other-ca.pem"
run_reject wrong-host "$PORT_WRONG" "$WORK/pki/ca.pem"
echo "PASS: wrong CA and wrong host name are refused, with backoff"
