#!/usr/bin/env bash
# The guest scripts run under Wine's cmd.exe (tests/guest/): setup.cmd, uninstall.cmd and
# verify.cmd of media built by guestpack, with stand-in Windows tools compiled by
# gcc-mingw-w64, across the scenario table. Needs wine and gcc-mingw-w64-x86-64 (installed by
# scripts/setup.sh). Prints a closing "guest: N passed, N failed" line; fails if any scenario
# failed or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."
for cmd in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "guest: $cmd is missing (bash scripts/setup.sh installs it)" >&2; echo "guest: 0 passed, 1 failed"; exit 1; }
done
exec bash scripts/run-node-tests.sh guest tests/guest/
