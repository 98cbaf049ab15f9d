#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Reads the agent's JSON-lines output for tests/integration/test-posture*.sh (not a test).
#   posture-read.py OUT items               one line per host posture item: RULE PATH STATUS
#   posture-read.py OUT count RULE PATH STATUS   how many such items
#   posture-read.py OUT extra RULE PATH STATUS KEY   ExtraDetails KEY of the last such item
#   posture-read.py OUT message RULE PATH STATUS     Message of the last such item
#   posture-read.py OUT snapshots           how many ListeningPorts events were written
#   posture-read.py OUT strip-status        the output with Status removed from every HOST
#                                           item (a broken variant for the validator)
import json
import sys


def messages(path):
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line:
            yield json.loads(line)


def host_items(path):
    for m in messages(path):
        for ev in m.get("Events", []):
            if ev.get("Name") != "Recommendation":
                continue
            for it in ev.get("Payload", []):
                if it.get("RuleId", "").startswith("HOST"):
                    yield it


def matching(path, rule, p, status):
    return [it for it in host_items(path) if it["RuleId"] == rule and it["Path"] == p
            and it.get("ExtraDetails", {}).get("Status") == status]


def main():
    out, cmd = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if cmd == "items":
        for it in host_items(out):
            print(it["RuleId"], it["Path"], it.get("ExtraDetails", {}).get("Status"))
    elif cmd == "count":
        print(len(matching(out, *args[:3])))
    elif cmd == "extra":
        found = matching(out, *args[:3])
        print(found[-1].get("ExtraDetails", {}).get(args[3], "") if found else "")
    elif cmd == "message":
        found = matching(out, *args[:3])
        print(found[-1]["Message"] if found else "")
    elif cmd == "snapshots":
        print(sum(1 for m in messages(out) for ev in m.get("Events", [])
                  if ev.get("Name") == "ListeningPorts"))
    elif cmd == "strip-status":
        for m in messages(out):
            for ev in m.get("Events", []):
                for it in ev.get("Payload", []):
                    if str(it.get("RuleId", "")).startswith("HOST"):
                        it.get("ExtraDetails", {}).pop("Status", None)
            print(json.dumps(m))
    else:
        sys.exit(f"unknown command {cmd}")


main()
