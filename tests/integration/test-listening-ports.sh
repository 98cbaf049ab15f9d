#!/bin/bash
# SPDX-License-Identifier: MIT
#
# ListeningPorts against the real kernel: a python3 helper opens a TCP listener and a bound UDP
# socket on 127.0.0.1 and on ::1 (free ports chosen by the kernel), plus a connected UDP socket
# that must NOT be reported; `edgesec snapshot` must list each listener with the right
# LocalAddress, LocalPort, Protocol, Family, and the helper's Pid and Executable.
#
# Needs root (to read every process's /proc/<pid>/fd); exits 77 otherwise.
set -u

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to map sockets to processes through /proc/<pid>/fd"
	exit 77
fi
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 is not installed"
	exit 77
fi
[ -n "${EDGESEC:-}" ] && [ -x "$EDGESEC" ] || fail "EDGESEC is not set to the edgesec binary"

tmp=$(mktemp -d /tmp/edgesec-ports-XXXXXX) || fail "mktemp"
helper=
cleanup() {
	if [ -n "$helper" ]; then
		kill "$helper" 2>/dev/null
		wait "$helper" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/helper.py" <<'PY'
import json, os, socket, sys, time

info = {"pid": os.getpid(), "exe": os.path.realpath(sys.executable)}
keep = []

def bind(family, kind, addr):
    s = socket.socket(family, kind)
    try:
        s.bind((addr, 0))
    except OSError:
        s.close()
        return None
    if kind == socket.SOCK_STREAM:
        s.listen(4)
    keep.append(s)
    return s.getsockname()[1]

info["tcp4"] = bind(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")
info["udp4"] = bind(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1")
info["tcp6"] = bind(socket.AF_INET6, socket.SOCK_STREAM, "::1")
info["udp6"] = bind(socket.AF_INET6, socket.SOCK_DGRAM, "::1")
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("127.0.0.1", 0))
c.connect(("127.0.0.1", info["udp4"]))
keep.append(c)
info["connected_udp4"] = c.getsockname()[1]

with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump(info, f)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(60)
PY

python3 "$tmp/helper.py" "$tmp/info.json" &
helper=$!
for _ in $(seq 100); do
	[ -s "$tmp/info.json" ] && break
	kill -0 "$helper" 2>/dev/null || fail "the python3 helper exited early"
	sleep 0.1
done
[ -s "$tmp/info.json" ] || fail "the python3 helper did not report its sockets within 10 s"

"$EDGESEC" snapshot --state-dir "$tmp/state" >"$tmp/out.jsonl" 2>"$tmp/err.txt" ||
	fail "edgesec snapshot exited with $?: $(cat "$tmp/err.txt")"

python3 - "$tmp/info.json" "$tmp/out.jsonl" <<'PY' || fail "ListeningPorts did not match (see above)"
import ipaddress, json, sys

info = json.load(open(sys.argv[1]))
items = []
for n, line in enumerate(open(sys.argv[2]), 1):
    line = line.strip()
    if not line:
        continue
    try:
        msg = json.loads(line)
    except ValueError as e:
        sys.exit(f"output line {n} is not JSON: {e}")
    for ev in msg.get("Events", []):
        if ev.get("Name") == "ListeningPorts":
            items += ev.get("Payload", [])
if not items:
    sys.exit("no ListeningPorts items in the snapshot output")

errors = []
for it in items:
    addr = it.get("LocalAddress")
    if "RemoteAddress" in it or "RemotePort" in it:
        errors.append(f"item has a remote endpoint: {it}")
    if addr is None or "%" in addr:
        errors.append(f"bad LocalAddress: {it}")
    else:
        ipaddress.ip_address(addr)  # raises on an invalid address
    if it.get("Protocol") not in ("tcp", "udp"):
        errors.append(f"bad Protocol: {it}")

def find(addr, port, proto):
    return [it for it in items if it.get("LocalAddress") == addr and
            it.get("LocalPort") == str(port) and it.get("Protocol") == proto]

expected = [("tcp4", "127.0.0.1", "tcp", "IPv4"), ("udp4", "127.0.0.1", "udp", "IPv4"),
            ("tcp6", "::1", "tcp", "IPv6"), ("udp6", "::1", "udp", "IPv6")]
for key, addr, proto, family in expected:
    port = info[key]
    if port is None:
        print(f"note: could not bind {addr} ({key}); IPv6 disabled? check skipped")
        continue
    found = find(addr, port, proto)
    if len(found) != 1:
        errors.append(f"{proto} {addr}:{port} appears {len(found)} times (want 1)")
        continue
    ed = found[0].get("ExtraDetails", {})
    want = {"Pid": str(info["pid"]), "Executable": info["exe"], "Family": family}
    for k, v in want.items():
        if ed.get(k) != v:
            errors.append(f"{proto} {addr}:{port}: ExtraDetails.{k} is {ed.get(k)!r}, want {v!r}")
    if not ed.get("Inode", "").isdigit():
        errors.append(f"{proto} {addr}:{port}: no numeric Inode: {ed}")
    print(f"ok: {proto} {addr}:{port} pid {ed.get('Pid')} {ed.get('Executable')}")

if find("127.0.0.1", info["connected_udp4"], "udp"):
    errors.append(f"connected UDP socket 127.0.0.1:{info['connected_udp4']} was reported")

for e in errors:
    print("error:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
echo "PASS: ListeningPorts reports the helper's listeners with pid and executable"
