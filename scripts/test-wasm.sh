#!/usr/bin/env bash
# The wasm32 test suites through wasm-pack test: parity (Node, headless Chromium and Firefox),
# the Blob reader (a dedicated worker in Chromium and Firefox), the worker glue (Chromium) and
# the npm package (packed, installed, used from Node and type-checked), plus the release build
# (wasm-pack build) and its import check. Prints a closing "wasm: N passed, N failed" line;
# fails if any suite fails or if a runtime ran no test.
set -uo pipefail
cd "$(dirname "$0")/.."

# wasm-pack runs the wasm-bindgen-test suites with the wasm-bindgen-test-runner of the
# wasm-bindgen-cli scripts/setup.sh installed, Debian's chromedriver and the geckodriver
# setup.sh installed, each given explicitly.
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
GECKODRIVER=${GECKODRIVER:-$(command -v geckodriver)}
target_dir=${CARGO_TARGET_DIR:-target}

# The real driver set, zipped at test time and compiled into the wasm tests; never committed.
GUESTPACK_VIRTIO_BUNDLE=$(bash scripts/make-virtio-bundle.sh "$target_dir/virtio-win-8.1-drivers.zip") || exit 1
export GUESTPACK_VIRTIO_BUNDLE

passed=0 failed=0 problems=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run LABEL ENV... -- WASM-PACK TEST ARGS...: one runtime; counts its results, insists on at
# least one. wasm-pack takes its own flags (the runtime) first: from the first flag it does
# not know (`--no-default-features`) on, everything goes to cargo.
run() {
  local label=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  echo "== wasm ($label): wasm-pack test $*"
  env "${envs[@]}" wasm-pack test "$@" 2>&1 \
    | grep -v '^Invoking test:' | tee "$log"
  local status=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$4} END {print s+0}')
  f=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$6} END {print s+0}')
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$p" -eq 0 ]; then echo "wasm ($label): no test ran" >&2; problems=$((problems + 1)); fi
  echo "wasm ($label): $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
}

echo "== wasm: release build and import check"
if ! bash scripts/build-wasm.sh; then problems=$((problems + 1)); fi

chrome=(--headless --chrome --chromedriver "$CHROMEDRIVER")
run node -- --node --no-default-features --test parity
# The parity suite is not tied to a runtime; WASM_BINDGEN_USE_BROWSER puts it in the browser.
run chromium WASM_BINDGEN_USE_BROWSER=1 -- "${chrome[@]}" --no-default-features --test parity
run "chromium worker" -- "${chrome[@]}" --no-default-features --test blob_worker
firefox=(--headless --firefox --geckodriver "$GECKODRIVER")
run firefox WASM_BINDGEN_USE_BROWSER=1 -- "${firefox[@]}" --no-default-features --test parity
run "firefox worker" -- "${firefox[@]}" --no-default-features --test blob_worker

# tally LABEL CMD...: a suite that prints its own "LABEL: N passed, N failed" line; counts it,
# insists on at least one test.
tally() {
  local label=$1; shift
  "$@" | tee "$log"
  local line p f
  line=$(grep -F "$label: " "$log" | grep -Eo '[0-9]+ passed, [0-9]+ failed$' | tail -1)
  p=$(echo "$line" | awk '{print $1}'); f=$(echo "$line" | awk '{print $3}')
  p=${p:-0}; f=${f:-1}
  if [ "$p" -eq 0 ]; then echo "$label: no test ran" >&2; problems=$((problems + 1)); fi
  passed=$((passed + p)); failed=$((failed + f))
}

# The page-facing worker glue (web/worker-api/) end to end against the release build.
echo "== wasm (worker-api): web/worker-api/selftest.html"
tally worker-api bash scripts/test-worker-api.sh

# The npm package (pkg/npm/) packed, installed into an empty project and used from there.
echo "== wasm (npm package): tests/npm/"
tally "wasm (npm package)" bash scripts/run-node-tests.sh "wasm (npm package)" tests/npm/

echo
echo "wasm: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$problems" -eq 0 ]
