#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/rules-latency.sh: end-to-end latency of on-device detection, from the exec of a
# program to its Alert line on edgesec's output (figures only; never fails on speed).
#
# `edgesec run --capture ebpf` writes to a pipe read by this script, which stamps every line
# with $EPOCHREALTIME as it arrives (no fork per line).  N times, a copy of /bin/true in
# /dev/shm (a new file each time: repeats of one file are folded into one alert by design) is
# run with a distinct marker (exec-temp-dir fires); the latency is arrival of the
# Alert line minus the time taken just before the exec.  Printed: median, p90 and max, and the
# split at the capture (the Alert's evidence carries the kernel's exec time): exec → event
# captured, captured → line written.
#
# Needs root (eBPF).  Environment: EDGESEC (default build/edgesec), N (default 20), GAP
# (seconds between runs, default 0.3).
set -euo pipefail

cd "$(dirname "$0")/.."
EDGESEC=${EDGESEC:-build/edgesec}
N=${N:-20}
GAP=${GAP:-0.3}

[ "$(id -u)" -eq 0 ] || {
	echo "rules-latency: needs root (eBPF capture)" >&2
	exit 2
}
command -v jq >/dev/null || {
	echo "rules-latency: needs jq" >&2
	exit 2
}
tmp=$(mktemp -d)
bin=/dev/shm/edgesec-latency-$$
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	rm -rf "$tmp" "$bin"-*
}
trap cleanup EXIT
mkfifo "$tmp/pipe"
echo '{"edgesec": {"heartbeatInterval": "PT1S"}}' >"$tmp/config.json"
"$EDGESEC" run --capture ebpf --state-dir "$tmp/state" --config "$tmp/config.json" \
	>"$tmp/pipe" 2>"$tmp/agent.log" </dev/null &
agent_pid=$!
# Stamp every line as it arrives.
(while IFS= read -r line; do printf '%s\t%s\n' "$EPOCHREALTIME" "$line"; done <"$tmp/pipe") \
	>"$tmp/stamped" &

for _ in $(seq 100); do
	grep -q '"Name":"Heartbeat"' "$tmp/stamped" 2>/dev/null && break
	sleep 0.1
done
sleep 1
: >"$tmp/execs"
for i in $(seq "$N"); do
	cp /bin/true "$bin-$i"
	printf '%s\t%s\n' "$EPOCHREALTIME" "lat-$$-$i" >>"$tmp/execs"
	"$bin-$i" "lat-$$-$i"
	sleep "$GAP"
done
sleep 2
kill "$agent_pid" 2>/dev/null || true
wait "$agent_pid" 2>/dev/null || true
agent_pid=

# arrival, exec and capture time (s) of each marker's first Alert line
while IFS=$'\t' read -r t_exec marker; do
	line=$(grep -F "$marker" "$tmp/stamped" | grep '"Name":"Alert"' | head -n1) || true
	[ -n "$line" ] || {
		echo "missing $marker"
		continue
	}
	t_line=${line%%$'\t'*}
	captured=$(cut -f2- <<<"$line" | jq -r '.Events[0].Payload[0].Evidence[-1].Time')
	t_cap=$(date -d "$captured" +%s.%N)
	echo "$t_exec $t_cap $t_line"
done <"$tmp/execs" >"$tmp/lat"

awk -v n="$N" '
	!/missing/ { tot[++k] = ($3 - $1) * 1000; cap[k] = ($2 - $1) * 1000; out[k] = ($3 - $2) * 1000 }
	/missing/ { miss++ }
	function sort(a, m,   i, j, t) { for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
	END {
		if (!k) { print "rules-latency: no Alert line at all"; exit }
		sort(tot, k); sort(cap, k); sort(out, k)
		p90 = int(k * 0.9); if (p90 < 1) p90 = 1
		printf "rules-latency: %d execs from /dev/shm, %d Alert lines (%d missing)\n", n, k, miss
		printf "  exec -> Alert line:      median %7.1f ms   p90 %7.1f ms   max %7.1f ms\n", tot[int((k+1)/2)], tot[p90], tot[k]
		printf "  exec -> event captured:  median %7.1f ms   (kernel exec timestamp in the evidence)\n", cap[int((k+1)/2)]
		printf "  captured -> line:        median %7.1f ms   p90 %7.1f ms   max %7.1f ms\n", out[int((k+1)/2)], out[p90], out[k]
	}' "$tmp/lat"
echo "rules-latency: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
