#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Every message the real agent writes validates against its schema: ASC messages ("1.0")
# against the published ASC for IoT schema, our own ("edgesec/1.0") against
# docs/schemas/edgesec-message.schema.json.  Runs `edgesec snapshot` and `edgesec run` (a few
# seconds, short intervals, then SIGTERM) with one state directory, validates every line, and
# checks that the two kinds of events never share a message and that the AgentId is kept.
# Alert events (on-device detection) are made deterministic by `edgesec run --replay` of
# tests/detect/replay-sample.jsonl (alerts, a repeat summary), validated the same way.
#
# Environment (set by CTest): EDGESEC (the binary), SOURCE_DIR, BUILD_DIR.
set -euo pipefail

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

: "${EDGESEC:?EDGESEC must name the edgesec binary}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"
[ -x "$EDGESEC" ] || fail "$EDGESEC is not an executable"

TOOLS="$SOURCE_DIR/tests/tools"
VALIDATOR="$TOOLS/validate-messages.mjs"

command -v node >/dev/null ||
	fail "node is not installed (Debian: apt-get install nodejs npm); it runs the schema validator"
if [ ! -d "$TOOLS/node_modules/ajv" ] || [ ! -d "$TOOLS/node_modules/ajv-formats" ]; then
	command -v npm >/dev/null || fail "npm is not installed (Debian: apt-get install npm)"
	echo "installing the validator's dependencies: npm ci --prefix $TOOLS"
	npm ci --prefix "$TOOLS" --no-audit --no-fund ||
		fail "npm ci failed (offline? run 'npm ci --prefix tests/tools' with network access once)"
fi

tmp=$(mktemp -d)
agent_pid=
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill "$agent_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# 1. The validator rejects what it must (and accepts the valid ASC samples).
node "$VALIDATOR" --self-test || fail "validator self-test"

# 2. A deliberately broken message must fail: a validator that passes everything is useless.
broken='{"AgentVersion":"0.1.0","AgentId":"not-a-guid","MessageSchemaVersion":"1.0","Events":[]}'
if printf '%s\n' "$broken" | node "$VALIDATOR" >"$tmp/broken.log" 2>&1; then
	cat "$tmp/broken.log"
	fail "the validator accepted a broken message"
fi
grep -q "0 passed, 1 failed" "$tmp/broken.log" || fail "unexpected validator summary: $(cat "$tmp/broken.log")"
# Usage errors exit 2.
rc=0
node "$VALIDATOR" --no-such-option >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "validator usage error exited $rc, expected 2"

# 3. The agent's own output.
state="$tmp/state"
mkdir -p "$state"
cat >"$tmp/config.json" <<'EOF'
{
  "snapshotFrequency": "PT2S",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT2S",
  "edgesec": {
    "heartbeatInterval": "PT2S",
    "localFlushInterval": "PT1S"
  }
}
EOF

"$EDGESEC" snapshot --state-dir "$state" >"$tmp/snapshot.jsonl" 2>"$tmp/snapshot.log" ||
	fail "edgesec snapshot exited $? ($(tail -n 5 "$tmp/snapshot.log"))"
[ -s "$state/agent-id" ] || fail "snapshot left no agent-id in the state directory"
agent_id=$(tr -d '\n' <"$state/agent-id")
[ "${#agent_id}" -eq 36 ] || fail "agent-id '$agent_id' is not 36 characters"
if [ ! -s "$tmp/snapshot.jsonl" ]; then
	echo "note: snapshot printed no message (no periodic collector produced events)"
fi

"$EDGESEC" run --state-dir "$state" --config "$tmp/config.json" \
	>"$tmp/run.jsonl" 2>"$tmp/run.log" &
agent_pid=$!
sleep 6
kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died early: $(tail -n 5 "$tmp/run.log")"
kill -TERM "$agent_pid"
rc=0
for _ in $(seq 50); do
	kill -0 "$agent_pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$agent_pid" 2>/dev/null && fail "edgesec run did not stop within 5 s of SIGTERM"
wait "$agent_pid" || rc=$?
agent_pid=
[ "$rc" -eq 0 ] || fail "edgesec run exited $rc after SIGTERM: $(tail -n 5 "$tmp/run.log")"
[ -s "$tmp/run.jsonl" ] || fail "edgesec run wrote no message in 6 s"

# 3b. Alerts: replayed events through the shipped rules.
"$EDGESEC" run --replay "$SOURCE_DIR/tests/detect/replay-sample.jsonl" >"$tmp/replay.jsonl" \
	2>"$tmp/replay.log" || fail "edgesec run --replay exited $?: $(tail -n 5 "$tmp/replay.log")"
node "$VALIDATOR" --report "$tmp/replay-report.json" "$tmp/replay.jsonl" ||
	fail "replayed messages (with Alerts) do not validate (see above)"
node -e '
const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
const n = r.events["edgesec/1.0"].Alert || 0;
if (n < 5) { console.error(`only ${n} Alert events in the replay`); process.exit(1); }
console.log(`replay: ${n} Alert events validated`);' "$tmp/replay-report.json" ||
	fail "the replay made too few Alerts"

# 4. Validate every line of both outputs.
node "$VALIDATOR" --report "$tmp/report.json" "$tmp/snapshot.jsonl" "$tmp/run.jsonl" ||
	fail "some messages do not validate (see above)"

# 5. What the report says.
node - "$tmp/report.json" "$agent_id" <<'EOF' || fail "report checks"
const fs = require('node:fs');
const [report, agentId] = [JSON.parse(fs.readFileSync(process.argv[2], 'utf8')), process.argv[3]];
const problems = [];
const asc = '1.0', ours = 'edgesec/1.0';
if (report.messages[asc] < 1) problems.push('no ASC message seen');
if (report.messages[ours] < 1) problems.push('no edgesec message seen');
const oursNames = new Set(report.schemaNames[ours]);
const ascNames = new Set(report.schemaNames[asc]);
for (const n of Object.keys(report.events[asc]))
	if (oursNames.has(n) || !ascNames.has(n))
		problems.push(`event ${n} in an ASC message`);
for (const n of Object.keys(report.events[ours]))
	if (ascNames.has(n) || !oursNames.has(n))
		problems.push(`event ${n} in an edgesec message`);
if (!report.events[ours].Heartbeat) problems.push('no Heartbeat seen');
if (report.agentIds.length !== 1 || report.agentIds[0] !== agentId)
	problems.push(`AgentIds ${JSON.stringify(report.agentIds)}, expected only ${agentId} ` +
		      '(from the state directory)');
for (const p of problems) console.error(`  ${p}`);
console.log(`messages: ${JSON.stringify(report.messages)}; events: ${JSON.stringify(report.events)}`);
process.exit(problems.length ? 1 : 0);
EOF

# 6. The AgentId is kept: the state directory still holds the same one after the run.
[ "$(tr -d '\n' <"$state/agent-id")" = "$agent_id" ] || fail "the agent-id changed during the run"

echo "PASS: schema validation"
