#!/bin/sh
# scripts/test's counting: SKIP is skipped, never passed; EXPECTEDFAIL passes.
set -eu
count=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cat > "$log" <<'JSON'
{"name": "a", "result": "OK"}
{"name": "b", "result": "SKIP"}
{"name": "c", "result": "FAIL"}
{"name": "d", "result": "EXPECTEDFAIL"}
{"name": "e", "result": "TIMEOUT"}
{"name": "f", "result": "SKIP"}
{"name": "g", "result": "UNEXPECTEDPASS"}
JSON
got=$("$count" "$log")
[ "$got" = "2 3 2" ] || { echo "expected '2 3 2', got '$got'"; exit 1; }
echo "ok: $got"
