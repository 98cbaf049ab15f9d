#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/exec-loss.sh: ProcessCreate lost at the source (eBPF ring buffer full) in exec storms on
# a loaded machine, per agent binary (e.g. before and after a change of the exec record), with
# the agent's CPU per exec and its memory.
#
# Each configuration LABEL=BINARY runs ROUNDS times; a round starts the agent (`edgesec run
# --capture ebpf`, aggregation off, Heartbeat every second) while `stress-ng --cpu LOAD_CPUS`
# keeps the CPUs busy, then runs the storms of bench/exec-storm.sh (bench/exec-storm-spawner.c):
#   r1000  N_1000 execs of /bin/true at 1,000/s
#   fast   N_FAST execs from two spawners as fast as they go
# and prints per phase: execs, ProcessCreate captured (by marker), the share of execs without
# one, the process collector's Lost growth (Heartbeat: records the kernel could not put in the
# ring, every type), the agent's CPU per exec (schedstat ns of all its threads over
# the phase and a drain), its VmRSS when idle before the storms and its largest VmRSS during
# them (sampled every 0.1 s).
#
# Usage: bench/exec-loss.sh LABEL=BINARY ...   (default: cur=build/edgesec)
# Environment: ROUNDS (3), LOAD_CPUS (2; 0: no background load), N_1000 (2000), N_FAST (5000),
# DRAIN (3 s). Root; needs cc, jq and stress-ng (when LOAD_CPUS > 0). Prints figures and never
# fails on them; bounded (fixed counts, a timeout per phase, stress-ng with its own timeout).
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
LOAD_CPUS=${LOAD_CPUS:-2}
N_1000=${N_1000:-2000}
N_FAST=${N_FAST:-5000}
DRAIN=${DRAIN:-3}
PHASE_TIMEOUT=120
CONFIGS=("$@")
((${#CONFIGS[@]})) || CONFIGS=(cur=build/edgesec)

die() {
	echo "exec-loss: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root (eBPF)"
command -v cc >/dev/null || die "cc not found"
command -v jq >/dev/null || die "jq not found (apt-get install -y jq)"
((LOAD_CPUS == 0)) || command -v stress-ng >/dev/null ||
	die "stress-ng not found (apt-get install -y stress-ng)"
for c in "${CONFIGS[@]}"; do
	b=${c#*=}
	[[ -x $b ]] || die "$b not found"
done

tmp=$(mktemp -d /tmp/edgesec-exec-loss.XXXXXX)
agent=
stress=
sampler=
cleanup() {
	[[ -z $sampler ]] || kill -TERM "$sampler" 2>/dev/null || true
	if [[ -n $agent ]]; then
		kill -TERM "$agent" 2>/dev/null || true
		wait "$agent" 2>/dev/null || true
	fi
	if [[ -n $stress ]]; then
		kill -TERM "$stress" 2>/dev/null || true
		wait "$stress" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cc -O2 -o "$tmp/spawner" bench/exec-storm-spawner.c || die "cannot build the spawner"

cpu_ns() { # PID: nanoseconds on a CPU, all threads
	local t=0 f
	for f in /proc/"$1"/task/*/schedstat; do t=$((t + $(cut -d' ' -f1 "$f"))); done
	echo "$t"
}
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_sampler() { # PID FILE: the largest VmRSS (KiB), every 0.1 s
	local max=0 v
	trap 'echo "$max" >"$2"; exit 0' TERM
	while :; do
		v=$(rss_kb "$1")
		[[ -n $v ]] && ((v > max)) && max=$v
		echo "$max" >"$2"
		sleep 0.1
	done
}
lost_now() { # the process collector's Lost in the last Heartbeat of FILE
	jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
		| select(.Name == "process") | .Lost' "$1" 2>/dev/null | tail -n1
}
heartbeats() { jq -r 'select(.Events[0].Name == "Heartbeat") | 1' "$1" 2>/dev/null | wc -l; }
wait_heartbeat() { # FILE: until one more Heartbeat than now is written (bounded, 5 s)
	local n0 n
	n0=$(heartbeats "$1")
	for _ in $(seq 50); do
		n=$(heartbeats "$1")
		((n > n0)) && return 0
		sleep 0.1
	done
}

start_agent() { # BINARY OUT
	cat >"$tmp/config.json" <<-EOF
		{"aggregationEnabledProcessCreate": false, "aggregationEnabledConnectionCreate": false,
		 "aggregationEnabledProcessTerminate": false,
		 "edgesec": {"localFlushInterval": "PT1S", "heartbeatInterval": "PT1S"}}
	EOF
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	"$1" run --capture ebpf --config "$tmp/config.json" --state-dir "$tmp/state" \
		--output "$2" 2>"$tmp/err" </dev/null &
	agent=$!
	local state=
	for _ in $(seq 300); do
		kill -0 "$agent" 2>/dev/null || die "$1 did not start: $(tail -n1 "$tmp/err")"
		state=$(jq -r 'select(.Events[0].Name == "Heartbeat") | .Events[0].Payload[0].Collectors[]?
			| select(.Name == "process") | .State' "$2" 2>/dev/null | tail -n1)
		[[ $state == running || $state == degraded ]] && break
		sleep 0.1
	done
	[[ $state == running || $state == degraded ]] || die "$1: process collector ${state:-silent}"
	sleep 2
}
stop_agent() {
	kill -TERM "$agent" 2>/dev/null || true
	wait "$agent" 2>/dev/null || true
	agent=
}

# phase NAME OUT: one storm; prints "execs captured lost us_per_exec storm_rss_kb"
phase() {
	local name=$1 out=$2 prefix="el$$${RANDOM}$1x" l0 l1 c0 c1 ex=0 line
	l0=$(lost_now "$out")
	c0=$(cpu_ns "$agent")
	echo 0 >"$tmp/rss"
	rss_sampler "$agent" "$tmp/rss" &
	sampler=$!
	: >"$tmp/spawn"
	case $name in
	r1000) timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" exec "$N_1000" 1000 "${prefix}A" a2 >>"$tmp/spawn" ;;
	fast)
		timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" exec $((N_FAST / 2)) 0 "${prefix}A" a2 >>"$tmp/spawn" &
		local other=$!
		timeout -k 5 $PHASE_TIMEOUT "$tmp/spawner" exec $((N_FAST - N_FAST / 2)) 0 "${prefix}B" a2 >>"$tmp/spawn"
		wait "$other" || true
		;;
	esac
	sleep "$DRAIN"
	c1=$(cpu_ns "$agent")
	kill -TERM "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	sampler=
	wait_heartbeat "$out"
	l1=$(lost_now "$out")
	while read -r line; do
		line=${line#*executed=}
		ex=$((ex + ${line%% *}))
	done <"$tmp/spawn"
	local cap
	cap=$(jq -r '.Events[]? | select(.Name == "ProcessCreate") | .Payload[]? | .CommandLine // empty' \
		"$out" 2>/dev/null | grep -oE "${prefix}[AB][0-9]+" | sort -u | wc -l)
	echo "$ex $cap $((${l1:-0} - ${l0:-0})) $(awk -v a="$c0" -v b="$c1" -v n="$ex" \
		'BEGIN { printf "%.1f", n ? (b - a) / n / 1000 : 0 }') $(cat "$tmp/rss")"
}

echo "exec-loss: r1000 = $N_1000 execs at 1,000/s, fast = $N_FAST from two spawners;" \
	"background: stress-ng --cpu $LOAD_CPUS; $ROUNDS rounds per configuration"
printf '%-12s %-6s %-5s %6s %9s %8s %7s %9s %10s %10s %s\n' config phase round execs captured missing \
	k-lost us/exec idle-rss storm-rss load
for c in "${CONFIGS[@]}"; do
	label=${c%%=*}
	bin=${c#*=}
	for round in $(seq "$ROUNDS"); do
		if ((LOAD_CPUS > 0)); then
			stress-ng --cpu "$LOAD_CPUS" --timeout 600s >/dev/null 2>&1 &
			stress=$!
		fi
		out=$tmp/$label.$round.jsonl
		start_agent "$bin" "$out"
		idle=$(rss_kb "$agent")
		for ph in r1000 fast; do
			read -r ex cap lost us storm < <(phase "$ph" "$out")
			printf '%-12s %-6s %-5s %6d %9d %7.2f%% %7d %9s %6.1f MiB %6.1f MiB %s\n' "$label" "$ph" \
				"$round" "$ex" "$cap" "$(awk -v c="$cap" -v e="$ex" 'BEGIN { print e ? 100 * (e - c) / e : 0 }')" "$lost" \
				"$us" "$(awk -v k="$idle" 'BEGIN { print k / 1024 }')" \
				"$(awk -v k="$storm" 'BEGIN { print k / 1024 }')" "$(cut -d' ' -f1 /proc/loadavg)"
		done
		stop_agent
		if [[ -n $stress ]]; then
			kill -TERM "$stress" 2>/dev/null || true
			wait "$stress" 2>/dev/null || true
			stress=
		fi
	done
done
echo "exec-loss: missing = execs without their ProcessCreate; k-lost = records the kernel could" \
	"not put in the ring (Heartbeat Lost growth, every type: an exec is an exec and an exit record)"
