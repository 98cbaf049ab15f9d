#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Login events from a real sshd (UsePAM yes, PasswordAuthentication yes) on 127.0.0.1 at a free
# port, with a unique test user, sshpass for a wrong then the right password:
#   1. loginSource audit: one Login Fail and one Login Success for the user, with RemoteAddress
#      127.0.0.1, RemotePort the client's port, Executable sshd; a sudo and a su by the test
#      user are PrivilegeUse events, never Login.
#   2. loginSource utmp: the failed attempt (btmp) is a Login Fail and an interactive session
#      (wtmp USER_PROCESS) a Login Success.
# Every message must validate against its schema (when node is installed).
#
# Needs root, sshd, sshpass and the shadow tools; exits 77 otherwise.  The audit state is
# host-wide: phase 1 takes turns with the audit unit tests (/tmp/edgesec-test-process-audit.lock)
# and waits (up to 120 s) for no other edgesec to hold /run/edgesec/audit.lock.
set -u

. "$(dirname "$0")/lib.sh"
need_root "(sshd, useradd)"
need_tools "apt-get install openssh-server sshpass" \
	/usr/sbin/sshd sshpass ssh ssh-keygen useradd userdel chpasswd python3 flock
need_edgesec

user="eslogin$$"
password="Pw-$$-$RANDOM-ok"
tmp=$(mktemp -d /tmp/edgesec-login-XXXXXX) || fail "mktemp"
chmod 755 "$tmp"
agent_pid=
sshd_pid=
stop_agent() {
	if [ -n "$agent_pid" ]; then
		kill -TERM "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
		agent_pid=
	fi
}
cleanup() {
	stop_agent
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	pkill -u "$user" 2>/dev/null # the test user's own leftover processes only
	userdel -r -f "$user" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey" || fail "ssh-keygen"
cat >"$tmp/sshd_config" <<EOF2
Port $port
ListenAddress 127.0.0.1
HostKey $tmp/hostkey
PidFile $tmp/sshd.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $user
MaxAuthTries 3
EOF2
mkdir -p /run/sshd
useradd -m -s /bin/bash "$user" || fail "useradd $user"
echo "$user:$password" | chpasswd || fail "chpasswd"
uid=$(id -u "$user")
/usr/sbin/sshd -f "$tmp/sshd_config" -E "$tmp/sshd.log" || fail "sshd: $(tail -3 "$tmp/sshd.log")"
for _ in $(seq 50); do
	[ -s "$tmp/sshd.pid" ] && break
	sleep 0.1
done
sshd_pid=$(cat "$tmp/sshd.pid" 2>/dev/null) || fail "sshd did not start"

ssh_as() { # ssh_as PASSWORD [ssh options and command...]
	local pw=$1
	shift
	sshpass -p "$pw" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o NumberOfPasswordPrompts=1 -o PubkeyAuthentication=no \
		-p "$port" "$user@127.0.0.1" "$@"
}

start_agent() { # start_agent SOURCE
	out="$tmp/out-$1.jsonl"
	cat >"$tmp/config-$1.json" <<EOF2
{
  "snapshotFrequency": "PT1H",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "edgesec": { "localFlushInterval": "PT1S", "heartbeatInterval": "PT1S", "loginSource": "$1" }
}
EOF2
	"$EDGESEC" run --state-dir "$tmp/state" --config "$tmp/config-$1.json" --output "$out" \
		2>"$tmp/run-$1.log" &
	agent_pid=$!
	# Ready when a Heartbeat shows the login collector running with this source.
	for _ in $(seq 80); do
		kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died: $(tail -5 "$tmp/run-$1.log")"
		if grep -q "source $1" "$out" 2>/dev/null; then
			return 0
		fi
		sleep 0.25
	done
	fail "the login collector did not start with source $1: $(tail -5 "$tmp/run-$1.log")"
}

# query FILE: prints the Login and PrivilegeUse items of the test user, one JSON per line.
items() {
	python3 - "$1" "$user" <<'PY'
import json, sys
for line in open(sys.argv[1]).read().splitlines():
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    for ev in msg.get("Events", []):
        if ev.get("Name") not in ("Login", "PrivilegeUse"):
            continue
        for it in ev.get("Payload", []):
            if it.get("UserName") == sys.argv[2] or it.get("ExtraDetails", {}).get("InvokingUserId"):
                it["_Name"] = ev["Name"]
                print(json.dumps(it))
PY
}

# expect FILE NAME FIELD=VALUE...: waits up to 20 s for an item NAME with these fields.
expect() {
	local file=$1 name=$2
	shift 2
	for _ in $(seq 80); do
		if items "$file" | python3 -c '
import json, sys
name, want = sys.argv[1], dict(kv.split("=", 1) for kv in sys.argv[2:])
for line in sys.stdin:
    it = json.loads(line)
    if it["_Name"] == name and all(str(it.get(k)) == v for k, v in want.items()):
        print(line, end=""); sys.exit(0)
sys.exit(1)' "$name" "$@"; then
			return 0
		fi
		sleep 0.25
	done
	echo "--- items seen:" >&2
	items "$file" >&2
	fail "no $name item with $* within 20 s"
}

count() { # count FILE NAME RESULT
	items "$1" | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["_Name"] == sys.argv[1] and json.loads(l).get("Result") == sys.argv[2]))' "$2" "$3"
}

validate() {
	local tools="$SOURCE_DIR/tests/tools"
	if command -v node >/dev/null && [ ! -d "$tools/node_modules/ajv-formats" ] &&
		command -v npm >/dev/null; then
		npm ci --prefix "$tools" --no-audit --no-fund >/dev/null 2>&1 ||
			echo "note: npm ci failed (offline?); messages not validated"
	fi
	if command -v node >/dev/null && [ -d "$tools/node_modules/ajv-formats" ]; then
		node "$SOURCE_DIR/tests/tools/validate-messages.mjs" --quiet "$1" >"$tmp/val.txt" 2>&1 ||
			fail "messages do not validate: $(tail -20 "$tmp/val.txt")"
		echo "ok: $(basename "$1") validates against its schemas"
	fi
}

# ---- 1. audit ----
# Take turns with the audit unit tests of any checkout (their lock), then make sure no other
# edgesec holds the host's audit lock.
exec 8>/tmp/edgesec-test-process-audit.lock
flock -w 300 8 || fail "the audit tests' turn lock was held for 300 s"
mkdir -p /run/edgesec
exec 9>/run/edgesec/audit.lock
flock -w 120 9 || fail "another edgesec audit user held /run/edgesec/audit.lock for 120 s"
exec 9>&-
start_agent audit

ssh_as "wrong-$password" true 2>/dev/null && fail "ssh with a wrong password succeeded"
expect "$out" Login Result=Fail Executable=/usr/sbin/sshd RemoteAddress=127.0.0.1 "UserId=$uid"
echo "ok: audit: wrong password -> Login Fail"

ssh_as "$password" 'echo "$SSH_CONNECTION"; sleep 1' >"$tmp/conn" || fail "ssh with the right password failed"
read -r _ cport _ sport <"$tmp/conn" || fail "no SSH_CONNECTION"
expect "$out" Login Result=Success Executable=/usr/sbin/sshd RemoteAddress=127.0.0.1 \
	"UserId=$uid" "RemotePort=$cport" "LocalPort=$sport"
echo "ok: audit: right password -> Login Success (ports $cport -> $sport)"

if command -v sudo >/dev/null; then
	ssh_as "$password" "echo '$password' | sudo -S -u root true" 2>/dev/null
	expect "$out" PrivilegeUse Operation=sudo Executable=/usr/bin/sudo Result=Success
	echo "ok: audit: sudo -> PrivilegeUse"
fi
ssh_as "$password" "echo wrong | su -c true root" 2>/dev/null
expect "$out" PrivilegeUse Operation=su UserName=root UserId=0 Executable=/usr/bin/su Result=Fail
echo "ok: audit: su with a wrong password -> PrivilegeUse Fail"
sleep 2 # anything late would show up now
fails=$(count "$out" Login Fail)
succ=$(count "$out" Login Success)
[ "$fails" -eq 1 ] || fail "$fails Login Fail events, want 1: $(items "$out")"
[ "$succ" -eq 3 ] || fail "$succ Login Success events, want 3 (three ssh sessions): $(items "$out")"
if items "$out" | grep '"_Name": "Login"' | grep -E '/(sudo|su)"'; then
	fail "sudo or su reported as a Login"
fi
echo "ok: audit: one Fail, one Success per session, sudo/su not reported as Login"
stop_agent
exec 8>&- # our turn with kernel audit is over
validate "$out"

# ---- 2. utmp ----
start_agent utmp
ssh_as "wrong-$password" true 2>/dev/null && fail "ssh with a wrong password succeeded"
expect "$out" Login Result=Fail Operation=btmp RemoteAddress=127.0.0.1 "UserId=$uid"
echo "ok: utmp: wrong password -> Login Fail (btmp)"
# A session with a terminal is recorded in wtmp.
ssh_as "$password" -tt 'sleep 2' >/dev/null 2>&1 || fail "interactive ssh failed"
expect "$out" Login Result=Success Operation=wtmp RemoteAddress=127.0.0.1 "UserId=$uid"
echo "ok: utmp: interactive session -> Login Success (wtmp)"
stop_agent
validate "$out"
echo "PASS: sshd logins (audit and utmp sources) produce Login events; sudo/su do not"
