#!/bin/sh
# Automation for case 301 in the tests: checks the facts it is given.
echo "session=$TF_SESSION endpoint=$TF_ENDPOINT server=$TF_SERVER_URI board=$TF_BOARD"
[ -n "$TF_SESSION" ] && [ -n "$TF_ENDPOINT" ] && [ -n "$TF_SERVER_URI" ] && [ -f "$TF_CONSOLE_LOG" ] || exit 2
exit 0
