#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The containers collector on a private dockerd holding N containers (default 100, created,
# not started): how long the agent takes from start to "connected" (version, events stream,
# list and N inspects), how many items the first ContainerInventory has, and the agent's
# HeapBytes with the collector on and with dockerSocket "" (off).  Prints the figures;
# asserts nothing about time.  Needs root, dockerd (docker.io) and busybox-static.
# Usage: bench/docker-resync.sh [path/to/edgesec] [containers]
set -uo pipefail

EDGESEC=${1:-${EDGESEC:-build/edgesec}}
N=${2:-100}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (a private dockerd)"; exit 77; }
command -v dockerd >/dev/null || { echo "SKIP: dockerd is not installed (docker.io)"; exit 77; }
BUSYBOX=$(dpkg -L busybox-static 2>/dev/null | grep -m1 '/bin/busybox$') ||
	{ echo "SKIP: busybox-static is not installed"; exit 77; }

t=$(mktemp -d /tmp/esdocker-bench-XXXXXX)
sock="$t/docker.sock"
dpid=
cleanup() {
	local m

	if [ -n "$dpid" ]; then
		kill "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
	fi
	for m in $(awk -v p="$t/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$t"
}
trap cleanup EXIT
dk() { docker -H "unix://$sock" "$@"; }

mkdir -p "$t/data" "$t/exec" "$t/rootfs/bin"
dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false --data-root "$t/data" \
	--exec-root "$t/exec" --pidfile "$t/dockerd.pid" -H "unix://$sock" >"$t/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 300); do dk version >/dev/null 2>&1 && break; sleep 0.1; done
cp "$BUSYBOX" "$t/rootfs/bin/busybox" && ln -s busybox "$t/rootfs/bin/true"
tar -C "$t/rootfs" -c . | dk import - esdocker-bench/bb:1 >/dev/null
for i in $(seq "$N"); do
	dk create --network none --name "esdocker-b$i-$$" esdocker-bench/bb:1 true >/dev/null
done

run_agent() { # NAME SOCKET
	mkdir -p "$t/state-$1"
	cat >"$t/$1.json" <<J
{ "snapshotFrequency": "PT1H", "eventPriorityProcessCreate": "Off",
  "eventPriorityProcessTerminate": "Off", "eventPriorityConnectionCreate": "Off",
  "edgesec": { "localFlushInterval": "PT1S", "heartbeatInterval": "PT2S", "dockerSocket": "$2" } }
J
	"$EDGESEC" run --state-dir "$t/state-$1" --config "$t/$1.json" --output "$t/$1.jsonl" \
		2>"$t/$1.log" &
	local pid=$!
	sleep 5
	kill "$pid"
	wait "$pid"
}
run_agent on "$sock"
run_agent off ""

python3 - "$t" "$N" <<'PY'
import datetime, json, re, sys

t, n = sys.argv[1], sys.argv[2]
def stamp(line):
    return datetime.datetime.fromisoformat(line.split(" ")[0].replace("Z", "+00:00"))
log = open(t + "/on.log").read().splitlines()
start = next(stamp(l) for l in log if "running: output" in l)
conn = next(stamp(l) for l in log if "Docker:" in l and "connected" in l)
def figures(name):
    heap, inv = [], []
    for line in open("%s/%s.jsonl" % (t, name)):
        for e in json.loads(line)["Events"]:
            if e["Name"] == "Heartbeat":
                heap.append(e["Payload"][0]["HeapBytes"])
            elif e["Name"] == "ContainerInventory":
                inv.append(len(e["Payload"]))
    return heap, inv
on_heap, on_inv = figures("on")
off_heap, _ = figures("off")
print("containers: %s" % n)
print("start -> connected (version, events, list, %s inspects): %.0f ms" %
      (n, (conn - start).total_seconds() * 1000))
print("first ContainerInventory items: %s" % (on_inv[0] if on_inv else "none"))
print("HeapBytes after 5 s: collector on %d, off (dockerSocket \"\") %d, difference %d" %
      (on_heap[-1], off_heap[-1], on_heap[-1] - off_heap[-1]))
PY
