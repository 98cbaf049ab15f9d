#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The agent's files cannot be turned against the host by another user (docs/security.md,
# "Files").  The real binary as root, the "other user" is nobody (65534), in a private
# directory made sticky and world-writable like /tmp:
#   1. --output to a symbolic link nobody planted (pointing at a file of root's): refused,
#      exit code 1, the target unchanged;
#   2. --output to a file nobody made first (so nobody could read the events): refused;
#      to a second hard link of a file of root's: refused;
#   3. a state directory owned by nobody, or writable by its group or everyone: refused with
#      the reason and the fix; a path through a directory of nobody's: refused;
#   4. a symbolic link at the AgentId's old temporary name (.agent-id.<pid>.tmp): the target
#      unchanged, agent-id written 0600, no temporary file left;
#   5. the normal cases still work: --output FILE created 0600 and appended to, --output
#      /dev/null, --output /dev/stdout, a state directory made 0700.
#
# Needs root (chown to stage another user's files).  Environment (set by CTest): EDGESEC.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_root "(to stage files of another user with chown)"
need_edgesec

tmp=$(mktemp -d /tmp/edgesec-files-XXXXXX) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
shared=$tmp/shared
mkdir -m 1777 "$shared" && chmod 1777 "$shared"
echo "root:x:0:0:precious" >"$tmp/victim"
chmod 0644 "$tmp/victim"
victim_sum=$(sha256sum <"$tmp/victim")

# run_once ARGS...: `edgesec snapshot` (the agent's start-up, one message, exit); rc in $rc
run_once() {
	rc=0
	timeout 120 "$EDGESEC" snapshot "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null || rc=$?
}
expect_refused() { # what pattern
	[ "$rc" -ne 0 ] || fail "$1: the agent ran (exit 0)"
	grep -q -- "$2" "$tmp/stderr" || fail "$1: no '$2' in: $(tail -n 3 "$tmp/stderr")"
	[ "$(sha256sum <"$tmp/victim")" = "$victim_sum" ] || fail "$1: the victim file changed"
	echo "ok: $1: refused ($(grep -m1 -o 'Failed to .*' "$tmp/stderr" | cut -c1-160))"
}

# 1. a link planted by another user
ln -s "$tmp/victim" "$shared/edgesec.jsonl"
chown -h 65534:65534 "$shared/edgesec.jsonl"
run_once --state-dir "$tmp/state1" --output "$shared/edgesec.jsonl"
expect_refused "--output through nobody's symbolic link" "symbolic link"
# even a link of root's is not followed as the output (give the target)
ln -s "$tmp/victim" "$tmp/rootlink.jsonl"
run_once --state-dir "$tmp/state1" --output "$tmp/rootlink.jsonl"
expect_refused "--output through a symbolic link" "symbolic link"

# 2. a file nobody made first; a second name of root's file
rm -f "$shared/edgesec.jsonl"
install -o 65534 -g 65534 -m 0644 /dev/null "$shared/edgesec.jsonl"
run_once --state-dir "$tmp/state1" --output "$shared/edgesec.jsonl"
expect_refused "--output to a file of nobody's" "owned by uid 65534"
[ ! -s "$shared/edgesec.jsonl" ] || fail "events were written to nobody's file"
ln "$tmp/victim" "$tmp/hard.jsonl"
run_once --state-dir "$tmp/state1" --output "$tmp/hard.jsonl"
expect_refused "--output to a hard link of root's file" "hard links"

# 3. state directories
mkdir -m 0700 "$tmp/state-nobody" && chown 65534:65534 "$tmp/state-nobody"
run_once --state-dir "$tmp/state-nobody" --output /dev/null
expect_refused "state directory owned by nobody" "owned by uid 65534"
[ ! -e "$tmp/state-nobody/agent-id" ] || fail "agent-id was written into nobody's directory"
for mode in 0770:"chmod 0700" 0777:"chmod o-w" 1777:"chmod 0700"; do
	mkdir -m "${mode%%:*}" "$tmp/state-${mode%%:*}" && chmod "${mode%%:*}" "$tmp/state-${mode%%:*}"
	run_once --state-dir "$tmp/state-${mode%%:*}" --output /dev/null
	expect_refused "state directory mode ${mode%%:*}" "${mode#*:}"
done
mkdir -m 0755 "$tmp/home-nobody" && chown 65534:65534 "$tmp/home-nobody"
run_once --state-dir "$tmp/home-nobody/state" --output /dev/null
expect_refused "state directory under nobody's directory" "owned by uid 65534"
ln -s /etc "$shared/state-link" && chown -h 65534:65534 "$shared/state-link"
run_once --state-dir "$shared/state-link" --output /dev/null
expect_refused "state directory through nobody's symbolic link" "symbolic link owned by uid 65534"
[ ! -e /etc/agent-id ] || fail "agent-id appeared in /etc"

# 4. the AgentId's temporary name, planted for the pid the agent will have (exec keeps it)
mkdir -m 0700 "$tmp/state4"
rc=0
bash -c 'ln -s "$1" "$2/.agent-id.$$.tmp"; exec "$3" run --state-dir "$2" --output /dev/null' \
	_ "$tmp/victim" "$tmp/state4" "$EDGESEC" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null &
pid=$!
sleep 3
kill -TERM "$pid" 2>/dev/null
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "agent with a planted temporary name: exit $rc: $(tail -n 3 "$tmp/stderr")"
[ "$(sha256sum <"$tmp/victim")" = "$victim_sum" ] || fail "the AgentId was written through the link"
[ "$(stat -c %a "$tmp/state4/agent-id")" = 600 ] || fail "agent-id mode $(stat -c %a "$tmp/state4/agent-id")"
ls -A "$tmp/state4" | grep -v -e '^agent-id$' -e '^baselines$' -e '^\.agent-id\.[0-9]*\.tmp$' | grep . &&
	fail "a temporary file was left in the state directory"
echo "ok: a link at .agent-id.<pid>.tmp is not written through; agent-id is 0600"

# 5. what must keep working
run_once --state-dir "$tmp/state5" --output "$tmp/out.jsonl"
[ "$rc" -eq 0 ] || fail "--output FILE: exit $rc: $(tail -n 3 "$tmp/stderr")"
[ -s "$tmp/out.jsonl" ] || fail "--output FILE: nothing written"
[ "$(stat -c %a "$tmp/out.jsonl")" = 600 ] || fail "output mode $(stat -c %a "$tmp/out.jsonl")"
[ "$(stat -c %a "$tmp/state5")" = 700 ] || fail "state dir mode $(stat -c %a "$tmp/state5")"
size=$(stat -c %s "$tmp/out.jsonl")
run_once --state-dir "$tmp/state5" --output "$tmp/out.jsonl"
[ "$(stat -c %s "$tmp/out.jsonl")" -gt "$size" ] || fail "--output FILE: not appended to"
run_once --state-dir "$tmp/state5" --output /dev/null
[ "$rc" -eq 0 ] || fail "--output /dev/null: exit $rc: $(tail -n 3 "$tmp/stderr")"
run_once --state-dir "$tmp/state5" --output /dev/stdout
[ "$rc" -eq 0 ] && [ -s "$tmp/stdout" ] || fail "--output /dev/stdout: exit $rc, $(wc -c <"$tmp/stdout") bytes"
run_once --state-dir "$shared/state-ok" --output "$shared/mine.jsonl"
[ "$rc" -eq 0 ] || fail "state and output in a sticky directory: exit $rc: $(tail -n 3 "$tmp/stderr")"
echo "ok: files of our own, /dev/null, /dev/stdout and a sticky directory still work"
echo "PASS: no symbolic link, file, hard link or directory of another user is written through"
