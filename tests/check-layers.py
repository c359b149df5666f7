#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layer rules of controller/, read from the #include lines.

Each folder is a layer and a library; a file may include headers of its own
layer and of the layers it stands on, never of a layer above or beside it:

    core <- lab (+ lab/power, lab/flash, lab/console) <- sched, lwm2m <- floor <- tools, main.c

libusb and libserialport are seen only by the lab, sqlite3.h only by the
store (core/tf-store.c). No file under controller/
is over 800 lines. Exits 1 with one line per violation (FILE:LINE: why).
"""
import os
import re
import sys

MAX_LINES = 800
# layer -> the layers its files may include (besides their own)
ALLOWED = {
    "core": set(),
    "lab": {"core"},
    "sched": {"core"},
    "lwm2m": {"core"},
    "floor": {"core", "lab", "sched", "lwm2m"},
    "tools": {"core", "lab", "sched", "lwm2m", "floor"},
    "main": {"core", "lab", "sched", "lwm2m", "floor"},
}
HARDWARE = ("libusb.h", "libusb-1.0/libusb.h", "libserialport.h")
# SQLite is the store's: other modules use its API (tables, statements, migrations)
STORE_ONLY = {"sqlite3.h": os.path.join("core", "tf-store.c")}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(rel):
    parts = rel.split(os.sep)
    if len(parts) == 1:
        return "main"
    return parts[0]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "controller")
    root = os.path.normpath(root)
    owner = {}  # header basename -> layer
    sources = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            if not n.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(dirpath, n), root)
            sources.append(rel)
            if n.endswith(".h"):
                if n in owner and owner[n] != layer_of(rel):
                    print(f"{rel}:1: header name also used in layer {owner[n]}")
                owner[n] = layer_of(rel)
    problems = 0
    edges = {}
    for rel in sorted(sources):
        me = layer_of(rel)
        if me not in ALLOWED:
            print(f"{rel}:1: folder '{me}' is not a known layer ({', '.join(sorted(ALLOWED))})")
            problems += 1
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        if len(lines) > MAX_LINES:
            print(f"{rel}:{len(lines)}: {len(lines)} lines, over the {MAX_LINES} a file may have")
            problems += 1
        for no, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            name = m.group(2)
            if name in HARDWARE and me != "lab":
                print(f"{rel}:{no}: <{name}> outside the lab layer")
                problems += 1
                continue
            if name in STORE_ONLY and rel != STORE_ONLY[name]:
                print(f"{rel}:{no}: <{name}> outside {STORE_ONLY[name]}")
                problems += 1
                continue
            other = owner.get(os.path.basename(name))
            if other is None or other == me:
                continue
            edges.setdefault(me, set()).add(other)
            if other not in ALLOWED[me]:
                print(f"{rel}:{no}: {me} includes {name} of layer {other}, which {me} may not stand on")
                problems += 1
    # a cycle between folders (impossible under ALLOWED, kept so a loosened table is still checked)
    def reach(a, b, seen):
        return any(n == b or (n not in seen and reach(n, b, seen | {n})) for n in edges.get(a, ()))
    for a in edges:
        if reach(a, a, {a}):
            print(f"controller/{a}: its includes form a cycle through other layers")
            problems += 1
    print(f"{len(sources)} files in {len(set(map(layer_of, sources)))} layers, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
