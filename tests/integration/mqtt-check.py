#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks what mqtt-peer.py received: every $.mid 1..N exactly at least once, on the module's
# telemetry topic, with the property bag of docs/internals/mqtt.md (URL-encoded).
import json
import sys
import urllib.parse

path, n = sys.argv[1], int(sys.argv[2])
prefix = "devices/edge01/modules/secagent/messages/events/"
seen = {}
bad = 0
flagged = 0
for line in open(path):
    r = json.loads(line)
    topic, payload = r["topic"], json.loads(r["payload"])
    flagged += r.get("dup", 0)  # broker -> peer redelivery (DUP flag)
    if not topic.startswith(prefix):
        print("wrong topic:", topic)
        bad += 1
        continue
    raw = topic[len(prefix):]
    props = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
    ok = ("%24.ct=application%2Fjson" in raw and props.get("$.ct") == "application/json"
          and props.get("$.ce") == "utf-8" and "$.mid" in props)
    asc = payload["seq"] % 2 == 0
    if asc:
        ok = ok and props.get("$.ifid") == "urn:azureiot:Security:SecurityAgent:1" \
            and "%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1" in raw \
            and "edgesec-schema" not in props
    else:
        ok = ok and props.get("edgesec-schema") == "edgesec/1.0" and "$.ifid" not in props
    if not ok:
        print("wrong properties:", topic)
        bad += 1
    seen[props.get("$.mid")] = seen.get(props.get("$.mid"), 0) + 1
want = {str(i) for i in range(1, n + 1)}
missing = sorted(want - set(seen), key=int)
dups = sum(c - 1 for c in seen.values())
print(f"received={sum(seen.values())} distinct={len(seen)} duplicates={dups} "
      f"broker_redelivered={flagged} missing={len(missing)}")
if missing:
    print("missing mids:", missing[:20])
sys.exit(1 if bad or missing or set(seen) - want else 0)
