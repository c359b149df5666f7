#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check udev rule files: every line parses as udev(7) rule syntax (Debian 12's
udev 252 has no 'udevadm verify'), every USB id a rule names is one the board
types define or the lab's own hardware (relay modules), and every USB id a board
type names (console, runtime, DFU bootloader) has its rule.

usage: check-udev-rules.py RULES_FILE BOARDS_DIR...     (TAP output)
"""
import configparser
import glob
import re
import sys

KEYS_MATCH = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM",
              "SUBSYSTEMS", "DRIVER", "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST",
              "TAG", "TAGS", "TEST", "PROGRAM", "RESULT"}
KEYS_ASSIGN = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV",
               "TAG", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
ATTR_KEYS = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "RUN", "IMPORT", "SECLABEL"}
PAIR = re.compile(r'\s*([A-Z_]+)(\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*')
RELAYS = {("1a86", "7523")}


def parse_line(line):
    """Returns [(key, attr, op, value)] or raises ValueError."""
    pairs, pos = [], 0
    while pos < len(line):
        m = PAIR.match(line, pos)
        if m is None:
            raise ValueError("cannot parse at column %d: %r" % (pos + 1, line[pos:pos + 30]))
        key, attr, op, value = m.group(1), m.group(3), m.group(4), m.group(5)
        if op in ("==", "!=") and key not in KEYS_MATCH:
            raise ValueError("%s cannot be matched" % key)
        if op not in ("==", "!=") and key not in KEYS_ASSIGN:
            raise ValueError("%s cannot be assigned" % key)
        if (attr is not None) != (key in ATTR_KEYS) and key not in ("RUN", "IMPORT"):
            raise ValueError("%s %s an {attribute}" % (key, "needs" if attr is None else "takes no"))
        if key == "MODE" and not re.fullmatch(r"0[0-7]{3}", value):
            raise ValueError("MODE %r is not octal" % value)
        pairs.append((key, attr, op, value))
        pos = m.end()
        if pos < len(line):
            if line[pos] != ",":
                raise ValueError("expected ',' at column %d" % (pos + 1))
            pos += 1
    if not any(op in ("==", "!=") for _, _, op, _ in pairs):
        raise ValueError("a rule without a match would apply to every device")
    return pairs


def board_ids(dirs):
    ids = set()
    for d in dirs:
        for path in glob.glob(d + "/*.board"):
            kf = configparser.ConfigParser(interpolation=None)
            kf.read(path, encoding="utf-8")
            for group, key in (("console", "usb-id"), ("flash", "usb-id"), ("flash", "dfu-usb-id")):
                v = kf.get(group, key, fallback=None)
                if v:
                    vid, pid = v.strip().lower().split(":")
                    ids.add((vid, pid))
    return ids


def main():
    rules, dirs = sys.argv[1], sys.argv[2:]
    boards = board_ids(dirs)
    known = boards | RELAYS
    failures, n, ruled = [], 0, set()
    with open(rules, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            n += 1
            try:
                pairs = parse_line(line)
            except ValueError as e:
                failures.append("%s:%d: %s" % (rules, lineno, e))
                continue
            vid = [v for k, a, o, v in pairs if a == "idVendor"]
            pid = [v for k, a, o, v in pairs if a == "idProduct"]
            if vid or pid:
                if vid and pid:
                    ruled.add((vid[0], pid[0]))
                if not (vid and pid) or (vid[0], pid[0]) not in known:
                    failures.append("%s:%d: %s:%s is no board type's or relay's USB id"
                                    % (rules, lineno, vid and vid[0], pid and pid[0]))
    for vid, pid in sorted(boards - ruled):
        failures.append("%s: no rule for %s:%s, which a board type names" % (rules, vid, pid))
    print("1..3")
    print("%s 1 - %d rules parse" % ("not ok" if any("parse" in x or "cannot" in x or "expected" in x
                                                      or "MODE" in x or "attribute" in x
                                                      or "without" in x for x in failures)
                                     else "ok", n))
    print("%s 2 - every USB id is a board type's or the lab's"
          % ("not ok" if any("USB id" in x for x in failures) else "ok"))
    print("%s 3 - every board type's USB id has a rule (%d ids)"
          % ("not ok" if any("no rule" in x for x in failures) else "ok", len(boards)))
    for x in failures:
        print("# " + x)
    return 1 if failures or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
