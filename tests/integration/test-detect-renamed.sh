#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Renamed copies of known binaries, on real behaviour (`edgesec run --capture ebpf`): a copy
# of bash named kworker is still a shell (ExtraDetails KnownAs bash), a copy of ncat named
# updater is still netcat, whatever their names.  Each case runs the real copy, waits (bounded)
# for the Alert of the name rule that only KnownAs can raise, and checks the evidence names
# the process and how its content was recognised (KnownAsBy).  A test rule (test-known-as:
# any ProcessCreate with KnownAs) shows the quiet cases stay quiet: a packaged bash, a hard
# link inside /usr/bin, a different binary of bash's exact size; they run first, and a
# positive marker after them proves the agent had read past them before they are judged.
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR.  KEEP=1 keeps the work directory.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detect-env.sh"

need_root "(the eBPF capture loads BPF programs)"
need_tools "apt-get install -y jq ncat busybox-static coreutils" jq ncat ss /usr/bin/python3
need_edgesec
busybox=$(command -v busybox) || skip "busybox is not installed (Debian package busybox-static)"

dt_init renamed
bin=$DT_TMP/bin
tmpd=
pids=()
dt_cleanup_hook() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	[ -n "${DT_AGENT_PID:-}" ] && kill -CONT "$DT_AGENT_PID" 2>/dev/null
	dt_stop_peer
	[ -n "$tmpd" ] && rm -rf "$tmpd"
}
mkdir -p "$bin"
# The copy's stdout is not the socket (else any program would do): it proves it ran the
# peer's command by writing FILE.
ran() { # file what
	for _ in $(seq $((DT_DEADLINE * 20))); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	fail "$2"
}
tmpd=$(mktemp -d /tmp/edgesec-renamed-XXXXXX) || fail "mktemp in /tmp"

cat >"$DT_TMP/rules.json" <<'EOF'
{"edgesecRules": 1, "rules": [
 {"id": "test-known-as", "name": "KnownAs seen", "severity": "Info", "description": "test",
  "remediation": "none", "events": ["ProcessCreate"], "dedupBy": ["ProcessId"],
  "match": {"field": "ExtraDetails.KnownAs", "exists": true}}]}
EOF
chmod 644 "$DT_TMP/rules.json"

# A helper outside the temporary directories (and not a one-liner, which the interpreter
# rule would name): connects to 127.0.0.1:PORT, puts the socket on stdin only, execs ARGV.
cat >"$DT_TMP/fd0-exec.py" <<'EOF'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], sys.argv[2:])
EOF

DT_RULES_PATH=$DT_TMP/rules.json dt_start_agent '"loginSource": "utmp", "dockerSocket": ""'

cp /bin/bash "$bin/kworker"
cp "$(command -v ncat)" "$bin/updater"
cp /bin/bash "$tmpd/kworker"
size=$(stat -c %s /bin/bash)

# ---- quiet: a packaged bash, a packaged hard link, a different binary of bash's size ----
cp /usr/bin/true "$bin/samesize"
truncate -s "$size" "$bin/samesize"
[ "$(stat -c %s "$bin/samesize")" = "$size" ] || fail "could not make a file of bash's size"
quiet=()
/bin/bash -c 'sleep 0.5; true' &
quiet+=($!)
"$bin/samesize" &
quiet+=($!)
link=$(find /usr/bin -maxdepth 1 -type f -links +1 -name 'perl5*' -print -quit 2>/dev/null)
if [ -n "$link" ]; then
	"$link" -e 'sleep 0.3' &
	quiet+=($!)
fi
wait "${quiet[@]}"

# ---- a copy of bash with its stdin only on a TCP socket: a shell by its content ----
port=$(dt_free_port)
dt_peer "$port" "echo ok >$DT_TMP/ran-kworker"$'\nexit\n'
dt_mark
timeout 10 /usr/bin/python3 "$DT_TMP/fd0-exec.py" "$port" "$tmpd/kworker" -i >/dev/null 2>&1 &
pid=$!
DT_JQ_ARGS=(--arg exe "$tmpd/kworker")
dt_expect reverse-shell-socket-stdio "cp /bin/bash /tmp/D/kworker; kworker -i with stdin on a socket" \
	'.Executable == $exe
	 and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "bash"
	 and .Evidence[0].Fields["ExtraDetails.KnownAsBy"] == "sha256"
	 and .Evidence[0].Fields["ExtraDetails.Stdin"] == "socket"'
dt_expect test-known-as "the same exec, through the test rule (it is in force)" \
	'.Executable == $exe and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "bash"'
ran "$DT_TMP/ran-kworker" "the renamed bash did not run the peer's command"
wait "$pid"
dt_stop_peer

# Every quiet case ran before the marker above: the agent has read past them.
for p in "${quiet[@]}"; do
	hit=$(dt_find test-known-as ".ProcessId == $p")
	[ -z "$hit" ] || fail "a quiet case has KnownAs: $hit"
done
dt_row test-known-as "packaged bash, ${link:-no perl hard link here}, true padded to bash's size" "quiet"

# ---- a copy of ncat named updater, listening: netcat-listener ----
port=$(dt_free_port)
dt_mark
timeout 5 "$bin/updater" -l 127.0.0.1 "$port" </dev/null >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--arg exe "$bin/updater")
dt_expect netcat-listener "cp ncat /run/D/updater; updater -l 127.0.0.1 PORT" \
	'.Executable == $exe
	 and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "ncat"'
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# ---- one byte appended: other bytes, same build-id ----
cp /bin/bash "$bin/kw-appended"
printf 'x' >>"$bin/kw-appended"
if ! command -v readelf >/dev/null; then
	dt_row reverse-shell-socket-stdio "bash with one byte appended" "not run: readelf (binutils) is not installed"
elif readelf -n /bin/bash 2>/dev/null | grep -q "Build ID"; then
	port=$(dt_free_port)
	dt_peer "$port" "echo ok >$DT_TMP/ran-appended"$'\nexit\n'
	dt_mark
	timeout 10 /usr/bin/python3 "$DT_TMP/fd0-exec.py" "$port" "$bin/kw-appended" -i >/dev/null 2>&1 &
	pid=$!
	DT_JQ_ARGS=(--arg exe "$bin/kw-appended")
	dt_expect reverse-shell-socket-stdio "a copy of bash with one byte appended, stdin on a socket" \
		'.Executable == $exe and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "bash"
		 and .Evidence[0].Fields["ExtraDetails.KnownAsBy"] == "build-id"'
	ran "$DT_TMP/ran-appended" "the appended copy did not run the peer's command"
	wait "$pid"
	dt_stop_peer
else
	dt_row reverse-shell-socket-stdio "bash with one byte appended" "not run: this bash has no build-id"
fi

# ---- a renamed busybox: its applet is the program (busybox nc -l) ----
cp "$busybox" "$bin/bbx"
port=$(dt_free_port)
dt_mark
timeout 5 "$bin/bbx" nc -l -p "$port" </dev/null >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--arg exe "$bin/bbx")
dt_expect netcat-listener "cp busybox /run/D/bbx; bbx nc -l -p PORT" \
	'.Executable == $exe and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "busybox"'
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# ---- a deleted copy: removed while the agent is paused, read through /proc/<pid>/exe ----
cp /bin/bash "$bin/gone"
kill -STOP "$DT_AGENT_PID"
"$bin/gone" -c 'sleep 3; true' </dev/null &
pid=$!
pids+=("$pid")
for _ in $(seq 100); do # until the copy runs (its exe link names it), 5 s at most
	[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$bin/gone" ] && break
	sleep 0.05
done
rm -f "$bin/gone"
kill -CONT "$DT_AGENT_PID"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_mark
dt_expect test-known-as "a copy of bash deleted before the agent read it" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "bash"'
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# ---- a copy that re-execs at once: by then /proc/<pid>/exe is the next program ----
cp /bin/bash "$bin/kw-reexec"
kill -STOP "$DT_AGENT_PID"
"$bin/kw-reexec" -c 'exec sleep 3' </dev/null &
pid=$!
pids+=("$pid")
for _ in $(seq 100); do # until it has exec'd sleep, 5 s at most
	[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$(command -v sleep)")" ] && break
	sleep 0.05
done
kill -CONT "$DT_AGENT_PID"
DT_JQ_ARGS=(--arg exe "$bin/kw-reexec")
dt_mark
dt_expect test-known-as "a copy of bash that exec'd sleep before the agent read it (by its path)" \
	'.Executable == $exe and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "bash"'
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

dt_table
exit 0
