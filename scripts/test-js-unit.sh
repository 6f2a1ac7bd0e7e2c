#!/usr/bin/env bash
# The JavaScript unit tests (tests/unit/, node's test runner): the worker client's scheduling
# against fake workers. Needs nothing but Node. Prints a closing "js-unit: N passed, N failed"
# line; fails if any test failed or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/run-node-tests.sh js-unit tests/unit/
