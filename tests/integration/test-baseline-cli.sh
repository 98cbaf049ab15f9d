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
	jq -r --arg id "$1" '.[] | select(.id == $id) | .result' <<<"$out"
}

expect() {
	local got
	got=$(result "$1")
	[ "$got" = "$2" ] || fail "$1: expected $2, got '${got}' ($(jq -c --arg id "$1" '.[] | select(.id == $id)' <<<"$out"))"
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
jq -e 'type == "array" and length > 50' >/dev/null <<<"$out" || fail "not a JSON array of results"
jq -e 'all(.[]; (.result | IN("Pass","Fail","Err","Skip")) and
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
jq -e '.[] | select(.id == "only-root-uid0") | .reason | contains("toor")' >/dev/null <<<"$out" ||
	fail "only-root-uid0 does not name the account"

# Text output: a table and a summary, same exit code.
text=$("$EDGESEC" baseline --root "$root")
rc=$?
[ $rc -eq 1 ] || fail "text: exit code $rc, expected 1"
grep -q '^Fail  Critical      only-root-uid0' <<<"$text" || fail "text: no only-root-uid0 row"
grep -q 'checks: .* pass, .* fail' <<<"$text" || fail "text: no summary line"

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

# Unusable input.
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
