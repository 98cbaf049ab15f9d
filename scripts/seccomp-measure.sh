#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/seccomp-measure.sh: which system calls the running agent makes after set-up, measured
# (how the allow-list in src/core/seccomp.c was built; run it again when the code grows).
#
#   sudo scripts/seccomp-measure.sh OUTDIR COMMAND [ARGS...]
#   e.g. sudo scripts/seccomp-measure.sh /tmp/sc bash -c 'cd build && ctest -L integration'
#
# While COMMAND runs, a private ftrace instance (tracefs instances/, its own buffers: nothing
# shared with other tracers is changed) records raw_syscalls:sys_enter of every task named
# "edgesec", and a poller notes the executable of each such process, so that agents of other
# checkouts under /work running at the same time are left out (those of this checkout, and
# installed or in-container copies, are kept).  Then, per agent process, every call after its prctl(PR_SET_NO_NEW_PRIVS)
# - the last step of privilege_drop(), i.e. the end of set-up - is counted.  Writes
# OUTDIR/trace.txt, OUTDIR/exe.txt and prints "name count processes" sorted by name, with the
# ftrace overrun count (lost events: then run it again).  x86_64 names (asm/unistd_64.h).
# Needs root, tracefs and python3.  Prints, never asserts.
set -euo pipefail

[[ $# -ge 2 ]] || {
	echo "usage: $0 OUTDIR COMMAND [ARGS...]" >&2
	exit 2
}
out=$1
shift
cd "$(dirname "$0")/.."
top=$(pwd -P)
tracefs=/sys/kernel/tracing
[[ -d $tracefs/instances ]] || {
	echo "seccomp-measure: no tracefs at $tracefs" >&2
	exit 1
}
mkdir -p "$out"
inst=$tracefs/instances/edgesec-seccomp-$$
reader=
poller=
cleanup() {
	[[ -n $poller ]] && kill "$poller" 2>/dev/null
	if [[ -d $inst ]]; then
		echo 0 >"$inst/events/raw_syscalls/sys_enter/enable" || true
		[[ -n $reader ]] && kill "$reader" 2>/dev/null
		wait 2>/dev/null || true
		rmdir "$inst" || true
	fi
}
trap cleanup EXIT

mkdir "$inst"
echo 32768 >"$inst/buffer_size_kb"
echo 1 >"$inst/options/record-tgid"
echo 'comm == "edgesec"' >"$inst/events/raw_syscalls/sys_enter/filter"
: >"$out/exe.txt"
cat "$inst/trace_pipe" >"$out/trace.txt" &
reader=$!
(
	while :; do
		for p in $(pgrep -x edgesec); do
			e=$(readlink "/proc/$p/exe" 2>/dev/null) && echo "$p $e"
		done >>"$out/exe.txt"
		sleep 0.1
	done
) &
poller=$!
echo 1 >"$inst/events/raw_syscalls/sys_enter/enable"

rc=0
"$@" || rc=$?

echo 0 >"$inst/events/raw_syscalls/sys_enter/enable"
sleep 1
overrun=$(awk '/^overrun:/ { s += $2 } END { print s + 0 }' "$inst"/per_cpu/cpu*/stats)
echo "seccomp-measure: command exited $rc; ftrace overrun (lost events): $overrun"

python3 - "$out/trace.txt" "$out/exe.txt" "$top" <<'PY'
import re, sys
trace, exes, top = sys.argv[1:4]
names = {}
for line in open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"):
    m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
    if m:
        names[int(m.group(2))] = m.group(1)
ours = set()
for line in open(exes):
    pid, _, path = line.strip().partition(" ")
    path = path.removesuffix(" (deleted)")
    if not path.startswith("/work/") or path.startswith(top + "/"):
        ours.add(int(pid))
pat = re.compile(r"\(\s*(\d+)\).*sys_enter: NR (-?\d+) \(([0-9a-f]+),")
after, counts, procs = set(), {}, {}
for line in open(trace, errors="replace"):
    m = pat.search(line)
    if not m:
        continue
    tgid, nr, a0 = int(m.group(1)), int(m.group(2)), int(m.group(3), 16)
    if tgid not in ours:
        continue
    if tgid not in after:
        if nr == 157 and a0 == 38:  # prctl(PR_SET_NO_NEW_PRIVS): set-up is over
            after.add(tgid)
        continue
    name = names.get(nr, f"nr{nr}")
    counts[name] = counts.get(name, 0) + 1
    procs.setdefault(name, set()).add(tgid)
print(f"seccomp-measure: {len(ours)} processes of {top} or installed, {len(after)} past set-up")
for name in sorted(counts):
    print(f"{name:24} {counts[name]:10} {len(procs[name]):5}")
print(f"seccomp-measure: {len(counts)} distinct system calls after set-up")
PY
exit "$rc"
