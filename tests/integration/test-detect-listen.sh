#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A TCP listener that lives between two ListeningPorts snapshots must still be seen (the
# evasion: open a bind shell, use it, close it within snapshotFrequency).  With the eBPF
# capture the kernel reports the socket when it calls listen() (ListenerCreate), and the rule
# listening-port-new reads it with the snapshots.  One `edgesec run --capture ebpf` with a
# 60 s snapshot interval (so no snapshot can see the short listeners), then one with 2 s:
#   - a renamed copy of ncat (`updater`: netcat-listener knows it by its content only) bound to
#     127.0.0.1 with -e /bin/sh for ~1 s: an Alert naming the port, its pid and executable,
#     from a ListenerCreate, while no ListeningPorts snapshot ever listed the port;
#   - a python3 listener on [::1] for ~1 s (IPv6);
#   - a listener in a private network namespace (unshare -n) on a port the host already
#     listens on at the baseline: another listener, reported with its NetworkNamespace;
#   - busybox `nc -l -p PORT -e /bin/sh` in a container (private dockerd, network none) for
#     ~1 s: attributed to the container (skipped as a case, not as a test, without Docker);
#   - a listener that stays: seen at listen(), then listed by the next snapshots, alerts once
#     (dedup window 1 s, so a second firing would be a second Alert).
# Each wait polls the output with a deadline.  Prints the latency listen -> Alert (a figure).
#
# Environment (set by CTest): EDGESEC, SOURCE_DIR.  KEEP=1 keeps the work directory.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detect-env.sh"
. "$(dirname "$0")/docker-env.sh"

need_root "(the eBPF capture loads BPF programs)"
need_tools "apt-get install -y jq ncat iproute2 util-linux" jq ncat ss unshare ip /usr/bin/python3
need_edgesec

dt_init listen
pids=()
ddir=$DT_TMP/docker
image=edgesec-dt/busybox:$$
cname=edgesec-dt-bind-$$
docker_ok=
dt_cleanup_hook() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$docker_ok" ]; then
		docker_env_stop "$cname"
		docker_env_cleanup_mounts "$ddir"
	fi
}
py=/usr/bin/python3

# py_listen ADDR PORT SECONDS [FAMILY]: a python3 TCP listener in the background (pid in $!).
py_listen() {
	"$py" -c '
import socket, sys, time
fam = socket.AF_INET6 if sys.argv[4] == "6" else socket.AF_INET
s = socket.socket(fam)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
time.sleep(float(sys.argv[3]))' "$1" "$2" "$3" "${4:-4}" &
}

# Snapshots on the output that list PORT (any address).
snapshots_with() { # port
	grep '"ListeningPorts"' "$DT_OUT" 2>/dev/null | jq -c --arg p "$1" '.Events[]
		| select(.Name == "ListeningPorts") | select([.Payload[]? | .LocalPort] | index($p))
		| .Id' 2>/dev/null | wc -l
}
n_snapshots() {
	grep '"ListeningPorts"' "$DT_OUT" 2>/dev/null | jq -c '.Events[]
		| select(.Name == "ListeningPorts") | .Id' 2>/dev/null | wc -l
}
wait_snapshots() { # count: until at least COUNT snapshots are on the output (deadline)
	local end=$(($(dt_now_ms) + DT_DEADLINE * 1000))
	while [ "$(n_snapshots)" -lt "$1" ]; do
		[ "$(dt_now_ms)" -lt "$end" ] || fail "fewer than $1 ListeningPorts snapshots within ${DT_DEADLINE} s"
		sleep 0.1
	done
}
wait_listening() { # port: until the host's network namespace lists it (deadline)
	local end=$(($(dt_now_ms) + DT_DEADLINE * 1000))
	until ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; do
		[ "$(dt_now_ms)" -lt "$end" ] || fail "nothing listens on port $1"
		sleep 0.02
	done
}

# A port the host listens on before the agent starts: part of the baseline.
base_port=$(dt_free_port)
py_listen 127.0.0.1 "$base_port" 600
pids+=("$!")
wait_listening "$base_port"

# A private dockerd (no bridge; containers get network "none": a namespace of their own) for
# the container case, when Docker is installed; the other cases do not need it.
if (docker_env_require) >/dev/null 2>&1; then
	docker_env_require
	docker_ok=1
	docker_env_start "$ddir"
	docker_env_import_busybox "$image" sh nc sleep
	sock="\"$ddir/docker.sock\""
else
	sock='""'
fi

# ---- run 1: snapshots every 60 s, so only the kernel can see a 1 s listener ----
DT_TOP='"snapshotFrequency": "PT60S"' dt_start_agent "\"loginSource\": \"utmp\", \"dockerSocket\": $sock"
wait_snapshots 1 # the baseline
[ "$(snapshots_with "$base_port")" -ge 1 ] || fail "the baseline snapshot does not list port $base_port"
t_run1=$(dt_now_ms)

# -- a renamed ncat as a bind shell for ~1 s --
cp "$(command -v ncat)" "$DT_TMP/updater"
port=$(dt_free_port)
dt_mark
"$DT_TMP/updater" -l 127.0.0.1 "$port" -e /bin/sh 2>/dev/null &
pid=$!
pids+=("$pid")
wait_listening "$port"
sleep 1
kill "$pid"
wait "$pid" 2>/dev/null
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port" --arg exe "$DT_TMP/updater")
dt_expect listening-port-new "renamed ncat -l 127.0.0.1 PORT -e /bin/sh, alive ~1 s" \
	'.ProcessId == $pid and .Executable == $exe
	 and (.AlertKey | test("LocalAddress=127[.]0[.]0[.]1, LocalPort=" + $port + "$"))
	 and .Evidence[0].Name == "ListenerCreate" and .Evidence[0].Fields.LocalPort == $port
	 and .Evidence[0].Fields.ProcessId == $pid
	 and (.Evidence[0].Fields.CommandLine | contains("-e /bin/sh"))'
seen=$(snapshots_with "$port")
[ "$seen" = 0 ] || fail "a snapshot listed port $port: the case does not prove the kernel path"
# The name rule knows the copy by its content (ExtraDetails.KnownAs; test-detect-renamed).
dt_expect netcat-listener "the same renamed ncat, known by its content" \
	'.ProcessId == $pid and .Evidence[0].Fields["ExtraDetails.KnownAs"] == "ncat"'
echo "figure: 1 s listener, 60 s snapshots: ListeningPorts snapshots listing it: $seen (before" \
	"ListenerCreate: not seen at all); listen -> Alert above"

# -- IPv6: python3 on [::1] for ~1 s --
if "$py" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	port=$(dt_free_port)
	dt_mark
	py_listen ::1 "$port" 1 6
	pid=$!
	pids+=("$pid")
	wait "$pid" 2>/dev/null
	DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
	dt_expect listening-port-new "python3 listening on [::1]:PORT for ~1 s" \
		'.ProcessId == $pid and .Evidence[0].Name == "ListenerCreate"
		 and .Evidence[0].Fields.LocalAddress == "::1" and .Evidence[0].Fields.LocalPort == $port
		 and .Evidence[0].Fields["ExtraDetails.Family"] == "IPv6"'
	[ "$(snapshots_with "$port")" = 0 ] || fail "a snapshot listed port $port"
else
	dt_row listening-port-new "python3 on [::1]" "not run: no IPv6 loopback here"
fi

# -- a private network namespace, on the port the host already listens on --
dt_mark
unshare -n sh -c 'ip link set lo up && exec "$0" -c "
import socket, time
s = socket.socket()
s.bind((\"127.0.0.1\", $1))
s.listen(1)
time.sleep(1)"' "$py" "$base_port" &
pid=$!
pids+=("$pid")
wait "$pid" 2>/dev/null || fail "the listener in a private network namespace failed"
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$base_port")
dt_expect listening-port-new "the baseline's port, in a private network namespace, ~1 s" \
	'.ProcessId == $pid and .Evidence[0].Name == "ListenerCreate"
	 and .Evidence[0].Fields.LocalPort == $port
	 and (.Evidence[0].Fields["ExtraDetails.NetworkNamespace"] | test("^net:\\[[0-9]+\\]$"))
	 and (.AlertKey | test("LocalPort=" + $port + ", Namespace=net:"))'
# the host's own listener on that port is the baseline's: never an alert
dt_none listening-port-new '(.AlertKey | test("LocalPort=" + $port + "$"))' 0

# -- a bind shell in a container (its own network namespace) for ~1 s --
if [ -n "$docker_ok" ]; then
	port=$(dt_free_port)
	dt_mark
	cid=$(dk run -d --network none --name "$cname" "$image" sh -c "nc -l -p $port -e /bin/sh & sleep 1") ||
		fail "docker run of the bind shell failed"
	DT_JQ_ARGS=(--arg port "$port" --arg cid "$cid")
	dt_expect listening-port-new "busybox nc -l -p PORT -e /bin/sh in a container (network none), ~1 s" \
		'.Evidence[0].Name == "ListenerCreate" and .Evidence[0].Fields.LocalPort == $port
		 and .Evidence[0].Fields["ExtraDetails.ContainerId"] == $cid and .ContainerId == $cid
		 and (.Evidence[0].Fields["ExtraDetails.NetworkNamespace"] | startswith("net:["))
		 and (.Evidence[0].Fields.CommandLine | contains("-e /bin/sh"))'
	dk rm -f "$cname" >/dev/null 2>&1
else
	dt_row listening-port-new "a bind shell in a container" "not run: no dockerd/busybox-static here"
fi
[ "$(n_snapshots)" = 1 ] || fail "run 1 took another snapshot within 60 s: the cases prove nothing"
dt_stop_agent
mv "$DT_OUT" "$DT_TMP/out-1.jsonl" # run 2 writes a fresh output (its Heartbeats are its own)

# ---- run 2: snapshots every 2 s, dedup 1 s: seen at listen(), then in snapshots: once ----
DT_TOP='"snapshotFrequency": "PT2S"' dt_start_agent '"loginSource": "utmp", "dockerSocket": "",
    "detectionDedupWindow": "PT1S"'
wait_snapshots 1
port=$(dt_free_port)
dt_mark
py_listen 127.0.0.1 "$port" 600
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
dt_expect listening-port-new "a listener that stays (then listed by the snapshots)" \
	'(.AlertKey | test("LocalPort=" + $port + "$")) and .RepeatCount == 0'
# two snapshots that list it after the alert
end=$(($(dt_now_ms) + DT_DEADLINE * 1000))
while [ "$(snapshots_with "$port")" -lt 2 ]; do
	[ "$(dt_now_ms)" -lt "$end" ] || fail "no two snapshots listing port $port within ${DT_DEADLINE} s"
	sleep 0.1
done
sleep 2 # a second firing would be flushed within a second (localFlushInterval PT1S)
n=$(dt_find listening-port-new '(.AlertKey | test("LocalPort=" + $port + "$"))' | wc -l)
[ "$n" = 1 ] || fail "listening-port-new for port $port $n times (ListenerCreate and snapshots): $(dt_find listening-port-new '(.AlertKey | test("LocalPort=" + $port + "$"))')"
dt_row listening-port-new "the same listener in $(snapshots_with "$port") later snapshots" "pass (1 Alert)"

dt_stop_agent
# ListenerCreate is our schema's: every message of run 1 (ListenerCreate, Alerts) validates
if command -v node >/dev/null && [ -f "$SOURCE_DIR/tests/tools/validate-messages.mjs" ] &&
	[ -d "$SOURCE_DIR/tests/tools/node_modules" ]; then
	grep -q '"ListenerCreate"' "$DT_TMP/out-1.jsonl" || fail "no ListenerCreate event on run 1's output"
	node "$SOURCE_DIR/tests/tools/validate-messages.mjs" --quiet "$DT_TMP/out-1.jsonl" >"$DT_TMP/val.txt" 2>&1 ||
		fail "run 1's messages do not validate: $(tail -20 "$DT_TMP/val.txt")"
	echo "ok: run 1's messages (ListenerCreate, Alert, ...) validate against their schemas"
else
	dt_row schemas "ListenerCreate against edgesec-message.schema.json" "not run: no node/tests/tools"
fi

dt_row listening-port-new "a UDP socket bound between two snapshots" "gap (UDP bind is not captured)"
dt_table
echo "PASS"
