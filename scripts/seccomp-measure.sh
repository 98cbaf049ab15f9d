#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/seccomp-measure.sh: which system calls the running agent makes after set-up, measured
# (how the allow-list in src/core/seccomp.c was built; run it again when the code grows).
#
#   sudo scripts/seccomp-measure.sh [--denied] OUTDIR COMMAND [ARGS...]
#   e.g. sudo scripts/seccomp-measure.sh /tmp/sc bash -c 'cd build && ctest -L integration'
#
# --denied: the other way round, for agents running *with* the filter: every call that
# returned EPERM after set-up (raw_syscalls:sys_exit with ret -1; a call the filter refuses is
# never seen by sys_enter, but its exit is), marked "REFUSED" when it is not on the list of
# src/core/seccomp.c (then the filter refused it: a missed call) and "listed" when it is
# (ioctl with another request, socket() of a family or netlink protocol no running collector
# declared, pidfd_* without a backend that uses them, or an EPERM of the kernel's own: look).
#
# While COMMAND runs, a private ftrace instance (tracefs instances/, its own buffers: nothing
# shared with other tracers is changed) records raw_syscalls:sys_enter of every task named
# "edgesec", and a poller notes the executable of each such process, so that agents of other
# checkouts under /work running at the same time are left out (those of this checkout, and
# installed or in-container copies, are kept).  Then, per agent process, every call after its prctl(PR_SET_NO_NEW_PRIVS)
# - the last step of privilege_drop(), i.e. the end of set-up - is counted.  Writes
# OUTDIR/trace.txt, OUTDIR/exe.txt and prints "name count processes" sorted by name, with the
# ftrace overrun count (lost events: then run it again).  x86_64 names (asm/unistd_64.h).
# Also prints each socket()/socketpair() family (netlink: protocol) and type seen after set-up
# (how the socket rule of src/core/seccomp.c was measured).
# Needs root, tracefs and python3.  Prints, never asserts.
set -euo pipefail

mode=calls
if [[ ${1:-} == --denied ]]; then
	mode=denied
	shift
fi
[[ $# -ge 2 ]] || {
	echo "usage: $0 [--denied] OUTDIR COMMAND [ARGS...]" >&2
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
		echo 0 >"$inst/events/raw_syscalls/sys_exit/enable" || true
		[[ -n $reader ]] && kill "$reader" 2>/dev/null
		wait 2>/dev/null || true
		rmdir "$inst" || true
	fi
}
trap cleanup EXIT

mkdir "$inst"
echo 32768 >"$inst/buffer_size_kb"
echo 1 >"$inst/options/record-tgid"
if [[ $mode == calls ]]; then
	echo 'comm == "edgesec"' >"$inst/events/raw_syscalls/sys_enter/filter"
else # the prctl that ends set-up, and every EPERM
	echo 'comm == "edgesec" && id == 157' >"$inst/events/raw_syscalls/sys_enter/filter"
	echo 'comm == "edgesec" && ret == -1' >"$inst/events/raw_syscalls/sys_exit/filter"
fi
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
[[ $mode == calls ]] || echo 1 >"$inst/events/raw_syscalls/sys_exit/enable"

rc=0
"$@" || rc=$?

echo 0 >"$inst/events/raw_syscalls/sys_enter/enable"
echo 0 >"$inst/events/raw_syscalls/sys_exit/enable"
sleep 1
overrun=$(awk '/^overrun:/ { s += $2 } END { print s + 0 }' "$inst"/per_cpu/cpu*/stats)
echo "seccomp-measure: command exited $rc; ftrace overrun (lost events): $overrun"

python3 - "$out/trace.txt" "$out/exe.txt" "$top" "$mode" <<'PY'
import re, sys
trace, exes, top, mode = sys.argv[1:5]
# the base table, the per-configuration extras and socket()/socketpair() (judged by family)
listed = set(re.findall(r"SC(?:_ARG)?\((\w+)", open(top + "/src/core/seccomp.c").read()))
listed |= {"socket", "socketpair"}
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
pat = re.compile(r"\(\s*(\d+)\).*sys_enter: NR (-?\d+) \(([0-9a-f]+), ([0-9a-f]+), ([0-9a-f]+)")
exit_pat = re.compile(r"\(\s*(\d+)\).*sys_exit: NR (-?\d+) = -1$")
after, counts, procs, socks = set(), {}, {}, {}
# socket(2) arguments: family, type without SOCK_NONBLOCK/SOCK_CLOEXEC, protocol
FAMILIES = {1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}
NETLINK = {0: "ROUTE", 4: "SOCK_DIAG", 9: "AUDIT", 11: "CONNECTOR", 12: "NETFILTER", 15: "KOBJECT_UEVENT", 16: "GENERIC"}
for line in open(trace, errors="replace"):
    m = pat.search(line)
    if not m:
        m = exit_pat.search(line)
        if m and int(m.group(1)) in after:
            name = names.get(int(m.group(2)), f"nr{m.group(2)}")
            counts[name] = counts.get(name, 0) + 1
            procs.setdefault(name, set()).add(int(m.group(1)))
        continue
    tgid, nr, a0 = int(m.group(1)), int(m.group(2)), int(m.group(3), 16)
    if tgid not in ours:
        continue
    if mode == "denied":
        if nr == 157 and a0 == 38:
            after.add(tgid)
        continue
    if tgid not in after:
        if nr == 157 and a0 == 38:  # prctl(PR_SET_NO_NEW_PRIVS): set-up is over
            after.add(tgid)
        continue
    name = names.get(nr, f"nr{nr}")
    counts[name] = counts.get(name, 0) + 1
    procs.setdefault(name, set()).add(tgid)
    if name in ("socket", "socketpair"):
        fam, typ, proto = a0, int(m.group(4), 16) & 0xf, int(m.group(5), 16)
        what = FAMILIES.get(fam, f"family {fam}")
        if fam == 16:
            what += " " + NETLINK.get(proto, f"protocol {proto}")
        key = f"{name}({what}, type {typ})"
        socks.setdefault(key, set()).add(tgid)
for key in sorted(socks):
    print(f"  {key:40} {len(socks[key]):5} processes")
print(f"seccomp-measure: {len(ours)} processes of {top} or installed, {len(after)} past set-up")
for name in sorted(counts):
    mark = "" if mode == "calls" else ("  listed" if name in listed else "  REFUSED")
    print(f"{name:24} {counts[name]:10} {len(procs[name]):5}{mark}")
what = "system calls" if mode == "calls" else "system calls that returned EPERM"
print(f"seccomp-measure: {len(counts)} distinct {what} after set-up")
PY
exit "$rc"
