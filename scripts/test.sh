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
echo "== wasm: node, headless Chromium, dedicated worker"
bash scripts/test-wasm.sh 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line=$(grep -Eo '^wasm: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
p=${p:-0}; f=${f:-0}
if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
if [ "$p" -eq 0 ]; then echo "wasm: no test ran" >&2; f=$((f + 1)); fi
passed=$((passed + p)); failed=$((failed + f))

echo
echo "== web: the page end to end (headless Chromium; Firefox when installed)"
bash scripts/test-web.sh 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line=$(grep -Eo '^web: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
p=${p:-0}; f=${f:-0}
if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
if [ "$p" -eq 0 ]; then echo "web: no test ran" >&2; f=$((f + 1)); fi
passed=$((passed + p)); failed=$((failed + f))

echo
echo "== benchmark smoke: native, wasm in Chromium and the shell pipeline on a small payload"
node scripts/bench.mjs --size 8M --smoke 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line=$(grep -Eo '^bench-smoke: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
p=${p:-0}; f=${f:-0}
if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
if [ "$p" -eq 0 ]; then echo "bench-smoke: no check ran" >&2; f=$((f + 1)); fi
passed=$((passed + p)); failed=$((failed + f))

echo
echo "tests: $passed passed, $failed failed"
if [ "$passed" -eq 0 ]; then echo "no tests ran" >&2; exit 1; fi
[ "$failed" -eq 0 ]
