#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/exec-callgrind.sh: user-space instructions per event of two agent binaries, counted by
# valgrind's callgrind at the same time on the same events — a comparison that does not move
# with the load of a shared machine, unlike CPU seconds.
#
# Both binaries (EDGESEC_A, EDGESEC_B: e.g. before and after a change) run `edgesec run
# --capture BACKEND` under callgrind side by side; once both run, instrumentation is switched
# on (callgrind_control -i on: start-up is not counted) for DURATION seconds while a spawner
# runs N execs of `/bin/true MARKER ARG2` (bench/exec-storm-spawner.c); both see every exec of
# the host (the spawner's and everyone else's).  Per binary: the instructions counted, the
# events its process collector reported meanwhile (Heartbeat `Events`, read when counting
# starts and at the end: ±1 s of events) and their ratio.  The eBPF and proc-connector backends can run twice at once;
# audit cannot (one audit user per host), so it is not offered.  Kernel-side cost (the BPF
# programs) is not counted: see exec-storm.sh's wl-cpu for that.
#
# Environment: EDGESEC_A, EDGESEC_B (required), BACKENDS ("ebpf cnproc"), N (3000),
# DURATION (60).  Root; needs valgrind, cc and jq.  Prints figures, never fails on them.
set -euo pipefail

cd "$(dirname "$0")/.."
BACKENDS=${BACKENDS:-ebpf cnproc}
N=${N:-3000}
DURATION=${DURATION:-60}

die() {
	echo "exec-callgrind: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -x ${EDGESEC_A:-} && -x ${EDGESEC_B:-} ]] || die "set EDGESEC_A and EDGESEC_B to two edgesec binaries"
command -v valgrind >/dev/null || die "valgrind not found (make deps-bench)"
command -v jq >/dev/null || die "jq not found"

tmp=$(mktemp -d /tmp/edgesec-callgrind.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -o "$tmp/spawner" bench/exec-storm-spawner.c || die "cannot build the spawner"
cat >"$tmp/config.json" <<-'EOF'
	{"aggregationEnabledProcessCreate": false, "aggregationEnabledConnectionCreate": false,
	 "aggregationEnabledProcessTerminate": false, "snapshotFrequency": "PT1H",
	 "edgesec": {"localFlushInterval": "PT1S", "heartbeatInterval": "PT1S"}}
EOF

events_of() { # OUT: the process collector's Events in the last Heartbeat
	jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
		| select(.Name == "process") | .Events' "$1" 2>/dev/null | tail -n1
}

started() { # OUT: the process collector runs
	local state
	state=$(jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
		| select(.Name == "process") | .State' "$1" 2>/dev/null | tail -n1)
	[[ $state == running || $state == degraded ]]
}

echo "exec-callgrind: A=$EDGESEC_A B=$EDGESEC_B, $N execs over ${DURATION}s, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-8s %-2s %16s %10s %12s\n' backend bin instructions events Ir/event
for b in $BACKENDS; do
	pids=()
	for side in A B; do
		bin=EDGESEC_$side
		valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/$b.$side.cg" \
			"${!bin}" run \
			--capture "$b" --config "$tmp/config.json" --state-dir "$tmp/state-$b-$side" \
			--output "$tmp/$b.$side.jsonl" 2>"$tmp/$b.$side.stderr" </dev/null &
		pids+=($!)
	done
	for _ in $(seq 600); do
		started "$tmp/$b.A.jsonl" && started "$tmp/$b.B.jsonl" && break
		sleep 0.2
	done
	sleep 2
	declare -A ev0
	for i in 0 1; do
		callgrind_control -i on "${pids[$i]}" >/dev/null 2>&1 || true
	done
	for side in A B; do ev0[$side]=$(events_of "$tmp/$b.$side.jsonl"); done
	"$tmp/spawner" exec "$N" $(((N + DURATION - 1) / DURATION)) "ecg$$$b" arg2 >/dev/null
	sleep 5 # drain, and one more Heartbeat
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
	for side in A B; do
		ir=$(awk '/^summary:|^totals:/ { print $2; exit }' "$tmp/$b.$side.cg")
		ev=$(($(events_of "$tmp/$b.$side.jsonl") - ${ev0[$side]:-0}))
		printf '%-8s %-2s %16s %10s %12s\n' "$b" "$side" "$ir" "${ev:-?}" \
			"$([[ -n $ev && $ev -gt 0 ]] && echo $((ir / ev)) || echo n/a)"
	done
done
