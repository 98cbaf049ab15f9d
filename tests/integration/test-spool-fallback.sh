#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A spool file that cannot be used does not stop the agent (issue 6, item 6):
#  1. corrupt at start: spool.db is garbage; the agent logs why, carries on with the
#     in-memory spool, its messages arrive, and the Heartbeat says SpoolState "memory" with
#     the reason in SpoolError; the garbage file is left for inspection;
#  2. unwritable at run time: the state directory is a 4 MiB tmpfs, the broker is down, the
#     filesystem is filled up while the agent spools; the agent logs the failover and goes on
#     in memory; once the broker is up every message arrives (no $.mid missing from 1 to the
#     highest one received: the messages written to the file before the failure and those
#     only in memory) and the Heartbeat says SpoolState "memory-failover", SpoolFailovers 1.
# Part 2 needs a tmpfs mount (root); without it the test SKIPs after part 1.
source "$(dirname "$0")/mqtt-env.sh"
: "${EDGESEC:?}"

make_certs
write_broker_conf
cat >"$WORK/config.json" <<'CONF'
{"highPriorityMessageFrequency": "PT1S", "lowPriorityMessageFrequency": "PT1S",
 "snapshotFrequency": "PT1S", "edgesec": {"heartbeatInterval": "PT1S"}}
CONF
AGENT=
MOUNTED=
stop_all() {
	if [ -n "$AGENT" ]; then
		kill -TERM "$AGENT" 2>/dev/null || true
		wait "$AGENT" 2>/dev/null || true
	fi
	if [ -n "$MOUNTED" ]; then umount "$MOUNTED" 2>/dev/null || true; fi
	cleanup
}
trap stop_all EXIT

start_agent() { # STATE LOG
	"$EDGESEC" run --hub "mqtts://127.0.0.1:$PORT_TLS" --ca-file "$WORK/pki/ca.pem" \
		--config "$WORK/config.json" --state-dir "$1" 2>"$2" &
	AGENT=$!
}
stop_agent() { # LOG: a clean exit (0) after SIGTERM, even after a failover
	local rc=0
	kill -TERM "$AGENT"
	wait "$AGENT" 2>/dev/null || rc=$?
	AGENT=
	if [ $rc -ne 0 ]; then
		echo "FAIL: the agent exited with $rc after SIGTERM"
		tail -30 "$1"
		exit 1
	fi
}

# wait_heartbeat STATE [ERROR-SUBSTRING]: a Heartbeat with that SpoolState arrives
wait_heartbeat() {
	for _ in $(seq 150); do
		if "$PY" - "$WORK/received.jsonl" "$@" <<'PY'
import json, sys
path, want = sys.argv[1], sys.argv[2]
why = sys.argv[3] if len(sys.argv) > 3 else ""
for line in open(path):
    for e in json.loads(json.loads(line)["payload"])["Events"]:
        if e["Name"] != "Heartbeat":
            continue
        x = e["Payload"][0].get("ExtraDetails", {})
        if x.get("SpoolState") == want and why in x.get("SpoolError", ""):
            print(f"Heartbeat: SpoolState {want}, SpoolError {x.get('SpoolError')!r},"
                  f" SpoolFailovers {x.get('SpoolFailovers')}, SpoolLost {x.get('SpoolLost')}")
            sys.exit(0 if want != "memory-failover" or
                     (x.get("SpoolFailovers") == "1" and x.get("SpoolLost") == "0") else 2)
sys.exit(1)
PY
		then
			return 0
		elif [ $? = 2 ]; then
			echo "FAIL: unexpected spool counters"
			return 1
		fi
		sleep 0.2
	done
	echo "FAIL: no Heartbeat with SpoolState $1"
	return 1
}

# ---- 1. corrupt at start ----
start_broker
start_peer
mkdir -p "$WORK/state1"
head -c 16384 /dev/urandom >"$WORK/state1/spool.db"
cp "$WORK/state1/spool.db" "$WORK/garbage"
start_agent "$WORK/state1" "$WORK/agent1.err"
wait_heartbeat memory "not a database" || { tail "$WORK/agent1.err"; exit 1; }
kill -0 "$AGENT" || { echo "FAIL: the agent died"; exit 1; }
stop_agent "$WORK/agent1.err"
grep -q "Failed to open the spool.*carrying on in memory" "$WORK/agent1.err" ||
	{ echo "FAIL: the corrupt spool was not logged"; tail "$WORK/agent1.err"; exit 1; }
cmp -s "$WORK/garbage" "$WORK/state1/spool.db" || { echo "FAIL: the corrupt file was changed"; exit 1; }
echo "PASS: corrupt spool at start: logged, reported in the Heartbeat, agent carries on in memory"

# ---- 2. the filesystem fills up at run time ----
STATE=$WORK/state2
mkdir -p "$STATE"
if ! mount -t tmpfs -o size=4m,mode=0700 edgesec-spool-test "$STATE" 2>"$WORK/mount.err"; then
	echo "SKIP: cannot mount a tmpfs for the disk-full case: $(cat "$WORK/mount.err")"
	exit 77
fi
MOUNTED=$STATE
stop_broker
: >"$WORK/received.jsonl"
start_agent "$STATE" "$WORK/agent2.err"
for _ in $(seq 50); do
	[ -s "$STATE/spool.db" ] && break
	sleep 0.1
done
sleep 3
# fill what is left (the agent keeps spooling: the next growth of the WAL fails)
dd if=/dev/zero of="$STATE/fill" bs=64k 2>/dev/null || true
for _ in $(seq 300); do
	grep -q "Spool: spool file failed, carrying on in memory" "$WORK/agent2.err" && break
	kill -0 "$AGENT" 2>/dev/null || { echo "FAIL: the agent died"; tail "$WORK/agent2.err"; exit 1; }
	sleep 0.2
done
grep "Spool: " "$WORK/agent2.err" || { echo "FAIL: no failover within 60 s"; df "$STATE"; tail "$WORK/agent2.err"; exit 1; }
sleep 2
kill -0 "$AGENT" 2>/dev/null || { echo "FAIL: the agent died after the failover"; exit 1; }
start_broker
wait_heartbeat memory-failover || { tail "$WORK/agent2.err"; exit 1; }
sleep 2
"$PY" - "$WORK/received.jsonl" <<'PY'
import json, sys, urllib.parse
mids = set()
for line in open(sys.argv[1]):
    q = json.loads(line)["topic"].split("/messages/events/", 1)[1]
    mids.add(int(dict(urllib.parse.parse_qsl(q))["$.mid"]))
top = max(mids)
missing = sorted(set(range(1, top + 1)) - mids)
print(f"received $.mid 1..{top}: {len(mids)} distinct, missing {missing[:20]}")
sys.exit(1 if missing else 0)
PY
stop_agent "$WORK/agent2.err"
echo "PASS: spool file unwritable at run time: logged, reported, carried on in memory, nothing lost"
