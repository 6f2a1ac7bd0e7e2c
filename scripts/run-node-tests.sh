#!/usr/bin/env bash
# Runs node's test runner on PATH... and prints the closing "LABEL: N passed, N failed" line
# scripts/test.sh reads (from the TAP summary); fails if any test failed or none ran.
#   scripts/run-node-tests.sh LABEL PATH...
set -uo pipefail
label=$1; shift
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "$@"
status=$?
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
p=${p:-0}; f=${f:-0}
if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
echo "$label: $p passed, $f failed"
[ "$p" -gt 0 ] && [ "$f" -eq 0 ]
