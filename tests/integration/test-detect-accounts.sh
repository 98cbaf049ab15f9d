#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The detection catalogue on real behaviour, part 3: accounts and logins (issue 10).  One
# `edgesec run --capture ebpf` with loginSource audit (PAM's records) watches while:
#   - useradd adds a test user (user-added), usermod -aG sudo puts it in sudo
#     (user-privileged-group), and a direct edit of /etc/group (under the shadow lock, as
#     root could do without usermod) puts it in adm (user-privileged-group again);
#   - a real sshd on 127.0.0.1 (UsePAM) gets 10 wrong passwords for that user (sshpass, in
#     parallel): bruteforce-login (5 from one address) and bruteforce-user (10 for one
#     account); then the right password: bruteforce-success;
#   - the test user runs su with a wrong password 5 times: bruteforce-sudo;
#   - useradd -o -u 0 adds a second uid-0 account (user-uid0), removed at once
#     (user-removed is for uid >= 1000: the uid-0 one gives user-short-lived);
#   - userdel removes the test user: user-removed and user-short-lived.
# Each Alert's evidence must name the user, its uid, the address.  Restores everything (the
# users, their groups, sshd).  Takes turns with the other audit tests like test-login-ssh.sh.
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detect-env.sh"

need_root "(the eBPF capture; sshd, useradd)"
need_tools "apt-get install -y jq openssh-server sshpass passwd login" \
	jq /usr/sbin/sshd sshpass ssh ssh-keygen useradd usermod userdel chpasswd su runuser flock \
	/usr/bin/python3
need_edgesec
getent group sudo >/dev/null || skip "no sudo group here (Debian package sudo)"

user=edgesec-dt-$$
root2=edgesec-dt0-$$
password="Pw-$$-$RANDOM-ok"
sshd_pid=
dt_init accounts
dt_cleanup_hook() {
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	pkill -u "$user" 2>/dev/null # the test user's own leftover processes only
	userdel -r -f "$user" 2>/dev/null
	userdel -f "$root2" 2>/dev/null
	groupdel "$user" 2>/dev/null
	groupdel "$root2" 2>/dev/null
}

# Kernel audit is host-wide: take turns with the audit tests of any checkout, then wait for no
# other edgesec to hold the host's audit lock (our agent takes it).
exec 8>/tmp/edgesec-test-process-audit.lock
flock -w 300 8 || fail "the audit tests' turn lock was held for 300 s"
exec 9>/run/edgesec-audit.lock
flock -w 120 9 || fail "another edgesec audit user held /run/edgesec-audit.lock for 120 s"
exec 9>&-

# sshd on a free loopback port, only for the test user.
port=$(dt_free_port)
ssh-keygen -q -t ed25519 -N '' -f "$DT_TMP/hostkey" || fail "ssh-keygen"
cat >"$DT_TMP/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $DT_TMP/hostkey
PidFile $DT_TMP/sshd.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $user
MaxAuthTries 3
MaxStartups 30:30:60
EOF
mkdir -p /run/sshd

dt_start_agent '"loginSource": "audit", "dockerSocket": ""'
for _ in $(seq 100); do
	case $(dt_collector_detail login) in *"source audit"*) break ;; esac
	sleep 0.1
done
case $(dt_collector_detail login) in
*"source audit"*) ;;
*) skip "the login collector does not read PAM records through audit here: $(dt_collector_detail login)" ;;
esac

# ---- accounts ----
dt_mark
useradd -m -s /bin/bash "$user" || fail "useradd $user"
uid=$(id -u "$user")
DT_JQ_ARGS=(--arg u "$user" --arg uid "$uid")
dt_expect user-added "useradd -m $user (uid $uid)" \
	'.Evidence[0].Name == "LocalUserChange" and .Evidence[0].Fields.UserName == $u
	 and .Evidence[0].Fields.UserId == $uid and .Evidence[0].Fields.Change == "UserAdded"'
echo "$user:$password" | chpasswd || fail "chpasswd"

dt_mark
usermod -aG sudo "$user" || fail "usermod -aG sudo"
dt_expect user-privileged-group "usermod -aG sudo $user" \
	'.Evidence[0].Fields.UserName == $u and (.Evidence[0].Fields.GroupNames | test("(^|;)sudo(;|$)"))'

# Root does not need usermod: /etc/group edited in place (under the shadow suite's lock, so
# that the other tests' useradd on this machine cannot interleave).
dt_mark
/usr/bin/python3 - "$user" <<'PY' || fail "editing /etc/group"
import fcntl, os, sys
user = sys.argv[1]
lock = open("/etc/.pwd.lock", "w")
fcntl.lockf(lock, fcntl.LOCK_EX)
lines = open("/etc/group").read().splitlines(True)
for i, l in enumerate(lines):
    f = l.rstrip("\n").split(":")
    if f[0] == "adm":
        members = [m for m in f[3].split(",") if m]
        f[3] = ",".join(members + [user])
        lines[i] = ":".join(f) + "\n"
st = os.stat("/etc/group")
tmp = "/etc/group.edgesec-dt"
with open(tmp, "w") as out:
    out.writelines(lines)
os.chmod(tmp, st.st_mode & 0o7777)
os.chown(tmp, st.st_uid, st.st_gid)
os.rename(tmp, "/etc/group")
PY
dt_expect user-privileged-group "evasion: /etc/group edited directly (user appended to adm)" \
	'.Evidence[0].Fields.UserName == $u and (.Evidence[0].Fields.GroupNames | test("(^|;)adm(;|$)"))'
gpasswd -d "$user" adm >/dev/null || fail "gpasswd -d $user adm"

# ---- ssh brute force against the real sshd ----
/usr/sbin/sshd -f "$DT_TMP/sshd_config" -E "$DT_TMP/sshd.log" || fail "sshd: $(tail -3 "$DT_TMP/sshd.log")"
for _ in $(seq 50); do
	[ -s "$DT_TMP/sshd.pid" ] && break
	sleep 0.1
done
sshd_pid=$(cat "$DT_TMP/sshd.pid" 2>/dev/null) || fail "sshd did not start"
ssh_as() { # password command...
	local pw=$1

	shift
	sshpass -p "$pw" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o NumberOfPasswordPrompts=1 -o PubkeyAuthentication=no \
		-p "$port" "$user@127.0.0.1" "$@"
}
dt_mark
tries=()
for i in $(seq 10); do
	ssh_as "wrong-$i-$password" true 2>/dev/null &
	tries+=($!)
done
for p in "${tries[@]}"; do
	wait "$p" && fail "ssh with a wrong password succeeded"
done
dt_expect bruteforce-login "10 ssh logins with wrong passwords from 127.0.0.1 (sshd, PAM)" \
	'.RemoteAddress == "127.0.0.1" and (.Evidence | length) >= 1
	 and ([.Evidence[] | select(.Name == "Login" and .Fields.UserName == $u
	       and .Fields.Result == "Fail")] | length) >= 1'
dt_expect bruteforce-user "the same 10 failures, for one account" \
	'.AlertKey | contains($u)'
dt_mark
ssh_as "$password" true || fail "ssh with the right password failed"
dt_expect bruteforce-success "then the right password from 127.0.0.1" \
	'.RemoteAddress == "127.0.0.1" and .Evidence[-1].Name == "Login"
	 and .Evidence[-1].Fields.Result == "Success" and .Evidence[-1].Fields.UserName == $u'

# ---- su with wrong passwords, as the test user ----
dt_mark
tries=()
for i in $(seq 5); do
	runuser -u "$user" -- sh -c "echo wrong-$i | su -c true root" >/dev/null 2>&1 &
	tries+=($!)
done
for p in "${tries[@]}"; do
	wait "$p"
done
dt_expect bruteforce-sudo "5 x su root with a wrong password, run by $user" \
	'.Evidence[0].Name == "PrivilegeUse" and .Evidence[0].Fields.Result == "Fail"'

# ---- a second root account, added and removed ----
dt_mark
useradd -M -N -o -u 0 -g 0 -s /usr/sbin/nologin "$root2" 2>/dev/null || fail "useradd -o -u 0 $root2"
DT_JQ_ARGS=(--arg u "$root2")
dt_expect user-uid0 "useradd -o -u 0 $root2" \
	'.Evidence[0].Fields.UserName == $u and .Evidence[0].Fields.UserId == "0"'
userdel -f "$root2" 2>/dev/null || fail "userdel $root2"
dt_expect user-short-lived "userdel $root2 right after" '.AlertKey | contains($u)'

# ---- the test user removed ----
kill "$sshd_pid" 2>/dev/null
sshd_pid=
pkill -u "$user" 2>/dev/null
dt_mark
userdel -r -f "$user" 2>/dev/null || fail "userdel $user"
DT_JQ_ARGS=(--arg u "$user" --arg uid "$uid")
dt_expect user-removed "userdel -r $user" \
	'.Evidence[0].Fields.UserName == $u and .Evidence[0].Fields.Change == "UserRemoved"
	 and .Evidence[0].Fields.UserId == $uid'
dt_expect user-short-lived "$user added then removed within minutes" \
	'(.Evidence | map(.Fields.Change)) == ["UserAdded", "UserRemoved"]
	 and .Evidence[0].Fields.UserName == $u'

dt_stop_agent
exec 8>&- # our turn with kernel audit is over
dt_table
echo "PASS: account changes, ssh brute force and su failures raise their alerts with the right evidence"
