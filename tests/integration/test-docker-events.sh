#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The containers collector against a real Docker engine.  The test starts its own dockerd
# (own data-root, exec-root, pidfile and unix socket under /tmp/esdocker-*; no bridge, no
# iptables, no masquerading, no ip_forward change), imports a busybox image made from
# busybox-static, points the agent at that socket (edgesec.dockerSocket) and checks:
#   1. create/start/exec/stop/rm of a container labelled as an IoT Edge module produce the
#      ContainerEvents create, start, exec_create, exec_start, kill, die, stop, destroy in that
#      order, once each, with the right id, name, image, module name, exec command, exit code,
#      signal, and on start the security settings (CapAdd SYS_ADMIN, the read-only bind);
#   2. ContainerInventory lists every existing container exactly once (a running module with
#      its module label, a created --privileged one) and not the removed one;
#   3. dockerd stopped under the running agent: Heartbeat shows the containers collector
#      degraded with the daemon absent, and the state is logged once, not once per retry;
#      dockerd started again: the agent reconnects and resyncs (Heartbeat connected again),
#      events of a new container arrive, and the next inventory has every container exactly
#      once with its current state; no ContainerEvent is delivered twice;
#   4. the deployment analysis runs on the running containers: Recommendation items for the
#      --privileged container (EDGE001) and the module with CapAdd SYS_ADMIN (EDGE003), and,
#      with a deployment manifest that declares only the first module, a DriftAlert
#      UndeclaredModule for the other module container;
#   5. every message validates against its schema (tests/tools/validate-messages.mjs).
# Everything is removed on exit.
#
# The private dockerd and the busybox image come from docker-env.sh (sourced).
#
# Needs root, dockerd (Debian: docker.io), busybox-static, python3 and node (the validator);
# exits 77 naming the package when dockerd or busybox-static is missing.
#
# Environment (set by CTest): EDGESEC (the binary), SOURCE_DIR, BUILD_DIR.
set -uo pipefail

fail() {
	echo "FAIL: $*" >&2
	[ -n "${tmp:-}" ] && [ -f "$tmp/run.log" ] && tail -n 20 "$tmp/run.log" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (a private dockerd)"
: "${EDGESEC:?EDGESEC must name the edgesec binary}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"
[ -x "$EDGESEC" ] || fail "$EDGESEC is not an executable"
. "$SOURCE_DIR/tests/integration/docker-env.sh"
docker_env_require
command -v python3 >/dev/null || fail "python3 is not installed (Debian package python3)"
command -v node >/dev/null ||
	fail "node is not installed (Debian: apt-get install nodejs npm); it runs the schema validator"
TOOLS="$SOURCE_DIR/tests/tools"
if [ ! -d "$TOOLS/node_modules/ajv" ] || [ ! -d "$TOOLS/node_modules/ajv-formats" ]; then
	command -v npm >/dev/null || fail "npm is not installed (Debian: apt-get install npm)"
	npm ci --prefix "$TOOLS" --no-audit --no-fund >/dev/null 2>&1 ||
		fail "npm ci --prefix $TOOLS failed (offline? run it once with network access)"
fi

tmp=$(mktemp -d /tmp/esdocker-XXXXXX) || fail "mktemp"
out="$tmp/out.jsonl"
agent_pid=
life="esdocker-life-$$"
keep="esdocker-keep-$$"
priv="esdocker-priv-$$"
after="esdocker-after-$$"
image="esdocker-test/busybox:1"
module_owner="net.azure-devices.edge.owner=Microsoft.Azure.Devices.Edge.Agent"

cleanup() {
	[ -n "$agent_pid" ] && kill -CONT "$agent_pid" 2>/dev/null
	[ -n "$agent_pid" ] && stop_pid "$agent_pid" 5
	docker_env_stop "$life" "$keep" "$priv" "$after"
	docker_env_cleanup_mounts "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. A private dockerd and the image.
mkdir -p "$tmp/state" "$tmp/bindsrc"
docker_env_start "$tmp"
docker_env_import_busybox "$image" sh echo sleep true

# 2. The agent, with short intervals and only the events this test looks at.
cat >"$tmp/config.json" <<EOF
{
  "snapshotFrequency": "PT2S",
  "highPriorityMessageFrequency": "PT1S",
  "lowPriorityMessageFrequency": "PT1S",
  "eventPriorityProcessCreate": "High",
  "aggregationEnabledProcessCreate": false,
  "eventPriorityProcessTerminate": "Off",
  "eventPriorityConnectionCreate": "Off",
  "eventPriorityLogin": "Off",
  "eventPriorityListeningPorts": "Off",
  "eventPriorityLocalUsers": "Off",
  "eventPriorityFirewallConfiguration": "Off",
  "eventPriorityOSBaseline": "Off",
  "edgesec": {
    "localFlushInterval": "PT1S",
    "heartbeatInterval": "PT1S",
    "dockerSocket": "$DOCKER_ENV_SOCK",
    "eventPriorityRecommendation": "High",
    "eventPriorityDriftAlert": "High",
    "deploymentManifest": "$tmp/manifest.json"
  }
}
EOF
# The deployment the agent compares with: only the module container "$keep".
cat >"$tmp/manifest.json" <<EOF
{
  "modulesContent": {
    "\$edgeAgent": {
      "properties.desired": {
        "schemaVersion": "1.1",
        "runtime": { "type": "docker", "settings": {} },
        "systemModules": {},
        "modules": {
          "$keep": {
            "type": "docker", "status": "running", "restartPolicy": "always",
            "settings": { "image": "$image", "createOptions": "{}" }
          }
        }
      }
    }
  }
}
EOF
"$EDGESEC" run --state-dir "$tmp/state" --config "$tmp/config.json" --output "$out" \
	2>"$tmp/run.log" &
agent_pid=$!

# The checker: python3 check.py OUT MODE ARGS...  Exit 0 when the condition holds.
cat >"$tmp/check.py" <<'PY'
import json, sys

out, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
events, inventories, heartbeats = [], [], []
items_of = {}                    # event name: every payload item, in order
for line in open(out, encoding="utf-8", errors="replace"):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    for ev in msg.get("Events", []):
        name = ev.get("Name")
        items_of.setdefault(name, []).extend(ev.get("Payload", []))
        if name == "ContainerEvent":
            for item in ev.get("Payload", []):
                events.append((ev.get("TimestampUTC"), item))
        elif name == "ContainerInventory":
            inventories.append(ev.get("Payload", []))
        elif name == "Heartbeat":
            for c in ev["Payload"][0].get("Collectors", []):
                if c.get("Name") == "containers":
                    heartbeats.append(c)

def fail(msg):
    print(msg)
    sys.exit(1)

if mode == "heartbeat":          # STATE DETAIL-SUBSTRING
    state, detail = args
    if not heartbeats:
        fail("no Heartbeat yet")
    hb = heartbeats[-1]
    if hb.get("State") != state or detail not in hb.get("Detail", ""):
        fail("last containers status: %s" % hb)
elif mode == "actions":          # ID: prints the container's actions in order
    print(" ".join(i["Action"] for _, i in events if i.get("ContainerId") == args[0]))
elif mode == "lifecycle":        # ID NAME IMAGE BINDSRC
    cid, name, image, bindsrc = args
    mine = [i for _, i in events if i.get("ContainerId") == cid]
    wanted = ["create", "start", "exec_create", "exec_start", "die", "stop", "destroy"]
    seen = [i["Action"] for i in mine if i["Action"] in wanted]
    if seen != wanted:
        fail("actions %s, expected %s" % (seen, wanted))
    for i in mine:
        if i.get("ContainerName") != name or i.get("Image") != image or i.get("ModuleName") != name:
            fail("wrong name/image/module in %s" % i)
    by = {i["Action"]: i for i in mine}
    kills = [i for i in mine if i["Action"] == "kill"]
    if not kills or kills[0].get("Signal") != 15:
        fail("no kill with Signal 15 first: %s" % kills)
    if [i["Action"] for i in mine].index("kill") > [i["Action"] for i in mine].index("die"):
        fail("kill after die")
    if by["die"].get("ExitCode") != 137:
        fail("die ExitCode %s, expected 137 (SIGKILL after the 1 s stop timeout)" % by["die"])
    for a in ("exec_create", "exec_start"):
        if by[a].get("Command") != "sh -c echo esdocker-exec":
            fail("%s Command %r" % (a, by[a].get("Command")))
    s = by["start"].get("SecuritySettings")
    # docker 20.10 stores the name with its CAP_ prefix; others keep it as given.
    if not s or not {"SYS_ADMIN", "CAP_SYS_ADMIN"} & set(s.get("CapAdd", [])):
        fail("start without CapAdd SYS_ADMIN: %s" % s)
    binds = [m for m in s.get("HostMounts", []) if m.get("Source") == bindsrc]
    if len(binds) != 1 or binds[0].get("RW") is not False or binds[0].get("Destination") != "/data":
        fail("start without the read-only bind of %s: %s" % (bindsrc, s.get("HostMounts")))
    if "SecuritySettings" in by["die"]:
        fail("SecuritySettings on die")
elif mode == "inventory":        # ID=STATE[=MODULE[=privileged]] ... ; absent ids prefixed with !
    # The last inventory must come after the given number of ContainerEvents was seen:
    # events and inventories are in separate queues, so check the last inventory only.
    if not inventories:
        fail("no ContainerInventory yet")
    inv = inventories[-1]
    ids = [i["ContainerId"] for i in inv]
    for spec in args:
        if spec.startswith("!"):
            if spec[1:] in ids:
                fail("removed container %s still listed" % spec[1:])
            continue
        parts = spec.split("=")
        cid, state = parts[0], parts[1]
        n = ids.count(cid)
        if n != 1:
            fail("container %s listed %d times" % (cid, n))
        item = next(i for i in inv if i["ContainerId"] == cid)
        if item.get("State") != state:
            fail("container %s State %s, expected %s" % (cid, item.get("State"), state))
        if len(parts) > 2 and (item.get("ModuleName") or "") != parts[2]:
            fail("container %s ModuleName %s, expected %s" % (cid, item.get("ModuleName"), parts[2]))
        if len(parts) > 3 and parts[3] == "privileged" and \
                item["SecuritySettings"].get("Privileged") is not True:
            fail("container %s not shown privileged" % cid)
elif mode == "attribution":      # NAME: the exec'd shell's ProcessCreate names the container
    name = args[0]
    procs = [i for i in items_of.get("ProcessCreate", [])
             if i.get("CommandLine", "").startswith("sh -c echo esdocker-exec")]
    if not procs:
        fail("no ProcessCreate of the exec")
    extra = procs[0].get("ExtraDetails", {})
    if extra.get("ContainerName") != name or extra.get("IotEdgeModule") != name or \
            extra.get("ContainerImage") != "esdocker-test/busybox:1":
        fail("ProcessCreate of the exec without the container's name/module/image: %s" % extra)
elif mode == "recommendation":   # CONTAINER-ID RULE-ID
    cid, rule = args
    recs = items_of.get("Recommendation", [])
    if not any(i.get("ContainerId") == cid and i.get("RuleId") == rule for i in recs):
        fail("no Recommendation %s for %s (rules seen: %s)" %
             (rule, cid[:12], sorted({str(i.get("RuleId")) for i in recs})))
elif mode == "drift":            # MODULE KIND [!]: a DriftAlert item (or, with !, none)
    module, kind = args[0], args[1]
    want = len(args) < 3
    items = items_of.get("DriftAlert", [])
    found = any(i.get("Module") == module and i.get("Kind") == kind for i in items)
    if found != want:
        fail("DriftAlert %s for %s: %s (items: %s)" %
             (kind, module, "missing" if want else "unexpected", items[:3]))
elif mode == "no-duplicates":
    keys = [(t, i.get("ContainerId"), i.get("Image"), i["Action"], i.get("Signal"), i.get("Command"))
            for t, i in events]
    dups = {k for k in keys if keys.count(k) > 1}
    if dups:
        fail("ContainerEvents delivered twice: %s" % sorted(dups, key=str)[:3])
else:
    fail("unknown mode " + mode)
PY

check() {
	python3 "$tmp/check.py" "$out" "$@"
}

# wait_for SECONDS WHAT ARGS...: until check ARGS succeeds.
wait_for() {
	local n=$(($1 * 4)) what=$2 msg

	shift 2
	for _ in $(seq "$n"); do
		kill -0 "$agent_pid" 2>/dev/null || fail "edgesec run died: $(tail -n 5 "$tmp/run.log")"
		[ -f "$out" ] && msg=$(check "$@") && return 0
		sleep 0.25
	done
	fail "$what: ${msg:-no output}"
}

wait_for 30 "the agent did not connect to the private dockerd" heartbeat running connected

# 3. The life cycle of a module container, and two that stay.
keep_id=$(dk run -d --name "$keep" --network none --stop-timeout 1 --label "$module_owner" \
	--label net.azure-devices.edge.module=esdocker-mod "$image" sleep 600) ||
	fail "docker run $keep"
priv_id=$(dk create --name "$priv" --privileged --network none "$image" true) ||
	fail "docker create --privileged $priv"
life_id=$(dk create --name "$life" --network none --label "$module_owner" --cap-add SYS_ADMIN \
	-v "$tmp/bindsrc:/data:ro" "$image" sleep 300) || fail "docker create $life"
dk start "$life" >/dev/null || fail "docker start $life"
# The exec's shell is short-lived.  With the eBPF capture the agent is paused (SIGSTOP) while it
# runs, so the shell and its /proc/<pid>/cgroup are gone before the agent reads its exec record
# (what a busy host does by chance, done here every time): its container must come from the
# cgroup the kernel recorded at exec (the evasion of a short-lived process in a container).
paused=
if grep -q '"Name":"process","State":"[a-z]*"[^}]*"Detail":"ebpf' "$out"; then
	kill -STOP "$agent_pid" && paused=1
fi
exec_out=$(dk exec "$life" sh -c 'echo esdocker-exec')
[ -z "$paused" ] || kill -CONT "$agent_pid"
[ "$exec_out" = "esdocker-exec" ] || fail "docker exec"
if [ -n "$paused" ]; then
	wait_for 20 "container attribution of an exited process" attribution "$life"
	echo "ok: the exec's ProcessCreate, read after the shell exited, names its container"
fi
dk stop -t 1 "$life" >/dev/null || fail "docker stop"
dk rm "$life" >/dev/null || fail "docker rm"

for _ in $(seq 80); do
	case " $(check actions "$life_id") " in *" destroy "*) break ;; esac
	sleep 0.25
done
msg=$(check lifecycle "$life_id" "$life" "$image" "$tmp/bindsrc") || fail "life cycle: $msg"
echo "ok: $(check actions "$life_id")"
# The process collector names the container of a process from the containers collector's cache.
if grep -q '"Name":"process","State":"failed"' "$out"; then
	echo "note: the process collector cannot run here; container attribution not checked"
else
	wait_for 20 "container attribution" attribution "$life"
	echo "ok: the exec's ProcessCreate carries ContainerName, ContainerImage and IotEdgeModule"
fi

sleep 3 # a snapshot after the destroy
wait_for 20 "inventory before the restart" inventory "$keep_id=running=esdocker-mod" \
	"$priv_id=created==privileged" "!$life_id"
echo "ok: inventory lists $keep and $priv once each, not $life"

# `edgesec snapshot` (no loop) waits for the first sync and prints the inventory too.
"$EDGESEC" snapshot --config "$tmp/config.json" --state-dir "$tmp/state-snap" \
	>"$tmp/snap.jsonl" 2>"$tmp/snap.log" || fail "edgesec snapshot: $(tail -n 3 "$tmp/snap.log")"
msg=$(python3 "$tmp/check.py" "$tmp/snap.jsonl" inventory "$keep_id=running=esdocker-mod" \
	"$priv_id=created==privileged") || fail "edgesec snapshot inventory: $msg"
echo "ok: edgesec snapshot prints the ContainerInventory"

# The analysis of running containers: rules and drift against the manifest.
wait_for 20 "Recommendation for the privileged container" recommendation "$priv_id" EDGE001
wait_for 20 "Recommendation for the SYS_ADMIN module" recommendation "$life_id" EDGE003
wait_for 20 "DriftAlert for the module missing from the manifest" drift "$life" UndeclaredModule
msg=$(check drift "$keep" UndeclaredModule !) || fail "$msg"
echo "ok: Recommendation EDGE001/EDGE003 and DriftAlert UndeclaredModule (not for the declared module)"

# 4. dockerd goes away under the agent, then comes back.
warnings_before=$(grep -c "warning: Docker" "$tmp/run.log")
docker_env_stop
wait_for 30 "Heartbeat does not show the daemon absent" heartbeat degraded "daemon absent"
sleep 5 # several reconnect attempts
warnings=$(($(grep -c "warning: Docker" "$tmp/run.log") - warnings_before))
[ "$warnings" -le 2 ] ||
	fail "the daemon's absence was logged $warnings times (expected once per state change)"
echo "ok: daemon absent shown in Heartbeat, logged $warnings time(s)"

docker_env_start "$tmp"
wait_for 40 "the agent did not reconnect" heartbeat running connected
after_id=$(dk create --name "$after" --network none "$image" true) || fail "docker create $after"
for _ in $(seq 80); do
	case " $(check actions "$after_id") " in *" create "*) break ;; esac
	sleep 0.25
done
[ "$(check actions "$after_id")" = "create" ] ||
	fail "events after the reconnect: '$(check actions "$after_id")', expected 'create'"
keep_state=$(dk inspect -f '{{.State.Status}}' "$keep") || fail "docker inspect $keep"
sleep 3
wait_for 20 "inventory after the restart" inventory "$keep_id=$keep_state=esdocker-mod" \
	"$priv_id=created==privileged" "$after_id=created" "!$life_id"
echo "ok: after the restart the inventory has every container once ($keep $keep_state)"
msg=$(check no-duplicates) || fail "$msg"

# 5. Every message validates against its schema.
stop_pid "$agent_pid" 10
agent_pid=
node "$TOOLS/validate-messages.mjs" "$out" >"$tmp/validate.log" 2>&1 ||
	fail "schema validation: $(tail -n 5 "$tmp/validate.log")"
echo "ok: $(tail -n 1 "$tmp/validate.log")"
echo "PASS: container events, inventory and resync after a dockerd restart"
