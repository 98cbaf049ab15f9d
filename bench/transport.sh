#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/transport.sh: messages/s and events/s from the pipeline through the SQLite spool and
# MQTT over TLS to a local mosquitto and into a subscriber; spool write amplification; the
# publisher's peak RSS.  Target (issue 6): >= 2,000 messages/s of 4 KB through spool + TLS MQTT.
#
# - A CA and a server certificate (SAN IP:127.0.0.1) are made here with openssl; a private
#   mosquitto listens on 127.0.0.1 only: TLS for the publisher, plain for the subscriber.
# - The subscriber (Python paho, QoS 1) counts arrivals by $.mid (distinct, duplicates), the
#   events in them (len(Events)) and the time of the first and last arrival.
# - The publisher is build/bench/transport (bench/transport.c): synthetic events → the real
#   pipeline (4 KB maxMessageSizeInBytes) → transport_publish → spool → libmosquitto on our
#   loop; it prints its own /proc/self/io and /proc/self/status figures.
# - Two runs, each with a fresh spool and subscriber: (a) the pipeline's messages (<= 4 KB),
#   (b) bodies of exactly MESSAGE_BYTES straight to transport_publish (the target's unit).
#
# Environment: BUILD_DIR (default build), MESSAGES (10000), MESSAGE_BYTES (4096),
# BACKLOG (512 spooled entries before production waits), TIMEOUT_S (120), SYNC (normal|full),
# INFLIGHT (0 = the transport's default window of 16 unacknowledged PUBLISHes).
# Prints figures; never fails on speed.  Exit 1 only if something is wrong (a message the
# broker acknowledged never reached the subscriber, the publisher could not start), 77 if
# mosquitto / openssl / python3-paho-mqtt are missing.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
PUBLISHER=$BUILD_DIR/bench/transport
MESSAGES=${MESSAGES:-10000}
MESSAGE_BYTES=${MESSAGE_BYTES:-4096}
BACKLOG=${BACKLOG:-512}
TIMEOUT_S=${TIMEOUT_S:-120}
SYNC=${SYNC:-normal}
INFLIGHT=${INFLIGHT:-0} # unacknowledged PUBLISHes; 0 = the transport's default (16)
TARGET=2000 # messages/s of 4 KB through spool + TLS MQTT (issue 6)

for tool in mosquitto openssl; do
	if ! command -v $tool >/dev/null; then
		echo "transport: SKIP: $tool is not installed (apt-get install mosquitto openssl)"
		exit 77
	fi
done
PY=
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import paho.mqtt.client' 2>/dev/null; then
		PY=$py
		break
	fi
done
if [[ -z $PY ]]; then
	echo "transport: SKIP: python3-paho-mqtt is not installed"
	exit 77
fi
if [[ ! -x $PUBLISHER ]]; then
	echo "transport: $PUBLISHER not found; run 'make build' (or set BUILD_DIR)" >&2
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/edgesec-bench-transport.XXXXXX")
BROKER_PID=
PEER_PID=
PUB_PID=
cleanup() {
	for pid in $PUB_PID $PEER_PID $BROKER_PID; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $PUB_PID $PEER_PID $BROKER_PID; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fs=$(df -T "$WORK" 2>/dev/null | awk 'NR==2 { print $2 }')
fs=${fs:-$(stat -f -c %T "$WORK")}
if [[ $fs == tmpfs || $fs == ramfs ]]; then
	echo "transport: note: $WORK is on $fs; write_bytes will be 0 (set TMPDIR to a disk)"
fi

# ---- PKI: a CA and a server certificate for 127.0.0.1 ----
mkdir -p "$WORK/pki"
(
	cd "$WORK/pki"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
		-subj "/CN=edgesec bench CA" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
		-subj "/CN=127.0.0.1" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out server.pem -days 1 -extfile server.ext 2>/dev/null
)

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT_TLS=$(free_port)
PORT_PLAIN=$(free_port)

# No persistence and little logging: the broker should not be what is measured.  The
# subscriber's queue is unbounded so nothing is dropped when it lags behind.
cat >"$WORK/mosquitto.conf" <<CONF
per_listener_settings false
$([[ $(id -u) == 0 ]] && echo "user root")
allow_anonymous true
persistence false
log_dest file $WORK/mosquitto.log
log_type error
log_type warning
log_type notice
max_queued_messages 0
max_inflight_messages 100
listener $PORT_TLS 127.0.0.1
cafile $WORK/pki/ca.pem
certfile $WORK/pki/server.pem
keyfile $WORK/pki/server.key
listener $PORT_PLAIN 127.0.0.1
CONF

wait_port() {
	for _ in $(seq 100); do
		if "$PY" -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "transport: nothing listens on port $1; broker log:" >&2
	tail -20 "$WORK/mosquitto.log" "$WORK/mosquitto.out" >&2 || true
	exit 1
}

mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.out" 2>&1 &
BROKER_PID=$!
wait_port "$PORT_TLS"
wait_port "$PORT_PLAIN"

# ---- the subscriber (IoT Hub side) ----
cat >"$WORK/peer.py" <<'PY'
import json, os, sys, time, urllib.parse
import paho.mqtt.client as mqtt

port, expect_path, out_path, limit_s = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
mids, dups, events, nbytes, bad = set(), 0, 0, 0, 0
first = last = 0.0

def on_connect(c, u, f, rc):
    c.subscribe("devices/+/modules/+/messages/events/#", qos=1)

def on_subscribe(c, u, mid, granted):
    print("subscribed", flush=True)

def on_message(c, u, msg):
    global dups, events, nbytes, bad, first, last
    now = time.time()
    if not first:
        first = now
    last = now
    bag = msg.topic.split("/messages/events/", 1)[1]
    props = dict(urllib.parse.unquote(kv).split("=", 1) if "=" in urllib.parse.unquote(kv)
                 else (urllib.parse.unquote(kv), "") for kv in bag.split("&") if kv)
    mid = props.get("$.mid")
    if mid is None:
        bad += 1
        return
    if mid in mids:
        dups += 1
        return
    mids.add(mid)
    nbytes += len(msg.payload)
    try:
        events += len(json.loads(msg.payload)["Events"])
    except Exception:
        bad += 1

c = mqtt.Client(client_id="bench-peer", clean_session=True)
c.on_connect, c.on_subscribe, c.on_message = on_connect, on_subscribe, on_message
c.connect("127.0.0.1", port, keepalive=30)
c.loop_start()
t_start, expect, idle_since = time.time(), None, None
while time.time() - t_start < limit_s:
    time.sleep(0.05)
    if expect is None and os.path.exists(expect_path):
        text = open(expect_path).read().strip()
        if not text:
            continue
        expect = int(text)
        idle_since, seen = time.time(), len(mids)
    if expect is not None:
        if len(mids) >= expect:
            break
        if len(mids) != seen:
            idle_since, seen = time.time(), len(mids)
        elif time.time() - idle_since > 5:  # nothing more for 5 s after the publisher ended
            break
c.loop_stop()
json.dump({"distinct": len(mids), "duplicates": dups, "events": events, "bytes": nbytes,
           "bad": bad, "first": first, "last": last,
           "max_mid": max((int(m) for m in mids), default=0),
           "min_mid": min((int(m) for m in mids), default=0),
           "cpu": round(sum(os.times()[:2]), 2)}, open(out_path, "w"))
PY
# ---- one run: a fresh subscriber and spool, the publisher, the figures ----
# run_phase NAME FIXED(0|1)
run_phase() {
	local name=$1 fixed=$2 dir=$WORK/$1 pub_rc=0
	mkdir -p "$dir/state"
	"$PY" "$WORK/peer.py" "$PORT_PLAIN" "$dir/expect" "$dir/peer.json" $((TIMEOUT_S + 30)) \
		>"$dir/peer.log" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 100); do
		grep -q subscribed "$dir/peer.log" 2>/dev/null && break
		sleep 0.1
	done
	if ! grep -q subscribed "$dir/peer.log"; then
		echo "transport: the subscriber did not subscribe:" >&2
		cat "$dir/peer.log" >&2
		exit 1
	fi
	local broker0
	broker0=$(cpu_ticks "$BROKER_PID")
	"$PUBLISHER" --hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem" \
		--state-dir "$dir/state" --messages "$MESSAGES" --message-bytes "$MESSAGE_BYTES" \
		--backlog "$BACKLOG" --timeout-s "$TIMEOUT_S" --sync "$SYNC" --fixed "$fixed" --inflight "$INFLIGHT" \
		>"$dir/pub.out" 2>"$dir/pub.err" &
	PUB_PID=$!
	wait "$PUB_PID" || pub_rc=$?
	PUB_PID=
	if [[ $pub_rc -ge 2 || ! -s $dir/pub.out ]]; then
		echo "transport: the publisher failed (exit $pub_rc):" >&2
		cat "$dir/pub.err" "$dir/pub.out" >&2
		exit 1
	fi
	pub() { awk -F= -v k="$1" '$1 == k { print substr($0, length(k) + 2) }' "$dir/pub.out"; }
	local broker_cpu
	broker_cpu=$(calc '%.2f' "($(cpu_ticks "$BROKER_PID") - $broker0) / $(getconf CLK_TCK)")
	# atomically: the subscriber must never read an empty file (it would take 0 and stop early)
	pub acked >"$dir/expect.tmp"
	mv "$dir/expect.tmp" "$dir/expect"
	wait "$PEER_PID" || true
	PEER_PID=
	if [[ ! -s $dir/peer.json ]]; then
		echo "transport: the subscriber wrote no summary:" >&2
		cat "$dir/peer.log" >&2
		exit 1
	fi
	peer() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$dir/peer.json" "$1"; }

	local messages events bytes secs acked wb cwb distinct sub_events sub_last t0 e2e
	messages=$(pub messages) events=$(pub events) bytes=$(pub bytes) secs=$(pub seconds)
	acked=$(pub acked) wb=$(pub write_bytes) cwb=$(pub cancelled_write_bytes)
	distinct=$(peer distinct) sub_events=$(peer events) sub_last=$(peer last)
	t0=$(pub t0_realtime)
	e2e=$(calc '%.3f' "$sub_last - $t0")

	echo
	if [[ $fixed == 1 ]]; then
		echo "($name) fixed $MESSAGE_BYTES-byte bodies straight to transport_publish (no pipeline)"
	else
		echo "($name) pipeline messages: synthetic ProcessCreate/ConnectionCreate events," \
			"maxMessageSizeInBytes=$MESSAGE_BYTES"
	fi
	if [[ $(pub result) != ok ]]; then
		echo "    NOTE: the publisher timed out after ${TIMEOUT_S}s ($acked of $messages" \
			"acknowledged); the figures cover what was done"
	fi
	echo "  publisher: first event → last PUBACK (TLS connect not timed)"
	echo "    messages           $messages in $(calc '%.3f' "$secs") s; body $(calc '%.0f' "$bytes / $messages")" \
		"bytes mean ($(pub bytes_min)..$(pub bytes_max))$([[ $fixed == 1 ]] || echo ", $(calc '%.1f' "$events / $messages") events/message")"
	echo "    messages/s         $(calc '%.0f' "$messages / $secs")"
	[[ $fixed == 1 ]] || echo "    events/s           $(calc '%.0f' "$events / $secs")"
	echo "    payload            $(calc '%.2f' "$bytes / $secs / 1e6") MB/s" \
		"= $(calc '%.0f' "$bytes / $secs / 4096") x 4 KiB/s"
	echo "    CPU                user $(pub cpu_user) s + sys $(pub cpu_sys) s" \
		"($(calc '%.0f' "100 * ($(pub cpu_user) + $(pub cpu_sys)) / $secs") % of one core;" \
		"$(calc '%.0f' "1e6 * ($(pub cpu_user) + $(pub cpu_sys)) / $messages") µs per message, load-independent)"
	echo "    published, acked   $(pub published), $acked (spool duplicates $(pub spool_duplicates)," \
		"evicted $(pub spool_evicted), left $(pub spool_rows); disconnects $(pub disconnects))"
	echo "    other CPU          mosquitto $broker_cpu s, paho subscriber $(peer cpu) s" \
		"(mosquitto while the publisher ran; the subscriber over its life; $(nproc) CPUs shared)"
	echo "  subscriber: arrivals counted by \$.mid"
	echo "    arrived            $distinct distinct of $messages, $(peer duplicates) duplicates," \
		"$(peer bad) unparsable$([[ $fixed == 1 ]] || echo ", $sub_events events")"
	echo "    end to end         $(calc '%.0f' "$distinct / $e2e") messages/s$([[ $fixed == 1 ]] ||
		echo ", $(calc '%.0f' "$sub_events / $e2e") events/s") (first event → last arrival, $e2e s)"
	local filew
	filew=$(calc '%.0f' "$(pub wchar) - $(pub tcp_bytes)")
	echo "  spool write amplification (publisher process; state dir on $fs)"
	echo "    write_bytes        $wb (cancelled $cwb) for $bytes message bytes" \
		"= $(calc '%.1f' "($wb - $cwb) / $messages / 1024") KiB per message"
	echo "    amplification      $(calc '%.1f' "($wb - $cwb) / $bytes") bytes written per message byte" \
		"(/proc/<pid>/io write_bytes: page-cache pages made dirty ≈ what reaches the disk)"
	echo "    write() to files   $filew = $(calc '%.1f' "$filew / $bytes") per message byte" \
		"(wchar $(pub wchar) − TCP bytes $(pub tcp_bytes))"
	echo "    spool files        spool.db + spool.db-wal $(pub spool_file_bytes) bytes at the end"
	echo "    spool commits      $(pub spool_commits) transactions = $(calc '%.1f' "$messages / ($(pub spool_commits) + 0.0001)") messages per commit" \
		"(puts and PUBACK deletes batched; $(pub spool_checkpoints) idle checkpoints)"
	echo "  publisher memory"
	echo "    VmHWM              $(pub vm_hwm_kib) KiB (VmRSS at the end $(pub vm_rss_kib) KiB)"
	echo "  vs target >= $TARGET msg/s of 4 KB"
	echo "    messages/s         $(calc '%.2f' "$messages / $secs / $TARGET")x (publisher)," \
		"$(calc '%.2f' "$distinct / $e2e / $TARGET")x (end to end)"
	[[ $fixed == 1 ]] || echo "    4 KiB-equivalent   $(calc '%.2f' "$bytes / $secs / 4096 / $TARGET")x" \
		"(payload bytes/s ÷ 4096; pipeline messages are smaller than the cap)"
	if [[ $distinct -lt $acked ]]; then
		echo "transport: FAIL: the broker acknowledged $acked messages, only $distinct arrived" >&2
		echo "subscriber: \$.mid $(peer min_mid)..$(peer max_mid) seen" >&2
		echo "broker log (connections):" >&2
		tail -20 "$WORK/mosquitto.log" >&2
		exit 1
	fi
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
echo "bench/transport: $MESSAGES messages per run, spool synchronous=$SYNC, backlog $BACKLOG;" \
	"mosquitto $(mosquitto -h 2>&1 | awk 'NR==1{print $3}') on 127.0.0.1 (TLS for the publisher," \
	"plain for the paho subscriber); $(nproc) CPUs"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (fdatasync latency and other load move these figures)"
run_phase a 0
run_phase b 1
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $MESSAGE_BYTES == 4096 ]] || echo "note: MESSAGE_BYTES=$MESSAGE_BYTES; the target is for 4 KB messages"
exit 0
