#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the fuzz corpus inputs too big to commit: 8 MB and 100,000-level
payloads on staff and company topics (and 60,000 levels, which fit in 64 KiB
so that the nesting scanner rather than the size cap stops them).

usage: gen-big-corpus.py OUTDIR  -> OUTDIR/cmd/* (fuzz-cmd), OUTDIR/payload/* (fuzz-payload)
"""
import os
import sys

MB8 = 8 * 1024 * 1024


def shapes():
    yield "deep-100000-arrays", b"[" * 100000
    yield "deep-100000-objects", b'{"a":' * 100000
    yield "deep-60000-arrays", b"[" * 60000  # 60 KB: under the size cap
    yield "big-8mb-arrays", b"[" * MB8
    yield "big-8mb-string", b'{"note":"' + b"x" * (MB8 - 12) + b'"}'


def main():
    out = sys.argv[1]
    # staff verbs of the lab and of the floor, and company verbs, as fuzz-cmd reads them
    cmd_topics = ["power", "cmd/flash", "cmd/end", "cmd/replan", "in/alpha/verdict", "in/gamma/verify"]
    payload_topics = ["in/alpha/verdict", "in/alpha/sessions", "in/gamma/sign"]
    for sub, topics in (("cmd", cmd_topics), ("payload", payload_topics)):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        for topic in topics:
            for name, body in shapes():
                fname = "%s-%s" % (topic.replace("/", "_"), name)
                with open(os.path.join(d, fname), "wb") as f:
                    f.write(topic.encode() + b"\n" + body)


if __name__ == "__main__":
    main()
