#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails, listing file:line, when a file under src/ includes a header of a module it may not use.
(--self-test: runs the checker on a planted tree first; `make check-includes` does both.)

The rule (docs/architecture.md, "Layers") is a table: each top-level folder of src/ (a module)
names the modules whose headers it may include.  A module always sees its own headers.  The
table below and the one in docs/architecture.md must say the same: a difference is an error
too (change both).
Includes are resolved as the compiler does for "..." includes: first beside the including file,
then from src/ (and the build directory's generated headers, which are allowed everywhere).
A folder of src/ that the table does not name is an error too: adding a module means deciding
where it sits.

Collectors are modules of their own under collectors/: collectors/<name>/ may include its own
files, the collector interface (collectors/collector.h) and what `collectors` may include; one
collector never includes another collector's headers (they meet through an interface in a
lower layer).
"""
import os
import re
import sys
import tempfile

# module: the modules it may include (transitively closed by hand: write them all out).
LAYERS = {
    "common": [],
    "bpf": [],
    "loop": ["common"],
    "http": ["common", "loop"],
    "pipeline": ["common"],
    "audit": ["common"],
    "host": ["common"],
    "enrich": ["common"],
    "iothub": ["common"],
    "baseline": ["common", "host"],
    "docker": ["common", "http", "loop"],
    "config": ["common", "pipeline", "detect"],
    "analyze": ["common", "pipeline", "docker", "http", "loop"],
    "detect": ["common", "pipeline"],
    "spool": ["common", "pipeline"],
    "replay": ["common", "pipeline"],
    "collectors": ["common", "pipeline", "audit", "host", "enrich", "baseline", "docker", "http", "loop",
                   "analyze", "bpf", "config"],
    "transport": ["common", "pipeline", "spool", "http", "loop", "iothub"],
    "control": ["common", "pipeline", "detect", "config", "iothub"],
    "report": ["common", "pipeline", "config"],
    "core": "*",
    "cli": "*",
}

# Files of collectors/ itself (not of one collector) that every collector may include.
COLLECTOR_SHARED = {"collectors/collector.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(rel):
    """src-relative path -> (module, collector or None)."""
    parts = rel.split("/")
    if len(parts) == 1:
        return ("", None)
    if parts[0] == "collectors" and len(parts) > 2:
        return ("collectors", parts[1])
    return (parts[0], None)


def resolve(src, rel, inc):
    here = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
    if os.path.exists(os.path.join(src, here)):
        return here
    if os.path.exists(os.path.join(src, inc)):
        return os.path.normpath(inc)
    return None  # generated (version.h, skeletons) or a system header in quotes


def check(src):
    errors = []
    for d in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, d)) and d not in LAYERS:
            errors.append(f"src/{d}/: module not in the layer table of scripts/check-includes.py")
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(root, name), src)
            mod, coll = module_of(rel)
            allowed = LAYERS.get(mod)
            if allowed is None:
                continue
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = resolve(src, rel, m.group(1))
                    if target is None:
                        continue
                    tmod, tcoll = module_of(target)
                    if tmod == "" or allowed == "*":
                        continue
                    if tmod == mod:
                        if mod == "collectors" and coll and tcoll and tcoll != coll:
                            errors.append(f"src/{rel}:{lineno}: collector {coll} includes "
                                          f"collector {tcoll}'s {target}")
                        continue
                    if mod == "collectors" and target in COLLECTOR_SHARED:
                        continue
                    if tmod not in allowed:
                        errors.append(f"src/{rel}:{lineno}: {mod}/ may not include {target} "
                                      f"({tmod}/ is not below {mod}/ in the layer table)")
    return errors


def self_test():
    """The checker on a planted tree: every kind of violation is found, allowed includes pass."""
    files = {
        "common/a.h": "",
        "common/b.c": '#include "a.h"\n#include "common/a.h"\n#include <stdio.h>\n',
        "common/bad.c": '#include "pipeline/event.h"\n',
        "pipeline/event.h": '#include "common/a.h"\n',
        "enrich/cgroup.h": '#include "common/a.h"\n',
        "enrich/bad.c": '  #  include "collectors/collector.h"\n',
        "collectors/collector.h": '#include "pipeline/event.h"\n',
        "collectors/one/one.c": '#include "collectors/collector.h"\n#include "enrich/cgroup.h"\n'
                                '#include "../collector.h"\n#include "version.h"\n',
        "collectors/two/two.c": '#include "collectors/one/one.h"\n#include "core/x.h"\n',
        "collectors/one/one.h": "",
        "core/x.h": '#include "collectors/one/one.h"\n',
        "stray/y.c": "",
    }
    want = {
        "src/common/bad.c:1: common/ may not include pipeline/event.h",
        "src/enrich/bad.c:1: enrich/ may not include collectors/collector.h",
        "src/collectors/two/two.c:1: collector two includes collector one",
        "src/collectors/two/two.c:2: collectors/ may not include core/x.h",
        "src/stray/: module not in the layer table",
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                f.write(text)
        got = check(d)
    missing = [w for w in want if not any(g.startswith(w) for g in got)]
    extra = [g for g in got if not any(g.startswith(w) for w in want)]
    for m in missing:
        print(f"check-includes self-test: not reported: {m}", file=sys.stderr)
    for e in extra:
        print(f"check-includes self-test: reported wrongly: {e}", file=sys.stderr)
    return 1 if missing or extra else 0


DOC_ROW = re.compile(r"^\|\s*`([a-z]+)/`\s*\|(.*)\|\s*$")


def check_doc(doc):
    """The "Layers" table of docs/architecture.md against LAYERS."""
    rows, section = {}, False
    with open(doc, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                section = line.strip() == "## Layers"
                continue
            m = DOC_ROW.match(line) if section else None
            if m:
                cell = m.group(2).strip()
                rows[m.group(1)] = "*" if cell.startswith("everything") else \
                    re.findall(r"`([a-z]+)/`", cell)
    errors = []
    for mod in sorted(set(rows) | set(LAYERS)):
        want, have = LAYERS.get(mod), rows.get(mod)
        if want != "*" and want is not None:
            want = sorted(want)
        if have != "*" and have is not None:
            have = sorted(have)
        if want != have:
            errors.append(f"docs/architecture.md (Layers): {mod}/ says {have}, "
                          f"scripts/check-includes.py says {want}")
    return errors


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        r = self_test()
        if r == 0:
            print("check-includes: self-test passed")
        return r
    errors = check(os.path.join(top, "src"))
    errors += check_doc(os.path.join(top, "docs", "architecture.md"))
    for e in errors:
        print(e)
    if errors:
        print(f"check-includes: {len(errors)} problem(s); the rule is in "
              "docs/architecture.md (Layers)", file=sys.stderr)
        return 1
    print("check-includes: every include in src/ follows the layer table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
