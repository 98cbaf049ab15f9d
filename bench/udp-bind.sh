#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/udp-bind.sh: what a UDP listener costs with the eBPF capture (ListenerCreate udp at
# bind()).  A python3 workload binds N UDP sockets to 127.0.0.1 port 0 and closes them, then
# does N UDP client sends (implicit port: no listener) and N TCP binds (no listen: no
# listener); for each phase: the workload's wall time per operation without and with
# `edgesec run --capture ebpf` running, the agent's CPU per operation (schedstat, all
# threads, until 2 s after the phase) and the ListenerCreate events of the workload's pid on
# the output (N for the binds, 0 for the others).  A shared machine moves these figures
# between runs: compare within one run.
#
# Usage: bench/udp-bind.sh [N [EDGESEC]]   (defaults: 5000 build/edgesec)
# Root; needs python3 and jq.  Prints figures, never fails on them.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${1:-5000}
BIN=${2:-build/edgesec}

die() {
	echo "udp-bind: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root"
command -v jq >/dev/null || die "jq not found"
[[ -x $BIN ]] || die "$BIN not found"

tmp=$(mktemp -d /tmp/edgesec-udpbind.XXXXXX)
agent=
cleanup() {
	[[ -n $agent ]] && kill -TERM "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cat >"$tmp/config.json" <<-'EOF'
	{"aggregationEnabledConnectionCreate": false,
	 "edgesec": {"localFlushInterval": "PT1S", "heartbeatInterval": "PT1S"}}
EOF

# workload MODE N: prints "PID NANOSECONDS"
workload() {
	python3 -c '
import os, socket, sys, time
mode, n = sys.argv[1], int(sys.argv[2])
t = time.monotonic_ns()
for i in range(n):
    if mode == "udp-bind":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
    elif mode == "udp-client":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", ("127.0.0.1", 9))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
    s.close()
print(os.getpid(), time.monotonic_ns() - t)' "$1" "$2"
}

cpu_ns() { # PID: nanoseconds on a CPU, all threads
	local t=0 f
	for f in /proc/"$1"/task/*/schedstat; do
		t=$((t + $(cut -d' ' -f1 "$f")))
	done
	echo "$t"
}

modes=(udp-bind udp-client tcp-bind)
declare -A base
for m in "${modes[@]}"; do
	read -r _ ns < <(workload "$m" "$N")
	base[$m]=$ns
done

"$BIN" run --capture ebpf --config "$tmp/config.json" --state-dir "$tmp/state" \
	--output "$tmp/out.jsonl" 2>"$tmp/err" </dev/null &
agent=$!
for _ in $(seq 300); do
	state=$(jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
		| select(.Name == "process") | .State' "$tmp/out.jsonl" 2>/dev/null | tail -n1)
	[[ $state == running || $state == degraded ]] && break
	kill -0 "$agent" 2>/dev/null || die "$BIN did not start: $(tail -n1 "$tmp/err")"
	sleep 0.1
done
sleep 2

echo "udp-bind: N=$N per phase; ns per operation (workload without / with the agent), agent CPU ns per operation, ListenerCreate of the workload"
for m in "${modes[@]}"; do
	c0=$(cpu_ns "$agent")
	read -r pid ns < <(workload "$m" "$N")
	sleep 2
	c1=$(cpu_ns "$agent")
	n=$(jq -c --argjson pid "$pid" '.Events[]? | select(.Name == "ListenerCreate")
		| .Payload[] | select(.ProcessId == $pid) | .LocalPort' "$tmp/out.jsonl" 2>/dev/null | wc -l)
	printf '%-10s %8d / %8d ns   agent %8d ns   ListenerCreate %d\n' "$m" \
		$((base[$m] / N)) $((ns / N)) $(((c1 - c0) / N)) "$n"
done
