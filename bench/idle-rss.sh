#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/idle-rss.sh: memory of an idle `edgesec run` (local mode, default configuration).
#
# Starts the agent with a throw-away state directory and --output /dev/null, waits
# IDLE_SECONDS (default 60), prints VmRSS and VmHWM from /proc/<pid>/status and their ratio
# to the reference C agent's documented ~5.5 MB average and to our 4 MB target, then stops
# it with SIGTERM and checks that it exits 0.  Also the CPU time (user + system) the agent
# used over the idle window (from 5 s after start, set-up excluded).
#
# Environment: EDGESEC (default build/edgesec), IDLE_SECONDS (default 60), CONFIG (a --config
# file, e.g. {"edgesec": {"seccomp": "off"}} to compare without the system-call filter).
set -euo pipefail

cd "$(dirname "$0")/.."
EDGESEC=${EDGESEC:-build/edgesec}
IDLE_SECONDS=${IDLE_SECONDS:-60}
REFERENCE_KB=5632 # 5.5 MB: the reference C agent's documented average memory
TARGET_KB=4096    # 4 MB: our target

if [[ ! -x $EDGESEC ]]; then
	echo "idle-rss: $EDGESEC not found; run 'make build' first" >&2
	exit 1
fi

state=$(mktemp -d /tmp/edgesec-idle-rss.XXXXXX)
pid=
cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$state"
}
trap cleanup EXIT

"$EDGESEC" run --state-dir "$state" --output /dev/null ${CONFIG:+--config "$CONFIG"} \
	2>"$state/stderr" </dev/null &
pid=$!
echo "idle-rss: started $EDGESEC run (pid $pid)${CONFIG:+ with $CONFIG}, waiting ${IDLE_SECONDS}s"
# utime + stime in clock ticks (fields 14 and 15 of /proc/<pid>/stat, after the comm)
cpu_ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'; }
sleep 5
cpu0=$(cpu_ticks)
sleep $((IDLE_SECONDS > 5 ? IDLE_SECONDS - 5 : 1))

if ! kill -0 "$pid" 2>/dev/null; then
	echo "idle-rss: edgesec exited early; its stderr:" >&2
	cat "$state/stderr" >&2
	exit 1
fi

field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
rss_kb=$(field VmRSS)
hwm_kb=$(field VmHWM)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "idle-rss: after ${IDLE_SECONDS}s idle ($(grep -h '^Seccomp:' "/proc/$pid/status"))"
cpu_ms=$((($(cpu_ticks) - cpu0) * 1000 / $(getconf CLK_TCK)))
echo "    CPU    ${cpu_ms} ms over the last $((IDLE_SECONDS > 5 ? IDLE_SECONDS - 5 : 1)) s idle (user + system)"
echo "    VmRSS  ${rss_kb} KiB   ($(ratio "$rss_kb" "$REFERENCE_KB")x the reference agent's 5.5 MB," \
	"$(ratio "$rss_kb" "$TARGET_KB")x our 4 MB target)"
echo "    VmHWM  ${hwm_kb} KiB   ($(ratio "$hwm_kb" "$REFERENCE_KB")x the reference agent's 5.5 MB," \
	"$(ratio "$hwm_kb" "$TARGET_KB")x our 4 MB target)"
# Where the resident memory is: the agent's private pages, shared libraries (PSS counts each
# shared page divided among the processes mapping it) and the eBPF ring buffer, which is
# kernel memory mapped into the process (counted twice by the kernel: it is mapped twice).
rollup() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/smaps_rollup"; }
private_kb=$(($(rollup Private_Clean) + $(rollup Private_Dirty)))
bpf_kb=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{m = ($6 == "anon_inode:bpf-map")} m && /^Rss:/{s += $2} END{print s + 0}' "/proc/$pid/smaps")
echo "    Pss    $(rollup Pss) KiB   (private ${private_kb} KiB; eBPF ring buffer mapping ${bpf_kb} KiB of the RSS)"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [[ $status -ne 0 ]]; then
	echo "idle-rss: edgesec exited with status $status after SIGTERM (expected 0); its stderr:" >&2
	cat "$state/stderr" >&2
	exit 1
fi
echo "    SIGTERM: exited 0"
