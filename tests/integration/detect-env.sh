# SPDX-License-Identifier: MIT
# Shared by the detection catalogue tests (sourced after lib.sh; not a test itself: only
# test-*.sh are).  One `edgesec run --capture ebpf` per script, writing to a file; the script
# performs real behaviour and waits (bounded, by polling the file) for the Alert of a rule
# whose payload satisfies a jq condition.  A table of rule -> behaviour -> result is printed
# at the end, with the latency from the start of the behaviour to the Alert on the output (a
# figure: it is never asserted; the deadline only bounds the wait).
#
#   dt_init NAME                 temp directory DT_TMP (under /run, not a temporary directory
#                                the rules watch), cleanup trap running dt_cleanup_hook first
#   dt_start_agent JSON          start the agent with the edgesec-group members JSON (object
#                                body, may be empty) merged into the base configuration, and
#                                top-level members DT_TOP (object body), user rules from
#                                DT_RULES_PATH (default none); wait until the process
#                                collector runs; sets DT_OUT, DT_AGENT_PID
#   dt_alerts                    every Alert payload on the output so far, one per line
#   dt_wait RULE COND [SECONDS]  wait for an Alert of RULE whose payload satisfies the jq
#                                condition COND (variables from DT_JQ_ARGS); prints it
#   dt_expect RULE DESC COND     dt_wait with the default deadline; on success records a row
#                                of the table (and the latency since dt_mark), else fails
#   dt_mark                      start the latency clock of the next dt_expect
#   dt_none RULE COND [SECONDS]  fails when such an Alert arrives within SECONDS (default 2)
#   dt_row RULE DESC RESULT      add a row by hand (a rule covered otherwise, or a gap)
#   dt_table                     print the table
#
# The output holds Alert events and the periodic snapshots only: ProcessCreate,
# ProcessTerminate and ConnectionCreate are Off (the rules still see them, the file stays
# small on a busy machine).  DT_VERBOSE=1 writes them too (debugging); KEEP=1 keeps DT_TMP.

DT_DEADLINE=${DT_DEADLINE:-15} # seconds to wait for an Alert at most (a loaded CI machine)
DT_TMP=
DT_OUT=
DT_AGENT_PID=
DT_TOP=${DT_TOP:-}
DT_JQ_ARGS=()
DT_ROWS=()
DT_T0=0
DT_LATENCIES=()

dt_now_ms() { echo $(($(date +%s%N) / 1000000)); }

dt_init() { # name
	DT_TMP=$(mktemp -d "/run/edgesec-$1-XXXXXX") || fail "mktemp"
	chmod 755 "$DT_TMP"
	trap dt_cleanup EXIT
}

dt_cleanup() {
	local rc=$?

	if declare -F dt_cleanup_hook >/dev/null; then
		dt_cleanup_hook
	fi
	dt_stop_agent
	if [ -n "${KEEP:-}" ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${KEEP_ON_FAIL:-}" ]; }; then
		echo "kept $DT_TMP"
	else
		rm -rf "$DT_TMP"
	fi
	exit "$rc"
}

dt_stop_agent() {
	if [ -n "$DT_AGENT_PID" ]; then
		kill -TERM "$DT_AGENT_PID" 2>/dev/null
		wait "$DT_AGENT_PID" 2>/dev/null
		DT_AGENT_PID=
	fi
}

dt_start_agent() { # edgesec-group members
	local state= prio=Off

	[ -n "${DT_VERBOSE:-}" ] && prio=Low
	DT_OUT=$DT_TMP/out.jsonl
	cat >"$DT_TMP/config.json" <<EOF
{
  "snapshotFrequency": "PT1H",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "eventPriorityProcessCreate": "$prio",
  "eventPriorityProcessTerminate": "$prio",
  "eventPriorityConnectionCreate": "$prio",
  "aggregationEnabledProcessCreate": false,
  "aggregationEnabledConnectionCreate": false,
  ${DT_TOP:+$DT_TOP,}
  "edgesec": {
    "heartbeatInterval": "PT1S",
    "localFlushInterval": "PT1S",
    "detectionRulesPath": "${DT_RULES_PATH:-}"${1:+, $1}
  }
}
EOF
	"$EDGESEC" run --capture ebpf --state-dir "$DT_TMP/state" --config "$DT_TMP/config.json" \
		--output "$DT_OUT" 2>"$DT_TMP/agent.log" </dev/null &
	DT_AGENT_PID=$!
	for _ in $(seq 300); do
		kill -0 "$DT_AGENT_PID" 2>/dev/null ||
			fail "edgesec run died: $(tail -n 5 "$DT_TMP/agent.log")"
		state=$(dt_collector_state process)
		[ -n "$state" ] && break
		sleep 0.1
	done
	case $state in
	running | degraded) ;;
	*) skip "the eBPF process capture does not run here (state '${state:-none}'): $(grep -i 'process' "$DT_TMP/agent.log" | tail -n1)" ;;
	esac
	grep -q "Detection: [1-9][0-9]* rules" "$DT_TMP/agent.log" ||
		fail "no detection rules loaded: $(grep -i detection "$DT_TMP/agent.log")"
}

dt_collector_state() { # name: State of that collector in the last Heartbeat
	grep '"Heartbeat"' "$DT_OUT" 2>/dev/null | jq -r --arg n "$1" '.Events[]
		| select(.Name == "Heartbeat") | .Payload[0].Collectors[]? | select(.Name == $n)
		| .State' 2>/dev/null | tail -n1
}

dt_collector_detail() { # name: Detail of that collector in the last Heartbeat
	grep '"Heartbeat"' "$DT_OUT" 2>/dev/null | jq -r --arg n "$1" '.Events[]
		| select(.Name == "Heartbeat") | .Payload[0].Collectors[]? | select(.Name == $n)
		| .Detail // ""' 2>/dev/null | tail -n1
}

dt_lost() { # events the process capture lost so far (a full ring under load)
	grep '"Heartbeat"' "$DT_OUT" 2>/dev/null | jq -r '.Events[] | select(.Name == "Heartbeat")
		| .Payload[0].Collectors[]? | select(.Name == "process") | .Lost' 2>/dev/null |
		tail -n1
}

dt_alerts() {
	grep '"Alert"' "$DT_OUT" 2>/dev/null | jq -c 'select(.MessageSchemaVersion == "edgesec/1.0")
		| .Events[] | select(.Name == "Alert") | .Payload[0]' 2>/dev/null || true
}

dt_find() { # rule cond: matching alerts so far
	dt_alerts | jq -c --arg rule "$1" "${DT_JQ_ARGS[@]}" "select(.RuleId == \$rule) | select($2)" \
		2>/dev/null || true
}

dt_mark() { DT_T0=$(dt_now_ms); }

dt_wait() { # rule cond [seconds]
	local end=$(($(dt_now_ms) + ${3:-$DT_DEADLINE} * 1000)) hit

	while :; do
		hit=$(dt_find "$1" "$2" | head -n1)
		[ -n "$hit" ] && echo "$hit" && return 0
		kill -0 "$DT_AGENT_PID" 2>/dev/null ||
			fail "edgesec run died: $(tail -n 5 "$DT_TMP/agent.log")"
		[ "$(dt_now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

dt_expect() { # rule desc cond
	local hit ms

	if ! hit=$(dt_wait "$1" "$3"); then
		echo "--- alerts of $1 on the output:" >&2
		dt_find "$1" true >&2
		echo "--- process capture lost so far: $(dt_lost)" >&2
		fail "$1: no Alert with $3 within ${DT_DEADLINE} s after: $2"
	fi
	ms=$(($(dt_now_ms) - DT_T0))
	[ "$DT_T0" -gt 0 ] && DT_LATENCIES+=("$ms")
	DT_ROWS+=("$1|$2|pass (${ms} ms)")
	echo "ok: $1: $2 (${ms} ms)"
	DT_LAST_ALERT=$hit
}

dt_none() { # rule cond [seconds]
	local hit

	if hit=$(dt_wait "$1" "$2" "${3:-2}"); then
		fail "$1: unexpected Alert: $hit"
	fi
	return 0
}

dt_row() { # rule desc result
	DT_ROWS+=("$1|$2|$3")
	echo "note: $1: $2: $3"
}

dt_table() {
	local r sorted

	echo "--- rule | real behaviour | result"
	for r in "${DT_ROWS[@]}"; do
		echo "$r"
	done
	if [ "${#DT_LATENCIES[@]}" -gt 0 ]; then
		sorted=$(printf '%s\n' "${DT_LATENCIES[@]}" | sort -n)
		echo "latency behaviour -> Alert on the output: ${#DT_LATENCIES[@]} alerts," \
			"median $(echo "$sorted" | sed -n "$(((${#DT_LATENCIES[@]} + 1) / 2))p") ms," \
			"max $(echo "$sorted" | tail -n1) ms (figures, not asserted)"
	fi
}

# A free TCP port on 127.0.0.1 (the kernel's choice; a race with other tests is unlikely).
dt_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait until something listens on 127.0.0.1:PORT (tcp), 10 s at most.
dt_wait_listen() { # port
	for _ in $(seq 200); do
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	fail "nothing listens on port $1"
}

# A loopback TCP peer (Debian's python3, not a netcat: it is not what a test looks at):
# listens on 127.0.0.1:PORT, and for each connection sends PAYLOAD, then appends what it
# receives (until EOF, 5 s at most) to DT_TMP/peer-PORT.log.  Runs in the background until
# killed; sets DT_PEER_PID.  dt_stop_peer stops it.
dt_peer() { # port payload
	/usr/bin/python3 - "$1" "$2" "$DT_TMP/peer-$1.log" <<'PY' &
import socket, sys
port, payload, log = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(8)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        c.sendall(payload)
        with open(log, "ab") as f:
            while True:
                b = c.recv(4096)
                if not b:
                    break
                f.write(b)
                f.flush()
    except OSError:
        pass
    c.close()
PY
	DT_PEER_PID=$!
	dt_wait_listen "$1"
}

# Wait (bounded) until the peer on PORT received TEXT.
dt_peer_got() { # port text what
	for _ in $(seq $((DT_DEADLINE * 20))); do
		grep -qF "$2" "$DT_TMP/peer-$1.log" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "$3: the loopback peer did not receive '$2'"
}

dt_stop_peer() {
	[ -n "${DT_PEER_PID:-}" ] && kill "$DT_PEER_PID" 2>/dev/null && wait "$DT_PEER_PID" 2>/dev/null
	DT_PEER_PID=
	return 0
}
