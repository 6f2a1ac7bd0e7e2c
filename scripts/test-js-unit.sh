#!/usr/bin/env bash
# The JavaScript unit tests (tests/unit/, node's test runner): the worker client's scheduling
# against fake workers. Needs nothing but Node. Prints a closing "js-unit: N passed, N failed"
# line; fails if any test failed or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" tests/unit/
status=$?
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
p=${p:-0}; f=${f:-0}
if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
echo "js-unit: $p passed, $f failed"
[ "$p" -gt 0 ] && [ "$f" -eq 0 ]
