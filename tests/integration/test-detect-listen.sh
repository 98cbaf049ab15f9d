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
# UDP has no LISTEN: a UDP socket bound by bind() is the listener (ListenerCreate udp):
#   - the renamed ncat as `-u -l 127.0.0.1 PORT` for ~1 s (a UDP C2 / DNS tunnel server);
#   - a UDP client sending one datagram (sendto, and connect + send): its port is given
#     implicitly, it is no listener, and no Alert names it (the resolver case);
#   - python3 binding UDP [::1] port 0 (the kernel's choice) for ~1 s: IPv6, ephemeral;
#   - UDP on the port the host listens on with TCP (the baseline's): udp/P is not tcp/P.
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

# py_udp ADDR PORT SECONDS FAMILY FILE: a python3 UDP socket bound in the background (pid in
# $!) for SECONDS; its port is written to FILE once bound (renamed into place: read whole).
py_udp() {
	"$py" -c '
import os, socket, sys, time
fam = socket.AF_INET6 if sys.argv[4] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
with open(sys.argv[5] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[5] + ".tmp", sys.argv[5])
time.sleep(float(sys.argv[3]))' "$@" &
}
wait_file() { # file: until it exists (deadline); prints it
	local end=$(($(dt_now_ms) + DT_DEADLINE * 1000))
	until [ -s "$1" ]; do
		[ "$(dt_now_ms)" -lt "$end" ] || fail "$1 not written within ${DT_DEADLINE} s"
		sleep 0.02
	done
	cat "$1"
}
wait_udp_bound() { # port: until a UDP socket is bound to it here (deadline)
	local end=$(($(dt_now_ms) + DT_DEADLINE * 1000))
	until ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; do
		[ "$(dt_now_ms)" -lt "$end" ] || fail "no UDP socket bound to port $1"
		sleep 0.02
	done
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
# Every UDP bind and TCP listen on the machine is a ListenerCreate (other tests run beside this
# one): the rule's alert rate is raised so that their alerts cannot use up its minute.
DT_TOP='"snapshotFrequency": "PT60S"' dt_start_agent "\"loginSource\": \"utmp\", \"dockerSocket\": $sock,
    \"detectionAlertsPerMinute\": 6000"
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

# -- UDP: the renamed ncat as a UDP listener on 127.0.0.1 for ~1 s --
port=$(dt_free_port)
dt_mark
"$DT_TMP/updater" -u -l 127.0.0.1 "$port" </dev/null >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
wait_udp_bound "$port"
sleep 1
kill "$pid"
wait "$pid" 2>/dev/null
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port" --arg exe "$DT_TMP/updater")
dt_expect listening-port-new "renamed ncat -u -l 127.0.0.1 PORT (UDP), alive ~1 s" \
	'.ProcessId == $pid and .Executable == $exe
	 and (.AlertKey | test("^Protocol=udp, LocalAddress=127[.]0[.]0[.]1, LocalPort=" + $port + "$"))
	 and .Evidence[0].Name == "ListenerCreate" and .Evidence[0].Fields.Protocol == "udp"
	 and .Evidence[0].Fields.LocalPort == $port and .Evidence[0].Fields.ProcessId == $pid
	 and (.Evidence[0].Fields.CommandLine | contains("-u -l"))'
seen=$(snapshots_with "$port")
[ "$seen" = 0 ] || fail "a snapshot listed UDP port $port: the case does not prove the kernel path"
echo "figure: 1 s UDP listener, 60 s snapshots: ListeningPorts snapshots listing it: $seen" \
	"(before the bind capture: not seen at all); bind -> Alert above"
udp_port=$port

# -- quiet: a UDP client (one datagram by sendto, one by connect + send) is no listener --
"$py" -c '
import socket, sys
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.sendto(b"x", ("127.0.0.1", int(sys.argv[1])))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.connect(("127.0.0.1", int(sys.argv[1])))
b.send(b"x")
print(a.getsockname()[1], b.getsockname()[1])' "$udp_port" >"$DT_TMP/client-ports" ||
	fail "the UDP client failed"
read -r cport1 cport2 <"$DT_TMP/client-ports"

# -- UDP on [::1], port 0 (the kernel's choice), for ~1 s: IPv6 and ephemeral --
if "$py" -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1",0))' 2>/dev/null; then
	dt_mark
	py_udp ::1 0 1 6 "$DT_TMP/udp6-port"
	pid=$!
	pids+=("$pid")
	port=$(wait_file "$DT_TMP/udp6-port")
	wait "$pid" 2>/dev/null
	DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
	dt_expect listening-port-new "python3 binding UDP [::1] port 0 (got PORT) for ~1 s" \
		'.ProcessId == $pid and .Evidence[0].Name == "ListenerCreate"
		 and .Evidence[0].Fields.Protocol == "udp"
		 and .Evidence[0].Fields.LocalAddress == "::1" and .Evidence[0].Fields.LocalPort == $port
		 and .Evidence[0].Fields["ExtraDetails.Family"] == "IPv6"'
	[ "$(snapshots_with "$port")" = 0 ] || fail "a snapshot listed UDP port $port"
else
	dt_row listening-port-new "python3 UDP on [::1]" "not run: no IPv6 loopback here"
	dt_mark
	py_udp 127.0.0.1 0 1 4 "$DT_TMP/udp4-port"
	pid=$!
	pids+=("$pid")
	port=$(wait_file "$DT_TMP/udp4-port")
	wait "$pid" 2>/dev/null
	DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
	dt_expect listening-port-new "python3 binding UDP 127.0.0.1 port 0 (got PORT) for ~1 s" \
		'.ProcessId == $pid and .Evidence[0].Fields.Protocol == "udp"
		 and .Evidence[0].Fields.LocalPort == $port'
fi
# The client's ports: no Alert, now that a later bind's Alert is out (the events are in order).
DT_JQ_ARGS=(--arg p1 "$cport1" --arg p2 "$cport2")
dt_none listening-port-new '(.AlertKey | test("LocalPort=(" + $p1 + "|" + $p2 + ")$"))' 0
dt_row listening-port-new "a UDP client sending one datagram (ports $cport1, $cport2)" "pass (no Alert)"

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
dt_none listening-port-new '(.AlertKey | test("^Protocol=tcp, .*LocalPort=" + $port + "$"))' 0

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
# -- UDP on the port the host listens on with TCP (in the baseline): udp/P is new, tcp/P not --
dt_mark
py_udp 127.0.0.1 "$base_port" 1 4 "$DT_TMP/udp-base-port"
pid=$!
pids+=("$pid")
wait_file "$DT_TMP/udp-base-port" >/dev/null
wait "$pid" 2>/dev/null
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$base_port")
dt_expect listening-port-new "UDP 127.0.0.1 on the TCP baseline's port for ~1 s" \
	'.ProcessId == $pid and (.AlertKey | test("^Protocol=udp, LocalAddress=127[.]0[.]0[.]1, LocalPort=" + $port + "$"))'
dt_none listening-port-new '(.AlertKey | test("^Protocol=tcp, .*LocalPort=" + $port + "$"))' 0
[ "$(n_snapshots)" = 1 ] || fail "run 1 took another snapshot within 60 s: the cases prove nothing"
dt_stop_agent
mv "$DT_OUT" "$DT_TMP/out-1.jsonl" # run 2 writes a fresh output (its Heartbeats are its own)

# ---- run 2: snapshots every 2 s, dedup 1 s: seen at listen(), then in snapshots: once ----
DT_TOP='"snapshotFrequency": "PT2S"' dt_start_agent '"loginSource": "utmp", "dockerSocket": "",
    "detectionDedupWindow": "PT1S", "detectionAlertsPerMinute": 6000'
wait_snapshots 1
port=$(dt_free_port)
dt_mark
py_listen 127.0.0.1 "$port" 600
pid=$!
pids+=("$pid")
DT_JQ_ARGS=(--argjson pid "$pid" --arg port "$port")
dt_expect listening-port-new "a listener that stays (then listed by the snapshots)" \
	'(.AlertKey | test("^Protocol=tcp, .*LocalPort=" + $port + "$")) and .RepeatCount == 0'
# two snapshots that list it after the alert
end=$(($(dt_now_ms) + DT_DEADLINE * 1000))
while [ "$(snapshots_with "$port")" -lt 2 ]; do
	[ "$(dt_now_ms)" -lt "$end" ] || fail "no two snapshots listing port $port within ${DT_DEADLINE} s"
	sleep 0.1
done
sleep 2 # a second firing would be flushed within a second (localFlushInterval PT1S)
key='(.AlertKey | test("^Protocol=tcp, .*LocalPort=" + $port + "$"))'
n=$(dt_find listening-port-new "$key" | wc -l)
[ "$n" = 1 ] || fail "listening-port-new for port $port $n times (ListenerCreate and snapshots): $(dt_find listening-port-new "$key")"
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

dt_table
echo "PASS"
