#!/usr/bin/env bash
# Builds the browser module: release wasm32 library without the CLI feature, then the
# wasm-bindgen glue. Output: pkg/no-modules/ (classic scripts and workers, also from file://)
# and pkg/web/ (ES modules). No wasm-opt: Debian's binaryen miscompiles this output.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$want" != "$have" ]; then
  echo "build-wasm: wasm-bindgen ${have:-missing} does not match the crate's $want; run scripts/setup.sh" >&2
  exit 1
fi

target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --target wasm32-unknown-unknown --no-default-features --lib
wasm="$target_dir/wasm32-unknown-unknown/release/guestpack.wasm"

rm -rf pkg/no-modules pkg/web
wasm-bindgen --target no-modules --no-typescript --out-dir pkg/no-modules "$wasm"
wasm-bindgen --target web --out-dir pkg/web "$wasm"
# Lets Node load the ES-module glue without guessing its type.
echo '{ "type": "module" }' > pkg/web/package.json
bash scripts/check-wasm-imports.sh "$wasm" pkg/no-modules/guestpack_bg.wasm pkg/web/guestpack_bg.wasm
ls -l pkg/no-modules pkg/web | sed 's/^/build-wasm: /'
