#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The edgesec unit's journal, read from the host (test-systemd-unit.sh; not a test itself).

    systemd-journal.py DOCKER_ARGS_JSON CONTAINER wait SECONDS EXPR [AFTER_CURSOR_FILE]
        polls the unit's journal until EXPR (Python, over an event `e` of a message and its
        payload item `p`) is true; exit 0, else 1 after SECONDS.
    systemd-journal.py DOCKER_ARGS_JSON CONTAINER log SECONDS TEXT [AFTER_CURSOR_FILE]
        polls until a log line of the agent (stderr) holds TEXT.
    systemd-journal.py DOCKER_ARGS_JSON CONTAINER check
        every record the agent wrote is whole: a JSON message or a log line; prints how many
        messages and the largest.
    systemd-journal.py DOCKER_ARGS_JSON CONTAINER cursor FILE
        stores the journal's last cursor in FILE (for AFTER_CURSOR_FILE).

Records are read with `journalctl -o json _SYSTEMD_UNIT=edgesec.service` through `docker
exec`, incrementally (after the last cursor seen).  Every read also checks that each record is
whole: journald splits a line longer than its LineMax (48 KiB) into several records, which is
exactly what broke `journalctl -u edgesec -o cat | jq` before the agent capped its messages
under the journal.
"""
import json
import re
import subprocess
import sys
import time

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z edgesec\[\d+\]: [a-z]+: ")


def fetch(docker, container, after):
    cmd = docker + ["exec", container, "journalctl", "--no-pager", "--all", "-o", "json",
                    "_SYSTEMD_UNIT=edgesec.service"]
    if after:
        cmd.append("--after-cursor=" + after)
    out = subprocess.run(cmd, capture_output=True, timeout=30, check=False).stdout
    records = []
    for line in out.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # journalctl itself never writes a partial line; ignore noise
    return records


def text(record):
    m = record.get("MESSAGE", "")
    if isinstance(m, list):  # non-UTF-8 or binary: journald gives bytes
        m = bytes(m).decode("utf-8", "replace")
    return m


class Journal:
    def __init__(self, docker, container, after=None):
        self.docker, self.container, self.cursor = docker, container, after
        self.events, self.logs, self.sizes = [], [], []

    def poll(self):
        new_events, new_logs = [], []
        for r in fetch(self.docker, self.container, self.cursor):
            self.cursor = r.get("__CURSOR", self.cursor)
            m = text(r)
            if not m:
                continue
            if m.startswith("{"):
                try:
                    msg = json.loads(m)
                except ValueError as err:
                    sys.exit(f"a message in the journal is not whole JSON ({len(m)} bytes, "
                             f"{err}): ...{m[-80:]!r}")
                self.sizes.append(len(m))
                new_events.extend(msg.get("Events", []))
            elif LOG_LINE.match(m):
                new_logs.append(m)
            elif r.get("_TRANSPORT") == "stdout":
                sys.exit(f"a record of the agent is neither a message nor a log line (a piece "
                         f"of a split line?): {m[:120]!r}")
        self.events.extend(new_events)
        self.logs.extend(new_logs)
        return new_events, new_logs


def main():
    docker, container, mode = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
    if mode == "cursor":
        j = Journal(docker, container)
        j.poll()
        with open(sys.argv[4], "w") as f:
            f.write(j.cursor or "")
        return 0
    if mode == "check":
        j = Journal(docker, container)
        j.poll()
        print(f"{len(j.sizes)} messages, largest {max(j.sizes, default=0)} bytes, "
              f"{len(j.logs)} log lines")
        return 0
    seconds, arg = float(sys.argv[4]), sys.argv[5]
    after = None
    if len(sys.argv) > 6:
        with open(sys.argv[6]) as f:
            after = f.read().strip() or None
    j = Journal(docker, container, after)
    expr = compile("(" + arg + ")", "expr", "eval") if mode == "wait" else None
    deadline = time.monotonic() + seconds
    while True:
        events, logs = j.poll()
        if mode == "log" and any(arg in line for line in logs):
            return 0
        for e in events:
            for p in e.get("Payload") or [{}]:
                if mode == "wait" and eval(expr, {"json": json}, {"e": e, "p": p}):
                    print(json.dumps(p))
                    return 0
        if time.monotonic() >= deadline:
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
