#!/bin/bash
# SPDX-License-Identifier: MIT
#
# LocalUserChange against the real /etc/passwd and /etc/group, with a running agent
# (snapshot every second, local output): useradd, usermod -aG, usermod -o -u 0 and userdel on
# a unique test user must each produce a triggered LocalUserChange event (UserAdded,
# GroupMembershipChanged, UidChangedToRoot, UserRemoved) with the user's name and ids, and
# the output must validate against its schemas (when node is installed).
# Then the evasion case: a second user added and removed at once (`useradd && userdel`, well
# within a second, and again with the snapshot period raised to an hour so only the inotify
# path can see it) must still give UserAdded and UserRemoved.
#
# Needs root and the shadow tools; exits 77 otherwise.  Exits 77 as well while the users
# collector does not emit EVENT_USER_CHANGE (src/collectors/users/users.c).
set -u

. "$(dirname "$0")/lib.sh"
need_root "to add a test user"
need_tools "" useradd usermod userdel groupadd groupdel python3
need_edgesec

user="edgesec-uc$$"
quick="edgesec-uq$$"
group="edgesec-ucg$$"
tmp=$(mktemp -d /tmp/edgesec-uc-XXXXXX) || fail "mktemp"
agent_pid=
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill -TERM "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	# -f: once its uid is 0, userdel would refuse ("currently used by process 1").
	userdel -f "$user" 2>/dev/null
	groupdel "$user" 2>/dev/null
	for u in "$quick" "${quick}1" "${quick}2" "${quick}3"; do
		userdel -f "$u" 2>/dev/null
		groupdel "$u" 2>/dev/null
	done
	groupdel "$group" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/config.json" <<'EOF'
{
  "snapshotFrequency": "PT1S",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "edgesec": {
    "localFlushInterval": "PT1S"
  }
}
EOF
groupadd "$group" || fail "groupadd $group"
out="$tmp/out.jsonl"
"$EDGESEC" run --state-dir "$tmp/state" --config "$tmp/config.json" --output "$out" \
	2>"$tmp/run.log" &
agent_pid=$!

# wait_for NAME [CHANGE]: waits up to 20 s for an event NAME (of the test user, with CHANGE).
wait_for() {
	for _ in $(seq 80); do
		kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died: $(tail -5 "$tmp/run.log")"
		if python3 - "$out" "$user" "$@" <<'PY'; then
import json, sys

out, user, name = sys.argv[1], sys.argv[2], sys.argv[3]
change = sys.argv[4] if len(sys.argv) > 4 else None
try:
    lines = open(out).read().splitlines()
except FileNotFoundError:
    sys.exit(1)
for line in lines:
    try:
        msg = json.loads(line)
    except ValueError:
        continue  # a line being written
    for ev in msg.get("Events", []):
        if ev.get("Name") != name:
            continue
        if change is None:
            sys.exit(0)
        for it in ev.get("Payload", []):
            if it.get("Change") == change and it.get("UserName") == user:
                print(json.dumps(it))
                sys.exit(0)
sys.exit(1)
PY
			return 0
		fi
		sleep 0.25
	done
	return 1
}

# check CHANGE FIELD=VALUE...: the event of the test user with CHANGE has these fields.
check() {
	local change=$1 item
	shift
	check_user "$user" "$change" "$@"
}

check_user() {
	local user=$1 change=$2 item
	shift 2
	if ! item=$(wait_for LocalUserChange "$change"); then
		if ! grep -q EVENT_USER_CHANGE "$SOURCE_DIR/src/collectors/users/users.c"; then
			echo "SKIP: the users collector does not emit LocalUserChange yet"
			exit 77
		fi
		fail "no LocalUserChange $change for $user within 20 s"
	fi
	python3 - "$item" "$@" <<'PY' || exit 1
import json, sys

it = json.loads(sys.argv[1])
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    if it.get(k) != v:
        sys.exit(f"FAIL: {it.get('Change')}: {k} is {it.get(k)!r}, want {v!r} in {it}")
print(f"ok: {it['Change']} {it['UserName']}")
PY
}

wait_for LocalUsers || fail "no LocalUsers snapshot within 20 s: $(tail -5 "$tmp/run.log")"
sleep 1.5 # let the first snapshot be the base of the comparison

useradd -M -U -s /usr/sbin/nologin "$user" || fail "useradd $user"
uid=$(id -u "$user") || fail "id -u"
gid=$(id -g "$user") || fail "id -g"
gid2=$(getent group "$group" | cut -d: -f3)
check UserAdded "UserId=$uid" "GroupIds=$gid" "GroupNames=$user"

usermod -aG "$group" "$user" || fail "usermod -aG"
check GroupMembershipChanged "UserId=$uid" "GroupIds=$gid;$gid2" "GroupNames=$user;$group" \
	"PreviousGroupIds=$gid" "PreviousGroupNames=$user"

usermod -o -u 0 "$user" || fail "usermod -o -u 0"
check UidChangedToRoot "UserId=0" "PreviousUserId=$uid"

userdel -f "$user" 2>/dev/null
grep -q "^$user:" /etc/passwd && fail "userdel -f $user"
groupdel "$user" 2>/dev/null
check UserRemoved "UserId=0"

# Added and removed at once: both changes are reported.
start=$(date +%s%N)
useradd -M -U -s /usr/sbin/nologin "$quick" && userdel "$quick" || fail "useradd && userdel $quick"
echo "useradd && userdel took $((($(date +%s%N) - start) / 1000000)) ms"
check_user "$quick" UserAdded
check_user "$quick" UserRemoved

kill -TERM "$agent_pid"
wait "$agent_pid" || fail "edgesec run exited $? after SIGTERM: $(tail -5 "$tmp/run.log")"
agent_pid=

# Again with no snapshot for an hour: only the immediate path (inotify, backups) can see it.
sed -i 's/"snapshotFrequency": "PT1S"/"snapshotFrequency": "PT1H"/' "$tmp/config.json"
out2="$tmp/out2.jsonl"
"$EDGESEC" run --state-dir "$tmp/state" --config "$tmp/config.json" --output "$out2" \
	2>"$tmp/run2.log" &
agent_pid=$!
out_saved=$out
out=$out2
wait_for LocalUsers || fail "no LocalUsers snapshot at start: $(tail -5 "$tmp/run2.log")"
for i in 1 2 3; do
	useradd -M -U -s /usr/sbin/nologin "$quick$i" && userdel "$quick$i" ||
		fail "useradd && userdel $quick$i"
	check_user "$quick$i" UserAdded
	check_user "$quick$i" UserRemoved
done
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "edgesec run exited $? after SIGTERM: $(tail -5 "$tmp/run2.log")"
agent_pid=
out=$out_saved

if command -v node >/dev/null && [ -f "$SOURCE_DIR/tests/tools/validate-messages.mjs" ]; then
	node "$SOURCE_DIR/tests/tools/validate-messages.mjs" --quiet "$out" "$out2" >"$tmp/val.txt" 2>&1 ||
		fail "messages do not validate: $(tail -20 "$tmp/val.txt")"
	echo "ok: messages validate against their schemas"
fi
echo "PASS: useradd, usermod -aG, usermod -u 0 and userdel produce LocalUserChange events," \
	"also when a user is added and removed at once"
