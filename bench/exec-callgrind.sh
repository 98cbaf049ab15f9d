#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/exec-callgrind.sh: user-space instructions per ProcessCreate of the agent, counted by
# valgrind's callgrind: a figure that does not move with the load of a shared machine, unlike
# CPU seconds.  Runs `edgesec run --capture BACKEND` under callgrind twice, each for the same
# time (DURATION seconds of workload): once with N1 execs of `/bin/true MARKER ARG2`, once with
# N2, both paced by bench/exec-storm-spawner.c.  The difference of the two instruction totals
# divided by the difference of the events captured is the cost of one exec's events
# (ProcessCreate + ProcessTerminate) in the agent: start-up, timers and heartbeats cancel out.
# Kernel-side cost (the BPF programs) is not in it: see exec-storm.sh's wl-cpu for that.
#
# Environment: EDGESEC (build/edgesec), BACKENDS ("ebpf audit cnproc"), N1 (200), N2 (1200),
# DURATION (10).  Root; needs valgrind, cc and jq.  Prints figures, never fails on them.
set -euo pipefail

cd "$(dirname "$0")/.."
EDGESEC=${EDGESEC:-build/edgesec}
BACKENDS=${BACKENDS:-ebpf audit cnproc}
N1=${N1:-200}
N2=${N2:-1200}
DURATION=${DURATION:-10}

die() {
	echo "exec-callgrind: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -x $EDGESEC ]] || die "$EDGESEC not found"
command -v valgrind >/dev/null || die "valgrind not found (make deps-bench)"
command -v jq >/dev/null || die "jq not found"

tmp=$(mktemp -d /tmp/edgesec-callgrind.XXXXXX)
mon_pid=
cleanup() {
	if [[ -n $mon_pid ]]; then
		kill -TERM "$mon_pid" 2>/dev/null || true
		wait "$mon_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -o "$tmp/spawner" bench/exec-storm-spawner.c || die "cannot build the spawner"
cat >"$tmp/config.json" <<-'EOF'
	{"aggregationEnabledProcessCreate": false, "aggregationEnabledConnectionCreate": false,
	 "aggregationEnabledProcessTerminate": false, "snapshotFrequency": "PT1H",
	 "edgesec": {"localFlushInterval": "PT1S", "heartbeatInterval": "PT1S"}}
EOF

# run BACKEND N: prints "instructions captured"
run() {
	local b=$1 n=$2 out=$tmp/$1.$2.jsonl cg=$tmp/$1.$2.cg prefix="ecg$$$1$2x" state
	valgrind --tool=callgrind --callgrind-out-file="$cg" "$EDGESEC" run --capture "$b" \
		--config "$tmp/config.json" --state-dir "$tmp/state-$b" --output "$out" \
		2>"$tmp/$b.$n.stderr" </dev/null &
	mon_pid=$!
	for _ in $(seq 600); do
		state=$(jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
			| select(.Name == "process") | .State' "$out" 2>/dev/null | tail -n1)
		[[ $state == running || $state == degraded ]] && break
		kill -0 "$mon_pid" 2>/dev/null || die "edgesec did not start: $(tail -n2 "$tmp/$b.$n.stderr")"
		sleep 0.2
	done
	sleep 2
	"$tmp/spawner" exec "$n" $(((n + DURATION - 1) / DURATION)) "$prefix" arg2 >/dev/null
	sleep 5 # drain
	kill -TERM "$mon_pid"
	wait "$mon_pid" || true
	mon_pid=
	echo "$(awk '/^summary:|^totals:/ { print $2; exit }' "$cg")" \
		"$(jq -r '.Events[]? | select(.Name == "ProcessCreate") | .Payload[]? | .CommandLine // empty' \
			"$out" 2>/dev/null | grep -c "$prefix" || true)"
}

echo "exec-callgrind: $EDGESEC, N1=$N1 N2=$N2 execs over ${DURATION}s each, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-8s %14s %9s %14s %9s %16s\n' backend Ir-N1 cap-N1 Ir-N2 cap-N2 Ir/exec
for b in $BACKENDS; do
	read -r i1 c1 < <(run "$b" "$N1")
	read -r i2 c2 < <(run "$b" "$N2")
	if ((c2 > c1)); then
		per=$(((i2 - i1) / (c2 - c1)))
	else
		per=n/a
	fi
	printf '%-8s %14s %9s %14s %9s %16s\n' "$b" "$i1" "$c1" "$i2" "$c2" "$per"
done
