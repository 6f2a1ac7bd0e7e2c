#!/usr/bin/env bash
# Builds the browser module with wasm-pack: the release wasm32 library without the CLI
# feature, and its wasm-bindgen glue for the two ways it is loaded. Output: pkg/no-modules/
# (classic scripts and workers, also from file://) and pkg/web/ (ES modules, with the typed
# declarations). wasm-pack uses the wasm-bindgen-cli scripts/setup.sh installed (same version
# as the crate, found on PATH: nothing is downloaded) and runs no wasm-opt
# (Cargo.toml's [package.metadata.wasm-pack]: Debian's binaryen miscompiles this output).
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$want" != "$have" ]; then
  echo "build-wasm: wasm-bindgen ${have:-missing} does not match the crate's $want; run scripts/setup.sh" >&2
  exit 1
fi
command -v wasm-pack >/dev/null 2>&1 || { echo "build-wasm: wasm-pack missing; run scripts/setup.sh" >&2; exit 1; }

rm -rf pkg/no-modules pkg/web
wasm-pack --quiet build --release --no-pack --target no-modules --no-typescript --out-dir pkg/no-modules \
  --out-name guestpack -- --no-default-features
wasm-pack --quiet build --release --no-pack --target web --out-dir pkg/web --out-name guestpack \
  -- --no-default-features
# wasm-pack copies the crate's README (and a .gitignore) into each; the package the project
# ships is assembled by scripts/build-npm.mjs.
rm -f pkg/no-modules/README.md pkg/web/README.md pkg/no-modules/.gitignore pkg/web/.gitignore
# Lets Node load the ES-module glue without guessing its type.
echo '{ "type": "module" }' > pkg/web/package.json
target_dir=${CARGO_TARGET_DIR:-target}
wasm="$target_dir/wasm32-unknown-unknown/release/guestpack.wasm"
bash scripts/check-wasm-imports.sh "$wasm" pkg/no-modules/guestpack_bg.wasm pkg/web/guestpack_bg.wasm
ls -l pkg/no-modules pkg/web | sed 's/^/build-wasm: /'
