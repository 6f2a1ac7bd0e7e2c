#!/usr/bin/env bash
# The project's one test command (`npm test` runs this). Runs every suite, prints each suite's
# counts and a closing "tests: N passed, N failed" line; fails if any suite fails or if any
# suite ran no test at all.
set -uo pipefail
cd "$(dirname "$0")/.."

# First what the tests need (idempotent: skips what is installed; says what it installs).
echo "== setup: bash scripts/setup.sh"
if ! bash scripts/setup.sh; then
  echo "setup failed: no suite was run"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# suite LABEL CMD...: runs CMD, reads its "LABEL: N passed, N failed" line (cargo suites are
# summed from their "test result:" lines), and adds the counts. A non-zero exit without a
# counted failure, or zero passes, counts as a failure.
suite() {
  local label=$1; shift
  echo
  echo "== $label: $*"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]} p f line
  if [ "$label" = native ]; then
    p=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$4} END {print s+0}')
    f=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$6} END {print s+0}')
  else
    line=$(grep -Eo "^$label: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
    p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
    p=${p:-0}; f=${f:-0}
  fi
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$p" -eq 0 ]; then echo "$label: no test ran" >&2; f=$((f + 1)); fi
  echo "$label: $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
}

suite native cargo test --release --all-targets          # core, CLI, readers, guest-tools, parity (native)
suite js-unit bash scripts/test-js-unit.sh                 # the worker client's scheduling, fake workers in Node
suite guest bash scripts/test-guest.sh                    # the guest scripts under Wine's cmd, scenario table
suite wasm bash scripts/test-wasm.sh                       # parity in Node, headless Chromium, dedicated worker
suite web bash scripts/test-web.sh                         # the page on localhost and from file://
suite fuzz-smoke bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}" # every fuzz target, short budget
suite bench-smoke node scripts/bench.mjs --size 8M --smoke # the benchmark still runs end to end

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
