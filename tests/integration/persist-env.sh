# SPDX-License-Identifier: MIT
# Shared by the restart tests (test-persist-restart.sh, test-persist-windows.sh; sourced after
# lib.sh, not a test itself): one agent configuration and the start/stop of `edgesec run` with
# one state directory.  The caller sets tmp, state and agent_pid (empty).
#   persist_config RULES_PATH  writes $tmp/config.json: snapshots hourly (one at each start),
#                              process events off, 1 s flushes and Heartbeats, those user rules
#   start N                    `edgesec run` writing out-N.jsonl and log-N; returns once the
#                              first ListeningPorts snapshot (which the rules see before the
#                              output does) is on the output
#   stop N                     SIGTERM, and the agent must exit 0

persist_config() { # rules-path
	cat >"$tmp/config.json" <<EOF
{
  "snapshotFrequency": "PT1H",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "eventPriorityProcessCreate": "Off",
  "eventPriorityProcessTerminate": "Off",
  "eventPriorityConnectionCreate": "Off",
  "edgesec": {
    "heartbeatInterval": "PT1S",
    "localFlushInterval": "PT1S",
    "detectionRulesPath": "$1",
    "dockerSocket": ""
  }
}
EOF
}

start() { # n
	local n=$1

	"$EDGESEC" run --state-dir "$state" --config "$tmp/config.json" \
		--output "$tmp/out-$n.jsonl" 2>"$tmp/log-$n" </dev/null &
	agent_pid=$!
	for _ in $(seq 300); do
		kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died: $(tail -n 5 "$tmp/log-$n")"
		grep -q '"ListeningPorts"' "$tmp/out-$n.jsonl" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "run $n: no ListeningPorts snapshot on the output within 30 s"
}

stop() { # n
	kill -TERM "$agent_pid" 2>/dev/null
	wait "$agent_pid" 2>/dev/null || fail "edgesec run exited with $?: $(tail -n 3 "$tmp/log-$1")"
	agent_pid=
}
