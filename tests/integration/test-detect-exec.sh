#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The detection catalogue on real behaviour, part 2: execution and defence evasion on this
# host (issue 10).  One `edgesec run --capture ebpf` watches; each case runs the real thing: a
# binary from /dev/shm, a script from /tmp, a memfd program (fexecve), argv[0] dressed as a
# kernel thread, a file fetched with curl/wget from a loopback HTTP server and run, curl piped
# into sh, a process named httpsd, iptables/nft flushes inside a private network namespace,
# systemctl masking the firewall and auditd in a scratch --root, auditctl -e 0 (in a user
# namespace: the kernel refuses it), log files of our own under /var/log truncated and
# removed, shell history of a scratch HOME cleared, modprobe/insmod of modules that do not
# exist (the exec is the behaviour).  Each case waits (bounded) for the rule's Alert and
# checks its evidence.  Evasions the rules must still catch are cases too (a '..' path, the
# dynamic loader, sh -e, a relative script, bash <(curl), cd /var/log; rm, cp /dev/null,
# find -delete, sh -c '> ~/.bash_history', exec -a insmod); the gaps are in docs/detection.md.
#
# Restores everything: the namespace, the files under /var/log and /dev/shm and /tmp are ours
# and removed.  Environment (set by CTest): EDGESEC, SOURCE_DIR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detect-env.sh"

need_root "(the eBPF capture loads BPF programs; ip netns, /var/log)"
need_tools "apt-get install -y jq curl wget iproute2 iptables nftables kmod" \
	jq curl wget ip iptables nft modprobe insmod unshare truncate /usr/bin/python3
need_edgesec

dt_init exec
bin=$DT_TMP/bin
mkdir -p "$bin" "$DT_TMP/www" "$DT_TMP/dl" "$DT_TMP/home" "$DT_TMP/root"
tag=edgesec-dt-$$
shm=/dev/shm/$tag
tmpscript=/tmp/$tag.sh
vtmp=$(mktemp -d /var/tmp/edgesec-dt-XXXXXX)
log=/var/log/$tag.log
link=/run/$tag-link
ns=$tag
http_pid=
dt_cleanup_hook() {
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$shm" "$tmpscript" "$vtmp" "$log" "$link"
}

dt_start_agent '"loginSource": "utmp", "dockerSocket": ""'

# ---- programs from temporary directories ----
cp /bin/true "$shm"
dt_mark
"$shm" "$tag-shm" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg exe "$shm")
dt_expect exec-temp-dir "a copy of true run from /dev/shm" \
	'.ProcessId == $pid and .Executable == $exe and .Evidence[0].Fields.Executable == $exe'

dt_mark
"/var/..$shm" "$tag-dotdot" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect exec-temp-dir "evasion: the same binary as /var/../dev/shm/NAME" '.ProcessId == $pid'

ldso=$(find /lib64 /lib /usr/lib64 -maxdepth 3 -name 'ld-linux*.so*' 2>/dev/null | head -n1)
if [ -n "$ldso" ]; then
	dt_mark
	"$ldso" "$shm" "$tag-ldso" &
	pid=$!
	wait "$pid"
	DT_JQ_ARGS=(--argjson pid "$pid" --arg ldso "$ldso")
	dt_expect exec-temp-dir "evasion: through the dynamic loader ($(basename "$ldso") /dev/shm/NAME)" \
		'.ProcessId == $pid and .Executable == $ldso'
fi

# A symlink outside the temporary directories to the binary in /dev/shm: Executable is the
# link; the file run (ExtraDetails.ExecutablePath, links resolved) is in /dev/shm.
ln -s "$shm" "$link"
dt_mark
"$link" "$tag-link" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg link "$link" --arg shm "$shm")
dt_expect exec-temp-dir "evasion: a symlink in /run to the binary in /dev/shm" \
	'.ProcessId == $pid and .Executable == $link
	 and .Evidence[0].Fields["ExtraDetails.ExecutablePath"] == $shm'

printf '#!/bin/sh\ntrue\n' >"$tmpscript"
dt_mark
sh "$tmpscript" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg s "$tmpscript")
dt_expect script-temp-dir "sh /tmp/NAME.sh" '.ProcessId == $pid and (.CommandLine | endswith("sh " + $s))'

dt_mark
sh -e "$tmpscript" "$tag-opt" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect script-temp-dir "evasion: an option before the script (sh -e /tmp/NAME.sh)" '.ProcessId == $pid'

printf 'true\n' >"$vtmp/run.sh"
dt_mark
(cd "$vtmp" && exec bash run.sh "$tag-rel") &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect script-temp-dir "evasion: a relative script in a temporary cwd (cd /var/tmp/D; bash run.sh)" \
	'.ProcessId == $pid'

# A program that only exists in memory: memfd_create + execve of /proc/self/fd/N.
dt_mark
/usr/bin/python3 -c "
import os
fd = os.memfd_create('$tag')
os.write(fd, open('/bin/true', 'rb').read())
os.execv('/proc/self/fd/%d' % fd, ['$tag-memfd'])
" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect exec-deleted-file "python3: memfd_create, then execv(/proc/self/fd/N)" \
	'.ProcessId == $pid and (.Evidence[0].Fields["ExtraDetails.ExecutableDeleted"] == "true"
	 or (.Executable | test("^/proc/self/fd/|^/memfd:")))'

dt_mark
bash -c "exec -a '[kworker/u8:2]' sleep 0.1" &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect masquerade-kernel-thread "exec -a '[kworker/u8:2]' sleep" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.Argv0"] == "[kworker/u8:2]"'

cp /bin/sleep "$bin/httpsd"
dt_mark
"$bin/httpsd" 0.1 &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg exe "$bin/httpsd")
dt_expect asc-trigger-httpsd "a copy of sleep named httpsd" '.ProcessId == $pid and .Executable == $exe'

# ---- downloads from a loopback HTTP server ----
port=$(dt_free_port)
printf '#!/bin/sh\necho %s\n' "$tag" >"$DT_TMP/www/tool"
printf 'echo %s-piped\n' "$tag" >"$DT_TMP/www/i.sh"
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$DT_TMP/www" "$port" \
	>/dev/null 2>&1 &
http_pid=$!
dt_wait_listen "$port"

dt_mark
curl -sf -o "$DT_TMP/dl/tool" "http://127.0.0.1:$port/tool" || fail "curl could not fetch from the loopback server"
chmod +x "$DT_TMP/dl/tool"
"$DT_TMP/dl/tool" >/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid" --arg f "$DT_TMP/dl/tool")
dt_expect download-exec "curl -o DIR/tool http://127.0.0.1:PORT/tool; chmod +x; DIR/tool" \
	'.ProcessId == $pid and .Evidence[0].Fields.Executable == "/usr/bin/curl"
	 and .Evidence[-1].Fields.Executable == $f and (.AlertKey | contains($f))'

dt_mark
wget -q -O "$DT_TMP/dl/tool2" "http://127.0.0.1:$port/tool" || fail "wget could not fetch"
sh "$DT_TMP/dl/tool2" >/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect download-exec "wget -O DIR/tool2 URL; sh DIR/tool2" \
	'.ProcessId == $pid and (.Evidence[0].Fields.Executable | endswith("wget"))'

dt_mark
curl -s "http://127.0.0.1:$port/i.sh" | sh >"$DT_TMP/piped.out"
grep -q "$tag-piped" "$DT_TMP/piped.out" || fail "curl | sh did not run the script"
DT_JQ_ARGS=(--argjson ppid "$$")
dt_expect download-pipe-shell "curl -s URL | sh (two children of this script)" \
	'(.Evidence | map(.Fields.ParentProcessId) | unique) == [$ppid]
	 and (.Evidence | map(.Fields.Executable) | any(endswith("curl")))'

dt_mark
sh -c "wget -qO- http://127.0.0.1:$port/i.sh | bash" >/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect download-pipe-shell-cmdline "sh -c 'wget -qO- URL | bash'" '.ProcessId == $pid'

dt_mark
bash -c "bash <(curl -s http://127.0.0.1:$port/i.sh)" >/dev/null &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect download-pipe-shell-cmdline "evasion: process substitution (bash -c 'bash <(curl -s URL)')" \
	'.ProcessId == $pid'
kill "$http_pid" 2>/dev/null
wait "$http_pid" 2>/dev/null
http_pid=

# ---- firewall and auditing, in a private network namespace or a scratch root ----
ip netns add "$ns" || fail "ip netns add $ns"
nsx() { ip netns exec "$ns" "$@"; }
# `ip netns exec` forks: the command is the child of $!.
inns='(.ProcessId == $pid or .Evidence[0].Fields.ParentProcessId == $pid)'
nsx iptables -A INPUT -p tcp --dport 9 -j DROP || fail "iptables in the namespace"
dt_mark
nsx iptables -F INPUT &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect firewall-disabled "iptables -F INPUT (in a network namespace)" \
	"$inns"' and (.Executable | endswith("iptables"))'
[ -z "$(nsx iptables -S INPUT | grep -- '--dport 9')" ] || fail "the flush did not happen"

dt_mark
nsx iptables -P FORWARD ACCEPT &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect firewall-disabled "iptables -P FORWARD ACCEPT (in the namespace)" "$inns"

nsx nft add table inet filter || fail "nft in the namespace"
dt_mark
nsx nft delete table inet filter &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect firewall-disabled "nft delete table inet filter (in the namespace)" "$inns"

dt_mark
nsx nft flush ruleset &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect firewall-disabled "nft flush ruleset (in the namespace)" "$inns"
ip netns del "$ns"

if command -v systemctl >/dev/null; then
	# --root: an offline change of a scratch tree, not of this machine's units.
	dt_mark
	systemctl --root="$DT_TMP/root" mask nftables.service >/dev/null 2>&1 &
	pid=$!
	wait "$pid"
	DT_JQ_ARGS=(--argjson pid "$pid")
	dt_expect firewall-disabled "systemctl --root=SCRATCH mask nftables.service" '.ProcessId == $pid'
	dt_mark
	systemctl --root="$DT_TMP/root" disable auditd >/dev/null 2>&1 &
	pid=$!
	wait "$pid"
	DT_JQ_ARGS=(--argjson pid "$pid")
	dt_expect audit-disabled "systemctl --root=SCRATCH disable auditd" '.ProcessId == $pid'
fi

# auditctl -e 0 in a new user namespace: the kernel refuses to change audit from there.  When
# auditd is not installed (installing it would start a daemon on this shared machine), a copy
# of true named auditctl stands in: the rule reads the exec, not its result.
auditctl=$(command -v auditctl) || {
	auditctl=$bin/auditctl
	cp /bin/true "$auditctl"
}
dt_mark
unshare --user "$auditctl" -e 0 >/dev/null 2>&1 &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--arg exe "$auditctl")
dt_expect audit-disabled "$(basename "$auditctl") -e 0 ($auditctl, in a user namespace)" \
	'.Executable == $exe and (.CommandLine | endswith("auditctl -e 0"))'

# ---- logs and history (files of our own) ----
logcase() { # desc cond command...
	local desc=$1 cond=$2 pid

	shift 2
	echo "$tag log line" >"$log"
	dt_mark
	"$@" >/dev/null 2>&1 &
	pid=$!
	wait "$pid"
	DT_JQ_ARGS=(--argjson pid "$pid" --arg log "$log")
	dt_expect log-cleared "$desc" ".ProcessId == \$pid and ($cond)"
}
logcase "truncate -s 0 /var/log/NAME.log" '.CommandLine | endswith($log)' truncate -s 0 "$log"
[ -s "$log" ] && fail "truncate did not empty $log"
logcase "rm -f /var/log/NAME.log" 'true' rm -f "$log"
[ -e "$log" ] && fail "rm did not remove $log"
logcase "evasion: cp /dev/null /var/log/NAME.log" 'true' cp /dev/null "$log"
logcase "evasion: cd /var/log; rm NAME.log (relative)" '.Evidence[0].Fields["ExtraDetails.Cwd"] == "/var/log"' \
	bash -c "cd /var/log && exec rm -f $(basename "$log")"
logcase "evasion: find /var/log -name NAME.log -delete" 'true' find /var/log -maxdepth 1 -name "$(basename "$log")" -delete
logcase "sh -c ': > /var/log/NAME.log'" 'true' sh -c ": > $log"
if command -v journalctl >/dev/null; then
	mkdir -p "$DT_TMP/journal"
	logcase "journalctl --directory=SCRATCH --vacuum-size=1M" 'true' \
		journalctl --directory="$DT_TMP/journal" --vacuum-size=1M
fi

home=$DT_TMP/home
histcase() { # desc command...
	local desc=$1 pid

	shift
	echo "ls" >"$home/.bash_history"
	dt_mark
	"$@" >/dev/null 2>&1 &
	pid=$!
	wait "$pid"
	DT_JQ_ARGS=(--argjson pid "$pid")
	dt_expect history-cleared "$desc" '.ProcessId == $pid'
}
histcase "rm -f HOME/.bash_history" rm -f "$home/.bash_history"
histcase "ln -sf /dev/null HOME/.bash_history" ln -sf /dev/null "$home/.bash_history"
rm -f "$home/.bash_history"
histcase "bash -c 'history -c'" env HOME="$home" bash -c "history -c; true $tag-h1"
histcase "evasion: sh -c '> HOME/.bash_history'" sh -c "> $home/.bash_history"
histcase "env HISTFILE=/dev/null bash -c ..." env HISTFILE=/dev/null bash -c "true $tag-h2"

# ---- kernel modules (none exist by these names: the exec is the behaviour) ----
dt_mark
modprobe "$tag-nomodule" >/dev/null 2>&1 &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect kernel-module-load "modprobe NAME (no such module)" '.ProcessId == $pid'

dt_mark
insmod "$DT_TMP/$tag.ko" >/dev/null 2>&1 &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect kernel-module-load "insmod DIR/NAME.ko (no such file)" '.ProcessId == $pid'

kmod=$(readlink -f "$(command -v insmod)")
cp "$kmod" "$bin/loader"
dt_mark
bash -c "exec -a insmod $bin/loader $DT_TMP/$tag-2.ko" >/dev/null 2>&1 &
pid=$!
wait "$pid"
DT_JQ_ARGS=(--argjson pid "$pid")
dt_expect kernel-module-load "evasion: a copy of kmod named loader, run with exec -a insmod" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.Argv0"] == "insmod"'

dt_table
echo "PASS: execution and defence-evasion behaviour raises its alerts with the right evidence"
