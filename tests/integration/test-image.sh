#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The IoT Edge module image and the deployment template, on a real Docker engine.
#
#  1. `make image` (deploy/build-image.sh) builds the image from this checkout against a
#     private dockerd (no registry: FROM scratch); it is under 20 MiB, tagged
#     edgesec:<version> and edgesec:latest, and its entrypoint runs as --user 10001.
#  2. The template's edgesec createOptions go unchanged into a /containers/create call
#     (iotedge-create.py, as edgeAgent does: Privileged stays false), with only what a test
#     must change, visibly: the Docker socket's host path (the private daemon's), a bind for
#     the output file and the config, and arguments for local mode (no IOTEDGE_*).
#  3. What the agent in the container sees, compared with what the host-installed agent
#     (`edgesec snapshot` on the host) sees at the same time: a user the test adds on the
#     host, a process the test starts (its host pid, in ProcessCreate and as the owner of the
#     port it listens on), a table the test adds to the host's nftables (policy accept and a
#     counter: it changes no verdict),
#     another container, and the baseline's results, auditd-running included: a root process
#     named auditd the test starts on the host (a copy of sleep: auditd itself would take the
#     host's kernel audit from the other tests) makes it pass in the module as on the host,
#     though the host's /run (auditd's pid file) is not bound into the module; the Heartbeat
#     says pid, net and cgroup namespaces are the host's and no collector is limited.
#  4. The running agent is not root: uid/gid 10001 (all four ids), effective = permitted =
#     bounding set within what its collectors keep, none of CAP_CHOWN, CAP_DAC_OVERRIDE,
#     CAP_FOWNER, CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_SYS_ADMIN, no_new_privs; the files
#     it made (state volume, output) are 10001's; and a process with exactly its credentials
#     (setpriv: same uid, gid, groups, capabilities) cannot append to a root-owned file, while
#     the same with CAP_DAC_OVERRIDE added can (so the check can fail).
#  5. The deployment analysis in the agent reports the edgesec container with accepted risks
#     only (EDGE037), and the other container with its real findings.
#  6. The same run without NET_ADMIN: a capability-check warning names cap_net_admin, the
#     Heartbeat lists it as missing and the firewall collector as degraded with the reason,
#     and the agent keeps running and reporting the rest.
#     The image run in namespaces of its own (no PidMode/NetworkMode host): the Heartbeat and
#     the log name the collectors that cannot see the host (ports: "not in the host's PID
#     namespace ..."), the baseline's auditd-running is Err "unknown: not in the host's PID
#     namespace" (not Fail), and the network namespace is never taken for the host's.
#     With logins from kernel audit, the module holds the host's /run/edgesec/audit.lock (the
#     lock every edgesec on the host takes), and lets go when stopped.
#  7. scan-manifest on deploy/deployment.template.json: accepted risks only, exit 0 even with
#     --fail-on low.
# Every message validates against its schema.  Prints the image size, the idle RSS of the
# agent in the container and the time the image build took.
#
# Login events come from wtmp (loginSource utmp) except in 6c, which takes turns with the
# audit tests for the host's kernel audit (test-login-ssh.sh covers the audit source's events).
#
# Needs root, dockerd and busybox-static (exits 77 naming the package when missing), nft,
# setpriv, useradd, python3.  Restores everything: the user, the nft table, the containers,
# the private daemon and its data.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_root "(a private dockerd, a host user, an nft table)"
need_edgesec
. "$SOURCE_DIR/tests/integration/docker-env.sh"
docker_env_require
need_tools "Debian packages nftables, util-linux, passwd, python3" nft setpriv useradd python3
: "${BUILD_DIR:?BUILD_DIR must name the build directory}"
# Debian's python (a version manager's shim would exec a chain of scripts per call).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

tmp=$(mktemp -d /tmp/esimage-XXXXXX) || fail "mktemp"
token="img$$x$RANDOM"
user="esimg$RANDOM"
table="edgesec_$token"
peer="esimage-peer-$$"
agent="edgesec"
nocap="edgesec-nocap"
busybox="esimage-test/busybox:1"
uid=10001
listener_pid=
auditd_pid=
user_added=0
table_added=0

cleanup() {
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
	[ -n "$auditd_pid" ] && kill "$auditd_pid" 2>/dev/null
	docker_env_stop "$agent" "$nocap" "$peer"
	[ "$table_added" = 1 ] && nft delete table inet "$table" 2>/dev/null
	[ "$user_added" = 1 ] && userdel "$user" 2>/dev/null
	docker_env_cleanup_mounts "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- 1. the image ----
docker_env_start "$tmp/dk"
start=$(date +%s%N)
DOCKER="$DOCKER" DOCKER_HOST="unix://$DOCKER_ENV_SOCK" \
	"$SOURCE_DIR/deploy/build-image.sh" "$BUILD_DIR" >"$tmp/image.log" 2>&1 ||
	fail "make image: $(tail -n 5 "$tmp/image.log")"
build_ms=$((($(date +%s%N) - start) / 1000000))
version=$("$EDGESEC" --version | awk '{ print $2 }')
size=$(dk image inspect --format '{{.Size}}' "edgesec:$version") || fail "no image edgesec:$version"
[ "$(dk image inspect --format '{{.Id}}' edgesec:latest)" = \
	"$(dk image inspect --format '{{.Id}}' "edgesec:$version")" ] || fail "edgesec:latest is another image"
[ "$size" -lt $((20 * 1024 * 1024)) ] || fail "the image is $size bytes, not under 20 MiB"
entry=$(dk image inspect --format '{{json .Config.Entrypoint}} {{.Config.User}}' edgesec:latest)
case $entry in
*'"--user","10001:10001"]'*) ;;
*) fail "the image's entrypoint does not switch to uid 10001: $entry" ;;
esac
echo "figure: image edgesec:$version is $((size / 1024)) KiB; make image took $build_ms ms"

# ---- 2. what the test puts on the host ----
docker_env_import_busybox "$busybox" sh sleep
dk run -d --name "$peer" --network none "$busybox" sleep 600 >/dev/null || fail "docker run peer"
peer_id=$(dk inspect --format '{{.Id}}' "$peer")
useradd -M -s /usr/sbin/nologin "$user" || fail "useradd $user"
user_added=1
nft add table inet "$table" && table_added=1 || fail "nft add table"
# A base chain that accepts everything and counts port 9: it changes no verdict.
nft add chain inet "$table" marker '{ type filter hook input priority 100; policy accept; }' ||
	fail "nft add chain"
nft add rule inet "$table" marker tcp dport 9 counter || fail "nft add rule"
# A root process named auditd (its comm, from the file name) unless a real one runs.
if pgrep -x -u 0 auditd >/dev/null; then
	echo "a real auditd runs on this host: auditd-running is checked against it"
else
	echo "no auditd here (it would take the host's kernel audit): a copy of sleep named auditd"
	cp "$(command -v sleep)" "$tmp/auditd" || fail "cp sleep"
	"$tmp/auditd" 600 &
	auditd_pid=$!
	for i in $(seq 50); do
		[ "$(cat "/proc/$auditd_pid/comm" 2>/dev/null)" = auditd ] && break
		sleep 0.1
	done
	[ "$(cat "/proc/$auditd_pid/comm" 2>/dev/null)" = auditd ] || fail "no process named auditd"
fi

# ---- 3. the module, created from the template's createOptions ----
cat >"$tmp/config.json" <<EOF
{
  "snapshotFrequency": "PT3S",
  "aggregationEnabledProcessCreate": false,
  "eventPriorityProcessCreate": "High",
  "eventPriorityConnectionCreate": "Off",
  "eventPriorityProcessTerminate": "Off",
  "edgesec": { "localFlushInterval": "PT1S", "heartbeatInterval": "PT3S",
               "loginSource": "utmp" }
}
EOF
chmod 0644 "$tmp/config.json"

create_module() { # name outdir [--drop-cap CAP]
	local name=$1 dir=$2

	shift 2
	mkdir -p "$dir" && chown "$uid:$uid" "$dir" || fail "mkdir $dir"
	"$PY" "$SOURCE_DIR/tests/integration/iotedge-create.py" --socket "$DOCKER_ENV_SOCK" \
		--manifest "$SOURCE_DIR/deploy/deployment.template.json" --module edgesec \
		--image "edgesec:$version" --name "$name" \
		--bind-source "/var/run/docker.sock=$DOCKER_ENV_SOCK" \
		--extra-bind "$dir:/out" --extra-bind "$tmp/config.json:/config.json:ro" \
		--arg=--config --arg=/config.json --arg=--output --arg=/out/edgesec.jsonl \
		"$@" >"$tmp/create-$name.log" 2>&1 || fail "create $name: $(cat "$tmp/create-$name.log")"
	dk start "$name" >/dev/null || fail "docker start $name"
}

# Waits (20 s at most) until the container's log has a line with the fixed string. dockerd
# copies a container's stderr to its log file asynchronously, so a line the agent wrote before
# an event we already saw in the output file can still be missing from `docker logs`.
wait_log() { # container fixed-string
	local i
	for i in $(seq 1 100); do
		dk logs "$1" 2>&1 | grep -qF -- "$2" && return 0
		sleep 0.2
	done
	return 1
}

# Waits (60 s at most) until the python expression is true of an event `e` of the file (and
# its payload item `p`, when it has items), reading the file as it grows.
wait_for() { # file what python-expression container
	"$PY" - "$1" "$3" <<'PY' && return 0
import json, sys, time
path, expr = sys.argv[1], compile("(" + sys.argv[2] + ")", "expr", "eval")
deadline, pos, ev = time.monotonic() + 60, 0, []
while time.monotonic() < deadline:
    try:
        with open(path) as f:
            f.seek(pos)
            for line in f:
                if not line.endswith("\n"):
                    break
                pos += len(line.encode())
                ev.extend(json.loads(line)["Events"])
    except OSError:
        pass
    for e in ev:
        for p in e.get("Payload") or [{}]:
            if eval(expr, {"json": json}, {"e": e, "p": p}):
                sys.exit(0)
    ev = []
    time.sleep(0.3)
sys.exit(1)
PY
	fail "$2 (no such event in $1 within 60 s); agent log: $(dk logs --tail 8 "$4" 2>&1)"
}

out="$tmp/out/edgesec.jsonl"
create_module "$agent" "$tmp/out"
wait_for "$out" "first snapshot" "e['Name'] == 'LocalUsers'" "$agent"
agent_pid=$(dk inspect --format '{{.State.Pid}}' "$agent")
[ "$agent_pid" -gt 1 ] || fail "no pid for the agent container"

# A host process started now: its exec (ProcessCreate) and its listening socket.
port=$((30000 + RANDOM % 20000))
"$PY" -c "
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); time.sleep(300)
" "$port" "$token" &
listener_pid=$!
wait_for "$out" "ProcessCreate of host pid $listener_pid" \
	"e['Name'] == 'ProcessCreate' and str(p.get('ProcessId')) == '$listener_pid' and
	 '$token' in p.get('CommandLine', '')" "$agent"
wait_for "$out" "ListeningPorts with port $port owned by pid $listener_pid" \
	"e['Name'] == 'ListeningPorts' and p.get('LocalPort') == '$port' and
	 p.get('ExtraDetails', {}).get('Pid') == '$listener_pid'" "$agent"
wait_for "$out" "FirewallConfiguration with table $table" \
	"e['Name'] == 'FirewallConfiguration' and '$token' in json.dumps(p)" "$agent"

# The host-installed agent, now, with the same daemon.
cat >"$tmp/host.json" <<EOF
{ "edgesec": { "dockerSocket": "$DOCKER_ENV_SOCK", "loginSource": "utmp" } }
EOF
"$EDGESEC" snapshot --config "$tmp/host.json" --state-dir "$tmp/hoststate" \
	>"$tmp/host.jsonl" 2>"$tmp/host.log" || fail "host snapshot: $(tail -n 3 "$tmp/host.log")"
"$PY" - "$out" "$tmp/host.jsonl" "$user" "$port" "$table" "$peer" "$peer_id" <<'PY' ||
import json, sys

out, host, user, port, table, peer, peer_id = sys.argv[1:]

def events(path):
    ev = []
    for line in open(path):
        ev.extend(json.loads(line)["Events"])
    return ev

def last(ev, name):
    found = [e for e in ev if e["Name"] == name]
    if not found:
        sys.exit(f"no {name} event")
    return found[-1]

def view(ev):
    users = {p["UserName"]: p["UserId"] for p in last(ev, "LocalUsers")["Payload"]}
    ports = [(p["LocalAddress"], p["Protocol"], p["ExtraDetails"].get("Pid"),
              p["ExtraDetails"].get("Executable"))
             for p in last(ev, "ListeningPorts")["Payload"] if p["LocalPort"] == port]
    fw = sorted(json.dumps(p, sort_keys=True)
                for p in last(ev, "FirewallConfiguration")["Payload"] if table in json.dumps(p))
    ctrs = [(p.get("ContainerId", p.get("Id")), p.get("Image"))
            for p in last(ev, "ContainerInventory")["Payload"] if peer in json.dumps(p)]
    # The baseline's failures (passed checks are not sent); auditd-running must not be one
    # (a root process named auditd runs) though the host's /run is not bound into the module.
    baseline = sorted((p["ExtraDetails"]["CheckId"], p["Result"])
                      for p in last(ev, "OSBaseline")["Payload"])
    running = [p for p in last(ev, "OSBaseline")["Payload"]
               if p["ExtraDetails"]["CheckId"] == "auditd-running"]
    if running:
        sys.exit(f"auditd-running did not pass: {running[0]}")
    return {"user": users.get(user), "port": ports, "firewall": fw, "container": ctrs,
            "baseline": baseline}

mod, hst = view(events(out)), view(events(host))
for k in mod:
    if mod[k] != hst[k] or (not mod[k] and k != "baseline"):
        sys.exit(f"{k}: the module sees {mod[k]!r}, the host agent {hst[k]!r}")
if peer_id not in json.dumps(mod["container"]):
    sys.exit(f"container {peer} ({peer_id}) not in the inventory: {mod['container']}")
print(f"ok: module and host agent agree on user {user} (uid {mod['user']}), port {port} "
      f"{mod['port'][0][1:3]}, {len(mod['firewall'])} rule(s) of {table}, container {peer}, "
      f"{len(mod['baseline'])} baseline failures")
PY
	fail "the module's view differs from the host agent's"

# Namespaces and host limits, from the Heartbeat.
"$PY" - "$out" <<'PY' || fail "Heartbeat"
import json, sys
hb = [e for line in open(sys.argv[1]) for e in json.loads(line)["Events"] if e["Name"] == "Heartbeat"]
p = hb[-1]["Payload"][0]
x = p["ExtraDetails"]
ns = dict(kv.split("=") for kv in x["HostNamespaces"].split(","))
for n in ("pid", "net", "cgroup"):
    if ns[n] != "host":
        sys.exit(f"{n} namespace is {ns[n]}: {x['HostNamespaces']}")
if x["HostRoot"] != "/host" or not x["RunAs"].startswith("uid=10001 gid=10001"):
    sys.exit(f"HostRoot {x['HostRoot']}, RunAs {x['RunAs']}")
limited = [c for c in p["Collectors"] if "HostLimit" in c]
if limited:
    sys.exit(f"collectors limited: {limited}")
print(f"ok: namespaces {x['HostNamespaces']}, runs as {x['RunAs']}, keeps {x['Capabilities']}")
PY

# ---- 4. not root, and cannot write root's files ----
field() { awk -v f="$2:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }
ids=$(field "$agent_pid" Uid)
[ "$ids" = "$uid	$uid	$uid	$uid" ] || [ "$ids" = "$uid $uid $uid $uid" ] || fail "Uid line: $ids"
ids=$(field "$agent_pid" Gid)
[ "$ids" = "$uid	$uid	$uid	$uid" ] || [ "$ids" = "$uid $uid $uid $uid" ] || fail "Gid line: $ids"
eff=$(field "$agent_pid" CapEff)
[ "$eff" = "$(field "$agent_pid" CapPrm)" ] || fail "CapEff $eff != CapPrm"
[ "$eff" = "$(field "$agent_pid" CapBnd)" ] || fail "CapEff $eff != CapBnd"
[ "$(field "$agent_pid" NoNewPrivs)" = 1 ] || fail "no_new_privs is not set"
[ $((16#$(field "$agent_pid" CapAmb))) -eq 0 ] || fail "ambient capabilities are set"
# kept at most: dac_read_search 2, net_admin 12, sys_ptrace 19, audit_control 30
[ $((16#$eff & ~((1 << 2) | (1 << 12) | (1 << 19) | (1 << 30)))) -eq 0 ] ||
	fail "CapEff $eff holds more than the collectors keep"
for bit in 0 1 3 4 5 6 7 8 21; do
	[ $((16#$eff >> bit & 1)) -eq 0 ] || fail "capability $bit is still effective"
done
owners=$(find "$tmp/dk/data/volumes" "$tmp/out" -path '*edgesec*' -type f -printf '%U\n' | sort -u)
[ "$owners" = "$uid" ] || fail "files the agent made are owned by: $owners"
names=
for bit in 2 12 19 30; do
	[ $((16#$eff >> bit & 1)) -eq 1 ] || continue
	case $bit in
	2) c=dac_read_search ;; 12) c=net_admin ;; 19) c=sys_ptrace ;; 30) c=audit_control ;;
	esac
	names="$names${names:+,}+$c"
done
groups=$(field "$agent_pid" Groups | tr ' ' ',' | sed 's/,$//')
printf 'root\n' >"$tmp/root-owned" && chmod 0644 "$tmp/root-owned"
as_agent() { # extra-caps
	local caps=$names${1:+,$1}
	setpriv --reuid="$uid" --regid="$uid" --groups="${groups:-$uid}" --inh-caps="-all,$caps" \
		--ambient-caps="$caps" --no-new-privs -- /bin/sh -c \
		"[ \"\$(awk '/^CapEff:/ { print \$2 }' /proc/self/status)\" = '$2' ] || exit 3
		 echo agent >>'$tmp/root-owned'" 2>/dev/null
}
as_agent "" "$eff"
r=$?
[ "$r" -ne 3 ] || fail "setpriv did not reproduce the agent's capabilities $eff"
[ "$r" -ne 0 ] || fail "a process with the agent's credentials wrote a root-owned file"
grep -q agent "$tmp/root-owned" && fail "the root-owned file was changed"
as_agent "+dac_override" "$(printf '%016x' $((16#$eff | 2)))" ||
	fail "control: with CAP_DAC_OVERRIDE the write should work (is the check broken?)"
echo "ok: the agent runs as $uid:$uid with CapEff $eff; its credentials cannot write root's files"

# ---- 5. the deployment analysis in the agent ----
wait_for "$out" "Recommendation for $peer" \
	"e['Name'] == 'Recommendation' and p.get('Module') == '$peer'" "$agent"
"$PY" - "$out" "$peer" <<'PY' || fail "deployment analysis"
import json, sys
recs = [p for line in open(sys.argv[1]) for e in json.loads(line)["Events"]
        if e["Name"] == "Recommendation" for p in e["Payload"]]
own = {r["RuleId"] for r in recs if r.get("Module") == "edgesec"}
peer = {r["RuleId"] for r in recs if r.get("Module") == sys.argv[2]}
if own != {"EDGE037"}:
    sys.exit(f"the edgesec container has findings beyond the accepted risks: {sorted(own)}")
if not peer or "EDGE037" in peer:
    sys.exit(f"the other container's findings: {sorted(peer)}")
print(f"ok: edgesec container: accepted risks only; {sys.argv[2]}: {sorted(peer)}")
PY

# Idle memory, after the first snapshots.
sleep 3
rss=$(field "$agent_pid" VmRSS)
echo "figure: idle RSS of the agent in the container: $rss"

# ---- 6. one capability fewer ----
dk stop -t 10 "$agent" >/dev/null || fail "docker stop"
out2="$tmp/out2/edgesec.jsonl"
create_module "$nocap" "$tmp/out2" --drop-cap NET_ADMIN
wait_for "$out2" "Heartbeat naming cap_net_admin as missing" \
	"e['Name'] == 'Heartbeat' and
	 'cap_net_admin' in p['ExtraDetails'].get('MissingCapabilities', '')" "$nocap"
wait_for "$out2" "LocalUsers with $user (the agent keeps working)" \
	"e['Name'] == 'LocalUsers' and p.get('UserName') == '$user'" "$nocap"
sleep 4
[ "$(dk inspect --format '{{.State.Running}}' "$nocap")" = true ] ||
	fail "the agent without NET_ADMIN stopped: $(dk logs --tail 5 "$nocap" 2>&1)"
wait_log "$nocap" "Capability check: missing cap_net_admin" ||
	fail "no capability-check warning naming cap_net_admin in the log"
"$PY" - "$out2" <<'PY' || fail "without NET_ADMIN"
import json, sys
hb = [e for line in open(sys.argv[1]) for e in json.loads(line)["Events"] if e["Name"] == "Heartbeat"]
fw = [c for c in hb[-1]["Payload"][0]["Collectors"] if c["Name"] == "firewall"][0]
if fw["State"] not in ("degraded", "failed") or not fw.get("LastError"):
    sys.exit(f"firewall collector without NET_ADMIN: {fw}")
print(f"ok: without NET_ADMIN: firewall {fw['State']} ({fw['LastError'][:60]}...), the rest runs")
PY

# ---- 6b. without the host's namespaces: the collectors that need them say so ----
dk rm -f "$nocap" >/dev/null
mkdir -p "$tmp/out3" && chown "$uid:$uid" "$tmp/out3" || fail "mkdir out3"
dk run -d --name "$nocap" --network none --cap-drop ALL --cap-add SYS_PTRACE \
	--cap-add DAC_READ_SEARCH --cap-add NET_ADMIN --cap-add SETUID --cap-add SETGID \
	--cap-add SETPCAP --security-opt no-new-privileges -v /etc:/host/etc:ro \
	-v "$tmp/out3:/out" -v "$tmp/config.json:/config.json:ro" "edgesec:$version" \
	--config /config.json --output /out/edgesec.jsonl >/dev/null || fail "docker run (own namespaces)"
wait_for "$tmp/out3/edgesec.jsonl" "Heartbeat with the ports collector limited to its own namespaces" \
	"e['Name'] == 'Heartbeat' and any(c['Name'] == 'ports' and c['State'] == 'degraded' and
	 'not in the host' in c.get('HostLimit', '') for c in p['Collectors']) and
	 'pid=own' in p['ExtraDetails']['HostNamespaces'] and
	 'net=host' not in p['ExtraDetails']['HostNamespaces']" "$nocap"
wait_log "$nocap" "Collector ports is degraded: not in the host's" ||
	fail "no warning naming the ports collector and the namespace it misses"
# auditd may run on the host, but these processes are the container's: unknown, not Fail.
wait_for "$tmp/out3/edgesec.jsonl" "OSBaseline auditd-running Err (not in the host's PID namespace)" \
	"e['Name'] == 'OSBaseline' and p.get('ExtraDetails', {}).get('CheckId') == 'auditd-running'
	 and p.get('Result') == 'Err' and 'PID namespace' in p.get('Error', '')" "$nocap"
echo "ok: in namespaces of its own, the limited collectors are named (Heartbeat HostLimit, log)"
echo "ok: and auditd-running says unknown (Err) rather than failing"

# ---- 6c. the audit lock is the host's: with logins from kernel audit, the module holds the
# host's /run/edgesec/audit.lock (through its bind), so a host-installed edgesec would find it
# taken.  The host's audit is shared with the audit tests: take turns (their lock).
exec 8>/tmp/edgesec-test-process-audit.lock
flock -w 300 8 || fail "the audit tests' turn lock was held for 300 s"
mkdir -p /run/edgesec
exec 9>>/run/edgesec/audit.lock
flock -w 120 9 || fail "another edgesec held /run/edgesec/audit.lock for 120 s"
exec 9>&-
dk rm -f "$nocap" >/dev/null
sed 's/"loginSource": "utmp"/"loginSource": "audit"/' "$tmp/config.json" >"$tmp/config-audit.json"
chmod 0644 "$tmp/config-audit.json"
mkdir -p "$tmp/out4" && chown "$uid:$uid" "$tmp/out4" || fail "mkdir out4"
"$PY" "$SOURCE_DIR/tests/integration/iotedge-create.py" --socket "$DOCKER_ENV_SOCK" \
	--manifest "$SOURCE_DIR/deploy/deployment.template.json" --module edgesec \
	--image "edgesec:$version" --name "$nocap" \
	--bind-source "/var/run/docker.sock=$DOCKER_ENV_SOCK" --extra-bind "$tmp/out4:/out" \
	--extra-bind "$tmp/config-audit.json:/config.json:ro" \
	--arg=--config --arg=/config.json --arg=--output --arg=/out/edgesec.jsonl \
	>"$tmp/create-audit.log" 2>&1 || fail "create: $(cat "$tmp/create-audit.log")"
dk start "$nocap" >/dev/null || fail "docker start (audit)"
wait_for "$tmp/out4/edgesec.jsonl" "Heartbeat with logins from kernel audit" \
	"e['Name'] == 'Heartbeat' and any(c['Name'] == 'login' and
	 c.get('Detail', '').startswith('source audit') for c in p['Collectors'])" "$nocap"
flock -n /run/edgesec/audit.lock true &&
	fail "the module's audit lock is not the host's /run/edgesec/audit.lock"
dk stop -t 10 "$nocap" >/dev/null || fail "docker stop (audit)"
flock -n /run/edgesec/audit.lock true || fail "the audit lock stayed taken after the module stopped"
exec 8>&-
echo "ok: the module holds the host's /run/edgesec/audit.lock while it uses kernel audit"

# ---- 7. the template itself ----
"$EDGESEC" scan-manifest --format json --fail-on low "$SOURCE_DIR/deploy/deployment.template.json" \
	>"$tmp/scan.json" || fail "scan-manifest of the template exited $? (findings at/above low?)"
"$PY" - "$tmp/scan.json" <<'PY' || fail "scan-manifest of the template"
import json, sys
doc = json.load(open(sys.argv[1]))
findings = doc["findings"] if isinstance(doc, dict) else doc
ids = {f.get("ruleId", f.get("id")) for f in findings}
if ids != {"EDGE037"}:
    sys.exit(f"the template has findings beyond the accepted risks: {sorted(ids)}")
print(f"ok: the template: {len(findings)} accepted risks, nothing else")
PY

# ---- every message against its schema ----
TOOLS="$SOURCE_DIR/tests/tools"
if command -v node >/dev/null && [ -d "$TOOLS/node_modules/ajv" ]; then
	node "$TOOLS/validate-messages.mjs" "$out" "$out2" >"$tmp/validate.log" 2>&1 ||
		fail "schema: $(tail -n 5 "$tmp/validate.log")"
	echo "ok: every message validates"
fi
echo "PASS"
