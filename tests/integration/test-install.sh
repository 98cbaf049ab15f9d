#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make install DESTDIR=...` and `make uninstall` from this checkout's build:
#   - every file is installed where documented, with its mode: the binary, the man page,
#     every rules file, the systemd unit (ExecStart pointing at the installed binary, run as
#     --user edgesec; ExecStartPre on the installed sysusers.d/tmpfiles.d entries; ExecReload
#     outside the sandbox), the sysusers.d and tmpfiles.d entries;
#   - the installed binary runs (its baseline command too);
#   - systemd-analyze verify accepts the unit without a warning (offline: no systemd as
#     PID 1 is needed), with its ExecStart pointed at the staged binary;
#   - the unit's bounding set holds no capability the agent does not use at set-up;
#   - make uninstall removes every file it installed and nothing else.
# Nothing is installed on the machine itself (DESTDIR only).  test-systemd-unit.sh runs the
# installed unit under a real systemd.
#
# Needs make and systemd-analyze (Debian package systemd; exits 77 naming it when missing).
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_edgesec
need_tools "Debian packages make, systemd" make systemd-analyze
: "${BUILD_DIR:?BUILD_DIR must name the build directory}"

tmp=$(mktemp -d /tmp/esinstall-XXXXXX) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/root"
prefix=/opt/edgesec-test
mk() {
	make -s -C "$SOURCE_DIR" BUILD_DIR="$BUILD_DIR" PREFIX="$prefix" DESTDIR="$dest" "$@"
}

# The install step of make install (which first builds: CTest's build is already there).
mk install-files >"$tmp/install.log" 2>&1 || fail "make install: $(tail -n 5 "$tmp/install.log")"
want="$prefix/bin/edgesec 755
$prefix/share/man/man1/edgesec.1 644
$prefix/lib/systemd/system/edgesec.service 644
$prefix/lib/sysusers.d/edgesec.conf 644
$prefix/lib/tmpfiles.d/edgesec.conf 644"
for f in $(cd "$SOURCE_DIR/rules" && find . -type f -name '*.json' | sort); do
	want="$want
$prefix/share/edgesec/${f#./} 644"
done
got=$(cd "$dest" && find . -type f -printf '/%P %m\n' | sort)
[ "$got" = "$(echo "$want" | sort)" ] || fail "installed files differ:
$(diff <(echo "$want" | sort) <(echo "$got"))"
echo "ok: $(echo "$got" | wc -l) files installed with their modes"

cmp -s "$SOURCE_DIR/docs/edgesec.1" "$dest$prefix/share/man/man1/edgesec.1" || fail "man page"
unit="$dest$prefix/lib/systemd/system/edgesec.service"
grep -q "^ExecStart=$prefix/bin/edgesec run --user edgesec " "$unit" ||
	fail "ExecStart does not run $prefix/bin/edgesec as --user edgesec: $(grep ExecStart= "$unit")"
grep -q '^u edgesec ' "$dest$prefix/lib/sysusers.d/edgesec.conf" || fail "sysusers entry"
# Before the agent, outside the sandbox: the user and the state directory again (a removed
# /var/lib/edgesec cannot be made by the agent under ProtectSystem=strict), from the files
# installed here.
grep -qx -- "ExecStartPre=-+systemd-sysusers $prefix/lib/sysusers.d/edgesec.conf" "$unit" ||
	fail "no ExecStartPre running sysusers on the installed entry: $(grep ExecStartPre= "$unit")"
grep -qx -- "ExecStartPre=-+systemd-tmpfiles --create $prefix/lib/tmpfiles.d/edgesec.conf" "$unit" ||
	fail "no ExecStartPre running tmpfiles on the installed entry: $(grep ExecStartPre= "$unit")"
# The agent is edgesec's by the time of a reload: the signal is sent from outside the
# sandbox (its bounding set has no CAP_KILL).
grep -qx 'ExecReload=+/bin/kill -HUP $MAINPID' "$unit" || fail "ExecReload: $(grep ExecReload= "$unit")"
! grep -q '@[A-Z]*@' "$unit" || fail "placeholders left in the unit: $(grep '@[A-Z]*@' "$unit")"
grep -q '^d /var/lib/edgesec 0700 edgesec edgesec' "$dest$prefix/lib/tmpfiles.d/edgesec.conf" ||
	fail "tmpfiles entry for the state directory"

"$dest$prefix/bin/edgesec" --version >/dev/null || fail "the installed binary does not run"
"$dest$prefix/bin/edgesec" baseline --root / --format json >"$tmp/baseline.json" 2>"$tmp/b.err"
r=$?
[ "$r" -le 1 ] || fail "installed baseline exited $r: $(cat "$tmp/b.err")"

# systemd-analyze verify: the unit as installed, its ExecStart aimed at the staged binary.
sed "s|$prefix/bin/edgesec|$dest$prefix/bin/edgesec|" "$unit" >"$tmp/edgesec.service"
systemd-analyze verify --man=no "$tmp/edgesec.service" >"$tmp/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$tmp/verify.log")"
[ ! -s "$tmp/verify.log" ] || fail "systemd-analyze verify warns: $(cat "$tmp/verify.log")"
echo "ok: systemd-analyze verify accepts the unit"

# The bounding set: only what set-up uses (docs/security.md, privilege.c).
allowed=" CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_SETUID CAP_SETGID
 CAP_SETPCAP CAP_CHOWN CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_NET_ADMIN "
for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$unit"); do
	case $allowed in
	*" $c "* | *" $c
"*) ;;
	*) fail "the unit's bounding set has $c" ;;
	esac
done
grep -q '^NoNewPrivileges=yes' "$unit" || fail "NoNewPrivileges"
grep -q '^ProtectSystem=strict' "$unit" || fail "ProtectSystem"
grep -q '^AmbientCapabilities=$' "$unit" || fail "AmbientCapabilities must stay empty"

mk uninstall >"$tmp/uninstall.log" 2>&1 || fail "make uninstall: $(tail -n 5 "$tmp/uninstall.log")"
left=$(cd "$dest" && find . -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "ok: make uninstall removes every file"
