#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/exec-side.sh: CPU per exec of edgesec (eBPF) and execsnoop, all running AT THE SAME
# TIME on the same execs, so the rest of a shared machine's load (other processes' execs,
# which every monitor sees too, and the contention) falls on all of them alike.  exec-storm.sh
# runs the monitors one after the other and counts 10 ms ticks: on a busy 2-core VM its
# ratios move by 2x between runs; these move by ~20%.
#
# Each monitor's CPU is the sum over its threads of /proc/<pid>/task/*/schedstat (nanoseconds
# on a CPU) from just before the workload to 2 s after it, divided by the execs of the
# workload (bench/exec-storm-spawner.c: N execs of /bin/true at RATE per second, 0 = as fast
# as two spawners go is not used here: one spawner, fork+exec+wait).  Several edgesec binaries
# can be given (before/after a change); each gets its own state directory and output file.
#
# Usage: bench/exec-side.sh [N [RATE [EDGESEC...]]]   (defaults: 2000 1000 build/edgesec)
# Environment: ROUNDS (3): the measurement is repeated, one line per round.
# Root; needs execsnoop (libbpf-tools), cc and jq.  Prints figures, never fails on them.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${1:-2000}
RATE=${2:-1000}
shift $(($# < 2 ? $# : 2))
BINS=("$@")
((${#BINS[@]})) || BINS=(build/edgesec)
ROUNDS=${ROUNDS:-3}

die() {
	echo "exec-side: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root"
command -v execsnoop >/dev/null || die "execsnoop not found (apt-get install -y libbpf-tools)"
command -v jq >/dev/null || die "jq not found"
for b in "${BINS[@]}"; do [[ -x $b ]] || die "$b not found"; done

tmp=$(mktemp -d /tmp/edgesec-side.XXXXXX)
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
	 "aggregationEnabledProcessTerminate": false,
	 "edgesec": {"localFlushInterval": "PT1S", "heartbeatInterval": "PT1S"}}
EOF

cpu_ns() { # PID: nanoseconds on a CPU, all threads
	local t=0 f
	for f in /proc/"$1"/task/*/schedstat; do
		t=$((t + $(cut -d' ' -f1 "$f")))
	done
	echo "$t"
}

names=(execsnoop)
stdbuf -oL execsnoop >"$tmp/snoop.txt" 2>/dev/null &
pids+=($!)
for i in "${!BINS[@]}"; do
	"${BINS[$i]}" run --capture ebpf --config "$tmp/config.json" --state-dir "$tmp/state$i" \
		--output "$tmp/out$i.jsonl" 2>"$tmp/err$i" </dev/null &
	pids+=($!)
	names+=("edgesec:${BINS[$i]}")
done
for i in "${!BINS[@]}"; do
	for _ in $(seq 300); do
		state=$(jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
			| select(.Name == "process") | .State' "$tmp/out$i.jsonl" 2>/dev/null | tail -n1)
		[[ $state == running || $state == degraded ]] && break
		kill -0 "${pids[$((i + 1))]}" 2>/dev/null || die "${BINS[$i]} did not start: $(tail -n1 "$tmp/err$i")"
		sleep 0.1
	done
done
sleep 2

echo "exec-side: $N execs at ${RATE}/s per round, all monitors at once; CPU (schedstat) per exec"
printf '%-6s' round
for n in "${names[@]}"; do printf ' %22s' "${n:0:22}"; done
printf ' %10s %s\n' ratio "load"
for round in $(seq "$ROUNDS"); do
	declare -a c0=()
	for k in "${!pids[@]}"; do c0[$k]=$(cpu_ns "${pids[$k]}"); done
	l0=$(cut -d' ' -f1 /proc/loadavg)
	"$tmp/spawner" exec "$N" "$RATE" "side${round}x" arg2 >/dev/null
	sleep 2
	printf '%-6s' "$round"
	declare -a us=()
	for k in "${!pids[@]}"; do
		c1=$(cpu_ns "${pids[$k]}")
		us[$k]=$(awk -v a="${c0[$k]}" -v b="$c1" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / n / 1000 }')
		printf ' %19s us' "${us[$k]}"
	done
	# each edgesec binary against execsnoop
	printf ' '
	for k in $(seq 1 $((${#pids[@]} - 1))); do
		awk -v e="${us[$k]}" -v s="${us[0]}" 'BEGIN { printf "%.2fx ", (s > 0 ? e / s : 0) }'
	done
	echo "$l0 -> $(cut -d' ' -f1 /proc/loadavg)"
done
echo "exec-side: ratio = edgesec / execsnoop (the issue-13 target is 1.5x at most)"
