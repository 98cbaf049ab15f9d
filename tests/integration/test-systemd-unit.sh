#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The systemd unit run for real: a real systemd (Debian's, the host's /usr) as PID 1 in a
# container of a private dockerd, with edgesec installed into it by `make install` (DESTDIR,
# PREFIX /usr/local: the unit, sysusers.d and tmpfiles.d entries exactly as installed), booted
# to multi-user.target (systemd-sysusers and systemd-tmpfiles create the user and the
# directories at boot, as on a host).  Then, inside, through `docker exec`:
#
#  1. `systemctl enable` + `systemctl start edgesec`: the unit becomes active and the agent's
#     messages reach the journal (local mode: stdout), Heartbeat first.
#  2. The agent runs as the unit's user (all four uids and gids of /proc/<pid>/status are
#     edgesec's, the only supplementary group the Docker socket's), with CapEff = CapPrm =
#     CapBnd = exactly the set docs/security.md gives for this configuration
#     (cap_dac_read_search,cap_net_admin,cap_sys_ptrace, 0x81004), no ambient or inheritable
#     capability, no_new_privs, seccomp filter mode; nothing was missing at set-up (Heartbeat:
#     no MissingCapabilities, eBPF capture, no collector failed) and the containers collector
#     lists this container through the Docker socket (the private dockerd's, bound in).
#  3. The process collector's eBPF capture works inside the unit's sandbox: a process started
#     with a marker gives its ProcessCreate.
#  4. The state directory is /var/lib/edgesec, edgesec:edgesec 0700, and the agent's files in
#     it are edgesec's; removed while the agent is stopped (and the user deleted), the next
#     start makes both again (the unit's ExecStartPre: sysusers and tmpfiles).
#  5. `systemctl reload edgesec` succeeds, keeps the main pid and applies the configuration
#     file: a site secret name added to redactExtraNames is redacted in the next ProcessCreate
#     (and was not before the reload, so the check can fail).
#  6. Every record the agent wrote to the journal is a whole JSON message or a log line, even
#     after a burst of large events (journald splits lines longer than 48 KiB); README's
#     `journalctl -u edgesec -o cat | jq` command reads them; log lines have their priority
#     (`journalctl -p warning` shows the agent's warnings and not its info lines).
#  7. `systemctl stop edgesec` ends it cleanly: inactive, Result success, ExecMainStatus 0,
#     and the agent's "flushing and stopping" line.
# Prints the time to active, the agent's RSS and the cgroup's memory under the unit, the kept
# capabilities and `systemd-analyze security`'s exposure score.
#
# The container: the host's /usr read-only, a skeleton root (a few files of /etc, empty /var),
# --cap-add ALL but CAP_SYS_RESOURCE (this VM's bounding set lacks it, so --privileged cannot
# start) plus CAP_BPF and CAP_PERFMON (added by a runc wrapper: Docker 20.10 does not know
# their names), no seccomp profile, its own PID namespace (systemd must be PID 1) and no
# network.  Kernel audit and the proc connector answer only the initial PID namespace, so the
# login collector reads wtmp (as it says in the Heartbeat) and the process capture is eBPF.
#
# Needs root, dockerd, runc, jq, make, python3 (exits 77 naming the Debian package when
# missing).  Removes the container, the private dockerd, its data and mounts on every exit.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_root "(a private dockerd running systemd as PID 1 in a container)"
need_edgesec
. "$SOURCE_DIR/tests/integration/docker-env.sh"
docker_env_require
need_tools "Debian packages make, jq, runc, python3, systemd" make jq runc python3 \
	/lib/systemd/systemd
: "${BUILD_DIR:?BUILD_DIR must name the build directory}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

tmp=$(mktemp -d /tmp/essystemd-XXXXXX) || fail "mktemp"
ctr="essystemd-$$"
token="essd$$x$RANDOM"
cleanup() {
	docker_env_stop "$ctr"
	docker_env_cleanup_mounts "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the root file system: a skeleton; /usr is the host's; /usr/local is make install's ----
skel="$tmp/skel"
mkdir -p "$skel"/{etc/default,etc/edgesec,etc/systemd/system,usr,proc,sys,dev,run,tmp} \
	"$skel"/{var/lib,var/log,var/tmp,root,home,srv,mnt,opt} || fail "mkdir skeleton"
for d in bin lib lib64 sbin; do
	# merged /usr (Debian 12); on a split-/usr host the directory itself is bound below
	if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$skel/$d"; else mkdir "$skel/$d"; fi
done
chmod 1777 "$skel/tmp" "$skel/var/tmp"
chmod 0700 "$skel/root"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$skel/etc/passwd"
printf 'root:x:0:\n' >"$skel/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$skel/etc/shadow"
printf 'root:*::\n' >"$skel/etc/gshadow"
chmod 0640 "$skel/etc/shadow" "$skel/etc/gshadow"
ln -s ../usr/lib/os-release "$skel/etc/os-release"
cp /etc/nsswitch.conf "$skel/etc/" || fail "no /etc/nsswitch.conf"
# Debian's alternatives (/usr/bin/awk -> /etc/alternatives/awk -> mawk): the host's links
[ -d /etc/alternatives ] && cp -a /etc/alternatives "$skel/etc/"
[ -f /etc/ld.so.cache ] && cp /etc/ld.so.cache "$skel/etc/"
: >"$skel/etc/machine-id" # systemd makes a transient one at boot
ln -s /proc/self/mounts "$skel/etc/mtab"

# The agent's settings, as an administrator writes them (README: /etc/default/edgesec 0600).
# Every ProcessCreate at once (no aggregation), a Heartbeat every 2 s; Docker at its default
# socket (the private dockerd's, bound in).
cat >"$skel/etc/edgesec/config.json" <<'EOF'
{
  "aggregationEnabledProcessCreate": false,
  "eventPriorityProcessCreate": "High",
  "eventPriorityConnectionCreate": "Off",
  "eventPriorityProcessTerminate": "Off",
  "edgesec": { "heartbeatInterval": "PT2S", "localFlushInterval": "PT1S" }
}
EOF
chmod 0600 "$skel/etc/edgesec/config.json"
printf 'EDGESEC_ARGS=--config /etc/edgesec/config.json\n' >"$skel/etc/default/edgesec"
chmod 0600 "$skel/etc/default/edgesec"

# make install, as documented (PREFIX /usr/local), staged with DESTDIR.
dest="$tmp/dest"
make -s -C "$SOURCE_DIR" BUILD_DIR="$BUILD_DIR" PREFIX=/usr/local DESTDIR="$dest" \
	install-files >"$tmp/install.log" 2>&1 || fail "make install: $(tail -n 5 "$tmp/install.log")"
[ -f "$dest/usr/local/lib/systemd/system/edgesec.service" ] || fail "make install: no unit"

# runc with CAP_BPF and CAP_PERFMON added (a real host's PID 1 has them; Docker 20.10 cannot
# name them).  Only the containers of this test's private dockerd use it.
runc_bin=$(command -v runc)
cat >"$tmp/runc-caps" <<EOF
#!/bin/sh
bundle= prev=
for a in "\$@"; do
	[ "\$prev" = --bundle ] && bundle=\$a
	prev=\$a
done
if [ -n "\$bundle" ] && [ -f "\$bundle/config.json" ]; then
	jq '.process.capabilities |= with_entries(if .key == "bounding" or .key == "effective"
		or .key == "permitted" then .value += ["CAP_BPF", "CAP_PERFMON"] else . end)' \\
		"\$bundle/config.json" >"\$bundle/config.json.caps" &&
		mv "\$bundle/config.json.caps" "\$bundle/config.json" || exit 1
fi
exec $runc_bin "\$@"
EOF
chmod 0755 "$tmp/runc-caps"

DOCKER_ENV_ARGS=(--add-runtime "essd=$tmp/runc-caps")
docker_env_start "$tmp/dk"
tar -C "$skel" -c . | dk import - essystemd/root:1 >/dev/null || fail "docker import"

# cgroups: v1 or hybrid (this machine: v1 controllers and a v2 mount at unified) are bound
# as they are (the controllers stay writable below the read-only tmpfs, and systemd makes its
# tree below the container's cgroup); a pure v2 host needs the host's namespace, writable.
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	cgroup=(--cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw)
else
	cgroup=(-v /sys/fs/cgroup:/sys/fs/cgroup:ro)
fi
binds=(-v /usr:/usr:ro -v "$dest/usr/local:/usr/local:ro")
for d in bin lib lib64 sbin; do
	[ -L "/$d" ] || [ ! -d "/$d" ] || binds+=(-v "/$d:/$d:ro")
done
dk run -d --name "$ctr" --runtime essd --network none -e container=docker \
	--tmpfs /run --tmpfs /run/lock --tmpfs /tmp --cap-add ALL --cap-drop SYS_RESOURCE \
	--security-opt seccomp=unconfined "${cgroup[@]}" "${binds[@]}" \
	-v "$DOCKER_ENV_SOCK:/run/docker.sock" \
	essystemd/root:1 /lib/systemd/systemd >"$tmp/run.log" 2>&1 ||
	fail "docker run: $(cat "$tmp/run.log")"
in_ctr() { dk exec "$ctr" "$@"; }

# Boot: PID 1 must be systemd and reach running (or degraded: then name the failed units).
state=
for _ in $(seq 1 120); do
	state=$(in_ctr systemctl is-system-running 2>/dev/null)
	case $state in running | degraded) break ;; esac
	[ "$(dk inspect --format '{{.State.Running}}' "$ctr" 2>/dev/null)" = true ] ||
		fail "the container with systemd as PID 1 exited: $(dk logs --tail 20 "$ctr" 2>&1)"
	sleep 0.5
done
case $state in
running) ;;
degraded) echo "note: boot degraded: $(in_ctr systemctl --failed --plain --no-legend | tr '\n' ';')" ;;
*) fail "systemd did not finish booting within 60 s (state '$state'): $(in_ctr systemctl list-jobs --no-pager 2>&1 | head -n 10)" ;;
esac
[ "$(in_ctr cat /proc/1/comm)" = systemd ] || fail "PID 1 in the container is not systemd"
echo "ok: systemd $(in_ctr systemctl --version | awk 'NR == 1 { print $2 }') booted as PID 1 ($state)"

uid=$(in_ctr getent passwd edgesec | cut -d: -f3)
gid=$(in_ctr getent passwd edgesec | cut -d: -f4)
[ -n "$uid" ] && [ "$uid" -gt 0 ] || fail "systemd-sysusers did not create the user edgesec"

JOURNAL=("$PY" "$SOURCE_DIR/tests/integration/systemd-journal.py"
	"$("$PY" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$DOCKER" -H "unix://$DOCKER_ENV_SOCK")"
	"$ctr")
# The agent's log lines (not its messages) and systemd's about the unit, the last few.
agent_log() {
	in_ctr journalctl -u edgesec -o cat --no-pager 2>&1 |
		grep -E -v '^\{|^[^0-9]*"' | cut -c1-300 | tail -n "${1:-8}"
}
wait_event() { # what seconds python-expression [cursor-file]
	"${JOURNAL[@]}" wait "$2" "$3" ${4:+"$4"} >"$tmp/found.json" && return 0
	fail "$1: not in the journal within $2 s; the agent's log: $(agent_log)"
}
wait_log() { # text seconds [cursor-file]
	"${JOURNAL[@]}" log "$2" "$1" ${3:+"$3"} && return 0
	fail "no log line '$1' within $2 s; the agent's log: $(agent_log)"
}
show() { in_ctr systemctl show -p "$2" --value "$1"; }
wait_state() { # unit state seconds
	local i
	for i in $(seq 1 $(($3 * 5))); do
		[ "$(show "$1" ActiveState)" = "$2" ] && return 0
		sleep 0.2
	done
	fail "$1 is $(show "$1" ActiveState), not $2, after $3 s: $(agent_log)"
}
field() { in_ctr awk -v f="$2:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }

# ---- 1. enable and start ----
in_ctr systemctl enable edgesec >"$tmp/enable.log" 2>&1 || fail "systemctl enable: $(cat "$tmp/enable.log")"
in_ctr test -L /etc/systemd/system/multi-user.target.wants/edgesec.service ||
	fail "systemctl enable made no multi-user.target.wants link"
t0=$(date +%s%N)
in_ctr systemctl start edgesec >"$tmp/start.log" 2>&1 ||
	fail "systemctl start edgesec: $(cat "$tmp/start.log"); $(agent_log)"
wait_state edgesec active 30
t_active=$((($(date +%s%N) - t0) / 1000000))
wait_event "a Heartbeat" 30 "e['Name'] == 'Heartbeat'"
t_heartbeat=$((($(date +%s%N) - t0) / 1000000))
pid=$(show edgesec MainPID)
[ "$pid" -gt 1 ] || fail "no MainPID"
echo "ok: edgesec.service active, first Heartbeat in the journal (pid $pid in the container)"

# ---- 2. who it runs as, with what ----
for f in Uid Gid; do
	want=$uid
	[ "$f" = Gid ] && want=$gid
	ids=$(field "$pid" "$f" | tr -s ' \t' ' ')
	[ "$ids" = "$want $want $want $want" ] || fail "$f line of the agent: '$ids', want $want x4"
done
# Only the Docker socket's group (docs/security.md), when it is not root's.
sock_gid=$(stat -c %g "$DOCKER_ENV_SOCK")
want=
[ "$sock_gid" = 0 ] || want=$sock_gid
[ "$(field "$pid" Groups | tr -d ' \t')" = "$want" ] ||
	fail "supplementary groups: '$(field "$pid" Groups)', want '$want' (the Docker socket's)"
eff=$(field "$pid" CapEff)
[ "$eff" = 0000000000081004 ] ||
	fail "CapEff $eff, docs/security.md gives 0000000000081004 (dac_read_search, net_admin, sys_ptrace) for eBPF capture and logins from wtmp"
[ "$(field "$pid" CapPrm)" = "$eff" ] && [ "$(field "$pid" CapBnd)" = "$eff" ] ||
	fail "CapPrm $(field "$pid" CapPrm) / CapBnd $(field "$pid" CapBnd) differ from CapEff $eff"
[ "$(field "$pid" CapInh)" = 0000000000000000 ] && [ "$(field "$pid" CapAmb)" = 0000000000000000 ] ||
	fail "inheritable $(field "$pid" CapInh) or ambient $(field "$pid" CapAmb) capabilities"
[ "$(field "$pid" NoNewPrivs)" = 1 ] || fail "no_new_privs is not set"
[ "$(field "$pid" Seccomp)" = 2 ] || fail "no seccomp filter (Seccomp: $(field "$pid" Seccomp))"
"$PY" - "$tmp/found.json" "$uid" <<'PY' || fail "Heartbeat"
import json, sys
p = json.load(open(sys.argv[1]))
x = p["ExtraDetails"]
want = f"uid={sys.argv[2]} "
if not (x["RunAs"] + " ").startswith(want):
    sys.exit(f"RunAs {x['RunAs']!r}")
if x["Capabilities"] != "cap_dac_read_search,cap_net_admin,cap_sys_ptrace":
    sys.exit(f"Capabilities {x['Capabilities']!r}")
if x.get("MissingCapabilities"):
    sys.exit(f"set-up lacked {x['MissingCapabilities']} under the unit")
if not x["Seccomp"].startswith("enforce "):
    sys.exit(f"Seccomp {x['Seccomp']!r}")
proc = [c for c in p["Collectors"] if c["Name"] == "process"][0]
if proc.get("Detail") != "ebpf" or proc.get("LastError"):
    sys.exit(f"process collector: {proc}")
bad = [c for c in p["Collectors"] if c["State"] == "failed"]
if bad:
    sys.exit(f"failed collectors: {bad}")
ctrs = [c for c in p["Collectors"] if c["Name"] == "containers"][0]
if ctrs["State"] != "running":
    sys.exit(f"containers collector (Docker socket through the agent's group): {ctrs}")
print(f"ok: Heartbeat: RunAs {x['RunAs']}, keeps {x['Capabilities']}, seccomp {x['Seccomp']}, "
      f"process capture {proc['Detail']} ({proc['State']}: {proc.get('HostLimit', '')[:40]}...)")
PY
echo "ok: runs as edgesec ($uid:$gid, groups '$want') with CapEff $eff = CapPrm = CapBnd, no_new_privs, seccomp"
wait_event "ContainerInventory with this container" 30 \
	"e['Name'] == 'ContainerInventory' and '$ctr' in json.dumps(p)"
echo "ok: the containers collector lists $ctr through the Docker socket (AF_UNIX, its group)"

# ---- 3. the eBPF capture inside the sandbox ----
marker() { # arguments of the marker (a shell that sleeps a second)
	in_ctr /bin/sh -c 'exec /bin/sh -c "sleep 1" "$@"' sh "$@"
}
# The container's shell (docker exec's own command line on the host has the marker too).
in_sh="p.get('Executable') in ('/bin/sh', '/usr/bin/sh')"
found=
for _ in 1 2 3; do
	marker "$token-exec" &
	mpid=$!
	if "${JOURNAL[@]}" wait 15 "e['Name'] == 'ProcessCreate' and $in_sh and
		'$token-exec' in p.get('CommandLine', '')" \
		>"$tmp/found.json"; then
		found=1
		break
	fi
	wait "$mpid"
done
wait "$mpid" # (never a bare wait: dockerd is this shell's child too)
[ -n "$found" ] || fail "no ProcessCreate for the marker process in 45 s: $(agent_log)"
echo "ok: ProcessCreate of a marker process: $(cut -c1-160 "$tmp/found.json")"

# ---- 4. the state directory ----
st=$(in_ctr stat -c '%U:%G %a' /var/lib/edgesec)
[ "$st" = "edgesec:edgesec 700" ] || fail "/var/lib/edgesec is $st, want edgesec:edgesec 700"
others=$(in_ctr find /var/lib/edgesec -mindepth 1 ! -user edgesec)
[ -z "$others" ] || fail "files in /var/lib/edgesec not owned by edgesec: $others"
in_ctr test -s /var/lib/edgesec/agent-id || fail "no agent-id in /var/lib/edgesec"
echo "ok: /var/lib/edgesec is edgesec:edgesec 0700 and everything in it is edgesec's"

# ---- 5. reload ----
"${JOURNAL[@]}" cursor "$tmp/cursor"
marker "$token-before" --essdvault "v1$token" &
mpid=$!
wait_event "ProcessCreate before the reload" 20 \
	"e['Name'] == 'ProcessCreate' and $in_sh and '$token-before' in p.get('CommandLine', '')" "$tmp/cursor"
wait "$mpid"
grep -q "v1$token" "$tmp/found.json" ||
	fail "before the reload the value is already hidden (the reload check would prove nothing)"
in_ctr sh -c "sed -i 's/\"heartbeatInterval\": \"PT2S\"/&, \"redactExtraNames\": \"essdvault\"/' /etc/edgesec/config.json"
in_ctr grep -q essdvault /etc/edgesec/config.json || fail "could not edit the configuration"
"${JOURNAL[@]}" cursor "$tmp/cursor"
in_ctr systemctl reload edgesec >"$tmp/reload.log" 2>&1 ||
	fail "systemctl reload edgesec: $(cat "$tmp/reload.log"); $(agent_log 4)"
wait_log "Reloaded configuration from /etc/edgesec/config.json" 20 "$tmp/cursor"
[ "$(show edgesec MainPID)" = "$pid" ] || fail "reload restarted the agent (pid $(show edgesec MainPID))"
marker "$token-after" --essdvault "v2$token" &
mpid=$!
wait_event "ProcessCreate after the reload" 20 \
	"e['Name'] == 'ProcessCreate' and $in_sh and '$token-after' in p.get('CommandLine', '')" "$tmp/cursor"
wait "$mpid"
grep -q "v2$token" "$tmp/found.json" && fail "after the reload the site secret is still in clear"
grep -q 'REDACTED' "$tmp/found.json" || fail "after the reload: no [REDACTED] in $(cat "$tmp/found.json")"
echo "ok: systemctl reload: same pid, configuration applied (redactExtraNames takes effect)"

# ---- 6. whole messages in the journal, after a burst of large events ----
big=$(printf '%3000s' '' | tr ' ' x)
in_ctr sh -c "i=0; while [ \$i -lt 60 ]; do /bin/true $token-big-\$i $big; i=\$((i + 1)); done"
wait_event "the burst's last ProcessCreate" 30 \
	"e['Name'] == 'ProcessCreate' and '$token-big-59 ' in p.get('CommandLine', '')"
check=$("${JOURNAL[@]}" check) || fail "the journal: $check"
largest=$(echo "$check" | sed -n 's/.*largest \([0-9]*\) bytes.*/\1/p')
[ "${largest:-0}" -gt 32768 ] ||
	fail "the burst made no message above 32 KiB ($check): the check above proved nothing"
# README's command for reading them.
names=$(in_ctr sh -c "journalctl -u edgesec -o cat --no-pager | jq -cR 'fromjson? | select(.Events) | .Events[].Name'" 2>"$tmp/jq.err") ||
	fail "README's journalctl | jq command failed: $(tail -c 300 "$tmp/jq.err")"
# (here-strings: with pipefail, `echo | grep -q` fails when grep stops reading early)
grep -qx '"Heartbeat"' <<<"$names" ||
	fail "README's journalctl | jq command shows no Heartbeat: $(echo "$names" | sort | uniq -c | head); $(tail -c 300 "$tmp/jq.err")"
# Log lines carry their priority: a warning is found by `journalctl -p warning`, info is not.
warn=$(in_ctr journalctl _SYSTEMD_UNIT=edgesec.service -p warning -o cat --no-pager)
grep -q 'warning: Collector ports is degraded' <<<"$warn" ||
	fail "journalctl -p warning does not show the agent's warning: $(echo "$warn" | tail -n 3)"
grep -q 'info: Capabilities kept' <<<"$warn" && fail "journalctl -p warning shows info lines"
echo "ok: every record of the agent in the journal is whole: $check"

# ---- figures ----
"${JOURNAL[@]}" cursor "$tmp/cursor"
"${JOURNAL[@]}" wait 15 "e['Name'] == 'Heartbeat'" "$tmp/cursor" >"$tmp/hb.json" ||
	fail "no Heartbeat after the burst"
hb=$("$PY" - "$tmp/hb.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
x = p["ExtraDetails"]
print(f"{p['EventsCollected']} events collected, {p['EventsDropped']} dropped, "
      f"{x['EventsLostAtSource']} lost at the source, CPU {p['CpuUserMs'] + p['CpuSystemMs']} ms")
PY
) || fail "Heartbeat figures: $hb"
rss=$(field "$pid" VmRSS | tr -s ' ')
mem=$(show edgesec MemoryCurrent)
tasks=$(show edgesec TasksCurrent)
exposure=$(in_ctr systemd-analyze security edgesec --no-pager 2>/dev/null | tail -n 1)
echo "figure: time to active ${t_active} ms, to the first Heartbeat ${t_heartbeat} ms (systemctl start to journal)"
echo "figure: agent RSS $rss under the unit; cgroup memory $((mem / 1024)) KiB (MemoryMax 128M), tasks $tasks (TasksMax 16)"
echo "figure: systemd-analyze security: ${exposure:-n/a}"
echo "figure: under CPUQuota=25% with this machine's load: $hb"

# ---- 7. stop ----
in_ctr systemctl stop edgesec >"$tmp/stop.log" 2>&1 || fail "systemctl stop: $(cat "$tmp/stop.log")"
[ "$(show edgesec ActiveState)" = inactive ] || fail "after stop: $(show edgesec ActiveState)"
[ "$(show edgesec Result)" = success ] || fail "stop Result: $(show edgesec Result)"
[ "$(show edgesec ExecMainStatus)" = 0 ] || fail "the agent exited $(show edgesec ExecMainStatus) at stop"
[ "$(show edgesec ExecMainCode)" = 1 ] || fail "the agent did not exit by itself (ExecMainCode $(show edgesec ExecMainCode): killed?)"
wait_log "Received SIGTERM, flushing and stopping" 10
echo "ok: systemctl stop: inactive, Result success, ExecMainStatus 0"

# ---- 4b. a missing state directory and user are made again at start ----
in_ctr rm -rf /var/lib/edgesec
in_ctr userdel edgesec >/dev/null 2>&1 || fail "userdel edgesec in the container"
"${JOURNAL[@]}" cursor "$tmp/cursor"
in_ctr systemctl start edgesec >"$tmp/start2.log" 2>&1 || fail "systemctl start (2): $(cat "$tmp/start2.log")"
wait_event "a Heartbeat after a start without state directory and user" 30 \
	"e['Name'] == 'Heartbeat'" "$tmp/cursor"
[ "$(show edgesec ActiveState)" = active ] || fail "not active after the restart: $(agent_log)"
st=$(in_ctr stat -c '%U:%G %a' /var/lib/edgesec)
[ "$st" = "edgesec:edgesec 700" ] || fail "re-made /var/lib/edgesec is $st"
in_ctr systemctl stop edgesec >/dev/null 2>&1 || fail "systemctl stop (2)"
[ "$(show edgesec ExecMainStatus)" = 0 ] || fail "second stop: exit $(show edgesec ExecMainStatus)"
echo "ok: without /var/lib/edgesec and the user, start makes both again (edgesec:edgesec 0700)"
echo "PASS"
