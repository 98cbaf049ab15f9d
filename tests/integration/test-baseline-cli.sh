#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `edgesec baseline --root <crafted tree> --format json` with the shipped profile: the checks
# that must fail in the crafted tree fail, those that must pass pass, sshd is read with its
# Include and Match semantics, a custom checks file with a wrong hash is refused (exit 2), and
# the exit codes follow the documentation.  Needs no privileges; touches nothing outside $tmp.
set -u

: "${EDGESEC:?EDGESEC must point to the edgesec binary}"
: "${SOURCE_DIR:?SOURCE_DIR must point to the source tree}"

if ! command -v jq >/dev/null; then
	echo "SKIP: jq is not installed (needed to read the JSON output)"
	exit 77
fi
help=$("$EDGESEC" baseline --help 2>&1)
if grep -q "unknown command" <<<"$help" || ! grep -q -- "--root" <<<"$help"; then
	echo "SKIP: the 'baseline' verb is not wired into src/cli/commands.c yet"
	exit 77
fi

tmp=$(mktemp -d /tmp/test-baseline-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
export EDGESEC_BASELINE_PROFILE=$SOURCE_DIR/rules/baseline/debian.json
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# result ID: the result of check ID in $out
result() {
	jq -r --arg id "$1" '.results[] | select(.id == $id) | .result' <<<"$out"
}

expect() {
	local got
	got=$(result "$1")
	[ "$got" = "$2" ] || fail "$1: expected $2, got '${got}' ($(jq -c --arg id "$1" '.results[] | select(.id == $id)' <<<"$out"))"
}

mkdir -p "$root"/etc/ssh/sshd_config.d "$root"/var/lib/dpkg "$root"/proc/sys/kernel \
	"$root"/proc/sys/net/ipv4 "$root"/etc/systemd/system/multi-user.target.wants \
	"$root"/lib/systemd/system
cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/bash
toor:x:0:0::/root:/bin/sh
daemon:x:1:1::/usr/sbin:/usr/sbin/nologin
P
printf 'root:x:0:\nshadow:x:42:\n' >"$root/etc/group"
printf 'root:$6$abc$notarealhash:19000:0:99999:7:::\ndaemon::19000:0:99999:7:::\n' >"$root/etc/shadow"
chmod 0644 "$root/etc/passwd" "$root/etc/group"
chmod 0640 "$root/etc/shadow"
cat >"$root/etc/ssh/sshd_config" <<'S'
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin no
PasswordAuthentication yes
Match Address 192.0.2.0/24
	PermitRootLogin yes
S
printf 'PasswordAuthentication no\nMaxAuthTries 3\nX11Forwarding yes\n' \
	>"$root/etc/ssh/sshd_config.d/10-local.conf"
chmod 0600 "$root/etc/ssh/sshd_config"
cat >"$root/var/lib/dpkg/status" <<'D'
Package: telnetd
Status: install ok installed

Package: auditd
Status: install ok installed

Package: rsh-server
Status: deinstall ok config-files
D
echo 2 >"$root/proc/sys/kernel/randomize_va_space"
echo 1 >"$root/proc/sys/net/ipv4/ip_forward"
echo 1 >"$root/proc/sys/net/ipv4/tcp_syncookies"
touch "$root/lib/systemd/system/cron.service"
ln -s /lib/systemd/system/cron.service "$root/etc/systemd/system/multi-user.target.wants/cron.service"
printf 'tmpfs /tmp tmpfs defaults,nodev,nosuid 0 0\n' >"$root/etc/fstab"

out=$("$EDGESEC" baseline --root "$root" --format json)
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc with failing checks, expected 1"
jq -e '.version == 1 and (.results | type == "array" and length > 50)' >/dev/null <<<"$out" ||
	fail "not a version-1 document with a results array"
jq -e 'all(.results[]; (.result | IN("Pass","Fail","Err","Skip")) and
	(.severity | IN("Critical","Important","Warning","Informational")) and
	(.id | length > 0) and (.description | length > 0) and (.remediation | length > 0) and
	has("cceId") and has("reason"))' >/dev/null <<<"$out" || fail "a result lacks a field or has a bad value"

expect only-root-uid0 Fail
expect no-empty-passwords Fail
expect passwd-permissions Pass
expect shadow-permissions Pass
expect root-group-exists Pass
expect telnetd-not-installed Fail
expect rsh-server-not-installed Pass
expect auditd-installed Pass
expect syslog-installed Fail
expect aslr-enabled Pass
expect ip-forwarding-disabled Fail
expect tcp-syncookies Pass
expect rp-filter-all Err
expect ipv6-source-route-disabled Skip
expect cron-enabled Pass
expect avahi-disabled Pass
expect mount-tmp-nodev-nosuid-noexec Fail
expect mount-var-tmp-nodev-nosuid-noexec Skip
expect ssh-permit-root-login Fail         # the Match block
expect ssh-password-authentication Pass   # the drop-in comes first
expect ssh-max-auth-tries Pass
expect ssh-x11-forwarding Fail
expect ssh-permit-empty-passwords Pass    # sshd default
expect ssh-client-alive-interval Fail     # default 0
expect ssh-config-permissions Pass
grep -q notarealhash <<<"$out" && fail "a password hash appears in the output"
jq -e '.results[] | select(.id == "only-root-uid0") | .reason | contains("toor")' >/dev/null <<<"$out" ||
	fail "only-root-uid0 does not name the account"

# The score: severity weights (Critical 10, Important 5, Warning 2, Informational 1) of the
# passed checks over those of the evaluated ones (Pass, Fail, Err), rounded down.
want=$(jq '[.results[] | select(.result != "Skip") |
	{w: ({"Critical":10,"Important":5,"Warning":2,"Informational":1}[.severity]), p: (.result == "Pass")}] |
	((map(select(.p) | .w) | add) * 100 / (map(.w) | add)) | floor' <<<"$out")
jq -e --argjson s "$want" '.score == $s and .score < 100 and .score > 0' >/dev/null <<<"$out" ||
	fail "score $(jq .score <<<"$out"), computed $want"
jq -e '.counts.pass == ([.results[] | select(.result == "Pass")] | length) and
	.counts.fail == ([.results[] | select(.result == "Fail")] | length)' >/dev/null <<<"$out" ||
	fail "counts do not match the results"

# Text output: failures first (most severe first) with what was found and the fix, then the
# rest, then the score and the counts; same exit code.
text=$("$EDGESEC" baseline --root "$root")
rc=$?
[ $rc -eq 1 ] || fail "text: exit code $rc, expected 1"
grep -q '^  FAIL Critical *only-root-uid0' <<<"$text" || fail "text: no only-root-uid0 row"
grep -A3 'FAIL Critical *only-root-uid0' <<<"$text" | grep -q 'fix: .*' || fail "text: no fix under a failure"
first_fail=$(grep -n '^  FAIL' <<<"$text" | head -1 | cut -d: -f1)
first_pass=$(grep -n '^  PASS' <<<"$text" | head -1 | cut -d: -f1)
[ -n "$first_fail" ] && [ -n "$first_pass" ] && [ "$first_fail" -lt "$first_pass" ] ||
	fail "text: failures are not listed first"
last_critical=$(grep -n '^  FAIL Critical' <<<"$text" | tail -1 | cut -d: -f1)
first_warning=$(grep -n '^  FAIL Warning' <<<"$text" | head -1 | cut -d: -f1)
[ -z "$first_warning" ] || [ "$last_critical" -lt "$first_warning" ] || fail "text: failures not by severity"
grep -q "^Score: $want/100" <<<"$text" || fail "text: no 'Score: $want/100' line"
grep -q 'checks: .* passed, .* failed, .* errors, .* skipped' <<<"$text" || fail "text: no summary line"
printf '%s' "$text" | grep -q $'\033' && fail "text: colour escapes while stdout is not a terminal"
"$EDGESEC" baseline --root "$root" --color always | grep -q $'\033\\[31m' || fail "--color always: no colour"
if command -v script >/dev/null; then # a terminal: util-linux script(1)
	NO_COLOR=1 script -qec "\"$EDGESEC\" baseline --root \"$root\"" /dev/null 2>/dev/null | grep -q $'\033\\[' &&
		fail "NO_COLOR on a terminal: colour escapes"
	script -qec "\"$EDGESEC\" baseline --root \"$root\"" /dev/null 2>/dev/null | grep -q $'\033\\[31m' ||
		fail "terminal: no colour"
fi

# --fails-only: failures and errors only, the summary still counts everything.
text=$("$EDGESEC" baseline --root "$root" --fails-only)
grep -q '^  PASS' <<<"$text" && fail "--fails-only shows passes"
grep -q '^  SKIP' <<<"$text" && fail "--fails-only shows skips"
grep -q '^  FAIL Critical *only-root-uid0' <<<"$text" || fail "--fails-only hides a failure"
grep -q "^Score: $want/100" <<<"$text" || fail "--fails-only: score changed"
jq -e 'all(.results[]; .result == "Fail" or .result == "Err") and .counts.pass > 0' >/dev/null \
	<<<"$("$EDGESEC" baseline --root "$root" --fails-only -f json)" || fail "--fails-only json"

# Waivers: an active one takes the check out of the failures, the score and the exit status;
# an expired one does not and is named; one for an unknown check is warned about.
cat >"$tmp/waivers.json" <<'W'
{"version": 1, "waivers": [
 {"id": "only-root-uid0", "reason": "toor is the vendor recovery account", "expires": "2999-12-31"},
 {"id": "no-empty-passwords", "reason": "was accepted once", "expires": "2001-01-01"},
 {"id": "no-such-check", "reason": "typo"}]}
W
wout=$("$EDGESEC" baseline --root "$root" -f json --waivers "$tmp/waivers.json" 2>"$tmp/werr")
jq -e '.results[] | select(.id == "only-root-uid0") | .waiver.active == true and .result == "Fail"' \
	>/dev/null <<<"$wout" || fail "waiver: only-root-uid0 not waived"
jq -e '.results[] | select(.id == "no-empty-passwords") | .waiver.active == false and .waiver.expires == "2001-01-01"' \
	>/dev/null <<<"$wout" || fail "waiver: expired waiver not reported"
jq -e --argjson s "$want" '.counts.waived == 1 and .score > $s' >/dev/null <<<"$wout" ||
	fail "waiver: not counted apart or score unchanged ($(jq -c '{score,counts}' <<<"$wout"))"
grep -q "^edgesec: warning: .*no-such-check" "$tmp/werr" || fail "waiver: unknown id not warned ($(cat "$tmp/werr"))"
wtext=$("$EDGESEC" baseline --root "$root" --waivers "$tmp/waivers.json" 2>/dev/null)
grep -q '^  WAIV Critical *only-root-uid0 *toor is the vendor recovery account (until 2999-12-31)' <<<"$wtext" ||
	fail "waiver: text does not show the waiver"
grep -A4 'FAIL Critical *no-empty-passwords' <<<"$wtext" | grep -q 'waiver expired on 2001-01-01' ||
	fail "waiver: text does not name the expired waiver"
printf '{"waivers": [{"id": "x"}]}' >"$tmp/bad-waivers.json"
err=$("$EDGESEC" baseline --root "$root" --waivers "$tmp/bad-waivers.json" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "waiver without reason: exit code $rc, expected 2"
grep -q '^edgesec: error: invalid waivers file .*/waivers/0/reason' <<<"$err" || fail "bad waivers: message '$err'"

# IP forwarding is expected on a container host: with moby-engine installed (or dockerd
# present) the check is skipped with the reason, not failed.
printf '\nPackage: moby-engine\nStatus: install ok installed\n' >>"$root/var/lib/dpkg/status"
out=$("$EDGESEC" baseline --root "$root" --format json)
expect ip-forwarding-disabled Skip
jq -e '.results[] | select(.id == "ip-forwarding-disabled") | .expected and (.reason | contains("moby-engine"))' \
	>/dev/null <<<"$out" || fail "ip forwarding with moby-engine: not expected ($(jq -c '.results[] | select(.id == "ip-forwarding-disabled")' <<<"$out"))"
"$EDGESEC" baseline --root "$root" | grep -q '^  OK   Important *ip-forwarding-disabled .*moby-engine is installed' ||
	fail "ip forwarding with moby-engine: text does not say it is expected"

# Custom checks: with the right hash they run, with a wrong one the input is unusable.
custom=$tmp/custom.json
cat >"$custom" <<'C'
{"checks": [{"id": "custom-motd", "cceId": "", "severity": "Warning",
  "description": "a motd exists", "remediation": "create /etc/motd",
  "type": "file-exists", "parameters": {"path": "/etc/motd"}}]}
C
hash=$(sha256sum "$custom" | cut -d' ' -f1)
out=$("$EDGESEC" baseline --root "$root" --format json --checks "$custom" --checks-hash "$hash")
expect custom-motd Fail
err=$("$EDGESEC" baseline --root "$root" --checks "$custom" --checks-hash "${hash//[0-9]/0}" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "hash mismatch: exit code $rc, expected 2"
grep -q "SHA-256 of checks file" <<<"$err" || fail "hash mismatch: message was '$err'"
printf '{"checks": [{"id": "x", "type": "exec"}]}' >"$custom"
err=$("$EDGESEC" baseline --root "$root" --checks "$custom" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "malformed custom file: exit code $rc, expected 2"
grep -q "/checks/0" <<<"$err" || fail "malformed custom file: message was '$err'"

# Unusable input, with one error prefix and suggestions.
err=$("$EDGESEC" baseline --fails-onyl 2>&1)
[ $? -eq 2 ] || fail "unknown option: expected exit 2"
grep -q "^edgesec: error: unknown option '--fails-onyl' (did you mean --fails-only?)" <<<"$err" ||
	fail "unknown option: message '$err'"
err=$("$EDGESEC" baseline -f jsno 2>&1)
grep -q "^edgesec: error: --format must be text or json, not 'jsno' (did you mean json?)" <<<"$err" ||
	fail "bad format: message '$err'"
"$EDGESEC" baseline --root "$tmp/nonexistent" >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing root: expected exit 2"
"$EDGESEC" baseline --format yaml >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad --format: expected exit 2"

# A root where everything passes or is skipped exits 0.
good=$tmp/good
mkdir -p "$good/etc"
printf 'root:x:0:0::/root:/bin/sh\n' >"$good/etc/passwd"
printf 'root:*:1::::::\n' >"$good/etc/shadow"
printf 'root:x:0:\n' >"$good/etc/group"
printf '{"checks": [
 {"id": "a", "cceId": "CCE-4009-7", "severity": "Critical", "description": "d", "remediation": "r",
  "type": "only-root-uid0", "parameters": {}},
 {"id": "b", "cceId": "", "severity": "Warning", "description": "d", "remediation": "r",
  "type": "sshd-config", "parameters": {"keyword": "PermitRootLogin", "values": "no"}}]}' \
	>"$tmp/good.json"
"$EDGESEC" baseline --root "$good" --profile "$tmp/good.json" >/dev/null
rc=$?
[ $rc -eq 0 ] || fail "all pass/skip: exit code $rc, expected 0"

if [ $failures -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
