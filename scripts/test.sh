#!/usr/bin/env bash
# The project's one test command (`npm test` runs this). Runs every suite and prints a
# closing "N passed, N failed" line; fails if any suite fails or if no test ran at all.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== native: cargo test"
cargo test --release --all-targets 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
p=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$4} END {print s+0}')
f=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$6} END {print s+0}')
passed=$((passed + p)); failed=$((failed + f))
if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
echo "native: $p passed, $f failed"

echo
echo "tests: $passed passed, $failed failed"
if [ "$passed" -eq 0 ]; then echo "no tests ran" >&2; exit 1; fi
[ "$failed" -eq 0 ]
