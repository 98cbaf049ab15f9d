#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Threshold and sequence progress kept across real agent restarts (src/detect/detect-windows.c;
# "Evasion is a bug": restart the agent between two halves of a brute force).  Deterministic:
# the rules (a user rules file) count real loopback listeners in the ListeningPorts snapshot
# every start takes (snapshotFrequency PT1H: one per run), so each run adds exactly one event:
#   pw-threshold  2 snapshots listing port P1 within PT10M           (1 before, 1 after)
#   pw-sequence   a snapshot listing P2, then one listing P3, PT10M   (step 1 before, 2 after)
#   pw-expire     2 snapshots listing P1 within PT20S; the agent is stopped 21 s in between
# With one --state-dir throughout:
#   1. run 1 (P1, P2 listening) raises none of them, and saves window records;
#   2. P2 stops, P3 starts, 21 s pass; run 2 raises pw-threshold and pw-sequence (before this
#      change: neither), not pw-expire, and logs what it kept and what had expired;
#   3. run 3 counts P1 once more (saved); its record is then corrupted (a valid file around
#      it, resealed), and run 4 logs one warning naming the rule and why, raises nothing,
#      and runs on; run 5 raises pw-threshold (run 4's count was saved in a valid record).
# Removes the listeners at the end (trap).
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/persist-env.sh"

need_tools "apt-get install -y jq python3 iproute2" jq /usr/bin/python3 ss
need_edgesec

tmp=$(mktemp -d /run/edgesec-pwin-XXXXXX 2>/dev/null || mktemp -d) || fail "mktemp"
chmod 755 "$tmp"
state=$tmp/state
agent_pid=
declare -A listener=()
cleanup() {
	local rc=$?

	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	for p in "${listener[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
	exit "$rc"
}
trap cleanup EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

listen_on() { # NAME PORT: a loopback listener, once ss lists it (deadline 5 s)
	/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(600)' "$2" &
	listener[$1]=$!
	for _ in $(seq 100); do
		ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	fail "the listener on 127.0.0.1:$2 did not start"
}

unlisten() { # NAME PORT: until ss no longer lists it (deadline 5 s)
	kill "${listener[$1]}" 2>/dev/null
	wait "${listener[$1]}" 2>/dev/null
	unset "listener[$1]"
	for _ in $(seq 100); do
		ss -Hltn "sport = :$2" 2>/dev/null | grep -q . || return 0
		sleep 0.05
	done
	fail "127.0.0.1:$2 still listens"
}

p1=$(free_port)
p2=$(free_port)
p3=$(free_port)
[ "$p1" != "$p2" ] && [ "$p2" != "$p3" ] && [ "$p1" != "$p3" ] || fail "the same free port twice"

rule() { # ID BODY: one rule (the members after the text ones)
	printf '{"id":"%s","name":"%s","severity":"Medium","description":"d","remediation":"r",%s}' \
		"$1" "$1" "$2"
}
port_is() { printf '{"field":"LocalPort","equals":"%s"}' "$1"; }
{
	echo '{"rules":['
	rule pw-threshold "\"events\":[\"ListeningPorts\"],\"match\":$(port_is "$p1"),
		\"threshold\":{\"count\":2,\"window\":\"PT10M\",\"by\":[\"LocalPort\"]}"
	echo ','
	rule pw-expire "\"events\":[\"ListeningPorts\"],\"match\":$(port_is "$p1"),
		\"threshold\":{\"count\":2,\"window\":\"PT20S\",\"by\":[\"LocalPort\"]}"
	echo ','
	rule pw-sequence "\"sequence\":{\"window\":\"PT10M\",\"by\":[\"Protocol\"],\"steps\":[
		{\"events\":[\"ListeningPorts\"],\"match\":$(port_is "$p2")},
		{\"events\":[\"ListeningPorts\"],\"match\":$(port_is "$p3")}]}"
	echo ']}'
} >"$tmp/rules.json"
jq -e . "$tmp/rules.json" >/dev/null || fail "the test's rules file is not JSON"

persist_config "$tmp/rules.json"

alerts() { # N RULE: its Alerts in out-N.jsonl
	jq -c --arg r "$2" '.Events[]? | select(.Name == "Alert") | .Payload[0]
		| select(.RuleId == $r)' "$tmp/out-$1.jsonl" 2>/dev/null
}
hb_count() { # N: Heartbeats on out-N.jsonl
	jq -c '.Events[]? | select(.Name == "Heartbeat")' "$tmp/out-$1.jsonl" 2>/dev/null | wc -l
}
wait_for() { # N WHAT COMMAND...: until COMMAND prints something, 15 s at most
	local n=$1 what=$2

	shift 2
	for _ in $(seq 150); do
		[ -n "$("$@")" ] && return 0
		kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died: $(tail -n 5 "$tmp/log-$n")"
		sleep 0.1
	done
	fail "run $n: no $what within 15 s"
}
# quiet N: the run's snapshot went through the rules and two Heartbeats later reached the
# output (the High queue, where alerts go, is flushed every second like the Heartbeat's): an
# alert of that snapshot would be on the output by now.  Deadline 15 s.
quiet() {
	local n=$1 h

	h=$(hb_count "$n")
	for _ in $(seq 150); do
		[ "$(hb_count "$n")" -ge $((h + 2)) ] && return 0
		kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died: $(tail -n 5 "$tmp/log-$n")"
		sleep 0.1
	done
	fail "run $n: no two more Heartbeats within 15 s"
}
none() { # N RULE...: no Alert of these rules in run N
	local n=$1

	shift
	for r in "$@"; do
		[ -z "$(alerts "$n" "$r")" ] || fail "run $n raised $r: $(alerts "$n" "$r" | head -n1)"
	done
}

# ---- 1. the first halves ----
listen_on a "$p1"
listen_on b "$p2"
start 1
stop 1 # at once: pw-expire's window (PT20S) is still open at the save
none 1 pw-threshold pw-expire pw-sequence
for r in pw-threshold pw-sequence pw-expire; do
	grep -aq "window.$r" "$state/baselines" || fail "run 1 saved no window record for $r"
done
echo "ok: run 1 (P1 and P2 listening): no alert; windows saved ($(stat -c %s "$state/baselines") bytes)"

# ---- 2. the second halves, after a restart ----
unlisten b "$p2"
listen_on c "$p3"
sleep 21 # pw-expire's window (PT20S) ends while the agent is stopped: a lower bound, not a race
start 2
wait_for 2 "Alert pw-threshold" alerts 2 pw-threshold
wait_for 2 "Alert pw-sequence" alerts 2 pw-sequence
quiet 2
none 2 pw-expire
a=$(alerts 2 pw-threshold | head -n1)
echo "$a" | jq -e --arg p "$p1" '.AlertKey == "LocalPort=" + $p and (.Evidence | length) == 2
	and .Evidence[0].Count == 2 and .Evidence[0].Id != .Evidence[1].Id' >/dev/null ||
	fail "run 2: unexpected pw-threshold alert: $a"
# (the catalogue's rules may have kept windows of this machine's activity too)
kept=$(sed -n 's/.*Detection: \([0-9]*\) threshold\/sequence window(s) kept from the last run (\([0-9]*\) ended while the agent was stopped.*/\1 \2/p' "$tmp/log-2")
read -r n_kept n_ended <<<"${kept:-0 0}"
[ "$n_kept" -ge 2 ] && [ "$n_ended" -ge 1 ] ||
	fail "run 2 did not log what it kept and what had ended: $(grep -i "detection:" "$tmp/log-2")"
stop 2
echo "ok: run 2: pw-threshold (1 + 1 across the restart) and pw-sequence (step 1 before, step 2 after); pw-expire's window had ended"

# ---- 3. a corrupt record: refused with a warning, the rule starts empty ----
start 3
quiet 3
stop 3
none 3 pw-threshold
/usr/bin/python3 - "$state/baselines" <<'PY' || fail "corrupting the window record"
import hashlib, struct, sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
magic, version, n, body_len = struct.unpack_from("<8sIIQ", d, 0)
off, found = 24, False
for _ in range(n):
    kl = d[off]
    key = bytes(d[off + 1:off + 1 + kl])
    vl = struct.unpack_from("<I", d, off + 1 + kl)[0]
    v = off + 1 + kl + 4
    if key == b"window.pw-threshold":
        d[v + 28] = 0xff  # entries: 255, one held
        found = True
    off = v + vl
if not found:
    sys.exit("no window.pw-threshold record")
d[off:] = hashlib.sha256(bytes(d[:off])).digest()
open(p, "wb").write(bytes(d))
PY
start 4
quiet 4
stop 4
none 4 pw-threshold
[ "$(grep -c "Detection: the saved windows of rule 'pw-threshold' are not used" "$tmp/log-4")" = 1 ] ||
	fail "run 4: no single warning about the corrupt record: $(grep -i "detection:" "$tmp/log-4")"
grep -q "are not used (truncated entry, at byte" "$tmp/log-4" ||
	fail "run 4: the warning does not say why: $(grep "saved windows" "$tmp/log-4")"
start 5
wait_for 5 "Alert pw-threshold" alerts 5 pw-threshold
stop 5
echo "ok: a corrupt window record: one warning naming the rule and why, the rule starts empty, and its next record is valid"
echo "PASS: threshold and sequence progress survive agent restarts; windows that ended do not"
