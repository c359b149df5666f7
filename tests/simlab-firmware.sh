#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A firmware program for tf-simlab's tests (fixtures/simlab-network-test.c): a banner, then a
# console on stdin/stdout. "echo TEXT" answers "said: TEXT"; "run CMD" runs CMD (in the
# board's network namespace, where the firmware runs) and answers its output and "rc=N".
# $1: a file written when the program ends in order (EOF or a catchable signal); a power cut
# (SIGKILL) leaves it absent. "$2" = --orphan: a "sleep 600" started in the background, its
# pid written to "$3" (a process PR_SET_PDEATHSIG does not reach).
mark=$1
if [ "$2" = --orphan ]; then
  sleep 600 &
  echo $! > "$3"
fi
trap '[ -n "$mark" ] && echo "ended in order" > "$mark"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
echo "testfw $TF_SIM_FIRMWARE_VERSION board=$TF_SIM_BOARD address=$TF_SIM_ADDRESS pid=$$"
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  case "$line" in
    "echo "*) printf 'said: %s\n' "${line#echo }" ;;
    "run "*) sh -c "${line#run }" 2>&1; echo "rc=$?" ;;
    "") ;;
    *) echo "unknown: $line" ;;
  esac
done
