#!/bin/bash
# SPDX-License-Identifier: MIT
#
# An agent in local mode (--output FILE) must not have the libraries it only needs for MQTT
# (libmosquitto, libssl, libcrypto, libsqlite3, libm) or between firewall snapshots
# (libnftables, libnftnl, libgmp, libjansson, libxtables) mapped: together they cost ~3.5 MiB
# of resident memory (docs/internals/memory.md).  The test starts `edgesec run`, waits for the
# FirewallConfiguration event (so libnftables has been opened and closed once), and reads
# /proc/<pid>/maps; libc must be there (the check reads the right process).  That the libraries
# are really loaded when needed is covered by the MQTT, spool and firewall tests.
set -u

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ -n "${EDGESEC:-}" ] && [ -x "$EDGESEC" ] || fail "EDGESEC is not set to the edgesec binary"
tmp=$(mktemp -d /tmp/rss-libs-XXXXXX) || fail "mktemp"
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

"$EDGESEC" run --state-dir "$tmp/state" --output "$tmp/out.json" 2>"$tmp/err.txt" </dev/null &
pid=$!
for _ in $(seq 1 100); do
	grep -q '"FirewallConfiguration"' "$tmp/out.json" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || fail "edgesec run exited early: $(cat "$tmp/err.txt")"
	sleep 0.2
done
grep -q '"FirewallConfiguration"' "$tmp/out.json" ||
	fail "no FirewallConfiguration event within 20 s: $(cat "$tmp/err.txt")"
sleep 0.5
cp "/proc/$pid/maps" "$tmp/maps" || fail "cannot read /proc/$pid/maps"
grep -q '/libc\.so' "$tmp/maps" || fail "libc is not in /proc/$pid/maps: wrong process?"
libs="libnftables libnftnl libgmp libjansson libxtables libmosquitto libssl libcrypto libsqlite3"
# The sanitizer runtimes need libm themselves; only a plain build can be held to it.
if ! ldd "$EDGESEC" | grep -q -E 'libasan|libubsan'; then
	libs="$libs libm.so"
fi
for lib in $libs; do
	if grep -q "/$lib" "$tmp/maps"; then
		fail "$lib is mapped in an idle local-mode agent (after a firewall snapshot)"
	fi
done
echo "ok: no nftables, TLS, MQTT or SQLite library mapped in local mode"
kill -TERM "$pid"
wait "$pid" || fail "edgesec run did not exit 0 on SIGTERM"
pid=
