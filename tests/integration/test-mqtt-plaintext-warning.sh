#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A SAS token sent over plain mqtt:// is a password in clear: the agent says so in one warning
# when it sets up the hub, not at every reconnect.  Against a real mosquitto (plain listener):
#  1. mqtt:// with a connection string: connect, broker down (failed attempts), broker up
#     (reconnect): exactly one warning, naming the module, and no key or token in the log;
#  2. mqtts:// with the same identity: no warning;
#  3. mqtt:// to a plain broker without an identity (no token): no warning.
source "$(dirname "$0")/mqtt-env.sh"
: "${EDGESEC:?}"

make_certs
write_broker_conf
start_broker

WARNING='is not encrypted: the SAS token'
cat >"$WORK/config.json" <<'CONF'
{"highPriorityMessageFrequency": "PT1S", "lowPriorityMessageFrequency": "PT1S",
 "edgesec": {"heartbeatInterval": "PT1S", "logLevel": "debug"}}
CONF

# agent_run NAME SECONDS ARGS...: runs the agent (in the background until stop_agent)
agent_start() {
	local name=$1
	shift
	"$EDGESEC" run --config "$WORK/config.json" --state-dir "$WORK/state-$name" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	AGENT=$!
}
agent_stop() {
	local rc=0
	kill -TERM "$AGENT"
	wait "$AGENT" || rc=$?
	[ $rc -eq 0 ] || { echo "FAIL: agent exit code $rc"; tail "$WORK/$1.err"; exit 1; }
}
count() { # pattern file
	grep -c -F -e "$1" "$2" || true
}

# 1. plain, with a token, across a broker outage
agent_start plain --hub "mqtt://127.0.0.1:$PORT_PLAIN"
sleep 3
stop_broker
sleep 4
start_broker
sleep 4
agent_stop plain
connects=$(count 'Connected to the hub' "$WORK/plain.err")
failures=$(grep -c 'Hub connection: \(connect-failed\|disconnected\)' "$WORK/plain.err" || true)
warnings=$(count "$WARNING" "$WORK/plain.err")
echo "plain mqtt:// with a SAS token: $connects connects, $failures failed/lost, $warnings warning(s)"
[ "$connects" -ge 2 ] || { echo "FAIL: expected a reconnect"; tail -20 "$WORK/plain.err"; exit 1; }
[ "$failures" -ge 1 ] || { echo "FAIL: expected the outage to show"; exit 1; }
[ "$warnings" -eq 1 ] || { echo "FAIL: expected exactly one warning"; grep -F "$WARNING" "$WORK/plain.err"; exit 1; }
grep -F "$WARNING" "$WORK/plain.err" | grep -q 'edge01/secagent' ||
	{ echo "FAIL: the warning does not name the module"; exit 1; }
no_secrets "$WORK/plain.err" "$WORK/plain.out"

# 2. TLS: no warning
agent_start tls --hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem"
sleep 3
agent_stop tls
[ "$(count 'Connected to the hub' "$WORK/tls.err")" -ge 1 ] || { echo "FAIL: no TLS connection"; exit 1; }
[ "$(count "$WARNING" "$WORK/tls.err")" -eq 0 ] || { echo "FAIL: warned over TLS"; exit 1; }
no_secrets "$WORK/tls.err"

# 3. plain broker, no identity, no token: nothing to warn about
unset EDGESEC_CONNECTION_STRING
agent_start anon --hub "mqtt://127.0.0.1:$PORT_PLAIN"
sleep 3
agent_stop anon
[ "$(count 'Connected to the hub' "$WORK/anon.err")" -ge 1 ] || { echo "FAIL: no connection"; exit 1; }
[ "$(count "$WARNING" "$WORK/anon.err")" -eq 0 ] || { echo "FAIL: warned without a token"; exit 1; }
echo "PASS: one warning for a SAS token over plain mqtt://, none over mqtts:// or without a token"
