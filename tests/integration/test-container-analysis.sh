#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Running-container analysis against a real Docker engine: the test starts its own dockerd (own
# data-root, exec-root, pidfile and unix socket under a temporary directory; no bridge, no
# iptables), imports a busybox image made from busybox-static, and creates the containers of
# the issue: an IoT Edge module with --cap-add SYS_ADMIN, --pid host and a docker.sock bind, a
# --privileged one, and a hardened one that runs.  Their `docker inspect` goes through
# `edgesec scan-manifest --docker-inspect` (the same code the agent uses: analyze/inspect.h and
# the rules), and the findings must name the right rules, containers and JSON pointers; then
# the running modules are compared with a deployment manifest (--against) and the drift
# (extra capability, host PID namespace, undeclared module) must be reported.
#
# The docker.sock and privileged containers are created, never started: starting a bind of a
# missing /var/run/docker.sock would make dockerd create that path on the host.
#
# The private dockerd and the busybox image come from docker-env.sh (sourced).
#
# Needs root, dockerd (Debian: docker.io), busybox-static and python3; exits 77 naming the
# package when one is missing.  Installs nothing.  Everything is removed on exit.
#
# Environment (set by CTest): EDGESEC (the binary), SOURCE_DIR, BUILD_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_root "(dockerd)"
: "${EDGESEC:?EDGESEC must name the edgesec binary}"
[ -x "$EDGESEC" ] || fail "$EDGESEC is not an executable"
. "${SOURCE_DIR:?SOURCE_DIR must name the source tree}/tests/integration/docker-env.sh"
docker_env_require
command -v python3 >/dev/null || skip "python3 is not installed (Debian package python3)"

tmp=$(mktemp -d /tmp/esanalyze-XXXXXX) || fail "mktemp"
prefix="esanalyze-$$"
had_docker_sock=0
[ -e /var/run/docker.sock ] && had_docker_sock=1

cleanup() {
	docker_env_stop "$prefix-risky" "$prefix-priv" "$prefix-hardened" "$prefix-rogue"
	docker_env_cleanup_mounts "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. A private dockerd: no bridge, no iptables, nothing but its own directories and socket.
docker_env_start "$tmp"

# 2. The image and the containers.
docker_env_import_busybox esanalyze/busybox:1 sh sleep
owner=net.azure-devices.edge.owner=Microsoft.Azure.Devices.Edge.Agent
secret="esanalyzeSecret$RANDOM$RANDOM"
dk create --name "$prefix-risky" --label "$owner" --network none --cap-add SYS_ADMIN \
	--pid host -v /var/run/docker.sock:/var/run/docker.sock \
	-e "DeviceConnectionString=HostName=h.azure-devices.net;DeviceId=d;SharedAccessKey=$secret" \
	esanalyze/busybox:1 sleep 600 >/dev/null || fail "create risky"
dk create --name "$prefix-priv" --label "$owner" --network none --privileged \
	esanalyze/busybox:1 sleep 600 >/dev/null || fail "create priv"
dk run -d --name "$prefix-hardened" --label "$owner" --network none --user 1000:1000 \
	--read-only --security-opt no-new-privileges --memory 64m --cpus 0.5 --pids-limit 64 \
	--cap-drop ALL --log-opt max-size=1m --log-opt max-file=2 --cgroupns private \
	esanalyze/busybox:1 sleep 600 >/dev/null || fail "run hardened"
dk create --name "$prefix-rogue" --label "$owner" --network none \
	esanalyze/busybox:1 sleep 600 >/dev/null || fail "create rogue"
[ "$(dk inspect -f '{{.State.Status}}' "$prefix-hardened")" = running ] ||
	fail "the hardened container is not running"
dk inspect "$prefix-risky" "$prefix-priv" "$prefix-hardened" "$prefix-rogue" \
	>"$tmp/inspect.json" || fail "docker inspect"

# 3. The rules on the running settings.
"$EDGESEC" scan-manifest --docker-inspect --format json "$tmp/inspect.json" >"$tmp/findings.json"
rc=$?
[ "$rc" -eq 1 ] || fail "scan-manifest --docker-inspect exited $rc, expected 1 (findings)"
grep -q "$secret" "$tmp/findings.json" && fail "the secret env value is in the report"
python3 - "$tmp/findings.json" "$prefix" <<'PY' || fail "findings"
import json, sys

report = json.load(open(sys.argv[1]))
p = sys.argv[2]
got = {(f["module"], f["ruleId"], f["path"]) for f in report["findings"]}
want = {
    (p + "-risky", "EDGE003", "/0/HostConfig/CapAdd/0"),   # SYS_ADMIN
    (p + "-risky", "EDGE005", "/0/HostConfig/PidMode"),    # host PID
    (p + "-risky", "EDGE010", "/0/HostConfig/Binds/0"),    # docker.sock
    (p + "-risky", "EDGE033", "/0/Config/Env/0"),          # the connection string, by name
    (p + "-priv", "EDGE001", "/1/HostConfig/Privileged"),
}
missing = want - got
if missing:
    sys.exit("missing findings: %s" % sorted(missing))
hardened = [f for f in report["findings"] if f["module"] == p + "-hardened"]
if hardened:
    sys.exit("the hardened container has findings: %s" % hardened)
if report["summary"]["modules"] != 4:
    sys.exit("summary.modules is %s" % report["summary"]["modules"])
for f in report["findings"]:
    if f["ruleId"] == "EDGE003" and "SYS_ADMIN" not in f["message"]:
        sys.exit("EDGE003 does not name SYS_ADMIN: %s" % f["message"])
print("findings ok: %d" % len(report["findings"]))
PY

# 4. Drift against a manifest that declares the risky module without SYS_ADMIN and host PID,
#    the hardened one as it runs, and not the rogue one.
cat >"$tmp/manifest.json" <<JSON
{"modulesContent": {"\$edgeAgent": {"properties.desired": {"modules": {
  "$prefix-risky": {"settings": {"image": "esanalyze/busybox:1", "createOptions":
    "{\"HostConfig\":{\"Binds\":[\"/var/run/docker.sock:/var/run/docker.sock\"]}}"}},
  "$prefix-priv": {"settings": {"image": "esanalyze/busybox:1", "createOptions":
    "{\"HostConfig\":{\"Privileged\":true}}"}},
  "$prefix-hardened": {"settings": {"image": "esanalyze/busybox:1"}}
}}}}}
JSON
"$EDGESEC" scan-manifest --docker-inspect --against "$tmp/manifest.json" --format json \
	"$tmp/inspect.json" >"$tmp/drift.json"
rc=$?
[ "$rc" -eq 1 ] || fail "scan-manifest --against exited $rc, expected 1"
python3 - "$tmp/drift.json" "$prefix" <<'PY' || fail "drift"
import json, sys

report = json.load(open(sys.argv[1]))
p = sys.argv[2]
got = sorted((d["module"], d["kind"], d["setting"]) for d in report["drift"])
want = sorted([
    (p + "-risky", "Capability", "CAP_SYS_ADMIN"),
    (p + "-risky", "HostNamespace", "PidMode host"),
    (p + "-rogue", "UndeclaredModule", p + "-rogue"),
])
if got != want:
    sys.exit("drift %s, expected %s" % (got, want))
print("drift ok")
PY

if [ "$had_docker_sock" -eq 0 ] && [ -e /var/run/docker.sock ]; then
	fail "/var/run/docker.sock appeared on the host"
fi
echo "PASS"
