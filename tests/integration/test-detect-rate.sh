#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The detection engine's own bounds are the operator's to set: `detectionAlertsPerMinute`
# limits the new alerts of one rule in a minute (the rest become one suppressed summary with
# their count), and an out-of-range value is refused with a clear error.  Deterministic: 12
# executions from /dev/shm (rule exec-temp-dir, one key each) within 12 s are replayed through
# the shipped rules (`edgesec run --replay`, event time drives the minute), with the default
# (30: 12 alerts) and with 3 (3 alerts + one summary counting the 9 others).
#
# Environment (set by CTest): EDGESEC (the binary), SOURCE_DIR.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_edgesec
need_tools "apt-get install -y jq" jq

tmp=$(mktemp -d /tmp/edgesec-detect-rate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for i in $(seq 0 11); do
	printf '{"Name":"ProcessCreate","TimestampUTC":"2026-01-01T00:00:%02d.000Z","Payload":[{"Executable":"/dev/shm/x%d","ProcessId":%d,"ParentProcessId":4000,"UserId":"1000","CommandLine":"/dev/shm/x%d"}]}\n' \
		$((10 + i)) "$i" $((5000 + i)) "$i"
done >"$tmp/in.jsonl"
# a later event ends the minute, so the summary is due
echo '{"Name":"ProcessCreate","TimestampUTC":"2026-01-01T00:03:00.000Z","Payload":[{"Executable":"/bin/true","ProcessId":6000,"ParentProcessId":4000,"UserId":"1000","CommandLine":"true"}]}' \
	>>"$tmp/in.jsonl"

alerts() { # config: "new summary suppressed-count" of rule exec-temp-dir
	"$EDGESEC" run --config "$1" --replay "$tmp/in.jsonl" 2>"$tmp/replay.log" >"$tmp/out.jsonl" ||
		fail "edgesec run --replay with $1 exited $?: $(tail -n 3 "$tmp/replay.log")"
	jq -s -r '[.[].Events[] | select(.Name == "Alert") | .Payload[0]
		| select(.RuleId == "exec-temp-dir")] as $a
		| [($a | map(select(.ExtraDetails.Suppressed != "true")) | length),
		   ($a | map(select(.ExtraDetails.Suppressed == "true")) | length),
		   ($a | map(select(.ExtraDetails.Suppressed == "true") | .RepeatCount) | add // 0)]
		| map(tostring) | join(" ")' "$tmp/out.jsonl"
}

echo '{}' >"$tmp/default.json"
got=$(alerts "$tmp/default.json")
[ "$got" = "12 0 0" ] || fail "default rate (30/min): expected 12 alerts and no summary, got '$got'"
echo "ok: default (30 per minute): 12 alerts for 12 executions"

echo '{"edgesec": {"detectionAlertsPerMinute": 3}}' >"$tmp/three.json"
got=$(alerts "$tmp/three.json")
[ "$got" = "3 1 9" ] || fail "detectionAlertsPerMinute 3: expected '3 1 9' (alerts, summaries, suppressed), got '$got'"
jq -e -s '[.[].Events[] | select(.Name == "Alert") | .Payload[0]
	| select(.ExtraDetails.Suppressed == "true")][0].ExtraDetails.AlertsPerMinute == "3"' \
	"$tmp/out.jsonl" >/dev/null || fail "the summary does not name the rate it applied"
echo "ok: detectionAlertsPerMinute 3: 3 alerts, then one summary counting the other 9"

for bad in 0 6001 '"fast"'; do
	echo "{\"edgesec\": {\"detectionAlertsPerMinute\": $bad, \"detectionMaxStateMiB\": 8}}" >"$tmp/bad.json"
	if "$EDGESEC" check-config "$tmp/bad.json" >"$tmp/check.out" 2>&1; then
		fail "check-config accepted detectionAlertsPerMinute $bad"
	fi
	grep -q "detectionAlertsPerMinute" "$tmp/check.out" ||
		fail "check-config refused $bad without naming the key: $(cat "$tmp/check.out")"
done
echo '{"edgesec": {"detectionMaxStateMiB": 0}}' >"$tmp/bad.json"
! "$EDGESEC" check-config "$tmp/bad.json" >"$tmp/check.out" 2>&1 ||
	fail "check-config accepted detectionMaxStateMiB 0"
grep -q "detectionMaxStateMiB" "$tmp/check.out" || fail "no error naming detectionMaxStateMiB"
echo "ok: out-of-range values are refused by name (0, 6001, a string; a 0 MiB state)"
