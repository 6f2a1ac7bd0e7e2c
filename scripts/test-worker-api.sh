#!/usr/bin/env bash
# Runs web/worker-api/selftest.html in headless Chromium over a local HTTP server: the worker
# glue and client against the built pkg/ (run scripts/build-wasm.sh first). Prints the
# page's "selftest: N passed, N failed" line; fails unless at least one check passed and none failed.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/no-modules/guestpack_bg.wasm ] || { echo "test-worker-api: pkg/ missing; run scripts/build-wasm.sh" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null' EXIT
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.1; done
text=$(node scripts/webdriver-page.mjs "http://127.0.0.1:$port/web/worker-api/selftest.html" 120 2>&1)
printf '%s\n' "$text" | sed 's/^/worker-api: /'
line=$(printf '%s\n' "$text" | grep -Eo 'selftest: [0-9]+ passed, [0-9]+ failed' | tail -1)
p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
echo "worker-api: ${p:-0} passed, ${f:-1} failed"
[ -n "$line" ] && [ "${p:-0}" -gt 0 ] && [ "${f:-1}" -eq 0 ]
