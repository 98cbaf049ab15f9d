#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Baselines kept across agent restarts (common/persist.c, "Evasion is a bug": acting while
# the agent is not watching).  With one --state-dir throughout:
#   1. a first `edgesec run` takes the baselines and saves them (state dir file "baselines",
#      mode 0600), then stops;
#   2. while it is stopped, a test user is added in sudo and a loopback listener starts;
#   3. the next start reports LocalUserChange UserAdded for the user, marked
#      ExtraDetails.WhileAgentStopped "true", and the Alerts user-added,
#      user-privileged-group and listening-port-new (before this change: nothing at all);
#   4. a restart with nothing changed raises none of them;
#   5. `edgesec snapshot` with the same state dir neither reads nor writes the file (a change
#      pending is not reported by it, and the file is the same bytes afterwards);
#   6. a corrupt file (one byte flipped) gives one warning and fresh baselines (nothing
#      reported for the pending change), and is replaced by a valid one;
#   7. a file that cannot be written (a directory in its place) is one warning, however many
#      saves fail, and the agent runs on with its baselines in memory;
#   8. a removed file (the AgentId kept: not a first start) is a warning, not silence.
# The Heartbeat's ExtraDetails.Baselines says which (kept, unusable, missing).
# Removes the user, its group and the listener at the end (trap).
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/persist-env.sh"

need_root "(useradd, a state directory owned by root)"
need_tools "apt-get install -y jq passwd python3" jq useradd userdel groupdel gpasswd \
	/usr/bin/python3 sha256sum
need_edgesec
getent group sudo >/dev/null || skip "no sudo group here (Debian package sudo)"

user=edgesec-pr-$$
tmp=$(mktemp -d /run/edgesec-persist-XXXXXX) || fail "mktemp"
chmod 755 "$tmp"
state=$tmp/state
agent_pid=
listener_pid=
cleanup() {
	local rc=$?

	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null && wait "$listener_pid" 2>/dev/null
	userdel -f "$user" 2>/dev/null
	groupdel "$user" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
	exit "$rc"
}
trap cleanup EXIT

persist_config ""

# events N JQ-FILTER: the matching event items of out-N.jsonl, one JSON per line.
events() {
	jq -c --arg u "$user" --arg port "${port:-0}" ".Events[]? | $2" "$tmp/out-$1.jsonl" 2>/dev/null
}
alerts() { # N RULE: its Alerts that are about our user or port
	events "$1" "select(.Name == \"Alert\") | .Payload[0] | select(.RuleId == \"$2\")
		| select((.AlertKey | contains(\$u)) or (.AlertKey | test(\"LocalPort=\" + \$port + \"(,|\$)\")))"
}
changes() { # N: LocalUserChange items of our user
	events "$1" 'select(.Name == "LocalUserChange") | .Payload[] | select(.UserName == $u)'
}
hb() { # N MEMBER: the last Heartbeat's ExtraDetails.MEMBER
	events "$1" "select(.Name == \"Heartbeat\") | .Payload[0].ExtraDetails.$2 // empty" | tail -n1
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

# ---- 1. the first start takes the baselines ----
start 1
grep -q "Baselines: none saved in $state yet" "$tmp/log-1" ||
	fail "run 1 did not say it takes new baselines: $(grep -i baseline "$tmp/log-1")"
stop 1
[ -f "$state/baselines" ] || fail "no $state/baselines after the first run"
[ "$(stat -c %a "$state/baselines")" = 600 ] || fail "baselines has mode $(stat -c %a "$state/baselines")"
echo "ok: run 1 saved $(stat -c %s "$state/baselines") bytes of baselines"

# ---- 2. while the agent is stopped: a user in sudo, a listener ----
useradd -M -s /usr/sbin/nologin -G sudo "$user" || fail "useradd -G sudo $user"
uid=$(id -u "$user")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(600)' "$port" &
listener_pid=$!
for _ in $(seq 100); do
	ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
	sleep 0.05
done
ss -Hltn "sport = :$port" | grep -q . || fail "the listener on 127.0.0.1:$port did not start"

# ---- 3. the next start reports both, marked ----
start 2
grep -q "Baselines: [0-9]* kept in $state/baselines" "$tmp/log-2" ||
	fail "run 2 did not load the baselines: $(grep -i baseline "$tmp/log-2")"
wait_for 2 "LocalUserChange for $user" changes 2
ch=$(changes 2 | head -n1)
echo "$ch" | jq -e --arg uid "$uid" '.Change == "UserAdded" and .UserId == $uid
	and (.GroupNames | test("(^|;)sudo(;|$)")) and .ExtraDetails.WhileAgentStopped == "true"' \
	>/dev/null || fail "run 2: unexpected LocalUserChange: $ch"
echo "ok: LocalUserChange UserAdded $user (uid $uid, sudo), WhileAgentStopped true"
for rule in user-added user-privileged-group listening-port-new; do
	wait_for 2 "Alert $rule" alerts 2 "$rule"
	echo "ok: Alert $rule: $(alerts 2 "$rule" | head -n1 | jq -r .AlertKey)"
done
[ "$(hb 2 Baselines)" = '"kept"' ] || fail "run 2: Heartbeat Baselines is $(hb 2 Baselines), want kept"
stop 2
if command -v node >/dev/null && [ -f "$SOURCE_DIR/tests/tools/validate-messages.mjs" ]; then
	node "$SOURCE_DIR/tests/tools/validate-messages.mjs" --quiet "$tmp/out-2.jsonl" >"$tmp/val.txt" 2>&1 ||
		fail "messages do not validate: $(tail -20 "$tmp/val.txt")"
	echo "ok: run 2's messages validate against their schemas"
fi

# ---- 4. a restart with nothing changed raises nothing ----
start 3
sleep 2 # the first snapshot's alerts and changes are flushed within a second
stop 3
[ -z "$(changes 3)" ] || fail "run 3 (nothing changed) reported: $(changes 3)"
for rule in user-added user-privileged-group listening-port-new; do
	[ -z "$(alerts 3 "$rule")" ] || fail "run 3 (nothing changed) raised $rule: $(alerts 3 "$rule")"
done
echo "ok: a restart with nothing changed raises nothing"

# ---- 5. `edgesec snapshot` neither reads nor writes the baselines ----
gpasswd -d "$user" sudo >/dev/null || fail "gpasswd -d $user sudo"
before=$(sha256sum <"$state/baselines")
"$EDGESEC" snapshot --state-dir "$state" >"$tmp/out-snap.jsonl" 2>"$tmp/log-snap" ||
	fail "edgesec snapshot exited with $?: $(tail -n 3 "$tmp/log-snap")"
[ "$(sha256sum <"$state/baselines")" = "$before" ] || fail "edgesec snapshot changed the baselines file"
[ -z "$(changes snap)" ] || fail "edgesec snapshot reported a change: $(changes snap)"
! grep -qi "baselines:" "$tmp/log-snap" || fail "edgesec snapshot read the baselines: $(grep -i baselines: "$tmp/log-snap")"
echo "ok: edgesec snapshot does not use the baselines"

# ---- 6. a corrupt file: one warning, fresh baselines, replaced ----
/usr/bin/python3 - "$state/baselines" <<'PY' || fail "corrupting the file"
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[len(d) // 2] ^= 0x20
open(p, "wb").write(bytes(d))
PY
start 4
sleep 2
stop 4
[ "$(grep -c "Baselines: $state/baselines is not used" "$tmp/log-4")" = 1 ] ||
	fail "run 4: no single warning about the corrupt file: $(grep -i baseline "$tmp/log-4")"
grep -q "checksum mismatch" "$tmp/log-4" || fail "run 4: the warning does not say why: $(grep -i baseline "$tmp/log-4")"
[ -z "$(changes 4)" ] || fail "run 4 (fresh baselines) reported: $(changes 4)"
[ -z "$(alerts 4 listening-port-new)" ] || fail "run 4 (fresh baselines) raised listening-port-new"
[ "$(hb 4 Baselines)" = '"unusable"' ] || fail "run 4: Heartbeat Baselines is $(hb 4 Baselines)"
start 5
stop 5
grep -q "Baselines: [0-9]* kept in $state/baselines" "$tmp/log-5" ||
	fail "run 5: the corrupt file was not replaced: $(grep -i baseline "$tmp/log-5")"
echo "ok: a corrupt file gives one warning and fresh baselines, and is replaced"

# ---- 7. a file that cannot be written: warned once, the agent carries on in memory ----
rm -f "$state/baselines"
mkdir "$state/baselines"
start 6
sleep 3 # a few Heartbeats: each tries to save again
stop 6
[ "$(grep -c "Baselines: failed to save them" "$tmp/log-6")" = 1 ] ||
	fail "run 6: not one warning about the failed save: $(grep -i baseline "$tmp/log-6")"
[ -n "$(hb 6 BaselinesSaveError)" ] || fail "run 6: the Heartbeat does not show the failed save"
rmdir "$state/baselines"
echo "ok: a baselines file that cannot be written is one warning; the agent carries on"

# ---- 8. the file removed (the AgentId kept): a warning, and the Heartbeat says so ----
start 7
stop 7
grep -q "Baselines: none in $state although its AgentId is from an earlier run" "$tmp/log-7" ||
	fail "run 7: no warning about the missing file: $(grep -i baseline "$tmp/log-7")"
[ "$(hb 7 Baselines)" = '"missing"' ] || fail "run 7: Heartbeat Baselines is $(hb 7 Baselines)"
echo "ok: a removed baselines file is a warning and Heartbeat Baselines \"missing\""
echo "PASS: what changed while the agent was stopped is reported at its next start"
