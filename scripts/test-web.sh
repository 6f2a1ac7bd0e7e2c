#!/usr/bin/env bash
# The web page's end-to-end suite: builds the wasm and the page (`npm run build`), then runs
# tests/e2e/ with node's test runner, driving Debian's chromium through playwright-core
# against the served site and the single file from file://. Screenshots go to
# target/screenshots/. Prints a closing "web: N passed, N failed" line; fails if any test
# failed or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund || { echo "web: 0 passed, 1 failed"; exit 1; }

echo "== web: build (wasm + page)"
if ! { bash scripts/build-wasm.sh && node scripts/build-web.mjs; }; then
  echo "web: 0 passed, 1 failed"
  exit 1
fi

echo "== web: end-to-end (headless Chromium)"
exec bash scripts/run-node-tests.sh web tests/e2e/
