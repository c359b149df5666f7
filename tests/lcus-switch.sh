#!/bin/sh
# An external power switch for tests: writes one CH340 "LCUS" relay frame.
#   lcus-switch.sh DEVICE CHANNEL on|off
dev=$1 ch=$2
case $3 in on) st=1 ;; off) st=0 ;; *) echo "state must be on or off" >&2; exit 2 ;; esac
sum=$(( (0xA0 + ch + st) & 0xFF ))
printf "\\240\\$(printf %03o "$ch")\\$(printf %03o "$st")\\$(printf %03o "$sum")" > "$dev"
