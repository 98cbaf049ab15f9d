#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Container attribution against a real Docker engine: the test starts its own dockerd (own
# data-root, exec-root, pidfile and unix socket under a temporary directory; no bridge, no
# iptables, no masquerading, no ip_forward change), imports a busybox image made from
# busybox-static, and for each capture (auto, which is eBPF here, then the proc connector) runs
# the agent, a marker process in a container (--network none) and one on the host, and asserts
# that the container's ProcessCreate and ProcessTerminate (and, with eBPF, the In and Out
# ConnectionCreate of an nc pair on the container's loopback) carry ExtraDetails.ContainerId =
# the container's full id (ContainerRuntime = docker), and that the host's events carry no
# container details (nor do the docker CLI's, a host process whose argv holds the marker).
# Everything is removed on exit.
#
# The private dockerd and the busybox image come from docker-env.sh (sourced).
#
# Needs root, dockerd (Debian: docker.io), busybox-static and python3; exits 77 naming the
# package when one is missing.  Installs nothing.
#
# Environment (set by CTest): EDGESEC (the binary), SOURCE_DIR, BUILD_DIR.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
need_root "(dockerd and the process collector)"
: "${EDGESEC:?EDGESEC must name the edgesec binary}"
[ -x "$EDGESEC" ] || fail "$EDGESEC is not an executable"
. "${SOURCE_DIR:?SOURCE_DIR must name the source tree}/tests/integration/docker-env.sh"
docker_env_require
command -v python3 >/dev/null || skip "python3 is not installed (Debian package python3)"

tmp=$(mktemp -d /tmp/edgesec-ct-XXXXXX) || fail "mktemp"
agent_pid=
name="edgesec-ct-$$"
token="$$-$RANDOM$RANDOM"

cleanup() {
	[ -n "$agent_pid" ] && stop_pid "$agent_pid" 5
	docker_env_stop "$name"
	docker_env_cleanup_mounts "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. A private dockerd: no bridge, no iptables, nothing but its own directories and socket.
mkdir -p "$tmp/state"
docker_env_start "$tmp"

# 2. The image: busybox-static and its applet links, imported as edgesec-test/busybox:1.
docker_env_import_busybox edgesec-test/busybox:1 sh echo sleep true nc

# 3. The checker of the output: python3 CHECK RUN_JSONL TOKEN CONTAINER_ID CAPTURE PORT.
cat >"$tmp/check.py" <<'PY'
import json, sys

path, token, cid, cap, port = sys.argv[1:6]
# The container's sh (argv as given to docker run), the host's sh, and host processes that
# merely mention a marker (the docker CLI): those must carry no container details either.
ct, host, other, ends, conns = [], [], [], {}, []
for line in open(path, encoding="utf-8", errors="replace"):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    for ev in msg.get("Events", []):
        for item in ev.get("Payload", []):
            extra = item.get("ExtraDetails", {})
            if ev.get("Name") == "ProcessTerminate":
                ends.setdefault(str(item.get("ProcessId")), []).append(extra)
            if ev.get("Name") == "ConnectionCreate" and port in (str(item.get("RemotePort")),
                                                                 str(item.get("LocalPort"))):
                conns.append((item.get("Direction"), extra))
            if ev.get("Name") != "ProcessCreate":
                continue
            cmd = item.get("CommandLine", "")
            if cmd.startswith("/bin/sh -c echo ct-marker-" + token):
                ct.append(extra)
                ct_pid = str(item.get("ProcessId"))
            elif cmd.startswith("/bin/sh -c echo host-marker-" + token):
                host.append(extra)
                host_pid = str(item.get("ProcessId"))
            elif token in cmd:
                other.append((cmd[:60], extra))
problems = []
# ProcessTerminate takes the container from the pid cache filled at exec.
if len(ct) == 1:
    if not ends.get(ct_pid):
        problems.append("no ProcessTerminate of the container's marker (pid %s)" % ct_pid)
    for extra in ends.get(ct_pid, []):
        if extra.get("ContainerId") != cid:
            problems.append("container marker's exit: ContainerId %r" % extra.get("ContainerId"))
# The nc pair inside the container (loopback of its own network namespace); the proc
# connector reports no connections.
if cap != "cnproc":
    dirs = sorted(d for d, _ in conns)
    if dirs != ["In", "Out"]:
        problems.append("ConnectionCreate on port %s: %r, expected one In and one Out" %
                        (port, dirs))
    for d, extra in conns:
        if extra.get("ContainerId") != cid:
            problems.append("ConnectionCreate %s: ContainerId %r" % (d, extra.get("ContainerId")))
if len(host) == 1:
    for extra in ends.get(host_pid, []):
        if "ContainerId" in extra:
            problems.append("host marker's exit carries container details: %r" % extra)
if len(ct) != 1:
    problems.append("%d ProcessCreate of the container's marker, expected 1" % len(ct))
for extra in ct:
    if extra.get("ContainerId") != cid:
        problems.append("container marker: ContainerId %r, expected %s" %
                        (extra.get("ContainerId"), cid))
    if extra.get("ContainerRuntime") != "docker":
        problems.append("container marker: ContainerRuntime %r" % extra.get("ContainerRuntime"))
if len(host) != 1:
    problems.append("%d ProcessCreate of the host's marker, expected 1" % len(host))
for extra in host:
    if "ContainerId" in extra or "ContainerRuntime" in extra:
        problems.append("host marker carries container details: %r" % extra)
for cmd, extra in other:
    if "ContainerId" in extra:
        problems.append("host process %r carries container details: %r" % (cmd, extra))
for p in problems:
    print("  " + p, file=sys.stderr)
print("container ProcessCreate: %d, host: %d, other host: %d; ConnectionCreate: %d" %
      (len(ct), len(host), len(other), len(conns)))
sys.exit(1 if problems else 0)
PY

# 4. One case per capture backend: the agent (every ProcessCreate on its own, flushed every
# second), a marker process in a container and one on the host, then the checks.  Each marker
# shell lives a moment as itself ("sleep; true": the shell forks for sleep instead of exec'ing
# it as its last command), so the proc connector, which reads argv and the cgroup from /proc
# after the exec, sees the marker.  The audit backend is left out: it is one per host and may
# be in use by another test.
cat >"$tmp/config.json" <<'EOF'
{
  "aggregationEnabledProcessCreate": false,
  "aggregationEnabledProcessTerminate": false,
  "aggregationEnabledConnectionCreate": false,
  "edgesec": {
    "localFlushInterval": "PT1S"
  }
}
EOF

run_case() { # capture
	local cap=$1 out="$tmp/run-$1.jsonl" log="$tmp/run-$1.log" ready=0 i full
	local token="$cap-$$-$RANDOM$RANDOM" port=$((20000 + RANDOM % 20000))

	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	"$EDGESEC" run --state-dir "$tmp/state" --config "$tmp/config.json" --capture "$cap" \
		>"$out" 2>"$log" &
	agent_pid=$!

	# Ready when a host probe's ProcessCreate reaches the output.
	for i in $(seq 40); do
		/bin/sh -c "sleep 0.3; true edgesec-probe-$token-$i"
		sleep 0.5
		kill -0 "$agent_pid" 2>/dev/null || fail "$cap: edgesec run died: $(tail -n 5 "$log")"
		if grep -q "edgesec-probe-$token" "$out" 2>/dev/null; then
			ready=1
			break
		fi
	done
	[ "$ready" -eq 1 ] || fail "$cap: no ProcessCreate of 40 probes (32 s): $(tail -n 5 "$log")"

	dk run -d --network none --name "$name" edgesec-test/busybox:1 \
		/bin/sh -c "echo ct-marker-$token; nc -l -p $port >/dev/null & sleep 0.5;
			echo hi | nc 127.0.0.1 $port; sleep 2; true" >/dev/null ||
		fail "docker run failed"
	full=$(dk inspect --format '{{.Id}}' "$name") || fail "docker inspect failed"
	[ "${#full}" -eq 64 ] || fail "container id '$full' is not 64 characters"
	/bin/sh -c "echo host-marker-$token; sleep 1; true" >/dev/null
	dk wait "$name" >/dev/null || fail "docker wait failed"
	dk rm "$name" >/dev/null || fail "docker rm failed"

	for i in $(seq 100); do
		grep -q "ct-marker-$token" "$out" && grep -q "host-marker-$token" "$out" && break
		sleep 0.1
	done
	sleep 2 # the exits, flushed every second
	stop_pid "$agent_pid" 5
	agent_pid=

	echo "capture $cap:"
	python3 "$tmp/check.py" "$out" "$token" "$full" "$cap" "$port" ||
		fail "$cap: attribution checks (see above)"
}

run_case auto
run_case cnproc

echo "PASS: container attribution"
