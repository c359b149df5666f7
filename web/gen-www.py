#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gen-www.py SRC MQTT_JS OUT: the dashboard as served: SRC's files plus
mqtt.js (the npm package's UMD bundle) as vendor/mqtt.min.js."""
import os
import shutil
import sys

src, mqtt_js, out = sys.argv[1:4]
tmp = out + ".tmp"
shutil.rmtree(tmp, ignore_errors=True)
shutil.copytree(src, tmp)
os.makedirs(os.path.join(tmp, "vendor"), exist_ok=True)
shutil.copyfile(mqtt_js, os.path.join(tmp, "vendor", "mqtt.min.js"))
shutil.rmtree(out, ignore_errors=True)
os.rename(tmp, out)
