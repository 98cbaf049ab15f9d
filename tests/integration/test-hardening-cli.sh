#!/usr/bin/env bash
# Hardening regressions (issue 12) through the real binary: what a careless user or an
# attacker on the device can hand to edgesec must end quickly with a clear status.
#  - a FIFO (or a device) as config, manifest, --against or run --config: exit 2 at once,
#    "not a regular file"; wtmp as a FIFO under hostRoot does not stop the agent starting;
#    stdin may still be a pipe
#  - stdout or --output that cannot be written (/dev/full): non-zero exit, an error naming it
#  - terminal escape sequences from input never reach the terminal raw (text reports, errors)
#  - a \u0000 inside a setting is rejected (exit 2, the key named), not cut short
#  - check-config and run judge enum and path settings alike: exit 2 naming the key
# Every command runs under `timeout`, so a regression fails instead of hanging CTest.
# Env: EDGESEC (binary), SOURCE_DIR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_edgesec

work=$(mktemp -d)
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || fail "no work dir"

T=10 # seconds: every command here finishes in well under a second when it works

# expect_exit CODE NAME -- command...   (stdout in out.NAME, stderr in err.NAME)
expect_exit() {
	local want=$1 name=$2 rc
	shift 3
	timeout -s KILL "$T" "$@" >"out.$name" 2>"err.$name"
	rc=$?
	[ "$rc" -ne 137 ] || fail "$name: hung (killed after ${T}s)"
	[ "$rc" -eq "$want" ] || fail "$name: exit $rc, expected $want; stderr: $(head -c 400 "err.$name")"
}

# ---- non-regular files ----
mkfifo fifo
manifest='{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{"m":{"settings":{"image":"a:1"}}}}}}}'
echo "$manifest" >m.json
echo '[{"Id":"0123456789ab","Name":"/m","Config":{"Image":"a:1"},"HostConfig":{}}]' >inspect.json

expect_exit 2 fifo-check-config -- "$EDGESEC" check-config fifo
grep -q "not a regular file" err.fifo-check-config || fail "check-config: no clear error for a FIFO"
expect_exit 2 fifo-scan -- "$EDGESEC" scan-manifest fifo
grep -q "not a regular file" err.fifo-scan || fail "scan-manifest: no clear error for a FIFO"
expect_exit 2 fifo-against -- "$EDGESEC" scan-manifest --docker-inspect --against fifo inspect.json
grep -q "not a regular file" err.fifo-against || fail "--against: no clear error for a FIFO"
expect_exit 2 fifo-run-config -- "$EDGESEC" run --config fifo --state-dir st
expect_exit 2 dev-zero-config -- "$EDGESEC" check-config /dev/zero
expect_exit 2 dir-manifest -- "$EDGESEC" scan-manifest "$work"
# stdin stays a legitimate pipe
echo "$manifest" | expect_exit 0 stdin-pipe -- "$EDGESEC" scan-manifest --fail-on critical -

# wtmp and btmp planted as FIFOs under hostRoot: the agent must still start and stop.
mkdir -p hr/var/log hr/etc
mkfifo hr/var/log/wtmp hr/var/log/btmp
cp /etc/passwd hr/etc/passwd
printf '{"edgesec":{"hostRoot":"%s","loginSource":"utmp","dockerSocket":"","heartbeatInterval":"PT1S"}}\n' \
	"$work/hr" >wtmp.json
"$EDGESEC" run --config wtmp.json --state-dir st2 --capture cnproc >agent.out 2>agent.err &
agent_pid=$!
for _ in $(seq 1 50); do
	grep -q "running" agent.err && break
	sleep 0.1
done
grep -q "running" agent.err || fail "agent with a FIFO for wtmp did not start: $(tail -3 agent.err)"
kill -TERM "$agent_pid"
timeout -s KILL "$T" tail --pid="$agent_pid" -f /dev/null || fail "agent did not stop"
wait "$agent_pid"
agent_pid=
grep -q "not a regular file" agent.out ||
	fail "the login collector does not say wtmp is not a regular file (Heartbeat)"

# ---- terminal escapes from input ----
no_raw_esc() { # file what
	if LC_ALL=C grep -q $'[\x1b\x07]' "$1"; then fail "$2: raw escape bytes reach the terminal"; fi
}
printf '{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{"evil\\u001b]0;pwned\\u0007\\u001b[2J":{"settings":{"image":"a:1","createOptions":"{\\"HostConfig\\":{\\"Privileged\\":true}}"}}}}}}}' >esc.json
expect_exit 1 esc-scan -- "$EDGESEC" scan-manifest esc.json
no_raw_esc out.esc-scan "scan-manifest text"
grep -qF 'evil\x1b]0;pwned\x07\x1b[2J' out.esc-scan || fail "scan-manifest: the module name is not shown escaped"
printf '{"edgesec":{"\\u001b[2Jbad":1}}' >esc-cfg.json
expect_exit 2 esc-check-config -- "$EDGESEC" check-config esc-cfg.json
no_raw_esc err.esc-check-config "check-config errors"
grep -qF '\x1b[2Jbad' err.esc-check-config || fail "check-config: the key is not shown escaped"
printf '{"modulesContent":{"$edgeAgent":{"properties.desired":{"modules":{"m":{"settings":{"createOptions":"{\\"HostConfig\\":{\\"\\u001b[2J\\":1}"}}}}}}}' >esc-bad.json
timeout -s KILL "$T" "$EDGESEC" scan-manifest esc-bad.json >out.esc-scan-error 2>err.esc-scan-error
no_raw_esc err.esc-scan-error "scan-manifest errors"
no_raw_esc out.esc-scan-error "scan-manifest findings on a bad module"
mkdir -p escroot/etc/ssh
printf 'PermitRootLogin \033[2Jyes\033]0;t\007\n' >escroot/etc/ssh/sshd_config
expect_exit 1 esc-baseline -- "$EDGESEC" baseline --root "$work/escroot"
no_raw_esc out.esc-baseline "baseline text"
grep -qF 'PermitRootLogin \x1b[2Jyes' out.esc-baseline || fail "baseline: the value is not shown escaped"

# ---- \u0000 in a setting ----
printf '{"edgesec":{"hostRoot":"/ho\\u0000st"}}' >nul.json
expect_exit 2 nul-setting -- "$EDGESEC" check-config nul.json
grep -q "hostRoot" err.nul-setting || fail "check-config: the \\u0000 error does not name hostRoot"
expect_exit 2 nul-run -- "$EDGESEC" run --config nul.json --state-dir st

# ---- enum and path settings: check-config and run agree ----
for kv in 'capture:"ebpf2"' 'hostRoot:"host"' 'loginSource:"wtmp"' 'dockerSocket:"docker.sock"'; do
	key=${kv%%:*}
	printf '{"edgesec":{"%s":%s}}' "$key" "${kv#*:}" >bad-$key.json
	expect_exit 2 check-$key -- "$EDGESEC" check-config bad-$key.json
	grep -q "$key" err.check-$key || fail "check-config does not name $key"
	expect_exit 2 run-$key -- "$EDGESEC" run --config bad-$key.json --state-dir st
	grep -q "$key" err.run-$key || fail "run does not name $key"
done

# ---- output that cannot be written ----
[ -w /dev/full ] || skip "/dev/full is missing"
clean="$SOURCE_DIR/tests/manifests/clean.json"
for fmt in text json sarif; do
	expect_exit 2 full-scan-$fmt -- bash -c "exec '$EDGESEC' scan-manifest --format $fmt '$clean' >/dev/full"
	grep -q "cannot write" err.full-scan-$fmt || fail "scan-manifest $fmt: no error for /dev/full"
done
echo '{}' >empty-config.json
expect_exit 1 full-check-config -- bash -c "exec '$EDGESEC' check-config empty-config.json >/dev/full"
mkdir -p emptyroot
expect_exit 2 full-baseline -- bash -c "exec '$EDGESEC' baseline --root '$work/emptyroot' --format json >/dev/full"
expect_exit 1 full-help -- bash -c "exec '$EDGESEC' --help >/dev/full"
expect_exit 1 full-snapshot-output -- "$EDGESEC" snapshot --output /dev/full --state-dir st \
	--capture cnproc
grep -q "could not be written" err.full-snapshot-output || fail "snapshot: no error for --output /dev/full"

echo "PASS"
