#!/bin/bash
# SPDX-License-Identifier: MIT
#
# LocalUsers against the real /etc/passwd and /etc/group: add a unique user with two new
# supplementary groups (given to useradd in reverse order), take a snapshot and check the
# user's UserId, GroupIds and GroupNames (primary first, then group-file order); delete them
# and check the user is gone from the next snapshot.
#
# Needs root and the shadow tools (useradd, groupadd); exits 77 otherwise.
set -u

. "$(dirname "$0")/lib.sh"
need_root "to add a test user"
need_tools "" useradd userdel groupadd groupdel python3
need_edgesec

user="edgesec-t$$"
g1="edgesec-a$$"
g2="edgesec-b$$"
tmp=$(mktemp -d /tmp/edgesec-users-XXXXXX) || fail "mktemp"
created=0
remove_all() {
	userdel "$user" 2>/dev/null
	groupdel "$user" 2>/dev/null # the user group, if userdel left it
	groupdel "$g1" 2>/dev/null
	groupdel "$g2" 2>/dev/null
}
cleanup() {
	[ "$created" = 1 ] && remove_all
	rm -rf "$tmp"
}
trap cleanup EXIT

# check USER SHOULD_EXIST [UID GIDS NAMES]: runs a snapshot and looks the user up.
check() {
	"$EDGESEC" snapshot --state-dir "$tmp/state" >"$tmp/out.jsonl" 2>"$tmp/err.txt" ||
		fail "edgesec snapshot exited with $?: $(cat "$tmp/err.txt")"
	python3 - "$tmp/out.jsonl" "$@" <<'PY'
import json, sys

out, user, present = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
items = []
for n, line in enumerate(open(out), 1):
    if not line.strip():
        continue
    for ev in json.loads(line).get("Events", []):
        if ev.get("Name") == "LocalUsers":
            items += ev.get("Payload", [])
if not items:
    sys.exit("FAIL: no LocalUsers items in the snapshot output")
if not any(it.get("UserName") == "root" and it.get("UserId") == "0" for it in items):
    sys.exit("FAIL: root (uid 0) is not in LocalUsers")
mine = [it for it in items if it.get("UserName") == user]
if not present:
    if mine:
        sys.exit(f"FAIL: {user} is still listed after userdel: {mine}")
    print(f"ok: {user} is gone")
    sys.exit(0)
if len(mine) != 1:
    sys.exit(f"FAIL: {user} appears {len(mine)} times in LocalUsers (want 1)")
it = mine[0]
want = {"UserId": sys.argv[4], "GroupIds": sys.argv[5], "GroupNames": sys.argv[6]}
bad = [f"{k} is {it.get(k)!r}, want {v!r}" for k, v in want.items() if it.get(k) != v]
if bad:
    sys.exit(f"FAIL: {user}: " + "; ".join(bad))
print(f"ok: {user} {want}")
PY
}

created=1
groupadd "$g1" || fail "groupadd $g1"
groupadd "$g2" || fail "groupadd $g2"
# -U: a user group named like the user as the primary group.
useradd -M -U -s /usr/sbin/nologin -G "$g2,$g1" "$user" || fail "useradd $user"

uid=$(id -u "$user") || fail "id -u $user"
pgid=$(id -g "$user") || fail "id -g $user"
g1id=$(getent group "$g1" | cut -d: -f3)
g2id=$(getent group "$g2" | cut -d: -f3)
[ -n "$g1id" ] && [ -n "$g2id" ] || fail "getent group did not find the test groups"

# g1 was added to /etc/group before g2, so it comes first whatever useradd -G said.
check "$user" 1 "$uid" "$pgid;$g1id;$g2id" "$user;$g1;$g2" || exit 1

remove_all
created=0
check "$user" 0 || exit 1
echo "PASS: LocalUsers follows useradd and userdel"
