#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A forged PAM login record, and what the Login event says about who sent it.  Any process
# with CAP_AUDIT_WRITE (root on the host; a Docker container by default) can send a USER_LOGIN
# record claiming to be sshd.  The kernel adds only the sender's pid outside msg='...'; the
# agent checks that pid while it runs:
#   1. from the host, python3 sends `op=login acct=USER exe="/usr/sbin/sshd" ... res=success`:
#      the Login has Source=audit and SenderExecutable = python's real binary (not sshd);
#   2. from a container of a private dockerd (the host's python3 through a read-only bind of
#      the host's / and chroot, both allowed to a default container): also SenderContainerId
#      = the container's id and SenderContainerRuntime = docker.  Skipped (77 for that part
#      only) without dockerd/busybox-static.
# Needs root and python3; takes turns on the audit locks like test-login-ssh.sh.
set -u

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker-env.sh"
need_root "to send audit user messages"
need_tools "" python3 flock
need_edgesec
# Debian's python3 (the same path inside the chroot of part 2), else the one on the PATH
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
py_real=$("$PY" -c 'import os, sys; print(os.path.realpath(sys.executable))')

user="esforged$$"
tmp=$(mktemp -d /tmp/edgesec-forged-XXXXXX) || fail "mktemp"
agent_pid=
docker_up=0
cname="edgesec-forged-$$"
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill -TERM "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	if [ "$docker_up" = 1 ]; then
		docker_env_stop "$cname"
		docker_env_cleanup_mounts "$tmp"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# The forger: one USER_LOGIN (1112) record on NETLINK_AUDIT, text chosen by the sender.
cat >"$tmp/forge.py" <<'PY'
import os, socket, struct, sys
user, addr = sys.argv[1], sys.argv[2]
text = ('op=login id=0 exe="/usr/sbin/sshd" hostname=%s addr=%s terminal=ssh res=success acct="%s"'
        % (addr, addr, user)).encode()
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)  # NETLINK_AUDIT
msg = struct.pack("=IHHII", 16 + len(text) + 1, 1112, 0x5, 1, 0) + text + b"\0"  # REQUEST|ACK
s.sendto(msg, (0, 0))
s.settimeout(2)
try:
    s.recv(4096)
except OSError:
    pass
import time
time.sleep(1)  # alive while the agent looks at it (a forger that exits at once: SenderGone)
PY

cat >"$tmp/config.json" <<'EOF2'
{
  "snapshotFrequency": "PT1H",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "edgesec": { "localFlushInterval": "PT1S", "heartbeatInterval": "PT1S", "loginSource": "audit" }
}
EOF2

exec 8>/tmp/edgesec-test-process-audit.lock
flock -w 300 8 || fail "the audit tests' turn lock was held for 300 s"
exec 9>/run/edgesec-audit.lock
flock -w 120 9 || fail "another edgesec audit user held /run/edgesec-audit.lock for 120 s"
exec 9>&-
out="$tmp/out.jsonl"
"$EDGESEC" run --state-dir "$tmp/state" --config "$tmp/config.json" --output "$out" \
	2>"$tmp/run.log" &
agent_pid=$!
for _ in $(seq 80); do
	kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died: $(tail -5 "$tmp/run.log")"
	grep -q "source audit" "$out" 2>/dev/null && break
	sleep 0.25
done
grep -q "source audit" "$out" 2>/dev/null || fail "the login collector did not start with audit"

# login_of ACCT: the ExtraDetails of the Login of ACCT as JSON (waits up to 20 s).
login_of() {
	for _ in $(seq 80); do
		if python3 - "$out" "$1" <<'PY'; then
import json, sys
for line in open(sys.argv[1]).read().splitlines():
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    for ev in msg.get("Events", []):
        for it in ev.get("Payload", []) if ev.get("Name") == "Login" else []:
            if it.get("UserName") == sys.argv[2]:
                print(json.dumps(it.get("ExtraDetails", {})))
                sys.exit(0)
sys.exit(1)
PY
			return 0
		fi
		sleep 0.25
	done
	return 1
}

# ---- 1. from the host ----
"$PY" "$tmp/forge.py" "$user" 192.0.2.7 || fail "the forger failed"
extra=$(login_of "$user") || fail "no Login for the forged record: $(tail -5 "$tmp/run.log")"
python3 - "$extra" "$py_real" <<'PY' || exit 1
import json, sys
x, py = json.loads(sys.argv[1]), sys.argv[2]
assert x.get("Source") == "audit", x
assert x.get("SenderExecutable") == py, (x, py)
assert "SenderContainerId" not in x, x
print("ok: host forgery: SenderExecutable", x["SenderExecutable"], "(the record claims sshd)")
PY

# ---- 2. from a container ----
if ! command -v dockerd >/dev/null || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null |
	grep -q "ok installed"; then
	echo "SKIP (part 2): dockerd or busybox-static not installed"
	exit 0
fi
docker_env_require
docker_env_start "$tmp"
docker_up=1
docker_env_import_busybox edgesec-test/busybox:1 sh chroot sleep
cuser="${user}c"
dk run -d --name "$cname" --network none -v /:/host:ro edgesec-test/busybox:1 \
	sleep 60 >/dev/null || fail "docker run failed"
cid=$(dk inspect -f '{{.Id}}' "$cname") || fail "docker inspect"
dk exec "$cname" chroot /host "$PY" "$tmp/forge.py" "$cuser" 192.0.2.8 ||
	fail "the forger failed in the container"
extra=$(login_of "$cuser") || fail "no Login for the container's forged record"
python3 - "$extra" "$cid" <<'PY' || exit 1
import json, sys
x, cid = json.loads(sys.argv[1]), sys.argv[2]
assert x.get("SenderContainerId") == cid, (x, cid)
assert x.get("SenderContainerRuntime") == "docker", x
assert x.get("SenderExecutable", "").endswith("python3") or "python" in x.get("SenderExecutable", ""), x
print("ok: container forgery: SenderContainerId", cid[:12])
PY
echo "PASS: forged PAM login records name their real sender (executable, container)"
